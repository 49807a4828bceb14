"""The liquid emitter: the template, its outputs, ifs and loops (conditions, plurals, URL checks
and format filters are its bases' work)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal, TypeAlias

from ...template import ir
from ...urls import INERT_URL
from ..base import NUMBERS, Step, apply_steps, constant_is_safe, plan_filters, url_check_steps
from .conditions import LiquidConditions
from .format_filters import FormatFilters
from .syntax import LIQUID_FILTER, NAME_RE, RESERVED, STRINGS, liquid_text

# A count's key (see LiquidEmitter._count_key) and what a branch knows of it.
_Fact: TypeAlias = tuple[tuple[str, ir.Path], Literal["whole", "decimal"]]


class LiquidEmitter(FormatFilters, LiquidConditions):
    formats_inline = True  # format filters only with --inline-formats
    name = "liquid"
    summary = (
        "Liquid for Braze, Customer.io and Shopify: renders alike in Shopify Liquid, "
        "LiquidJS and python-liquid"
    )
    refuses = ()
    helpers = None

    # -- the whole template ------------------------------------------------------------------

    def emit(self, body: ir.Body) -> str:
        if self._prefix:
            return super().emit(body)
        names = _names(body)
        prefix = "tk_"
        while any(n.startswith(prefix) for n in names):
            prefix += "_"
        self._prefix = prefix
        head = ""
        if "forloop" in _data_roots(body):
            # Inside a loop `forloop` is the loop object: read the data's `forloop` before.
            self._aliases["forloop"] = prefix + "forloop"
            head = "{% assign " + prefix + "forloop = forloop %}"
        out = super().emit(body)
        return head + self._currencies + self._zone_tags + out

    # -- nodes -------------------------------------------------------------------------------

    def visit_Text(self, node: ir.Text) -> str:
        return liquid_text(node.text)

    def visit_Output(self, node: ir.Output) -> str:
        self._pos = node.pos
        if node.value.format is not None:
            return self._flush(self._formatted(node, node.value.format))
        fallback, steps = plan_filters(node.value.filters, self.html)
        ref = node.value.ref
        if isinstance(ref, ir.LoopVar):
            # A number or a boolean: never null, nothing to escape.
            chain = "".join(" | " + LIQUID_FILTER[s] for s in steps if s != "escape")
            return "{{ forloop." + ref.attr + chain + " }}"
        expr = self.ref(ref)
        var = self._prefix + "v"
        chain = "".join(" | " + LIQUID_FILTER[s] for s in steps)
        shown = "{{ " + var + chain + " }}"
        plain = None
        if node.url is None:
            plain = self._plain(ref, expr, steps)
        elif self._type(ref) in STRINGS:
            plain = self._url_plain(ref, expr, node.value.filters, node.url)
        else:
            shown = self._url_checked(var, node.value.filters, node.url, shown)
        if plain is not None and (fallback is None or self._present(ref)):
            return self._flush(plain)  # a default the data always has never applies
        printed = plain or (
            # An integral number prints as an integer (3.0 -> 3): `plus: 0` equals only a
            # number, and `round` is only applied to numbers (python-liquid's round fails on
            # the string "NaN").
            "{% assign " + var + " = " + expr + " | plus: 0 %}"
            "{% if " + var + " == " + expr + " %}"
            "{% assign " + var + " = " + expr + " | round %}{% endif %}"
            # Anything else as the engine prints it (true, not python-liquid's escaped True),
            # except an empty list or object: [] and {} as the reference prints them.
            "{% if " + var + " != " + expr + " %}"
            "{% capture " + var + " %}{{ " + expr + " }}{% endcapture %}"
            "{% if " + expr + " == empty and " + expr + ' != "" %}'
            "{% if " + var + ' == "" %}{% assign ' + var + ' = "[]" %}'
            "{% else %}{% assign " + var + ' = "{}" %}{% endif %}{% endif %}{% endif %}' + shown
        )
        if fallback is not None:
            text = apply_steps(fallback, steps)
            if node.url is not None:
                check_steps, markup = url_check_steps(node.value.filters, self.html)
                if not constant_is_safe(apply_steps(fallback, check_steps), node.url, markup):
                    text = INERT_URL
            printed = (
                "{% if "
                + expr
                + " == nil %}"
                + liquid_text(text)
                + "{% else %}"
                + printed
                + "{% endif %}"
            )
        return self._flush(printed)

    def _plain(self, ref: ir.Path, expr: str, steps: list[Step]) -> str | None:
        """The value printed as a person writes Liquid, where its type makes that exact in all
        three engines: a string as `{{ x | escape }}` (through upcase/downcase too), a boolean
        as `{{ x }}` (python-liquid's escape prints True), an integer the data always has (or
        a plural's count in a branch that found it whole) as `{{ x | round }}` (3.0 prints 3;
        nil would print 0; a typed number count as the variable already holding that), a
        number count in the branch that found it a decimal as `{{ x }}`, another number
        through `round` where it equals it; None for the other types, and for filters on a
        boolean or a number."""
        kind = self._type(ref)
        known = self._known.get(self._count_key(ref))
        rounded = self._rounded.get(self._count_key(ref))
        if known is not None and all(s == "escape" for s in steps):
            if known == "decimal":
                return "{{ " + expr + " }}"  # not whole: prints as itself, as the reference
            return "{{ " + (rounded or expr + " | round") + " }}"
        if kind in STRINGS:
            return "{{ " + expr + "".join(" | " + LIQUID_FILTER[s] for s in steps) + " }}"
        if any(s != "escape" for s in steps):
            return None  # upper/lower print True and 3.0 the engines' ways
        if kind == "boolean":
            return "{{ " + expr + " }}"
        if kind == "integer" and self.always_present(ref):  # round prints nil as 0
            return "{{ " + expr + " | round }}"
        if kind in NUMBERS:
            var = rounded or self._prefix + "v"
            head = "" if rounded else "{% assign " + var + " = " + expr + " | round %}"
            return (
                head + "{% if " + var + " == " + expr
                + " %}{{ " + var + " }}{% else %}{{ " + expr + " }}{% endif %}"
            )  # fmt: skip
        return None

    def visit_If(self, node: ir.If) -> str:
        self._pos = node.pos
        # A test that can never hold (a typed integer is never a decimal) is left out.
        branches = [(cond, body) for cond, body in node.branches if not self._never(cond)]
        if not branches:
            return self.emit(node.else_)
        self._serial += 1
        serial = self._serial
        first = branches[0][0]
        tested = self._unless(first.expr) if isinstance(first, ir.Not) else None
        if len(branches) == 1 and tested is not None:
            # `not x` on a boolean, string or list: `{% unless x %}`, as a person writes it
            test = self._expr(self._truthy(tested, False))
            out = self._flush("{% unless " + test + " %}")
            out += self._branch(serial, 0, branches[0][1])
            if node.else_:
                out += "{% else %}" + self._branch(serial, 1, node.else_)
            return out + "{% endunless %}"
        # What a branch knows of a plural chain's count: after "not a count" it is whole; in
        # the decimal test that opens "not a count" (a typed number) it is a decimal.
        count = (
            first.expr.ref
            if isinstance(first, ir.Not) and isinstance(first.expr, ir.IsCount)
            else None
        )
        known: dict[int, _Fact] = {}
        if isinstance(count, ir.Path):
            whole: _Fact = (self._count_key(count), "whole")
            known = {i: whole for i in range(1, len(branches) + 1)}
        elif isinstance(first, ir.IsDecimal) and self._typed_count(first.ref) == "number":
            assert isinstance(first.ref, ir.Path)  # _typed_count: only a data path is typed
            known = {0: (self._count_key(first.ref), "decimal")}
        tests = [self.cond(cond) for cond, _ in branches]
        # A typed number's `n | round`, assigned before the chain, serves all its branches.
        rounded = None
        if isinstance(count, ir.Path) and self._typed_count(count) == "number":
            rounded = self._count_key(count)
            if rounded in self._rounded:
                rounded = None  # an enclosing chain on the same count has it
            else:
                self._rounded[rounded] = self._counts[(count, None, "n")]  # see _count_var
        out = self._flush("")
        try:
            for i, ((_, body), test) in enumerate(zip(branches, tests, strict=True)):
                out += "{% " + ("if " if i == 0 else "elsif ") + test + " %}"
                out += self._branch(serial, i, body, known.get(i))
            if node.else_:
                out += "{% else %}"
                out += self._branch(serial, len(branches), node.else_, known.get(len(branches)))
        finally:
            if rounded is not None:
                del self._rounded[rounded]
        return out + "{% endif %}"

    def _branch(self, serial: int, index: int, body: ir.Body, known: _Fact | None = None) -> str:
        """A branch (or loop body) of the block numbered `serial`; `known`: a count it knows
        to be a whole number >= 0 or a decimal (see _known)."""
        self._blocks.append((serial, index))
        new = known if known is not None and known[0] not in self._known else None
        if new is not None:
            self._known[new[0]] = new[1]
        try:
            return self.emit(body)
        finally:
            self._blocks.pop()
            if new is not None:
                del self._known[new[0]]

    def visit_For(self, node: ir.For) -> str:
        self._pos = node.pos
        self._serial += 1
        serial = self._serial
        iterable = self.ref(node.iterable)
        target = node.target
        if not NAME_RE.match(target) or target in RESERVED:
            target = self._tmp("item")
        out = self._flush("{% for " + target + " in " + iterable + " %}")
        self._targets.append((node.target, target))
        try:
            with self.inside(node):
                out += self._branch(serial, 0, node.body)
        finally:
            self._targets.pop()
        if node.else_:
            out += "{% else %}" + self._branch(serial, 1, node.else_)
        return out + "{% endfor %}"


# --- what a template reads -------------------------------------------------------------------


def _cond_refs(cond: ir.Cond) -> Iterator[ir.Ref]:
    if isinstance(cond, ir.Truthy | ir.Compare | ir.IsCount | ir.IsDecimal | ir.NumberTest):
        yield cond.ref
    elif isinstance(cond, ir.Not):
        yield from _cond_refs(cond.expr)
    else:
        yield from _cond_refs(cond.left)
        yield from _cond_refs(cond.right)


def _paths(body: ir.Body) -> Iterator[tuple[ir.Path, tuple[str, ...]]]:
    """Every data path with the loop variables in scope where it is read."""

    def visit(nodes: ir.Body, scope: tuple[str, ...]) -> Iterator[tuple[ir.Path, tuple[str, ...]]]:
        for node in nodes:
            refs: list[ir.Ref] = []
            if isinstance(node, ir.Output):
                refs.append(node.value.ref)
                if node.value.format is not None and isinstance(
                    node.value.format.currency, ir.Path
                ):
                    refs.append(node.value.format.currency)
            elif isinstance(node, ir.If):
                for cond, branch in node.branches:
                    refs.extend(_cond_refs(cond))
                    yield from visit(branch, scope)
                yield from visit(node.else_, scope)
            elif isinstance(node, ir.For):
                refs.append(node.iterable)
                yield from visit(node.body, (*scope, node.target))
                yield from visit(node.else_, scope)
            for ref in refs:
                if isinstance(ref, ir.Path):
                    yield ref, scope

    return visit(body, ())


def _data_roots(body: ir.Body) -> set[str]:
    """Root names read from the data (not from a loop variable)."""
    return {p.root for p, scope in _paths(body) if p.root not in scope}


def _names(body: ir.Body) -> set[str]:
    """Every root name and loop variable the template uses."""
    names = {p.root for p, _ in _paths(body)}
    names.update(n.target for n in ir.walk(body) if isinstance(n, ir.For))
    return names
