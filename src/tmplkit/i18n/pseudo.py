"""Pseudo-locales: fake translations that let designers check layouts before real ones exist.

Two locales, both pure functions of a msgid (no I/O, no randomness, no hashing: the same input
always gives the same output):

`qps-ploc` (accented, :func:`pseudo_localize`)
    1. The msgid is split into tokens (see "Tokens" below).
    2. Every ASCII letter of a text token becomes its accented look-alike from :data:`ACCENTED`,
       one code point for one letter (the table of Mozilla's Gaia/Firefox "Accented English"
       `qps-ploc`: `Ȧȧ Ɓƀ Ƈƈ Ḓḓ Ḗḗ …`). Everything else (digits, punctuation, whitespace,
       non-ASCII letters such as `é`) is unchanged.
    3. The string grows by :func:`expansion` of its *visible length*: the code points of its
       text tokens, plus one for each entity (`&amp;` shows as one character) and one for each
       `%%` (it shows as `%`); tags, comments and `%(name)s` placeholders count nothing.
    4. The growth is a filler appended after the last token: the repeating pattern
       `" ~~~~"` cut to length (1 → `" "`, 5 → `" ~~~~"`, 7 → `" ~~~~ ~"`). Its spaces give
       long paddings line-break opportunities, as the words of a real translation would have.
    5. The whole is bracketed: `[` + tokens + filler + `]`, so truncation and concatenation
       show. `Hello` → `[Ħḗŀŀǿ ~~~~]`.

`qps-plocm` (mirrored, right-to-left, :func:`pseudo_mirror`)
    Microsoft defines `qps-plocm` (LCID 0x09FF) only as a *locale* whose layout is mirrored
    (right to left); its documentation gives no string transformation. The string
    transformation that goes with the id is Mozilla's "Mirrored English" (Gaia l10n.js,
    bug 900182; Firefox's Fluent pseudo strategy "bidi"), implemented here:

    1. The same tokens as `qps-ploc`.
    2. In text tokens, every word (a maximal run of Unicode letters, `[^\\W\\d_]+`) is wrapped in
       U+202E RIGHT-TO-LEFT OVERRIDE … U+202C POP DIRECTIONAL FORMATTING, so that a renderer
       shows its letters right to left, and its ASCII letters become their upside-down
       look-alikes from :data:`FLIPPED` (`a→ɐ`, `e→ǝ`, `A→∀`; the letters that read the same
       upside down stay: `o`, `s`, `x`, `z`, `H`, `I`, `N`, `O`, `S`, `X`, `Z`; the pairs
       `b/q`, `d/p`, `n/u`, `M/W` swap). Digits, punctuation and whitespace stay outside the
       overrides and in place; the string is not reversed in memory.
    3. No expansion (Mozilla's mirrored locale has none; use `qps-ploc` for length).
    4. The whole is bracketed: `[` + tokens + `]`.

    Mozilla also renders `qps-plocm` documents with `dir="rtl"`; whoever renders this locale
    should do the same. One deliberate difference: Mozilla's JavaScript word pattern only knows
    ASCII letters, so `café` would become two runs (`caf`, `é`) and show as `facé`; here any
    Unicode letter belongs to the word, so `café` is mirrored as one run.

Tokens
    A msgid is cut, left to right, into:

    * HTML comments `<!-- … -->` (an unclosed one runs to the end of the string);
    * tags: `<` followed by a letter, `/letter`, `!` + letter (`<!DOCTYPE>`) or `?`, up to the
      `>` that is not inside a quoted attribute value (`<a title="a > b">` is one tag). Attribute
      values, `alt` and `title` included, are copied as they are;
    * character references: `&name;`, `&#39;`, `&#x2014;` (a bare `&` is text);
    * when `python_format` is true (gettext's python-format flag, which tmplkit sets for
      strings with placeholders): `%%` and `%(name)s` placeholders, read left to right as
      Python does, so `%%(name)s` is a literal percent sign followed by the text `(name)s`, and
      `%%%(name)s` is a literal percent sign followed by a placeholder;
    * text: everything else. Without `python_format`, `%` and `%(name)s` are text like any other:
      gettext does not interpolate such a string, so a reader would see the characters.

    Only text tokens are changed; every other token is copied untouched and never split.

The empty msgid (gettext's catalog header) stays empty in both locales. Whitespace is counted
and kept as it is (not collapsed).
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from typing import Final, Protocol

from ..template.parse import PLACEHOLDER_RE

ASCII_LETTERS: Final = string.ascii_uppercase + string.ascii_lowercase
# Mozilla's Accented English (`qps-ploc`), A–Z then a–z: one code point per letter, all distinct.
ACCENTED: Final = "ȦƁƇḒḖƑƓĦĪĴĶĿḾȠǾƤɊŘŞŦŬṼẆẊẎẐ" + "ȧƀƈḓḗƒɠħīĵķŀḿƞǿƥɋřşŧŭṽẇẋẏẑ"
# Mozilla's Mirrored English (`qps-plocm`, as in Firefox's Fluent pseudo strategy), A–Z then
# a–z: upside-down look-alikes, one code point per letter, all distinct.
FLIPPED: Final = "∀ԐↃᗡƎℲ⅁HIſӼ⅂WNOԀÒᴚS⊥∩ɅMX⅄Z" + "ɐqɔpǝɟƃɥıɾʞʅɯuodbɹsʇnʌʍxʎz"

RLO: Final = "\u202e"  # RIGHT-TO-LEFT OVERRIDE
PDF: Final = "\u202c"  # POP DIRECTIONAL FORMATTING
PAD_PATTERN: Final = " ~~~~"

# (largest visible length, percent added), then 30 % beyond: IBM's expansion guideline.
IBM_EXPANSION: Final = ((10, 100), (20, 80), (30, 60), (50, 40), (70, 30))
IBM_EXPANSION_BEYOND: Final = 30

_ACCENT_TABLE: Final = str.maketrans(ASCII_LETTERS, ACCENTED)
_FLIP_TABLE: Final = str.maketrans(ASCII_LETTERS, FLIPPED)
_WORD_RE: Final = re.compile(r"[^\W\d_]+")

_MARKUP = (
    r"(?P<comment><!--.*?(?:-->|\Z))"
    r"|(?P<tag><(?:/?[A-Za-z]|![A-Za-z]|\?)(?:(?:\"[^\"]*\"|'[^']*'|[^'\">])*|[^>]*)>)"
    r"|(?P<entity>&(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#[xX][0-9A-Fa-f]+);)"
)
_TOKEN_RE: Final = re.compile(_MARKUP, re.DOTALL)
_PY_TOKEN_RE: Final = re.compile(
    _MARKUP + r"|(?P<percent>%%)" + rf"|(?P<placeholder>{PLACEHOLDER_RE.pattern})", re.DOTALL
)
# How many visible characters each kind of non-text token stands for.
_VISIBLE: Final = {"comment": 0, "tag": 0, "entity": 1, "percent": 1, "placeholder": 0}


def expansion(length: int) -> int:
    """How many characters IBM's table adds to a string of `length` visible characters.

    ≤10: +100 %, 11–20: +80 %, 21–30: +60 %, 31–50: +40 %, 51–70: +30 %, >70: +30 %, rounded
    up to whole characters: 10 → 10, 11 → 9, 20 → 16, 21 → 13, 71 → 22.
    """
    if length < 0:
        raise ValueError(f"a length cannot be negative: {length}")
    percent = next((p for limit, p in IBM_EXPANSION if length <= limit), IBM_EXPANSION_BEYOND)
    return -(-length * percent // 100)


def padding(count: int) -> str:
    """`count` characters of filler: the pattern `" ~~~~"` repeated and cut to length."""
    reps = -(-count // len(PAD_PATTERN))
    return (PAD_PATTERN * reps)[:count]


def _tokens(text: str, python_format: bool) -> Iterator[tuple[str | None, str]]:
    """(kind, source) in order; kind is None for text, else a `_VISIBLE` key."""
    pos = 0
    for m in (_PY_TOKEN_RE if python_format else _TOKEN_RE).finditer(text):
        if m.start() > pos:
            yield None, text[pos : m.start()]
        yield m.lastgroup, m.group()
        pos = m.end()
    if pos < len(text):
        yield None, text[pos:]


def pseudo_localize(text: str, *, python_format: bool) -> str:
    """`qps-ploc`: accented letters, IBM expansion, brackets; markup and placeholders kept."""
    if not text:
        return ""
    out: list[str] = []
    visible = 0
    for kind, source in _tokens(text, python_format):
        if kind is None:
            out.append(source.translate(_ACCENT_TABLE))
            visible += len(source)
        else:
            out.append(source)
            visible += _VISIBLE[kind]
    return "[" + "".join(out) + padding(expansion(visible)) + "]"


def _mirror_word(m: re.Match[str]) -> str:
    return RLO + m.group().translate(_FLIP_TABLE) + PDF


def pseudo_mirror(text: str, *, python_format: bool) -> str:
    """`qps-plocm`: each word flipped and forced right to left, brackets; markup kept."""
    if not text:
        return ""
    out = [
        _WORD_RE.sub(_mirror_word, source) if kind is None else source
        for kind, source in _tokens(text, python_format)
    ]
    return "[" + "".join(out) + "]"


class PseudoFunction(Protocol):
    """The shape of a pseudo-locale's function: msgid (and its python-format flag) → string."""

    def __call__(self, text: str, *, python_format: bool) -> str: ...


PSEUDO_LOCALES: Final[dict[str, PseudoFunction]] = {
    "qps-ploc": pseudo_localize,
    "qps-plocm": pseudo_mirror,
}


def is_pseudo(locale: str) -> bool:
    """Whether a language id names a pseudo-locale (case-insensitive, surrounding space ignored).

    Look the function up with the normalized id: `PSEUDO_LOCALES[locale.strip().lower()]`.
    """
    return locale.strip().lower() in PSEUDO_LOCALES
