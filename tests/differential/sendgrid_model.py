"""A model of the helpers SendGrid's dynamic templates add to handlebars, for handlebars.js.

SendGrid's engine is not available; its documentation describes each helper it adds with a
template, test data and the resulting HTML:
https://www.twilio.com/docs/sendgrid/for-developers/sending-email/using-handlebars
(the page's "Handlebars reference": formatDate, insert, greaterThan, lessThan, equals,
notEquals, and, or, length). `MODEL_JS` registers those helpers in handlebars.js as the page
describes them; `if`, `unless`, `each` and `with` are handlebars' own. Where the page says
nothing, the model chooses, and docs/targets/sendgrid.md lists the choice as unproven:

- `equals`/`notEquals` "attempt to coerce data types" (`{{#equals 3 "3"}}` is true): between
  strings, numbers and booleans the model compares as JavaScript's `==` does; a list, an object,
  null or a missing value equals only itself.
- `and`/`or`: "empty strings, zero integers, and zero floating point numbers evaluate to false",
  and the page's examples make true true and false false; the model reads every other value as
  handlebars' `{{#if}}` does (missing, null and [] false).
- `formatDate`: a number is epoch milliseconds; the tokens are the page's table, English names,
  `HH`/`H` the 24-hour clock (the table's "00" for 3 PM is read as a typo); an offset is
  `-0800` or `-08:00`.
- `insert`: the fallback replaces a missing or null value, with or without `default=`.
- `length`: characters are code points.
"""

from __future__ import annotations

DOC_URL = "https://www.twilio.com/docs/sendgrid/for-developers/sending-email/using-handlebars"

MODEL_JS = """\
function (Handlebars) {
  'use strict';  // a block's context stays as the data holds it: a string item is not boxed
  function primitive(v) {
    return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
  }
  function equal(a, b) {
    return primitive(a) && primitive(b) ? a == b : a === b;
  }
  function truthy(v) {
    if (Array.isArray(v)) return v.length > 0;
    return Boolean(v);
  }
  function choose(test, context, options) {
    return test ? options.fn(context) : options.inverse(context);
  }
  var MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August',
    'September', 'October', 'November', 'December'];
  var DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
  var TOKENS = /YYYY|YY|MMMM|MMM|MM|M|DD|D|dddd|ddd|hh|h|HH|H|mm|m|ss|s|A|ZZ|Z/g;
  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function formatDate(value, format, offset) {
    var at = new Date(value);
    var minutes = 0;
    var m = typeof offset === 'string' ? /^([+-])([0-9]{2}):?([0-9]{2})$/.exec(offset) : null;
    if (m) minutes = (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
    var t = new Date(at.getTime() + minutes * 60000);
    var sign = minutes < 0 ? '-' : '+', abs = Math.abs(minutes);
    var hh = pad(Math.floor(abs / 60)), mm = pad(abs % 60);
    var hour = t.getUTCHours();
    var parts = {
      YYYY: String(t.getUTCFullYear()), YY: String(t.getUTCFullYear()).slice(-2),
      MMMM: MONTHS[t.getUTCMonth()], MMM: MONTHS[t.getUTCMonth()].slice(0, 3),
      MM: pad(t.getUTCMonth() + 1), M: String(t.getUTCMonth() + 1),
      DD: pad(t.getUTCDate()), D: String(t.getUTCDate()),
      dddd: DAYS[t.getUTCDay()], ddd: DAYS[t.getUTCDay()].slice(0, 3),
      hh: pad(hour % 12 || 12), h: String(hour % 12 || 12), HH: pad(hour), H: String(hour),
      mm: pad(t.getUTCMinutes()), m: String(t.getUTCMinutes()),
      ss: pad(t.getUTCSeconds()), s: String(t.getUTCSeconds()),
      A: hour < 12 ? 'AM' : 'PM', ZZ: sign + hh + mm, Z: sign + hh + ':' + mm
    };
    return String(format).replace(TOKENS, function (token) { return parts[token]; });
  }
  Handlebars.registerHelper({
    equals: function (a, b, options) { return choose(equal(a, b), this, options); },
    notEquals: function (a, b, options) { return choose(!equal(a, b), this, options); },
    greaterThan: function (a, b, options) { return choose(a > b, this, options); },
    lessThan: function (a, b, options) { return choose(a < b, this, options); },
    and: function (a, b, options) { return choose(truthy(a) && truthy(b), this, options); },
    or: function (a, b, options) { return choose(truthy(a) || truthy(b), this, options); },
    length: function (v) {
      if (typeof v === 'string') return Array.from(v).length;
      return Array.isArray(v) ? v.length : 0;
    },
    insert: function (value, fallback) {
      if (value !== undefined && value !== null) return value;
      return String(fallback).replace(/^default=/, '');
    },
    formatDate: function (value, format, offset) {
      return formatDate(value, format, arguments.length > 3 ? offset : undefined);
    }
  });
}
"""

# The helpers the page documents: tmplkit's sendgrid text may call these and handlebars' own.
DOCUMENTED_HELPERS = frozenset(
    {
        "if",
        "unless",
        "each",
        "with",
        "equals",
        "notEquals",
        "greaterThan",
        "lessThan",
        "and",
        "or",
        "length",
        "formatDate",
        "insert",
    }
)
