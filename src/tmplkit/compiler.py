"""Compile a template into a target language: every part, or one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import TmplkitError
from .localize import lower
from .parse import parse
from .pipeline import Part, build_ir, emit_part, inline_blocks, resolve, variables
from .store import Project
from .targets import get_emitter


@dataclass(frozen=True)
class Compiled:
    """Dyspatch's `compiled` object: each part in the target language, and the data it reads."""

    target: str
    subject: str | None
    html: str | None
    text: str | None
    sender: str | None
    reply_to: str | None
    variables: list[str]
    template_id: str | None = None
    draft_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "templateId": self.template_id,
            "draftId": self.draft_id,
            "sender": self.sender,
            "replyTo": self.reply_to,
            "subject": self.subject,
            "html": self.html,
            "text": self.text,
            "variables": self.variables,
        }


def compile_parts(
    source: str,
    target: str = "jinja",
    *,
    project: Project | None = None,
    draft: str | None = None,
    locale: str | None = None,
) -> Compiled:
    """Compile every part of SOURCE (subject, html, text) to `target`."""
    if locale is not None:
        raise TmplkitError(f"--locale {locale}: localized compiles are not available yet")
    sources = resolve(source, project, draft)
    data = sources.sample_data() if target == "html" else None
    emitted = {
        name: emit_part(p, sources.project, target, data) for name, p in sources.parts.items()
    }
    bodies = [build_ir(p, sources.project) for p in sources.parts.values()]
    return Compiled(
        target=target,
        subject=emitted.get("subject"),
        html=emitted.get("html"),
        text=emitted.get("text"),
        sender=sources.sender,
        reply_to=sources.reply_to,
        variables=variables(bodies),
        template_id=sources.template.id if sources.template else None,
        draft_id=sources.draft.id if sources.draft else None,
    )


def compile(
    source: str,
    target: str = "jinja",
    locale: str | None = None,
    *,
    project: Project | None = None,
    draft: str | None = None,
    part: str = "html",
) -> str:
    """One part (html by default) of SOURCE in the target language."""
    compiled = compile_parts(source, target, project=project, draft=draft, locale=locale)
    text = getattr(compiled, part, None) if part in ("subject", "html", "text") else None
    if text is None:
        raise TmplkitError(f"{source} has no {part} part")
    return str(text)


def compile_string(
    source: str,
    target: str = "jinja",
    *,
    html: bool = True,
    file: str = "<string>",
    data: dict[str, Any] | None = None,
) -> str:
    """Template source text (no blocks) compiled to `target`; `html` says if it is an HTML part.

    `data` is the sample data the html target renders with.
    """
    part = Part("html" if html else "text", source, file)
    body = lower(inline_blocks(parse(source, file).body, part, None))
    return get_emitter(target)(html=html, file=file, data=data).emit(body)
