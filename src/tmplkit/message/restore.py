"""Step 4 of compile-time inlining: the template itself with css-inline's styles written in.

Not css-inline's serialization with the tokens put back: each start tag's `style` attribute is
set to what css-inline computed for it (found by its marker), the inlined `<style>` elements and
`<link>`s removed and the kept at-rules added at the top of the head, so that every message is
parsed from the same markup as without inlining (see tmplkit.message.inline).
"""

from __future__ import annotations

import html as htmlmod
import re

from ..html5 import Element
from ..targets.jinja import escape_delimiters
from .tags import (
    NotInlinable,
    Scan,
    Tokens,
    balanced,
    dynamic_attributes,
    dynamic_style,
    style_probe,
    substitute,
)


def restore(sc: Scan, tree: Element, marked: dict[int, list[Element]], tokens: Tokens) -> str:
    """The template with each start tag's style set to css-inline's, inlined <style>s removed and
    the at-rules block added."""
    src = sc.source
    edits: list[tuple[int, int, str]] = []
    dynamic_attrs = dynamic_attributes(sc)
    for tag in sc.starts:
        els = marked.get(tag.idx, [])
        if not els:
            if tag.name == "style" and tag.raw_end is not None:
                edits.append((tag.start, tag.raw_end[1], ""))
            elif tag.name == "link":
                edits.append((tag.start, tag.end, ""))
            continue
        styles = {el.attrs.get("style") for el in els}
        if len(styles) > 1:
            raise NotInlinable(f"<{tag.name}> at offset {tag.start} is copied by the parser")
        new = styles.pop()
        attr = next((a for a in tag.attrs if a.name == "style"), None)
        old = None
        if attr is not None:
            old = (
                htmlmod.unescape(substitute(sc, attr.value_start, attr.value_end, tokens))
                if attr.value_start >= 0
                else ""
            )
        if dynamic_style(tag, dynamic_attrs) is not None:
            if new != (old or "") + style_probe(tokens):
                raise NotInlinable(
                    f"a Jinja tag in the style of <{tag.name}>, which the stylesheet also styles"
                )
            continue
        if new is None or new == old:
            continue
        value = _attr_escape(new)
        if attr is None:
            at = tag.end - 2 if tag.self_closing else tag.end - 1
            edits.append((at, at, f' style="{value}"'))
        elif attr.value_start < 0:
            edits.append((attr.start, attr.name_end, f'style="{value}"'))
        elif attr.quote:
            edits.append((attr.value_start, attr.value_end, value))
        else:
            edits.append((attr.value_start, attr.value_end, f'"{value}"'))
    ids = {id(el) for els in marked.values() for el in els}
    edits.extend(_implied(sc, tree, marked, ids))
    edits.extend(_at_rules(sc, tree, ids))
    return _apply(src, edits)


def _apply(src: str, edits: list[tuple[int, int, str]]) -> str:
    """The source with each (start, end, text) edit made, in one pass; edits at the same place
    land last first. (They never overlap: each is in its own start tag or element.)"""
    order = sorted(range(len(edits)), key=lambda i: (edits[i][0], edits[i][1], -i))
    out: list[str] = []
    pos = 0
    for i in order:
        start, end, text = edits[i]
        out.append(src[pos:start])
        out.append(text)
        pos = end
    out.append(src[pos:])
    return "".join(out)


def _implied(
    sc: Scan, tree: Element, marked: dict[int, list[Element]], ids: set[int]
) -> list[tuple[int, int, str]]:
    """A styled element the parser implied (not in the template): written out where it can be,
    an implied <tbody> whose first row is not inside a block; refused otherwise."""
    edits: list[tuple[int, int, str]] = []
    start_tag: dict[int, int] | None = None  # id(element) -> its start tag's number
    for el in tree.iter():
        if el.tag == "#document" or id(el) in ids or "style" not in el.attrs:
            continue
        first = next((c for c in el.children if isinstance(c, Element)), None)
        if el.tag == "tbody" and first is not None and id(first) in ids:
            if start_tag is None:
                start_tag = {id(e): k for k, els in marked.items() for e in els}
            row = sc.starts[start_tag[id(first)]]
            tk = start_tag.get(id(el.parent))
            if tk is not None and balanced(sc.jtags, sc.starts[tk].end, row.start):
                value = _attr_escape(el.attrs["style"])
                edits.append((row.start, row.start, f'<tbody style="{value}">'))
                continue
        raise NotInlinable(
            f"the stylesheet styles a <{el.tag}> the template does not write: write it out"
        )
    return edits


def _at_rules(sc: Scan, tree: Element, ids: set[int]) -> list[tuple[int, int, str]]:
    """css-inline's block of kept at-rules, at the top of the head as css-inline puts it."""
    generated = [el for el in tree.iter() if el.tag == "style" and id(el) not in ids]
    if not generated:
        return []
    if len(generated) > 1:
        raise NotInlinable("css-inline wrote more than one <style> block")
    (style,) = generated
    css = "".join(c for c in style.children if isinstance(c, str))
    block = "<style>" + escape_delimiters(css) + "</style>"
    for name in ("head", "html"):
        tag = next((t for t in sc.starts if t.name == name), None)
        if tag is not None:
            return [(tag.end, tag.end, block)]
    doctype = re.match(r"\s*<!doctype[^>]*>", sc.source, re.I)
    at = doctype.end() if doctype else 0
    return [(at, at, block)]


def _attr_escape(value: str) -> str:
    value = value.replace("&", "&amp;").replace('"', "&quot;").replace("'", "&#39;")
    return escape_delimiters(value.replace("\u00a0", "&nbsp;"))


__all__ = ["restore"]
