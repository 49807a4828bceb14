"""tmplkit's intermediate representation: small, immutable nodes every stage shares.

A template becomes a tree of these nodes (see parse.py). Emitters (targets/) are visitors with
one method per node type, so adding a node shows every emitter that must learn it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, TypeAlias, TypeVar

# --- limits --------------------------------------------------------------------------------

MAX_DEPTH = 64
"""How deeply `if`, `for`, `trans` (or `_()`) and `include` may nest, each one level, an included
block's content counted below its include. Every stage (Jinja's parser and compiler among them)
recurses on nesting, and Python compiles a Jinja template to code indented once per level (100
at most), so the limit is checked on the source before anything else reads it."""

MAX_LOOPS = 16
"""How many `for` loops may nest: Jinja (the reference) and Cheetah compile a loop to a Python
`for`, and Python allows 20 statically nested blocks."""

MAX_EXPRESSION_DEPTH = 32
"""How deeply one expression may nest: parentheses, `not`, `and`/`or` operands, attribute and
index steps, filters. Each is a level of recursion in Jinja's parser and compiler and a level of
parentheses (200 at most) in the Python code Jinja writes."""

# --- positions -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pos:
    """Where a construct starts in its source: 1-based line and column."""

    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.line}:{self.col}"


NOWHERE = Pos(0, 0)

# --- values --------------------------------------------------------------------------------

Segment: TypeAlias = str | int
"""One step of a path: an attribute/key name, or a list index."""


@dataclass(frozen=True, slots=True)
class Path:
    """A reference into the recipient data, or into a loop variable: `order.lines[0].name`."""

    parts: tuple[Segment, ...]

    @property
    def root(self) -> str:
        return str(self.parts[0])

    def dotted(self) -> str:
        out = str(self.parts[0])
        for p in self.parts[1:]:
            out += f"[{p}]" if isinstance(p, int) else f".{p}"
        return out

    def __str__(self) -> str:
        return self.dotted()


LoopAttr = Literal["index", "index0", "first", "last"]


@dataclass(frozen=True, slots=True)
class LoopVar:
    """`loop.index`, `loop.index0`, `loop.first`, `loop.last` of the innermost loop."""

    attr: LoopAttr

    def dotted(self) -> str:
        return f"loop.{self.attr}"

    def __str__(self) -> str:
        return self.dotted()


Ref: TypeAlias = Path | LoopVar


@dataclass(frozen=True, slots=True)
class Filter:
    """A portable filter on an output: default("x"), upper, lower, safe or escape."""

    name: Literal["default", "upper", "lower", "safe", "escape"]
    arg: str | None = None


FormatKind = Literal["date", "datetime", "time", "decimal", "percent", "currency"]


@dataclass(frozen=True, slots=True)
class Format:
    """A value formatted in the recipient's locale with CLDR's data (Babel): `format_date`,
    `format_datetime`, `format_time`, `format_decimal` (`format_number`), `format_percent`,
    `format_currency` (see i18n/formats.py). It applies to the value first; the filters follow.

    `format` is a width (short, medium, long, full) or a CLDR pattern for dates and times, a
    CLDR number pattern or None (the locale's own) for numbers; `currency` an ISO 4217 code or
    the path of one in the data; `tz` the IANA time zone a datetime is shown in (None: as
    written).
    """

    kind: FormatKind
    format: str | None = None
    currency: str | Path | None = None
    tz: str | None = None


@dataclass(frozen=True, slots=True)
class Value:
    """A reference with its format and filters, as printed by an output or bound in a
    translation."""

    ref: Ref
    filters: tuple[Filter, ...] = ()
    format: Format | None = None

    @property
    def safe(self) -> bool:
        """True when an HTML part prints the value raw.

        The first of `|safe` and `|escape` decides, as in Jinja: escaping a value already
        marked safe changes nothing, and marking escaped text safe does not unescape it.
        """
        for f in self.filters:
            if f.name in ("safe", "escape"):
                return f.name == "safe"
        return False

    @property
    def escaped(self) -> bool:
        """True when `|escape` escapes the value even in a text part (it comes before `|safe`)."""
        for f in self.filters:
            if f.name in ("safe", "escape"):
                return f.name == "escape"
        return False


# --- conditions ----------------------------------------------------------------------------

Literal_: TypeAlias = str | int | float


@dataclass(frozen=True, slots=True)
class Truthy:
    """The truthiness of a value: missing, null, false, 0, "", [] and {} are false."""

    ref: Ref


@dataclass(frozen=True, slots=True)
class Compare:
    """`ref == literal` or `ref != literal`."""

    ref: Ref
    op: Literal["==", "!="]
    literal: Literal_


@dataclass(frozen=True, slots=True)
class IsCount:
    """True when the value is a whole number >= 0: an int, or a float with no fraction; not a
    boolean. Plural selection tests it first; NumberTest is only evaluated where it holds."""

    ref: Ref


@dataclass(frozen=True, slots=True)
class IsDecimal:
    """True when the value is a number > 0 with a fraction (1.5; not 2.0, not a boolean).
    Plural selection tests it where IsCount failed: such a count chooses its form by the CLDR
    operands of its digits (NumberTest with operand i, v or f)."""

    ref: Ref


Operand: TypeAlias = Literal["n", "i", "v", "f"]


@dataclass(frozen=True, slots=True)
class NumberTest:
    """A plural rule's test on a count: `operand % mod <op> value` (`operand <op> value` without
    `mod`). Operand `n` is the count itself, only evaluated where IsCount holds for the same
    value; `i`, `v` and `f` are CLDR operands of a decimal count as printed (1.25: i = 1, the
    integer digits; v = 2, how many fraction digits; f = 25, the fraction digits as a whole
    number), only evaluated where IsDecimal holds (see i18n/plural.py).
    """

    ref: Ref
    op: Literal["==", "!=", "<", ">", "<=", ">="]
    value: int
    mod: int | None = None
    operand: Operand = "n"


@dataclass(frozen=True, slots=True)
class Not:
    expr: Cond


@dataclass(frozen=True, slots=True)
class And:
    left: Cond
    right: Cond


@dataclass(frozen=True, slots=True)
class Or:
    left: Cond
    right: Cond


Cond: TypeAlias = Truthy | Compare | IsCount | IsDecimal | NumberTest | Not | And | Or

# --- nodes ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Text:
    """Literal template text, printed verbatim whatever delimiters it contains.

    `translation` names the translation the text comes from (for messages: `template welcome:
    "Shop now"`), None for the template's own text: a translation is not trusted where a URL
    starts (see htmlcontext.py).
    """

    text: str
    translation: str | None = None


@dataclass(frozen=True, slots=True)
class UrlCheck:
    """How an output that may start a URL's scheme is checked (see htmlcontext.py).

    Every target prints INERT_URL (urls.py) instead of the value when
    `unsafe_scheme(printed + suffix, open=open)` finds a scheme: `printed` is the value after its
    filters, before HTML escaping; `suffix` is the template text right after the output that
    could still belong to the scheme (`{{ scheme }}://…` gives ":"), made only of scheme
    characters and a final ":"; `open` says scheme letters may come before the value.
    """

    suffix: str = ""
    open: bool = False


@dataclass(frozen=True, slots=True)
class Output:
    """`{{ value }}`: escaped in HTML parts unless the value is `|safe`.

    `url` is set when the value lands where a URL's scheme is decided (an `href`, `src`, …
    with no fixed scheme before it): the printed value is then checked (see UrlCheck).
    """

    value: Value
    pos: Pos = NOWHERE
    url: UrlCheck | None = None


@dataclass(frozen=True, slots=True)
class If:
    """`if`/`elif` branches (condition, body) and an optional `else` body."""

    branches: tuple[tuple[Cond, Body], ...]
    else_: Body = ()
    pos: Pos = NOWHERE


@dataclass(frozen=True, slots=True)
class For:
    """`for target in iterable` with an optional `else` body for an empty or missing list."""

    target: str
    iterable: Path
    body: Body
    else_: Body = ()
    pos: Pos = NOWHERE


@dataclass(frozen=True, slots=True)
class Trans:
    """A translatable string: msgid (with `%(name)s` placeholders and `%%`), plural, context.

    `bindings` maps each placeholder name to the value it prints; `count` names the binding
    that chooses the plural form. `comment` is the translator comment written just before it.
    """

    msgid: str
    plural: str | None = None
    context: str | None = None
    bindings: tuple[tuple[str, Value], ...] = ()
    count: str | None = None
    comment: str | None = None
    pos: Pos = NOWHERE

    def binding(self, name: str) -> Value | None:
        for n, v in self.bindings:
            if n == name:
                return v
        return None


@dataclass(frozen=True, slots=True)
class BlockRef:
    """`{% include "blocks/NAME" %}`: a reusable block, inlined before emitting.

    `depth` is the include's own nesting level (1 at the top of its source; see MAX_DEPTH):
    the block's content nests below it.
    """

    name: str
    pos: Pos = NOWHERE
    depth: int = field(default=1, compare=False)


@dataclass(frozen=True, slots=True)
class BlockDef:
    """`{% block NAME %}…{% endblock %}`: a slot of a layout with its default content, or a
    draft's content for the slot of the layout it extends. Resolved before emitting (see
    layouts.py): a part that extends nothing prints its blocks in place."""

    name: str
    body: Body
    pos: Pos = NOWHERE


@dataclass(frozen=True, slots=True)
class Extends:
    """`{% extends "layouts/NAME" %}` and the blocks the part fills: the whole of a part that
    extends a layout (nothing else of it would print). Resolved before emitting."""

    layout: str
    blocks: tuple[BlockDef, ...]
    pos: Pos = NOWHERE


@dataclass(frozen=True, slots=True)
class Super:
    """`{{ super() }}` in a block: the content the extended layout gives that block."""

    pos: Pos = NOWHERE


Node: TypeAlias = Text | Output | If | For | Trans | BlockRef | BlockDef | Extends | Super
Body: TypeAlias = tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Template:
    """One parsed source: its nodes and where it came from."""

    body: Body
    file: str = "<template>"
    source_hash: str = field(default="", compare=False)
    depth: int = field(default=0, compare=False)  # its deepest nesting level (see MAX_DEPTH)


def walk(body: Body) -> list[Node]:
    """Every node of a body, depth first, in document order."""
    out: list[Node] = []
    for node in body:
        out.append(node)
        if isinstance(node, If):
            for _, b in node.branches:
                out.extend(walk(b))
            out.extend(walk(node.else_))
        elif isinstance(node, For):
            out.extend(walk(node.body))
            out.extend(walk(node.else_))
        elif isinstance(node, BlockDef):
            out.extend(walk(node.body))
        elif isinstance(node, Extends):
            out.extend(walk(node.blocks))
    return out


N = TypeVar("N", bound=Node)


def replace(body: Body, kind: type[N], fn: Callable[[N], Body]) -> Body:
    """The body with every node of `kind` replaced by `fn(node)`, at any depth."""
    out: list[Node] = []
    for node in body:
        if isinstance(node, kind):
            out.extend(fn(node))
        elif isinstance(node, If):
            branches = tuple((c, replace(b, kind, fn)) for c, b in node.branches)
            out.append(If(branches, replace(node.else_, kind, fn), node.pos))
        elif isinstance(node, For):
            out.append(
                For(
                    node.target,
                    node.iterable,
                    replace(node.body, kind, fn),
                    replace(node.else_, kind, fn),
                    node.pos,
                )
            )
        elif isinstance(node, BlockDef):
            out.append(BlockDef(node.name, replace(node.body, kind, fn), node.pos))
        elif isinstance(node, Extends):
            blocks = tuple(BlockDef(b.name, replace(b.body, kind, fn), b.pos) for b in node.blocks)
            out.append(Extends(node.layout, blocks, node.pos))
        else:
            out.append(node)
    return tuple(out)
