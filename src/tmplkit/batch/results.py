"""A batch's results: one recipient's outcome, a worker's chunk of them, and the run's counts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..rendering import Message


@dataclass(frozen=True, slots=True)
class BatchResult:
    """One recipient's outcome, in input order.

    `line` is the record's line in the recipients file (its 1-based position for an iterable).
    `locale` is the locale rendered (normalized, e.g. `fr-CA`; the project's source locale for
    a recipient without one); for a failed record it is None. With `jsonl=True`, `jsonl` holds
    the output line (bytes, ending in a newline) instead of `message`. With `keep_data=True`,
    `data` holds the record as read (None if it could not be read), e.g. for the hand-off to
    take the recipient's address from.
    """

    line: int
    ok: bool
    locale: str | None
    message: Message | None = None
    error: str | None = None
    jsonl: bytes | None = None
    data: dict[str, Any] | None = None


@dataclass
class BatchSummary:
    """Counts so far (final once the run is exhausted): rendered and failed records, per locale.

    `locales`: rendered recipients per locale. `fallbacks`: of those, the ones whose locale
    lacks some translations (a fallback to fr-FR for fr-CA, or to the source); `warnings` holds
    each such locale's fallback warnings, once. `stopped`: `fail_fast` ended the run early.
    """

    rendered: int = 0
    failed: int = 0
    locales: dict[str, int] = field(default_factory=dict)
    fallbacks: dict[str, int] = field(default_factory=dict)
    warnings: dict[str, tuple[str, ...]] = field(default_factory=dict)
    elapsed: float = 0.0
    stopped: bool = False

    @property
    def total(self) -> int:
        return self.rendered + self.failed

    @property
    def rate(self) -> float:
        """Recipients (rendered or failed) per second."""
        return self.total / self.elapsed if self.elapsed > 0 else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "rendered": self.rendered,
            "failed": self.failed,
            "locales": dict(sorted(self.locales.items())),
            "fallbacks": dict(sorted(self.fallbacks.items())),
            "elapsedSeconds": round(self.elapsed, 3),
            "messagesPerSecond": round(self.rate, 1),
            "stopped": self.stopped,
        }

    def text(self) -> list[str]:
        """The summary as lines of text, for a terminal."""
        failed = f", {self.failed:,} failed" if self.failed else ""
        stopped = " (stopped at the first bad record: --fail-fast)" if self.stopped else ""
        lines = [
            f"{self.total:,} recipients: {self.rendered:,} rendered{failed} in "
            f"{self.elapsed:.2f} s ({self.rate:,.0f} messages/s){stopped}"
        ]
        for locale, count in sorted(self.locales.items()):
            fallback = self.fallbacks.get(locale)
            note = f" (with fallbacks: {len(self.warnings.get(locale, ()))} strings)"
            lines.append(f"  {locale}: {count:,}" + (note if fallback else ""))
        return lines


@dataclass(slots=True)
class ChunkResult:
    """A chunk of consecutive records, rendered by one worker.

    `records` holds (line, locale, error) per record. `messages` holds the Message of each
    (None for a failed record); with `jsonl`, it is empty and `jsonl` holds the chunk's output
    lines instead, one per record (a failed record's is `{"line": N, "error": "..."}`), as one
    bytes object the parent writes as it is. `warnings`: fallback warnings of locales this
    worker prepared for the first time in this chunk. `stopped`: fail_fast stopped inside it.
    """

    records: list[tuple[int, str | None, str | None]]
    messages: list[Message | None]
    jsonl: bytes
    warnings: dict[str, tuple[str, ...]]
    stopped: bool = False
    nbytes: int = 0  # input bytes this chunk covers (for progress)
    data: list[dict[str, Any] | None] = field(default_factory=list)  # with keep_data
    # (line, warning) of records rendered with a doubt: a plural count that is not a number.
    notes: list[tuple[int, str]] = field(default_factory=list)

    def errors(self) -> Iterator[tuple[int, str]]:
        for line, _, error in self.records:
            if error is not None:
                yield line, error

    def results(self) -> Iterator[BatchResult]:
        if self.messages or not self.jsonl:
            data = self.data or [None] * len(self.records)
            for (line, locale, error), message, record in zip(
                self.records, self.messages, data, strict=True
            ):
                yield BatchResult(
                    line, error is None, locale, message=message, error=error, data=record
                )
            return
        # JSON escapes every newline inside a string: the output's lines are the records'.
        lines = self.jsonl.split(b"\n")
        for (line, locale, error), text in zip(self.records, lines, strict=False):
            yield BatchResult(line, error is None, locale, error=error, jsonl=text + b"\n")
