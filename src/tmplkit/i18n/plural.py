"""gettext plural expressions (`n%10>=2 && n%10<=4 ? 1 : 2`) as IR conditions choosing a form.

A language's rule (see cldr.py) is two such expressions: one over the whole count n, for whole
counts (the PO header's), and one over the CLDR operands i, v and f of a decimal count (1.25:
i = 1, v = 2, f = 25), for counts with a fraction. Anything else (missing, text, a boolean, a
negative number) takes the last form, `other`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeAlias

from ..errors import TmplkitError
from ..template import ir

TOKEN_RE = re.compile(r"\s*(?:(\d+)|([nivf])|(==|!=|<=|>=|&&|\|\||[<>?:%()!]))")


class PluralExprError(TmplkitError):
    """A Plural-Forms expression outside the C subset gettext uses."""


@dataclass(frozen=True)
class Choice:
    """`cond ? then : else_` over form indexes."""

    cond: ir.Cond
    then: Decision
    else_: Decision


Decision: TypeAlias = int | Choice


def _tokens(expr: str) -> list[str]:
    out: list[str] = []
    pos = 0
    expr = expr.rstrip("; ")
    while pos < len(expr):
        m = TOKEN_RE.match(expr, pos)
        if not m or m.end() == pos:
            if expr[pos:].strip() == "":
                break
            raise PluralExprError(f"cannot read the plural expression {expr!r} at {pos}")
        out.append(m.group(m.lastindex or 0))
        pos = m.end()
    return out


class _Parser:
    """Recursive descent over gettext's C subset: ?:, ||, &&, !, comparisons, n % k, ()."""

    def __init__(self, expr: str, ref: ir.Ref, operands: tuple[str, ...] = ("n",)) -> None:
        self.tokens = _tokens(expr)
        self.i = 0
        self.ref = ref
        self.expr = expr
        self.operands = operands

    def peek(self) -> str | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, want: str | None = None) -> str:
        tok = self.peek()
        if tok is None or (want is not None and tok != want):
            raise PluralExprError(f"cannot read the plural expression {self.expr!r}")
        self.i += 1
        return tok

    def decision(self) -> Decision | ir.Cond:
        cond = self.or_()
        if self.peek() == "?":
            self.take("?")
            then = self.as_decision(self.decision())
            self.take(":")
            else_ = self.as_decision(self.decision())
            return Choice(self.as_cond(cond), then, else_)
        return cond

    def or_(self) -> Decision | ir.Cond:
        left = self.and_()
        while self.peek() == "||":
            self.take()
            left = ir.Or(self.as_cond(left), self.as_cond(self.and_()))
        return left

    def and_(self) -> Decision | ir.Cond:
        left = self.unary()
        while self.peek() == "&&":
            self.take()
            left = ir.And(self.as_cond(left), self.as_cond(self.unary()))
        return left

    def unary(self) -> Decision | ir.Cond:
        if self.peek() == "!":
            self.take()
            return ir.Not(self.as_cond(self.unary()))
        return self.comparison()

    def comparison(self) -> Decision | ir.Cond:
        if self.peek() == "(":
            self.take("(")
            inner = self.decision()
            self.take(")")
            return inner
        if self.peek() in self.operands:
            operand = self.take()
            mod = None
            if self.peek() == "%":
                self.take()
                mod = int(self.take())
            op = self.peek()
            if op not in ("==", "!=", "<", ">", "<=", ">="):
                raise PluralExprError(f"cannot read the plural expression {self.expr!r}")
            self.take()
            value = int(self.take())
            return ir.NumberTest(self.ref, op, value, mod, operand)  # type: ignore[arg-type]
        return int(self.take())

    def as_cond(self, node: Decision | ir.Cond) -> ir.Cond:
        if isinstance(node, int | Choice):
            raise PluralExprError(f"a number where a test belongs in {self.expr!r}")
        return node

    @staticmethod
    def as_decision(node: Decision | ir.Cond) -> Decision:
        if isinstance(node, int | Choice):
            return node
        return Choice(node, 1, 0)  # a bare test: true is form 1, as in C


DECIMAL_OPERANDS = ("i", "v", "f")


def decision(expr: str, ref: ir.Ref, *, decimal: bool = False) -> Decision:
    """The expression as a decision tree over form indexes: over the count n, or with
    `decimal`, over the operands i, v and f of a decimal count."""
    parser = _Parser(expr, ref, DECIMAL_OPERANDS if decimal else ("n",))
    result = parser.as_decision(parser.decision())
    if parser.peek() is not None:
        raise PluralExprError(f"cannot read the plural expression {expr!r}")
    return result


def select_form(
    ref: ir.Ref,
    expr: str,
    forms: list[ir.Body],
    pos: ir.Pos = ir.NOWHERE,
    *,
    decimals: str | None = None,
) -> ir.Body:
    """Nodes printing the plural form the rule chooses for the count at `ref`.

    `expr` chooses for a whole number >= 0, `decimals` (over i, v, f) for a number with a
    fraction; anything else (missing, text, a boolean, a negative number, and a decimal when
    `decimals` is None) takes the last form, "other". The chain starts with that test:
    `if not IsCount: (if IsDecimal: decimal forms, else last) elif …`.
    """
    if len(forms) == 1:
        return forms[0]
    tree = decision(expr, ref)
    not_whole: ir.Body = forms[-1]
    if decimals is not None:
        branches, else_ = _flatten(decision(decimals, ref, decimal=True), forms, pos)
        if branches:
            decimal_body: ir.Body = (ir.If(tuple(branches), else_, pos),)
        else:
            decimal_body = else_
        not_whole = (ir.If(((ir.IsDecimal(ref), decimal_body),), forms[-1], pos),)
    guard = (ir.Not(ir.IsCount(ref)), not_whole)
    branches, else_ = _flatten(tree, forms, pos)
    return (ir.If((guard, *branches), else_, pos),)


def _flatten(
    tree: Decision, forms: list[ir.Body], pos: ir.Pos
) -> tuple[list[tuple[ir.Cond, ir.Body]], ir.Body]:
    """An if/elif/else chain for a decision tree (nested only where the tree is)."""
    branches: list[tuple[ir.Cond, ir.Body]] = []
    while isinstance(tree, Choice):
        branches.append((tree.cond, _body(tree.then, forms, pos)))
        tree = tree.else_
    return branches, _form(tree, forms)


def _body(tree: Decision, forms: list[ir.Body], pos: ir.Pos) -> ir.Body:
    if isinstance(tree, int):
        return _form(tree, forms)
    branches, else_ = _flatten(tree, forms, pos)
    return (ir.If(tuple(branches), else_, pos),)


def _form(index: int, forms: list[ir.Body]) -> ir.Body:
    return forms[min(index, len(forms) - 1)]


Operands = dict[str, int]


def operands(value: object) -> Operands | None:
    """The CLDR operands of a count: n for a whole number >= 0 (2.0 is 2); i, v and f for a
    number > 0 with a fraction, read from its shortest decimal digits (JSON's 1.50 is the number
    1.5: i = 1, v = 1, f = 5). None for anything else: not a number, a boolean, a negative."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    if isinstance(value, int):
        return {"n": value} if value >= 0 else None
    number = Decimal(repr(value)) if isinstance(value, float) else value
    if not number.is_finite() or number < 0:
        return None
    if number == number.to_integral_value():
        return {"n": int(number)}
    whole, _, fraction = format(number.normalize(), "f").partition(".")
    return {"i": int(whole), "v": len(fraction), "f": int(fraction)}


def evaluate(expr: str, n: int | Operands, *, decimal: bool = False) -> int:
    """The form index the expression gives for a whole number n, or (with `decimal`) for a
    decimal count's operands (for tests and reports)."""
    tree = decision(expr, ir.Path(("n",)), decimal=decimal)
    values = n if isinstance(n, dict) else {"n": n}
    while isinstance(tree, Choice):
        tree = tree.then if holds(tree.cond, values) else tree.else_
    return tree


def choose(count: int, expr: str, decimals: str | None, value: object) -> int:
    """The form a rule of `count` forms chooses for a value of the data, as select_form's
    chain does in every target."""
    found = operands(value)
    if found is None or count == 1:
        return count - 1
    if "n" in found:
        return min(evaluate(expr, found["n"]), count - 1)
    if decimals is None:
        return count - 1
    return min(evaluate(decimals, found, decimal=True), count - 1)


def holds(cond: ir.Cond, n: int | Operands) -> bool:
    """Whether a plural test holds for the whole number n (or a decimal's operands)."""
    if isinstance(cond, ir.NumberTest):
        value = n[cond.operand] if isinstance(n, dict) else n
        if cond.mod:
            value %= cond.mod
        return {
            "==": value == cond.value,
            "!=": value != cond.value,
            "<": value < cond.value,
            ">": value > cond.value,
            "<=": value <= cond.value,
            ">=": value >= cond.value,
        }[cond.op]
    if isinstance(cond, ir.Not):
        return not holds(cond.expr, n)
    if isinstance(cond, ir.And):
        return holds(cond.left, n) and holds(cond.right, n)
    if isinstance(cond, ir.Or):
        return holds(cond.left, n) or holds(cond.right, n)
    raise PluralExprError(f"unexpected test {cond!r} in a plural rule")


def count_problems(data: Mapping[str, Any], paths: Iterable[str]) -> list[str]:
    """What is wrong with the plural counts in recipient data: for each of `paths` (a
    template's counts, see pipeline.plural_counts) whose value is there but is not a number,
    one line. Rendered, such a count takes the last form ("other"): a warning, or an error
    under --strict. A CSV cell holding digits is read as the number it is first (see batch)."""
    problems = []
    for path in paths:
        value: Any = data
        for key in path.split("."):
            value = value.get(key) if isinstance(value, Mapping) else None
        if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
            continue
        problems.append(f"the plural count {path!r} is {_describe(value)}, not a number")
    return problems


def _describe(value: Any) -> str:
    if isinstance(value, str):
        return f"the string {value[:40]!r}"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    return "a list" if isinstance(value, list) else "an object"
