"""The batch's JSON in and out, read and written by orjson where it is faster: the same bytes
and the same values and errors as json gives, for every string and every tricky record.

A JSONL output line is written as json.dumps(ensure_ascii=False) would write it, in UTF-8, and
a line with a lone surrogate (which UTF-8 cannot hold) as json.dumps(ensure_ascii=True) would.
A JSONL record of bytes is read to the value json reads, or refused with json's words.
"""

from __future__ import annotations

import json
import math
import sys
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from markupsafe import Markup

import tmplkit
from tmplkit.batch import render_batch
from tmplkit.batch.worker import _message_line
from tmplkit.datafile import loads_record
from tmplkit.rendering import Message

from .conftest import SAMPLE_TEMPLATES

SHIPPING = "acme-shop/orders/shipping-notification"
TAIL = b',"sender":"Acme <shop@acme.example>","locale":"en-US"}\n'

# Every character, lone surrogates included, and the ones JSON escapes or might.
CHARACTERS = st.one_of(
    st.characters(),
    st.characters(categories=["Cs"]),
    st.sampled_from('"\\/\x00\x08\x09\x0a\x0c\x0d\x1f\x7f\x80\u2028\u2029\ufeff\U0001f600<>&'),
)
TEXT = st.text(CHARACTERS, max_size=40)


def json_line(line: int, message: Message, tail: bytes) -> bytes:
    """The line as json.dumps writes it: the output of render-batch before orjson."""

    def head(ensure_ascii: bool) -> str:
        def dumps(text: str) -> str:
            return json.dumps(text, ensure_ascii=ensure_ascii)

        out = (
            f'{{"line":{line},"subject":{dumps(message.subject)},'
            f'"html":{dumps(message.html)},"text":{dumps(message.text)}'
        )
        if message.channels:
            channels = ",".join(f'"{k}":{dumps(v)}' for k, v in message.channels.items())
            out += ',"channels":{' + channels + "}"
        return out

    try:
        return head(ensure_ascii=False).encode("utf-8") + tail
    except UnicodeEncodeError:
        return head(ensure_ascii=True).encode("ascii") + tail


def test_every_character_is_escaped_as_json_escapes_it() -> None:
    everything = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
    message = Message(subject=everything, html=everything[::-1], text="")
    assert _message_line(1, message, TAIL) == json_line(1, message, TAIL)


@given(
    line=st.integers(min_value=1, max_value=10**12),
    subject=TEXT,
    html=TEXT,
    text=TEXT,
    channels=st.dictionaries(st.sampled_from(["sms", "push", "chat"]), TEXT, max_size=3),
)
@example(line=1, subject="Zoë \u2028", html='<a href="x">\x00</a>', text="\x7f", channels={})
@example(line=2, subject="Zoë", html="é", text="ok", channels={"sms": "Order #\ud800"})
@example(line=3, subject="\udfff", html="é", text="ok", channels={"push": "Zoë"})
@settings(max_examples=500)
def test_a_message_line_has_the_bytes_json_gives(
    line: int, subject: str, html: str, text: str, channels: dict[str, str]
) -> None:
    message = Message(subject=subject, html=html, text=text, channels=channels)
    assert _message_line(line, message, TAIL) == json_line(line, message, TAIL)


def test_a_lone_surrogate_anywhere_makes_the_whole_head_ascii() -> None:
    message = Message(subject="Zoë", html="<p>é</p>", text="\u2028", channels={"sms": "\ud800"})
    assert _message_line(7, message, TAIL) == (
        b'{"line":7,"subject":"Zo\\u00eb","html":"<p>\\u00e9</p>","text":"\\u2028",'
        b'"channels":{"sms":"\\ud800"}' + TAIL
    )


def test_markup_is_written_as_its_text() -> None:
    message = Message(subject=Markup("A &amp; B"), html=Markup("<b>é</b>"), text='"q"')
    assert _message_line(1, message, b"}\n") == (
        '{"line":1,"subject":"A &amp; B","html":"<b>é</b>","text":"\\"q\\""}\n'.encode()
    )


def test_render_batch_lines_are_the_messages_as_json_writes_them() -> None:
    """Through a whole run: tricky data in the subject, the HTML, the text and the channels."""
    project = tmplkit.Project(SAMPLE_TEMPLATES)
    sample = json.loads(
        (SAMPLE_TEMPLATES / "workspaces" / SHIPPING / "sample.json").read_text("utf-8")
    )
    numbers = ["AC-1", "Zoë\u2028\u2029", '"\\</script>', "\x00\x1f\x7f", "\U0001f600", "\ud800"]
    records = [{**sample, "order": {**sample["order"], "number": n}} for n in numbers]
    with render_batch(SHIPPING, records, project=project, jsonl=True) as run:
        lines = [r.jsonl for r in run]
    renderer = tmplkit.Renderer(project)
    for number, (line, record) in enumerate(zip(lines, records, strict=True), 1):
        message = renderer.render(SHIPPING, record)
        # The batch names the locale it used: the source's, for a record without one.
        expected = {"line": number, **message.to_json(), "locale": "en-US"}
        assert line == (
            json.dumps(expected, ensure_ascii=number == 6, separators=(",", ":")).encode() + b"\n"
        )


# --- reading a record ---------------------------------------------------------------------------


def read(line: str | bytes) -> Any:
    """The record's value, or its error's words."""
    try:
        return loads_record(line)
    except ValueError as exc:
        return f"error: {exc}"


def same(a: Any, b: Any) -> bool:
    """Equal, and of the same types all the way down (1 is not 1.0, -0.0 is not 0.0)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return math.copysign(1, a) == math.copysign(1, b) and (a == b or (a != a and b != b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(map(same, a, b))
    return bool(a == b)


TRICKY_RECORDS = [
    (b'{"n": NaN}', "error: invalid JSON: NaN is not a number in JSON (column 7)"),
    (b'{"n": Infinity}', "error: invalid JSON: Infinity is not a number in JSON (column 7)"),
    (b'{"n": -Infinity}', "error: invalid JSON: -Infinity is not a number in JSON (column 7)"),
    (b'{"n": 1e400, "m": -1e400}', {"n": math.inf, "m": -math.inf}),
    (b'{"n": %d}' % 2**70, {"n": 2**70}),
    (b'{"n": %d}' % 2**64, {"n": 2**64}),
    (b'{"n": %d}' % (2**64 - 1), {"n": 2**64 - 1}),
    (b'{"n": %d}' % (-(2**63) - 1), {"n": -(2**63) - 1}),
    (b'{"n": 123456789012345678901234567890.5}', {"n": 1.2345678901234568e29}),
    (b'{"n": -0, "z": -0.0, "e": 1E2, "t": 5e-324}', {"n": 0, "z": -0.0, "e": 100.0, "t": 5e-324}),
    (b'{"a": 1, "b": 0, "a": 2}', {"a": 2, "b": 0}),
    (b'{"s": "\\ud800", "t": "\\udc00\\ud800"}', {"s": "\ud800", "t": "\udc00\ud800"}),
    (
        b'{"s": "\\ud83d\\ude00 \xf0\x9f\x98\x80 \xe2\x80\xa8"}',
        {"s": "\U0001f600 \U0001f600 \u2028"},
    ),
    (b'{"s": "\xff"}', "error: not UTF-8: invalid start byte 0xff at byte 7 of the line"),
    (
        b'{"s": "\xed\xa0\x80"}',  # a surrogate's UTF-8, which UTF-8 does not allow
        "error: not UTF-8: invalid continuation byte 0xed at byte 7 of the line",
    ),
    (b'{"s": "\xc0\x80"}', "error: not UTF-8: invalid start byte 0xc0 at byte 7 of the line"),
    (b"\xef\xbb\xbf{}", "error: invalid JSON: Expecting value (column 1)"),
    (b'{"s": "\x01"}', "error: invalid JSON: Invalid control character at (column 8)"),
    (b"[1,]", "error: invalid JSON: Expecting value (column 4)"),
    (
        b'{"a":1,}',
        "error: invalid JSON: Expecting property name enclosed in double quotes (column 8)",
    ),
    (b"{} x", "error: invalid JSON: Extra data (column 4)"),
    (b"\x0c{}", "error: invalid JSON: Expecting value (column 1)"),
    (b"", "error: invalid JSON: Expecting value (column 1)"),
]  # fmt: skip


@pytest.mark.parametrize(("line", "expected"), TRICKY_RECORDS)
def test_a_tricky_record_reads_as_json_reads_it(line: bytes, expected: Any) -> None:
    assert same(read(line), expected)
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return
    assert same(read(text), expected)  # as text, json alone reads it


def test_nesting_reads_as_json_reads_it() -> None:
    """json's limit is the recursion limit less the caller's depth (before Python 3.12), and
    orjson's 1024 levels: a line nested deeper than either reads as json reads it."""
    for depth in (255, 300, 1020, 1100, 5000):
        line = b"[" * depth + b"]" * depth
        assert same(read(line), read(line.decode()))
    assert read(b"[" * 5000 + b"]" * 5000) == "error: invalid JSON: nested too deeply"
    frame, depth = sys._getframe(), 0
    while frame.f_back is not None:
        frame, depth = frame.f_back, depth + 1
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + 100)  # json may refuse 300 levels now; orjson would not
    try:
        line = b"[" * 300 + b"]" * 300
        assert same(read(line), read(line.decode()))
    finally:
        sys.setrecursionlimit(limit)


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats()
    | st.text(CHARACTERS, max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=20,
)


@given(value=st.dictionaries(st.text(max_size=6), JSON_VALUES, max_size=5), escaped=st.booleans())
@settings(max_examples=400)
def test_a_record_of_bytes_reads_as_its_text_does(value: dict[str, Any], escaped: bool) -> None:
    """A line of bytes (read by orjson where it can) against the same line as text (read by
    json alone): the same value, or the same error (NaN, Infinity, a lone surrogate)."""
    text = json.dumps(value, ensure_ascii=escaped)
    try:
        line = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, unescaped: UTF-8 cannot hold it
        return
    assert same(read(line), read(text))


TOKENS = [
    "{", "}", "[", "]", '"', ":", ",", " ", "\t", "\n", "\r", "\x0c", "\\", "u", "d8", "00",
    "0", "1", "9", "-", "+", ".", "e", "E", "true", "false", "null", "NaN", "Infinity", "a",
    "é", "/", '"a"', '"k":', "\\n", "\\u00e9", "\\ud800", "\U0001f600", "\u2028", "\x00",
    "1234567890",
]  # fmt: skip


@given(st.lists(st.sampled_from(TOKENS), max_size=16), st.sampled_from(["{}", '{"k":}', "[]"]))
@settings(max_examples=2000)
def test_a_broken_record_of_bytes_is_refused_as_its_text_is(tokens: list[str], frame: str) -> None:
    text = frame[:-1] + "".join(tokens) + frame[-1]
    assert same(read(text.encode("utf-8")), read(text))
