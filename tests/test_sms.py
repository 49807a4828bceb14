"""tmplkit.sms: encoding, length and segments at every boundary; the SMS report of the sample
project per template × locale, exactly; `tmplkit sms-report` (table, JSON, budgets and exit
codes); and the same figures in `tmplkit i18n status --json`."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

import tmplkit
from tests.conftest import ProjectEnv, Result
from tmplkit import sms
from tmplkit.errors import TmplkitError

Run = Callable[..., Result]

ORDER = "acme-shop/orders/order-confirmation"
RESET = "acme-shop/account/password-reset"
SHIPPING = "acme-shop/orders/shipping-notification"
WELCOME = "acme-shop/account/welcome"

# A string of n characters that are not in the GSM alphabet, one UTF-16 unit each.
POLISH = "ł"
EMOJI = "\U0001f600"  # 😀: beyond the BMP, a surrogate pair in UTF-16


def figures(text: str) -> tuple[str, tuple[str, ...], int, int]:
    count = sms.measure(text)
    return count.encoding, count.forced_by, count.length, count.segments


# --- the alphabet -------------------------------------------------------------------------------


def test_the_gsm_alphabet_is_the_3gpp_default_table() -> None:
    # 128 codes, one of them (0x1B) the escape to the extension table
    assert len(sms.GSM7_BASIC) == 127
    assert set(sms.GSM7_EXTENSION) == set("\f^{}\\[~]|€")
    assert not sms.GSM7_BASIC & sms.GSM7_EXTENSION
    basic = "".join(sorted(sms.GSM7_BASIC))
    assert figures(basic) == ("GSM-7", (), 127, 1)
    assert figures("^{}\\[~]|€\f") == ("GSM-7", (), 20, 1)  # each one escape + one septet


@pytest.mark.parametrize(
    ("text", "forced_by"),
    [
        ("Cześć, Łódź!", ("ś", "ć", "Ł", "ó", "ź")),  # in order of appearance
        ("żż ó ż ó", ("ż", "ó")),  # each once
        ("Ça va ? Reçu.", ("ç",)),  # Ç is in the table, ç is not
        ("Merci\u00a0!", ("\u00a0",)),  # French typography's no-break space
        ("Don’t", ("’",)),  # a curly apostrophe
        ("price: `5`", ("`",)),
        ("ΔΦΓΛΩΠΨΣΘΞ but α", ("α",)),  # the Greek capitals that differ from Latin ones only
        ("naïve café", ("ï",)),
        ("Hi " + EMOJI, (EMOJI,)),
    ],
)
def test_the_characters_that_force_ucs2(text: str, forced_by: tuple[str, ...]) -> None:
    assert sms.encoding(text) == ("UCS-2", forced_by)


@pytest.mark.parametrize(
    "text", ["", "Hello, world!", "£5 @ 10:00 ¥ § ¿¡ èéùìòÇØøÅåÆæßÉÄÖÑÜäöñüà", "a\r\nb\nc"]
)
def test_gsm_text_needs_no_ucs2(text: str) -> None:
    assert sms.encoding(text) == ("GSM-7", ())


def test_show_char_names_the_invisible_ones() -> None:
    assert [sms.show_char(c) for c in "ł\u00a0\u202f\t\u200d€"] == [
        "ł",
        "U+00A0",
        "U+202F",
        "U+0009",
        "U+200D",
        "€",
    ]
    assert sms.show_chars("abcdefghij", limit=8) == "a b c d e f g h (+2 more)"
    assert sms.show_chars("ab") == "a b"


# --- length and segments at the boundaries -------------------------------------------------------


def test_empty_text() -> None:
    assert figures("") == ("GSM-7", (), 0, 0)
    assert sms.split("") == []


@pytest.mark.parametrize(
    ("n", "segments"),
    [
        (1, 1),
        (160, 1),
        (161, 2),
        (153 * 2, 2),
        (153 * 2 + 1, 3),
        (153 * 3, 3),
        (153 * 3 + 1, 4),
    ],
)
def test_gsm7_boundaries(n: int, segments: int) -> None:
    assert figures("a" * n) == ("GSM-7", (), n, segments)


@pytest.mark.parametrize(
    ("n", "segments"),
    [
        (1, 1),
        (70, 1),
        (71, 2),
        (67 * 2, 2),
        (67 * 2 + 1, 3),
        (67 * 3, 3),
        (67 * 3 + 1, 4),
    ],
)
def test_ucs2_boundaries(n: int, segments: int) -> None:
    assert figures(POLISH * n) == ("UCS-2", (POLISH,), n, segments)


def test_an_extension_character_counts_two_septets() -> None:
    assert figures("€" * 80) == ("GSM-7", (), 160, 1)
    assert figures("€" * 80 + "a") == ("GSM-7", (), 161, 2)
    assert figures("a" * 159 + "[") == ("GSM-7", (), 161, 2)
    assert figures("a" * 158 + "]") == ("GSM-7", (), 160, 1)


def test_an_extension_character_is_never_split_across_parts() -> None:
    # 306 septets is 2 × 153 by division; but the € would straddle the end of the first part,
    # so it opens the second, and the last "a" needs a third.
    text = "a" * 152 + "€" + "a" * 152
    assert figures(text) == ("GSM-7", (), 306, 3)
    assert sms.split(text) == ["a" * 152, "€" + "a" * 151, "a"]
    # One septet less and the € fits at the end of the first part: two parts.
    text = "a" * 151 + "€" + "a" * 152
    assert sms.split(text) == ["a" * 151 + "€", "a" * 152]
    assert figures(text) == ("GSM-7", (), 305, 2)


def test_an_emoji_counts_two_code_units() -> None:
    assert figures(EMOJI * 35) == ("UCS-2", (EMOJI,), 70, 1)
    assert figures(EMOJI * 35 + "a") == ("UCS-2", (EMOJI,), 71, 2)
    assert figures("a" * 69 + EMOJI) == ("UCS-2", (EMOJI,), 71, 2)


def test_a_surrogate_pair_is_never_split_across_parts() -> None:
    text = POLISH * 66 + EMOJI + POLISH * 66  # 134 units = 2 × 67, but the emoji straddles
    assert figures(text) == ("UCS-2", (POLISH, EMOJI), 134, 3)
    assert sms.split(text) == [POLISH * 66, EMOJI + POLISH * 65, POLISH]
    text = POLISH * 65 + EMOJI + POLISH * 67
    assert sms.split(text) == [POLISH * 65 + EMOJI, POLISH * 67]


@pytest.mark.parametrize(
    "text",
    ["a" * 500, "€" * 200 + "b" * 7, POLISH * 300, (EMOJI + "x") * 90, "Zoë " * 60],
)
def test_the_parts_are_the_text_and_fit(text: str) -> None:
    parts = sms.split(text)
    assert "".join(parts) == text
    assert len(parts) == sms.segments(text) > 1
    size = 153 if sms.encoding(text)[0] == "GSM-7" else 67
    assert all(sms.length(p) <= size for p in parts)
    assert all(sms.length(p) > size - 2 for p in parts[:-1])  # filled, not merely divided


# --- the report on the sample project ------------------------------------------------------------

JA_RESET = tuple("：このリンクから分以内にパスワードを再設定してください")
JA_ORDER = tuple("：ご注文を承りました（点、）。詳細")
JA_SHIPPING = ("ë", *"様、のご注文をで発送しまた。追跡：")
AR_RESET = tuple("أعدتينكلمةاروبهذطخق")
AR_ORDER = tuple("تمأكيدالطبرق،نجةفص")
AR_SHIPPING = (*"مرحبًا", "ë", *"،طلكقنفيإعتّه")

# template × locale: encoding, the characters forcing UCS-2, length, segments
SAMPLE_FIGURES = [
    (RESET, "en-US", "GSM-7", (), 141, 1),
    (RESET, "fr-FR", "GSM-7", (), 156, 1),
    (RESET, "de-DE", "GSM-7", (), 160, 1),  # exactly one SMS
    (RESET, "pl-PL", "UCS-2", ("ł", "ą"), 141, 3),
    (RESET, "ja-JP", "UCS-2", JA_RESET, 116, 2),
    (RESET, "ar-EG", "UCS-2", AR_RESET, 136, 3),
    (ORDER, "en-US", "GSM-7", (), 120, 1),
    (ORDER, "fr-FR", "GSM-7", (), 126, 1),
    (ORDER, "de-DE", "GSM-7", (), 128, 1),
    (ORDER, "pl-PL", "UCS-2", ("ó", "ł"), 131, 2),
    (ORDER, "ja-JP", "UCS-2", JA_ORDER, 97, 2),
    (ORDER, "ar-EG", "UCS-2", AR_ORDER, 123, 2),
    # the sample customer is Zoë: her ë makes every language UCS-2
    (SHIPPING, "en-US", "UCS-2", ("ë",), 143, 3),
    (SHIPPING, "fr-FR", "UCS-2", ("ë",), 149, 3),
    (SHIPPING, "de-DE", "UCS-2", ("ë",), 160, 3),
    (SHIPPING, "pl-PL", "UCS-2", ("ń", "ë", "ó", "Ś"), 154, 3),
    (SHIPPING, "ja-JP", "UCS-2", JA_SHIPPING, 119, 2),
    (SHIPPING, "ar-EG", "UCS-2", AR_SHIPPING, 144, 3),
]
RESET_URL = "https://acme.example/account/password/reset?token=q8Zr2vT0kLm4Xw7B&uid=58213"


def rows(report: sms.SmsReport) -> list[tuple[object, ...]]:
    return [
        (
            r.template,
            r.locale,
            r.count.encoding,
            r.count.forced_by,
            r.count.length,
            r.count.segments,
        )
        for r in report.rows
    ]


@pytest.fixture
def sample(sample_project: Path) -> tmplkit.Project:
    return tmplkit.open_project(sample_project)


def test_report_of_every_template_with_an_sms_part_in_every_locale(
    sample: tmplkit.Project,
) -> None:
    report = sms.report(sample)
    assert rows(report) == SAMPLE_FIGURES  # the welcome template has no SMS part
    texts = {(r.template, r.locale): r.text for r in report.rows}
    assert texts[(RESET, "en-US")] == (
        f"Acme Shop: reset your password with this link within 30 minutes:\n{RESET_URL}"
    )
    assert texts[(RESET, "de-DE")] == (
        "Acme Shop: Setzen Sie Ihr Passwort mit diesem Link innerhalb von 30 Minuten zurück:\n"
        + RESET_URL
    )
    assert texts[(ORDER, "fr-FR")] == (
        "Acme Shop : commande #AC-104829 confirmée, 3 articles pour 115,49 USD. "
        "Détails : https://acme.example/account/orders/AC-104829"
    )
    assert texts[(ORDER, "pl-PL")] == (
        "Acme Shop: zamówienie nr AC-104829 potwierdzone, 3 produkty za 115,49 USD. "
        "Szczegóły: https://acme.example/account/orders/AC-104829"
    )
    assert report.max_segments is None and report.over == []
    assert all(r.warnings == () for r in report.rows)
    assert [r.template_id for r in report.rows[::6]] == [
        "tem_01m2tes7aa7mr85hk6z60dyz85",
        "tem_01m2n5d9rf9y9x6nmxjjscqfn0",
        "tem_01m2qd7872k9hs1c89hkwa0wb6",
    ]


def test_report_with_a_budget_marks_those_over_it(sample: tmplkit.Project) -> None:
    report = sms.report(sample, max_segments=2)
    over = [(r.template, r.locale) for r in report.over]
    assert over == [
        (RESET, "pl-PL"),
        (RESET, "ar-EG"),
        (SHIPPING, "en-US"),
        (SHIPPING, "fr-FR"),
        (SHIPPING, "de-DE"),
        (SHIPPING, "pl-PL"),
        (SHIPPING, "ar-EG"),
    ]
    assert [r.over_budget for r in report.rows].count(True) == 7
    assert sms.report(sample, max_segments=3).over == []


def test_report_of_one_source_locales_and_data(sample: tmplkit.Project) -> None:
    report = sms.report(sample, SHIPPING, locales=["de_DE", "en-US"])
    assert rows(report) == [SAMPLE_FIGURES[14], SAMPLE_FIGURES[12]]  # in the order given
    # The same message to a Zoe: GSM-7, one SMS in German (160 septets), as in English.
    data = json.loads((sample.root / "workspaces" / SHIPPING / "sample.json").read_text("utf-8"))
    data["customer"]["first_name"] = "Zoe & Lea"
    report = sms.report(sample, SHIPPING, locales=["de-DE", "en-US"], data=data)
    assert rows(report) == [
        (SHIPPING, "de-DE", "GSM-7", (), 160, 1),
        (SHIPPING, "en-US", "GSM-7", (), 143, 1),
    ]


def test_report_of_a_draft(sample: tmplkit.Project) -> None:
    next_draft = "tdft_01m6gcf97zxybbb8msg2ee1s2d"  # the order confirmation's draft in progress
    with pytest.raises(TmplkitError, match=f"^{ORDER} has no sms part \\(sms.txt.j2\\)$"):
        sms.report(sample, ORDER, draft=next_draft)
    draft_dir = sample.root / "workspaces" / ORDER / "drafts" / "next"
    (draft_dir / "sms.txt.j2").write_text("Order {{ order.number }}: {{ order.total }} €\n")
    report = sms.report(sample, next_draft, locales=["en-US"])
    assert rows(report) == [(ORDER, "en-US", "GSM-7", (), 26, 1)]  # 25 characters, € counts 2
    assert report.rows[0].text == "Order AC-104829: 115.49 €"
    assert report.rows[0].draft_id == next_draft


def test_report_refusals(sample: tmplkit.Project) -> None:
    with pytest.raises(TmplkitError, match=f"^{WELCOME} has no sms part \\(sms.txt.j2\\)$"):
        sms.report(sample, WELCOME)
    with pytest.raises(TmplkitError, match=r"^max segments must be at least 1, not 0$"):
        sms.report(sample, max_segments=0)
    with pytest.raises(TmplkitError, match=r"^--draft needs SOURCE$"):
        sms.report(sample, draft="tdft_01m6gcf97zxybbb8msg2ee1s2d")


def test_a_locale_without_catalogs_is_measured_in_the_source_with_warnings(
    sample: tmplkit.Project,
) -> None:
    (row,) = sms.report(sample, ORDER, locales=["es-ES"]).rows
    assert (row.locale, row.count) == ("es-ES", sms.report(sample, ORDER).rows[0].count)
    assert row.warnings == (
        "template order-confirmation: 'Acme Shop: order #%(number)s is confirmed, %(count)s "
        "item...': no es-ES translation; using the source (en-US)",  # keys shortened to 60
        "template order-confirmation: 'Details:': no es-ES translation; using the source (en-US)",
    )


# --- the command ----------------------------------------------------------------------------

TABLE = """\
TEMPLATE                                LOCALE  ENCODING  LENGTH  SEGMENTS  UCS-2 FORCED BY
acme-shop/account/password-reset        en-US   GSM-7     141     1
acme-shop/account/password-reset        fr-FR   GSM-7     156     1
acme-shop/account/password-reset        de-DE   GSM-7     160     1
acme-shop/account/password-reset        pl-PL   UCS-2     141     3         ł ą
acme-shop/account/password-reset        ja-JP   UCS-2     116     2         ： こ の リ ン ク か ら (+19 more)
acme-shop/account/password-reset        ar-EG   UCS-2     136     3         أ ع د ت ي ن ك ل (+11 more)
acme-shop/orders/order-confirmation     en-US   GSM-7     120     1
acme-shop/orders/order-confirmation     fr-FR   GSM-7     126     1
acme-shop/orders/order-confirmation     de-DE   GSM-7     128     1
acme-shop/orders/order-confirmation     pl-PL   UCS-2     131     2         ó ł
acme-shop/orders/order-confirmation     ja-JP   UCS-2     97      2         ： ご 注 文 を 承 り ま (+9 more)
acme-shop/orders/order-confirmation     ar-EG   UCS-2     123     2         ت م أ ك ي د ا ل (+10 more)
acme-shop/orders/shipping-notification  en-US   UCS-2     143     3         ë
acme-shop/orders/shipping-notification  fr-FR   UCS-2     149     3         ë
acme-shop/orders/shipping-notification  de-DE   UCS-2     160     3         ë
acme-shop/orders/shipping-notification  pl-PL   UCS-2     154     3         ń ë ó Ś
acme-shop/orders/shipping-notification  ja-JP   UCS-2     119     2         ë 様 、 の ご 注 文 を (+10 more)
acme-shop/orders/shipping-notification  ar-EG   UCS-2     144     3         م ر ح ب ً ا ë ، (+12 more)
"""


def test_cli_table(sample_project: Path, run: Run) -> None:
    result = run("sms-report", cwd=sample_project)
    assert (result.code, result.out, result.err) == (0, TABLE, "")


def test_cli_budget_exit_codes(sample_project: Path, run: Run) -> None:
    over = run("sms-report", "--max-segments", "2", "--locale", "pl-PL", cwd=sample_project)
    assert over.code == 1
    assert over.out == (
        "TEMPLATE                                LOCALE  ENCODING  LENGTH  SEGMENTS  MAX 2  "
        "UCS-2 FORCED BY\n"
        "acme-shop/account/password-reset        pl-PL   UCS-2     141     3         OVER   ł ą\n"
        "acme-shop/orders/order-confirmation     pl-PL   UCS-2     131     2         ok     ó ł\n"
        "acme-shop/orders/shipping-notification  pl-PL   UCS-2     154     3         OVER   "
        "ń ë ó Ś\n"
    )
    assert over.err == "error: 2 of 3 SMS take more than 2 segments\n"
    one = run("sms-report", RESET, "--max-segments", "1", cwd=sample_project)
    assert (one.code, one.err) == (1, "error: 3 of 6 SMS take more than 1 segment\n")
    within = run("sms-report", "--max-segments", "3", cwd=sample_project)
    assert (within.code, within.err) == (0, "")
    assert within.out.splitlines()[0].split() == [
        "TEMPLATE",
        "LOCALE",
        "ENCODING",
        "LENGTH",
        "SEGMENTS",
        "MAX",
        "3",
        "UCS-2",
        "FORCED",
        "BY",
    ]
    assert [line.split()[5] for line in within.out.splitlines()[1:] if "GSM-7" in line] == [
        "ok"
    ] * 6


def test_cli_json(sample_project: Path, run: Run) -> None:
    result = run(
        "sms-report", RESET, "--locale", "de-DE", "--locale", "pl-PL", "--max-segments", "2",
        "--json", cwd=sample_project,
    )  # fmt: skip
    assert result.code == 1
    assert result.err == "error: 1 of 2 SMS take more than 2 segments\n"
    assert json.loads(result.out) == {
        "maxSegments": 2,
        "over": 1,
        "messages": [
            {
                "template": RESET,
                "templateId": "tem_01m2tes7aa7mr85hk6z60dyz85",
                "draftId": "tdft_01m2tesc0y971b3wtfmef3q6z3",
                "locale": "de-DE",
                "encoding": "GSM-7",
                "forcedBy": [],
                "length": 160,
                "segments": 1,
                "overBudget": False,
                "text": "Acme Shop: Setzen Sie Ihr Passwort mit diesem Link innerhalb von 30 "
                f"Minuten zurück:\n{RESET_URL}",
                "warnings": [],
            },
            {
                "template": RESET,
                "templateId": "tem_01m2tes7aa7mr85hk6z60dyz85",
                "draftId": "tdft_01m2tesc0y971b3wtfmef3q6z3",
                "locale": "pl-PL",
                "encoding": "UCS-2",
                "forcedBy": ["ł", "ą"],
                "length": 141,
                "segments": 3,
                "overBudget": True,
                "text": "Acme Shop: zresetuj hasło za pomocą tego linku w ciągu 30 minut:\n"
                + RESET_URL,
                "warnings": [],
            },
        ],
    }
    plain = run("sms-report", "--json", cwd=sample_project)
    data = json.loads(plain.out)
    assert (plain.code, data["maxSegments"], data["over"]) == (0, None, 0)
    assert [
        (m["template"], m["locale"], m["encoding"], tuple(m["forcedBy"]), m["length"],
         m["segments"])
        for m in data["messages"]
    ] == SAMPLE_FIGURES  # fmt: skip


def test_cli_data_from_a_file_and_stdin(sample_project: Path, run: Run, tmp_path: Path) -> None:
    data = json.loads((sample_project / "workspaces" / SHIPPING / "sample.json").read_text("utf-8"))
    data["customer"]["first_name"] = "Zoe"
    file = tmp_path / "zoe.json"
    file.write_text(json.dumps(data), "utf-8")
    expected = (
        "TEMPLATE                                LOCALE  ENCODING  LENGTH  SEGMENTS  "
        "UCS-2 FORCED BY\n"
        "acme-shop/orders/shipping-notification  en-US   GSM-7     137     1\n"
    )
    result = run("sms-report", SHIPPING, "--locale", "en-US", "--data", file, cwd=sample_project)
    assert (result.code, result.out, result.err) == (0, expected, "")
    piped = run(
        "sms-report", SHIPPING, "--locale", "en-US", "--data", "-", cwd=sample_project,
        stdin=json.dumps(data),
    )  # fmt: skip
    assert (piped.code, piped.out) == (0, expected)


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ((WELCOME,), f"error: {WELCOME} has no sms part (sms.txt.j2)\n"),
        (("nope/nope",), "error: no template 'nope/nope'\n"),
        ((ORDER, "--data", "missing.json"), "error: missing.json: no such data file\n"),
        ((ORDER, "--data", "-"), "error: <stdin>:1:1: invalid JSON: Expecting value\n"),
        ((ORDER, "--locale", "not a locale"), None),
    ],
)
def test_cli_bad_input_is_one_line(
    sample_project: Path, run: Run, args: tuple[str, ...], error: str | None
) -> None:
    result = run("sms-report", *args, cwd=sample_project)
    assert (result.code, result.out) == (1, "")
    if error is not None:
        assert result.err == error
    assert len(result.err.splitlines()) == 1 and result.err.startswith("error: ")


def test_cli_max_segments_must_be_positive(sample_project: Path, run: Run) -> None:
    result = run("sms-report", "--max-segments", "0", cwd=sample_project)
    assert result.code == 2
    assert "Invalid value for '--max-segments': 0 is not in the range x>=1." in result.err


def test_cli_warns_when_a_locale_falls_back(sample_project: Path, run: Run) -> None:
    result = run("sms-report", ORDER, "--locale", "es-ES", cwd=sample_project)
    assert result.code == 0
    assert result.out.splitlines()[1].split() == [ORDER, "es-ES", "GSM-7", "120", "1"]
    assert result.err.splitlines() == [
        "warning: template order-confirmation: 'Acme Shop: order #%(number)s is confirmed, "
        "%(count)s item...': no es-ES translation; using the source (en-US)",
        "warning: template order-confirmation: 'Details:': no es-ES translation; using the "
        "source (en-US)",
    ]


def test_cli_project_without_sms_parts(project: ProjectEnv, run: Run) -> None:
    root = project.root
    result = run("sms-report", "--max-segments", "1", cwd=root)
    assert (result.code, result.out, result.err) == (
        0,
        "no template has an sms part (sms.txt.j2)\n",
        "",
    )
    as_json = run("sms-report", "--json", cwd=root)
    assert json.loads(as_json.out) == {"maxSegments": None, "over": 0, "messages": []}


# --- the same figures in i18n status --json ------------------------------------------------------


def test_i18n_status_json_carries_the_sms_figures(sample_project: Path, run: Run) -> None:
    result = run("i18n", "status", "--json", cwd=sample_project)
    assert result.code == 0, result.err
    status = {(r["owner"], r["locale"]): r for r in json.loads(result.out)}
    expected = {
        (t, loc): {"encoding": e, "forcedBy": list(f), "length": n, "segments": s}
        for t, loc, e, f, n, s in SAMPLE_FIGURES
        if loc != "en-US"  # status is about the translations: the project's locales
    }
    assert {k: r["sms"] for k, r in status.items() if "sms" in r} == expected
    assert all("sms" not in r for (owner, _), r in status.items() if owner == WELCOME)
    assert all("sms" not in r for r in status.values() if r["kind"] == "block")
    # The text table is unchanged: the figures are for pipelines.
    text = run("i18n", "status", "--locale", "pl-PL", cwd=sample_project)
    assert text.out.splitlines()[0].split() == [
        "TEMPLATE/BLOCK",
        "LOCALE",
        "TRANSLATED",
        "FUZZY",
        "MISSING",
        "DONE",
    ]


def test_status_library_measures_only_when_asked(sample: tmplkit.Project) -> None:
    from tmplkit.i18n.workflow import status

    assert all(r.sms is None for r in status(sample, ["pl-PL"]))
    measured = {r.owner: r.sms for r in status(sample, ["pl-PL"], sms=sms.sms_costs(sample))}
    assert measured[ORDER] == {
        "encoding": "UCS-2",
        "forcedBy": ["ó", "ł"],
        "length": 131,
        "segments": 2,
    }
    assert measured[WELCOME] is None
