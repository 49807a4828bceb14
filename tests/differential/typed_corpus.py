"""The differential corpus with variable types: every source of corpus.py, declared, and data of
those types.

Each *profile* declares every data path the corpus reads (`compile_string(…, declare=…)`), as
template.toml's `[variables]` would: `required` has every value there; `optional` lets every
value and list be missing or null (objects and list items are there); `loose` lets objects be
missing or null too. The data sets are generated from a profile's types: each type's edge values
(empty string, HTML-special and non-Latin text, 0, negative, large and whole-valued numbers,
decimals, true/false, empty and non-empty lists, missing and null optional values) in named sets,
and a seeded random draw mixing them. Every data set matches the types of every source
(`Variables.validate` finds nothing; tests/differential/test_typed_corpus.py asserts it).

Numbers stay where JSON is interoperable and every engine writes plain digits: integers within
±(2^53 - 1) (RFC 8259 §6; JavaScript cannot hold more), decimals at least 1e-4 in size (Python
prints 1e-05, JavaScript 0.00001) and below 1e15 (Python prints 1e+16).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache
from typing import Any

from tests.differential.corpus import SOURCES, STRINGS, Source
from tmplkit.htmlcontext import mark_urls
from tmplkit.localize import lower_translations as lower
from tmplkit.pipeline import Part, inline_blocks
from tmplkit.template.parse import parse
from tmplkit.variables import Variable, Variables, declare, infer

# The type of every path the corpus reads (user["first-name"] has no declarable name: its type
# is what the template's use and the profile's parents give).
TYPES: dict[str, str] = {
    "name": "string",
    "nickname": "string",
    "snippet": "string",
    "url": "string",
    "flag": "boolean",
    "plan": "string",
    "count": "integer",
    "price": "number",
    "total": "number",
    "big": "integer",
    "user": "object",
    "user.name": "string",
    "user.nick": "string",
    "user.plan": "string",
    "user.address": "object",
    "user.address.city": "string",
    "lines": "list",
    "lines[]": "object",
    "lines[].name": "string",
    "lines[].qty": "integer",
    "lines[].price": "number",
    "lines[].gift": "boolean",
    "groups": "list",
    "groups[]": "object",
    "groups[].title": "string",
    "groups[].items": "list",
    "groups[].items[]": "object",
    "groups[].items[].name": "string",
    "tags": "list",
    "tags[]": "string",
}

CONTAINERS = frozenset({"object"})


def _profile(optional: frozenset[str]) -> dict[str, dict[str, Any]]:
    """Every path of TYPES declared, required unless its type is in `optional` (a list's items
    are always there: a list holds no nulls)."""
    return {
        path: {"type": kind, "required": kind not in optional or path.endswith("[]")}
        for path, kind in TYPES.items()
    }


SCALARS = frozenset({"string", "integer", "number", "boolean", "list"})
PROFILES: dict[str, dict[str, dict[str, Any]]] = {
    "required": _profile(frozenset()),
    "optional": _profile(SCALARS),
    "loose": _profile(SCALARS | CONTAINERS),
}


@dataclass(frozen=True)
class TypedSource:
    """A corpus source with one profile's declarations."""

    source: Source
    profile: str

    @property
    def declare(self) -> dict[str, dict[str, Any]]:
        return PROFILES[self.profile]

    @property
    def name(self) -> str:
        return f"{self.source.name} [{self.profile}]"


def body_of(source: Source) -> Any:
    """The source's IR as compile_string builds it (blocks inlined, lowered, URLs marked)."""
    part = Part("html" if source.html else "text", source.template, source.name)
    body = lower(inline_blocks(parse(source.template, source.name).body, part, None))
    return mark_urls(body, file=source.name) if source.html else body


@cache
def types_of(source: Source, profile: str) -> Variables:
    """The source's variables under the profile's declarations: what compile_string(declare=)
    hands the target, and what `render --strict` checks."""
    return declare(infer([body_of(source)]), PROFILES[profile])


@cache
def corpus_types(profile: str) -> Variables:
    """The variables of every source together: the data sets are generated from these."""
    return declare(infer([body_of(s) for s in SOURCES]), PROFILES[profile])


# --- values of each type -----------------------------------------------------------------------

MISSING = object()
MAX_SAFE = 2**53 - 1

STRING_VALUES = [
    *STRINGS.values(),
    "",
    " ",
    "0",
    "false",
    "None",
    "null",
    "&amp; &lt;",
    "<a href='x'>\"q\"</a> `b` =c",
    "{{x}} {{{y}}} \\{{z}} {%- w -%}",
    "[object Object]",
    "Ünïcödé ß ﬁ İ",
]
# Values a comparison or a URL check of the corpus tells apart, drawn for those paths only.
PATH_VALUES: dict[str, list[Any]] = {
    "plan": ["pro", "free", "enterprise", "Pro", ""],
    "user.plan": ["pro", "free", "PRO", ""],
    "lines[].name": ["Mug", "mug", "Ann", "<b>Mug</b>", ""],
    "url": [
        "https://example.com/?q=<x>&y=1",
        "/orders/7?a=1&b=2",
        "mailto:a@example.com",
        "javascript:alert(1)",
        " JAVASCRIPT:alert(1)",
        "data:text/html,<b>x</b>",
        "",
        "#top",
    ],
}
INTEGER_VALUES = [0, 1, 2, 3, 7, -1, -42, 1000000, MAX_SAFE, -MAX_SAFE, 3.0, -2.0, 0.0]
NUMBER_VALUES = [
    0,
    3,
    19.99,
    2.5,
    -1.5,
    3.0,
    0.1 + 0.2,
    100,
    1234567.891,
    0.0001,
    -0.01,
    MAX_SAFE,
    999999999999999.9,
    0.0,
]


@dataclass(frozen=True)
class Style:
    """How one named data set picks each value: a fixed choice per type, or at random."""

    string: Any = "Ann"
    integer: Any = 3
    number: Any = 19.99
    boolean: Any = True
    items: int = 3  # how many items each list has
    optional: Any = "present"  # or MISSING, None, "random"
    path_values: bool = True  # the corpus's compared values (plan "pro", …) where it tests them


NAMED_STYLES: dict[str, Style] = {
    "typical": Style(),
    **{f"string_{key}": Style(string=text, path_values=False) for key, text in STRINGS.items()},
    "string_specials": Style(string=STRING_VALUES[-4], path_values=False),
    "string_like_values": Style(string="None", integer=0, number=0.0, boolean=False),
    "empty": Style(string="", integer=0, number=0, boolean=False, items=0, path_values=False),
    "missing": Style(optional=MISSING),
    "null": Style(optional=None),
    "null_empty": Style(optional=None, items=0, boolean=False),
    "one_item": Style(items=1, boolean=False, string="x"),
    "negative": Style(integer=-42, number=-2.5),
    "large": Style(integer=MAX_SAFE, number=999999999999999.9),
    "whole_floats": Style(integer=3.0, number=20.0),
    "decimals": Style(integer=1, number=0.1 + 0.2),
    "small_decimals": Style(integer=-MAX_SAFE, number=0.0001),
}
RANDOM_SETS = 12


class _Draw:
    """Values for one data set: the style's fixed ones, or seeded random ones."""

    def __init__(self, style: Style | None, seed: int) -> None:
        self.style = style
        self.rng = random.Random(seed)

    def scalar(self, var: Variable) -> Any:
        kind = var.type
        fixed = self.style
        pool = PATH_VALUES.get(var.path) if fixed is None or fixed.path_values else None
        if pool is not None and kind == "string":
            return pool[0] if fixed is not None else self.rng.choice(pool)
        if fixed is not None:
            if kind == "scalar":
                return fixed.string
            return getattr(fixed, kind)
        choices = {
            "string": STRING_VALUES,
            "scalar": STRING_VALUES + NUMBER_VALUES,
            "integer": INTEGER_VALUES,
            "number": NUMBER_VALUES,
            "boolean": [True, False],
        }[kind]
        return self.rng.choice(choices)

    def absent(self) -> Any:
        """For an optional value: MISSING, None, or "present"."""
        if self.style is not None:
            return self.style.optional
        return self.rng.choice([MISSING, None, "present", "present"])

    def length(self) -> int:
        return self.style.items if self.style is not None else self.rng.randrange(4)


def _fields(types: Variables, parent: str) -> list[Variable]:
    prefix = parent + "." if parent else ""
    return [
        v
        for v in types
        if v.path.startswith(prefix)
        and "." not in v.path[len(prefix) :]
        and not v.path.endswith("[]")
    ]


def _value(types: Variables, var: Variable, draw: _Draw) -> Any:
    if not var.required:
        absent = draw.absent()
        if absent != "present":
            return absent
    if var.type == "object":
        return _object(types, var.path, draw)
    if var.type == "list":
        items = types.get(var.path + "[]")
        if items is None:
            return [draw.scalar(Variable(var.path + "[]", "string", True))] * draw.length()
        return [_value(types, items, draw) for _ in range(draw.length())]
    if var.type == "any":
        return draw.scalar(Variable(var.path, "boolean", True))
    return draw.scalar(var)


def _object(types: Variables, parent: str, draw: _Draw) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for var in _fields(types, parent):
        value = _value(types, var, draw)
        if value is not MISSING:
            out[var.path.rpartition(".")[2]] = value
    return out


@cache
def datasets(profile: str) -> dict[str, dict[str, Any]]:
    """The profile's data sets by name: the named styles, then `random_0`…"""
    types = corpus_types(profile)
    out = {name: _object(types, "", _Draw(style, 0)) for name, style in NAMED_STYLES.items()}
    for i in range(RANDOM_SETS):
        out[f"random_{i}"] = _object(types, "", _Draw(None, 1400 + i))
    return out


TYPED_SOURCES = [TypedSource(s, p) for p in PROFILES for s in SOURCES]
