"""Replace each translation node with text and outputs for one locale (source locale for now)."""

from __future__ import annotations

from . import ir
from .parse import PLACEHOLDER_RE


def message_nodes(text: str, trans: ir.Trans) -> ir.Body:
    """A msgid or translation as nodes: literal text, and an Output for each `%(name)s`.

    A string without bindings is plain text (gettext writes it without python-format); with
    bindings, `%%` is a literal percent sign.
    """
    if not trans.bindings:
        return (ir.Text(text),) if text else ()
    out: list[ir.Node] = []
    pos = 0
    for m in PLACEHOLDER_RE.finditer(text):
        if m.start() > pos:
            out.append(ir.Text(text[pos : m.start()].replace("%%", "%")))
        value = trans.binding(m.group(1))
        if value is not None:
            out.append(ir.Output(value, trans.pos))
        pos = m.end()
    if pos < len(text):
        out.append(ir.Text(text[pos:].replace("%%", "%")))
    return tuple(out)


def source_nodes(trans: ir.Trans) -> ir.Node | ir.Body:
    """The source-language rendering of a translation: English plural rule (n == 1 is singular)."""
    singular = message_nodes(trans.msgid, trans)
    if trans.plural is None:
        return singular
    count = trans.binding(trans.count or "count")
    assert count is not None, "the parser binds the plural count"
    return ir.If(
        branches=((ir.Compare(count.ref, "==", 1), singular),),
        else_=message_nodes(trans.plural, trans),
        pos=trans.pos,
    )


def lower(body: ir.Body) -> ir.Body:
    """Every Trans replaced by its source-language text and outputs."""
    out: list[ir.Node] = []
    for node in body:
        if isinstance(node, ir.Trans):
            lowered = source_nodes(node)
            out.extend(lowered if isinstance(lowered, tuple) else (lowered,))
        elif isinstance(node, ir.If):
            out.append(
                ir.If(tuple((c, lower(b)) for c, b in node.branches), lower(node.else_), node.pos)
            )
        elif isinstance(node, ir.For):
            out.append(
                ir.For(node.target, node.iterable, lower(node.body), lower(node.else_), node.pos)
            )
        else:
            out.append(node)
    return tuple(out)
