"""Render finished messages: compiled Jinja templates, cached by content hash, per part."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError

from .errors import RenderError, TemplateError
from .localize import Localizer
from .pipeline import Part, SourceSet, emit_part, resolve
from .store import Project
from .targets.jinja import environment
from .text import html_to_text


@dataclass(frozen=True)
class Message:
    """A rendered message, Dyspatch's render result: subject, html, text, sender, reply-to."""

    subject: str
    html: str
    text: str
    sender: str | None = None
    reply_to: str | None = None
    template_id: str | None = None
    draft_id: str | None = None
    locale: str | None = None
    warnings: tuple[str, ...] = ()  # translations that fell back (fr-CA → fr → source)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        return {
            "subject": data["subject"],
            "html": data["html"],
            "text": data["text"],
            "sender": data["sender"],
            "replyTo": data["reply_to"],
            "locale": data["locale"],
            "templateId": data["template_id"],
            "draftId": data["draft_id"],
            "warnings": list(self.warnings),
        }


class Renderer:
    """Renders messages for sending code; thread-safe, keeps compiled templates (bounded LRU)."""

    def __init__(self, project: Project | None = None, *, cache_size: int = 256) -> None:
        self.project = project
        self._envs = {True: environment(autoescape=True), False: environment(autoescape=False)}
        self._cache: OrderedDict[tuple[str, bool], jinja2.Template] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def compiled(self, text: str, autoescape: bool) -> jinja2.Template:
        """The compiled Jinja template for emitted text, cached by its content hash."""
        key = (hashlib.sha256(text.encode("utf-8")).hexdigest(), autoescape)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        template = self._envs[autoescape].from_string(text)
        with self._lock:
            self._cache[key] = template
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return template

    def render_part(
        self,
        part: Part,
        sources: SourceSet,
        data: dict[str, Any],
        localizer: Localizer | None = None,
    ) -> str:
        text = emit_part(part, sources.project, "jinja", None, sources.template, localizer)
        try:
            return self.compiled(text, part.html).render(data)
        except SecurityError as exc:
            raise RenderError(f"{part.file}: refused by the sandbox: {exc}") from None
        except jinja2.TemplateError as exc:
            raise TemplateError(f"render failed: {exc}", file=part.file) from None
        except (TypeError, ValueError, LookupError, AttributeError) as exc:
            # Data of the wrong shape, e.g. a loop over a number: the data's fault, one line.
            raise RenderError(f"{part.file}: render failed: {exc}") from None

    def render_sources(
        self,
        sources: SourceSet,
        data: dict[str, Any] | None,
        *,
        locale: str | None = None,
        strict: bool = False,
    ) -> Message:
        if data is not None and not isinstance(data, dict):
            raise RenderError(f"data must be a mapping, not {type(data).__name__}")
        values = data or {}
        localizer = Localizer(locale, sources.project, strict) if locale else None
        rendered = {
            name: self.render_part(part, sources, values, localizer)
            for name, part in sources.parts.items()
        }
        html = rendered.get("html", "")
        text = rendered["text"] if "text" in rendered else html_to_text(html)
        subject = " ".join(rendered.get("subject", "").split())
        return Message(
            subject=subject,
            html=html,
            text=text,
            sender=sources.sender,
            reply_to=sources.reply_to,
            template_id=sources.template.id if sources.template else None,
            draft_id=sources.draft.id if sources.draft else None,
            locale=localizer.locale if localizer else None,
            warnings=tuple(localizer.warnings) if localizer else (),
        )

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
        sources = resolve(source, self.project, draft)
        return self.render_sources(sources, data, locale=locale, strict=strict)


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
) -> Message:
    """Render SOURCE (template id or path, draft id, or .j2 file) with recipient data.

    `locale` translates it from the project's catalogs, falling back fr-CA → fr → source; with
    `strict`, a missing translation is an error instead of a warning.
    """
    key = project.root if project is not None else None
    with _renderers_lock:
        renderer = _renderers.get(key)
        if renderer is None:
            renderer = _renderers[key] = Renderer(project)
    return renderer.render(source, data, draft=draft, locale=locale, strict=strict)
