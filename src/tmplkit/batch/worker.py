"""The work of one process: a chunk of records rendered, each in its locale, into results.

A Worker keeps one compiled message per locale (compiled the first time a record asks for it,
from the job's resolved sources) and the template's plural counts and variable types, and
turns a Chunk into a ChunkResult: each record read, checked, rendered and, for JSONL, written
as its output line. A record's own problem becomes its failed result, never the batch's.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from ..errors import TmplkitError
from ..i18n.locales import normalize
from ..i18n.plural import count_problems
from ..localize import DEFAULT_SOURCE_LOCALE
from ..pipeline import plural_counts
from ..rendering import Message, PreparedMessage, Renderer
from ..variables import Variables, of_sources
from .job import BatchJob
from .records import BadRecord, Chunk, kind_of, numbers_at, read_record, record_field
from .results import ChunkResult

try:  # the C escaper behind json.dumps(ensure_ascii=True); the pure-Python one otherwise
    from _json import encode_basestring_ascii as _escape_ascii
except ImportError:  # pragma: no cover
    from json.encoder import py_encode_basestring_ascii as _escape_ascii


@dataclass(slots=True)
class LocaleMessage:
    """One locale's compiled message, and what every output line of it shares."""

    message: PreparedMessage
    locale: str
    # The JSONL line after "text" (or after "channels", for a draft with channel parts): the
    # fields every message of this locale shares.
    tail: bytes


class Worker:
    """Renders chunks for one process: its own Renderer, one compiled message per locale, all
    from the job's resolved sources."""

    def __init__(self, job: BatchJob, renderer: Renderer | None = None) -> None:
        self.job = job
        self.sources = job.sources
        project = job.sources.project
        self.renderer = renderer if renderer is not None else Renderer(project)
        settings = project.settings if project else None
        self.source_locale = normalize(
            settings.source_locale if settings else DEFAULT_SOURCE_LOCALE
        )
        self.messages: dict[str | None, LocaleMessage | str] = {}
        self.reported: set[str] = set()
        # The locales this Worker prepared, in order (None: the record without one, in the
        # source language): an engine reports them, to show that each is prepared once.
        self.prepared: list[str | None] = []
        self._counts: tuple[str, ...] | None = None
        self._types: Variables | None = None

    @property
    def counts(self) -> tuple[str, ...]:
        """The data paths of the template's plural counts (checked in every record)."""
        if self._counts is None:
            self._counts = plural_counts(self.sources)
        return self._counts

    def check_counts(self, kind: str, data: dict[str, Any]) -> list[str]:
        """The record's plural counts: a CSV cell of digits becomes the number it is (CSV has
        no numbers); any other count that is not a number is a BadRecord under `strict`,
        else the warnings returned."""
        if not self.counts:
            return []
        if kind == "csv":
            numbers_at(data, self.counts)
        problems = count_problems(data, self.counts)
        if problems and self.job.strict:
            raise BadRecord(problems[0])
        return [f"{p}: the last plural form is used" for p in problems]

    def check_types(self, kind: str, data: dict[str, Any]) -> None:
        """Under `strict`: a record whose data does not match the template's variable types
        is a BadRecord naming every problem with its path (CSV cells of digits are
        numbers), and then its plural counts that are not numbers."""
        if self._types is None:
            self._types = of_sources(self.sources)
        if kind == "csv":
            numbers_at(data, self.counts)
        problems = self._types.validate(data, csv=kind == "csv", skip=self.counts)
        problems += count_problems(data, self.counts)  # worded as check_counts words them
        if problems:
            raise BadRecord("; ".join(problems))

    def message_for(self, locale: str | None) -> LocaleMessage | str:
        """The locale's compiled message (the reason it cannot be, as a string), compiled
        the first time a record asks for the locale."""
        hit = self.messages.get(locale)
        if hit is not None:
            return hit
        if len(self.messages) >= 1024:  # a file full of distinct bogus locales
            self.messages.clear()
        try:
            message = self.renderer.prepare_sources(
                self.sources, locale=locale, strict=self.job.strict
            )
        except TmplkitError as exc:
            out: LocaleMessage | str = str(exc)
        else:
            out = self.for_locale(message)
            self.prepared.append(locale)
        self.messages[locale] = out
        return out

    def for_locale(self, message: PreparedMessage) -> LocaleMessage:
        """A compiled message with the JSONL tail its lines share."""
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
        return LocaleMessage(message, used, (shared + "\n").encode("utf-8"))

    def record_locale(self, data: dict[str, Any]) -> str | None:
        """The locale a record asks for: its --locale-field, else the default. ValueError if bad."""
        field_name = self.job.locale_field
        value = record_field(data, field_name) if field_name else None
        if value is None or value == "":
            return self.job.default_locale
        if not isinstance(value, str):
            raise ValueError(f"locale field {field_name!r} must be a string, not {kind_of(value)}")
        return value

    def run(self, chunk: Chunk) -> ChunkResult:
        job = self.job
        records: list[tuple[int, str | None, str | None]] = []
        messages: list[Message | None] = []
        lines_out: list[bytes] = []
        warnings: dict[str, tuple[str, ...]] = {}
        stopped = False
        lines = chunk.lines
        columns = chunk.columns
        jsonl = job.jsonl
        kept: list[dict[str, Any] | None] = []
        notes: list[tuple[int, str]] = []
        for i, item in enumerate(chunk.items):
            line = lines[i] if lines is not None else chunk.start + i
            data = None
            try:
                data = read_record(chunk.kind, item, columns)
                if data is None:  # a blank line
                    continue
                if job.strict:
                    self.check_types(chunk.kind, data)
                notes += [(line, note) for note in self.check_counts(chunk.kind, data)]
                compiled = self.message_for(self.record_locale(data))
                if isinstance(compiled, str):
                    raise ValueError(compiled)
                message = compiled.message.render(data)
                # Unsafe URLs the record's data gave (PreparedMessage.render adds them last).
                shared = len(compiled.message.warnings)
                notes += [(line, note) for note in message.warnings[shared:]]
            except _RECORD_ERRORS as exc:  # the record's fault: report it, go on
                error = _reason(exc)
                records.append((line, None, error))
                if jsonl:
                    lines_out.append(_error_line(line, error))
                else:
                    messages.append(None)
                    if job.keep_data:
                        kept.append(data)
                if job.fail_fast:
                    stopped = True
                    break
                continue
            locale = compiled.locale
            records.append((line, locale, None))
            if compiled.message.warnings and locale not in self.reported:
                self.reported.add(locale)
                warnings[locale] = compiled.message.warnings
            if jsonl:
                lines_out.append(_message_line(line, message, compiled.tail))
            else:
                messages.append(message)
                if job.keep_data:
                    kept.append(data)
        blob = b"".join(lines_out)
        return ChunkResult(records, messages, blob, warnings, stopped, chunk.nbytes, kept, notes)


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


def _message_line(line: int, message: Message, tail: bytes) -> bytes:
    """A rendered record's JSONL line, in UTF-8: its strings escaped as json.dumps escapes
    them with ensure_ascii=False (orjson.dumps writes the same bytes for every string UTF-8
    can hold, several times faster), then the tail its locale's lines share."""
    try:
        head = b'{"line":%d,"subject":%b,"html":%b,"text":%b' % (
            line,
            orjson.dumps(message.subject),
            orjson.dumps(message.html),
            orjson.dumps(message.text),
        )
        if message.channels:
            head += _channels(message.channels, orjson.dumps)
    except orjson.JSONEncodeError:  # a lone surrogate from "\ud800" in the data: no UTF-8 has it
        head = (
            f'{{"line":{line},"subject":{_escape_ascii(message.subject)},'
            f'"html":{_escape_ascii(message.html)},"text":{_escape_ascii(message.text)}'
        ).encode("ascii")
        if message.channels:
            head += _channels(message.channels, lambda text: _escape_ascii(text).encode("ascii"))
    return head + tail


def _channels(channels: dict[str, str], escape: Callable[[str], bytes]) -> bytes:
    """`,"channels":{"sms":"…"}`: the channel names are ours ("sms", "push", "chat")."""
    parts = b",".join(b'"%b":%b' % (k.encode(), escape(v)) for k, v in channels.items())
    return b',"channels":{' + parts + b"}"


def _error_line(line: int, error: str) -> bytes:
    return f'{{"line":{line},"error":{_escape_ascii(error)}}}\n'.encode("ascii")
