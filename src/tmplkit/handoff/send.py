"""Sending: render, wrap in envelopes, hand to an adapter, and record each outcome in the journal
so that a batch run again after a crash or Ctrl-C sends nothing twice and loses nothing.

The protocol per message: skip it if the journal shows the adapter accepted its idempotency key
before; else `begin` (committed), deliver, `finish` with the answer (committed). The one gap
left is a process killed after the sending system accepted a message but before `finish`: the
next run sends it again, with the same idempotency key, so a receiver that keeps keys drops it.
"""

from __future__ import annotations

import contextlib
import email.utils
import os
import re
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

from ..batch import Records, record_field, render_batch
from ..batch import _kind as kind_of  # a JSON value's kind, as bad records are told
from ..errors import DeliveryError, HandoffError, TmplkitError
from ..i18n.locales import normalize
from ..pipeline import load_data_file, resolve
from ..render import Renderer
from ..store import STATE_DIR, Project
from . import DEFAULT_ADAPTER, DEFAULT_CONCURRENCY, open_adapter
from .base import Adapter, Receipt
from .envelope import Envelope, Recipient, check_channel
from .journal import ACCEPTED, JOURNAL_FILE, Journal

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
    "recipient_from_record",
    "send",
    "send_batch",
]

DEFAULT_GROUP = 100  # envelopes per deliver_many call, for adapters with a batch API
MAX_FAILURES_KEPT = 1000  # in the summary; all of them are counted, and reported as they come

ACCEPTED_STATUS = "accepted"
FAILED_STATUS = "failed"
SKIPPED_STATUS = "skipped"
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


def _open_journal(path: Path, dry_run: bool) -> Journal | None:
    # A dry run writes nothing: it reads an existing journal (to skip what was sent), no more.
    if dry_run and not path.exists():
        return None
    return Journal(path)


def _name_of(adapter: Adapter) -> str:
    """What the journal keys an adapter's outcomes by: its [handoff.NAME] table's name."""
    return adapter.context.name or adapter.name


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
) -> Receipt:
    """Render SOURCE for one recipient and hand it to the adapter `via`.

    `to`: a Recipient or what `--to` takes (see parse_recipient). `data`: the recipient's data
    (a mapping or a JSON file; default: the template's sample.json). `via`: an adapter's name
    (default: [handoff] default, else outbox) or an open Adapter (left open).

    The outcome is recorded in the journal. A message the journal shows as accepted before is
    not sent again (the receipt says `skipped`) unless `resend`. With `dry_run` (a stream),
    what would be sent is printed there and nothing is sent or recorded.
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
        message = Renderer(project).render_sources(sources, values, locale=locale, strict=strict)
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
    journal = _open_journal(journal_path(project), dry_run is not None)
    try:
        if journal is not None and not resend and journal.status(name, key) == ACCEPTED:
            return Receipt(key, True, skipped=True)
        if dry_run is not None:
            return replace(adapter.deliver(envelope), dry_run=True)
        assert journal is not None  # only a dry run goes without one
        journal.begin(name, envelope)
        try:
            receipt = adapter.deliver(envelope)
        except DeliveryError as exc:
            journal.finish(name, Receipt.failed(envelope, exc))
            raise
        journal.finish(name, receipt)
    finally:
        if journal is not None:
            journal.close()
    if not receipt.accepted:
        raise DeliveryError(
            receipt.error or "not accepted", transient=receipt.transient, status=receipt.status
        )
    return receipt


# --- many messages ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What became of one recipient of a batch: `status` is accepted, failed, skipped
    (accepted in an earlier run, or the same message earlier in this one) or dry-run (would
    be sent). `key` is the message's idempotency key (None when it could not be rendered)."""

    line: int
    recipient: str
    status: str
    key: str | None = None
    error: str | None = None
    transient: bool = False
    remote_id: str | None = None

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
        return out


@dataclass
class SendSummary:
    """A batch's counts: accepted, failed (the first MAX_FAILURES_KEPT kept with their
    reasons), skipped as already sent, and, in a dry run, the messages that would be sent.
    `interrupted`: Ctrl-C stopped the run; the recipients after the last one counted were not
    attempted (the next run sends them)."""

    adapter: str
    name: str = ""  # the recipients file
    accepted: int = 0
    failed: int = 0
    skipped: int = 0
    would_send: int = 0
    dry_run: bool = False
    interrupted: bool = False
    elapsed: float = 0.0
    failures: list[Outcome] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.accepted + self.failed + self.skipped + self.would_send

    def add(self, outcome: Outcome) -> None:
        if outcome.status == ACCEPTED_STATUS:
            self.accepted += 1
        elif outcome.status == SKIPPED_STATUS:
            self.skipped += 1
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
) -> SendSummary:
    """Render SOURCE for every recipient of `recipients` (what render_batch reads: a JSONL or
    CSV file, or records) and hand each message to the adapter `via`; the summary.

    Each recipient's address, phone, name and id come from the record's `fields`. Messages the
    journal shows as accepted by this adapter are skipped; the others are recorded before
    and after delivery, on `concurrency` threads (`workers` processes render). A record that
    cannot be rendered or names no recipient is a failure with its reason. `on_outcome` is
    called with each recipient's Outcome as it is known (in the main thread).

    With `dry_run` (a stream), what would be sent is printed there, one message at a time, and
    nothing is sent or recorded. Ctrl-C lets the deliveries in flight finish, then raises
    SendInterrupted carrying the summary.
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
        with run:
            journal = _open_journal(journal_path(project), dry_run is not None)
            try:
                sender = _BatchSender(
                    adapter,
                    journal,
                    channel=channel,
                    fields=fields,
                    batch=os.fspath(recipients)
                    if isinstance(recipients, str | os.PathLike)
                    else None,
                    dry_run=dry_run is not None,
                    # A dry run prints each message in turn: one at a time keeps them in order.
                    concurrency=1 if dry_run is not None else concurrency,
                    on_outcome=on_outcome,
                )
                summary = sender.run(run)
            finally:
                if journal is not None:
                    journal.close()
    if summary.interrupted:
        raise SendInterrupted(summary)
    return summary


class _BatchSender:
    """The main thread reads rendered results, decides what to send and collects outcomes;
    a thread pool delivers. Only the main thread touches the summary."""

    def __init__(
        self,
        adapter: Adapter,
        journal: Journal | None,
        *,
        channel: str,
        fields: RecipientFields,
        batch: str | None,
        dry_run: bool,
        concurrency: int,
        on_outcome: Callable[[Outcome], None] | None,
    ) -> None:
        self.adapter = adapter
        self.name = _name_of(adapter)
        self.journal = journal
        self.channel = channel
        self.fields = fields
        self.batch = batch
        self.dry_run = dry_run
        self.concurrency = concurrency
        self.on_outcome = on_outcome
        # Adapters with a batch API (deliver_many overridden) get groups of envelopes.
        batching = type(adapter).deliver_many is not Adapter.deliver_many
        self.group_size = int(getattr(adapter, "batch_size", DEFAULT_GROUP)) if batching else 1
        self.summary = SendSummary(_name_of(adapter), batch or "", dry_run=dry_run)
        self.in_flight: set[str] = set()  # keys handed to a thread, not yet answered
        self.answered: deque[Outcome] = deque()  # outcomes of finished deliveries, to report
        self.seen: set[str] = set()  # a dry run's keys (it records nothing in the journal)

    def run(self, results: Iterable[Any]) -> SendSummary:
        started = time.perf_counter()
        pending: set[Future[list[Outcome]]] = set()
        group: list[tuple[int, Envelope]] = []
        pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="tmplkit-send")
        try:
            try:
                for result in results:
                    item = self._prepare(result)
                    if item is None:
                        continue
                    group.append(item)
                    self.in_flight.add(item[1].idempotency_key)
                    if len(group) >= self.group_size:
                        pending.add(pool.submit(self._deliver, group))
                        group = []
                    while len(pending) >= 2 * self.concurrency:
                        self._collect(pending)
                if group:
                    pending.add(pool.submit(self._deliver, group))
                    group = []
            except KeyboardInterrupt:
                # Stop reading; what is in flight finishes (adapters have timeouts) and is
                # recorded. What no thread has started was never begun: the next run sends it.
                self.summary.interrupted = True
                pending.difference_update([future for future in pending if future.cancel()])
            while pending or self.answered:
                self._collect(pending)
        finally:
            pool.shutdown(wait=True)
            self.summary.elapsed = time.perf_counter() - started
        return self.summary

    def _collect(self, pending: set[Future[list[Outcome]]]) -> None:
        """Wait for a delivery to finish (unless outcomes wait to be reported), then report.

        Each finished future leaves `pending` and its outcomes go to `answered` before any is
        reported, so that a Ctrl-C in the middle neither loses nor counts one twice."""
        if not self.answered:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                pending.discard(future)
                self.answered.extend(future.result())
        while self.answered:
            outcome = self.answered.popleft()
            if outcome.key is not None:
                self.in_flight.discard(outcome.key)
            self._report(outcome)

    def _report(self, outcome: Outcome) -> None:
        self.summary.add(outcome)
        if self.on_outcome is not None:
            self.on_outcome(outcome)

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
        return self.journal is not None and self.journal.status(self.name, key) == ACCEPTED

    def _deliver(self, group: list[tuple[int, Envelope]]) -> list[Outcome]:
        """On a pool thread: begin, deliver, finish; one Outcome per envelope."""
        record = self.journal is not None and not self.dry_run
        if record:
            assert self.journal is not None
            for line, envelope in group:
                self.journal.begin(self.name, envelope, batch=self.batch, line=line)
        receipts = self._receipts([envelope for _, envelope in group])
        outcomes = []
        for (line, envelope), receipt in zip(group, receipts, strict=True):
            if record:
                assert self.journal is not None
                self.journal.finish(self.name, receipt)
            who = _who(envelope.recipient, self.channel)
            key = envelope.idempotency_key
            if not receipt.accepted:
                status = FAILED_STATUS
            elif self.dry_run:
                status = DRY_RUN_STATUS
            else:
                status = ACCEPTED_STATUS
            outcomes.append(
                Outcome(
                    line,
                    who,
                    status,
                    key=key,
                    error=receipt.error,
                    transient=receipt.transient,
                    remote_id=receipt.remote_id,
                )
            )
        return outcomes

    def _receipts(self, envelopes: Sequence[Envelope]) -> list[Receipt]:
        try:
            if self.group_size == 1:
                return [self.adapter.deliver(envelopes[0])]
            receipts = list(self.adapter.deliver_many(envelopes))
        except TmplkitError as exc:
            return [Receipt.failed(envelope, exc) for envelope in envelopes]
        if len(receipts) != len(envelopes):  # an adapter bug: never count anything as sent
            problem = HandoffError(
                f"{self.name} answered {len(receipts)} receipts for {len(envelopes)} messages"
            )
            return [Receipt.failed(envelope, problem) for envelope in envelopes]
        return receipts
