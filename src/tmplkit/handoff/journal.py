"""The hand-off journal: each recipient's outcome per adapter, in SQLite in the project's state
folder, and the claims that let overlapping runs of one batch send each message once.

The protocol (docs/handoff.md, "The journal"): a run registers itself (`Journal.run()`: an id,
its process, a heartbeat that renews its lease). Before it hands a message to an adapter it
*claims* the message's idempotency key, in one SQLite transaction that reads and writes the row
together, so two runs can never both win it:

- no row, or a failed one: claimed (CLAIMED), the row is `pending` with this run's id;
- accepted: skip it (ACCEPTED);
- pending under a run that is alive: in progress elsewhere (BUSY), this run leaves it;
- pending under a run that is gone (its process ended, or, from another machine, its lease ran
  out): claimed as a take-over (TAKEN_OVER). The run that died may have delivered it before it
  could record the answer: the crash window. An adapter that can read back what it delivered
  (the outbox) settles that by looking; any other gets the message again, with the same
  idempotency key, for the receiver to drop.

After the delivery, `finish` records the answer. Every write is its own transaction; SQLite's
locking (WAL) makes the journal safe to share between the threads of a run and between runs.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import secrets
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import StorageError, storage_error
from .base import Delivered, Receipt
from .envelope import Envelope

JOURNAL_FILE = "handoff.sqlite3"

PENDING = "pending"  # claimed by a run: handed (or about to be handed) to the adapter
ACCEPTED = "accepted"  # the sending system took it: never sent again
FAILED = "failed"  # refused or failed; sent again by the next run

# What a claim found (Claim.state).
CLAIMED = "claimed"  # this run sends it
TAKEN_OVER = "taken-over"  # this run sends it; a run that died had claimed it (crash window)
BUSY = "busy"  # a live run is sending it: in progress elsewhere
# ACCEPTED (above): sent before, skip it

LEASE = 30.0  # seconds a run's claims outlive its last heartbeat, seen from another machine

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
    run TEXT,
    PRIMARY KEY (adapter, key)
);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL,
    received REAL NOT NULL,
    payload TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    run TEXT PRIMARY KEY,
    pid INTEGER NOT NULL,
    machine TEXT NOT NULL,
    process_start TEXT,
    command TEXT,
    started REAL NOT NULL,
    heartbeat REAL NOT NULL
);
"""


# --- runs and their processes ------------------------------------------------------------------


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="ascii", errors="replace") as fh:
            return fh.read().strip()
    except OSError:
        return None


def machine_id() -> str:
    """What tells this machine (and pid namespace) from another sharing the journal: the host
    name, the boot id and the pid namespace, so that a pid means the same process only where
    all three agree (two containers on one host have different pid namespaces)."""
    boot = _read("/proc/sys/kernel/random/boot_id") or ""
    try:
        namespace = str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        namespace = ""
    return f"{socket.gethostname()}/{boot}/{namespace}"


def process_start(pid: int) -> str | None:
    """When process `pid` started (clock ticks since boot, from /proc), so that a pid the
    system gave to a new process is not taken for the old one; None if there is no such
    process, or it has ended and waits to be reaped (a zombie), or /proc cannot tell."""
    stat = _read(f"/proc/{pid}/stat")
    if stat is None:
        return None
    fields = stat.rpartition(")")[2].split()  # after "(command name)", which may hold spaces
    if len(fields) < 20 or fields[0] in ("Z", "X"):
        return None
    return fields[19]


def process_alive(pid: int, started: str | None) -> bool:
    """Whether the process `pid` that started at `started` is still running on this machine."""
    if os.path.isdir("/proc/self"):
        now = process_start(pid)
        return now is not None and (started is None or now == started)
    try:  # no /proc (macOS): the pid alone
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class RunInfo:
    """A run registered in the journal: who holds its claims."""

    run: str
    pid: int
    machine: str
    process_start: str | None
    command: str
    started: float
    heartbeat: float

    def alive(self, here: str, now: float, lease: float) -> bool:
        """On this machine: while its process runs (however long it pauses). From another
        machine, whose processes cannot be seen: while it renews its lease."""
        if self.machine == here:
            return process_alive(self.pid, self.process_start)
        return now - self.heartbeat <= lease

    def to_json(self) -> dict[str, Any]:
        return {
            "run": self.run,
            "pid": self.pid,
            "command": self.command,
            "started": self.started,
            "heartbeat": self.heartbeat,
        }


@dataclass(frozen=True)
class Claim:
    """What claiming one key found: `state` is CLAIMED, TAKEN_OVER (send it), ACCEPTED (sent
    before) or BUSY (`holder`, a live run, is sending it)."""

    key: str
    state: str
    holder: RunInfo | None = None

    @property
    def mine(self) -> bool:
        return self.state in (CLAIMED, TAKEN_OVER)


class Run:
    """This process's run in a journal: its id, and a thread renewing its lease."""

    def __init__(self, journal: Journal, run_id: str) -> None:
        self.journal = journal
        self.id = run_id
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._beat, name="tmplkit-journal-lease", daemon=True
        )
        self._thread.start()

    def _beat(self) -> None:
        interval = max(self.journal.lease / 3, 0.05)
        while not self._stop.wait(interval):
            # A full disk may refuse a heartbeat; the process is still alive, which is what
            # this machine's runs go by, and the next beat tries again.
            with contextlib.suppress(StorageError):
                self.journal._heartbeat(self.id)

    def end(self) -> None:
        self._stop.set()
        self._thread.join()
        with contextlib.suppress(StorageError):
            self.journal._end_run(self.id)


# --- the journal -------------------------------------------------------------------------------


def accepted_keys(
    read: Callable[[str, Sequence[Any]], list[Any]], adapter: str, keys: Iterable[str]
) -> set[str]:
    """Of `keys`, those a journal read by `read` (a query and its arguments → rows) records
    accepted by `adapter`: asked 500 at a time (SQLite's limit of arguments)."""
    keys = list(keys)
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        part = keys[start : start + 500]
        marks = ",".join("?" * len(part))
        rows = read(
            f"SELECT key FROM deliveries WHERE adapter = ? AND status = ? AND key IN ({marks})",
            (adapter, ACCEPTED, *part),
        )
        found.update(row[0] for row in rows)
    return found


class Journal:
    """Outcomes keyed by (adapter, envelope idempotency key), and the runs claiming them.

    One connection, serialized by a lock: safe to share between threads. `lease`: how long a
    run on another machine keeps its claims after its last heartbeat (it renews every third of
    it). An error writing the file (a full disk) is a StorageError naming it. `wal`: write-ahead
    logging, so that readers never wait (the project's journal); without it, rollback mode,
    for a file one process at a time writes, possibly on a network file system (a Dask part's).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        lease: float = LEASE,
        shown: str | None = None,
        wal: bool = True,
    ) -> None:
        self.path = Path(path)
        self.shown = shown or str(path)  # as the user knows it, for errors
        self.lease = lease
        self.machine = machine_id()
        self._lock = threading.Lock()  # the writing connection, one thread at a time
        self._read_lock = threading.Lock()
        self._reader: sqlite3.Connection | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                str(self.path), timeout=30, isolation_level=None, check_same_thread=False
            )
        except (OSError, sqlite3.Error) as exc:
            raise self._error(exc, "opening") from None
        try:
            if wal:
                self._wal()
            else:  # one process at a time, maybe over a network file system: no shared memory
                self._db.execute("PRAGMA journal_mode=DELETE")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
            self._migrate()
        except (sqlite3.Error, StorageError) as exc:
            self._db.close()
            raise exc if isinstance(exc, StorageError) else self._error(exc) from None

    def _wal(self) -> None:
        """Put the journal in WAL mode (readers never wait for the writer), once. SQLite
        answers a mode change that meets another connection "database is locked" at once,
        without waiting as it does for writes: runs that start together try again."""
        deadline = time.monotonic() + 30
        while True:
            try:
                if self._db.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
                    return
                self._db.execute("PRAGMA journal_mode=WAL")
            except sqlite3.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.01 + random.random() * 0.04)

    def _error(self, exc: BaseException, verb: str = "writing") -> StorageError:
        return storage_error(exc, f"the journal {self.shown}", verb, path=self.path)

    def _migrate(self) -> None:
        """Journals written before claims had no `run` column: their pending rows belong to no
        live run, and are taken over by the next one."""
        if "run" in self._columns():
            return
        with self._write() as db:  # looked at again under the write lock: runs open at once
            if "run" not in self._columns():
                db.execute("ALTER TABLE deliveries ADD COLUMN run TEXT")

    def _columns(self) -> set[str]:
        return {row[1] for row in self._db.execute("PRAGMA table_info(deliveries)")}

    def close(self) -> None:
        with self._lock:
            self._db.close()
        with self._read_lock:
            if self._reader is not None:
                self._reader.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE: the write lock is taken before reading, so
        what is read cannot change before it is written), committed or rolled back whole."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                with contextlib.suppress(sqlite3.Error):
                    if self._db.in_transaction:
                        self._db.execute("ROLLBACK")
                raise self._error(exc) from None

    def _read(self, query: str, args: Sequence[Any] = ()) -> list[Any]:
        """A query on a connection of its own: in WAL mode a reader never waits for a writer,
        so a batch's main thread asking what was sent does not queue behind the threads
        committing claims and outcomes (each commit waits for the disk)."""
        with self._read_lock:
            try:
                if self._reader is None:
                    self._reader = sqlite3.connect(
                        str(self.path), timeout=30, isolation_level=None, check_same_thread=False
                    )
                return self._reader.execute(query, args).fetchall()
            except sqlite3.Error as exc:
                raise self._error(exc, "reading") from None

    # -- runs --

    @contextlib.contextmanager
    def run(self, command: str = "") -> Iterator[Run]:
        """Register this process's run (its claims are its own until it ends), renew its lease
        while the block runs, and end it after. `command` says what the run does, for people
        (`tmplkit handoff journal show`): never anything secret."""
        run_id = secrets.token_hex(8)
        now = time.time()
        with self._write() as db:
            db.execute(
                "INSERT INTO runs (run, pid, machine, process_start, command, started, heartbeat)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    run_id,
                    os.getpid(),
                    self.machine,
                    process_start(os.getpid()),
                    command[:500],
                    now,
                    now,
                ),
            )
        handle = Run(self, run_id)
        try:
            yield handle
        finally:
            handle.end()

    def _heartbeat(self, run_id: str) -> None:
        with self._write() as db:
            db.execute("UPDATE runs SET heartbeat = ? WHERE run = ?", (time.time(), run_id))

    def _end_run(self, run_id: str) -> None:
        """The run ended: its row goes, with the rows of runs found dead."""
        with self._write() as db:
            db.execute("DELETE FROM runs WHERE run = ?", (run_id,))
            now = time.time()
            for info in self._all_runs(db):
                if not info.alive(self.machine, now, self.lease):
                    db.execute("DELETE FROM runs WHERE run = ?", (info.run,))

    @staticmethod
    def _all_runs(db: sqlite3.Connection) -> list[RunInfo]:
        rows = db.execute(
            "SELECT run, pid, machine, process_start, command, started, heartbeat FROM runs"
        ).fetchall()
        return [RunInfo(*row) for row in rows]

    def runs(self) -> list[RunInfo]:
        """The runs that are alive now (a dead one's row stays until a run ends)."""
        now = time.time()
        rows = self._read(
            "SELECT run, pid, machine, process_start, command, started, heartbeat FROM runs"
            " ORDER BY started"
        )
        infos = [RunInfo(*row) for row in rows]
        return [info for info in infos if info.alive(self.machine, now, self.lease)]

    def _holder(self, db: sqlite3.Connection, run_id: str | None, now: float) -> RunInfo | None:
        """The live run holding a claim, or None when the claim is free to take over."""
        if run_id is None:
            return None
        row = db.execute(
            "SELECT run, pid, machine, process_start, command, started, heartbeat FROM runs"
            " WHERE run = ?",
            (run_id,),
        ).fetchone()
        if row is None:
            return None
        info = RunInfo(*row)
        return info if info.alive(self.machine, now, self.lease) else None

    # -- claims and outcomes --

    def claim(
        self,
        adapter: str,
        envelopes: Sequence[Envelope],
        run: Run,
        *,
        batch: str | None = None,
        lines: Sequence[int | None] | None = None,
        resend: bool = False,
    ) -> list[Claim]:
        """Claim each envelope's key for `run`, all in one transaction; one Claim each, in
        order. `resend` claims an accepted key too (to send it again on purpose)."""
        now = time.time()
        out: list[Claim] = []
        line_of = list(lines) if lines is not None else [None] * len(envelopes)
        with self._write() as db:
            for envelope, line in zip(envelopes, line_of, strict=True):
                key = envelope.idempotency_key
                row = db.execute(
                    "SELECT status, run FROM deliveries WHERE adapter = ? AND key = ?",
                    (adapter, key),
                ).fetchone()
                state = CLAIMED
                if row is not None:
                    status, holder_id = row
                    if status == ACCEPTED and not resend:
                        out.append(Claim(key, ACCEPTED))
                        continue
                    if status == PENDING:
                        holder = None if holder_id == run.id else self._holder(db, holder_id, now)
                        if holder is not None or holder_id == run.id:
                            out.append(Claim(key, BUSY, holder))
                            continue
                        state = TAKEN_OVER
                db.execute(
                    """
                    INSERT INTO deliveries (adapter, key, status, recipient, channel, batch,
                        line, attempts, updated, run)
                    VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)
                    ON CONFLICT (adapter, key) DO UPDATE SET
                        status = excluded.status, batch = excluded.batch, line = excluded.line,
                        attempts = deliveries.attempts + 1, updated = excluded.updated,
                        run = excluded.run, error = NULL, transient = NULL
                    """,
                    (
                        adapter,
                        key,
                        PENDING,
                        envelope.recipient.key(),
                        envelope.channel,
                        batch,
                        line,
                        now,
                        run.id,
                    ),
                )
                out.append(Claim(key, state))
        return out

    def finish(self, adapter: str, receipt: Receipt, run: Run | None = None) -> None:
        """Record the sending system's answer. An acceptance is recorded whoever holds the
        claim (the message went); a failure only over this run's own claim, so that it never
        overwrites another run's outcome."""
        now = time.time()
        with self._write() as db:
            if receipt.accepted:
                db.execute(
                    "UPDATE deliveries SET status = ?, remote_id = ?, error = NULL, "
                    "transient = NULL, updated = ?, run = NULL WHERE adapter = ? AND key = ?",
                    (ACCEPTED, receipt.remote_id, now, adapter, receipt.key),
                )
                return
            db.execute(
                "UPDATE deliveries SET status = ?, error = ?, transient = ?, updated = ?, "
                "run = NULL WHERE adapter = ? AND key = ? AND status = ? "
                "AND (run IS ? OR ? IS NULL)",
                (
                    FAILED,
                    receipt.error,
                    int(receipt.transient),
                    now,
                    adapter,
                    receipt.key,
                    PENDING,
                    run.id if run else None,
                    run.id if run else None,
                ),
            )

    def status(self, adapter: str, key: str) -> str | None:
        rows = self._read(
            "SELECT status FROM deliveries WHERE adapter = ? AND key = ?", (adapter, key)
        )
        return rows[0][0] if rows else None

    def accepted(self, adapter: str, keys: Iterable[str]) -> set[str]:
        """Of `keys`, those already accepted by `adapter`."""
        return accepted_keys(self._read, adapter, keys)

    def count(self, adapter: str) -> int:
        """How many messages the journal holds for `adapter`, whatever their status."""
        rows = self._read("SELECT COUNT(*) FROM deliveries WHERE adapter = ?", (adapter,))
        return int(rows[0][0])

    def counts(self) -> dict[str, dict[str, int]]:
        """adapter -> status -> how many."""
        out: dict[str, dict[str, int]] = {}
        rows = self._read(
            "SELECT adapter, status, COUNT(*) FROM deliveries GROUP BY adapter, status"
            " ORDER BY adapter, status"
        )
        for adapter, status, count in rows:
            out.setdefault(adapter, {})[status] = count
        return out

    def record_delivered(self, adapter: str, items: Iterable[Delivered]) -> dict[str, int]:
        """Record messages an adapter shows it delivered (read back from an outbox) as accepted:
        how many were `added`, `settled` (pending or failed before) and `known` (accepted)."""
        counts = {"added": 0, "settled": 0, "known": 0}
        now = time.time()
        chunk: list[Delivered] = []

        def flush() -> None:
            with self._write() as db:
                for item in chunk:
                    row = db.execute(
                        "SELECT status FROM deliveries WHERE adapter = ? AND key = ?",
                        (adapter, item.key),
                    ).fetchone()
                    if row is not None and row[0] == ACCEPTED:
                        counts["known"] += 1
                        continue
                    counts["settled" if row is not None else "added"] += 1
                    db.execute(
                        """
                        INSERT INTO deliveries (adapter, key, status, recipient, channel, batch,
                            line, remote_id, attempts, updated)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?)
                        ON CONFLICT (adapter, key) DO UPDATE SET
                            status = excluded.status, remote_id = excluded.remote_id,
                            error = NULL, transient = NULL, updated = excluded.updated,
                            run = NULL
                        """,
                        (
                            adapter,
                            item.key,
                            ACCEPTED,
                            item.recipient,
                            item.channel,
                            item.batch,
                            item.line,
                            item.remote_id,
                            now,
                        ),
                    )
            chunk.clear()

        for item in items:
            chunk.append(item)
            if len(chunk) >= 1000:
                flush()
        if chunk:
            flush()
        return counts

    def merge_accepted(self, other: str | Path) -> int:
        """Record as accepted here what another journal (a Dask part's) recorded accepted and
        this one does not yet: how many rows changed. Read whole in one transaction."""
        with self._lock:
            try:
                self._db.execute("ATTACH DATABASE ? AS other", (str(other),))
            except sqlite3.Error as exc:
                raise self._error(exc, "reading") from None
        try:
            with self._write() as db:
                cursor = db.execute(
                    """
                    INSERT INTO deliveries (adapter, key, status, recipient, channel, batch,
                        line, remote_id, attempts, updated)
                    SELECT adapter, key, status, recipient, channel, batch, line, remote_id,
                        attempts, updated FROM other.deliveries WHERE status = ? AND true
                    ON CONFLICT (adapter, key) DO UPDATE SET
                        status = excluded.status, remote_id = excluded.remote_id,
                        error = NULL, transient = NULL, updated = excluded.updated, run = NULL
                    WHERE deliveries.status != excluded.status
                    """,
                    (ACCEPTED,),
                )
                return cursor.rowcount
        finally:
            with self._lock, contextlib.suppress(sqlite3.Error):
                self._db.execute("DETACH DATABASE other")

    def snapshot(self, dest: str | Path) -> None:
        """A consistent copy of the journal at `dest` (atomically), in rollback mode: a file
        nobody writes, that readers may open immutable (from another machine too)."""
        target = Path(dest)
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            copy = sqlite3.connect(str(tmp), isolation_level=None)
            try:
                with self._lock:
                    self._db.backup(copy)
                copy.execute("PRAGMA journal_mode=DELETE")
            finally:
                copy.close()
            os.replace(tmp, target)
        except (OSError, sqlite3.Error) as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise storage_error(exc, str(target), "writing", path=target) from None

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
        with self._write() as db:
            cursor = db.execute(
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
        rows = self._read(query + " ORDER BY seq", args)
        return [
            {"seq": seq, "source": src, "received": received, "payload": json.loads(payload)}
            for seq, src, received, payload in rows
        ]
