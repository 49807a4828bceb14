"""A project's configured hand-off: the adapter (by name, with its [handoff.NAME] settings),
the journal (where it is, its lease), and the checks every run makes against both."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ..errors import HandoffError
from ..store import STATE_DIR, Project
from . import DEFAULT_ADAPTER, DEFAULT_CONCURRENCY, open_adapter
from .base import Adapter, Receipt
from .envelope import Envelope, check_channel
from .journal import JOURNAL_FILE, LEASE, TAKEN_OVER, Claim, Journal, Run, RunInfo
from .recipients import RecipientFields


@dataclass(frozen=True)
class Handoff:
    """Where and how messages go: the adapter `via` (its name, default: [handoff] default,
    else outbox; or an open Adapter, left open), the `channel`, the record `fields` that name
    each recipient (a batch), deliveries in flight at once (`concurrency`, a batch), a
    `dry_run` stream (what would be sent is printed there; nothing is sent or recorded), and
    the environment credentials come from (`env`; default: os.environ)."""

    via: str | Adapter | None = None
    channel: str = "email"
    fields: RecipientFields = field(default_factory=RecipientFields)
    concurrency: int = DEFAULT_CONCURRENCY
    dry_run: IO[str] | None = None
    env: Mapping[str, str] | None = None

    def check(self) -> None:
        """HandoffError for a concurrency below 1 or an unknown channel."""
        if self.concurrency < 1:
            raise HandoffError(f"concurrency must be at least 1, not {self.concurrency}")
        check_channel(self.channel)

    @contextlib.contextmanager
    def adapter(self, project: Project | None) -> Iterator[Adapter]:
        """The adapter given (left open), or the one named, opened and closed here."""
        if isinstance(self.via, Adapter):
            yield self.via
            return
        with open_configured(self.via, project, env=self.env, dry_run=self.dry_run) as adapter:
            yield adapter


def adapter_name(via: str | None, project: Project | None) -> str:
    """The adapter to use: `via`, else `default` in [handoff] of tmplkit.toml, else outbox."""
    if via:
        return via
    default = project.settings.handoff.get("default") if project else None
    if default is None:
        return DEFAULT_ADAPTER
    if not isinstance(default, str) or not default:
        raise HandoffError(f"[handoff]: default must be an adapter's name, not {default!r}")
    return default


def open_configured(
    via: str | None,
    project: Project | None,
    *,
    env: Mapping[str, str] | None = None,
    dry_run: IO[str] | None = None,
) -> Adapter:
    """The adapter `via` (see adapter_name) with its `[handoff.NAME]` settings from the
    project's tmplkit.toml and credentials from `env` (default: the environment)."""
    name = adapter_name(via, project)
    options = project.settings.handoff.get(name, {}) if project else {}
    if not isinstance(options, Mapping):
        raise HandoffError(f"[handoff.{name}] in tmplkit.toml must be a table, not {options!r}")
    root = str(project.root) if project else None
    return open_adapter(name, options, env=env, root=root, dry_run=dry_run)


def journal_path(project: Project | None) -> Path:
    """The hand-off journal: in the project's state folder (`.tmplkit/handoff.sqlite3`), or in
    `.tmplkit/` of the current directory for a SOURCE outside any project."""
    return (project.state_dir if project else Path(STATE_DIR)) / JOURNAL_FILE


def journal_lease(project: Project | None) -> float:
    """`lease` in [handoff] of tmplkit.toml (seconds, default journal.LEASE): how long a run
    on another machine keeps its claims after its last heartbeat, and how long a run waits at
    its end for the messages another run is sending."""
    lease = project.settings.handoff.get("lease", LEASE) if project else LEASE
    if isinstance(lease, bool) or not isinstance(lease, int | float) or not lease > 0:
        raise HandoffError(f"[handoff]: lease must be a number of seconds above 0, not {lease!r}")
    return float(lease)


def open_journal(project: Project | None, dry_run: bool) -> Journal | None:
    # A dry run writes nothing: it reads an existing journal (to skip what was sent), no more.
    lease = journal_lease(project)
    path = journal_path(project)
    if dry_run and not path.exists():
        return None
    shown = project.relpath(path) if project is not None else str(path)
    return Journal(path, lease=lease, shown=shown)


def name_of(adapter: Adapter) -> str:
    """What the journal keys an adapter's outcomes by: its [handoff.NAME] table's name."""
    return adapter.context.name or adapter.name


def rebuild_journal(
    project: Project | None, via: str | None = None, *, env: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Record every message the adapter `via` shows it delivered (an outbox read back) as
    accepted in the journal, so that no run sends them again: after the journal was deleted,
    lost or replaced. What it did: the adapter, where it read, the journal, and how many were
    `added`, `settled` (were pending or failed) and `known` (accepted already)."""
    with open_configured(via, project, env=env) as adapter:
        name = name_of(adapter)
        items = adapter.read_back()  # HandoffError for an adapter that cannot
        journal = open_journal(project, dry_run=False)
        assert journal is not None
        with journal:
            counts = journal.record_delivered(name, items)
        return {
            "adapter": name,
            "from": adapter.read_back_from,
            "journal": journal.shown,
            **counts,
        }


def pid_of(holder: RunInfo | None) -> str:
    return f" (pid {holder.pid})" if holder is not None else ""


def settled_before(
    adapter: Adapter,
    journal: Journal,
    name: str,
    envelopes: Sequence[Envelope],
    claims: Sequence[Claim],
    run: Run,
) -> list[Receipt]:
    """The crash window, settled where the adapter can look: of the messages taken over from a
    run that died (it may have delivered them before it could record it), those the adapter
    shows delivered are recorded accepted now (their receipts) and not sent again."""
    taken = [e for e, c in zip(envelopes, claims, strict=True) if c.state == TAKEN_OVER]
    if not taken or not adapter.reads_back:
        return []
    found = adapter.delivered(e.idempotency_key for e in taken)
    receipts = []
    for envelope in taken:
        item = found.get(envelope.idempotency_key)
        if item is not None:
            receipt = Receipt(envelope.idempotency_key, True, remote_id=item.remote_id)
            journal.finish(name, receipt, run)
            receipts.append(receipt)
    return receipts


def check_read_back(adapter: Adapter, journal: Journal) -> None:
    """Refuse to send when the journal knows nothing of this adapter's messages but the
    adapter holds some (an outbox with lines in it): the journal was deleted or replaced, and
    sending now would send those messages again."""
    name = name_of(adapter)
    if not adapter.reads_back or journal.count(name) > 0:
        return
    if next(iter(adapter.read_back()), None) is None:
        return
    raise HandoffError(
        f"the journal {journal.shown} has no record of the messages already in the "
        f"{name} {adapter.read_back_from} (was it deleted?)",
        hint=f"`tmplkit handoff journal rebuild --via {name}` records them as sent; then run "
        "the same command again",
    )
