"""What every adapter is: configured from `[handoff.NAME]` and the environment, it delivers
envelopes and says what the sending system answered."""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, ClassVar

from ..errors import HandoffError, TmplkitError
from .envelope import Envelope


@dataclass(frozen=True)
class Receipt:
    """A sending system's answer for one envelope.

    `accepted`: the system took the message (what the journal records as sent). `remote_id`:
    the id it gave (a DAPI message id, a LEKAB runtimeid, an SMTP queue id), if any.
    `error`: why it was not accepted; `transient`: whether a later run should retry it.
    `dry_run`: nothing was sent. `skipped`: nothing was sent because the journal shows the
    system accepted this message (same idempotency key) in an earlier run.
    """

    key: str
    accepted: bool
    remote_id: str | None = None
    error: str | None = None
    transient: bool = False
    status: int | None = None
    dry_run: bool = False
    detail: Mapping[str, Any] = field(default_factory=dict)
    skipped: bool = False

    @classmethod
    def failed(cls, envelope: Envelope, exc: TmplkitError) -> Receipt:
        """`envelope` was not accepted because of `exc`; a DeliveryError's `transient` and
        `status` carry over, any other error is a refusal that would repeat."""
        return cls(
            envelope.idempotency_key,
            False,
            error=str(exc),
            transient=bool(getattr(exc, "transient", False)),
            status=getattr(exc, "status", None),
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "accepted": self.accepted}
        for name, value in (
            ("remoteId", self.remote_id),
            ("error", self.error),
            ("status", self.status),
        ):
            if value is not None:
                out[name] = value
        if self.error is not None:
            out["transient"] = self.transient
        if self.dry_run:
            out["dryRun"] = True
        if self.skipped:
            out["skipped"] = True
        if self.detail:
            out["detail"] = dict(self.detail)
        return out


@dataclass(frozen=True)
class Delivered:
    """A message an adapter shows it delivered, read back from its own store (the outbox's
    file or folder): what the journal needs to record it as accepted."""

    key: str
    recipient: str | None = None
    channel: str | None = None
    batch: str | None = None
    line: int | None = None
    remote_id: str | None = None


@dataclass(frozen=True)
class Context:
    """What an adapter is made with: its `[handoff.NAME]` table, the environment to read
    credentials from, the project root (for relative paths such as the outbox file), and
    `dry_run`: a stream to print what would be sent to, instead of sending."""

    options: Mapping[str, Any] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    root: str | None = None
    dry_run: IO[str] | None = None
    name: str = ""

    def option(self, key: str, default: Any = None, *, required: bool = False) -> Any:
        if key in self.options:
            return self.options[key]
        if required:
            raise HandoffError(
                f"[handoff.{self.name}]: missing setting {key!r}",
                hint=f"add `{key} = ...` under [handoff.{self.name}] in tmplkit.toml",
            )
        return default

    def secret(self, setting: str, default_var: str, *, required: bool = True) -> str | None:
        """A credential from the environment: the variable named by `setting` (e.g.
        `api_key_env = "ACME_KEY"`), else `default_var`. Never a value from the file."""
        if setting.removesuffix("_env") in self.options:
            raise HandoffError(
                f"[handoff.{self.name}]: {setting.removesuffix('_env')!r} is a credential and "
                "cannot be written in tmplkit.toml",
                hint=f"set the environment variable {default_var} (or name another one with "
                f'{setting} = "VAR")',
            )
        var = str(self.options.get(setting, default_var))
        value = self.env.get(var)
        if not value and required:
            raise HandoffError(
                f"[handoff.{self.name}]: the environment variable {var} is not set",
                hint=f"export {var}=... (credentials come from the environment only)",
            )
        return value or None


class Adapter(ABC):
    """One sending system. Subclasses set `name` and `channels`, read their settings in
    `__init__` (raising HandoffError for a bad one, before anything is sent), and implement
    `deliver`. Batches go through `deliver_many`, which adapters with a batch API override."""

    name: ClassVar[str]
    channels: ClassVar[frozenset[str]] = frozenset({"email"})
    description: ClassVar[str] = ""
    # Whether read_back can list what this adapter delivered (an outbox can; a remote
    # system cannot be asked).
    reads_back: ClassVar[bool] = False

    def __init__(self, context: Context) -> None:
        self.context = context

    @property
    def dry_run(self) -> bool:
        return self.context.dry_run is not None

    def check(self, envelope: Envelope) -> None:
        """Raise HandoffError if this adapter cannot carry `envelope` (its channel, a missing
        address or phone number); nothing is sent for it."""
        if envelope.channel not in self.channels:
            raise HandoffError(
                f"{self.name} does not carry {envelope.channel} messages",
                hint="channels it carries: " + ", ".join(sorted(self.channels)),
            )

    @abstractmethod
    def deliver(self, envelope: Envelope) -> Receipt:
        """Send one envelope; a Receipt, or DeliveryError if the system refused or failed."""

    def deliver_many(self, envelopes: Sequence[Envelope]) -> Iterable[Receipt]:
        """Send several envelopes, one Receipt each, in order; a failure is a failed Receipt."""
        for envelope in envelopes:
            try:
                yield self.deliver(envelope)
            except HandoffError as exc:  # refused, failed, or cannot go (no address): the rest can
                yield Receipt.failed(envelope, exc)

    def read_back(self) -> Iterator[Delivered]:
        """What this adapter delivered, read back from where it delivers (only where
        `reads_back`): how the journal's crash window is settled, and how a lost journal is
        rebuilt."""
        raise HandoffError(
            f"{self.name} cannot read back what it delivered",
            hint="only an outbox keeps what it delivered where tmplkit can read it",
        )

    @property
    def read_back_from(self) -> str:
        """Where read_back reads, as the user configured it (the outbox's file or folder)."""
        return self.name

    def delivered(self, keys: Iterable[str]) -> dict[str, Delivered]:
        """Of `keys`, those read_back shows delivered (empty when the adapter cannot tell)."""
        wanted = set(keys)
        if not self.reads_back or not wanted:
            return {}
        return {item.key: item for item in self.read_back() if item.key in wanted}

    def close(self) -> None:  # noqa: B027 (most adapters hold nothing to release)
        """Release connections and files."""

    def __enter__(self) -> Adapter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
