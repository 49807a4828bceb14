"""The expressions of a template → IR: outputs' values and filters, format filters, references
into the data, conditions; a construct that is not portable refused at its position."""

from __future__ import annotations

import json
import math
import re
from bisect import bisect_right
from collections.abc import Iterator
from typing import NoReturn

from jinja2 import nodes as jn

from ..errors import TemplateError
from ..i18n import formats
from ..store.records import GettextKeyword
from . import ir
from .limits import EXPRESSION_HINT, too_deep_expression
from .scan import Tag

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


def expression_depth(node: jn.Node) -> int:
    """How deeply a Jinja expression tree nests (a name or a constant is 1)."""
    deepest = 0
    stack = [(node, 1)]
    while stack:
        current, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in current.iter_child_nodes())
    return deepest


class ExpressionConverter:
    """Converts the expressions of one source's tags, and reports errors at their positions;
    parse.py's converter adds the statements and translations."""

    def __init__(self, source: str, file: str, tags: list[Tag]) -> None:
        self.source = source
        self.file = file
        self.tags = tags
        self.cursor = 0
        self.loop_depth = 0
        self._tag_lines: list[int] | None = None
        # The gettext functions by name, then by number of arguments (None: any number).
        self.gettext: dict[str, dict[int | None, GettextKeyword]] = {}

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

    # -- expressions --

    def check_expression(self, node: jn.Node, tag: Tag | None, lineno: int) -> None:
        """Refuses an expression nested deeper than ir.MAX_EXPRESSION_DEPTH, before the
        conversion (and every later stage) recurses into it."""
        depth = expression_depth(node)
        if depth > ir.MAX_EXPRESSION_DEPTH:
            self.fail(too_deep_expression(depth), self.tag_pos(tag, lineno), hint=EXPRESSION_HINT)

    def condition(self, node: jn.Node, tag: Tag | None) -> ir.Cond:
        """The condition of an `if` or `elif`."""
        self.check_expression(node, tag, node.lineno)
        return self.cond(node, tag)

    def value(self, node: jn.Node, tag: Tag | None) -> ir.Value:
        self.check_expression(node, tag, node.lineno)
        self._no_filter_on_translation(node, tag)
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

    def _no_filter_on_translation(self, node: jn.Node, tag: Tag | None) -> None:
        """A filter written on a translation (`_("…")|safe`) is refused as that filter: the
        translation itself is portable, and its markup is kept as written already."""
        filters = []
        while isinstance(node, jn.Filter) and node.node is not None:
            filters.append(node)
            node = node.node
        if not filters or self._translation_name(node) is None:
            return
        first = filters[-1]  # the filter written right after the call
        name = self._translation_name(node)
        hint = (
            f"drop |{first.name}: a translation's own HTML is kept as written and the values "
            f"passed to it are escaped; to keep a value's HTML, write "
            f'{name}("…", link=x|safe)'
            if first.name in ("safe", "escape", "e")
            else f'filter the values passed to it instead: {name}("…", name=user.name|'
            f"{first.name}), or translate the text as it should read"
        )
        self.fail(
            f"filter '{first.name}' on {name}() is not portable",
            self.locate(first.lineno, r"\|\s*" + re.escape(first.name) + r"\b", tag),
            construct=f"|{first.name}",
            hint=hint,
        )

    def _translation_name(self, node: jn.Node) -> str | None:
        """The name of the gettext function a call is (tmplkit's or an [i18n] keyword)."""
        callee = node.node if isinstance(node, jn.Call) else None
        if isinstance(callee, jn.Name) and callee.name in self.gettext:
            return callee.name
        return None

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
                elif isinstance(arg, jn.Slice):
                    self.not_portable(arg, tag)
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
            self._not_portable_call(node, tag)
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
                hint="loop over the list itself, and filter each output inside the loop",
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
                hint="write the text itself in the template, or put the value in your data",
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

    def _not_portable_call(self, node: jn.Call, tag: Tag | None) -> NoReturn:
        callee = node.node
        name = callee.attr if isinstance(callee, jn.Getattr) else getattr(callee, "name", "")
        pos = self.locate(node.lineno, re.escape(name) + r"\s*\(" if name else r"\(", tag)
        hint = "templates cannot call code; put the value in your recipient data"
        specs = self.gettext.get(name) if isinstance(callee, jn.Name) else None
        if specs is not None and (None in specs or argument_count(node) in specs):
            self.fail(
                f'{name}() is portable only as an output of its own: {{{{ {name}("…") }}}}',
                pos,
                construct=f"{name}()",
                hint="translate whole sentences, and test or loop over values from the data",
            )
        if specs is not None:
            counts = ", ".join(str(n) for n in sorted(n for n in specs if n is not None))
            self.fail(
                f"{name}() with {argument_count(node)} arguments is none of its [i18n] keywords",
                pos,
                construct=f"{name}()",
                hint=f"tmplkit.toml gives {name}() {counts} arguments (pybabel's Nt)",
            )
        first = node.args[0] if node.args else None
        if (
            isinstance(callee, jn.Name)
            and isinstance(first, jn.Const)
            and isinstance(first.value, str)
        ):
            hint = (
                f"to translate with {name}(), add it to [i18n] keywords in tmplkit.toml: "
                f'keywords = ["{name}"]'
            )
        self.fail(
            f"calling {name or 'a function'}() is not portable", pos, construct="call", hint=hint
        )


def argument_count(call: jn.Call) -> int:
    """A call's arguments as Babel's Jinja extractor counts them for a `-k name:…,Nt` spec:
    positional and keyword arguments, and `*args` and `**kwargs` one each."""
    starred = (call.dyn_args is not None) + (call.dyn_kwargs is not None)
    return len(call.args) + len(call.kwargs) + starred
