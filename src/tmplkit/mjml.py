"""MJML sources: a draft's HTML part written in MJML (`body.mjml.j2`), compiled to HTML by mrml
(the Rust implementation of MJML, a Python wheel), its template constructs kept intact.

MJML knows nothing of templates, and mrml reads some attributes as values it computes with (an
image's `width` becomes the pixel width of its cell, `{{ w }}px` becomes `550`) and escapes
others. So before mrml sees the source, every template construct (a `{{ }}` or `{% %}` tag; a
`{% trans %}…{% endtrans %}` block and a `{% raw %}` block whole, so that the text of a
translation reaches the catalog exactly as written) is replaced by a placeholder of letters and
digits, and restored in mrml's HTML afterwards. A placeholder that mrml dropped or rewrote is a
construct the compiled HTML would lose: refused, with its file:line:col and where it stood (an
attribute mrml computes with, or text between components, which `<mj-raw>` keeps).

The HTML then goes through the same pipeline as a `body.html.j2`: CSS inlining, the text part,
translations, every target. It is made once per MJML source (cached by content), which serves
every locale. Positions in it are mapped back to the MJML source (`MjmlHtml.locate`), so errors
and the catalogs' locations name `body.mjml.j2` and its lines.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
import secrets
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .errors import TemplateError
from .template import ir
from .template.scan import Tag, scan

MJML_FILE = "body.mjml.j2"

# mrml's wrapper of the message says the language of the <mjml> tag (or "und"): the message's
# own language is said once, on <html>, localized for each locale (htmllang.py).
_WRAPPER_LANG = re.compile(r'(<div aria-label="[^"]*" aria-roledescription="email" role="article")'
                           r' lang="[^"]*" dir="[^"]*"')  # fmt: skip
_OPEN_TAG = re.compile(r"<([A-Za-z][\w:-]*)(?:\s[^<>]*)?$", re.DOTALL)
_ATTRIBUTE_AT_END = re.compile(r"""([\w:-]+)\s*=\s*["']?[^"'<>]*$""")


@dataclass(frozen=True, slots=True)
class _Span:
    """Where a restored construct is in the HTML, and where it started in the MJML source."""

    start: int  # offset in the HTML
    end: int
    source: int  # offset in the MJML source


@dataclass(frozen=True)
class MjmlHtml:
    """mrml's HTML for an MJML source, with each construct's place in both texts."""

    html: str
    file: str
    spans: tuple[_Span, ...]
    html_lines: tuple[int, ...]  # offsets where the HTML's lines start
    source_lines: tuple[int, ...]  # offsets where the MJML source's lines start

    def locate(self, line: int, col: int) -> tuple[int, int]:
        """The MJML source's (line, col) for a position in the HTML: inside a construct, the
        same character of it; in markup mrml wrote, the construct before it (or 1:1)."""
        if line < 1 or line > len(self.html_lines):
            return line, col
        offset = self.html_lines[line - 1] + col - 1
        i = bisect.bisect_right([s.start for s in self.spans], offset) - 1
        if i < 0:
            return 1, 1
        span = self.spans[i]
        source = span.source + min(offset, span.end - 1) - span.start
        row = bisect.bisect_right(self.source_lines, source) - 1
        return row + 1, source - self.source_lines[row] + 1

    def relocate(self, tree: ir.Template) -> ir.Template:
        """The IR of the HTML with every position in the MJML source."""
        return _remap(tree, self._pos)  # type: ignore[no-any-return]

    def relocate_error(self, exc: TemplateError) -> TemplateError:
        """The same error, at its place in the MJML source."""
        line, col = getattr(exc, "line", None), getattr(exc, "col", None)
        if isinstance(line, int) and line > 0:
            exc.line, exc.col = self.locate(line, col if isinstance(col, int) and col > 0 else 1)
        return exc

    def _pos(self, pos: ir.Pos) -> ir.Pos:
        if pos.line <= 0:
            return pos
        return ir.Pos(*self.locate(pos.line, pos.col))


def _remap(value: Any, fn: Any) -> Any:
    if isinstance(value, ir.Pos):
        return fn(value)
    if isinstance(value, tuple):
        return tuple(_remap(v, fn) for v in value)
    if isinstance(value, list):
        return [_remap(v, fn) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for f in dataclasses.fields(value):
            old = getattr(value, f.name)
            new = _remap(old, fn)
            if new is not old:
                changes[f.name] = new
        return dataclasses.replace(value, **changes) if changes else value
    return value


def _line_starts(text: str) -> tuple[int, ...]:
    return (0, *(m.end() for m in re.finditer("\n", text)))


def _units(tags: list[Tag]) -> list[tuple[int, int, Tag]]:
    """The source's constructs, in order: (start, end, first tag). A trans block and a raw
    block are one construct each; comments are left to mrml (MJML keeps none of them)."""
    units: list[tuple[int, int, Tag]] = []
    i = 0
    while i < len(tags):
        tag = tags[i]
        closer = {"trans": "endtrans", "raw": "endraw"}.get(tag.inner.split(" ", 1)[0])
        end = tag.end
        if tag.kind == "{%" and closer is not None:
            j = i + 1
            while j < len(tags) and not (tags[j].kind == "{%" and tags[j].inner == closer):
                j += 1
            if j < len(tags):
                end = tags[j].end
                i = j
        if tag.kind != "{#":
            units.append((tag.start, end, tag))
        i += 1
    return units


@lru_cache(maxsize=256)
def compile_mjml(source: str, file: str) -> MjmlHtml:
    """mrml's HTML for `source` (an MJML template), constructs restored; TemplateError for
    MJML mrml cannot read or a construct it would lose (module docstring)."""
    try:
        import mrml
    except ImportError:  # pragma: no cover - a dependency
        raise TemplateError(f"{file}: MJML needs the mrml package (pip install mrml)") from None
    units = _units(scan(source))
    nonce = secrets.token_hex(4)
    while nonce in source:
        nonce = secrets.token_hex(4)
    masked: list[str] = []
    last = 0
    for n, (start, end, _) in enumerate(units):
        masked += [source[last:start], f"tkm{nonce}n{n}x"]
        last = end
    masked.append(source[last:])
    text = "".join(masked)
    try:
        html = mrml.to_html(text).content
    except Exception as exc:  # mrml's own error types, with its message
        message = " ".join(str(exc).split()) or type(exc).__name__
        raise TemplateError(f"MJML that mrml cannot read: {message}", file=file) from None
    html = _WRAPPER_LANG.sub(r"\1", html, count=1)
    placeholder = re.compile(f"tkm{nonce}n([0-9]+)x")
    seen = {int(m.group(1)) for m in placeholder.finditer(html)}
    for n, (_, _, tag) in enumerate(units):
        if n not in seen:
            where, hint = _where(text, text.index(f"tkm{nonce}n{n}x"))
            raise TemplateError(
                f"mrml drops or rewrites the template construct {_shown(tag)} {where}",
                file=file,
                line=tag.line,
                col=tag.col,
                hint=hint,
            )
    out: list[str] = []
    spans: list[_Span] = []
    size = 0
    last = 0
    for m in placeholder.finditer(html):
        start, end, _ = units[int(m.group(1))]
        chunk = html[last : m.start()]
        out.append(chunk)
        size += len(chunk)
        out.append(source[start:end])
        spans.append(_Span(size, size + end - start, start))
        size += end - start
        last = m.end()
    out.append(html[last:])
    result = "".join(out)
    return MjmlHtml(result, file, tuple(spans), _line_starts(result), _line_starts(source))


def _shown(tag: Tag) -> str:
    inner = tag.inner if len(tag.inner) <= 40 else tag.inner[:37] + "..."
    close = "}}" if tag.kind == "{{" else "%}"
    return f"{tag.kind} {inner} {close}"


def _where(text: str, offset: int) -> tuple[str, str]:
    """Where a construct stands (in an attribute of an MJML tag, or between components), and
    the way out there."""
    before = text[:offset]
    tag = _OPEN_TAG.search(before[before.rfind("<") :]) if "<" in before else None
    if tag is not None:
        attribute = _ATTRIBUTE_AT_END.search(before)
        name = attribute.group(1) if attribute else "an attribute"
        return (
            f"in the {name} attribute of <{tag.group(1)}>",
            "mrml computes with this attribute's value: write a fixed value there",
        )
    return (
        "(text between MJML components)",
        "wrap the construct in <mj-raw>…</mj-raw>, which mrml keeps as it is",
    )
