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
    "DATA_IMAGE_TYPES",
    "INERT_URL",
    "SAFE_SCHEMES",
    "URL_ATTRIBUTES",
    "describe_unsafe",
    "is_url_attribute",
    "safe_url",
    "unsafe_scheme",
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
DATA_IMAGE_TYPES = ("png", "gif", "jpg", "jpeg", "webp", "bmp", "avif")
_DATA_IMAGE_RE = re.compile(rf"data:image/(?:{'|'.join(DATA_IMAGE_TYPES)});base64,", re.I)
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
    return unsafe_scheme(value) is None


def unsafe_scheme(text: str, *, decode: bool = True, open: bool = False) -> str | None:
    """None when `text` may be printed where a URL starts; else the scheme that makes it
    unsafe (lower-case), or "" for a text that would end a scheme the template began.

    `decode=False` reads `text` without decoding character references: for a value the
    template HTML-escapes, whose `&` prints as `&amp;`, so that the browser reads exactly the
    value's characters. `open=True` is for a text that follows scheme letters in the same URL
    (`href="java{{ x }}"`, or `{{ a }}{{ b }}`): it must not start with `:`, which would make
    those letters, unchecked, the scheme; its own scheme letters are checked as usual (they
    end the scheme: `java` + `script:` is checked as `script:`, which is refused).
    """
    value = html.unescape(text) if decode else text
    value = _IGNORED.sub("", value).lstrip(_LEADING)
    if open and value.startswith(":"):
        return ""
    match = _SCHEME_RE.match(value)
    if match is None:
        return None
    scheme = match.group(1).lower()
    if scheme in SAFE_SCHEMES or (scheme == "data" and _DATA_IMAGE_RE.match(value)):
        return None
    return scheme


def safe_url(value: str) -> str:
    """`value` if it is safe in a URL attribute, else INERT_URL."""
    return value if url_is_safe(value) else INERT_URL


def describe_unsafe(scheme: str) -> str:
    """`unsafe URL scheme 'javascript'`: what unsafe_scheme found, for a message."""
    if scheme:
        return f"unsafe URL scheme {scheme!r}"
    return "unsafe URL (a ':' that ends the scheme letters before it)"
