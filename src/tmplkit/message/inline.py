"""Compile-time CSS inlining and plain-text derivation for an emitted Jinja HTML part.

`inline_html(jinja_html)` does once per template what the naive pipeline does per message
(render, then css-inline and an HTML-to-text pass): it returns a Jinja template (autoescape on)
whose every message equals css-inline applied to the message rendered from the source, and a
Jinja template (autoescape off) for the text part. When that equality cannot be promised it
raises NotInlinable, and the caller inlines each message instead.

How, in four steps:

1. Protect. Each Jinja tag becomes a token an HTML5 parser leaves in place: `<!--tk:7-->` in
   text (also between table rows, where text would be moved out of the table), `tkx7x` in
   attribute values, comments, `<title>` and scripts. A tag that prints a constant
   (`{{ "{" }}`) is replaced by what it prints. Each start tag gets a marker attribute
   (`data-tk-id="12"`) naming it. An `{% if %}` inside a start tag whose attribute the
   stylesheet can select on (class, id, style, `[attr]`) is first lifted out of the tag:
   `<tr class="{% if a %}x{% else %}y{% endif %}">…</tr>` becomes
   `{% if a %}<tr class="x">…</tr>{% else %}<tr class="y">…</tr>{% endif %}`, so each branch is
   inlined with the classes it really has.
2. Inline the protected document with css-inline (`inliner()`), `@media` and other at-rules
   kept in a `<style>` block at the top of the head.
3. Check, on css-inline's HTML5 tree, that the parser kept every block together: the tags of
   each `{% if %}`/`{% for %}` block must have the same parent element (implied elements such
   as `<tbody>` aside), or the rendered markup would differ from the compiled one.
4. Restore. The result is not css-inline's serialization with the tokens put back, but the
   template itself with each start tag's `style` attribute set to what css-inline computed for
   that tag (found by its marker), the inlined `<style>` elements removed and the at-rules
   block added: the markup every message is parsed from is the same as without inlining, so the
   HTML5 parser builds per message exactly the tree css-inline built, implied `<tbody>`,
   `<html>`, `<head>`, `<body>` and end tags included, whatever the loops print. (Serializing
   css-inline's tree would write the implied `<tbody>` after a leading `{% for %}`: one
   `<tbody>` per row. That trap and its kin — foster-parented text, `<p>` closed by a block —
   do not arise.)

The text part is derived from the same protected tree (after inlining, so CSS-hidden elements
are known), with the tokens put back: loops print one line per row (see tmplkit.message.textpart).

Where each part lives: the scan of the Jinja tags and their tokens in tags.py, the stylesheet's
selectors in stylesheet.py, the refusals in checks.py, step 4 in restore.py; step 1 (lifting and
protecting) and the whole procedure here.

Refused (NotInlinable), each with its reason: an output that may print HTML (`|safe`) other
than in a quoted attribute value (there, only without `guarded=True`: a value holding the
attribute's quote ends it and writes markup, and `InlinedParts.guard` names those messages,
and those with `&`, for the caller to inline on their own); a Jinja tag in a tag or attribute
name, or an output between attributes or in an unquoted value; an output in an attribute the
stylesheet selects on, or in a `style` attribute of an element the stylesheet styles; Jinja in
a `<style>` element; a structural selector (`:first-child`, `:nth-child()`, `+`, `~`…) that
may match an element whose siblings depend on the data (a loop's rows, a condition's
paragraph: see checks.check_structure), and `:empty` or `:has()` with any data-dependent markup; a
block whose tags the HTML5 parser separates; a style css-inline gives to an element the
template does not write (an implied `<body>`, or a `<tbody>` whose first row is inside a loop
or condition).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import css_inline

from ..html5 import VOID, Element, parse_serialized
from ..template import ir
from .checks import check_blocks, check_contexts, check_structure
from .restore import restore
from .stylesheet import css_info
from .tags import (
    ATTR,
    DATA,
    TAG,
    EndTag,
    JTag,
    NotInlinable,
    Scan,
    StartTag,
    Tokens,
    balanced,
    dynamic_attributes,
    dynamic_style,
    nesting_depth,
    scan,
    statement_blocks,
    style_probe,
    substitute,
)
from .textpart import derive_text

INLINER_OPTIONS: dict[str, Any] = {
    "keep_at_rules": True,  # @media, @font-face, @supports… stay in a <style> in the head
    "keep_link_tags": True,  # linked stylesheets (web fonts) are left for the mail client
    "load_remote_stylesheets": False,  # no network at compile time
}


@dataclass(frozen=True)
class InlinedParts:
    """Jinja templates: `html` for autoescape=True, CSS inlined; `text` for autoescape=False.

    `guard` (autoescape=True, empty when every message is served) prints something for a
    message `html` does not serve: that message is inlined on its own instead (rendered from
    the source, then `inliner().inline`). Only `inline_html(..., guarded=True)` makes one.
    """

    html: str
    text: str
    guard: str = ""


def inliner() -> css_inline.CSSInliner:
    """The css-inline configuration of inline_html: use it for per-message inlining too."""
    return css_inline.CSSInliner(**INLINER_OPTIONS)


# --- step 1: lift conditionals out of start tags -------------------------------------------------


def _element_ends(sc: Scan) -> dict[int, EndTag]:
    """The end tag of each start tag's element (by the start tag's number), matched by name and
    nesting as parentheses are: a start tag opens its name, an end tag closes the last one open."""
    open_by_name: dict[str, list[StartTag]] = {}
    ends: dict[int, EndTag] = {}
    starts = iter(sc.starts)
    start = next(starts, None)
    for end in sc.ends:
        while start is not None and start.start < end.start:
            open_by_name.setdefault(start.name, []).append(start)
            start = next(starts, None)
        opened = open_by_name.get(end.name)
        if opened:
            ends[opened.pop().idx] = end
    return ends


@dataclass
class _Lifting:
    """What lifting may still write: copies cost their length (see _lift)."""

    relevant: set[str]
    budget: int


def _lift(source: str, lifting: _Lifting, sc: Scan | None = None) -> str:
    """The source with every {% if %} of a start tag lifted out (see step 1), in one pass.

    Each element whose start tag holds a liftable {% if %} is written once per branch, and each
    copy is lifted in turn (another {% if %} of the same tag, the elements inside): the copies
    are what a lift of the first such tag in the whole document, repeated, would leave, without
    scanning the whole document again after each lift (which took time quadratic in its size).
    `sc` is the source's scan, when the caller has it.
    """
    sc = sc or scan(source)
    inside: dict[int, list[JTag]] = {}
    for j in sc.jtags:
        if j.kind == "{%" and (
            j.context == TAG
            or (j.context == ATTR and sc.starts[j.owner].attrs[j.attr].name in lifting.relevant)
        ):
            inside.setdefault(j.owner, []).append(j)
    if not inside:
        return source
    blocks = {b[0].n: b for b in statement_blocks(sc.jtags)}
    ends = _element_ends(sc)
    src = sc.source
    out: list[str] = []
    pos = 0
    for tag in sc.starts:
        if tag.idx not in inside or tag.start < pos:  # none, or inside an element lifted
            continue
        first = inside[tag.idx][0]
        if first.keyword != "if":
            raise NotInlinable(f"{first.text} in <{tag.name}> selects what the CSS matches")
        block = blocks[first.n]
        if any(j.end > tag.end for j in block):
            raise NotInlinable(f"{first.text} opened in <{tag.name}> closes outside it")
        if any(re.match(r"\{%[-+]|.*[-+]%\}$", j.text, re.S) for j in block):
            raise NotInlinable(f"whitespace control in {first.text} inside <{tag.name}>")
        rest_end = tag.end
        if tag.name not in VOID and not tag.self_closing:
            end_tag = ends.get(tag.idx)
            if end_tag is None:
                raise NotInlinable(f"<{tag.name}> at offset {tag.start} has no end tag")
            if not balanced(sc.jtags, tag.end, end_tag.start):
                raise NotInlinable(f"<{tag.name}> with {first.text} does not nest in its blocks")
            rest_end = end_tag.end
        before = src[tag.start : first.start]
        after = src[block[-1].end : tag.end]
        rest = src[tag.end : rest_end]
        heads = block[:-1]  # {% if %}, {% elif %}…, {% else %}: a block holds its own tags only
        copies = [
            (h.text, before + src[h.end : nxt.start] + after + rest)
            for h, nxt in zip(heads, [*heads[1:], block[-1]], strict=True)
        ]
        if heads[-1].keyword != "else":
            copies.append(("{% else %}", before + after + rest))
        out.append(src[pos : tag.start])
        for head, copy in copies:
            lifting.budget -= len(copy)
            if lifting.budget < 0:
                raise NotInlinable("lifting conditional attributes makes the template too large")
            out.append(head)
            out.append(_lift(copy, lifting))
        out.append(block[-1].text)
        pos = rest_end
    out.append(src[pos:])
    return "".join(out)


# --- the whole preparation ---------------------------------------------------------------------


def _token_prefix(source: str) -> str:
    """A prefix whose tokens, marker attribute and probe occur nowhere in the source."""

    def free(prefix: str) -> bool:
        uses = (f"{prefix}x", f"{prefix}:", f"data-{prefix}-id", f"{prefix}probe")
        return not any(use in source for use in uses)

    n = 0
    prefix = "tk"
    while not free(prefix):
        n += 1
        prefix = f"tk{n}q"
    return prefix


def _stylesheet(sc: Scan) -> str:
    css = []
    for tag in sc.starts:
        if tag.name == "style" and tag.raw_end is not None:
            inner_start, inner_end = tag.end, tag.raw_end[0]
            css.append(substitute(sc, inner_start, inner_end, None))
    return "\n".join(css)


def _protect(sc: Scan, tokens: Tokens, marker: str) -> str:
    """The protected document: tokens for Jinja tags, a marker attribute in each start tag."""
    out: list[str] = []
    pos = 0
    dynamic_attrs = dynamic_attributes(sc)
    for tag in sc.starts:
        out.append(substitute(sc, pos, tag.name_end, tokens))
        out.append(f' {marker}="{tag.idx}"')
        pos = tag.name_end
        dynamic = dynamic_style(tag, dynamic_attrs)
        if dynamic is not None:
            out.append(substitute(sc, pos, dynamic.value_end, tokens) + style_probe(tokens))
            pos = dynamic.value_end
    out.append(substitute(sc, pos, len(sc.source), tokens))
    return "".join(out)


def inline_html(jinja_html: str, *, guarded: bool = False) -> InlinedParts:
    """The emitted Jinja HTML part, CSS inlined at compile time, and its derived text part.

        Both results are Jinja template texts: `html` renders (autoescape=True) every message equal
        to `inliner().inline(<the message rendered from jinja_html>)`, up to how the HTML5 parser
        reads it; `text` renders (autoescape=False) its plain-text part. Raises NotInlinable when
        that cannot be promised (see the module's docstring).

        `guarded=True` is for a caller that honours `InlinedParts.guard`: it accepts `|safe` in a
        quoted attribute value (`href="{{ url|safe }}"`), which writes markup of its own only when
        the value holds the attribute's quote; the guard names those messages (and those whose value
    holds `&`, which the derived text part would print undecoded).
    """
    source = jinja_html
    sc = scan(source)
    info = css_info(_stylesheet(sc))
    relevant = info.attrs | {"style"} if info.rules else set()
    limit = 16 * len(jinja_html) + 10_000
    # The budget counts copies of copies too: it bounds the work; the limit bounds the result.
    source = _lift(source, _Lifting(relevant, 4 * limit), sc)
    if source is not jinja_html:
        if len(source) > limit:
            raise NotInlinable("lifting conditional attributes makes the template too large")
        sc = scan(source)
        if nesting_depth(sc.jtags) > ir.MAX_DEPTH:
            raise NotInlinable(
                f"lifting conditional attributes nests the template more than {ir.MAX_DEPTH}"
                " levels deep"
            )
    check_contexts(sc, info, guarded)

    tokens = Tokens([j.text for j in sc.jtags], _token_prefix(source))
    marker = f"data-{tokens.prefix}-id"
    protected = _protect(sc, tokens, marker)
    try:
        inlined = str(inliner().inline(protected))
    except Exception as exc:  # css-inline's errors: invalid CSS and the like
        raise NotInlinable(f"css-inline: {exc}") from None
    tree = parse_serialized(inlined)
    marked: dict[int, list[Element]] = {}
    for el in tree.iter():
        if marker in el.attrs:
            marked.setdefault(int(el.attrs.pop(marker)), []).append(el)
    check_blocks(sc, tree, tokens, marked)
    check_structure(sc, info, tree, marked)
    html = restore(sc, tree, marked, tokens)
    try:
        text = derive_text(tree, Tokens(_text_part_tags(sc), tokens.prefix))
    except ValueError as exc:
        raise NotInlinable(f"text part: {exc}") from None
    return InlinedParts(html, text, _guard(sc))


_OUTPUT_EXPRESSION = re.compile(r"\{\{[-+]?(.*?)[-+]?\}\}", re.S)


def _guard(sc: Scan) -> str:
    """InlinedParts.guard: prints something when a `|safe` value in an attribute holds the
    quote of its attribute, which ends the attribute there and lets the rest of the value write
    attributes and elements of its own (css-inline would style those, and the prepared HTML
    cannot), or holds `&`, which may start a character reference: the HTML part reads it as the
    message does, but the text part would print it undecoded. It keeps the template's
    statements, so each output is checked where, and as often as, it prints."""
    if not any(j.raw_html for j in sc.jtags):
        return ""
    out: list[str] = []
    for j in sc.jtags:
        if j.kind == "{%":
            out.append(j.text)
        elif j.raw_html:
            quote = sc.starts[j.owner].attrs[j.attr].quote
            m = _OUTPUT_EXPRESSION.fullmatch(j.text)
            assert m is not None and quote in ('"', "'")
            literal = "'\"'" if quote == '"' else '"\'"'
            out.append(
                f"{{% with tk_guard_value = ({m.group(1)})|string %}}"
                f'{{% if {literal} in tk_guard_value or "&" in tk_guard_value %}}!{{% endif %}}'
                "{% endwith %}"
            )
    return "".join(out)


_STRING = r'"(?:[^"\\]|\\.)*"'
_CHECK_URL = re.compile(rf"\|check_url\({_STRING}(?:, suffix={_STRING})?(?:, open=true)?\)")


def _text_part_tags(sc: Scan) -> list[str]:
    """The Jinja tags as the text part prints them.

    The text part writes a link's address after its text, unless the text is the address
    (`<a href="{{ u }}">{{ u }}</a>`), which textpart.py sees by comparing the two tags. The address
    of such a link is checked (`|check_url`) and its text is not, so the address is given
    unchecked there: the text part then prints the link's text alone, as before. Any other
    address keeps its check (the text part prints what the HTML part links to).
    """
    tags = [j.text for j in sc.jtags]
    links = [
        j
        for j in sc.jtags
        if j.context == ATTR
        and "|check_url(" in j.text
        and sc.starts[j.owner].name == "a"
        and sc.starts[j.owner].attrs[j.attr].name == "href"
    ]
    ends = [e.start for e in sc.ends if e.name == "a"]
    jtags = sc.jtags
    e = k = 0
    for j in links:  # in order, like the end tags and the Jinja tags: one pass over each
        tag = sc.starts[j.owner]
        while e < len(ends) and ends[e] < tag.end:
            e += 1
        stop = ends[e] if e < len(ends) else len(sc.source)
        while k < len(jtags) and jtags[k].start < tag.end:
            k += 1
        plain = _CHECK_URL.sub("", j.text)
        while k < len(jtags) and jtags[k].start < stop:
            if jtags[k].context == DATA and jtags[k].text == plain:
                tags[j.n] = plain
            k += 1
    return tags


__all__ = ["INLINER_OPTIONS", "InlinedParts", "NotInlinable", "inline_html", "inliner"]
