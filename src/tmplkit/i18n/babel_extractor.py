"""A Babel extractor: `pybabel extract -F babel.cfg` finds the keys `tmplkit i18n extract` finds.

babel.cfg:

    [tmplkit: **.j2]
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

from ..template import ir
from ..template.parse import parse

ExtractResult = tuple[int, str, str | tuple[str | None, ...], list[str]]


def extract(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[ExtractResult]:
    """Yield (line, gettext function, message, translator comments) for each translation.

    The function names match Babel's default keywords (gettext, ngettext, pgettext, npgettext),
    so contexts and plurals land where Babel expects them. Translator comments are given when
    pybabel is asked for comments (`-c TRANSLATORS:` or any comment tag).
    """
    encoding = str(options.get("encoding", "utf-8"))
    source = fileobj.read().decode(encoding)
    name = getattr(fileobj, "name", "<template>")
    for node in ir.walk(parse(source, str(name)).body):
        if not isinstance(node, ir.Trans):
            continue
        comments = [node.comment] if node.comment and comment_tags else []
        if node.context is not None and node.plural is not None:
            yield node.pos.line, "npgettext", (node.context, node.msgid, node.plural), comments
        elif node.context is not None:
            yield node.pos.line, "pgettext", (node.context, node.msgid), comments
        elif node.plural is not None:
            yield node.pos.line, "ngettext", (node.msgid, node.plural), comments
        else:
            yield node.pos.line, "gettext", node.msgid, comments
