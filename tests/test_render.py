"""Rendering: every sample template with its sample data, branches, loops, escaping, blocks."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import lxml.html
import pytest

import tmplkit
from tests.conftest import unstyled
from tmplkit.errors import RenderError, TemplateError

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_templates"
ORDER = "acme-shop/orders/order-confirmation"
SHIPPING = "acme-shop/orders/shipping-notification"
RESET = "acme-shop/account/password-reset"
WELCOME = "acme-shop/account/welcome"


@pytest.fixture(scope="module")
def project() -> tmplkit.Project:
    return tmplkit.open_project(SAMPLES)


def sample(name: str) -> dict[str, Any]:
    data = json.loads((SAMPLES / "workspaces" / name / "sample.json").read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def doc(html: str) -> Any:
    return lxml.html.document_fromstring(html)


def texts(html: str, xpath: str) -> list[str]:
    return [" ".join(e.text_content().split()) for e in doc(html).xpath(xpath)]


def test_every_sample_template_renders_with_its_sample_data(project: tmplkit.Project) -> None:
    subjects = {}
    for template in project.templates.list():
        message = tmplkit.render(
            template.id, project.templates.sample_data(template), project=project
        )
        subjects[template.slug] = message.subject
        assert message.sender == "Acme Shop <no-reply@acme.example>"
        assert message.reply_to == "Acme Support <support@acme.example>"
        assert message.template_id == template.id
        assert message.draft_id == template.published_draft_id
        assert "{{" not in message.html and "{%" not in message.html
    assert subjects == {
        "order-confirmation": "Your Acme Shop order #AC-104829 is confirmed",
        "shipping-notification": "Your Acme Shop order #AC-104829 is on its way",
        "password-reset": "Reset your Acme Shop password",
        "welcome": "Welcome to Acme Shop, Zoë & Léa!",
    }


def test_order_confirmation_rows_branch_and_escaping(project: tmplkit.Project) -> None:
    m = tmplkit.render(ORDER, sample(ORDER), project=project)
    rows = texts(m.html, "//table[contains(@class,'lines')]//tr[contains(@class,'line')]")
    assert rows == [
        "SCF-MER-GRY Merino Wool Scarf, Heather Grey 1 $49.00",
        "KIT-SP-OAK Salt & Pepper Mill Set <Oak> 1 $34.50",
        "MUG-STN-12 Stoneware Mug, 12 oz 1 $19.99",
    ]
    # loop.last marks only the last row
    classes = doc(m.html).xpath("//tr[contains(@class,'line')]/@class")
    assert classes == ["line", "line", "line line-last"]
    # recipient data is HTML-escaped in the HTML part, not in the text part
    assert "Salt &amp; Pepper Mill Set &lt;Oak&gt;" in m.html
    assert "<p>Hi Zoë &amp; Léa,</p>" in unstyled(m.html)
    assert "Salt & Pepper Mill Set <Oak>" in m.text
    assert "Hi Zoë & Léa," in m.text
    # plural (3 items) and the express branch
    assert "You ordered 3 items." in m.html
    assert "Express shipping: your order leaves our warehouse today" in m.html
    assert "Standard shipping" not in m.html
    # header and footer blocks are inlined
    assert 'alt="Acme Shop"' in m.html
    assert "https://acme.example/email/unsubscribe?u=7f3c9a21&amp;list=orders" in m.html


@pytest.mark.parametrize(
    ("shipping", "expected"),
    [
        ("express", "Express shipping:"),
        ("standard", "Standard shipping: your order arrives in 3-5 business days."),
        ("pickup", "We'll e-mail you as soon as your order is on its way."),
        (None, "We'll e-mail you as soon as your order is on its way."),
    ],
)
def test_order_confirmation_chooses_the_shipping_branch(
    project: tmplkit.Project, shipping: str | None, expected: str
) -> None:
    data = copy.deepcopy(sample(ORDER))
    data["order"]["shipping"] = shipping
    m = tmplkit.render(ORDER, data, project=project)
    branches = ["Express shipping:", "Standard shipping:", "We'll e-mail you as soon"]
    present = [b for b in branches if b in m.text]
    assert present == [next(b for b in branches if expected.startswith(b))]


def test_order_confirmation_empty_order_and_singular(project: tmplkit.Project) -> None:
    data = copy.deepcopy(sample(ORDER))
    data["order"]["lines"] = []
    data["order"]["item_count"] = 1
    m = tmplkit.render(ORDER, data, project=project)
    assert texts(m.html, "//table[contains(@class,'lines')]//tr[contains(@class,'line')]") == [
        "Your order is empty."
    ]
    assert "You ordered 1 item." in m.html
    # a missing first name falls back to the default
    del data["customer"]["first_name"]
    assert "<p>Hi there,</p>" in unstyled(tmplkit.render(ORDER, data, project=project).html)


def test_shipping_notification(project: tmplkit.Project) -> None:
    m = tmplkit.render(SHIPPING, sample(SHIPPING), project=project)
    hrefs = doc(m.html).xpath("//a/@href")
    assert "https://www.ups.com/track?loc=en_US&tracknum=1Z999AA10123456784" in hrefs
    assert "1Z999AA10123456784" in m.html  # |upper on the tracking number
    assert "Wednesday, October 14" in m.html
    data = copy.deepcopy(sample(SHIPPING))
    data["shipment"]["estimated_delivery"] = ""
    assert "Wednesday, October 14" not in tmplkit.render(SHIPPING, data, project=project).html


def test_password_reset_uses_its_own_text_part(project: tmplkit.Project) -> None:
    m = tmplkit.render(RESET, sample(RESET), project=project)
    # the draft's body.txt.j2 with the header block's block.txt.j2, not text derived from HTML
    assert m.text.startswith("Acme Shop | https://acme.example\n=====")
    assert "Reset password:\nhttps://acme.example/account/password/reset?" in m.text
    assert "Hi D'Arcy," in m.text  # never escaped in text
    assert "Hi D&#39;Arcy," in m.html
    assert "darcy.obrien@example.com" in m.html  # |lower
    assert "https://acme.example/account/password/reset?token=q8Zr2vT0kLm4Xw7B&uid=58213" in m.text


def test_welcome_and_or_conditions(project: tmplkit.Project) -> None:
    data = copy.deepcopy(sample(WELCOME))
    pro_trial = tmplkit.render(WELCOME, data, project=project).html
    assert "Your free Pro trial is active for 14 more days" in pro_trial
    data["user"]["trial"] = False
    assert (
        "Your membership includes free express shipping"
        in tmplkit.render(WELCOME, data, project=project).html
    )
    data["user"]["plan"] = "free"
    assert "Tip: upgrade to Pro" in tmplkit.render(WELCOME, data, project=project).html
    assert 'href="mailto:support@acme.example"' in pro_trial


def test_in_progress_draft_renders_with_draft_option(project: tmplkit.Project) -> None:
    template = project.templates.get(ORDER)
    (next_draft,) = [d for d in project.drafts.list(template.id) if d.status == "IN_PROGRESS"]
    published = tmplkit.render(ORDER, sample(ORDER), project=project)
    draft = tmplkit.render(ORDER, sample(ORDER), project=project, draft=next_draft.id)
    assert draft.draft_id == next_draft.id
    assert draft.html != published.html
    by_id = tmplkit.render(next_draft.id, sample(ORDER), project=project)
    assert by_id.html == draft.html


def test_script_in_recipient_data_is_inert(project: tmplkit.Project) -> None:
    data = copy.deepcopy(sample(ORDER))
    data["customer"]["first_name"] = '<script>alert("x")</script>{{ 7 }}'
    m = tmplkit.render(ORDER, data, project=project)
    assert "<p>Hi &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;{{ 7 }},</p>" in unstyled(m.html)
    assert "<script>" not in m.html


def test_standalone_file(tmp_path: Path) -> None:
    f = tmp_path / "hello.html.j2"
    f.write_text("<p>Hi {{ name|default('you') }}{% if vip %} ★{% endif %}</p>\n", "utf-8")
    m = tmplkit.render(str(f), {"name": "<Ann>", "vip": True})
    assert m.html == "<p>Hi &lt;Ann&gt; ★</p>\n"
    assert m.text == "Hi <Ann> ★\n"
    assert m.subject == ""


def test_missing_block_is_a_template_error(tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(SAMPLES, root)
    f = root / "x.html.j2"
    f.write_text('<p>\n{% include "blocks/nope" %}</p>', "utf-8")
    with pytest.raises(TemplateError) as info:
        tmplkit.render(str(f), {})
    assert str(info.value) == f'{f}:2:1: no block "nope" in the project'


def test_block_cycle_is_refused(tmp_path: Path) -> None:
    project = tmplkit.init_project(tmp_path / "p")
    a = project.blocks.create("A")
    b = project.blocks.create("B")
    (a.dir / "block.html.j2").write_text('{% include "blocks/b" %}', "utf-8")
    (b.dir / "block.html.j2").write_text('x{% include "blocks/a" %}', "utf-8")
    page = tmp_path / "p" / "page.html.j2"
    page.write_text('{% include "blocks/a" %}', "utf-8")
    with pytest.raises(TemplateError) as info:
        tmplkit.render(str(page), {})
    assert "blocks include each other in a cycle: a → b → a" in str(info.value)


def test_data_must_be_an_object(project: tmplkit.Project) -> None:
    with pytest.raises(RenderError) as info:
        tmplkit.render(ORDER, [1, 2], project=project)  # type: ignore[arg-type]
    assert str(info.value) == "data must be a mapping, not list"


def test_renderer_prepares_once_and_reuses(project: tmplkit.Project) -> None:
    renderer = tmplkit.Renderer(project)
    first = renderer.render(ORDER, sample(ORDER))
    prepared = renderer.prepare(ORDER)
    second = renderer.render(ORDER, sample(ORDER))
    assert first == second
    assert renderer.prepare(ORDER) is prepared
    # subject, html (CSS inlined), the text part derived from it and the sms part, each
    # compiled once
    assert len(renderer._compiled) == 4
    french = renderer.prepare(ORDER, locale="fr-FR")
    assert french is not prepared and french.locale == "fr-FR"
    assert (
        french.render(sample(ORDER)).subject
        == "Votre commande Acme Shop n°\u00a0AC-104829 est confirmée"
    )
    renderer.clear()
    assert renderer.prepare(ORDER) is not prepared


def test_data_of_the_wrong_shape_is_one_render_error(tmp_path: Path) -> None:
    f = tmp_path / "t.html.j2"
    f.write_text("{% for x in items %}{{ x }}{% endfor %}", "utf-8")
    with pytest.raises(RenderError) as info:
        tmplkit.render(str(f), {"items": 5})
    assert str(info.value) == f"{f}: render failed: 'int' object is not iterable"


def test_compile_string_with_a_block_needs_a_project() -> None:
    with pytest.raises(TemplateError) as info:
        tmplkit.compile_string('<p>{% include "blocks/footer" %}</p>', file="t.html")
    assert str(info.value) == (
        't.html:1:4: block "footer" needs a project (hint: run inside a tmplkit project)'
    )


def test_render_with_a_project_reuses_one_renderer(project: tmplkit.Project) -> None:
    import importlib

    render_module = importlib.import_module("tmplkit.rendering")

    tmplkit.render(ORDER, sample(ORDER), project=project)
    renderer = render_module._renderers[project.root]
    tmplkit.render(ORDER, sample(ORDER), project=project)
    assert render_module._renderers[project.root] is renderer
