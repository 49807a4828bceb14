"""The handlebars.java emitter: handlebars.js's text, with stricter segment literals."""

from __future__ import annotations

from ...template import ir
from .emitter import HandlebarsEmitter
from .syntax import Expr


class HandlebarsJavaEmitter(HandlebarsEmitter):
    formats_inline = False  # it refuses the format filters whatever the flag
    """The same text as handlebars.js; only segment literals are stricter in handlebars.java."""

    name = "handlebarsjava"
    summary = "jknack handlebars.java 4, with tmplkit's tk_* helpers for exact semantics"
    helpers = (
        "TmplkitHelpers.register(handlebars): the tk_* helpers "
        "(Java source in docs/targets/handlebars.md)"
    )
    refuses = (*HandlebarsEmitter.refuses, "a key containing [ or ]")
    escapes_in_brackets = False  # its path splitter is \[[^\[\]]+], without escapes
    typed_forms = False  # handlebars.java's printing and truthiness are not proven here

    def formatted(self, fmt: ir.Format, ref: ir.Ref, pos: ir.Pos) -> Expr:
        # tk_format exists in JavaScript only: no Java engine here proves a Java twin.
        raise self.refuse_format(fmt, pos, "tk_format is a handlebars.js helper only")
