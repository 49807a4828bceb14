"""The `<html>` element of a message says the recipient's language and direction.

An HTML part whose source declares its language (`<html lang="en">`) gets the locale it is
rendered or compiled for: `lang="fr-FR"` (and `xml:lang`, if the source has it), and, for a
right-to-left language (Arabic, Hebrew, Persian, Urdu, …: CLDR's character order, through
Babel), `dir="rtl"`; a source `dir` becomes `ltr` for a left-to-right one. It is done once, on the
IR, before any emitter runs, so `render` and every compiled target print the same tag. A
source without `lang` is left as written, and so is a tag whose attributes hold template code
(`<html lang="{{ lang }}">`): the template then decides.
"""

from __future__ import annotations

import re

from .i18n.formats import is_rtl
from .template import ir

# The first `<html …>` start tag of a text, after any comments; its attributes, one by one.
_TAG_OR_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)|<html(?=[\s/>])", re.IGNORECASE | re.DOTALL)
_ATTRIBUTE = re.compile(
    r"""(?P<space>\s+)(?P<name>[^\s"'>/=]+)(?:\s*=\s*(?P<value>"[^"]*"|'[^']*'|[^\s"'=<>`]+))?"""
)
_TAG_END = re.compile(r"\s*/?>")


def localize_html(body: ir.Body, locale: str) -> ir.Body:
    """`body` with its `<html lang=…>` tag saying `locale` (and its direction); unchanged when
    the part has no such tag."""
    done = False

    def visit(nodes: ir.Body) -> ir.Body:
        nonlocal done
        out: list[ir.Node] = []
        for node in nodes:
            if done:
                out.append(node)
            elif isinstance(node, ir.Text):
                text, done = _retag(node.text, locale)
                out.append(ir.Text(text, node.translation) if done else node)
            elif isinstance(node, ir.If):
                branches = tuple((cond, visit(b)) for cond, b in node.branches)
                out.append(ir.If(branches, visit(node.else_), node.pos))
            elif isinstance(node, ir.For):
                loop_body = visit(node.body)
                out.append(ir.For(node.target, node.iterable, loop_body, node.else_, node.pos))
            else:
                out.append(node)
        return tuple(out)

    return visit(body)


def _retag(text: str, locale: str) -> tuple[str, bool]:
    """The text with its first `<html>` start tag rewritten, and whether it had one."""
    for m in _TAG_OR_COMMENT.finditer(text):
        if m.group().startswith("<!--"):
            continue
        return _rewritten(text, m.end(), locale), True
    return text, False


def _rewritten(text: str, start: int, locale: str) -> str:
    """The tag whose attributes start at `start`, with lang, xml:lang and dir for `locale`."""
    pos = start
    attributes: list[tuple[str, str, str | None]] = []  # (space, name, value as written)
    while True:
        m = _ATTRIBUTE.match(text, pos)
        if m is None:
            break
        attributes.append((m.group("space"), m.group("name"), m.group("value")))
        pos = m.end()
    end = _TAG_END.match(text, pos)
    names = [name.lower() for _, name, _ in attributes]
    if end is None or "lang" not in names:
        return text  # template code inside the tag, or no language declared: as written
    rtl = is_rtl(locale)
    out: list[str] = []
    for space, name, value in attributes:
        lowered = name.lower()
        if lowered in ("lang", "xml:lang"):
            value = f'"{locale}"'
        elif lowered == "dir":
            value = '"rtl"' if rtl else '"ltr"'
        out.append(space + name + ("" if value is None else "=" + value))
        if lowered == "lang" and rtl and "dir" not in names:
            out.append(' dir="rtl"')
    return text[:start] + "".join(out) + text[pos:]
