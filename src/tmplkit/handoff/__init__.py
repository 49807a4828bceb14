"""Hand-off: deliver rendered messages to sending systems, one adapter module each."""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from ..errors import HandoffError
from ..registry import Registry
from .base import Adapter, Context, Receipt
from .envelope import CHANNELS, ENVELOPE_VERSION, Envelope, Recipient

__all__ = [
    "CHANNELS",
    "ENVELOPE_VERSION",
    "REGISTRY",
    "Adapter",
    "Context",
    "Envelope",
    "Receipt",
    "Recipient",
    "adapter_class",
    "available",
    "open_adapter",
]

# name -> "module:Class"; modules load on first use.
REGISTRY: dict[str, str] = {
    "outbox": "outbox:OutboxAdapter",
    "smtp": "smtp:SmtpAdapter",
    "webhook": "webhook:WebhookAdapter",
    "uiowa-dispatch": "uiowa:UiowaDispatchAdapter",
    "vonage-dispatch": "vonage:VonageDispatchAdapter",
    "lekab-dispatch": "lekab:LekabDispatchAdapter",
    "dapi": "dapi:DapiAdapter",
}
DEFAULT_ADAPTER = "outbox"
# Adapters with an event receiver (`tmplkit handoff receive`; see receiver.py).
RECEIVERS = ("lekab-dispatch",)
# send_batch's deliveries in flight at once: enough to hide a service's latency. Here, not in
# send.py, so that the command line has it without importing the sending machinery.
DEFAULT_CONCURRENCY = 4


def _unknown(name: str, names: list[str]) -> HandoffError:
    return HandoffError(f"unknown adapter {name!r}", hint="adapters: " + ", ".join(names))


_ADAPTERS: Registry[type[Adapter]] = Registry(__name__, REGISTRY, _unknown)


def available() -> list[str]:
    """Adapter names whose module exists, sorted."""
    return _ADAPTERS.available()


def adapter_class(name: str) -> type[Adapter]:
    """The adapter class `name` stands for, its module imported on first use."""
    return _ADAPTERS.load(name)


def open_adapter(
    name: str,
    options: Mapping[str, Any] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    root: str | None = None,
    dry_run: IO[str] | None = None,
) -> Adapter:
    """The adapter `name`, configured with `options` (its `[handoff.NAME]` table) and
    credentials from `env` (default: os.environ). An `adapter = "webhook"` option lets a
    table have another name (`[handoff.billing-hook]`)."""
    import os

    options = dict(options or {})
    kind = str(options.get("adapter", name))
    cls = adapter_class(kind)
    context = Context(
        options=options,
        env=dict(os.environ) if env is None else env,
        root=root,
        dry_run=dry_run,
        name=name,
    )
    return cls(context)
