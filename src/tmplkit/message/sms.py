"""SMS cost of a text: its encoding, length and segments (pure; the report that renders a
project's SMS parts and measures them is tmplkit.sms, above the renderer).

An SMS carries 140 bytes. In the GSM 7-bit default alphabet (3GPP TS 23.038, "GSM 03.38")
that is 160 characters; a character of the alphabet's extension table (`^ { } \\ [ ~ ] | €`
and the form feed) is sent as an escape followed by the character, so it takes two of those
160 septets. One character outside both tables and the whole message goes as UCS-2 (in
practice UTF-16): 70 code units, an emoji or any other character beyond the Basic
Multilingual Plane taking two. A longer message is sent as concatenated parts, each of which
gives 6 bytes to the header that joins them: 153 septets, or 67 code units, per part. Parts are
filled in order with whole user-perceived characters, Unicode extended grapheme clusters (UAX
#29: a flag, a family emoji, a letter and its combining marks, a Hangul syllable of jamo, a
keycap), as Twilio's segment calculator does: a cluster that does not fit at the end of a part
moves to the next one whole, and so does an escape pair or a surrogate pair. So parts are
counted by filling them, not by dividing the length. Like Twilio's, the CR LF pair is two
characters here (a line break either way), and a cluster longer than a whole part, which no
part could hold, is cut between its code points.

Clusters come from the `regex` package's `\\X`: the standard library has no grapheme
segmentation, and `regex` follows each Unicode version (Twilio's splitter, grapheme-splitter
1.0.4, has Unicode 10's data; the two differ on rules added since, such as the Indic conjuncts
of Unicode 15.1, which `regex` keeps together).

Why no library: PyPI has GSM 03.38 codecs (`gsm0338`) and splitters (`smsutil`,
`sms-counter`), but what is needed here is two small constant tables and a loop. A codec
answers "can this be encoded", not "which characters force UCS-2, in order", and the
splitters differ on the very points that cost money (an extension character or a surrogate
pair at a part boundary, the form feed); owning the fifty lines keeps those rules explicit and
tested. National language shift tables (Turkish, Spanish, Portuguese, Indian scripts) are not
counted: few gateways use them, and a message that needs them is counted as UCS-2, the
dearer case.

`encoding`, `length`, `clusters`, `segments`, `split` and `measure` are pure functions of the
text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import regex

Encoding = Literal["GSM-7", "UCS-2"]

# The GSM 03.38 default alphabet, in code order (0x00-0x7F), without 0x1B (the escape to the
# extension table). 0x09 is U+00C7 as in Unicode's mapping (GSM0338.TXT); the lower-case ç is
# not in it.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: each is sent as ESC + character, two septets.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_PART = 160, 153  # septets in a lone SMS, in each part of a longer one
UCS2_SINGLE, UCS2_PART = 70, 67  # UTF-16 code units, likewise


def encoding(text: str) -> tuple[Encoding, tuple[str, ...]]:
    """The encoding a text is sent in: GSM-7 when every character is in the GSM alphabet (basic
    or extension), else UCS-2 and the characters that force it, each once, in order."""
    forcing = dict.fromkeys(c for c in text if c not in GSM7_BASIC and c not in GSM7_EXTENSION)
    if forcing:
        return "UCS-2", tuple(forcing)
    return "GSM-7", ()


def _costs(text: str, name: Encoding) -> list[int]:
    """What each character takes: septets in GSM-7, UTF-16 code units in UCS-2."""
    if name == "GSM-7":
        return [2 if c in GSM7_EXTENSION else 1 for c in text]
    return [2 if ord(c) > 0xFFFF else 1 for c in text]


def length(text: str) -> int:
    """Septets (GSM-7: an extension character counts 2) or UTF-16 code units (UCS-2: a
    character beyond the BMP, such as an emoji, counts 2)."""
    return sum(_costs(text, encoding(text)[0]))


# A user-perceived character; CR LF, one cluster for Unicode, is two here, as for Twilio.
_CLUSTER = regex.compile(r"\r|\X")


def clusters(text: str) -> list[str]:
    """The text's extended grapheme clusters (CR and LF apart): what a part never splits."""
    found: list[str] = _CLUSTER.findall(text)
    return found


def split(text: str) -> list[str]:
    """The parts a phone receives: one when it fits a lone SMS, else parts filled in order with
    whole grapheme clusters (hence never half an escape pair or a surrogate pair). No parts for
    an empty text."""
    name, _ = encoding(text)
    single, size = (GSM7_SINGLE, GSM7_PART) if name == "GSM-7" else (UCS2_SINGLE, UCS2_PART)
    total = sum(_costs(text, name))
    if total == 0:
        return []
    if total <= single:
        return [text]
    parts: list[str] = []
    part: list[str] = []
    used = 0
    for cluster in clusters(text):
        costs = _costs(cluster, name)
        # a cluster no part can hold goes character by character
        pieces = zip(cluster, costs, strict=True) if sum(costs) > size else [(cluster, sum(costs))]
        for piece, cost in pieces:
            if used + cost > size and part:
                parts.append("".join(part))
                part, used = [], 0
            part.append(piece)
            used += cost
    parts.append("".join(part))
    return parts


def segments(text: str) -> int:
    """How many SMS the text is sent as (what a gateway bills); 0 for an empty text."""
    return len(split(text))


@dataclass(frozen=True)
class SmsCount:
    """What a text costs as an SMS."""

    encoding: Encoding
    forced_by: tuple[str, ...]  # the characters that force UCS-2, in order
    length: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int

    def to_json(self) -> dict[str, Any]:
        return {
            "encoding": self.encoding,
            "forcedBy": list(self.forced_by),
            "length": self.length,
            "segments": self.segments,
        }


def measure(text: str) -> SmsCount:
    """Encoding, the characters forcing UCS-2, length and segments of a text."""
    name, forced_by = encoding(text)
    return SmsCount(name, forced_by, sum(_costs(text, name)), segments(text))


def show_char(c: str) -> str:
    """A character as a person can read it in a list: invisible ones (a no-break space, a
    tab, a zero-width joiner) as U+XXXX."""
    return c if c.isprintable() and not c.isspace() else f"U+{ord(c):04X}"


def show_chars(chars: Iterable[str], limit: int = 8) -> str:
    """The first `limit` characters, space-separated, and how many more there are."""
    shown = list(chars)
    more = f" (+{len(shown) - limit} more)" if len(shown) > limit else ""
    return " ".join(show_char(c) for c in shown[:limit]) + more
