"""The per-key rate limit of `tmplkit serve`: a token bucket for each API key.

A key's bucket holds up to `per_minute` requests and refills at `per_minute / 60` a second:
a key may make `per_minute` requests in a burst, then one each 60/per_minute seconds; left
alone for a minute, its bucket is full again. There is one bucket per key id, and key ids
are those of authenticated requests only, so the buckets are as many as the project's keys.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

# `remaining` when there is no limit (per_minute=0): what a client reading
# X-RateLimit-Remaining takes for "plenty", and fits any 32-bit integer.
UNLIMITED = 2**31 - 1
# The float error a refill may leave (0.1 + 0.2 tokens): 2.9999999999 tokens are 3.
EPSILON = 1e-9


@dataclass(frozen=True)
class Decision:
    """Whether a request may go ahead; `remaining`: the requests the key may make right now
    after this one; `retry_after`: when refused, the seconds until one more is allowed (≥ 1),
    else 0."""

    allowed: bool
    remaining: int
    retry_after: int


@dataclass
class Bucket:
    tokens: float
    at: float  # the clock when `tokens` was counted


class RateLimiter:
    """`per_minute` requests a minute per key (bursts of as many); 0: no limit, every request
    allowed with `remaining` UNLIMITED. `clock` is in seconds (monotonic). Thread-safe."""

    def __init__(self, per_minute: int = 600, clock: Callable[[], float] = time.monotonic) -> None:
        if per_minute < 0:
            raise ValueError(f"per_minute must be 0 (no limit) or more, not {per_minute}")
        self.per_minute = per_minute
        self.clock = clock
        self._rate = per_minute / 60  # tokens a second
        self._buckets: dict[str, Bucket] = {}
        self._mutex = threading.Lock()

    def hit(self, key_id: str) -> Decision:
        """Count one request of `key_id`, if its bucket allows it."""
        if self.per_minute == 0:
            return Decision(True, UNLIMITED, 0)
        with self._mutex:
            now = self.clock()
            bucket = self._buckets.get(key_id)
            if bucket is None:
                bucket = self._buckets[key_id] = Bucket(float(self.per_minute), now)
            elif now > bucket.at:
                refill = (now - bucket.at) * self._rate
                bucket.tokens = min(float(self.per_minute), bucket.tokens + refill)
                bucket.at = now
            if bucket.tokens + EPSILON >= 1:
                bucket.tokens = max(0.0, bucket.tokens - 1)
                return Decision(True, math.floor(bucket.tokens + EPSILON), 0)
            wait = (1 - bucket.tokens) / self._rate
            return Decision(False, 0, max(1, math.ceil(wait - EPSILON)))
