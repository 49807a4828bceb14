"""Render finished messages: heavy work once per (template, draft, locale), then substitution."""

from __future__ import annotations

import gc
import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError

from .errors import DataError, RenderError, TemplateError
from .i18n.formats import FormatError
from .localize import Localizer
from .message.inline import NotInlinable, inline_html, inliner
from .message.textpart import html_to_text
from .pipeline import SourceSet, emit_part, resolve
from .store import CHANNEL_PARTS, Project
from .targets.jinja import URL_REPORTS, UrlReports, environment

STYLESHEET_RE = re.compile(r"<style\b|<link\b[^>]*\bstylesheet\b", re.IGNORECASE)
ASCII_SPACE_RE = re.compile(r"[ \t\r\n\f\v]+")
CHECK_URL = "|check_url("  # in an emitted HTML part: some value may start a URL (htmlcontext)


MAX_DATA_DEPTH = 100
"""How deeply recipient data may nest: a value at `a.b.c` is 3 levels deep. (Printing a value
nested a thousand levels deep would exhaust Python's recursion; JSON files stop earlier.)"""
_SCALARS = frozenset([str, int, float, bool, type(None)])


def check_depth(data: Mapping[str, Any]) -> None:
    """A RenderError naming the first path nested deeper than MAX_DATA_DEPTH, if there is one.

    Walked with a stack, never by recursion, and only until that depth: data nested 100,000
    levels deep is refused as fast as data nested 101 levels deep."""
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        for child in value.values() if isinstance(value, Mapping) else value:
            if type(child) in _SCALARS or not isinstance(child, Mapping | list | tuple):
                continue
            if depth + 1 >= MAX_DATA_DEPTH and child:
                path = _deep_path(data)
                raise RenderError(
                    f"data nested more than {MAX_DATA_DEPTH} levels deep at {path}",
                    hint="flatten the data",
                )
            stack.append((child, depth + 1))


def _deep_path(data: Mapping[str, Any]) -> str:
    """The path (`a.b[0].c`) of the first value nested deeper than MAX_DATA_DEPTH."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(data, ())]
    while stack:
        value, path = stack.pop()
        items = value.items() if isinstance(value, Mapping) else enumerate(value)
        for key, child in items:
            if len(path) >= MAX_DATA_DEPTH:
                return _dotted((*path, key))
            if isinstance(child, Mapping | list | tuple):
                stack.append((child, (*path, key)))
    return "?"  # pragma: no cover - only called when check_depth found one


def _dotted(path: tuple[str | int, ...]) -> str:
    """`a.b[0].c`, its middle left out when it is long (it names 101 levels)."""
    text = [str(path[0])] + [f"[{p}]" if isinstance(p, int) else f".{p}" for p in path[1:]]
    if len("".join(text)) <= 120:
        return "".join(text)
    return "".join(text[:4]) + "…" + "".join(text[-2:]) + f" ({len(path)} levels)"


def one_line(text: str) -> str:
    """A subject on one line: runs of ASCII whitespace become one space; a no-break space
    (French `Léa\u00a0!`) is text and stays."""
    return ASCII_SPACE_RE.sub(" ", text).strip(" ")


@dataclass(frozen=True)
class Message:
    """A rendered message, Dyspatch's render result: subject, html, text, sender, reply-to.

    `channels` holds the text of each channel part the draft has ("sms", "push", "chat"): plain
    text, never HTML-escaped.
    """

    subject: str
    html: str
    text: str
    sender: str | None = None
    reply_to: str | None = None
    template_id: str | None = None
    draft_id: str | None = None
    locale: str | None = None
    warnings: tuple[str, ...] = ()  # translations that fell back (fr-CA → fr → source)
    channels: dict[str, str] = field(default_factory=dict, hash=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "html": self.html,
            "text": self.text,
            "channels": dict(self.channels),
            "sender": self.sender,
            "replyTo": self.reply_to,
            "locale": self.locale,
            "templateId": self.template_id,
            "draftId": self.draft_id,
            "warnings": list(self.warnings),
        }


class CompiledPart:
    """One part's compiled Jinja template; rendering maps engine errors to one-line errors."""

    def __init__(self, template: jinja2.Template, file: str) -> None:
        self.template = template
        self.file = file

    def render(self, data: dict[str, Any]) -> str:
        try:
            return self.template.render(data)
        except FormatError as exc:  # a value a format filter cannot read: one line, its field
            raise RenderError(f"{self.file}: {exc.message}", hint=exc.hint) from None
        except SecurityError as exc:
            raise RenderError(f"{self.file}: refused by the sandbox: {exc}") from None
        except jinja2.TemplateError as exc:
            raise TemplateError(f"render failed: {exc}", file=self.file) from None
        except (TypeError, ValueError, LookupError, AttributeError) as exc:
            # Data of the wrong shape, e.g. a loop over a number: the data's fault, one line.
            raise RenderError(f"{self.file}: render failed: {exc}") from None


@dataclass(frozen=True)
class PreparedMessage:
    """A template ready to send: every part compiled for one draft and locale.

    Rendering one message is only variable substitution: no parsing, no translation lookup,
    no HTML or CSS work. Thread-safe and reusable.
    """

    subject: CompiledPart | None
    html: CompiledPart | None  # CSS already inlined, unless `inline_per_message`
    text: CompiledPart | None  # the draft's own text part, else derived from the HTML once
    sender: str | None = None
    reply_to: str | None = None
    template_id: str | None = None
    draft_id: str | None = None
    locale: str | None = None
    warnings: tuple[str, ...] = ()
    # Set (with the reason) when the HTML could not be prepared at compile time exactly: the
    # CSS is then inlined, and the text derived, for each message.
    inline_per_message: str | None = None
    # The channel parts (sms, push, chat) the draft has, in that order: plain text.
    channels: tuple[tuple[str, CompiledPart], ...] = ()
    # The HTML part checks URLs (`check_url`): each message collects what it replaced.
    url_checks: bool = False
    strict: bool = False  # an unsafe URL in the data is an error, not a warning
    # A `|safe` value in an attribute (InlinedParts.guard): a message the guard prints
    # something for is rendered from `html_source` and inlined on its own, its text part derived
    # from that HTML unless the draft has its own.
    html_guard: CompiledPart | None = None
    html_source: CompiledPart | None = None
    text_derived: bool = False

    def render(self, data: dict[str, Any] | None = None) -> Message:
        if data is not None and not isinstance(data, dict):
            raise RenderError(f"data must be a mapping, not {type(data).__name__}")
        if data:
            check_depth(data)
        if not self.url_checks:
            return self._render(data or {})
        reports = UrlReports(self.strict)
        token = URL_REPORTS.set(reports)
        try:
            message = self._render(data or {})
        finally:
            URL_REPORTS.reset(token)
        if reports.fields:
            message = replace(message, warnings=self.warnings + tuple(reports.warnings))
        return message

    def _render(self, values: dict[str, Any]) -> Message:
        text_part = self.text
        if self.html_guard is not None and self.html_source and self.html_guard.render(values):
            html = inliner().inline(self.html_source.render(values))
            text_part = None if self.text_derived else text_part
        else:
            html = self.html.render(values) if self.html else ""
            if self.inline_per_message is not None and html:
                html = inliner().inline(html)
        text = text_part.render(values) if text_part is not None else html_to_text(html)
        subject = one_line(self.subject.render(values)) if self.subject else ""
        return Message(
            subject=subject,
            html=html,
            text=text,
            sender=self.sender,
            reply_to=self.reply_to,
            template_id=self.template_id,
            draft_id=self.draft_id,
            locale=self.locale,
            warnings=self.warnings,
            channels={n: p.render(values) for n, p in self.channels} if self.channels else {},
        )


class Renderer:
    """Renders messages for sending code: thread-safe, reusable, with two bounded caches.

    Prepared messages are kept per (source, draft, locale, strict): a long-running sender that
    publishes new drafts calls `clear()` (or uses a new Renderer) to see them. Compiled Jinja
    templates are kept by the hash of their text.
    """

    def __init__(self, project: Project | None = None, *, cache_size: int = 256) -> None:
        self.project = project
        self._envs = {True: environment(autoescape=True), False: environment(autoescape=False)}
        self._compiled: OrderedDict[tuple[str, bool], jinja2.Template] = OrderedDict()
        self._prepared: OrderedDict[tuple[Any, ...], PreparedMessage] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._compiled.clear()
            self._prepared.clear()

    def compiled(self, text: str, autoescape: bool) -> jinja2.Template:
        """The compiled Jinja template for emitted text, cached by its content hash."""
        key = (hashlib.sha256(text.encode("utf-8")).hexdigest(), autoescape)
        with self._lock:
            hit = self._compiled.get(key)
            if hit is not None:
                self._compiled.move_to_end(key)
                return hit
        template = self._envs[autoescape].from_string(text)
        with self._lock:
            self._compiled[key] = template
            _trim(self._compiled, self._cache_size)
        return template

    def prepare_sources(
        self, sources: SourceSet, *, locale: str | None = None, strict: bool = False
    ) -> PreparedMessage:
        """Compile every part of resolved sources for `locale` (the heavy work, done once)."""
        with collector_paused():
            return self._prepare_sources(sources, locale, strict)

    def _prepare_sources(
        self, sources: SourceSet, locale: str | None, strict: bool
    ) -> PreparedMessage:
        localizer = Localizer(locale, sources.project, strict) if locale else None
        emitted = {
            name: emit_part(
                part, sources.project, "jinja", owner=sources.template, localizer=localizer
            )
            for name, part in sources.parts.items()
        }

        def part(name: str, text: str, html: bool) -> CompiledPart:
            # A derived text part reports errors against the HTML part it came from.
            file = sources.parts[name if name in sources.parts else "html"].file
            return CompiledPart(self.compiled(text, html), file)

        html_text = emitted.get("html")
        text_source = emitted.get("text")
        per_message: str | None = None
        guard: CompiledPart | None = None
        source_html: CompiledPart | None = None
        text_derived = False
        if html_text is not None:
            # Without a stylesheet a guarded message would be reserialized by css-inline: a
            # `|safe` attribute then keeps the part as written, as any NotInlinable does.
            stylesheet = STYLESHEET_RE.search(html_text) is not None
            try:
                prepared = inline_html(html_text, guarded=stylesheet)
            except NotInlinable as exc:
                # Only a part with a stylesheet needs its CSS inlined; others stay as written.
                per_message = str(exc) if stylesheet else None
            else:
                if prepared.guard:
                    guard = part("html", prepared.guard, True)
                    source_html = part("html", html_text, True)
                html_text = prepared.html
                if text_source is None:
                    text_source = prepared.text
                    text_derived = True
        return PreparedMessage(
            subject=part("subject", emitted["subject"], False) if "subject" in emitted else None,
            html=part("html", html_text, True) if html_text is not None else None,
            text=part("text", text_source, False) if text_source is not None else None,
            sender=sources.sender,
            reply_to=sources.reply_to,
            template_id=sources.template.id if sources.template else None,
            draft_id=sources.draft.id if sources.draft else None,
            locale=localizer.locale if localizer else None,
            warnings=tuple(localizer.warnings) if localizer else (),
            inline_per_message=per_message,
            html_guard=guard,
            html_source=source_html,
            text_derived=text_derived,
            url_checks=html_text is not None and CHECK_URL in html_text,
            strict=strict,
            channels=tuple(
                (name, part(name, emitted[name], False))
                for name in CHANNEL_PARTS
                if name in emitted
            ),
        )

    def prepare(
        self,
        source: str,
        *,
        draft: str | None = None,
        locale: str | None = None,
        strict: bool = False,
    ) -> PreparedMessage:
        """SOURCE prepared for `locale`, from the cache when it was prepared before."""
        key = (source, draft, locale, strict)
        with self._lock:
            hit = self._prepared.get(key)
            if hit is not None:
                self._prepared.move_to_end(key)
                return hit
        prepared = self.prepare_sources(
            resolve(source, self.project, draft), locale=locale, strict=strict
        )
        with self._lock:
            self._prepared[key] = prepared
            _trim(self._prepared, self._cache_size)
        return prepared

    def render_sources(
        self,
        sources: SourceSet,
        data: dict[str, Any] | None,
        *,
        locale: str | None = None,
        strict: bool = False,
    ) -> Message:
        return self.prepare_sources(sources, locale=locale, strict=strict).render(data)

    def render(
        self,
        source: str,
        data: dict[str, Any] | None = None,
        *,
        draft: str | None = None,
        locale: str | None = None,
        strict: bool = False,
    ) -> Message:
        """Render SOURCE for one recipient; `locale` translates it (see Localizer)."""
        return self.prepare(source, draft=draft, locale=locale, strict=strict).render(data)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector paused while a template compiles, and resumed after.

    Compiling builds hundreds of thousands of objects per megabyte of template (trees, tags,
    events) that all live until the step ends, and each of the collector's full passes walks
    every live object: the passes grow with the template and so does their number, so their
    share of the time grew with the size (a 5 MB template took 27 s instead of 23 s, a 100 KB
    one the same; benchmarks/size.py). Nothing here needs collecting before the end; the
    collector runs as usual afterwards. If it was already off (the caller's choice), it stays
    off.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _trim(cache: OrderedDict[Any, Any], size: int) -> None:
    while len(cache) > size:
        cache.popitem(last=False)


_renderers: dict[Path | None, Renderer] = {}
_renderers_lock = threading.Lock()


def render(
    source: str,
    data: dict[str, Any] | None = None,
    *,
    project: Project | None = None,
    draft: str | None = None,
    locale: str | None = None,
    strict: bool = False,
    validate: bool = False,
) -> Message:
    """Render SOURCE (template id or path, draft id, or .j2 file) with recipient data.

    `locale` translates it from the project's catalogs, falling back fr-CA → fr → source; with
    `strict`, a missing translation is an error instead of a warning. With `validate`, data that
    does not match the template's variable types (variables.py) raises DataError listing every
    problem with its path, before anything renders (`render --strict` does both). The files are read
    afresh on each call (only compiled templates are reused, by content); sending code that
    renders many messages keeps a Renderer, whose prepared messages skip all of that.
    """
    key = project.root if project is not None else None
    with _renderers_lock:
        renderer = _renderers.get(key)
        if renderer is None:
            renderer = _renderers[key] = Renderer(project)
    sources = resolve(source, project, draft)
    if validate:
        from .variables import strict_problems

        problems = strict_problems(sources, data or {})
        if problems:
            raise DataError(problems)
    return renderer.render_sources(sources, data, locale=locale, strict=strict)


# What each of `render --format`'s choices prints, by the parts it is rendered from: "message"
# prints the subject and the text part (derived from the HTML when the draft has none).
FORMAT_PARTS: dict[str, tuple[str, ...]] = {
    "message": ("subject", "text"),
    "subject": ("subject",),
    "html": ("html",),
    "text": ("text",),
    **{name: (name,) for name in CHANNEL_PARTS},
}


def parts_for_format(sources: SourceSet, fmt: str) -> SourceSet:
    """`sources` with only the parts that `fmt` (a `render --format`) prints, so that strict
    translation, data checks and warnings cover what is shown and no more; "json" (and any
    other name) keeps every part. A text part the draft has not is derived from its HTML part,
    which is then kept in its stead."""
    wanted = FORMAT_PARTS.get(fmt)
    if wanted is None:
        return sources
    names = {n for n in wanted if n in sources.parts}
    if "text" in wanted and "text" not in sources.parts and "html" in sources.parts:
        names.add("html")
    return replace(sources, parts={n: p for n, p in sources.parts.items() if n in names})
