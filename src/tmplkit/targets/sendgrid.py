"""The sendgrid target: handlebars with only the helpers SendGrid's dynamic templates document.

SendGrid registers no custom helpers; its documentation (DOC_URL) lists what a template may
use: handlebars' `if`, `unless`, `each`, `with`, and its own `equals`, `notEquals`,
`greaterThan`, `lessThan`, `and`, `or`, `length`, `formatDate` and `insert`. The text is
Mandrill's (MandrillHandlebarsEmitter: standard blocks nested for `and`/`or`/`not`, `default`
as an `{{#if}}` around the value, paths on `this.` and `@root.`), with comparisons written as
SendGrid's block helpers, `{{#equals this.plan "pro"}}…{{else}}…{{/equals}}`, which read any
path and any handlebars string literal. What SendGrid has no helper for (arithmetic on a count)
is refused; a value that `upper`/`lower` or a URL check would change prints as it is sent, and
compiling warns, naming the fields. A format filter (`formatDate` has English-only tokens, not
CLDR's) is refused too, or with `inline_formats` prints, as in Mandrill, a companion field the
sender formats (targets/preformat.py; compiling warns, naming each). docs/targets/sendgrid.md
explains each choice and lists where SendGrid's documented semantics differ from the reference.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ..template import ir
from . import preformat
from .handlebars.mandrill import MandrillHandlebarsEmitter, count_values
from .handlebars.syntax import CASE_FILTERS, Expr, block, number_literal

DOC_URL = "https://www.twilio.com/docs/sendgrid/for-developers/sending-email/using-handlebars"


class SendgridEmitter(MandrillHandlebarsEmitter):
    """SendGrid dynamic templates: Mandrill's blocks, SendGrid's `equals`/`notEquals`."""

    name = "sendgrid"
    summary = (
        "SendGrid dynamic templates: handlebars with SendGrid's documented helpers only "
        "(equals, notEquals); handlebars' truthiness ({} is true, default() also replaces "
        '"", 0, false and []); upper/lower and URLs from the data are not applied or checked '
        "(compile warns)"
    )
    helpers = None
    service = "SendGrid"
    no_arithmetic = "SendGrid's helpers have no arithmetic"
    no_formatter = "SendGrid's formatDate has its own English-only tokens, not CLDR's"
    formats_doc = "docs/targets/sendgrid.md#formats-the-sender-sends"
    refuses: ClassVar[tuple[str, ...]] = (
        "upper or lower after escape",
        "upper or lower of a loop variable",
        "format_date",
        "format_datetime",
        "format_time",
        "format_decimal",
        "format_percent",
        "format_currency",
        "printing loop.index",
        "a comparison of a loop variable with a string",
        "an outer loop's variable inside a nested loop",
        "a string literal ending in a backslash",
        "a key containing [ or ]",
        "a plural rule with %",
        "a plural rule that needs a type test",
        "a plural rule with forms for decimal counts",
        *preformat.REFUSALS,
    )

    def __init__(
        self, *, html: bool, file: str = "<template>", data: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(html=html, file=file, data=data)
        self.uncased: list[str] = []  # fields printed as sent where upper or lower applies

    def emit(self, body: ir.Body) -> str:
        """The part, ending with Mandrill's URL warning (in SendGrid's name), and one warning naming
        every field whose case `upper` or `lower` would change."""
        text = super().emit(body)
        if self.depth == 0 and self.uncased:
            fields = ", ".join(dict.fromkeys(self.uncased))
            self.uncased = []
            self.warnings.append(
                f"{self.file}: the {self.name} target cannot change the case of {fields} "
                "(hint: SendGrid has no upper or lower helper; send those values in the case "
                "the template asks for, or compile for another target)"
            )
        return text

    # -- filters: SendGrid has no case helpers --

    def visit_Output(self, node: ir.Output) -> str:
        """A value that `upper` or `lower` would change prints as it is sent, and compiling warns
        (as for URLs it cannot check): SendGrid has no helper that changes case."""
        if any(f.name in CASE_FILTERS for f in node.value.filters):
            if isinstance(node.value.ref, ir.LoopVar):
                raise self.refuse(
                    "upper or lower of a loop variable",
                    node.pos,
                    "SendGrid has no helper that changes case; print the loop variable as it is",
                )
            self.uncased.append(node.value.ref.dotted())
        return super().visit_Output(node)

    def filter(self, f: ir.Filter, expr: Expr, pos: ir.Pos) -> Expr:
        return expr  # default is handled by visit_Output; safe and escape decide the tag

    def escaped(self, expr: Expr, pos: ir.Pos) -> Expr:
        raise self.refuse(
            "upper or lower after escape",
            pos,
            "SendGrid has no helper that changes case; remove |escape, or put it last",
        )

    # -- comparisons: SendGrid's equals / notEquals blocks --

    def leaf(self, cond: ir.Cond, then: str, else_: str, pos: ir.Pos) -> str:
        if isinstance(cond, ir.Compare):
            helper = "equals" if cond.op == "==" else "notEquals"
            return block(helper, self.operands(cond, pos), then, else_)
        return super().leaf(cond, then, else_, pos)

    def count_test(self, test: ir.NumberTest, then: str, else_: str, pos: ir.Pos) -> str:
        """A plural test on a count as `equals` blocks: `n < 3` is n == 0, 1 or 2."""
        if test.mod is not None:
            return super().count_test(test, then, else_, pos)  # refused: no arithmetic
        values, negated = count_values(test)
        if negated:
            then, else_ = else_, then
        out = else_
        for value in reversed(values):
            out = self.branch(ir.Compare(test.ref, "==", value), then, out, pos)
        return out

    def operands(self, cond: ir.Compare, pos: ir.Pos) -> str:
        """`path literal` for equals/notEquals. A loop variable is compared as handlebars
        holds it: loop.index is @index + 1, so the literal moves down by one instead."""
        literal = cond.literal
        if isinstance(cond.ref, ir.LoopVar):
            if isinstance(literal, str):
                raise self.refuse(
                    "a comparison of a loop variable with a string",
                    pos,
                    "SendGrid's equals would read the string as a number; compare with a number",
                )
            if cond.ref.attr == "index":
                shifted = number_literal(literal - 1)
                assert shifted is not None  # the parser takes finite numbers only
                return f"@index {shifted}"
            return f"{self.loop_var(cond.ref, pos)} {self.literal(literal, pos)}"
        return f"{self.path(cond.ref, pos)} {self.literal(literal, pos)}"


__all__ = ["DOC_URL", "SendgridEmitter"]
