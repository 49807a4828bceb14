"""SMS cost of a text: its encoding, length and segments; and the SMS report of a project.

An SMS carries 140 bytes. In the GSM 7-bit default alphabet (3GPP TS 23.038, "GSM 03.38")
that is 160 characters; a character of the alphabet's extension table (`^ { } \\ [ ~ ] | €`
and the form feed) is sent as an escape followed by the character, so it takes two of those
160 septets. One character outside both tables and the whole message goes as UCS-2 (in
practice UTF-16): 70 code units, an emoji or any other character beyond the Basic
Multilingual Plane taking two. A longer message is sent as concatenated parts, each of which
gives 6 bytes to the header that joins them: 153 septets, or 67 code units, per part. A phone
never receives half of an escape pair or half of a surrogate pair: such a character that does
not fit at the end of a part moves to the next one, so parts are counted by filling them, not
by dividing the length.

Why no library: PyPI has GSM 03.38 codecs (`gsm0338`) and splitters (`smsutil`,
`sms-counter`), but what is needed here is two small constant tables and a loop. A codec
answers "can this be encoded", not "which characters force UCS-2, in order", and the
splitters differ on the very points that cost money (an extension character or a surrogate
pair at a part boundary, the form feed); owning the fifty lines keeps those rules explicit and
tested. National language shift tables (Turkish, Spanish, Portuguese, Indian scripts) are not
counted: few gateways use them, and a message that needs them is counted as UCS-2, the
dearer case.

`encoding`, `length`, `segments`, `split` and `measure` are pure functions of the text.
`report` renders the SMS part of templates in each locale and measures it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from ..errors import TmplkitError
from ..i18n.locales import normalize
from ..localize import DEFAULT_SOURCE_LOCALE
from ..model import Block, Template
from ..pipeline import SourceSet, resolve
from ..render import Renderer
from ..store import CHANNEL_PARTS, Project

Encoding = Literal["GSM-7", "UCS-2"]

# The GSM 03.38 default alphabet, in code order (0x00-0x7F), without 0x1B (the escape to the
# extension table). 0x09 is U+00C7 as in Unicode's mapping (GSM0338.TXT); the lower-case ç is
# not in it.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: each is sent as ESC + character, two septets.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_PART = 160, 153  # septets in a lone SMS, in each part of a longer one
UCS2_SINGLE, UCS2_PART = 70, 67  # UTF-16 code units, likewise


def encoding(text: str) -> tuple[Encoding, tuple[str, ...]]:
    """The encoding a text is sent in: GSM-7 when every character is in the GSM alphabet (basic
    or extension), else UCS-2 and the characters that force it, each once, in order."""
    forcing = dict.fromkeys(c for c in text if c not in GSM7_BASIC and c not in GSM7_EXTENSION)
    if forcing:
        return "UCS-2", tuple(forcing)
    return "GSM-7", ()


def _costs(text: str, name: Encoding) -> list[int]:
    """What each character takes: septets in GSM-7, UTF-16 code units in UCS-2."""
    if name == "GSM-7":
        return [2 if c in GSM7_EXTENSION else 1 for c in text]
    return [2 if ord(c) > 0xFFFF else 1 for c in text]


def length(text: str) -> int:
    """Septets (GSM-7: an extension character counts 2) or UTF-16 code units (UCS-2: a
    character beyond the BMP, such as an emoji, counts 2)."""
    return sum(_costs(text, encoding(text)[0]))


def split(text: str) -> list[str]:
    """The parts a phone receives: one when it fits a lone SMS, else parts filled in order,
    never splitting an extension character's escape pair or a surrogate pair. No parts for an
    empty text."""
    name, _ = encoding(text)
    costs = _costs(text, name)
    single, size = (GSM7_SINGLE, GSM7_PART) if name == "GSM-7" else (UCS2_SINGLE, UCS2_PART)
    total = sum(costs)
    if total == 0:
        return []
    if total <= single:
        return [text]
    parts: list[str] = []
    start = used = 0
    for i, cost in enumerate(costs):
        if used + cost > size:
            parts.append(text[start:i])
            start, used = i, 0
        used += cost
    parts.append(text[start:])
    return parts


def segments(text: str) -> int:
    """How many SMS the text is sent as (what a gateway bills); 0 for an empty text."""
    return len(split(text))


@dataclass(frozen=True)
class SmsCount:
    """What a text costs as an SMS."""

    encoding: Encoding
    forced_by: tuple[str, ...]  # the characters that force UCS-2, in order
    length: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int

    def to_json(self) -> dict[str, Any]:
        return {
            "encoding": self.encoding,
            "forcedBy": list(self.forced_by),
            "length": self.length,
            "segments": self.segments,
        }


def measure(text: str) -> SmsCount:
    """Encoding, the characters forcing UCS-2, length and segments of a text."""
    name, forced_by = encoding(text)
    return SmsCount(name, forced_by, sum(_costs(text, name)), segments(text))


def show_char(c: str) -> str:
    """A character as a person can read it in a list: invisible ones (a no-break space, a
    tab, a zero-width joiner) as U+XXXX."""
    return c if c.isprintable() and not c.isspace() else f"U+{ord(c):04X}"


def show_chars(chars: Iterable[str], limit: int = 8) -> str:
    """The first `limit` characters, space-separated, and how many more there are."""
    shown = list(chars)
    more = f" (+{len(shown) - limit} more)" if len(shown) > limit else ""
    return " ".join(show_char(c) for c in shown[:limit]) + more


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
    "split",
]
