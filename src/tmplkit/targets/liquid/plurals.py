"""Plural rules in Liquid: a count normalized once per chain (a whole number >= 0, or -1),
its decimal twin and CLDR operands, and the `count % mod <op> value` tests on them."""

from __future__ import annotations

from ...template import ir
from ..base import NUMBERS
from .syntax import NEGATED, Atom, Junction, Node
from .writer import LiquidWriter


class PluralCounts(LiquidWriter):
    """The tests i18n/plural.py writes (IsCount, IsDecimal, NumberTest) as Liquid comparisons."""

    def _typed_count(self, ref: ir.Ref) -> str | None:
        """How a count typed as a number is tested: "integer" (as it is) when the data always
        has it as an integer, "number" (through `round`, which never equals nil) for another
        number or one that may be missing; None when it is not typed as a number."""
        kind = self._type(ref)
        if kind not in NUMBERS or not isinstance(ref, ir.Path):
            return None
        return "integer" if kind == "integer" and self.always_present(ref) else "number"

    def _is_count(self, ref: ir.Ref, negate: bool) -> Node:
        """Whether the value is a whole number >= 0: its count variable >= 0, and for a
        number, equal to the value it was rounded from."""
        n = self._count_var(ref)
        atom = Atom(n + (" < 0" if negate else " >= 0"))
        if self._typed_count(ref) != "number":
            return atom
        whole = Atom(n + (" != " if negate else " == ") + self.ref(ref))
        return Junction("or" if negate else "and", [whole, atom])

    def _count_var(self, ref: ir.Ref) -> str:
        """A variable holding the value as an integer when it is a count (a whole number >= 0,
        not a boolean), and -1 otherwise: plural tests compare and divide it without error.

        `plus: 0` equals the value only when it is a number (not "2", not true); `round` then
        equals it only when it has no fraction (2.0, not 2.5).
        """
        if isinstance(ref, ir.LoopVar) and ref.attr in ("index", "index0"):
            return "forloop." + ref.attr
        kind = self._typed_count(ref)
        if kind == "integer":
            return self.ref(ref)  # compared and divided as it is (3.0 == 3 in every engine)
        if kind == "number":  # whole where it equals its rounding (see _is_count)
            var = self._counts.get((ref, None, "n"))
            if var is None and isinstance(ref, ir.Path):  # inside its chain: already there
                var = self._rounded.get(self._count_key(ref))
            if var is None:
                var = self._counts[(ref, None, "n")] = self._tmp("n")
                self._setup.append("{% assign " + var + " = " + self.ref(ref) + " | round %}")
            return var
        return self._number_var(ref, "n")

    def _is_decimal(self, ref: ir.Ref, negate: bool) -> Node:
        """Whether the value is a number > 0 with a fraction. A typed number differs from its
        rounding (the count variable) exactly then, or is not > 0; any other value is first
        normalized (see _decimal_var)."""
        if self._typed_count(ref) != "number":
            return Atom(self._decimal_var(ref) + (" < 0" if negate else " >= 0"))
        n, x = self._count_var(ref), self.ref(ref)
        if negate:
            return Junction("or", [Atom(n + " == " + x), Atom(x + " <= 0")])
        return Junction("and", [Atom(n + " != " + x), Atom(x + " > 0")])

    def _decimal_var(self, ref: ir.Ref) -> str:
        """A variable holding the value when it is a decimal count (a number > 0 with a
        fraction), and -1 otherwise; the same tests as _count_var, `round` now differing."""
        if isinstance(ref, ir.LoopVar):
            return "-1"  # loop variables are whole numbers or booleans
        return self._number_var(ref, "d")

    def _number_var(self, ref: ir.Ref, kind: str) -> str:
        """The variable of _count_var (kind "n": the rounded value when it equals the value and
        is >= 0) or of _decimal_var ("d": the value when rounding changes it and it is > 0),
        -1 otherwise; a number is what `plus: 0` leaves equal. Computed once per chain."""
        var = self._counts.get((ref, None, kind))
        if var is not None:
            return var
        x = self.ref(ref)
        var = self._tmp(kind)
        tmp = self._prefix + "v"
        if kind == "n":
            test, value = tmp + " == " + x + " and " + tmp + " >= 0", tmp
        else:
            test, value = tmp + " != " + x + " and " + x + " > 0", x
        self._setup.append(
            "{% assign " + var + " = -1 %}"
            "{% assign " + tmp + " = " + x + " | plus: 0 %}"
            "{% if " + tmp + " == " + x + " %}"
            "{% assign " + tmp + " = " + x + " | round %}"
            "{% if " + test + " %}"
            "{% assign " + var + " = " + value + " %}{% endif %}{% endif %}"
        )
        self._counts[(ref, None, kind)] = var
        return var

    def _operand_var(self, ref: ir.Ref, operand: str) -> str:
        """A CLDR operand of a decimal count, read from its printed digits (`1.25`): i its
        whole part, v how many digits follow the point, f those digits as a number."""
        var = self._counts.get((ref, None, operand))
        if var is not None:
            return var
        if isinstance(ref, ir.Path) and self._known.get(self._count_key(ref)) == "decimal":
            d = self.ref(ref)  # the branch knows it is a decimal: read it as it is
        else:
            d = self._decimal_var(ref)
        var = self._tmp(operand)
        if operand == "i":
            self._setup.append("{% assign " + var + " = " + d + " | floor %}")
        else:
            digits = self._counts.get((ref, None, "digits"))
            if digits is None:
                digits = self._tmp("t")
                self._setup.append(
                    "{% assign " + digits + " = " + d + ' | append: "" | split: "." %}'
                )
                self._counts[(ref, None, "digits")] = digits
            size = " | size" if operand == "v" else " | plus: 0"
            self._setup.append("{% assign " + var + " = " + digits + ".last" + size + " %}")
        self._counts[(ref, None, operand)] = var
        return var

    def _number_test(self, cond: ir.NumberTest, negate: bool) -> Node:
        """`count % mod <op> value` on the normalized count (its remainder computed first)."""
        if cond.operand == "n":
            n = self._count_var(cond.ref)
        else:
            n = self._operand_var(cond.ref, cond.operand)
        if cond.mod:
            rest = self._counts.get((cond.ref, cond.mod, cond.operand))
            if rest is None:
                rest = self._tmp("m")
                self._setup.append(
                    "{% assign " + rest + " = " + n + " | modulo: " + str(cond.mod) + " %}"
                )
                self._counts[(cond.ref, cond.mod, cond.operand)] = rest
            n = rest
        op = NEGATED[cond.op] if negate else cond.op
        return Atom(f"{n} {op} {cond.value}")

    def _never(self, cond: ir.Cond) -> bool:
        """Whether the test is false for every value of its type: an integer the data always
        has is never a decimal."""
        return isinstance(cond, ir.IsDecimal) and self._typed_count(cond.ref) == "integer"
