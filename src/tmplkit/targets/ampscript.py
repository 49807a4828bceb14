"""The ampscript target: Salesforce Marketing Cloud AMPscript, for data flattened by `attributes()`.

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
from collections.abc import Mapping
from typing import Any

from .. import ir
from ..errors import RenderError
from ..i18n.formats import FILTER_OF
from ..urls import DATA_IMAGE_TYPES, INERT_URL, SAFE_SCHEMES
from .base import InfixConditions, url_check_steps
from .jinja import print_value

SELF = "_"  # the attribute name of a loop item itself, inside its row
COMPANIONS = ("__type", "__truthy", "__rows")

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


def amp_string(text: str) -> str:
    """An AMPscript string literal; a `%%` inside is split so that no delimiter appears."""
    chunks = re.split(r"(?<=%)(?=%)", text)
    quoted = ['"' + c.replace('"', '""') + '"' for c in chunks]
    return quoted[0] if len(quoted) == 1 else "Concat(" + ", ".join(quoted) + ")"


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


def url_test(text: str, check: ir.UrlCheck, markup: bool) -> str:
    """An AMPscript test that holds when printed `text` may start a URL (urls.unsafe_scheme):
    tabs and line breaks removed, then one .NET regular expression on "<" + the text + the
    check's suffix (the "<" keeps the match from being empty): leading blanks and controls,
    then an allowed scheme, an image data: URL, or no scheme at all. `markup`: AMPscript
    cannot decode character references, so an `&` before the scheme is decided is refused."""
    for code in (9, 10, 13):
        text = f'Replace({text}, Char({code}), "")'
    scheme = "[a-z][a-z0-9+.-]*"
    images = "|".join(DATA_IMAGE_TYPES)
    pattern = (
        f"(?i)^<[\\x00-\\x20]*(?![\\x00-\\x20])(?:(?:{'|'.join(sorted(SAFE_SCHEMES))}):"
        f"|data:image/(?:{images});base64,|(?!{scheme}:)"
    )
    if check.open:
        pattern += "(?!:)"
    if markup:
        pattern += f"(?!{scheme}&)(?!&)"
    parts = ", ".join(['"<"', text, *([amp_string(check.suffix)] if check.suffix else [])])
    return f'RegExMatch(Concat({parts}), {amp_string(pattern + ")")}, 0) != ""'


# In literal text: a run of `%` that is a delimiter or could touch one, and a server-side
# script tag (`<script runat=server>`), which Marketing Cloud would execute.
PERCENT_RE = re.compile(r"%+")
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
        "Salesforce Marketing Cloud AMPscript; recipient data as the attributes of "
        "tmplkit.targets.ampscript.attributes(data) (golden files: no open engine)"
    )
    helpers = None
    # Format filters: AMPscript's FormatNumber, FormatCurrency and FormatDate read .NET's culture
    # data, not CLDR's (separators, month abbreviations, currency patterns differ), round
    # half away from zero, and no AMPscript engine is at hand to prove an expansion with string
    # functions against render: each is refused, and the value is formatted in the data.
    refuses = tuple(FILTER_OF.values())
    FORMAT_WHY = "AMPscript formats values with .NET culture data, not CLDR's"

    def __init__(
        self, *, html: bool, file: str = "<template>", data: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(html=html, file=file, data=data)
        self.rows: list[str] = []  # the row variable of each enclosing loop

    # -- bodies --

    def emit(self, body: ir.Body) -> str:
        return self.emit_body(body, open_left=False, open_right=False)

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
        if node.value.format is not None:
            raise self.refuse_format(node.value.format, node.pos, self.FORMAT_WHY)
        printed = self.value(node.value)
        if node.url is not None and isinstance(node.value.ref, ir.Path):
            expr, _, unescaped = self.filtered(node.value)
            markup = url_check_steps(node.value.filters, self.html)[1]
            text = expr if markup or unescaped is None else unescaped
            test = url_test(text, node.url, markup)
            printed = f"IIF({test}, {printed}, {amp_string(INERT_URL)})"
        return "%%=" + printed + "=%%"

    def visit_If(self, node: ir.If) -> str:
        out = ""
        for n, (cond, body) in enumerate(node.branches):
            keyword = "IF" if n == 0 else "ELSEIF"
            out += f"%%[ {keyword} {self.cond(cond)} THEN ]%%" + self.emit_body(body)
        if node.else_:
            out += "%%[ ELSE ]%%" + self.emit_body(node.else_)
        return out + "%%[ ENDIF ]%%"

    def visit_For(self, node: ir.For) -> str:
        depth = len(self.loops) + 1
        i, rows = f"@tk_i{depth}", f"@tk_rows{depth}"
        row = "@" + node.target
        taken = {r.lower() for r in self.rows}
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", node.target) or (
            node.target.lower().startswith("tk_") or row.lower() in taken
        ):
            row = f"@tk_item{depth}"
        source = self.read(node.iterable, "__rows")
        out = (
            f'%%[ SET {rows} = BuildRowsetFromJSON(IIF(Empty({source}), "[]", {source}), '
            f'"$[*]", 1) IF RowCount({rows}) > 0 THEN '
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
            return f'{self.read(ref, "__truthy")} == "true"'
        i, rows = self.counter()
        if ref.attr == "index":
            return "1 == 1"
        if ref.attr == "index0":
            return f"{i} > 1"
        return f"{i} == 1" if ref.attr == "first" else f"{i} == RowCount({rows})"

    def cond_Compare(self, cond: ir.Compare) -> str:
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
            return f'{kind} == "string" AND RegExMatch({text}, {pattern}, 0) != ""'
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
        kind, text = self.read(ref, "__type"), self.read(ref)
        return f'{kind} == "number" AND RegExMatch({text}, "^[0-9]+\\z", 0) != ""'

    def cond_IsDecimal(self, cond: ir.IsDecimal) -> str:
        """A number > 0 with a fraction: a number attribute printed as digits, a point, digits."""
        ref = cond.ref
        if isinstance(ref, ir.LoopVar):
            return "1 == 0"  # loop variables are whole numbers or booleans
        kind, text = self.read(ref, "__type"), self.read(ref)
        return f'{kind} == "number" AND RegExMatch({text}, "^[0-9]+\\.[0-9]+\\z", 0) != ""'

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
