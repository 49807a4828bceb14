"""The outbox adapter (the default): envelopes appended to a JSONL file, or one RFC 5322 message
per file in a maildir-style folder, for a sending system that reads them from there."""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import json
import os
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from ..errors import DeliveryError, HandoffError
from .base import Adapter, Context, Receipt
from .envelope import CHANNELS, Envelope
from .mime import build_message, message_bytes
from .validate import check_known

FORMATS = ("jsonl", "maildir")
DEFAULT_PATHS = {"jsonl": ".tmplkit/outbox.jsonl", "maildir": ".tmplkit/outbox"}
SETTINGS = ("adapter", "path", "format")


class OutboxAdapter(Adapter):
    """Settings: `format` ("jsonl", the default, or "maildir") and `path` (relative to the
    project; default `.tmplkit/outbox.jsonl`, or `.tmplkit/outbox/` for a maildir)."""

    name = "outbox"
    channels = frozenset(CHANNELS)
    description = "envelopes as JSON lines in a file, or messages in a maildir folder"

    def __init__(self, context: Context) -> None:
        super().__init__(context)
        check_known(context, SETTINGS)
        fmt = context.option("format", "jsonl")
        if fmt not in FORMATS:
            raise HandoffError(
                f"[handoff.{context.name}]: format must be one of {', '.join(FORMATS)}, not {fmt!r}"
            )
        self.format: str = fmt
        path = context.option("path", DEFAULT_PATHS[fmt])
        if not isinstance(path, str) or not path.strip():
            raise HandoffError(f"[handoff.{context.name}]: path must be a file path, not {path!r}")
        self.shown = path  # as configured: what dry runs and errors show
        self.path = Path(context.root or ".") / Path(path).expanduser()
        # One delivery at a time in this process; the file lock orders processes.
        self._lock = threading.Lock()
        self._counter = itertools.count(1)

    def deliver(self, envelope: Envelope) -> Receipt:
        if self.format == "maildir":
            return self._deliver_maildir(envelope)
        line = json.dumps(envelope.to_json(), ensure_ascii=False, separators=(",", ":")) + "\n"
        if self.context.dry_run is not None:
            self.context.dry_run.write(f"append to {self.shown}:\n{line}")
            return Receipt(envelope.idempotency_key, True, dry_run=True)
        try:
            with self._lock:
                offset = append_line(self.path, line.encode("utf-8"))
        except OSError as exc:
            raise self._failed(exc) from None
        return Receipt(
            envelope.idempotency_key, True, detail={"path": str(self.path), "offset": offset}
        )

    def _deliver_maildir(self, envelope: Envelope) -> Receipt:
        try:
            data = message_bytes(build_message(envelope))
        except HandoffError as exc:  # no sender, an address that does not parse
            raise DeliveryError(str(exc)) from None
        if self.context.dry_run is not None:
            self.context.dry_run.write(f"write to {self.shown}/new/:\n{data.decode('utf-8')}\n")
            return Receipt(envelope.idempotency_key, True, dry_run=True)
        try:
            with self._lock:
                name = write_maildir(self.path, data, next(self._counter))
        except OSError as exc:
            raise self._failed(exc) from None
        return Receipt(
            envelope.idempotency_key,
            True,
            remote_id=name,
            detail={"path": str(self.path / "new" / name)},
        )

    def _failed(self, exc: OSError) -> DeliveryError:
        # A full disk or a permission problem may be fixed before the next run: transient.
        return DeliveryError(f"outbox {self.shown}: {exc.strerror or exc}", transient=True)


def append_line(path: Path, line: bytes) -> int:
    """Append one line (ending in a newline) to `path`; the offset it starts at.

    Under an exclusive lock on the file (flock), so that concurrent writers in other
    processes never interleave; with one write of the whole line and an fsync, so that a
    crash leaves the line whole or absent. Should a write have been torn anyway (a power cut,
    a full disk), the next append starts on a new line, so the damage stays on its own line.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    created = not path.exists()
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # released when fd closes
        end = os.lseek(fd, 0, os.SEEK_END)
        if end and os.pread(fd, 1, end - 1) != b"\n":
            line = b"\n" + line
            end += 1
        view = memoryview(line)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:
        _fsync_dir(path.parent)
    return end


def read_outbox(path: str | os.PathLike[str]) -> Iterator[Envelope]:
    """The envelopes of a JSONL outbox, in the order they were appended.

    A line that is not complete JSON (a write torn by a power cut) is skipped; a complete line
    that is not an envelope is a HandoffError naming FILE:LINE.
    """
    with open(path, "rb") as fh:
        for number, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            try:
                data = json.loads(raw)
            except ValueError:
                continue
            try:
                yield Envelope.from_json(data)
            except (HandoffError, KeyError, TypeError, AttributeError) as exc:
                raise HandoffError(f"{path}:{number}: not an envelope: {exc}") from None


def write_maildir(root: Path, data: bytes, counter: int = 0) -> str:
    """Deliver `data` into the maildir at `root` (tmp/ → new/, as the maildir convention
    says: readers never see a partial file); the file's unique name."""
    for sub in ("tmp", "new", "cur"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    name = unique_name(counter)
    tmp = root / "tmp" / name
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.rename(tmp, root / "new" / name)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(root / "new")
    return name


def unique_name(counter: int = 0) -> str:
    """A maildir file name: seconds, microseconds, process, counter, randomness and host
    (`1767225600.M123456P4242Q1R0f3a9c.host`), unique across processes and machines."""
    now = time.time()
    host = socket.gethostname().replace("/", r"\057").replace(":", r"\072")
    return (
        f"{int(now)}.M{int(now % 1 * 1e6):06d}P{os.getpid()}Q{counter}"
        f"R{secrets.token_hex(4)}.{host}"
    )


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
