"""The liquid target: one template for Shopify Liquid, LiquidJS and python-liquid.

The emitted template renders what the reference renders in all three engines; see
docs/targets/liquid.md for every construct and why it is written the way it is. In short:

* outputs are normalized into a scratch variable first (`plus: 0` / `round` turn an integral
  float such as 3.0 into 3, `capture` turns everything else into the engine's printed string,
  so `true` stays `true` even in python-liquid's `escape`), then filtered and `| escape`d;
* `default` is `{% if x == nil %}fallback{% else %}…{% endif %}` (Liquid's own `default`
  also replaces false, "" and empty lists); the fallback is computed at compile time;
* truthiness is spelled out (`x and x != 0 and x != empty`), `not` is pushed down to the
  comparisons, and a condition mixing `and` with `or` is split into assigned flags, so no
  tag depends on Liquid's right-to-left evaluation of `and`/`or`;
* `size`, `first`, `last` and `length` keys are read by looping over the object's entries
  (the engines otherwise answer them with a count or an element when the key is missing);
* literal `{{` and `{%` in text become `{{ "{" }}{` and `{{ "{" }}%`.

Scratch variables share a prefix (`tk_`, lengthened until no name the template reads starts
with it); Liquid's `assign` writes a global, so they never shadow the data.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any, Literal, TypeAlias

from .. import ir
from ..urls import DATA_IMAGE_TYPES, INERT_URL, SAFE_SCHEMES
from .base import Emitter, apply_steps, constant_is_safe, plan_filters, url_check_steps

# A name that can follow `.` or stand alone as a variable in all three engines.
NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Names the engines read as literals, operators or tag keywords: always written `["name"]`.
RESERVED = frozenset(
    {
        "empty",
        "blank",
        "nil",
        "null",
        "true",
        "false",
        "and",
        "or",
        "not",
        "contains",
        "in",
        "with",
        "as",
        "for",
        "if",
        "else",
        "reversed",
        "limit",
        "offset",
        "cols",
        "forloop",
        "tablerowloop",
    }
)
# Keys the engines answer themselves when the object lacks them (a count, an element).
SPECIAL_KEYS = frozenset({"size", "first", "last", "length"})
# Characters that may appear inside a quoted string in a tag: no tag delimiters, brackets or
# escapes (Shopify's tokenizer ends a tag at the first `%}` or `}}`, even inside quotes).
UNSAFE_IN_STRING_RE = re.compile(r"[{}%\[\]\\\x00-\x1f\x7f]")
# `{` that would open a tag: before `{` or `%`, or at the end of the text (a tag follows).
OPENER_RE = re.compile(r"\{(?=[{%]|\Z)")

LIQUID_FILTER = {"upper": "upcase", "lower": "downcase", "escape": "escape"}
# The comparison that holds exactly when the other does not (on numbers).
NEGATED = {"==": "!=", "!=": "==", "<": ">=", ">=": "<", ">": "<=", "<=": ">"}

# --- conditions in negation normal form ------------------------------------------------------


class _Atom:
    """One Liquid comparison (or a bare value tested for Liquid truthiness)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


class _Junction:
    """All (`and`) or any (`or`) of its parts; empty `all` is true, empty `any` is false."""

    __slots__ = ("kind", "parts")

    def __init__(self, kind: Literal["and", "or"], parts: list[_Node]) -> None:
        self.kind = kind
        self.parts = parts


_Node: TypeAlias = _Atom | _Junction


def _flatten(node: _Junction) -> Iterator[_Node]:
    for part in node.parts:
        if isinstance(part, _Junction) and part.kind == node.kind:
            yield from _flatten(part)
        else:
            yield part


# --- filters -------------------------------------------------------------------------------


def liquid_text(text: str) -> str:
    """Literal text: each `{` that would open a tag is printed by a tag of its own."""
    return OPENER_RE.sub('{{ "{" }}', text)


def quotable(text: str) -> bool:
    """Whether `text` can be a quoted string literal inside a tag in all three engines."""
    return not UNSAFE_IN_STRING_RE.search(text) and not ('"' in text and "'" in text)


def quote(text: str) -> str:
    return f'"{text}"' if '"' not in text else f"'{text}'"


def number(value: int | float) -> str:
    """A number literal: Liquid has no exponent notation, so 1e-07 is written 0.0000001."""
    if isinstance(value, int):
        return str(value)
    text = repr(value)
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
    return text if "." in text else text + ".0"


class LiquidEmitter(Emitter):
    name = "liquid"
    summary = (
        "Liquid for Braze, Customer.io and Shopify: renders alike in Shopify Liquid, "
        "LiquidJS and python-liquid"
    )
    refuses = ()
    helpers = None

    def __init__(
        self, *, html: bool, file: str = "<template>", data: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(html=html, file=file, data=data)
        self._prefix = ""  # of every scratch variable: chosen by the first emit()
        self._count = 0
        self._setup: list[str] = []  # tags to write before the tag being built
        self._targets: list[tuple[str, str]] = []  # (source loop variable, Liquid name)
        self._aliases: dict[str, str] = {}  # data roots read through a scratch variable
        self._pos = ir.NOWHERE
        # Counts (and their remainders) already computed by the setup being built, so that an
        # if/elif chain of plural tests normalizes its count once.
        self._counts: dict[tuple[ir.Ref, int | None, str], str] = {}

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
        return head + super().emit(body)

    def _tmp(self, hint: str = "") -> str:
        self._count += 1
        return f"{self._prefix}{hint}{self._count}"

    def _flush(self, build: str) -> str:
        setup = "".join(self._setup)
        self._setup = []
        self._counts = {}
        return setup + build

    # -- references --------------------------------------------------------------------------

    def _key(self, key: str) -> str:
        """`["key"]`, or `[var]` holding the key when it cannot be a quoted literal."""
        if quotable(key):
            return "[" + quote(key) + "]"
        var = self._tmp("k")
        self._setup.append("{% capture " + var + " %}" + liquid_text(key) + "{% endcapture %}")
        return "[" + var + "]"

    def _loop_name(self, root: str) -> str | None:
        for source, liquid in reversed(self._targets):
            if source == root:
                return liquid
        return None

    def ref(self, ref: ir.Ref) -> str:
        """A Liquid expression for the reference (scratch tags it needs go to the setup)."""
        if isinstance(ref, ir.LoopVar):
            return "forloop." + ref.attr
        root = ref.root
        expr = self._loop_name(root) or self._aliases.get(root)
        if expr is None:
            expr = root if NAME_RE.match(root) and root not in RESERVED else self._key(root)
        for part in ref.parts[1:]:
            if isinstance(part, int):
                expr += f"[{part}]"
            elif part in SPECIAL_KEYS:
                expr = self._special(expr, part)
            elif NAME_RE.match(part) and part not in RESERVED:
                expr += "." + part
            else:
                expr += self._key(part)
        return expr

    def _special(self, parent: str, key: str) -> str:
        """`parent.size` (first, last, length) read only if the object has that key."""
        var = self._tmp()
        entry = self._tmp("e")
        self._setup.append(
            "{% assign " + var + " = nil %}"
            "{% for " + entry + " in " + parent + " %}"
            "{% if " + entry + '[0] == "' + key + '" %}'
            "{% assign " + var + " = " + entry + "[1] %}{% endif %}{% endfor %}"
        )
        return var

    # -- nodes -------------------------------------------------------------------------------

    def visit_Text(self, node: ir.Text) -> str:
        return liquid_text(node.text)

    def visit_Output(self, node: ir.Output) -> str:
        if node.value.format is not None:
            raise self.refuse_format(node.value.format, node.pos)
        self._pos = node.pos
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
        if node.url is not None:
            shown = self._url_checked(var, node.value.filters, node.url, shown)
        printed = (
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

    def _url_checked(
        self, var: str, filters: tuple[ir.Filter, ...], check: ir.UrlCheck, shown: str
    ) -> str:
        """`shown`, or INERT_URL when the printed value would give its URL an unsafe scheme.

        Liquid has no regular expressions: the check walks the printed text (plus the
        check's suffix) one character at a time, as urls.unsafe_scheme reads it: tabs and line
        breaks are skipped anywhere (`url_decode` gives them without writing them), blanks and
        control characters before the scheme, scheme letters are collected up to the `:`, and
        the scheme is compared with the allowed ones; `data:` must go on with an image type
        and `;base64,`. Liquid cannot decode character references: in markup (`|safe`) an `&`
        before the scheme is decided is refused instead.
        """
        steps, markup = url_check_steps(filters, self.html)
        p = self._prefix + "url"
        text, ok, state, scheme, last, i, c = (p, p + "_ok", p + "_st", p + "_s", p + "_n",
                                               p + "_i", p + "_c")  # fmt: skip
        tab, lf, cr = p + "_tab", p + "_lf", p + "_cr"
        chain = "".join(" | " + LIQUID_FILTER[s] for s in steps)
        allowed = " or ".join(f'{scheme} == "{s}"' for s in sorted(SAFE_SCHEMES))
        images = " or ".join(f'{scheme} == "image/{t};base64,"' for t in DATA_IMAGE_TYPES)
        out = (
            "{% capture " + text + " %}{{ " + var + chain + " }}" + check.suffix
            + "{% endcapture %}"
            "{% assign " + ok + " = true %}{% assign " + state + " = 0 %}"
            "{% assign " + scheme + ' = "" %}'
            "{% assign " + last + " = " + text + ".size | minus: 1 %}"
            "{% assign " + tab + ' = "%09" | url_decode %}{% assign ' + lf
            + ' = "%0A" | url_decode %}{% assign ' + cr + ' = "%0D" | url_decode %}'
            "{% for " + i + " in (0.." + last + ") %}"
            "{% assign " + c + " = " + text + " | slice: " + i + " %}"
            "{% if " + c + " == " + tab + " or " + c + " == " + lf + " or " + c + " == " + cr
            + " %}{% continue %}{% endif %}"
            # after data: the type, up to its comma
            "{% if " + state + " == 2 %}{% assign " + scheme + " = " + scheme + " | append: "
            + c + " %}{% if " + c + ' == "," or ' + scheme + ".size > 18 %}{% break %}"
            "{% endif %}{% continue %}{% endif %}"
            "{% if " + state + " == 0 and " + c + ' <= " " %}{% continue %}{% endif %}'
            + ("{% if " + c + ' == "&" %}{% assign ' + ok + " = false %}{% break %}{% endif %}"
               if markup else "")
            + '{% if "' + string.ascii_letters + '" contains ' + c + " %}"
            "{% assign " + scheme + " = " + scheme + " | append: " + c + " %}"
            "{% assign " + state + " = 1 %}{% continue %}{% endif %}"
            "{% if " + state + ' == 1 and "0123456789+.-" contains ' + c + " %}"
            "{% assign " + scheme + " = " + scheme + " | append: " + c + " %}{% continue %}"
            "{% endif %}"
            "{% if " + state + " == 1 and " + c + ' == ":" %}'
            "{% assign " + scheme + " = " + scheme + " | downcase %}"
            "{% if " + allowed + " %}{% break %}{% endif %}"
            "{% if " + scheme + ' == "data" %}{% assign ' + state + " = 2 %}"
            "{% assign " + scheme + ' = "" %}{% continue %}{% endif %}'
            "{% assign " + ok + " = false %}{% break %}{% endif %}"
            + ("{% if " + c + ' == ":" %}{% assign ' + ok + " = false %}{% endif %}"
               if check.open else "")
            + "{% break %}{% endfor %}"
            "{% if " + state + " == 2 %}{% assign " + scheme + " = " + scheme + " | downcase %}"
            "{% unless " + images + " %}{% assign " + ok + " = false %}{% endunless %}"
            "{% endif %}"
        )  # fmt: skip
        return out + "{% if " + ok + " %}" + shown + "{% else %}" + INERT_URL + "{% endif %}"

    def visit_If(self, node: ir.If) -> str:
        self._pos = node.pos
        tests = [self.cond(cond) for cond, _ in node.branches]
        out = self._flush("")
        for i, ((_, body), test) in enumerate(zip(node.branches, tests, strict=True)):
            out += "{% " + ("if " if i == 0 else "elsif ") + test + " %}" + self.emit(body)
        if node.else_:
            out += "{% else %}" + self.emit(node.else_)
        return out + "{% endif %}"

    def visit_For(self, node: ir.For) -> str:
        self._pos = node.pos
        iterable = self.ref(node.iterable)
        target = node.target
        if not NAME_RE.match(target) or target in RESERVED:
            target = self._tmp("item")
        out = self._flush("{% for " + target + " in " + iterable + " %}")
        self._targets.append((node.target, target))
        try:
            with self.inside(node):
                out += self.emit(node.body)
        finally:
            self._targets.pop()
        if node.else_:
            out += "{% else %}" + self.emit(node.else_)
        return out + "{% endfor %}"

    # -- conditions --------------------------------------------------------------------------

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

    def _nnf(self, cond: ir.Cond, negate: bool) -> _Node:
        """The condition (or its negation) as and/or of single Liquid comparisons."""
        if isinstance(cond, ir.Not):
            return self._nnf(cond.expr, not negate)
        if isinstance(cond, ir.And | ir.Or):
            kind: Literal["and", "or"] = "and" if isinstance(cond, ir.And) != negate else "or"
            return _Junction(kind, [self._nnf(cond.left, negate), self._nnf(cond.right, negate)])
        if isinstance(cond, ir.Truthy):
            return self._truthy(cond.ref, negate)
        if isinstance(cond, ir.IsCount):
            return _Atom(self._count_var(cond.ref) + (" < 0" if negate else " >= 0"))
        if isinstance(cond, ir.IsDecimal):
            return _Atom(self._decimal_var(cond.ref) + (" < 0" if negate else " >= 0"))
        if isinstance(cond, ir.NumberTest):
            return self._number_test(cond, negate)
        return self._compare(cond, negate)

    def _truthy(self, ref: ir.Ref, negate: bool) -> _Node:
        """Reference truthiness: missing, null, false, 0, "", [] and {} are false."""
        x = self.ref(ref)
        if isinstance(ref, ir.LoopVar):
            if ref.attr in ("first", "last"):
                return _Atom(x + " == false" if negate else x)
            if ref.attr == "index":  # 1, 2, ...: always true
                return _Junction("or" if negate else "and", [])
            return _Atom(x + (" == 0" if negate else " != 0"))
        if negate:
            falsy: list[_Node] = [_Atom(x + " == " + v) for v in ("nil", "false", "0", "empty")]
            return _Junction("or", falsy)
        return _Junction("and", [_Atom(x), _Atom(x + " != 0"), _Atom(x + " != empty")])

    def _compare(self, cond: ir.Compare, negate: bool) -> _Node:
        equal = (cond.op == "==") != negate
        x = self.ref(cond.ref)
        op = " == " if equal else " != "
        value = cond.literal
        atoms: list[_Node] = [_Atom(x + op + self._literal(value))]
        if not isinstance(value, str):
            # Python (the reference) has True == 1 and False == 0; Liquid does not.
            if value == 1:
                atoms.append(_Atom(x + op + "true"))
            elif value == 0:
                atoms.append(_Atom(x + op + "false"))
        if len(atoms) == 1:
            return atoms[0]
        return _Junction("or" if equal else "and", atoms)

    def _count_var(self, ref: ir.Ref) -> str:
        """A variable holding the value as an integer when it is a count (a whole number >= 0,
        not a boolean), and -1 otherwise: plural tests compare and divide it without error.

        `plus: 0` equals the value only when it is a number (not "2", not true); `round` then
        equals it only when it has no fraction (2.0, not 2.5).
        """
        if isinstance(ref, ir.LoopVar) and ref.attr in ("index", "index0"):
            return "forloop." + ref.attr
        var = self._counts.get((ref, None, "n"))
        if var is not None:
            return var
        x = self.ref(ref)
        var = self._tmp("n")
        tmp = self._prefix + "v"
        self._setup.append(
            "{% assign " + var + " = -1 %}"
            "{% assign " + tmp + " = " + x + " | plus: 0 %}"
            "{% if " + tmp + " == " + x + " %}"
            "{% assign " + tmp + " = " + x + " | round %}"
            "{% if " + tmp + " == " + x + " and " + tmp + " >= 0 %}"
            "{% assign " + var + " = " + tmp + " %}{% endif %}{% endif %}"
        )
        self._counts[(ref, None, "n")] = var
        return var

    def _decimal_var(self, ref: ir.Ref) -> str:
        """A variable holding the value when it is a decimal count (a number > 0 with a
        fraction), and -1 otherwise; the same tests as _count_var, `round` now differing."""
        if isinstance(ref, ir.LoopVar):
            return "-1"  # loop variables are whole numbers or booleans
        var = self._counts.get((ref, None, "d"))
        if var is not None:
            return var
        x = self.ref(ref)
        var = self._tmp("d")
        tmp = self._prefix + "v"
        self._setup.append(
            "{% assign " + var + " = -1 %}"
            "{% assign " + tmp + " = " + x + " | plus: 0 %}"
            "{% if " + tmp + " == " + x + " %}"
            "{% assign " + tmp + " = " + x + " | round %}"
            "{% if " + tmp + " != " + x + " and " + x + " > 0 %}"
            "{% assign " + var + " = " + x + " %}{% endif %}{% endif %}"
        )
        self._counts[(ref, None, "d")] = var
        return var

    def _operand_var(self, ref: ir.Ref, operand: str) -> str:
        """A CLDR operand of a decimal count, read from its printed digits (`1.25`): i its
        whole part, v how many digits follow the point, f those digits as a number."""
        var = self._counts.get((ref, None, operand))
        if var is not None:
            return var
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

    def _number_test(self, cond: ir.NumberTest, negate: bool) -> _Node:
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
        return _Atom(f"{n} {op} {cond.value}")

    def _literal(self, value: ir.Literal_) -> str:
        if isinstance(value, str):
            if quotable(value):
                return quote(value)
            var = self._tmp("s")
            self._setup.append(
                "{% capture " + var + " %}" + liquid_text(value) + "{% endcapture %}"
            )
            return var
        return number(value)

    def _expr(self, node: _Node) -> str:
        """One `if` expression: a plain chain of `and` or of `or`, never both.

        Liquid has no parentheses and evaluates and/or right to left, so a part that is
        itself a chain of the other kind is computed into a flag first.
        """
        if isinstance(node, _Atom):
            return node.text
        parts = list(_flatten(node))
        if not parts:
            return "true" if node.kind == "and" else "false"
        texts = [p.text if isinstance(p, _Atom) else self._flag(p) for p in parts]
        return (" " + node.kind + " ").join(texts)

    def _flag(self, node: _Junction) -> str:
        var = self._tmp("c")
        test = self._expr(node)
        self._setup.append(
            "{% assign " + var + " = false %}"
            "{% if " + test + " %}{% assign " + var + " = true %}{% endif %}"
        )
        return var


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
