"""The handlebars.js emitter: plain handlebars for typed values, tk_* helpers elsewhere."""

from __future__ import annotations

from typing import Any, ClassVar

from ...i18n import formats
from ...template import ir
from ..base import Emitter, apply_steps, plan_filters
from .helpers_js import HELPER_NAMES
from .syntax import (
    BUILTIN_HELPERS,
    DEFAULTS_AS_IS,
    LITERAL_WORDS,
    NAME_RE,
    NUMBER_OPS,
    PRINTING,
    PRINTS_AS_IS,
    TESTS_AS_IS,
    Call,
    Escaping,
    Expr,
    block,
    body,
    escaping,
    json_literal,
    literal_text,
    number_literal,
    param,
    string_literal,
)


class HandlebarsEmitter(Emitter):
    formats_inline = True  # format filters only with --inline-formats
    name = "handlebars"
    summary = (
        "handlebars.js 4: plain handlebars for typed values (outputs, if/unless, each); "
        "tmplkit's tk_* helpers only where handlebars has no way to say a construct"
    )
    helpers: ClassVar[str | None] = (
        "the tk_* helpers the template calls, if any (comparisons, plural arithmetic, URL "
        "checks, upper/lower…: docs/targets.md; JavaScript source: "
        "tmplkit.targets.handlebars.HELPERS_JS), registered before compiling"
    )
    refuses: ClassVar[tuple[str, ...]] = (
        "a string literal ending in a backslash",
        "a loop variable named this, undefined or as",
    )
    escapes_in_brackets: ClassVar[bool] = True  # `[a\\]b]` reads as the key `a]b`
    # Whether the template's variable types let this target write plain handlebars where it is
    # exact for data of those types (handlebars.js only; docs/targets/handlebars.md says why).
    typed_forms: ClassVar[bool] = True
    _pos: ir.Pos = ir.NOWHERE

    # -- text and outputs --

    def visit_Text(self, node: ir.Text) -> str:
        return literal_text(node.text)

    def visit_Output(self, node: ir.Output) -> str:
        typed = self.typed_default(node)
        if typed is not None:
            return typed
        plan = escaping(node.value.filters, self.html)
        expr = self.value(node.value, plan, node.pos)
        if node.url is not None and isinstance(node.value.ref, ir.Path):
            expr = self.url_checked(expr, node.url, markup=not plan.at_output)
        return "{{" + body(expr) + "}}" if plan.at_output else "{{{" + body(expr) + "}}}"

    def typed_default(self, node: ir.Output) -> str | None:
        """`v|default("x")` without a helper, where the type of `v` allows: just `{{v}}` when
        the data always has it, `{{#if v includeZero=true}}{{v}}{{else}}x{{/if}}` for a number
        (for a string "" and for a boolean false are empty to {{#if}}: those keep tk_default).
        Only a leading default, followed by nothing but safe and escape."""
        value = node.value
        first, rest = (value.filters[0], value.filters[1:]) if value.filters else (None, ())
        if (
            first is None
            or first.name != "default"
            or any(f.name not in ("safe", "escape") for f in rest)
            or value.format is not None
            or node.url is not None
            or not isinstance(value.ref, ir.Path)
            or not self.typed(value.ref, PRINTS_AS_IS)
        ):
            return None
        printed = self.visit_Output(ir.Output(ir.Value(value.ref, rest), node.pos))
        if self.always_present(value.ref):
            return printed  # the default never applies
        if not self.typed(value.ref, DEFAULTS_AS_IS):
            return None
        arg = param(self.path(value.ref, node.pos)) + " includeZero=true"
        return block("if", arg, printed, literal_text(self.fallback(first.arg or "", rest)))

    def fallback(self, text: str, filters: tuple[ir.Filter, ...]) -> str:
        """The fallback as the reference prints it: through the filters after `default`, and
        HTML-escaped where the reference escapes (written as text, so no helper runs)."""
        return apply_steps(text, plan_filters(filters, self.html)[1])

    def typed(self, path: ir.Path, types: frozenset[str]) -> bool:
        """Whether the template's variable types give `path` one of `types` (and this target
        writes typed forms)."""
        var = self.variable(path) if self.typed_forms else None
        return var is not None and var.type in types

    def url_checked(self, expr: Expr, check: ir.UrlCheck, *, markup: bool) -> Expr:
        """`tk_url value [suffix [open [markup]]]`: the value, or INERT_URL if it is unsafe.
        A value escaped where it is printed is checked as it is; raw text as markup."""
        args = [string_literal(check.suffix) or '""', str(check.open).lower(), str(markup).lower()]
        while args and args[-1] in ('""', "false"):
            args.pop()
        return Call("tk_url", (expr, *args))

    def value(self, value: ir.Value, plan: Escaping, pos: ir.Pos) -> Expr:
        if value.format is not None:
            expr = self.formatted(value.format, value.ref, pos)
        else:
            expr = self.ref(value.ref, pos)
            if (
                isinstance(value.ref, ir.Path)
                and not any(f.name in PRINTING for f in value.filters)
                and not self.typed(value.ref, PRINTS_AS_IS)
            ):
                expr = self.printed(expr)
        for i, f in enumerate(value.filters):
            expr = self.escaped(expr, pos) if i == plan.in_place else self.filter(f, expr, pos)
        return expr

    def formatted(self, fmt: ir.Format, ref: ir.Ref, pos: ir.Pos) -> Expr:
        """`tk_format value "field" 'spec'`, and `currency "field" 'currencies'` for a currency
        read from the data: the locale's CLDR data expanded at compile time (i18n/formats.py),
        as JSON in a single-quoted string literal (its quotes written as JSON escapes)."""
        self.require_inline_formats(fmt, pos)
        locale = self.format_locale
        spec: dict[str, Any]
        try:
            if fmt.kind in formats.DATE_KINDS:
                date = formats.date_spec(fmt.kind, fmt.format, locale, fmt.tz)
                parts = [p if isinstance(p, str) else [p.name, p.pad, p.names] for p in date.parts]
                spec = {"k": fmt.kind, "z": fmt.tz, "p": parts}
            else:
                code = fmt.currency if isinstance(fmt.currency, str) else None
                number = formats.number_spec(fmt.kind, fmt.format, locale, code)
                spec = {
                    "k": fmt.kind,
                    "p": number.positive,
                    "n": number.negative,
                    "i": number.min_int,
                    "f": number.fraction,
                    "g": number.grouping,
                    "d": number.decimal,
                    "s": number.group,
                    "x": number.scale,
                }
        except formats.Unsupported as exc:
            raise self.refuse_format(fmt, pos, str(exc)) from None
        args = [self.ref(ref, pos), self.string(ref.dotted(), pos), json_literal(spec)]
        if isinstance(fmt.currency, ir.Path):
            table = formats.currency_table(locale)
            currencies = {"c": " ".join(table.codes), "s": table.symbols, "d": table.digits}
            field = self.string(fmt.currency.dotted(), pos)
            args += [self.ref(fmt.currency, pos), field, json_literal(currencies)]
        return Call("tk_format", tuple(args))

    def escaped(self, expr: Expr, pos: ir.Pos) -> Expr:
        """The value printed and HTML-escaped in place, for `upper`/`lower` to follow."""
        return Call("tk_escape", (expr,))

    def printed(self, expr: Expr) -> Expr:
        """A data value as the reference prints it (handlebars.js writes [] as "")."""
        return Call("tk_print", (expr,))

    def filter(self, f: ir.Filter, expr: Expr, pos: ir.Pos) -> Expr:
        """The value with one filter applied; `safe` and `escape` only decide escaping."""
        if f.name == "default":
            return Call("tk_default", (expr, self.string(f.arg or "", pos)))
        if f.name in ("upper", "lower"):
            return Call("tk_" + f.name, (expr,))
        return expr

    # -- references --

    def ref(self, ref: ir.Ref, pos: ir.Pos) -> Expr:
        if isinstance(ref, ir.LoopVar):
            return self.loop_var(ref, pos)
        return self.path(ref, pos)

    def loop_var(self, var: ir.LoopVar, pos: ir.Pos) -> Expr:
        if var.attr == "index":
            return Call("tk_inc", ("@index",))
        return {"index0": "@index", "first": "@first", "last": "@last"}[var.attr]

    def path(self, path: ir.Path, pos: ir.Pos) -> Expr:
        """A data path: loop variables by their block parameter, the rest from the data's root.

        From the first step handlebars.js could answer from something other than the data
        (`length`, or an index, which it would also look up in an object), the path is read
        by `tk_get`, which reads by key only, as the reference does.
        """
        root, parts = path.root, path.parts[1:]
        if any(loop.target == root for loop in self.loops):
            head = root
        elif self.loops:  # inside #each the context is the item: read the data from @root
            head = "@root." + self.segment(root, pos)
        elif root in BUILTIN_HELPERS or root in HELPER_NAMES:
            head = "this." + self.segment(root, pos)
        else:
            head = self.segment(root, pos)
        cut = next((i for i, p in enumerate(parts) if self.not_by_key(p)), len(parts))
        head += "".join("." + self.segment(p, pos) for p in parts[:cut])
        if cut == len(parts):
            return head
        return Call("tk_get", (head, *(self.literal(p, pos) for p in parts[cut:])))

    @staticmethod
    def not_by_key(part: ir.Segment) -> bool:
        """A step that handlebars.js may resolve other than by the data's own key."""
        return isinstance(part, int) or part == "length" or part.isdecimal()

    def segment(self, part: ir.Segment, pos: ir.Pos) -> str:
        """One step of a path: a name, or a `[segment literal]` for anything else."""
        if isinstance(part, int):
            return f"[{part}]"  # the parser takes only literal indexes: never negative
        if NAME_RE.match(part) and part not in LITERAL_WORDS:
            return part
        return self.bracket(part, pos)

    def bracket(self, key: str, pos: ir.Pos) -> str:
        """A segment literal `[key]`; handlebars.js reads `\\]` and `\\\\` inside it."""
        if self.escapes_in_brackets:
            return "[" + key.replace("\\", "\\\\").replace("]", "\\]") + "]"
        if "[" in key or "]" in key:
            raise self.refuse(
                "a key containing [ or ]",
                pos,
                f"{self.name} has no escape inside [segment literals]; rename the key in your data",
            )
        return "[" + key + "]"

    # -- literals --

    def string(self, text: str, pos: ir.Pos) -> str:
        lit = string_literal(text)
        if lit is None:
            raise self.refuse(
                "a string literal ending in a backslash",
                pos,
                "end the text with another character",
            )
        return lit

    def literal(self, value: ir.Literal_, pos: ir.Pos) -> str:
        if isinstance(value, str):
            return self.string(value, pos)
        lit = number_literal(value)
        if lit is None:
            raise AssertionError(f"the parser refuses the number {value}")
        return lit

    # -- blocks --

    def visit_If(self, node: ir.If) -> str:
        """`{{#if}}` or `{{#unless}}`, each further branch an `{{else if}}` or `{{else unless}}`
        (handlebars' chained blocks, closed by the first block's name); with `and`, `or` or
        `not` over typed values, nested blocks instead of helpers."""
        if any(self.nests(cond) for cond, _ in node.branches):
            return self.nested_if(node)
        out = opened = ""
        for i, (cond, branch) in enumerate(node.branches):
            helper, arg = self.test(cond, node.pos, alone=len(node.branches) == 1)
            out += ("{{#" if i == 0 else "{{else ") + helper + " " + arg + "}}" + self.emit(branch)
            opened = opened or helper
        if node.else_:
            out += "{{else}}" + self.emit(node.else_)
        return out + "{{/" + opened + "}}"

    def nested_if(self, node: ir.If) -> str:
        """The chain as nested standard blocks, from its last branch out: each `and`/`or`/`not`
        a block inside a block, a body written once per way to reach it."""
        out = self.emit(node.else_)
        for cond, branch in reversed(node.branches):
            out = self.branch(cond, self.emit(branch), out, node.pos)
        return out

    def nests(self, cond: ir.Cond) -> bool:
        """Whether `cond` combines, with `and`/`or`/`not`, only tests handlebars' own blocks make
        as the reference does (typed values, loop variables): then it needs no helper."""
        if isinstance(cond, ir.And | ir.Or):
            return self.plain_test(cond)
        return (
            isinstance(cond, ir.Not)
            and not isinstance(cond.expr, ir.Truthy)
            and (self.plain_test(cond.expr))
        )

    def plain_test(self, cond: ir.Cond) -> bool:
        if isinstance(cond, ir.Not):
            return self.plain_test(cond.expr)
        if isinstance(cond, ir.And | ir.Or):
            return self.plain_test(cond.left) and self.plain_test(cond.right)
        if not isinstance(cond, ir.Truthy):
            return False
        return isinstance(cond.ref, ir.LoopVar) or self.typed(cond.ref, TESTS_AS_IS)

    def branch(self, cond: ir.Cond, then: str, else_: str, pos: ir.Pos) -> str:
        """Template text that renders `then` when `cond` holds and `else_` otherwise."""
        if isinstance(cond, ir.Not):
            inner = cond.expr
            if isinstance(inner, ir.Truthy) and not self.always_true(inner):
                return block("unless", self.truth_arg(inner, pos), then, else_)
            return self.branch(inner, else_, then, pos)
        if isinstance(cond, ir.And):
            return self.branch(cond.left, self.branch(cond.right, then, else_, pos), else_, pos)
        if isinstance(cond, ir.Or):
            return self.branch(cond.left, then, self.branch(cond.right, then, else_, pos), pos)
        return self.leaf(cond, then, else_, pos)

    def leaf(self, cond: ir.Cond, then: str, else_: str, pos: ir.Pos) -> str:
        """One test of a nested chain: a plain value as it is, anything else by its helper."""
        if isinstance(cond, ir.Truthy) and self.always_true(cond):
            return then
        if isinstance(cond, ir.Truthy) and self.plain_test(cond):
            return block("if", self.truth_arg(cond, pos), then, else_)
        return block("if", param(self.condition(cond, pos)), then, else_)

    @staticmethod
    def always_true(cond: ir.Truthy) -> bool:
        """loop.index counts from 1."""
        return isinstance(cond.ref, ir.LoopVar) and cond.ref.attr == "index"

    def truth_arg(self, cond: ir.Truthy, pos: ir.Pos) -> str:
        """The argument of {{#if}} / {{#unless}}: the value itself."""
        ref = cond.ref
        return param(self.path(ref, pos) if isinstance(ref, ir.Path) else self.loop_var(ref, pos))

    def test(self, cond: ir.Cond, pos: ir.Pos, *, alone: bool) -> tuple[str, str]:
        """The block (`if` or `unless`) and its argument testing `cond`: a typed value as it
        is, where handlebars' own truthiness is the reference's; `not` alone as `unless`."""
        inner = cond.expr if isinstance(cond, ir.Not) else cond
        negated = inner is not cond
        if (
            isinstance(inner, ir.Truthy)
            and isinstance(inner.ref, ir.Path)
            and self.typed(inner.ref, TESTS_AS_IS)
        ):
            return "unless" if negated else "if", param(self.path(inner.ref, pos))
        if negated and alone:
            return "unless", param(self.condition(inner, pos))
        return "if", param(self.condition(cond, pos))

    def visit_For(self, node: ir.For) -> str:
        iterable = param(self.path(node.iterable, node.pos))  # read outside the loop's scope
        with self.inside(node):
            each = self.emit(node.body)
        return block("each", iterable + self.block_params(node), each, self.emit(node.else_))

    def block_params(self, node: ir.For) -> str:
        """` as |item|`: the loop variable keeps its name at any depth, as in the source."""
        if node.target in LITERAL_WORDS:  # any other Python name is a handlebars name too
            raise self.refuse(
                "a loop variable named this, undefined or as", node.pos, "rename the loop variable"
            )
        return f" as |{node.target}|"

    # -- conditions: each a boolean expression for {{#if}} --

    def condition(self, cond: ir.Cond, pos: ir.Pos) -> Expr:
        self._pos = pos  # where a refusal inside the condition points: its {% if %}
        return self.cond_expr(cond)

    def cond_expr(self, cond: ir.Cond) -> Expr:
        method = getattr(self, "cond_" + type(cond).__name__)
        result: Expr = method(cond)
        return result

    def cond_Truthy(self, cond: ir.Truthy) -> Expr:
        if isinstance(cond.ref, ir.LoopVar):
            # loop variables are numbers and booleans: handlebars' own truthiness is exact
            return "true" if cond.ref.attr == "index" else self.loop_var(cond.ref, self._pos)
        path = self.path(cond.ref, self._pos)
        # Inside tk_not, tk_and, tk_or: JavaScript's truthiness, the reference's for these types.
        return path if self.typed(cond.ref, PRINTS_AS_IS) else Call("tk_truthy", (path,))

    def cond_Compare(self, cond: ir.Compare) -> Expr:
        helper = "tk_eq" if cond.op == "==" else "tk_ne"
        return Call(helper, (self.ref(cond.ref, self._pos), self.literal(cond.literal, self._pos)))

    def cond_IsCount(self, cond: ir.IsCount) -> Expr:
        if isinstance(cond.ref, ir.LoopVar):  # index and index0 are counts, first and last not
            return "true" if cond.ref.attr in ("index", "index0") else "false"
        return Call("tk_count", (self.path(cond.ref, self._pos),))

    def cond_IsDecimal(self, cond: ir.IsDecimal) -> Expr:
        if isinstance(cond.ref, ir.LoopVar):  # loop variables are whole numbers or booleans
            return "false"
        return Call("tk_decimal", (self.path(cond.ref, self._pos),))

    def cond_NumberTest(self, cond: ir.NumberTest) -> Expr:
        # Only evaluated where tk_count holds: the value is a number (where tk_decimal holds,
        # a decimal, whose CLDR operand tk_operand reads).
        n = self.ref(cond.ref, self._pos)
        if cond.operand != "n":
            n = Call("tk_operand", (n, f'"{cond.operand}"'))
        if cond.mod:
            n = Call("tk_mod", (n, str(cond.mod)))
        return Call(NUMBER_OPS[cond.op], (n, str(cond.value)))

    def cond_Not(self, cond: ir.Not) -> Expr:
        return Call("tk_not", (self.cond_expr(cond.expr),))

    def cond_And(self, cond: ir.And) -> Expr:
        return Call("tk_and", (self.cond_expr(cond.left), self.cond_expr(cond.right)))

    def cond_Or(self, cond: ir.Or) -> Expr:
        return Call("tk_or", (self.cond_expr(cond.left), self.cond_expr(cond.right)))
