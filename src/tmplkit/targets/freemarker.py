"""The freemarker target: tmplkit's IR as a self-contained Apache FreeMarker (FTL) template.

The emitted template renders right with a stock `Configuration` (angle-bracket tags, `${…}`
interpolations), whatever its output format and locale: it starts with an `ftl` header choosing
the output format (HTML parts: auto-escaping, `?no_esc` for |safe; text parts: plainText) and
keeping whitespace verbatim, then defines the few `<#function>`s it calls. See
docs/targets/freemarker.md.

How each trap is handled:
- printing: `tmplkit$str(v)` prints numbers and booleans with `?c` (`1234567`, `true`: no locale
  grouping, no boolean_format error) and lists/objects like Python, as the reference does;
- missing / null: every read goes through FreeMarker's `!` (exactly "missing or null"), with
  parentheses around a nested path so that a missing parent counts too: `(user.address.city)!""`;
- truthiness: `tmplkit$truthy(v)` (FreeMarker's `<#if>` takes only booleans);
- `==` / `!=`: FreeMarker fails comparing a string with a number, so each comparison checks the
  value's type first (`x?is_string && x == "pro"`), which also makes "3" differ from 3;
- loops: `<#list tmplkit$list(v)>` loops zero times over missing, null and other non-lists (the
  reference's `x or []`); loop variables are renamed `name$`, because FreeMarker reads a null
  loop variable from the enclosing scopes (`fallback_on_null_loop_variable`, not settable from a
  template): `t` would show the data's `t` for a null item;
- literal text with FTL syntax in it (`${`, `#{`, `<#`, `[=`, …) is wrapped in `<#noparse>`;
- upper/lower: `?upper_case` follows the locale (Turkish `i` → `İ`), so the template sets en_US;
- format filters (format_date, format_currency, …): Java's locale data is not CLDR's, so the
  locale's CLDR data is expanded at compile time into `tmplkit$fmt<N>` hashes, printed by
  `tmplkit$number`/`tmplkit$money`/`tmplkit$when` (exact BigDecimal digits, Java's half-even
  rounding); a value they cannot read stops the template with render's message.

With the template's variable types (variables.py) a value of a known type is written as a person
fluent in FreeMarker writes it, exact for data of that type: `${user.name!}` for a string (the
HTML output format escapes it), `${(n?c)!}` for a number or a boolean, `<#if s?has_content>`,
`<#if flag!false>`, `<#list order.lines![] as line>`; the functions above stay only for what
these forms cannot say (objects, untyped values, comparisons with numbers, formats, URLs).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ..i18n import formats
from ..template import ir
from ..urls import INERT_URL
from .base import NUMBERS, InfixConditions, url_check_steps

# FTL keywords that cannot be variable names (`gt` is the `>` operator, ...).
RESERVED = frozenset({"true", "false", "gt", "gte", "lt", "lte", "as", "in", "using"})
NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Comparison operators as words: a `>` inside `<#if …>` would end the tag.
FTL_OPS = {"==": "==", "!=": "!=", "<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}
# Text FreeMarker would parse: interpolations (`${`, `#{`, `[=`) and tags in both tag syntaxes.
FTL_SYNTAX_RE = re.compile(r"[$#]\{|</?[#@]|\[/?[#@]|\[=")
# A `<#noparse>` section ends at `</#noparse>` (or `[/#noparse]`): cut the text before any `/#`.
NOPARSE_CUT_RE = re.compile(r"(?<=[<\[])(?=/#)")
# Variable types (variables.py) printed and tested without a function, and how:
STRINGS = frozenset({"string", "date", "datetime"})  # as they are; `?has_content` is truthiness
# A number that may have a fraction, as Python prints it: `?c` in FreeMarker 2.3.31 keeps 16
# fraction digits (0.1 + 0.2 prints 0.3), a pattern keeps them all; `.` whatever the locale.
PLAIN_NUMBER = "?string(\"0.####################;; decimalSeparator='.'\")"
BOOLEANS = frozenset({"boolean"})  # `?c` (true, false), as tmplkit$str prints them
LISTS = frozenset({"list"})  # `?has_content`: [] is false, as in the reference

# The functions an emitted template defines in its header, when it uses them. Each line ends
# inside a tag (`…\n>`), so that no newline is printed: the header outputs nothing.
STR = "tmplkit$str"
TRUTHY = "tmplkit$truthy"
LIST = "tmplkit$list"
URL = "tmplkit$url"
FAIL = "tmplkit$fail"
JSON = "tmplkit$json"
DECIMAL = "tmplkit$decimal"
GROUP = "tmplkit$group"
NUMBER = "tmplkit$number"
MONEY = "tmplkit$money"
WHEN = "tmplkit$when"
# The functions each function calls (added with it).
NEEDS: dict[str, tuple[str, ...]] = {
    FAIL: (JSON,),
    DECIMAL: (FAIL, JSON),
    NUMBER: (DECIMAL, GROUP, FAIL, JSON),
    MONEY: (NUMBER, DECIMAL, GROUP, FAIL, JSON),
    WHEN: (FAIL, JSON),
}
HELPERS = {
    # A value as the reference prints it: strings as they are, numbers and booleans like JSON
    # (`?c`: no locale grouping), lists and objects like Python (`['a', 1, True, None]`).
    STR: r"""<#function tmplkit$str v inner=false
><#if v?is_string><#if !inner><#return v></#if
><#local q = (v?contains("'") && !v?contains("\""))?then("\"", "'")
><#return q + v?replace("\\", "\\\\")?replace(q, "\\" + q)
  ?replace("\n", "\\n")?replace("\r", "\\r")?replace("\t", "\\t") + q
><#elseif v?is_boolean><#return inner?then(v?then("True", "False"), v?c)
><#elseif v?is_number><#return v?string("0.####################;; decimalSeparator='.'")
><#elseif v?is_hash_ex><#local out = []
><#list v as k$, x$
  ><#local out += [tmplkit$str(k$, true) + ": " + (x$??)?then(tmplkit$str(x$, true), "None")]
></#list
><#return "{" + out?join(", ") + "}"
><#elseif v?is_enumerable><#local out = []
><#list v as x$><#local out += [(x$??)?then(tmplkit$str(x$, true), "None")]></#list
><#return "[" + out?join(", ") + "]"
></#if
><#return v></#function
>""",
    # Truthiness: false, 0, "", [] and {} are false (missing and null arrive as "").
    TRUTHY: """<#function tmplkit$truthy v
><#return v?is_boolean?then(v, v?is_number?then(v != 0, v?has_content))></#function
>""",
    # What a loop goes over, as in Python: a list, an object's keys, a string's characters;
    # nothing for anything else (missing and null arrive as []).
    LIST: """<#function tmplkit$list v
><#return v?is_enumerable?then(v, v?is_hash_ex?then(v?keys,
  v?is_string?then(v?matches(".", "s"), [])))></#function
>""",
    # Whether a printed value may start a URL (urls.unsafe_scheme): tabs and line breaks
    # dropped, leading blanks and controls too; then no scheme, or an allowed one. `open`:
    # scheme letters come before it; `markup`: FreeMarker cannot decode character references,
    # so an `&` before the scheme is decided is refused.
    URL: r"""<#function tmplkit$url v open markup
><#local t = v?replace("[\t\n\r]", "", "r")
><#return !(open && t?matches("[\x00-\x20]*:.*", "s"))
  && !(markup && t?matches("[\x00-\x20]*([a-zA-Z][a-zA-Z0-9+.-]*)?&.*", "s"))
  && t?matches("[\x00-\x20]*(?![\x00-\x20])((?![a-z][a-z0-9+.-]*:)|(https?|mailto|tel|sms):"
  + "|data:image/(png|gif|jpe?g|webp|bmp|avif);base64,).*", "is")></#function
>""",
    # --- values in the reader's locale (format_date, format_currency, …) ---------------------
    # The locale's CLDR data is expanded at compile time into `tmplkit$fmt<N>` hashes (see
    # i18n/formats.py: NumberSpec, DateSpec); these read a value as the reference does and
    # print it with that data. A value they cannot read stops the template with the field, the
    # value and the reference's message.
    FAIL: r"""<#function tmplkit$fail field c problem
><#local t = c?has_content?then(tmplkit$json(c[0]), "null")
><#stop field + ": " + (t?length gt 60)?then(t[0..<57] + "…", t) + problem></#function
>""",
    # A value as JSON (as render's messages show it).
    JSON: r"""<#function tmplkit$json v
><#if v?is_string><#return "\"" + v?json_string + "\""
><#elseif v?is_boolean || v?is_number><#return v?c
><#elseif v?is_hash_ex><#local out = []
><#list v as k$, x$><#local out += [tmplkit$json(k$) + ": " + (x$??)?then(tmplkit$json(x$), "null")]
></#list
><#return "{" + out?join(", ") + "}"
><#elseif v?is_enumerable><#local out = []
><#list v as x$><#local out += [(x$??)?then(tmplkit$json(x$), "null")]></#list
><#return "[" + out?join(", ") + "]"
></#if
><#return v?string></#function
>""",
    # A JSON number or a decimal string, exactly (a BigDecimal: never through a double).
    DECIMAL: r"""<#function tmplkit$decimal v field s
><#if v?is_number><#return v></#if
><#if v?is_string && v?matches("-?[0-9]+([.][0-9]+)?")><#return v?number></#if
><#return tmplkit$fail(field, [v], s.bad)></#function
>""",
    # Digits grouped from the right: `size` digits, then groups of `then`.
    GROUP: r"""<#function tmplkit$group i size then sep
><#if i?length lte size><#return i></#if
><#return tmplkit$group(i[0..<i?length - size], then, then, sep) + sep + i[i?length - size..]
></#function
>""",
    # The number scaled (percent) and rounded half to even by Java's DecimalFormat on the exact
    # digits (ASCII, '.'), then padded, grouped and wrapped in the locale's texts.
    NUMBER: r"""<#function tmplkit$number v field s
><#local d = tmplkit$decimal(v, field, s), lo = s.fraction[0], hi = s.fraction[1]
><#local t = (d?abs * s.scale)?string("0" + (hi gt 0)?then("." + ""?left_pad(lo, "0")
  + ""?left_pad(hi - lo, "#"), "") + ";; roundingMode=halfEven decimalSeparator='.' zeroDigit='0'")
><#local i = t?keep_before(".")?left_pad(s.min_int, "0"), f = t?keep_after(".")
><#if s.grouping?has_content><#local i = tmplkit$group(i, s.grouping[0], s.grouping[1], s.group)
></#if
><#local texts = (d lt 0)?then(s.texts[2..3], s.texts[0..1])
><#return texts[0] + i + f?has_content?then(s.decimal + f, "") + texts[1]></#function
>""",
    # Money in a currency read from the data (`c`: [code], or [] when missing or null): the
    # code checked against tmplkit$currencies (code: [symbol, fraction digits]).
    MONEY: r"""<#function tmplkit$money v field s c cfield
><#local d = tmplkit$decimal(v, field, s)
><#if !(c?has_content && c[0]?is_string && tmplkit$currencies[c[0]]??)
  ><#return tmplkit$fail(cfield, c, s.bad_code)></#if
><#local code = c[0], symbol = tmplkit$currencies[code][0], digits = tmplkit$currencies[code][1]
><#return tmplkit$number(d, field, s + {"fraction": [digits, digits],
  "texts": s.texts?map(t -> t?replace("¤¤", code)?replace("¤", symbol))})></#function
>""",
    # A date, datetime or time: the ISO 8601 text checked as the reference checks it (a time
    # alone gets a date to be read with), moved to the format's time zone if it has one (by
    # the zone's offsets from the reference's own zone data, `zone`: formats.zone_table, up to
    # 2100; by Java's after), and printed part by part; the weekday by Sakamoto's rule, Monday
    # first.
    WHEN: r"""<#function tmplkit$when v field s
><#local t = v?is_string?then(v, "")
><#if s.kind == "time" && t?matches("[0-9]{2}:.*", "s")><#local t = "2000-01-01T" + t></#if
><#local m = t?matches("([0-9]{4})-([0-9]{2})-([0-9]{2})(T([0-9]{2}):([0-9]{2})"
  + "(:([0-9]{2})([.][0-9]{1,9})?)?(Z|[+-][0-9]{2}:[0-9]{2})?)?")
><#if !m || s.kind != "date" && m?groups[4] == ""><#return tmplkit$fail(field, [v], s.bad)></#if
><#local g = m?groups, z = g[10]
><#local y = g[1]?number, mo = g[2]?number, d = g[3]?number, h = ("0" + g[5])?number
><#local mi = ("0" + g[6])?number, sec = ("0" + g[8])?number
><#local leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
><#if !(y gte 1 && mo gte 1 && mo lte 12 && d gte 1
  && d lte [31, leap?then(29, 28), 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1]
  && h lt 24 && mi lt 60 && sec lt 60
  && (z?length lt 6 || z[1..2]?number lt 24 && z[4..5]?number lt 60))
  ><#return tmplkit$fail(field, [v], s.bad)></#if
><#if s.tz??><#local t = (g[1] + "-" + g[2] + "-" + g[3] + "T" + g[5] + ":" + g[6] + ":"
  + (g[8] == "")?then("00", g[8]) + (z == "")?then("Z", z))?datetime.iso
  ><#if t?long lt s.zone.until * 1000><#local offset = s.zone.initial
    ><#list s.zone.changes as c$><#if c$[0] * 1000 gt t?long><#break></#if
      ><#local offset = c$[1]></#list
    ><#local t = (t?long + offset * 1000)?number_to_datetime?iso_utc
  ><#else><#local t = t?iso(s.tz)></#if
  ><#local y = t[0..3]?number, mo = t[5..6]?number, d = t[8..9]?number
  ><#local h = t[11..12]?number, mi = t[14..15]?number, sec = t[17..18]?number
></#if
><#local n = {"year": y, "year2": y % 100, "month": mo, "day": d, "hour": h, "minute": mi,
  "second": sec, "hour12": (h % 12 == 0)?then(12, h % 12), "hour11": h % 12,
  "hour24": (h == 0)?then(24, h)}
><#local b = y - (mo lt 3)?then(1, 0)
><#local weekday = (b + (b / 4)?floor - (b / 100)?floor + (b / 400)?floor
  + [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4][mo - 1] + d + 6) % 7
><#local out = ""
><#list s.parts as p$
  ><#if p$?is_string><#local out += p$
  ><#elseif p$.field == "month_name"><#local out += p$.names[mo - 1]
  ><#elseif p$.field == "weekday"><#local out += p$.names[weekday]
  ><#elseif p$.field == "period"><#local out += p$.names[(h gte 12)?then(1, 0)]
  ><#else><#local out += n[p$.field]?c?left_pad(p$.pad, "0")
  ></#if
></#list
><#return out></#function
>""",
}


def ftl_string(text: str) -> str:
    """An FTL string literal for `text`, with no interpolation in it (`${`, `#{`, `[=`)."""
    out = text.replace("\\", "\\\\").replace('"', '\\"').replace("{", "\\{")
    out = out.replace("[=", "\\x005B=")
    return '"' + out.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t") + '"'


def ftl_text(text: str) -> str:
    """Literal template text: verbatim, inside `<#noparse>` when FreeMarker would parse it."""
    if not FTL_SYNTAX_RE.search(text):
        return text
    return "".join(f"<#noparse>{piece}</#noparse>" for piece in NOPARSE_CUT_RE.split(text))


class FreemarkerEmitter(InfixConditions):
    formats_inline = True  # format filters only with --inline-formats
    NOT = "!"
    AND = " && "
    OR = " || "
    name = "freemarker"
    summary = "Apache FreeMarker 2.3.31 (FTL), self-contained: renders with a stock Configuration"
    refuses = ()
    helpers = None

    def __init__(
        self, *, html: bool, file: str = "<template>", data: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(html=html, file=file, data=data)
        self._names: list[str] = []  # the FTL loop variable of each loop in self.loops
        self._helpers: set[str] = set()  # the HELPERS the template calls
        self._cases = False  # upper/lower were used: fix the locale
        self._pos = ir.NOWHERE  # where the condition being emitted is (for refusals)
        self._specs: dict[str, str] = {}  # a format's expanded data (FTL hash) -> its name
        self._currencies = ""  # the locale's currency table, when a currency comes from data

    # --- the template and its header ---------------------------------------------------

    def emit(self, body: ir.Body) -> str:
        """The whole template: the `ftl` header, the setting and functions it needs, the body."""
        text = self.body(body)
        # Each header directive ends its line inside the tag (`\n>`), so no newline is output.
        output_format = "HTML" if self.html else "plainText"
        header = f'<#ftl output_format="{output_format}" strip_whitespace=false\n>'
        if self._cases:
            header += '<#setting locale="en_US"\n>'
        header += "".join(src for name, src in HELPERS.items() if name in self._helpers)
        if self._currencies:
            header += f"<#assign tmplkit$currencies = {self._currencies}\n>"
        header += "".join(f"<#assign {name} = {spec}\n>" for spec, name in self._specs.items())
        return header + text

    def body(self, body: ir.Body) -> str:
        out: list[str] = []
        pending = ""  # adjacent texts are escaped together (`$` + `{x}` must not make `${x}`)
        for node in body:
            if isinstance(node, ir.Text):
                pending += node.text
                continue
            if pending:
                out.append(ftl_text(pending))
                pending = ""
            out.append(self.visit(node))
        if pending:
            out.append(ftl_text(pending))
        return "".join(out)

    def visit_Text(self, node: ir.Text) -> str:
        return ftl_text(node.text)

    def call(self, helper: str, arg: str) -> str:
        self._helpers.update((helper, *NEEDS.get(helper, ())))
        return f"{helper}({strip_parens(arg)})"

    # --- references ----------------------------------------------------------------------

    def path(self, path: ir.Path) -> tuple[str, bool]:
        """The FTL expression reading `path`, and whether it is a single plain name."""
        root = path.root
        for loop, name in zip(reversed(self.loops), reversed(self._names), strict=True):
            if loop.target == root:
                out = name
                break
        else:
            plain = NAME_RE.match(root) and root not in RESERVED
            out = root if plain else f".vars[{ftl_string(root)}]"
        for part in path.parts[1:]:
            if isinstance(part, int):
                out += f"[{part}]"
            elif NAME_RE.match(part) and part not in RESERVED:
                out += "." + part
            else:
                out += f"[{ftl_string(part)}]"
        return out, len(path.parts) == 1 and not out.startswith(".")

    def read(self, path: ir.Path, fallback: str = '""') -> str:
        """`path!fallback`, parenthesized: the fallback when the value is missing or null (or,
        for a nested path, when a parent is)."""
        expr, simple = self.path(path)
        return f"({expr}!{fallback})" if simple else f"(({expr})!{fallback})"

    def loop_var(self, var: ir.LoopVar) -> str:
        """`loop.index` & co. of the innermost loop: numbers and booleans, never missing."""
        builtin = {"index": "counter", "index0": "index", "first": "is_first", "last": "is_last"}
        return f"{self._names[-1]}?{builtin[var.attr]}"

    # --- outputs -------------------------------------------------------------------------

    def visit_Output(self, node: ir.Output) -> str:
        typed = self.typed_output(node)
        if typed is not None:
            return typed
        value = node.value
        # The value, its filters applied in order: `expr` stays None while it is the raw path
        # (maybe missing); `printed` says it is a string already.
        expr: str | None = None
        printed = False
        markup = False  # already HTML (|safe, or |escape then upper/lower): printed with ?no_esc
        escape = False  # |escape, not applied yet: in an HTML part, auto-escaping does it
        if value.format is not None:  # a string from here on (only safe and escape follow)
            expr, printed = self.formatted(value.format, value.ref, node.pos), True

        def to_string() -> str:
            nonlocal expr, printed
            if printed and expr is not None:
                return expr
            if isinstance(value.ref, ir.LoopVar):
                expr = self.loop_var(value.ref) + "?c"  # a number or a boolean
            else:
                if not self.typed(value.ref, STRINGS):
                    expr = self.call(STR, self.read(value.ref) if expr is None else expr)
                elif expr is None:  # a string already: `(name!)`, for the built-ins that follow
                    expr = f"({self.typed_read(value.ref)})"
            printed = True
            return expr

        for f in value.filters:
            if f.name == "default":
                if expr is None and isinstance(value.ref, ir.Path):
                    expr = self.read(value.ref, ftl_string(f.arg or ""))
            elif f.name in ("upper", "lower"):
                self._cases = True
                expr = to_string()
                if escape:  # |escape|upper upper-cases the escaped text, as the reference does
                    expr = self.escaped(expr)
                    escape, markup = False, True
                expr += "?upper_case" if f.name == "upper" else "?lower_case"
            else:  # safe, escape: a string from here on, so a later |default does nothing
                if expr is None and isinstance(value.ref, ir.Path):
                    expr = self.read(value.ref)
                if f.name == "safe":
                    markup = markup or not escape
                elif not markup:
                    escape = True
        expr = to_string()
        checked = expr
        if escape and not self.html:
            expr = self.escaped(expr)
        elif markup and self.html:
            expr += "?no_esc"
        if node.url is not None and isinstance(value.ref, ir.Path):
            # The text before the HTML output format escapes it (or markup, read as such).
            raw = url_check_steps(value.filters, self.html)[1]
            self._helpers.add(URL)
            text = f"{checked} + {ftl_string(node.url.suffix)}" if node.url.suffix else checked
            test = f"{URL}({text}, {str(node.url.open).lower()}, {str(raw).lower()})"
            return "${" + test + "?then(" + expr + ", " + ftl_string(INERT_URL) + ")}"
        return "${" + expr + "}"

    def typed_output(self, node: ir.Output) -> str | None:
        """A value of a printed type without a function: `${user.name!}`, `${(n?c)!}`; a leading
        `default("x")` as `!"x"` (both are "missing or null"), then safe and escape only."""
        value, filters = node.value, node.value.filters
        fallback = '""'
        if filters and filters[0].name == "default":
            fallback, filters = ftl_string(filters[0].arg or ""), filters[1:]
        if (
            value.format is not None
            or node.url is not None
            or not isinstance(value.ref, ir.Path)
            or any(f.name not in ("safe", "escape") for f in filters)
        ):
            return None
        var = self.variable(value.ref)
        if var is None or var.type not in STRINGS | NUMBERS | BOOLEANS:
            return None
        if var.type not in STRINGS:  # digits, `.`, `-`, true, false: nothing to escape
            builtin = PLAIN_NUMBER if var.type == "number" else "?c"
            return "${" + self.typed_read(value.ref, fallback, builtin) + "}"
        expr = self.typed_read(value.ref, fallback)
        # The first of safe and escape decides, as in visit_Output.
        first = filters[0].name if filters else None
        if first == "safe" and self.html:
            expr = ("(" + expr + ")" if "!" in expr else expr) + "?no_esc"
        elif first == "escape" and not self.html:
            expr = self.escaped("(" + expr + ")" if "!" in expr else expr)
        return "${" + expr + "}"

    def typed(self, ref: ir.Ref, types: frozenset[str]) -> bool:
        """Whether the template's variable types give `ref` one of `types`."""
        var = self.variable(ref) if isinstance(ref, ir.Path) else None
        return var is not None and var.type in types

    def typed_read(self, path: ir.Path, fallback: str = '""', builtin: str = "") -> str:
        """A typed read as FreeMarker is written: `a.b!` (`!""` is written `!`), or `(a.b)!`
        where a parent may be missing or null too. A string keeps its `!` where the types say
        it is always there (data that breaks them still prints as the reference does); with a
        `builtin` (`?c`) it is `a.b?c` then, else `(a.b?c)!`."""
        expr = self.path(path)[0]
        if builtin and self.always_present(path):
            return expr + builtin
        fallback = "" if fallback == '""' else fallback
        parent = ir.Path(path.parts[:-1])
        if builtin or (len(path.parts) > 1 and not self.always_present(parent)):
            expr = f"({expr}{builtin})"
        return f"{expr}!{fallback}"

    def formatted(self, fmt: ir.Format, ref: ir.Ref, pos: ir.Pos) -> str:
        """A format filter as a call of the functions above with the locale's CLDR data,
        expanded once per template (`<#assign tmplkit$fmt1 = {…}>`): "" when missing or null."""
        self.require_inline_formats(fmt, pos)
        locale = self.format_locale
        bad = " is not {0} (hint: send {0} such as {1})".format(*formats.EXPECTED[fmt.kind])
        spec: dict[str, Any] = {"kind": fmt.kind, "bad": bad}
        try:
            if fmt.kind in formats.DATE_KINDS:
                date = formats.date_spec(fmt.kind, fmt.format, locale, fmt.tz)
                spec["parts"] = [
                    p
                    if isinstance(p, str)
                    else {"field": p.name, "names": p.names}
                    if p.names
                    else {"field": p.name, "pad": p.pad}
                    for p in date.parts
                ]
                if date.tz is not None:
                    spec["tz"] = date.tz
                    zone = formats.zone_table(date.tz)
                    spec["zone"] = {
                        "initial": zone.initial,
                        "changes": zone.changes,
                        "until": zone.until,
                    }
            else:
                code = fmt.currency if isinstance(fmt.currency, str) else None
                number = formats.number_spec(fmt.kind, fmt.format, locale, code)
                spec |= {
                    "texts": [*number.positive, *number.negative],
                    "min_int": number.min_int,
                    "fraction": number.fraction or [],
                    "grouping": number.grouping or [],
                    "decimal": number.decimal,
                    "group": number.group,
                    "scale": 10**number.scale,
                }
        except formats.Unsupported as exc:
            raise self.refuse_format(fmt, pos, str(exc)) from None
        helper = WHEN if fmt.kind in formats.DATE_KINDS else NUMBER
        currency: list[str] = []
        if isinstance(fmt.currency, ir.Path):  # the code read from the data, checked there
            helper = MONEY
            spec["bad_code"] = ' is not an ISO 4217 currency code (hint: send a code such as "EUR")'
            table = formats.currency_table(locale)
            self._currencies = ftl_literal(
                {c: [table.symbols.get(c, c), table.digits.get(c, 2)] for c in table.codes}
            )
            code, simple = self.path(fmt.currency)
            exists = f"{code}??" if simple else f"({code})??"
            currency = [f"({exists})?then([{code}], [])", ftl_string(fmt.currency.dotted())]
        args = [ftl_string(ref.dotted()), self.spec(spec), *currency]
        if isinstance(ref, ir.LoopVar):  # never missing
            return self.call(helper, ", ".join([self.loop_var(ref), *args]))
        expr, simple = self.path(ref)
        exists = f"{expr}??" if simple else f"({expr})??"
        return f'({exists})?then({self.call(helper, ", ".join([expr, *args]))}, "")'

    def spec(self, data: dict[str, Any]) -> str:
        """The name of a format's expanded data, assigned once in the template's header."""
        return self._specs.setdefault(ftl_literal(data), f"tmplkit$fmt{len(self._specs) + 1}")

    def escaped(self, expr: str) -> str:
        """A printed value HTML-escaped, as a plain string (for filters that follow)."""
        if self.html:
            return f"{expr}?esc?markup_string"
        return f"{expr}?html"  # plainText has no ?esc; legacy ?html escapes & < > " ' alike

    # --- blocks --------------------------------------------------------------------------

    def visit_If(self, node: ir.If) -> str:
        out = ""
        for i, (cond, body) in enumerate(node.branches):
            self._pos = node.pos  # (set again for each branch: a body may hold other ifs)
            test = self.cond(cond)
            if isinstance(cond, ir.Truthy):  # a typed test's own parentheses: `flag!false`
                test = strip_parens(test)
            out += ("<#if " if i == 0 else "<#elseif ") + test + ">" + self.body(body)
        if node.else_:
            out += "<#else>" + self.body(node.else_)
        return out + "</#if>"

    def visit_For(self, node: ir.For) -> str:
        item = None  # the items' typed variable, for a typed list
        if self.typed(node.iterable, LISTS) and self.variables is not None:
            items = self.typed_read(node.iterable, "[]")
            item = self.variables.get(self.variable_path(node.iterable) + "[]")
        else:
            items = self.call(LIST, self.read(node.iterable, "[]"))
        # `$` keeps the name apart from data names: FreeMarker reads a null loop variable from
        # the enclosing scopes, so `t` would show the data's `t` for a null item. Items typed
        # as never null keep their name.
        base = node.target if NAME_RE.match(node.target) else "item"
        name = base + "$"
        if item is not None and item.required and base not in (*RESERVED, *self._names):
            name = base
        elif name in self._names:
            name = f"{base}${len(self._names) + 1}"
        out = f"<#list {items} as {name}>"
        self._names.append(name)
        try:
            with self.inside(node):
                out += self.body(node.body)
        finally:
            self._names.pop()
        if node.else_:
            out += "<#else>" + self.body(node.else_)
        return out + "</#list>"

    # --- conditions ----------------------------------------------------------------------

    def cond_Truthy(self, cond: ir.Truthy) -> str:
        if isinstance(cond.ref, ir.LoopVar):
            attr = cond.ref.attr
            if attr == "index":
                return "true"  # loop.index is 1 or more
            if attr == "index0":
                return self.loop_var(cond.ref) + " != 0"
            return self.loop_var(cond.ref)
        typed = self.typed_test(cond.ref)
        return self.call(TRUTHY, self.read(cond.ref)) if typed is None else typed

    def typed_test(self, path: ir.Path) -> str | None:
        """A typed value's truthiness without a function: `s?has_content` (missing, null, ""
        and [] are false), `(flag!false)`, `((n!0) != 0)`; parenthesized where an operator
        could bind into it (visit_If drops the parentheses of a whole condition)."""
        var = self.variable(path)
        if var is None:
            return None
        if var.type in STRINGS | LISTS:
            expr = self.path(path)[0]
            parent = ir.Path(path.parts[:-1])
            if len(path.parts) > 1 and not self.always_present(parent):
                expr = f"({expr})"
            return expr + "?has_content"
        if var.type in BOOLEANS | NUMBERS and self.always_present(path):
            expr = self.path(path)[0]
            return expr if var.type in BOOLEANS else f"({expr} != 0)"
        if var.type in BOOLEANS:
            return f"({self.typed_read(path, 'false')})"
        if var.type in NUMBERS:
            return f"(({self.typed_read(path, '0')}) != 0)"
        return None

    def cond_Compare(self, cond: ir.Compare) -> str:
        if isinstance(cond.literal, str) and cond.literal and self.typed(cond.ref, STRINGS):
            # A typed string: missing and null read as "", which equals no other string.
            assert isinstance(cond.ref, ir.Path)
            read = self.typed_read(cond.ref)
            return f"({read}) {cond.op} {ftl_string(cond.literal)}"
        equal = self.equals(cond.ref, cond.literal)
        if cond.op == "==":
            return equal
        if equal in ("true", "false"):
            return "false" if equal == "true" else "true"
        return f"!({equal})"

    def equals(self, ref: ir.Ref, literal: ir.Literal_) -> str:
        """`ref == literal` as the reference compares: a string equals only that string, a
        number only an equal number (or, as in Python, true == 1 and false == 0)."""
        number = None if isinstance(literal, str) else ftl_number(literal)
        if isinstance(ref, ir.LoopVar):
            if number is None:
                return "false"
            if ref.attr in ("index", "index0"):
                return f"{self.loop_var(ref)} == {number}"
            if literal in (0, 1):
                return self.loop_var(ref) if literal == 1 else "!" + self.loop_var(ref)
            return "false"
        path, simple = self.path(ref)
        exists = f"{path}??" if simple else f"({path})??"
        if number is None:
            return f"{exists} && {path}?is_string && {path} == {ftl_string(str(literal))}"
        same = f"{path}?is_number && {path} == {number}"
        if literal in (0, 1):
            flag = path if literal == 1 else "!" + path
            return f"{exists} && ({same} || {path}?is_boolean && {flag})"
        return f"{exists} && {same}"

    def cond_IsCount(self, cond: ir.IsCount) -> str:
        """A whole number >= 0, not a boolean: `(n)?? && n?is_number && n gte 0 && n == n?floor`.

        `%` cannot tell 2.5 from 2 (FreeMarker's `%` drops the fraction first), so the fraction
        is tested with `?floor`."""
        ref = cond.ref
        if isinstance(ref, ir.LoopVar):
            return "true" if ref.attr in ("index", "index0") else "false"  # first, last: booleans
        path, simple = self.path(ref)
        kind = self.count_type(ref)
        if kind == "integer":  # typed, always there: only its sign is unknown
            return f"{path} gte 0"
        if kind == "number":
            return f"{path} gte 0 && {path} == {path}?floor"
        exists = f"{path}??" if simple else f"({path})??"
        return f"{exists} && {path}?is_number && {path} gte 0 && {path} == {path}?floor"

    def cond_IsDecimal(self, cond: ir.IsDecimal) -> str:
        """A number > 0 with a fraction: `(n)?? && n?is_number && n gt 0 && n != n?floor`."""
        ref = cond.ref
        if isinstance(ref, ir.LoopVar):
            return "false"  # loop variables are whole numbers or booleans
        path, simple = self.path(ref)
        kind = self.count_type(ref)
        if kind == "integer":
            return "false"
        if kind == "number":
            return f"{path} gt 0 && {path} != {path}?floor"
        exists = f"{path}??" if simple else f"({path})??"
        return f"{exists} && {path}?is_number && {path} gt 0 && {path} != {path}?floor"

    def cond_NumberTest(self, cond: ir.NumberTest) -> str:
        """`n % 10 gte 2`: only evaluated where IsCount holds, so `n` is a whole number; the
        operands of a decimal (where IsDecimal holds) are read from its digits, `n?c`."""
        ref = cond.ref
        if isinstance(ref, ir.LoopVar):
            if ref.attr not in ("index", "index0") or cond.operand != "n":
                return "false"  # never evaluated: loop.first and loop.last are not counts
            n = self.loop_var(ref)
        else:
            n = self.path(ref)[0]
        if cond.operand == "i":
            n += "?floor"
        elif cond.operand == "v":
            n += '?c?keep_after(".")?length'
        elif cond.operand == "f":
            n += '?c?keep_after(".")?number'
        if cond.mod:
            n += f" % {cond.mod}"
        return f"{n} {FTL_OPS[cond.op]} {cond.value}"

    def operand(self, cond: ir.Cond) -> str:
        text = self.cond(cond)
        # A negation (`!` binds tightest), a call or a name with built-ins needs no parentheses.
        atomic = (
            isinstance(cond, ir.Not)
            or (isinstance(cond, ir.Truthy) and isinstance(cond.ref, ir.Path))
            or re.fullmatch(r"[\w$?!]+", text)
            or (text.startswith("!(") and strip_parens(text[1:]) != text[1:])
        )
        return text if atomic else f"({text})"


def ftl_literal(value: Any) -> str:
    """Data as an FTL literal: strings, whole numbers, sequences and hashes."""
    if isinstance(value, str):
        return ftl_string(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(ftl_literal(v) for v in value) + "]"
    assert isinstance(value, dict), value
    return "{" + ", ".join(f"{ftl_string(k)}: {ftl_literal(v)}" for k, v in value.items()) + "}"


def ftl_number(value: int | float) -> str:
    """An FTL number literal: plain digits (FTL has no exponent notation)."""
    if isinstance(value, int):
        return str(value)
    return format(Decimal(repr(value)), "f")


def strip_parens(expr: str) -> str:
    """`(x!"")` → `x!""` where nothing follows (inside `${…}` or an argument list)."""
    if expr.startswith("(") and expr.endswith(")") and _balanced(expr[1:-1]):
        return expr[1:-1]
    return expr


def _balanced(expr: str) -> bool:
    depth = 0
    quoted = False
    escaped = False
    for ch in expr:
        if quoted:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                quoted = False
        elif ch == '"':
            quoted = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0
