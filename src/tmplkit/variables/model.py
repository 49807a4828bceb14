"""Typed variables: what a template reads, with types inferred, declared, and checked on data.

A variable is a data path written with `[]` for a list's items: `order.total`,
`order.lines` (a list), `order.lines[]` (each item, an object), `order.lines[].price`. Its type
comes from three places, each refining the one before (see docs/variables.md):

1. how the template uses it (a lower bound): `format_currency` makes a number, `format_date` a
   date, `for … in` a list, a comparison with "express" a string, a plural count a number, a
   path with fields an object; a value only printed is a string or a number ("scalar"), one
   only tested in an `if` may be anything ("any");
2. the template's sample data (sample.json) narrows a "scalar" or "any" to the JSON type of its
   sample value (a JSON number is a "number": a sample's 3 does not make a count an integer);
3. template.toml's `[variables]` table, which wins.

A variable is required (present and not null) when every message needs it: the template
prints it, formats it or counts with it, outside any `if` or loop. Printed with `default(...)`,
only tested, looped over (a missing list is an empty one), or used only inside an `if` or a
loop's body, it may be missing or null. In a loop's body, the fields of the items it prints are
required of every item (relative to its parent: the list itself may still be missing).
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any, Literal, TypeAlias, get_args

from ..errors import ProjectError, RenderError
from ..i18n.formats import NUMBER_RE, shown, to_date, to_datetime
from ..store.layout import TEMPLATE_FILE
from ..template import ir

TypeName: TypeAlias = Literal[
    "string",
    "number",
    "integer",
    "boolean",
    "date",
    "datetime",
    "object",
    "list",
    "scalar",
    "any",
]
TYPES: tuple[TypeName, ...] = get_args(TypeName)
Source: TypeAlias = Literal["template", "sample", "template.toml"]

EXPECTED: dict[TypeName, str] = {
    "string": "a string",
    "number": "a number",
    "integer": "an integer",
    "boolean": "true or false",
    "date": "a date (YYYY-MM-DD)",
    "datetime": "a datetime (YYYY-MM-DDTHH:MM:SS)",
    "object": "an object",
    "list": "a list",
    "scalar": "a string or a number",
    "any": "any value",
}

_SCHEMA: dict[TypeName, dict[str, Any]] = {
    "string": {"type": "string"},
    "number": {"type": "number"},
    "integer": {"type": "integer"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
    "datetime": {"type": "string", "format": "date-time"},
    "object": {"type": "object"},
    "list": {"type": "array"},
    "scalar": {"type": ["string", "number"]},
    "any": {},
}

JSON_SCHEMA_DRAFT = "https://json-schema.org/draft/2020-12/schema"

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
PATH_RE = re.compile(rf"{_NAME}(?:\.{_NAME}|\[\])*\Z")
ITEMS = "[]"


@dataclass(frozen=True, slots=True)
class Variable:
    """One data path a template reads: its type, whether it must be there (present and not
    null; fields relative to their parent), and what decided the type."""

    path: str
    type: TypeName
    required: bool
    source: Source = "template"

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "type": self.type,
            "required": self.required,
            "source": self.source,
        }


@dataclass(frozen=True)
class Variables:
    """A template's typed variables, sorted by path (a parent before its fields)."""

    items: tuple[Variable, ...] = ()

    def __iter__(self) -> Iterator[Variable]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def get(self, path: str) -> Variable | None:
        return self._by_path.get(path)

    def to_json(self) -> list[dict[str, Any]]:
        return [v.to_json() for v in self.items]

    def json_schema(self, title: str | None = None) -> dict[str, Any]:
        """The JSON Schema (draft 2020-12) of the data the template reads: one property per
        variable, `required` where it must be there, `null` allowed where it may be missing."""
        schema: dict[str, Any] = {"$schema": JSON_SCHEMA_DRAFT}
        if title:
            schema["title"] = title
        schema["type"] = "object"
        schema.update(self._properties(""))
        return schema

    def validate(
        self, data: Mapping[str, Any], *, csv: bool = False, skip: Iterable[str] = ()
    ) -> list[str]:
        """Every problem of a recipient's data, one line each with its path:
        `order.lines[2].price: expected a number, got "abc"`. Fields the template does not
        read are not checked, nor the paths in `skip`. `csv`: the data comes from CSV, which
        has no numbers, so a cell of digits (`49.00`) is a number."""
        problems: list[str] = []
        skipped = frozenset(skip)
        checked = (
            Variables(tuple(v for v in self.items if v.path not in skipped)) if skipped else self
        )
        checked._check_fields(data, "", "", problems, csv)
        return problems

    # --- the tree the flat paths make ---------------------------------------------------

    def _children(self, parent: str) -> list[tuple[str, Variable]]:
        """(field name, variable) of each field of `parent` ("" for the top level)."""
        return self._tree.get(parent, [])

    @cached_property
    def _tree(self) -> dict[str, list[tuple[str, Variable]]]:
        """Each parent's fields, worked out once: a batch checks every record against them."""
        tree: dict[str, list[tuple[str, Variable]]] = {}
        for v in self.items:
            parent, dot, name = v.path.rpartition(".")
            if name.endswith(ITEMS):
                continue  # a list's items: found by their list's path
            tree.setdefault(parent if dot else "", []).append((name, v))
        return tree

    @cached_property
    def _by_path(self) -> dict[str, Variable]:
        return {v.path: v for v in self.items}

    def _schema(self, var: Variable) -> dict[str, Any]:
        schema = dict(_SCHEMA[var.type])
        if var.type == "object":
            schema.update(self._properties(var.path))
        elif var.type == "list":
            items = self.get(var.path + ITEMS)
            if items is not None:
                schema["items"] = self._schema(items)
        if not var.required and "type" in schema:
            kinds = schema["type"]
            schema["type"] = [*kinds, "null"] if isinstance(kinds, list) else [kinds, "null"]
        return schema

    def _properties(self, parent: str) -> dict[str, Any]:
        fields = self._children(parent)
        out: dict[str, Any] = {"properties": {n: self._schema(v) for n, v in fields}}
        required = [n for n, v in fields if v.required]
        if required:
            out["required"] = required
        return out

    def _check_fields(
        self, data: Mapping[str, Any], parent: str, shown_at: str, problems: list[str], csv: bool
    ) -> None:
        for name, var in self._children(parent):
            where = f"{shown_at}.{name}" if shown_at else name
            if name not in data:
                if var.required:
                    problems.append(f"{where}: missing (expected {EXPECTED[var.type]})")
                continue
            self._check(data[name], var, where, problems, csv)

    def _check(self, value: Any, var: Variable, where: str, problems: list[str], csv: bool) -> None:
        if value is None:
            if var.required:
                problems.append(f"{where}: expected {EXPECTED[var.type]}, got null")
            return
        if not _is(value, var.type, csv):
            problems.append(f"{where}: expected {EXPECTED[var.type]}, got {_got(value)}")
            return
        if isinstance(value, Mapping):
            self._check_fields(value, var.path, where, problems, csv)
        elif isinstance(value, list | tuple):
            items = self.get(var.path + ITEMS)
            if items is not None:
                for i, item in enumerate(value):
                    self._check(item, items, f"{where}[{i}]", problems, csv)


def _is(value: Any, kind: TypeName, csv: bool) -> bool:
    is_number = isinstance(value, int | float | decimal.Decimal) and not isinstance(value, bool)
    if kind == "string":
        return isinstance(value, str)
    if kind == "number":
        return is_number or (csv and isinstance(value, str) and bool(NUMBER_RE.match(value)))
    if kind == "integer":
        if csv and isinstance(value, str):
            return value.lstrip("-").isdigit()
        return is_number and value == int(value)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind in ("date", "datetime"):
        try:  # what format_date / format_datetime accept
            (to_date if kind == "date" else to_datetime)(value, "")
        except RenderError:
            return False
        return True
    if kind == "object":
        return isinstance(value, Mapping)
    if kind == "list":
        return isinstance(value, list | tuple)
    if kind == "scalar":
        return isinstance(value, str) or is_number or isinstance(value, dt.date | dt.time)
    return True


def _got(value: Any) -> str:
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    return shown(value)


# --- inference from the template -----------------------------------------------------------


# What a format makes of its value (format_time also takes "10:30": a string).
_FORMATTED: dict[str, TypeName] = {"date": "date", "datetime": "datetime", "time": "scalar"}


@dataclass(frozen=True, slots=True)
class _Where:
    """Where a use is: inside which loops (their lists' paths), and whether inside an `if`."""

    loops: frozenset[str] = frozenset()
    conditional: bool = False


@dataclass
class _Use:
    type: TypeName
    required: bool = False
    source: Source = "template"


class _Inference:
    """Walks a template's IR, collecting each path's type and whether it must be there."""

    def __init__(self) -> None:
        self.found: dict[str, _Use] = {}

    def use(self, path: str, kind: TypeName, hard: bool, where: _Where) -> None:
        """`path` is used as `kind`; `hard`: the template needs it there (printed without a
        default). In a loop's body an item's fields are needed in every item (the list itself
        is not: the body runs only for items); inside an `if` nothing else is needed."""
        prefixes = _prefixes(path)
        loops = [p for p in prefixes if p in where.loops]
        if loops:
            below = prefixes.index(loops[-1]) + 1
        else:
            below = len(prefixes) if where.conditional else 0
        for i, prefix in enumerate(prefixes):
            step = prefixes[i + 1] if i + 1 < len(prefixes) else None
            if step is None:
                this: TypeName = kind
            else:
                this = "list" if step == prefix + ITEMS else "object"
            use = self.found.setdefault(prefix, _Use("any"))
            use.type = _narrower(use.type, this)
            if hard and i >= below:
                use.required = True

    def visit(self, body: ir.Body, scope: dict[str, str], where: _Where) -> None:
        for node in body:
            if isinstance(node, ir.Output):
                self.value(node.value, scope, where)
            elif isinstance(node, ir.If):
                # A plural's forms (conditions on its count only) are one output, not an if.
                plural = all(_plural_test(cond) for cond, _ in node.branches)
                inside = where if plural else _Where(where.loops, conditional=True)
                for cond, branch in node.branches:
                    self.cond(cond, scope, where)
                    self.visit(branch, scope, inside)
                self.visit(node.else_, scope, inside)
            elif isinstance(node, ir.For):
                iterable = self.path(node.iterable, scope)
                items = iterable + ITEMS
                self.use(items, "any", False, where)  # looping over nothing prints nothing
                # The body runs only for items: besides the items' fields, nothing is needed.
                each = _Where(where.loops | {iterable}, conditional=True)
                self.visit(node.body, {**scope, node.target: items}, each)
                self.visit(node.else_, scope, where)
            elif isinstance(node, ir.Trans):
                for name, value in node.bindings:
                    self.value(value, scope, where, count=name == node.count)

    def path(self, ref: ir.Path, scope: dict[str, str]) -> str:
        """`line.price` in `for line in order.lines` is `order.lines[].price`."""
        out = scope.get(ref.root, ref.root)
        for part in ref.parts[1:]:
            out += ITEMS if isinstance(part, int) else f".{part}"
        return out

    def value(
        self,
        value: ir.Value,
        scope: dict[str, str],
        where: _Where,
        *,
        count: bool = False,
    ) -> None:
        if not isinstance(value.ref, ir.Path):
            return  # loop.index and friends
        hard = not any(f.name == "default" for f in value.filters)
        kind: TypeName = "number" if count else "scalar"
        fmt = value.format
        if fmt is not None:
            kind = _FORMATTED.get(fmt.kind, "number")
            if isinstance(fmt.currency, ir.Path):
                self.use(self.path(fmt.currency, scope), "string", hard, where)
        elif any(f.name in ("upper", "lower") for f in value.filters):
            kind = "string"
        self.use(self.path(value.ref, scope), kind, hard, where)

    def cond(self, cond: ir.Cond, scope: dict[str, str], where: _Where) -> None:
        if isinstance(cond, ir.Not):
            self.cond(cond.expr, scope, where)
        elif isinstance(cond, ir.And | ir.Or):
            self.cond(cond.left, scope, where)
            self.cond(cond.right, scope, where)
        elif isinstance(cond.ref, ir.Path):
            path = self.path(cond.ref, scope)
            if isinstance(cond, ir.Truthy):
                self.use(path, "any", False, where)
            elif isinstance(cond, ir.Compare):
                kind: TypeName = "string" if isinstance(cond.literal, str) else "number"
                self.use(path, kind, False, where)
            else:  # a plural count's tests: the count is needed as the forms print it
                self.use(path, "number", True, where)


def _plural_test(cond: ir.Cond) -> bool:
    if isinstance(cond, ir.Not):
        return _plural_test(cond.expr)
    if isinstance(cond, ir.And | ir.Or):
        return _plural_test(cond.left) and _plural_test(cond.right)
    return isinstance(cond, ir.IsCount | ir.IsDecimal | ir.NumberTest)


def _prefixes(path: str) -> list[str]:
    """`a.b[].c` → a, a.b, a.b[], a.b[].c."""
    return [path[: m.start()] for m in re.finditer(r"\.|\[\]", path)] + [path]


def _narrower(old: TypeName, new: TypeName) -> TypeName:
    """Two uses of one path: the more specific type (the first of two specific ones)."""
    if old == "any":
        return new
    if old == "scalar" and new != "any":
        return new
    return old


def _json_kind(value: Any) -> TypeName | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float | decimal.Decimal):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, list | tuple):
        return "list"
    return "any"


def _sample_values(data: Mapping[str, Any], path: str) -> list[Any]:
    values: list[Any] = [data]
    for m in re.finditer(rf"(?:^|\.)({_NAME})|(\[\])", path):
        if m.group(2):
            values = [x for v in values if isinstance(v, list) for x in v]
        else:
            values = [v[m.group(1)] for v in values if isinstance(v, Mapping) and m.group(1) in v]
    return values


def infer(bodies: list[ir.Body], sample: Mapping[str, Any] | None = None) -> Variables:
    """The variables the parts' IR reads, typed by their use, refined by the sample data."""
    inference = _Inference()
    for body in bodies:
        inference.visit(body, {}, _Where())
    found = inference.found
    if sample is not None:
        for path, use in found.items():
            values = _sample_values(sample, path)
            kinds = {_json_kind(v) for v in values}
            if None in kinds:  # the sample sends null: it may be
                use.required = False
                kinds.discard(None)
            if len(kinds) != 1:
                continue
            kind = kinds.pop()
            if use.type == "any" or (use.type == "scalar" and kind in ("string", "number")):
                assert kind is not None
                use.type = kind
                use.source = "sample"
    return Variables(
        tuple(Variable(p, u.type, u.required, u.source) for p, u in sorted(found.items()))
    )


# --- declarations in template.toml -------------------------------------------------------


def declare(
    variables: Variables, table: Mapping[str, Any], *, file: str = TEMPLATE_FILE, text: str = ""
) -> Variables:
    """`variables` with template.toml's `[variables]` declarations applied: they win.

    A declaration is `"PATH" = "TYPE"` or `"PATH" = { type = "TYPE", required = BOOL }`
    (either key may be left out). A bad one is a ProjectError naming `file`:line (found in
    `text`, the file's content)."""
    found = {v.path: v for v in variables}
    for path, value in table.items():
        where = f"{file}:{_line_of(text, path)}: [variables] {_quoted(path)}"
        if not PATH_RE.match(path):
            raise ProjectError(
                f"{where}: not a data path",
                hint='names joined by dots, [] for a list\'s items: "order.lines[].price"',
            )
        kind, required = _declaration(value, where)
        for prefix in _prefixes(path)[:-1]:  # a declared field's parents exist
            if prefix not in found:
                parent: TypeName = "list" if path.startswith(prefix + ITEMS) else "object"
                found[prefix] = Variable(prefix, parent, False, "template.toml")
        old = found.get(path, Variable(path, kind or "any", False, "template.toml"))
        found[path] = replace(
            old,
            type=kind or old.type,
            required=old.required if required is None else required,
            source="template.toml",
        )
    return Variables(tuple(found[p] for p in sorted(found)))


def _declaration(value: Any, where: str) -> tuple[TypeName | None, bool | None]:
    if isinstance(value, str):
        return _type_name(value, where), None
    if not isinstance(value, Mapping):
        raise ProjectError(
            f"{where}: a declaration is a type name or a table",
            hint='"order.total" = "number" or "order.note" = { type = "string", required = false }',
        )
    for key in value:
        if key not in ("type", "required"):
            raise ProjectError(
                f"{where}: unknown key {_quoted(key)}",
                hint='a declaration has "type" and "required"; quote a dotted path as a whole',
            )
    kind = value.get("type")
    required = value.get("required")
    if required is not None and not isinstance(required, bool):
        raise ProjectError(f"{where}: required must be true or false, not {shown(required)}")
    if kind is not None and not isinstance(kind, str):
        raise ProjectError(f"{where}: type must be a string, not {shown(kind)}")
    return (_type_name(kind, where) if kind is not None else None), required


def _type_name(name: str, where: str) -> TypeName:
    for t in TYPES:
        if t == name:
            return t
    raise ProjectError(f"{where}: unknown type {_quoted(name)}", hint=f"one of {', '.join(TYPES)}")


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _line_of(text: str, path: str) -> int:
    """The line of template.toml that declares `path` (a quoted or bare key, a bare dotted
    key starting with it, or a `[variables."PATH"]` table), else that of `[variables]`,
    else 1."""
    key = rf"(?:\"{re.escape(path)}\"|'{re.escape(path)}'|{re.escape(path)})"
    declared = re.compile(rf"\s*(?:{key}\s*[=.]|\[\s*variables\s*\.\s*{key}\s*\])")
    table = re.compile(r"\s*\[\s*variables\s*\]")
    fallback = 1
    for n, line in enumerate(text.splitlines(), 1):
        if declared.match(line):
            return n
        if fallback == 1 and table.match(line):
            fallback = n
    return fallback
