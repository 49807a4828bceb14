"""What every emitter shares: node dispatch, and refusing what a target cannot express."""

from __future__ import annotations

from typing import ClassVar

from .. import ir
from ..errors import CompileError


class Emitter:
    """A visitor over the IR producing template text in one target language.

    Subclasses define `visit_<Node>` for every node type (Text, Output, If, For) and, for
    conditions, `cond_<Node>` (Truthy, Compare, Not, And, Or). Trans and BlockRef are resolved
    before emitting (localize.lower, blocks inlined), so reaching one is a pipeline bug.
    """

    name: ClassVar[str] = ""

    def __init__(self, *, html: bool, file: str = "<template>") -> None:
        self.html = html
        self.file = file

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

    def refuse(self, construct: str, pos: ir.Pos, hint: str | None = None) -> CompileError:
        return CompileError(
            f"the {self.name} target cannot express {construct}",
            file=self.file,
            line=pos.line or None,
            col=pos.col or None,
            construct=construct,
            hint=hint,
        )
