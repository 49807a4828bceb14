"""SMS segmentation on grapheme clusters (tmplkit.message.sms.split), checked against Twilio's
segment calculator: its own test cases, ported, and 2,376 texts with a cluster at every position
around every segment boundary, run through its JavaScript in node (tests/data/sms_twilio)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tmplkit.message.sms import clusters, encoding, segments, split

TWILIO = Path(__file__).parent / "data" / "sms_twilio" / "segment.js"

# What goes around a boundary: each is one grapheme cluster (or, for the two flags and CR LF,
# two in a row) and all but CR LF force UCS-2.
CLUSTERS = {
    "flag": "\U0001f1eb\U0001f1f7",  # 🇫🇷: two regional indicators, 4 units
    "two flags": "\U0001f1e9\U0001f1ea\U0001f1ef\U0001f1f5",  # 🇩🇪🇯🇵: indicators pair 2 + 2
    "tag flag": "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",  # 🏴 Scotland, 14
    "family": "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466",  # 👨‍👩‍👧‍👦, 11
    "skin tone": "\U0001f44d\U0001f3fd",  # 👍🏽, 4
    "skin tone + ZWJ": "\U0001f469\U0001f3fd\u200d\U0001f4bb",  # 👩🏽‍💻, 7
    "1 mark": "e\u0301",  # é decomposed, 2
    "2 marks": "a\u0308\u0301",  # 3
    "3 marks": "o\u0302\u0323\u0301",  # 4
    "Hangul jamo": "\u1112\u1161\u11ab",  # 한 as L V T, 3
    "keycap": "1\ufe0f\u20e3",  # 1️⃣, 3
    "CR LF": "\r\n",  # one cluster for Unicode, two characters for Twilio; GSM-7
}
# (filler, the encoding's boundaries: its lone-SMS limit and its first two part boundaries)
ENCODINGS = {
    "GSM-7": ("0123456789", (160, 153, 306)),
    "UCS-2": ("абвгдежзик", (70, 67, 134)),
}
OFFSETS = range(-16, 17)  # the cluster starts 16 units before the boundary to 16 after


def _filler(chars: str, n: int) -> str:
    return (chars * (n // len(chars) + 1))[:n]


def boundary_texts() -> list[str]:
    """12 clusters × 2 encodings × 3 boundaries × 33 start positions = 2,376 texts. Filler of
    the encoding (digits for GSM-7, Cyrillic for UCS-2), the cluster starting at the boundary
    plus the offset, then, past a part boundary, a part's worth of filler so that the boundary
    is inside the text; at the lone-SMS limit the cluster ends the text, fitting or not. In
    GSM-7 filler every cluster but CR LF turns the text into UCS-2: there they check that the
    whole message changes encoding, and land at other places of the 67-unit parts."""
    texts = []
    for chars, (single, part, second) in ENCODINGS.values():
        for boundary, tail in ((single, 0), (part, part), (second, part)):
            for cluster in CLUSTERS.values():
                for offset in OFFSETS:
                    start = _filler(chars, boundary + offset)
                    texts.append(start + cluster + _filler(chars[::-1], tail))
    return texts


def twilio(texts: list[str]) -> list[dict[str, object]]:
    """Twilio's calculator on the texts, in one node process: encoding and segments of each."""
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI"):
            pytest.fail(
                "node is needed to run Twilio's segment calculator (apt-get install nodejs)"
            )
        pytest.skip("node is not installed")
    done = subprocess.run(
        [node, str(TWILIO)], input=json.dumps(texts), capture_output=True, text=True, check=True
    )
    result: list[dict[str, object]] = json.loads(done.stdout)
    return result


def disagreements(texts: list[str]) -> list[tuple[str, object, object]]:
    ours = [{"encoding": encoding(t)[0], "segments": split(t)} for t in texts]
    return [(t, o, r) for t, o, r in zip(texts, ours, twilio(texts), strict=True) if o != r]


def test_the_generator_makes_2376_distinct_texts() -> None:
    texts = boundary_texts()
    assert len(texts) == len(set(texts)) == 2376


def test_agrees_with_twilio_on_every_boundary_text() -> None:
    assert disagreements(boundary_texts()) == []


# --- Twilio's own test cases (tests/*.test.js of TwilioDevEd/message-segment-calculator) --------

DIGITS = "1234567890" * 31
TWILIO_CASES = [
    # index.test.js "Basic tests": (description, body, encoding, segments)
    ("GSM-7 in one segment", DIGITS[:160], "GSM-7", 1),
    ("GSM-7 in two segments", DIGITS[:161], "GSM-7", 2),
    ("GSM-7 in three segments", DIGITS[:307], "GSM-7", 3),
    ("UCS-2 message in one segment", "😜" + DIGITS[1:69], "UCS-2", 1),
    ("UCS-2 message in two segments", "😜" + DIGITS[1:70], "UCS-2", 2),
    ("UCS-2 message in three segments", "😜" + DIGITS[1:134], "UCS-2", 3),
    ("two bytes extended characters in one segment", "🇮🇹" + DIGITS[1:67], "UCS-2", 1),
    ("extended characters in two segments", "🇮🇹" + DIGITS[1:68], "UCS-2", 2),
    ("four bytes extended characters in one segment", "🏳️‍🌈" + DIGITS[1:65], "UCS-2", 1),
    ("four bytes extended characters in two segments", "🏳️‍🌈" + DIGITS[1:66], "UCS-2", 2),
    # "Special tests" (their issue #18): GSM extension characters in a UCS-2 message
    ("UCS-2 with ] in one segment", "😀" + "]" * 68, "UCS-2", 1),
    ("UCS-2 with ] in two segments", "😀" + "]" * 69, "UCS-2", 2),
    # "Triple accents characters" (their issue #17)
    ("triple accents, one segment", "e\u0301\u0301\u0301" + "a" * 66, "UCS-2", 1),
    ("triple accents, two segments", "e\u0301\u0301\u0301" + "a" * 67, "UCS-2", 2),
    ("triple accents alone", "e\u0301\u0301\u0301", "UCS-2", 1),
    ("CRLF line breaks", "\rabcde\r\n123", "GSM-7", 1),
    ("LF line breaks", "\nabcde\n\n123\n", "GSM-7", 1),
    ("getNonGsmCharacters", "más", "UCS-2", 1),
]
# "GSM-7 Escape Characters": each escape character and 158, then 159, digits
for escape in "|^€{}[]~\\":
    TWILIO_CASES.append((f"escape {escape} in one segment", escape + DIGITS[:158], "GSM-7", 1))
    TWILIO_CASES.append((f"escape {escape} in two segments", escape + DIGITS[:159], "GSM-7", 2))
# "One grapheme UCS-2 characters": 70 of them fit one SMS, 71 take two
for letter in "ÁÚúçíÍóÓ":
    TWILIO_CASES.append((f"70 × {letter}", letter * 70, "UCS-2", 1))
    TWILIO_CASES.append((f"71 × {letter}", letter * 71, "UCS-2", 2))


@pytest.mark.parametrize(
    ("body", "expected_encoding", "expected_segments"),
    [case[1:] for case in TWILIO_CASES],
    ids=[case[0] for case in TWILIO_CASES],
)
def test_twilio_test_case(body: str, expected_encoding: str, expected_segments: int) -> None:
    assert (encoding(body)[0], segments(body)) == (expected_encoding, expected_segments)


def test_twilio_test_cases_in_twilio_code_too() -> None:
    """The ported expectations are what the calculator in tests/data/sms_twilio says."""
    bodies = [case[1] for case in TWILIO_CASES]
    theirs = [(r["encoding"], len(r["segments"])) for r in twilio(bodies)]  # type: ignore[arg-type]
    assert theirs == [(case[2], case[3]) for case in TWILIO_CASES]
    assert disagreements(bodies) == []


def test_twilio_segments_analysis() -> None:
    """segments.test.js: 307 digits are 153 + 153 + "7"; the UCS-2 message 67 + 67 + "4"."""
    assert split(DIGITS[:307]) == [DIGITS[:153], DIGITS[153:306], "7"]
    ucs2 = "😜" + DIGITS[1:134]
    assert split(ucs2) == [ucs2[:66], ucs2[66:133], "4"]


# --- what a user sees --------------------------------------------------------------------------


def test_a_flag_at_a_part_boundary_moves_whole() -> None:
    text = "ж" * 65 + "🇫🇷" + "ж" * 10  # the flag's 4 units at 65-68 of a 67-unit part
    assert split(text) == ["ж" * 65, "🇫🇷" + "ж" * 10]


def test_a_letter_keeps_its_combining_marks() -> None:
    text = "ж" * 66 + "o\u0302\u0323\u0301" + "ж" * 5
    assert split(text) == ["ж" * 66, "o\u0302\u0323\u0301" + "ж" * 5]


def test_cr_lf_may_be_parted_like_any_two_characters() -> None:
    text = "a" * 152 + "\r\n" + "b" * 10
    assert clusters("x\r\ny") == ["x", "\r", "\n", "y"]
    assert split(text) == ["a" * 152 + "\r", "\n" + "b" * 10]


def test_a_cluster_longer_than_a_part_is_cut_between_code_points() -> None:
    text = "o" + "\u0301" * 80  # one cluster of 81 units
    assert split(text) == ["o" + "\u0301" * 66, "\u0301" * 14]
