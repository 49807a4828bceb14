"""Format filters in AMPscript: CLDR's number and date formatting written out with AMPscript's
string and arithmetic functions and the locale's data, at compile time (--inline-formats).

AMPscript's own FormatNumber, FormatCurrency and FormatDate read .NET's culture data and the
server's time zone, not CLDR's, and round half away from zero: they are never used. A value
reaches AMPscript as the text of an attribute (docs/targets/ampscript.md), so each snippet reads
that text as the reference reads the JSON value: a number's digits (a float's shortest text,
`1e-07` included) or a decimal string, moves the point by the exponent and the pattern's scale,
rounds half to even on the digit string, pads and groups; a date's fields are checked against
the calendar, a datetime is moved to a time zone with the zone's offsets (formats.ZoneTable) and
days counted as in Hinnant's days_from_civil. A value the reference cannot read stops the
message with `RaiseError` and the reference's FormatError, word for word where the value's text
allows (see docs/targets/ampscript.md, "Format filters").

Scratch variables are `@tk_f_<name>` (a template's own names never start with `tk_`: the
emitter renames them); snippets write them `@name` (`_v` names them) and compile-time values
`$NAME`, which `_put` fills in one pass. Integer quotients are written
`Divide(Subtract(x, Mod(x, y)), y)` (`_quotient`): AMPscript's division is not an integer's,
and every operand is an integer >= 0 well below 2**53 (exact in a double or a decimal).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ..i18n import formats
from ..template import ir

OUT = "@tk_f_v"  # the variable a snippet leaves the formatted text in
_SEPARATORS = "|~^;#,"  # for lists of names: the first that no name contains
NUMBER_TEXT = "^-?[0-9]+(?:\\.[0-9]+)?(?:e[+-]?[0-9]+)?\\z"  # a JSON number as Python prints it
DECIMAL_TEXT = "^-?[0-9]+(?:\\.[0-9]+)?\\z"  # a decimal string (formats.NUMBER_RE)
# Seconds from 0000-03-01 (the epoch of days_from_civil) to 1970-01-01, and the width of a zone
# table's entries: a 12-digit instant (from 0000-03-01) and a 6-digit offset + 86400.
_EPOCH = 719468 * 86400
_ZONE_WIDTH = 18


def amp_string(text: str) -> str:
    """An AMPscript string literal; a `%%` inside is split so that no delimiter appears."""
    chunks = re.split(r"(?<=%)(?=%)", text)
    quoted = ['"' + c.replace('"', '""') + '"' for c in chunks]
    return quoted[0] if len(quoted) == 1 else "Concat(" + ", ".join(quoted) + ")"


@dataclass(frozen=True, slots=True)
class Operand:
    """A value a format filter reads: the AMPscript expression of its text, that of the JSON
    type it had ("string", "number", "boolean", …; empty when missing or null), and its name in
    the reference's messages (the path as the template writes it)."""

    text: str
    kind: str
    field: str


def typed_kind(text: str, declared: str) -> str:
    """The JSON type of a value sent as a plain attribute (the template's types): what its
    declaration says; a scalar (or any) is a number when its text is one, else a string."""
    if declared in ("number", "integer"):
        kind = '"number"'
    elif declared == "boolean":
        kind = '"boolean"'
    elif declared in ("scalar", "any"):
        kind = f'IIF(Empty(RegExMatch({text}, {amp_string(NUMBER_TEXT)}, 0)), "string", "number")'
    else:
        kind = '"string"'
    return f'IIF(Empty({text}), "", {kind})'


def _v(snippet: str) -> str:
    """A snippet's scratch variables named: `@name` is `@tk_f_name` (on code, never on data)."""
    return re.sub(r"@(\w+)", r"@tk_f_\1", snippet)


def _put(snippet: str, **values: str) -> str:
    """A snippet's `$NAME` slots filled with compile-time text, in one pass."""
    return re.sub(r"\$([A-Z]+)", lambda m: values[m.group(1)], snippet)


def _folded(snippet: str) -> str:
    """`Add(3, 1)` written 4, and `Subtract(3, 1)` 2: in code holding no data."""
    snippet = re.sub(r"Add\(([0-9]+), ([0-9]+)\)", lambda m: str(int(m[1]) + int(m[2])), snippet)

    def minus(m: re.Match[str]) -> str:
        a, b = int(m[1]), int(m[2])
        return str(a - b) if a >= b else m[0]

    return re.sub(r"Subtract\(([0-9]+), ([0-9]+)\)", minus, snippet)


def _quotient(x: str, y: str) -> str:
    """The integer quotient of x >= 0 by y > 0."""
    return f"Divide(Subtract({x}, Mod({x}, {y})), {y})"


def _number(n: int) -> str:
    return str(n) if n >= 0 else f"Subtract(0, {-n})"


def _zone_var(tz: str) -> str:
    return "@tk_f_zone_" + re.sub(r"\W", lambda m: f"_{ord(m.group()):X}", tz)


# --- what a template needs once, at its top ---------------------------------------------------


def format_tables(body: ir.Body, locale: str) -> list[str]:
    """The `SET`s of the tables the part's format filters read: CLDR's currency codes, the
    locale's symbols and digits (for a currency read from the data), and each time zone's
    offsets. A zone no table can hold is left to the filter's refusal."""
    out: list[str] = []
    zones: list[str] = []
    currency = False
    for node in ir.walk(body):
        fmt = node.value.format if isinstance(node, ir.Output) else None
        if fmt is None:
            continue
        currency = currency or isinstance(fmt.currency, ir.Path)
        if fmt.kind == "datetime" and fmt.tz is not None and fmt.tz not in zones:
            zones.append(fmt.tz)
    if currency:
        table = formats.currency_table(locale)
        sep = _symbol_separator(table)
        out.append(f"SET @tk_f_codes = {amp_string(',' + ','.join(table.codes) + ',')}")
        symbols = sep + "".join(f"{c}={s}{sep}" for c, s in table.symbols.items())
        out.append(f"SET @tk_f_symbols = {amp_string(symbols)}")
        digits = "," + "".join(f"{c}={d}," for c, d in table.digits.items())
        out.append(f"SET @tk_f_digits = {amp_string(digits)}")
    for tz in zones:
        try:
            zone = formats.zone_table(tz)
        except formats.Unsupported:
            continue
        entries = "".join(f"{t + _EPOCH:012d}{o + 86400:06d}" for t, o in zone.changes)
        out.append(f"SET {_zone_var(tz)} = {amp_string(entries)}")
    return out


def _symbol_separator(table: formats.CurrencyTable) -> str:
    return next(c for c in _SEPARATORS if not any(c in s for s in table.symbols.values()))


# --- a value's text, read as the reference reads it -------------------------------------------


def _raise(value: Operand, end: str, var: str = "@tk_f_s", kind: str = "@tk_f_t") -> str:
    """RaiseError with the reference's FormatError for `value` (its text in `var`, its type in
    `kind`): `field: <the value as JSON, cut at 60 characters><end>`."""
    return _put(
        _v(
            'IF Empty($KIND) THEN SET @w = "null" '
            'ELSEIF $KIND == "string" THEN SET @w = Concat("""", Replace(Replace(Replace('
            'Replace(Replace($VAR, "\\", "\\\\"), """", "\\"""), Char(10), "\\n"), Char(13), '
            '"\\r"), Char(9), "\\t"), """") '
            "ELSE SET @w = $VAR ENDIF "
            'IF Length(@w) > 60 THEN SET @w = Concat(Substring(@w, 1, 57), "…") ENDIF '
            "RaiseError(Concat($MESSAGE, @w, $END), true)"
        ),
        VAR=var,
        KIND=kind,
        MESSAGE=amp_string(f"{value.field}: "),
        END=amp_string(end),
    )


def _expected(kind: formats.Kind) -> str:
    """The end of the reference's message for a value a filter of `kind` cannot read."""
    what, example = formats.EXPECTED[kind]
    return f" is not {what} (hint: send {what} such as {example})"


# --- numbers -----------------------------------------------------------------------------------

# The number's text @s read when its type @t allows (a JSON number as Python prints it, or a
# decimal string); anything else is the reference's FormatError.
_NUMBER_READ = _v(
    'SET @s = $TEXT SET @t = $KIND SET @v = "" IF NOT Empty(@t) THEN SET @ok = 0 '
    'IF @t == "number" THEN IF NOT Empty(RegExMatch(@s, $NUMBER, 0)) THEN SET @ok = 1 ENDIF '
    'ELSEIF @t == "string" THEN IF NOT Empty(RegExMatch(@s, $DECIMAL, 0)) THEN SET @ok = 1 '
    "ENDIF ENDIF IF @ok == 0 THEN $ERROR ELSE "
)

# The sign, integer digits @i and fraction digits @f of the number's text @s, the point moved
# right by the exponent and the pattern's scale; zero is positive (-0, -0.004).
_DIGITS = _v(
    'SET @neg = 0 SET @m = @s IF NOT Empty(RegExMatch(@s, "^-", 0)) THEN SET @neg = 1 '
    "SET @m = Substring(@s, 2, Length(@s)) ENDIF "
    'SET @sh = $SCALE SET @e = RegExMatch(@m, "e([+-]?[0-9]+)\\z", 1) '
    'IF NOT Empty(@e) THEN SET @sh = Add(@sh, @e) SET @m = RegExMatch(@m, "^[^e]*", 0) ENDIF '
    'SET @i = RegExMatch(@m, "^[0-9]+", 0) SET @f = RegExMatch(@m, "\\.([0-9]+)", 1) '
    "IF @sh != 0 THEN SET @d = Concat(@i, @f) SET @n = Add(Length(@i), @sh) "
    "IF @n >= Length(@d) THEN SET @i = Concat(@d, Char(48, Subtract(@n, Length(@d)))) "
    'SET @f = "" '
    'ELSEIF @n <= 0 THEN SET @i = "0" SET @f = Concat(Char(48, Subtract(0, @n)), @d) '
    "ELSE SET @i = Substring(@d, 1, @n) SET @f = Substring(@d, Add(@n, 1), Length(@d)) ENDIF "
    "ENDIF "
    'IF Empty(RegExMatch(Concat(@i, @f), "[1-9]", 0)) THEN SET @neg = 0 ENDIF '
)

# Rounded half to even to $MAX fraction digits on the digit string @d (integer and kept
# fraction digits), incremented with its carry (the trailing 9s become 0s); then the integer's
# leading zeros go ("007.5" is 7.5).
_ROUND = _v(
    "IF Length(@f) > $MAX THEN SET @d = Concat(@i, Substring(@f, 1, $MAX)) "
    "SET @c = Substring(@f, Add($MAX, 1), 1) SET @r = Substring(@f, Add($MAX, 2), Length(@f)) "
    "SET @up = 0 IF @c > 5 THEN SET @up = 1 "
    'ELSEIF @c == 5 THEN IF NOT Empty(RegExMatch(@r, "[1-9]", 0)) THEN SET @up = 1 '
    'ELSEIF NOT Empty(RegExMatch(@d, "[13579]\\z", 0)) THEN SET @up = 1 ENDIF ENDIF '
    'IF @up == 1 THEN SET @r = RegExMatch(@d, "9*\\z", 0) '
    "SET @n = Subtract(Length(@d), Length(@r)) "
    'IF @n == 0 THEN SET @d = Concat("1", Char(48, Length(@r))) '
    "ELSE SET @d = Concat(Substring(@d, 1, Subtract(@n, 1)), Add(Substring(@d, @n, 1), 1), "
    "Char(48, Length(@r))) ENDIF ENDIF "
    "SET @n = Subtract(Length(@d), $MAX) SET @i = Substring(@d, 1, @n) "
    "SET @f = Substring(@d, Add(@n, 1), $MAX) ENDIF "
    'SET @i = RegExMatch(@i, "(?:[1-9][0-9]*|0)\\z", 0) '
)

# Zeros added up to $LEAST fraction digits, and trailing zeros cut down to them.
_FRACTION = _v(
    "IF Length(@f) < $LEAST THEN SET @f = Concat(@f, Char(48, Subtract($LEAST, Length(@f)))) "
    "ELSEIF Length(@f) > $LEAST THEN SET @f = Concat(Substring(@f, 1, $LEAST), "
    'RegExMatch(Substring(@f, Add($LEAST, 1), Length(@f)), "^(?:[0-9]*[1-9])?", 0)) ENDIF '
)

# Trailing zeros cut (a pattern with no fraction digits at least).
_TRIM = _v('SET @f = RegExMatch(@f, "^(?:[0-9]*[1-9])?", 0) ')

# The integer digits grouped from the right: $FIRST digits, then $THEN digits a group (the
# loop's bound is a variable no iteration changes, whenever an engine evaluates it).
_GROUP = _v(
    'SET @r = "" SET @k = $FIRST SET @len = Length(@i) '
    "FOR @j = 1 TO @len DO IF Length(@i) > @k THEN "
    "SET @n = Subtract(Length(@i), @k) SET @r = Concat($SEP, Substring(@i, Add(@n, 1), @k), @r) "
    "SET @i = Substring(@i, 1, @n) SET @k = $THEN ENDIF NEXT @j SET @i = Concat(@i, @r) "
)

# The text around the digits, by the sign.
_NUMBER_TEXT = _v(
    "SET @v = Concat(IIF(@neg == 1, $NEGPRE, $POSPRE), @i, "
    'IIF(Empty(@f), "", Concat($DECIMAL, @f)), IIF(@neg == 1, $NEGPOST, $POSPOST)) '
)

# The code of a currency read from the data (@code, its type @ct), checked against CLDR's
# codes; its symbol (@sym) and digits (@cd) from the tables set at the top.
_CURRENCY = _v(
    "SET @code = $CODE SET @ct = $KIND "
    'IF @ct != "string" OR Empty(RegExMatch(@code, "^[A-Z]{3}\\z", 0)) '
    'OR IndexOf(@codes, Concat(",", @code, ",")) == 0 THEN $ERROR ELSE '
    'SET @sym = @code SET @n = IndexOf(@symbols, Concat($SEP, @code, "=")) '
    "IF @n > 0 THEN SET @r = Substring(@symbols, Add(@n, 5), Length(@symbols)) "
    "SET @sym = Substring(@r, 1, Subtract(IndexOf(@r, $SEP), 1)) ENDIF "
    'SET @cd = 2 SET @n = IndexOf(@digits, Concat(",", @code, "=")) '
    "IF @n > 0 THEN SET @cd = Substring(@digits, Add(@n, 5), 1) ENDIF "
)
_CURRENCY_TEXT = _v('SET @v = Replace(Replace(@v, "¤¤", @code), "¤", @sym) ')


def _number_code(
    spec: formats.NumberSpec, fmt: ir.Format, locale: str, value: Operand, currency: Operand | None
) -> str:
    """Statements leaving in OUT the number `value` printed as `spec` says (see NumberSpec)."""
    if spec.fraction is None:  # the currency's digits, read with its code
        least = most = "@tk_f_cd"
    else:
        least, most = str(spec.fraction[0]), str(spec.fraction[1])
    code = _put(_DIGITS, SCALE=str(spec.scale)) + _folded(_put(_ROUND, MAX=most))
    if spec.min_int > 1:
        code += _v(
            f"IF Length(@i) < {spec.min_int} THEN "
            f"SET @i = Concat(Char(48, Subtract({spec.min_int}, Length(@i))), @i) ENDIF "
        )
    code += _folded(_put(_FRACTION if least != "0" else _TRIM, LEAST=least))
    if spec.grouping is not None:
        first, then = spec.grouping
        code += _put(_GROUP, FIRST=str(first), THEN=str(then), SEP=amp_string(spec.group))
    (pos_pre, pos_post), (neg_pre, neg_post) = spec.positive, spec.negative
    code += _put(
        _NUMBER_TEXT,
        NEGPRE=amp_string(neg_pre),
        POSPRE=amp_string(pos_pre),
        DECIMAL=amp_string(spec.decimal),
        NEGPOST=amp_string(neg_post),
        POSPOST=amp_string(pos_post),
    )
    end = "ENDIF ENDIF"
    if currency is not None:
        code = (
            _put(
                _CURRENCY,
                CODE=currency.text,
                KIND=currency.kind,
                SEP=amp_string(_symbol_separator(formats.currency_table(locale))),
                ERROR=_raise(
                    currency,
                    ' is not an ISO 4217 currency code (hint: send a code such as "EUR")',
                    "@tk_f_code",
                    "@tk_f_ct",
                ),
            )
            + code
            + _CURRENCY_TEXT
        )
        end += " ENDIF"
    read = _put(
        _NUMBER_READ,
        TEXT=value.text,
        KIND=value.kind,
        NUMBER=amp_string(NUMBER_TEXT),
        DECIMAL=amp_string(DECIMAL_TEXT),
        ERROR=_raise(value, _expected(fmt.kind)),
    )
    return read + code + end


# --- dates, datetimes and times ----------------------------------------------------------------

_DATE = "([0-9]{4})-([0-9]{2})-([0-9]{2})"
_TIME = "([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\\.([0-9]{1,9}))?)?(Z|[+-][0-9]{2}:[0-9]{2})?"
# What each kind reads (formats.to_date, to_datetime, to_time), in groups 1 to 8: year, month,
# day, hour, minute, second, fraction, offset.
_DATE_RES = {
    "date": f"^{_DATE}(?:T{_TIME})?\\z",
    "datetime": f"^{_DATE}T{_TIME}\\z",
    "time": f"^(?:{_DATE}T)?{_TIME}\\z",
}
_GROUPS = ("year", "month", "day", "hour", "minute", "second", "fraction", "off")

# The text @s read when its type @t is a string of the kind's form, its fields in @year, …
_DATE_READ = _v(
    'SET @s = $TEXT SET @t = $KIND SET @v = "" IF NOT Empty(@t) THEN SET @ok = 0 '
    'IF @t == "string" THEN IF NOT Empty(RegExMatch(@s, $PATTERN, 0)) THEN SET @ok = 1 ENDIF '
    "ENDIF IF @ok == 1 THEN "
    + " ".join(f"SET @{g} = RegExMatch(@s, $PATTERN, {n})" for n, g in enumerate(_GROUPS, 1))
    + " "
)

# Every field checked against the calendar and the clock, as the reference's datetime does;
# the offset in seconds east of UTC in @off.
_DATE_CHECK = _v(
    "IF NOT Empty(@year) THEN IF @year < 1 OR @month < 1 OR @month > 12 THEN SET @ok = 0 ELSE "
    'SET @last = Substring("312831303130313130313031", Subtract(Multiply(@month, 2), 1), 2) '
    "IF @month == 2 AND Mod(@year, 4) == 0 AND (Mod(@year, 100) != 0 OR Mod(@year, 400) == 0) "
    "THEN SET @last = 29 ENDIF IF @day < 1 OR @day > @last THEN SET @ok = 0 ENDIF ENDIF ENDIF "
    "IF Empty(@second) THEN SET @second = 0 ENDIF "
    "IF NOT Empty(@hour) THEN IF @hour > 23 OR @minute > 59 OR @second > 59 THEN SET @ok = 0 "
    "ENDIF ENDIF "
    'IF Empty(@off) OR @off == "Z" THEN SET @off = 0 ELSE '
    "SET @zh = Substring(@off, 2, 2) SET @zm = Substring(@off, 5, 2) "
    "IF @zh > 23 OR @zm > 59 THEN SET @ok = 0 ENDIF "
    "SET @n = Add(Multiply(@zh, 3600), Multiply(@zm, 60)) "
    'IF NOT Empty(RegExMatch(@off, "^-", 0)) THEN SET @n = Subtract(0, @n) ENDIF '
    "SET @off = @n ENDIF ENDIF IF @ok == 0 THEN $ERROR ELSE "
)

_Q = _quotient
# A datetime's instant in seconds since 0000-03-01 (Hinnant's days_from_civil), in @utc.
_INSTANT = _v(
    "SET @y = @year IF @month < 3 THEN SET @y = Subtract(@year, 1) ENDIF "
    f"SET @era = {_Q('@y', '400')} SET @yoe = Subtract(@y, Multiply(@era, 400)) "
    "SET @mp = Mod(Add(@month, 9), 12) "
    f"SET @doy = Add({_Q('Add(Multiply(@mp, 153), 2)', '5')}, Subtract(@day, 1)) "
    f"SET @doe = Add(Subtract(Add(Multiply(@yoe, 365), {_Q('@yoe', '4')}), "
    f"{_Q('@yoe', '100')}), @doy) "
    "SET @utc = Add(Multiply(Add(Multiply(@era, 146097), @doe), 86400), "
    "Subtract(Add(Add(Multiply(@hour, 3600), Multiply(@minute, 60)), @second), @off)) "
)
# The zone's offset at @utc, the entries of its table $ZONE ($COUNT of them, fixed width) being
# searched in $STEPS halvings for the last change at or before it; then @utc is local time.
_entry = f"Multiply(Subtract(@mid, 1), {_ZONE_WIDTH})"
_OFFSET = _v(
    "SET @lo = 0 SET @hi = $COUNT FOR @j = 1 TO $STEPS DO "
    f"IF @lo < @hi THEN SET @mid = {_Q('Add(Add(@lo, @hi), 1)', '2')} "
    f"IF Substring($ZONE, Add({_entry}, 1), 12) <= @utc THEN SET @lo = @mid "
    "ELSE SET @hi = Subtract(@mid, 1) ENDIF ENDIF NEXT @j "
    "SET @o = $INITIAL IF @lo > 0 THEN SET @mid = @lo "
    f"SET @o = Subtract(Substring($ZONE, Add({_entry}, 13), 6), 86400) ENDIF "
    "SET @utc = Add(@utc, @o) "
)
# The local fields back from @utc (Hinnant's civil_from_days).
_yoe = f"Subtract(Add(Subtract(@doe, {_Q('@doe', '1460')}), {_Q('@doe', '36524')}), " + (
    f"{_Q('@doe', '146096')})"
)
_FIELDS = _v(
    f"SET @z = {_Q('@utc', '86400')} SET @r = Subtract(@utc, Multiply(@z, 86400)) "
    f"SET @era = {_Q('@z', '146097')} SET @doe = Subtract(@z, Multiply(@era, 146097)) "
    f"SET @yoe = {_Q(_yoe, '365')} "
    f"SET @doy = Subtract(@doe, Subtract(Add(Multiply(@yoe, 365), {_Q('@yoe', '4')}), "
    f"{_Q('@yoe', '100')})) SET @mp = {_Q('Add(Multiply(@doy, 5), 2)', '153')} "
    f"SET @day = Add(Subtract(@doy, {_Q('Add(Multiply(@mp, 153), 2)', '5')}), 1) "
    "SET @month = Add(Mod(Add(@mp, 2), 12), 1) SET @year = Add(Multiply(@era, 400), @yoe) "
    "IF @month < 3 THEN SET @year = Add(@year, 1) ENDIF "
    f"SET @hour = {_Q('@r', '3600')} SET @r = Subtract(@r, Multiply(@hour, 3600)) "
    f"SET @minute = {_Q('@r', '60')} SET @second = Mod(@r, 60) "
)

# The weekday, Monday 0, with Sakamoto's formula (years >= 0).
_WEEKDAY = _v(
    "SET @z = @year IF @month < 3 THEN SET @z = Subtract(@year, 1) ENDIF "
    'SET @wd = Add(Add(Substring("032503514624", @month, 1), @day), @z) '
    f"SET @wd = Add(Subtract(Add(@wd, {_Q('@z', '4')}), {_Q('@z', '100')}), "
    f"{_Q('@z', '400')}) SET @wd = Mod(Add(@wd, 6), 7) "
)

# Each numeric date field: the AMPscript expression of its value.
_DATE_NUMBERS = {
    "year": "@year",
    "year2": "Mod(@year, 100)",
    "month": "@month",
    "day": "@day",
    "hour": "@hour",
    "hour12": "Add(Mod(Add(@hour, 11), 12), 1)",
    "hour11": "Mod(@hour, 12)",
    "hour24": "Add(Mod(Add(@hour, 23), 24), 1)",
    "minute": "@minute",
    "second": "@second",
}
# Each name field: the row (from 1) of its name.
_NAME_ROWS = {"month_name": "@month", "weekday": "Add(@wd, 1)", "period": "IIF(@hour < 12, 1, 2)"}


def _zone_code(tz: str, value: Operand) -> str:
    """Statements moving the datetime's fields to the zone `tz` (its offsets set at the top);
    past the table's end (2100), RaiseError: the reference goes on to the year 9999."""
    zone = formats.zone_table(tz)
    past = (
        f" is past 2099, where the ampscript target's offsets of {tz} end (hint: format the "
        "value in your data and print it as it is)"
    )
    return (
        _INSTANT
        + f"IF @tk_f_utc >= {zone.until + _EPOCH} THEN {_raise(value, past)} ELSE "
        + _put(
            _OFFSET,
            COUNT=str(len(zone.changes)),
            STEPS=str(max(1, math.ceil(math.log2(len(zone.changes) + 1)))),
            ZONE=_zone_var(tz),
            INITIAL=_number(zone.initial),
        )
        + _FIELDS
    )


def _date_code(spec: formats.DateSpec, value: Operand) -> str:
    """Statements leaving in OUT the date, datetime or time `value` printed as `spec` says."""
    code = _put(
        _DATE_READ + _DATE_CHECK,
        TEXT=value.text,
        KIND=value.kind,
        PATTERN=amp_string(_DATE_RES[spec.kind]),
        ERROR=_raise(value, _expected(spec.kind)),
    )
    end = "ENDIF ENDIF"
    if spec.tz is not None:
        code += _zone_code(spec.tz, value)
        end += " ENDIF"
    if "weekday" in spec.fields():
        code += _WEEKDAY
    for part in spec.parts:
        if isinstance(part, str):
            code += f"SET {OUT} = Concat({OUT}, {amp_string(part)}) "
            continue
        if part.name in _DATE_NUMBERS:
            code += _v(f'SET @c = Concat("", Add({_DATE_NUMBERS[part.name]}, 0)) ')
            if part.pad > 1:
                code += _v(
                    f"IF Length(@c) < {part.pad} THEN "
                    f"SET @c = Concat(Char(48, Subtract({part.pad}, Length(@c))), @c) ENDIF "
                )
        else:
            sep = next(c for c in _SEPARATORS if not any(c in n for n in part.names))
            names = amp_string(sep.join(part.names))
            row = _v(_NAME_ROWS[part.name])
            code += (
                f"SET @tk_f_c = Field(Row(BuildRowsetFromString({names}, {amp_string(sep)}), "
                f"{row}), 1) "
            )
        code += f"SET {OUT} = Concat({OUT}, @tk_f_c) "
    return code + end


def format_code(
    fmt: ir.Format, locale: str, value: Operand, currency: Operand | None = None
) -> str:
    """The statements leaving in OUT `value` formatted by `fmt` in `locale` (`currency`: the
    code of a format_currency read from the data). Raises formats.Unsupported for a format
    no expansion prints exactly (the target refuses it)."""
    if fmt.kind in formats.DATE_KINDS:
        return _date_code(formats.date_spec(fmt.kind, fmt.format, locale, fmt.tz), value)
    code = fmt.currency if isinstance(fmt.currency, str) else None
    spec = formats.number_spec(fmt.kind, fmt.format, locale, code)
    return _number_code(spec, fmt, locale, value, currency)
