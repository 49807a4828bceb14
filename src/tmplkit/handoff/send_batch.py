"""Sending a batch: every recipient's message rendered (batch/), claimed in the journal,
delivered on a pool of threads and recorded (sender.py), so that a batch run again after a
crash or Ctrl-C, or run twice at once, sends each message once (send.py has the protocol); on a
Dask cluster, a part a task (dask_send.py)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import IO, TYPE_CHECKING, TypedDict, Unpack

from ..batch import BatchJob, JobOptions, Records, check_options, run_batch
from ..errors import HandoffError, check_keywords
from ..pipeline import SourceSet, resolve
from ..store import Project
from . import DEFAULT_CONCURRENCY
from .base import Adapter
from .configured import Handoff, check_read_back, open_journal
from .journal import Run
from .recipients import RecipientFields
from .sender import (
    ACCEPTED_STATUS,
    DRY_RUN_STATUS,
    ELSEWHERE_STATUS,
    FAILED_STATUS,
    SKIPPED_STATUS,
    BatchSender,
    Outcome,
    SendEvents,
    SendInterrupted,
    SendSummary,
)

if TYPE_CHECKING:
    from ..batch.dask_engine import DaskEngine

__all__ = [
    "ACCEPTED_STATUS",
    "DRY_RUN_STATUS",
    "ELSEWHERE_STATUS",
    "FAILED_STATUS",
    "SKIPPED_STATUS",
    "Outcome",
    "SendBatchOptions",
    "SendEvents",
    "SendInterrupted",
    "SendSummary",
    "send_batch",
    "send_batch_job",
]


def send_batch_job(
    job: BatchJob,
    recipients: Records,
    handoff: Handoff,
    events: SendEvents | None = None,
    engine: DaskEngine | None = None,
) -> SendSummary:
    """Render `job` (its SOURCE resolved once) for every recipient of `recipients` (what
    run_batch reads: a JSONL or CSV file, or records) and hand each message to the adapter
    `handoff.via`; the summary. See send_batch. `engine`: a DaskEngine, whose tasks render
    and deliver a part each (dask_send.py); a dry run runs here, sending nothing."""
    events = events if events is not None else SendEvents()
    handoff.check()
    job = replace(job, keep_data=True)  # each message's recipient comes from its record
    project = job.project
    batch = _batch_name(recipients)
    if engine is not None and handoff.dry_run is None:
        from .dask_send import send_on_dask

        if isinstance(handoff.via, Adapter):
            raise HandoffError("the dask engine opens the adapter on each worker: name it in via")
        return send_on_dask(engine, job, recipients, handoff, events, batch)
    with handoff.adapter(project) as adapter:
        # Errors in SOURCE or the file: raised now, before anything is sent.
        run = run_batch(job, recipients)
        with run, contextlib.ExitStack() as stack:
            journal = open_journal(project, handoff.dry_run is not None)
            claims: Run | None = None
            if journal is not None:
                stack.enter_context(journal)
                if handoff.dry_run is None:
                    check_read_back(adapter, journal)
                    what = f"send-batch {job.sources.name} --recipients {batch}"
                    claims = stack.enter_context(journal.run(what))
            sender = BatchSender(adapter, journal, claims, handoff, events, batch)
            summary = sender.run(run)
    if summary.interrupted:
        raise SendInterrupted(summary)
    return summary


class SendBatchOptions(TypedDict, total=False):
    """send_batch's keywords: Handoff's and SendEvents' fields, and BatchJob's that a batch
    to send takes."""

    via: str | Adapter | None
    channel: str
    fields: RecipientFields
    concurrency: int
    dry_run: IO[str] | None
    env: Mapping[str, str] | None
    on_outcome: Callable[[Outcome], None] | None
    on_warning: Callable[[str, tuple[str, ...]], None] | None
    on_note: Callable[[int, str], None] | None
    locale_field: str | None
    default_locale: str | None
    strict: bool
    workers: int
    chunk_size: int
    engine: DaskEngine | None


def send_batch(
    source: str | SourceSet,
    recipients: Records,
    *,
    project: Project | None = None,
    draft: str | None = None,
    **options: Unpack[SendBatchOptions],
) -> SendSummary:
    """Render SOURCE for every recipient of `recipients` (what render_batch reads: a JSONL or
    CSV file, or records) and hand each message to the adapter `via`; the summary.

    SOURCE is resolved here, once (in `project`; `draft` instead of the published one), or
    given resolved (a SourceSet). The other keywords are Handoff's (via, channel, fields,
    concurrency, dry_run, env), SendEvents' (on_outcome, on_warning, on_note) and BatchJob's
    (locale_field, default_locale, strict, workers, chunk_size): see send_batch_job, which
    takes them so. `engine` (a batch.dask_engine.DaskEngine) renders and delivers on a Dask
    cluster, a part of `chunk_size` recipients a task, each part with its own journal.

    Each recipient's address, phone, name and id come from the record's `fields`. Each message
    is claimed in the journal before it is delivered and its answer recorded after, on
    `concurrency` threads (`workers` processes render): messages accepted before are skipped,
    and messages another live run is sending are left to it (waited for at the end, up to the
    journal's lease), so that overlapping runs of one batch send each message once. A record
    that cannot be rendered or names no recipient is a failure with its reason. `on_outcome`
    is called with each recipient's Outcome as it is known, `on_warning` with each locale's
    fallback warnings the first time, `on_note` with a record's line and each warning its
    data gave (an unsafe URL replaced, a plural count that is not a number), all in the main
    thread.

    With `dry_run` (a stream), what would be sent is printed there, one message at a time, and
    nothing is sent or recorded. Ctrl-C lets the deliveries in flight finish, then raises
    SendInterrupted carrying the summary. A full disk (the journal, the outbox) stops the batch
    with a StorageError once the deliveries in flight are recorded: the next run sends the rest.
    """
    check_keywords("send_batch", options, SendBatchOptions.__optional_keys__)
    handoff = Handoff(
        via=options.get("via"),
        channel=options.get("channel", "email"),
        fields=options.get("fields", RecipientFields()),
        concurrency=options.get("concurrency", DEFAULT_CONCURRENCY),
        dry_run=options.get("dry_run"),
        env=options.get("env"),
    )
    events = SendEvents(
        options.get("on_outcome"), options.get("on_warning"), options.get("on_note")
    )
    job_options: JobOptions = {
        "locale_field": options.get("locale_field"),
        "default_locale": options.get("default_locale"),
        "strict": options.get("strict", False),
        "workers": options.get("workers", 1),
        "keep_data": True,
    }
    if "chunk_size" in options:
        job_options["chunk_size"] = options["chunk_size"]
    handoff.check()  # a bad concurrency or channel, then SOURCE, then the batch's settings
    if not isinstance(source, SourceSet):
        source = resolve(source, project, draft)
    check_options(job_options)
    job = BatchJob(source, **job_options)
    return send_batch_job(job, recipients, handoff, events, options.get("engine"))


def _batch_name(recipients: Records) -> str | None:
    """The recipients file as the journal and the envelopes name it (None for records)."""
    return os.fspath(recipients) if isinstance(recipients, str | os.PathLike) else None
