"""Compile-time CSS inlining and plain-text derivation for an emitted Jinja HTML part.

`prepare_html(jinja_html)` does once per template what the naive pipeline does per message
(render, then css-inline and an HTML-to-text pass): it returns a Jinja template (autoescape on)
whose every message equals css-inline applied to the message rendered from the source, and a
Jinja template (autoescape off) for the text part. When that equality cannot be promised it
raises NotPreparable, and the caller inlines each message instead.

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
are known), with the tokens put back: loops print one line per row (see tmplkit.text).

Refused (NotPreparable), each with its reason: an output that may print HTML (`|safe`) other
than in a quoted attribute value (there, only without `guarded=True`: a value holding the
attribute's quote ends it and writes markup, and `PreparedParts.guard` names those messages,
and those with `&`, for the caller to inline on their own); a Jinja tag in a tag or attribute
name, or an output between attributes or in an unquoted value; an output in an attribute the
stylesheet selects on, or in a `style` attribute of an element the stylesheet styles; Jinja in
a `<style>` element; a structural selector (`:first-child`, `:nth-child()`, `+`, `~`…) that
may match an element whose siblings depend on the data (a loop's rows, a condition's
paragraph: see _check_structure), and `:empty` or `:has()` with any data-dependent markup; a
block whose tags the HTML5 parser separates; a style css-inline gives to an element the
template does not write (an implied `<body>`, or a `<tbody>` whose first row is inside a loop
or condition).
"""

from __future__ import annotations

import html as htmlmod
import re
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import css_inline
import jinja2
from jinja2 import nodes as jn

from . import ir
from .errors import TmplkitError
from .htmlcontext import RAW_TEXT_ELEMENTS
from .parse import Tag, _scan
from .targets.jinja import escape_delimiters, shared_environment
from .text import VOID, Element, Tokens, derive_text, parse_serialized

INLINER_OPTIONS: dict[str, Any] = {
    "keep_at_rules": True,  # @media, @font-face, @supports… stay in a <style> in the head
    "keep_link_tags": True,  # linked stylesheets (web fonts) are left for the mail client
    "load_remote_stylesheets": False,  # no network at compile time
}
STATEMENTS = frozenset({"if", "elif", "else", "endif", "for", "endfor"})
RAW_ELEMENTS = RAW_TEXT_ELEMENTS  # <script>, <style>, <title>…: text up to their end tag


class NotPreparable(TmplkitError):
    """The template cannot be inlined at compile time exactly; inline each message instead."""


@dataclass(frozen=True)
class PreparedParts:
    """Jinja templates: `html` for autoescape=True, CSS inlined; `text` for autoescape=False.

    `guard` (autoescape=True, empty when every message is served) prints something for a
    message `html` does not serve: that message is inlined on its own instead (rendered from
    the source, then `inliner().inline`). Only `prepare_html(..., guarded=True)` makes one.
    """

    html: str
    text: str
    guard: str = ""


def inliner() -> css_inline.CSSInliner:
    """The css-inline configuration of prepare_html: use it for per-message inlining too."""
    return css_inline.CSSInliner(**INLINER_OPTIONS)


@lru_cache(maxsize=1)
def _parser() -> css_inline.CSSInliner:
    return css_inline.CSSInliner(
        inline_style_tags=False,
        keep_style_tags=True,
        keep_link_tags=True,
        load_remote_stylesheets=False,
    )


def html5_serialize(html: str) -> str:
    """HTML parsed by the HTML5 algorithm (html5ever, through css-inline, inlining nothing) and
    serialized: implied elements and end tags written out."""
    return str(_parser().inline(html))


# --- Jinja tags and their HTML context ---------------------------------------------------------

DATA, ATTR, TAG, NAME, COMMENT, RAW = "data", "attr", "tag", "name", "comment", "raw"


@dataclass(slots=True)
class JTag:
    n: int
    start: int
    end: int
    text: str
    kind: str  # "{{", "{%" or "{#"
    keyword: str  # a statement's first word
    literal: str | None  # what an output of constants prints (autoescaped)
    context: str = DATA
    owner: int = -1  # start tag (attr, tag, raw) or comment number
    attr: int = -1
    quoted: bool = True
    raw_html: bool = False  # an output that prints its value unescaped (`|safe`)
    line: int = 0

    @property
    def dynamic(self) -> bool:
        """Prints data, or is a statement (a comment `{# #}` and a constant are neither)."""
        return self.kind == "{%" or (self.kind == "{{" and self.literal is None)


@dataclass(slots=True)
class Attr:
    name: str
    start: int
    name_end: int
    value_start: int = -1
    value_end: int = -1
    quote: str = ""


@dataclass(slots=True)
class StartTag:
    idx: int
    name: str
    start: int
    name_end: int
    end: int = -1
    attrs: list[Attr] = field(default_factory=list)
    self_closing: bool = False
    raw_end: tuple[int, int] | None = None  # the end tag of a raw-text element


@dataclass(slots=True)
class EndTag:
    name: str
    start: int
    end: int


@dataclass(slots=True)
class Scan:
    source: str
    jtags: list[JTag]
    starts: list[StartTag]
    ends: list[EndTag]


def _classify(source: str, tags: list[Tag]) -> list[JTag]:
    out: list[JTag] = []
    for n, tag in enumerate(tags):
        text = source[tag.start : tag.end]
        keyword = tag.inner.split(None, 1)[0] if tag.kind == "{%" and tag.inner else ""
        literal = None
        raw_html = False
        if tag.kind == "{%" and keyword not in STATEMENTS:
            raise NotPreparable(f"line {tag.line}: unsupported Jinja statement {text}")
        if tag.kind == "{{":
            literal, raw_html = _output_literal(text, tag.line)
        jtag = JTag(n, tag.start, tag.end, text, tag.kind, keyword, literal, raw_html=raw_html)
        jtag.line = tag.line
        out.append(jtag)
    return out


_PLAIN_OUTPUT = re.compile(r"\{\{[-+]?\s*[A-Za-z_][\w.\[\]]*(?:\|(?!safe\b)\w+)*\s*[-+]?\}\}")


def _output_literal(text: str, line: int) -> tuple[str | None, bool]:
    """What a constant output prints (None for one that prints data), and whether the output
    prints unescaped HTML (`|safe`: then it is data, even of constants)."""
    if _PLAIN_OUTPUT.fullmatch(text):
        return None, False  # a path with filters but no arguments: data, never |safe
    try:
        return _output_literal_parsed(text)
    except NotPreparable as exc:
        raise NotPreparable(f"line {line}: {exc}") from None


@lru_cache(maxsize=4096)
def _output_literal_parsed(text: str) -> tuple[str | None, bool]:
    """_output_literal by the tag's text alone: the same output on a thousand lines is parsed
    once."""
    try:
        template = shared_environment(True).parse(text)
    except jinja2.TemplateSyntaxError as exc:
        raise NotPreparable(exc.message or "syntax error") from None
    escaped = False
    for f in reversed(list(template.find_all(jn.Filter))):  # innermost first
        if f.name in ("escape", "e"):
            escaped = True
        elif f.name == "safe" and not escaped:
            return None, True
    if any(True for _ in template.find_all(jn.Name)):
        return None, False
    return str(shared_environment(True).from_string(text).render()), False


_TAG_NAME = re.compile(r"[^\s/>]*")
_WS = " \t\n\r\f"


def scan(source: str) -> Scan:
    """The Jinja tags of an HTML template, each with its HTML context, and the HTML tags."""
    jtags = _classify(source, _scan(source))
    starts: list[StartTag] = []
    ends: list[EndTag] = []
    n = len(source)
    i = k = 0
    state = DATA
    tag: StartTag | None = None
    attr: Attr | None = None
    comments = -1
    raw: StartTag | None = None

    def emit_tag(end: int) -> str:
        assert tag is not None
        tag.end = end
        if tag.name in RAW_ELEMENTS:
            nonlocal raw
            raw = tag
            return RAW
        return DATA

    while i < n:
        if k < len(jtags) and jtags[k].start == i:
            j = jtags[k]
            k += 1
            i = j.end
            if state == DATA:
                j.context = DATA
            elif state in ("comment", "bogus"):
                j.context, j.owner = COMMENT, comments
            elif state == RAW:
                assert raw is not None
                j.context, j.owner = RAW, raw.idx
            elif state == "attr_name" and j.kind == "{%":
                assert tag is not None and attr is not None
                attr.name_end = j.start  # `hidden{% endif %}`: the statement ends the name
                attr.name = source[attr.start : j.start].lower()
                j.context, j.owner, state = TAG, tag.idx, "after_attr_name"
            elif state in ("tag_name", "attr_name", "end_tag"):
                j.context = NAME
            elif state in ("before_value", "dq", "sq", "uq"):
                assert tag is not None and attr is not None
                if state == "before_value":
                    attr.value_start, state = j.start, "uq"
                j.context, j.owner, j.attr = ATTR, tag.idx, len(tag.attrs) - 1
                j.quoted = state != "uq"
                if state == "uq":
                    attr.value_end = j.end
            else:
                assert tag is not None
                j.context, j.owner = TAG, tag.idx
            continue
        limit = jtags[k].start if k < len(jtags) else n
        if state == DATA:
            lt = source.find("<", i, limit)
            if lt < 0:
                i = limit
                continue
            i = lt
            nxt = source[i + 1] if i + 1 < limit else ""
            if source.startswith("<!--", i) and i + 4 <= limit:
                state, i = "comment", i + 4
                comments += 1
            elif nxt in ("!", "?"):
                state, i = "bogus", i + 2
                comments += 1
            elif (
                nxt == "/" and i + 2 < limit and source[i + 2].isascii() and source[i + 2].isalpha()
            ):
                m = _TAG_NAME.match(source, i + 2, limit)
                assert m is not None
                ends.append(EndTag(m.group().lower(), i, -1))
                state, i = "end_tag", m.end()
            elif nxt.isascii() and nxt.isalpha():
                m = _TAG_NAME.match(source, i + 1, limit)
                assert m is not None
                tag = StartTag(len(starts), m.group().lower(), i, m.end())
                starts.append(tag)
                state, i = "tag_name", m.end()
            else:
                i += 1
        elif state == "comment":
            close = source.find("-->", i, limit)
            state, i = (DATA, close + 3) if close >= 0 else (state, limit)
        elif state in ("bogus", "end_tag"):
            close = source.find(">", i, limit)
            if close < 0:
                i = limit
                continue
            if state == "end_tag":
                ends[-1].end = close + 1
            state, i = DATA, close + 1
        elif state == RAW:
            assert raw is not None
            m2 = re.compile(rf"</{re.escape(raw.name)}(?=[\s/>])", re.I).search(source, i, limit)
            if m2 is None:
                i = limit
                continue
            close = source.find(">", m2.end())
            end = n if close < 0 else close + 1
            raw.raw_end = (m2.start(), end)
            state, i = DATA, end
        else:
            assert tag is not None
            while i < limit and state not in (DATA, RAW):
                c = source[i]
                if state == "tag_name":
                    state = "before_attr"
                    continue
                if state == "dq" or state == "sq":
                    close = source.find('"' if state == "dq" else "'", i, limit)
                    if close < 0:
                        i = limit
                        break
                    assert attr is not None
                    attr.value_end, state, i = close, "after_value", close + 1
                    continue
                if state == "uq":
                    assert attr is not None
                    if c in _WS:
                        attr.value_end, state = i, "before_attr"
                    elif c == ">":
                        attr.value_end = i
                        state = emit_tag(i + 1)
                    else:
                        attr.value_end = i + 1
                    i += 1
                    continue
                if state == "attr_name":
                    if c in _WS + "/>=":
                        assert attr is not None
                        attr.name_end = i
                        attr.name = source[attr.start : i].lower()
                        state = "after_attr_name"
                        continue
                    i += 1
                    continue
                if state == "before_value":
                    if c in _WS:
                        i += 1
                    elif c in "\"'":
                        assert attr is not None
                        attr.value_start, attr.quote = i + 1, c
                        state, i = ("dq" if c == '"' else "sq"), i + 1
                    elif c == ">":
                        state = emit_tag(i + 1)
                        i += 1
                    else:
                        assert attr is not None
                        attr.value_start, state = i, "uq"
                    continue
                # before_attr, after_attr_name, after_value
                if c in _WS:
                    if state == "after_value":
                        state = "before_attr"
                    i += 1
                elif c == "/":
                    if source.startswith(">", i + 1):
                        tag.self_closing = True
                        state = emit_tag(i + 2)
                        i += 2
                    else:
                        state = "before_attr"
                        i += 1
                elif c == ">":
                    state = emit_tag(i + 1)
                    i += 1
                elif c == "=" and state == "after_attr_name":
                    state = "before_value"
                    i += 1
                else:
                    attr = Attr("", i, i)
                    tag.attrs.append(attr)
                    state = "attr_name"
                    i += 1
    return Scan(source, jtags, starts, ends)


# --- the stylesheet: what its selectors depend on -----------------------------------------------

_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_CSS_STRING = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'", re.S)
_STRUCTURAL = re.compile(
    r":(?:first-child|last-child|only-child|nth-|first-of-type|last-of-type|only-of-type|"
    r"empty|has\()",
    re.I,
)
_PSEUDO_ATTRS = {
    "lang": "lang",
    "dir": "dir",
    "checked": "checked",
    "disabled": "disabled",
    "enabled": "disabled",
    "required": "required",
    "optional": "required",
    "read-only": "readonly",
    "read-write": "readonly",
    "link": "href",
    "any-link": "href",
    "default": "selected",
    "placeholder-shown": "placeholder",
}


@dataclass(frozen=True, slots=True)
class CompoundKey:
    """What an element must have to match a compound selector, at least: its name, classes and
    id. The compound's other conditions are left out, so the key matches more, never less."""

    tag: str | None = None  # all three lowercased: a document in quirks mode matches classes
    classes: frozenset[str] = frozenset()  # and ids regardless of case
    id: str | None = None

    def may_match(self, el: Element) -> bool:
        if self.tag is not None and el.tag.lower() != self.tag:
            return False
        if self.id is not None and el.attrs.get("id", "").lower() != self.id:
            return False
        if not self.classes:
            return True
        return self.classes <= set(_ASCII_WS.split(el.attrs.get("class", "").lower()))


_ASCII_WS = re.compile(r"[ \t\n\f\r]+")


@dataclass(frozen=True, slots=True)
class StructuralSelector:
    """A complex selector that depends on siblings (`li:first-child`, `p + .stat`)."""

    text: str
    keys: tuple[CompoundKey, ...]  # each compound's: it matches nothing if one matches nothing
    structural: tuple[CompoundKey, ...]  # the compounds whose match depends on siblings


@dataclass
class CssInfo:
    rules: bool = False  # any style rule at all
    attrs: set[str] = field(default_factory=set)  # attributes selectors depend on
    structural: bool = False  # a rule css-inline inlines depends on siblings or emptiness
    selectors: list[StructuralSelector] = field(default_factory=list)  # those rules' selectors
    deep: bool = False  # among them :empty or :has(), which depend on an element's content


def css_info(css: str) -> CssInfo:
    """What the selectors of a stylesheet read, for deciding which Jinja constructs matter."""
    info = CssInfo()
    css = _CSS_COMMENT.sub(" ", css)
    depth = 0
    prelude: list[str] = []
    blocks: list[bool] = []  # per open block: is it a style rule?
    pos = 0
    for m in re.finditer(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|[{};]", css, re.S):
        tok = m.group()
        if tok in "{};":
            prelude.append(css[pos : m.start()])
        else:
            prelude.append(css[pos : m.end()])
        pos = m.end()
        if tok == "{":
            text = "".join(prelude).strip()
            prelude.clear()
            in_rule = bool(blocks and blocks[-1])
            if in_rule:
                blocks.append(True)
            elif text.startswith("@"):
                blocks.append(False)
            else:
                blocks.append(True)
                info.rules = True
                _selector_info(text, info, top=depth == 0)
            depth += 1
        elif tok == "}":
            prelude.clear()
            if blocks:
                blocks.pop()
            depth = max(0, depth - 1)
        elif tok == ";":
            prelude.clear()
    return info


def _selector_info(selector: str, info: CssInfo, top: bool) -> None:
    plain = _CSS_STRING.sub('""', selector)
    if re.search(r"\.-?[_a-zA-Z\\\u0080-\uffff]", plain):
        info.attrs.add("class")
    if re.search(r"#-?[_a-zA-Z\\\u0080-\uffff]", plain):
        info.attrs.add("id")
    info.attrs.update(a.lower() for a in re.findall(r"\[\s*(?:[\w*-]*\|)?([\w-]+)", plain))
    for pseudo in re.findall(r":([a-z-]+)", plain, re.I):
        if pseudo.lower() in _PSEUDO_ATTRS:
            info.attrs.add(_PSEUDO_ATTRS[pseudo.lower()])
    if top:
        bare = re.sub(r"\[[^\]]*\]", "", plain)  # [href~=x] is no sibling; :is(a + b) is
        if _STRUCTURAL.search(plain) or re.search(r"[+~]", bare):
            info.structural = True
            for complex_selector in _split_outside_brackets(plain, ","):
                found = _structural_selector(complex_selector.strip())
                if found is not None:
                    info.selectors.append(found)
            if re.search(r":(?:empty|has\()", plain, re.I):
                info.deep = True


def _split_outside_brackets(text: str, separators: str) -> list[str]:
    """`text` cut at each separator outside () and []: a selector list into its selectors."""
    parts: list[str] = []
    depth = start = 0
    for i, c in enumerate(text):
        if c in "([":
            depth += 1
        elif c in ")]":
            depth = max(0, depth - 1)
        elif depth == 0 and c in separators:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _compounds(selector: str) -> list[tuple[str, str]]:
    """A complex selector's compounds, each with the combinator before it ("" for the first,
    " " for a descendant)."""
    out: list[tuple[str, str]] = []
    depth = 0
    combinator = ""
    current: list[str] = []
    for c in selector:
        if c in "([":
            depth += 1
        elif c in ")]":
            depth = max(0, depth - 1)
        elif depth == 0 and c in _WS + ">+~":
            if current:
                out.append((combinator, "".join(current)))
                current.clear()
                combinator = " "
            if c not in _WS:
                combinator = c
            continue
        current.append(c)
    if current:
        out.append((combinator, "".join(current)))
    return out


_KEY_NAME = r"(-?[_a-zA-Z\u0080-\uffff][\w\u0080-\uffff-]*)"


def _compound_key(compound: str) -> CompoundKey:
    bare = re.sub(r"\[[^\]]*\]", "", compound)
    while True:  # arguments of :not(), :is(), :nth-child()…, innermost first
        shorter = re.sub(r"\([^()]*\)", "", bare)
        if shorter == bare:
            break
        bare = shorter
    if "\\" in bare or "|" in bare:  # escapes, namespaces: read as matching anything
        return CompoundKey()
    name = re.match(r"[A-Za-z][\w-]*", bare)
    ids = re.findall("#" + _KEY_NAME, bare)
    return CompoundKey(
        name.group().lower() if name else None,
        frozenset(c.lower() for c in re.findall(r"\." + _KEY_NAME, bare)),
        ids[0].lower() if ids else None,
    )


def _structural_selector(selector: str) -> StructuralSelector | None:
    compounds = _compounds(selector)
    if not compounds:
        return None
    keys = tuple(_compound_key(c) for _, c in compounds)
    structural = []
    for i, (combinator, compound) in enumerate(compounds):
        after = compounds[i + 1][0] if i + 1 < len(compounds) else ""
        inner = re.sub(r"\[[^\]]*\]", "", compound)
        if (
            _STRUCTURAL.search(compound)
            or combinator in ("+", "~")
            or after in ("+", "~")
            or ("(" in inner and re.search(r"[+~]", inner))  # :is(a + b), :nth-child(2n+1)
        ):
            structural.append(keys[i])
    if not structural:
        return None
    return StructuralSelector(selector, keys, tuple(structural))


# --- structural selectors: whose siblings depend on the data ------------------------------------


def _open_blocks(sc: Scan) -> list[tuple[int, ...]]:
    """Per start tag, the {% if %}/{% for %} blocks in text open around it (their numbers)."""
    out: list[tuple[int, ...]] = []
    stack: list[int] = []
    k = 0
    for tag in sc.starts:
        while k < len(sc.jtags) and sc.jtags[k].start < tag.start:
            j = sc.jtags[k]
            k += 1
            if j.kind != "{%" or j.context != DATA:
                continue
            if j.keyword in ("if", "for"):
                stack.append(j.n)
            elif j.keyword in ("endif", "endfor") and stack:
                stack.pop()
        out.append(tuple(stack))
    return out


_ALWAYS_IMPLIED = frozenset({"html", "head", "body"})


def _unstable(sc: Scan, tree: Element, marked: dict[int, list[Element]]) -> list[Element]:
    """The elements whose siblings may differ between messages: the children of an element
    with a child inside a block it is not inside itself (a loop's rows, a condition's
    paragraph, each branch of a lifted class), or with a child the parser implies (a <tbody>,
    there or not as a loop prints rows or none). Outputs print text only: they move no
    element (`|safe` in text is refused before)."""
    blocks = _open_blocks(sc)
    index = {id(el): k for k, els in marked.items() for el in els}
    varying_parents: set[int] = set()
    for el in tree.iter():
        parent = el.parent
        if parent is None:
            continue
        k = index.get(id(el))
        if k is None:
            if el.tag not in _ALWAYS_IMPLIED:
                varying_parents.add(id(parent))
            continue
        ancestor: Element | None = parent
        while ancestor is not None and id(ancestor) not in index:
            ancestor = ancestor.parent
        outer = blocks[index[id(ancestor)]] if ancestor is not None else ()
        if blocks[k] != outer:
            varying_parents.add(id(parent))
    return [el for el in tree.iter() if el.parent is not None and id(el.parent) in varying_parents]


def _check_structure(
    sc: Scan, info: CssInfo, tree: Element, marked: dict[int, list[Element]]
) -> None:
    """Refuses a structural selector that may match an element whose siblings depend on the
    data. A selector one of whose compounds matches no element of the template (every
    element a message has is a copy of one) matches nothing in any message."""
    if not info.selectors:
        return
    elements = [el for el in tree.iter() if el.parent is not None]
    live = [s for s in info.selectors if all(any(k.may_match(e) for e in elements) for k in s.keys)]
    if not live:
        return
    unstable = _unstable(sc, tree, marked)
    for selector in live:
        for key in selector.structural:
            el = next((e for e in unstable if key.may_match(e)), None)
            if el is not None:
                raise NotPreparable(
                    f"the structural selector {selector.text!r} may match a <{el.tag}> whose"
                    " siblings depend on the data"
                )


# --- step 1: lift conditionals out of start tags -------------------------------------------------


def _statement_blocks(jtags: list[JTag]) -> list[list[JTag]]:
    """The statement tags grouped by block ({% if %} … {% endif %}), in order of opening."""
    blocks: list[list[JTag]] = []
    stack: list[list[JTag]] = []
    for j in jtags:
        if j.kind != "{%":
            continue
        if j.keyword in ("if", "for"):
            stack.append([j])
            blocks.append(stack[-1])
        elif not stack:
            raise NotPreparable(f"{j.text} without its opening tag")
        else:
            stack[-1].append(j)
            if j.keyword in ("endif", "endfor"):
                stack.pop()
    if stack:
        raise NotPreparable(f"{stack[-1][0].text} is never closed")
    return blocks


def _context_key(j: JTag) -> tuple[str, int, int]:
    if j.context == DATA:
        return (DATA, -1, -1)
    return (j.context, j.owner, j.attr if j.context == ATTR else -1)


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


def _within(jtags: list[JTag], start: int, end: int) -> Iterator[JTag]:
    """The Jinja tags wholly between two offsets, found by bisection (tags are in order)."""
    i = bisect_left(jtags, start, key=lambda j: j.start)
    while i < len(jtags) and jtags[i].start < end:
        if jtags[i].end <= end:
            yield jtags[i]
        i += 1


def _balanced(jtags: list[JTag], start: int, end: int) -> bool:
    depth: int | None = 0
    for j in _within(jtags, start, end):
        depth = _after(j, depth)
        if depth is None:
            return False
    return depth == 0


def _after(j: JTag, depth: int | None) -> int | None:
    """How many if/for statements are open after `j`, `depth` being open before it; None once
    an end, else or elif closed or continued one that was not opened (nothing is balanced after)."""
    if depth is None or j.kind != "{%":
        return depth
    if j.keyword in ("if", "for"):
        return depth + 1
    if j.keyword in ("endif", "endfor"):
        return depth - 1 if depth > 0 else None
    return depth if depth > 0 else None


def _nesting(jtags: list[JTag]) -> int:
    """How deeply the template's statements nest."""
    depth = deepest = 0
    for j in jtags:
        if j.keyword in ("if", "for"):
            depth += 1
            deepest = max(deepest, depth)
        elif j.keyword in ("endif", "endfor"):
            depth -= 1
    return deepest


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
    blocks = {b[0].n: b for b in _statement_blocks(sc.jtags)}
    ends = _element_ends(sc)
    src = sc.source
    out: list[str] = []
    pos = 0
    for tag in sc.starts:
        if tag.idx not in inside or tag.start < pos:  # none, or inside an element lifted
            continue
        first = inside[tag.idx][0]
        if first.keyword != "if":
            raise NotPreparable(f"{first.text} in <{tag.name}> selects what the CSS matches")
        block = blocks[first.n]
        if any(j.end > tag.end for j in block):
            raise NotPreparable(f"{first.text} opened in <{tag.name}> closes outside it")
        if any(re.match(r"\{%[-+]|.*[-+]%\}$", j.text, re.S) for j in block):
            raise NotPreparable(f"whitespace control in {first.text} inside <{tag.name}>")
        rest_end = tag.end
        if tag.name not in VOID and not tag.self_closing:
            end_tag = ends.get(tag.idx)
            if end_tag is None:
                raise NotPreparable(f"<{tag.name}> at offset {tag.start} has no end tag")
            if not _balanced(sc.jtags, tag.end, end_tag.start):
                raise NotPreparable(f"<{tag.name}> with {first.text} does not nest in its blocks")
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
                raise NotPreparable("lifting conditional attributes makes the template too large")
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


def _attr_escape(value: str) -> str:
    value = value.replace("&", "&amp;").replace('"', "&quot;").replace("'", "&#39;")
    return escape_delimiters(value.replace("\u00a0", "&nbsp;"))


def _check_contexts(sc: Scan, info: CssInfo, guarded: bool) -> None:
    for j in sc.jtags:
        if not j.dynamic:
            continue
        if j.raw_html and (j.context != ATTR or not guarded):
            # In text it may write elements; in an attribute, only a value holding the quote
            # can (see _guard), and only a caller that honours the guard may accept it.
            raise NotPreparable(f"line {j.line}: {j.text} may print HTML (|safe)")
        if j.context == NAME:
            raise NotPreparable(f"{j.text} in a tag or attribute name")
        if j.context == TAG:
            raise NotPreparable(f"{j.text} between the attributes of a tag")
        if j.context == ATTR:
            tag = sc.starts[j.owner]
            name = tag.attrs[j.attr].name
            if not j.quoted:
                raise NotPreparable(f"{j.text} in the unquoted value of {name}= in <{tag.name}>")
            if j.kind == "{{" and name in info.attrs and name != "style":
                raise NotPreparable(
                    f"{j.text} in {name}= of <{tag.name}>, which the stylesheet selects on"
                )
        if j.context == RAW and sc.starts[j.owner].name == "style":
            raise NotPreparable(f"{j.text} inside a <style> element")
    if info.deep and any(j.dynamic and j.context == DATA for j in sc.jtags):
        raise NotPreparable(
            "the stylesheet has :empty or :has() and the template's markup depends on the data"
        )
    for tag in _inside_blocks(sc, ("style", "link")):
        raise NotPreparable(f"a <{tag.name}> inside {{% if %}} or {{% for %}}")
    for block in _statement_blocks(sc.jtags):
        keys = {_context_key(j) for j in block}
        if len(keys) > 1:
            raise NotPreparable(f"{block[0].text} and {block[-1].text} are in different places")


def _inside_blocks(sc: Scan, names: tuple[str, ...]) -> Iterator[StartTag]:
    """The start tags of these names that the statements before them do not leave balanced
    (`_balanced(sc.jtags, 0, tag.start)` false), in one pass over the statements."""
    depth: int | None = 0  # None: an end or else with nothing open, unbalanced from there on
    k = 0
    for tag in sc.starts:
        if tag.name not in names:
            continue
        while k < len(sc.jtags) and sc.jtags[k].end <= tag.start:
            depth = _after(sc.jtags[k], depth)
            k += 1
        if depth != 0:
            yield tag


def _stylesheet(sc: Scan) -> str:
    css = []
    for tag in sc.starts:
        if tag.name == "style" and tag.raw_end is not None:
            inner_start, inner_end = tag.end, tag.raw_end[0]
            css.append(_substitute(sc, inner_start, inner_end, None))
    return "\n".join(css)


def _substitute(sc: Scan, start: int, end: int, tokens: Tokens | None) -> str:
    """The source between two offsets with constants printed and other tags as tokens."""
    out: list[str] = []
    pos = start
    for j in _within(sc.jtags, start, end):
        out.append(sc.source[pos : j.start])
        pos = j.end
        if j.kind == "{#":
            continue
        if j.literal is not None:
            out.append(j.literal)
        elif tokens is None:
            out.append(j.text)
        elif j.context == DATA:
            out.append(tokens.comment(j.n))
        else:
            out.append(tokens.inline(j.n))
    out.append(sc.source[pos:end])
    return "".join(out)


def _probe(tokens: Tokens) -> str:
    """Appended to a style attribute that prints data: css-inline rewrites its spacing if any
    rule styles the element (then the data's declarations would be rewritten too)."""
    return f";  {tokens.prefix}probe :  1"


def _dynamic_attrs(sc: Scan) -> set[tuple[int, int]]:
    """(start tag, attribute) of every attribute value that prints data or holds a statement."""
    return {(j.owner, j.attr) for j in sc.jtags if j.dynamic and j.context == ATTR}


def _dynamic_style(tag: StartTag, dynamic: set[tuple[int, int]]) -> Attr | None:
    """The tag's style attribute, if its value is dynamic (see _dynamic_attrs)."""
    k, attr = next(((k, a) for k, a in enumerate(tag.attrs) if a.name == "style"), (-1, None))
    if attr is None or attr.value_start < 0:
        return None
    return attr if (tag.idx, k) in dynamic else None


def _protect(sc: Scan, tokens: Tokens, marker: str) -> str:
    """The protected document: tokens for Jinja tags, a marker attribute in each start tag."""
    out: list[str] = []
    pos = 0
    dynamic_attrs = _dynamic_attrs(sc)
    for tag in sc.starts:
        out.append(_substitute(sc, pos, tag.name_end, tokens))
        out.append(f' {marker}="{tag.idx}"')
        pos = tag.name_end
        dynamic = _dynamic_style(tag, dynamic_attrs)
        if dynamic is not None:
            out.append(_substitute(sc, pos, dynamic.value_end, tokens) + _probe(tokens))
            pos = dynamic.value_end
    out.append(_substitute(sc, pos, len(sc.source), tokens))
    return "".join(out)


def prepare_html(jinja_html: str, *, guarded: bool = False) -> PreparedParts:
    """The emitted Jinja HTML part, CSS inlined at compile time, and its derived text part.

        Both results are Jinja template texts: `html` renders (autoescape=True) every message equal
        to `inliner().inline(<the message rendered from jinja_html>)`, up to how the HTML5 parser
        reads it; `text` renders (autoescape=False) its plain-text part. Raises NotPreparable when
        that cannot be promised (see the module's docstring).

        `guarded=True` is for a caller that honours `PreparedParts.guard`: it accepts `|safe` in a
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
            raise NotPreparable("lifting conditional attributes makes the template too large")
        sc = scan(source)
        if _nesting(sc.jtags) > ir.MAX_DEPTH:
            raise NotPreparable(
                f"lifting conditional attributes nests the template more than {ir.MAX_DEPTH}"
                " levels deep"
            )
    _check_contexts(sc, info, guarded)

    tokens = Tokens([j.text for j in sc.jtags], _token_prefix(source))
    marker = f"data-{tokens.prefix}-id"
    protected = _protect(sc, tokens, marker)
    try:
        inlined = str(inliner().inline(protected))
    except Exception as exc:  # css-inline's errors: invalid CSS and the like
        raise NotPreparable(f"css-inline: {exc}") from None
    tree = parse_serialized(inlined)
    marked: dict[int, list[Element]] = {}
    for el in tree.iter():
        if marker in el.attrs:
            marked.setdefault(int(el.attrs.pop(marker)), []).append(el)
    _check_blocks(sc, tree, tokens, marked)
    _check_structure(sc, info, tree, marked)
    html = _restore(sc, tree, marked, tokens)
    try:
        text = derive_text(tree, Tokens(_text_part_tags(sc), tokens.prefix))
    except ValueError as exc:
        raise NotPreparable(f"text part: {exc}") from None
    return PreparedParts(html, text, _guard(sc))


_OUTPUT_EXPRESSION = re.compile(r"\{\{[-+]?(.*?)[-+]?\}\}", re.S)


def _guard(sc: Scan) -> str:
    """PreparedParts.guard: prints something when a `|safe` value in an attribute holds the
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
    (`<a href="{{ u }}">{{ u }}</a>`), which text.py sees by comparing the two tags. The address
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


def _check_blocks(
    sc: Scan, tree: Element, tokens: Tokens, marked: dict[int, list[Element]]
) -> None:
    """Every block in text must keep its tags side by side in the parsed tree."""
    marked_ids = {id(el): k for k, els in marked.items() for el in els}
    comment_re = tokens.comment_re
    where: dict[int, list[int]] = {}
    for comment, parent in tree.comments():
        m = comment_re.match(comment.text)
        if not m:
            continue
        el: Element | None = parent
        while el is not None and id(el) not in marked_ids:
            el = el.parent
        where.setdefault(int(m.group(1)), []).append(marked_ids[id(el)] if el else -1)
    for j in sc.jtags:
        if j.context == DATA and j.dynamic and len(where.get(j.n, [])) != 1:
            raise NotPreparable(f"{j.text}: the HTML parser dropped or copied it")
    for block in _statement_blocks(sc.jtags):
        if block[0].context != DATA:
            continue
        parents = {where[j.n][0] for j in block}
        if len(parents) > 1:
            raise NotPreparable(
                f"{block[0].text} … {block[-1].text}: the HTML parser puts its tags in different"
                " elements (an end tag missing, or markup that is not allowed there)"
            )


def _restore(sc: Scan, tree: Element, marked: dict[int, list[Element]], tokens: Tokens) -> str:
    """The template with each start tag's style set to css-inline's, inlined <style>s removed and
    the at-rules block added."""
    src = sc.source
    edits: list[tuple[int, int, str]] = []
    dynamic_attrs = _dynamic_attrs(sc)
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
            raise NotPreparable(f"<{tag.name}> at offset {tag.start} is copied by the parser")
        new = styles.pop()
        attr = next((a for a in tag.attrs if a.name == "style"), None)
        old = None
        if attr is not None:
            old = (
                htmlmod.unescape(_substitute(sc, attr.value_start, attr.value_end, tokens))
                if attr.value_start >= 0
                else ""
            )
        if _dynamic_style(tag, dynamic_attrs) is not None:
            if new != (old or "") + _probe(tokens):
                raise NotPreparable(
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
            if tk is not None and _balanced(sc.jtags, sc.starts[tk].end, row.start):
                value = _attr_escape(el.attrs["style"])
                edits.append((row.start, row.start, f'<tbody style="{value}">'))
                continue
        raise NotPreparable(
            f"the stylesheet styles a <{el.tag}> the template does not write: write it out"
        )
    return edits


def _at_rules(sc: Scan, tree: Element, ids: set[int]) -> list[tuple[int, int, str]]:
    """css-inline's block of kept at-rules, at the top of the head as css-inline puts it."""
    generated = [el for el in tree.iter() if el.tag == "style" and id(el) not in ids]
    if not generated:
        return []
    if len(generated) > 1:
        raise NotPreparable("css-inline wrote more than one <style> block")
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


__all__ = [
    "INLINER_OPTIONS",
    "NotPreparable",
    "PreparedParts",
    "css_info",
    "html5_serialize",
    "inliner",
    "prepare_html",
    "scan",
]
