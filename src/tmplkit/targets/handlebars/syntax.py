"""Handlebars text, pure: helper-call expressions, literals, literal text, escaping and blocks."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeAlias

from ...template import ir

BUILTIN_HELPERS = frozenset(
    {"if", "unless", "each", "with", "lookup", "log", "helperMissing", "blockHelperMissing"}
)
NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Words the handlebars lexer reads as literals (or `this`) even after a dot.
LITERAL_WORDS = frozenset({"true", "false", "null", "undefined", "this", "as"})
CASE_FILTERS = frozenset({"upper", "lower"})
PRINTING = frozenset({"default", *CASE_FILTERS})  # filters whose helper prints the value
NUMBER_RE = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")  # what handlebars reads as a number literal
# Variable types (variables.py) that handlebars.js prints as the reference does, missing and null
# as "" (what tk_print adds is [] and {}), and whose JavaScript truthiness is the reference's.
PRINTS_AS_IS = frozenset({"string", "number", "integer", "boolean", "date", "datetime", "scalar"})
# Types handlebars' own {{#if}} and {{#unless}} test as the reference does: [] is false too
# (an empty object is true in handlebars, so objects keep tk_truthy).
TESTS_AS_IS = PRINTS_AS_IS | {"list"}
# Types whose default("x") `{{#if v includeZero=true}}` writes: only missing and null are empty.
DEFAULTS_AS_IS = frozenset({"number", "integer"})
DELIMITER_RE = re.compile(r"(\\*)(\{\{)|(\\+)\Z")
# The helper comparing two numbers with each operator of a plural rule.
NUMBER_OPS = {
    "==": "tk_eq",
    "!=": "tk_ne",
    "<": "tk_lt",
    "<=": "tk_le",
    ">": "tk_gt",
    ">=": "tk_ge",
}


# --- expressions: an atom, or a helper call -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Call:
    """A helper call: `helper arg …` in a mustache, `(helper arg …)` as a parameter."""

    helper: str
    args: tuple[Expr, ...]


Expr: TypeAlias = str | Call  # a str is an atom: a path, a @data variable or a literal


def param(expr: Expr) -> str:
    """The expression as a helper or block parameter."""
    return expr if isinstance(expr, str) else f"({body(expr)})"


def body(expr: Expr) -> str:
    """The expression as the inside of a mustache: `{{ body }}`."""
    if isinstance(expr, str):
        return expr
    return " ".join([expr.helper, *(param(a) for a in expr.args)])


# --- pure text helpers -----------------------------------------------------------------------


def literal_text(text: str) -> str:
    """Template text that renders as `text`, whatever delimiters and backslashes it holds.

    `{{` becomes `\\{{`. Backslashes right before `{{` or at the end (where our next tag may
    follow) get one more and an empty comment `{{!}}`, since handlebars eats one backslash of a
    `\\\\{{` pair. A leading `}` would close the previous tag as `}}}`, so an empty comment comes
    first; a trailing `{` would open the next tag as `{{{`, so a space follows it and the next
    tag is an empty comment that strips that space (`{{~!}}`).
    """

    def escape(m: re.Match[str]) -> str:
        slashes = m.group(1) if m.group(2) else m.group(3)
        out = slashes + "\\{{!}}" if slashes else ""
        return out + ("\\{{" if m.group(2) else "")

    out = DELIMITER_RE.sub(escape, text)
    if out.startswith("}"):
        out = "{{!}}" + out
    if out.endswith("{"):
        out += " {{~!}}"
    return out


def string_literal(text: str) -> str | None:
    """A handlebars string literal for `text`, or None when handlebars cannot spell it."""
    if text.endswith("\\"):
        return None
    return '"' + text.replace('"', '\\"') + '"'


def json_literal(data: Any) -> str:
    """A handlebars string literal holding `data` as JSON: single-quoted, with every `'` in
    the JSON written `\\u0027`, so that nothing inside needs handlebars' own escape."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return "'" + text.replace("'", "\\u0027") + "'"


def number_literal(value: int | float) -> str | None:
    """A handlebars number literal (plain decimals only) for `value`; None for inf and nan."""
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        return None
    # The shortest repr, written out without an exponent, reads back as the same double.
    text = format(Decimal(repr(value)), "f")
    return text.removesuffix(".0") if NUMBER_RE.match(text) else None


@dataclass(frozen=True, slots=True)
class Escaping:
    """Where the reference HTML-escapes an output: at one `|escape` filter, at the end, or never.

    As in Jinja: `safe` marks the value safe, `escape` escapes a value not yet marked safe (once),
    and an HTML part escapes whatever is not marked safe at the end. An `|escape` that `upper` or
    `lower` follow must happen in place (`&LT;A&GT;`); any other can wait for the output tag.
    """

    in_place: int | None  # the index of the |escape filter to apply in place
    at_output: bool  # `{{x}}` rather than `{{{x}}}`


def escaping(filters: tuple[ir.Filter, ...], html: bool) -> Escaping:
    marked = False
    for i, f in enumerate(filters):
        if f.name == "safe":
            marked = True
        elif f.name == "escape" and not marked:
            if any(g.name in CASE_FILTERS for g in filters[i + 1 :]):
                return Escaping(i, False)
            return Escaping(None, True)
    return Escaping(None, html and not marked)


def block(helper: str, arg: str, then: str, else_: str) -> str:
    """`{{#helper arg}}then{{else}}else{{/helper}}`, without an empty else."""
    out = "{{#" + helper + " " + arg + "}}" + then
    if else_:
        out += "{{else}}" + else_
    return out + "{{/" + helper + "}}"
