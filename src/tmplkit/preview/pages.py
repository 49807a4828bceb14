"""The preview pages: one self-contained HTML page per template × locale × sample data set, and
the index linking them.

A page shows what a reviewer needs to judge one message without sending it: the subject, the
HTML part in two sandboxed iframes (desktop 600 px, mobile 375 px), the text part, each channel
part (with the SMS encoding and segments), the translations that fell back, and the template's
and draft's ids. A template that does not render gives a page with its error in one line
(file:line:col), never an exception: one broken template must not hide the others.

Every value that comes from the data, a catalog or a template is escaped where it lands (text
or attribute); an iframe's `srcdoc` holds the message attribute-escaped, and the sandbox
without `allow-scripts` keeps any script in it from running.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

from ..errors import TmplkitError
from ..i18n.formats import is_rtl
from ..i18n.locales import normalize
from ..i18n.pseudo import PSEUDO_LOCALES
from ..localize import DEFAULT_SOURCE_LOCALE
from ..message.sms import measure, show_chars
from ..pipeline import SourceSet, count_warnings, resolve
from ..rendering import Message, PreparedMessage, Renderer
from ..store import Project

OK = "ok"
MISSING = "missing translations"
ERROR = "error"
WIDTHS = (("desktop", 600), ("mobile", 375))
SAMPLE = "sample"  # the name of the template's own sample data set (sample.json)

Prepare = Callable[[SourceSet, str | None], PreparedMessage]
"""Prepares resolved sources for a locale (None: the source text); the server's keeps them
while their files are unchanged."""


def renderer_prepare(renderer: Renderer) -> Prepare:
    """A Prepare that compiles every time (a gallery prepares each template × locale once)."""

    def prepare(sources: SourceSet, locale: str | None) -> PreparedMessage:
        return renderer.prepare_sources(sources, locale=locale)

    return prepare


@dataclass(frozen=True)
class Entry:
    """A template to preview: its slug path, name and id, and its resolved published draft,
    or the one-line error that kept it from resolving."""

    slug: str
    name: str
    template_id: str | None
    sources: SourceSet | None = None
    error: str | None = None


@dataclass(frozen=True)
class Page:
    """One template × locale × sample data set: `path` is its file in a gallery (relative,
    `acme-shop/orders/order-confirmation/fr-FR.html`), `html` the page itself."""

    entry: Entry
    locale: str
    sample: str
    status: str  # OK, MISSING or ERROR
    html: str
    error: str | None = None
    warnings: tuple[str, ...] = ()
    message: Message | None = field(default=None, compare=False)

    @property
    def path(self) -> str:
        return page_path(self.entry.slug, self.locale, self.sample)

    def to_json(self) -> dict[str, Any]:
        return {
            "template": self.entry.slug,
            "templateId": self.entry.template_id,
            "locale": self.locale,
            "sample": self.sample,
            "path": self.path,
            "status": self.status,
            "error": self.error,
            "warnings": list(self.warnings),
        }


def page_path(slug: str, locale: str, sample: str = SAMPLE) -> str:
    """A page's stable file name: the template's slug path, then the locale (and the data set,
    when it is not the template's own sample.json)."""
    return f"{slug}/{locale}.html" if sample == SAMPLE else f"{slug}/{locale}.{sample}.html"


def preview_locales(project: Project) -> list[str]:
    """The source locale, the project's locales, and the pseudo-locales; normalized, each once."""
    settings = project.settings
    wanted = [settings.source_locale or DEFAULT_SOURCE_LOCALE, *settings.locales, *PSEUDO_LOCALES]
    return list(dict.fromkeys(normalize(x) for x in wanted))


def entries(project: Project, source: str | None = None) -> list[Entry]:
    """The templates to preview: SOURCE's (a bad SOURCE is the caller's error), else every
    template of the project by slug path, each with its published draft resolved or the error
    that kept it from resolving."""
    if source is not None:
        return [_entry(project, resolve(source, project))]
    found = []
    for template in project.templates.list():
        slug = template.dir.relative_to(project.root / "workspaces").as_posix()
        try:
            found.append(_entry(project, resolve(template.id, project)))
        except TmplkitError as exc:
            found.append(Entry(slug, template.name, template.id, error=str(exc)))
    return sorted(found, key=lambda e: e.slug)


def _entry(project: Project, sources: SourceSet) -> Entry:
    template = sources.template
    if template is None:  # a standalone file: named by its path
        name = next(iter(sources.parts.values())).file
        return Entry(name.removesuffix(".j2"), name, None, sources)
    slug = template.dir.relative_to(project.root / "workspaces").as_posix()
    return Entry(slug, template.name, template.id, sources)


def sample_sets(sources: SourceSet) -> list[tuple[str, dict[str, Any]]]:
    """The data sets a template is previewed with: its sample.json (none: empty data)."""
    return [(SAMPLE, sources.sample_data() or {})]


def build_pages(entry: Entry, locale: str, prepare: Prepare) -> list[Page]:
    """The pages of one template in one locale, one per sample data set; an error (in the
    template, a catalog, the data) gives an error page, never an exception."""
    if entry.sources is None:
        return [error_page(entry, locale, SAMPLE, entry.error or "not rendered")]
    sources = entry.sources
    try:
        samples = sample_sets(sources)
    except (TmplkitError, OSError) as exc:
        return [error_page(entry, locale, SAMPLE, error_line(exc))]
    project = sources.project
    source_locale = normalize(project.settings.source_locale if project else DEFAULT_SOURCE_LOCALE)
    pages = []
    for name, data in samples:
        try:
            # The source locale renders the source text, as `render` without --locale does.
            prepared = prepare(sources, None if locale == source_locale else locale)
            message = prepared.render(dict(data))
            counts = count_warnings(sources, data)
        except (TmplkitError, OSError) as exc:
            pages.append(error_page(entry, locale, name, error_line(exc)))
            continue
        warnings = (*message.warnings, *counts)
        status = MISSING if any(missing_translation(w) for w in warnings) else OK
        html = message_page(entry, locale, name, message, warnings)
        pages.append(Page(entry, locale, name, status, html, None, warnings, message))
    return pages


def missing_translation(warning: str) -> bool:
    """Whether a render's warning is a translation that fell back (Localizer's wording)."""
    return " translation; using " in warning


def error_line(exc: BaseException) -> str:
    """An error on one line: a TemplateError's says file:line:col first."""
    if isinstance(exc, OSError):
        return f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": ")
    return " ".join(str(exc).split())


# --- the HTML -----------------------------------------------------------------------------------

STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:0;padding:16px 24px;color:#1d1d1f;
background:#f5f5f7}
h1{font-size:20px;margin:0 0 4px}h2{font-size:15px;margin:20px 0 6px;color:#444}
a{color:#0645ad}.ids,.nav{color:#555;font-size:13px}.nav a{margin-right:8px}
.subject{font-size:17px;font-weight:600;background:#fff;padding:8px 12px;border:1px solid #ddd}
.frames{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}
.frames figure{margin:0}.frames figcaption{font-size:13px;color:#555}
iframe{background:#fff;border:1px solid #bbb;height:720px;display:block}
pre{background:#fff;border:1px solid #ddd;padding:8px 12px;white-space:pre-wrap;
overflow-wrap:anywhere;max-width:100%;box-sizing:border-box}
.warnings li,.error{color:#8a3b00}.error{font-family:monospace;background:#fff3e0;padding:8px 12px}
.status-ok{color:#1a7f37}.status-missing{color:#8a3b00}.status-error{color:#b00020}
table{border-collapse:collapse}td,th{padding:2px 8px;text-align:left;border-bottom:1px solid #ddd}
""".strip()


def _document(title: str, body: str, *, lang: str = "en", rtl: bool = False) -> str:
    direction = ' dir="rtl"' if rtl else ""
    return (
        f'<!DOCTYPE html>\n<html lang="{escape(lang)}"{direction}>\n<head>\n'
        '<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def _rtl(locale: str) -> bool:
    try:
        return is_rtl(locale)
    except (TmplkitError, ValueError, LookupError):
        return False


def _header(entry: Entry, locale: str, sample: str, index_href: str) -> str:
    ids = [f"locale {escape(locale)}"]
    if sample != SAMPLE:
        ids.append(f"data {escape(sample)}")
    if entry.template_id:
        ids.append(f'template <code class="template-id">{escape(entry.template_id)}</code>')
    draft = entry.sources.draft if entry.sources else None
    if draft is not None:
        ids.append(f'draft <code class="draft-id">{escape(draft.id)}</code>')
    return (
        f'<p class="nav"><a href="{escape(index_href)}">all templates</a></p>\n'
        f'<h1 dir="auto">{escape(entry.name)} <small>({escape(entry.slug)})</small></h1>\n'
        f'<p class="ids">{" · ".join(ids)}</p>'
    )


def index_href(entry: Entry) -> str:
    """The index's address from a page's (pages sit below the index by their slug path)."""
    return "../" * (page_path(entry.slug, "x").count("/")) + "index.html"


def message_page(
    entry: Entry, locale: str, sample: str, message: Message, warnings: Sequence[str]
) -> str:
    """The page of one rendered message (its parts, each escaped where it lands)."""
    lang, rtl = locale, _rtl(locale)
    parts = [_header(entry, locale, sample, index_href(entry))]
    parts.append(f'<h2>Subject</h2>\n<p class="subject" lang="{escape(lang)}" dir="auto">')
    parts[-1] += f"{escape(message.subject)}</p>"
    if warnings:
        items = "".join(f"<li>{escape(w)}</li>" for w in warnings)
        parts.append(f'<h2>Warnings</h2>\n<ul class="warnings">{items}</ul>')
    if message.html:
        frames = "".join(
            f'<figure class="{name}"><figcaption>{name}, {width} px</figcaption>'
            f'<iframe class="{name}" title="HTML part, {name}" sandbox="" width="{width}" '
            f'style="width:{width}px" srcdoc="{escape(message.html, quote=True)}"></iframe>'
            "</figure>"
            for name, width in WIDTHS
        )
        parts.append(f'<h2>HTML part</h2>\n<div class="frames" dir="ltr">{frames}</div>')
    parts.append(
        f'<h2>Text part</h2>\n<pre class="text" lang="{escape(lang)}" dir="auto">'
        f"{escape(message.text)}</pre>"
    )
    for name, text in message.channels.items():
        parts.append(_channel(name, text, lang))
    return _document(f"{entry.name} · {locale}", "\n".join(parts), lang=lang, rtl=rtl)


def _channel(name: str, text: str, lang: str) -> str:
    body = f'<pre class="{name}" lang="{escape(lang)}" dir="auto">{escape(text)}</pre>'
    if name != "sms":
        return f"<h2>{name.capitalize()} part</h2>\n{body}"
    count = measure(text)
    forced = (
        f' (forced by <span class="forced-by">{escape(show_chars(count.forced_by))}</span>)'
        if count.forced_by
        else ""
    )
    facts = (
        f'<p class="sms-count">encoding <b class="encoding">{count.encoding}</b>{forced} · '
        f'length <b class="length">{count.length}</b> · '
        f'segments <b class="segments">{count.segments}</b></p>'
    )
    return f"<h2>SMS part</h2>\n{facts}\n{body}"


def error_page(entry: Entry, locale: str, sample: str, error: str) -> Page:
    """The page of a template that did not render: its error, on one line."""
    body = (
        f"{_header(entry, locale, sample, index_href(entry))}\n"
        f'<h2>Error</h2>\n<p class="error">{escape(error)}</p>'
    )
    html = _document(f"{entry.name} · {locale} · error", body, lang="en")
    return Page(entry, locale, sample, ERROR, html, error)


def index_page(pages: Iterable[Page], title: str) -> str:
    """The index: every page, grouped by template, with its status."""
    groups: dict[str, list[Page]] = {}
    for page in pages:
        groups.setdefault(page.entry.slug, []).append(page)
    sections = []
    for slug, group in groups.items():
        entry = group[0].entry
        # The data set's column only when a template has more than its own sample.json.
        data = any(p.sample != SAMPLE for p in group)
        rows = "".join(
            f'<tr class="page"><td><a href="{escape(p.path)}">{escape(p.locale)}</a></td>'
            + (f"<td>{escape(p.sample)}</td>" if data else "")
            + f'<td class="status status-{p.status.split()[0]}">{escape(p.status)}</td>'
            f'<td dir="auto">{escape(_summary(p))}</td></tr>'
            for p in group
        )
        sections.append(
            f'<section class="template" id="{escape(slug)}">'
            f"<h2>{escape(entry.name)} <small>({escape(slug)})</small></h2>"
            f"<table><tr><th>locale</th>{'<th>data</th>' if data else ''}<th>status</th>"
            f"<th>subject or error</th></tr>{rows}</table></section>"
        )
    body = f"<h1>{escape(title)}</h1>\n" + "\n".join(sections)
    return _document(title, body)


def _summary(page: Page) -> str:
    if page.error is not None:
        return page.error
    return page.message.subject if page.message is not None else ""
