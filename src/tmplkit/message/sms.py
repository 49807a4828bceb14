"""SMS cost of a text: its encoding, length and segments (pure; the report that renders a
project's SMS parts and measures them is tmplkit.sms, above the renderer).

An SMS carries 140 bytes. In the GSM 7-bit default alphabet (3GPP TS 23.038, "GSM 03.38")
that is 160 characters; a character of the alphabet's extension table (`^ { } \\ [ ~ ] | €`
and the form feed) is sent as an escape followed by the character, so it takes two of those
160 septets. One character outside both tables and the whole message goes as UCS-2 (in
practice UTF-16): 70 code units, an emoji or any other character beyond the Basic
Multilingual Plane taking two. A longer message is sent as concatenated parts, each of which
gives 6 bytes to the header that joins them: 153 septets, or 67 code units, per part. A phone
never receives half of an escape pair or half of a surrogate pair: such a character that does
not fit at the end of a part moves to the next one, so parts are counted by filling them, not
by dividing the length.

Why no library: PyPI has GSM 03.38 codecs (`gsm0338`) and splitters (`smsutil`,
`sms-counter`), but what is needed here is two small constant tables and a loop. A codec
answers "can this be encoded", not "which characters force UCS-2, in order", and the
splitters differ on the very points that cost money (an extension character or a surrogate
pair at a part boundary, the form feed); owning the fifty lines keeps those rules explicit and
tested. National language shift tables (Turkish, Spanish, Portuguese, Indian scripts) are not
counted: few gateways use them, and a message that needs them is counted as UCS-2, the
dearer case.

`encoding`, `length`, `segments`, `split` and `measure` are pure functions of the text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

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


def split(text: str) -> list[str]:
    """The parts a phone receives: one when it fits a lone SMS, else parts filled in order,
    never splitting an extension character's escape pair or a surrogate pair. No parts for an
    empty text."""
    name, _ = encoding(text)
    costs = _costs(text, name)
    single, size = (GSM7_SINGLE, GSM7_PART) if name == "GSM-7" else (UCS2_SINGLE, UCS2_PART)
    total = sum(costs)
    if total == 0:
        return []
    if total <= single:
        return [text]
    parts: list[str] = []
    start = used = 0
    for i, cost in enumerate(costs):
        if used + cost > size:
            parts.append(text[start:i])
            start, used = i, 0
        used += cost
    parts.append(text[start:])
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
