"""SharedRateLimiter (server/limits.py): the per-key rate limit of `tmplkit serve --workers N`,
in shared memory. Its decisions are RateLimiter's, hit for hit; processes forked after it is
made spend from the same buckets; its fixed table of slots takes any number of keys.
Real forked processes, no mocks; the clock is a list the test advances.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection

import pytest

from tmplkit.server.limits import PROBES, UNLIMITED, Decision, RateLimiter, SharedRateLimiter

FORK = multiprocessing.get_context("fork")


def clock_at(now: list[float]) -> Callable[[], float]:
    """A clock reading now[0]: the test advances it."""
    return lambda: now[0]


def replay(
    limiter: RateLimiter | SharedRateLimiter, now: list[float], script: list[tuple[str, float]]
) -> list[Decision]:
    decisions = []
    for key, at in script:
        now[0] = at
        decisions.append(limiter.hit(key))
    return decisions


# A burst past the capacity, refused with retry_after counting down (rounded up, never 0),
# a refill of a fraction of a second and of more than a minute, two keys apart.
SCRIPT = (
    [("a", 0.0)] * 5
    + [("b", 0.0)] * 2
    + [("a", 5.0), ("a", 10.0), ("a", 11.9), ("a", 12.0), ("a", 12.0)]
    + [("b", 12.0)] * 3
    + [("a", 12.1), ("a", 23.99), ("a", 24.0), ("b", 24.0), ("a", 29.5), ("a", 30.0)]
    + [("a", 90.0)] * 5
    + [("b", 300.0), ("a", 300.0)]
    + [("a", 300.0 + i * 0.1) for i in range(40)]
)


@pytest.mark.parametrize("per_minute", [4, 5, 600])
def test_the_same_hits_give_the_same_decisions_as_rate_limiter(per_minute: int) -> None:
    now = [0.0]
    expected = replay(RateLimiter(per_minute, clock=clock_at(now)), now, SCRIPT)
    got = replay(SharedRateLimiter(per_minute, clock=clock_at(now), slots=8), now, SCRIPT)
    assert got == expected
    if per_minute == 4:  # the script does what it says
        assert Decision(False, 0, 15) in got
        assert Decision(True, 3, 0) in got
        at = SCRIPT.index(("a", 29.5))  # half a second short of a token, then one exactly
        assert got[at : at + 2] == [Decision(False, 0, 1), Decision(True, 0, 0)]


def test_the_default_burst_and_the_float_refill_are_rate_limiter_s() -> None:
    now = [0.0]
    script = [("k", 0.0)] * 601 + [("k", 0.3)] * 4 + [("j", 0.3)] * 2
    expected = replay(RateLimiter(clock=clock_at(now)), now, script)
    got = replay(SharedRateLimiter(clock=clock_at(now)), now, script)
    assert got == expected
    assert got[600] == Decision(False, 0, 1)
    assert [d.allowed for d in got[601:605]] == [True, True, True, False]
    assert got[605] == Decision(True, 599, 0)


def test_zero_is_no_limit_and_a_negative_limit_an_error() -> None:
    limiter = SharedRateLimiter(0, clock=lambda: 0.0)
    assert {limiter.hit(f"k{i % 3}") for i in range(1000)} == {Decision(True, UNLIMITED, 0)}
    with pytest.raises(ValueError, match="per_minute must be 0 \\(no limit\\) or more, not -1"):
        SharedRateLimiter(-1)
    with pytest.raises(ValueError, match="slots must be 1 or more, not 0"):
        SharedRateLimiter(slots=0)


def spend_in_child(limiter: SharedRateLimiter, key: str, hits: int, out: Connection) -> None:
    out.send(sum(limiter.hit(key).allowed for _ in range(hits)))
    out.close()


@pytest.mark.parametrize("processes", [2, 3])
def test_processes_forked_after_it_is_made_share_the_buckets(processes: int) -> None:
    limiter = SharedRateLimiter(50, clock=lambda: 0.0)
    pipes = [FORK.Pipe(duplex=False) for _ in range(processes)]
    children = [
        FORK.Process(target=spend_in_child, args=(limiter, "shared", 40, sender))
        for _, sender in pipes
    ]
    for child in children:
        child.start()
    allowed = [receiver.recv() for receiver, _ in pipes]
    for child in children:
        child.join(timeout=30)
        assert child.exitcode == 0
    assert sum(allowed) == 50
    assert all(count >= 0 for count in allowed)
    # The parent sees what the children spent; another key has its whole bucket.
    assert limiter.hit("shared") == Decision(False, 0, 2)
    assert limiter.hit("other") == Decision(True, 49, 0)


def test_threads_of_forked_processes_get_no_more_than_the_capacity() -> None:
    limiter = SharedRateLimiter(100, clock=lambda: 0.0)

    def threads_in_child(out: Connection) -> None:
        counts: list[int] = []

        def hammer() -> None:
            counts.append(sum(limiter.hit("k").allowed for _ in range(50)))

        threads = [threading.Thread(target=hammer) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        out.send(sum(counts))

    pipes = [FORK.Pipe(duplex=False) for _ in range(2)]
    children = [FORK.Process(target=threads_in_child, args=(sender,)) for _, sender in pipes]
    for child in children:
        child.start()
    total = sum(receiver.recv() for receiver, _ in pipes)
    for child in children:
        child.join(timeout=30)
        assert child.exitcode == 0
    assert total == 100


def test_ten_thousand_keys_through_64_slots_each_start_with_a_full_bucket() -> None:
    now = [0.0]
    limiter = SharedRateLimiter(10, clock=clock_at(now), slots=64)
    for round_ in range(100):  # 100 keys a round: more live keys than slots
        keys = [f"key-{round_}-{i}" for i in range(100)]
        assert {limiter.hit(key) for key in keys} == {Decision(True, 9, 0)}
        now[0] += 61.0  # every bucket full again: the slots are free to take over
    # A table smaller than the probes is searched once round, not past its end.
    small = SharedRateLimiter(10, clock=clock_at(now), slots=3)
    assert {small.hit(f"k{i}") for i in range(50)} == {Decision(True, 9, 0)}


def start_slot(key: str, slots: int) -> int:
    digest = hashlib.blake2b(key.encode(), digest_size=16).digest()
    return int.from_bytes(digest[:8], "little") % slots


def colliding(key: str, slots: int, count: int) -> list[str]:
    """`count` keys whose slot is searched from the same one as `key`'s."""
    first = start_slot(key, slots)
    found = (f"c{i}" for i in range(1_000_000) if start_slot(f"c{i}", slots) == first)
    return [next(found) for _ in range(count)]


def test_a_live_bucket_is_kept_while_fewer_than_32_live_keys_collide() -> None:
    now = [0.0]
    limiter = SharedRateLimiter(100, clock=clock_at(now), slots=64)
    others = colliding("watched", 64, PROBES - 1)
    assert limiter.hit("watched") == Decision(True, 99, 0)
    for i, other in enumerate(others):
        assert limiter.hit(other) == Decision(True, 99, 0)
        assert limiter.hit("watched") == Decision(True, 98 - i, 0)
    # A minute later the others are idle, and new colliding keys take their slots over;
    # "watched", spending again, is not idle and keeps its count.
    now[0] = 60.0
    assert [limiter.hit("watched").remaining for _ in range(3)] == [99, 98, 97]
    late = colliding("watched", 64, PROBES + 20)[PROBES - 1 :]
    assert {limiter.hit(key) for key in late} == {Decision(True, 99, 0)}
    assert [limiter.hit("watched").remaining for _ in range(3)] == [96, 95, 94]
    assert [limiter.hit(other).remaining for other in others[:3]] == [99, 99, 99]


def test_past_32_live_colliding_keys_the_oldest_bucket_starts_again() -> None:
    now = [0.0]
    limiter = SharedRateLimiter(60, clock=clock_at(now), slots=64)
    keys = ["watched", *colliding("watched", 64, PROBES)]
    for i, key in enumerate(keys[:PROBES]):  # 32 live buckets, "watched" counted first
        now[0] = i * 0.01
        assert [limiter.hit(key).remaining for _ in range(3)] == [59, 58, 57]
    now[0] = 1.0
    assert limiter.hit(keys[PROBES]) == Decision(True, 59, 0)  # takes the oldest slot
    # Lenient: "watched" starts a full bucket early, taking the next oldest slot, and so on.
    assert limiter.hit("watched") == Decision(True, 59, 0)
    assert limiter.hit(keys[1]) == Decision(True, 59, 0)
    # The buckets taken over since keep their counts.
    assert limiter.hit(keys[PROBES]) == Decision(True, 58, 0)
    assert limiter.hit("watched") == Decision(True, 58, 0)
