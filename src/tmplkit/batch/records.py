"""Reading the recipients: JSONL lines, CSV rows (dotted columns nest) or records, in chunks,
lazily, with each record's line; a record read into its data, or the reason it is bad."""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import IO, Any, Literal, NamedTuple, cast

from .. import datafile
from .job import BatchError, BatchJob, Records


@dataclass(slots=True)
class Chunk:
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


class BadRecord(ValueError):
    """A record that cannot be read."""


def read_record(
    kind: str, item: Any, columns: tuple[tuple[str, ...], ...] | None
) -> dict[str, Any] | None:
    """A record's data, None for a blank line; BadRecord when it cannot be read."""
    if kind == "csv":
        assert columns is not None
        if isinstance(item, str):
            raise BadRecord(item)
        return _csv_record(item, columns)
    if isinstance(item, bytes | str):
        item = item.rstrip()  # the newline, so that errors point into the line
        if not item:
            return None
        try:  # strict JSON (no NaN, no Infinity), one line for every failure
            data = datafile.loads_record(item)
        except ValueError as exc:
            raise BadRecord(str(exc)) from None
    else:
        data = item
    if not isinstance(data, dict):
        raise BadRecord(f"a recipient record must be a JSON object, not {kind_of(data)}")
    return data


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


def kind_of(value: Any) -> str:
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
        raise BadRecord(f"expected {len(columns)} fields, as in the header, got {len(row)}")
    data: dict[str, Any] = {}
    for path, value in zip(columns, row, strict=True):
        if value == "":  # an empty cell is a missing value: `default(…)` applies
            continue
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:  # read with surrogateescape: the bad byte is there
            byte = ord(value[exc.start]) - 0xDC00
            raise BadRecord(
                f"not UTF-8: the byte 0x{byte:02x} in column {'.'.join(path)!r}, "
                f"at byte {len(value[: exc.start].encode('utf-8', 'surrogateescape'))} of the field"
            ) from None
        target = data
        for key in path[:-1]:
            target = target.setdefault(key, {})
        target[path[-1]] = value
    return data


DECIMAL_CELL = re.compile(r"[0-9]+\.[0-9]+")


def numbers_at(data: dict[str, Any], paths: tuple[str, ...]) -> None:
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


# --- reading the recipients (in the parent) ------------------------------------------------


def _json_chunks(stream: IO[bytes], size: int) -> Iterator[Chunk]:
    line = 1
    while True:
        items = list(islice(stream, size))
        if not items:
            return
        if line == 1:  # a BOM opens the file, not the first record (nor its columns)
            items[0] = items[0].removeprefix(datafile.UTF8_BOM)
        yield Chunk("json", line, items, nbytes=sum(map(len, items)))
        line += len(items)


def _data_chunks(records: Iterable[Any], size: int) -> Iterator[Chunk]:
    it = iter(records)
    line = 1
    while True:
        items = list(islice(it, size))
        if not items:
            return
        yield Chunk("data", line, items, nbytes=len(items))
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

    def chunks(self, size: int) -> Iterator[Chunk]:
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
            yield Chunk("csv", lines[0], items, lines, self.columns, nbytes)

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


class OpenRecords(NamedTuple):
    """The recipients opened for a run: its chunks, the name errors give it, its size in bytes
    (a regular file's, for progress), and what closes it (last-in first-out)."""

    chunks: Iterator[Chunk]
    name: str
    size: int | None
    closers: list[Callable[[], None]]


def open_records(records: Records, job: BatchJob) -> OpenRecords:
    """`records` read in chunks of `job.chunk_size`: a path (`.csv` is CSV with a header row;
    anything else is JSONL; `-` is stdin, CSV if it does not start with `{`), a binary file of
    JSONL, or an iterable of dicts or JSON strings. BatchError for an unreadable CSV header."""
    closers: list[Callable[[], None]] = []
    input_size: int | None = None
    chunks: Iterator[Chunk]
    size = job.chunk_size
    input_format = job.input_format
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
            chunks = reader.chunks(size)
        else:
            chunks = _json_chunks(stream, size)
    elif hasattr(records, "read"):
        name = getattr(records, "name", "<records>")
        chunks = _json_chunks(records, size)  # type: ignore[arg-type]
    else:
        name = "<records>"
        chunks = _data_chunks(records, size)
    return OpenRecords(chunks, str(name), input_size, closers)
