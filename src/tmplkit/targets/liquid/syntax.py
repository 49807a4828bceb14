"""Liquid as all three engines read it: names, literals, literal text, and conditions as
and/or chains of single comparisons."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Literal, TypeAlias

from ..base import NUMBERS

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
# Variable types (variables.py) written plainly, where all three engines print and test values
# of the type as the reference does (docs/targets/liquid.md#typed-variables). Strings (dates
# are strings in the data) print as they are, missing and null as "", and are true when not
# empty: `size` is their length, or a list's count.
STRINGS = frozenset({"string", "date", "datetime"})
SIZED = STRINGS | {"list"}
# Numbers print through `round` (an integral float prints 3.0 in Shopify and python-liquid, 3 in
# the reference) and are false at 0, which Liquid holds true.
TYPED = SIZED | NUMBERS | {"boolean"}
# The comparison that holds exactly when the other does not (on numbers).
NEGATED = {"==": "!=", "!=": "==", "<": ">=", ">=": "<", ">": "<=", "<=": ">"}

# --- conditions in negation normal form ------------------------------------------------------


class Atom:
    """One Liquid comparison (or a bare value tested for Liquid truthiness)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


class Junction:
    """All (`and`) or any (`or`) of its parts; empty `all` is true, empty `any` is false."""

    __slots__ = ("kind", "parts")

    def __init__(self, kind: Literal["and", "or"], parts: list[Node]) -> None:
        self.kind = kind
        self.parts = parts


Node: TypeAlias = Atom | Junction


def flatten(node: Junction) -> Iterator[Node]:
    for part in node.parts:
        if isinstance(part, Junction) and part.kind == node.kind:
            yield from flatten(part)
        else:
            yield part


# --- literals and text ---------------------------------------------------------------------


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
