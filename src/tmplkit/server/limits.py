"""The per-key rate limit of `tmplkit serve`: a token bucket for each API key.

A key's bucket holds up to `per_minute` requests and refills at `per_minute / 60` a second:
a key may make `per_minute` requests in a burst, then one each 60/per_minute seconds; left
alone for a minute, its bucket is full again. There is one bucket per key id, and key ids
are those of authenticated requests only, so the buckets are as many as the project's keys.

`RateLimiter` keeps the buckets in a dict: one process. `SharedRateLimiter` keeps them in
shared memory, for `tmplkit serve --workers N`: the workers are forked after it is made, and a
key allowed 600 requests a minute gets 600 across all of them, not 600 in each. Both count with
one function, `spend`, so that their numbers are the same.
"""

from __future__ import annotations

import hashlib
import math
import mmap
import multiprocessing
import struct
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


def spend(per_minute: int, tokens: float, at: float, now: float) -> tuple[float, float, Decision]:
    """One request against a bucket of `per_minute` that held `tokens` at clock `at`, the clock
    being `now`: the bucket after it (tokens, at) and the decision. A new bucket is
    (per_minute, now). Pure, so that both limiters count alike; per_minute must not be 0."""
    rate = per_minute / 60  # tokens a second
    if now > at:
        tokens = min(float(per_minute), tokens + (now - at) * rate)
        at = now
    if tokens + EPSILON >= 1:
        tokens = max(0.0, tokens - 1)
        return tokens, at, Decision(True, math.floor(tokens + EPSILON), 0)
    wait = (1 - tokens) / rate
    return tokens, at, Decision(False, 0, max(1, math.ceil(wait - EPSILON)))


def checked_per_minute(per_minute: int) -> int:
    """`per_minute` if it is a limit (0: none), else ValueError."""
    if per_minute < 0:
        raise ValueError(f"per_minute must be 0 (no limit) or more, not {per_minute}")
    return per_minute


class RateLimiter:
    """`per_minute` requests a minute per key (bursts of as many); 0: no limit, every request
    allowed with `remaining` UNLIMITED. `clock` is in seconds (monotonic). Thread-safe."""

    def __init__(self, per_minute: int = 600, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = checked_per_minute(per_minute)
        self.clock = clock
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
            tokens, at, decision = spend(self.per_minute, bucket.tokens, bucket.at, now)
            bucket.tokens, bucket.at = tokens, at
            return decision


# A slot of SharedRateLimiter's table: the key id's digest (all zeros: an empty slot), then its
# bucket's tokens and the clock when they were counted.
SLOT = struct.Struct("<16sdd")
EMPTY = bytes(16)
# The slots looked at for a key, from the one its digest points to: past them, a key's slot
# would be a longer search than the few microseconds a hit should cost.
PROBES = 32


class SharedRateLimiter:
    """`RateLimiter` for forked processes: the same `per_minute`, `clock` and decisions, with
    the buckets in shared memory, so that every worker of `tmplkit serve --workers N` spends
    from the same bucket of a key. Make it in the parent, before forking (os.fork or
    multiprocessing's "fork"): the memory and the lock are inherited, not passed; it cannot be
    pickled to a spawned process. Thread-safe and process-safe (POSIX; the clock must be one
    all processes share, as time.monotonic is on Linux).

    The buckets are a table of `slots` fixed slots (32 bytes each) in an anonymous mmap, so it
    never grows: a key's slot is found from its digest (blake2b, 16 bytes) among the PROBES
    slots after the one the digest points to. A slot is the key's own, or empty, or the bucket
    of a key idle long enough that its bucket is full by now, which is the same as having no
    bucket, so it is taken over as is. Only when the PROBES slots all hold buckets of other keys
    still refilling (more live keys than slots, or many colliding) is the one counted longest
    ago taken over: that key's next request then starts a full bucket early. Lenient, never
    stricter: a key is never refused a request that RateLimiter would allow it.
    """

    def __init__(
        self, per_minute: int = 600, clock: Callable[[], float] = time.monotonic, slots: int = 4096
    ) -> None:
        if slots < 1:
            raise ValueError(f"slots must be 1 or more, not {slots}")
        self.per_minute = checked_per_minute(per_minute)
        self.clock = clock
        self.slots = slots
        self._probes = min(PROBES, slots)
        # Anonymous and MAP_SHARED (mmap's default): zeros, seen by all processes forked later.
        self._table = mmap.mmap(-1, slots * SLOT.size)
        # A POSIX semaphore, inherited by forked processes; threads may share it too.
        self._lock = multiprocessing.get_context("fork").Lock()

    def hit(self, key_id: str) -> Decision:
        """Count one request of `key_id`, if its bucket allows it."""
        if self.per_minute == 0:
            return Decision(True, UNLIMITED, 0)
        digest = hashlib.blake2b(key_id.encode(), digest_size=16).digest()
        with self._lock:
            now = self.clock()
            offset, tokens, at = self._find(digest, now)
            tokens, at, decision = spend(self.per_minute, tokens, at, now)
            SLOT.pack_into(self._table, offset, digest, tokens, at)
        return decision

    def _find(self, digest: bytes, now: float) -> tuple[int, float, float]:
        """The offset of the slot for `digest` in the table and its bucket (tokens, at): the
        key's own bucket if the table holds it, else a new one, (per_minute, now), in the first
        empty or idle slot, else in the slot counted longest ago. Under the lock."""
        table, slots, limit = self._table, self.slots, float(self.per_minute)
        rate = self.per_minute / 60
        first = int.from_bytes(digest[:8], "little") % slots
        free = -1  # the first empty or idle slot
        oldest, oldest_at = first * SLOT.size, math.inf
        for probe in range(self._probes):
            offset = (first + probe) % slots * SLOT.size
            held, tokens, at = SLOT.unpack_from(table, offset)
            if held == digest:
                return offset, tokens, at
            if held == EMPTY:
                # Slots are taken over, never emptied: the key is not further on.
                if free < 0:
                    free = offset
                break
            if free >= 0:
                continue
            if tokens + (now - at) * rate >= limit:  # full by now: no bucket
                free = offset
            elif at < oldest_at:
                oldest, oldest_at = offset, at
        return (free if free >= 0 else oldest), limit, now
