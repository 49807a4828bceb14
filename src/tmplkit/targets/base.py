"""What every emitter shares: node dispatch, refusing what a target cannot express, and the
reference's filter chain for targets that apply it at compile time."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeAlias

from markupsafe import escape as html_escape

from ..errors import CompileError
from ..i18n.formats import DEFAULT_LOCALE, FILTER_OF
from ..template import ir
from ..urls import unsafe_scheme

if TYPE_CHECKING:  # the package tmplkit.variables also holds sources.py, above the pipeline
    from ..variables.model import Variable, Variables


NUMBERS = frozenset({"number", "integer"})  # the variable types that hold numbers
# What a refused format filter's hint says first: the sender can always format the value itself
FORMAT_HINT = "format the value in your data and print it as it is"


class Emitter:
    """A visitor over the IR producing template text in one target language.

    Subclasses define `visit_<Node>` for every node type (Text, Output, If, For) and, for
    conditions, `cond_<Node>` (Truthy, Compare, IsCount, NumberTest, Not, And, Or). Trans and
    BlockRef are resolved before emitting (localize, blocks inlined), so reaching one is a
    pipeline bug.
    """

    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""  # one line for `tmplkit targets`
    refuses: ClassVar[tuple[str, ...]] = ()  # constructs this target cannot express
    helpers: ClassVar[str | None] = None  # what the sending system must register, if anything
    # Format filters (format_date, …) need tmplkit's CLDR formatter written into the compiled
    # template, the target having none of its own: only with `inline_formats` (--inline-formats).
    formats_inline: ClassVar[bool] = False

    def __init__(
        self, *, html: bool, file: str = "<template>", data: Mapping[str, Any] | None = None
    ) -> None:
        self.html = html  # an HTML part: outputs are escaped unless |safe
        self.file = file
        self.data = data  # sample data, for targets that render at compile time (html)
        self.locale: str | None = None  # the locale compiled for, when known (for messages)
        self.loops: list[ir.For] = []  # the loops around the node being emitted, innermost last
        self.warnings: list[str] = []  # what the emitted text does not do (compile prints them)
        # The template's typed variables (variables.py), when known: a target may then write a
        # plainer form that is exact for data of those types (docs/variables.md).
        self.variables: Variables | None = None
        # Write tmplkit's exact formatter for format filters into the template (formats_inline)
        self.inline_formats = False

    @contextlib.contextmanager
    def inside(self, loop: ir.For) -> Iterator[None]:
        """Emit a loop's body with the loop on the stack (for loop variables and scoping)."""
        self.loops.append(loop)
        try:
            yield
        finally:
            self.loops.pop()

    def variable_path(self, path: ir.Path, depth: int | None = None) -> str:
        """The variables.py path of a data path where it is emitted: `l.price` inside
        `for l in order.lines` is `order.lines[].price`; an index is `[]`. `depth`: how many of
        the enclosing loops are in scope (all of them by default)."""
        depth = len(self.loops) if depth is None else depth
        out = path.root
        for i in reversed(range(depth)):
            if self.loops[i].target == path.root:
                out = self.variable_path(self.loops[i].iterable, i) + "[]"
                break
        for part in path.parts[1:]:
            out += "[]" if isinstance(part, int) else f".{part}"
        return out

    def variable(self, path: ir.Path) -> Variable | None:
        """The typed variable a data path reads here, when the template's types are known."""
        return None if self.variables is None else self.variables.get(self.variable_path(path))

    def always_present(self, path: ir.Path) -> bool:
        """Whether data of the template's types always has this path, not null: each step
        from the data's root (or from the loop item it starts at) is a required field."""
        if self.variables is None or any(isinstance(p, int) for p in path.parts[1:]):
            return False  # an index may be past the list's end
        step = self.variable_path(ir.Path(path.parts[:1]))  # a root, or a loop's item
        steps = [step]
        for part in path.parts[1:]:
            step += f".{part}"
            steps.append(step)
        found = [self.variables.get(s) for s in steps]
        return all(v is not None and v.required for v in found)

    def count_type(self, ref: ir.Ref) -> str | None:
        """`integer` or `number` for a plural count the types say the data always has as one
        (no existence or type test needed where it is counted), else None."""
        if not isinstance(ref, ir.Path) or not self.always_present(ref):
            return None
        var = self.variable(ref)
        return var.type if var is not None and var.type in NUMBERS else None

    @property
    def format_locale(self) -> str:
        """The locale values are formatted in (format_date, …): the one compiled for."""
        return self.locale or DEFAULT_LOCALE

    def emit(self, body: ir.Body) -> str:
        return "".join(self.visit(node) for node in body)

    def visit(self, node: ir.Node) -> str:
        method = getattr(self, "visit_" + type(node).__name__)
        result: str = method(node)
        return result

    def cond(self, cond: ir.Cond) -> str:
        method = getattr(self, "cond_" + type(cond).__name__)
        result: str = method(cond)
        return result

    def visit_Trans(self, node: ir.Trans) -> str:
        raise AssertionError("translations are lowered before emitting")

    def visit_BlockRef(self, node: ir.BlockRef) -> str:
        raise AssertionError("blocks are inlined before emitting")

    def visit_Extends(self, node: ir.Extends) -> str:
        raise AssertionError("layouts are inlined before emitting")

    def visit_BlockDef(self, node: ir.BlockDef) -> str:
        raise AssertionError("layouts are inlined before emitting")

    def visit_Super(self, node: ir.Super) -> str:
        raise AssertionError("layouts are inlined before emitting")

    def refuse(
        self, construct: str, pos: ir.Pos, hint: str | None = None, what: str | None = None
    ) -> CompileError:
        """The error for a construct the target cannot say; `what` words the message when the
        construct's own name would not (the construct is still reported by name)."""
        return CompileError(
            f"the {self.name} target cannot express {construct if what is None else what}",
            file=self.file,
            line=pos.line or None,
            col=pos.col or None,
            construct=construct,
            hint=hint,
        )

    def refuse_format(
        self, fmt: ir.Format, pos: ir.Pos, why: str | None = None, hint: str = FORMAT_HINT
    ) -> CompileError:
        """The error for a format filter (format_date, …) the target cannot print exactly as
        the reference prints it for the locale compiled for; `why` says what it lacks."""
        name = FILTER_OF[fmt.kind]
        what = f"{name} in {self.format_locale}" + (f" ({why})" if why else "")
        return self.refuse(name, pos, hint, what)

    def require_inline_formats(self, fmt: ir.Format, pos: ir.Pos) -> None:
        """Refuse a format filter where the target has no locale-aware formatter of its own and
        writing tmplkit's into the template (kilobytes per template) was not asked for."""
        if self.formats_inline and not self.inline_formats:
            name = FILTER_OF[fmt.kind]
            raise self.refuse(
                name,
                pos,
                f"{FORMAT_HINT}, or pass --inline-formats to write tmplkit's exact CLDR "
                "formatter into the template",
                f"{name} without --inline-formats (it has no locale-aware formatter)",
            )


class InfixConditions(Emitter):
    """`not`/`and`/`or` as infix operators, spelled in the target's words.

    `operand` adds the parentheses a sub-condition needs; targets with other precedence rules
    override it.
    """

    NOT: ClassVar[str] = "not "
    AND: ClassVar[str] = " and "
    OR: ClassVar[str] = " or "

    def cond_Not(self, cond: ir.Not) -> str:
        return self.NOT + self.operand(cond.expr)

    def cond_And(self, cond: ir.And) -> str:
        return self.operand(cond.left) + self.AND + self.operand(cond.right)

    def cond_Or(self, cond: ir.Or) -> str:
        return self.operand(cond.left) + self.OR + self.operand(cond.right)

    def operand(self, cond: ir.Cond) -> str:
        text = self.cond(cond)
        compound = ir.And | ir.Or | ir.Compare | ir.NumberTest
        return f"({text})" if isinstance(cond, compound) else text


# --- the reference's filters, for targets that apply them at compile time ----------------------

Step: TypeAlias = Literal["upper", "lower", "escape"]


def plan_filters(filters: tuple[ir.Filter, ...], html: bool) -> tuple[str | None, list[Step]]:
    """The reference's filter chain as (default fallback or None, steps on the printed value).

    `default` only acts on the value itself (after upper/lower/safe/escape the value is a
    string, never null); `safe` and `escape` mark the value as markup, so a later `escape`
    does nothing and an HTML part does not escape it again.
    """
    fallback: str | None = None
    steps: list[Step] = []
    printed = False  # the value has become a string
    markup = False  # the value is raw or already escaped
    for f in filters:
        if f.name == "default":
            if not printed and fallback is None:
                fallback = f.arg or ""
        elif f.name in ("upper", "lower"):
            steps.append("upper" if f.name == "upper" else "lower")
            printed = True
        elif f.name == "safe":
            markup = printed = True
        elif not markup:  # escape
            steps.append("escape")
            markup = printed = True
    if html and not markup:
        steps.append("escape")
    return fallback, steps


def apply_steps(text: str, steps: list[Step]) -> str:
    """The steps applied at compile time (to a default's fallback string)."""
    for step in steps:
        if step == "upper":
            text = text.upper()
        elif step == "lower":
            text = text.lower()
        else:
            text = str(html_escape(text))
    return text


# --- URL checks (ir.UrlCheck), for the targets that write them ---------------------------------


def url_check_steps(filters: tuple[ir.Filter, ...], html: bool) -> tuple[list[Step], bool]:
    """What a URL check reads: the steps of `plan_filters` up to the printed text, and whether
    that text is markup (`|safe`, or `|escape` then `upper`/`lower`), which the browser reads
    with its character references decoded. A value escaped last (by the part, or by a final
    `|escape`) is checked before that escaping, as it is: escaped, it cannot hold a reference.
    """
    _, steps = plan_filters(filters, html)
    if steps and steps[-1] == "escape":
        return steps[:-1], False
    return steps, any(f.name in ("safe", "escape") for f in filters)


def constant_is_safe(text: str, check: ir.UrlCheck, markup: bool) -> bool:
    """Whether a constant the target prints where a check applies (a `default` fallback it
    writes at compile time) passes the check; checked now, as the reference checks it."""
    return unsafe_scheme(text + check.suffix, decode=markup, open=check.open) is None
