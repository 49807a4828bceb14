"""The cheetah target: Cheetah 3 source, rendered with `Template(source, searchList=[data])`.

Cheetah fails on a missing name, prints booleans as `True`/`False` and floats as `2.0`, and
escapes nothing. So the emitted template reads the data through a few one-line helpers it
defines itself with `#set` (plain Python lambdas, nothing to register): `tk_var('user', 'name')`
looks a path up in the data (the searchList's dictionaries) without ever failing, `tk_html` and
`tk_text` print a value like the reference (escaped in HTML parts). Conditions and loops are
ordinary `#if`/`#for` directives over those values; literal text escapes `$` and `#`.
See docs/targets/cheetah.md.
"""

from __future__ import annotations

import builtins
import keyword
import re
from collections.abc import Mapping
from typing import Any

from .. import ir
from ..urls import INERT_URL
from .base import InfixConditions

# The helpers an emitted template defines for itself, in dependency order. Each is one `#set`
# directive on its own line: Cheetah swallows such lines whole, so they print nothing.
HELPERS: dict[str, str] = {
    "tk_data": "[ns for ns in self.searchList() if isinstance(ns, dict)]",
    "tk_missing": "type('Missing', (), {'__bool__': lambda self: False})()",
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
    "tk_text": (
        "lambda v: '' if v is None or v is tk_missing else 'true' if v is True "
        "else 'false' if v is False else str(int(v)) if isinstance(v, float) "
        "and v.is_integer() and abs(v) < 9007199254740992 else str(v)"
    ),
    "tk_escape": (
        "lambda s: s.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')"
        ".replace('\"', '&#34;').replace(\"'\", '&#39;')"
    ),
    "tk_html": "lambda v: tk_escape(tk_text(v))",
    "tk_default": "lambda v, fallback: fallback if v is None or v is tk_missing else v",
    "tk_list": "lambda v: list(v or ())",
    "tk_count": (
        "lambda v: (isinstance(v, int) and not isinstance(v, bool) "
        "or isinstance(v, float) and v.is_integer()) and v >= 0"
    ),
    # URL checks (urls.unsafe_scheme, the same reading): `tk_url(text, suffix, open, decode)`.
    "tk_re": "__import__('re')",
    "tk_url_scheme": (
        "lambda m, t: m is None or m.group(1).lower() in ('http', 'https', 'mailto', 'tel', "
        "'sms') or m.group(1).lower() == 'data' and tk_re.match("
        "'data:image/(png|gif|jpe?g|webp|bmp|avif);base64,', t, tk_re.I) is not None"
    ),
    "tk_url_safe": (
        "lambda t, opn: not (opn and t[:1] == ':') and "
        "tk_url_scheme(tk_re.match('([A-Za-z][A-Za-z0-9+.-]*):', t), t)"
    ),
    "tk_url": (
        "lambda v, sfx, opn, dec: tk_url_safe(tk_re.sub('[' + chr(9) + chr(10) + chr(13) + ']', "
        "'', (__import__('html').unescape(v) if dec else v) + sfx)"
        ".lstrip(''.join(map(chr, range(33)))), opn)"
    ),
}
NEEDS: dict[str, tuple[str, ...]] = {
    "tk_get": ("tk_missing",),
    "tk_path": ("tk_get",),
    "tk_var": ("tk_data", "tk_missing", "tk_path"),
    "tk_text": ("tk_missing",),
    "tk_html": ("tk_escape", "tk_text"),
    "tk_default": ("tk_missing",),
    "tk_url_scheme": ("tk_re",),
    "tk_url_safe": ("tk_re", "tk_url_scheme"),
    "tk_url": ("tk_re", "tk_url_safe"),
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

# Text hazards beyond `$` and `#`: `#` before the end of a line is Cheetah's EOL slurp token
# (even escaped), `<%` opens a PSP block, and a backslash before the next tag would escape it.
TEXT_RE = re.compile(r"(?P<eol>#(?=[ \t\f]*(?:\r\n|\n|\r)))|(?P<psp><%)|(?P<tail>\\+\Z)|[$#]")
DIRECTIVE_AT_END_RE = re.compile(r"(?:\A|[\r\n])([^\r\n]*?)(#(?:end if|end for)#)\Z")


def cheetah_text(text: str) -> str:
    """Literal text as Cheetah source that prints it verbatim."""

    def sub(m: re.Match[str]) -> str:
        if m.group("eol"):
            return "${'#'}"
        if m.group("psp"):
            return "<${'%'}"
        if m.group("tail"):
            return "${" + repr(m.group()) + "}"
        return "\\" + m.group()

    return TEXT_RE.sub(sub, text)


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
    name = "cheetah"
    summary = (
        "Cheetah 3, Template(source, searchList=[data]); self-contained (#set helpers), "
        "escapes HTML parts itself"
    )
    helpers = None

    def __init__(
        self, *, html: bool, file: str = "<template>", data: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(html=html, file=file, data=data)
        self.used: set[str] = set()  # the helpers the template needs
        self.locals: list[str] = []  # the Python name of each enclosing loop's variable
        self.counted: set[int] = set()  # loop depths whose loop.* variables are used

    # -- the whole template --

    def emit(self, body: ir.Body) -> str:
        """The template: the helpers it uses, then the body."""
        out = self.emit_body(body)
        # A directive ending the template, alone on its line after blanks, would swallow them.
        m = DIRECTIVE_AT_END_RE.search(out)
        if m and m.group(1) and m.group(1).isspace():
            out += "${''}"
        return self.preamble() + out

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
        return "".join(out)

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
        return "".join(f"#set {n} = {HELPERS[n]}\n" for n in sorted(needed, key=order.index))

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

    def value(self, value: ir.Value) -> str:
        """The printed text of an output, following the reference's filters step by step."""
        expr, kind = self.filtered(value)
        if kind == "markup":
            return expr
        if kind == "str":
            return f"{self.use('tk_escape')}({expr})" if self.html else expr
        return f"{self.use('tk_html' if self.html else 'tk_text')}({expr})"

    def filtered(self, value: ir.Value) -> tuple[str, str]:
        """The value after its filters, before the part escapes it, and what it is: "any"
        value, a "str", or "markup" (final, never escaped)."""
        expr = self.ref(value.ref)
        kind = "any"  # any value | "str": a plain string | "markup": final, never escaped
        for f in value.filters:
            if f.name == "default":
                if kind == "any":
                    expr = f"{self.use('tk_default')}({expr}, {f.arg or ''!r})"
            elif f.name in ("upper", "lower"):
                if kind == "any":
                    expr = f"{self.use('tk_text')}({expr})"
                    kind = "str"
                expr = f"{expr}.{f.name}()"
            elif kind != "markup":  # escape or safe: the printed value becomes markup
                if kind == "any":
                    expr = f"{self.use('tk_text')}({expr})"
                if f.name == "escape":
                    expr = f"{self.use('tk_escape')}({expr})"
                kind = "markup"
        return expr, kind

    # -- nodes --

    def visit_Text(self, node: ir.Text) -> str:
        return cheetah_text(node.text)

    def visit_Output(self, node: ir.Output) -> str:
        if node.value.format is not None:
            raise self.refuse_format(node.value.format, node.pos)
        printed = "${" + self.value(node.value) + "}"
        if node.url is None or not isinstance(node.value.ref, ir.Path):
            return printed
        # The text before the part escapes it; markup (|safe, |escape) read as the browser
        # reads it, character references decoded (which undoes an |escape exactly).
        expr, kind = self.filtered(node.value)
        text = expr if kind != "any" else f"{self.use('tk_text')}({expr})"
        decode = kind == "markup"
        check = f"{self.use('tk_url')}({text}, {node.url.suffix!r}, {node.url.open}, {decode})"
        return f"#if {check}#{printed}#else#{cheetah_text(INERT_URL)}#end if#"

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
        iterable = f"{self.use('tk_list')}({self.ref(node.iterable)})"
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

    # -- conditions --

    def cond_Truthy(self, cond: ir.Truthy) -> str:
        return self.ref(cond.ref)

    def cond_Compare(self, cond: ir.Compare) -> str:
        return f"{self.ref(cond.ref)} {cond.op} {cond.literal!r}"

    def cond_IsCount(self, cond: ir.IsCount) -> str:
        return f"{self.use('tk_count')}({self.ref(cond.ref)})"

    def cond_NumberTest(self, cond: ir.NumberTest) -> str:
        # Python's `%` and comparisons, as in the reference: the value is a count here.
        n = self.ref(cond.ref)
        if cond.mod:
            n += f" % {cond.mod}"
        return f"{n} {cond.op} {cond.value}"
