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

With the template's variable types, a string prints as `{{ x | escape }}`, a boolean is tested
as `{% if x %}`, a string or list by `x.size > 0`, a number against 0, a string in a URL
attribute is checked with `split`/`strip`/`downcase`/`contains` once per value, and a plural
count is compared as it is (or through one `round`, which also tells a decimal count and is
what the branches print), where all three engines print and test values of those types as the
reference does (docs/targets/liquid.md#typed-variables).

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
from ..i18n import formats
from ..urls import DATA_IMAGE_TYPES, INERT_URL, SAFE_SCHEMES
from .base import Emitter, Step, apply_steps, constant_is_safe, plan_filters, url_check_steps

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
NUMBERS = frozenset({"number", "integer"})
TYPED = SIZED | NUMBERS | {"boolean"}
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


# --- format filters: CLDR's data expanded at compile time ------------------------------------
#
# Liquid has no locale formatting, so format_* filters are printed by Liquid code written with
# the locale's data (i18n/formats.py's NumberSpec and DateSpec) and the engines' string
# filters. Snippets name their scratch variables `@name` (the template's prefix + `f_name`) and
# compile-time values `$NAME`; `_fill` substitutes both in one pass.

_DIGITS = "0123456789"
# Separators for lists of names split at render time: the first that no name contains.
_SEPARATORS = "|~^;#,"
_SLOT_RE = re.compile(r"@(\w+)|\$(\w+)")


def _fill(snippet: str, prefix: str, **values: str) -> str:
    def sub(m: re.Match[str]) -> str:
        return prefix + "f_" + m.group(1) if m.group(1) else values[m.group(2)]

    return _SLOT_RE.sub(sub, snippet)


def _zeros(count: str, into: str = "@z") -> str:
    """A tag making `into` a string of `count` zeros (`count` an expression >= 0)."""
    return (
        "{% capture " + into + " %}{% for @j in (1.." + count + ") %}0{% endfor %}{% endcapture %}"
    )


# A number's text, read as the reference reads it: a JSON number as the engine prints it
# (`1234.5`, `1.0e+21`, `1e-07`), or a decimal string (-?[0-9]+(.[0-9]+)?). Anything else
# leaves @ok false.
_NUMBER_READ = (
    "{% assign @ok = false %}{% capture @s %}{{ $X }}{% endcapture %}"
    "{% assign @t = $X | plus: 0 %}"
    "{% if @t == $X %}{% assign @ok = true %}"
    "{% elsif @s == $X %}"
    "{% assign @b = @s %}{% assign @c = @s | slice: 0 %}"
    '{% if @c == "-" %}{% assign @b = @s | slice: 1, @s.size %}{% endif %}'
    "{% assign @r = @b" + "".join(f' | remove: "{d}"' for d in _DIGITS) + " %}"
    "{% assign @c = @b | slice: 0 %}{% assign @e = @b.size | minus: 1 %}"
    "{% assign @e = @b | slice: @e %}"
    '{% if @b != "" and @c != "." and @e != "." %}'
    '{% if @r == "" or @r == "." %}{% assign @ok = true %}{% endif %}{% endif %}'
    "{% endif %}"
)

# Sign, integer digits @i and fraction digits @f, the point moved right by the exponent and
# the pattern's scale (2 for a percent).
_NUMBER_DIGITS = (
    "{% assign @neg = false %}{% assign @c = @s | slice: 0 %}{% assign @m = @s %}"
    '{% if @c == "-" %}{% assign @neg = true %}{% assign @m = @s | slice: 1, @s.size %}'
    "{% endif %}"
    "{% assign @sh = $SCALE %}"
    '{% if @m contains "e" %}{% assign @p = @m | split: "e" %}{% assign @m = @p.first %}'
    "{% assign @sh = @p.last | plus: $SCALE %}{% endif %}"
    '{% assign @p = @m | split: "." %}{% assign @i = @p.first %}{% assign @f = "" %}'
    "{% if @p.size > 1 %}{% assign @f = @p.last %}{% endif %}"
    "{% if @sh != 0 %}"
    "{% assign @d = @i | append: @f %}{% assign @n = @i.size | plus: @sh %}"
    "{% if @n >= @d.size %}{% assign @k = @n | minus: @d.size %}"
    + _zeros("@k")
    + '{% assign @i = @d | append: @z %}{% assign @f = "" %}'
    "{% elsif @n <= 0 %}{% assign @k = 0 | minus: @n %}"
    + _zeros("@k")
    + '{% assign @i = "0" %}{% assign @f = @z | append: @d %}'
    "{% else %}{% assign @i = @d | slice: 0, @n %}{% assign @f = @d | slice: @n, @d.size %}"
    "{% endif %}{% endif %}"
    # Zero is positive (-0, -0.00): the sign is that of the value before rounding.
    '{% assign @z = @i | append: @f | remove: "0" %}'
    '{% if @z == "" %}{% assign @neg = false %}{% endif %}'
)

# Rounded half to even to $MAX fraction digits, on the digits (no float ever rounds them):
# the kept digits are one integer string @d, incremented with a carry when rounding up.
_NUMBER_ROUND = (
    "{% if @f.size > $MAX %}"
    "{% assign @d = @f | slice: 0, $MAX | prepend: @i %}"
    "{% assign @c = @f | slice: $MAX | plus: 0 %}"
    '{% assign @j = $MAX | plus: 1 %}{% assign @z = @f | slice: @j, @f.size | remove: "0" %}'
    "{% assign @up = false %}"
    "{% if @c > 5 %}{% assign @up = true %}"
    "{% elsif @c == 5 %}"
    '{% if @z != "" %}{% assign @up = true %}{% else %}'
    "{% assign @j = @d.size | minus: 1 %}{% assign @j = @d | slice: @j | plus: 0 | modulo: 2 %}"
    "{% if @j == 1 %}{% assign @up = true %}{% endif %}{% endif %}"
    "{% endif %}"
    "{% if @up %}"
    '{% assign @r = "" %}{% assign @carry = true %}{% assign @p = @d | split: "" %}'
    "{% for @c in @p reversed %}"
    "{% if @carry %}"
    '{% if @c == "9" %}{% assign @r = @r | prepend: "0" %}'
    "{% else %}{% assign @q = @c | plus: 1 %}{% assign @r = @r | prepend: @q %}"
    "{% assign @carry = false %}{% endif %}"
    "{% else %}{% assign @r = @r | prepend: @c %}{% endif %}"
    "{% endfor %}"
    '{% if @carry %}{% assign @r = @r | prepend: "1" %}{% endif %}{% assign @d = @r %}'
    "{% endif %}"
    "{% assign @j = @d.size | minus: $MAX %}"
    "{% assign @i = @d | slice: 0, @j %}{% assign @f = @d | slice: @j, $MAX %}"
    "{% endif %}"
    # Leading zeros of a decimal string ("007.5") go, as in Decimal("007.5").
    "{% for @j in (2..@i.size) %}{% assign @c = @i | slice: 0 %}"
    '{% if @c != "0" %}{% break %}{% endif %}{% assign @i = @i | slice: 1, @i.size %}'
    "{% endfor %}"
)

# Trailing zeros cut down to $MIN fraction digits.
_NUMBER_TRIM = (
    "{% for @j in (1..@f.size) %}{% if @f.size <= $MIN %}{% break %}{% endif %}"
    "{% assign @n = @f.size | minus: 1 %}{% assign @c = @f | slice: @n %}"
    '{% if @c != "0" %}{% break %}{% endif %}{% assign @f = @f | slice: 0, @n %}'
    "{% endfor %}"
)

# The code of a currency read from the data, checked against CLDR's codes; its symbol and
# digits from the tables the template assigns at its top (`,CODE=value,` entries).
_CURRENCY_READ = (
    "{% capture @code %}{{ $C }}{% endcapture %}"
    "{% capture @needle %},{{ @code }},{% endcapture %}"
    "{% if @code != $C or @code.size != 3 %}{% assign @ok = false %}{% endif %}"
    "{% unless @codes contains @needle %}{% assign @ok = false %}{% endunless %}"
    "{% assign @sym = @code %}{% assign @cd = 2 %}"
    "{% capture @needle %}$SEP{{ @code }}={% endcapture %}"
    "{% if @symbols contains @needle %}"
    '{% assign @sym = @symbols | split: @needle | last | split: "$SEP" | first %}{% endif %}'
    "{% capture @needle %},{{ @code }}={% endcapture %}"
    "{% if @digits contains @needle %}"
    '{% assign @cd = @digits | split: @needle | last | split: "," | first | plus: 0 %}'
    "{% endif %}"
)

# A date, datetime or time read as the reference reads ISO 8601: the shape of the text (each
# digit made 9) says which it is, then every field is checked against the calendar.
_DATE_READ = (
    "{% assign @ok = false %}{% assign @hast = false %}{% capture @s %}{{ $X }}{% endcapture %}"
    '{% assign @dp = "" %}{% assign @tp = "" %}{% assign @tsh = "" %}{% assign @off = 0 %}'
    "{% if @s == $X %}"
    "{% assign @sh = @s" + "".join(f' | replace: "{d}", "9"' for d in _DIGITS[:9]) + " %}"
    "{% assign @c = @sh | slice: 0, 11 %}"
    '{% if @c == "9999-99-99T" %}{% assign @dp = @s | slice: 0, 10 %}'
    "{% assign @tp = @s | slice: 11, @s.size %}{% assign @tsh = @sh | slice: 11, @sh.size %}"
    "{% assign @ok = true %}{% assign @hast = true %}"
    "$OTHER"
    "{% endif %}{% endif %}"
    "{% if @hast %}"
    "{% assign @n = @tsh.size | minus: 1 %}{% assign @c = @tsh | slice: @n %}"
    '{% if @c == "Z" %}{% assign @tsh = @tsh | slice: 0, @n %}'
    "{% elsif @tsh.size > 6 %}{% assign @n = @tsh.size | minus: 6 %}"
    "{% assign @c = @tsh | slice: @n, 6 %}"
    '{% if @c == "+99:99" or @c == "-99:99" %}'
    "{% assign @z = @n | plus: 1 %}{% assign @zh = @tp | slice: @z, 2 | plus: 0 %}"
    "{% assign @z = @n | plus: 4 %}{% assign @zm = @tp | slice: @z, 2 | plus: 0 %}"
    "{% if @zh > 23 or @zm > 59 %}{% assign @ok = false %}{% endif %}"
    "{% assign @off = @zh | times: 60 | plus: @zm | times: 60 %}"
    '{% if @c == "-99:99" %}{% assign @off = 0 | minus: @off %}{% endif %}'
    "{% assign @tsh = @tsh | slice: 0, @n %}{% endif %}{% endif %}"
    "{% if @tsh.size > 8 %}{% assign @c = @tsh | slice: 8 %}"
    '{% assign @z = @tsh | slice: 9, @tsh.size | remove: "9" %}'
    "{% assign @n = @tsh.size | minus: 9 %}"
    '{% if @c != "." or @z != "" or @n < 1 or @n > 9 %}{% assign @ok = false %}{% endif %}'
    "{% assign @tsh = @tsh | slice: 0, 8 %}{% endif %}"
    '{% unless @tsh == "99:99:99" or @tsh == "99:99" %}{% assign @ok = false %}{% endunless %}'
    "{% assign @hour = @tp | slice: 0, 2 | plus: 0 %}"
    "{% assign @minute = @tp | slice: 3, 2 | plus: 0 %}"
    "{% assign @second = 0 %}"
    '{% if @tsh == "99:99:99" %}{% assign @second = @tp | slice: 6, 2 | plus: 0 %}{% endif %}'
    "{% if @hour > 23 or @minute > 59 or @second > 59 %}{% assign @ok = false %}{% endif %}"
    "{% endif %}"
    '{% if @dp != "" %}'
    "{% assign @year = @dp | slice: 0, 4 | plus: 0 %}"
    "{% assign @month = @dp | slice: 5, 2 | plus: 0 %}"
    "{% assign @day = @dp | slice: 8, 2 | plus: 0 %}"
    '{% assign @n = "31,28,31,30,31,30,31,31,30,31,30,31" | split: "," %}'
    "{% assign @z = @month | minus: 1 %}{% assign @last = @n[@z] | plus: 0 %}"
    "{% if @month == 2 %}{% assign @z = @year | modulo: 4 %}{% if @z == 0 %}"
    "{% assign @z = @year | modulo: 100 %}{% assign @c = @year | modulo: 400 %}"
    "{% if @z != 0 or @c == 0 %}{% assign @last = 29 %}{% endif %}{% endif %}{% endif %}"
    "{% if @year < 1 or @month < 1 or @month > 12 or @day < 1 or @day > @last %}"
    "{% assign @ok = false %}{% endif %}"
    "{% endif %}"
)
# How a date or a time alone is recognized besides a datetime (after its `if`).
_DATE_ONLY = '{% elsif @sh == "9999-99-99" %}{% assign @dp = @s %}{% assign @ok = true %}'
_TIME_ONLY = (
    "{% else %}{% assign @tp = @s %}{% assign @tsh = @sh %}"
    "{% assign @ok = true %}{% assign @hast = true %}"
)

# The weekday, Monday 0, with Sakamoto's formula (on years >= 0: every engine's integer
# division and modulo agree there once `floor` drops LiquidJS's fraction).
_WEEKDAY = (
    "{% assign @z = @year %}{% if @month < 3 %}{% assign @z = @year | minus: 1 %}{% endif %}"
    '{% assign @n = "0,3,2,5,0,3,5,1,4,6,2,4" | split: "," %}{% assign @c = @month | minus: 1 %}'
    "{% assign @weekday = @n[@c] | plus: @day | plus: @z %}"
    "{% assign @c = @z | divided_by: 4 | floor %}{% assign @weekday = @weekday | plus: @c %}"
    "{% assign @c = @z | divided_by: 100 | floor %}{% assign @weekday = @weekday | minus: @c %}"
    "{% assign @c = @z | divided_by: 400 | floor %}{% assign @weekday = @weekday | plus: @c %}"
    "{% assign @weekday = @weekday | plus: 6 | modulo: 7 %}"
)

# A datetime shown in a time zone: its instant in seconds since 0000-03-01 (so every division
# is of non-negative integers; Hinnant's days_from_civil), the zone's offset at that instant from
# the table the template assigns at its top (`instant:offset` entries, epoch shifted alike), and
# the local date and time back (civil_from_days). Past the table's end, nothing is printed.
_ZONE_CONVERT = (
    "{% assign @y = @year %}{% if @month < 3 %}{% assign @y = @year | minus: 1 %}{% endif %}"
    "{% assign @era = @y | divided_by: 400 | floor %}{% assign @n = @era | times: 400 %}"
    "{% assign @yoe = @y | minus: @n %}{% assign @mp = @month | plus: 9 | modulo: 12 %}"
    "{% assign @doy = @mp | times: 153 | plus: 2 | divided_by: 5 | floor | plus: @day | minus: 1 %}"
    "{% assign @n = @yoe | divided_by: 4 | floor %}{% assign @doe = @yoe | times: 365 | plus: @n %}"
    "{% assign @n = @yoe | divided_by: 100 | floor %}"
    "{% assign @doe = @doe | minus: @n | plus: @doy %}"
    "{% assign @utc = @era | times: 146097 | plus: @doe | times: 86400 %}"
    "{% assign @n = @hour | times: 3600 %}{% assign @utc = @utc | plus: @n %}"
    "{% assign @n = @minute | times: 60 | plus: @second | minus: @off %}"
    "{% assign @utc = @utc | plus: @n %}"
    "{% if @utc >= $UNTIL %}{% assign @ok = false %}{% endif %}"
    "{% assign @o = $INITIAL %}"
    '{% for @e in $TABLE %}{% assign @p = @e | split: ":" %}{% assign @t = @p.first | plus: 0 %}'
    "{% if @t > @utc %}{% break %}{% endif %}{% assign @o = @p.last | plus: 0 %}{% endfor %}"
    "{% assign @utc = @utc | plus: @o %}"
    "{% assign @z = @utc | divided_by: 86400 | floor %}{% assign @n = @z | times: 86400 %}"
    "{% assign @r = @utc | minus: @n %}"
    "{% assign @era = @z | divided_by: 146097 | floor %}{% assign @n = @era | times: 146097 %}"
    "{% assign @doe = @z | minus: @n %}"
    "{% assign @n = @doe | divided_by: 1460 | floor %}{% assign @yoe = @doe | minus: @n %}"
    "{% assign @n = @doe | divided_by: 36524 | floor %}{% assign @yoe = @yoe | plus: @n %}"
    "{% assign @n = @doe | divided_by: 146096 | floor %}"
    "{% assign @yoe = @yoe | minus: @n | divided_by: 365 | floor %}"
    "{% assign @n = @yoe | divided_by: 4 | floor %}{% assign @doy = @yoe | times: 365 | plus: @n %}"
    "{% assign @n = @yoe | divided_by: 100 | floor %}{% assign @doy = @doy | minus: @n %}"
    "{% assign @doy = @doe | minus: @doy %}"
    "{% assign @mp = @doy | times: 5 | plus: 2 | divided_by: 153 | floor %}"
    "{% assign @n = @mp | times: 153 | plus: 2 | divided_by: 5 | floor %}"
    "{% assign @day = @doy | minus: @n | plus: 1 %}"
    "{% assign @month = @mp | plus: 2 | modulo: 12 | plus: 1 %}"
    "{% assign @year = @era | times: 400 | plus: @yoe %}"
    "{% if @month < 3 %}{% assign @year = @year | plus: 1 %}{% endif %}"
    "{% assign @hour = @r | divided_by: 3600 | floor %}{% assign @n = @hour | times: 3600 %}"
    "{% assign @r = @r | minus: @n %}{% assign @minute = @r | divided_by: 60 | floor %}"
    "{% assign @second = @r | modulo: 60 %}"
)
# Days from 0000-03-01 to 1970-01-01: Unix seconds + this × 86400 are the epoch above.
_EPOCH_DAYS = 719468

# Each numeric date field: the Liquid expression of its value (from the fields read above).
_DATE_NUMBERS = {
    "year": "@year",
    "year2": "@year | modulo: 100",
    "month": "@month",
    "day": "@day",
    "hour": "@hour",
    "hour12": "@hour | plus: 11 | modulo: 12 | plus: 1",
    "hour11": "@hour | modulo: 12",
    "hour24": "@hour | plus: 23 | modulo: 24 | plus: 1",
    "minute": "@minute",
    "second": "@second",
}


# A count's key (see LiquidEmitter._count_key) and what a branch knows of it.
_Fact: TypeAlias = tuple[tuple[str, ir.Path], Literal["whole", "decimal"]]


class LiquidEmitter(Emitter):
    formats_inline = True  # format filters only with --inline-formats
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
        self._currencies = ""  # the tables a currency read from the data needs (see emit)
        self._zones: dict[str, str] = {}  # time zone -> the variable holding its offsets
        self._zone_tags = ""
        # The branches and loop bodies around the node being emitted, outermost first: a value
        # computed under some of them is there for whatever is emitted under the same ones.
        self._blocks: list[tuple[int, int]] = []
        # URL checks already written (see _url_var): what they check -> (variable, blocks).
        self._urls: dict[tuple[object, ...], tuple[str, tuple[tuple[int, int], ...]]] = {}
        # Counts the branch being emitted knows more about (see _count_key): "whole" after a
        # plural chain's "not a count", "decimal" in its IsDecimal branch (a typed number).
        self._known: dict[tuple[str, ir.Path], Literal["whole", "decimal"]] = {}
        # Typed number counts of the plural chains being emitted -> the variable holding
        # `n | round`, assigned before the chain: their tests and outputs read it.
        self._rounded: dict[tuple[str, ir.Path], str] = {}
        self._serial = 0  # numbers the ifs and loops, for _blocks

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

    def _type(self, ref: ir.Ref) -> str | None:
        """The type the template's variables give a data path, when it is one written plainly."""
        var = self.variable(ref) if isinstance(ref, ir.Path) else None
        return var.type if var is not None and var.type in TYPED else None

    def _present(self, ref: ir.Path) -> bool:
        """Whether the value is never missing or null here: the data always has it, or it is
        the count of the plural branch being emitted."""
        return self.always_present(ref) or self._count_key(ref) in self._known

    def _count_key(self, ref: ir.Path) -> tuple[str, ir.Path]:
        """What _known and _rounded are keyed by: the value's variables.py path, and the
        reference itself (`items[0].n` and `items[1].n` share a path)."""
        return self.variable_path(ref), ref

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

    def _url_plain(
        self, ref: ir.Path, expr: str, filters: tuple[ir.Filter, ...], check: ir.UrlCheck
    ) -> str:
        """A string where a URL starts: `{{ tk_u1 | escape }}`, the variable holding the value
        or INERT_URL (see _url_var)."""
        steps = plan_filters(filters, self.html)[1]
        escape = " | escape" if steps and steps[-1] == "escape" else ""
        return "{{ " + self._url_var(ref, expr, filters, check) + escape + " }}"

    def _url_var(
        self, ref: ir.Path, expr: str, filters: tuple[ir.Filter, ...], check: ir.UrlCheck
    ) -> str:
        """A variable holding the string `expr` (after its filters, before escaping), or
        INERT_URL when a browser might read an unsafe scheme in it; written once per value
        where an earlier check of the same value is always run before.

        The scheme is decided by the text before the first `/`, `?`, `#` (and, in a value
        the template escapes, `&`): none of them can be in a scheme, so without a `:` before
        them there is none (a relative URL). Otherwise the text before the `:`, stripped and
        lower-cased, must be http, https, mailto, sms or tel, or data followed by an image
        type and `;base64,`. Stricter than urls.unsafe_scheme (docs/targets/liquid.md#urls):
        a tab, line break or control character before the `:`, and any other character that
        cannot be in a scheme, make the value INERT_URL even when the browser would read no
        scheme; in markup (`|safe`) an `&` before the `:` does too (Liquid cannot decode it).
        """
        steps, markup = url_check_steps(filters, self.html)
        chain = "".join(" | " + LIQUID_FILTER[s] for s in steps)
        key_of = (self.variable_path(ref), expr, chain, check.suffix, check.open, markup)
        blocks = tuple(self._blocks)
        found = self._urls.get(key_of)
        if found is not None and blocks[: len(found[1])] == found[1]:
            return found[0]
        var, head, key = self._tmp("u"), self._prefix + "h", self._prefix + "k"
        self._urls[key_of] = (var, blocks)
        text = var + (' | append: "' + check.suffix + '"' if check.suffix else "")
        cut = ' | split: "/" | first | split: "?" | first'
        test = head + ' contains ":"' + (" or " + head + ' contains "&"' if markup else "")
        schemes = "," + ",".join(sorted(SAFE_SCHEMES)) + ","
        images = "," + ",".join(DATA_IMAGE_TYPES) + ","
        self._setup.append(
            "{% assign " + var + " = " + expr + chain + " %}"
            "{% assign " + head + " = " + text + cut + " %}"
            "{% if " + test + " %}"
            "{% assign " + head + " = " + head
            + ' | split: ":" | first | strip | downcase | prepend: "," | append: "," %}'
            '{% unless "' + schemes + '" contains ' + head + " %}"
            # data:image/TYPE;base64, : the text before its first comma is cut down to TYPE
            # between two commas, which can only be at its ends (a cut that fails leaves one,
            # and no type in `images` is next to another comma).
            "{% assign " + head + " = " + text + ' | strip | downcase | split: "," %}'
            "{% assign " + key + " = " + head + '.first | prepend: "," | append: ","'
            ' | remove_first: ",data:image/" | remove_first: ";base64,"'
            ' | prepend: "," | append: "," %}'
            "{% unless " + head + '.size > 1 and "' + images + '" contains ' + key + " %}"
            "{% assign " + var + ' = "' + INERT_URL + '" %}{% endunless %}'
            "{% endunless %}{% endif %}"
        )  # fmt: skip
        return var

    # -- format filters ----------------------------------------------------------------------

    def _formatted(self, node: ir.Output, fmt: ir.Format) -> str:
        """A format filter's output: the value formatted by Liquid code written with the
        locale's CLDR data, then the filters. Missing, null and unreadable values (not a
        number, not a date, not a currency code) print nothing: Liquid cannot stop a render."""
        self.require_inline_formats(fmt, node.pos)
        locale = self.format_locale
        try:
            if fmt.kind in formats.DATE_KINDS:
                date = formats.date_spec(fmt.kind, fmt.format, locale, fmt.tz)
                zone = self._zone(fmt.tz) if fmt.tz is not None else ""
                number = None
            else:
                code = fmt.currency if isinstance(fmt.currency, str) else None
                number = formats.number_spec(fmt.kind, fmt.format, locale, code)
        except formats.Unsupported as exc:
            raise self.refuse_format(fmt, node.pos, str(exc)) from None
        var = self._prefix + "v"
        x = self.ref(node.value.ref)
        if number is None:
            self._setup.append(self._date_code(date, x, var, zone))
        else:
            currency = fmt.currency if isinstance(fmt.currency, ir.Path) else None
            self._setup.append(self._number_code(number, x, currency, var))
        # The formatted text is never null: `default` has nothing to replace.
        _, steps = plan_filters(node.value.filters, self.html)
        shown = "{{ " + var + "".join(" | " + LIQUID_FILTER[s] for s in steps) + " }}"
        if node.url is not None:
            shown = self._url_checked(var, node.value.filters, node.url, shown)
        return shown

    def _number_code(
        self, spec: formats.NumberSpec, x: str, currency: ir.Path | None, out: str
    ) -> str:
        """Tags leaving in `out` the number `x` printed as `spec` says (see NumberSpec)."""
        if spec.fraction is None:  # the currency's digits, read with its code
            least = most = "@cd"
        else:
            least, most = str(spec.fraction[0]), str(spec.fraction[1])
        code = _NUMBER_DIGITS + _NUMBER_ROUND.replace("$MAX", most)
        if spec.min_int > 1:
            code += (
                f"{{% if @i.size < {spec.min_int} %}}"
                f"{{% assign @k = {spec.min_int} | minus: @i.size %}}"
                + _zeros("@k")
                + "{% assign @i = @z | append: @i %}{% endif %}"
            )
        if least != "0":
            code += (
                f"{{% if @f.size < {least} %}}{{% assign @k = {least} | minus: @f.size %}}"
                + _zeros("@k")
                + "{% assign @f = @f | append: @z %}{% endif %}"
            )
        code += _NUMBER_TRIM.replace("$MIN", least)
        group = ""
        if spec.grouping is not None:
            group = self._literal(spec.group)
            first, then = spec.grouping
            code += (
                f'{{% assign @r = "" %}}{{% assign @k = {first} %}}'
                "{% for @j in (1..@i.size) %}{% if @i.size <= @k %}{% break %}{% endif %}"
                "{% assign @n = @i.size | minus: @k %}{% assign @c = @i | slice: @n, @k %}"
                "{% assign @r = @r | prepend: @c | prepend: $GROUP %}"
                f"{{% assign @i = @i | slice: 0, @n %}}{{% assign @k = {then} %}}{{% endfor %}}"
                "{% assign @i = @i | append: @r %}"
            )
        code += (
            "{% capture $OUT %}{% if @neg %}$NEGPRE{% else %}$POSPRE{% endif %}{{ @i }}"
            '{% if @f != "" %}$DECIMAL{{ @f }}{% endif %}'
            "{% if @neg %}$NEGPOST{% else %}$POSPOST{% endif %}{% endcapture %}"
        )
        read = _NUMBER_READ
        (pos_pre, pos_post), (neg_pre, neg_post) = spec.positive, spec.negative
        values = {
            "X": x,
            "OUT": out,
            "SCALE": str(spec.scale),
            "GROUP": group,
            "POSPRE": liquid_text(pos_pre),
            "POSPOST": liquid_text(pos_post),
            "NEGPRE": liquid_text(neg_pre),
            "NEGPOST": liquid_text(neg_post),
            "DECIMAL": liquid_text(spec.decimal),
        }
        if currency is not None:
            read += _CURRENCY_READ
            values["C"] = self.ref(currency)
            values["SEP"] = self._currency_tables()
            code += '{% assign $OUT = $OUT | replace: "¤¤", @code | replace: "¤", @sym %}'
        return _fill(
            '{% assign $OUT = "" %}{% if $X != nil %}' + read
            + "{% if @ok %}" + code + "{% endif %}{% endif %}",
            self._prefix,
            **values,
        )  # fmt: skip

    def _currency_tables(self) -> str:
        """Assign, once at the template's top, CLDR's currency codes and the locale's symbols
        and digits (`,CODE=value,` entries); the separator after a symbol is returned."""
        table = formats.currency_table(self.format_locale)
        sep = next(c for c in _SEPARATORS if not any(c in s for s in table.symbols.values()))
        if not self._currencies:
            codes = "," + ",".join(table.codes) + ","
            symbols = sep + "".join(f"{c}={s}{sep}" for c, s in table.symbols.items())
            digits = "," + "".join(f"{c}={d}," for c, d in table.digits.items())
            self._currencies = _fill(
                "{% capture @codes %}$CODES{% endcapture %}"
                "{% capture @symbols %}$SYMBOLS{% endcapture %}"
                "{% capture @digits %}$DIGITS{% endcapture %}",
                self._prefix,
                CODES=codes,
                SYMBOLS=liquid_text(symbols),
                DIGITS=digits,
            )
        return sep

    def _zone(self, tz: str) -> str:
        """The tags converting a datetime to the zone `tz` (its offsets assigned once at the
        template's top)."""
        table = formats.zone_table(tz)
        var = self._zones.get(tz)
        if var is None:
            var = self._zones[tz] = f"{self._prefix}f_zone{len(self._zones) + 1}"
            shift = _EPOCH_DAYS * 86400
            entries = ",".join(f"{t + shift}:{o}" for t, o in table.changes)
            self._zone_tags += "{% assign " + var + ' = "' + entries + '" | split: "," %}'
        return (
            _ZONE_CONVERT.replace("$TABLE", var)
            .replace("$INITIAL", str(table.initial))
            .replace("$UNTIL", str(table.until + _EPOCH_DAYS * 86400))
        )

    def _date_code(self, spec: formats.DateSpec, x: str, out: str, zone: str) -> str:
        """Tags leaving in `out` the date, datetime or time `x` printed as `spec` says, shown
        in a time zone by the `zone` tags."""
        other = {"date": _DATE_ONLY, "time": _TIME_ONLY}.get(spec.kind, "")
        setup, pieces = [], []
        values = {"X": x, "OUT": out}
        for part in spec.parts:
            if isinstance(part, str):
                values[f"T{len(values)}"] = liquid_text(part)
                pieces.append(f"$T{len(values) - 1}")
            elif part.name in _DATE_NUMBERS:
                value = _DATE_NUMBERS[part.name]
                if part.pad > 1:
                    pieces.append(
                        f'{{% assign @c = {value} | append: "" %}}{{% if @c.size < {part.pad} %}}'
                        f'{{% assign @c = @c | prepend: "{"0" * (part.pad - 1)}" %}}'
                        f"{{% assign @n = @c.size | minus: {part.pad} %}}"
                        f"{{% assign @c = @c | slice: @n, {part.pad} %}}{{% endif %}}{{{{ @c }}}}"
                    )
                else:
                    pieces.append("{{ " + value + " }}")
            else:
                sep = next(c for c in _SEPARATORS if not any(c in n for n in part.names))
                names = self._tmp("names")
                setup.append(
                    "{% capture " + names + " %}" + liquid_text(sep.join(part.names))
                    + "{% endcapture %}{% assign " + names + " = " + names
                    + ' | split: "' + sep + '" %}'
                )  # fmt: skip
                index = {
                    "month_name": "{% assign @c = @month | minus: 1 %}",
                    "weekday": "{% assign @c = @weekday %}",
                    "period": (
                        "{% assign @c = 0 %}{% if @hour >= 12 %}{% assign @c = 1 %}{% endif %}"
                    ),
                }[part.name]
                pieces.append(index + "{{ " + names + "[@c] }}")
        weekday = _WEEKDAY if "weekday" in spec.fields() else ""
        return _fill(
            "".join(setup) + '{% assign $OUT = "" %}{% if $X != nil %}'
            + _DATE_READ.replace("$OTHER", other)
            + "{% if @ok %}" + zone + "{% endif %}"
            + "{% if @ok %}" + weekday + "{% capture $OUT %}" + "".join(pieces)
            + "{% endcapture %}{% endif %}{% endif %}",
            self._prefix,
            **values,
        )  # fmt: skip

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

    def _never(self, cond: ir.Cond) -> bool:
        """Whether the test is false for every value of its type: an integer the data always
        has is never a decimal."""
        return isinstance(cond, ir.IsDecimal) and self._typed_count(cond.ref) == "integer"

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
            return self._is_count(cond.ref, negate)
        if isinstance(cond, ir.IsDecimal):
            return self._is_decimal(cond.ref, negate)
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
        typed = self._typed_truthy(ref, x, negate)
        if typed is not None:
            return typed
        if negate:
            falsy: list[_Node] = [_Atom(x + " == " + v) for v in ("nil", "false", "0", "empty")]
            return _Junction("or", falsy)
        return _Junction("and", [_Atom(x), _Atom(x + " != 0"), _Atom(x + " != empty")])

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

    def _typed_truthy(self, ref: ir.Ref, x: str, negate: bool) -> _Node | None:
        """Reference truthiness of a typed value, as a person writes it in Liquid, where only
        nil and false are false: a boolean as it is, a string or list by its `size` (by
        `empty` when the data always has it), a number compared with 0."""
        kind = self._type(ref)
        present = isinstance(ref, ir.Path) and self.always_present(ref)
        if kind == "boolean":
            return _Atom(x + " != true" if negate else x)
        if kind in SIZED:
            if present:
                return _Atom(x + (" == empty" if negate else " != empty"))
            if negate:
                return _Junction("or", [_Atom(x + " == nil"), _Atom(x + " == empty")])
            return _Atom(x + ".size > 0")
        if kind in NUMBERS:
            if negate:
                zero: list[_Node] = [_Atom(x + " == 0")]
                return zero[0] if present else _Junction("or", [_Atom(x + " == nil"), *zero])
            nonzero: list[_Node] = [_Atom(x + " != 0")]
            return nonzero[0] if present else _Junction("and", [_Atom(x), *nonzero])
        return None

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

    def _typed_count(self, ref: ir.Ref) -> str | None:
        """How a count typed as a number is tested: "integer" (as it is) when the data always
        has it as an integer, "number" (through `round`, which never equals nil) for another
        number or one that may be missing; None when it is not typed as a number."""
        kind = self._type(ref)
        if kind not in NUMBERS or not isinstance(ref, ir.Path):
            return None
        return "integer" if kind == "integer" and self.always_present(ref) else "number"

    def _is_count(self, ref: ir.Ref, negate: bool) -> _Node:
        """Whether the value is a whole number >= 0: its count variable >= 0, and for a
        number, equal to the value it was rounded from."""
        n = self._count_var(ref)
        atom = _Atom(n + (" < 0" if negate else " >= 0"))
        if self._typed_count(ref) != "number":
            return atom
        whole = _Atom(n + (" != " if negate else " == ") + self.ref(ref))
        return _Junction("or" if negate else "and", [whole, atom])

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

    def _is_decimal(self, ref: ir.Ref, negate: bool) -> _Node:
        """Whether the value is a number > 0 with a fraction. A typed number differs from its
        rounding (the count variable) exactly then, or is not > 0; any other value is first
        normalized (see _decimal_var)."""
        if self._typed_count(ref) != "number":
            return _Atom(self._decimal_var(ref) + (" < 0" if negate else " >= 0"))
        n, x = self._count_var(ref), self.ref(ref)
        if negate:
            return _Junction("or", [_Atom(n + " == " + x), _Atom(x + " <= 0")])
        return _Junction("and", [_Atom(n + " != " + x), _Atom(x + " > 0")])

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
