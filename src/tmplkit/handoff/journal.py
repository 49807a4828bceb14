"""The hand-off journal: each recipient's outcome per adapter, in SQLite in the project's state
folder, so that a batch re-run after a crash sends nothing twice and loses nothing."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .base import Receipt
from .envelope import Envelope

JOURNAL_FILE = "handoff.sqlite3"

PENDING = "pending"  # handed to the adapter; its answer is not recorded yet
ACCEPTED = "accepted"  # the sending system took it: never sent again
FAILED = "failed"  # refused or failed; sent again by the next run

_SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    adapter TEXT NOT NULL,
    key TEXT NOT NULL,
    status TEXT NOT NULL,
    recipient TEXT,
    channel TEXT,
    batch TEXT,
    line INTEGER,
    remote_id TEXT,
    error TEXT,
    transient INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    updated REAL NOT NULL,
    PRIMARY KEY (adapter, key)
);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL,
    received REAL NOT NULL,
    payload TEXT NOT NULL
);
"""


class Journal:
    """Outcomes keyed by (adapter, envelope idempotency key).

    The protocol: `begin` before sending (committed), `finish` with the receipt after
    (committed). A run skips keys already ACCEPTED; PENDING keys (the process died between
    sending and recording the answer) and FAILED ones are sent again. Each write is its own
    transaction, so a crash loses at most the answer to the message in flight. Safe to share
    between threads of one process (one connection, serialized) and between processes (SQLite
    locking, WAL).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            str(self.path), timeout=30, isolation_level=None, check_same_thread=False
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def status(self, adapter: str, key: str) -> str | None:
        with self._lock:
            row = self._db.execute(
                "SELECT status FROM deliveries WHERE adapter = ? AND key = ?", (adapter, key)
            ).fetchone()
        return row[0] if row else None

    def accepted(self, adapter: str, keys: Iterable[str]) -> set[str]:
        """Of `keys`, those already accepted by `adapter`."""
        keys = list(keys)
        found: set[str] = set()
        with self._lock:
            for start in range(0, len(keys), 500):
                part = keys[start : start + 500]
                marks = ",".join("?" * len(part))
                rows = self._db.execute(
                    f"SELECT key FROM deliveries WHERE adapter = ? AND status = ? "
                    f"AND key IN ({marks})",
                    (adapter, ACCEPTED, *part),
                )
                found.update(row[0] for row in rows)
        return found

    def begin(
        self,
        adapter: str,
        envelope: Envelope,
        *,
        batch: str | None = None,
        line: int | None = None,
    ) -> None:
        """Record that `envelope` is about to be sent (one more attempt)."""
        with self._lock:
            self._db.execute(
                """
                INSERT INTO deliveries
                    (adapter, key, status, recipient, channel, batch, line, attempts, updated)
                VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)
                ON CONFLICT (adapter, key) DO UPDATE SET
                    status = excluded.status, batch = excluded.batch, line = excluded.line,
                    attempts = deliveries.attempts + 1, updated = excluded.updated
                """,
                (
                    adapter,
                    envelope.idempotency_key,
                    PENDING,
                    envelope.recipient.key(),
                    envelope.channel,
                    batch,
                    line,
                    time.time(),
                ),
            )

    def finish(self, adapter: str, receipt: Receipt) -> None:
        """Record the sending system's answer."""
        status = ACCEPTED if receipt.accepted else FAILED
        with self._lock:
            self._db.execute(
                """
                UPDATE deliveries SET status = ?, remote_id = ?, error = ?, transient = ?,
                    updated = ?
                WHERE adapter = ? AND key = ?
                """,
                (
                    status,
                    receipt.remote_id,
                    receipt.error,
                    int(receipt.transient),
                    time.time(),
                    adapter,
                    receipt.key,
                ),
            )

    def deliveries(self, adapter: str | None = None) -> list[dict[str, Any]]:
        """Every recorded outcome (of one adapter), oldest first."""
        query = "SELECT * FROM deliveries"
        args: tuple[Any, ...] = ()
        if adapter is not None:
            query += " WHERE adapter = ?"
            args = (adapter,)
        with self._lock:
            cursor = self._db.execute(query + " ORDER BY updated", args)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor]

    def record_event(self, source: str, payload: Mapping[str, Any]) -> int:
        """Store an event a sending system reported (e.g. a LEKAB job callback); its number."""
        text = json.dumps(payload, ensure_ascii=False, sort_keys=True)
        with self._lock:
            cursor = self._db.execute(
                "INSERT INTO events (source, received, payload) VALUES (?, ?, ?)",
                (source, time.time(), text),
            )
            return int(cursor.lastrowid or 0)

    def events(self, source: str | None = None) -> list[dict[str, Any]]:
        """Recorded events (of one source), in the order they came."""
        query = "SELECT seq, source, received, payload FROM events"
        args: tuple[Any, ...] = ()
        if source is not None:
            query += " WHERE source = ?"
            args = (source,)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY seq", args).fetchall()
        return [
            {"seq": seq, "source": src, "received": received, "payload": json.loads(payload)}
            for seq, src, received, payload in rows
        ]
