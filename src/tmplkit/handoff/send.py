"""Sending: render, wrap in envelopes, hand to an adapter, and record each outcome in the journal
so that a batch run again after a crash or Ctrl-C, or run twice at once, sends nothing twice and
loses nothing.

The protocol per message (journal.py has the details): skip it if the journal shows the adapter
accepted its idempotency key before; else claim it for this run (one transaction), deliver,
`finish` with the answer. A message another live run has claimed is left to it and looked at
again later. The one gap left is a process killed after the sending system accepted a message
but before `finish`: the next run takes the claim over and, where the adapter can read back
what it delivered (the outbox), looks before sending; elsewhere it sends the message again,
with the same idempotency key, so a receiver that keeps keys drops it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import IO, Any, TypedDict, Unpack

from ..errors import DeliveryError, HandoffError, RenderError, check_keywords
from ..i18n.locales import normalize
from ..pipeline import SourceSet, count_warnings, load_data_file, resolve
from ..rendering import Renderer
from ..store import Project
from ..variables import strict_problems
from . import DEFAULT_CONCURRENCY
from .base import Adapter, Receipt
from .configured import (
    Handoff,
    adapter_name,
    check_read_back,
    journal_lease,
    journal_path,
    name_of,
    open_configured,
    open_journal,
    pid_of,
    rebuild_journal,
    settled_before,
)
from .envelope import Envelope, Recipient
from .journal import ACCEPTED, BUSY, Claim, Journal, Run
from .recipients import RecipientFields, check_recipient, parse_recipient, recipient_from_record
from .send_batch import (
    ACCEPTED_STATUS,
    DRY_RUN_STATUS,
    ELSEWHERE_STATUS,
    FAILED_STATUS,
    SKIPPED_STATUS,
    Outcome,
    SendEvents,
    SendInterrupted,
    SendSummary,
    send_batch,
    send_batch_job,
)

__all__ = [
    "ACCEPTED_STATUS",
    "DEFAULT_CONCURRENCY",
    "DRY_RUN_STATUS",
    "ELSEWHERE_STATUS",
    "FAILED_STATUS",
    "SKIPPED_STATUS",
    "Handoff",
    "Outcome",
    "RecipientFields",
    "SendEvents",
    "SendInterrupted",
    "SendSummary",
    "adapter_name",
    "check_read_back",
    "journal_lease",
    "journal_path",
    "open_configured",
    "parse_recipient",
    "rebuild_journal",
    "recipient_from_record",
    "send",
    "send_batch",
    "send_batch_job",
    "send_message",
]


def send_message(
    sources: SourceSet,
    to: Recipient | str,
    handoff: Handoff | None = None,
    *,
    data: Mapping[str, Any] | str | os.PathLike[str] | None = None,
    locale: str | None = None,
    strict: bool = False,
    resend: bool = False,
    on_warning: Callable[[str], None] | None = None,
) -> Receipt:
    """Render resolved SOURCE for one recipient and hand it to the adapter `handoff.via`, on
    `handoff.channel` (see send)."""
    handoff = handoff or Handoff()
    project = sources.project
    channel = handoff.channel
    recipient = parse_recipient(to, channel) if isinstance(to, str) else to
    check_recipient(recipient, channel)
    # The adapter first: a bad setting or a missing credential is reported before rendering.
    with handoff.adapter(project) as adapter:
        if isinstance(data, Mapping):
            values = dict(data)
        elif data is not None:
            values = load_data_file(Path(data))
        else:
            values = sources.sample_data() or {}
        if strict:  # data that does not match the variable types: every problem, one line
            problems = strict_problems(sources, values)
            if problems:
                raise RenderError("; ".join(problems))
        counts = count_warnings(sources, values, strict=strict)
        message = Renderer(project).render_sources(sources, values, locale=locale, strict=strict)
        if on_warning is not None:
            for warning in (*message.warnings, *counts):
                on_warning(warning)
        if message.locale is None and project is not None:  # the source language, named
            message = replace(message, locale=normalize(project.settings.source_locale))
        envelope = Envelope.from_message(message, recipient, channel=channel)
        return _send_one(adapter, envelope, project, handoff.dry_run, resend)


class SendOptions(TypedDict, total=False):
    """send's keywords but where SOURCE is: Handoff's fields that one message takes, then
    send_message's."""

    via: str | Adapter | None
    channel: str
    dry_run: IO[str] | None
    env: Mapping[str, str] | None
    data: Mapping[str, Any] | str | os.PathLike[str] | None
    locale: str | None
    strict: bool
    resend: bool
    on_warning: Callable[[str], None] | None


def send(
    source: str | SourceSet,
    to: Recipient | str,
    *,
    project: Project | None = None,
    draft: str | None = None,
    **options: Unpack[SendOptions],
) -> Receipt:
    """Render SOURCE for one recipient and hand it to the adapter `via`.

    SOURCE is resolved here, once (in `project`; `draft` instead of the published one), or
    given resolved (a SourceSet). `to`: a Recipient or what `--to` takes (see
    parse_recipient). `data`: the recipient's data (a mapping or a JSON file; default: the
    template's sample.json). `via`: an adapter's name (default: [handoff] default, else
    outbox) or an open Adapter (left open); `channel`: email (the default), sms, push or chat.

    The outcome is recorded in the journal. A message the journal shows as accepted before is
    not sent again (the receipt says `skipped`) unless `resend`. With `dry_run` (a stream),
    what would be sent is printed there and nothing is sent or recorded. `on_warning` is
    called with each warning of the rendering (a fallback translation, an unsafe URL replaced,
    a plural count that is not a number; under `strict` those are errors, and so is data that
    does not match the template's variable types: a RenderError naming every problem).
    Raises HandoffError for a bad setting or recipient, DeliveryError when the sending system
    refused or failed the message.
    """
    check_keywords("send", options, SendOptions.__optional_keys__)
    sources = source if isinstance(source, SourceSet) else resolve(source, project, draft)
    handoff = Handoff(
        via=options.get("via"),
        channel=options.get("channel", "email"),
        dry_run=options.get("dry_run"),
        env=options.get("env"),
    )
    return send_message(
        sources,
        to,
        handoff,
        data=options.get("data"),
        locale=options.get("locale"),
        strict=options.get("strict", False),
        resend=options.get("resend", False),
        on_warning=options.get("on_warning"),
    )


def _send_one(
    adapter: Adapter,
    envelope: Envelope,
    project: Project | None,
    dry_run: IO[str] | None,
    resend: bool,
) -> Receipt:
    adapter.check(envelope)
    name = name_of(adapter)
    key = envelope.idempotency_key
    journal = open_journal(project, dry_run is not None)
    if journal is None or dry_run is not None:  # a dry run reads the journal, writes nothing
        try:
            if journal is not None and not resend and journal.status(name, key) == ACCEPTED:
                return Receipt(key, True, skipped=True)
            return replace(adapter.deliver(envelope), dry_run=True)
        finally:
            if journal is not None:
                journal.close()
    with (
        journal,
        journal.run(f"send {envelope.template_id or ''} to {envelope.recipient.key()}") as run,
    ):
        check_read_back(adapter, journal)
        claim = _claim_when_free(journal, name, envelope, run, resend=resend)
        if claim.state == ACCEPTED:
            return Receipt(key, True, skipped=True)
        if claim.state == BUSY:
            raise HandoffError(
                f"message {key} is being sent by another run{pid_of(claim.holder)}",
                hint="run the same command again once that run has ended",
            )
        settled = settled_before(adapter, journal, name, [envelope], [claim], run)
        if settled:
            return replace(settled[0], skipped=True)
        try:
            # A StorageError (the outbox's disk is full) goes up as it is: the claim stays,
            # and the next run takes it over and reads the outbox back.
            receipt = adapter.deliver(envelope)
        except DeliveryError as exc:
            journal.finish(name, Receipt.failed(envelope, exc), run)
            raise
        journal.finish(name, receipt, run)
    if not receipt.accepted:
        raise DeliveryError(
            receipt.error or "not accepted", transient=receipt.transient, status=receipt.status
        )
    return receipt


def _claim_when_free(
    journal: Journal, name: str, envelope: Envelope, run: Run, *, resend: bool
) -> Claim:
    """Claim one message; while a live run holds it, wait (up to the lease) for its answer."""
    deadline = time.monotonic() + journal.lease
    wait_for = 0.05
    while True:
        (claim,) = journal.claim(name, [envelope], run, resend=resend)
        if claim.state != BUSY or time.monotonic() >= deadline:
            return claim
        time.sleep(wait_for)
        wait_for = min(wait_for * 2, 1.0)
        resend = False  # once another run has sent it, it is sent
