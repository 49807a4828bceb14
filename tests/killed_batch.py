"""A batch run the way send-batch runs it against the hand-off journal, killable half-way: for
the tests that a re-run after a crash or Ctrl-C sends every message exactly once."""

from __future__ import annotations

from collections.abc import Sequence

from tmplkit.handoff import Adapter, Envelope
from tmplkit.handoff.journal import Journal


def run_batch(
    adapter: Adapter, journal: Journal, envelopes: Sequence[Envelope], stop: int | None = None
) -> int:
    """Skip what the journal shows accepted, record each outcome; with `stop`, raise
    KeyboardInterrupt (the process killed) once that many receipts came back. How many
    envelopes this run handed to the adapter."""
    done = journal.accepted(adapter.name, [e.idempotency_key for e in envelopes])
    todo = [e for e in envelopes if e.idempotency_key not in done]
    for envelope in todo:
        journal.begin(adapter.name, envelope)
    for count, receipt in enumerate(adapter.deliver_many(todo), start=1):
        journal.finish(adapter.name, receipt)
        if stop is not None and count >= stop:
            raise KeyboardInterrupt
    return len(todo)
