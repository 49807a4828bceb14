"""Values the sender formats (Mandrill, SendGrid): companion fields, and `preformat` adding them.

Mandrill's handlebars (and SendGrid's) can register no helper and has no arithmetic and no
string functions, so it cannot format a date or an amount in the reader's locale. With
`inline_formats` the template prints instead a *companion field* that the sender adds beside
the value, in the same object: `{{ order.placed_on|format_date("long") }}` prints
`order.placed_on__date_long`, and inside `{% for line in order.lines %}`,
`line.price|format_currency(order.currency)` prints each item's
`price__currency_order_currency`. The key is the value's own key, `__`, the kind (date,
datetime, time, decimal, percent, currency) and, each after a `_`, the format given, the
currency (a code, or the path it is read from) and the time zone; each run of characters
other than A-Z, a-z and 0-9 becomes one `_`, and a second spec whose key is taken in that
object gets `_2` (then `_3`, …).

`Companions` names them for one compile (every part of it, so that the subject and the HTML
part agree) and keeps the list `Compiled.formatted` holds; `preformat` adds them to a
recipient's data with the reference's own formatter (i18n/formats.py), so that Mandrill prints
what the reference prints: a missing or null value gets no companion (both print nothing), a
value the filter cannot read is the reference's FormatError, word for word.
"""

from __future__ import annotations

import contextlib
import copy
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeAlias

from ..i18n import formats
from ..template import ir

Step: TypeAlias = str | int | None
"""One step from the data's root: a key, an index, or None for each item of the list a loop
walks."""

EACH: Step = None


@dataclass(frozen=True, slots=True)
class Anchored:
    """A path read in a loop's scope: `rest` from the object `at` steps down the value's walk
    (0: the data's root; the item a loop is at, when the path starts at that loop's variable)."""

    at: int
    rest: tuple[ir.Segment, ...]


@dataclass(frozen=True, slots=True)
class FormattedField:
    """A companion field: the formatted text of a value, which the sender adds beside it.

    `path` is the companion's variables-style path (`order.lines[].price__currency_order_currency`:
    `[]` each item of a list a loop walks, `[0]` an index the template reads), `value` the
    value's, `format` the filter, `locale` the locale the compile formats in; `holder` the steps
    to the object holding both, `field` the value's key there and `key` the companion's;
    `written` the value's path and `currency_written` the currency's as the template writes them
    (the reference's error messages name those), and `currency` where a currency read from the
    data is, in the value's scope.
    """

    path: str
    value: str
    format: ir.Format
    locale: str
    holder: tuple[Step, ...]
    field: str
    key: str
    written: str
    currency: Anchored | None = None
    currency_path: str | None = None  # the currency's variables-style path
    currency_written: str = ""

    @property
    def call(self) -> str:
        """The filter as a template writes it: `format_currency(order.currency, "#,##0.00")`."""
        fmt = self.format
        args: list[str] = []
        if self.currency_path is not None:
            args.append(self.currency_path)
        elif isinstance(fmt.currency, str):
            args.append(json.dumps(fmt.currency))
        if fmt.format is not None:
            args.append(json.dumps(fmt.format, ensure_ascii=False))
        if fmt.tz is not None:
            args.append(("" if fmt.format is not None else "tz=") + json.dumps(fmt.tz))
        return f"{formats.FILTER_OF[fmt.kind]}({', '.join(args)})"

    @property
    def holds(self) -> str:
        """What the companion holds, for messages: `format_date("long") of order.placed_on`."""
        return f"{self.call} of {self.value}"

    def to_json(self) -> dict[str, Any]:
        fmt = self.format
        return {
            "path": self.path,
            "value": self.value,
            "filter": formats.FILTER_OF[fmt.kind],
            "format": fmt.format,
            "currency": fmt.currency if isinstance(fmt.currency, str) else None,
            "currencyPath": self.currency_path,
            "tz": fmt.tz,
            "locale": self.locale,
        }


class Refused(Exception):
    """A format the companion convention cannot carry; the emitter words the refusal."""

    def __init__(self, construct: str, hint: str) -> None:
        super().__init__(construct)
        self.construct = construct
        self.hint = hint


NOT_A_FIELD = "a format filter on a value that is not a field of an object"
ON_LOOP_VAR = "a format filter on a loop variable"
OTHER_LOOP = "a format filter with a currency from another loop"
REFUSALS = (NOT_A_FIELD, ON_LOOP_VAR, OTHER_LOOP)


class Companions:
    """The companion fields of one compile, each named once, in the order they are printed."""

    def __init__(self) -> None:
        self.fields: list[FormattedField] = []
        # (holder, key) -> what the companion there holds: a second spec takes `_2`
        self._taken: dict[tuple[tuple[Step, ...], str], tuple[object, ...]] = {}
        self._named: dict[tuple[object, ...], FormattedField] = {}

    def field(self, value: ir.Value, loops: Sequence[ir.For], locale: str) -> FormattedField:
        """The companion of a formatted value printed inside `loops` (outermost first), in
        `locale`."""
        fmt, ref = value.format, value.ref
        assert fmt is not None
        if isinstance(ref, ir.LoopVar):
            raise Refused(
                ON_LOOP_VAR,
                f"{ref.dotted()} is not in the data; send the number formatted in a field of "
                "each item and print that field",
            )
        steps, chain = walk(ref, loops)
        last = steps[-1]
        if not isinstance(last, str):  # a loop's item itself, or an item read by its index
            raise Refused(
                NOT_A_FIELD,
                "the formatted text is sent beside the value, in the object that holds it; make "
                'each item an object ({"value": …}) and format its field',
            )
        holder = steps[:-1]
        currency = currency_path = None
        if isinstance(fmt.currency, ir.Path):
            currency = anchor(fmt.currency, loops, chain)
            currency_path = variables_path(fmt.currency, loops)
        identity = (holder, last, fmt, currency)
        named = self._named.get(identity)
        if named is not None:
            return named
        base = companion_key(last, fmt)
        key, n = base, 1
        while self._taken.get((holder, key), identity) != identity:
            n += 1
            key = f"{base}_{n}"
        self._taken[holder, key] = identity
        named = FormattedField(
            path=dotted((*holder, key)),
            value=dotted(steps),
            format=fmt,
            locale=locale,
            holder=holder,
            field=last,
            key=key,
            written=ref.dotted(),
            currency=currency,
            currency_path=currency_path,
            currency_written=fmt.currency.dotted() if isinstance(fmt.currency, ir.Path) else "",
        )
        self._named[identity] = named
        self.fields.append(named)
        return named


# One compile's companions, shared by the emitters of its parts (compiler.compile_sources opens
# it; pipeline.emit_part makes one emitter per part); an emitter outside one names its own.
_CURRENT: ContextVar[Companions | None] = ContextVar("tmplkit_companions", default=None)


@contextlib.contextmanager
def naming() -> Iterator[Companions]:
    """Name the companions of every part emitted inside, once, in one `Companions`."""
    companions = Companions()
    token = _CURRENT.set(companions)
    try:
        yield companions
    finally:
        _CURRENT.reset(token)


def current() -> Companions | None:
    """The `Companions` of the compile in progress, if one opened `naming()`."""
    return _CURRENT.get()


# --- names and paths ----------------------------------------------------------------------------

_OTHER = re.compile(r"[^A-Za-z0-9]+")


def companion_key(field: str, fmt: ir.Format) -> str:
    """`placed_on__date_long`: the value's key, the kind, the format, the currency, the zone."""
    pieces: list[str] = [fmt.kind]
    if fmt.format is not None:
        pieces.append(fmt.format)
    if isinstance(fmt.currency, ir.Path):
        pieces.append(fmt.currency.dotted())
    elif fmt.currency is not None:
        pieces.append(fmt.currency)
    if fmt.tz is not None:
        pieces.append(fmt.tz)
    return _OTHER.sub("_", field) + "__" + "_".join(_OTHER.sub("_", p) for p in pieces)


def walk(path: ir.Path, loops: Sequence[ir.For]) -> tuple[tuple[Step, ...], list[tuple[int, int]]]:
    """The steps from the data's root to `path` read inside `loops`, and the loops the walk goes
    through: (the position after that loop's EACH step, the loop's index in `loops`)."""
    for i in reversed(range(len(loops))):
        if loops[i].target == path.root:
            steps, chain = walk(loops[i].iterable, loops[:i])
            steps += (EACH,)
            chain = [*chain, (len(steps), i)]
            return steps + path.parts[1:], chain
    return path.parts, []


def anchor(path: ir.Path, loops: Sequence[ir.For], chain: list[tuple[int, int]]) -> Anchored:
    """Where a currency path is read, in the value's walk: from the root, or from the item of a
    loop the value's walk goes through (another loop's item changes as the value does not)."""
    for i in reversed(range(len(loops))):
        if loops[i].target == path.root:
            at = next((pos for pos, loop in chain if loop == i), None)
            if at is None:
                raise Refused(
                    OTHER_LOOP,
                    f"the formatted text is sent once beside the value, but {path.root} changes "
                    "where the value does not; read the currency from the value's own item or "
                    "from the data's root",
                )
            return Anchored(at, path.parts[1:])
    return Anchored(0, path.parts)


def variables_path(path: ir.Path, loops: Sequence[ir.For]) -> str:
    """`order.lines[].price` for `line.price` inside `for line in order.lines`; an index as
    `[0]` (the template reads that item only)."""
    return dotted(walk(path, loops)[0])


def dotted(steps: Sequence[Step]) -> str:
    """Steps written as a variables-style path: `order.lines[].price`, `lines[0].price`."""
    out = str(steps[0])
    for step in steps[1:]:
        if step is None:  # EACH
            out += "[]"
        elif isinstance(step, int):
            out += f"[{step}]"
        else:
            out += f".{step}"
    return out


# --- the sender's side: the companions added to a recipient's data ------------------------------


def preformat(data: Mapping[str, Any], fields: Sequence[FormattedField]) -> dict[str, Any]:
    """A deep copy of `data` with every companion added, formatted in its locale as the
    reference formats it; a missing or null value gets none (a stale one is removed). Raises the
    reference's FormatError for a value (or currency) the filter cannot read."""
    out = copy.deepcopy(dict(data))
    for field in fields:
        for trail in _holders(out, field.holder, (out,)):
            holder = trail[-1]
            if not isinstance(holder, dict):
                continue  # the value is missing: the reference and Mandrill print nothing
            value = holder.get(field.field)
            if value is None:
                holder.pop(field.key, None)
                continue
            holder[field.key] = _formatted(field, value, trail)
    return out


def _holders(
    obj: Any, steps: tuple[Step, ...], trail: tuple[Any, ...]
) -> Iterator[tuple[Any, ...]]:
    """Each object the steps reach, with the objects met on the way (after each step)."""
    if not steps:
        yield trail
        return
    step, rest = steps[0], steps[1:]
    if step is None:  # EACH
        for item in obj if isinstance(obj, list) else ():
            yield from _holders(item, rest, (*trail, item))
        return
    found = _get(obj, step)
    if found is not _MISSING:
        yield from _holders(found, rest, (*trail, found))


_MISSING = object()


def _get(obj: Any, step: ir.Segment) -> Any:
    """A key of an object, an index of a list: read by key only, as the reference reads."""
    if isinstance(step, int):
        if isinstance(obj, list) and 0 <= step < len(obj):
            return obj[step]
        return _MISSING
    if isinstance(obj, dict) and step in obj:
        return obj[step]
    return _MISSING


def _formatted(field: FormattedField, value: Any, trail: tuple[Any, ...]) -> str:
    fmt = field.format
    currency: Any = fmt.currency
    if field.currency is not None:
        currency = trail[field.currency.at]
        for step in field.currency.rest:
            currency = _get(currency, step)
        currency = None if currency is _MISSING else currency
    return formats.format_value(
        value,
        fmt.kind,
        fmt.format,
        field.locale,
        field=field.written,
        tz=fmt.tz,
        currency=currency,
        currency_field=field.currency_written or "currency",
    )


__all__ = [
    "REFUSALS",
    "Companions",
    "FormattedField",
    "Refused",
    "companion_key",
    "current",
    "naming",
    "preformat",
]
