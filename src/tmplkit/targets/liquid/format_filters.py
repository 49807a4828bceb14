"""Format filters in Liquid: CLDR's number and date formatting written out in Liquid with the
locale's data, at compile time (only with --inline-formats)."""

from __future__ import annotations

import re

from ...i18n import formats
from ...template import ir
from ..base import plan_filters
from .syntax import LIQUID_FILTER, liquid_text
from .urls import UrlChecks

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


class FormatFilters(UrlChecks):
    """`format_number`, `format_currency`, `format_date`, … as the snippets above, filled in."""

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
