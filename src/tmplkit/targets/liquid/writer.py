"""What every part of the Liquid emitter writes with: scratch variables, the setup tags
written before the tag being built, references to the data, and the types the template gives it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from ...template import ir
from ..base import Emitter
from .syntax import NAME_RE, RESERVED, SPECIAL_KEYS, TYPED, liquid_text, number, quotable, quote


class LiquidWriter(Emitter):
    """The Liquid emitter's state and the helpers all its parts use (see LiquidEmitter)."""

    def __init__(
        self, *, html: bool, file: str = "<template>", data: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(html=html, file=file, data=data)
        self._prefix = ""  # of every scratch variable: chosen by the first emit()
        self._count = 0
        self._setup: list[str] = []  # tags to write before the tag being built
        self._targets: list[tuple[str, str]] = []  # (source loop variable, Liquid name)
        self._aliases: dict[str, str] = {}  # data roots read through a scratch variable
        self._pos = ir.NOWHERE
        # Counts (and their remainders) already computed by the setup being built, so that an
        # if/elif chain of plural tests normalizes its count once.
        self._counts: dict[tuple[ir.Ref, int | None, str], str] = {}
        self._currencies = ""  # the tables a currency read from the data needs (see emit)
        self._zones: dict[str, str] = {}  # time zone -> the variable holding its offsets
        self._zone_tags = ""
        # The branches and loop bodies around the node being emitted, outermost first: a value
        # computed under some of them is there for whatever is emitted under the same ones.
        self._blocks: list[tuple[int, int]] = []
        # URL checks already written (see _url_var): what they check -> (variable, blocks).
        self._urls: dict[tuple[object, ...], tuple[str, tuple[tuple[int, int], ...]]] = {}
        # Counts the branch being emitted knows more about (see _count_key): "whole" after a
        # plural chain's "not a count", "decimal" in its IsDecimal branch (a typed number).
        self._known: dict[tuple[str, ir.Path], Literal["whole", "decimal"]] = {}
        # Typed number counts of the plural chains being emitted -> the variable holding
        # `n | round`, assigned before the chain: their tests and outputs read it.
        self._rounded: dict[tuple[str, ir.Path], str] = {}
        self._serial = 0  # numbers the ifs and loops, for _blocks

    def _tmp(self, hint: str = "") -> str:
        self._count += 1
        return f"{self._prefix}{hint}{self._count}"

    def _flush(self, build: str) -> str:
        setup = "".join(self._setup)
        self._setup = []
        self._counts = {}
        return setup + build

    # -- references --------------------------------------------------------------------------

    def _key(self, key: str) -> str:
        """`["key"]`, or `[var]` holding the key when it cannot be a quoted literal."""
        if quotable(key):
            return "[" + quote(key) + "]"
        var = self._tmp("k")
        self._setup.append("{% capture " + var + " %}" + liquid_text(key) + "{% endcapture %}")
        return "[" + var + "]"

    def _loop_name(self, root: str) -> str | None:
        for source, liquid in reversed(self._targets):
            if source == root:
                return liquid
        return None

    def ref(self, ref: ir.Ref) -> str:
        """A Liquid expression for the reference (scratch tags it needs go to the setup)."""
        if isinstance(ref, ir.LoopVar):
            return "forloop." + ref.attr
        root = ref.root
        expr = self._loop_name(root) or self._aliases.get(root)
        if expr is None:
            expr = root if NAME_RE.match(root) and root not in RESERVED else self._key(root)
        for part in ref.parts[1:]:
            if isinstance(part, int):
                expr += f"[{part}]"
            elif part in SPECIAL_KEYS:
                expr = self._special(expr, part)
            elif NAME_RE.match(part) and part not in RESERVED:
                expr += "." + part
            else:
                expr += self._key(part)
        return expr

    def _special(self, parent: str, key: str) -> str:
        """`parent.size` (first, last, length) read only if the object has that key."""
        var = self._tmp()
        entry = self._tmp("e")
        self._setup.append(
            "{% assign " + var + " = nil %}"
            "{% for " + entry + " in " + parent + " %}"
            "{% if " + entry + '[0] == "' + key + '" %}'
            "{% assign " + var + " = " + entry + "[1] %}{% endif %}{% endfor %}"
        )
        return var

    def _type(self, ref: ir.Ref) -> str | None:
        """The type the template's variables give a data path, when it is one written plainly."""
        var = self.variable(ref) if isinstance(ref, ir.Path) else None
        return var.type if var is not None and var.type in TYPED else None

    def _present(self, ref: ir.Path) -> bool:
        """Whether the value is never missing or null here: the data always has it, or it is
        the count of the plural branch being emitted."""
        return self.always_present(ref) or self._count_key(ref) in self._known

    def _count_key(self, ref: ir.Path) -> tuple[str, ir.Path]:
        """What _known and _rounded are keyed by: the value's variables.py path, and the
        reference itself (`items[0].n` and `items[1].n` share a path)."""
        return self.variable_path(ref), ref

    def _literal(self, value: ir.Literal_) -> str:
        if isinstance(value, str):
            if quotable(value):
                return quote(value)
            var = self._tmp("s")
            self._setup.append(
                "{% capture " + var + " %}" + liquid_text(value) + "{% endcapture %}"
            )
            return var
        return number(value)
