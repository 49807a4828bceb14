"""Conditions in Liquid: each written in negation normal form, then as one plain chain of
`and` or of `or` (Liquid has no parentheses and evaluates and/or right to left)."""

from __future__ import annotations

from typing import Literal

from ...template import ir
from ..base import NUMBERS
from .plurals import PluralCounts
from .syntax import SIZED, Atom, Junction, Node, flatten


class LiquidConditions(PluralCounts):
    """`cond_<Node>` for every IR condition, through _nnf and _expr."""

    def cond_Truthy(self, cond: ir.Truthy) -> str:
        return self._expr(self._nnf(cond, False))

    def cond_Compare(self, cond: ir.Compare) -> str:
        return self._expr(self._nnf(cond, False))

    def cond_Not(self, cond: ir.Not) -> str:
        return self._expr(self._nnf(cond, False))

    def cond_And(self, cond: ir.And) -> str:
        return self._expr(self._nnf(cond, False))

    def cond_Or(self, cond: ir.Or) -> str:
        return self._expr(self._nnf(cond, False))

    def cond_IsCount(self, cond: ir.IsCount) -> str:
        return self._expr(self._nnf(cond, False))

    def cond_IsDecimal(self, cond: ir.IsDecimal) -> str:
        return self._expr(self._nnf(cond, False))

    def cond_NumberTest(self, cond: ir.NumberTest) -> str:
        return self._expr(self._nnf(cond, False))

    def _nnf(self, cond: ir.Cond, negate: bool) -> Node:
        """The condition (or its negation) as and/or of single Liquid comparisons."""
        if isinstance(cond, ir.Not):
            return self._nnf(cond.expr, not negate)
        if isinstance(cond, ir.And | ir.Or):
            kind: Literal["and", "or"] = "and" if isinstance(cond, ir.And) != negate else "or"
            return Junction(kind, [self._nnf(cond.left, negate), self._nnf(cond.right, negate)])
        if isinstance(cond, ir.Truthy):
            return self._truthy(cond.ref, negate)
        if isinstance(cond, ir.IsCount):
            return self._is_count(cond.ref, negate)
        if isinstance(cond, ir.IsDecimal):
            return self._is_decimal(cond.ref, negate)
        if isinstance(cond, ir.NumberTest):
            return self._number_test(cond, negate)
        return self._compare(cond, negate)

    def _truthy(self, ref: ir.Ref, negate: bool) -> Node:
        """Reference truthiness: missing, null, false, 0, "", [] and {} are false."""
        x = self.ref(ref)
        if isinstance(ref, ir.LoopVar):
            if ref.attr in ("first", "last"):
                return Atom(x + " == false" if negate else x)
            if ref.attr == "index":  # 1, 2, ...: always true
                return Junction("or" if negate else "and", [])
            return Atom(x + (" == 0" if negate else " != 0"))
        typed = self._typed_truthy(ref, x, negate)
        if typed is not None:
            return typed
        if negate:
            falsy: list[Node] = [Atom(x + " == " + v) for v in ("nil", "false", "0", "empty")]
            return Junction("or", falsy)
        return Junction("and", [Atom(x), Atom(x + " != 0"), Atom(x + " != empty")])

    def _unless(self, cond: ir.Cond) -> ir.Path | None:
        """The value `not cond` tests, when it reads better as `{% unless %}`: a boolean
        (`unless x`, not `x != true`), a string or list that may be missing (`unless x.size >
        0`, not `x == nil or x == empty`)."""
        if not isinstance(cond, ir.Truthy) or not isinstance(cond.ref, ir.Path):
            return None
        kind = self._type(cond.ref)
        if kind == "boolean" or (kind in SIZED and not self.always_present(cond.ref)):
            return cond.ref
        return None

    def _typed_truthy(self, ref: ir.Ref, x: str, negate: bool) -> Node | None:
        """Reference truthiness of a typed value, as a person writes it in Liquid, where only
        nil and false are false: a boolean as it is, a string or list by its `size` (by
        `empty` when the data always has it), a number compared with 0."""
        kind = self._type(ref)
        present = isinstance(ref, ir.Path) and self.always_present(ref)
        if kind == "boolean":
            return Atom(x + " != true" if negate else x)
        if kind in SIZED:
            if present:
                return Atom(x + (" == empty" if negate else " != empty"))
            if negate:
                return Junction("or", [Atom(x + " == nil"), Atom(x + " == empty")])
            return Atom(x + ".size > 0")
        if kind in NUMBERS:
            if negate:
                zero: list[Node] = [Atom(x + " == 0")]
                return zero[0] if present else Junction("or", [Atom(x + " == nil"), *zero])
            nonzero: list[Node] = [Atom(x + " != 0")]
            return nonzero[0] if present else Junction("and", [Atom(x), *nonzero])
        return None

    def _compare(self, cond: ir.Compare, negate: bool) -> Node:
        equal = (cond.op == "==") != negate
        x = self.ref(cond.ref)
        op = " == " if equal else " != "
        value = cond.literal
        atoms: list[Node] = [Atom(x + op + self._literal(value))]
        if not isinstance(value, str):
            # Python (the reference) has True == 1 and False == 0; Liquid does not.
            if value == 1:
                atoms.append(Atom(x + op + "true"))
            elif value == 0:
                atoms.append(Atom(x + op + "false"))
        if len(atoms) == 1:
            return atoms[0]
        return Junction("or" if equal else "and", atoms)

    def _expr(self, node: Node) -> str:
        """One `if` expression: a plain chain of `and` or of `or`, never both.

        Liquid has no parentheses and evaluates and/or right to left, so a part that is
        itself a chain of the other kind is computed into a flag first.
        """
        if isinstance(node, Atom):
            return node.text
        parts = list(flatten(node))
        if not parts:
            return "true" if node.kind == "and" else "false"
        texts = [p.text if isinstance(p, Atom) else self._flag(p) for p in parts]
        return (" " + node.kind + " ").join(texts)

    def _flag(self, node: Junction) -> str:
        var = self._tmp("c")
        test = self._expr(node)
        self._setup.append(
            "{% assign " + var + " = false %}"
            "{% if " + test + " %}{% assign " + var + " = true %}{% endif %}"
        )
        return var
