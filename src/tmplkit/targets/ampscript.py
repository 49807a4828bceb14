"""The ampscript target: Salesforce Marketing Cloud AMPscript, for plain attributes and JSON lists.

With the template's types (every `tmplkit compile`), each value is an ordinary attribute and
each list its JSON text (`sendable_row(data)`), read, printed and tested as AMPscript does:
see the emitter's "typed variables" methods. Without types, the rest of this docstring holds.

AMPscript has no JSON object paths and no types: every value is a string attribute (a sendable
data extension column or a triggered-send attribute), and `==` compares strings ignoring case
and accents. So tmplkit fixes a data convention, implemented by `attributes(data)` below and
specified in docs/targets/ampscript.md:

* every value at path `user.address.city` is the attribute `user_address_city` holding the value
  as the reference prints it, with `user_address_city__type` (its JSON type) and
  `user_address_city__truthy` (`true` or `false`) beside it; null values are left out (= missing);
* every list (and object) also has `lines__rows`: a JSON array with one object per item, the
  item flattened the same way (the item itself under `_`), all rows with the same columns.

The template reads a value with `AttributeValue("user_address_city")`, loops with
`BuildRowsetFromJSON(...)`, `RowCount`, `Row` and `Field(@row, "name", false)`, tests truthiness
on `__truthy`, compares strings exactly with `RegExMatch` and numbers on their printed form,
and HTML-escapes with `Replace`. No open AMPscript engine exists: the emitted text is locked by
golden files (tests/differential/golden/ampscript/).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping
from typing import Any

from markupsafe import escape as markup_escape

from ..errors import RenderError
from ..i18n.formats import Unsupported
from ..template import ir
from ..urls import DATA_IMAGE_TYPES, INERT_URL, SAFE_SCHEMES
from .ampscript_formats import OUT, Operand, amp_string, format_code, format_tables, typed_kind
from .base import NUMBERS, InfixConditions, plan_filters, url_check_steps
from .jinja import print_value

SELF = "_"  # the attribute name of a loop item itself, inside its row
COMPANIONS = ("__type", "__truthy", "__rows")
VALUE = "Value"  # BuildRowsetFromJSON's column for a list of strings, numbers or booleans

# With the template's types (docs/targets/ampscript.md#typed-variables): how each type prints
# and tests. A string is its text (escaped in HTML), a number its digits and a boolean true or
# false (nothing to escape); objects are only read through their fields, lists only looped over
# or tested. "scalar" (a string or a number) prints as it is, and is never tested.
STRINGS = frozenset({"string", "date", "datetime", "scalar"})
TYPE_HINT = (
    'declare its type in template.toml\'s [variables] ("PATH" = "string", "number" or "boolean")'
)

# --- the data convention ------------------------------------------------------------------


def attr_name(parts: tuple[ir.Segment, ...]) -> str:
    """The attribute name of a path relative to the data (or to a loop item): parts joined by _."""
    return "_".join(str(p) for p in parts) if parts else SELF


def json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return "string"


def printed(value: Any) -> str:
    """The text the reference prints for a value (None is never flattened)."""
    return str(print_value(value))


def attributes(data: Mapping[str, Any]) -> dict[str, str]:
    """The AMPscript attributes for one recipient's data: tmplkit's documented convention.

    Raises RenderError when two paths flatten to the same attribute name.
    """
    out: dict[str, str] = {}
    for key, value in data.items():
        _flatten(value, (str(key),), out)
    return out


def _put(out: dict[str, str], name: str, value: str) -> None:
    if name in out:
        raise RenderError(
            f"two values of the data flatten to the AMPscript attribute {name!r}",
        )
    out[name] = value


def _flatten(value: Any, parts: tuple[ir.Segment, ...], out: dict[str, str]) -> None:
    if value is None:
        return
    name = attr_name(parts)
    _put(out, name, printed(value))
    _put(out, name + "__type", json_type(value))
    _put(out, name + "__truthy", "true" if value else "false")
    items: list[Any] | None = None
    if isinstance(value, Mapping):
        for key, child in value.items():
            _flatten(child, (*parts, str(key)), out)
        items = list(value)
    elif isinstance(value, list | tuple):
        for i, child in enumerate(value):
            _flatten(child, (*parts, i), out)
        items = list(value)
    if items is not None:
        _put(out, name + "__rows", rows_json(items))


def sendable_row(data: Mapping[str, Any]) -> dict[str, str]:
    """One recipient's data as the plain attributes a template compiled with its types reads
    (docs/targets/ampscript.md, "Typed variables"): the string, number or boolean at
    `user.first_name` is the attribute `user_first_name`, as the reference prints it (`true`,
    `3` for 3.0); a list is its JSON text; objects are only their fields; null is left out.

    Raises RenderError when two paths flatten to the same attribute name.
    """
    out: dict[str, str] = {}

    def walk(value: Any, parts: tuple[ir.Segment, ...]) -> None:
        if value is None:
            return
        if isinstance(value, Mapping):
            for key, child in value.items():
                walk(child, (*parts, str(key)))
        elif isinstance(value, list | tuple):
            _put(out, attr_name(parts), json.dumps(value, ensure_ascii=False))
        else:
            _put(out, attr_name(parts), printed(value))

    for key, value in data.items():
        walk(value, (str(key),))
    return out


def rows_json(items: list[Any]) -> str:
    """A list's `__rows` attribute: one flattened object per item, all with the same columns."""
    rows: list[dict[str, str]] = []
    for item in items:
        row: dict[str, str] = {}
        _flatten(item, (), row)
        row.setdefault(SELF, "")  # a null item still makes a row
        rows.append(row)
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    uniform = [{c: row.get(c, "") for c in columns} for row in rows]
    return json.dumps(uniform, ensure_ascii=False, separators=(",", ":"))


# --- AMPscript source ---------------------------------------------------------------------


REGEX_META = frozenset("\\*+?|{}[]()^$.#")


def regex_literal(text: str) -> str:
    """A .NET regular expression matching exactly `text` (what .NET's Regex.Escape escapes)."""
    out = []
    for ch in text:
        if ch in REGEX_META:
            out.append("\\" + ch)
        elif ch.isprintable() and not ch.isspace():
            out.append(ch)
        else:  # as UTF-16 code units, the only \u escapes .NET knows
            units = ch.encode("utf-16-be")
            out.extend(f"\\u{units[i]:02X}{units[i + 1]:02X}" for i in range(0, len(units), 2))
    return "".join(out)


def html_escape(expr: str) -> str:
    """The reference's HTML escaping (& < > " ') as AMPscript Replace calls."""
    for char, entity in (
        ("&", "&amp;"),
        ("<", "&lt;"),
        (">", "&gt;"),
        ('"', "&#34;"),
        ("'", "&#39;"),
    ):
        expr = f"Replace({expr}, {amp_string(char)}, {amp_string(entity)})"
    return expr


def url_pattern(check: ir.UrlCheck, markup: bool) -> str:
    """The AMPscript string of a .NET regular expression that matches printed text, never
    emptily, exactly where it may not start a URL (urls.unsafe_scheme): leading
    blanks and controls, then scheme letters (tabs and line breaks among them, which the
    browser drops) and a `:`, unless an allowed scheme or an image data: URL starts there.
    `check.open`: a bare `:` is refused too; `markup`: AMPscript cannot decode character
    references, so an `&` before the scheme is decided is refused. Stricter than the reference
    only where a tab or line break splits an allowed scheme (`ht<TAB>tp:` is refused)."""
    scheme = "[a-z][a-z0-9+.\\t\\n\\r-]*"
    images = "|".join(DATA_IMAGE_TYPES)
    allowed = f"(?:{'|'.join(sorted(SAFE_SCHEMES))}):|data:image/(?:{images});base64,"
    if markup:
        end = f"(?:{scheme})?[:&]" if check.open else f"(?:{scheme}:|(?:{scheme})?&)"
    else:
        end = f"(?:{scheme})?:" if check.open else f"{scheme}:"
    return amp_string(f"(?i)^[\\x00-\\x20]*(?!{allowed}){end}")


def url_test(text: str, check: ir.UrlCheck, pattern: str) -> str:
    """The test that printed `text` (then the check's suffix) may start a URL: `pattern`
    (url_pattern, or the variable holding it) does not match."""
    if check.suffix:
        text = f"Concat({text}, {amp_string(check.suffix)})"
    return f"Empty(RegExMatch({text}, {pattern}, 0))"


# In literal text: a run of `%` that is a delimiter or could touch one, and a server-side
# script tag (`<script runat=server>`), which Marketing Cloud would execute.
PERCENT_RE = re.compile(r"%+")
READ_RE = re.compile(r'AttributeValue\("([^"]*)"\)')  # a plain read, in emitted code
SCRIPT_RE = re.compile(r"<(?=script\b[^>]*\brunat\b)", re.IGNORECASE)


def amp_text(text: str, *, open_left: bool, open_right: bool) -> str:
    """Literal text as AMPscript content. `open_*`: a block may touch that end of the text."""

    def percent(m: re.Match[str]) -> str:
        n = len(m.group())
        edge = (m.start() == 0 and open_left) or (m.end() == len(text) and open_right)
        if n == 1 and not edge:
            return "%"
        return "%%=Char(37)=%%" if n == 1 else f"%%=Char(37, {n})=%%"

    text = PERCENT_RE.sub(percent, text)
    return SCRIPT_RE.sub("%%=Char(60)=%%", text)


class AmpscriptEmitter(InfixConditions):
    NOT = "NOT "
    AND = " AND "
    OR = " OR "
    name = "ampscript"
    summary = (
        "Salesforce Marketing Cloud AMPscript; with the template's types, plain attributes and "
        "JSON lists; without, the attributes of tmplkit.targets.ampscript.attributes(data)"
    )
    helpers = None
    formats_inline = True  # format filters only with --inline-formats (ampscript_formats.py)

    def __init__(
        self, *, html: bool, file: str = "<template>", data: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(html=html, file=file, data=data)
        self.rows: list[str] = []  # the row variable of each enclosing loop
        self.pos = ir.NOWHERE  # the node being emitted, for a refusal's position
        # What an output prints is worked out once, in a block that opens the part, when it is
        # printed more than once and does not read a loop's row (emit's first pass counts):
        # `SET @reset_url = …` then `%%=v(@reset_url)=%%`; so is a URL check (`…_link`) and
        # a URL pattern. A URL check reads its value twice (tested, then printed).
        self.counting = False
        self.printed: Counter[str] = Counter()  # each value's expression, how often printed
        self.links: Counter[tuple[str, ir.UrlCheck, str]] = Counter()  # (value, check, pattern)
        self.names: dict[str, str] = {}  # a value's attribute name, for its variable's
        self.hoisted: dict[str, str] = {}  # expression (a value's, a pattern) -> variable
        self.hoisted_links: dict[tuple[str, ir.UrlCheck, str], str] = {}
        self.read_vars: dict[str, str] = {}  # attribute -> the variable it is set in, once
        self.taken: set[str] = set()  # variable names in use (lower case)

    # -- bodies --

    def emit(self, body: ir.Body) -> str:
        """The part; with types, in three passes: the first counts the values printed, the
        second (those printed more than once set in the opening block) the attributes read;
        the third writes the part, each attribute read often enough set in the block too."""
        tables = format_tables(body, self.format_locale) if self.inline_formats else []
        if self.variables is None:  # the exact forms of attributes(), one pass
            header = "%%[ " + " ".join(tables) + " ]%%" if tables else ""
            return header + self.emit_body(body, open_left=bool(header), open_right=False)
        self.counting = True
        self.emit_body(body, open_left=False, open_right=False)
        self.counting = False
        self.taken = {"@" + n.target.lower() for n in ir.walk(body) if isinstance(n, ir.For)}
        sets = self.sets()
        draft = self.emit_body(body, open_left=bool(sets), open_right=False)
        reads = Counter(READ_RE.findall(" ".join([*sets, draft])))
        block = 0 if sets else len("%%[  ]%%")  # what opening a block costs
        for attr, n in sorted(reads.items()):
            read, var = f"AttributeValue({amp_string(attr)})", "@" + re.sub(r"\W", "_", attr)
            if n * (len(read) - len(var)) > len(f"SET {var} = {read} ") + block:  # shorter
                self.read_vars[attr] = self.variable_name(attr)
                block = 0
        sets = [*tables]
        sets += [f"SET {v} = AttributeValue({amp_string(a)})" for a, v in self.read_vars.items()]
        sets += [self.code(line) for line in self.sets()]
        header = "%%[ " + " ".join(sets) + " ]%%" if sets else ""
        return header + self.emit_body(body, open_left=bool(header), open_right=False)

    def variable_name(self, base: str) -> str:
        """A variable named after an attribute, unlike a loop's row or another variable."""
        base = "@" + re.sub(r"\W", "_", base)
        if base.lower().startswith("@tk_"):
            base = "@v_" + base[1:]
        var, n = base, 1
        while var.lower() in self.taken:
            n += 1
            var = f"{base}_{n}"
        self.taken.add(var.lower())
        return var

    def sets(self) -> list[str]:
        """`SET`s for each URL pattern, value and URL check used more than once (in that order:
        each may read the one before), naming their variables (once)."""
        values = Counter(self.printed)
        patterns: Counter[str] = Counter()
        for link, n in self.links.items():
            uses = 1 if n > 1 else n
            values[link[0]] += 2 * uses
            patterns[link[2]] += uses
        out = []
        for pattern in (p for p, n in patterns.items() if n > 1):
            var = self.hoisted.get(pattern) or self.variable_name("url_pattern")
            self.hoisted[pattern] = var
            out.append(f"SET {var} = {pattern}")
        for value in (v for v, n in values.items() if n > 1 and not READ_RE.fullmatch(v)):
            var = self.hoisted.get(value) or self.variable_name(self.names[value])
            self.hoisted[value] = var
            out.append(f"SET {var} = {value}")
        for link in (link for link, n in self.links.items() if n > 1):
            var = self.hoisted_links.get(link) or self.variable_name(self.names[link[0]] + "_link")
            self.hoisted_links[link] = var
            out.append(f"SET {var} = {self.link(*link)}")
        return out

    def code(self, expr: str) -> str:
        """An expression with each attribute set in the opening block read from its variable."""
        if not self.read_vars:
            return expr
        return READ_RE.sub(lambda m: self.read_vars.get(m.group(1), m.group(0)), expr)

    def shown(self, expr: str) -> str:
        """An output's `%%=…=%%`: a variable alone is printed with v()."""
        expr = self.code(expr)
        return "%%=" + (f"v({expr})" if expr.startswith("@") else expr) + "=%%"

    def link(self, value: str, check: ir.UrlCheck, pattern: str) -> str:
        """A URL check: the printed value where it may start a URL, else the inert URL. The
        escaped text is tested: escaping never changes where a scheme ends (`&<>"'` are not
        scheme characters, and neither are the entities' `&#;`)."""
        value = self.hoisted.get(value, value)
        test = url_test(value, check, self.hoisted.get(pattern, pattern))
        return f"IIF({test}, {value}, {amp_string(INERT_URL)})"

    def emit_body(self, body: ir.Body, *, open_left: bool = True, open_right: bool = True) -> str:
        out: list[str] = []
        text: list[str] = []
        nodes = list(body)

        def flush(at_end: bool) -> None:
            if text:
                left = open_left if not out else True
                right = open_right if at_end else True
                out.append(amp_text("".join(text), open_left=left, open_right=right))
                text.clear()

        for node in nodes:
            if isinstance(node, ir.Text):
                text.append(node.text)
                continue
            flush(at_end=False)
            out.append(self.visit(node))
        flush(at_end=True)
        return "".join(out)

    # -- values --

    def loop_row(self, root: str) -> str | None:
        for loop, row in zip(reversed(self.loops), reversed(self.rows), strict=True):
            if loop.target == root:
                return row
        return None

    def read(self, path: ir.Path, suffix: str = "") -> str:
        """The AMPscript expression reading a path's attribute (or one of its companions)."""
        if self.variables is not None and not suffix:
            return self.typed_read(path)
        row = self.loop_row(path.root)
        if row is None:
            return f"AttributeValue({amp_string(attr_name(path.parts) + suffix)})"
        return f"Field({row}, {amp_string(attr_name(path.parts[1:]) + suffix)}, false)"

    def counter(self) -> tuple[str, str]:
        depth = len(self.loops)
        return f"@tk_i{depth}", f"@tk_rows{depth}"

    def text_of(self, ref: ir.Ref) -> str:
        """The printed text of a reference."""
        if isinstance(ref, ir.Path):
            return self.read(ref)
        i, rows = self.counter()
        if ref.attr == "index":
            return f"v({i})"
        if ref.attr == "index0":
            return f"Subtract({i}, 1)"
        test = f"{i} == 1" if ref.attr == "first" else f"{i} == RowCount({rows})"
        return f'IIF({test}, "true", "false")'

    def value(self, value: ir.Value) -> str:
        """The printed text of an output after its filters, escaped in HTML parts."""
        expr, kind, _ = self.filtered(value)
        if self.html and kind != "markup":
            expr = html_escape(expr)
        return expr

    def filtered(self, value: ir.Value) -> tuple[str, str, str | None]:
        """The value after its filters, before the part escapes it; what it is ("any" value
        that may be missing, a "str", or "markup", never escaped); and the text an |escape
        filter escaped, if one did."""
        if self.variables is not None and isinstance(value.ref, ir.Path):
            return self.typed_filtered(value.ref, value.filters)
        unescaped: str | None = None
        expr = self.text_of(value.ref)
        # "any": a value that may be missing or null; "str": a string; "markup": never escaped.
        # Loop variables print digits, true or false: nothing to escape.
        kind = "markup" if isinstance(value.ref, ir.LoopVar) else "any"
        for f in value.filters:
            if f.name == "default":
                if kind == "any" and isinstance(value.ref, ir.Path):
                    present = self.read(value.ref, "__type")
                    expr = f"IIF(Empty({present}), {amp_string(f.arg or '')}, {expr})"
            elif f.name in ("upper", "lower"):
                expr = f"{'Uppercase' if f.name == 'upper' else 'Lowercase'}({expr})"
                kind = "str" if kind == "any" else kind
            elif kind != "markup":
                if f.name == "escape":
                    unescaped, expr = expr, html_escape(expr)
                kind = "markup"
        return expr, kind, unescaped

    # -- nodes --

    def visit_Text(self, node: ir.Text) -> str:
        return amp_text(node.text, open_left=True, open_right=True)

    def visit_Output(self, node: ir.Output) -> str:
        self.pos = node.pos
        if node.value.format is not None:
            return self.formatted(node, node.value.format)
        printed = self.value(node.value)
        ref = node.value.ref
        if not isinstance(ref, ir.Path):
            return self.shown(printed)
        once = self.loop_row(ref.root) is None  # it does not read a loop's row
        if self.counting and once:
            self.names[printed] = attr_name(ref.parts)
        if node.url is None:
            if self.counting and once:
                self.printed[printed] += 1
            if once and printed in self.hoisted:
                return self.shown(self.hoisted[printed])
            return self.shown(printed)
        markup = url_check_steps(node.value.filters, self.html)[1]
        link = (printed, node.url, url_pattern(node.url, markup))
        if self.counting and once:
            self.links[link] += 1
        if link in self.hoisted_links:
            return self.shown(self.hoisted_links[link])
        return self.shown(self.link(*link))

    def formatted(self, node: ir.Output, fmt: ir.Format) -> str:
        """A format filter: a block leaving the formatted text in OUT (ampscript_formats.py),
        then OUT printed through the filters (the text is never missing: no default)."""
        self.require_inline_formats(fmt, node.pos)
        cur = self.format_operand(fmt.currency) if isinstance(fmt.currency, ir.Path) else None
        try:
            code = format_code(fmt, self.format_locale, self.format_operand(node.value.ref), cur)
        except Unsupported as exc:
            raise self.refuse_format(fmt, node.pos, str(exc)) from None
        # Only |e and |safe may follow a format filter (the parser refuses the others).
        expr = html_escape(OUT) if plan_filters(node.value.filters, self.html)[1] else OUT
        if node.url is not None:
            markup = url_check_steps(node.value.filters, self.html)[1]
            expr = self.link(expr, node.url, url_pattern(node.url, markup))
        return "%%[ " + self.code(code) + " ]%%" + self.shown(expr)

    def format_operand(self, ref: ir.Ref) -> Operand:
        """A value a format filter reads: its text and JSON type (ampscript_formats.Operand)."""
        text = self.text_of(ref)
        if isinstance(ref, ir.LoopVar):
            kind = '"number"' if ref.attr in ("index", "index0") else '"boolean"'
        elif self.variables is None:
            kind = self.read(ref, "__type")
        else:
            kind = typed_kind(text, self.type_of(ref))
        return Operand(text, kind, ref.dotted())

    def visit_If(self, node: ir.If) -> str:
        out = ""
        for n, (cond, body) in enumerate(node.branches):
            keyword = "IF" if n == 0 else "ELSEIF"
            self.pos = node.pos
            out += f"%%[ {keyword} {self.code(self.cond(cond))} THEN ]%%" + self.emit_body(body)
        if node.else_:
            out += "%%[ ELSE ]%%" + self.emit_body(node.else_)
        return out + "%%[ ENDIF ]%%"

    def visit_For(self, node: ir.For) -> str:
        self.pos = node.pos
        depth = len(self.loops) + 1
        i, rows = f"@tk_i{depth}", f"@tk_rows{depth}"
        row = "@" + node.target
        taken = {r.lower() for r in self.rows}
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", node.target) or (
            node.target.lower().startswith("tk_") or row.lower() in taken
        ):
            row = f"@tk_item{depth}"
        if self.variables is not None:
            source = self.typed_json(node.iterable, "loop over")
        else:
            rows_of = self.read(node.iterable, "__rows")
            source = f'IIF(Empty({rows_of}), "[]", {rows_of})'
        out = (
            f'%%[ SET {rows} = BuildRowsetFromJSON({self.code(source)}, "$[*]", 1) '
            f"IF RowCount({rows}) > 0 THEN "
            f"FOR {i} = 1 TO RowCount({rows}) DO SET {row} = Row({rows}, {i}) ]%%"
        )
        with self.inside(node):
            self.rows.append(row)
            try:
                out += self.emit_body(node.body)
            finally:
                self.rows.pop()
        out += f"%%[ NEXT {i} "
        if node.else_:
            out += "ELSE ]%%" + self.emit_body(node.else_) + "%%[ "
        return out + "ENDIF ]%%"

    # -- conditions --

    def cond_Truthy(self, cond: ir.Truthy) -> str:
        ref = cond.ref
        if isinstance(ref, ir.Path):
            if self.variables is not None:
                return self.typed_truthy(ref)
            return f'{self.read(ref, "__truthy")} == "true"'
        i, rows = self.counter()
        if ref.attr == "index":
            return "1 == 1"
        if ref.attr == "index0":
            return f"{i} > 1"
        return f"{i} == 1" if ref.attr == "first" else f"{i} == RowCount({rows})"

    def cond_Not(self, cond: ir.Not) -> str:
        inner = cond.expr
        if (
            self.variables is not None
            and isinstance(inner, ir.Truthy | ir.IsCount | ir.Compare)
            and isinstance(inner.ref, ir.Path)
        ):
            if isinstance(inner, ir.Truthy):
                return self.typed_truthy(inner.ref, negate=True)
            if isinstance(inner, ir.IsCount):
                return self.typed_count(inner.ref, negate=True)
            return self.typed_equals(inner.ref, inner.literal, negate=inner.op == "==")
        return super().cond_Not(cond)

    def cond_Compare(self, cond: ir.Compare) -> str:
        if self.variables is not None and isinstance(cond.ref, ir.Path):
            return self.typed_equals(cond.ref, cond.literal, negate=cond.op == "!=")
        test = self.equals(cond.ref, cond.literal)
        return test if cond.op == "==" else f"NOT ({test})"

    def equals(self, ref: ir.Ref, literal: ir.Literal_) -> str:
        """`ref == literal` with the reference's (Python's) equality, exactly."""
        if isinstance(ref, ir.LoopVar):
            return self.loop_equals(ref, literal)
        text, kind = self.read(ref), self.read(ref, "__type")
        if isinstance(literal, str):
            if literal == "":
                return f'{kind} == "string" AND Empty({text})'
            pattern = amp_string("^" + regex_literal(literal) + "\\z")
            # a match is tested with Empty: AMPscript compares "0" with "" as 0 with 0
            return f'{kind} == "string" AND NOT Empty(RegExMatch({text}, {pattern}, 0))'
        number = f'{kind} == "number" AND {text} == {amp_string(printed(literal))}'
        if literal in (0, 1):  # True == 1 and False == 0 in the reference
            flag = "true" if literal == 1 else "false"
            return f'({number}) OR ({kind} == "boolean" AND {text} == "{flag}")'
        return number

    def loop_equals(self, ref: ir.LoopVar, literal: ir.Literal_) -> str:
        i, rows = self.counter()
        never = "1 == 0"
        if isinstance(literal, str):
            return never
        if ref.attr in ("index", "index0"):
            if literal != int(literal):
                return never
            n = int(literal) + (1 if ref.attr == "index0" else 0)
            return f"{i} == {n}"
        if literal not in (0, 1):
            return never
        test = f"{i} == 1" if ref.attr == "first" else f"{i} == RowCount({rows})"
        return test if literal == 1 else f"NOT ({test})"

    def cond_IsCount(self, cond: ir.IsCount) -> str:
        """A whole number >= 0: a number attribute printed as digits only (2.0 prints 2)."""
        ref = cond.ref
        if isinstance(ref, ir.LoopVar):
            return "1 == 1" if ref.attr in ("index", "index0") else "1 == 0"
        if self.variables is not None:
            return self.typed_count(ref)
        kind, text = self.read(ref, "__type"), self.read(ref)
        return f'{kind} == "number" AND NOT Empty(RegExMatch({text}, "^[0-9]+\\z", 0))'

    def cond_IsDecimal(self, cond: ir.IsDecimal) -> str:
        """A number > 0 with a fraction: a number attribute printed as digits, a point, digits."""
        ref = cond.ref
        if isinstance(ref, ir.LoopVar):
            return "1 == 0"  # loop variables are whole numbers or booleans
        decimal = f'NOT Empty(RegExMatch({self.read(ref)}, "^[0-9]+\\.[0-9]+\\z", 0))'
        if self.variables is not None:
            kind = self.type_of(ref)
            if kind not in NUMBERS:
                raise self.untyped(ref, "use as a plural count")
            return "1 == 0" if kind == "integer" else decimal
        return f'{self.read(ref, "__type")} == "number" AND {decimal}'

    def cond_NumberTest(self, cond: ir.NumberTest) -> str:
        """`Mod(n, 10) >= 2`, `n != 1`: only evaluated where IsCount holds (n is digits); a
        decimal count's operands (where IsDecimal holds) are read from its digits by RegExMatch:
        i the digits before the point, f those after it, v their Length."""
        ref = cond.ref
        if isinstance(ref, ir.LoopVar) and (
            ref.attr not in ("index", "index0") or cond.operand != "n"
        ):
            return "1 == 0"  # never evaluated: loop.first and loop.last are not counts
        n = self.text_of(ref)
        if cond.operand == "i":
            n = f'RegExMatch({n}, "^[0-9]+", 0)'
        elif cond.operand in ("v", "f"):
            n = f'RegExMatch({n}, "[0-9]+\\z", 0)'
            if cond.operand == "v":
                n = f"Length({n})"
        if cond.mod:
            n = f"Mod({n}, {cond.mod})"
        return f"{n} {cond.op} {cond.value}"

    def operand(self, cond: ir.Cond) -> str:
        return f"({self.cond(cond)})"

    # -- typed variables: plain attributes and JSON lists ---------------------------------
    # With the template's types the sender supplies each value as a plain attribute and each
    # list as its JSON text (sendable_row below), and each type is printed and tested as
    # AMPscript prints and tests it: no companion attributes.

    def type_of(self, path: ir.Path) -> str:
        var = self.variable(path)
        return "scalar" if var is None else var.type

    def untyped(self, path: ir.Path, use: str, hint: str = TYPE_HINT) -> Exception:
        """The refusal of a typed value that AMPscript cannot `use` as the reference does."""
        name = ".".join(str(p) for p in path.parts)
        kind = self.type_of(path)
        return self.refuse(use, self.pos, hint, f"a {use} of {name} (type {kind})")

    def typed_read(self, path: ir.Path) -> str:
        """A plain attribute (`AttributeValue("user_first_name")`), or a field of the current
        row (`Field(@line, "name")`; `, false` where the item may lack it; a list of strings,
        numbers or booleans has one column, `Value`)."""
        row = self.loop_row(path.root)
        if row is None and any(isinstance(p, int) for p in path.parts):
            dotted = path.dotted()
            raise self.refuse(
                "index",
                self.pos,
                f"send the value as a field of its own ({attr_name(path.parts)}), or loop over"
                " the list",
                f"{dotted} (an index: the list is sent as its JSON text)",
            )
        if row is None:
            return f"AttributeValue({amp_string(attr_name(path.parts))})"
        fields = path.parts[1:]
        if len(fields) > 1 or any(isinstance(p, int) for p in fields):
            raise self.refuse(
                "nested field",
                self.pos,
                "give each item the field itself (a flat object: "
                + "_".join(str(p) for p in fields)
                + ")",
                f"{'.'.join(str(p) for p in path.parts)} (BuildRowsetFromJSON reads one level"
                " of fields in a list's items)",
            )
        column = str(fields[0]) if fields else VALUE
        present = "" if self.always_present(path) else ", false"
        return f"Field({row}, {amp_string(column)}{present})"

    def typed_json(self, path: ir.Path, use: str) -> str:
        """A list's JSON text, read as a rowset: `"[]"` where the list may be missing."""
        if self.type_of(path) != "list":
            raise self.untyped(path, use, 'declare it a list ("PATH" = "list")')
        if self.loop_row(path.root) is not None:
            raise self.refuse(
                "nested loop",
                self.pos,
                "loop over a list of the data itself, not of a list's item",
                f"a {use} {'.'.join(str(p) for p in path.parts)} (BuildRowsetFromJSON shows a"
                " list in a list's item as the text JSON Object Array)",
            )
        text = self.typed_read(path)
        return text if self.always_present(path) else f'IIF(Empty({text}), "[]", {text})'

    def typed_filtered(
        self, path: ir.Path, filters: tuple[ir.Filter, ...]
    ) -> tuple[str, str, str | None]:
        """`filtered` for a typed path: a string as it is (escaped by the part), a number as
        its digits and a boolean lower-cased (True in a Boolean column prints true), neither
        escaped; `default("x")` as `IIF(Empty(v), "x", v)`, left out where the value is
        always there."""
        kind = self.type_of(path)
        if kind not in STRINGS | NUMBERS | {"boolean"}:
            raise self.untyped(path, "print", "print one of its fields, or loop over it")
        read = self.typed_read(path)
        expr = f"Lowercase({read})" if kind == "boolean" else read
        how = "str" if kind in STRINGS else "markup"  # digits, true and false: nothing to escape
        fresh = True  # still the value itself, which a default replaces when missing
        unescaped: str | None = None
        for f in filters:
            if f.name == "default":
                fallback = f.arg or ""
                if fresh and not self.always_present(path):
                    expr = f"IIF(Empty({read}), {amp_string(fallback)}, {expr})"
                    if how == "markup" and str(markup_escape(fallback)) != fallback:
                        how = "str"
            elif f.name in ("upper", "lower"):
                expr = f"{'Uppercase' if f.name == 'upper' else 'Lowercase'}({expr})"
            elif how != "markup":
                if f.name == "escape":
                    unescaped, expr = expr, html_escape(expr)
                how = "markup"
            fresh = False
        return expr, how, unescaped

    def typed_truthy(self, path: ir.Path, *, negate: bool = False) -> str:
        """The reference's truthiness of a typed value: a boolean is "true" (a Boolean column's
        True too: AMPscript compares text without case), a string is not Empty, a number not
        Empty and not 0, a list's JSON not Empty and not []."""
        kind, read = self.type_of(path), self.typed_read(path)
        if kind == "boolean":
            return f'{read} {"!=" if negate else "=="} "true"'
        if kind in STRINGS - {"scalar"}:
            return f"Empty({read})" if negate else f"NOT Empty({read})"
        if kind in NUMBERS:
            if self.always_present(path):
                return f"{read} {'==' if negate else '!='} 0"
            # ampscript-core reads NOT A AND B as NOT (A AND B): (NOT …) means one thing in both
            negated = f"Empty({read}) OR {read} == 0"
            return negated if negate else f"(NOT Empty({read})) AND {read} != 0"
        if kind == "list":
            read = self.typed_json(path, "test")
            return f'RowCount(BuildRowsetFromJSON({read}, "$[*]", 1)) {"==" if negate else ">"} 0'
        raise self.untyped(path, "test")

    def typed_equals(self, path: ir.Path, literal: ir.Literal_, *, negate: bool) -> str:
        """`path == literal` (`!=` with `negate`) for a typed value, as the reference compares:
        a string exactly (AMPscript's `==` ignores case and accents: RegExMatch does not), a
        number as a number, a boolean as 1 or 0; a value of another type never equals."""
        kind, read = self.type_of(path), self.typed_read(path)
        never = "1 == 1" if negate else "1 == 0"
        if kind in ("scalar", "any"):
            raise self.untyped(path, "comparison")
        if isinstance(literal, str):
            if kind not in STRINGS:
                return never
            if literal == "":
                return f"NOT Empty({read})" if negate else f"Empty({read})"
            pattern = amp_string("^" + regex_literal(literal) + "\\z")
            return f"{'' if negate else 'NOT '}Empty(RegExMatch({read}, {pattern}, 0))"
        op = "!=" if negate else "=="
        if kind in NUMBERS:  # a missing value, "", compares as 0 (ampscript-core): tell it apart
            number = printed(literal)
            number = number if re.fullmatch(r"[0-9.]+", number) else amp_string(number)
            test = f"{read} {op} {number}"
            if self.always_present(path) or literal != 0:
                return test
            return f"Empty({read}) OR {test}" if negate else f"(NOT Empty({read})) AND {test}"
        if kind == "boolean" and literal in (0, 1):  # True == 1 and False == 0
            return f'{read} {op} "{"true" if literal == 1 else "false"}"'
        return never

    def typed_count(self, path: ir.Path, *, negate: bool = False) -> str:
        """A plural's count: a whole number >= 0, its printed digits (an integer: >= 0)."""
        kind, read = self.type_of(path), self.typed_read(path)
        if kind not in NUMBERS:
            raise self.untyped(path, "use as a plural count")
        if kind == "integer" and self.always_present(path):
            return f"{read} {'<' if negate else '>='} 0"
        return f'{"" if negate else "NOT "}Empty(RegExMatch({read}, "^[0-9]+\\z", 0))'
