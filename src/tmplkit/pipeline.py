"""From a SOURCE argument to emitted text: resolve, parse, inline blocks, localize, emit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import datafile
from .errors import NotFound, RenderError, TemplateError, TmplkitError
from .htmlcontext import mark_urls
from .htmllang import localize_html
from .i18n.plural import count_problems
from .layouts import Where, flatten, layout_file
from .localize import DEFAULT_SOURCE_LOCALE, Localizer, lower_translations
from .mjml import MjmlHtml, compile_mjml
from .model import Block, Draft, Layout, Template
from .store import (
    BLOCK_PARTS,
    CHANNEL_PARTS,
    PARTS,
    SAMPLE_DATA_FILE,
    Project,
    find_project_root,
)
from .store.records import GettextKeyword
from .targets import get_emitter
from .template import ir
from .template.limits import NESTING_HINT
from .template.parse import parse, read_source

if TYPE_CHECKING:  # variables.py builds on this module
    from .variables.model import Variables

HTML_PARTS = frozenset({"html"})


@dataclass
class Part:
    """One part of a message (subject, html, text, or a channel's: sms, push, chat) as source
    text."""

    name: str
    source: str
    file: str
    # An HTML part written in MJML: mrml's HTML is `source`, `file` the MJML file, and this maps
    # positions in `source` back to it (mjml.py).
    mjml: MjmlHtml | None = field(default=None, repr=False)

    @property
    def html(self) -> bool:
        return self.name in HTML_PARTS


@dataclass
class SourceSet:
    """Everything a SOURCE argument names: its parts, sender, and where it lives.

    Resolved once per command (resolve) and handed down to every stage that needs SOURCE: the
    parts' text as read then, the project (which loads the blocks they include), the template
    and draft. `name` is the SOURCE argument it was resolved from, as a run names it."""

    parts: dict[str, Part]
    project: Project | None = None
    template: Template | None = None
    draft: Draft | None = None
    sender: str | None = None
    reply_to: str | None = None
    sample_data_file: Path | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    name: str = ""

    def sample_data(self) -> dict[str, Any] | None:
        file = self.sample_data_file
        if file is not None and self.project is not None:
            file = self.project.confine(file)
        if file is None or not file.is_file():
            return None
        return load_data_file(file)


def load_data_file(path: Path) -> dict[str, Any]:
    """Recipient data from a JSON file: one object; errors say file:line:col (see datafile:
    UTF-8 without its BOM, no NaN or Infinity, one line for a document nested too deeply)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NotFound(f"{path}: no such data file") from None
    return parse_data(datafile.decode_utf8(data, str(path), RenderError), str(path))


def parse_data(text: str, name: str) -> dict[str, Any]:
    data = datafile.loads(text, name, RenderError)
    if not isinstance(data, dict):
        raise RenderError(f"{name}: data must be a JSON object, not {type(data).__name__}")
    return data


def _standalone_part_name(path: Path) -> str:
    name = path.name.lower()
    if name.startswith("subject"):
        return "subject"
    if name.endswith((".txt.j2", ".txt", ".text.j2")):
        return "text"
    return "html"


def resolve(source: str, project: Project | None = None, draft: str | None = None) -> SourceSet:
    """A template id, draft id, slug path, template/draft directory, or standalone .j2 file.

    The one place a SOURCE string is read: each command resolves its SOURCE once and hands
    the SourceSet down (render_sources, run_batch, send_message, send_batch_job take it)."""
    sources = _resolved(source, project, draft)
    sources.name = source
    return sources


def _resolved(source: str, project: Project | None, draft: str | None) -> SourceSet:
    path = Path(source)
    if path.is_file():
        root = find_project_root(path)
        owner = Project(root) if root and project is None else project
        part = Part(_standalone_part_name(path), _read(path, str(path)), str(path))
        sender = owner.settings.sender if owner else None
        reply_to = owner.settings.reply_to if owner else None
        return SourceSet({part.name: part}, owner, sender=sender, reply_to=reply_to)
    if path.is_dir() and ((path / "template.toml").is_file() or (path / "draft.toml").is_file()):
        root = find_project_root(path)
        if root is None:
            raise NotFound(f"{source}: not inside a tmplkit project")
        project = Project(root)
        index = project.index()
        resolved = path.resolve()
        for d in index.drafts.values():
            if d.dir == resolved:
                return _from_draft(project, d)
        for t in index.templates.values():
            if t.dir == resolved:
                return _from_template(project, t, draft)
        raise NotFound(f"{source}: not a template or draft of project {root}")
    if project is None:
        from .store import open_project

        project = open_project()
    if source.startswith("tdft_"):
        return _from_draft(project, project.drafts.get(source))
    return _from_template(project, project.templates.get(source), draft)


def _read(path: Path, file: str) -> str:
    """A part's or block's source (see datafile.source_text); `file` names it in errors."""
    return read_source(path, file)


def _from_template(project: Project, template: Template, draft_id: str | None) -> SourceSet:
    if draft_id is None:
        if not template.published_draft_id:
            raise NotFound(
                f"template {template.id} ({template.name}) has no published draft",
                hint="pass --draft ID",
            )
        draft_id = template.published_draft_id
    draft = project.drafts.get(draft_id)
    if draft.template_id != template.id:
        raise NotFound(f"{draft.label()} is not a draft of template {template.id}")
    return _from_draft(project, draft, template)


def _from_draft(project: Project, draft: Draft, template: Template | None = None) -> SourceSet:
    template = template or project.drafts.template_of(draft)
    parts: dict[str, Part] = {}
    for name, filename in PARTS.items():
        file = project.confine(draft.dir / filename)
        if file.is_file():
            source = _read(file, project.relpath(file))
            if name in CHANNEL_PARTS:
                source = _without_final_newline(source)
            if name == "mjml":
                parts["html"] = _mjml_part(parts, source, project.relpath(file), draft)
                continue
            parts[name] = Part(name, source, project.relpath(file))
    if "html" not in parts and "text" not in parts:
        raise NotFound(f"{draft.label()} has no body ({PARTS['html']} or {PARTS['text']})")
    return SourceSet(
        parts,
        project,
        template,
        draft,
        sender=draft.sender or project.settings.sender,
        reply_to=draft.reply_to or project.settings.reply_to,
        sample_data_file=template.dir / SAMPLE_DATA_FILE,
    )


def _mjml_part(parts: dict[str, Part], source: str, file: str, draft: Draft) -> Part:
    """The HTML part of a draft written in MJML (mjml.py); refused beside a body.html.j2."""
    if "html" in parts:
        raise TemplateError(
            f"{draft.label()} has both {PARTS['html']} and {PARTS['mjml']}",
            file=file,
            hint=f"keep one: {PARTS['mjml']} is compiled to the HTML part",
        )
    mjml = compile_mjml(source, file)
    return Part("html", mjml.html, file, mjml)


def parse_part(part: Part, project: Project | None) -> ir.Template:
    """A part's IR (parse_cached, with the project's [i18n] keywords); an MJML part's with its
    positions in the MJML source."""
    keywords = keywords_of(project)
    if part.mjml is None:
        return parse_cached(part.source, part.file, keywords)
    return _parse_mjml(part.mjml, keywords)


def keywords_of(project: Project | None) -> tuple[GettextKeyword, ...]:
    """The project's own gettext functions (tmplkit.toml's [i18n] keywords)."""
    return project.settings.keywords if project is not None else ()


@lru_cache(maxsize=256)
def _parse_mjml(mjml: MjmlHtml, keywords: tuple[GettextKeyword, ...]) -> ir.Template:
    try:
        tree = parse_cached(mjml.html, mjml.file, keywords)
    except TemplateError as exc:
        raise mjml.relocate_error(exc) from None
    return mjml.relocate(tree)


def _without_final_newline(source: str) -> str:
    """A channel part ends where its text ends: the newline that closes the file (as editors
    write it) is not part of the message, as in Jinja's default; it would cost a character in
    every SMS. So for a block included in a channel part. A body.txt.j2 keeps it, like the
    e-mail text it is. (Parts are read with universal newlines: a CRLF is a "\n" here.)"""
    return source.removesuffix("\n")


@lru_cache(maxsize=1024)
def parse_cached(source: str, file: str, keywords: tuple[GettextKeyword, ...] = ()) -> ir.Template:
    """Parsing is pure: the same text, file name and keywords give the same IR."""
    return parse(source, file, keywords)


def inline_blocks(
    body: ir.Body,
    part: Part,
    project: Project | None,
    localizer: Localizer | None = None,
    stack: tuple[str, ...] = (),
    blocks: dict[str, tuple[ir.Body, int]] | None = None,
) -> ir.Body:
    """Replace each BlockRef with the block's own IR (its html or text part), recursively;
    each block is localized with its own catalog.

    `blocks` keeps each block inlined (and how deep it nests) for one part: a block included
    a thousand times is read, parsed and localized once, not a thousand times."""
    blocks = {} if blocks is None else blocks
    return ir.replace(
        body, ir.BlockRef, lambda ref: _block_body(ref, part, project, localizer, stack, blocks)
    )


def _block_body(
    ref: ir.BlockRef,
    part: Part,
    project: Project | None,
    localizer: Localizer | None,
    stack: tuple[str, ...],
    blocks: dict[str, tuple[ir.Body, int]],
) -> ir.Body:
    def where(message: str, hint: str | None = None) -> TemplateError:
        line, col = ref.pos.line or None, ref.pos.col or None
        return TemplateError(message, file=part.file, line=line, col=col, hint=hint)

    if project is None:
        raise where(f'block "{ref.name}" needs a project', "run inside a tmplkit project")
    if ref.name in stack:
        chain = " → ".join((*stack, ref.name))
        raise where(f"blocks include each other in a cycle: {chain}")
    if ref.name not in blocks:
        blocks[ref.name] = _inlined_block(ref, part, project, localizer, stack, blocks, where)
    body, depth = blocks[ref.name]
    if ref.depth + depth > ir.MAX_DEPTH:
        raise where(
            f'block "{ref.name}" is nested {ref.depth + depth} levels deep here, more than the'
            f" limit of {ir.MAX_DEPTH}",
            NESTING_HINT,
        )
    return body


def _inlined_block(
    ref: ir.BlockRef,
    part: Part,
    project: Project,
    localizer: Localizer | None,
    stack: tuple[str, ...],
    blocks: dict[str, tuple[ir.Body, int]],
    where: Callable[..., TemplateError],
) -> tuple[ir.Body, int]:
    """A block's IR with its own blocks inlined, and the deepest level its content reaches
    (counted from the block's top: its includes' blocks count too)."""
    try:
        block = project.blocks.get(ref.name)
    except NotFound:
        raise where(f'no block "{ref.name}" in the project') from None
    kind = "html" if part.html else "text"
    file = project.confine(block.dir / BLOCK_PARTS[kind])
    if not file.is_file():
        raise where(
            f'block "{ref.name}" has no {kind} part ({BLOCK_PARTS[kind]})',
            f"create {project.relpath(file)}",
        )
    source = _read(file, project.relpath(file))
    if part.name in CHANNEL_PARTS:  # a block's closing newline would land inside the SMS
        source = _without_final_newline(source)
    block_part = Part(part.name, source, project.relpath(file))
    tree = parse_part(block_part, project)
    body = localize_body(tree.body, block_part, project, block, localizer)
    body = inline_blocks(body, block_part, project, localizer, (*stack, ref.name), blocks)
    includes = (node for node in ir.walk(tree.body) if isinstance(node, ir.BlockRef))
    return body, max([tree.depth, *(r.depth + blocks[r.name][1] for r in includes)])


def localize_body(
    body: ir.Body,
    part: Part,
    project: Project | None,
    owner: Template | Block | Layout | None,
    localizer: Localizer | None,
) -> ir.Body:
    """Translations for the localizer's locale, or the source language without one."""
    if localizer is None:
        source = project.settings.source_locale if project else DEFAULT_SOURCE_LOCALE
        return lower_translations(body, source)
    return localizer.localize(body, owner, html=part.html)


def build_ir(
    part: Part,
    project: Project | None,
    owner: Template | None = None,
    localizer: Localizer | None = None,
) -> ir.Body:
    """A part's final IR: parsed, localized (with the owner's catalogs), blocks inlined, and
    in an HTML part the values that may start a URL marked (translated ones checked) and, for
    a locale, its `<html lang>` set to it (htmllang.py)."""
    tree = parse_part(part, project)
    body = localize_body(tree.body, part, project, owner, localizer)
    body = inline_blocks(body, part, project, localizer)
    body = flatten(
        body, part.file, lambda slug, where: _layout(slug, where, part, project, localizer)
    )
    if not part.html:
        return body
    if localizer is None:
        return mark_urls(body, file=part.file)
    body = mark_urls(body, file=part.file, warnings=localizer.warnings, strict=localizer.strict)
    return localize_html(body, localizer.locale)  # <html lang="fr-FR">, dir="rtl" for ar


def _layout(
    slug: str,
    where: Where,
    part: Part,
    project: Project | None,
    localizer: Localizer | None = None,
    lower: bool = True,
) -> tuple[ir.Body, str]:
    """The IR of layout `slug`'s part that `part` extends, and its file (layouts.flatten's
    `load`): localized with the layout's catalogs and its blocks inlined (`lower`), or as
    parsed (for plural_counts)."""
    if part.mjml is not None:
        raise where("an MJML part cannot extend a layout", "write the layout in the MJML part")
    found = layout_file(project, slug, part.name, where)
    assert project is not None  # layout_file needs one
    layout_part = Part(part.name, found.source, found.file)
    body = parse_part(layout_part, project).body
    if lower:
        body = localize_body(body, layout_part, project, found.layout, localizer)
        body = inline_blocks(body, layout_part, project, localizer)
    return body, found.file


@dataclass(frozen=True)
class EmitOptions:
    """How emit_part writes a part: `data`, the sample data the html target renders with;
    `types`, the template's typed variables, for targets that write plainer forms with them;
    `inline_formats`, tmplkit's formatter written where the target has none
    (--inline-formats); `inline_styles`, an HTML part's CSS inlined as `render` inlines it
    (inline_css.py)."""

    data: dict[str, Any] | None = None
    types: Variables | None = None
    inline_formats: bool = False
    inline_styles: bool = False


def emit_part(
    part: Part,
    project: Project | None,
    target: str,
    *,
    owner: Template | None = None,
    localizer: Localizer | None = None,
    warnings: list[str] | None = None,
    options: EmitOptions = EmitOptions(),
) -> str:
    """The part in the target language (built with the owner's catalogs, in the localizer's
    locale), written as `options` say; what the target could not do goes to `warnings`."""
    emitter = get_emitter(target)(html=part.html, file=part.file, data=options.data)
    emitter.variables = options.types
    emitter.inline_formats = options.inline_formats
    if localizer is not None:
        emitter.locale = localizer.locale
    else:
        emitter.locale = project.settings.source_locale if project else DEFAULT_SOURCE_LOCALE
    body = build_ir(part, project, owner, localizer)
    if options.inline_styles and part.html:
        from .inline_css import inline_or_warn

        body, warning = inline_or_warn(body, part.file)
        if warning is not None:
            emitter.warnings.append(warning)
    text = emitter.emit(body)
    if warnings is not None:
        warnings.extend(emitter.warnings)
    return text


def variables(bodies: list[ir.Body]) -> list[str]:
    """The data paths a template reads (loop variables excluded), sorted."""
    found: set[str] = set()

    def visit(body: ir.Body, loop_names: frozenset[str]) -> None:
        for node in body:
            if isinstance(node, ir.Output):
                add_value(node.value, loop_names)
            elif isinstance(node, ir.If):
                for cond, b in node.branches:
                    add_cond(cond, loop_names)
                    visit(b, loop_names)
                visit(node.else_, loop_names)
            elif isinstance(node, ir.For):
                add(node.iterable, loop_names)
                visit(node.body, loop_names | {node.target})
                visit(node.else_, loop_names)
            elif isinstance(node, ir.Trans):
                for _, value in node.bindings:
                    add_value(value, loop_names)

    def add(ref: ir.Ref, loop_names: frozenset[str]) -> None:
        if isinstance(ref, ir.Path) and ref.root not in loop_names:
            found.add(ref.dotted())

    def add_value(value: ir.Value, loop_names: frozenset[str]) -> None:
        add(value.ref, loop_names)
        if value.format is not None and isinstance(value.format.currency, ir.Path):
            add(value.format.currency, loop_names)  # format_currency(order.currency)

    def add_cond(cond: ir.Cond, loop_names: frozenset[str]) -> None:
        if isinstance(cond, ir.Truthy | ir.Compare):
            add(cond.ref, loop_names)
        elif isinstance(cond, ir.Not):
            add_cond(cond.expr, loop_names)
        elif isinstance(cond, ir.And | ir.Or):
            add_cond(cond.left, loop_names)
            add_cond(cond.right, loop_names)

    for body in bodies:
        visit(body, frozenset())
    return sorted(found)


def count_warnings(sources: SourceSet, data: dict[str, Any], *, strict: bool = False) -> list[str]:
    """The warnings of one recipient's plural counts that are not numbers (a count that is a
    string picks the last plural form); under `strict` the first is a RenderError instead."""
    problems = count_problems(data, plural_counts(sources))
    if problems and strict:
        raise RenderError(problems[0], hint="give the count as a number")
    return [f"{problem}: the last plural form is used" for problem in problems]


def plural_counts(sources: SourceSet) -> tuple[str, ...]:
    """The data paths that hold a plural's count (`order.item_count`) in the parts of
    `sources` and the blocks they include, sorted; counts read from a loop variable are left
    out (they are not paths into the recipient's data)."""
    found: set[str] = set()
    blocks: dict[tuple[str, str], Part | None] = {}  # each block read once, however often used

    def visit(
        body: ir.Body, loop_names: frozenset[str], part: Part, stack: tuple[str, ...]
    ) -> None:
        for node in body:
            if isinstance(node, ir.Trans) and node.plural is not None:
                value = node.binding(node.count or "count")
                ref = value.ref if value is not None else None
                if isinstance(ref, ir.Path) and ref.root not in loop_names:
                    found.add(ref.dotted())
            elif isinstance(node, ir.If):
                for _, b in node.branches:
                    visit(b, loop_names, part, stack)
                visit(node.else_, loop_names, part, stack)
            elif isinstance(node, ir.For):
                visit(node.body, loop_names | {node.target}, part, stack)
                visit(node.else_, loop_names, part, stack)
            elif isinstance(node, ir.BlockRef) and sources.project and node.name not in stack:
                key = (node.name, part.name)
                if key not in blocks:
                    blocks[key] = _block_part(node.name, part, sources.project)
                block = blocks[key]
                if block is not None:
                    tree = parse_part(block, sources.project)
                    visit(tree.body, loop_names, block, (*stack, node.name))

    for part in sources.parts.values():
        # The layouts a part extends count, their blocks merged in as they render.
        load = partial(_layout, part=part, project=sources.project, lower=False)
        visit(
            flatten(parse_part(part, sources.project).body, part.file, load), frozenset(), part, ()
        )
    return tuple(sorted(found))


def _block_part(name: str, part: Part, project: Project) -> Part | None:
    """The part of block `name` that an include in `part` inlines, if there is one."""
    try:
        block = project.blocks.get(name)
    except NotFound:
        return None
    file = project.confine(block.dir / BLOCK_PARTS["html" if part.html else "text"])
    if not file.is_file():
        return None
    return Part(part.name, _read(file, project.relpath(file)), project.relpath(file))


__all__ = [
    "EmitOptions",
    "Part",
    "SourceSet",
    "TmplkitError",
    "build_ir",
    "count_warnings",
    "emit_part",
    "inline_blocks",
    "load_data_file",
    "parse_data",
    "plural_counts",
    "resolve",
    "variables",
]
