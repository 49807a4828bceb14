"""The tag scanner (tmplkit's lexer): every Jinja tag of a source with its position, and the
translator comment written before each translation; what Jinja's AST does not keep."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

GETTEXT_CALL_RE = re.compile(r"(_|n?p?gettext)\s*\(")


@dataclass(slots=True)
class Tag:
    """One `{{ }}`, `{% %}` or `{# #}` tag of a source, where it starts and ends."""

    kind: str  # "{{", "{%" or "{#"
    start: int  # offset of the opening delimiter
    end: int  # offset just past the closing delimiter
    line: int
    col: int
    end_line: int
    inner: str  # text between the delimiters, whitespace-control markers removed
    comment: str | None = None  # a translator comment written just before this tag


def scan(source: str, gettext_call: re.Pattern[str] = GETTEXT_CALL_RE) -> list[Tag]:
    """Every `{{ }}`, `{% %}` and `{# #}` tag with its position; `{% raw %}` content is text.
    `gettext_call` (see gettext_call_re) matches an output that is a translation."""
    tags: list[Tag] = []
    line_starts = [0] + [m.end() for m in re.finditer("\n", source)]

    def where(offset: int) -> tuple[int, int]:
        lo, hi = 0, len(line_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if line_starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1, offset - line_starts[lo] + 1

    opener = re.compile(r"\{[{%#]")
    raw_end = re.compile(r"\{%[-+]?\s*endraw\s*[-+]?%\}")
    i = 0
    n = len(source)
    while True:
        m = opener.search(source, i)
        if not m:
            break
        kind = m.group()
        start = m.start()
        if kind == "{#":
            close = source.find("#}", start + 2)
            end = n if close < 0 else close + 2
        else:
            closing = "}}" if kind == "{{" else "%}"
            j = start + 2
            quote = ""
            end = n
            while j < n:
                c = source[j]
                if quote:
                    if c == "\\":
                        j += 1
                    elif c == quote:
                        quote = ""
                elif c in "'\"":
                    quote = c
                elif source.startswith(closing, j):
                    end = j + 2
                    break
                j += 1
        inner = source[start + 2 : max(start + 2, end - 2)].strip("-+ \t\r\n")
        line, col = where(start)
        end_line, _ = where(max(start, end - 1))
        tags.append(Tag(kind, start, end, line, col, end_line, inner))
        i = end
        if kind == "{%" and re.fullmatch(r"raw", inner):
            rm = raw_end.search(source, end)
            if rm:
                line, col = where(rm.start())
                tags.append(Tag("{%", rm.start(), rm.end(), line, col, line, "endraw"))
                i = rm.end()
    _attach_translator_comments(tags, gettext_call)
    return tags


@lru_cache(maxsize=64)
def gettext_call_re(names: Iterable[str]) -> re.Pattern[str]:
    """What an output that calls one of `names` (a hashable collection: the gettext
    functions, tmplkit's and the project's [i18n] keywords) starts with."""
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=lambda n: (-len(n), n)))
    return re.compile(rf"({alternatives})\s*\(")


def _attach_translator_comments(tags: list[Tag], gettext_call: re.Pattern[str]) -> None:
    """Jinja's (and so pybabel's) rule: a translation gets the nearest `{# Translators: … #}`
    written after the previous translation."""
    pending: str | None = None
    for tag in tags:
        if tag.kind == "{#" and tag.inner.lower().startswith("translators:"):
            pending = tag.inner.split(":", 1)[1].strip()
        elif is_gettext_tag(tag, gettext_call):
            tag.comment, pending = pending, None


def is_gettext_tag(tag: Tag, gettext_call: re.Pattern[str] = GETTEXT_CALL_RE) -> bool:
    if tag.kind == "{%":
        return re.match(r"trans\b", tag.inner) is not None
    return tag.kind == "{{" and gettext_call.match(tag.inner) is not None
