"""`tmplkit.sms`: what an SMS costs (encoding, length, segments: tmplkit.message.sms, pure), and
the SMS report of a project: each template's SMS part rendered in each locale and measured
(`tmplkit sms-report`; `sms_costs` for `tmplkit i18n status --json`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from .errors import TmplkitError
from .i18n.locales import normalize
from .localize import DEFAULT_SOURCE_LOCALE
from .message.sms import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    SmsCount,
    encoding,
    length,
    measure,
    segments,
    show_char,
    show_chars,
    split,
)
from .model import Block, Template
from .pipeline import SourceSet, resolve
from .rendering import Renderer
from .store import CHANNEL_PARTS, Project

__all__ = [
    "GSM7_BASIC",
    "GSM7_EXTENSION",
    "SmsCount",
    "SmsReport",
    "SmsRow",
    "encoding",
    "length",
    "measure",
    "measure_sources",
    "report",
    "segments",
    "show_char",
    "show_chars",
    "sms_costs",
    "split",
]


# --- the report: templates × locales -----------------------------------------------------------


@dataclass(frozen=True)
class SmsRow:
    """One template's SMS part rendered in one locale, measured."""

    template: str  # the template's slug path, e.g. acme-shop/orders/order-confirmation
    template_id: str | None
    draft_id: str | None
    locale: str
    text: str
    count: SmsCount
    max_segments: int | None = None
    warnings: tuple[str, ...] = ()  # translations of the SMS part that fell back

    @property
    def over_budget(self) -> bool:
        return self.max_segments is not None and self.count.segments > self.max_segments

    def to_json(self) -> dict[str, Any]:
        return {
            "template": self.template,
            "templateId": self.template_id,
            "draftId": self.draft_id,
            "locale": self.locale,
            **self.count.to_json(),
            "overBudget": self.over_budget,
            "text": self.text,
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class SmsReport:
    """The SMS part of templates × locales; `over` those over `max_segments`."""

    rows: list[SmsRow]
    max_segments: int | None = None

    @property
    def over(self) -> list[SmsRow]:
        return [r for r in self.rows if r.over_budget]

    def to_json(self) -> dict[str, Any]:
        return {
            "maxSegments": self.max_segments,
            "over": len(self.over),
            "messages": [r.to_json() for r in self.rows],
        }


def template_label(project: Project | None, sources: SourceSet) -> str:
    """A template's slug path below workspaces/ (or its file, for a standalone source)."""
    if project is None or sources.template is None:
        return next(iter(sources.parts.values())).file
    return sources.template.dir.relative_to(project.root / "workspaces").as_posix()


def measure_sources(
    sources: SourceSet,
    locale: str | None,
    data: Mapping[str, Any] | None = None,
    *,
    renderer: Renderer | None = None,
    max_segments: int | None = None,
) -> SmsRow:
    """Render the SMS part of resolved sources in `locale` (None or the source locale: the
    source text) with `data` (default: the template's sample data), and measure it."""
    if "sms" not in sources.parts:
        raise TmplkitError(
            f"{template_label(sources.project, sources)} has no sms part ({CHANNEL_PARTS['sms']})"
        )
    project = sources.project
    source_locale = normalize(project.settings.source_locale if project else DEFAULT_SOURCE_LOCALE)
    if locale is not None and normalize(locale) == source_locale:
        locale = None  # the source text itself, not a lookup in catalogs of the source language
    renderer = renderer or Renderer(project)
    # Only the SMS part: no CSS inlining or text derivation for a report.
    only_sms = replace(sources, parts={"sms": sources.parts["sms"]})
    prepared = renderer.prepare_sources(only_sms, locale=locale)
    values = dict(data) if data is not None else (sources.sample_data() or {})
    text = prepared.render(values).channels["sms"]
    return SmsRow(
        template=template_label(project, sources),
        template_id=sources.template.id if sources.template else None,
        draft_id=sources.draft.id if sources.draft else None,
        locale=prepared.locale or source_locale,
        text=text,
        count=measure(text),
        max_segments=max_segments,
        warnings=prepared.warnings,
    )


def sms_sources(project: Project) -> list[SourceSet]:
    """The published drafts that have an SMS part, in the project's template order."""
    found = []
    for template in project.templates.list():
        if not template.published_draft_id:
            continue
        sources = resolve(template.id, project)
        if "sms" in sources.parts:
            found.append(sources)
    return found


def sms_costs(project: Project) -> Callable[[Template | Block, str], dict[str, Any] | None]:
    """What each template's SMS part costs in a locale, for `i18n.workflow.status(sms=…)`:
    the part of its published draft rendered with its sample data and measured (an
    `SmsCount` as JSON); None for a block, or a template without an SMS part."""
    with_sms = {s.template.id: s for s in sms_sources(project) if s.template}
    renderer = Renderer(project)

    def cost(owner: Template | Block, locale: str) -> dict[str, Any] | None:
        sources = with_sms.get(owner.id)
        if sources is None:
            return None
        return measure_sources(sources, locale, renderer=renderer).count.to_json()

    return cost


def report_locales(project: Project, locales: Iterable[str] | None) -> list[str]:
    """The locales to render: the given ones, else the source language and every project
    locale; normalized, each once."""
    wanted = [*locales] if locales else [project.settings.source_locale, *project.settings.locales]
    return list(dict.fromkeys(normalize(x) for x in wanted))


def report(
    project: Project,
    source: str | None = None,
    *,
    draft: str | None = None,
    locales: Iterable[str] | None = None,
    data: Mapping[str, Any] | None = None,
    max_segments: int | None = None,
) -> SmsReport:
    """The SMS part of SOURCE (else of every template whose published draft has one), in each
    locale (else the source language and every project locale), rendered with `data` (else
    each template's sample data) and measured; rows over `max_segments` are marked."""
    if max_segments is not None and max_segments < 1:
        raise TmplkitError(f"max segments must be at least 1, not {max_segments}")
    if source is None:
        if draft is not None:
            raise TmplkitError("--draft needs SOURCE")
        all_sources = sms_sources(project)
    else:
        all_sources = [resolve(source, project, draft)]
    renderer = Renderer(project)
    rows = [
        measure_sources(s, locale, data, renderer=renderer, max_segments=max_segments)
        for s in all_sources
        for locale in report_locales(project, locales)
    ]
    return SmsReport(rows, max_segments)
