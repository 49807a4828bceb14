"""CSS inlined into an HTML part's IR at compile time, for every compiled target.

`render` inlines the jinja target's text with message/inline.py. A compiled template in another
language has its own tags, which an HTML parser would misread (FreeMarker's `<#if>`, AMPscript's
`%%[ ]%%`), so the IR is inlined before any target writes it, with message/inline.py itself:

1. Skeleton. The IR is written as a Jinja template whose every tag stands for an IR node by
   number: `{{ tko7 }}` (an output; `{{ tko7|safe }}` when it prints HTML), `{% if tkc3 %}`,
   `{% elif tkc4 %}` (a condition), `{% for tkv in tkf2 %}` (a loop). Text is written with its
   Jinja delimiters escaped as the jinja target escapes them.
2. `inline_html` inlines the skeleton as it inlines any jinja part: style attributes set on the
   start tags, conditional attributes lifted out of their tags (the branches copied), the
   inlined `<style>` rules removed and the `@media` rules kept in a `<style>` block. It refuses
   (NotInlinable) exactly where it would refuse the jinja part, for the same reasons.
3. Back to IR. The inlined skeleton is read back, each numbered tag replaced by the node it
   stands for: the target then writes the inlined markup in its own syntax, its tags never
   seen by the HTML parser. A compiled target's messages are therefore the messages `render`
   sends, styles included (tests/differential/test_compiled_css.py compares their DOMs).

When message/inline.py refuses, the part is left as it is (its `<style>` untouched) and the reason
becomes a warning: the sending system may inline it, or the template can be changed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from .message.inline import NotInlinable, inline_html
from .targets.jinja import escape_delimiters
from .template import ir

# The tags of an inlined skeleton: the numbered ones, and `{{ "{" }}` (an escaped brace).
_TAG_RE = re.compile(
    r"\{\{ \"\{\" \}\}|\{\{ tko(\d+)(?:\|safe)? \}\}|\{% ([a-z]+)(?: ([^%]*))? %\}"
)
_COND_RE = re.compile(r"tkc(\d+)")
_SKELETON_LINE_RE = re.compile(r"^line \d+: ")
_LOOP_RE = re.compile(r"tkv in tkf(\d+)")


@dataclass
class _Skeleton:
    outputs: list[ir.Output] = field(default_factory=list)
    conds: list[ir.Cond] = field(default_factory=list)
    ifs: dict[int, ir.If] = field(default_factory=dict)  # a condition's number → its If
    loops: list[ir.For] = field(default_factory=list)

    def write(self, body: ir.Body) -> str:
        return "".join(self.node(n) for n in body)

    def node(self, node: ir.Node) -> str:
        if isinstance(node, ir.Text):
            return escape_delimiters(node.text)
        if isinstance(node, ir.Output):
            self.outputs.append(node)
            safe = "|safe" if prints_html(node.value) else ""
            return f"{{{{ tko{len(self.outputs) - 1}{safe} }}}}"
        if isinstance(node, ir.If):
            out = []
            for i, (cond, body) in enumerate(node.branches):
                self.conds.append(cond)
                self.ifs[len(self.conds) - 1] = node
                word = "if" if i == 0 else "elif"
                out.append(f"{{% {word} tkc{len(self.conds) - 1} %}}{self.write(body)}")
            if node.else_:
                out.append("{% else %}" + self.write(node.else_))
            return "".join(out) + "{% endif %}"
        if isinstance(node, ir.For):
            self.loops.append(node)
            out = [f"{{% for tkv in tkf{len(self.loops) - 1} %}}{self.write(node.body)}"]
            if node.else_:
                out.append("{% else %}" + self.write(node.else_))
            return "".join(out) + "{% endfor %}"
        raise AssertionError(f"{type(node).__name__} is lowered before emitting")

    def described(self, message: str) -> str:
        """A message/inline.py refusal about the skeleton, its numbered tags named as the source
        writes them, with their lines (the skeleton's own line numbers dropped)."""
        message = _SKELETON_LINE_RE.sub("", message)

        def where(pos: ir.Pos) -> str:
            return f" at line {pos.line}:{pos.col}" if pos.line else ""

        def tag(m: re.Match[str]) -> str:
            if m.group(1) is not None:
                node = self.outputs[int(m.group(1))]
                filters = "".join("|" + f.name for f in node.value.filters)
                return f"{{{{ {node.value.ref.dotted()}{filters} }}}}{where(node.pos)}"
            word, arg = m.group(2), (m.group(3) or "").strip()
            if word in ("if", "elif"):
                n = int(_match(_COND_RE, arg).group(1))
                return f"the {{% {word} %}}{where(self.ifs[n].pos)}"
            if word == "for":
                loop = self.loops[int(_match(_LOOP_RE, arg).group(1))]
                return f"the {{% for %}} over {loop.iterable.dotted()}{where(loop.pos)}"
            return m.group(0)

        return _TAG_RE.sub(tag, message)

    def read(self, text: str) -> ir.Body:
        """The IR of an inlined skeleton: its numbered tags made their nodes again."""
        root: list[ir.Node] = []
        stack: list[_Open] = []

        def current() -> list[ir.Node]:
            return stack[-1].body() if stack else root

        pos = 0
        for m in _TAG_RE.finditer(text):
            if m.start() > pos:
                current().append(ir.Text(text[pos : m.start()]))
            pos = m.end()
            if m.group(0) == '{{ "{" }}':
                current().append(ir.Text("{"))
            elif m.group(1) is not None:
                current().append(self.outputs[int(m.group(1))])
            else:
                word, arg = m.group(2), (m.group(3) or "").strip()
                if word == "if":
                    n = int(_match(_COND_RE, arg).group(1))
                    stack.append(_Open("if", n, [(self.conds[n], [])]))
                elif word == "elif":
                    n = int(_match(_COND_RE, arg).group(1))
                    stack[-1].branches.append((self.conds[n], []))
                elif word == "for":
                    n = int(_match(_LOOP_RE, arg).group(1))
                    stack.append(_Open("for", n, [(ir.Truthy(ir.Path(("tkv",))), [])]))
                elif word == "else":
                    stack[-1].else_ = []
                else:  # endif, endfor
                    done = stack.pop()
                    current().append(self.made(done))
        if pos < len(text):
            current().append(ir.Text(text[pos:]))
        assert not stack, "the inlined skeleton closes every block"
        return _merged(root)

    def made(self, done: _Open) -> ir.Node:
        """The If or For a closed block of the skeleton stands for, with its new bodies."""
        else_ = _merged(done.else_ or [])
        if done.kind == "if":
            branches = tuple((c, _merged(b)) for c, b in done.branches)
            return ir.If(branches, else_, self.ifs[done.n].pos)
        loop = self.loops[done.n]
        return ir.For(loop.target, loop.iterable, _merged(done.branches[0][1]), else_, loop.pos)


@dataclass
class _Open:
    """A block of the skeleton being read: its branches (a loop has one), its else."""

    kind: str
    n: int
    branches: list[tuple[ir.Cond, list[ir.Node]]]
    else_: list[ir.Node] | None = None

    def body(self) -> list[ir.Node]:
        return self.else_ if self.else_ is not None else self.branches[-1][1]


def _match(pattern: re.Pattern[str], text: str) -> re.Match[str]:
    m = pattern.fullmatch(text.strip())
    assert m is not None, text
    return m


def _merged(nodes: list[ir.Node]) -> ir.Body:
    """Adjacent texts as one (the escaped braces and the inlined markup split them)."""
    out: list[ir.Node] = []
    for node in nodes:
        if isinstance(node, ir.Text) and out and isinstance(out[-1], ir.Text):
            out[-1] = ir.Text(out[-1].text + node.text)
        else:
            out.append(node)
    return tuple(out)


def _texts(body: ir.Body) -> Iterator[ir.Node]:
    for node in body:
        yield node
        if isinstance(node, ir.If):
            for _, b in node.branches:
                yield from _texts(b)
            yield from _texts(node.else_)
        elif isinstance(node, ir.For):
            yield from _texts(node.body)
            yield from _texts(node.else_)


def prints_html(value: ir.Value) -> bool:
    """Whether an output prints its value as HTML, unescaped: a `safe` before any `escape`."""
    if value.format is not None:
        return False
    for f in value.filters:
        if f.name == "escape":
            return False
        if f.name == "safe":
            return True
    return False


def inline_css(body: ir.Body) -> ir.Body:
    """The HTML part's IR with its stylesheet inlined as `render` inlines it; NotInlinable
    (with its reason) where that cannot be done exactly at compile time."""
    if not any(isinstance(n, ir.Text) and "<style" in n.text.lower() for n in _texts(body)):
        return body  # nothing to inline (blocks and translations are inlined already)
    skeleton = _Skeleton()
    try:
        prepared = inline_html(skeleton.write(body), guarded=True)
    except NotInlinable as exc:
        raise NotInlinable(skeleton.described(str(exc))) from None
    return skeleton.read(prepared.html)


def inline_or_warn(body: ir.Body, file: str) -> tuple[ir.Body, str | None]:
    """`inline_css(body)` and no warning; or, where the stylesheet cannot be inlined exactly,
    the body as written and the warning line that says why (`file` names the part)."""
    try:
        return inline_css(body), None
    except NotInlinable as exc:
        return body, (
            f"{file}: CSS not inlined, its <style> left as written: {exc} (hint: let the"
            " sending system inline it, or see docs/performance.md for what inlines)"
        )
