"""A catalog file's own Plural-Forms: read and checked as `msgfmt -c` checks it, and its forms
mapped onto a language's CLDR rule.

Translation tools write the plural rule they know: GNU's table (Russian in 3 forms, Arabic with
`n%100>=11 ? 4 : 5`), Transifex's and Weblate's CLDR-based rules (Russian in 4 forms, `n % 1 ==
0` telling decimals apart), older CLDR releases. A file is read by its own header: each form of
the project's rule takes the file's form that the file's expression chooses for the same counts
(n = 0 to 10,000 and beyond, see COUNTS). When one project form would take two different file
forms, the file cannot be mapped, and the first count where that shows is reported. A project
form that no whole count takes (CLDR's `other` in Russian, Polish or Czech, `many` in
Lithuanian: decimals only) takes the file's form that no whole count takes either, when there is
one such form on each side and the file's expression, read as a real number, gives it to a
decimal (Transifex's `n % 1 != 0 ? 2` in Lithuanian, whose expression also gives 2.5 its form
for 2 to 9, and its trailing `: 3` in Russian, which gives 5.5 the form of 5); else the file's
form for the decimals of its category when the expression gives them all one form; and else
the file's last form, with a warning.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from ..errors import TmplkitError
from .locales import PluralRule
from .plural import choose

Number = int | Decimal
Evaluate = Callable[[Number], int]

# How msgfmt -c tells a form that may leave out a placeholder: the plural expression chooses it
# for fewer than OFTEN of the counts 0 to 1000 (GNU gettext's msgl-check.c).
OFTEN = 5
HISTOGRAM = range(1001)

# The counts two rules are compared on: 0 to 10,000, then multiples of powers of ten and their
# neighbours, where rules with `n % 1000000` (French `many`) or `n % 100000` (Cornish) differ.
COUNTS: list[int] = [
    *range(10_001),
    *sorted(
        {
            k * 10**e + r
            for e in range(4, 10)
            for k in (1, 2, 3, 5, 7, 10, 11, 20, 21, 40, 60, 80, 100)
            for r in (0, 1, 2, 3, 5, 11, 20, 21, 100_000)
            if k * 10**e + r > 10_000
        }
    ),
]
# Decimal counts, for the project forms only decimals take.
DECIMALS = [Decimal(f"{i}.{f}") for i in (0, 1, 2, 3, 5, 11, 21, 22, 101) for f in ("1", "5", "25")]


class PluralFormsError(TmplkitError):
    """A Plural-Forms header gettext cannot use."""


@dataclass(frozen=True)
class FileRule:
    """A Plural-Forms header as read: nplurals, the expression, and a function evaluating it."""

    count: int
    expr: str
    evaluate: Evaluate = field(compare=False, repr=False)

    @property
    def header(self) -> str:
        return f"nplurals={self.count}; plural={self.expr};"


HEADER_RE = re.compile(r"^\s*nplurals\s*=\s*(\d+)\s*;\s*plural\s*=\s*(.+?)\s*;?\s*$", re.S)


def read_header(value: str) -> FileRule:
    """The rule of a Plural-Forms header value: `nplurals=3; plural=(n%10==1 ? 0 : …);`."""
    m = HEADER_RE.match(value)
    if not m:
        raise PluralFormsError(
            f"Plural-Forms {value.strip()!r} is not `nplurals=INTEGER; plural=EXPRESSION;`"
        )
    count, expr = int(m.group(1)), m.group(2).strip()
    evaluate = compile_expression(expr)
    rule = FileRule(count, expr, evaluate)
    if count < 1:
        raise PluralFormsError(f"Plural-Forms says nplurals={count}: a language has 1 form or more")
    for n in HISTOGRAM:
        value_n = evaluate(n)
        if value_n >= count:
            raise PluralFormsError(
                f"Plural-Forms says nplurals={count}, but its expression gives form {value_n} "
                f"for n = {n}"
            )
    return rule


def often(count: int, evaluate: Evaluate) -> set[int]:
    """The forms the expression chooses OFTEN times or more among 0 to 1000: a form that is
    not among them serves a few counts ("one", "two") and may leave a placeholder out."""
    seen = [0] * count
    for n in HISTOGRAM:
        index = evaluate(n)
        if index < count:
            seen[index] += 1
    return {i for i, times in enumerate(seen) if times >= OFTEN}


def project_evaluate(rule: PluralRule) -> Evaluate:
    """The project's rule as a function of a count (whole or decimal)."""

    def evaluate(n: Number) -> int:
        return choose(rule.count, rule.expr, rule.decimals, n)

    return evaluate


@dataclass(frozen=True)
class FormMap:
    """For each form of the project's rule, the file form it takes; and what to warn about."""

    forms: tuple[int, ...]
    warnings: tuple[str, ...]


def map_forms(file: FileRule, rule: PluralRule, locale: str) -> FormMap:
    """Each project form's file form, found by evaluating both rules on the same counts.

    Raises PluralFormsError naming both rules and the first count where they disagree: where
    the file gives a count another form than it gave an earlier count that the project puts in
    the same form.
    """
    return _map_forms(file.count, file.expr, rule, locale)


@lru_cache(maxsize=256)
def _map_forms(count: int, expr: str, rule: PluralRule, locale: str) -> FormMap:
    file = FileRule(count, expr, compile_expression(expr))
    ours = compile_expression(rule.expr)
    taken: dict[int, tuple[int, int]] = {}  # project form -> (file form, first count)
    for n in COUNTS:
        project, theirs = ours(n), file.evaluate(n)
        if project not in taken:
            taken[project] = (theirs, n)
        elif taken[project][0] != theirs:
            first, at = taken[project]
            raise PluralFormsError(
                f"the file's Plural-Forms ({file.header}) does not map onto {locale}'s "
                f"({rule.header}): at n = {n} the file takes its form {theirs}, at n = {at} "
                f"its form {first}, where {locale} takes form {project} "
                f"({rule.categories[project]}) for both"
            )
    warnings: list[str] = []
    decide = project_evaluate(rule)
    missing = [p for p in range(rule.count) if p not in taken]
    used = {theirs for theirs, _ in taken.values()}
    unused = [k for k in range(file.count) if k not in used]
    # The file's one decimals form, for the project's one decimals-only form.
    if (
        len(missing) == 1
        and len(unused) == 1
        and unused[0] in {_real(file.evaluate, x) for x in DECIMALS}
    ):
        taken[missing[0]] = (unused[0], -1)
    for project in range(rule.count):
        if project in taken:
            continue
        samples = [x for x in DECIMALS if decide(x) == project]
        forms = {_real(file.evaluate, x) for x in samples}
        found = forms.pop() if len(forms) == 1 else None
        theirs = file.count - 1 if found is None else found
        if found is None:
            example = samples[0] if samples else Decimal("1.5")
            warnings.append(
                f"{locale}: the file's Plural-Forms ({file.header}) has no form for decimal "
                f"counts such as {example} ({rule.categories[project]}): its last form, "
                f"msgstr[{theirs}], is used for them"
            )
        taken[project] = (theirs, -1)
    return FormMap(tuple(taken[p][0] for p in range(rule.count)), tuple(warnings))


def _real(evaluate: Evaluate, x: Decimal) -> int | None:
    """The form an expression gives a decimal read as a real number (as JavaScript's gettext
    libraries read it), or None where it cannot (a division by zero)."""
    try:
        return evaluate(x)
    except PluralFormsError:
        return None


# --- gettext's plural expressions, evaluated ---------------------------------------------------

TOKEN_RE = re.compile(r"\s*(?:(\d+)|(n)|(==|!=|<=|>=|&&|\|\||[-+*/%<>?:()!]))")
BINARY = [  # gettext's precedence, loosest first (plural.y)
    ("||",),
    ("&&",),
    ("==", "!="),
    ("<", ">", "<=", ">="),
    ("+", "-"),
    ("*", "/", "%"),
]


def compile_expression(expr: str) -> Evaluate:
    """A gettext plural expression (GNU's grammar: `?:`, `||`, `&&`, comparisons, `+ - * / %`,
    `!`, n and numbers) as a function of n. Whole counts are evaluated as gettext does; a
    decimal as a real number. Raises PluralFormsError for what gettext cannot read, and when
    evaluated, for a division by zero."""
    tokens = _tokenize(expr)
    parser = _Parser(tokens, expr)
    node = parser.ternary()
    if parser.i != len(tokens):
        raise PluralFormsError(f"cannot read the plural expression {expr!r}")

    def evaluate(n: Number) -> int:
        return int(node(n))

    return evaluate


def _tokenize(expr: str) -> list[str]:
    out, pos = [], 0
    while pos < len(expr):
        if not expr[pos:].strip():
            break
        m = TOKEN_RE.match(expr, pos)
        if not m:
            raise PluralFormsError(f"cannot read the plural expression {expr!r}")
        out.append(m.group(m.lastindex or 0))
        pos = m.end()
    return out


Node = Callable[[Number], Number]


class _Parser:
    def __init__(self, tokens: list[str], expr: str) -> None:
        self.tokens, self.i, self.expr = tokens, 0, expr

    def peek(self) -> str | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, want: str | None = None) -> str:
        tok = self.peek()
        if tok is None or (want is not None and tok != want):
            raise PluralFormsError(f"cannot read the plural expression {self.expr!r}")
        self.i += 1
        return tok

    def ternary(self) -> Node:
        cond = self.binary(0)
        if self.peek() != "?":
            return cond
        self.take("?")
        then = self.ternary()
        self.take(":")
        else_ = self.ternary()
        return lambda n: then(n) if cond(n) else else_(n)

    def binary(self, level: int) -> Node:
        if level == len(BINARY):
            return self.unary()
        left = self.binary(level + 1)
        while self.peek() in BINARY[level]:
            left = _operation(self.take(), left, self.binary(level + 1))
        return left

    def unary(self) -> Node:
        tok = self.take()
        if tok == "!":
            inner = self.unary()
            return lambda n: int(not inner(n))
        if tok == "(":
            inner = self.ternary()
            self.take(")")
            return inner
        if tok == "n":
            return lambda n: n
        if tok.isdigit():
            value = int(tok)
            return lambda n: value
        raise PluralFormsError(f"cannot read the plural expression {self.expr!r}")


def _operation(op: str, left: Node, right: Node) -> Node:
    if op == "||":
        return lambda n: int(bool(left(n)) or bool(right(n)))
    if op == "&&":
        return lambda n: int(bool(left(n)) and bool(right(n)))
    if op in ("/", "%"):

        def divide(n: Number) -> Number:
            a, b = left(n), right(n)
            if b == 0:
                raise PluralFormsError("the plural expression divides by zero")
            if op == "%":
                return a % b
            if isinstance(a, int) and isinstance(b, int):
                return a // b
            return Decimal(a) / Decimal(b)

        return divide
    compute: dict[str, Callable[[Number, Number], Number]] = {
        "==": lambda a, b: int(a == b),
        "!=": lambda a, b: int(a != b),
        "<": lambda a, b: int(a < b),
        ">": lambda a, b: int(a > b),
        "<=": lambda a, b: int(a <= b),
        ">=": lambda a, b: int(a >= b),
        "+": lambda a, b: a + b,
        "-": lambda a, b: a - b if isinstance(a - b, Decimal) else (a - b) % 2**64,
        "*": lambda a, b: a * b,
    }
    fn = compute[op]
    return lambda n: fn(left(n), right(n))
