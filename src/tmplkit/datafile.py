"""Reading data, catalog and template source files: UTF-8 without its BOM, and strict JSON,
each failure one line.

The same rules for every file a user hands tmplkit as data (recipient JSON, a JSONL or CSV
recipients file, sample.json, a catalog in PO or JSON):

- A UTF-8 byte order mark at the start is dropped, so that it neither becomes part of the first
  value or key nor shifts the columns errors report.
- Bytes that are not UTF-8 are an error naming the file, the line and the byte's offset in the
  file (counted from 0, as `cmp` and hex editors count them, the BOM included).
- JSON is the JSON of RFC 8259: `NaN`, `Infinity` and `-Infinity`, which Python's json module
  reads by default, are refused with their line and column; a document nested deeper than
  Python can parse is one line too, never a RecursionError.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

from .errors import TemplateError, TmplkitError

BOM = "\ufeff"
UTF8_BOM = b"\xef\xbb\xbf"

# A JSON string (skipped), or one of the constants Python's json module reads and JSON lacks.
_CONSTANT_RE = re.compile(r'"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)')


class _Constant(ValueError):
    """Raised by the decoder's parse_constant hook: the token is not JSON."""


def _refuse_constant(token: str) -> Any:
    raise _Constant(token)


# One decoder for every call: json.loads(text, parse_constant=…) would build one each time.
_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)


def decode_utf8(data: bytes, name: str, error: type[TmplkitError] = TmplkitError) -> str:
    """`data` as text, its BOM dropped; bytes that are not UTF-8 raise `error`:
    `NAME:LINE: not UTF-8 (invalid start byte 0xff at byte 1234)`."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, reason = not_utf8(data, exc)
        raise error(f"{name}:{line}: {reason}") from None
    return text.removeprefix(BOM)


def source_text(data: bytes, file: str) -> str:
    """A template or block source file's text: UTF-8, its BOM dropped, newlines as Python's
    text files read them (CRLF and CR become LF). Bytes that are not UTF-8 are a TemplateError
    naming the file, the line and the offset of the first bad byte, as for data files."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, reason = not_utf8(data, exc)
        raise TemplateError(reason, file=file, line=line) from None
    return text.removeprefix(BOM).replace("\r\n", "\n").replace("\r", "\n")


def not_utf8(data: bytes, exc: UnicodeDecodeError) -> tuple[int, str]:
    """Where `data` stops being UTF-8 (its line) and why, with the offset of the first bad
    byte (from 0, the BOM included): `not UTF-8 (invalid start byte 0xff at byte 1234)`."""
    bad = data[exc.start : exc.start + 1].hex()
    line = data.count(b"\n", 0, exc.start) + 1
    return line, f"not UTF-8 ({exc.reason} 0x{bad} at byte {exc.start})"


def loads(text: str, name: str, error: type[TmplkitError] = TmplkitError) -> Any:
    """Strict JSON from `text` (a BOM at its start dropped); an error is one line with
    `NAME:LINE:COL: invalid JSON: …`."""
    text = text.removeprefix(BOM)
    try:
        return _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise error(f"{name}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from None
    except _Constant as exc:
        where = _constant_where(text)
        raise error(f"{name}{where}: invalid JSON: {exc} is not a number in JSON") from None
    except RecursionError:
        raise error(f"{name}: invalid JSON: nested too deeply") from None


def _constant_where(text: str) -> str:
    """`:LINE:COL` of the first NaN or Infinity outside a string (the one the decoder met:
    everything before it was valid JSON)."""
    for m in _CONSTANT_RE.finditer(text):
        if m.group(1):
            line = text.count("\n", 0, m.start()) + 1
            return f":{line}:{m.start() - (text.rfind(chr(10), 0, m.start()) + 1) + 1}"
    return ""


def load_bytes(data: bytes, name: str, error: type[TmplkitError] = TmplkitError) -> Any:
    """Strict JSON from a file's bytes: UTF-8 (BOM dropped), then `loads`."""
    return loads(decode_utf8(data, name, error), name, error)


# A line's shape: each digit b"0", each `[` and `{` b"[", every other byte a space. 19 zeros in
# a row are 19 digits, which could be an integer orjson reads as a float; a line with fewer
# than 256 brackets is nested less deeply than json's limit (the recursion limit, about 1000
# less the caller's depth) and orjson's (1024), so that both read it or neither does.
_SHAPE = bytes(
    0x30 if 0x30 <= byte <= 0x39 else 0x5B if byte in b"[{" else 0x20 for byte in range(256)
)
_LONG_NUMBER = b"0" * 19
_FEW_BRACKETS = 256


def loads_record(line: str | bytes) -> Any:
    """One JSONL record, strictly; ValueError with the reason (`invalid JSON: … (column N)`,
    `not UTF-8: …`), for the batch to report against the record's line.

    orjson reads a line of bytes about twice as fast as json does, to the same values, but it
    refuses some lines json reads (1e400, which json reads as inf; "\\ud800"; nesting deeper
    than 1024) and reads an integer beyond 64 bits as a float. So json reads a line with 19
    digits in a row or many brackets, and every line orjson refuses, and words every error as
    it always has.
    """
    if isinstance(line, bytes):
        shape = line.translate(_SHAPE)
        if _LONG_NUMBER not in shape and shape.count(b"[") < _FEW_BRACKETS:
            try:
                return orjson.loads(line)
            except orjson.JSONDecodeError:
                pass  # read again below, for json's value or json's words for the error
        raw = line
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad = raw[exc.start : exc.start + 1].hex()
            raise ValueError(
                f"not UTF-8: {exc.reason} 0x{bad} at byte {exc.start} of the line"
            ) from None
    try:
        return _DECODER.decode(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON: {exc.msg} (column {exc.colno})") from None
    except _Constant as exc:
        column = _constant_where(line).rsplit(":", 1)[-1]
        raise ValueError(f"invalid JSON: {exc} is not a number in JSON (column {column})") from None
    except RecursionError:
        raise ValueError("invalid JSON: nested too deeply") from None
