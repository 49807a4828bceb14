"""Compile a template into a target language: every part, or one."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, TypedDict, Unpack

from .errors import TmplkitError, check_keywords
from .htmlcontext import mark_urls
from .htmllang import localize_html
from .i18n.locales import normalize
from .layouts import flatten, without_project
from .localize import DEFAULT_SOURCE_LOCALE, Localizer, lower_translations
from .pipeline import (
    EmitOptions,
    Part,
    SourceSet,
    build_ir,
    emit_part,
    inline_blocks,
    resolve,
    variables,
)
from .store import CHANNEL_PARTS, Project
from .targets import get_emitter
from .targets import preformat as companions
from .template.parse import parse
from .variables import Variables, infer, of_sources
from .variables import declare as declare_types

MAIN_PARTS = ("subject", "html", "text")


class StyleOptions(TypedDict, total=False):
    """compile_string's keywords that say how a part is written (compile's and compile_parts'
    too): `inline_formats` (default False), `inline_styles` (default True)."""

    inline_formats: bool
    inline_styles: bool


class CompileOptions(StyleOptions, total=False):
    """compile's and compile_parts' keywords but SOURCE's, the locale's and the part's:
    `strict` (default False) and StyleOptions'."""

    strict: bool


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
    locale: str | None = None
    warnings: tuple[str, ...] = ()
    channels: dict[str, str] = field(default_factory=dict)  # sms, push, chat: those it has
    # `variables` with their types (variables.py): what `tmplkit variables` shows
    variable_types: Variables = field(default_factory=Variables)
    # The values the sender formats (Mandrill, SendGrid with inline_formats): the companion
    # fields the template prints, which `preformat` adds to a recipient's data
    formatted: tuple[companions.FormattedField, ...] = ()

    @property
    def main_part(self) -> str:
        """The part `compile` prints by default: html, or text for a text-only source
        (`notice.txt.j2`, a draft with only body.txt.j2)."""
        return "text" if self.html is None and self.text is not None else "html"

    def part(self, name: str) -> str | None:
        """A part by name: subject, html, text, or a channel part (sms, push, chat)."""
        if name in CHANNEL_PARTS:
            return self.channels.get(name)
        value: str | None = getattr(self, name, None) if name in MAIN_PARTS else None
        return value

    def preformat(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """A deep copy of a recipient's `data` with every companion field in `formatted` added,
        formatted as the reference formats the value in this compile's locale (nothing for a
        missing or null value); the reference's FormatError for a value it cannot read."""
        return companions.preformat(data, self.formatted)

    def to_json(self) -> dict[str, Any]:
        formatted = [f.to_json() for f in self.formatted]
        return {
            "target": self.target,
            "templateId": self.template_id,
            "draftId": self.draft_id,
            "sender": self.sender,
            "replyTo": self.reply_to,
            "subject": self.subject,
            "html": self.html,
            "text": self.text,
            "channels": dict(self.channels),
            "variables": self.variables,
            "variableTypes": self.variable_types.to_json(),
            "locale": self.locale,
            "warnings": list(self.warnings),
            **({"formatted": formatted} if formatted else {}),
        }


def compile_parts(
    source: str,
    target: str = "jinja",
    *,
    project: Project | None = None,
    draft: str | None = None,
    locale: str | None = None,
    only: Collection[str] | None = None,
    **options: Unpack[CompileOptions],
) -> Compiled:
    """Compile every part of SOURCE (subject, html, text, and the channel parts sms, push,
    chat it has) to `target`, for `locale`, or `only` those of them named. `strict`: a missing
    translation is an error, not a warning. `inline_formats`: write tmplkit's CLDR formatter
    into the template for format filters where the target has no formatter of its own.
    `inline_styles`: the HTML part's CSS inlined as `render` sends it (`@media` rules left in
    a `<style>`); False keeps the source's `<style>` as written."""
    check_keywords("compile_parts", options, CompileOptions.__optional_keys__)
    return compile_sources(
        resolve(source, project, draft),
        target,
        locale=locale,
        strict=options.get("strict", False),
        inline_formats=options.get("inline_formats", False),
        only=only,
        inline_styles=options.get("inline_styles", True),
    )


def compile_sources(
    sources: SourceSet,
    target: str = "jinja",
    *,
    locale: str | None = None,
    strict: bool = False,
    types: Variables | None = None,
    inline_formats: bool = False,
    only: Collection[str] | None = None,
    inline_styles: bool = True,
) -> Compiled:
    """`compile_parts` for sources resolved already (compile --all resolves each template once,
    works out its `types` once, and compiles it in every locale)."""
    data = sources.sample_data() if target == "html" else None
    localizer = Localizer(locale, sources.project, strict) if locale else None
    owner = sources.template
    bodies = [build_ir(p, sources.project, owner) for p in sources.parts.values()]
    if types is None:
        types = of_sources(sources, bodies)
    unsupported: list[str] = []  # what the target could not do (Mandrill's URL checks)
    options = EmitOptions(
        data,
        types,
        inline_formats=inline_formats,
        inline_styles=inline_styles and target != "html",  # html: render's, inlined
    )
    with companions.naming() as formatted:  # one name per value the sender formats
        emitted = {
            name: emit_part(
                p,
                sources.project,
                target,
                owner=owner,
                localizer=localizer,
                warnings=unsupported,
                options=options,
            )
            for name, p in sources.parts.items()
            if only is None or name in only
        }
    if target == "html" and "html" in emitted:
        # Static HTML is the finished message for the sample data: CSS inlined as a send does.
        from .rendering import Renderer

        prepared = Renderer(sources.project).prepare_sources(sources, locale=locale, strict=strict)
        emitted["html"] = prepared.render(data).html
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
        locale=localizer.locale if localizer else None,
        warnings=(*(localizer.warnings if localizer else ()), *unsupported),
        channels={name: emitted[name] for name in CHANNEL_PARTS if name in emitted},
        variable_types=types,
        formatted=tuple(formatted.fields),
    )


def compile(
    source: str,
    target: str = "jinja",
    locale: str | None = None,
    *,
    project: Project | None = None,
    draft: str | None = None,
    part: str | None = None,
    **options: Unpack[CompileOptions],
) -> str:
    """One part (subject, html, text, sms, push, chat; by default html, or text for a
    text-only source) of SOURCE in the target language; `options` as compile_parts'."""
    check_keywords("compile", options, CompileOptions.__optional_keys__)
    compiled = compile_parts(
        source,
        target,
        project=project,
        draft=draft,
        locale=locale,
        only=None if part is None else (part,),
        **options,
    )
    part = part or compiled.main_part
    text = compiled.part(part)
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
    locale: str | None = None,
    declare: Mapping[str, Any] | None = None,
    **options: Unpack[StyleOptions],
) -> str:
    """Template source text (no blocks) compiled to `target`; `html` says if it is an HTML part.

    `data` is the sample data the html target renders with; `locale` the locale its values are
    formatted in (format_date, …) and its `<html lang>` says (the source locale, en-US, without
    one). Its translations stay in the source language: a string has no catalog. `declare`:
    variable types as template.toml's `[variables]` declares them (`{"user.name": "string"}`),
    over the types the source's use gives; without it a string has no types, and each target
    writes the forms that are exact for any data. `inline_formats`, `inline_styles`: as
    `compile_parts` (a stylesheet that cannot be inlined exactly is left as written).
    """
    check_keywords("compile_string", options, StyleOptions.__optional_keys__)
    part = Part("html" if html else "text", source, file)
    body = lower_translations(inline_blocks(parse(source, file).body, part, None))
    body = flatten(body, file, without_project)  # its blocks print in place
    if html:
        body = mark_urls(body, file=file)
        if locale is not None:
            body = localize_html(body, normalize(locale))
    emitter = get_emitter(target)(html=html, file=file, data=data)
    emitter.locale = normalize(locale) if locale is not None else DEFAULT_SOURCE_LOCALE
    emitter.inline_formats = options.get("inline_formats", False)
    if html and options.get("inline_styles", True):  # a string has no warnings to give
        from .inline_css import inline_or_warn

        body, _ = inline_or_warn(body, file)
    if declare is not None:
        emitter.variables = declare_types(infer([body]), declare, file=file)
    return emitter.emit(body)
