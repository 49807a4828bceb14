"""The outbox adapter (the default): envelopes appended to a JSONL file, or one RFC 5322 message
per file in a maildir-style folder, for a sending system that reads them from there."""

from __future__ import annotations

import contextlib
import email.parser
import email.policy
import email.utils
import fcntl
import itertools
import json
import os
import secrets
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..errors import DeliveryError, HandoffError, StorageError, storage_error
from .base import Adapter, Context, Delivered, Receipt
from .envelope import CHANNELS, Envelope, Recipient
from .mime import (
    CHANNEL_HEADER,
    KEY_HEADER,
    RECIPIENT_HEADER,
    build_message,
    check_headers,
    message_bytes,
)
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
    reads_back = True

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

    def check(self, envelope: Envelope) -> None:
        """Refuse what the consumer could not send, in both formats alike: an e-mail without a
        sender or an address, an address that does not parse, a line break in a header."""
        super().check(envelope)
        check_headers(envelope)

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

    def _failed(self, exc: OSError) -> StorageError:
        # A full disk or a permission problem fails every message after this one too: a
        # StorageError, which stops a batch (the next run, once it is fixed, sends the rest).
        return storage_error(exc, f"the outbox {self.shown}")

    def read_back(self) -> Iterator[Delivered]:
        """The messages in the outbox: the JSONL file's envelopes, or the maildir's messages
        in new/ and cur/ (those a reader deleted are gone from here too)."""
        if self.format == "maildir":
            return read_maildir(self.path)
        return read_jsonl(self.path)

    @property
    def read_back_from(self) -> str:
        return self.shown

    def delivered(self, keys: Iterable[str]) -> dict[str, Delivered]:
        if self.format == "maildir":
            return super().delivered(keys)
        # A JSONL outbox may be large: only the lines that hold one of the keys are parsed.
        wanted = {key.encode("utf-8") for key in keys}
        found: dict[str, Delivered] = {}
        if wanted:
            for item in read_jsonl(self.path, lambda raw: any(k in raw for k in wanted)):
                if item.key.encode("utf-8") in wanted:
                    found[item.key] = item
        return found


def append_line(path: Path, line: bytes) -> int:
    """Append one line (ending in a newline) to `path`; the offset it starts at.

    Under an exclusive lock on the file (flock), so that concurrent writers in other
    processes never interleave; with one write of the whole line and an fsync. Should a write
    be torn anyway (a power cut, a full disk, a process killed by SIGKILL in the middle of a
    line longer than a page: Linux stops such a write() part-way), the next append starts on a
    new line, so the damage stays on its own line, which readers skip (read_outbox).
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
        try:
            view = memoryview(line)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        except OSError:
            # A full disk took part of the line: take it back, so that no torn line is left
            # (and a line that did not reach the disk never counts as written).
            with contextlib.suppress(OSError):
                os.ftruncate(fd, end)
            raise
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


def read_jsonl(path: str | os.PathLike[str], keep: Any = None) -> Iterator[Delivered]:
    """What a JSONL outbox holds, line by line: each envelope's key, recipient, channel and
    metadata (batch, line). Lines that are not complete JSON are skipped, as in read_outbox;
    `keep(raw)` (bytes of the line) may pass over lines before they are parsed."""
    try:
        fh = open(path, "rb")  # noqa: SIM115 (closed below, also when the reader stops early)
    except FileNotFoundError:
        return
    with fh:
        for raw in fh:
            if not raw.strip() or (keep is not None and not keep(raw)):
                continue
            try:
                data = json.loads(raw)
            except ValueError:
                continue
            key = data.get("idempotencyKey") if isinstance(data, dict) else None
            if not isinstance(key, str) or not key:
                continue
            recipient = data.get("recipient")
            metadata = data.get("metadata")
            metadata = metadata if isinstance(metadata, dict) else {}
            line = metadata.get("line")
            yield Delivered(
                key,
                recipient=Recipient.from_json(recipient).key()
                if isinstance(recipient, dict)
                else None,
                channel=data.get("channel"),
                batch=metadata.get("batch"),
                line=line if isinstance(line, int) else None,
            )


def read_maildir(root: Path) -> Iterator[Delivered]:
    """What a maildir outbox holds: the messages in new/ and cur/ with tmplkit's key header;
    the remote id is the file's name (without the `:2,` flags a reader adds)."""
    parser = email.parser.BytesHeaderParser(policy=email.policy.compat32)
    for sub in ("new", "cur"):
        directory = root / sub
        if not directory.is_dir():
            continue
        for file in sorted(directory.iterdir()):
            try:
                with open(file, "rb") as fh:
                    headers = parser.parse(fh)
            except OSError:
                continue  # taken by a reader meanwhile
            key = headers.get(KEY_HEADER)
            if not key:
                continue
            channel = headers.get(CHANNEL_HEADER) or "email"
            who = headers.get(RECIPIENT_HEADER) or email.utils.parseaddr(headers.get("To", ""))[1]
            yield Delivered(
                str(key).strip(),
                recipient=str(who) or None,
                channel=str(channel),
                remote_id=file.name.partition(":")[0],
            )


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
