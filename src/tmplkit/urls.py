"""URLs from untrusted hands (recipient data, translations): which may be printed where a
browser follows them (`href`, `src`, …), and the inert value that replaces the others.

Go's html/template is the model: a value that lands in a URL attribute keeps its place only
if its scheme is one a message may link to (http, https, mailto, tel, sms) or it has none (a
relative URL, a fragment); anything else (`javascript:`, `vbscript:`, `data:` other than an
image, `file:`, an unknown scheme) becomes INERT_URL. The scheme is read the way a browser
reads it: HTML character references decoded (an attribute's `&#106;avascript:` is
`javascript:`), leading spaces and control characters dropped, tabs and line breaks anywhere
ignored, letters compared without case.
"""

from __future__ import annotations

import html
import re

__all__ = [
    "INERT_URL",
    "SAFE_SCHEMES",
    "URL_ATTRIBUTES",
    "is_url_attribute",
    "safe_url",
    "url_is_safe",
    "url_scheme",
]

SAFE_SCHEMES = frozenset({"http", "https", "mailto", "tel", "sms"})

# What replaces an unsafe URL: a URL that goes nowhere in every browser and says why (Closure
# templates print about:invalid#zClosurez, Go's html/template #ZgotmplZ).
INERT_URL = "about:invalid#tmplkit-unsafe-url"

# Attributes whose value a browser or mail reader loads or follows as a URL, by element ("*":
# on any element). `content` of <meta http-equiv="refresh"> holds a URL after "N;url=": it is
# checked as a URL attribute too, which is stricter than needed.
URL_ATTRIBUTES: dict[str, frozenset[str]] = {
    "*": frozenset({"href", "src", "action", "formaction", "background", "poster", "xlink:href",
                    "cite", "longdesc", "usemap", "srcset", "lowsrc", "dynsrc", "ping",
                    "manifest", "codebase", "data", "archive", "profile"}),
    "meta": frozenset({"content"}),
}  # fmt: skip

# Images a data: URL may carry (never SVG: it can hold scripts).
_DATA_IMAGE_RE = re.compile(r"data:image/(?:png|gif|jpe?g|webp|bmp|avif);base64,", re.I)
_SCHEME_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
_IGNORED = re.compile(r"[\t\n\r]")  # the URL parser removes them wherever they are
# Leading characters a browser strips before it reads a scheme: C0 controls and space.
_LEADING = "".join(chr(c) for c in range(0x21))


def is_url_attribute(element: str, attribute: str) -> bool:
    """Whether `attribute` of `element` (names in any case) holds a URL."""
    name = attribute.lower()
    return name in URL_ATTRIBUTES["*"] or name in URL_ATTRIBUTES.get(element.lower(), ())


def url_scheme(value: str) -> str | None:
    """The scheme of `value` as a browser reads it (lower-case), or None for a URL with none
    (relative: `/a`, `a/b:c`, `#top`, `?q=1`)."""
    text = _IGNORED.sub("", html.unescape(value)).lstrip(_LEADING)
    match = _SCHEME_RE.match(text)
    return match.group(1).lower() if match else None


def url_is_safe(value: str) -> bool:
    """Whether a message may print `value` where a URL goes (see the module's docstring)."""
    scheme = url_scheme(value)
    if scheme is None or scheme in SAFE_SCHEMES:
        return True
    if scheme == "data":
        text = _IGNORED.sub("", html.unescape(value)).lstrip(_LEADING)
        return _DATA_IMAGE_RE.match(text) is not None
    return False


def safe_url(value: str) -> str:
    """`value` if it is safe in a URL attribute, else INERT_URL."""
    return value if url_is_safe(value) else INERT_URL
