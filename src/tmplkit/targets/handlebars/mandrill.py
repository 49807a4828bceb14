"""The Mandrill emitter: handlebars without custom helpers, with backtick comparisons."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

from ...errors import CompileError
from ...i18n.plural import holds
from ...template import ir
from .. import preformat
from ..base import FORMAT_HINT
from .emitter import HandlebarsEmitter
from .syntax import Call, Expr, block, literal_text


class MandrillHandlebarsEmitter(HandlebarsEmitter):
    # No formatter written in: with --inline-formats, values the sender formats (preformat.py)
    formats_inline = False
    """Mandrill's handlebars: no custom helpers, backtick comparisons, built-in upper/lower.

    Conditions become nested standard blocks (`and` nests, `or` repeats the `then` text, `not`
    swaps the branches), so a body can appear more than once in the output; only comparisons use
    Mandrill's own syntax, ``{{#if `plan == "pro"`}}``. `default("x")` is an `{{#if}}` around
    the value, with the fallback as text; a plural rule compares the count with whole numbers
    only (`n > 1` is `n == 0` or `n == 1`), so that whatever is not a count takes the last form,
    as in the reference. A format filter (with `inline_formats`) prints a companion field the
    sender formats (preformat.py). docs/targets/handlebars.md lists where Mandrill's output
    differs.
    """

    name = "mandrillhandlebars"
    summary = (
        "Mandrill (Mailchimp Transactional) handlebars: built-in helpers only, "
        "backtick comparisons; Mandrill's truthiness ({} is true, default() also replaces "
        '"", 0, false and []); URLs from the data are not checked (compile warns)'
    )
    helpers = None
    refuses: ClassVar[tuple[str, ...]] = (
        "upper or lower after escape",
        "printing loop.index",
        "a comparison with a loop variable",
        "a comparison of a value from outside the loop",
        "an outer loop's variable inside a nested loop",
        'a comparison with a string holding " ` \\ { or }',
        "a key containing [ or ]",
        "a plural rule with %",
        "a plural rule that needs a type test",
        "a plural rule with forms for decimal counts",
        *preformat.REFUSALS,
    )
    escapes_in_brackets = False  # none documented
    typed_forms = False  # Mandrill's forms are plain already, with its own semantics
    # Who the refusal hints and warnings speak of (SendGrid, a subclass, says its own name),
    # and why a plural rule with % cannot be said.
    service: ClassVar[str] = "Mandrill"
    no_arithmetic: ClassVar[str] = "Mandrill's backtick comparisons have no arithmetic"
    # Why a format filter cannot be printed without --inline-formats, and where the companion
    # fields printed with it are documented.
    no_formatter: ClassVar[str] = "Mandrill cannot register helpers"
    formats_doc: ClassVar[str] = "docs/targets/handlebars.md#formats-in-mandrill"

    # -- outputs --

    def visit_Output(self, node: ir.Output) -> str:
        """`default("x")` as `{{#if v}}{{v}}{{else}}x{{/if}}`; the value printed as Mandrill does.

        Only a leading `default` can apply: after any other filter the value is text, never
        missing or null, so a later `default` changes nothing (in the reference too).
        """
        if node.value.format is not None:  # no helpers: the sender formats it
            node = ir.Output(self.companion(node.value, node.pos), node.pos, node.url)
        value = node.value
        if node.url is not None and isinstance(value.ref, ir.Path):
            self.unchecked_url(value.ref)
        first = value.filters[0] if value.filters else None
        rest = tuple(f for f in value.filters if f.name != "default")
        printed = super().visit_Output(ir.Output(ir.Value(value.ref, rest), node.pos))
        if first is None or first.name != "default" or isinstance(value.ref, ir.LoopVar):
            return printed  # loop variables are never missing or null
        fallback = literal_text(self.fallback(first.arg or "", rest))
        return block("if", self.path(value.ref, node.pos), printed, fallback)

    def __init__(
        self, *, html: bool, file: str = "<template>", data: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(html=html, file=file, data=data)
        self.unchecked: list[str] = []  # fields printed where a URL starts, unchecked
        self.depth = 0  # emit() calls in progress: the part, and the bodies inside it
        # The companion fields this part prints, named with the other parts' (preformat.py)
        self.companions = preformat.current() or preformat.Companions()
        self.preformatted: list[preformat.FormattedField] = []

    def emit(self, body: ir.Body) -> str:
        """The part (or a body inside it: they are emitted by this method too); the part ends
        with one warning naming every field whose URL it could not check."""
        self.depth += 1
        try:
            text = super().emit(body)
        finally:
            self.depth -= 1
        if self.depth == 0 and self.unchecked:
            fields = ", ".join(dict.fromkeys(self.unchecked))
            self.unchecked = []
            self.warnings.append(
                f"{self.file}: the {self.name} target cannot check the URL scheme of {fields} "
                f"(hint: {self.service} has no string helpers; send only http, https, mailto, "
                "tel or sms URLs there, or compile for another target)"
            )
        if self.depth == 0 and self.preformatted:
            fields = ", ".join(f"{f.path} ({f.holds})" for f in dict.fromkeys(self.preformatted))
            self.preformatted = []
            self.warnings.append(
                f"{self.file}: the {self.name} target prints values the sender formats: "
                f"{fields} (hint: add them with Compiled.preformat(data), {self.formats_doc})"
            )
        return text

    def companion(self, value: ir.Value, pos: ir.Pos) -> ir.Value:
        """A formatted value as the companion field the sender adds beside it (preformat.py),
        with the filters that follow (escape, safe); refused without `inline_formats`."""
        assert value.format is not None
        if not self.inline_formats:
            raise self.refuse_format(
                value.format,
                pos,
                self.no_formatter,
                f"{FORMAT_HINT}, or pass --inline-formats to make the template read values the "
                "sender formats",
            )
        try:
            field = self.companions.field(value, self.loops, self.format_locale)
        except preformat.Refused as refused:
            raise self.refuse(refused.construct, pos, refused.hint) from None
        self.preformatted.append(field)
        assert isinstance(value.ref, ir.Path)  # the companion of a loop variable is refused
        return ir.Value(ir.Path((*value.ref.parts[:-1], field.key)), value.filters)

    def unchecked_url(self, path: ir.Path) -> None:
        """Mandrill has no helper that reads a string's start: a value that starts a URL is
        printed unchecked, and compiling says so (docs/targets/handlebars.md#urls)."""
        self.unchecked.append(path.dotted())

    def printed(self, expr: Expr) -> Expr:
        return expr  # Mandrill prints values its own way: no helper to change that

    def escaped(self, expr: Expr, pos: ir.Pos) -> Expr:
        raise self.refuse(
            "upper or lower after escape",
            pos,
            f"{self.service} cannot escape in the middle of a filter chain; put |escape last",
        )

    def filter(self, f: ir.Filter, expr: Expr, pos: ir.Pos) -> Expr:
        if f.name in ("upper", "lower"):
            return Call(f.name, (expr,))  # Mandrill's built-in helpers
        return expr  # default is handled by visit_Output; safe and escape decide the tag

    def loop_var(self, var: ir.LoopVar, pos: ir.Pos) -> Expr:
        if var.attr == "index":
            raise self.refuse(
                "printing loop.index",
                pos,
                f"{self.service} cannot add 1 to @index; print loop.index0, or number the items in "
                "your data",
            )
        return super().loop_var(var, pos)

    # -- references: the loop item is `this`, everything else comes from @root --

    def path(self, path: ir.Path, pos: ir.Pos) -> str:
        rest = "".join("." + self.segment(p, pos) for p in path.parts[1:])
        root = path.root
        for depth, loop in enumerate(reversed(self.loops)):
            if loop.target == root:
                if depth:
                    raise self.refuse(
                        "an outer loop's variable inside a nested loop",
                        pos,
                        f"{self.service} has no block parameters; copy {root}'s value into each "
                        "item of the inner list in your data",
                    )
                return "this" + rest
        head = self.segment(root, pos)
        # Always qualified: Mandrill's built-in helpers (title, url, …) shadow bare names.
        return ("@root." if self.loops else "this.") + head + rest

    def block_params(self, node: ir.For) -> str:
        return ""

    # -- conditions: nested standard blocks around backtick comparisons --

    def visit_If(self, node: ir.If) -> str:
        if is_plural_guard(node.branches[0][0]):
            return self.plural(node)
        return self.nested_if(node)

    def plural(self, node: ir.If) -> str:
        """A plural chain (i18n/plural.py) without its first test, "not a count → last form".

        Mandrill cannot tell a count from other values, but the rule's tests are written as
        `==` comparisons with whole numbers, which nothing but such a number passes: whatever
        is not a count then goes where a count larger than every number in the rule goes. That
        must be the last form, as the first test wants; it is for the rules without `%`
        whose decimal counts all take the last form too (not French's `i = 0,1`: 1.5 is one).
        """
        (_, last), *tests = node.branches
        rest = ir.If(tuple(tests), node.else_, node.pos)
        out = self.visit_If(rest) if tests else self.emit(node.else_)  # refuses `%` first
        if any(isinstance(n, ir.If) for n in last):  # (i18n/plural.py: IsDecimal, its forms)
            raise self.refuse_plural(
                "a plural rule with forms for decimal counts",
                "which gives decimal counts forms of their own",
                node.pos,
                f"{self.service} cannot tell a decimal count such as 1.5 from a whole one; choose "
                "the plural form before sending",
            )
        big = 1 + max((t.value for t in number_tests(node)), default=0)
        if chosen(tuple(tests), node.else_, big) != last:
            raise self.refuse_type_test(node.pos)
        return out

    def leaf(self, cond: ir.Cond, then: str, else_: str, pos: ir.Pos) -> str:
        """One test: a backtick comparison, a count's `==` tests, or the value itself."""
        if isinstance(cond, ir.Compare):
            return block("if", self.comparison(cond, pos), then, else_)
        if isinstance(cond, ir.NumberTest):
            return self.count_test(cond, then, else_, pos)
        if isinstance(cond, ir.IsCount | ir.IsDecimal):  # first in a plural chain, handled there
            raise self.refuse_type_test(pos)
        assert isinstance(cond, ir.Truthy), cond  # and/or/not are branch()'s
        if self.always_true(cond):
            return then
        return block("if", self.truth_arg(cond, pos), then, else_)

    def count_test(self, test: ir.NumberTest, then: str, else_: str, pos: ir.Pos) -> str:
        """A plural test on a count as `==` comparisons: `n < 3` is n == 0, 1 or 2."""
        if test.mod is not None:
            raise self.refuse_plural(
                "a plural rule with %",
                "which needs %",
                pos,
                f"{self.no_arithmetic}; choose the plural form "
                "before sending, or compile for a locale whose rule only compares the count, "
                "such as en, de or ja",
            )
        values, negated = count_values(test)
        if negated:
            then, else_ = else_, then
        out = else_
        for value in reversed(values):
            equal = self.comparison(ir.Compare(test.ref, "==", value), pos)
            out = block("if", equal, then, out)
        return out

    def refuse_type_test(self, pos: ir.Pos) -> CompileError:
        return self.refuse_plural(
            "a plural rule that needs a type test",
            "which needs a type test",
            pos,
            "large counts and values that are not counts take different forms, and "
            f"{self.service} cannot tell them apart; choose the plural form before sending",
        )

    def refuse_plural(self, construct: str, which: str, pos: ir.Pos, hint: str) -> CompileError:
        """A refusal that names the locale whose rule it is, when the compile knows it."""
        if self.locale is None:
            return self.refuse(construct, pos, hint)
        return self.refuse(construct, pos, hint, f"the {self.locale} plural rule, {which}")

    def comparison(self, cond: ir.Compare, pos: ir.Pos) -> str:
        """Mandrill's ``\\`path == "literal"\\``` condition, with the path as documented: bare."""
        if isinstance(cond.ref, ir.LoopVar):
            raise self.refuse(
                "a comparison with a loop variable",
                pos,
                "test loop.first or loop.last, or compare a value of the item",
            )
        path = self.path(cond.ref, pos)
        if path.startswith("@root."):
            raise self.refuse(
                "a comparison of a value from outside the loop",
                pos,
                f"{self.service}'s backtick comparisons read the loop item; compare before the "
                "loop, or copy the value into each item",
            )
        bare = path.removeprefix("this.")
        literal = cond.literal
        if isinstance(literal, str):
            if re.search(r'["`\\{}]', literal):
                raise self.refuse(
                    'a comparison with a string holding " ` \\ { or }',
                    pos,
                    f"{self.service} documents no escapes inside backtick conditions",
                )
            text = f'"{literal}"'
        else:
            text = self.literal(literal, pos)
        return f"`{bare} {cond.op} {text}`"


# --- plural rules for Mandrill: comparisons with whole numbers only ------------------------------


def is_plural_guard(cond: ir.Cond) -> bool:
    """The first test of a plural chain: "not a count" (i18n/plural.py's select_form)."""
    return isinstance(cond, ir.Not) and isinstance(cond.expr, ir.IsCount)


def count_values(test: ir.NumberTest) -> tuple[list[int], bool]:
    """The counts (whole numbers >= 0) a test holds for, as a finite list and whether the test
    holds for those (False) or for all the others (True): `n > 1` is ([0, 1], True)."""
    k = test.value
    return {
        "==": ([k], False),
        "!=": ([k], True),
        "<": (list(range(k)), False),
        "<=": (list(range(k + 1)), False),
        ">": (list(range(k + 1)), True),
        ">=": (list(range(k)), True),
    }[test.op]


def number_tests(node: ir.If) -> list[ir.NumberTest]:
    """Every count test of a plural chain, nested decisions included."""

    def of(cond: ir.Cond) -> list[ir.NumberTest]:
        if isinstance(cond, ir.NumberTest):
            return [cond]
        if isinstance(cond, ir.Not):
            return of(cond.expr)
        if isinstance(cond, ir.And | ir.Or):
            return of(cond.left) + of(cond.right)
        return []

    found: list[ir.NumberTest] = []
    for n in ir.walk((node,)):
        if isinstance(n, ir.If):
            for cond, _ in n.branches:
                found += of(cond)
    return found


def chosen(branches: tuple[tuple[ir.Cond, ir.Body], ...], else_: ir.Body, n: int) -> ir.Body:
    """The form a plural chain gives the count n, through nested decisions."""
    body = next((b for cond, b in branches if holds(cond, n)), else_)
    if len(body) == 1 and isinstance(body[0], ir.If):  # a nested decision; forms have no ifs
        return chosen(body[0].branches, body[0].else_, n)
    return body
