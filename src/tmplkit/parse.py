"""Jinja-syntax source → tmplkit IR; non-portable constructs refused with their position."""

from __future__ import annotations

import hashlib
import json
import math
import re
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NoReturn

import jinja2
from jinja2 import nodes as jn

from . import ir
from .datafile import BOM, source_text
from .errors import TemplateError
from .i18n import formats

PLACEHOLDER_RE = re.compile(r"%\((\w+)\)s")
# python-format read left to right: a literal `%%`, or a `%(name)s` placeholder (group 1), so
# that `100%%(v)s` is "100%(v)s" with no placeholder in it.
FORMAT_TOKEN_RE = re.compile(r"%%|%\((\w+)\)s")
BLOCK_INCLUDE_RE = re.compile(r"^blocks/([a-z0-9][a-z0-9._-]*)$")

FILTERS = {"default", "upper", "lower", "safe", "escape", "e", "d"}
FILTER_HINT = (
    'the portable filters are default("x"), upper, lower, safe, escape, format_date, '
    "format_datetime, format_time, format_number, format_decimal, format_percent and "
    "format_currency; compute other values in your data"
)
# The arguments of each format filter, in Babel's order (see i18n/formats.py).
FORMAT_ARGS: dict[str, tuple[str, ...]] = {
    "date": ("format",),
    "datetime": ("format", "tz"),
    "time": ("format",),
    "decimal": ("format",),
    "percent": ("format",),
    "currency": ("currency", "format"),
}
FORMAT_EXAMPLES = {
    "date": 'format_date("long")',
    "datetime": 'format_datetime("short", tz="Europe/Paris")',
    "time": 'format_time("short")',
    "decimal": 'format_decimal("#,##0.00")',
    "percent": 'format_percent("#,##0.0%")',
    "currency": 'format_currency("EUR") or format_currency(order.currency)',
}
LOOP_ATTRS = {"index", "index0", "first", "last"}
RESERVED_NAMES = {"self", "super", "caller", "varargs", "kwargs"}
GETTEXT_NAMES = {"_", "gettext", "ngettext", "pgettext", "npgettext"}

# A hint for each construct Jinja accepts but tmplkit cannot carry to every target language.
STATEMENT_HINTS: dict[type[jn.Node], tuple[str, str, str]] = {
    jn.Assign: ("{% set %}", "set", "compute the value in your recipient data instead"),
    jn.AssignBlock: ("{% set %}", "set", "compute the value in your recipient data instead"),
    jn.Macro: (
        "{% macro %}",
        "macro",
        'put the shared markup in a block: {% include "blocks/NAME" %}',
    ),
    jn.CallBlock: (
        "{% call %}",
        "call",
        'put the shared markup in a block: {% include "blocks/NAME" %}',
    ),
    jn.Extends: ("{% extends %}", "extends", 'use blocks: {% include "blocks/header" %}'),
    jn.Block: ("{% block %}", "block", 'use blocks: {% include "blocks/NAME" %}'),
    jn.Import: ("{% import %}", "import", 'use blocks: {% include "blocks/NAME" %}'),
    jn.FromImport: ("{% from %}", "from", 'use blocks: {% include "blocks/NAME" %}'),
    jn.FilterBlock: ("{% filter %}", "filter", "apply a portable filter to each output"),
    jn.With: ("{% with %}", "with", "refer to the data directly"),
    jn.Scope: ("{% with %}", "with", "refer to the data directly"),
}

OPERATOR_HINT = (
    "compute the value in your recipient data, or compare with == / != against a literal"
)
EXPRESSION_NAMES: dict[type[jn.Node], tuple[str, str]] = {
    jn.Add: ("arithmetic (+)", r"\+"),
    jn.Sub: ("arithmetic (-)", r"-"),
    jn.Mul: ("arithmetic (*)", r"\*"),
    jn.Div: ("arithmetic (/)", r"/"),
    jn.FloorDiv: ("arithmetic (//)", r"//"),
    jn.Mod: ("arithmetic (%)", r"%"),
    jn.Pow: ("arithmetic (**)", r"\*\*"),
    jn.Neg: ("arithmetic (unary -)", r"-"),
    jn.Pos: ("arithmetic (unary +)", r"\+"),
    jn.Concat: ("string concatenation (~)", r"~"),
    jn.CondExpr: ("inline if-expression", r"\bif\b"),
    jn.List: ("a list literal", r"\["),
    jn.Tuple: ("a tuple", r"[(,]"),
    jn.Dict: ("a dict literal", r"\{"),
    jn.Slice: ("a slice", r":"),
}
COMPARE_OPS = {"eq": "==", "ne": "!="}

# Jinja's statements that open a block closed by `end<keyword>`: the portable if, for and trans,
# and those refused later, which Jinja's parser must still get through first.
BLOCK_STATEMENTS = frozenset(
    ["if", "for", "trans", "macro", "call", "filter", "with", "block", "autoescape", "set"]
)
NESTING_HINT = "combine conditions with and or elif, or include fewer blocks inside others"
EXPRESSION_HINT = "compute the value in your recipient data, or split the condition"
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_STRING_RE = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'", re.S)
_EXPRESSION_LEVEL_RE = re.compile(r"[(\[{]|[)\]}]|\bnot\b")


# --- reading a source --------------------------------------------------------------------------


def read_source(path: Path, file: str) -> str:
    """The source in `path` (see datafile.source_text); `file` is its name in messages."""
    return source_text(path.read_bytes(), file)


# --- the tag scanner: positions and translator comments Jinja's AST does not keep ---------------


@dataclass(slots=True)
class Tag:
    kind: str  # "{{", "{%" or "{#"
    start: int  # offset of the opening delimiter
    end: int  # offset just past the closing delimiter
    line: int
    col: int
    end_line: int
    inner: str  # text between the delimiters, whitespace-control markers removed
    comment: str | None = None  # a translator comment written just before this tag


def _scan(source: str) -> list[Tag]:
    """Every `{{ }}`, `{% %}` and `{# #}` tag with its position; `{% raw %}` content is text."""
    tags: list[Tag] = []
    line_starts = [0] + [m.end() for m in re.finditer("\n", source)]

    def where(offset: int) -> tuple[int, int]:
        lo, hi = 0, len(line_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if line_starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1, offset - line_starts[lo] + 1

    opener = re.compile(r"\{[{%#]")
    raw_end = re.compile(r"\{%[-+]?\s*endraw\s*[-+]?%\}")
    i = 0
    n = len(source)
    while True:
        m = opener.search(source, i)
        if not m:
            break
        kind = m.group()
        start = m.start()
        if kind == "{#":
            close = source.find("#}", start + 2)
            end = n if close < 0 else close + 2
        else:
            closing = "}}" if kind == "{{" else "%}"
            j = start + 2
            quote = ""
            end = n
            while j < n:
                c = source[j]
                if quote:
                    if c == "\\":
                        j += 1
                    elif c == quote:
                        quote = ""
                elif c in "'\"":
                    quote = c
                elif source.startswith(closing, j):
                    end = j + 2
                    break
                j += 1
        inner = source[start + 2 : max(start + 2, end - 2)].strip("-+ \t\r\n")
        line, col = where(start)
        end_line, _ = where(max(start, end - 1))
        tags.append(Tag(kind, start, end, line, col, end_line, inner))
        i = end
        if kind == "{%" and re.fullmatch(r"raw", inner):
            rm = raw_end.search(source, end)
            if rm:
                line, col = where(rm.start())
                tags.append(Tag("{%", rm.start(), rm.end(), line, col, line, "endraw"))
                i = rm.end()
    _attach_translator_comments(tags)
    return tags


def _attach_translator_comments(tags: list[Tag]) -> None:
    """Jinja's (and so pybabel's) rule: a translation gets the nearest `{# Translators: … #}`
    written after the previous translation."""
    pending: str | None = None
    for tag in tags:
        if tag.kind == "{#" and tag.inner.lower().startswith("translators:"):
            pending = tag.inner.split(":", 1)[1].strip()
        elif _is_gettext_tag(tag):
            tag.comment, pending = pending, None


def _is_gettext_tag(tag: Tag) -> bool:
    if tag.kind == "{%":
        return re.match(r"trans\b", tag.inner) is not None
    return tag.kind == "{{" and re.match(r"(_|n?p?gettext)\s*\(", tag.inner) is not None


# --- limits: checked on the tags, before Jinja's parser (which recurses on nesting) reads them ---


def _check_nesting(tags: list[Tag], file: str) -> int:
    """The deepest nesting level of a source's statements (ir.MAX_DEPTH counts the levels);
    a TemplateError at the first construct over a limit: too deep, too many nested loops, or
    an expression that nests too deeply."""
    open_blocks: list[str] = []
    loops = deepest = 0

    def fail(tag: Tag, message: str, hint: str) -> NoReturn:
        raise TemplateError(message, file=file, line=tag.line, col=tag.col, hint=hint)

    def enter(tag: Tag, construct: str) -> None:
        nonlocal deepest
        level = len(open_blocks) + 1
        if level > ir.MAX_DEPTH:
            fail(
                tag,
                f"{construct} is nested {level} levels deep, more than the limit of {ir.MAX_DEPTH}",
                NESTING_HINT,
            )
        deepest = max(deepest, level)

    for tag in tags:
        if tag.kind == "{#":
            continue
        _check_expression_text(tag, fail)
        if tag.kind == "{{":
            if _is_gettext_tag(tag):
                enter(tag, "{{ _() }}")
            continue
        keyword = tag.inner.split(None, 1)[0] if tag.inner else ""
        if keyword in BLOCK_STATEMENTS and not (keyword == "set" and "=" in tag.inner):
            enter(tag, f"{{% {keyword} %}}")
            if keyword == "for":
                loops += 1
                if loops > ir.MAX_LOOPS:
                    fail(
                        tag,
                        f"{{% for %}} is nested {loops} loops deep, more than the limit of "
                        f"{ir.MAX_LOOPS}",
                        "flatten the data so that fewer loops nest",
                    )
            open_blocks.append(keyword)
        elif keyword == "include":
            enter(tag, "{% include %}")
        elif open_blocks and keyword == "end" + open_blocks[-1]:
            loops -= 1 if open_blocks.pop() == "for" else 0
    return deepest


def _check_expression_text(tag: Tag, fail: Callable[[Tag, str, str], NoReturn]) -> None:
    """Parentheses, brackets and `not`s nested or repeated past ir.MAX_EXPRESSION_DEPTH in one
    tag: Jinja's parser would recurse that deep (the converter checks the rest on the tree)."""
    inner = tag.inner
    if not any(c in inner for c in "([{") and "not" not in inner:
        return
    depth = deepest = nots = 0
    for m in _EXPRESSION_LEVEL_RE.finditer(_STRING_RE.sub('""', inner)):
        token = m.group()
        if token == "not":
            nots += 1
        elif token in "([{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    if max(deepest, nots) > ir.MAX_EXPRESSION_DEPTH:
        fail(tag, _too_deep_expression(max(deepest, nots)), EXPRESSION_HINT)


def _too_deep_expression(levels: int) -> str:
    return (
        f"the expression is nested {levels} levels deep, more than the limit of "
        f"{ir.MAX_EXPRESSION_DEPTH}"
    )


def _expression_depth(node: jn.Node) -> int:
    """How deeply a Jinja expression tree nests (a name or a constant is 1)."""
    deepest = 0
    stack = [(node, 1)]
    while stack:
        current, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in current.iter_child_nodes())
    return deepest


# --- the Jinja environment used only for parsing -----------------------------------------------


@lru_cache(maxsize=1)
def _parser_env() -> jinja2.Environment:
    env = jinja2.Environment(
        extensions=["jinja2.ext.i18n"], autoescape=False, keep_trailing_newline=True
    )
    env.policies["ext.i18n.trimmed"] = True
    env.newstyle_gettext = True  # type: ignore[attr-defined]  # trans blocks become plain calls
    return env


def source_hash(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def parse(source: str, file: str = "<template>") -> ir.Template:
    """Parse a template source into IR; raise TemplateError with position for anything else.

    A byte order mark at the start is not part of the template (nor of its columns)."""
    return _Converter(source.removeprefix(BOM), file).convert()


class _Converter:
    def __init__(self, source: str, file: str) -> None:
        self.source = source
        self.file = file
        self.tags = _scan(source)
        self.depth = _check_nesting(self.tags, file)
        self.cursor = 0
        self.loop_depth = 0
        self.level = 0  # the nesting level of the statement being converted
        self._tag_lines: list[int] | None = None

    # -- errors and positions --

    def fail(
        self,
        message: str,
        pos: ir.Pos,
        *,
        construct: str | None = None,
        hint: str | None = None,
    ) -> NoReturn:
        raise TemplateError(
            message, file=self.file, line=pos.line, col=pos.col, construct=construct, hint=hint
        )

    def take(self, kind: str, pattern: str | None, lineno: int) -> Tag | None:
        """The next tag of this kind (and inner pattern) at or after `lineno`, in document order."""
        for idx in range(self.cursor, len(self.tags)):
            tag = self.tags[idx]
            if tag.kind != kind or tag.end_line < lineno:
                continue
            if pattern is not None and not re.match(pattern, tag.inner):
                continue
            self.cursor = idx + 1
            return tag
        return None

    def tag_pos(self, tag: Tag | None, lineno: int) -> ir.Pos:
        return ir.Pos(tag.line, tag.col) if tag else ir.Pos(lineno, 1)

    def locate(self, lineno: int, pattern: str, tag: Tag | None = None) -> ir.Pos:
        """Where `pattern` is inside the tag (or else in the first tag) on `lineno`."""
        regex = re.compile(pattern)
        first: Tag | None = None
        for t in self._tags_on(lineno, tag):
            first = first or t
            body_start = t.start + 2
            m = regex.search(self.source, body_start, max(body_start, t.end - 2))
            if m:
                return self._pos_of(m.start(), t)
        if first is not None:
            return ir.Pos(first.line, first.col)
        return ir.Pos(lineno, 1)

    def _tags_on(self, lineno: int, tag: Tag | None) -> Iterator[Tag]:
        """`tag`, then the other tags that span line `lineno`, in document order (found by
        bisection: tags do not overlap, so their lines and end lines never decrease)."""
        if tag is not None:
            yield tag
        if self._tag_lines is None:
            self._tag_lines = [t.line for t in self.tags]
        hi = bisect_right(self._tag_lines, lineno)
        lo = hi
        while lo > 0 and self.tags[lo - 1].end_line >= lineno:
            lo -= 1
        for t in self.tags[lo:hi]:
            if t is not tag:
                yield t

    def _pos_of(self, offset: int, tag: Tag) -> ir.Pos:
        """The position of an offset inside `tag`, counted from the tag's own position (not
        from the start of the source: that would cost the source's length per call)."""
        newlines = self.source.count("\n", tag.start, offset)
        if not newlines:
            return ir.Pos(tag.line, tag.col + offset - tag.start)
        return ir.Pos(tag.line + newlines, offset - self.source.rfind("\n", tag.start, offset))

    # -- template and statements --

    def convert(self) -> ir.Template:
        try:
            tree = _parser_env().parse(self.source)
        except jinja2.TemplateSyntaxError as exc:
            self._syntax_error(exc)
        self._whole_characters(tree)
        body = self.body(tree.body)
        return ir.Template(
            body=body, file=self.file, source_hash=source_hash(self.source), depth=self.depth
        )

    def _whole_characters(self, tree: jn.Template) -> None:
        """String literals as characters: Jinja reads `"\\ud83d\\ude00"` as two UTF-16 halves,
        which no file or message can hold. A pair becomes the character it encodes; a lone
        half is an error at its line."""
        for const in tree.find_all(jn.Const):
            value = const.value
            if not isinstance(value, str) or not _SURROGATE_RE.search(value):
                continue
            joined = value.encode("utf-16", "surrogatepass").decode("utf-16", "surrogatepass")
            lone = _SURROGATE_RE.search(joined)
            if lone is None:
                const.value = joined
                continue
            code = f"{ord(lone.group(0)):04x}"
            pos = self.locate(const.lineno or 1, r"(?i)\\u" + code)
            raise TemplateError(
                f"the string literal holds \\u{code}, half of a UTF-16 pair, alone",
                file=self.file,
                line=pos.line,
                col=pos.col,
                hint="write the character itself (or \\U0001f600 for one beyond \\uffff)",
            )

    def _syntax_error(self, exc: jinja2.TemplateSyntaxError) -> NoReturn:
        lineno = exc.lineno or 1
        on_line = [t for t in self.tags if t.line <= lineno <= t.end_line and t.kind != "{#"]
        pos = ir.Pos(on_line[-1].line, on_line[-1].col) if on_line else ir.Pos(lineno, 1)
        hint = None
        message = exc.message or "syntax error"
        unknown = re.match(r"Encountered unknown tag '(\w+)'", message)
        if unknown:
            hint = "the portable tags are if/elif/else, for, trans/pluralize, include and raw"
            pos = self.locate(lineno, r"\b" + re.escape(unknown.group(1)) + r"\b")
        elif self._inside_trans(lineno):
            hint = (
                "inside {% trans %} write only {{ name }} and bind it in the tag: "
                "{% trans name=user.first_name %}"
            )
        raise TemplateError(
            f"syntax error: {message}", file=self.file, line=pos.line, col=pos.col, hint=hint
        ) from None

    def _inside_trans(self, lineno: int) -> bool:
        opened: Tag | None = None
        for t in self.tags:
            if t.kind != "{%":
                continue
            if re.match(r"trans\b", t.inner):
                opened = t
            elif re.match(r"endtrans\b", t.inner) and opened:
                if opened.line <= lineno <= t.end_line:
                    return True
                opened = None
        return opened is not None and opened.line <= lineno

    def body(self, stmts: list[jn.Node]) -> ir.Body:
        out: list[ir.Node] = []
        for stmt in stmts:
            out.extend(self.statement(stmt))
        return merge_text(out)

    def statement(self, node: jn.Node) -> list[ir.Node]:
        if isinstance(node, jn.Output):
            result: list[ir.Node] = []
            for child in node.nodes:
                result.append(self.output_child(child))
            return result
        if isinstance(node, jn.If):
            return [self.if_(node)]
        if isinstance(node, jn.For):
            return [self.for_(node)]
        if isinstance(node, jn.Include):
            return [self.include(node)]
        if (
            isinstance(node, jn.Assign)
            and isinstance(node.target, jn.Name)
            and node.target.name == "_trans"
        ):
            # Jinja computes a trans block's first binding once, before the block, when it is
            # a call (`{% trans x=f() %}`): refused as _() refuses a call.
            tag = self.take("{%", r"trans\b", node.node.lineno or 1)
            self.value(node.node, tag)
        hint = STATEMENT_HINTS.get(type(node))
        tag = self.take("{%", None, node.lineno)
        if hint:
            label, keyword, advice = hint
            pos = self.locate(node.lineno, r"\b" + keyword + r"\b", tag)
            self.fail(f"{label} is not portable", pos, construct=label, hint=advice)
        pos = self.tag_pos(tag, node.lineno)
        name = type(node).__name__.lower()
        self.fail(f"{{% {name} %}} is not portable", pos, construct=name)

    def output_child(self, child: jn.Node) -> ir.Node:
        if isinstance(child, jn.TemplateData):
            return ir.Text(child.data)
        if isinstance(child, jn.Call) and self._gettext_name(child):
            return self.trans(child)
        tag = self.take("{{", None, child.lineno)
        if (
            isinstance(child, jn.Const)
            and isinstance(child.value, str | int)
            and not isinstance(child.value, bool)
        ):
            text = str(child.value)
            if re.search(r"[<>&\"']", text):
                self.fail(
                    "a string literal with HTML characters is not portable",
                    self.tag_pos(tag, child.lineno),
                    construct="literal",
                    hint="write the text directly in the template",
                )
            return ir.Text(text)
        value = self.value(child, tag)
        return ir.Output(value, self.tag_pos(tag, child.lineno))

    @staticmethod
    def _gettext_name(call: jn.Call) -> str | None:
        if isinstance(call.node, jn.Name) and call.node.name in GETTEXT_NAMES:
            return call.node.name
        return None

    def if_(self, node: jn.If) -> ir.If:
        tag = self.take("{%", r"if\b", node.lineno)
        pos = self.tag_pos(tag, node.lineno)
        self.level += 1
        branches = [(self.condition(node.test, tag), self.body(node.body))]
        for elif_ in node.elif_:
            etag = self.take("{%", r"elif\b", elif_.lineno)
            branches.append((self.condition(elif_.test, etag), self.body(elif_.body)))
        else_ = self.body(node.else_)
        self.level -= 1
        return ir.If(tuple(branches), else_, pos)

    def for_(self, node: jn.For) -> ir.For:
        tag = self.take("{%", r"for\b", node.lineno)
        pos = self.tag_pos(tag, node.lineno)
        if not isinstance(node.target, jn.Name):
            self.fail(
                "unpacking in a for loop is not portable",
                self.locate(node.lineno, r"\bfor\b", tag),
                construct="for with unpacking",
                hint="loop over a list of objects: {% for line in order.lines %}",
            )
        if node.recursive:
            self.fail(
                "recursive loops are not portable",
                self.locate(node.lineno, r"\brecursive\b", tag),
                construct="recursive for",
                hint="flatten the data",
            )
        if node.test is not None:
            self.fail(
                "a loop filter (for … if …) is not portable",
                self.locate(node.lineno, r"\bif\b", tag),
                construct="for … if",
                hint="wrap the loop body in {% if %}, or filter the list in your data",
            )
        if node.target.name == "loop":
            self.fail("`loop` is reserved", pos, construct="for loop")
        self.check_expression(node.iter, tag, node.lineno)
        iterable = self.ref(node.iter, tag)
        if not isinstance(iterable, ir.Path):
            self.fail("a loop must go over a list in the data", pos, construct="for loop")
        self.level += 1
        self.loop_depth += 1
        body = self.body(node.body)
        self.loop_depth -= 1
        else_ = self.body(node.else_)
        self.level -= 1
        return ir.For(node.target.name, iterable, body, else_, pos)

    def include(self, node: jn.Include) -> ir.BlockRef:
        tag = self.take("{%", r"include\b", node.lineno)
        pos = self.tag_pos(tag, node.lineno)
        tmpl = node.template
        name = tmpl.value if isinstance(tmpl, jn.Const) and isinstance(tmpl.value, str) else None
        match = BLOCK_INCLUDE_RE.match(name or "")
        if not match or node.ignore_missing or not node.with_context:
            self.fail(
                "only blocks can be included, by a literal name",
                pos,
                construct="include",
                hint='write {% include "blocks/footer" %} for the block with slug "footer"',
            )
        return ir.BlockRef(match.group(1), pos, self.level + 1)

    # -- translations --

    def trans(self, call: jn.Call) -> ir.Trans:
        name = self._gettext_name(call) or ""
        from_block = self._is_block(call)
        if from_block:
            tag = self.take("{%", r"trans\b", call.lineno)
            self._skip_to_endtrans()
        else:
            tag = self.take("{{", None, call.lineno)
        pos = self.tag_pos(tag, call.lineno)
        args = list(call.args)
        if call.dyn_args or call.dyn_kwargs or not all(isinstance(a, jn.Const) for a in args[:1]):
            self.fail(
                f"{name}() needs literal strings",
                pos,
                construct=f"{name}()",
                hint='write _("Shop now") or a {% trans %} block',
            )
        context = plural = None
        count_expr: jn.Node | None = None
        strings: list[str] = []
        wanted = {"_": 1, "gettext": 1, "pgettext": 2, "ngettext": 2, "npgettext": 3}[name]
        for a in args[:wanted]:
            if not isinstance(a, jn.Const) or not isinstance(a.value, str):
                self.fail(f"{name}() needs literal strings", pos, construct=f"{name}()")
            strings.append(a.value)
        if len(strings) != wanted:
            self.fail(f"{name}() needs {wanted} string arguments", pos, construct=f"{name}()")
        if name in ("pgettext", "npgettext"):
            context = strings.pop(0)
        msgid = strings[0]
        if name in ("ngettext", "npgettext"):
            plural = strings[1]
            rest = args[wanted:]
            if len(rest) != 1:
                self.fail(f"{name}() needs a count", pos, construct=f"{name}()")
            count_expr = rest[0]
        elif len(args) > wanted:
            self.fail(f"{name}() takes only its strings and name=value pairs", pos)
        bindings: list[tuple[str, ir.Value]] = []
        count: str | None = None
        for kw in call.kwargs:
            value = self.value(kw.value, tag)
            bindings.append((kw.key, value))
            if count_expr is not None and count is None and kw.value == count_expr:
                count = kw.key
        if count_expr is not None and count is None:
            # Jinja's newstyle ngettext gives the count the name `num` (and drops a trans
            # block's own `num=` binding for it): a string using %(num)s means the count.
            used = placeholders(msgid + "\x00" + (plural or ""))
            count = "num" if "num" in used and all(n != "num" for n, _ in bindings) else "count"
            bindings.append((count, self.value(count_expr, tag)))
        has_vars = bool(bindings)
        if not has_vars and from_block:
            # Jinja escapes % as %% in every trans block; gettext writes a placeholder-free string
            # as-is (no python-format), so "Save 50% off" stays "Save 50% off".
            msgid = msgid.replace("%%", "%")
            plural = plural.replace("%%", "%") if plural else None
        self._check_placeholders(msgid, plural, bindings, pos, has_vars)
        return ir.Trans(
            msgid=msgid,
            plural=plural,
            context=context,
            bindings=tuple(bindings),
            count=count,
            comment=tag.comment if tag else None,
            pos=pos,
        )

    def _is_block(self, call: jn.Call) -> bool:
        """A gettext call made by a {% trans %} block (rather than written as _() in an output).

        The call's own tag is the next output or trans tag not yet taken; statement tags that
        are never taken (else, endif, endfor) lie in between.
        """
        for idx in range(self.cursor, len(self.tags)):
            tag = self.tags[idx]
            if tag.end_line < call.lineno or tag.kind == "{#":
                continue
            if tag.kind == "{{":
                return False
            if re.match(r"trans\b", tag.inner):
                return True
        return False

    def _skip_to_endtrans(self) -> None:
        for idx in range(self.cursor, len(self.tags)):
            tag = self.tags[idx]
            if tag.kind == "{%" and re.match(r"endtrans\b", tag.inner):
                self.cursor = idx + 1
                return

    def _check_placeholders(
        self,
        msgid: str,
        plural: str | None,
        bindings: list[tuple[str, ir.Value]],
        pos: ir.Pos,
        has_vars: bool,
    ) -> None:
        if not has_vars:
            if placeholders(msgid) or placeholders(plural or ""):
                used = placeholders(msgid + "\x00" + (plural or ""))[0]
                self.fail(
                    f"placeholder %({used})s has no value",
                    pos,
                    construct="translation string",
                    hint=f'pass it: _("…", {used}=…)',
                )
            return
        names = {n for n, _ in bindings}
        for text in (msgid, plural or ""):
            if "%" in FORMAT_TOKEN_RE.sub("", text):
                self.fail(
                    f"invalid % in {text!r}",
                    pos,
                    construct="translation string",
                    hint="write a literal percent sign as %% when the string has placeholders",
                )
            for used in placeholders(text):
                if used not in names:
                    self.fail(
                        f"placeholder %({used})s has no value",
                        pos,
                        construct="translation string",
                        hint=f'pass it: _("…", {used}=…)',
                    )

    # -- expressions --

    def check_expression(self, node: jn.Node, tag: Tag | None, lineno: int) -> None:
        """Refuses an expression nested deeper than ir.MAX_EXPRESSION_DEPTH, before the
        conversion (and every later stage) recurses into it."""
        depth = _expression_depth(node)
        if depth > ir.MAX_EXPRESSION_DEPTH:
            self.fail(_too_deep_expression(depth), self.tag_pos(tag, lineno), hint=EXPRESSION_HINT)

    def condition(self, node: jn.Node, tag: Tag | None) -> ir.Cond:
        """The condition of an `if` or `elif`."""
        self.check_expression(node, tag, node.lineno)
        return self.cond(node, tag)

    def value(self, node: jn.Node, tag: Tag | None) -> ir.Value:
        self.check_expression(node, tag, node.lineno)
        chain: list[tuple[jn.Filter, ir.Filter | None]] = []  # outermost first
        while isinstance(node, jn.Filter):
            portable = None if node.name in formats.FILTERS else self.filter_(node, tag)
            chain.append((node, portable))
            assert node.node is not None
            node = node.node
        chain.reverse()
        fmt: ir.Format | None = None
        filters: list[ir.Filter] = []
        for i, (f, portable) in enumerate(chain):
            if portable is None:
                fmt = self.format_(f, tag, first=i == 0)
            elif fmt is not None and portable.name not in ("safe", "escape"):
                previous = chain[i - 1][0].name
                self.fail(
                    f"'{f.name}' cannot follow {previous}",
                    self.locate(f.lineno, r"\|\s*" + re.escape(f.name) + r"\b", tag),
                    construct=f"|{f.name}",
                    hint="a format filter comes first, and only escape or safe may follow it",
                )
            else:
                filters.append(portable)
        return ir.Value(self.ref(node, tag), tuple(filters), fmt)

    def format_(self, node: jn.Filter, tag: Tag | None, *, first: bool) -> ir.Format:
        """A format filter (format_date, format_currency, …) and its literal arguments."""
        name = node.name
        kind = formats.FILTERS[name]
        pos = self.locate(node.lineno, r"\|\s*" + re.escape(name) + r"\b", tag)
        example = FORMAT_EXAMPLES[kind]

        def fail(message: str, hint: str = f"write {example}") -> NoReturn:
            self.fail(message, pos, construct=f"|{name}", hint=hint)

        if not first:
            hint = f"write {{{{ value|{name}(…) }}}}, then escape or safe if needed"
            fail(f"{name} must be the first filter", hint)
        params = FORMAT_ARGS[kind]
        if node.dyn_args or node.dyn_kwargs:
            fail(f"{name}() takes its arguments one by one")
        if len(node.args) > len(params):
            fail(f"{name}() takes at most {len(params)} argument{'s' * (len(params) > 1)}")
        args: dict[str, jn.Node] = dict(zip(params, node.args, strict=False))
        for kw in node.kwargs:
            key = kw.key
            assert isinstance(key, str)  # a keyword argument's name
            if key == "locale":
                fail(
                    f"{name}() takes no locale: values are formatted in the recipient's",
                    "render or compile with --locale fr-FR",
                )
            if key not in params or key in args:
                taken = "is given twice" if key in args else "is not one of its arguments"
                fail(f"{name}(): {key!r} {taken}", f"its arguments: {', '.join(params)}")
            args[key] = kw.value

        def literal(key: str) -> str | None:
            arg = args.get(key)
            if arg is None or (isinstance(arg, jn.Const) and arg.value is None):
                return None
            if not isinstance(arg, jn.Const) or not isinstance(arg.value, str):
                fail(f"{name}(): {key} must be a literal string")
            return arg.value

        fmt = literal("format")
        if fmt is not None:
            dates = kind in formats.DATE_KINDS
            problem = (
                formats.date_format_problem(fmt, kind)
                if dates
                else formats.number_format_problem(fmt)
            )
            if problem is not None:
                what = "a date format" if dates else "a number pattern"
                fail(
                    f"{name}(): {json.dumps(fmt, ensure_ascii=False)} is not {what}: {problem}",
                    'write short, medium, long, full or a CLDR pattern such as "d MMMM y"'
                    if dates
                    else 'write a CLDR pattern such as "#,##0.00"',
                )
        tz = literal("tz")
        if tz is not None:
            problem = formats.time_zone_problem(tz)
            if problem is not None:
                fail(
                    f"{name}(): {problem}",
                    'write an IANA time zone such as "Europe/Paris", or leave tz out to show '
                    "the time as written",
                )
        currency: str | ir.Path | None = None
        if kind == "currency":
            arg = args.get("currency")
            if arg is None:
                fail(f"{name}() needs a currency")
            if isinstance(arg, jn.Const) and isinstance(arg.value, str):
                if arg.value not in formats.CURRENCIES:
                    code = json.dumps(arg.value, ensure_ascii=False)
                    fail(f"{name}(): {code} is not an ISO 4217 currency code")
                currency = arg.value
            elif isinstance(arg, jn.Name | jn.Getattr | jn.Getitem):
                ref = self.ref(arg, tag)
                if not isinstance(ref, ir.Path):
                    fail(f"{name}(): the currency must be a code or a path in the data")
                currency = ref
            else:
                fail(f"{name}(): the currency must be a code or a path in the data")
        return ir.Format(kind, fmt, currency, tz)

    def filter_(self, node: jn.Filter, tag: Tag | None) -> ir.Filter:
        name = node.name
        pos = self.locate(node.lineno, r"\|\s*" + re.escape(name) + r"\b", tag)
        if name not in FILTERS:
            self.fail(
                f"filter '{name}' is not portable", pos, construct=f"|{name}", hint=FILTER_HINT
            )
        if node.kwargs or node.dyn_args or node.dyn_kwargs:
            self.fail(f"filter '{name}' takes no keyword arguments here", pos, construct=f"|{name}")
        if name in ("default", "d"):
            arg = node.args[0] if len(node.args) == 1 else None
            if not isinstance(arg, jn.Const) or not isinstance(arg.value, str | int | float):
                self.fail(
                    "default() takes one literal string",
                    pos,
                    construct="|default",
                    hint='write default("there")',
                )
            return ir.Filter("default", str(arg.value))
        if node.args:
            self.fail(f"filter '{name}' takes no arguments", pos, construct=f"|{name}")
        canonical = "escape" if name == "e" else name
        return ir.Filter(canonical)  # type: ignore[arg-type]

    def ref(self, node: jn.Node, tag: Tag | None) -> ir.Ref:
        parts: list[ir.Segment] = []
        cur = node
        while True:
            if isinstance(cur, jn.Getattr):
                parts.append(cur.attr)
                cur = cur.node
            elif isinstance(cur, jn.Getitem):
                arg = cur.arg
                if (
                    isinstance(arg, jn.Const)
                    and isinstance(arg.value, str | int)
                    and not isinstance(arg.value, bool)
                ):
                    parts.append(arg.value)
                    cur = cur.node
                else:
                    self.fail(
                        "an index that is not a literal is not portable",
                        self.locate(cur.lineno, r"\[", tag),
                        construct="variable index",
                        hint='use a literal index or key: items[0], user["first-name"]',
                    )
            elif isinstance(cur, jn.Name):
                parts.append(cur.name)
                break
            else:
                self.not_portable(cur, tag)
        parts.reverse()
        if parts[0] in RESERVED_NAMES:
            self.fail(
                f"`{parts[0]}` is a reserved name in templates",
                self.locate(node.lineno, r"\b" + str(parts[0]) + r"\b", tag),
                construct=str(parts[0]),
                hint="rename that key in your data",
            )
        if parts[0] == "loop":
            return self.loop_var(parts, node, tag)
        if isinstance(parts[0], int):
            self.not_portable(node, tag)
        return ir.Path(tuple(parts))

    def loop_var(self, parts: list[ir.Segment], node: jn.Node, tag: Tag | None) -> ir.LoopVar:
        pos = self.locate(node.lineno, r"\bloop\b", tag)
        if self.loop_depth == 0:
            self.fail("`loop` is used outside a for loop", pos, construct="loop")
        attr = parts[1] if len(parts) == 2 else None
        if attr not in LOOP_ATTRS:
            self.fail(
                f"`{'.'.join(map(str, parts))}` is not portable",
                pos,
                construct="loop." + str(attr) if attr else "loop",
                hint="use loop.index, loop.index0, loop.first or loop.last",
            )
        return ir.LoopVar(attr)  # type: ignore[arg-type]

    def cond(self, node: jn.Node, tag: Tag | None) -> ir.Cond:
        if isinstance(node, jn.Not):
            return ir.Not(self.cond(node.node, tag))
        if isinstance(node, jn.And):
            return ir.And(self.cond(node.left, tag), self.cond(node.right, tag))
        if isinstance(node, jn.Or):
            return ir.Or(self.cond(node.left, tag), self.cond(node.right, tag))
        if isinstance(node, jn.Compare):
            return self.compare(node, tag)
        if isinstance(node, jn.Filter):
            if node.name not in formats.FILTERS:
                self.filter_(node, tag)  # refuses non-portable filters with their own message
            self.fail(
                "filters are not portable in conditions",
                self.locate(node.lineno, r"\|", tag),
                construct=f"|{node.name} in a condition",
                hint="test the value itself: {% if user.name %}",
            )
        return ir.Truthy(self.ref(node, tag))

    def compare(self, node: jn.Compare, tag: Tag | None) -> ir.Compare:
        left = node.expr
        if len(node.ops) != 1:
            self.fail(
                "chained comparisons are not portable",
                self.locate(node.lineno, r"==|!=|<=|>=|<|>|\bin\b", tag),
                construct="chained comparison",
                hint="combine comparisons with and",
            )
        operand = node.ops[0]
        op = COMPARE_OPS.get(operand.op)
        right = operand.expr
        if op is None:
            symbol = {
                "lt": "<",
                "gt": ">",
                "lteq": "<=",
                "gteq": ">=",
                "in": "in",
                "notin": "not in",
            }
            text = symbol.get(operand.op, operand.op)
            self.fail(
                f"the comparison '{text}' is not portable",
                self.locate(node.lineno, re.escape(text), tag),
                construct=text,
                hint="compare with == or != against a literal, or compute a flag in your data",
            )
        if isinstance(left, jn.Const) and not isinstance(right, jn.Const):
            left, right = right, left
        if (
            not isinstance(right, jn.Const)
            or isinstance(right.value, bool)
            or not isinstance(right.value, str | int | float)
        ):
            self.fail(
                f"'{op}' must compare a value with a string or number literal",
                self.locate(node.lineno, re.escape(op), tag),
                construct=op,
                hint='write {% if order.shipping == "express" %}, or {% if not x %} for empty',
            )
        if isinstance(right.value, float) and not math.isfinite(right.value):
            self.fail(
                f"the number {right.value} is not portable",
                self.locate(node.lineno, re.escape(op), tag),
                construct="non-finite number",
                hint="compare with a finite number",
            )
        return ir.Compare(self.ref(left, tag), op, right.value)  # type: ignore[arg-type]

    def not_portable(self, node: jn.Node, tag: Tag | None) -> NoReturn:
        if isinstance(node, jn.Call):
            callee = node.node
            name = callee.attr if isinstance(callee, jn.Getattr) else getattr(callee, "name", "")
            self.fail(
                f"calling {name or 'a function'}() is not portable",
                self.locate(node.lineno, re.escape(name) + r"\s*\(" if name else r"\(", tag),
                construct="call",
                hint="templates cannot call code; put the value in your recipient data",
            )
        if isinstance(node, jn.Test):
            self.fail(
                f"the test 'is {node.name}' is not portable",
                self.locate(node.lineno, r"\bis\b", tag),
                construct=f"is {node.name}",
                hint="test truthiness with {% if x %} / {% if not x %}, or compare with ==",
            )
        if isinstance(node, jn.Filter):
            if node.name not in formats.FILTERS:
                self.filter_(node, tag)
            self.fail(
                "filters are only portable on outputs and trans bindings",
                self.locate(node.lineno, r"\|", tag),
                construct=f"|{node.name}",
            )
        if isinstance(node, jn.Compare | jn.And | jn.Or | jn.Not):
            self.fail(
                "a comparison is only portable in {% if %}",
                self.locate(node.lineno, r"==|!=|\band\b|\bor\b|\bnot\b", tag),
                construct="comparison",
                hint="use {% if … %} around the text",
            )
        if isinstance(node, jn.Const):
            self.fail(
                "a literal is not a value from the data",
                self.locate(node.lineno, r"[\"'0-9]", tag),
                construct="literal",
            )
        known = EXPRESSION_NAMES.get(type(node))
        if known:
            label, pattern = known
            self.fail(
                f"{label} is not portable",
                self.locate(node.lineno, pattern, tag),
                construct=label,
                hint=OPERATOR_HINT,
            )
        self.fail(
            f"the expression {type(node).__name__} is not portable",
            self.tag_pos(tag, node.lineno),
            construct=type(node).__name__,
        )


def merge_text(nodes: list[ir.Node]) -> ir.Body:
    """Adjacent texts joined, empty texts dropped."""
    out: list[ir.Node] = []
    run: list[ir.Text] = []  # adjacent non-empty texts, joined once (not pairwise: linear)

    def flush() -> None:
        if run:
            out.append(run[0] if len(run) == 1 else ir.Text("".join(t.text for t in run)))
            run.clear()

    for node in nodes:
        if isinstance(node, ir.Text):
            if node.text:
                run.append(node)
        else:
            flush()
            out.append(node)
    flush()
    return tuple(out)


def placeholders(text: str) -> list[str]:
    """The `%(name)s` placeholder names in a python-format string, in order of appearance
    (`%%(name)s` is a literal percent sign and text, not a placeholder)."""
    return [m.group(1) for m in FORMAT_TOKEN_RE.finditer(text) if m.group(1)]
