"""The jinja target: tmplkit's IR as Jinja2 source, rendered by `environment()` (the reference)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from contextvars import ContextVar
from functools import cache
from typing import Any

from jinja2 import ChainableUndefined
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from ..errors import RenderError
from ..i18n import formats
from ..template import ir
from ..urls import INERT_URL, describe_unsafe, unsafe_scheme
from .base import InfixConditions

# Keys that Jinja's `a.b` would resolve to a method of dict/list/str before the data's own key.
SHADOWED = frozenset(n for t in (dict, list, str) for n in dir(t) if not n.startswith("_"))
DICT_METHODS = frozenset(n for n in dir(dict) if not n.startswith("_"))
# The Jinja test a typed value passes only when it is there (not missing, not null), for the
# types a stock Jinja2 prints as environment() does (a scalar, but for a whole float: 3.0).
STOCK_TEST = {
    "string": "string",
    "integer": "number",
    "number": "number",
    "boolean": "boolean",
    "scalar": "string or {0} is number",
}
NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
DELIMITER_RE = re.compile(r"\{(?=[{%#]|\Z)")


def escape_delimiters(text: str) -> str:
    """Literal text for a Jinja template: `{{`, `{%` and `{#` would open a tag, and so would a
    `{` that ends the text right before a tag, so such a brace is printed as a string."""
    return DELIMITER_RE.sub('{{ "{" }}', text)


def jinja_string(text: str) -> str:
    """A Jinja string literal for `text`."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def literal(value: ir.Literal_) -> str:
    return jinja_string(value) if isinstance(value, str) else json.dumps(value)


def parenthesized(expr: str) -> str:
    """`expr` as an operand: in parentheses when it is a conditional expression."""
    return f"({expr})" if " if " in expr else expr


def truthy_paths(cond: ir.Cond) -> list[ir.Path]:
    """The data paths a condition, when true, has found true (and so present, not null)."""
    if isinstance(cond, ir.Truthy) and isinstance(cond.ref, ir.Path):
        return [cond.ref]
    if isinstance(cond, ir.And):
        return truthy_paths(cond.left) + truthy_paths(cond.right)
    return []


class JinjaEmitter(InfixConditions):
    name = "jinja"
    summary = (
        "Jinja2: plain Jinja a stock Environment(autoescape=True) renders for typed values; "
        "the rest with tmplkit.targets.jinja.environment() (the reference)"
    )
    helpers = (
        "DataEnvironment (a SandboxedEnvironment reading data by key only, no globals) with "
        "autoescape=<HTML part>, undefined=ChainableUndefined, "
        "finalize=print_value, keep_trailing_newline=True and the default/d, upper, lower, "
        "escape/e, safe and check_url filters of tmplkit.targets.jinja; format_date, "
        "format_datetime, format_time, format_number, format_decimal, format_percent and "
        "format_currency (Babel, tmplkit.i18n.formats) where the template formats values"
    )

    def __init__(
        self, *, html: bool, file: str = "<template>", data: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(html=html, file=file, data=data)
        self.tested: list[set[str]] = []  # per enclosing `if` branch: the paths it found true

    def visit_Text(self, node: ir.Text) -> str:
        return escape_delimiters(node.text)

    def ref(self, ref: ir.Ref) -> str:
        if isinstance(ref, ir.LoopVar):
            return ref.dotted()
        out = str(ref.parts[0])
        for part in ref.parts[1:]:
            if isinstance(part, int):
                out += f"[{part}]"
            elif NAME_RE.match(part) and part not in SHADOWED:
                out += f".{part}"
            else:
                out += f"[{jinja_string(part)}]"
        return out

    def value(self, value: ir.Value) -> str:
        out = self.ref(value.ref)
        if value.format is not None:
            out += self.format_filter(value.format, value.ref)
        for f in value.filters:
            out += f"|default({jinja_string(f.arg or '')})" if f.name == "default" else f"|{f.name}"
        return out

    def format_filter(self, fmt: ir.Format, ref: ir.Ref) -> str:
        """`|format_currency("EUR", locale="fr-FR", field="order.total")`: the environment's
        filter formats with Babel in the locale compiled for; `field` names the value in errors."""
        args: list[str] = []
        if isinstance(fmt.currency, ir.Path):
            args.append(self.ref(fmt.currency))
        elif fmt.currency is not None:
            args.append(jinja_string(fmt.currency))
        if fmt.format is not None:
            args.append("format=" + jinja_string(fmt.format))
        if fmt.tz is not None:
            args.append("tz=" + jinja_string(fmt.tz))
        args.append("locale=" + jinja_string(self.format_locale))
        args.append("field=" + jinja_string(ref.dotted()))
        if isinstance(fmt.currency, ir.Path):
            args.append("currency_field=" + jinja_string(fmt.currency.dotted()))
        return f"|{formats.FILTER_OF[fmt.kind]}({', '.join(args)})"

    def visit_Output(self, node: ir.Output) -> str:
        typed = self.typed_output(node)
        if typed is not None:
            return "{{ " + typed + " }}"
        out = self.value(node.value)
        if node.url is not None:
            out += self.url_check(node.value.ref, node.url)
        return "{{ " + out + " }}"

    def present(self, path: ir.Path) -> bool:
        """Whether data of the template's types has this path here, not null: always, or
        because an enclosing `if` found it (or a value under it) true."""
        if self.always_present(path):
            return True
        where = self.variable_path(path) if self.variables is not None else None
        return any(where in tested for tested in self.tested)

    def guards(self, path: ir.Path) -> list[str] | None:
        """The tests a stock Jinja needs before it reads `path` as `environment()` reads it,
        for data of the template's types: each object on the way that may be missing or null
        (stock Jinja fails on a field of an undefined value), each list an index reads having
        that item (`lines|length > 1`), and a key named like a dict method being there (stock
        Jinja would read the method). [] without types (`environment()` needs none); None where
        a parent's type is not an object or a list."""
        if self.variables is None:
            return []
        out: list[str] = []
        for i in range(1, len(path.parts)):
            parent, part = ir.Path(path.parts[:i]), path.parts[i]
            var = self.variable(parent)
            if var is None or var.type != ("list" if isinstance(part, int) else "object"):
                return None
            if not self.present(parent):
                out.append(self.ref(parent))
            if isinstance(part, int):
                out.append(f"{self.ref(parent)}|length > {part}")
            elif part in DICT_METHODS and not self.present(ir.Path(path.parts[: i + 1])):
                out.append(f"{jinja_string(part)} in {self.ref(parent)}")
        return out

    def guarded(self, ref: ir.Ref) -> str:
        """The value as a stock Jinja reads it: `(a.b if a)`, undefined where a parent is not
        there (as environment()'s chained undefined)."""
        guards = self.guards(ref) if isinstance(ref, ir.Path) else None
        if not guards:
            return self.ref(ref)
        return f"({self.ref(ref)} if {' and '.join(guards)})"

    def typed_output(self, node: ir.Output) -> str | None:
        """With the template's types, an output a stock `jinja2.Environment` prints as
        `environment()` does: a string as it is, an integer through `int` (3.0 prints 3), a
        number through `int` when it is whole, a boolean as `true`/`false`, then its filters
        and URL check; one that may be missing or null, or under an object that may be, only
        when it is there (`x if x is string`), or its default otherwise (`… else "x"`). None
        where the type (object, list, untyped), a format or a later `default` needs
        `environment()`."""
        value = node.value
        if value.format is not None or not isinstance(value.ref, ir.Path):
            return None
        var = self.variable(value.ref)
        guards = self.guards(value.ref)
        if var is None or var.type not in STOCK_TEST or guards is None:
            return None
        filters = value.filters
        fallback: str | None = None
        if filters and filters[0].name == "default":
            fallback = jinja_string(filters[0].arg or "")
            filters = filters[1:]
        if any(f.name == "default" for f in filters):
            return None
        ref = self.ref(value.ref)
        shown = ref
        if var.type == "integer":
            shown += "|int"
        elif var.type == "number":
            shown = f"{ref}|int if {ref} % 1 == 0 else {ref}"
        elif var.type == "boolean":
            shown = f'"true" if {ref} else "false"'
        after = "".join(f"|{f.name}" for f in filters)
        if node.url is not None:
            after += self.url_check(value.ref, node.url)
        if not self.present(value.ref):
            test = f"{ref} is {STOCK_TEST[var.type].format(ref)}"
            guards.append(f"({test})" if " or " in test else test)
        if not guards:
            return parenthesized(shown) + after if after else shown
        test = " and ".join(guards)
        if fallback is not None:
            either = f"{parenthesized(shown)} if {test} else {fallback}"
            return f"({either}){after}" if after else either
        return f"{parenthesized(shown)}{after} if {test}"

    def url_check(self, ref: ir.Ref, check: ir.UrlCheck) -> str:
        """`|check_url("user.url")`: INERT_URL instead of a value with an unsafe scheme."""
        args = [jinja_string(ref.dotted())]
        if check.suffix:
            args.append("suffix=" + jinja_string(check.suffix))
        if check.open:
            args.append("open=true")
        return "|check_url(" + ", ".join(args) + ")"

    def visit_If(self, node: ir.If) -> str:
        out = ""
        for i, (cond, body) in enumerate(node.branches):
            out += "{% " + ("if " if i == 0 else "elif ") + self.cond(cond) + " %}"
            # In the branch, a value its condition found true is there: `{{ user.nick }}` in
            # `{% if user.nick %}` needs no test of its own.
            tested = {
                self.variable_path(ir.Path(r.parts[:n]))
                for r in truthy_paths(cond)
                for n in range(1, len(r.parts) + 1)
            }
            self.tested.append(tested)
            try:
                out += self.emit(body)
            finally:
                self.tested.pop()
        if node.else_:
            out += "{% else %}" + self.emit(node.else_)
        return out + "{% endif %}"

    def visit_For(self, node: ir.For) -> str:
        # `or []`: a null list loops zero times (Jinja would fail iterating None); a list the
        # template's types always have, or one an enclosing `if` found true, needs none.
        # Under an object or key that may be missing, the list is read only where it is there.
        iterable = self.guarded(node.iterable)
        if not self.present(node.iterable):
            iterable += " or []"
        out = "{% for " + node.target + " in " + iterable + " %}"
        with self.inside(node):
            out += self.emit(node.body)
        if node.else_:
            out += "{% else %}" + self.emit(node.else_)
        return out + "{% endfor %}"

    def cond_Truthy(self, cond: ir.Truthy) -> str:
        return self.guarded(cond.ref)

    def cond_Compare(self, cond: ir.Compare) -> str:
        return f"{self.guarded(cond.ref)} {cond.op} {literal(cond.literal)}"

    def cond_IsCount(self, cond: ir.IsCount) -> str:
        n = self.guarded(cond.ref)
        kind = self.count_type(cond.ref)
        if kind == "integer":
            return f"{n} >= 0"
        if kind == "number":
            return f"({n} % 1 == 0 and {n} >= 0)"
        # `is integer` is false for booleans; a float counts when it has no fraction.
        return f"(({n} is integer or ({n} is float and {n} % 1 == 0)) and {n} >= 0)"

    def cond_IsDecimal(self, cond: ir.IsDecimal) -> str:
        n = self.guarded(cond.ref)
        kind = self.count_type(cond.ref)
        if kind == "integer":
            return "false"
        if kind == "number":
            return f"({n} % 1 != 0 and {n} > 0)"
        return f"({n} is float and {n} % 1 != 0 and {n} > 0)"

    def cond_NumberTest(self, cond: ir.NumberTest) -> str:
        n = self.operand_of(cond)
        return (
            f"{n} % {cond.mod} {cond.op} {cond.value}"
            if cond.mod
            else f"{n} {cond.op} {cond.value}"
        )

    def operand_of(self, cond: ir.NumberTest) -> str:
        """The count, or a CLDR operand of a decimal count read from its printed digits
        (`1.25|string`): i its whole part, v how many digits follow the point, f those digits."""
        n = self.guarded(cond.ref)
        if cond.operand == "i":
            return f"{n}|int"
        if cond.operand == "v":
            return f"({n}|string|length - {n}|int|string|length - 1)"
        if cond.operand == "f":
            return f'{n}|string|replace({n}|int|string ~ ".", "", 1)|int'
        return n


# --- the reference environment ---------------------------------------------------------------


def print_value(value: Any) -> Any:
    """How a value prints in every target: null as empty, booleans and numbers as JSON does."""
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _default(value: Any, fallback: str = "") -> Any:
    """`default("x")`: the fallback when the value is missing or null."""
    if value is None or isinstance(value, ChainableUndefined):
        return fallback
    return value


def _upper(value: Any) -> Any:
    return _case(value, str.upper)


def _lower(value: Any) -> Any:
    return _case(value, str.lower)


def _case(value: Any, fn: Any) -> Any:
    printed = print_value(value)
    if isinstance(printed, Markup):
        return Markup(fn(str(printed)))
    return fn(str(printed)) if not isinstance(printed, ChainableUndefined) else ""


def _printable(value: Any) -> Any:
    """The value as it prints; missing prints empty like null."""
    return "" if isinstance(value, ChainableUndefined) else print_value(value)


def _escape(value: Any) -> Markup:
    """`escape`: HTML-escape the printed value; an already safe value stays as it is."""
    return value if isinstance(value, Markup) else Markup.escape(_printable(value))


def _safe(value: Any) -> Markup:
    """`safe`: the printed value, marked as safe HTML."""
    return value if isinstance(value, Markup) else Markup(str(_printable(value)))


def _format_filter(kind: formats.Kind) -> Any:
    """The environment's filter for one kind of value (tmplkit.i18n.formats, with Babel):
    missing and null print nothing; a value it cannot read is a FormatError naming `field`."""

    def format_value(
        value: Any,
        format: str | None = None,
        tz: str | None = None,
        *,
        locale: str,
        field: str = "value",
    ) -> str:
        if value is None or isinstance(value, ChainableUndefined):
            return ""
        return formats.formatter(kind, format, locale, tz)(value, field)

    format_value.__name__ = formats.FILTER_OF[kind]
    return format_value


def _format_currency(
    value: Any,
    currency: Any,
    format: str | None = None,
    *,
    locale: str,
    field: str = "value",
    currency_field: str = "currency",
) -> str:
    """`format_currency(currency)`: money in the locale, the currency a code or a data value."""
    if value is None or isinstance(value, ChainableUndefined):
        return ""
    if isinstance(currency, ChainableUndefined):
        currency = None
    return formats.formatter("currency", format, locale)(value, field, currency, currency_field)


FORMAT_FILTERS: dict[str, Any] = {
    "format_date": _format_filter("date"),
    "format_datetime": _format_filter("datetime"),
    "format_time": _format_filter("time"),
    "format_decimal": _format_filter("decimal"),
    "format_number": _format_filter("decimal"),
    "format_percent": _format_filter("percent"),
    "format_currency": _format_currency,
}


class UrlReports:
    """The unsafe URLs one message replaced, once per field, for its warnings; `strict` makes
    the first one an error. render.py sets one (URL_REPORTS) around each message it renders."""

    def __init__(self, strict: bool = False) -> None:
        self.strict = strict
        self.fields: dict[str, str] = {}  # field -> the unsafe scheme, in order

    def report(self, field: str, scheme: str) -> None:
        if self.strict:
            raise RenderError(
                f"html: {field}: {describe_unsafe(scheme)}",
                hint=f"send an http, https, mailto, tel or sms URL, or render without --strict "
                f"to print {INERT_URL}",
            )
        self.fields.setdefault(field, scheme)

    @property
    def warnings(self) -> list[str]:
        """`html: user.url: unsafe URL scheme 'javascript' replaced`, one per field."""
        return [f"html: {f}: {describe_unsafe(s)} replaced" for f, s in self.fields.items()]


URL_REPORTS: ContextVar[UrlReports | None] = ContextVar("tmplkit_url_reports", default=None)


# A value that starts so is safe whatever follows it: its scheme is decided and allowed, or it
# has none (markup never takes this way: its character references must be decoded first).
_SAFE_START = re.compile(r"(?:https?|mailto|tel|sms):|[/#?]", re.IGNORECASE).match


def _check_url(value: Any, field: str, suffix: str = "", open: bool = False) -> Any:
    """`check_url(field)`: the value, or INERT_URL when its printed text would give the URL it
    starts an unsafe scheme (see ir.UrlCheck). Markup (`|safe`, `|escape`) is read as the
    browser reads it, character references decoded; any other value as it is (escaped, it
    cannot hold one)."""
    if not value or (type(value) is str and _SAFE_START(value)):
        return value  # the common cases, at once: nothing, an http(s) URL, a relative path
    if isinstance(value, Markup):
        scheme = unsafe_scheme(str(value) + suffix, open=open)
    else:
        scheme = unsafe_scheme(str(_printable(value)) + suffix, decode=False, open=open)
    if scheme is None:
        return value
    reports = URL_REPORTS.get()
    if reports is not None:
        reports.report(field, scheme)
    return INERT_URL


class DataEnvironment(SandboxedEnvironment):
    """A sandbox that reads recipient data as data: JSON values have keys, not attributes.

    Jinja's own lookup falls back from `d["items"]` to the method `d.items` when the key is
    missing, and from `s.upper` to a string method; here a missing key is simply missing.
    """

    def getitem(self, obj: Any, argument: Any) -> Any:
        # JSON data is the common case: a dict skips the ABC check on the hot path.
        if type(obj) is dict or isinstance(obj, Mapping):
            try:
                return obj[argument]
            except (KeyError, TypeError):
                return self.undefined(obj=obj, name=argument)
        if isinstance(obj, (*DATA_SCALARS, list)):
            if isinstance(argument, int) and isinstance(obj, list | str):
                try:
                    return obj[argument]
                except IndexError:
                    pass
            return self.undefined(obj=obj, name=argument)
        return super().getitem(obj, argument)

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        if isinstance(obj, (Mapping, *DATA_SCALARS, list)):
            return self.getitem(obj, attribute)
        return super().getattr(obj, attribute)


DATA_SCALARS = (str, int, float, bool, type(None))


def environment(*, autoescape: bool) -> SandboxedEnvironment:
    """The Jinja environment the jinja target is written for: sandboxed, JSON-like printing.

    Autoescape is on for HTML parts and off for text parts. Missing values chain to empty
    (`a.b.c` with `a` missing prints nothing); null prints empty; `default`, `upper` and
    `lower` treat null like a missing value; `escape` and `safe` print it empty too.
    """
    env = DataEnvironment(
        autoescape=autoescape,
        undefined=ChainableUndefined,
        finalize=print_value,
        keep_trailing_newline=True,
    )
    env.filters["default"] = _default
    env.filters["d"] = _default
    env.filters["upper"] = _upper
    env.filters["lower"] = _lower
    env.filters["escape"] = env.filters["e"] = _escape
    env.filters["safe"] = _safe
    env.filters["check_url"] = _check_url
    env.filters.update(FORMAT_FILTERS)
    env.globals.clear()  # no range(), dict(), lipsum…: a missing `range` key is just missing
    return env


@cache
def shared_environment(autoescape: bool) -> SandboxedEnvironment:
    """One `environment()` per autoescape setting, built once, for code inside tmplkit that
    only parses and renders with it (never changes it)."""
    return environment(autoescape=autoescape)
