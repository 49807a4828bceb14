"""Plain text from HTML: a first, simple derivation of an e-mail's text part."""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "table",
        "tr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
        "li",
        "blockquote",
        "section",
        "article",
        "header",
        "footer",
        "hr",
        "pre",
        "address",
        "center",
    ]
)
BREAK = "\0"  # a line break made by an element; source whitespace is only a space
SKIP_TAGS = frozenset({"head", "style", "script", "title", "template"})


def html_to_text(html: str) -> str:
    """Readable text: block elements on their own lines, links as `text (url)`, no CSS/script."""
    if not html.strip():
        return ""
    root = lxml.html.document_fromstring(html)
    chunks: list[str] = []

    def walk(el: etree._Element) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in SKIP_TAGS or not isinstance(el.tag, str):
            if el.tail:
                chunks.append(el.tail)
            return
        block = tag in BLOCK_TAGS
        if block:
            chunks.append(BREAK)
        if tag == "br":
            chunks.append(BREAK)
        if tag == "li":
            chunks.append("- ")
        if tag == "img" and el.get("alt"):
            chunks.append(el.get("alt", ""))
        if el.text:
            chunks.append(el.text)
        for child in el:
            walk(child)
        if tag == "a":
            href = (el.get("href") or "").strip()
            label = " ".join(el.text_content().split())
            if href and not href.startswith("#") and href != label:
                chunks.append(f" ({href.removeprefix('mailto:')})")
        if block:
            chunks.append(BREAK)
        elif tag in ("td", "th"):
            chunks.append(" ")
        if el.tail:
            chunks.append(el.tail)

    body = root.find("body")
    walk(body if body is not None else root)
    text = re.sub(r"\s+", " ", "".join(chunks)).replace(BREAK, "\n")
    lines = [line.strip() for line in text.split("\n")]
    out = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    return out.strip() + "\n"
