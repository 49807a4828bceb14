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
        m = DATE_RE.match(value) or DATETIME_RE.match(value)
        if m is not None:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                pass
    elif isinstance(value, dt.date):  # a Python sender's date or datetime
        return value.date() if isinstance(value, dt.datetime) else value
    raise _bad("date", field, value)


def to_datetime(value: Any, field: str) -> dt.datetime:
    """`YYYY-MM-DDTHH:MM[:SS[.fff]][Z|±HH:MM]`, aware when it has an offset."""
    if isinstance(value, str):
        m = DATETIME_RE.match(value)
        if m is not None:
            try:
                day = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                return dt.datetime.combine(day, _time(m.groups()[3:]))
            except ValueError:
                pass
    elif isinstance(value, dt.datetime):
        return value
    raise _bad("datetime", field, value)


def to_time(value: Any, field: str) -> dt.time:
    """`HH:MM[:SS[.fff]][Z|±HH:MM]`, or the time of an ISO 8601 datetime as written."""
    if isinstance(value, str):
        m = TIME_RE.match(value)
        groups = m.groups() if m is not None else None
        if groups is None:
            m = DATETIME_RE.match(value)
            groups = m.groups()[3:] if m is not None else None
        if groups is not None:
            try:
                return _time(groups)
            except ValueError:
                pass
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

    def __call__(
        self, value: Any, field: str, currency: Any = None, currency_field: str = ""
    ) -> str:
        kind = self.kind
        if self.number is not None:
            number = to_decimal(value, kind, field)
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
            stamp = stamp.astimezone(self.tz)
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
