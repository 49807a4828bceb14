"""One status line on a terminal's stderr (a batch's progress, compile --all's count).

A batch's line reads `  42%  420,000 of ~1,000,000 recipients  7,012/s  ETA 1:23`: the share
done and the estimated total come from the input file's size (bytes read, or lines counted so
far), so they carry a `~`; with no size (stdin, a pipe) it is the count and the rate alone.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import IO

Clock = Callable[[], float]


def monotonic() -> float:
    """The clock a status line reads by default (a test replaces this name to fake time)."""
    return time.monotonic()


class StatusLine:
    """A line redrawn in place at most 5 times a second, and erased at the end."""

    def __init__(self, stream: IO[str], clock: Clock | None = None) -> None:
        self.stream = stream
        self.clock = clock if clock is not None else monotonic
        self.last: float | None = None
        self.shown = False

    def due(self) -> bool:
        """Whether a fifth of a second has passed since the line was last drawn."""
        now = self.clock()
        if self.last is not None and now - self.last < 0.2:
            return False
        self.last = now
        return True

    def show(self, text: str) -> None:
        self.stream.write(f"\r{text}\x1b[K")
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False


def on_terminal(stream: IO[str]) -> bool:
    """Whether `stream` is a terminal (a progress line is drawn only there)."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def duration(seconds: float) -> str:
    """`1:23`, `12:05`, `2:03:04`."""
    whole = max(0, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def progress_text(
    count: int, elapsed: float, fraction: float | None, *, failed: int = 0, noun: str = "recipients"
) -> str:
    """The progress line: `fraction` is the share of the input done (None: unknown)."""
    per_second = count / elapsed if elapsed > 0 else 0.0
    rate = f"{per_second:,.1f}/s" if per_second < 10 else f"{per_second:,.0f}/s"
    bad = f", {failed:,} failed" if failed else ""
    if not fraction or fraction <= 0:
        return f"  {count:,} {noun}{bad}  {rate}"
    fraction = min(fraction, 1.0)
    total = max(count, round(count / fraction))
    eta = duration(elapsed * (1 - fraction) / fraction)
    percent = int(100 * fraction + 1e-9)  # 0.29 is 29%, not 28.999…
    return f"{percent:4d}%  {count:,} of ~{total:,} {noun}{bad}  {rate}  ETA {eta}"


class BatchProgress(StatusLine):
    """A batch's progress line. Feed it either the input bytes each step covered
    (`update(count, nbytes=…)`, render-batch's chunks), or nothing but the count, and give it
    `lines` to estimate the share done from the input's lines (send-batch's outcomes)."""

    def __init__(
        self,
        stream: IO[str],
        total_bytes: int | None,
        *,
        lines: LineCount | None = None,
        noun: str = "recipients",
        clock: Clock | None = None,
    ) -> None:
        super().__init__(stream, clock)
        self.total_bytes = total_bytes or None
        self.lines = lines
        self.noun = noun
        self.start = self.clock()
        self.done_bytes = 0

    def update(self, count: int, *, nbytes: int = 0, failed: int = 0) -> None:
        self.done_bytes += nbytes
        if not self.due():
            return
        self.show(progress_text(count, self.clock() - self.start, self.fraction(count),
                                failed=failed, noun=self.noun))  # fmt: skip

    def fraction(self, count: int) -> float | None:
        if self.lines is not None:
            total = self.lines.estimate()
            return count / total if total else None
        if self.total_bytes is not None:
            return self.done_bytes / self.total_bytes
        return None


class LineCount:
    """The lines of a file, counted a little at a time (4 MiB a call) so that a progress line
    never stalls the batch: until the count is done, estimated from the lines' mean length so
    far. A CSV's header row is not a recipient: `skip` lines are taken off."""

    STEP = 4 << 20

    def __init__(self, path: str, size: int, skip: int = 0) -> None:
        self.path = path
        self.size = size
        self.skip = skip
        self.read = 0
        self.counted = 0
        self.last = b"\n"

    @classmethod
    def of(cls, path: str) -> LineCount | None:
        """For a regular file of recipients (not `-`, a pipe or an empty file)."""
        if path == "-":
            return None
        try:
            st = os.stat(path)
        except OSError:
            return None
        if not os.path.isfile(path) or st.st_size == 0:
            return None
        return cls(path, st.st_size, skip=1 if path.lower().endswith(".csv") else 0)

    def estimate(self) -> int | None:
        if self.read < self.size:
            try:
                with open(self.path, "rb") as fh:
                    fh.seek(self.read)
                    block = fh.read(self.STEP)
            except OSError:
                block = b""
            if not block:  # the file shrank, or went: count what was read
                self.size = self.read
            else:
                self.read += len(block)
                self.counted += block.count(b"\n")
                self.last = block[-1:]
        lines = self.counted + (self.last != b"\n")
        if self.read < self.size and self.read:
            lines = round(self.counted * self.size / self.read)
        return max(0, lines - self.skip) or None
