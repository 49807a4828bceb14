"""`tmplkit lint`: every draft, block, layout and catalog of a project checked at once, each
problem one line with where it is, for CI.

lint is a collector: it runs what the other commands run and gathers what they report.

1. **Blocks and layouts** are parsed on their own (a block no template includes is checked too).
2. **Each draft that is not archived** is resolved and its parts parsed in the source language
   (blocks inlined, layouts flattened). A draft that does not parse is reported once and
   checked no further: its render and compile would only repeat the syntax error.
3. **Render**: each draft is rendered with its template's sample data (sample.json) in the
   source language and each project locale, as `tmplkit render` renders it.
4. **Compile**: the published drafts with `compile_all.compile_project` for each target (the
   source language and each project locale, as `compile --all`); the other drafts with
   `compiler.compile_sources`, the same function, in the same locales.
5. **SMS**: each draft's SMS part measured in each locale (`sms.measure_sources`, as
   `tmplkit sms-report`), over the budget when `max_segments` is given.
6. **Catalogs**: each owner's catalog of each project locale read (a file that cannot be read
   is one problem), validated against its source keys (`i18n.checks.validate`, the checks an
   import runs), and each string that is missing or fuzzy reported (what `i18n check` counts).

The same problem found in several locales (a block's syntax error, a construct every locale
refuses) is reported once, without a locale.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from .compile_all import build_locales, compile_project, template_path
from .compiler import compile_sources
from .errors import TemplateError, TmplkitError
from .i18n.catalog import Catalog, CatalogError, conform_stored, describe_key, read_json, read_po
from .i18n.checks import validate
from .i18n.extract import catalog_path
from .i18n.workflow import Owner, owner_keys, owner_kind, owner_label, owners, project_locales
from .model import Draft, Template
from .pipeline import Part as SourcePart
from .pipeline import SourceSet, build_ir, parse_part, resolve
from .rendering import Renderer
from .sms import measure_sources
from .store import BLOCK_PARTS, Project
from .store.layouts import LAYOUT_PARTS
from .template.parse import read_source

Severity = Literal["error", "warning"]
OwnerKind = Literal["template", "block", "layout", "catalog"]

DEFAULT_TARGETS = ("jinja",)

# What a message that is not a TemplateError says about where: `FILE:LINE[:COL]: rest`.
LOCATION_RE = re.compile(
    r"(?P<file>[^\s:][^:]*?)(?::(?P<line>\d+)(?::(?P<col>\d+))?)?: (?P<rest>.*)", re.S
)
# A translation that fell back (localize.Localizer's warning): the catalog check reports the
# string missing with its catalog's file and line instead.
FALLBACK_RE = re.compile(r": no \S+ translation; using ")


@dataclass(frozen=True)
class LintProblem:
    """One problem: how bad, what kind, where (file relative to the project, line, column),
    what, in which template, block, layout or catalog, and in which locale (None: all or
    none)."""

    severity: Severity
    kind: str  # syntax, data, render, compile, sms, catalog, translation, untranslated, fuzzy
    file: str | None
    line: int | None
    col: int | None
    message: str
    owner_kind: OwnerKind
    owner: str
    locale: str | None = None

    @property
    def where(self) -> str:
        if self.file is None:
            return self.owner
        return ":".join(str(x) for x in (self.file, self.line, self.col) if x is not None)

    def text(self) -> str:
        """The report's line: `error: FILE:LINE:COL: LOCALE: message`."""
        locale = f"{self.locale}: " if self.locale else ""
        return f"{self.severity}: {self.where}: {locale}{self.message}"

    def to_json(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "kind": self.kind,
            "file": self.file,
            "line": self.line,
            "col": self.col,
            "message": self.message,
            self.owner_kind: self.owner,
            "locale": self.locale,
        }


@dataclass
class LintReport:
    """Every problem found, in the order found, and how much was checked."""

    problems: list[LintProblem] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)
    targets: tuple[str, ...] = DEFAULT_TARGETS

    @property
    def errors(self) -> list[LintProblem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[LintProblem]:
        return [p for p in self.problems if p.severity == "warning"]

    def ok(self, strict: bool = False) -> bool:
        """No error (and with `strict`, no warning either)."""
        return not self.errors and not (strict and self.warnings)

    def summary(self) -> str:
        c = self.checked
        found = (
            f"{_count(len(self.errors), 'error')}, {_count(len(self.warnings), 'warning')}"
            if self.problems
            else "no problems"
        )
        return (
            f"checked {_count(c['drafts'], 'draft')} of {_count(c['templates'], 'template')}, "
            f"{_count(c['blocks'], 'block')}, {_count(c['layouts'], 'layout')}, "
            f"{_count(c['catalogs'], 'catalog')}; {_count(c['locales'], 'locale')}, "
            f"{_count(len(self.targets), 'target')} ({', '.join(self.targets)}): {found}"
        )

    def to_json(self, strict: bool = False) -> dict[str, Any]:
        return {
            "problems": [p.to_json() for p in self.problems],
            "checked": {**self.checked, "targets": len(self.targets)},
            "ok": self.ok(strict),
        }


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


@dataclass
class _Lint:
    """One run's state: the project, what it was asked for, and the problems so far."""

    project: Project
    targets: tuple[str, ...]
    max_segments: int | None
    inline_formats: bool
    locales: list[str] = field(default_factory=list)
    problems: dict[tuple[Any, ...], LintProblem] = field(default_factory=dict)
    renderer: Renderer | None = None

    def add(self, problem: LintProblem) -> None:
        """Add `problem`; the same one again is kept once, and in another locale without one."""
        # A block's error found again in each template that includes it is the block's; a
        # catalog that cannot be read, found again by render and compile, the catalog check's.
        key: tuple[Any, ...] = (problem.severity, problem.file, problem.line, problem.col)
        key += (problem.message,) if problem.file else (problem.message, problem.owner)
        seen = self.problems.get(key)
        if seen is None:
            self.problems[key] = problem
        elif seen.locale != problem.locale:
            self.problems[key] = replace(seen, locale=None)

    def error(
        self, exc: TmplkitError, kind: str, owner: tuple[OwnerKind, str], **more: Any
    ) -> None:
        file, line, col, message = locate(exc, self.project)
        self.add(LintProblem("error", kind, file, line, col, message, *owner, **more))

    def warning(self, text: str, kind: str, owner: tuple[OwnerKind, str], **more: Any) -> None:
        if FALLBACK_RE.search(text):
            return
        file, line, col, message = split_location(text, self.project)
        self.add(LintProblem("warning", kind, file, line, col, message, *owner, **more))

    def source_locale(self, locale: str) -> str | None:
        """None for the source language (its text as written), else the locale."""
        return None if locale == self.locales[0] else locale


def locate(exc: TmplkitError, project: Project) -> tuple[str | None, int | None, int | None, str]:
    """Where an error is (file, line, column) and what it says without that."""
    if isinstance(exc, TemplateError) and exc.file is not None:
        return exc.file, exc.line, exc.col, TmplkitError.__str__(exc)
    return split_location(str(exc), project)


def split_location(text: str, project: Project) -> tuple[str | None, int | None, int | None, str]:
    """`FILE:LINE:COL: message` taken apart when FILE is a file of the project (compile
    --all's refusals and warnings are such lines); else no location."""
    m = LOCATION_RE.fullmatch(text)
    if m is None:
        return None, None, None, text
    file = m["file"]
    path = Path(file)
    if path.is_absolute():
        try:
            file = path.relative_to(project.root).as_posix()
        except ValueError:
            return None, None, None, text
    if not (project.root / file).is_file():
        return None, None, None, text
    line = int(m["line"]) if m["line"] else None
    col = int(m["col"]) if m["col"] else None
    return file, line, col, m["rest"]


def lint(
    project: Project,
    *,
    targets: Sequence[str] = DEFAULT_TARGETS,
    max_segments: int | None = None,
    inline_formats: bool = False,
) -> LintReport:
    """Check the whole project (see the module docstring): every problem, none stopping the
    rest."""
    if max_segments is not None and max_segments < 1:
        raise TmplkitError(f"max segments must be at least 1, not {max_segments}")
    run = _Lint(project, tuple(dict.fromkeys(targets)), max_segments, inline_formats)
    run.locales = build_locales(project)
    run.renderer = Renderer(project)
    report = LintReport(targets=run.targets)
    blocks, layouts = project.blocks.list(), project.layouts.list()
    for block in blocks:
        _parse_files(run, ("block", f"blocks/{block.slug}"), block.dir, BLOCK_PARTS)
    for layout in layouts:
        _parse_files(run, ("layout", f"layouts/{layout.slug}"), layout.dir, LAYOUT_PARTS)
    catalogs = _check_catalogs(run)
    templates = project.templates.list()
    drafts = 0
    broken: set[str] = set()  # templates whose published draft does not parse
    for template in templates:
        for draft in project.drafts.list(template.id):
            if draft.archived:
                continue
            drafts += 1
            published = draft.id == template.published_draft_id
            if not _check_draft(run, template, draft, published) and published:
                broken.add(template_path(project, template))
    _compile_published(run, broken)
    report.problems = sorted(run.problems.values(), key=_order)
    report.checked = {
        "templates": len(templates),
        "drafts": drafts,
        "blocks": len(blocks),
        "layouts": len(layouts),
        "catalogs": catalogs,
        "locales": len(run.locales),
    }
    return report


def _order(problem: LintProblem) -> tuple[str, int, int]:
    """Problems by file (or owner), line and column, as a compiler lists them."""
    return (problem.file or problem.owner, problem.line or 0, problem.col or 0)


def _parse_files(
    run: _Lint, owner: tuple[OwnerKind, str], directory: Path, parts: dict[str, str]
) -> None:
    """Parse a block's or layout's files, each on its own."""
    for name, filename in parts.items():
        path = run.project.confine(directory / filename)
        if not path.is_file():
            continue
        file = run.project.relpath(path)
        try:
            parse_part(SourcePart(name, read_source(path, file), file), run.project)
        except TmplkitError as exc:
            run.error(exc, "syntax", owner)


def _check_draft(run: _Lint, template: Template, draft: Draft, published: bool) -> bool:
    """Parse, render, compile (unless published: see _compile_published) and measure one
    draft; False when it does not resolve or parse."""
    label = template_path(run.project, template)
    owner: tuple[OwnerKind, str] = ("template", label)
    try:
        sources = resolve(template.id, run.project, draft.id)
        for part in sources.parts.values():
            build_ir(part, run.project, template)
    except TmplkitError as exc:
        run.error(exc, "syntax" if isinstance(exc, TemplateError) else "draft", owner)
        return False
    try:
        data = sources.sample_data() or {}
    except TmplkitError as exc:
        run.error(exc, "data", owner)
        return True
    for lang in run.locales:
        _render(run, sources, data, lang, owner)
    if not published:
        for target in run.targets:
            for lang in run.locales:
                try:
                    compiled = compile_sources(
                        sources, target, locale=lang, inline_formats=run.inline_formats
                    )
                except TmplkitError as exc:
                    run.error(exc, "compile", owner, locale=lang)
                else:
                    for text in compiled.warnings:
                        run.warning(text, "compile", owner, locale=lang)
    if "sms" in sources.parts:
        for lang in run.locales:  # its render's error, if any, is reported once
            _measure_sms(run, sources, data, lang, owner)
    return True


def _render(
    run: _Lint, sources: SourceSet, data: dict[str, Any], lang: str, owner: tuple[OwnerKind, str]
) -> None:
    """Render a draft with its sample data in `lang`, as `tmplkit render` does."""
    assert run.renderer is not None
    try:
        prepared = run.renderer.prepare_sources(sources, locale=run.source_locale(lang))
        prepared.render(data)
    except TmplkitError as exc:
        run.error(exc, "render", owner, locale=lang)


def _measure_sms(
    run: _Lint, sources: SourceSet, data: dict[str, Any], lang: str, owner: tuple[OwnerKind, str]
) -> None:
    """The SMS part's segments in `lang` against the budget, as `tmplkit sms-report` counts."""
    try:
        row = measure_sources(
            sources, lang, data, renderer=run.renderer, max_segments=run.max_segments
        )
    except TmplkitError as exc:
        run.error(exc, "sms", owner, locale=lang)
        return
    if row.over_budget:
        count = row.count
        run.add(
            LintProblem(
                "error",
                "sms",
                sources.parts["sms"].file,
                None,
                None,
                f"the SMS takes {_count(count.segments, 'segment')} ({count.encoding}, "
                f"{count.length} characters), over the budget of {run.max_segments}",
                *owner,
                locale=lang,
            )
        )


def _compile_published(run: _Lint, broken: set[str]) -> None:
    """Every published draft to every target in every locale: `compile --all` in memory; a
    template whose draft does not parse is reported already."""
    for target in run.targets:
        build = compile_project(run.project, target, inline_formats=run.inline_formats)
        for refusal in build.refusals:
            if refusal.template in broken:
                continue
            file, line, col, message = split_location(refusal.error, run.project)
            run.add(
                LintProblem(
                    "error",
                    "compile",
                    file,
                    line,
                    col,
                    message,
                    "template",
                    refusal.template,
                    locale=refusal.locale,
                )
            )
        for entry in build.manifest["templates"]:
            for lang, compiled in entry["locales"].items():
                for text in compiled["warnings"]:
                    run.warning(text, "compile", ("template", entry["template"]), locale=lang)


# --- catalogs ----------------------------------------------------------------------------------


def _check_catalogs(run: _Lint) -> int:
    """Each owner's catalog of each project locale: readable, valid against the source keys,
    complete. Returns how many catalogs there are to check."""
    count = 0
    locales = project_locales(run.project)
    for owner in owners(run.project):
        count += len(locales)
        try:
            keys = owner_keys(run.project, owner)
        except TmplkitError as exc:  # a source that does not parse: reported already
            run.error(exc, "syntax", (_kind(owner), owner_label(run.project, owner)))
            continue
        for locale in locales:
            _check_catalog(run, owner, keys, locale)
    return count


def _check_catalog(run: _Lint, owner: Owner, keys: Catalog, locale: str) -> None:
    project = run.project
    path = catalog_path(project, locale, owner)
    file = project.relpath(path)
    who: tuple[OwnerKind, str] = (_kind(owner), owner_label(project, owner))
    if not path.is_file():
        if keys.messages:
            text = f"no catalog: {_count(len(keys.messages), 'string')} to translate"
            run.add(LintProblem("error", "untranslated", file, None, None, text, *who, locale))
        return
    try:
        catalog = _read_catalog(path, file, locale)
    except CatalogError as exc:
        run.error(exc, "catalog", ("catalog", file), locale=locale)
        return
    for problem in validate(catalog, keys, locale, file):
        severity: Severity = "warning" if problem.message.startswith("unknown key") else "error"
        about = f"{describe_key(problem.key)}: " if problem.key is not None else ""
        run.add(
            LintProblem(
                severity,
                "translation",
                file,
                problem.line,
                None,
                about + problem.message,
                *who,
                locale,
            )
        )
    for key in keys.messages:
        message = catalog.get(key)
        if message is not None and message.translated:
            continue
        kind = "fuzzy" if message is not None and message.fuzzy else "untranslated"
        text = f"{describe_key(key)}: {'fuzzy' if kind == 'fuzzy' else 'not translated'}"
        line = message.line if message is not None else None
        run.add(LintProblem("error", kind, file, line, None, text, *who, locale))


def _read_catalog(path: Path, file: str, locale: str) -> Catalog:
    """A stored catalog as `i18n.catalog.load` reads it, its problems naming `file`."""
    data = path.read_bytes()
    if path.suffix == ".json":
        return read_json(data, file, locale)
    catalog = read_po(data, file, locale)
    conform_stored(catalog, locale, file)
    catalog.locale = locale
    return catalog


def _kind(owner: Owner) -> OwnerKind:
    kind = owner_kind(owner)
    return "block" if kind == "block" else "layout" if kind == "layout" else "template"


__all__ = ["DEFAULT_TARGETS", "LintProblem", "LintReport", "lint", "locate", "split_location"]
