"""The Jinja tags of an emitted HTML part, each in its HTML context, and the tokens that stand
in for them while HTML tools (css-inline, the HTML5 parser) read the part.

`scan(source)` finds the Jinja tags (with tmplkit.template.scan), the HTML start
and end tags around them, and the context of each Jinja tag: text, an attribute value, inside a
tag, a name, a comment or a raw-text element. The helpers below read a scan: statement blocks,
the tags between two offsets, how deeply statements nest, and the source with its tags replaced
by `Tokens`. A template whose tags cannot be placed raises NotInlinable, the refusal of the
whole message stage (see tmplkit.message.inline).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import jinja2
from jinja2 import nodes as jn

from ..errors import TmplkitError
from ..html5 import RAW_TEXT_ELEMENTS
from ..targets.jinja import shared_environment
from ..template.scan import Tag
from ..template.scan import scan as scan_tags

STATEMENTS = frozenset({"if", "elif", "else", "endif", "for", "endfor"})


class NotInlinable(TmplkitError):
    """The template cannot be inlined at compile time exactly; inline each message instead."""


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
            raise NotInlinable(f"line {tag.line}: unsupported Jinja statement {text}")
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
    except NotInlinable as exc:
        raise NotInlinable(f"line {line}: {exc}") from None


@lru_cache(maxsize=4096)
def _output_literal_parsed(text: str) -> tuple[str | None, bool]:
    """_output_literal by the tag's text alone: the same output on a thousand lines is parsed
    once."""
    try:
        template = shared_environment(True).parse(text)
    except jinja2.TemplateSyntaxError as exc:
        raise NotInlinable(exc.message or "syntax error") from None
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
    jtags = _classify(source, scan_tags(source))
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
        if tag.name in RAW_TEXT_ELEMENTS:
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


# --- statement blocks ------------------------------------------------------------------------


def statement_blocks(jtags: list[JTag]) -> list[list[JTag]]:
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
            raise NotInlinable(f"{j.text} without its opening tag")
        else:
            stack[-1].append(j)
            if j.keyword in ("endif", "endfor"):
                stack.pop()
    if stack:
        raise NotInlinable(f"{stack[-1][0].text} is never closed")
    return blocks


def tags_within(jtags: list[JTag], start: int, end: int) -> Iterator[JTag]:
    """The Jinja tags wholly between two offsets, found by bisection (tags are in order)."""
    i = bisect_left(jtags, start, key=lambda j: j.start)
    while i < len(jtags) and jtags[i].start < end:
        if jtags[i].end <= end:
            yield jtags[i]
        i += 1


def balanced(jtags: list[JTag], start: int, end: int) -> bool:
    depth: int | None = 0
    for j in tags_within(jtags, start, end):
        depth = depth_after(j, depth)
        if depth is None:
            return False
    return depth == 0


def depth_after(j: JTag, depth: int | None) -> int | None:
    """How many if/for statements are open after `j`, `depth` being open before it; None once
    an end, else or elif closed or continued one that was not opened (nothing is balanced after)."""
    if depth is None or j.kind != "{%":
        return depth
    if j.keyword in ("if", "for"):
        return depth + 1
    if j.keyword in ("endif", "endfor"):
        return depth - 1 if depth > 0 else None
    return depth if depth > 0 else None


def nesting_depth(jtags: list[JTag]) -> int:
    """How deeply the template's statements nest."""
    depth = deepest = 0
    for j in jtags:
        if j.keyword in ("if", "for"):
            depth += 1
            deepest = max(deepest, depth)
        elif j.keyword in ("endif", "endfor"):
            depth -= 1
    return deepest


# --- tokens: how inlining stands Jinja tags in for HTML tools --------------------------


@dataclass(frozen=True)
class Tokens:
    """Jinja tags replaced by tokens: `<!--tk:7-->` in text, `tkx7x` anywhere else.

    `tags[7]` is the source of tag 7; `prefix` ("tk" unless the template contains it) makes
    tokens that occur nowhere else in the template.
    """

    tags: Sequence[str]
    prefix: str = "tk"

    def comment(self, n: int) -> str:
        return f"<!--{self.prefix}:{n}-->"

    def inline(self, n: int) -> str:
        return f"{self.prefix}x{n}x"

    @property
    def comment_re(self) -> re.Pattern[str]:
        return re.compile(rf"^{re.escape(self.prefix)}:(\d+)$")

    @property
    def inline_re(self) -> re.Pattern[str]:
        return re.compile(rf"{re.escape(self.prefix)}x(\d+)x")


def is_statement(tag: str) -> bool:
    return tag.startswith("{%")


def statement_keyword(tag: str) -> str:
    inner = tag[2:-2].strip("-+ \t\r\n")
    return inner.split(None, 1)[0] if inner else ""


def substitute(sc: Scan, start: int, end: int, tokens: Tokens | None) -> str:
    """The source between two offsets with constants printed and other tags as tokens."""
    out: list[str] = []
    pos = start
    for j in tags_within(sc.jtags, start, end):
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


def style_probe(tokens: Tokens) -> str:
    """Appended to a style attribute that prints data: css-inline rewrites its spacing if any
    rule styles the element (then the data's declarations would be rewritten too)."""
    return f";  {tokens.prefix}probe :  1"


def dynamic_attributes(sc: Scan) -> set[tuple[int, int]]:
    """(start tag, attribute) of every attribute value that prints data or holds a statement."""
    return {(j.owner, j.attr) for j in sc.jtags if j.dynamic and j.context == ATTR}


def dynamic_style(tag: StartTag, dynamic: set[tuple[int, int]]) -> Attr | None:
    """The tag's style attribute, if its value is dynamic (see dynamic_attributes)."""
    k, attr = next(((k, a) for k, a in enumerate(tag.attrs) if a.name == "style"), (-1, None))
    if attr is None or attr.value_start < 0:
        return None
    return attr if (tag.idx, k) in dynamic else None


__all__ = [
    "ATTR",
    "COMMENT",
    "DATA",
    "NAME",
    "RAW",
    "TAG",
    "Attr",
    "EndTag",
    "JTag",
    "NotInlinable",
    "Scan",
    "StartTag",
    "Tokens",
    "balanced",
    "depth_after",
    "dynamic_attributes",
    "dynamic_style",
    "is_statement",
    "nesting_depth",
    "scan",
    "statement_blocks",
    "statement_keyword",
    "style_probe",
    "substitute",
    "tags_within",
]
