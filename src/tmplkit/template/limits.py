"""The limits (ir.MAX_DEPTH, MAX_LOOPS, MAX_EXPRESSION_DEPTH) checked on the scanned tags, before
Jinja's parser (which recurses on nesting) reads them."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NoReturn

from ..errors import TemplateError
from . import ir
from .scan import GETTEXT_CALL_RE, Tag

# Jinja's statements that open a block closed by `end<keyword>`: the portable if, for and trans,
# and those refused later, which Jinja's parser must still get through first.
BLOCK_STATEMENTS = frozenset(
    ["if", "for", "trans", "macro", "call", "filter", "with", "block", "autoescape", "set"]
)
NESTING_HINT = "combine conditions with and or elif, or include fewer blocks inside others"
EXPRESSION_HINT = "compute the value in your recipient data, or split the condition"
_STRING_RE = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'", re.S)
_EXPRESSION_LEVEL_RE = re.compile(r"[(\[{]|[)\]}]|\bnot\b")


def check_nesting(
    tags: list[Tag], file: str, gettext_call: re.Pattern[str] = GETTEXT_CALL_RE
) -> int:
    """The deepest nesting level of a source's statements (ir.MAX_DEPTH counts the levels);
    a TemplateError at the first construct over a limit: too deep, too many nested loops, or
    an expression that nests too deeply. `gettext_call`: as scan's."""
    open_blocks: list[str] = []
    loops = deepest = 0

    def fail(tag: Tag, message: str, hint: str) -> NoReturn:
        raise TemplateError(message, file=file, line=tag.line, col=tag.col, hint=hint)

    def enter(tag: Tag, construct: str) -> None:
        nonlocal deepest
        level = len(open_blocks) + 1
        if level > ir.MAX_DEPTH:
            fail(
                tag,
                f"{construct} is nested {level} levels deep, more than the limit of {ir.MAX_DEPTH}",
                NESTING_HINT,
            )
        deepest = max(deepest, level)

    for tag in tags:
        if tag.kind == "{#":
            continue
        _check_expression_text(tag, fail)
        if tag.kind == "{{":
            call = gettext_call.match(tag.inner)
            if call:
                enter(tag, f"{{{{ {call.group(1)}() }}}}")
            continue
        keyword = tag.inner.split(None, 1)[0] if tag.inner else ""
        if keyword in BLOCK_STATEMENTS and not (keyword == "set" and "=" in tag.inner):
            enter(tag, f"{{% {keyword} %}}")
            if keyword == "for":
                loops += 1
                if loops > ir.MAX_LOOPS:
                    fail(
                        tag,
                        f"{{% for %}} is nested {loops} loops deep, more than the limit of "
                        f"{ir.MAX_LOOPS}",
                        "flatten the data so that fewer loops nest",
                    )
            open_blocks.append(keyword)
        elif keyword == "include":
            enter(tag, "{% include %}")
        elif open_blocks and keyword == "end" + open_blocks[-1]:
            loops -= 1 if open_blocks.pop() == "for" else 0
    return deepest


def _check_expression_text(tag: Tag, fail: Callable[[Tag, str, str], NoReturn]) -> None:
    """Parentheses, brackets and `not`s nested or repeated past ir.MAX_EXPRESSION_DEPTH in one
    tag: Jinja's parser would recurse that deep (the converter checks the rest on the tree)."""
    inner = tag.inner
    if not any(c in inner for c in "([{") and "not" not in inner:
        return
    depth = deepest = nots = 0
    for m in _EXPRESSION_LEVEL_RE.finditer(_STRING_RE.sub('""', inner)):
        token = m.group()
        if token == "not":
            nots += 1
        elif token in "([{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    if max(deepest, nots) > ir.MAX_EXPRESSION_DEPTH:
        fail(tag, too_deep_expression(max(deepest, nots)), EXPRESSION_HINT)


def too_deep_expression(levels: int) -> str:
    return (
        f"the expression is nested {levels} levels deep, more than the limit of "
        f"{ir.MAX_EXPRESSION_DEPTH}"
    )
