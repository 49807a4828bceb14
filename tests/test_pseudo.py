"""i18n/pseudo.py: the qps-ploc (accented) and qps-plocm (mirrored) pseudo-locales."""

from __future__ import annotations

import random
import re
import string
import unicodedata

import pytest

from tmplkit.i18n.pseudo import (
    ACCENTED,
    ASCII_LETTERS,
    FLIPPED,
    PDF,
    PSEUDO_LOCALES,
    RLO,
    expansion,
    is_pseudo,
    padding,
    pseudo_localize,
    pseudo_mirror,
)

UNACCENT = str.maketrans(ACCENTED, ASCII_LETTERS)
UNFLIP = str.maketrans(FLIPPED, ASCII_LETTERS)
RUN_RE = re.compile(f"{RLO}([^{RLO}{PDF}]*){PDF}")


def ploc(text: str, python_format: bool = True) -> str:
    return pseudo_localize(text, python_format=python_format)


def plocm(text: str, python_format: bool = True) -> str:
    return pseudo_mirror(text, python_format=python_format)


# --- the IBM table ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("length", "added"),
    [
        (0, 0),
        (1, 1),
        (10, 10),  # ≤10: +100 %
        (11, 9),  # 11–20: +80 %, 8.8 rounded up
        (20, 16),
        (21, 13),  # 21–30: +60 %, 12.6 rounded up
        (30, 18),
        (31, 13),  # 31–50: +40 %, 12.4 rounded up
        (50, 20),
        (51, 16),  # 51–70: +30 %, 15.3 rounded up
        (70, 21),
        (71, 22),  # >70: +30 %, 21.3 rounded up
        (100, 30),
    ],
)
def test_expansion_follows_the_ibm_table(length: int, added: int) -> None:
    assert expansion(length) == added


def test_expansion_refuses_a_negative_length() -> None:
    with pytest.raises(ValueError, match="negative"):
        expansion(-1)


@pytest.mark.parametrize(
    ("count", "filler"),
    [(0, ""), (1, " "), (2, " ~"), (5, " ~~~~"), (6, " ~~~~ "), (12, " ~~~~ ~~~~ ~")],
)
def test_padding_repeats_space_and_four_tildes(count: int, filler: str) -> None:
    assert padding(count) == filler


def test_expansion_is_measured_on_visible_text_at_the_boundaries() -> None:
    # 10 visible characters (a placeholder counts nothing) get 10 more; 11 get 9 more.
    assert ploc("%(n)sabcdefghij") == "[%(n)sȧƀƈḓḗƒɠħīĵ ~~~~ ~~~~]"
    assert ploc("abcdefghijk") == "[ȧƀƈḓḗƒɠħīĵķ ~~~~ ~~~]"
    # 20 → +16, 21 → +13, 30 → +18, 31 → +13, 50 → +20, 51 → +16, 70 → +21, 71 → +22.
    for length, added in [(20, 16), (21, 13), (30, 18), (31, 13), (50, 20), (51, 16), (70, 21)]:
        out = ploc("<b>" + "x" * length + "</b>")
        assert out == "[<b>" + "ẋ" * length + "</b>" + padding(added) + "]"
    assert ploc("y" * 71) == "[" + "ẏ" * 71 + " ~~~~" * 4 + " ~]"


# --- qps-ploc: exact outputs -----------------------------------------------------------------


def test_ploc_accents_expands_and_brackets() -> None:
    assert ploc("Hello") == "[Ħḗŀŀǿ ~~~~]"
    assert ploc("Welcome back") == "[Ẇḗŀƈǿḿḗ ƀȧƈķ ~~~~ ~~~~]"  # 12 → +10
    assert ploc("The quick brown fox jumps over the lazy dog") == (
        "[Ŧħḗ ɋŭīƈķ ƀřǿẇƞ ƒǿẋ ĵŭḿƥş ǿṽḗř ŧħḗ ŀȧẑẏ ḓǿɠ ~~~~ ~~~~ ~~~~ ~~]"  # 43 → +18
    )
    assert ploc("ABCDEFGHIJKLMNOPQRSTUVWXYZ") == (
        "[ȦƁƇḒḖƑƓĦĪĴĶĿḾȠǾƤɊŘŞŦŬṼẆẊẎẐ ~~~~ ~~~~ ~~~~ ]"  # 26 → +16
    )


def test_ploc_keeps_placeholders_and_double_percent() -> None:
    assert ploc("%(count)sitems") == "[%(count)sīŧḗḿş ~~~~]"
    assert ploc("You have %(count)s new messages") == (
        "[Ẏǿŭ ħȧṽḗ %(count)s ƞḗẇ ḿḗşşȧɠḗş ~~~~ ~~~~ ~~~]"  # 22 → +14
    )
    # `%%` shows as one character: 5 + 1 + 4 = 10 visible → +10.
    assert ploc("Save %(pct)s%% now") == "[Şȧṽḗ %(pct)s%% ƞǿẇ ~~~~ ~~~~]"
    # `%%` first: a literal percent sign, then the text `(name)s`.
    assert ploc("%%(name)s") == "[%%(ƞȧḿḗ)ş ~~~~ ~~]"
    assert ploc("%%%(pct)s off") == "[%%%(pct)s ǿƒƒ ~~~~]"
    assert ploc("%(first)s%(last)s") == "[%(first)s%(last)s]"
    assert ploc("%(first_name)s, %(ünï)s") == "[%(first_name)s, %(ünï)s ~]"


def test_ploc_without_python_format_has_no_placeholders() -> None:
    assert ploc("Save 50% today", python_format=False) == "[Şȧṽḗ 50% ŧǿḓȧẏ ~~~~ ~~~~ ~]"
    assert ploc("100%", python_format=False) == "[100% ~~~]"
    # Two characters shown, two counted; a placeholder-looking string is just text.
    assert ploc("50%% off", python_format=False) == "[50%% ǿƒƒ ~~~~ ~~]"
    assert ploc("50%% off", python_format=True) == "[50%% ǿƒƒ ~~~~ ~]"
    assert ploc("%(name)s", python_format=False) == "[%(ƞȧḿḗ)ş ~~~~ ~~]"
    assert ploc("%(name)s", python_format=True) == "[%(name)s]"


def test_ploc_keeps_markup() -> None:
    assert ploc('<a href="https://x.example/?a=1&amp;b=2">Shop now</a>') == (
        '[<a href="https://x.example/?a=1&amp;b=2">Şħǿƥ ƞǿẇ</a> ~~~~ ~~]'
    )
    # 19 visible → +16; the img's alt text is an attribute, kept as it is.
    assert ploc('Line one<br>Line two<br/>end<img src="logo.png" alt="Logo" />') == (
        '[Ŀīƞḗ ǿƞḗ<br>Ŀīƞḗ ŧẇǿ<br/>ḗƞḓ<img src="logo.png" alt="Logo" /> ~~~~ ~~~~ ~~~~ ]'
    )
    assert ploc("<!-- Translators: keep it short -->Hi") == (
        "[<!-- Translators: keep it short -->Ħī ~]"
    )
    assert ploc("Hi <!-- unfinished") == "[Ħī <!-- unfinished ~~]"
    assert ploc('<a title="a > b" href="/x">Go</a>') == '[<a title="a > b" href="/x">Ɠǿ</a> ~]'
    assert ploc("<a title='it's'>Go</a>") == "[<a title='it's'>Ɠǿ</a> ~]"
    assert ploc("<p class='lead'>Thanks, <strong>%(name)s</strong>!</p>") == (
        "[<p class='lead'>Ŧħȧƞķş, <strong>%(name)s</strong>!</p> ~~~~ ~~~]"
    )
    assert ploc('<a href="%(url)s">Click</a>') == '[<a href="%(url)s">Ƈŀīƈķ</a> ~~~~]'
    assert ploc('<td width="100%%">Total</td>') == '[<td width="100%%">Ŧǿŧȧŀ</td> ~~~~]'
    assert ploc("<!DOCTYPE html><P>Big</P>") == "[<!DOCTYPE html><P>Ɓīɠ</P> ~~]"
    # A `<` that opens no tag is text.
    assert ploc("a < b, c <= 5") == "[ȧ < ƀ, ƈ <= 5 ~~~~ ~~~~ ]"  # 13 → +11


def test_ploc_keeps_entities() -> None:
    # Each entity shows as one character: 4 + 1 + 6 + 1 + 1 + 2 + 1 + 4 = 20 → +16.
    assert ploc("Tom &amp; Jerry&nbsp;&#39;s &#x2014; fun") == (
        "[Ŧǿḿ &amp; Ĵḗřřẏ&nbsp;&#39;ş &#x2014; ƒŭƞ ~~~~ ~~~~ ~~~~ ]"
    )
    assert ploc("R&D") == "[Ř&Ḓ ~~]"  # a bare ampersand is text
    assert ploc("&copy;&COPY;") == "[&copy;&COPY; ~]"


def test_ploc_empty_and_whitespace() -> None:
    assert ploc("") == ""
    assert ploc("", python_format=False) == ""
    assert ploc("   ") == "[    ~~]"
    assert ploc("\n") == "[\n ]"
    assert ploc(" \t") == "[ \t ~]"


def test_ploc_leaves_non_ascii_letters_alone() -> None:
    assert ploc("Café Müller") == "[Ƈȧƒé Ḿüŀŀḗř ~~~~ ~~~]"
    assert ploc("Żółć") == "[Żółć ~~~]"
    assert ploc("東京 42") == "[東京 42 ~~~~]"


# --- qps-plocm: exact outputs ----------------------------------------------------------------


def test_plocm_flips_and_overrides_each_word() -> None:
    assert plocm("Hello") == f"[{RLO}Hǝʅʅo{PDF}]"
    assert plocm("Hello, world!") == f"[{RLO}Hǝʅʅo{PDF}, {RLO}ʍoɹʅp{PDF}!]"
    assert plocm("ABCDEFGHIJKLMNOPQRSTUVWXYZ") == f"[{RLO}∀ԐↃᗡƎℲ⅁HIſӼ⅂WNOԀÒᴚS⊥∩ɅMX⅄Z{PDF}]"
    assert plocm("abcdefghijklmnopqrstuvwxyz") == f"[{RLO}ɐqɔpǝɟƃɥıɾʞʅɯuodbɹsʇnʌʍxʎz{PDF}]"
    # Digits and `_` are not part of a word.
    assert plocm("Room 101b") == f"[{RLO}ᴚooɯ{PDF} 101{RLO}q{PDF}]"
    assert plocm("snake_case") == f"[{RLO}suɐʞǝ{PDF}_{RLO}ɔɐsǝ{PDF}]"


def test_plocm_keeps_placeholders_and_double_percent() -> None:
    assert plocm("Hello, %(name)s!") == f"[{RLO}Hǝʅʅo{PDF}, %(name)s!]"
    assert plocm("%(count)sitems") == f"[%(count)s{RLO}ıʇǝɯs{PDF}]"
    assert plocm("Save %(pct)s%% now") == f"[{RLO}Sɐʌǝ{PDF} %(pct)s%% {RLO}uoʍ{PDF}]"
    assert plocm("%%(name)s") == f"[%%({RLO}uɐɯǝ{PDF}){RLO}s{PDF}]"
    assert plocm("%%%(pct)s off") == f"[%%%(pct)s {RLO}oɟɟ{PDF}]"


def test_plocm_without_python_format_has_no_placeholders() -> None:
    assert plocm("%(name)s", python_format=False) == f"[%({RLO}uɐɯǝ{PDF}){RLO}s{PDF}]"
    assert plocm("50% off", python_format=False) == f"[50% {RLO}oɟɟ{PDF}]"


def test_plocm_keeps_markup_and_entities() -> None:
    assert plocm('<a href="https://x.example/?a=1&amp;b=2">Shop now</a>') == (
        f'[<a href="https://x.example/?a=1&amp;b=2">{RLO}Sɥod{PDF} {RLO}uoʍ{PDF}</a>]'
    )
    assert plocm("<!-- note -->Hi<br/>") == f"[<!-- note -->{RLO}Hı{PDF}<br/>]"
    assert plocm("don&#39;t &amp; won&rsquo;t") == (
        f"[{RLO}pou{PDF}&#39;{RLO}ʇ{PDF} &amp; {RLO}ʍou{PDF}&rsquo;{RLO}ʇ{PDF}]"
    )


def test_plocm_empty_whitespace_and_non_ascii() -> None:
    assert plocm("") == ""
    assert plocm("  ") == "[  ]"
    # Non-ASCII letters are unchanged but belong to their word, so the word mirrors whole.
    assert plocm("Café Müller") == f"[{RLO}Ↄɐɟé{PDF} {RLO}Wüʅʅǝɹ{PDF}]"
    assert plocm("東京 42") == f"[{RLO}東京{PDF} 42]"


# --- tables, registry ------------------------------------------------------------------------


@pytest.mark.parametrize("table", [ACCENTED, FLIPPED], ids=["accented", "flipped"])
def test_tables_are_one_to_one_over_a_to_z(table: str) -> None:
    assert string.ascii_uppercase + string.ascii_lowercase == ASCII_LETTERS
    assert len(table) == 52
    assert len(set(table)) == 52
    for ch in table:
        assert unicodedata.normalize("NFC", ch) == ch


def test_accented_letters_are_non_ascii_letters_of_the_same_case() -> None:
    for plain, accented in zip(ASCII_LETTERS, ACCENTED, strict=True):
        assert not accented.isascii()
        assert accented.isalpha()
        assert accented.isupper() == plain.isupper()


def test_registry_and_is_pseudo() -> None:
    assert dict(PSEUDO_LOCALES) == {"qps-ploc": pseudo_localize, "qps-plocm": pseudo_mirror}
    assert PSEUDO_LOCALES["qps-ploc"]("Hi", python_format=False) == "[Ħī ~]"
    assert PSEUDO_LOCALES["qps-plocm"]("Hi", python_format=False) == f"[{RLO}Hı{PDF}]"
    for tag in ("qps-ploc", "qps-plocm", "QPS-PLOC", "qps-Plocm", " qps-ploc "):
        assert is_pseudo(tag)
    for tag in ("qps-ploca", "qps", "qps-plo", "qps_ploc", "en-US", "en", ""):
        assert not is_pseudo(tag)


# --- properties ------------------------------------------------------------------------------

TEXT_PIECES = [
    "Hello",
    "world",
    "Your order",
    "ships today",
    "naïve",
    "Café",
    "Żółć",
    "東京",
    " ",
    "  ",
    "\n",
    "\t",
    ", ",
    "!",
    "?",
    "42",
    "3.5",
    "(",
    ")",
    "snake_case",
    "Z",
    "q",
    "x",
]
# (piece, visible characters it stands for)
MARKUP_PIECES = [
    ('<a href="https://x.example/?a=1&amp;b=2">', 0),
    ("</a>", 0),
    ("<br>", 0),
    ("<br/>", 0),
    ('<img src="logo.png" alt="Logo" />', 0),
    ("<!-- Translators: a comment -->", 0),
    ("<strong>", 0),
    ("</strong>", 0),
    ("<span style='color:red'>", 0),
    ('<td width="100%%">', 0),
    ("&amp;", 1),
    ("&nbsp;", 1),
    ("&#39;", 1),
    ("&#x2014;", 1),
]
PYTHON_FORMAT_PIECES = [("%(count)s", 0), ("%(name)s", 0), ("%%", 1)]
PLAIN_TEXT_PIECES = ["%", "%(count)s", "100%"]  # text when the string is not python-format


def generated_cases() -> list[tuple[bool, list[tuple[str, int | None]]]]:
    """Deterministic random msgids as pieces: (source, visible chars) with None for text."""
    rng = random.Random(20240601)
    cases = []
    for i in range(400):
        python_format = i % 2 == 0
        markup = MARKUP_PIECES + (PYTHON_FORMAT_PIECES if python_format else [])
        texts = TEXT_PIECES + ([] if python_format else PLAIN_TEXT_PIECES)
        pieces: list[tuple[str, int | None]] = []
        for _ in range(rng.randint(0, 12)):
            if rng.random() < 0.6:
                pieces.append((rng.choice(texts), None))
            else:
                pieces.append(rng.choice(markup))
        cases.append((python_format, pieces))
    return cases


def test_generated_cases_cover_the_pieces() -> None:
    used = {p for _, pieces in generated_cases() for p, _ in pieces}
    assert used >= {p for p, _ in MARKUP_PIECES + PYTHON_FORMAT_PIECES}
    assert used >= set(TEXT_PIECES + PLAIN_TEXT_PIECES)


@pytest.mark.parametrize(("python_format", "pieces"), generated_cases())
def test_ploc_properties(python_format: bool, pieces: list[tuple[str, int | None]]) -> None:
    src = "".join(p for p, _ in pieces)
    out = pseudo_localize(src, python_format=python_format)
    assert out == pseudo_localize(src, python_format=python_format)  # deterministic
    if not src:
        assert out == ""
        return
    assert out[0] == "[" and out[-1] == "]"
    inner = out[1:-1]
    body, pad = inner[: len(src)], inner[len(src) :]
    # The padding: IBM's expansion of the visible length, as " ~~~~" repeated.
    visible = sum(len(p) if v is None else v for p, v in pieces)
    assert len(pad) == expansion(visible)
    assert pad == "".join(" " if i % 5 == 0 else "~" for i in range(len(pad)))
    # Stripping brackets and padding and undoing the accents gives the source back.
    assert body.translate(UNACCENT) == src
    # Markup and placeholders are where they were, untouched; text keeps no ASCII letter.
    pos = 0
    for piece, v in pieces:
        segment = body[pos : pos + len(piece)]
        if v is None:
            assert not any(ch in ASCII_LETTERS for ch in segment)
        else:
            assert segment == piece
        pos += len(piece)


@pytest.mark.parametrize(("python_format", "pieces"), generated_cases())
def test_plocm_properties(python_format: bool, pieces: list[tuple[str, int | None]]) -> None:
    src = "".join(p for p, _ in pieces)
    out = pseudo_mirror(src, python_format=python_format)
    assert out == pseudo_mirror(src, python_format=python_format)  # deterministic
    if not src:
        assert out == ""
        return
    assert out[0] == "[" and out[-1] == "]"
    inner = out[1:-1]
    # Every override is closed, and holds a word: letters only once unflipped.
    runs = RUN_RE.findall(inner)
    assert inner.count(RLO) == inner.count(PDF) == len(runs)
    for run in runs:
        assert run and run.translate(UNFLIP).isalpha()
    # Every letter of the text (and nothing else) is inside an override.
    letters = sum(ch.isalpha() for p, v in pieces if v is None for ch in p)
    assert sum(len(run) for run in runs) == letters
    # Unflipping the runs and dropping the marks gives the source back, markup in place.
    restored = RUN_RE.sub(lambda m: m.group(1).translate(UNFLIP), inner)
    assert restored == src
    stripped = inner.replace(RLO, "").replace(PDF, "")
    pos = 0
    for piece, v in pieces:
        if v is not None:
            assert stripped[pos : pos + len(piece)] == piece
        pos += len(piece)
