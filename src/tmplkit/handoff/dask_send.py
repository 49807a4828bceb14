"""send-batch on a Dask cluster: each part of the recipients rendered and delivered by one task,
with a journal of its own, so that each message is sent once.

The protocol of one run (docs/batch.md, "Exactly once"):

- The client reads the recipients in parts of `part_size` records (the same file and part size
  give the same parts) and submits each as a task, a few at a time, in order.
- A task renders its part with the worker process's cached Worker (batch/engine.py), then
  claims, delivers and records each message exactly as a local run does (send_batch.py), in the
  part's own journal: `.tmplkit/handoff-parts/BATCH/part-NNNNN.sqlite3`, BATCH naming the
  adapter, the template and draft, the recipients file and the part size. One task writes one
  part journal at a time: no SQLite file is shared by processes of several machines at once.
- Before a task sends a message it also looks it up, read-only, in `base.sqlite3`: a copy of
  the project's journal the client made when the run started, so what a local run (or an
  earlier Dask run) sent is skipped.
- A worker killed mid-part: Dask runs the task again elsewhere. The new task finds the dead
  run's claims in the part journal and takes them over as a local run takes over a dead run's
  claims: what was accepted is skipped, what was in flight is settled by reading back (the
  outbox) or sent again with the same idempotency key (the crash window).
- When the run ends, the client merges every part journal's accepted messages into the
  project's journal (`tmplkit handoff journal` shows them; a local run skips them).
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..batch import BatchJob, Records
from ..batch.dask_engine import DaskEngine, PartInfo
from ..batch.engine import ShippedJob, here, ship
from ..batch.records import Chunk, OpenRecords, open_records
from ..batch.run import BatchRun
from ..rendering import Renderer
from ..store import STATE_DIR
from .configured import Handoff, check_read_back, journal_lease, name_of, open_journal
from .journal import ACCEPTED, Claim, Journal, Run, accepted_keys
from .sender import BatchSender, Outcome, SendEvents, SendSummary

PARTS_DIR = "handoff-parts"
BASE = "base.sqlite3"


class PartJournal(Journal):
    """A Dask part's journal, which also knows what the run's `base` (a read-only copy of the
    project's journal) recorded accepted: those messages are skipped as sent."""

    def __init__(self, path: Path, base: Path | None, *, lease: float) -> None:
        super().__init__(path, lease=lease, wal=False)
        self.base = None
        if base is not None and base.exists():
            import sqlite3

            uri = f"file:{base}?mode=ro&immutable=1"
            self.base = sqlite3.connect(uri, uri=True, check_same_thread=False)

    def _in_base(self, adapter: str, keys: list[str]) -> set[str]:
        if self.base is None or not keys:
            return set()
        base = self.base
        return accepted_keys(
            lambda query, args: base.execute(query, args).fetchall(), adapter, keys
        )

    def status(self, adapter: str, key: str) -> str | None:
        if self._in_base(adapter, [key]):
            return ACCEPTED
        return super().status(adapter, key)

    def claim(self, adapter: str, envelopes: Any, run: Run, **options: Any) -> list[Claim]:
        sent = self._in_base(adapter, [e.idempotency_key for e in envelopes])
        if not sent:
            return super().claim(adapter, envelopes, run, **options)
        rest = [i for i, e in enumerate(envelopes) if e.idempotency_key not in sent]
        lines = options.pop("lines", None)
        if lines is not None:
            options["lines"] = [lines[i] for i in rest]
        claims = iter(super().claim(adapter, [envelopes[i] for i in rest], run, **options))
        return [
            Claim(e.idempotency_key, ACCEPTED) if e.idempotency_key in sent else next(claims)
            for e in envelopes
        ]

    def close(self) -> None:
        super().close()
        if self.base is not None:
            self.base.close()


@dataclass(frozen=True)
class _PartSend:
    """What every send task of a run shares: the hand-off (by adapter name; credentials come
    from the worker's environment), the part journals' folder, the base, the lease."""

    via: str
    channel: str
    fields: Any
    concurrency: int
    batch: str | None
    parts: str
    lease: float
    command: str


@dataclass
class _PartResult:
    """A part's outcomes, in the order the task reported them, and what it warned of."""

    outcomes: list[Outcome]
    warnings: dict[str, tuple[str, ...]] = field(default_factory=dict)
    notes: list[tuple[int, str]] = field(default_factory=list)
    info: PartInfo | None = None


def _send_task(shipped: ShippedJob, spec: _PartSend, chunk: Chunk, index: int) -> _PartResult:
    """One part, on a worker: rendered, claimed in the part's journal, delivered, recorded."""
    worker = shipped.worker()
    before = len(worker.prepared)
    out = _PartResult([])
    events = SendEvents(
        on_outcome=out.outcomes.append,
        on_warning=out.warnings.__setitem__,
        on_note=lambda line, note: out.notes.append((line, note)),
    )
    handoff = Handoff(
        via=spec.via, channel=spec.channel, fields=spec.fields, concurrency=spec.concurrency
    )
    parts = Path(spec.parts)
    run = BatchRun(worker.job, OpenRecords(iter([chunk]), spec.batch or "", None, []), worker)
    with handoff.adapter(worker.job.project) as adapter:
        path = parts / f"part-{index:05d}.sqlite3"
        journal = PartJournal(path, parts / BASE, lease=spec.lease)
        with run, journal, journal.run(f"{spec.command} (part {index})") as claims:
            sender = BatchSender(adapter, journal, claims, handoff, events, spec.batch)
            sender.run(run)
    out.info = PartInfo(here(), worker.prepared[before:], 0)
    return out


def batch_id(name: str, job: BatchJob, recipients: Records) -> str:
    """The folder naming a batch's part journals: the same adapter, template, draft,
    recipients file and part size give the same parts, and so the same journals."""
    sources = job.sources
    where = (
        os.path.abspath(os.fspath(recipients)) if isinstance(recipients, str | os.PathLike) else ""
    )
    what = [
        name,
        sources.template.id if sources.template else sources.name,
        sources.draft.id if sources.draft else "",
        where,
        str(job.chunk_size),
    ]
    return hashlib.sha256("\0".join(what).encode("utf-8")).hexdigest()[:16]


def send_on_dask(
    engine: DaskEngine,
    job: BatchJob,
    recipients: Records,
    handoff: Handoff,
    events: SendEvents,
    batch: str | None,
) -> SendSummary:
    """Send a batch on `engine`'s cluster (see the module's docstring); the summary, as a
    local run gives it."""
    project = job.project
    job = replace(job, workers=1)  # a task renders in its own process
    with handoff.adapter(project) as adapter:
        name = name_of(adapter)
        # Errors in SOURCE: raised now, before anything is sent (as run_batch does).
        Renderer(project).prepare_sources(job.sources)
        records = open_records(recipients, job)
        journal = open_journal(project, False)
        assert journal is not None
        state = project.state_dir if project is not None else Path(STATE_DIR)
        parts = state / PARTS_DIR / batch_id(name, job, recipients)
        parts.mkdir(parents=True, exist_ok=True)
        summary = SendSummary(name, batch or "")
        started = time.perf_counter()
        with journal:
            check_read_back(adapter, journal)
            _merge(journal, parts)  # what an earlier run left (its client was killed)
            journal.snapshot(parts / BASE)
            spec = _PartSend(
                via=name,
                channel=handoff.channel,
                fields=handoff.fields,
                concurrency=handoff.concurrency,
                batch=batch,
                parts=str(parts),
                lease=journal_lease(project),
                command=f"send-batch {job.sources.name} --recipients {batch} --engine dask",
            )
            shipped = ship(job)
            warned: set[str] = set()
            try:
                calls = (
                    (_send_task, shipped, spec, chunk, index)
                    for index, chunk in enumerate(records.chunks)
                )
                for result in engine.ordered(calls):
                    assert result.info is not None
                    engine.report.add(result.info)
                    for locale, lines in result.warnings.items():
                        if locale not in warned and events.on_warning is not None:
                            events.on_warning(locale, lines)
                        warned.add(locale)
                    if events.on_note is not None:
                        for line, note in result.notes:
                            events.on_note(line, note)
                    for outcome in result.outcomes:
                        summary.add(outcome)
                        if events.on_outcome is not None:
                            events.on_outcome(outcome)
            finally:
                for close in reversed(records.closers):
                    close()
                _merge(journal, parts)
                summary.elapsed = time.perf_counter() - started
    return summary


def _merge(journal: Journal, parts: Path) -> None:
    for path in sorted(parts.glob("part-*.sqlite3")):
        journal.merge_accepted(path)
