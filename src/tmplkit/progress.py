"""One status line on a terminal's stderr (render-batch's rate, compile --all's count)."""

from __future__ import annotations

import time
from typing import IO


class StatusLine:
    """A line redrawn in place at most 5 times a second, and erased at the end."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.last = 0.0
        self.shown = False

    def due(self) -> bool:
        """Whether a fifth of a second has passed since the line was last drawn."""
        now = time.monotonic()
        if now - self.last < 0.2:
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
