"""The plain-text part of an e-mail, derived from its HTML: as text, or as a Jinja template.

`html_to_text(html)` turns one rendered HTML message into text. `derive_text(tree, tokens)` does
the same once per template: the tree is the HTML5 parse of a template whose Jinja tags were
replaced by tokens (see tmplkit.message.inline), and the result is a Jinja template (autoescape off)
that prints the text part of every message by substitution alone.

The text layout, the same in both:

- the preheader (the hidden preview text at the top of the body) comes first;
- headings are paragraphs of their own, marked like Markdown: `# h1`, `## h2`, …;
- paragraphs, lists, tables, block quotes and `<pre>` are separated by a blank line; `<div>`,
  `<br>`, table rows and list items start a new line;
- links read `text (url)` (a `mailto:` address without its scheme); a bare link, whose text is
  its address, appears once; a link without text prints its address; `#` anchors are dropped;
- list items start with `- ` (nested lists indent by two spaces) or `1. `, `2. `, …;
- a table row of two cells or more that print something is one line, cells separated by ` | `
  in data tables (with a `<th>` holding no table), by a space in layout tables; what a cell holds
  (paragraphs, `<br>`, headings and list items without markers, nested tables) joins with a
  space. A row of columns (cells holding tables: Foundation's `th.columns`) is one line only
  when nothing in them starts a line; columns of paragraphs read one after another, as a
  phone stacks them. A row with one cell that prints (a frame) reads like a `<div>`;
- row groups read as a browser shows them: `<thead>`s first, `<tbody>`s and bare rows in
  source order, `<tfoot>`s last (HTML4-era templates write `<tfoot>` before `<tbody>`);
- an image prints its alt text; CSS, scripts, the head and hidden elements (`display:none`,
  `hidden`) print nothing.

In the template, separators are placed at compile time: each goes before the content that
follows it, inside the branch or loop that prints that content, chosen from every way the
template can reach it (see _Layout); a link whose address is data only gets its `(address)`
only when that prints something. For data whose values print something, the rendered text part
equals `html_to_text` of the rendered (inlined) message. A value that prints empty leaves the
separators around it (`in  minutes`, an empty line), which a per-message pass would collapse:
guarding every output would double the cost of rendering the text part.

In the template, a row is one line when two of its cells print (a cell in a `{% for %}` of the
row counts as two, one in an `{% if %}` as one): a row the data leaves with one cell holding
paragraphs differs (the message reads a frame). A `<thead>` or `<tfoot>` moves with the Jinja
block around it when that block holds no other row group; one sharing a block stays.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeGuard

from ..html5 import Comment, Element, parse_serialized, serialize
from ..targets.jinja import escape_delimiters
from .tags import Tokens, is_statement, statement_keyword

# --- events: what the walk of the tree produces -----------------------------------------------

Part = tuple[bool, str]  # (is a Jinja tag, text)

NONE, SPACE, CELL, LINE, PARA = range(5)
SEPARATORS = {NONE: "", SPACE: " ", CELL: " | ", LINE: "\n", PARA: "\n\n"}


@dataclass(frozen=True, slots=True)
class Content:
    parts: tuple[Part, ...]


@dataclass(frozen=True, slots=True)
class Sep:
    level: int


@dataclass(frozen=True, slots=True)
class Stmt:
    keyword: str
    text: str


Event = Content | Sep | Stmt

PARA_TAGS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "table"}
    | {"blockquote", "pre", "hr", "figure"}
)
LINE_TAGS = frozenset(
    {"div", "tr", "li", "dt", "dd", "section", "article", "header", "footer"}
    | {"main", "nav", "aside", "address", "center", "caption", "form", "fieldset"}
    | {"figcaption", "details", "summary"}
)
SKIP_TAGS = frozenset(
    {"head", "style", "script", "title", "template", "noscript", "xmp", "iframe"}
    | {"noembed", "noframes", "object", "video", "audio", "select", "datalist"}
    | {"map", "svg", "math", "input", "textarea"}
)
ROW_GROUPS = frozenset(["thead", "tbody", "tfoot"])
# What starts a line in a column, apart from its own tables' frame.
COLUMN_BREAKS = (PARA_TAGS | LINE_TAGS | {"br"}) - {"table", "caption", "tr"}
HIDDEN_STYLE = re.compile(r"(?:^|;)\s*display\s*:\s*none\b", re.I)
PREHEADER_NAME = re.compile(r"pre-?header|preview", re.I)
ZERO_WIDTH = re.compile("[\u00ad\u034f\u180e\u200b-\u200d\u2060\ufeff]")
WHITESPACE = re.compile(r"\s+")


@dataclass(slots=True)
class _Open:
    """An element being walked: its remaining content, and what to do once it is walked."""

    children: Iterator[Element | Comment | str]
    pre: bool
    close: Callable[[], None] | None


def _hidden(el: Element) -> bool:
    return "hidden" in el.attrs or bool(HIDDEN_STYLE.search(el.attrs.get("style", "")))


Child = Element | Comment | str


def _prints_address(href: str) -> bool:
    """Whether a link with this address prints it (see _Walker.link_suffix)."""
    href = href.strip()
    return bool(href) and not href.startswith("#") and not href.lower().startswith("javascript:")


class _Walker:
    """The tree, walked into events: content, separators and Jinja statements."""

    def __init__(self, tokens: Tokens | None) -> None:
        self.tokens = tokens
        self.events: list[Event] = []
        self.blocks: list[str] = []  # the open Jinja blocks: "if" or "for"
        self.lists: list[tuple[bool, list[int], int]] = []  # (ordered, [count], open blocks)
        self.tables: list[bool] = []  # data table?
        self.rows = 0  # the open table rows read as one line
        self.seen_content = False
        self.preheader: list[Event] | None = None
        self.in_preheader = False
        self._comment_re = tokens.comment_re if tokens else None
        self._inline_re = tokens.inline_re if tokens else None

    # -- tokens --

    def restore(self, text: str) -> list[Part]:
        """Text with inline tokens, as static and Jinja parts."""
        if self._inline_re is None or self.tokens is None:
            return [(False, text)] if text else []
        parts: list[Part] = []
        pos = 0
        for m in self._inline_re.finditer(text):
            if m.start() > pos:
                parts.append((False, text[pos : m.start()]))
            parts.append((True, self.tokens.tags[int(m.group(1))]))
            pos = m.end()
        if pos < len(text):
            parts.append((False, text[pos:]))
        return parts

    def token_of(self, comment: Comment) -> str | None:
        if self._comment_re is None or self.tokens is None:
            return None
        m = self._comment_re.match(comment.text)
        return self.tokens.tags[int(m.group(1))] if m else None

    # -- events --

    def sep(self, level: int) -> None:
        if self.rows and level > CELL:
            level = SPACE  # in a row read as one line, blocks and lines join with a space
        self.events.append(Sep(level))

    def content(self, parts: Iterable[Part]) -> None:
        parts = tuple(p for p in parts if p[1])
        if parts:
            self.events.append(Content(parts))
            self.seen_content = True

    def statement(self, tag: str) -> None:
        keyword = statement_keyword(tag)
        if keyword in ("if", "for"):
            self.blocks.append(keyword)
        elif keyword in ("endif", "endfor") and self.blocks:
            self.blocks.pop()
        self.events.append(Stmt(keyword, tag))

    def text(self, text: str, pre: bool) -> None:
        if self.in_preheader:
            text = ZERO_WIDTH.sub("", text)  # the padding that keeps body text out of previews
        if pre:
            for i, line in enumerate(text.split("\n")):
                if i:
                    self.sep(LINE)
                self.content(self.restore(line))
            return
        pos = 0
        for m in WHITESPACE.finditer(text):
            if m.start() > pos:
                self.content(self.restore(text[pos : m.start()]))
            self.sep(SPACE)
            pos = m.end()
        if pos < len(text):
            self.content(self.restore(text[pos:]))

    # -- the walk --

    def walk_children(self, el: Element, pre: bool = False) -> None:
        """The events of el's content. The walk keeps its own stack of open elements (an HTML
        document may nest deeper than Python recurses); each element's `close` runs once its
        content is walked."""
        stack: list[_Open] = [_Open(iter(el.children), pre, None)]
        while stack:
            top = stack[-1]
            child = next(top.children, None)
            if child is None:
                stack.pop()
                if top.close is not None:
                    top.close()
            elif isinstance(child, str):
                self.text(child, top.pre)
            elif isinstance(child, Comment):
                tag = self.token_of(child)
                if tag is None:
                    continue
                if is_statement(tag):
                    self.statement(tag)
                else:
                    self.content([(True, tag)])
            else:
                opened = self.open_element(child, top.pre)
                if opened is not None:
                    stack.append(opened)

    def skip(self, el: Element) -> None:
        """Nothing of el prints, but its Jinja statements stay: the template must still nest."""
        for comment, _ in el.comments():
            tag = self.token_of(comment)
            if tag is not None and is_statement(tag):
                self.statement(tag)

    def open_element(self, el: Element, pre: bool) -> _Open | None:
        """The events before el's content, and what walks its content; None for an element
        whose events are all written here (skipped, hidden, void)."""
        tag = el.tag
        if tag in SKIP_TAGS:
            self.skip(el)
            return None
        if _hidden(el):
            if self.preheader is None and tag not in ("html", "body") and self._is_preheader(el):
                self.take_preheader(el)
            else:
                self.skip(el)
            return None
        if tag == "br":
            self.sep(LINE)
            return None
        if tag == "img":
            self.content(self.restore(" ".join(el.attrs.get("alt", "").split())))
            return None
        if tag == "hr":
            self.sep(PARA)
            self.content([(False, "---")])
            self.sep(PARA)
            return None
        level = PARA if tag in PARA_TAGS else LINE if tag in LINE_TAGS else NONE
        if tag in ("ul", "ol") and self.lists:
            level = LINE
        if level:
            self.sep(level)
        start = len(self.events)
        one_line = tag == "tr" and (self.rows > 0 or self.row_of_cells(el))
        children: Iterable[Child] = el.children
        self.rows += one_line
        if tag in ("ul", "ol"):
            self.lists.append((tag == "ol", [0], len(self.blocks)))
        elif tag == "table":
            # Data: a <th> not around a table (a Foundation column), not in a one-line row.
            heads = (c for c in _own_cells(el) if c.tag == "th")
            self.tables.append(not self.rows and any(not _has_table(c) for c in heads))
            children = self.reading_order(el)
        elif tag == "li" and not self.rows:
            self.content([self.list_marker()])
            self.sep(SPACE)
        elif tag in ("td", "th"):
            self.sep(CELL if self.tables and self.tables[-1] else SPACE)
        elif len(tag) == 2 and tag[0] == "h" and tag[1] in "123456" and not self.rows:
            self.content([(False, "#" * int(tag[1]))])
            self.sep(SPACE)

        def close() -> None:
            if tag in ("ul", "ol"):
                self.lists.pop()
            elif tag == "table":
                self.tables.pop()
            elif tag == "a":
                self.link_suffix(el, start)
            self.rows -= one_line
            if level:
                self.sep(level)

        return _Open(iter(children), pre or tag == "pre", close)

    # -- tables --

    def row_of_cells(self, row: Element) -> bool:
        """Whether a row is read as one line: two of its cells or more print something (a cell
        in a loop of the row counts as two) and, in a row of columns (cells holding tables),
        nothing in them starts a line."""
        cells = loops = 0
        columns = breaks = False
        for child in row.children:
            keyword = self.keyword_of(child)
            loops = loops + 1 if keyword == "for" else max(loops - (keyword == "endfor"), 0)
            if isinstance(child, Element) and child.tag in ("td", "th"):
                prints, tables, lines = self.cell_content(child)
                cells += (2 if loops else 1) if prints else 0
                columns, breaks = columns or tables, breaks or lines
        return cells > 1 and not (columns and breaks)

    def keyword_of(self, node: Child) -> str:
        """The keyword of the Jinja statement a node stands for; "" for any other node."""
        tag = self.token_of(node) if isinstance(node, Comment) else None
        return statement_keyword(tag) if tag and is_statement(tag) else ""

    def cell_content(self, cell: Element) -> tuple[bool, bool, bool]:
        """Whether a cell prints something (data taken to print), holds a table, and has what
        starts a line besides its tables: a block, a break, several rows (or a Jinja block)."""
        prints = tables = lines = False
        stack: list[Child] = list(cell.children)
        while stack and not (prints and tables and lines):
            node = stack.pop()
            if isinstance(node, Comment):
                tag = self.token_of(node)
                prints = prints or (tag is not None and not is_statement(tag))
            elif isinstance(node, str) or node.tag in SKIP_TAGS or _hidden(node):
                prints = prints or (isinstance(node, str) and bool(node.strip()))
            else:
                href, alt = node.attrs.get("href", ""), node.attrs.get("alt", "").strip()
                prints = prints or node.tag == "hr" or (node.tag == "img" and bool(alt))
                prints = prints or (node.tag == "a" and _prints_address(href))
                lines = lines or node.tag in COLUMN_BREAKS
                if node.tag == "table":
                    rows = [
                        r for c in node.children for r in (c.children if _row_group(c) else [c])
                    ]
                    rows = [r for r in rows if isinstance(r, Element) or self.keyword_of(r)]
                    tables, lines = True, lines or len(rows) > 1
                stack.extend(node.children)
        return prints, tables, lines

    def reading_order(self, table: Element) -> list[Child]:
        """The table's children with its `<thead>`s before its rows and its `<tfoot>`s after
        them, each with the Jinja block around it when that block holds nothing else."""
        units: list[list[Child]] = []  # the children, a Jinja block as one
        depth = 0
        for child in table.children:
            if depth == 0:
                units.append([])
            units[-1].append(child)
            keyword = self.keyword_of(child)
            depth += (keyword in ("if", "for")) - (keyword in ("endif", "endfor"))
            if depth < 0:
                return table.children
        groups: dict[str, list[list[Child]]] = {"thead": [], "tfoot": [], "": []}
        for unit in units:
            tags = {c.tag for c in unit if isinstance(c, Element)} & ROW_GROUPS
            groups[tags.pop() if tags in ({"thead"}, {"tfoot"}) else ""].append(unit)
        kept = groups[""]
        # The heads go before the first rows or block, after a caption.
        at = next((k for k, u in enumerate(kept) if any(map(self._starts_rows, u))), len(kept))
        order = [*kept[:at], *groups["thead"], *kept[at:], *groups["tfoot"]]
        return table.children if depth else [c for unit in order for c in unit]

    def _starts_rows(self, node: Child) -> bool:
        return _row_group(node) or bool(self.keyword_of(node))

    def list_marker(self) -> Part:
        if not self.lists:
            return (False, "-")
        ordered, count, depth = self.lists[-1]
        indent = "  " * (len(self.lists) - 1)
        if not ordered:
            return (False, indent + "-")
        if "for" in self.blocks[depth:] and self.tokens is not None:
            offset = f" + {count[0]}" if count[0] else ""
            return (True, indent + "{{ loop.index" + offset + " }}.")
        count[0] += 1
        return (False, f"{indent}{count[0]}.")

    def link_suffix(self, el: Element, start: int) -> None:
        href = el.attrs.get("href", "").strip()
        if not _prints_address(href):
            return
        url = self.restore(href)
        if url and not url[0][0] and url[0][1].lower().startswith("mailto:"):
            rest = url[0][1][len("mailto:") :]
            url = [(False, rest), *url[1:]] if rest else url[1:]
        label = _plain(self.events[start:])
        if not any(isinstance(e, Content) for e in self.events[start:]):
            self.content(url)
            return
        shown = "".join(t for _, t in url)
        if label in (shown, href):
            return
        guard = _nonempty_guard(url)
        if guard:
            self.statement(guard)
        self.sep(SPACE)
        self.content([(False, "("), *url, (False, ")")])
        if guard:
            self.statement("{% endif %}")

    def _is_preheader(self, el: Element) -> bool:
        names = el.attrs.get("class", "") + " " + el.attrs.get("id", "")
        return not self.seen_content or bool(PREHEADER_NAME.search(names))

    def take_preheader(self, el: Element) -> None:
        outer, depth = self.events, len(self.blocks)
        self.events = []
        self.in_preheader = True
        self.walk_children(el)
        self.in_preheader = False
        events = self.events
        self.events = outer
        if depth == 0 and len(self.blocks) == depth:
            self.preheader = events  # first of all: nothing conditional is around it
        else:
            self.preheader = []
            self.sep(PARA)
            self.events.extend(events)
            self.sep(PARA)


def _nonempty_guard(url: Sequence[Part]) -> str | None:
    """`{% if … %}` true when an address made of data only prints something: a link whose
    address prints empty gets no `(address)`, as in a rendered message."""
    if any(not j and t.strip() for j, t in url):
        return None
    outputs = [t for j, t in url if j]
    if not outputs or any(not t.startswith("{{") for t in outputs):
        return None
    tests = [f'{t[2:-2].strip("-+ ")}|default("")|string|trim' for t in outputs]
    return "{% if " + " or ".join(tests) + " %}"


def _has_table(el: Element) -> bool:
    return any(e.tag == "table" for e in el.iter())


def _row_group(node: Child) -> TypeGuard[Element]:
    return isinstance(node, Element) and node.tag in ROW_GROUPS


def _own_cells(table: Element) -> Iterator[Element]:
    """The cells of a table, not those of the tables nested in it."""
    stack = list(reversed(table.children))
    while stack:
        child = stack.pop()
        if isinstance(child, Element) and child.tag != "table":
            if child.tag in ("td", "th"):
                yield child
            else:
                stack.extend(reversed(child.children))


def _plain(events: Sequence[Event]) -> str:
    """The events' text as one line, for comparing a link's text with its address."""
    out: list[str] = []
    for e in events:
        if isinstance(e, Content):
            out.extend(t for _, t in e.parts)
        elif isinstance(e, Sep) and e.level:
            out.append(" ")
    return " ".join("".join(out).split())


# --- statements: events as nested blocks -----------------------------------------------------


@dataclass(slots=True)
class IfBlock:
    branches: list[tuple[str, list[Node]]]  # ({% if %} / {% elif %} / {% else %}, body)
    end: str

    @property
    def has_else(self) -> bool:
        return statement_keyword(self.branches[-1][0]) == "else"


@dataclass(slots=True)
class ForBlock:
    open: str
    body: list[Node]
    else_tag: str | None
    else_body: list[Node]
    end: str


Node = Content | Sep | IfBlock | ForBlock


def _nest(events: Sequence[Event]) -> list[Node]:
    root: list[Node] = []
    stack: list[tuple[IfBlock | ForBlock, list[Node]]] = []
    current = root
    for e in events:
        if not isinstance(e, Stmt):
            current.append(e)
            continue
        if e.keyword in ("if", "for"):
            block: IfBlock | ForBlock = (
                IfBlock([(e.text, [])], "")
                if e.keyword == "if"
                else ForBlock(e.text, [], None, [], "")
            )
            current.append(block)
            stack.append((block, current))
            current = block.branches[0][1] if isinstance(block, IfBlock) else block.body
        elif e.keyword in ("elif", "else") and stack:
            block = stack[-1][0]
            if isinstance(block, IfBlock):
                block.branches.append((e.text, []))
                current = block.branches[-1][1]
            else:
                block.else_tag = e.text
                current = block.else_body
        elif e.keyword in ("endif", "endfor") and stack:
            block, current = stack.pop()
            block.end = e.text
        else:
            raise ValueError(f"unexpected Jinja statement {e.text}")
    if stack:
        raise ValueError("unclosed Jinja statement")
    return root


def _tidy(nodes: list[Node]) -> list[Node]:
    """Without empty blocks (their content was hidden or skipped), and an if whose branches all
    print the same as that one branch."""
    out: list[Node] = []
    for node in nodes:
        if isinstance(node, IfBlock):
            node.branches = [(tag, _tidy(body)) for tag, body in node.branches]
            bodies = [body for _, body in node.branches]
            if not any(bodies):
                continue
            if node.has_else and all(body == bodies[0] for body in bodies):
                out.extend(bodies[0])
                continue
        elif isinstance(node, ForBlock):
            node.body = _tidy(node.body)
            node.else_body = _tidy(node.else_body)
            if not node.body and not node.else_body:
                continue
        out.append(node)
    return out


# --- layout: where separators go, decided once for every path through the template ----------

START = (-1, 0)  # nothing printed yet
State = tuple[int, int]  # (separator pending since the last content, separator already printed)


def _upgrade(printed: int, wanted: int) -> str:
    if wanted <= printed:
        return ""
    if printed == NONE:
        return SEPARATORS[wanted]
    if printed == SPACE and wanted == CELL:
        return "| "
    if printed == LINE and wanted == PARA:
        return "\n"
    return SEPARATORS[wanted]


def _separator(states: Iterable[State]) -> tuple[set[str], bool]:
    """The separators the states want before the next content; whether START is among them."""
    wanted: set[str] = set()
    start = False
    for s in states:
        if s == START:
            start = True
        else:
            wanted.add(_upgrade(s[1], s[0]))
    return wanted, start


def _pick(states: Iterable[State]) -> str:
    """One separator for states that want different ones: the strongest."""
    best: State | None = None
    for s in states:
        if s != START and (best is None or (s[0], -s[1]) > (best[0], -best[1])):
            best = s
    return _upgrade(best[1], best[0]) if best else ""


def _with_sep(states: frozenset[State], level: int) -> frozenset[State]:
    return frozenset(s if s == START else (max(s[0], level), s[1]) for s in states)


class _Layout:
    """Separators placed before each content, inside the branch that prints it.

    A separator is decided at compile time from every way the template can reach that content:
    the pending separators of all paths (a skipped branch, a loop's first or next iteration).
    When they differ in a loop's first content, `{% if loop.first %}` chooses; elsewhere the
    strongest wins. A branch of separators only (`{% if not loop.last %}<br>{% endif %}`) prints
    its separator where it is. Nothing is printed before the first content of all: when that
    depends on the data, the template is wrapped in `{% filter trim %}`.
    """

    def __init__(self) -> None:
        self.trim = False
        # What a flow without output leaves, by (nodes, states): such a flow is a pure function
        # of the two, and a loop flows its body several times to find where its iterations
        # meet. Without the memo each level of nested loops would double the work of the
        # levels inside it (2^24 flows for 24 nested loops); with it, each body is flowed
        # once per set of states that reaches it.
        self._flowed: dict[tuple[int, frozenset[State]], frozenset[State]] = {}

    def flow(
        self,
        nodes: Sequence[Node],
        states: frozenset[State],
        out: list[Part] | None,
        split: tuple[frozenset[State], frozenset[State]] | None = None,
    ) -> frozenset[State]:
        if out is not None:
            return self._flow(nodes, states, out, split)
        key = (id(nodes), states)
        after = self._flowed.get(key)
        if after is None:
            after = self._flowed[key] = self._flow(nodes, states, None, None)
        return after

    def _flow(
        self,
        nodes: Sequence[Node],
        states: frozenset[State],
        out: list[Part] | None,
        split: tuple[frozenset[State], frozenset[State]] | None,
    ) -> frozenset[State]:
        for node in nodes:
            if isinstance(node, Sep):
                states = _with_sep(states, node.level)
                if split:
                    split = (_with_sep(split[0], node.level), _with_sep(split[1], node.level))
            elif isinstance(node, Content):
                if out is not None:
                    out.extend(self.separator(states, split))
                    out.extend(node.parts)
                states, split = frozenset({(NONE, NONE)}), None
            elif isinstance(node, IfBlock):
                states, split = self.if_block(node, states, out), None
            else:
                states, split = self.for_block(node, states, out), None
        return states

    def separator(
        self,
        states: frozenset[State],
        split: tuple[frozenset[State], frozenset[State]] | None,
    ) -> list[Part]:
        wanted, start = _separator(states)
        if start and any(wanted):
            self.trim = True
        if len(wanted) <= 1:
            return [(False, next(iter(wanted), ""))]
        if split is not None:
            first, first_start = _separator(split[0])
            rest, _ = _separator(split[1])
            if first_start and any(first):
                self.trim = True
            if len(first) <= 1 and len(rest) == 1 and first != rest:
                a = next(iter(first), "")
                return [
                    (True, "{% if loop.first %}"),
                    (False, a),
                    (True, "{% else %}"),
                    (False, rest.pop()),
                    (True, "{% endif %}"),
                ]
        return [(False, _pick(states))]

    def if_block(
        self, node: IfBlock, states: frozenset[State], out: list[Part] | None
    ) -> frozenset[State]:
        separators_only = all(isinstance(n, Sep) for _, body in node.branches for n in body)
        printed = {s[1] for s in states}
        if separators_only and START not in states and len(printed) == 1:
            (done,) = printed
            after: set[State] = set() if node.has_else else set(states)
            for tag, body in node.branches:
                level = max((n.level for n in body if isinstance(n, Sep)), default=NONE)
                if out is not None:
                    out.append((True, tag))
                    out.append((False, _upgrade(done, level)))
                after |= {(max(p, level), max(done, level)) for p, _ in states}
            if out is not None:
                out.append((True, node.end))
            return frozenset(after)
        result: set[State] = set() if node.has_else else set(states)
        for tag, body in node.branches:
            if out is not None:
                out.append((True, tag))
            result |= self.flow(body, states, out)
        if out is not None:
            out.append((True, node.end))
        return frozenset(result)

    def for_block(
        self, node: ForBlock, states: frozenset[State], out: list[Part] | None
    ) -> frozenset[State]:
        end = self.flow(node.body, states, None)
        for _ in range(8):
            again = self.flow(node.body, states | end, None)
            if again == end:
                break
            end = again
        if out is not None:
            out.append((True, node.open))
            self.flow(node.body, states | end, out, (states, end))
        result = set(end)
        if node.else_tag is not None:
            if out is not None:
                out.append((True, node.else_tag))
            result |= self.flow(node.else_body, states, out)
        else:
            result |= states
        if out is not None:
            out.append((True, node.end))
        return frozenset(result)


def _render_parts(parts: Sequence[Part], template: bool) -> str:
    """Parts as one string; in a template, static text is escaped where it would open a tag."""
    out: list[str] = []
    static: list[str] = []

    def flush() -> None:
        if static:
            text = "".join(static)
            out.append(escape_delimiters(text) if template else text)
            static.clear()

    for is_jinja, text in parts:
        if is_jinja:
            flush()
            out.append(text)
        else:
            static.append(text)
    flush()
    return "".join(out)


def _layout(events: Sequence[Event], template: bool) -> str:
    nodes = _tidy(_nest(events))
    layout = _Layout()
    parts: list[Part] = []
    layout.flow(nodes, frozenset({START}), parts)
    body = _render_parts(parts, template)
    if not body.strip():
        return ""
    if template and layout.trim:
        return "{% filter trim %}" + body + "{% endfilter %}\n"
    return body.strip() + "\n" if not template else body + "\n"


def _events(tree: Element, tokens: Tokens | None) -> list[Event]:
    walker = _Walker(tokens)
    walker.walk_children(tree)
    events = walker.events
    if walker.preheader:
        events = [*walker.preheader, Sep(PARA), *events]
    return events


def derive_text(tree: Element, tokens: Tokens) -> str:
    """The text part of a template, as a Jinja template (autoescape off), from the HTML5 tree
    of the template whose Jinja tags are tokens. Raises ValueError for statements that do not
    nest."""
    return _layout(_events(tree, tokens), template=True)


def tree_to_text(tree: Element) -> str:
    """The text of a parsed HTML document (no Jinja)."""
    return _layout(_events(tree, None), template=False)


def html_to_text(html: str, parse: Callable[[str], str] | None = None) -> str:
    """Readable text of one HTML message (see the module's layout rules).

    `parse` is the HTML5 parser, serializing; css-inline's (without inlining) by default.
    """
    if not html.strip():
        return ""
    if parse is None:
        parse = serialize
    return tree_to_text(parse_serialized(parse(html)))


__all__ = ["derive_text", "html_to_text", "tree_to_text"]
