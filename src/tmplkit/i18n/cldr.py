"""CLDR plural rules (through Babel) as gettext expressions: one for whole counts, one for decimals.

A CLDR rule (`one: i = 1 and v = 0`) reads the operands of a number as written: n (its value),
i (integer digits), v (how many fraction digits), f (the fraction digits as a whole number),
t and w (the same without trailing zeros), e and c (a compact exponent). A gettext
`Plural-Forms` expression only knows the whole number n. So each rule becomes two expressions
in gettext's C subset, with the forms in CLDR's order (zero, one, two, few, many, other: those
the language has, `other` always last):

- `expr`, for whole counts (i = n; v, w, f, t, e, c = 0): what the PO header says, what GNU
  gettext evaluates, and what every target writes for a whole count;
- `decimals`, for a count with a fraction, over the operands i, v and f (a count prints without
  trailing zeros, so t = f and w = v; e = c = 0): None when every such count takes `other`.

Both are checked against Babel's own evaluation of the rule by the tests, for every locale.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from math import lcm
from typing import Any, Literal

from babel.plural import PluralRule as BabelRule

CATEGORIES = ("zero", "one", "two", "few", "many", "other")

Op = Literal["==", "!=", "<", ">", "<=", ">="]
NEGATED: dict[Op, Op] = {"==": "!=", "!=": "==", "<": ">=", ">=": "<", ">": "<=", "<=": ">"}


@dataclass(frozen=True)
class Test:
    """`operand % mod <op> value` (the operand itself without a mod)."""

    operand: str
    mod: int | None
    op: Op
    value: int

    def text(self) -> str:
        left = f"{self.operand}%{self.mod}" if self.mod else self.operand
        return f"{left}{self.op}{self.value}"

    def holds(self, operands: dict[str, int]) -> bool:
        x = operands[self.operand]
        if self.mod:
            x %= self.mod
        return _compare(x, self.op, self.value)


@dataclass(frozen=True)
class Junction:
    """Tests joined by `&&` (kind "and") or `||` (kind "or")."""

    kind: Literal["and", "or"]
    parts: tuple[Test | Junction, ...]  # constants are folded away (see _junction)

    def text(self) -> str:
        sep = " && " if self.kind == "and" else " || "
        return sep.join(
            f"({p.text()})"
            if isinstance(p, Junction) and p.kind == "or" and self.kind == "and"
            else p.text()
            for p in self.parts
        )

    def holds(self, operands: dict[str, int]) -> bool:
        if self.kind == "and":
            return all(_holds(p, operands) for p in self.parts)
        return any(_holds(p, operands) for p in self.parts)


Expr = Test | Junction | bool


def _compare(x: int, op: Op, value: int) -> bool:
    return {
        "==": x == value,
        "!=": x != value,
        "<": x < value,
        ">": x > value,
        "<=": x <= value,
        ">=": x >= value,
    }[op]


def _holds(expr: Expr, operands: dict[str, int]) -> bool:
    return expr if isinstance(expr, bool) else expr.holds(operands)


# --- from Babel's syntax tree, for one kind of count -------------------------------------------

Kind = Literal["integer", "decimal"]
# What each CLDR operand is for a whole count and for a printed decimal (no trailing zeros).
OPERANDS: dict[Kind, dict[str, str | int]] = {
    "integer": {"n": "n", "i": "n", "v": 0, "w": 0, "f": 0, "t": 0, "e": 0, "c": 0},
    "decimal": {"n": "n", "i": "i", "v": "v", "w": "v", "f": "f", "t": "f", "e": 0, "c": 0},
}


def _convert(node: tuple[str, Any], kind: Kind) -> Expr:
    op, args = node
    if op == "and" or op == "or":
        return _junction("and" if op == "and" else "or", [_convert(a, kind) for a in args])
    if op == "not":
        return _negate(_convert(args[0], kind))
    if op == "relation":
        method, expr, ranges = args
        if method != "in":  # `within` left CLDR years ago; Babel's data has none
            raise ValueError(f"unsupported CLDR relation {method!r}")
        return _relation(expr, _merge(ranges[1]), kind)
    if op in ("is", "isnot"):  # the old `n is 1` syntax
        expr, value = args
        rel = _relation(expr, [(value[1][0], value[1][0])], kind)
        return rel if op == "is" else _negate(rel)
    raise ValueError(f"unsupported CLDR plural node {op!r}")


def _merge(ranges: list[tuple[Any, Any]]) -> list[tuple[int, int]]:
    """`0,1,3..5` → [(0, 1), (3, 5)]: sorted, adjacent and overlapping ranges joined."""
    out: list[tuple[int, int]] = []
    for low, high in sorted((a[1][0], b[1][0]) for a, b in ranges):
        if out and low <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], high))
        else:
            out.append((low, high))
    return out


def _relation(expr: tuple[str, Any], ranges: list[tuple[int, int]], kind: Kind) -> Expr:
    """`operand [% mod] in ranges` as tests, or a constant where the kind of count decides."""
    if expr[0] == "mod":
        (name, _), (_, (mod,)) = expr[1]
    else:
        name, mod = expr[0], None
    operand = OPERANDS[kind][name]
    if isinstance(operand, int):  # a constant operand: the relation is decided
        value = operand % mod if mod else operand
        return any(low <= value <= high for low, high in ranges)
    if kind == "decimal" and operand == "n":
        return False  # `in` takes whole numbers only, and n has a fraction here
    if kind == "decimal" and operand in ("v", "f") and not mod:
        # A decimal has at least one fraction digit, and prints without a trailing zero.
        ranges = [(max(low, 1), high) for low, high in ranges if high >= 1]
    tests: list[Expr] = []
    for low, high in ranges:
        if low == high:
            tests.append(Test(operand, mod, "==", low))
        elif low == 0:  # the operands and their remainders are never negative
            tests.append(Test(operand, mod, "<=", high))
        else:
            tests.append(
                _junction("and", [Test(operand, mod, ">=", low), Test(operand, mod, "<=", high)])
            )
    return _junction("or", tests)


def _junction(kind: Literal["and", "or"], parts: Iterable[Expr]) -> Expr:
    """`and`/`or` of parts, flattened, with constants folded away."""
    flat: list[Test | Junction] = []
    for part in parts:
        if isinstance(part, bool):
            if part == (kind == "or"):
                return part  # true in an `or`, false in an `and`: decided
            continue
        if isinstance(part, Junction) and part.kind == kind:
            flat.extend(p for p in part.parts if not isinstance(p, bool))
        elif part not in flat:
            flat.append(part)
    if not flat:
        return kind == "and"
    return flat[0] if len(flat) == 1 else Junction(kind, tuple(flat))


def _negate(expr: Expr) -> Expr:
    if isinstance(expr, bool):
        return not expr
    if isinstance(expr, Test):
        return Test(expr.operand, expr.mod, NEGATED[expr.op], expr.value)
    return _junction("or" if expr.kind == "and" else "and", [_negate(p) for p in expr.parts])


# --- the rule as gettext expressions ---------------------------------------------------------


@dataclass(frozen=True)
class CldrPlural:
    """A CLDR rule as gettext expressions (see the module docstring)."""

    categories: tuple[str, ...]  # in form order, `other` last
    expr: str
    decimals: str | None


def from_babel(rule: BabelRule) -> CldrPlural:
    """The gettext expressions of a Babel (CLDR) plural rule."""
    return _from_rules(tuple(sorted(rule.rules.items())))


@cache  # CLDR has a few dozen distinct rules for its thousand locales
def _from_rules(rules: tuple[tuple[str, str], ...]) -> CldrPlural:
    rule = BabelRule(rules)
    categories = tuple(c for c in CATEGORIES if c in rule.tags or c == "other")
    conditions = dict(rule.abstract)
    integer = [(i, _convert(conditions[c], "integer")) for i, c in enumerate(categories[:-1])]
    decimal = [(i, _convert(conditions[c], "decimal")) for i, c in enumerate(categories[:-1])]
    other = len(categories) - 1
    integer = _reachable(integer)
    if integer and not _other_reached(integer):
        # `other` is for decimals only (ru, pl, cs…): the last test is whatever is left.
        integer[-1] = (integer[-1][0], True)
    decimal = _reachable(decimal)
    decimals = _chain(decimal, other) if decimal else None
    return CldrPlural(categories, _chain(integer, other), decimals)


def _reachable(chain: list[tuple[int, Expr]]) -> list[tuple[int, Expr]]:
    """The chain without the tests that never hold, and nothing after one that always does."""
    out: list[tuple[int, Expr]] = []
    for index, cond in chain:
        if cond is False:
            continue
        out.append((index, cond))
        if cond is True:
            break
    return out


def _chain(chain: list[tuple[int, Expr]], other: int) -> str:
    """`c1 ? 0 : c2 ? 1 : 2`, as gettext writes a Plural-Forms expression; two forms as the
    test of the second (`n!=1`, as gettext's own table writes English)."""
    if len(chain) == 1 and chain[0][0] == 0 and other == 1 and not isinstance(chain[0][1], bool):
        negated = _negate(chain[0][1])
        assert not isinstance(negated, bool)
        return negated.text()
    out = ""
    for index, cond in chain:
        if cond is True:
            return out + str(index)
        assert not isinstance(cond, bool)
        out += f"{cond.text()} ? {index} : "
    return out + str(other)


def _other_reached(chain: list[tuple[int, Expr]]) -> bool:
    """Whether some whole count passes no test of the chain (takes `other`).

    A whole count's tests look at n itself (compared with a few constants) and at remainders
    of n: past the largest constant, the outcome repeats with the least common multiple of the
    moduli. Every count up to there is tried, so the answer is exact; a period too long to try
    (10^6 for French `many`) answers True, which only keeps a test that could have gone.
    """
    mods: set[int] = set()
    limit = 0

    def scan(expr: Expr) -> None:
        nonlocal limit
        if isinstance(expr, Test):
            if expr.mod:
                mods.add(expr.mod)
            else:
                limit = max(limit, expr.value)
        elif isinstance(expr, Junction):
            for part in expr.parts:
                scan(part)

    for _, cond in chain:
        scan(cond)
    period = lcm(*mods) if mods else 1
    if period > 10_000:
        return True
    return any(
        not any(_holds(cond, {"n": n}) for _, cond in chain) for n in range(limit + 1 + period)
    )
