"""HTML5 as tmplkit's HTML tools read it: element kinds, the parse, and a tree of its output.

`serialize(html)` parses HTML by the HTML5 algorithm (html5ever, through css-inline inlining
nothing) and writes it back with implied elements and end tags; `parse_serialized` reads that
output into a small tree (`Element`, `Comment`, text). Ground level: it imports nothing of
tmplkit, and the message stage (inline, textpart) and the URL pass (htmlcontext) share it.
"""

from __future__ import annotations

import html as htmlmod
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

import css_inline

# Elements whose content is text up to their end tag: no tags, no attributes inside.
RAW_TEXT_ELEMENTS = frozenset(
    {
        "script",
        "style",
        "xmp",
        "iframe",
        "noembed",
        "noframes",
        "noscript",
        "title",
        "textarea",
        "plaintext",
    }
)

# Elements with no end tag (HTML5), for every HTML scanner in tmplkit.
VOID = frozenset(
    [
        "area",
        "base",
        "basefont",
        "bgsound",
        "br",
        "col",
        "embed",
        "frame",
        "hr",
        "img",
        "input",
        "keygen",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    ]
)
# Elements whose content an HTML5 serializer writes unescaped (noscript: scripting enabled).
RAW_SERIALIZED = frozenset(
    ["script", "style", "xmp", "iframe", "noembed", "noframes", "plaintext", "noscript"]
)

_SERIALIZED_TOKEN = re.compile(
    r"<!--(?P<comment>.*?)-->"
    r"|<!(?P<doctype>[^>]*)>"
    r"|</(?P<end>[^\s/>]+)\s*>"
    r"|<(?P<start>[^\s/>]+)(?P<attrs>(?:\s+[^\s=>]+(?:=\"[^\"]*\")?)*)\s*/?>"
    r"|(?P<text>[^<]+|<)",
    re.S,
)
_SERIALIZED_ATTR = re.compile(r"\s+([^\s=>]+)(?:=\"([^\"]*)\")?")


@dataclass(frozen=True, slots=True)
class Comment:
    text: str


@dataclass(eq=False, slots=True)
class Element:
    """A node of the tree: `#document` for the root; children are elements, text and comments."""

    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Element | Comment | str] = field(default_factory=list)
    parent: Element | None = None

    # The walks of the tree keep their own stack: a document may nest elements deeper than
    # Python recurses (and `yield from` through every level would cost its depth per element).

    def iter(self) -> Iterator[Element]:
        """This element and its descendants, in document order."""
        stack = [self]
        while stack:
            el = stack.pop()
            yield el
            stack.extend(reversed([c for c in el.children if isinstance(c, Element)]))

    def comments(self) -> Iterator[tuple[Comment, Element]]:
        """Every comment below this element, with its parent, in document order."""
        stack = [(self, iter(self.children))]
        while stack:
            parent, children = stack[-1]
            for child in children:
                if isinstance(child, Comment):
                    yield child, parent
                elif isinstance(child, Element):
                    stack.append((child, iter(child.children)))
                    break
            else:
                stack.pop()


def parse_serialized(html: str) -> Element:
    """The tree of an HTML5 serializer's output (css-inline's): every non-void element has its
    end tag, attribute values are double-quoted, text escapes `&`, `<` and `>`."""
    root = Element("#document")
    current = root
    pos = 0
    n = len(html)
    while pos < n:
        m = _SERIALIZED_TOKEN.match(html, pos)
        if m is None:  # pragma: no cover - the pattern matches any character
            break
        pos = m.end()
        if m.group("comment") is not None:
            current.children.append(Comment(m.group("comment")))
        elif m.group("start") is not None:
            tag = m.group("start").lower()
            attrs = {
                name.lower(): htmlmod.unescape(value or "")
                for name, value in _SERIALIZED_ATTR.findall(m.group("attrs"))
            }
            el = Element(tag, attrs, [], current)
            current.children.append(el)
            if tag in RAW_SERIALIZED:
                close = re.compile(rf"</{re.escape(tag)}\s*>", re.I).search(html, pos)
                stop = close.start() if close else n
                if stop > pos:
                    el.children.append(html[pos:stop])
                pos = close.end() if close else n
            elif tag not in VOID:
                current = el
        elif m.group("end") is not None:
            tag = m.group("end").lower()
            el2: Element | None = current
            while el2 is not None and el2.tag != tag:
                el2 = el2.parent
            if el2 is not None and el2.parent is not None:
                current = el2.parent
        elif m.group("text") is not None:
            current.children.append(htmlmod.unescape(m.group("text")))
    return root


# --- the HTML5 parse, serialized ----------------------------------------------------------------


@lru_cache(maxsize=1)
def _parser() -> css_inline.CSSInliner:
    return css_inline.CSSInliner(
        inline_style_tags=False,
        keep_style_tags=True,
        keep_link_tags=True,
        load_remote_stylesheets=False,
    )


def serialize(html: str) -> str:
    """HTML parsed by the HTML5 algorithm (html5ever, through css-inline, inlining nothing) and
    serialized: implied elements and end tags written out."""
    return str(_parser().inline(html))


__all__ = [
    "RAW_SERIALIZED",
    "RAW_TEXT_ELEMENTS",
    "VOID",
    "Comment",
    "Element",
    "parse_serialized",
    "serialize",
]
