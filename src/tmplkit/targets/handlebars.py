"""The handlebars targets: handlebars.js (SendGrid-style), handlebars.java and Mandrill.

handlebars.js and handlebars.java share one language and one emitted text: plain handlebars plus
the small `tk_*` helpers below, which give conditions, `default`, `upper` and `lower` tmplkit's
exact semantics (handlebars' own `{{#if}}` treats `{}` as true). With the template's variable
types, handlebars.js gets plain `{{v}}`, `{{#if v}}` and `{{#unless v}}` wherever handlebars
prints and tests values of those types as the reference does. Mandrill cannot register helpers:
it gets standard blocks, Mandrill's backtick comparisons and its built-in `upper`/`lower`, and
refuses what it has no way to say. docs/targets/handlebars.md explains every choice.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar, TypeAlias

from .. import ir
from ..errors import CompileError
from ..i18n import formats
from ..i18n.plural import holds
from .base import Emitter, apply_steps, plan_filters

# --- what the sending system registers (handlebars.js); the Java twin is in the docs -------------

HELPERS_JS = """\
function (Handlebars) {
  // tmplkit's truthiness: missing, null, false, 0, "", [] and {} are false.
  function truthy(value) {
    if (value === undefined || value === null || value === false) return false;
    if (value === 0 || value === '') return false;
    if (Array.isArray(value)) return value.length > 0;
    if (typeof value === 'object') return Object.keys(value).length > 0;
    return true;
  }
  // `==` against a string or number literal: no coercion, but true/false equal 1/0.
  function eq(value, literal) {
    if (typeof literal === 'number') {
      if (typeof value === 'boolean') value = value ? 1 : 0;
      return typeof value === 'number' && value === literal;
    }
    return typeof value === 'string' && value === literal;
  }
  // The data read by key only: list and string items by number, object keys by name.
  function get(value, key) {
    if (typeof key === 'number') {
      var indexed = Array.isArray(value) || typeof value === 'string';
      return indexed && key < value.length ? value[key] : undefined;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    return Object.prototype.hasOwnProperty.call(value, key) ? value[key] : undefined;
  }
  // How the reference prints a value: [] and {} as written, missing and null as "".
  function show(value) {
    if (Array.isArray(value)) return value.length ? value : '[]';
    if (value !== null && typeof value === 'object') {
      return Object.keys(value).length ? value : '{}';
    }
    return value;
  }
  function text(value) {
    value = show(value);
    return value === undefined || value === null ? '' : String(value);
  }
  // A plural rule's count: a whole number >= 0 (2.0 is 2), never a boolean or a string.
  function count(value) {
    return typeof value === 'number' && value >= 0 && value % 1 === 0;
  }
  // A decimal count (a number > 0 with a fraction) and its CLDR operands, read from its
  // digits: i the whole part, v how many digits follow the point, f those digits.
  function decimal(value) {
    return typeof value === 'number' && value > 0 && value % 1 !== 0;
  }
  function operand(value, which) {
    var digits = String(value).split('.');
    if (which === 'i') return Number(digits[0]);
    return which === 'v' ? digits[1].length : Number(digits[1]);
  }
  // Whether printed text may start a URL (tmplkit.urls.unsafe_scheme): tabs and line breaks
  // dropped, leading blanks and controls too; then no scheme, or an allowed one. `open`:
  // scheme letters come before it; `markup`: raw text, whose character references the
  // browser decodes, so an `&` before the scheme is decided is refused.
  function urlSafe(t, open, markup) {
    t = t.replace(/[\\t\\n\\r]/g, '').replace(/^[\\x00-\\x20]+/, '');
    if (open && t.charAt(0) === ':') return false;
    if (markup && /^(?:[a-zA-Z][a-zA-Z0-9+.-]*)?&/.test(t)) return false;
    var m = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(t);
    if (!m) return true;
    var s = m[1].toLowerCase();
    if (s === 'http' || s === 'https' || s === 'mailto' || s === 'tel' || s === 'sms') return true;
    return s === 'data' && /^data:image\\/(?:png|gif|jpe?g|webp|bmp|avif);base64,/i.test(t);
  }
  // Values in the reader's locale (format_date, format_currency, …). The template passes the
  // locale's CLDR data, expanded when it was compiled (tmplkit.i18n.formats: NumberSpec,
  // DateSpec), as JSON; the value is read as tmplkit render reads it and printed with that
  // data: numbers with exact decimal arithmetic (BigInt, rounded half to even on the digits),
  // dates with the month and day names of the locale.
  var EXPECTED = {
    date: ['an ISO 8601 date', '"2026-10-12"'],
    datetime: ['an ISO 8601 datetime', '"2026-10-12T14:30:00Z"'],
    time: ['an ISO 8601 time', '"14:30:00"'],
    decimal: ['a number', '19.99 or "19.99"'],
    percent: ['a number', '0.25 or "0.25"'],
    currency: ['a number', '19.99 or "19.99"']
  };
  // A value as tmplkit's messages show it: JSON as Python writes it, cut after 57 characters.
  function json(value) {
    if (value === undefined || value === null) return 'null';
    if (Array.isArray(value)) return '[' + value.map(json).join(', ') + ']';
    if (typeof value === 'object') {
      return '{' + Object.keys(value).map(function (k) {
        return JSON.stringify(k) + ': ' + json(value[k]);
      }).join(', ') + '}';
    }
    return JSON.stringify(value);
  }
  function shown(value) {
    var chars = Array.from(json(value));
    return chars.length <= 60 ? chars.join('') : chars.slice(0, 57).join('') + '\\u2026';
  }
  function fail(field, value, what, hint) {
    throw new Error(field + ': ' + shown(value) + ' is not ' + what + ' (hint: ' + hint + ')');
  }
  function bad(field, value, kind) {
    var what = EXPECTED[kind][0];
    fail(field, value, what, 'send ' + what + ' such as ' + EXPECTED[kind][1]);
  }
  // A JSON number (its shortest digits, as Python's repr) or a decimal string, as
  // {negative, digits (a BigInt), point}: the value is digits / 10^point. A whole number
  // beyond 2^53 has lost digits when the JSON was parsed: refused rather than misprinted.
  function decimalOf(value, field, kind) {
    var text = value;
    if (typeof value === 'number' && isFinite(value)) {
      if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
        fail(field, value, 'a number JavaScript reads exactly (whole numbers end at 2^53)',
          'send it as a decimal string such as "12345678901234567890"');
      }
      text = String(value);
    } else if (typeof value !== 'string' || !/^-?[0-9]+(\\.[0-9]+)?$/.test(value)) {
      bad(field, value, kind);
    }
    var m = /^(-?)([0-9]+)(?:\\.([0-9]+))?(?:e([+-][0-9]+))?$/.exec(text);
    var fraction = m[3] || '';
    var digits = BigInt(m[2] + fraction);
    var point = fraction.length - Number(m[4] || 0);
    if (point < 0) {
      digits *= BigInt(10) ** BigInt(-point);
      point = 0;
    }
    return { negative: m[1] === '-' && digits > 0, digits: digits, point: point };
  }
  // The number's digits at `places` decimals, rounded half to even: [integer, fraction].
  function rounded(number, scale, places) {
    var n = number.digits, point = number.point - scale;
    if (point <= places) {
      n *= BigInt(10) ** BigInt(places - point);
    } else {
      var unit = BigInt(10) ** BigInt(point - places), rest = n % unit;
      n /= unit;
      if (rest * BigInt(2) > unit || (rest * BigInt(2) === unit && n % BigInt(2) === BigInt(1))) {
        n += BigInt(1);
      }
    }
    var text = n.toString().padStart(places + 1, '0');
    return [text.slice(0, text.length - places), text.slice(text.length - places)];
  }
  function grouped(integer, grouping, separator) {
    if (!grouping) return integer;
    var size = grouping[0], out = '';
    while (integer.length > size) {
      out = separator + integer.slice(-size) + out;
      integer = integer.slice(0, -size);
      size = grouping[1];
    }
    return integer + out;
  }
  // s: {p, n: positive and negative [prefix, suffix], i: minimum integer digits, f: [min, max]
  // fraction digits, g: [primary, secondary] grouping or null, d, s: the decimal and group
  // separators, x: the scale (2 for a percent)}.
  function number(value, s, fraction, texts) {
    var parts = rounded(value, s.x, fraction[1]);
    var digits = fraction[0] + parts[1].slice(fraction[0]).replace(/0+$/, '').length;
    var decimals = parts[1].slice(0, digits);
    var integer = grouped(parts[0].padStart(s.i, '0'), s.g, s.s);
    return texts[0] + integer + (decimals ? s.d + decimals : '') + texts[1];
  }
  // A currency read from the data; t: {c: the codes, s: symbols, d: digits (2 when absent)}.
  function money(value, s, code, field, t) {
    if (typeof code !== 'string' || t.c.split(' ').indexOf(code) < 0) {
      fail(field, code, 'an ISO 4217 currency code', 'send a code such as "EUR"');
    }
    var symbol = Object.prototype.hasOwnProperty.call(t.s, code) ? t.s[code] : code;
    var digits = Object.prototype.hasOwnProperty.call(t.d, code) ? t.d[code] : 2;
    var texts = (value.negative ? s.n : s.p).map(function (text) {
      return text.split('\\u00a4\\u00a4').join(code).split('\\u00a4').join(symbol);
    });
    return number(value, s, [digits, digits], texts);
  }
  var TIME = '([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\\\\.([0-9]{1,9}))?)?' +
    '(Z|[+-][0-9]{2}:[0-9]{2})?';
  var DATETIME = new RegExp('^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:T' + TIME + ')?$');
  var TIME_ONLY = new RegExp('^()()()' + TIME + '$');
  // An ISO 8601 value as the kind reads it (a date, or a datetime's date as written; a
  // datetime; a time, or a datetime's time as written), as a Date whose UTC fields are the
  // wall clock to print: as written, or in time zone `zone` (a value without offset is UTC).
  function moment(value, field, kind, zone) {
    var g = typeof value === 'string' ? DATETIME.exec(value) || TIME_ONLY.exec(value) : null;
    var read = g && (kind === 'date' ? g[1] : g[4] !== undefined && (g[1] || kind === 'time'));
    if (!read) bad(field, value, kind);
    var year = Number(g[1] || 2000), month = Number(g[2] || 1), day = Number(g[3] || 1);
    var hour = Number(g[4] || 0), minute = Number(g[5] || 0), second = Number(g[6] || 0);
    var at = new Date(0);
    at.setUTCFullYear(year, month - 1, day);
    at.setUTCHours(hour, minute, second, 0);
    var offset = g[8] && g[8] !== 'Z' ? g[8] : '+00:00';
    var valid = year >= 1 && at.getUTCMonth() === month - 1 && at.getUTCDate() === day &&
      hour < 24 && minute < 60 && second < 60 && Number(offset.slice(1, 3)) < 24 &&
      Number(offset.slice(4)) < 60;
    if (!valid) bad(field, value, kind);
    if (!zone) return at;
    var sign = offset[0] === '-' ? -1 : 1;
    var minutes = Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4));
    var instant = at.getTime() - sign * minutes * 60000;
    return new Date(instant + zoneOffset(zone, instant));
  }
  // The offset of an IANA time zone at an instant, in milliseconds (the engine's ICU data).
  function zoneOffset(zone, instant) {
    var parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' })
      .formatToParts(new Date(instant));
    var name = parts.filter(function (p) { return p.type === 'timeZoneName'; })[0].value;
    var m = /^GMT([+-])([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?$/.exec(name);
    if (!m) return 0;  // "GMT"
    var seconds = Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4] || 0);
    return (m[1] === '-' ? -1 : 1) * seconds * 1000;
  }
  // s: {k: the kind, z: the time zone or null, p: the parts: texts, and [field, zero padding,
  // names] (month names January first, weekdays Monday first, periods am then pm)}.
  function when(at, s) {
    var hour = at.getUTCHours();
    var numbers = {
      year: at.getUTCFullYear(), year2: at.getUTCFullYear() % 100, month: at.getUTCMonth() + 1,
      day: at.getUTCDate(), hour: hour, hour12: hour % 12 || 12, hour11: hour % 12,
      hour24: hour || 24, minute: at.getUTCMinutes(), second: at.getUTCSeconds()
    };
    return s.p.map(function (part) {
      if (typeof part === 'string') return part;
      if (part[0] === 'month_name') return part[2][at.getUTCMonth()];
      if (part[0] === 'weekday') return part[2][(at.getUTCDay() + 6) % 7];
      if (part[0] === 'period') return part[2][hour >= 12 ? 1 : 0];
      return String(numbers[part[0]]).padStart(part[1], '0');
    }).join('');
  }
  // tk_format value field spec [currency currencyField currencies]: "" for missing or null.
  function format(value, field, spec, code, codeField, currencies) {
    if (value === undefined || value === null) return '';
    var s = JSON.parse(spec);
    if (s.k === 'date' || s.k === 'datetime' || s.k === 'time') {
      return when(moment(value, field, s.k, s.z), s);
    }
    var n = decimalOf(value, field, s.k);
    if (currencies !== undefined) return money(n, s, code, codeField, JSON.parse(currencies));
    return number(n, s, s.f, n.negative ? s.n : s.p);
  }
  Handlebars.registerHelper({
    tk_truthy: function (value) { return truthy(value); },
    tk_eq: function (value, literal) { return eq(value, literal); },
    tk_ne: function (value, literal) { return !eq(value, literal); },
    tk_not: function (a) { return !a; },
    tk_and: function (a, b) { return Boolean(a && b); },
    tk_or: function (a, b) { return Boolean(a || b); },
    tk_get: function (value) {
      var keys = Array.prototype.slice.call(arguments, 1, -1);
      for (var i = 0; i < keys.length; i++) value = get(value, keys[i]);
      return value;
    },
    tk_print: function (value) { return show(value); },
    tk_default: function (value, fallback) {
      return value === undefined || value === null ? fallback : show(value);
    },
    tk_escape: function (value) { return Handlebars.escapeExpression(text(value)); },
    tk_upper: function (value) { return text(value).toUpperCase(); },
    tk_lower: function (value) { return text(value).toLowerCase(); },
    tk_inc: function (n) { return n + 1; },
    tk_count: function (value) { return count(value); },
    tk_decimal: function (value) { return decimal(value); },
    tk_operand: function (value, which) { return operand(value, which); },
    tk_mod: function (n, m) { return n % m; },
    tk_lt: function (a, b) { return a < b; },
    tk_le: function (a, b) { return a <= b; },
    tk_gt: function (a, b) { return a > b; },
    tk_ge: function (a, b) { return a >= b; },
    // tk_url value [suffix [open [markup]]]: the value, or an inert URL if it is unsafe there.
    tk_url: function (value, suffix, open, markup) {
      if (arguments.length < 3) suffix = '';
      var safe = urlSafe(text(value) + suffix, open === true, markup === true);
      return safe ? value : 'about:invalid#tmplkit-unsafe-url';
    },
    // tk_format value field spec [currency currencyField currencies]: see format() above.
    tk_format: function (value, field, spec, code, codeField, currencies) {
      return arguments.length > 4 ? format(value, field, spec, code, codeField, currencies)
        : format(value, field, spec);
    }
  });
}
"""

HELPER_NAMES = (
    "tk_get",
    "tk_print",
    "tk_truthy",
    "tk_eq",
    "tk_ne",
    "tk_not",
    "tk_and",
    "tk_or",
    "tk_default",
    "tk_escape",
    "tk_upper",
    "tk_lower",
    "tk_inc",
    "tk_count",
    "tk_decimal",
    "tk_operand",
    "tk_mod",
    "tk_lt",
    "tk_le",
    "tk_gt",
    "tk_ge",
    "tk_url",
    "tk_format",
)

# Names a bare `{{name}}` would call as a helper instead of reading the data.
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


# --- handlebars.js ---------------------------------------------------------------------------


class HandlebarsEmitter(Emitter):
    formats_inline = True  # format filters only with --inline-formats
    name = "handlebars"
    summary = (
        "handlebars.js 4: plain handlebars for typed values (outputs, if/unless, each); "
        "tmplkit's tk_* helpers only where handlebars has no way to say a construct"
    )
    helpers: ClassVar[str | None] = (
        "the tk_* helpers the template calls, if any (comparisons, plural arithmetic, URL "
        "checks, upper/lower…: docs/targets.md; JavaScript source: "
        "tmplkit.targets.handlebars.HELPERS_JS), registered before compiling"
    )
    refuses: ClassVar[tuple[str, ...]] = (
        "a string literal ending in a backslash",
        "a loop variable named this, undefined or as",
    )
    escapes_in_brackets: ClassVar[bool] = True  # `[a\\]b]` reads as the key `a]b`
    # Whether the template's variable types let this target write plain handlebars where it is
    # exact for data of those types (handlebars.js only; docs/targets/handlebars.md says why).
    typed_forms: ClassVar[bool] = True
    _pos: ir.Pos = ir.NOWHERE

    # -- text and outputs --

    def visit_Text(self, node: ir.Text) -> str:
        return literal_text(node.text)

    def visit_Output(self, node: ir.Output) -> str:
        typed = self.typed_default(node)
        if typed is not None:
            return typed
        plan = escaping(node.value.filters, self.html)
        expr = self.value(node.value, plan, node.pos)
        if node.url is not None and isinstance(node.value.ref, ir.Path):
            expr = self.url_checked(expr, node.url, markup=not plan.at_output)
        return "{{" + body(expr) + "}}" if plan.at_output else "{{{" + body(expr) + "}}}"

    def typed_default(self, node: ir.Output) -> str | None:
        """`v|default("x")` without a helper, where the type of `v` allows: just `{{v}}` when
        the data always has it, `{{#if v includeZero=true}}{{v}}{{else}}x{{/if}}` for a number
        (for a string "" and for a boolean false are empty to {{#if}}: those keep tk_default).
        Only a leading default, followed by nothing but safe and escape."""
        value = node.value
        first, rest = (value.filters[0], value.filters[1:]) if value.filters else (None, ())
        if (
            first is None
            or first.name != "default"
            or any(f.name not in ("safe", "escape") for f in rest)
            or value.format is not None
            or node.url is not None
            or not isinstance(value.ref, ir.Path)
            or not self.typed(value.ref, PRINTS_AS_IS)
        ):
            return None
        printed = self.visit_Output(ir.Output(ir.Value(value.ref, rest), node.pos))
        if self.always_present(value.ref):
            return printed  # the default never applies
        if not self.typed(value.ref, DEFAULTS_AS_IS):
            return None
        arg = param(self.path(value.ref, node.pos)) + " includeZero=true"
        return block("if", arg, printed, literal_text(self.fallback(first.arg or "", rest)))

    def fallback(self, text: str, filters: tuple[ir.Filter, ...]) -> str:
        """The fallback as the reference prints it: through the filters after `default`, and
        HTML-escaped where the reference escapes (written as text, so no helper runs)."""
        return apply_steps(text, plan_filters(filters, self.html)[1])

    def typed(self, path: ir.Path, types: frozenset[str]) -> bool:
        """Whether the template's variable types give `path` one of `types` (and this target
        writes typed forms)."""
        var = self.variable(path) if self.typed_forms else None
        return var is not None and var.type in types

    def url_checked(self, expr: Expr, check: ir.UrlCheck, *, markup: bool) -> Expr:
        """`tk_url value [suffix [open [markup]]]`: the value, or INERT_URL if it is unsafe.
        A value escaped where it is printed is checked as it is; raw text as markup."""
        args = [string_literal(check.suffix) or '""', str(check.open).lower(), str(markup).lower()]
        while args and args[-1] in ('""', "false"):
            args.pop()
        return Call("tk_url", (expr, *args))

    def value(self, value: ir.Value, plan: Escaping, pos: ir.Pos) -> Expr:
        if value.format is not None:
            expr = self.formatted(value.format, value.ref, pos)
        else:
            expr = self.ref(value.ref, pos)
            if (
                isinstance(value.ref, ir.Path)
                and not any(f.name in PRINTING for f in value.filters)
                and not self.typed(value.ref, PRINTS_AS_IS)
            ):
                expr = self.printed(expr)
        for i, f in enumerate(value.filters):
            expr = self.escaped(expr, pos) if i == plan.in_place else self.filter(f, expr, pos)
        return expr

    def formatted(self, fmt: ir.Format, ref: ir.Ref, pos: ir.Pos) -> Expr:
        """`tk_format value "field" 'spec'`, and `currency "field" 'currencies'` for a currency
        read from the data: the locale's CLDR data expanded at compile time (i18n/formats.py),
        as JSON in a single-quoted string literal (its quotes written as JSON escapes)."""
        self.require_inline_formats(fmt, pos)
        locale = self.format_locale
        spec: dict[str, Any]
        try:
            if fmt.kind in formats.DATE_KINDS:
                date = formats.date_spec(fmt.kind, fmt.format, locale, fmt.tz)
                parts = [p if isinstance(p, str) else [p.name, p.pad, p.names] for p in date.parts]
                spec = {"k": fmt.kind, "z": fmt.tz, "p": parts}
            else:
                code = fmt.currency if isinstance(fmt.currency, str) else None
                number = formats.number_spec(fmt.kind, fmt.format, locale, code)
                spec = {
                    "k": fmt.kind,
                    "p": number.positive,
                    "n": number.negative,
                    "i": number.min_int,
                    "f": number.fraction,
                    "g": number.grouping,
                    "d": number.decimal,
                    "s": number.group,
                    "x": number.scale,
                }
        except formats.Unsupported as exc:
            raise self.refuse_format(fmt, pos, str(exc)) from None
        args = [self.ref(ref, pos), self.string(ref.dotted(), pos), json_literal(spec)]
        if isinstance(fmt.currency, ir.Path):
            table = formats.currency_table(locale)
            currencies = {"c": " ".join(table.codes), "s": table.symbols, "d": table.digits}
            field = self.string(fmt.currency.dotted(), pos)
            args += [self.ref(fmt.currency, pos), field, json_literal(currencies)]
        return Call("tk_format", tuple(args))

    def escaped(self, expr: Expr, pos: ir.Pos) -> Expr:
        """The value printed and HTML-escaped in place, for `upper`/`lower` to follow."""
        return Call("tk_escape", (expr,))

    def printed(self, expr: Expr) -> Expr:
        """A data value as the reference prints it (handlebars.js writes [] as "")."""
        return Call("tk_print", (expr,))

    def filter(self, f: ir.Filter, expr: Expr, pos: ir.Pos) -> Expr:
        """The value with one filter applied; `safe` and `escape` only decide escaping."""
        if f.name == "default":
            return Call("tk_default", (expr, self.string(f.arg or "", pos)))
        if f.name in ("upper", "lower"):
            return Call("tk_" + f.name, (expr,))
        return expr

    # -- references --

    def ref(self, ref: ir.Ref, pos: ir.Pos) -> Expr:
        if isinstance(ref, ir.LoopVar):
            return self.loop_var(ref, pos)
        return self.path(ref, pos)

    def loop_var(self, var: ir.LoopVar, pos: ir.Pos) -> Expr:
        if var.attr == "index":
            return Call("tk_inc", ("@index",))
        return {"index0": "@index", "first": "@first", "last": "@last"}[var.attr]

    def path(self, path: ir.Path, pos: ir.Pos) -> Expr:
        """A data path: loop variables by their block parameter, the rest from the data's root.

        From the first step handlebars.js could answer from something other than the data
        (`length`, or an index, which it would also look up in an object), the path is read
        by `tk_get`, which reads by key only, as the reference does.
        """
        root, parts = path.root, path.parts[1:]
        if any(loop.target == root for loop in self.loops):
            head = root
        elif self.loops:  # inside #each the context is the item: read the data from @root
            head = "@root." + self.segment(root, pos)
        elif root in BUILTIN_HELPERS or root in HELPER_NAMES:
            head = "this." + self.segment(root, pos)
        else:
            head = self.segment(root, pos)
        cut = next((i for i, p in enumerate(parts) if self.not_by_key(p)), len(parts))
        head += "".join("." + self.segment(p, pos) for p in parts[:cut])
        if cut == len(parts):
            return head
        return Call("tk_get", (head, *(self.literal(p, pos) for p in parts[cut:])))

    @staticmethod
    def not_by_key(part: ir.Segment) -> bool:
        """A step that handlebars.js may resolve other than by the data's own key."""
        return isinstance(part, int) or part == "length" or part.isdecimal()

    def segment(self, part: ir.Segment, pos: ir.Pos) -> str:
        """One step of a path: a name, or a `[segment literal]` for anything else."""
        if isinstance(part, int):
            return f"[{part}]"  # the parser takes only literal indexes: never negative
        if NAME_RE.match(part) and part not in LITERAL_WORDS:
            return part
        return self.bracket(part, pos)

    def bracket(self, key: str, pos: ir.Pos) -> str:
        """A segment literal `[key]`; handlebars.js reads `\\]` and `\\\\` inside it."""
        if self.escapes_in_brackets:
            return "[" + key.replace("\\", "\\\\").replace("]", "\\]") + "]"
        if "[" in key or "]" in key:
            raise self.refuse(
                "a key containing [ or ]",
                pos,
                f"{self.name} has no escape inside [segment literals]; rename the key in your data",
            )
        return "[" + key + "]"

    # -- literals --

    def string(self, text: str, pos: ir.Pos) -> str:
        lit = string_literal(text)
        if lit is None:
            raise self.refuse(
                "a string literal ending in a backslash",
                pos,
                "end the text with another character",
            )
        return lit

    def literal(self, value: ir.Literal_, pos: ir.Pos) -> str:
        if isinstance(value, str):
            return self.string(value, pos)
        lit = number_literal(value)
        if lit is None:
            raise AssertionError(f"the parser refuses the number {value}")
        return lit

    # -- blocks --

    def visit_If(self, node: ir.If) -> str:
        """`{{#if}}` or `{{#unless}}`, each further branch an `{{else if}}` or `{{else unless}}`
        (handlebars' chained blocks, closed by the first block's name); with `and`, `or` or
        `not` over typed values, nested blocks instead of helpers."""
        if any(self.nests(cond) for cond, _ in node.branches):
            return self.nested_if(node)
        out = opened = ""
        for i, (cond, branch) in enumerate(node.branches):
            helper, arg = self.test(cond, node.pos, alone=len(node.branches) == 1)
            out += ("{{#" if i == 0 else "{{else ") + helper + " " + arg + "}}" + self.emit(branch)
            opened = opened or helper
        if node.else_:
            out += "{{else}}" + self.emit(node.else_)
        return out + "{{/" + opened + "}}"

    def nested_if(self, node: ir.If) -> str:
        """The chain as nested standard blocks, from its last branch out: each `and`/`or`/`not`
        a block inside a block, a body written once per way to reach it."""
        out = self.emit(node.else_)
        for cond, branch in reversed(node.branches):
            out = self.branch(cond, self.emit(branch), out, node.pos)
        return out

    def nests(self, cond: ir.Cond) -> bool:
        """Whether `cond` combines, with `and`/`or`/`not`, only tests handlebars' own blocks make
        as the reference does (typed values, loop variables): then it needs no helper."""
        if isinstance(cond, ir.And | ir.Or):
            return self.plain_test(cond)
        return (
            isinstance(cond, ir.Not)
            and not isinstance(cond.expr, ir.Truthy)
            and (self.plain_test(cond.expr))
        )

    def plain_test(self, cond: ir.Cond) -> bool:
        if isinstance(cond, ir.Not):
            return self.plain_test(cond.expr)
        if isinstance(cond, ir.And | ir.Or):
            return self.plain_test(cond.left) and self.plain_test(cond.right)
        if not isinstance(cond, ir.Truthy):
            return False
        return isinstance(cond.ref, ir.LoopVar) or self.typed(cond.ref, TESTS_AS_IS)

    def branch(self, cond: ir.Cond, then: str, else_: str, pos: ir.Pos) -> str:
        """Template text that renders `then` when `cond` holds and `else_` otherwise."""
        if isinstance(cond, ir.Not):
            inner = cond.expr
            if isinstance(inner, ir.Truthy) and not self.always_true(inner):
                return block("unless", self.truth_arg(inner, pos), then, else_)
            return self.branch(inner, else_, then, pos)
        if isinstance(cond, ir.And):
            return self.branch(cond.left, self.branch(cond.right, then, else_, pos), else_, pos)
        if isinstance(cond, ir.Or):
            return self.branch(cond.left, then, self.branch(cond.right, then, else_, pos), pos)
        return self.leaf(cond, then, else_, pos)

    def leaf(self, cond: ir.Cond, then: str, else_: str, pos: ir.Pos) -> str:
        """One test of a nested chain: a plain value as it is, anything else by its helper."""
        if isinstance(cond, ir.Truthy) and self.always_true(cond):
            return then
        if isinstance(cond, ir.Truthy) and self.plain_test(cond):
            return block("if", self.truth_arg(cond, pos), then, else_)
        return block("if", param(self.condition(cond, pos)), then, else_)

    @staticmethod
    def always_true(cond: ir.Truthy) -> bool:
        """loop.index counts from 1."""
        return isinstance(cond.ref, ir.LoopVar) and cond.ref.attr == "index"

    def truth_arg(self, cond: ir.Truthy, pos: ir.Pos) -> str:
        """The argument of {{#if}} / {{#unless}}: the value itself."""
        ref = cond.ref
        return param(self.path(ref, pos) if isinstance(ref, ir.Path) else self.loop_var(ref, pos))

    def test(self, cond: ir.Cond, pos: ir.Pos, *, alone: bool) -> tuple[str, str]:
        """The block (`if` or `unless`) and its argument testing `cond`: a typed value as it
        is, where handlebars' own truthiness is the reference's; `not` alone as `unless`."""
        inner = cond.expr if isinstance(cond, ir.Not) else cond
        negated = inner is not cond
        if (
            isinstance(inner, ir.Truthy)
            and isinstance(inner.ref, ir.Path)
            and self.typed(inner.ref, TESTS_AS_IS)
        ):
            return "unless" if negated else "if", param(self.path(inner.ref, pos))
        if negated and alone:
            return "unless", param(self.condition(inner, pos))
        return "if", param(self.condition(cond, pos))

    def visit_For(self, node: ir.For) -> str:
        iterable = param(self.path(node.iterable, node.pos))  # read outside the loop's scope
        with self.inside(node):
            each = self.emit(node.body)
        return block("each", iterable + self.block_params(node), each, self.emit(node.else_))

    def block_params(self, node: ir.For) -> str:
        """` as |item|`: the loop variable keeps its name at any depth, as in the source."""
        if node.target in LITERAL_WORDS:  # any other Python name is a handlebars name too
            raise self.refuse(
                "a loop variable named this, undefined or as", node.pos, "rename the loop variable"
            )
        return f" as |{node.target}|"

    # -- conditions: each a boolean expression for {{#if}} --

    def condition(self, cond: ir.Cond, pos: ir.Pos) -> Expr:
        self._pos = pos  # where a refusal inside the condition points: its {% if %}
        return self.cond_expr(cond)

    def cond_expr(self, cond: ir.Cond) -> Expr:
        method = getattr(self, "cond_" + type(cond).__name__)
        result: Expr = method(cond)
        return result

    def cond_Truthy(self, cond: ir.Truthy) -> Expr:
        if isinstance(cond.ref, ir.LoopVar):
            # loop variables are numbers and booleans: handlebars' own truthiness is exact
            return "true" if cond.ref.attr == "index" else self.loop_var(cond.ref, self._pos)
        path = self.path(cond.ref, self._pos)
        # Inside tk_not, tk_and, tk_or: JavaScript's truthiness, the reference's for these types.
        return path if self.typed(cond.ref, PRINTS_AS_IS) else Call("tk_truthy", (path,))

    def cond_Compare(self, cond: ir.Compare) -> Expr:
        helper = "tk_eq" if cond.op == "==" else "tk_ne"
        return Call(helper, (self.ref(cond.ref, self._pos), self.literal(cond.literal, self._pos)))

    def cond_IsCount(self, cond: ir.IsCount) -> Expr:
        if isinstance(cond.ref, ir.LoopVar):  # index and index0 are counts, first and last not
            return "true" if cond.ref.attr in ("index", "index0") else "false"
        return Call("tk_count", (self.path(cond.ref, self._pos),))

    def cond_IsDecimal(self, cond: ir.IsDecimal) -> Expr:
        if isinstance(cond.ref, ir.LoopVar):  # loop variables are whole numbers or booleans
            return "false"
        return Call("tk_decimal", (self.path(cond.ref, self._pos),))

    def cond_NumberTest(self, cond: ir.NumberTest) -> Expr:
        # Only evaluated where tk_count holds: the value is a number (where tk_decimal holds,
        # a decimal, whose CLDR operand tk_operand reads).
        n = self.ref(cond.ref, self._pos)
        if cond.operand != "n":
            n = Call("tk_operand", (n, f'"{cond.operand}"'))
        if cond.mod:
            n = Call("tk_mod", (n, str(cond.mod)))
        return Call(NUMBER_OPS[cond.op], (n, str(cond.value)))

    def cond_Not(self, cond: ir.Not) -> Expr:
        return Call("tk_not", (self.cond_expr(cond.expr),))

    def cond_And(self, cond: ir.And) -> Expr:
        return Call("tk_and", (self.cond_expr(cond.left), self.cond_expr(cond.right)))

    def cond_Or(self, cond: ir.Or) -> Expr:
        return Call("tk_or", (self.cond_expr(cond.left), self.cond_expr(cond.right)))


# --- handlebars.java -------------------------------------------------------------------------


class HandlebarsJavaEmitter(HandlebarsEmitter):
    formats_inline = False  # it refuses the format filters whatever the flag
    """The same text as handlebars.js; only segment literals are stricter in handlebars.java."""

    name = "handlebarsjava"
    summary = "jknack handlebars.java 4, with tmplkit's tk_* helpers for exact semantics"
    helpers = (
        "TmplkitHelpers.register(handlebars): the tk_* helpers "
        "(Java source in docs/targets/handlebars.md)"
    )
    refuses = (*HandlebarsEmitter.refuses, "a key containing [ or ]")
    escapes_in_brackets = False  # its path splitter is \[[^\[\]]+], without escapes
    typed_forms = False  # handlebars.java's printing and truthiness are not proven here

    def formatted(self, fmt: ir.Format, ref: ir.Ref, pos: ir.Pos) -> Expr:
        # tk_format exists in JavaScript only: no Java engine here proves a Java twin.
        raise self.refuse_format(fmt, pos, "tk_format is a handlebars.js helper only")


# --- Mandrill --------------------------------------------------------------------------------


class MandrillHandlebarsEmitter(HandlebarsEmitter):
    formats_inline = False  # it refuses the format filters whatever the flag
    """Mandrill's handlebars: no custom helpers, backtick comparisons, built-in upper/lower.

    Conditions become nested standard blocks (`and` nests, `or` repeats the `then` text, `not`
    swaps the branches), so a body can appear more than once in the output; only comparisons use
    Mandrill's own syntax, ``{{#if `plan == "pro"`}}``. `default("x")` is an `{{#if}}` around
    the value, with the fallback as text; a plural rule compares the count with whole numbers
    only (`n > 1` is `n == 0` or `n == 1`), so that whatever is not a count takes the last form,
    as in the reference. docs/targets/handlebars.md lists where Mandrill's output differs.
    """

    name = "mandrillhandlebars"
    summary = (
        "Mandrill (Mailchimp Transactional) handlebars: built-in helpers only, "
        "backtick comparisons; Mandrill's truthiness ({} is true, default() also replaces "
        '"", 0, false and []); URLs from the data are not checked (compile warns)'
    )
    helpers = None
    refuses: ClassVar[tuple[str, ...]] = (
        "upper or lower after escape",
        "printing loop.index",
        "a comparison with a loop variable",
        "a comparison of a value from outside the loop",
        "an outer loop's variable inside a nested loop",
        'a comparison with a string holding " ` \\ { or }',
        "a key containing [ or ]",
        "a plural rule with %",
        "a plural rule that needs a type test",
        "a plural rule with forms for decimal counts",
    )
    escapes_in_brackets = False  # none documented
    typed_forms = False  # Mandrill's forms are plain already, with its own semantics
    # Who the refusal hints and warnings speak of (SendGrid, a subclass, says its own name),
    # and why a plural rule with % cannot be said.
    service: ClassVar[str] = "Mandrill"
    no_arithmetic: ClassVar[str] = "Mandrill's backtick comparisons have no arithmetic"

    # -- outputs --

    def visit_Output(self, node: ir.Output) -> str:
        """`default("x")` as `{{#if v}}{{v}}{{else}}x{{/if}}`; the value printed as Mandrill does.

        Only a leading `default` can apply: after any other filter the value is text, never
        missing or null, so a later `default` changes nothing (in the reference too).
        """
        value = node.value
        if value.format is not None:  # no helpers, no formatting: Mandrill has no way to say it
            raise self.refuse_format(value.format, node.pos, "Mandrill cannot register helpers")
        if node.url is not None and isinstance(value.ref, ir.Path):
            self.unchecked_url(value.ref)
        first = value.filters[0] if value.filters else None
        rest = tuple(f for f in value.filters if f.name != "default")
        printed = super().visit_Output(ir.Output(ir.Value(value.ref, rest), node.pos))
        if first is None or first.name != "default" or isinstance(value.ref, ir.LoopVar):
            return printed  # loop variables are never missing or null
        fallback = literal_text(self.fallback(first.arg or "", rest))
        return block("if", self.path(value.ref, node.pos), printed, fallback)

    def __init__(
        self, *, html: bool, file: str = "<template>", data: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(html=html, file=file, data=data)
        self.unchecked: list[str] = []  # fields printed where a URL starts, unchecked
        self.depth = 0  # emit() calls in progress: the part, and the bodies inside it

    def emit(self, body: ir.Body) -> str:
        """The part (or a body inside it: they are emitted by this method too); the part ends
        with one warning naming every field whose URL it could not check."""
        self.depth += 1
        try:
            text = super().emit(body)
        finally:
            self.depth -= 1
        if self.depth == 0 and self.unchecked:
            fields = ", ".join(dict.fromkeys(self.unchecked))
            self.unchecked = []
            self.warnings.append(
                f"{self.file}: the {self.name} target cannot check the URL scheme of {fields} "
                f"(hint: {self.service} has no string helpers; send only http, https, mailto, "
                "tel or sms URLs there, or compile for another target)"
            )
        return text

    def unchecked_url(self, path: ir.Path) -> None:
        """Mandrill has no helper that reads a string's start: a value that starts a URL is
        printed unchecked, and compiling says so (docs/targets/handlebars.md#urls)."""
        self.unchecked.append(path.dotted())

    def printed(self, expr: Expr) -> Expr:
        return expr  # Mandrill prints values its own way: no helper to change that

    def escaped(self, expr: Expr, pos: ir.Pos) -> Expr:
        raise self.refuse(
            "upper or lower after escape",
            pos,
            f"{self.service} cannot escape in the middle of a filter chain; put |escape last",
        )

    def filter(self, f: ir.Filter, expr: Expr, pos: ir.Pos) -> Expr:
        if f.name in ("upper", "lower"):
            return Call(f.name, (expr,))  # Mandrill's built-in helpers
        return expr  # default is handled by visit_Output; safe and escape decide the tag

    def loop_var(self, var: ir.LoopVar, pos: ir.Pos) -> Expr:
        if var.attr == "index":
            raise self.refuse(
                "printing loop.index",
                pos,
                f"{self.service} cannot add 1 to @index; print loop.index0, or number the items in "
                "your data",
            )
        return super().loop_var(var, pos)

    # -- references: the loop item is `this`, everything else comes from @root --

    def path(self, path: ir.Path, pos: ir.Pos) -> str:
        rest = "".join("." + self.segment(p, pos) for p in path.parts[1:])
        root = path.root
        for depth, loop in enumerate(reversed(self.loops)):
            if loop.target == root:
                if depth:
                    raise self.refuse(
                        "an outer loop's variable inside a nested loop",
                        pos,
                        f"{self.service} has no block parameters; copy {root}'s value into each "
                        "item of the inner list in your data",
                    )
                return "this" + rest
        head = self.segment(root, pos)
        # Always qualified: Mandrill's built-in helpers (title, url, …) shadow bare names.
        return ("@root." if self.loops else "this.") + head + rest

    def block_params(self, node: ir.For) -> str:
        return ""

    # -- conditions: nested standard blocks around backtick comparisons --

    def visit_If(self, node: ir.If) -> str:
        if is_plural_guard(node.branches[0][0]):
            return self.plural(node)
        return self.nested_if(node)

    def plural(self, node: ir.If) -> str:
        """A plural chain (i18n/plural.py) without its first test, "not a count → last form".

        Mandrill cannot tell a count from other values, but the rule's tests are written as
        `==` comparisons with whole numbers, which nothing but such a number passes: whatever
        is not a count then goes where a count larger than every number in the rule goes. That
        must be the last form, as the first test wants; it is for the rules without `%`
        whose decimal counts all take the last form too (not French's `i = 0,1`: 1.5 is one).
        """
        (_, last), *tests = node.branches
        rest = ir.If(tuple(tests), node.else_, node.pos)
        out = self.visit_If(rest) if tests else self.emit(node.else_)  # refuses `%` first
        if any(isinstance(n, ir.If) for n in last):  # (i18n/plural.py: IsDecimal, its forms)
            raise self.refuse_plural(
                "a plural rule with forms for decimal counts",
                "which gives decimal counts forms of their own",
                node.pos,
                f"{self.service} cannot tell a decimal count such as 1.5 from a whole one; choose "
                "the plural form before sending",
            )
        big = 1 + max((t.value for t in number_tests(node)), default=0)
        if chosen(tuple(tests), node.else_, big) != last:
            raise self.refuse_type_test(node.pos)
        return out

    def leaf(self, cond: ir.Cond, then: str, else_: str, pos: ir.Pos) -> str:
        """One test: a backtick comparison, a count's `==` tests, or the value itself."""
        if isinstance(cond, ir.Compare):
            return block("if", self.comparison(cond, pos), then, else_)
        if isinstance(cond, ir.NumberTest):
            return self.count_test(cond, then, else_, pos)
        if isinstance(cond, ir.IsCount | ir.IsDecimal):  # first in a plural chain, handled there
            raise self.refuse_type_test(pos)
        assert isinstance(cond, ir.Truthy), cond  # and/or/not are branch()'s
        if self.always_true(cond):
            return then
        return block("if", self.truth_arg(cond, pos), then, else_)

    def count_test(self, test: ir.NumberTest, then: str, else_: str, pos: ir.Pos) -> str:
        """A plural test on a count as `==` comparisons: `n < 3` is n == 0, 1 or 2."""
        if test.mod is not None:
            raise self.refuse_plural(
                "a plural rule with %",
                "which needs %",
                pos,
                f"{self.no_arithmetic}; choose the plural form "
                "before sending, or compile for a locale whose rule only compares the count, "
                "such as en, de or ja",
            )
        values, negated = count_values(test)
        if negated:
            then, else_ = else_, then
        out = else_
        for value in reversed(values):
            equal = self.comparison(ir.Compare(test.ref, "==", value), pos)
            out = block("if", equal, then, out)
        return out

    def refuse_type_test(self, pos: ir.Pos) -> CompileError:
        return self.refuse_plural(
            "a plural rule that needs a type test",
            "which needs a type test",
            pos,
            "large counts and values that are not counts take different forms, and "
            f"{self.service} cannot tell them apart; choose the plural form before sending",
        )

    def refuse_plural(self, construct: str, which: str, pos: ir.Pos, hint: str) -> CompileError:
        """A refusal that names the locale whose rule it is, when the compile knows it."""
        if self.locale is None:
            return self.refuse(construct, pos, hint)
        return self.refuse(construct, pos, hint, f"the {self.locale} plural rule, {which}")

    def comparison(self, cond: ir.Compare, pos: ir.Pos) -> str:
        """Mandrill's ``\\`path == "literal"\\``` condition, with the path as documented: bare."""
        if isinstance(cond.ref, ir.LoopVar):
            raise self.refuse(
                "a comparison with a loop variable",
                pos,
                "test loop.first or loop.last, or compare a value of the item",
            )
        path = self.path(cond.ref, pos)
        if path.startswith("@root."):
            raise self.refuse(
                "a comparison of a value from outside the loop",
                pos,
                f"{self.service}'s backtick comparisons read the loop item; compare before the "
                "loop, or copy the value into each item",
            )
        bare = path.removeprefix("this.")
        literal = cond.literal
        if isinstance(literal, str):
            if re.search(r'["`\\{}]', literal):
                raise self.refuse(
                    'a comparison with a string holding " ` \\ { or }',
                    pos,
                    f"{self.service} documents no escapes inside backtick conditions",
                )
            text = f'"{literal}"'
        else:
            text = self.literal(literal, pos)
        return f"`{bare} {cond.op} {text}`"


# --- plural rules for Mandrill: comparisons with whole numbers only ------------------------------


def is_plural_guard(cond: ir.Cond) -> bool:
    """The first test of a plural chain: "not a count" (i18n/plural.py's select_form)."""
    return isinstance(cond, ir.Not) and isinstance(cond.expr, ir.IsCount)


def count_values(test: ir.NumberTest) -> tuple[list[int], bool]:
    """The counts (whole numbers >= 0) a test holds for, as a finite list and whether the test
    holds for those (False) or for all the others (True): `n > 1` is ([0, 1], True)."""
    k = test.value
    return {
        "==": ([k], False),
        "!=": ([k], True),
        "<": (list(range(k)), False),
        "<=": (list(range(k + 1)), False),
        ">": (list(range(k + 1)), True),
        ">=": (list(range(k)), True),
    }[test.op]


def number_tests(node: ir.If) -> list[ir.NumberTest]:
    """Every count test of a plural chain, nested decisions included."""

    def of(cond: ir.Cond) -> list[ir.NumberTest]:
        if isinstance(cond, ir.NumberTest):
            return [cond]
        if isinstance(cond, ir.Not):
            return of(cond.expr)
        if isinstance(cond, ir.And | ir.Or):
            return of(cond.left) + of(cond.right)
        return []

    found: list[ir.NumberTest] = []
    for n in ir.walk((node,)):
        if isinstance(n, ir.If):
            for cond, _ in n.branches:
                found += of(cond)
    return found


def chosen(branches: tuple[tuple[ir.Cond, ir.Body], ...], else_: ir.Body, n: int) -> ir.Body:
    """The form a plural chain gives the count n, through nested decisions."""
    body = next((b for cond, b in branches if holds(cond, n)), else_)
    if len(body) == 1 and isinstance(body[0], ir.If):  # a nested decision; forms have no ifs
        return chosen(body[0].branches, body[0].else_, n)
    return body


def block(helper: str, arg: str, then: str, else_: str) -> str:
    """`{{#helper arg}}then{{else}}else{{/helper}}`, without an empty else."""
    out = "{{#" + helper + " " + arg + "}}" + then
    if else_:
        out += "{{else}}" + else_
    return out + "{{/" + helper + "}}"


__all__ = [
    "HELPERS_JS",
    "HELPER_NAMES",
    "HandlebarsEmitter",
    "HandlebarsJavaEmitter",
    "MandrillHandlebarsEmitter",
    "escaping",
    "literal_text",
]
