"""Phone numbers the way sending systems take them (international: E.164 or bare digits), and
the SMS an envelope sends."""

from __future__ import annotations

import re
from collections.abc import Callable

from ..errors import HandoffError
from .envelope import Envelope

# What people write between digits: spaces, dashes, dots, slashes, brackets.
SEPARATORS = re.compile(r"[\s\-./()]")
_DIGITS = re.compile(r"[1-9][0-9]{6,14}")  # E.164: a country code (no leading 0), 7 to 15 digits


def international_number(phone: str, *, plus: bool = True) -> str:
    """`phone` as an international number: `+46701234567` (plus=True, E.164) or
    `46701234567` (plus=False, the MSISDN digits). Accepts `+46 70-123 45 67` and
    `0046701234567`; refuses a national number (`070 123 45 67`), since which country it
    belongs to is a guess."""
    compact = SEPARATORS.sub("", phone)
    if compact.startswith("+"):
        digits = compact[1:]
    elif compact.startswith("00"):
        digits = compact[2:]
    else:
        raise HandoffError(
            f"phone number {phone!r} is not international",
            hint="write it with its country code, e.g. +46701234567",
        )
    if not _DIGITS.fullmatch(digits):
        raise HandoffError(
            f"phone number {phone!r} is not a valid international number",
            hint="a + and 7 to 15 digits, the first not 0, e.g. +46701234567",
        )
    return f"+{digits}" if plus else digits


def sms_text(
    adapter: str, envelope: Envelope, number: Callable[[str], str] = international_number
) -> str:
    """The SMS text `envelope` sends (its sms part, else its text), after checking that its
    recipient has a phone number that `number` takes; HandoffError naming `adapter` if not."""
    phone = envelope.recipient.phone
    if not phone:
        who = envelope.recipient.key() or "(unnamed)"
        raise HandoffError(f"{adapter}: recipient {who!r} has no phone number")
    number(phone)
    text = envelope.body("sms")
    if not text.strip():
        raise HandoffError(
            f"{adapter}: the message to {phone} has no SMS text",
            hint="add an sms.txt.j2 part to the draft, or a text part",
        )
    return text
