"""Channel parts: sms.txt.j2, push.txt.j2 and chat.txt.j2 beside a draft's e-mail parts.

They are plain text, localized like the rest (extraction, catalogs, plurals, fallbacks, blocks'
text parts), rendered into Message.channels, carried by render-batch's JSONL and by the
hand-off envelope, and printed by `tmplkit render --format sms|push|chat`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import tmplkit
from tests.conftest import ProjectEnv, Result
from tmplkit.batch import render_batch
from tmplkit.errors import NotFound
from tmplkit.handoff.envelope import Envelope, Recipient
from tmplkit.localize import MissingTranslation

Run = Callable[..., Result]

ORDER = "acme-shop/orders/order-confirmation"
RESET = "acme-shop/account/password-reset"
SHIPPING = "acme-shop/orders/shipping-notification"
WELCOME = "acme-shop/account/welcome"

ORDER_SMS = (
    "Acme Shop: order #AC-104829 is confirmed, 3 items for 115.49 USD. "
    "Details: https://acme.example/account/orders/AC-104829"
)
SHIPPING_SMS = (
    "Hi Zoë & Léa, your Acme Shop order #AC-104829 is on its way with UPS. "
    "Track it: https://www.ups.com/track?loc=en_US&tracknum=1Z999AA10123456784"
)
RESET_URL = "https://acme.example/account/password/reset?token=q8Zr2vT0kLm4Xw7B&uid=58213"


@pytest.fixture
def sample(sample_project: Path) -> tmplkit.Project:
    return tmplkit.open_project(sample_project)


def sample_data(project: tmplkit.Project, template: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (project.root / "workspaces" / template / "sample.json").read_text("utf-8")
    )
    return data


def published(project: tmplkit.Project, template: str) -> Path:
    return project.root / "workspaces" / template / "drafts" / "published"


# --- Message.channels ----------------------------------------------------------------------------


def test_the_samples_channels(sample: tmplkit.Project) -> None:
    renderer = tmplkit.Renderer(sample)
    order = renderer.render(ORDER, sample_data(sample, ORDER))
    assert order.channels == {"sms": ORDER_SMS}
    shipping = renderer.render(SHIPPING, sample_data(sample, SHIPPING))
    assert list(shipping.channels) == ["sms", "push"]
    assert shipping.channels == {
        "sms": SHIPPING_SMS,
        "push": "Order #AC-104829 has shipped with UPS. Tap to track it.",
    }
    assert renderer.render(WELCOME, sample_data(sample, WELCOME)).channels == {}
    reset = renderer.render(RESET, sample_data(sample, RESET))
    # The SMS ends where its text ends; the e-mail text part keeps its file's final newline.
    assert reset.channels["sms"] == (
        f"Acme Shop: reset your password with this link within 30 minutes:\n{RESET_URL}"
    )
    assert reset.text.endswith("\n")


def test_channels_are_translated_with_the_locales_plural_rule(sample: tmplkit.Project) -> None:
    renderer = tmplkit.Renderer(sample)
    data = sample_data(sample, ORDER)

    def sms(locale: str, count: int) -> str:
        data["order"]["item_count"] = count
        return renderer.render(ORDER, data, locale=locale).channels["sms"].split(". ")[0]

    number = "Acme Shop: zamówienie nr AC-104829 potwierdzone"
    assert [sms("pl-PL", n) for n in (1, 3, 5, 22, 1.5)] == [
        f"{number}, 1 produkt za 115,49 USD",
        f"{number}, 3 produkty za 115,49 USD",
        f"{number}, 5 produktów za 115,49 USD",
        f"{number}, 22 produkty za 115,49 USD",
        f"{number}, 1.5 produktu za 115,49 USD",  # CLDR's `other`: fractions
    ]
    # French: 0, 1 and 1.5 are singular (CLDR's `one`: i = 0 or 1)
    assert [sms("fr-FR", n) for n in (0, 1, 1.5, 2)] == [
        "Acme Shop : commande #AC-104829 confirmée, 0 article pour 115,49 USD",
        "Acme Shop : commande #AC-104829 confirmée, 1 article pour 115,49 USD",
        "Acme Shop : commande #AC-104829 confirmée, 1.5 article pour 115,49 USD",
        "Acme Shop : commande #AC-104829 confirmée, 2 articles pour 115,49 USD",
    ]
    # Arabic: zero, one, two, few (3-10), many (11-99), other (100-102)
    order = "Acme Shop: تم تأكيد الطلب رقم AC-104829، "
    assert [sms("ar-EG", n).removeprefix(order) for n in (0, 1, 2, 3, 11, 100, 102)] == [
        "بلا منتجات، بقيمة 115.49 USD",
        "منتج واحد بقيمة 115.49 USD",
        "منتجان بقيمة 115.49 USD",
        "3 منتجات بقيمة 115.49 USD",
        "11 منتجًا بقيمة 115.49 USD",
        "100 منتج بقيمة 115.49 USD",
        "102 منتج بقيمة 115.49 USD",
    ]
    assert sms("en-US", 1) == "Acme Shop: order #AC-104829 is confirmed, 1 item for 115.49 USD"


def test_push_in_every_locale(sample: tmplkit.Project) -> None:
    renderer = tmplkit.Renderer(sample)
    data = sample_data(sample, SHIPPING)
    pushes = [
        renderer.render(SHIPPING, data, locale=loc).channels["push"]
        for loc in ("fr-FR", "de-DE", "pl-PL", "ja-JP")
    ]
    assert pushes == [
        "Commande #AC-104829 expédiée avec UPS. Touchez pour la suivre.",
        "Bestellung #AC-104829 ist mit UPS unterwegs. Tippen zum Verfolgen.",
        "Zamówienie nr AC-104829 wysłane przez UPS. Dotknij, aby śledzić.",
        "ご注文 #AC-104829 を UPS で発送しました。タップして追跡できます。",
    ]


def test_channel_parts_are_never_html_escaped(sample: tmplkit.Project) -> None:
    data = sample_data(sample, SHIPPING)
    data["customer"]["first_name"] = "<b>Ann</b> & 'Bo'"
    data["shipment"]["carrier"] = 'A&B "Express"'
    message = tmplkit.render(SHIPPING, data, project=sample, locale="de-DE")
    assert message.channels["sms"].startswith(
        "Hallo <b>Ann</b> & 'Bo', Ihre Acme Shop-Bestellung #AC-104829 ist mit "
        'A&B "Express" unterwegs.'
    )
    assert message.channels["push"] == (
        'Bestellung #AC-104829 ist mit A&B "Express" unterwegs. Tippen zum Verfolgen.'
    )
    assert "&lt;b&gt;Ann&lt;/b&gt; &amp; &#39;Bo&#39;" in message.html  # the HTML part escapes


def test_a_missing_translation_falls_back_or_is_an_error_under_strict(
    sample: tmplkit.Project,
) -> None:
    sms_file = published(sample, RESET) / "sms.txt.j2"
    sms_file.write_text(
        sms_file.read_text("utf-8") + "{% trans %}Reply STOP to opt out.{% endtrans %}\n"
    )
    data = sample_data(sample, RESET)
    message = tmplkit.render(RESET, data, project=sample, locale="pl-PL")
    assert message.channels["sms"] == (
        "Acme Shop: zresetuj hasło za pomocą tego linku w ciągu 30 minut:\n"
        f"{RESET_URL}\nReply STOP to opt out."
    )
    assert message.warnings == (
        "template password-reset: 'Reply STOP to opt out.': no pl-PL translation; "
        "using the source (en-US)",
    )
    with pytest.raises(MissingTranslation) as info:
        tmplkit.render(RESET, data, project=sample, locale="pl-PL", strict=True)
    assert str(info.value) == (
        "template password-reset: no pl-PL translation of 'Reply STOP to opt out.' (hint: "
        "translate it, or render without --strict to fall back to the source)"
    )


def test_extraction_finds_the_channel_parts_keys(sample_project: Path, run: Run) -> None:
    result = run("i18n", "extract", SHIPPING, cwd=sample_project)
    assert result.code == 0, result.err
    where = "workspaces/acme-shop/orders/shipping-notification/drafts/published"
    assert result.out.endswith(
        "#. an SMS; name is the customer's first name, carrier e.g. UPS.\n"
        f"#: {where}/sms.txt.j2:1\n"
        "#, python-format\n"
        'msgid ""\n'
        '"Hi %(name)s, your Acme Shop order #%(number)s is on its way with %(carrier)s."\n'
        'msgstr ""\n'
        "\n"
        f"#: {where}/sms.txt.j2:1\n"
        'msgid "The rest follows separately."\n'
        'msgstr ""\n'
        "\n"
        f"#: {where}/sms.txt.j2:1\n"
        'msgid "Track it:"\n'
        'msgstr ""\n'
        "\n"
        "#. a push notification: at most about 100 characters.\n"
        f"#: {where}/push.txt.j2:1\n"
        "#, python-format\n"
        'msgid "Order #%(number)s has shipped with %(carrier)s. Tap to track it."\n'
        'msgstr ""\n'
        "\n"
    )


def test_a_block_in_a_channel_part_is_its_text_part_localized_with_its_catalog(
    sample: tmplkit.Project, tmp_path: Path
) -> None:
    from tmplkit.i18n.workflow import import_translations

    block = sample.blocks.create("SMS footer")
    (block.dir / "block.txt.j2").write_text("{% trans %}Reply STOP to opt out.{% endtrans %}\n")
    (block.dir / "block.html.j2").write_text("<p>{% trans %}E-mail only{% endtrans %}</p>\n")
    translations = tmp_path / "pl.json"
    translations.write_text('{"Reply STOP to opt out.": "Wyślij STOP, aby zrezygnować."}')
    report = import_translations(sample, "pl-PL", translations, owner=block)
    assert report.ok and report.written == ["locales/pl-PL/blocks/sms-footer.po"]
    sms_file = published(sample, ORDER) / "sms.txt.j2"
    sms_file.write_text('Order {{ order.number }}.\n{% include "blocks/sms-footer" %}\n')
    renderer = tmplkit.Renderer(sample)
    data = sample_data(sample, ORDER)
    # The block's closing newline is not part of the SMS either.
    assert (
        renderer.render(ORDER, data).channels["sms"] == "Order AC-104829.\nReply STOP to opt out."
    )
    polish = renderer.render(ORDER, data, locale="pl-PL")
    assert polish.channels["sms"] == "Order AC-104829.\nWyślij STOP, aby zrezygnować."


@pytest.mark.parametrize(
    ("source", "sms", "text"),
    [
        # inner whitespace stays, as in the text part; the file's closing newline goes
        (
            "Line one\n\nLine  two  {{ x }}\n",
            "Line one\n\nLine  two  X",
            "Line one\n\nLine  two  X\n",
        ),
        ("a\r\nb {{ x }}\r\n", "a\nb X", "a\nb X\n"),  # read with universal newlines
        ("{{ x }}\n\n", "X\n", "X\n\n"),  # only one newline goes
        ("  {{ x }}  ", "  X  ", "  X  "),
        ("{% if x %}\n{{ x }}\n{% endif %}\n", "\nX\n", "\nX\n\n"),  # no trimming around tags
    ],
)
def test_whitespace_of_a_channel_part(
    project: ProjectEnv, source: str, sms: str, text: str
) -> None:
    project.project.drafts.write_part(project.draft.id, "sms", source)
    project.project.drafts.write_part(project.draft.id, "text", source)
    message = tmplkit.render(project.draft.id, {"x": "X"}, project=project.project)
    assert (message.channels, message.text) == ({"sms": sms}, text)
    assert (project.draft.dir / "sms.txt.j2").read_bytes() == source.encode("utf-8")


def test_every_channel_part_of_a_draft(project: ProjectEnv) -> None:
    drafts = project.project.drafts
    drafts.write_part(project.draft.id, "chat", "Chat: {{ x }}\n")
    drafts.write_part(project.draft.id, "push", "Push: {{ x }}\n")
    drafts.write_part(project.draft.id, "sms", "SMS: {{ x }}\n")
    assert sorted(p.name for p in project.draft.dir.glob("*.txt.j2")) == [
        "chat.txt.j2",
        "push.txt.j2",
        "sms.txt.j2",
    ]
    message = tmplkit.render(project.draft.id, {"x": "<1>"}, project=project.project)
    assert list(message.channels.items()) == [
        ("sms", "SMS: <1>"),
        ("push", "Push: <1>"),
        ("chat", "Chat: <1>"),
    ]


def test_a_draft_with_only_a_channel_part_still_needs_a_body(project: ProjectEnv) -> None:
    drafts = project.project.drafts
    drafts.write_part(project.draft.id, "sms", "Hi\n")
    (project.draft.dir / "body.html.j2").unlink()
    with pytest.raises(NotFound, match=r"has no body \(body.html.j2 or body.txt.j2\)$"):
        tmplkit.render(project.draft.id, project=project.project)


def test_a_frozen_draft_whose_channel_part_changes_is_modified(project: ProjectEnv) -> None:
    drafts = project.project.drafts
    drafts.write_part(project.draft.id, "sms", "Hi\n")
    draft = project.draft_in("LOCKED_FOR_TRANSLATION")
    assert not drafts.modified(draft)
    (draft.dir / "sms.txt.j2").write_text("Hi there\n")
    assert drafts.modified(drafts.get(draft.id))


# --- JSON, render-batch, the hand-off envelope ---------------------------------------------------


def test_message_json_always_has_channels(sample: tmplkit.Project) -> None:
    welcome = tmplkit.render(WELCOME, sample_data(sample, WELCOME), project=sample)
    assert welcome.to_json()["channels"] == {}
    order = tmplkit.render(ORDER, sample_data(sample, ORDER), project=sample).to_json()
    assert list(order)[:4] == ["subject", "html", "text", "channels"]
    assert order["channels"] == {"sms": ORDER_SMS}


def test_render_batch_lines_carry_the_channels(sample: tmplkit.Project) -> None:
    data = sample_data(sample, SHIPPING)
    records = [data, {**data, "locale": "pl-PL"}, {**data, "order": {"number": "\ud800"}}]
    with render_batch(SHIPPING, records, project=sample, locale_field="locale", jsonl=True) as run:
        lines = [r.jsonl for r in run]
    renderer = tmplkit.Renderer(sample)
    for line, record in zip(lines, records, strict=True):
        assert line is not None
        out = json.loads(line)
        message = renderer.render(SHIPPING, record, locale=record.get("locale"))
        assert out["channels"] == message.channels
        assert list(out)[:5] == ["line", "subject", "html", "text", "channels"]
    assert json.loads(lines[1])["channels"]["push"] == (
        "Zamówienie nr AC-104829 wysłane przez UPS. Dotknij, aby śledzić."
    )
    # A lone surrogate in the data: the whole line is escaped ASCII, the channels too.
    assert lines[2] is not None and lines[2].isascii()
    assert json.loads(lines[2])["channels"]["push"] == (
        "Order #\ud800 has shipped with UPS. Tap to track it."
    )
    with render_batch(WELCOME, [{}], project=sample, jsonl=True) as run:
        (welcome,) = [r.jsonl for r in run]
    assert welcome is not None and b',"channels":{},"sender":' in welcome


def test_the_envelope_carries_the_channels(sample: tmplkit.Project) -> None:
    message = tmplkit.render(SHIPPING, sample_data(sample, SHIPPING), project=sample)
    envelope = Envelope.from_message(message, Recipient(phone="+48600100200"), channel="sms")
    assert envelope.body() == SHIPPING_SMS
    assert envelope.body("push") == message.channels["push"]
    assert envelope.to_json()["parts"] == message.channels
    order = tmplkit.render(ORDER, sample_data(sample, ORDER), project=sample)
    envelope = Envelope.from_message(order, Recipient(phone="+48600100200"), channel="push")
    assert envelope.body() == ORDER_SMS  # no push part: the SMS text


# --- tmplkit render --format sms|push|chat ------------------------------------------------------


def test_render_format_prints_a_channel_part(sample_project: Path, run: Run) -> None:
    sms = run("render", ORDER, "--format", "sms", cwd=sample_project)
    assert (sms.code, sms.out, sms.err) == (0, ORDER_SMS + "\n", "")
    push = run("render", SHIPPING, "--format", "push", "--locale", "fr-FR", cwd=sample_project)
    assert (push.code, push.out, push.err) == (
        0,
        "Commande #AC-104829 expédiée avec UPS. Touchez pour la suivre.\n",
        "",
    )
    as_json = run("render", ORDER, "--format", "json", cwd=sample_project)
    assert json.loads(as_json.out)["channels"] == {"sms": ORDER_SMS}


@pytest.mark.parametrize(("source", "part"), [(ORDER, "chat"), (ORDER, "push"), (WELCOME, "sms")])
def test_render_format_of_a_missing_channel_part_is_one_error_line(
    sample_project: Path, run: Run, source: str, part: str
) -> None:
    result = run("render", source, "--format", part, cwd=sample_project)
    assert (result.code, result.out, result.err) == (
        1,
        "",
        f"error: {source} has no {part} part ({part}.txt.j2)\n",
    )


# --- compile: the channel parts in a target language -------------------------------------------


def test_compile_gives_the_channel_parts(sample: tmplkit.Project) -> None:
    compiled = tmplkit.compile_parts(SHIPPING, "jinja", project=sample, locale="fr-FR")
    assert sorted(compiled.channels) == ["push", "sms"]
    assert compiled.to_json()["channels"] == compiled.channels
    assert compiled.part("push") == (
        "Commande #{{ order.number }} expédiée avec {{ shipment.carrier }}. Touchez pour la suivre."
    )
    assert compiled.part("chat") is None
    assert (
        tmplkit.compile(SHIPPING, "jinja", "fr-FR", project=sample, part="push")
        == (compiled.channels["push"])
    )
    welcome = tmplkit.compile_parts(WELCOME, "jinja", project=sample)
    assert (welcome.channels, welcome.to_json()["channels"]) == ({}, {})


def test_compile_part_of_a_channel_in_the_cli(sample_project: Path, run: Run) -> None:
    result = run("compile", SHIPPING, "-t", "handlebars", "--part", "push", cwd=sample_project)
    assert (result.code, result.err) == (0, "")
    # the sample's strings: printed plainly, as typed data prints in handlebars.js
    assert result.out == (
        "Order #{{{order.number}}} has shipped with {{{shipment.carrier}}}. Tap to track it.\n"
    )
    missing = run("compile", WELCOME, "-t", "liquid", "--part", "sms", cwd=sample_project)
    assert (missing.code, missing.out, missing.err) == (
        1,
        "",
        f"error: {WELCOME} has no sms part\n",
    )
