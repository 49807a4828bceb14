"""The cheetah target: Cheetah 3 source, rendered with `Template(source, searchList=[data])`.

Cheetah fails on a missing name, prints booleans as `True`/`False` and floats as `2.0`, and
escapes nothing. So the emitted template reads the data through a few one-line helpers it
defines itself with `#set` (plain Python lambdas, nothing to register): `tk_var('user', 'name')`
looks a path up in the data (the searchList's dictionaries) without ever failing, `tk_html` and
`tk_text` print a value like the reference (escaped in HTML parts). Conditions and loops are
ordinary `#if`/`#for` directives over those values; literal text escapes `$` and `#`.
With the template's variable types, a path the data always has reads as `$user.first_name`, one
it may lack as `$getVar('user.first_name', None)` (Cheetah's own lookups), wherever Cheetah prints
or tests values of that type as the reference does; one whose root or key those lookups would
misread (`request`, which the Template object answers first; `items`, a dict's) as
`tk_at('request', 'city')`, the data's value by key. See docs/targets/cheetah.md.
"""

from __future__ import annotations

import builtins
import keyword
import re
from collections.abc import Mapping
from typing import Any

from ..i18n import formats
from ..template import ir
from ..urls import INERT_URL
from .base import InfixConditions

# How Cheetah's output filter and tk_text print a value that is not missing or null as the
# reference does: true and false, 3 for 3.0, anything else with str().
TEXT = (
    "str(v).lower() if type(v) is bool else str(int(v)) if isinstance(v, float) "
    "and v.is_integer() and abs(v) < 2**53 else str(v)"
)
# The reference's HTML escaping (markupsafe's): & < > " ' as &amp; &lt; &gt; &#34; &#39;
ESCAPE = ".translate({38: '&amp;', 60: '&lt;', 62: '&gt;', 34: '&#34;', 39: '&#39;'})"
# A URL text that may be printed, from its start (tabs and line breaks removed first): leading
# blanks and controls, then no scheme, an allowed one, or a data: image (urls.unsafe_scheme).
SAFE_URL = (
    r"(?i)[\x00-\x20]*(?![\x00-\x20])(?:(?![a-z][a-z0-9+.-]*:)|(?:https?|mailto|tel|sms):"
    r"|data:image/(?:png|gif|jpe?g|webp|bmp|avif);base64,)"
)

# The helpers an emitted template defines for itself, in dependency order. Each is one `#set`
# directive on its own line: Cheetah swallows such lines whole, so they print nothing.
HELPERS: dict[str, str] = {
    "tk_data": "[ns for ns in self.searchList() if isinstance(ns, dict)]",
    # false, equal to nothing, printed as "" (by the output filter's str())
    "tk_missing": (
        "type('Missing', (), {'__bool__': lambda self: False, '__str__': lambda self: ''})()"
    ),
    "tk_get": (
        "lambda obj, key: obj.get(key, tk_missing) if isinstance(obj, dict) "
        "else obj[key] if isinstance(key, int) and isinstance(obj, (list, str)) "
        "and -len(obj) <= key < len(obj) else tk_missing"
    ),
    "tk_path": "lambda obj, *keys: tk_path(tk_get(obj, keys[0]), *keys[1:]) if keys else obj",
    "tk_var": (
        "lambda key, *keys: tk_path(next((ns[key] for ns in tk_data if key in ns), tk_missing), "
        "*keys)"
    ),
    "tk_text": f"lambda v: '' if v is None or v is tk_missing else {TEXT}",
    # A typed path Cheetah's lookups cannot read (its root is a name the Template object, the
    # generated code or a dict answers first, or a key is no plain name): the data's value by
    # key, None where a step is missing or null (the output filter prints nothing for None).
    "tk_at": (
        "lambda k, *p: __import__('functools').reduce(lambda v, q: (v or {}).get(q), p, "
        "next((n[k] for n in self.searchList() if isinstance(n, dict) and k in n), None))"
    ),
    "tk_escape": f"lambda s: s{ESCAPE}",
    "tk_default": "lambda v, fallback: fallback if v is None or v is tk_missing else v",
    "tk_list": "lambda v: list(v or ())",
    "tk_count": (
        "lambda v: (isinstance(v, int) and not isinstance(v, bool) "
        "or isinstance(v, float) and v.is_integer()) and v >= 0"
    ),
    # A decimal count (a number > 0 with a fraction) and its CLDR operands, from its digits.
    "tk_decimal": "lambda v: isinstance(v, float) and not v.is_integer() and v > 0",
    "tk_operand": (
        "lambda v, o: int(v) if o == 'i' else len(str(v).partition('.')[2]) if o == 'v' "
        "else int(str(v).partition('.')[2])"
    ),
    # URL checks (urls.unsafe_scheme, the same reading): `tk_url(text, suffix, open, decode)`,
    # the match of SAFE_URL (or None) on the text without tabs and line breaks.
    "tk_re": "__import__('re')",
    "tk_url": (
        "lambda v, sfx='', opn=False, dec=False: (lambda t: not (opn and tk_re.match("
        "r'[\\x00-\\x20]*:', t)) and tk_re.match(r'" + SAFE_URL + "', t))(((__import__('html')"
        ".unescape(v) if dec else v) + sfx).translate({9: None, 10: None, 13: None}))"
    ),
    # Values in the reader's locale (format_date, format_currency, …): the locale's CLDR data
    # is expanded at compile time into `tk_fmt<N>` tuples (i18n/formats.py: NumberSpec,
    # DateSpec); these read a value as the reference does and print it with that data.
    "tk_decimal_mod": "__import__('decimal')",
    "tk_context": (
        "tk_decimal_mod.Context(prec=4000, rounding=tk_decimal_mod.ROUND_HALF_EVEN, "
        "Emax=1000000, Emin=-1000000)"
    ),
    "tk_fail": "lambda message: (_ for _ in ()).throw(ValueError(message))",
    # The reference's FormatError, word for word (formats.shown, formats.EXPECTED).
    "tk_shown": (
        "lambda v: (lambda t: t if len(t) <= 60 else t[:57] + '\u2026')(__import__('json').dumps("
        "None if v is tk_missing else v, ensure_ascii=False, default=str))"
    ),
    "tk_expected": repr(dict(formats.EXPECTED)),
    "tk_bad": (
        "lambda f, v, k: tk_fail(f + ': ' + tk_shown(v) + ' is not ' + tk_expected[k][0] + "
        "' (hint: send ' + tk_expected[k][0] + ' such as ' + tk_expected[k][1] + ')')"
    ),
    "tk_number_of": (
        "lambda v, f, k: tk_decimal_mod.Decimal(v) if type(v) is int "
        "else tk_decimal_mod.Decimal(repr(v)) if type(v) is float "
        "else tk_decimal_mod.Decimal(v) if type(v) is str "
        "and tk_re.fullmatch('-?[0-9]+(?:[.][0-9]+)?', v) else tk_bad(f, v, k)"
    ),
    "tk_group": (
        "lambda i, size, then, sep: tk_group(i[:-size], then, then, sep) + sep + i[-size:] "
        "if len(i) > size else i"
    ),
    "tk_fraction": (
        "lambda f, lo, sep: (lambda x: sep + x if x else '')(f[:lo] + f[lo:].rstrip('0'))"
    ),
    # s: (positive prefix, suffix, negative prefix, suffix, min integer digits, (min, max)
    # fraction digits, (primary, secondary) grouping or None, decimal and group separators,
    # scale, kind); rounded half to even on the exact decimal digits.
    "tk_number_text": (
        "lambda d, s: (lambda i, f, t: t[0] + (tk_group(i.zfill(s[4]), s[6][0], s[6][1], s[8]) "
        "if s[6] else i.zfill(s[4])) + tk_fraction(f, s[5][0], s[7]) + t[1])(*format(d.copy_abs()"
        ".scaleb(s[9], "
        "tk_context).quantize(tk_decimal_mod.Decimal(1).scaleb(-s[5][1]), context=tk_context), "
        "'f').partition('.')[::2], s[2:4] if d < 0 else s[0:2])"
    ),
    "tk_number": (
        "lambda v, f, s: '' if v is None or v is tk_missing "
        "else tk_number_text(tk_number_of(v, f, s[10]), s)"
    ),
    # A currency from the data: its code checked, its symbol and digits from tk_currencies.
    "tk_code": (
        "lambda c, f: c if type(c) is str and c in tk_currencies[0] "
        "else tk_fail(f + ': ' + tk_shown(c) + ' is not an ISO 4217 currency code '"
        "'(hint: send a code such as \"EUR\")')"
    ),
    "tk_priced": (
        "lambda s, c: tuple(t.replace('¤¤', c).replace('¤', tk_currencies[1].get(c, c)) "
        "for t in s[:4]) + (s[4], (tk_currencies[2].get(c, 2),) * 2) + s[6:]"
    ),
    "tk_money": (
        "lambda v, f, s, c, cf: '' if v is None or v is tk_missing "
        "else (lambda d: tk_number_text(d, tk_priced(s, tk_code(c, cf))))("
        "tk_number_of(v, f, s[10]))"
    ),
    "tk_datetime_mod": "__import__('datetime')",
    # An ISO 8601 date, datetime or time as (year, month, day, hour, minute, second, fraction,
    # offset) strings; a time alone leaves the date's three empty.
    "tk_iso": (
        "lambda v: (tk_re.fullmatch('([0-9]{4})-([0-9]{2})-([0-9]{2})(?:T([0-9]{2}):([0-9]{2})"
        "(?::([0-9]{2})(?:[.]([0-9]{1,9}))?)?(Z|[+-][0-9]{2}:[0-9]{2})?)?', v) or tk_re.fullmatch("
        "'()()()([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:[.]([0-9]{1,9}))?)?(Z|[+-][0-9]{2}:[0-9]{2})?',"
        " v)) if type(v) is str else None"
    ),
    "tk_valid": (
        "lambda g: (not g[0] or int(g[0]) >= 1 and 1 <= int(g[1]) <= 12 and 1 <= int(g[2]) <= "
        "__import__('calendar').monthrange(int(g[0]), int(g[1]))[1]) and (g[3] is None or "
        "int(g[3]) < 24 and int(g[4]) < 60 and int(g[5] or 0) < 60 and (g[7] in (None, 'Z') or "
        "int(g[7][1:3]) < 24 and int(g[7][4:]) < 60))"
    ),
    "tk_offset": (
        "lambda z: None if z is None else tk_datetime_mod.timezone.utc if z == 'Z' else "
        "tk_datetime_mod.timezone((-1 if z[0] == '-' else 1) * tk_datetime_mod.timedelta("
        "hours=int(z[1:3]), minutes=int(z[4:])))"
    ),
    # What each kind reads: a date (or a datetime's date), a datetime, a time (or a datetime's).
    "tk_moment": (
        "lambda v, f, k, tz: (lambda m: (lambda g: tk_zoned(tk_datetime_mod.datetime(int(g[0] or "
        "2000), int(g[1] or 1), int(g[2] or 1), int(g[3] or 0), int(g[4] or 0), int(g[5] or 0), "
        "tzinfo=tk_offset(g[7])), tz) if (g[0] if k == 'date' else g[3] is not None and (g[0] or "
        "k == 'time')) and tk_valid(g) else tk_bad(f, v, k))(m.groups() if m else (None,) * 8))("
        "tk_iso(v))"
    ),
    "tk_zoned": (
        "lambda m, tz: m if tz is None else (m if m.tzinfo else m.replace(tzinfo="
        "tk_datetime_mod.timezone.utc)).astimezone(__import__('zoneinfo').ZoneInfo(tz))"
    ),
    "tk_date_part": (
        "lambda p, m: p if isinstance(p, str) else p[2][m.month - 1] if p[0] == 'month_name' "
        "else p[2][m.weekday()] if p[0] == 'weekday' else p[2][m.hour >= 12] if p[0] == 'period' "
        "else str({'year': m.year, 'year2': m.year % 100, 'month': m.month, 'day': m.day, "
        "'hour': m.hour, 'hour12': m.hour % 12 or 12, 'hour11': m.hour % 12, 'hour24': m.hour or "
        "24, 'minute': m.minute, 'second': m.second}[p[0]]).zfill(p[1])"
    ),
    # s: (kind, time zone or None, parts): texts, and (field, zero padding, names) fields.
    "tk_when": (
        "lambda v, f, s: '' if v is None or v is tk_missing else (lambda m: ''.join(tk_date_part("
        "p, m) for p in s[2]))(tk_moment(v, f, s[0], s[1]))"
    ),
}
NEEDS: dict[str, tuple[str, ...]] = {
    "tk_get": ("tk_missing",),
    "tk_path": ("tk_get",),
    "tk_var": ("tk_data", "tk_missing", "tk_path"),
    "tk_text": ("tk_missing",),
    "tk_default": ("tk_missing",),
    "tk_url": ("tk_re",),
    "tk_context": ("tk_decimal_mod",),
    "tk_shown": ("tk_missing",),
    "tk_bad": ("tk_fail", "tk_shown", "tk_expected"),
    "tk_number_of": ("tk_decimal_mod", "tk_re", "tk_bad"),
    "tk_number_text": ("tk_context", "tk_group", "tk_fraction"),
    "tk_number": ("tk_missing", "tk_number_of", "tk_number_text"),
    "tk_code": ("tk_fail", "tk_shown"),
    "tk_money": ("tk_missing", "tk_number_of", "tk_number_text", "tk_priced", "tk_code"),
    "tk_iso": ("tk_re",),
    "tk_offset": ("tk_datetime_mod",),
    "tk_moment": ("tk_iso", "tk_valid", "tk_offset", "tk_zoned", "tk_bad"),
    "tk_zoned": ("tk_datetime_mod",),
    "tk_when": ("tk_missing", "tk_moment", "tk_date_part"),
}

# Names a loop variable must not take: they would shadow Python builtins the helpers use, or
# the names Cheetah's generated respond() method and module rely on.
CHEETAH_NAMES = frozenset(
    {
        *("self", "trans", "write", "SL", "VFFSL", "VFSL", "VFN", "NotFound", "valueForName"),
        *("valueFromSearchList", "valueFromFrameOrSearchList", "currentTime", "getmtime"),
        *("exists", "os", "sys", "time", "types", "unicode", "builtin", "Template"),
        *("CacheRegion", "Filters", "ErrorCatchers", "RequiredCheetahVersion"),
        *("RequiredCheetahVersionTuple", "DummyTransaction", "DummyResponse"),
        *("DummyResponseFailure", "TransformerTransaction", "TransformerResponse", "logging"),
    }
)
PY_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
# Variable types (variables.py) that are strings: printed as they are (Cheetah prints null as
# ""); the output filter prints the others (true, 3 for 3.0) as the reference does.
PRINTS_AS_IS = frozenset({"string", "date", "datetime"})
# What a Template instance answers before the data in its search list (its public attributes,
# Cheetah 3.4): a typed path from a root of such a name reads through tk_at.
TEMPLATE_NAMES = frozenset(
    {
        *("NonNumericInputError", "Reserved_SearchList", "application", "compile"),
        *("errorCatcher", "generatedClassCode", "generatedModuleCode", "getCacheRegion"),
        *("getCacheRegions", "getFileContents", "getVar", "hasVar", "i18n", "refreshCache"),
        *("request", "respond", "runAsMainProgram", "searchList", "serverSidePath", "session"),
        *("shutdown", "sleep", "subclass", "transaction", "varExists", "webInput", "filter"),
    }
)
# A typed path's lookup alone, which `${…}` takes without its `$`.
LOOKUP_RE = re.compile(r"\$(?:[A-Za-z][A-Za-z0-9_.]*|getVar\('[A-Za-z0-9_.]*', None\))")

# Text hazards beyond `$` and `#`: `#` before the end of a line is Cheetah's EOL slurp token
# (even escaped), `<%` opens a PSP block, and a backslash before the next tag would escape it.
# A `#` inside the text before a word (a CSS colour, a URL's fragment) is left bare unless the
# word is a directive's name: Cheetah reads it as text. Not first in a text, which may follow a
# directive's closing `#` (`##` starts a comment), nor after a backslash (`\#` is an escape).
TEXT_RE = re.compile(
    r"(?P<eol>#(?=[ \t\f]*(?:\r\n|\n|\r)))|(?P<psp><%)|(?P<tail>\\+\Z)"
    r"|(?P<word>(?<=[^\\])#(?=[A-Za-z0-9_-]))|[$#]"
)
# The word after a `#` as Cheetah's parser reads it, and the directives it would start (Cheetah
# 3.4, Parser.directiveNamesAndParsers): only the whole word names a directive.
DIRECTIVE_WORD_RE = re.compile(r"[A-Za-z0-9_@-]*")
CHEETAH_DIRECTIVES = frozenset(
    {
        *("import", "from", "extends", "implements", "super", "slurp", "raw", "include"),
        *("cache", "filter", "echo", "silent", "transform", "call", "arg", "capture", "attr"),
        *("def", "block", "defmacro", "closure", "set", "del", "if", "while", "for", "else"),
        *("elif", "pass", "break", "continue", "stop", "return", "yield", "repeat", "unless"),
        *("assert", "raise", "try", "except", "finally", "errorCatcher", "breakpoint"),
        *("compiler", "compiler-settings", "shBang", "encoding", "end"),
    }
)
DIRECTIVE_AT_END_RE = re.compile(
    r"(?:\A|[\r\n])([^\r\n]*?)(?:#end (?:if|for)#(?:#end filter#)?|#end filter#)\Z"
)
# A placeholder that reads a name or a dotted path, and what would continue it if it followed.
BRACED_NAME_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\}")
NAME_CONTINUES_RE = re.compile(r"[A-Za-z0-9_.(\[{]")


def cheetah_text(text: str) -> str:
    """Literal text as Cheetah source that prints it verbatim."""

    def sub(m: re.Match[str]) -> str:
        if m.group("eol"):
            return "${'#'}"
        if m.group("psp"):
            return "<${'%'}"
        if m.group("tail"):
            return "${" + repr(m.group()) + "}"
        if m.group("word"):
            word = DIRECTIVE_WORD_RE.match(text, m.end())
            return "#" if word is None or word.group() not in CHEETAH_DIRECTIVES else "\\#"
        return "\\" + m.group()

    return TEXT_RE.sub(sub, text)


def unbraced(placeholder: str, after: str) -> str:
    """`${user.name}` as `$user.name` where the text `after` it cannot continue the name."""
    name = BRACED_NAME_RE.fullmatch(placeholder)
    if name and not NAME_CONTINUES_RE.match(after[:1]):
        return "$" + name.group(1)
    return placeholder


def unsafe_name(name: str) -> bool:
    """True if a loop variable's name cannot be used as the Python local as it is."""
    return (
        not PY_NAME_RE.match(name)
        or name.startswith("tk")
        or keyword.iskeyword(name)
        or keyword.issoftkeyword(name)
        or name in CHEETAH_NAMES
        or hasattr(builtins, name)
    )


class CheetahEmitter(InfixConditions):
    formats_inline = True  # format filters only with --inline-formats
    name = "cheetah"
    summary = (
        "Cheetah 3, Template(source, searchList=[data]); self-contained: an escaping #filter "
        "and #set helpers only where the template needs them"
    )
    helpers = None

    def __init__(
        self, *, html: bool, file: str = "<template>", data: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(html=html, file=file, data=data)
        self.used: set[str] = set()  # the helpers the template needs
        self.locals: list[str] = []  # the Python name of each enclosing loop's variable
        self.counted: set[int] = set()  # loop depths whose loop.* variables are used
        self.specs: dict[str, str] = {}  # a format's expanded CLDR data -> its tk_fmt<N> name
        self.currencies: str | None = None  # the locale's currency table, when one is read
        self.pos = ir.NOWHERE  # the output being emitted (for refusals)
        # What the output filter (tk_html, tk_plain) must do: escape (an HTML part printed a
        # value), print a raw value (`${x, raw=True}`: |safe, |escape), convert a value that
        # may not be a string (true, 3 for 3.0, missing).
        self.escapes = self.raws = self.converts = False

    # -- the whole template --

    def emit(self, body: ir.Body) -> str:
        """The template: the helpers it uses, its output filter, then the body."""
        out = self.emit_body(body)
        filtered = self.converts or (self.html and (self.escapes or self.raws))
        if filtered:
            out += "#end filter#"
        # A directive ending the template, alone on its line after blanks, would swallow them.
        m = DIRECTIVE_AT_END_RE.search(out)
        if m and m.group(1) and m.group(1).isspace():
            out += "${''}"
        return self.preamble() + (self.output_filter() if filtered else "") + out

    def emit_body(self, body: ir.Body) -> str:
        out: list[str] = []
        text: list[str] = []  # adjacent texts escape as one (a `#` then a newline)
        for node in body:
            if isinstance(node, ir.Text):
                text.append(node.text)
                continue
            if text:
                out.append(cheetah_text("".join(text)))
                text = []
            out.append(self.visit(node))
        if text:
            out.append(cheetah_text("".join(text)))
        after = [*out[1:], ""][: len(out)]  # what follows each piece (an empty body: none)
        return "".join(unbraced(piece, next_) for piece, next_ in zip(out, after, strict=True))

    def preamble(self) -> str:
        needed: list[str] = []

        def need(name: str) -> None:
            if name not in needed:
                for dep in NEEDS.get(name, ()):
                    need(dep)
                needed.append(name)

        for name in HELPERS:
            if name in self.used:
                need(name)
        order = list(HELPERS)
        lines = [f"#set {n} = {HELPERS[n]}\n" for n in sorted(needed, key=order.index)]
        if self.currencies is not None:
            lines.append(f"#set tk_currencies = {self.currencies}\n")
        lines += [f"#set {name} = {data}\n" for data, name in self.specs.items()]
        return "".join(lines)

    def output_filter(self) -> str:
        """Cheetah's output filter for every placeholder, as `#filter WebSafe` is written, but
        printing as the reference does: escaping `& < > " '` in an HTML part (WebSafe leaves
        quotes), and true, false, 3 for 3.0 where a value may not be a string."""
        text = f"({TEXT})" if self.converts else "str(v)"
        args = "s, v, **k"
        if self.html:
            text += ESCAPE
            if self.raws:
                args, text = "s, v, raw=False, **k", f"v if raw else {text}"
        name = "tk_html" if self.html else "tk_plain"
        # a subclass of Cheetah's Filter (which the generated module imports as Filters), as a
        # custom filter is written: `#filter` instantiates it with the template
        cls = f"type({name!r}, (Filters.Filter,), {{'filter': lambda {args}: {text}}})"
        return f"#set {name} = {cls}\n#filter ${name}\n"

    def use(self, helper: str) -> str:
        self.used.add(helper)
        return helper

    # -- values --

    def ref(self, ref: ir.Ref) -> str:
        """A Python expression for a reference: its value, or tk_missing."""
        depth = len(self.loops)
        if isinstance(ref, ir.LoopVar):
            self.counted.add(depth)
            i = f"tk_i{depth}"
            if ref.attr == "index":
                return f"({i} + 1)"
            if ref.attr == "index0":
                return i
            if ref.attr == "first":
                return f"({i} == 0)"
            return f"({i} == len(tk_seq{depth}) - 1)"
        keys = ", ".join(repr(p) for p in ref.parts[1:])
        for loop, local in zip(reversed(self.loops), reversed(self.locals), strict=True):
            if loop.target == ref.root:
                return f"{self.use('tk_path')}({local}, {keys})" if keys else local
        keys = ", ".join(repr(p) for p in ref.parts)
        return f"{self.use('tk_var')}({keys})"

    def placeholder(self, value: ir.Value) -> str:
        """The output's `${…}`: the value after the reference's filters, which the output
        filter prints (escaped in an HTML part unless it is markup already)."""
        expr, kind, _ = self.filtered(value)
        expr = expr[1:] if LOOKUP_RE.fullmatch(expr) else expr
        if kind == "markup":
            if not self.html:
                return "${" + expr + "}"
            self.raws = True
            # the filter's arguments follow a name or a call only (a string: str() changes nothing)
            return "${" + (f"str({expr})" if expr.startswith("(") else expr) + ", raw=True}"
        self.escapes = True
        self.converts = self.converts or kind == "any"
        return "${" + expr + "}"

    def filtered(self, value: ir.Value) -> tuple[str, str, bool]:
        """The value after its filters, before the part escapes it; what it is: "any" value
        (the output filter prints it as the reference does), a "str", or "markup" (final,
        never escaped); and whether it may still be None (a typed lookup)."""
        kind = "any"  # any value | "str": a plain string | "markup": final, never escaped
        nullable = True  # it may still be missing or null (None for a typed lookup)
        typed = self.typed_value(value)
        if typed is not None:
            expr, kind, present = typed
            nullable = not present
        elif value.format is not None:
            expr, kind, nullable = self.formatted(value.format, value.ref), "str", False
        else:
            expr = self.ref(value.ref)
        for i, f in enumerate(value.filters):
            if (
                f.name == "escape"
                and self.html
                and kind != "markup"
                and i == len(value.filters) - 1
            ):
                continue  # the last step, an HTML part's escaping: the output filter's
            if f.name == "default":
                if not nullable:
                    continue
                if typed is None:
                    expr = f"{self.use('tk_default')}({expr}, {f.arg or ''!r})"
                else:
                    expr = f"({f.arg or ''!r} if {expr} is None else {expr})"
                nullable = False
            elif f.name in ("upper", "lower"):
                expr = self.as_str(expr, kind, nullable) + f".{f.name}()"
                kind, nullable = "markup" if kind == "markup" else "str", False
            elif kind != "markup":  # escape or safe: the printed value becomes markup
                if f.name == "escape":
                    expr = f"{self.use('tk_escape')}({self.as_str(expr, kind, nullable)})"
                elif kind == "any" or nullable:
                    expr = self.as_str(expr, kind, nullable)
                kind, nullable = "markup", False
        return expr, kind, nullable and typed is not None

    def as_str(self, expr: str, kind: str, nullable: bool) -> str:
        """A value as the text the reference prints, for string methods."""
        if kind == "any":
            return f"{self.use('tk_text')}({expr})"
        return f"({expr} or '')" if nullable else expr

    def typed_value(self, value: ir.Value) -> tuple[str, str, bool] | None:
        """A typed path as Cheetah's own lookup: the expression, "str" for a string, date or
        datetime (as it is) or "any" (the output filter prints a number, boolean, list or
        object as the reference does), and whether the data always has it; None where the
        types do not know the path."""
        if not isinstance(value.ref, ir.Path) or value.format is not None:
            return None
        var = self.variable(value.ref)
        found = self.lookup(value.ref) if var is not None else None
        if var is None or found is None:
            return None
        return found[0], "str" if var.type in PRINTS_AS_IS else "any", found[1]

    def lookup(self, path: ir.Path) -> tuple[str, bool] | None:
        """A typed path as plain Cheetah, and whether the data always has it: `$user.name`
        when it does, `$getVar('user.name', None)` when it may not (searchList only, so not for
        a loop's item, which keeps tk_path), `tk_at('request', 'city')` where Cheetah's lookups
        would read something else. None when the template's types do not know the path, or it
        has an index."""
        if self.variable(path) is None:
            return None
        keys = [k for k in path.parts[1:] if isinstance(k, str)]
        if len(keys) < len(path.parts) - 1:
            return None  # an index: tk_var
        names = all(PY_NAME_RE.match(k) and not keyword.iskeyword(k) for k in keys)
        present = self.always_present(path)
        for loop, local in zip(reversed(self.loops), reversed(self.locals), strict=True):
            if loop.target == path.root:
                if not present or not names:
                    return None
                return "$" + ".".join([local, *keys]), True
        if (
            not names
            or unsafe_name(path.root)
            or path.root in self.locals
            or path.root in TEMPLATE_NAMES
            # NameMapper takes a dict's attribute for a key it lacks (`items`, `get`), and the
            # first namespace it searches is an empty dict (`#set global`'s)
            or hasattr(dict, path.root)
            or (not present and any(hasattr(dict, k) for k in keys))
        ):
            return f"{self.use('tk_at')}({', '.join(map(repr, path.parts))})", present
        dotted = path.dotted()
        if present:
            return "$" + dotted, True
        return f"$getVar({dotted!r}, None)", False

    def typed_ref(self, ref: ir.Ref) -> str:
        """A reference tested or looped over: plain Cheetah where the types know it (Python's
        truthiness is the reference's for every type, and null reads as missing)."""
        found = self.lookup(ref) if isinstance(ref, ir.Path) else None
        return self.ref(ref) if found is None else found[0]

    def formatted(self, fmt: ir.Format, ref: ir.Ref) -> str:
        """A format filter as a call of the helpers above with the locale's CLDR data, expanded
        once per template (`tk_fmt1 = (…)`): the printed text, "" for missing or null."""
        self.require_inline_formats(fmt, self.pos)
        value, field = self.ref(ref), repr(ref.dotted())
        locale = self.format_locale
        try:
            if fmt.kind in formats.DATE_KINDS:
                date = formats.date_spec(fmt.kind, fmt.format, locale, fmt.tz)
                parts = tuple(
                    p if isinstance(p, str) else (p.name, p.pad, p.names) for p in date.parts
                )
                spec = self.spec((fmt.kind, fmt.tz, parts))
                return f"{self.use('tk_when')}({value}, {field}, {spec})"
            code = fmt.currency if isinstance(fmt.currency, str) else None
            number = formats.number_spec(fmt.kind, fmt.format, locale, code)
        except formats.Unsupported as exc:
            raise self.refuse_format(fmt, self.pos, str(exc)) from None
        spec = self.spec(
            (
                *number.positive,
                *number.negative,
                number.min_int,
                number.fraction,
                number.grouping,
                number.decimal,
                number.group,
                number.scale,
                fmt.kind,
            )
        )
        if not isinstance(fmt.currency, ir.Path):
            return f"{self.use('tk_number')}({value}, {field}, {spec})"
        table = formats.currency_table(locale)
        self.currencies = (
            f"(frozenset({' '.join(table.codes)!r}.split()), {table.symbols!r}, {table.digits!r})"
        )
        currency = f"{self.ref(fmt.currency)}, {fmt.currency.dotted()!r}"
        return f"{self.use('tk_money')}({value}, {field}, {spec}, {currency})"

    def spec(self, data: tuple[Any, ...]) -> str:
        """The name of a format's expanded data, defined once at the template's top."""
        return self.specs.setdefault(repr(data), f"tk_fmt{len(self.specs) + 1}")

    # -- nodes --

    def visit_Text(self, node: ir.Text) -> str:
        return cheetah_text(node.text)

    def visit_Output(self, node: ir.Output) -> str:
        self.pos = node.pos
        printed = self.placeholder(node.value)
        if node.url is None or not isinstance(node.value.ref, ir.Path):
            return printed
        # The text before the part escapes it; markup (|safe, |escape) read as the browser
        # reads it, character references decoded (which undoes an |escape exactly).
        expr, kind, nullable = self.filtered(node.value)
        decode = kind == "markup"
        args = [self.as_str(expr, kind, nullable)]
        if decode or node.url.open:
            args += [repr(node.url.suffix), str(node.url.open), str(decode)]
        elif node.url.suffix:
            args.append(repr(node.url.suffix))
        check = f"{self.use('tk_url')}({', '.join(args)})"
        return f"#if {check}#{unbraced(printed, '#')}#else#{cheetah_text(INERT_URL)}#end if#"

    def visit_If(self, node: ir.If) -> str:
        out = ""
        for i, (cond, body) in enumerate(node.branches):
            out += ("#if " if i == 0 else "#elif ") + self.cond(cond) + "#" + self.emit_body(body)
        if node.else_:
            out += "#else#" + self.emit_body(node.else_)
        return out + "#end if#"

    def visit_For(self, node: ir.For) -> str:
        depth = len(self.loops) + 1
        local = node.target
        if unsafe_name(local) or local in self.locals:
            local = f"tkv{depth}_{local}" if PY_NAME_RE.match(local) else f"tkv{depth}"
        iterable = self.typed_list(node.iterable)
        with self.inside(node):
            self.locals.append(local)
            try:
                body = self.emit_body(node.body)
            finally:
                self.locals.pop()
        seq = f"tk_seq{depth}"
        counted = depth in self.counted
        self.counted.discard(depth)
        if not counted and not node.else_:
            return f"#for {local} in {iterable}#{body}#end for#"
        out = f"#set {seq} = {iterable}#"
        if counted:
            out += f"#for tk_i{depth}, {local} in enumerate({seq})#{body}#end for#"
        else:
            out += f"#for {local} in {seq}#{body}#end for#"
        if node.else_:
            out += f"#if not {seq}#{self.emit_body(node.else_)}#end if#"
        return out

    def typed_list(self, ref: ir.Path) -> str:
        """What a loop iterates: a list-typed path as it is (`or []` where it may be missing or
        null), anything else through tk_list."""
        var = self.variable(ref)
        found = self.lookup(ref) if var is not None and var.type == "list" else None
        if found is None:
            return f"{self.use('tk_list')}({self.ref(ref)})"
        expr, present = found
        return expr if present else f"({expr} or [])"

    # -- conditions --

    def cond_Truthy(self, cond: ir.Truthy) -> str:
        return self.typed_ref(cond.ref)

    def cond_Compare(self, cond: ir.Compare) -> str:
        # None, as tk_missing, equals no literal
        return f"{self.typed_ref(cond.ref)} {cond.op} {cond.literal!r}"

    def cond_IsCount(self, cond: ir.IsCount) -> str:
        # A number the data always has: `$n >= 0`, and no fraction unless typed an integer.
        var = self.variable(cond.ref) if isinstance(cond.ref, ir.Path) else None
        found = self.lookup(cond.ref) if isinstance(cond.ref, ir.Path) else None
        if var is not None and var.type in ("number", "integer") and found and found[1]:
            n = found[0]
            return f"{n} >= 0" if var.type == "integer" else f"({n} >= 0 and {n} % 1 == 0)"
        return f"{self.use('tk_count')}({self.typed_ref(cond.ref)})"

    def cond_IsDecimal(self, cond: ir.IsDecimal) -> str:
        return f"{self.use('tk_decimal')}({self.typed_ref(cond.ref)})"

    def cond_NumberTest(self, cond: ir.NumberTest) -> str:
        # Python's `%` and comparisons, as in the reference: the value is a count here (or a
        # decimal count's operand, where IsDecimal holds).
        n = self.typed_ref(cond.ref)
        if cond.operand != "n":
            n = f"{self.use('tk_operand')}({n}, '{cond.operand}')"
        if cond.mod:
            n += f" % {cond.mod}"
        return f"{n} {cond.op} {cond.value}"
