"""Stand-ins for the hand-off tests: a recording httpx transport in place of a sending system,
the Basic authorization header a request must carry, and a batch run the way send-batch runs
it against the journal (claims, then outcomes), stoppable half-way as if killed (a re-run must
send every message exactly once)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from typing import Any

import httpx

from tmplkit.handoff import Adapter, Envelope
from tmplkit.handoff.journal import Journal

Answer = Callable[[httpx.Request], httpx.Response]

# The User-Agent header line httpx sends, as a dry run prints it: follows the pinned httpx.
USER_AGENT = f"User-Agent: python-httpx/{httpx.__version__}"


class Service:
    """httpx.MockTransport standing in for a sending system: records each request and answers
    with `answer` (the service's documented success, or a refusal to test)."""

    def __init__(self, answer: Answer) -> None:
        self.requests: list[httpx.Request] = []
        self.answer = answer
        self.transport = httpx.MockTransport(self._handle)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.answer(request)

    def bodies(self) -> list[Any]:
        return [json.loads(r.content) for r in self.requests]


def basic(user: str, password: str) -> str:
    """The Authorization header of HTTP Basic authentication."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def run_batch(
    adapter: Adapter, journal: Journal, envelopes: Sequence[Envelope], stop: int | None = None
) -> int:
    """Claim every message (what the journal shows accepted is skipped), deliver the claimed
    ones, record each outcome; with `stop`, raise KeyboardInterrupt (the process killed) once
    that many receipts came back. How many envelopes this run handed to the adapter."""
    with journal.run() as run:
        claims = journal.claim(adapter.name, envelopes, run)
        todo = [e for e, c in zip(envelopes, claims, strict=True) if c.mine]
        for count, receipt in enumerate(adapter.deliver_many(todo), start=1):
            journal.finish(adapter.name, receipt, run)
            if stop is not None and count >= stop:
                raise KeyboardInterrupt
    return len(todo)
