"""Where the values of an HTML part land, decided once for every target: which outputs and which
translated texts may start a URL (`href`, `src`, …) and must have their scheme checked.

Go's html/template is the model: the escaper follows the template's markup as an HTML tokenizer
does and knows, at each `{{ value }}`, whether it is in text, in an attribute, or at the start
of a URL. Here that pass runs on the final IR of an HTML part (translations in, blocks inlined)
before any emitter sees it, so the decision is taken in one place and every target emits the
same check:

* an Output that may start a URL's scheme gets `Output.url` (ir.UrlCheck): each target prints
  urls.INERT_URL instead of a value whose scheme is not allowed (http, https, mailto, tel,
  sms, relative URLs and image data: URLs are);
* a translated text (ir.Text with `translation`) in the same place is data too, but constant
  for the locale: it is checked now, and replaced by INERT_URL with a warning (an error with
  `strict`).

What "may start a URL's scheme" means: the value is in a URL attribute (urls.URL_ATTRIBUTES;
`content` only on a `<meta http-equiv="refresh">`, after its delay and `url=`; in `srcset` after
each comma) and the template text before it in that attribute does not fix the scheme yet. Text
that fixes it: a scheme and its colon (`https://x.example/{{ id }}`, `mailto:{{ email }}`), or
anything that cannot belong to a scheme (`/`, `#`, `?`, `./`, `{{ a }}/{{ b }}`): after it,
data is in the path, query or fragment and prints as it is (HTML-escaped). Scheme letters
written before a value (`java{{ x }}`) or another value leave the scheme open: the value must
then not begin with `:` either (ir.UrlCheck.open). Scheme letters and a colon written right
after a value belong to the check (`{{ scheme }}://{{ host }}` checks `scheme + ":"`).

`{% if %}` and `{% for %}` are followed like Go does, through every branch: the pass carries the
set of tokenizer states the markup can be in (a loop until its body changes nothing), and checks
an output if any of them puts it at a URL's start. A value at the start of a refresh `<meta>`'s
content (where its delay goes) is refused: the browser would read a URL inside the value.
"""

from __future__ import annotations

import html
import re
import string
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache

from .errors import RenderError, TemplateError
from .html5 import RAW_TEXT_ELEMENTS
from .template import ir
from .urls import INERT_URL, describe_unsafe, is_url_attribute, unsafe_scheme

__all__ = ["mark_urls"]

# Tokenizer modes (a subset of the HTML5 tokenizer's states: enough to know attribute values).
DATA, LT, END_LT, END_TAG, BANG, COMMENT, BOGUS, RAW = (
    "data",
    "lt",
    "end_lt",
    "end_tag",
    "bang",
    "comment",
    "bogus",
    "raw",
)
TAG_NAME, BEFORE_ATTR, ATTR_NAME, AFTER_ATTR_NAME, BEFORE_VALUE = (
    "tag_name",
    "before_attr",
    "attr_name",
    "after_attr_name",
    "before_value",
)
DQ, SQ, UQ, AFTER_VALUE = "dq", "sq", "uq", "after_value"
VALUE_MODES = frozenset({DQ, SQ, UQ})

# Where a URL value is: nothing but blanks of it written yet, scheme letters written, decided.
START, OPEN, CLOSED = "start", "open", "closed"

WS = " \t\n\r\f"
LETTERS = frozenset(string.ascii_letters)
SCHEME_CHARS = frozenset(string.ascii_letters + string.digits + "+.-")
IGNORED = "\t\n\r"  # the URL parser drops them anywhere
REFRESH_RESETS = frozenset(";,='\"" + WS)  # `0; url='…'`: a URL may start after each
SRCSET_RESETS = frozenset(",")  # `a.png 1x, b.png 2x`: a URL starts after each comma
MAX_NAME = 32  # longer tag or attribute names are kept cut (no URL attribute is that long)
MAX_STATES = 64
DELAY_CHARS = frozenset("0123456789. ")  # a refresh's delay, before `;` or `,`
UNQUOTED_END = re.compile(r"[\t\n\f\r >]")
REFRESH_RE = re.compile(r"[^>]*?\bhttp-equiv\s*=\s*[\"']?\s*refresh\b", re.I | re.S)


@dataclass(frozen=True, slots=True)
class State:
    """Where the markup is after some text: a tokenizer mode and what a URL check needs."""

    mode: str = DATA
    tag: str = ""  # the start tag being read, or the raw-text element we are in
    attr: str = ""  # the attribute whose name or value is being read
    buf: str = ""  # a name being read, or the part of `<!--`, `-->`, `</tag` matched so far
    refresh: bool = False  # the start tag is a <meta http-equiv="refresh">
    url: str = ""  # in a URL value: START, OPEN or CLOSED; "" anywhere else
    delay: bool = False  # in a refresh <meta>'s content, before its URL


def mark_urls(
    body: ir.Body,
    *,
    file: str = "<template>",
    warnings: list[str] | None = None,
    strict: bool = False,
) -> ir.Body:
    """An HTML part's body with every output that may start a URL marked (`Output.url`), and
    every translated text there checked: an unsafe one is replaced by INERT_URL and reported
    in `warnings` (a RenderError with `strict`). See the module's docstring."""
    return _Pass(file, warnings, strict).body(body, frozenset({State()}))[0]


# --- the pass over the IR ------------------------------------------------------------------------


class _Pass:
    def __init__(self, file: str, warnings: list[str] | None, strict: bool) -> None:
        self.file = file
        self.warnings = warnings
        self.strict = strict

    def body(self, nodes: ir.Body, states: frozenset[State]) -> tuple[ir.Body, frozenset[State]]:
        out: list[ir.Node] = []
        for i, node in enumerate(nodes):
            following = _Following(nodes, i + 1)
            if isinstance(node, ir.Text):
                if node.translation is not None:
                    node, states = self.translated(node, states, following)
                else:
                    states = _states(advance(s, node.text, following) for s in states)
            elif isinstance(node, ir.Output):
                node, states = self.output(node, states, following)
            elif isinstance(node, ir.If):
                node, states = self.branches(node, states)
            elif isinstance(node, ir.For):
                node, states = self.loop(node, states)
            out.append(node)
            if len(states) > MAX_STATES:
                raise TemplateError(
                    "the HTML around this construct can be in too many different states to "
                    "follow (tags opened and closed in different branches)",
                    file=self.file,
                    line=_pos(node).line or None,
                    col=_pos(node).col or None,
                    hint="open and close each tag in the same branch",
                )
        return tuple(out), states

    def output(
        self, node: ir.Output, states: frozenset[State], following: _Following
    ) -> tuple[ir.Output, frozenset[State]]:
        states = _states(_value_started(s) for s in states)
        at_start = [s for s in states if s.url in (START, OPEN)]
        if any(s.delay for s in states):
            raise TemplateError(
                "a value at the start of a refresh <meta>'s content cannot be checked as a URL",
                file=self.file,
                line=node.pos.line or None,
                col=node.pos.col or None,
                hint='write the delay and url= in the template: content="0; url={{ link }}"',
            )
        # loop.* prints digits or a boolean; a formatted value (format_date, …) prints CLDR's
        # text for the locale and digits, never data that could choose a scheme.
        if at_start and isinstance(node.value.ref, ir.Path) and node.value.format is None:
            after = [_after_value(s) for s in at_start]
            check = ir.UrlCheck(following.suffix(after), any(s.url == OPEN for s in at_start))
            node = replace(node, url=check)
        return node, _states(_after_value(s) for s in states)

    def translated(
        self, node: ir.Text, states: frozenset[State], following: _Following
    ) -> tuple[ir.Text, frozenset[State]]:
        """A translated text: checked where a URL may start, replaced by INERT_URL if unsafe."""
        found: str | None = None
        for s in states:
            if s.mode in VALUE_MODES or s.mode == BEFORE_VALUE:
                found = _unsafe_in_value(_value_started(s), node.text, following)
                if found is not None:
                    break
        if found is not None:
            assert node.translation is not None
            message = f"{node.translation}: {describe_unsafe(found)}"
            if self.strict:
                raise RenderError(
                    message,
                    hint=f"fix the translation, or render without --strict to print {INERT_URL}",
                )
            if self.warnings is not None and f"{message} replaced" not in self.warnings:
                self.warnings.append(f"{message} replaced")
            node = ir.Text(INERT_URL)
        return node, _states(advance(s, node.text, following) for s in states)

    def branches(self, node: ir.If, states: frozenset[State]) -> tuple[ir.If, frozenset[State]]:
        out: set[State] = set()
        branches = []
        for cond, body in node.branches:
            new, after = self.body(body, states)
            branches.append((cond, new))
            out |= after
        else_, after = self.body(node.else_, states)
        out |= after
        return ir.If(tuple(branches), else_, node.pos), frozenset(out)

    def loop(self, node: ir.For, states: frozenset[State]) -> tuple[ir.For, frozenset[State]]:
        """The body is followed from every state it can start in: before the first item, or
        after any item (until that set stops growing)."""
        entry = states
        for _ in range(MAX_STATES):
            body, after = self.body(node.body, entry)
            grown = entry | after
            if grown == entry:
                break
            entry = grown
        else:  # pragma: no cover - the state space is finite and small
            raise TemplateError("the loop's HTML never settles", file=self.file)
        else_, after_else = self.body(node.else_, states)
        out = ir.For(node.target, node.iterable, body, else_, node.pos)
        return out, entry | after_else


def _pos(node: ir.Node) -> ir.Pos:
    return getattr(node, "pos", ir.NOWHERE)


def _states(states: Iterable[State]) -> frozenset[State]:
    return frozenset(states)


class _Following:
    """The template text after a node (its siblings up to the next block), read only when a
    check or a `<meta>` needs it."""

    def __init__(self, nodes: ir.Body, start: int) -> None:
        self.nodes = nodes
        self.start = start

    def text(self) -> str:
        """The constant text that follows, up to the end of the tag being read (its first `>`),
        a value counting as nothing (it prints no tag)."""
        out = []
        for node in self.nodes[self.start :]:
            if isinstance(node, ir.Text):
                out.append(node.text)
                if ">" in node.text:
                    break
            elif not isinstance(node, ir.Output):
                break
        return "".join(out)

    def suffix(self, states: list[State]) -> str:
        """The scheme letters and colon the next text adds to a value's URL (see UrlCheck)."""
        nxt = self.nodes[self.start] if self.start < len(self.nodes) else None
        if not isinstance(nxt, ir.Text):
            return ""
        for s in states:
            if s.mode in VALUE_MODES and s.url == OPEN:
                return _scheme_suffix(_value_part(s, nxt.text)[0])
        return ""


def _scheme_suffix(text: str) -> str:
    run = []
    for c in text:
        if c in IGNORED:
            continue
        if c in SCHEME_CHARS:
            run.append(c)
        elif c == ":":
            return "".join(run) + ":"
        else:
            break
    return ""


def _value_part(state: State, text: str) -> tuple[str, bool]:
    """The part of `text` still inside the attribute value `state` is in (character references
    decoded), and whether the value ends in `text`."""
    if state.mode == DQ:
        end = text.find('"')
    elif state.mode == SQ:
        end = text.find("'")
    else:
        m = UNQUOTED_END.search(text)
        end = m.start() if m else -1
    return html.unescape(text if end < 0 else text[:end]), end >= 0


def _value_started(state: State) -> State:
    """A value printed right after `=`: it starts an unquoted attribute value."""
    if state.mode != BEFORE_VALUE:
        return state
    return _enter_value(state, UQ)


def _enter_value(state: State, mode: str) -> State:
    url = ""
    if is_url_attribute(state.tag, state.attr) and (state.tag != "meta" or state.refresh):
        url = START
    delay = state.tag == "meta" and state.attr == "content" and url == START
    return State(mode, state.tag, state.attr, "", state.refresh, url, delay)


def _after_value(state: State) -> State:
    """The state after a printed value: its characters may have been scheme letters."""
    if state.mode in VALUE_MODES and state.url in (START, OPEN):
        return replace(state, url=OPEN)
    return state


def _resets(state: State) -> frozenset[str]:
    if state.tag == "meta" and state.attr == "content":
        return REFRESH_RESETS
    if state.attr == "srcset":
        return SRCSET_RESETS
    return frozenset()


def _unsafe_in_value(state: State, text: str, following: _Following) -> str | None:
    """The first unsafe scheme an untrusted text gives a URL of the value it is in, or None.

    Each part of the text where a URL may start is checked: the text's beginning if the URL
    is not decided yet, and the part after each comma of a `srcset` or separator of a refresh
    `<meta>`'s content. A last part that reaches the next node takes its scheme suffix."""
    if state.mode not in VALUE_MODES or not state.url:
        return None
    value, ends_value = _value_part(state, text)
    delay = state.delay
    resets = _resets(state)
    starts: list[tuple[int, bool]] = []  # where a URL part starts, and whether it is open
    if state.url in (START, OPEN) and not delay:
        starts.append((0, state.url == OPEN))
    for i, c in enumerate(value):
        if delay:
            if c in DELAY_CHARS:
                continue
            delay = False
            if c not in resets:
                starts.append((i, False))
                continue
        if c in resets:
            starts.append((i + 1, False))
    for n, (begin, open_) in enumerate(starts):
        end = starts[n + 1][0] - 1 if n + 1 < len(starts) else len(value)
        part = value[begin:end]
        if end == len(value) and not ends_value:
            part += following.suffix([replace(state, url=OPEN)])
        found = unsafe_scheme(part, decode=False, open=open_)
        if found is not None:
            return found
    return None


# --- the tokenizer -----------------------------------------------------------------------------


def advance(state: State, text: str, following: _Following | None = None) -> State:
    """The state after the template text `text` (template or translated: both are markup).

    Runs of text that change nothing (text between tags, values, comments) are skipped with
    `find` and regular expressions: the pass is linear in the template's size."""
    i, n = 0, len(text)
    s = state
    while i < n:
        mode = s.mode
        if mode == DATA:
            lt = text.find("<", i)
            if lt < 0:
                return s
            s, i = State(LT), lt + 1
        elif mode == LT:
            c = text[i]
            if c in LETTERS:
                s = State(TAG_NAME)
            elif c == "/":
                s, i = State(END_LT), i + 1
            elif c == "!":
                s, i = State(BANG), i + 1
            elif c == "?":
                s, i = State(BOGUS), i + 1
            else:
                s = State()
        elif mode == END_LT:
            c = text[i]
            s, i = State(END_TAG if c in LETTERS else DATA if c == ">" else BOGUS), i + 1
        elif mode in (END_TAG, BOGUS):
            gt = text.find(">", i)
            if gt < 0:
                return s
            s, i = State(), gt + 1
        elif mode == BANG:
            c = text[i]
            if c == "-" and s.buf == "":
                s, i = State(BANG, buf="-"), i + 1
            elif c == "-":
                s, i = State(COMMENT), i + 1
            else:
                s = State(BOGUS)
        elif mode == COMMENT:
            s, i = _comment(s, text, i)
        elif mode == RAW:
            s, i = _raw(s, text, i)
        elif mode in VALUE_MODES:
            s, i = _value(s, text, i)
        else:
            s, i = _tag(s, text, i, following)
    return s


def _comment(s: State, text: str, i: int) -> tuple[State, int]:
    """Inside `<!-- … -->`: `buf` holds the dashes just seen (they may end in the next text)."""
    joined = s.buf + text[i:]
    end = joined.find("-->")
    if end >= 0:
        return State(), i + end + 3 - len(s.buf)
    dashes = len(joined) - len(joined.rstrip("-"))
    return State(COMMENT, buf="-" * min(dashes, 2)), len(text)


def _raw(s: State, text: str, i: int) -> tuple[State, int]:
    """Inside <script>, <style>, <title>…: only `</name` followed by a blank, `/` or `>` ends it."""
    joined = s.buf + text[i:]
    m = _raw_end(s.tag).search(joined)
    if m is not None:
        return State(END_TAG), i + m.end() - len(s.buf)
    keep = joined[-(len(s.tag) + 2) :]
    return State(RAW, tag=s.tag, buf=keep), len(text)


def _value(s: State, text: str, i: int) -> tuple[State, int]:
    """Inside an attribute value: up to its end, following the URL's scheme if it is one."""
    if s.mode == UQ:
        m = UNQUOTED_END.search(text, i)
        end = m.start() if m else len(text)
    else:
        end = text.find('"' if s.mode == DQ else "'", i)
        end = len(text) if end < 0 else end
    if s.url and (s.url != CLOSED or _resets(s)):
        s = _url_text(s, html.unescape(text[i:end]))
    if end == len(text):
        return s, end
    if s.mode == UQ:
        if text[end] == ">":
            return _tag_end(s.tag), end + 1
        return State(BEFORE_ATTR, s.tag, refresh=s.refresh), end + 1
    return State(AFTER_VALUE, s.tag, refresh=s.refresh), end + 1


def _url_text(s: State, value: str) -> State:
    """The URL state after template text in a URL value (a value's own text never ends it)."""
    url, delay = s.url, s.delay
    resets = _resets(s)
    for c in value:
        if delay:
            if c in DELAY_CHARS:
                continue
            delay, url = False, START
        if c in resets:
            url = START
            continue
        if url == CLOSED:
            if not resets:
                break
            continue
        if c in IGNORED:
            continue
        if url == START:
            if c <= " ":
                continue
            url = OPEN if c in LETTERS else CLOSED
        elif c not in SCHEME_CHARS:
            url = CLOSED  # a `:` completes the scheme (the template's own), anything else ends it
    return replace(s, url=url, delay=delay)


TAG_NAME_RUN = re.compile(r"[^\t\n\f\r />]*")
ATTR_NAME_RUN = re.compile(r"[^\t\n\f\r />=]*")
BLANK_RUN = re.compile(r"[\t\n\f\r ]*")


def _run_end(run: re.Pattern[str], text: str, i: int) -> int:
    """Where a run of `run`'s characters that starts at `i` ends (`run` matches "" too)."""
    m = run.match(text, i)
    return m.end() if m else i


def _tag(s: State, text: str, i: int, following: _Following | None) -> tuple[State, int]:
    """Inside a start tag, outside values: names, `=`, blanks, quotes, `/` and `>`."""
    n = len(text)
    mode, tag, attr, buf, refresh = s.mode, s.tag, s.attr, s.buf, s.refresh
    while i < n:
        if mode in (TAG_NAME, ATTR_NAME):
            end = _run_end(TAG_NAME_RUN if mode == TAG_NAME else ATTR_NAME_RUN, text, i)
            buf, i = (buf + text[i:end].lower())[:MAX_NAME], end
            if i == n:
                break
            if mode == TAG_NAME:
                mode, tag, buf = BEFORE_ATTR, buf, ""
                refresh = tag == "meta" and _is_refresh(text[i:], following)
            else:
                mode, attr, buf = AFTER_ATTR_NAME, buf, ""
            continue
        c = text[i]
        if c in WS:
            if mode == AFTER_VALUE:
                mode = BEFORE_ATTR
            i = _run_end(BLANK_RUN, text, i)
        elif mode == BEFORE_VALUE and c in "\"'":
            quoted = DQ if c == '"' else SQ
            return _enter_value(State(mode, tag, attr, refresh=refresh), quoted), i + 1
        elif c == ">":
            return _tag_end(tag), i + 1
        elif mode == BEFORE_VALUE:
            return _enter_value(State(mode, tag, attr, refresh=refresh), UQ), i
        elif c == "=" and mode == AFTER_ATTR_NAME:
            mode, i = BEFORE_VALUE, i + 1
        elif c == "/":
            mode, i = BEFORE_ATTR, i + 1
        else:  # a new attribute's name
            mode, attr, buf, i = ATTR_NAME, "", c.lower(), i + 1
    return State(mode, tag, attr, buf, refresh), i


@lru_cache(maxsize=64)
def _raw_end(tag: str) -> re.Pattern[str]:
    return re.compile(rf"</{re.escape(tag)}(?=[\t\n\f\r /> ])", re.I)


def _tag_end(tag: str) -> State:
    """The state after a start tag's `>`: text, or the raw text of <script>, <title>…"""
    if tag in RAW_TEXT_ELEMENTS:
        return State(RAW, tag)
    return State()


def _is_refresh(rest: str, following: _Following | None) -> bool:
    """Whether the start tag whose attributes begin `rest` has http-equiv="refresh"."""
    text = rest if following is None else rest + following.text()
    return REFRESH_RE.match(text) is not None
