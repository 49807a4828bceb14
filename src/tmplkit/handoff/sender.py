"""Delivering a batch's messages: each claimed in the journal, handed to the adapter on a pool
of threads and recorded (send.py has the protocol), and what became of each recipient.

send_batch.py runs it over a batch rendered on this machine; dask_send.py over one part of a
batch, in a Dask task."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from typing import Any

from ..batch import BatchRun
from ..errors import HandoffError, StorageError, TmplkitError
from .base import Adapter, Receipt
from .configured import Handoff, name_of, pid_of, settled_before
from .envelope import Envelope
from .journal import ACCEPTED, BUSY, Journal, Run, RunInfo
from .recipients import check_recipient, recipient_from_record, who_of

DEFAULT_GROUP = 100  # envelopes per deliver_many call, for adapters with a batch API
MAX_FAILURES_KEPT = 1000  # in the summary; all of them are counted, and reported as they come

ACCEPTED_STATUS = "accepted"
FAILED_STATUS = "failed"
SKIPPED_STATUS = "skipped"
ELSEWHERE_STATUS = "elsewhere"
DRY_RUN_STATUS = "dry-run"


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


@dataclass(frozen=True)
class SendEvents:
    """What a batch tells as it goes, all in the main thread: `on_outcome` each recipient's
    Outcome as it is known, `on_warning` each locale's fallback warnings the first time,
    `on_note` a record's line and each warning its data gave (an unsafe URL replaced, a
    plural count that is not a number)."""

    on_outcome: Callable[[Outcome], None] | None = None
    on_warning: Callable[[str, tuple[str, ...]], None] | None = None
    on_note: Callable[[int, str], None] | None = None


@dataclass
class _Waiting:
    """A message another live run was sending when this run met it: tried again later."""

    line: int
    envelope: Envelope
    since: float  # time.monotonic() when it was found busy
    holder: RunInfo | None


# Deliveries of one group: its outcomes, and its messages found busy in another run.
_GroupResult = tuple[list[Outcome], list[_Waiting]]


class BatchSender:
    """The main thread reads rendered results, decides what to send and collects outcomes;
    a thread pool claims, delivers and records. Only the main thread touches the summary."""

    RECHECK = 0.25  # seconds before a message busy elsewhere is claimed again

    def __init__(
        self,
        adapter: Adapter,
        journal: Journal | None,
        claims: Run | None,
        handoff: Handoff,
        events: SendEvents,
        batch: str | None,
    ) -> None:
        self.adapter = adapter
        self.name = name_of(adapter)
        self.journal = journal
        self.claims = claims  # this run in the journal; None in a dry run
        self.dry_run = adapter.dry_run
        self.channel = handoff.channel
        self.fields = handoff.fields
        self.batch = batch
        # A dry run prints each message in turn: one at a time keeps them in order.
        self.concurrency = concurrency = 1 if handoff.dry_run is not None else handoff.concurrency
        self.on_outcome = events.on_outcome
        self.on_warning = events.on_warning
        self.on_note = events.on_note
        # Adapters with a batch API (deliver_many overridden) get groups of envelopes.
        batching = type(adapter).deliver_many is not Adapter.deliver_many
        self.group_size = int(getattr(adapter, "batch_size", DEFAULT_GROUP)) if batching else 1
        self.summary = SendSummary(name_of(adapter), batch or "", dry_run=self.dry_run)
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
                note = f"in progress in another run{pid_of(item.holder)}"
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
                item = self._envelope_for(result)
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

    def _envelope_for(self, result: Any) -> tuple[int, Envelope] | None:
        """The envelope to send for a rendered result, or None (reported as failed/skipped)."""
        line: int = result.line
        record = result.data if isinstance(result.data, Mapping) else {}
        who = ""
        try:
            recipient = recipient_from_record(record, self.fields)
            who = who_of(recipient, self.channel)
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
            who_of(envelope.recipient, self.channel),
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
        found = settled_before(self.adapter, journal, self.name, envelopes, claims, self.claims)
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
