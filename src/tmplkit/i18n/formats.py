"""Values in the reader's locale: dates, times, numbers, percentages and money, with CLDR's data
through Babel (the reference every target reproduces or refuses).

The template says what a value is (`{{ order.date|format_date("long") }}`,
`{{ order.total|format_currency("EUR") }}`); the locale is the one the message is rendered or
compiled for (the project's source locale without one). Names and arguments follow Babel's
functions: `format_date(format="medium")`, `format_datetime(format="medium", tz=None)`,
`format_time(format="medium")`, `format_number` (= `format_decimal`), `format_decimal(format=None)`,
`format_percent(format=None)`, `format_currency(currency, format=None)`.

Input is JSON: a number is a JSON number or a decimal string (`"1234.50"`), read as a
`decimal.Decimal` from its shortest text (a float is never rounded through its binary value:
`2.675` is 2.675); a date, datetime or time is an ISO 8601 string. A missing or null value prints
nothing, like every output; anything else that is not what the filter reads is a FormatError
naming the field and the value (a render error: no target could print it either).

What is cached per locale and format: the Babel `Locale`, the parsed number and date patterns
(`Formatter`); formatting one value is then Babel's own `apply` on them.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from functools import lru_cache
from typing import Any, Literal, TypeAlias
from zoneinfo import ZoneInfo, available_timezones

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers

from ..errors import RenderError

Kind: TypeAlias = Literal["date", "datetime", "time", "decimal", "percent", "currency"]

# Filter name -> kind. `format_number` is Babel's older name of `format_decimal`.
FILTERS: dict[str, Kind] = {
    "format_date": "date",
    "format_datetime": "datetime",
    "format_time": "time",
    "format_number": "decimal",
    "format_decimal": "decimal",
    "format_percent": "percent",
    "format_currency": "currency",
}
# Each kind's canonical filter name (what the jinja target writes).
FILTER_OF: dict[Kind, str] = {
    "date": "format_date",
    "datetime": "format_datetime",
    "time": "format_time",
    "decimal": "format_decimal",
    "percent": "format_percent",
    "currency": "format_currency",
}
DATE_KINDS = frozenset({"date", "datetime", "time"})
WIDTHS = ("short", "medium", "long", "full")
DEFAULT_FORMAT: dict[Kind, str | None] = {
    "date": "medium",
    "datetime": "medium",
    "time": "medium",
    "decimal": None,
    "percent": None,
    "currency": None,
}
DEFAULT_LOCALE = "en-US"
"""What values are formatted in when nothing says which locale (tmplkit's default source
locale); a project's own source locale is passed where there is a project."""
# The language a pseudo-locale formats its values in (its strings are English).
PSEUDO_FORMATS = {"qps-ploc": "en", "qps-plocm": "en"}
# Pseudo-locales whose layout is right to left (see i18n/pseudo.py).
PSEUDO_RTL = frozenset({"qps-plocm"})

CURRENCIES = frozenset(babel_numbers.list_currencies())
NUMBER_RE = re.compile(r"-?[0-9]+(?:\.[0-9]+)?\Z")
DATE_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})\Z")
TIME_PART = r"([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{1,9}))?)?(Z|[+-][0-9]{2}:[0-9]{2})?"
TIME_RE = re.compile(TIME_PART + r"\Z")
DATETIME_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T" + TIME_PART + r"\Z")

# What each kind reads, for messages: the thing, and an example to send.
EXPECTED: dict[Kind, tuple[str, str]] = {
    "date": ("an ISO 8601 date", '"2026-10-12"'),
    "datetime": ("an ISO 8601 datetime", '"2026-10-12T14:30:00Z"'),
    "time": ("an ISO 8601 time", '"14:30:00"'),
    "decimal": ("a number", '19.99 or "19.99"'),
    "percent": ("a number", '0.25 or "0.25"'),
    "currency": ("a number", '19.99 or "19.99"'),
}
# Room for any JSON number at any scale: Babel quantizes in the current decimal context, whose
# default 28 digits would make 1e30 with two decimals an InvalidOperation.
_CONTEXT = decimal.Context(prec=4000, rounding=decimal.ROUND_HALF_EVEN, Emax=10**6, Emin=-(10**6))


class FormatError(RenderError):
    """A value a format filter cannot read (not a number, not a date, not a currency code)."""


# --- locales ------------------------------------------------------------------------------------


@lru_cache(maxsize=256)
def babel_locale(tag: str) -> Locale:
    """The Babel Locale of a BCP 47 tag (`fr-FR`); pseudo-locales format like English."""
    tag = PSEUDO_FORMATS.get(tag, tag)
    return Locale.parse(tag.replace("-", "_"))


@lru_cache(maxsize=256)
def is_rtl(tag: str) -> bool:
    """Whether a locale's script is written right to left (CLDR's character order: ar, he, fa,
    ur, …; the mirrored pseudo-locale qps-plocm too)."""
    if tag in PSEUDO_RTL:
        return True
    return babel_locale(tag).character_order == "right-to-left"


# --- checks on a template's arguments (the parser calls them) ----------------------------------


# The CLDR pattern fields of a date, and those of a time (a datetime takes both).
DATE_FIELDS = frozenset("GyYuUQqMLlwWdDFgEec")
TIME_FIELDS = frozenset("abBhHKkmsSAzZOvVxX")
# Fields CLDR defines that Babel 2.18 fails on (KeyError, ValueError): refused when parsing.
BABEL_LACKS = {"g": "modified Julian day", "b": "stand-alone day periods"}


def date_format_problem(fmt: str, kind: Kind = "datetime") -> str | None:
    """Why `fmt` is neither a width (short, medium, long, full) nor a CLDR pattern for `kind`:
    a date's pattern has no time fields, a time's no date fields."""
    if fmt in WIDTHS:
        return None
    unquoted = re.sub(r"'[^']*'?", "", fmt)
    for m in re.finditer(r"([A-Za-z])\1*", unquoted):
        letter, count = m.group(1), len(m.group(0))
        if letter not in babel_dates.PATTERN_CHARS:
            return f"'{letter}' is not a CLDR date field"
        if letter in BABEL_LACKS:
            return f"'{m.group(0)}' is a CLDR field Babel cannot format ({BABEL_LACKS[letter]})"
        widths = babel_dates.PATTERN_CHARS[letter]
        if kind == "date" and letter not in DATE_FIELDS:
            return f"'{m.group(0)}' is a time field, and a date has no time"
        if kind == "time" and letter not in TIME_FIELDS:
            return f"'{m.group(0)}' is a date field, and a time has no date"
        if widths is not None and count not in widths:
            return f"'{m.group(0)}' is not a CLDR date field ({letter} takes {_widths(widths)})"
    if not re.search("[A-Za-z]", unquoted):
        return "the pattern has no date or time field"
    return None


def _widths(widths: list[int]) -> str:
    return ", ".join(str(w) for w in widths[:-1]) + f" or {widths[-1]} letters"


def number_format_problem(fmt: str) -> str | None:
    """Why `fmt` is not a CLDR number pattern (`#,##0.00`, `#,##0.0 %`, `¤ #,##0.00`)."""
    try:
        pattern = babel_numbers.parse_pattern(fmt)
    except (ValueError, babel_numbers.NumberFormatError) as exc:
        return str(exc)
    if not pattern.number_pattern or not re.search("[0#@]", pattern.number_pattern):
        return "the pattern has no digits (0 or #)"
    return None


def time_zone_problem(tz: str) -> str | None:
    """Why `tz` is not an IANA time zone name (`Europe/Paris`, `UTC`)."""
    if tz not in _time_zones():
        return f"unknown time zone {json.dumps(tz)}"
    return None


@lru_cache(maxsize=1)
def _time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


# --- reading the data ---------------------------------------------------------------------------


def shown(value: Any) -> str:
    """A value as a message shows it: JSON, cut when long."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _bad(kind: Kind, field: str, value: Any) -> FormatError:
    what, example = EXPECTED[kind]
    return FormatError(
        f"{field}: {shown(value)} is not {what}", hint=f"send {what} such as {example}"
    )


def to_decimal(value: Any, kind: Kind, field: str) -> decimal.Decimal:
    """A JSON number or decimal string as an exact Decimal (a float from its shortest text)."""
    cls = type(value)
    if cls is int:
        return decimal.Decimal(value)
    if cls is float:
        return decimal.Decimal(repr(value))
    if cls is str and NUMBER_RE.match(value):
        return decimal.Decimal(value)
    if cls is decimal.Decimal and value.is_finite():
        return value  # type: ignore[no-any-return]
    raise _bad(kind, field, value)


def to_date(value: Any, field: str) -> dt.date:
    """`YYYY-MM-DD`, or the date of an ISO 8601 datetime as written."""
    if isinstance(value, str):
        m = DATE_RE.match(value)
        if m is not None:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                pass
        elif DATETIME_RE.match(value):
            return _datetime(value, "date", field).date()
    elif isinstance(value, dt.date):  # a Python sender's date or datetime
        return value.date() if isinstance(value, dt.datetime) else value
    raise _bad("date", field, value)


def to_datetime(value: Any, field: str) -> dt.datetime:
    """`YYYY-MM-DDTHH:MM[:SS[.fff]][Z|±HH:MM]`, aware when it has an offset."""
    if isinstance(value, dt.datetime):
        return value
    return _datetime(value, "datetime", field)


def _datetime(value: Any, kind: Kind, field: str) -> dt.datetime:
    m = DATETIME_RE.match(value) if isinstance(value, str) else None
    if m is not None:
        try:
            day = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            return dt.datetime.combine(day, _time(m.groups()[3:]))
        except ValueError:
            pass
    raise _bad(kind, field, value)


def to_time(value: Any, field: str) -> dt.time:
    """`HH:MM[:SS[.fff]][Z|±HH:MM]`, or the time of an ISO 8601 datetime as written."""
    if isinstance(value, str):
        m = TIME_RE.match(value)
        if m is not None:
            try:
                return _time(m.groups())
            except ValueError:
                pass
        elif DATETIME_RE.match(value):
            return _datetime(value, "time", field).timetz()
    elif isinstance(value, dt.datetime):
        return value.timetz()
    elif isinstance(value, dt.time):
        return value
    raise _bad("time", field, value)


def _time(groups: tuple[str | None, ...]) -> dt.time:
    hour, minute, second, fraction, offset = groups
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    tz: dt.tzinfo | None = None
    if offset == "Z":
        tz = dt.UTC
    elif offset:
        hours, minutes = int(offset[1:3]), int(offset[4:6])
        if minutes > 59:
            raise ValueError(offset)
        delta = dt.timedelta(hours=hours, minutes=minutes)
        tz = dt.timezone(-delta if offset[0] == "-" else delta)
    return dt.time(int(hour or 0), int(minute or 0), int(second or 0), micro, tzinfo=tz)


# --- formatting (the reference) -----------------------------------------------------------------


MEMO_SIZE = 4096  # values remembered per format and locale


@dataclass(frozen=True, slots=True)
class Formatter:
    """One filter's formatting for one locale, with what Babel parses once already parsed."""

    kind: Kind
    locale: Locale
    number: babel_numbers.NumberPattern | None = None
    date: babel_dates.DateTimePattern | None = None  # the date pattern, or a datetime pattern
    time: babel_dates.DateTimePattern | None = None
    glue: str | None = None  # a named datetime width: "{1}, {0}" (date, time)
    tz: dt.tzinfo | None = None
    # What values printed as, by (type, value, currency): a message prints its total in the
    # HTML and the text part, and a batch prints the same prices again and again.
    printed: dict[tuple[type, Any, Any], str] = dataclass_field(default_factory=dict, compare=False)

    def __call__(
        self, value: Any, field: str, currency: Any = None, currency_field: str = ""
    ) -> str:
        try:
            key = (type(value), value, currency)
            return self.printed[key]
        except KeyError:
            text = self.format(value, field, currency, currency_field)
            if len(self.printed) >= MEMO_SIZE:
                self.printed.clear()
            self.printed[key] = text
            return text
        except TypeError:  # a list or an object: not a value this filter reads
            return self.format(value, field, currency, currency_field)

    def format(self, value: Any, field: str, currency: Any, currency_field: str) -> str:
        """The value formatted (see __call__, which remembers what it gave)."""
        kind = self.kind
        if self.number is not None:
            number = to_decimal(value, kind, field)
            if number.is_zero():
                number = abs(number)  # -0 prints 0: no target can tell a JSON -0.0 from 0
            if kind == "currency":
                currency = check_currency(currency, currency_field or field)
            with decimal.localcontext(_CONTEXT):
                text: str = self.number.apply(number, self.locale, currency=currency)
            return text
        if kind == "date":
            assert self.date is not None
            return str(self.date.apply(to_date(value, field), self.locale))
        if kind == "time":
            assert self.time is not None
            moment = to_time(value, field)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=dt.UTC)
            return str(self.time.apply(moment, self.locale))
        stamp = to_datetime(value, field)
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=dt.UTC)
        if self.tz is not None:
            try:
                stamp = stamp.astimezone(self.tz)
            except OverflowError:  # 9999-12-31T23:00-12:00 in Paris is in year 10000
                raise FormatError(
                    f"{field}: {shown(value)} is out of range in {self.tz}",
                    hint="send a datetime between the years 1 and 9999 in that time zone",
                ) from None
        if self.glue is None:
            assert self.date is not None
            return str(self.date.apply(stamp, self.locale))
        assert self.date is not None and self.time is not None
        # As Babel's format_datetime: the time knows its date (a zone's offset depends on it).
        time_text = str(self.time.apply(stamp.timetz(), self.locale, stamp.date()))
        date_text = str(self.date.apply(stamp.date(), self.locale))
        return self.glue.replace("{0}", time_text).replace("{1}", date_text)


def check_currency(code: Any, field: str) -> str:
    """An ISO 4217 code CLDR knows (`EUR`), or a FormatError naming the field."""
    if type(code) is str and code in CURRENCIES:
        return code
    raise FormatError(
        f"{field}: {shown(code)} is not an ISO 4217 currency code",
        hint='send a code such as "EUR"',
    )


@lru_cache(maxsize=1024)
def formatter(kind: Kind, fmt: str | None, locale: str, tz: str | None = None) -> Formatter:
    """The formatting of one filter (kind, format, time zone) in one locale, built once."""
    loc = babel_locale(locale)
    zone = ZoneInfo(tz) if tz else None
    if kind == "decimal":
        pattern = loc.decimal_formats[None] if fmt is None else babel_numbers.parse_pattern(fmt)
        return Formatter(kind, loc, number=pattern)
    if kind == "percent":
        pattern = loc.percent_formats[None] if fmt is None else babel_numbers.parse_pattern(fmt)
        return Formatter(kind, loc, number=pattern)
    if kind == "currency":
        std = loc.currency_formats["standard"]
        return Formatter(kind, loc, number=std if fmt is None else babel_numbers.parse_pattern(fmt))
    fmt = fmt or "medium"
    if kind == "date":
        return Formatter(kind, loc, date=_date_pattern("date", fmt, loc))
    if kind == "time":
        return Formatter(kind, loc, time=_date_pattern("time", fmt, loc))
    if fmt in WIDTHS:
        glue = str(babel_dates.get_datetime_format(fmt, locale=loc)).replace("'", "")  # type: ignore[arg-type]
        return Formatter(
            kind,
            loc,
            date=_date_pattern("date", fmt, loc),
            time=_date_pattern("time", fmt, loc),
            glue=glue,
            tz=zone,
        )
    return Formatter(kind, loc, date=babel_dates.parse_pattern(fmt), tz=zone)


def _date_pattern(kind: str, fmt: str, loc: Locale) -> babel_dates.DateTimePattern:
    if fmt not in WIDTHS:
        return babel_dates.parse_pattern(fmt)
    if kind == "date":
        return babel_dates.get_date_format(fmt, locale=loc)  # type: ignore[arg-type]
    return babel_dates.get_time_format(fmt, locale=loc)  # type: ignore[arg-type]


def format_value(
    value: Any,
    kind: Kind,
    fmt: str | None,
    locale: str,
    *,
    field: str,
    tz: str | None = None,
    currency: Any = None,
    currency_field: str = "",
) -> str:
    """`value` formatted as the filter of `kind` does in `locale`; "" when missing (None)."""
    if value is None:
        return ""
    return formatter(kind, fmt, locale, tz)(value, field, currency, currency_field)


FilterFunction: TypeAlias = Callable[..., str]


# --- the same formats expanded for targets that print values themselves -------------------------
#
# A target without Babel gets, at compile time, everything CLDR says about the format in the
# locale (separators, grouping, currency symbols and digits, month and weekday names, the order
# of a date's fields), and prints the value with its own arithmetic and string functions. What
# a target could not print exactly as Babel does is an Unsupported with the reason.


class Unsupported(Exception):
    """A format no expansion can print without Babel (a time zone's name, a per-mille pattern
    with significant digits, …); the message says what."""


@dataclass(frozen=True, slots=True)
class NumberSpec:
    """A number format expanded for one locale, as Babel's NumberPattern.apply prints it.

    The value (its exact decimal digits) has its point moved right by `scale` (2 for a percent),
    is rounded half to even to `fraction[1]` digits, its integer digits padded with zeros to
    `min_int` and grouped (`grouping`: the primary size, then the secondary one, from the right;
    None: no separators), and its fraction cut of trailing zeros down to `fraction[0]` digits
    (no decimal separator when nothing is left). `positive` or `negative` (the sign of the value
    before rounding; zero is positive) give the text around it. For a currency read from the
    data, `fraction` is None (the currency's digits: `CurrencyTable.digits`) and the texts keep
    `¤¤` (the code) and `¤` (the symbol) to replace, in that order.
    """

    positive: tuple[str, str]
    negative: tuple[str, str]
    min_int: int
    fraction: tuple[int, int] | None
    grouping: tuple[int, int] | None
    decimal: str
    group: str
    scale: int


@dataclass(frozen=True, slots=True)
class CurrencyTable:
    """What a currency read from the data needs, for one locale: the ISO 4217 codes CLDR knows,
    the symbols that are not the code itself, and the fraction digits that are not 2."""

    codes: tuple[str, ...]
    symbols: dict[str, str]
    digits: dict[str, int]


DateFieldName: TypeAlias = Literal[
    "year", "year2", "month", "day", "hour", "hour12", "hour11", "hour24", "minute", "second",
    "month_name", "weekday", "period",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class DateField:
    """One field of a date pattern expanded for a locale: a number padded with zeros to `pad`
    digits (`year2`: the year's last two), or a name: `month_name` (12 names, January first),
    `weekday` (7, Monday first), `period` (2: am, pm)."""

    name: DateFieldName
    pad: int = 0
    names: tuple[str, ...] = ()


DatePart: TypeAlias = str | DateField


@dataclass(frozen=True, slots=True)
class DateSpec:
    """A date, datetime or time format expanded for one locale: literal texts and fields, in
    order; `tz` the zone a datetime is shown in (None: as written)."""

    kind: Kind
    parts: tuple[DatePart, ...]
    tz: str | None = None

    def fields(self) -> set[DateFieldName]:
        return {p.name for p in self.parts if isinstance(p, DateField)}


def number_spec(kind: Kind, fmt: str | None, locale: str, currency: str | None) -> NumberSpec:
    """The number format of a filter expanded for `locale`; `currency` is the code of
    format_currency("EUR"), None for a currency read from the data (or no currency)."""
    number = formatter(kind, fmt, locale).number
    assert number is not None
    if number.exp_prec or "@" in number.pattern:
        raise Unsupported("a scientific or significant-digits pattern")
    texts = number.prefix + number.suffix
    if any("¤¤¤" in t for t in texts):
        raise Unsupported("a currency's name (¤¤¤), which changes with the amount")
    loc = babel_locale(locale)

    def text(t: str) -> str:
        if kind == "currency" and currency is not None:
            t = t.replace("¤¤", currency).replace(
                "¤", babel_numbers.get_currency_symbol(currency, loc)
            )
        return re.sub(r"'([^']*)'", lambda m: m.group(1) or "'", t)

    if kind == "currency":
        digits = babel_numbers.get_currency_precision(currency) if currency else None
        fraction = (digits, digits) if digits is not None else None
    else:
        fraction = number.frac_prec
    grouping = None if number.grouping[0] >= 1000 else number.grouping
    return NumberSpec(
        positive=(text(number.prefix[0]), text(number.suffix[0])),
        negative=(text(number.prefix[1]), text(number.suffix[1])),
        min_int=number.int_prec[0],
        fraction=fraction,
        grouping=grouping,
        decimal=babel_numbers.get_decimal_symbol(loc),
        group=babel_numbers.get_group_symbol(loc),
        scale=number.scale,
    )


@lru_cache(maxsize=64)
def currency_table(locale: str) -> CurrencyTable:
    """Every currency code CLDR knows, with its symbol and digits in `locale` (see
    CurrencyTable): what a target needs to print a currency read from the data."""
    loc = babel_locale(locale)
    codes = tuple(sorted(CURRENCIES))
    symbols = {c: s for c in codes if (s := babel_numbers.get_currency_symbol(c, loc)) != c}
    digits = {c: d for c in codes if (d := babel_numbers.get_currency_precision(c)) != 2}
    return CurrencyTable(codes, symbols, digits)


_NUMBER_FIELDS: dict[str, DateFieldName] = {
    "d": "day",
    "H": "hour",
    "h": "hour12",
    "K": "hour11",
    "k": "hour24",
    "m": "minute",
    "s": "second",
}
_ZONES = frozenset("zZOvVxX")


def date_spec(kind: Kind, fmt: str | None, locale: str, tz: str | None = None) -> DateSpec:
    """The date, datetime or time format of a filter expanded for `locale` (see DateSpec)."""
    f = formatter(kind, fmt, locale, tz)
    loc = f.locale
    if f.glue is not None:
        assert f.date is not None and f.time is not None
        date_parts, time_parts = _parts(f.date, loc), _parts(f.time, loc)
        parts: list[DatePart] = []
        for piece in re.split(r"(\{[01]\})", f.glue):
            if piece == "{0}":
                parts.extend(time_parts)
            elif piece == "{1}":
                parts.extend(date_parts)
            elif piece:
                parts.append(piece)
    else:
        pattern = f.date if f.date is not None else f.time
        assert pattern is not None
        parts = _parts(pattern, loc)
    merged: list[DatePart] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        elif part != "":
            merged.append(part)
    return DateSpec(kind, tuple(merged), tz)


def _parts(pattern: babel_dates.DateTimePattern, loc: Locale) -> list[DatePart]:
    """A Babel pattern's texts and fields (from its `%(field)s` format), expanded."""
    out: list[DatePart] = []
    for m in re.finditer(r"%\((\w+)\)s|%%|[^%]+", str(pattern.format)):
        token = m.group(0)
        if m.group(1) is None:
            out.append("%" if token == "%%" else token)
        else:
            out.append(_field(m.group(1), loc))
    return out


NameContext: TypeAlias = Literal["format", "stand-alone"]
NAME_WIDTHS: dict[int, Literal["abbreviated", "wide", "narrow"]] = {
    3: "abbreviated",
    4: "wide",
    5: "narrow",
}
DAY_WIDTHS: dict[int, Literal["abbreviated", "wide", "narrow", "short"]] = {
    **NAME_WIDTHS,
    6: "short",
}


def _field(name: str, loc: Locale) -> DatePart:
    char, num = name[0], len(name)
    if char == "y":
        return DateField("year2", 2) if num == 2 else DateField("year", num)
    if char in "ML":
        if num <= 2:
            return DateField("month", num)
        context: NameContext = "format" if char == "M" else "stand-alone"
        names = babel_dates.get_month_names(NAME_WIDTHS[num], context, loc)
        return DateField("month_name", names=tuple(str(names[i]) for i in range(1, 13)))
    if char == "E" or (char == "c" and num >= 3):
        day_context: NameContext = "stand-alone" if char == "c" else "format"
        names = babel_dates.get_day_names(DAY_WIDTHS[max(3, num)], day_context, loc)
        return DateField("weekday", names=tuple(str(names[i]) for i in range(7)))
    if char == "a":
        periods = babel_dates.get_period_names(NAME_WIDTHS[max(3, num)], "format", loc)
        return DateField("period", names=(str(periods["am"]), str(periods["pm"])))
    if char == "G":  # years 1 to 9999: always the current era
        return str(babel_dates.get_era_names(NAME_WIDTHS[max(3, num)], loc)[1])
    if char in _NUMBER_FIELDS:
        return DateField(_NUMBER_FIELDS[char], num)
    if char in _ZONES:
        raise Unsupported(f"a time zone field ({name}), which needs CLDR's zone names")
    what = {
        "B": "flexible day periods",
        "S": "fractions of a second",
        "Y": "week-numbering years",
        "u": "extended years",
        "Q": "quarters",
        "q": "quarters",
        "w": "week numbers",
        "W": "week numbers",
        "D": "days of the year",
        "F": "weekdays in the month",
        "e": "local weekday numbers",
        "c": "local weekday numbers",
        "A": "milliseconds in the day",
    }.get(char, "a field")
    raise Unsupported(f"{what} ({name})")


@dataclass(frozen=True, slots=True)
class ZoneTable:
    """An IANA time zone's offsets from UTC as a table, for a target that converts datetimes
    itself: `initial` seconds east of UTC before the first change, then each change as
    (instant, new offset), instants in Unix seconds, up to `until` (the first instant the table
    does not cover)."""

    initial: int
    changes: tuple[tuple[int, int], ...]
    until: int


@lru_cache(maxsize=16)
def zone_table(tz: str, first_year: int = 1800, until_year: int = 2100) -> ZoneTable:
    """The offsets of `tz` from year 1 to `until_year` (exclusive), found by asking zoneinfo
    (the reference's own data) for the offset at each day from `first_year` and bisecting each
    day where it changes down to the second; before `first_year` the zone's first offset (its
    local mean time) holds, which is checked."""
    zone = ZoneInfo(tz)

    def offset(t: int) -> int:
        delta = dt.datetime.fromtimestamp(t, zone).utcoffset()
        assert delta is not None
        return int(delta.total_seconds())

    start = int(dt.datetime(first_year, 1, 1, tzinfo=dt.UTC).timestamp())
    until = int(dt.datetime(until_year, 1, 1, tzinfo=dt.UTC).timestamp())
    initial = offset(start)
    if offset(int(dt.datetime(1, 1, 2, tzinfo=dt.UTC).timestamp())) != initial:
        raise Unsupported(f"the offsets of {tz} before {first_year}")
    changes: list[tuple[int, int]] = []
    current, t = initial, start
    while t < until:
        step = min(t + 86400, until)
        new = offset(step)
        if new != current:
            low, high = t, step  # the offset is `current` at low and `new` at high
            while high - low > 1:
                middle = (low + high) // 2
                if offset(middle) == current:
                    low = middle
                else:
                    high = middle
            changes.append((high, new))
            current = new
        t = step
    return ZoneTable(initial, tuple(changes), until)
