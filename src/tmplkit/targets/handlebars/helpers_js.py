"""The tk_* helpers a handlebars.js sender registers: their JavaScript source and their names."""

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
