"""Render one template for many recipients: streaming, in input order, on N processes.

The parent process reads the recipients lazily and moves them, as raw lines, in chunks of a few
hundred to the workers; each worker keeps its own Renderer (one PreparedMessage per locale,
prepared the first time a recipient asks for it), renders and serializes its chunk, and sends
back the JSONL lines. The parent writes the chunks back in input order. At most
`2 × workers` chunks are in flight, so memory stays bounded whatever the number of recipients.

A bad record (a malformed line, a CSV row with the wrong number of fields, an invalid locale,
data that fails to render, a missing translation under `strict`) becomes a failed result with
its line number and reason; the batch goes on, unless `fail_fast`.

Workers are started with the `spawn` method: a script that calls `render_batch(workers=2)` must
do so under `if __name__ == "__main__":`, as for any multiprocessing code.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import multiprocessing
import os
import queue
import re
import signal
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import TracebackType
from typing import IO, Any, BinaryIO, Literal, NamedTuple, cast

from . import datafile
from .errors import TmplkitError
from .i18n.locales import normalize
from .i18n.plural import count_problems
from .localize import DEFAULT_SOURCE_LOCALE
from .pipeline import plural_counts, resolve
from .progress import StatusLine
from .render import Message, PreparedMessage, Renderer
from .store import Project, is_special
from .variables import Variables, of_sources

try:  # the C escapers behind json.dumps; the pure-Python ones otherwise
    from _json import encode_basestring as _escape
    from _json import encode_basestring_ascii as _escape_ascii
except ImportError:  # pragma: no cover
    from json.encoder import py_encode_basestring as _escape
    from json.encoder import py_encode_basestring_ascii as _escape_ascii

__all__ = [
    "BatchError",
    "BatchOutput",
    "BatchResult",
    "BatchRun",
    "BatchSummary",
    "ChunkResult",
    "open_output",
    "render_batch",
    "report_batch",
]

DEFAULT_CHUNK_SIZE = 500  # recipients per chunk sent to a worker
InputFormat = Literal["auto", "jsonl", "csv"]
Records = str | os.PathLike[str] | BinaryIO | Iterable[dict[str, Any] | str | bytes]


class BatchError(TmplkitError):
    """The batch as a whole cannot go on: an unreadable CSV header, a worker that died."""


@dataclass(frozen=True, slots=True)
class BatchResult:
    """One recipient's outcome, in input order.

    `line` is the record's line in the recipients file (its 1-based position for an iterable).
    `locale` is the locale rendered (normalized, e.g. `fr-CA`; the project's source locale for
    a recipient without one); for a failed record it is None. With `jsonl=True`, `jsonl` holds
    the output line (bytes, ending in a newline) instead of `message`. With `keep_data=True`,
    `data` holds the record as read (None if it could not be read), e.g. for the hand-off to
    take the recipient's address from.
    """

    line: int
    ok: bool
    locale: str | None
    message: Message | None = None
    error: str | None = None
    jsonl: bytes | None = None
    data: dict[str, Any] | None = None


@dataclass
class BatchSummary:
    """Counts so far (final once the run is exhausted): rendered and failed records, per locale.

    `locales`: rendered recipients per locale. `fallbacks`: of those, the ones whose locale
    lacks some translations (a fallback to fr-FR for fr-CA, or to the source); `warnings` holds
    each such locale's fallback warnings, once. `stopped`: `fail_fast` ended the run early.
    """

    rendered: int = 0
    failed: int = 0
    locales: dict[str, int] = field(default_factory=dict)
    fallbacks: dict[str, int] = field(default_factory=dict)
    warnings: dict[str, tuple[str, ...]] = field(default_factory=dict)
    elapsed: float = 0.0
    stopped: bool = False

    @property
    def total(self) -> int:
        return self.rendered + self.failed

    @property
    def rate(self) -> float:
        """Recipients (rendered or failed) per second."""
        return self.total / self.elapsed if self.elapsed > 0 else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "rendered": self.rendered,
            "failed": self.failed,
            "locales": dict(sorted(self.locales.items())),
            "fallbacks": dict(sorted(self.fallbacks.items())),
            "elapsedSeconds": round(self.elapsed, 3),
            "messagesPerSecond": round(self.rate, 1),
            "stopped": self.stopped,
        }

    def text(self) -> list[str]:
        """The summary as lines of text, for a terminal."""
        failed = f", {self.failed:,} failed" if self.failed else ""
        stopped = " (stopped at the first bad record: --fail-fast)" if self.stopped else ""
        lines = [
            f"{self.total:,} recipients: {self.rendered:,} rendered{failed} in "
            f"{self.elapsed:.2f} s ({self.rate:,.0f} messages/s){stopped}"
        ]
        for locale, count in sorted(self.locales.items()):
            fallback = self.fallbacks.get(locale)
            note = f" (with fallbacks: {len(self.warnings.get(locale, ()))} strings)"
            lines.append(f"  {locale}: {count:,}" + (note if fallback else ""))
        return lines


@dataclass(slots=True)
class ChunkResult:
    """A chunk of consecutive records, rendered by one worker.

    `records` holds (line, locale, error) per record. `messages` holds the Message of each
    (None for a failed record); with `jsonl`, it is empty and `jsonl` holds the chunk's output
    lines instead, one per record (a failed record's is `{"line": N, "error": "..."}`), as one
    bytes object the parent writes as it is. `warnings`: fallback warnings of locales this
    worker prepared for the first time in this chunk. `stopped`: fail_fast stopped inside it.
    """

    records: list[tuple[int, str | None, str | None]]
    messages: list[Message | None]
    jsonl: bytes
    warnings: dict[str, tuple[str, ...]]
    stopped: bool = False
    nbytes: int = 0  # input bytes this chunk covers (for progress)
    data: list[dict[str, Any] | None] = field(default_factory=list)  # with keep_data
    # (line, warning) of records rendered with a doubt: a plural count that is not a number.
    notes: list[tuple[int, str]] = field(default_factory=list)

    def errors(self) -> Iterator[tuple[int, str]]:
        for line, _, error in self.records:
            if error is not None:
                yield line, error

    def results(self) -> Iterator[BatchResult]:
        if self.messages or not self.jsonl:
            data = self.data or [None] * len(self.records)
            for (line, locale, error), message, record in zip(
                self.records, self.messages, data, strict=True
            ):
                yield BatchResult(
                    line, error is None, locale, message=message, error=error, data=record
                )
            return
        # JSON escapes every newline inside a string: the output's lines are the records'.
        lines = self.jsonl.split(b"\n")
        for (line, locale, error), text in zip(self.records, lines, strict=False):
            yield BatchResult(line, error is None, locale, error=error, jsonl=text + b"\n")


# --- the work: one chunk of records → rendered results (runs in a worker) ------------------


@dataclass(frozen=True)
class _Options:
    source: str
    project_root: str | None
    draft: str | None
    locale_field: str | None
    default_locale: str | None
    strict: bool
    fail_fast: bool
    jsonl: bool
    keep_data: bool = False


@dataclass(slots=True)
class _Chunk:
    """Raw records: `json` lines (bytes or str), `data` (dicts or JSON strings) or `csv` rows.

    Lines are `start`, `start + 1`, … unless `lines` gives each record's line (CSV, where a
    quoted field may span lines). A CSV item is a row, or a string: the reason it is bad.
    """

    kind: Literal["json", "data", "csv"]
    start: int
    items: list[Any]
    lines: list[int] | None = None
    columns: tuple[tuple[str, ...], ...] | None = None
    nbytes: int = 0


@dataclass(slots=True)
class _Prepared:
    message: PreparedMessage
    locale: str
    # The JSONL line after "text" (or after "channels", for a draft with channel parts): the
    # fields every message of this locale shares.
    tail: bytes


class _Worker:
    """Renders chunks for one process: its own Renderer, one prepared message per locale."""

    def __init__(self, options: _Options, renderer: Renderer | None = None) -> None:
        self.options = options
        if renderer is None:
            project = Project(options.project_root) if options.project_root else None
            renderer = Renderer(project)
        self.renderer = renderer
        settings = renderer.project.settings if renderer.project else None
        self.source_locale = normalize(
            settings.source_locale if settings else DEFAULT_SOURCE_LOCALE
        )
        self.prepared: dict[str | None, _Prepared | str] = {}
        self.reported: set[str] = set()
        self._counts: tuple[str, ...] | None = None
        self._types: Variables | None = None

    @property
    def counts(self) -> tuple[str, ...]:
        """The data paths of the template's plural counts (checked in every record)."""
        if self._counts is None:
            o = self.options
            self._counts = plural_counts(resolve(o.source, self.renderer.project, o.draft))
        return self._counts

    def check_counts(self, kind: str, data: dict[str, Any]) -> list[str]:
        """The record's plural counts: a CSV cell of digits becomes the number it is (CSV has
        no numbers); any other count that is not a number is a _Bad record under `strict`,
        else the warnings returned."""
        if not self.counts:
            return []
        if kind == "csv":
            _numbers_at(data, self.counts)
        problems = count_problems(data, self.counts)
        if problems and self.options.strict:
            raise _Bad(problems[0])
        return [f"{p}: the last plural form is used" for p in problems]

    def check_types(self, kind: str, data: dict[str, Any]) -> None:
        """Under `strict`: a record whose data does not match the template's variable types
        is a _Bad record naming every problem with its path (CSV cells of digits are
        numbers), and then its plural counts that are not numbers."""
        if self._types is None:
            o = self.options
            self._types = of_sources(resolve(o.source, self.renderer.project, o.draft))
        if kind == "csv":
            _numbers_at(data, self.counts)
        problems = self._types.validate(data, csv=kind == "csv", skip=self.counts)
        problems += count_problems(data, self.counts)  # worded as check_counts words them
        if problems:
            raise _Bad("; ".join(problems))

    def prepare(self, locale: str | None) -> _Prepared | str:
        hit = self.prepared.get(locale)
        if hit is not None:
            return hit
        if len(self.prepared) >= 1024:  # a file full of distinct bogus locales
            self.prepared.clear()
        o = self.options
        try:
            message = self.renderer.prepare(o.source, draft=o.draft, locale=locale, strict=o.strict)
        except TmplkitError as exc:
            out: _Prepared | str = str(exc)
        else:
            used = message.locale or self.source_locale
            tail = {
                "sender": message.sender,
                "replyTo": message.reply_to,
                "locale": used,
                "templateId": message.template_id,
                "draftId": message.draft_id,
                "warnings": list(message.warnings),
            }
            text = json.dumps(tail, ensure_ascii=False, separators=(",", ":"))
            # No channel parts: every message's "channels" is {}, shared like the rest.
            shared = "," + text[1:] if message.channels else ',"channels":{},' + text[1:]
            out = _Prepared(message, used, (shared + "\n").encode("utf-8"))
        self.prepared[locale] = out
        return out

    def record_locale(self, data: dict[str, Any]) -> str | None:
        """The locale a record asks for: its --locale-field, else the default. ValueError if bad."""
        field_name = self.options.locale_field
        value = record_field(data, field_name) if field_name else None
        if value is None or value == "":
            return self.options.default_locale
        if not isinstance(value, str):
            raise ValueError(f"locale field {field_name!r} must be a string, not {_kind(value)}")
        return value

    def run(self, chunk: _Chunk) -> ChunkResult:
        o = self.options
        records: list[tuple[int, str | None, str | None]] = []
        messages: list[Message | None] = []
        lines_out: list[bytes] = []
        warnings: dict[str, tuple[str, ...]] = {}
        stopped = False
        lines = chunk.lines
        columns = chunk.columns
        jsonl = o.jsonl
        kept: list[dict[str, Any] | None] = []
        notes: list[tuple[int, str]] = []
        for i, item in enumerate(chunk.items):
            line = lines[i] if lines is not None else chunk.start + i
            data = None
            try:
                data = self.parse(chunk.kind, item, columns)
                if data is None:  # a blank line
                    continue
                if o.strict:
                    self.check_types(chunk.kind, data)
                notes += [(line, note) for note in self.check_counts(chunk.kind, data)]
                prepared = self.prepare(self.record_locale(data))
                if isinstance(prepared, str):
                    raise ValueError(prepared)
                message = prepared.message.render(data)
                # Unsafe URLs the record's data gave (PreparedMessage.render adds them last).
                shared = len(prepared.message.warnings)
                notes += [(line, note) for note in message.warnings[shared:]]
            except _RECORD_ERRORS as exc:  # the record's fault: report it, go on
                error = _reason(exc)
                records.append((line, None, error))
                if jsonl:
                    lines_out.append(_error_line(line, error))
                else:
                    messages.append(None)
                    if o.keep_data:
                        kept.append(data)
                if o.fail_fast:
                    stopped = True
                    break
                continue
            locale = prepared.locale
            records.append((line, locale, None))
            if prepared.message.warnings and locale not in self.reported:
                self.reported.add(locale)
                warnings[locale] = prepared.message.warnings
            if jsonl:
                lines_out.append(_message_line(line, message, prepared.tail))
            else:
                messages.append(message)
                if o.keep_data:
                    kept.append(data)
        blob = b"".join(lines_out)
        return ChunkResult(records, messages, blob, warnings, stopped, chunk.nbytes, kept, notes)

    @staticmethod
    def parse(
        kind: str, item: Any, columns: tuple[tuple[str, ...], ...] | None
    ) -> dict[str, Any] | None:
        if kind == "csv":
            assert columns is not None
            if isinstance(item, str):
                raise _Bad(item)
            return _csv_record(item, columns)
        if isinstance(item, bytes | str):
            item = item.rstrip()  # the newline, so that errors point into the line
            if not item:
                return None
            try:  # strict JSON (no NaN, no Infinity), one line for every failure
                data = datafile.loads_record(item)
            except ValueError as exc:
                raise _Bad(str(exc)) from None
        else:
            data = item
        if not isinstance(data, dict):
            raise _Bad(f"a recipient record must be a JSON object, not {_kind(data)}")
        return data


class _Bad(ValueError):
    """A record that cannot be read."""


# What a record's data can cause: the renderer's own errors, and the arithmetic errors Jinja
# lets through (`{{ a / b }}` with b = 0). Anything else (an ImportError, a MemoryError) is
# no record's fault and ends the batch.
_RECORD_ERRORS = (TmplkitError, ValueError, ArithmeticError, RecursionError)


def _reason(exc: Exception) -> str:
    if isinstance(exc, TmplkitError | ValueError):
        text = str(exc)
    else:  # e.g. a division by zero in the template
        text = f"render failed: {type(exc).__name__}: {exc}"
    return " ".join(text.split()) or type(exc).__name__


def record_field(record: Mapping[str, Any], path: str, nested: type = dict) -> Any:
    """The value of field `path` in `record`: the key `path` itself if `record` has one, else
    the dotted path (`user.email`) through nested `nested` objects (dicts, as JSON and CSV
    records nest); None where it leads nowhere."""
    if path in record:
        return record[path]
    value: Any = record
    for key in path.split("."):
        if not isinstance(value, nested):
            return None
        value = cast(Mapping[str, Any], value).get(key)
    return value


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return type(value).__name__


def _csv_record(row: list[str], columns: tuple[tuple[str, ...], ...]) -> dict[str, Any]:
    if len(row) != len(columns):
        raise _Bad(f"expected {len(columns)} fields, as in the header, got {len(row)}")
    data: dict[str, Any] = {}
    for path, value in zip(columns, row, strict=True):
        if value == "":  # an empty cell is a missing value: `default(…)` applies
            continue
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:  # read with surrogateescape: the bad byte is there
            byte = ord(value[exc.start]) - 0xDC00
            raise _Bad(
                f"not UTF-8: the byte 0x{byte:02x} in column {'.'.join(path)!r}, "
                f"at byte {len(value[: exc.start].encode('utf-8', 'surrogateescape'))} of the field"
            ) from None
        target = data
        for key in path[:-1]:
            target = target.setdefault(key, {})
        target[path[-1]] = value
    return data


DECIMAL_CELL = re.compile(r"[0-9]+\.[0-9]+")


def _numbers_at(data: dict[str, Any], paths: tuple[str, ...]) -> None:
    """CSV cells of decimal digits at these paths become ints, and cells such as `1.5`
    numbers with a fraction (CLDR gives such counts their own plural forms), in place."""
    for path in paths:
        *parents, last = path.split(".")
        target: Any = data
        for key in parents:
            target = target.get(key) if isinstance(target, dict) else None
        if isinstance(target, dict):
            value = target.get(last)
            if isinstance(value, str) and value.isascii() and value.isdigit():
                target[last] = int(value)
            elif isinstance(value, str) and DECIMAL_CELL.fullmatch(value):
                target[last] = float(value)


def _message_line(line: int, message: Message, tail: bytes) -> bytes:
    head = (
        f'{{"line":{line},"subject":{_escape(message.subject)},'
        f'"html":{_escape(message.html)},"text":{_escape(message.text)}'
    )
    if message.channels:
        head += _channels(message.channels, _escape)
    try:
        return head.encode("utf-8") + tail
    except UnicodeEncodeError:  # a lone surrogate from "\ud800" in the data: escape it
        head = (
            f'{{"line":{line},"subject":{_escape_ascii(message.subject)},'
            f'"html":{_escape_ascii(message.html)},"text":{_escape_ascii(message.text)}'
        )
        if message.channels:
            head += _channels(message.channels, _escape_ascii)
        return head.encode("ascii") + tail


def _channels(channels: dict[str, str], escape: Callable[[str], str]) -> str:
    """`,"channels":{"sms":"…"}`: the channel names are ours ("sms", "push", "chat")."""
    return ',"channels":{' + ",".join(f'"{k}":{escape(v)}' for k, v in channels.items()) + "}"


def _error_line(line: int, error: str) -> bytes:
    return f'{{"line":{line},"error":{_escape_ascii(error)}}}\n'.encode("ascii")


# --- worker processes ------------------------------------------------------------------------
#
# Parent → worker messages: ("chunk", k, _Chunk), ("write", k, offset), ("stop",).
# Worker → parent: ("done", k, ChunkResult, size), ("written", k), ("error", text).
#
# With an output file, a worker keeps its chunk's JSONL and writes it itself (os.pwrite) at the
# offset the parent gives once every earlier chunk's size is known: the rendered bytes are copied
# once, as with one process, and never cross a pipe. Without one (stdout), "done" carries them.


def _worker_main(conn: Connection, options: _Options, out_path: str | None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    try:
        worker = _Worker(options)
        fd = os.open(out_path, os.O_WRONLY) if out_path else None
    except Exception as exc:
        conn.send(("error", f"cannot start a worker: {exc}"))
        return
    inbox: queue.SimpleQueue[tuple[Any, ...]] = queue.SimpleQueue()
    held: dict[int, bytes] = {}  # rendered chunks waiting for their offset
    sending = threading.Lock()

    def send(message: tuple[Any, ...]) -> None:
        with sending:
            conn.send(message)

    def read() -> None:
        """Drains the pipe (the parent never waits to send) and writes chunks as told.

        Writing here, while the main thread renders the next chunk, frees the chunk's place at
        once, so that the parent can send the next one before this worker runs out of work.
        """
        try:
            while True:
                message = conn.recv()
                if message[0] == "write":
                    _, k, offset = message
                    assert fd is not None
                    _pwrite_all(fd, held.pop(k), offset)
                    send(("written", k))
                else:
                    inbox.put(message)
        except (EOFError, OSError):
            inbox.put(("stop",))
        except Exception:
            inbox.put(("error", traceback.format_exc()))

    threading.Thread(target=read, daemon=True).start()
    try:
        while True:
            message = inbox.get()
            if message[0] == "chunk":
                _, k, chunk = message
                result = worker.run(chunk)
                size = len(result.jsonl)
                if fd is not None:
                    held[k], result.jsonl = result.jsonl, b""
                send(("done", k, result, size))
            elif message[0] == "error":
                send(message)
                return
            else:
                return
    except Exception:
        with contextlib.suppress(OSError):
            send(("error", traceback.format_exc()))
    finally:
        if fd is not None:
            os.close(fd)


def _pwrite_all(fd: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view = view[written:]
        offset += written


class _Pool:
    """`workers` processes rendering chunks; results come back in input order.

    Each worker has at most `depth` chunks assigned and not yet finished (rendered, and with an
    output file written), so memory stays bounded; a new chunk goes to the least busy worker.
    """

    def __init__(
        self, options: _Options, workers: int, out: tuple[str, int] | None, depth: int = 2
    ) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.out = out
        self.depth = depth
        self.conns: list[Connection] = []
        self.procs: list[BaseProcess] = []
        try:
            for n in range(workers):
                here, there = ctx.Pipe(duplex=True)
                proc = ctx.Process(
                    target=_worker_main,
                    args=(there, options, out[0] if out else None),
                    name=f"tmplkit-batch-{n + 1}",
                    daemon=True,
                )
                proc.start()
                there.close()
                self.conns.append(here)
                self.procs.append(proc)
        except BaseException:
            self.close()
            raise

    def close(self, wait: float = 1.0) -> None:
        """Stop the workers: they have nothing left to write once run() has returned."""
        for conn in self.conns:
            with contextlib.suppress(OSError):
                conn.send(("stop",))
        deadline = time.monotonic() + wait
        for proc in self.procs:
            proc.join(max(0.0, deadline - time.monotonic()))
            if proc.is_alive():  # still rendering a chunk that is not needed any more
                proc.terminate()
                proc.join()
        for conn in self.conns:
            conn.close()

    def run(self, chunks: Iterator[_Chunk]) -> Generator[ChunkResult, None, None]:
        conns = self.conns
        busy = [0] * len(conns)  # per worker: chunks assigned, not yet finished
        owner: dict[int, int] = {}
        done: dict[int, tuple[ChunkResult, int]] = {}
        assigned = 0  # chunks sent so far
        ordered = 0  # chunks yielded so far, in order
        unwritten = 0  # chunks told to write, not yet written
        offset = self.out[1] if self.out else 0
        more = True
        stopped = False
        while True:
            while more:  # keep every worker fed
                n = min(range(len(conns)), key=busy.__getitem__)
                if busy[n] >= self.depth:
                    break
                chunk = next(chunks, None)
                if chunk is None:
                    more = False
                    break
                conns[n].send(("chunk", assigned, chunk))
                owner[assigned] = n
                busy[n] += 1
                assigned += 1
            while not stopped and ordered in done:
                result, size = done.pop(ordered)
                n = owner.pop(ordered)
                if self.out:
                    conns[n].send(("write", ordered, offset))
                    unwritten += 1
                offset += size
                ordered += 1
                yield result
                stopped = result.stopped  # fail_fast: what was sent after it is dropped
                more = more and not stopped
            if not unwritten and (stopped or (not more and ordered == assigned)):
                return
            for conn in wait(conns):
                assert isinstance(conn, Connection)
                n = conns.index(conn)
                try:
                    message = conn.recv()
                except (EOFError, OSError):
                    code = self.procs[n].exitcode
                    raise BatchError(f"worker {n + 1} died (exit code {code})") from None
                if message[0] == "done":
                    done[message[1]] = (message[2], message[3])
                    if not self.out:
                        busy[n] -= 1
                elif message[0] == "written":
                    unwritten -= 1
                    busy[n] -= 1
                else:
                    raise BatchError(f"worker {n + 1} failed: {message[1]}")


# --- reading the recipients (in the parent) ------------------------------------------------


def _json_chunks(stream: IO[bytes], size: int) -> Iterator[_Chunk]:
    line = 1
    while True:
        items = list(islice(stream, size))
        if not items:
            return
        if line == 1:  # a BOM opens the file, not the first record (nor its columns)
            items[0] = items[0].removeprefix(datafile.UTF8_BOM)
        yield _Chunk("json", line, items, nbytes=sum(map(len, items)))
        line += len(items)


def _data_chunks(records: Iterable[Any], size: int) -> Iterator[_Chunk]:
    it = iter(records)
    line = 1
    while True:
        items = list(islice(it, size))
        if not items:
            return
        yield _Chunk("data", line, items, nbytes=len(items))
        line += len(items)


def _column_paths(header: list[str], name: str) -> tuple[tuple[str, ...], ...]:
    """The header's columns as key paths: `user.first_name` → ("user", "first_name")."""
    paths: list[tuple[str, ...]] = []
    for number, column in enumerate(header, 1):
        path = tuple(column.strip().split("."))
        if not all(path):
            raise BatchError(f"{name}:1: column {number} ({column!r}) is not a valid field name")
        paths.append(path)
    seen = set(paths)
    if len(seen) != len(paths):
        dupes = sorted({".".join(p) for p in paths if paths.count(p) > 1})
        raise BatchError(f"{name}:1: duplicate column {dupes[0]!r}")
    for path in paths:
        for n in range(1, len(path)):
            if path[:n] in seen:
                raise BatchError(
                    f"{name}:1: column {'.'.join(path[:n])!r} is a value, "
                    f"so {'.'.join(path)!r} cannot be inside it"
                )
    return tuple(paths)


class _CsvReader:
    """CSV rows with the line each starts on; the header's columns as key paths."""

    def __init__(self, stream: IO[bytes], name: str) -> None:
        self.text = io.TextIOWrapper(
            stream, encoding="utf-8-sig", errors="surrogateescape", newline=""
        )
        self.reader = csv.reader(self.text)
        try:
            header = next(self.reader, None)
        except csv.Error as exc:
            raise BatchError(f"{name}:1: invalid CSV header: {exc}") from None
        self.columns = _column_paths(header, name) if header else None

    def chunks(self, size: int) -> Iterator[_Chunk]:
        if self.columns is None:  # an empty file: no recipients
            return
        reader = self.reader
        last = reader.line_num
        while True:
            items: list[Any] = []
            lines: list[int] = []
            nbytes = 0
            while len(items) < size:
                try:
                    row = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:
                    items.append(f"invalid CSV: {exc}")
                    lines.append(last + 1)
                    last = reader.line_num
                    continue
                start, last = last + 1, reader.line_num
                if not row:  # a blank line
                    continue
                items.append(row)
                lines.append(start)
                nbytes += sum(map(len, row)) + len(row)
            if not items:
                return
            yield _Chunk("csv", lines[0], items, lines, self.columns, nbytes)

    def close(self) -> None:
        self.text.detach()


def _stdin() -> IO[bytes]:
    buffer: IO[bytes] | None = getattr(sys.stdin, "buffer", None)
    if buffer is not None:
        return buffer
    return io.BytesIO(sys.stdin.read().encode("utf-8"))  # a text-only stdin (tests): not lazy


def _is_csv(stream: IO[bytes]) -> bool:
    """Sniffs stdin: a JSON record starts with `{`; anything else is taken as a CSV header."""
    peek = getattr(stream, "peek", None)
    if peek is not None:
        head = peek(256)
    elif stream.seekable():
        head = stream.read(256)
        stream.seek(-len(head), io.SEEK_CUR)
    else:
        head = b""
    head = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    return bool(head) and head[:1] not in (b"{", b"[")


# --- the run ----------------------------------------------------------------------------------


class BatchRun:
    """An iterable of BatchResult, in input order, with a live `summary`.

    Iterate it once: `for result in run` (one result per record), or `for chunk in
    run.chunks()` (ChunkResult, for writers that move bytes). Closing it (or leaving its `with`
    block) stops the workers and closes the recipients file.
    """

    def __init__(
        self,
        options: _Options,
        chunks: Iterator[_Chunk],
        *,
        name: str,
        workers: int,
        renderer: Renderer,
        input_size: int | None,
        closers: list[Callable[[], None]],
    ) -> None:
        self.options = options
        self.name = name
        self.workers = workers
        self.input_size = input_size  # bytes of the recipients file, when known
        self.summary = BatchSummary()
        self._chunks = chunks
        self._renderer = renderer
        self._closers = closers
        self._started = False
        self._fallback: set[str] = set()

    def __enter__(self) -> BatchRun:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        while self._closers:
            with contextlib.suppress(Exception):
                self._closers.pop()()

    def __iter__(self) -> Iterator[BatchResult]:
        for chunk in self.chunks():
            yield from chunk.results()

    def chunks(self) -> Iterator[ChunkResult]:
        """The results chunk by chunk, in input order (with `jsonl`: bytes to write as they are)."""
        return self._run(None)

    def _run(self, out: tuple[str, int] | None) -> Iterator[ChunkResult]:
        """The chunks; with `out` = (path, offset) and workers, they write there themselves."""
        if self._started:
            raise BatchError("a batch run can be iterated only once")
        self._started = True
        started = time.perf_counter()
        summary = self.summary
        pool = None
        try:
            if self.workers <= 1:
                engine = self._in_process()
            else:
                pool = _Pool(self.options, self.workers, out if self.options.jsonl else None)
                engine = pool.run(self._chunks)
            for result in engine:
                self._count(result)
                summary.elapsed = time.perf_counter() - started
                yield result
                if result.stopped:
                    summary.stopped = True
            engine.close()
        except BaseException:
            if pool is not None:
                pool.close(wait=0)
                pool = None
            raise
        finally:
            if pool is not None:
                pool.close()
            summary.elapsed = time.perf_counter() - started
            self.close()

    def _count(self, result: ChunkResult) -> None:
        summary = self.summary
        for name, warnings in result.warnings.items():
            summary.warnings.setdefault(name, warnings)
            self._fallback.add(name)
        locales = summary.locales
        fallback = self._fallback
        for _, locale, error in result.records:
            if error is not None or locale is None:
                summary.failed += 1
                continue
            summary.rendered += 1
            locales[locale] = locales.get(locale, 0) + 1
            if locale in fallback:
                summary.fallbacks[locale] = summary.fallbacks.get(locale, 0) + 1

    def _in_process(self) -> Generator[ChunkResult, None, None]:
        worker = _Worker(self.options, self._renderer)
        for chunk in self._chunks:
            result = worker.run(chunk)
            yield result
            if result.stopped:
                return


def render_batch(
    source: str,
    records: Records,
    *,
    project: Project | None = None,
    draft: str | None = None,
    locale_field: str | None = None,
    default_locale: str | None = None,
    workers: int = 1,
    strict: bool = False,
    fail_fast: bool = False,
    jsonl: bool = False,
    input_format: InputFormat = "auto",
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    keep_data: bool = False,
) -> BatchRun:
    """Render SOURCE for every recipient of `records`, lazily, results in input order.

    `records`: a path (`.csv` is CSV with a header row, dotted column names nest:
    `user.first_name`; anything else is JSONL; `-` is stdin, CSV if it does not start with
    `{`), a binary file of JSONL, or an iterable of dicts or JSON strings. Each recipient is
    rendered in the locale of its `locale_field` (a key, or a dotted path), else
    `default_locale`, else the source language; a locale without catalogs falls back to the
    source, counted in `summary.fallbacks`. `workers` > 1 renders on that many processes.

    Raises at once if SOURCE, the draft, `default_locale` or the file cannot be used; bad
    records become failed results (with `fail_fast`, the first one ends the run).
    `keep_data` gives each result its record (`BatchResult.data`; not with `jsonl`).
    """
    if workers < 1:
        raise BatchError(f"workers must be at least 1, not {workers}")
    if chunk_size < 1:
        raise BatchError(f"chunk_size must be at least 1, not {chunk_size}")
    if keep_data and jsonl:
        raise BatchError("keep_data gives results their records: it cannot go with jsonl")
    if default_locale is not None:
        default_locale = normalize(default_locale)
    sources = resolve(source, project, draft)
    renderer = Renderer(sources.project)
    renderer.prepare(source, draft=draft)  # errors in the template itself: fail now, not per record
    root = str(sources.project.root) if sources.project else None
    options = _Options(
        source,
        root,
        draft,
        locale_field or None,
        default_locale,
        strict,
        fail_fast,
        jsonl,
        keep_data,
    )
    closers: list[Callable[[], None]] = []
    input_size: int | None = None
    chunks: Iterator[_Chunk]
    if isinstance(records, str | os.PathLike):
        path = os.fspath(records)
        if path == "-":
            stream: IO[bytes] = _stdin()
            name = "<stdin>"
            is_csv = input_format == "csv" or (input_format == "auto" and _is_csv(stream))
        else:
            name = path
            stream = open(path, "rb", buffering=1 << 20)  # noqa: SIM115 (closed by the run)
            closers.append(stream.close)
            is_csv = input_format == "csv" or (
                input_format == "auto" and Path(path).suffix.lower() == ".csv"
            )
            with contextlib.suppress(OSError):
                input_size = os.fstat(stream.fileno()).st_size
        if is_csv:
            try:
                reader = _CsvReader(stream, name)
            except BaseException:
                for close in closers:
                    close()
                raise
            closers.append(reader.close)  # closers run last-in first-out: detach, then close
            chunks = reader.chunks(chunk_size)
        else:
            chunks = _json_chunks(stream, chunk_size)
    elif hasattr(records, "read"):
        name = getattr(records, "name", "<records>")
        chunks = _json_chunks(records, chunk_size)  # type: ignore[arg-type]
    else:
        name = "<records>"
        chunks = _data_chunks(records, chunk_size)
    return BatchRun(
        options,
        chunks,
        name=str(name),
        workers=workers,
        renderer=renderer,
        input_size=input_size,
        closers=closers,
    )


# --- writing: the command line's side ---------------------------------------------------------


class BatchOutput(NamedTuple):
    """Where report_batch writes: a binary stream, and the regular file it writes, if known."""

    stream: BinaryIO
    path: str | None


@contextlib.contextmanager
def open_output(path: str | None) -> Iterator[BatchOutput]:
    """A binary stream for the JSONL: stdout for None or `-`, else FILE, written atomically.

    The file is a temporary one next to FILE, renamed over it when the block ends normally
    (also when some records failed); on an exception it is removed and FILE is untouched.
    """
    if path is None or path == "-":
        sys.stdout.flush()
        out = getattr(sys.stdout, "buffer", None)
        if out is None:  # a text-only stdout (tests): decode on the way
            yield BatchOutput(_TextSink(sys.stdout), None)  # type: ignore[arg-type]
        else:
            yield BatchOutput(out, None)
            out.flush()
        return
    target = Path(path)
    if is_special(target):  # /dev/null, a named pipe: written into, never renamed over
        with open(target, "wb") as special:
            yield BatchOutput(special, None)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        mode = target.stat().st_mode & 0o7777 if target.exists() else 0o666 & ~_umask()
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb", buffering=1 << 20) as fh:
            yield BatchOutput(fh, tmp)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class _TextSink:
    def __init__(self, text: IO[str]) -> None:
        self.text = text

    def write(self, data: bytes) -> int:
        self.text.write(data.decode("utf-8"))
        return len(data)

    def flush(self) -> None:
        self.text.flush()


class _Progress(StatusLine):
    """A rate line on a terminal's stderr, redrawn at most 5 times a second."""

    def __init__(self, stream: IO[str], total_bytes: int | None) -> None:
        super().__init__(stream)
        self.total = total_bytes
        self.done = 0

    def update(self, summary: BatchSummary, nbytes: int) -> None:
        self.done += nbytes
        if not self.due():
            return
        percent = f"{min(100, 100 * self.done // self.total):3d}%  " if self.total else ""
        failed = f", {summary.failed:,} failed" if summary.failed else ""
        self.show(f"{percent}{summary.total:,} recipients{failed}  {summary.rate:,.0f}/s")


def fallback_warning(locale: str, warnings: tuple[str, ...]) -> str:
    """The one line a batch prints the first time a locale falls back."""
    first = warnings[0] if warnings else ""
    return f"warning: {locale}: {len(warnings)} strings fall back, e.g. {first}"


def report_batch(
    run: BatchRun,
    out: BinaryIO,
    err: IO[str],
    *,
    path: str | None = None,
    progress: bool | None = None,
) -> BatchSummary:
    """Run a `jsonl` batch: its lines to `out`; bad records and fallbacks to `err` as they come.

    Bad records print as `error: FILE:LINE: reason`; each locale that falls back prints one
    `warning:` line the first time. `progress` (default: when `err` is a terminal) redraws a
    rate line on `err`. `path`: the regular file `out` writes to, if it is one; the workers
    then write their lines there themselves, at the right offsets.
    """
    assert run.options.jsonl, "report_batch writes JSONL: render_batch(..., jsonl=True)"
    if progress is None:
        isatty = getattr(err, "isatty", None)
        progress = bool(isatty and isatty())
    bar = _Progress(err, run.input_size) if progress else None
    warned: set[str] = set()
    direct = None
    if path is not None and run.workers > 1:
        out.flush()
        direct = (path, out.tell())
    for chunk in run._run(direct):
        if chunk.jsonl:
            out.write(chunk.jsonl)
        if (
            chunk.warnings
            or chunk.notes
            or chunk.stopped
            or any(e is not None for _, _, e in chunk.records)
        ):
            if bar:
                bar.clear()
            for locale, warnings in chunk.warnings.items():
                if locale in warned:  # each worker reports it once
                    continue
                warned.add(locale)
                err.write(fallback_warning(locale, warnings) + "\n")
            for line, note in chunk.notes:
                err.write(f"warning: {run.name}:{line}: {note}\n")
            for line, error in chunk.errors():
                err.write(f"error: {run.name}:{line}: {error}\n")
            err.flush()
        if bar:
            bar.update(run.summary, chunk.nbytes)
    if bar:
        bar.clear()
    if direct is not None:
        out.seek(0, os.SEEK_END)  # past what the workers wrote
    return run.summary
