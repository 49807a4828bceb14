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

import contextlib
import email.utils
import os
import re
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

from ..batch import BatchRun, Records, record_field, render_batch
from ..batch import _kind as kind_of  # a JSON value's kind, as bad records are told
from ..errors import DeliveryError, HandoffError, RenderError, StorageError, TmplkitError
from ..i18n.locales import normalize
from ..pipeline import count_warnings, load_data_file, resolve
from ..render import Renderer
from ..store import STATE_DIR, Project
from ..variables import strict_problems
from . import DEFAULT_ADAPTER, DEFAULT_CONCURRENCY, open_adapter
from .base import Adapter, Receipt
from .envelope import Envelope, Recipient, check_channel
from .journal import (
    ACCEPTED,
    BUSY,
    JOURNAL_FILE,
    LEASE,
    TAKEN_OVER,
    Claim,
    Journal,
    Run,
    RunInfo,
)

__all__ = [
    "DEFAULT_CONCURRENCY",
    "Outcome",
    "RecipientFields",
    "SendInterrupted",
    "SendSummary",
    "adapter_name",
    "journal_path",
    "open_configured",
    "parse_recipient",
    "rebuild_journal",
    "recipient_from_record",
    "send",
    "send_batch",
]

DEFAULT_GROUP = 100  # envelopes per deliver_many call, for adapters with a batch API
MAX_FAILURES_KEPT = 1000  # in the summary; all of them are counted, and reported as they come

ACCEPTED_STATUS = "accepted"
FAILED_STATUS = "failed"
SKIPPED_STATUS = "skipped"
ELSEWHERE_STATUS = "elsewhere"
DRY_RUN_STATUS = "dry-run"


# --- the adapter, the journal ---------------------------------------------------------------


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


@contextlib.contextmanager
def _adapter(
    via: str | Adapter | None,
    project: Project | None,
    env: Mapping[str, str] | None,
    dry_run: IO[str] | None,
) -> Iterator[Adapter]:
    """The adapter given (left open), or the one named, opened and closed here."""
    if isinstance(via, Adapter):
        yield via
        return
    with open_configured(via, project, env=env, dry_run=dry_run) as adapter:
        yield adapter


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


def _open_journal(project: Project | None, dry_run: bool) -> Journal | None:
    # A dry run writes nothing: it reads an existing journal (to skip what was sent), no more.
    lease = journal_lease(project)
    path = journal_path(project)
    if dry_run and not path.exists():
        return None
    shown = project.relpath(path) if project is not None else str(path)
    return Journal(path, lease=lease, shown=shown)


def _name_of(adapter: Adapter) -> str:
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
        name = _name_of(adapter)
        items = adapter.read_back()  # HandoffError for an adapter that cannot
        journal = _open_journal(project, dry_run=False)
        assert journal is not None
        with journal:
            counts = journal.record_delivered(name, items)
        return {
            "adapter": name,
            "from": adapter.read_back_from,
            "journal": journal.shown,
            **counts,
        }


# --- recipients -------------------------------------------------------------------------------

_PHONE_RE = re.compile(r"^\+?[0-9(][0-9 ().-]{4,}$")


def parse_recipient(to: str, channel: str | None = None) -> Recipient:
    """Who `--to` names: an e-mail address (`ann@example.com`, `Ann <ann@example.com>`), a
    phone number (`+46 70 123 45 67`, spaces and dashes dropped), or a user id for push and
    chat (`id:u-42`, or anything that is neither). With `channel`, HandoffError unless it is
    what the channel needs (an address for e-mail, a phone number for SMS)."""
    text = to.strip()
    if not text:
        raise HandoffError("no recipient: --to is empty")
    if text.startswith("id:"):
        recipient = Recipient(id=text[3:].strip() or None)
    elif "@" in text:
        name, address = email.utils.parseaddr(text)
        if not _is_address(address):
            raise HandoffError(f"{to!r} is not an e-mail address")
        recipient = Recipient(address=address, name=name or None)
    elif _PHONE_RE.match(text):
        recipient = Recipient(phone=re.sub(r"[ ().-]", "", text))
    else:
        recipient = Recipient(id=text)
    if channel == "email" and not recipient.address:
        hint = "to send it an SMS: --channel sms" if recipient.phone else None
        raise HandoffError(f"{to!r} is not an e-mail address", hint=hint)
    if channel == "sms" and not recipient.phone:
        raise HandoffError(f"{to!r} is not a phone number", hint='write it like "+46701234567"')
    return recipient


def _is_address(address: str) -> bool:
    local, at, domain = address.rpartition("@")
    return bool(at and local and "." in domain and not re.search(r"[\s<>,;]", address))


@dataclass(frozen=True)
class RecipientFields:
    """Which fields of a recipient record hold the address, phone number, name, user id and
    attributes (a mapping some sending systems take along). A dotted name (`user.email`)
    reaches into nested objects, as CSV columns `user.email` nest."""

    address: str = "email"
    phone: str = "phone"
    name: str = "name"
    id: str = "id"
    attributes: str = "attributes"


def recipient_from_record(
    record: Mapping[str, Any], fields: RecipientFields = RecipientFields()
) -> Recipient:
    """The recipient a record names (HandoffError for a field of the wrong type)."""
    values: dict[str, str | None] = {}
    for attr in ("address", "phone", "name", "id"):
        path = getattr(fields, attr)
        value = record_field(record, path, Mapping)
        if value is None or value == "":
            values[attr] = None
        elif isinstance(value, str):
            values[attr] = value.strip()
        elif attr == "id" and isinstance(value, int) and not isinstance(value, bool):
            values[attr] = str(value)
        else:
            raise HandoffError(f"field {path!r} must be a string, not {kind_of(value)}")
    attributes = record_field(record, fields.attributes, Mapping)
    if attributes is not None and not isinstance(attributes, Mapping):
        raise HandoffError(
            f"field {fields.attributes!r} must be an object, not {kind_of(attributes)}"
        )
    return Recipient(
        address=values["address"],
        phone=values["phone"],
        id=values["id"],
        name=values["name"],
        attributes=dict(attributes or {}),
    )


def check_recipient(
    recipient: Recipient, channel: str, fields: RecipientFields | None = None
) -> None:
    """HandoffError when the recipient lacks what the channel needs: an address for e-mail,
    a phone number for SMS, any of id, phone or address for push and chat."""
    check_channel(channel)
    if channel == "email":
        if not recipient.address:
            raise HandoffError("no e-mail address" + _where(fields, "address", "--to-field"))
        if not _is_address(recipient.address):
            raise HandoffError(f"{recipient.address!r} is not an e-mail address")
    elif channel == "sms":
        if not recipient.phone:
            raise HandoffError("no phone number" + _where(fields, "phone", "--phone-field"))
    elif not (recipient.id or recipient.phone or recipient.address):
        raise HandoffError(
            f"no {channel} recipient" + _where(fields, "id", "--id-field"),
        )


def _where(fields: RecipientFields | None, attr: str, option: str) -> str:
    if fields is None:
        return ""
    return f" (field {getattr(fields, attr)!r}; {option} names another)"


def _who(recipient: Recipient, channel: str) -> str:
    """The recipient as a person would name them on this channel."""
    if channel == "email":
        return recipient.address or recipient.key()
    if channel == "sms":
        return recipient.phone or recipient.key()
    return recipient.key()


# --- one message ------------------------------------------------------------------------------


def send(
    source: str,
    to: Recipient | str,
    *,
    via: str | Adapter | None = None,
    project: Project | None = None,
    data: Mapping[str, Any] | str | os.PathLike[str] | None = None,
    locale: str | None = None,
    channel: str = "email",
    draft: str | None = None,
    strict: bool = False,
    dry_run: IO[str] | None = None,
    resend: bool = False,
    env: Mapping[str, str] | None = None,
    on_warning: Callable[[str], None] | None = None,
) -> Receipt:
    """Render SOURCE for one recipient and hand it to the adapter `via`.

    `to`: a Recipient or what `--to` takes (see parse_recipient). `data`: the recipient's data
    (a mapping or a JSON file; default: the template's sample.json). `via`: an adapter's name
    (default: [handoff] default, else outbox) or an open Adapter (left open).

    The outcome is recorded in the journal. A message the journal shows as accepted before is
    not sent again (the receipt says `skipped`) unless `resend`. With `dry_run` (a stream),
    what would be sent is printed there and nothing is sent or recorded. `on_warning` is
    called with each warning of the rendering (a fallback translation, an unsafe URL replaced,
    a plural count that is not a number; under `strict` those are errors, and so is data that
    does not match the template's variable types: a RenderError naming every problem).
    Raises HandoffError for a bad setting or recipient, DeliveryError when the sending system
    refused or failed the message.
    """
    sources = resolve(source, project, draft)
    project = sources.project
    recipient = parse_recipient(to, channel) if isinstance(to, str) else to
    check_recipient(recipient, channel)
    # The adapter first: a bad setting or a missing credential is reported before rendering.
    with _adapter(via, project, env, dry_run) as adapter:
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
        return _send_one(adapter, envelope, project, dry_run, resend)


def _send_one(
    adapter: Adapter,
    envelope: Envelope,
    project: Project | None,
    dry_run: IO[str] | None,
    resend: bool,
) -> Receipt:
    adapter.check(envelope)
    name = _name_of(adapter)
    key = envelope.idempotency_key
    journal = _open_journal(project, dry_run is not None)
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
                f"message {key} is being sent by another run{_pid(claim.holder)}",
                hint="run the same command again once that run has ended",
            )
        settled = _settled_before(adapter, journal, name, [envelope], [claim], run)
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


def _pid(holder: RunInfo | None) -> str:
    return f" (pid {holder.pid})" if holder is not None else ""


def _settled_before(
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
    name = _name_of(adapter)
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


# --- many messages ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What became of one recipient of a batch: `status` is accepted, failed, skipped
    (accepted in an earlier or a concurrent run, or the same message earlier in this one),
    elsewhere (another run was still sending it when this one ended: that run reports it) or
    dry-run (would be sent). `key` is the message's idempotency key (None when it could not
    be rendered). `note` says more where a status needs it (which run has it elsewhere)."""

    line: int
    recipient: str
    status: str
    key: str | None = None
    error: str | None = None
    transient: bool = False
    remote_id: str | None = None
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"line": self.line, "recipient": self.recipient}
        out["status"] = self.status
        if self.key is not None:
            out["key"] = self.key
        if self.remote_id is not None:
            out["remoteId"] = self.remote_id
        if self.error is not None:
            out["error"] = self.error
            out["transient"] = self.transient
        if self.note is not None:
            out["note"] = self.note
        return out


@dataclass
class SendSummary:
    """A batch's counts: accepted, failed (the first MAX_FAILURES_KEPT kept with their
    reasons), skipped as already sent, in progress elsewhere (claimed by another live run
    until this one ended), and, in a dry run, the messages that would be sent.
    `interrupted`: Ctrl-C stopped the run; the recipients after the last one counted were not
    attempted (the next run sends them)."""

    adapter: str
    name: str = ""  # the recipients file
    accepted: int = 0
    failed: int = 0
    skipped: int = 0
    elsewhere: int = 0
    would_send: int = 0
    dry_run: bool = False
    interrupted: bool = False
    elapsed: float = 0.0
    failures: list[Outcome] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.accepted + self.failed + self.skipped + self.elsewhere + self.would_send

    def add(self, outcome: Outcome) -> None:
        if outcome.status == ACCEPTED_STATUS:
            self.accepted += 1
        elif outcome.status == SKIPPED_STATUS:
            self.skipped += 1
        elif outcome.status == ELSEWHERE_STATUS:
            self.elsewhere += 1
        elif outcome.status == DRY_RUN_STATUS:
            self.would_send += 1
        else:
            self.failed += 1
            if len(self.failures) < MAX_FAILURES_KEPT:
                self.failures.append(outcome)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "adapter": self.adapter,
            "recipients": self.total,
            "accepted": self.accepted,
            "failed": self.failed,
            "skipped": self.skipped,
            "elsewhere": self.elsewhere,
        }
        if self.dry_run:
            out["dryRun"] = True
            out["wouldSend"] = self.would_send
        out["interrupted"] = self.interrupted
        out["elapsedSeconds"] = round(self.elapsed, 3)
        out["failures"] = [f.to_json() for f in self.failures]
        return out

    def text(self) -> list[str]:
        """The summary as lines of text, for a terminal."""
        counts = [
            f"{self.would_send:,} would be sent" if self.dry_run else f"{self.accepted:,} accepted",
            f"{self.failed:,} failed",
            f"{self.skipped:,} skipped (already sent)",
        ]
        if self.elsewhere:
            counts.append(f"{self.elsewhere:,} in progress elsewhere")
        recipients = "recipient" if self.total == 1 else "recipients"
        line = f"{self.total:,} {recipients} via {self.adapter}: " + ", ".join(counts)
        if self.dry_run:
            return [f"dry run: {line}; nothing was sent"]
        line += f" in {self.elapsed:.2f} s"
        if self.interrupted:
            return [
                f"interrupted: {line}",
                "the rest were not sent: run the same command again to send them",
            ]
        return [line]


class SendInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped a batch: what was in flight finished (or was recorded as not accepted);
    `summary` says what was done. Running the batch again sends the rest."""

    def __init__(self, summary: SendSummary) -> None:
        super().__init__("interrupted")
        self.summary = summary


def send_batch(
    source: str,
    recipients: Records,
    *,
    via: str | Adapter | None = None,
    project: Project | None = None,
    draft: str | None = None,
    channel: str = "email",
    fields: RecipientFields = RecipientFields(),
    locale_field: str | None = None,
    default_locale: str | None = None,
    strict: bool = False,
    workers: int = 1,
    concurrency: int = DEFAULT_CONCURRENCY,
    dry_run: IO[str] | None = None,
    env: Mapping[str, str] | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
    on_warning: Callable[[str, tuple[str, ...]], None] | None = None,
    on_note: Callable[[int, str], None] | None = None,
) -> SendSummary:
    """Render SOURCE for every recipient of `recipients` (what render_batch reads: a JSONL or
    CSV file, or records) and hand each message to the adapter `via`; the summary.

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
    if concurrency < 1:
        raise HandoffError(f"concurrency must be at least 1, not {concurrency}")
    check_channel(channel)
    project = resolve(source, project, draft).project
    with _adapter(via, project, env, dry_run) as adapter:
        run = render_batch(  # errors in SOURCE or the file: raised now, before anything is sent
            source,
            recipients,
            project=project,
            draft=draft,
            locale_field=locale_field,
            default_locale=default_locale,
            workers=workers,
            strict=strict,
            keep_data=True,
        )
        with run, contextlib.ExitStack() as stack:
            journal = _open_journal(project, dry_run is not None)
            claims: Run | None = None
            if journal is not None:
                stack.enter_context(journal)
                if dry_run is None:
                    check_read_back(adapter, journal)
                    what = f"send-batch {source} --recipients {_batch_name(recipients)}"
                    claims = stack.enter_context(journal.run(what))
            sender = _BatchSender(
                adapter,
                journal,
                claims,
                channel=channel,
                fields=fields,
                batch=_batch_name(recipients),
                # A dry run prints each message in turn: one at a time keeps them in order.
                concurrency=1 if dry_run is not None else concurrency,
                on_outcome=on_outcome,
                on_warning=on_warning,
                on_note=on_note,
            )
            summary = sender.run(run)
    if summary.interrupted:
        raise SendInterrupted(summary)
    return summary


def _batch_name(recipients: Records) -> str | None:
    """The recipients file as the journal and the envelopes name it (None for records)."""
    return os.fspath(recipients) if isinstance(recipients, str | os.PathLike) else None


@dataclass
class _Waiting:
    """A message another live run was sending when this run met it: tried again later."""

    line: int
    envelope: Envelope
    since: float  # time.monotonic() when it was found busy
    holder: RunInfo | None


# Deliveries of one group: its outcomes, and its messages found busy in another run.
_GroupResult = tuple[list[Outcome], list[_Waiting]]


class _BatchSender:
    """The main thread reads rendered results, decides what to send and collects outcomes;
    a thread pool claims, delivers and records. Only the main thread touches the summary."""

    RECHECK = 0.25  # seconds before a message busy elsewhere is claimed again

    def __init__(
        self,
        adapter: Adapter,
        journal: Journal | None,
        claims: Run | None,
        *,
        channel: str,
        fields: RecipientFields,
        batch: str | None,
        concurrency: int,
        on_outcome: Callable[[Outcome], None] | None,
        on_warning: Callable[[str, tuple[str, ...]], None] | None,
        on_note: Callable[[int, str], None] | None,
    ) -> None:
        self.adapter = adapter
        self.name = _name_of(adapter)
        self.journal = journal
        self.claims = claims  # this run in the journal; None in a dry run
        self.dry_run = adapter.dry_run
        self.channel = channel
        self.fields = fields
        self.batch = batch
        self.concurrency = concurrency
        self.on_outcome = on_outcome
        self.on_warning = on_warning
        self.on_note = on_note
        # Adapters with a batch API (deliver_many overridden) get groups of envelopes.
        batching = type(adapter).deliver_many is not Adapter.deliver_many
        self.group_size = int(getattr(adapter, "batch_size", DEFAULT_GROUP)) if batching else 1
        self.summary = SendSummary(_name_of(adapter), batch or "", dry_run=self.dry_run)
        self.in_flight: set[str] = set()  # keys handed to a thread (or waiting), not answered
        self.answered: deque[Outcome] = deque()  # outcomes of finished deliveries, to report
        self.waiting: deque[_Waiting] = deque()  # busy in another run, oldest first
        self.seen: set[str] = set()  # a dry run's keys (it records nothing in the journal)
        self.warned: set[str] = set()  # locales whose fallbacks were reported
        self.fatal: StorageError | None = None  # a full disk: stop, the next run sends the rest
        self.pending: set[Future[_GroupResult]] = set()
        self.pool = ThreadPoolExecutor(concurrency, thread_name_prefix="tmplkit-send")

    def run(self, batch: BatchRun) -> SendSummary:
        started = time.perf_counter()
        try:
            try:
                self._send_all(batch)
                self._wait_for_others()
            except KeyboardInterrupt:
                # Stop reading; what is in flight finishes (adapters have timeouts) and is
                # recorded. What no thread has started was never claimed: the next run sends it.
                self.summary.interrupted = True
                self.pending.difference_update([f for f in self.pending if f.cancel()])
            while self.pending or self.answered:
                self._collect()
            for item in self.waiting:  # still claimed by a live run: that run reports them
                note = f"in progress in another run{_pid(item.holder)}"
                self._report(self._outcome(item.line, item.envelope, ELSEWHERE_STATUS, note=note))
            self.waiting.clear()
        finally:
            self.pool.shutdown(wait=True)
            self.summary.elapsed = time.perf_counter() - started
        if self.fatal is not None:
            raise self.fatal
        return self.summary

    def _send_all(self, batch: BatchRun) -> None:
        group: list[tuple[int, Envelope]] = []
        for chunk in batch.chunks():
            self._warn(chunk.warnings)
            if self.on_note is not None:
                for line, note in chunk.notes:
                    self.on_note(line, note)
            for result in chunk.results():
                if self.fatal is not None:
                    return
                item = self._prepare(result)
                if item is None:
                    continue
                group.append(item)
                self.in_flight.add(item[1].idempotency_key)
                if len(group) >= self.group_size:
                    self._submit(group)
                    group = []
                while len(self.pending) >= 2 * self.concurrency:
                    self._collect()
            self._retry_waiting(time.monotonic() - self.RECHECK)
        if group:
            self._submit(group)

    def _wait_for_others(self) -> None:
        """At the end, the messages another run was sending: wait for that run to answer (or
        to die: then they are this run's to send), up to the journal's lease."""
        assert self.journal is not None or not self.waiting
        deadline = time.monotonic() + (self.journal.lease if self.journal else 0.0)
        while self.pending:
            self._collect()
        while self.waiting and self.fatal is None and time.monotonic() < deadline:
            due = self.waiting[0].since + self.RECHECK
            time.sleep(max(0.0, min(due - time.monotonic(), deadline - time.monotonic())))
            self._retry_waiting(time.monotonic() - self.RECHECK)
            while self.pending:
                self._collect()

    def _submit(self, group: list[tuple[int, Envelope]]) -> None:
        self.pending.add(self.pool.submit(self._deliver, group))

    def _retry_waiting(self, before: float) -> None:
        """Claim again the messages found busy before `before` (monotonic time)."""
        group: list[tuple[int, Envelope]] = []
        while self.waiting and self.waiting[0].since <= before and self.fatal is None:
            item = self.waiting.popleft()
            group.append((item.line, item.envelope))
            if len(group) >= self.group_size:
                self._submit(group)
                group = []
        if group:
            self._submit(group)

    def _collect(self) -> None:
        """Wait for a delivery to finish (unless outcomes wait to be reported), then report.

        Each finished future leaves `pending` and its outcomes go to `answered` before any is
        reported, so that a Ctrl-C in the middle neither loses nor counts one twice."""
        if not self.answered and self.pending:
            done, _ = wait(self.pending, return_when=FIRST_COMPLETED)
            for future in done:
                self.pending.discard(future)
                try:
                    outcomes, busy = future.result()
                except StorageError as exc:  # the journal or the outbox: the disk is full
                    self.fatal = self.fatal or exc
                    continue
                self.answered.extend(outcomes)
                self.waiting.extend(busy)
        while self.answered:
            outcome = self.answered.popleft()
            if outcome.key is not None:
                self.in_flight.discard(outcome.key)
            self._report(outcome)

    def _report(self, outcome: Outcome) -> None:
        self.summary.add(outcome)
        if self.on_outcome is not None:
            self.on_outcome(outcome)

    def _warn(self, warnings: Mapping[str, tuple[str, ...]]) -> None:
        """Each locale's fallback warnings, the first time a worker reports them."""
        for locale, lines in warnings.items():
            if locale not in self.warned:
                self.warned.add(locale)
                if self.on_warning is not None:
                    self.on_warning(locale, lines)

    def _prepare(self, result: Any) -> tuple[int, Envelope] | None:
        """The envelope to send for a rendered result, or None (reported as failed/skipped)."""
        line: int = result.line
        record = result.data if isinstance(result.data, Mapping) else {}
        who = ""
        try:
            recipient = recipient_from_record(record, self.fields)
            who = _who(recipient, self.channel)
        except HandoffError as exc:
            if result.ok:
                self._report(Outcome(line, who, FAILED_STATUS, error=str(exc)))
                return None
        if not result.ok:  # the record's own problem: bad JSON, data that does not render
            self._report(Outcome(line, who, FAILED_STATUS, error=result.error))
            return None
        try:
            check_recipient(recipient, self.channel, self.fields)
            metadata = {"batch": self.batch, "line": line} if self.batch else {"line": line}
            # The locale rendered (the source's for a recipient without one), never None.
            message = replace(result.message, locale=result.locale)
            envelope = Envelope.from_message(
                message, recipient, channel=self.channel, metadata=metadata
            )
            self.adapter.check(envelope)
        except TmplkitError as exc:
            self._report(Outcome(line, who, FAILED_STATUS, error=str(exc)))
            return None
        key = envelope.idempotency_key
        if key in self.in_flight or key in self.seen or self._accepted_before(key):
            self._report(Outcome(line, who, SKIPPED_STATUS, key=key))
            return None
        if self.dry_run:
            self.seen.add(key)
        return line, envelope

    def _accepted_before(self, key: str) -> bool:
        # A read, before the claim (a write): a batch run again mostly finds messages sent.
        return self.journal is not None and self.journal.status(self.name, key) == ACCEPTED

    def _outcome(
        self,
        line: int,
        envelope: Envelope,
        status: str,
        receipt: Receipt | None = None,
        note: str | None = None,
    ) -> Outcome:
        return Outcome(
            line,
            _who(envelope.recipient, self.channel),
            status,
            key=envelope.idempotency_key,
            error=receipt.error if receipt else None,
            transient=receipt.transient if receipt else False,
            remote_id=receipt.remote_id if receipt else None,
            note=note,
        )

    def _deliver(self, group: list[tuple[int, Envelope]]) -> _GroupResult:
        """On a pool thread: claim, deliver what this run won, record; an Outcome for each
        message settled, and the messages another live run holds."""
        if self.claims is None:  # a dry run: nothing is claimed or recorded
            receipts = self._receipts([envelope for _, envelope in group])
            return [
                self._outcome(line, e, DRY_RUN_STATUS if r.accepted else FAILED_STATUS, r)
                for (line, e), r in zip(group, receipts, strict=True)
            ], []
        journal = self.journal
        assert journal is not None
        envelopes = [envelope for _, envelope in group]
        claims = journal.claim(
            self.name, envelopes, self.claims, batch=self.batch, lines=[n for n, _ in group]
        )
        outcomes: list[Outcome] = []
        busy: list[_Waiting] = []
        send: list[tuple[int, Envelope]] = []
        found = _settled_before(self.adapter, journal, self.name, envelopes, claims, self.claims)
        settled = {receipt.key: receipt for receipt in found}
        for (line, envelope), claim in zip(group, claims, strict=True):
            if claim.state == BUSY:
                busy.append(_Waiting(line, envelope, time.monotonic(), claim.holder))
            elif claim.state == ACCEPTED:
                outcomes.append(self._outcome(line, envelope, SKIPPED_STATUS))
            elif claim.key in settled:
                outcomes.append(self._outcome(line, envelope, SKIPPED_STATUS, settled[claim.key]))
            else:
                send.append((line, envelope))
        if send:
            receipts = self._receipts([envelope for _, envelope in send])
            for (line, envelope), receipt in zip(send, receipts, strict=True):
                journal.finish(self.name, receipt, self.claims)
                status = ACCEPTED_STATUS if receipt.accepted else FAILED_STATUS
                outcomes.append(self._outcome(line, envelope, status, receipt))
        return outcomes, busy

    def _receipts(self, envelopes: Sequence[Envelope]) -> list[Receipt]:
        try:
            if self.group_size == 1:
                return [self.adapter.deliver(envelopes[0])]
            receipts = list(self.adapter.deliver_many(envelopes))
        except StorageError:
            raise  # not this message's fault: every one after it would fail the same way
        except TmplkitError as exc:
            return [Receipt.failed(envelope, exc) for envelope in envelopes]
        if len(receipts) != len(envelopes):  # an adapter bug: never count anything as sent
            problem = HandoffError(
                f"{self.name} answered {len(receipts)} receipts for {len(envelopes)} messages"
            )
            return [Receipt.failed(envelope, problem) for envelope in envelopes]
        return receipts
