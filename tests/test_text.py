"""text.py: the plain-text part, from one HTML message or once per template (a Jinja template)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import tmplkit
from tests.test_inline import data_sets, per_message, sample_drafts
from tmplkit.message.inline import inline_html
from tmplkit.message.textpart import html_to_text
from tmplkit.targets.jinja import environment

SAMPLES = Path(__file__).resolve().parent.parent / "sample_templates"
TEXT_ENV = environment(autoescape=False)


def text_of(template_html: str, data: dict[str, Any] | None = None) -> str:
    """The text part of a message: the derived text template, rendered."""
    return str(TEXT_ENV.from_string(inline_html(template_html).text).render(data or {}))


# --- one message -------------------------------------------------------------------------------


def test_blocks_links_lists_tables_images() -> None:
    html = """<!DOCTYPE html><html><head><title>T</title><style>p { color: red }</style></head>
<body><span class="preheader" style="display:none">Preview
  text</span>
<table role="presentation"><tr><td><img src="logo.png" alt="Acme"></td></tr></table>
<h1>Thanks,
   Ann!</h1>
<p>Your <a href="https://x.example/o/1">order</a> and
<a href="https://x.example/help">https://x.example/help</a>.<br>Line two</p>
<ul><li>One</li><li>Two</li></ul>
<table><tr><th>Item</th><th>Qty</th></tr><tr><td>Mug</td><td>2</td></tr></table>
<p><a href="mailto:help@x.example">Write to us</a></p>
<script>alert(1)</script>
</body></html>"""
    assert html_to_text(html) == (
        "Preview text\n\nAcme\n\n# Thanks, Ann!\n\n"
        "Your order (https://x.example/o/1) and https://x.example/help.\nLine two\n\n"
        "- One\n- Two\n\nItem | Qty\nMug | 2\n\nWrite to us (help@x.example)\n"
    )


def test_empty_html_gives_empty_text() -> None:
    assert html_to_text("  \n") == ""
    assert html_to_text("<p> </p><script>x</script>") == ""


def test_headings_lists_and_rules() -> None:
    html = (
        "<h2>Sub</h2><h3>Subsub</h3><ol><li>a</li><li>b<ul><li>c</li><li>d</li></ul></li>"
        "<li>e</li></ol><hr><blockquote>q</blockquote><pre>x  y\n  z</pre>"
    )
    assert html_to_text(html) == (
        "## Sub\n\n### Subsub\n\n1. a\n2. b\n  - c\n  - d\n3. e\n\n---\n\nq\n\nx  y\n  z\n"
    )


def test_links() -> None:
    html = (
        '<p><a href="#top">Top</a> <a href="javascript:x()">J</a> '
        '<a href="mailto:a@x.example">a@x.example</a> '
        '<a href="https://x.example/"><img src="i.png" alt=""></a> '
        '<a href="https://x.example/a?b=1&amp;c=2">Go</a></p>'
    )
    assert html_to_text(html) == (
        "Top J a@x.example https://x.example/ Go (https://x.example/a?b=1&c=2)\n"
    )


def test_layout_and_data_tables_and_hidden_content() -> None:
    html = (
        '<table role="presentation"><tr><td>1</td><td>Step one</td></tr>'
        "<tr><td></td><td>Step two</td></tr></table>"
        "<table><tr><th>A</th><th></th><th>C</th></tr><tr><td>x</td><td>y</td><td>z</td></tr>"
        "</table>"
        '<div style="display: none !important">secret</div><p hidden>secret</p>'
        "<p>a&nbsp;&middot;&nbsp;b &amp; &lt;c&gt;</p>"
    )
    assert html_to_text(html) == ("1 Step one\nStep two\n\nA | C\nx | y | z\n\na · b & <c>\n")


def test_preheader_padding_is_dropped_and_a_later_hidden_element_is_not_a_preheader() -> None:
    html = (
        '<p>Hello</p><div class="preheader" style="display:none">Preview&zwnj;&nbsp;&zwnj;'
        '&nbsp;</div><div style="display:none">tracking</div>'
    )
    assert html_to_text(html) == "Preview\n\nHello\n"


# --- once per template -------------------------------------------------------------------------


def test_loop_rows_one_line_each() -> None:
    src = (
        "<p>Items:</p><table><tr><th>Name</th><th>Qty</th></tr>"
        "{% for r in rows %}<tr><td>{{ r.name }}</td><td>{{ r.qty }}</td></tr>"
        "{% else %}<tr><td>none</td></tr>{% endfor %}<tr><td>Total</td><td>{{ total }}</td></tr>"
        "</table><p>Bye</p>"
    )
    rows = [{"name": "Mug", "qty": 2}, {"name": "Cup & <saucer>", "qty": 1}]
    assert text_of(src, {"rows": rows, "total": 3}) == (
        "Items:\n\nName | Qty\nMug | 2\nCup & <saucer> | 1\nTotal | 3\n\nBye\n"
    )
    assert text_of(src, {"rows": rows[:1], "total": 2}) == (
        "Items:\n\nName | Qty\nMug | 2\nTotal | 2\n\nBye\n"
    )
    assert text_of(src, {"rows": [], "total": 0}) == (
        "Items:\n\nName | Qty\nnone\nTotal | 0\n\nBye\n"
    )


def test_loop_of_list_items_and_of_paragraphs() -> None:
    src = (
        "<p>Intro</p><ol>{% for x in xs %}<li>{{ x }}</li>{% endfor %}</ol>"
        "<ul><li>static</li>{% for x in xs %}<li>{{ x }}</li>{% endfor %}</ul>"
        "{% for x in xs %}<p>{{ x }}</p>{% endfor %}<p>End</p>"
    )
    assert text_of(src, {"xs": ["a", "b"]}) == (
        "Intro\n\n1. a\n2. b\n\n- static\n- a\n- b\n\na\n\nb\n\nEnd\n"
    )
    assert text_of(src, {"xs": []}) == "Intro\n\n- static\n\nEnd\n"


def test_conditional_content_and_breaks() -> None:
    src = (
        "{% if a %}<h1>A</h1>{% endif %}<p>One{% if b %}<br>Two{% endif %}</p>"
        "{% if c %}<p>C</p>{% elif d %}<p>D</p>{% endif %}<p>"
        "{% for l in lines %}{{ l }}{% if not loop.last %}<br>{% endif %}{% endfor %}</p>"
    )
    assert text_of(src, {"a": 1, "b": 1, "c": 1, "lines": ["x", "y"]}) == (
        "# A\n\nOne\nTwo\n\nC\n\nx\ny\n"
    )
    assert text_of(src, {"d": 1, "lines": ["x"]}) == "One\n\nD\n\nx\n"
    assert text_of(src, {}) == "One\n"


def test_dynamic_links_and_bare_links() -> None:
    src = (
        '<p><a href="{{ url }}">{{ url }}</a> <a href="mailto:{{ e }}">{{ e }}</a> '
        '<a href="{{ url }}?a=1&amp;b={{ b }}">Open</a> <a href="{{ url }}"><img alt="{{ alt }}">'
        "</a></p>"
    )
    data = {"url": "https://x.example/p", "e": "a@x.example", "b": "2 3", "alt": "Logo"}
    assert text_of(src, data) == (
        "https://x.example/p a@x.example Open (https://x.example/p?a=1&b=2 3)"
        " Logo (https://x.example/p)\n"
    )


def test_text_hidden_by_a_css_class_and_preheader_moved_first() -> None:
    src = (
        "<style>.hide { display: none } @media (max-width: 1px) { .x { display: none } }</style>"
        '<p class="x">Shown</p><p class="hide">Hidden {{ a }}</p>'
        '<div class="preheader hide">Pre {{ a }}</div>'
    )
    assert text_of(src, {"a": "A"}) == "Pre A\n\nShown\n"


def test_static_braces_stay_literal_in_the_text_template() -> None:
    src = '<p>{{ "{" }}{ not a tag }} {{ "{" }}% x %} {{ v }}</p>'
    assert text_of(src, {"v": "{{ v }}"}) == "{{ not a tag }} {% x %} {{ v }}\n"


def test_text_starting_inside_a_condition_has_no_leading_blank_line() -> None:
    src = "{% if a %}<p>A</p>{% endif %}<p>B</p>{% for x in xs %}<p>{{ x }}</p>{% endfor %}"
    assert text_of(src, {"a": 0, "xs": []}) == "B\n"
    assert text_of(src, {"a": 1, "xs": ["c"]}) == "A\n\nB\n\nc\n"
    assert inline_html("{% for x in xs %}<p>{{ x }}</p>{% endfor %}").text.startswith(
        "{% filter trim %}"
    )


# --- the sample templates ----------------------------------------------------------------------

FOOTER = (
    "Help center (https://acme.example/help) · Unsubscribe "
    "(https://acme.example/email/unsubscribe?u={u}&list={list})\n\n"
    "Acme Shop, 500 Market Street, Suite 12, San Francisco, CA 94105, USA\n\n"
    "You are receiving this e-mail because you have an account with Acme Shop.\n"
)
HEADER = "Acme Shop (https://acme.example)\n\n"

EXPECTED = {
    "order-confirmation/Launch version": (
        "Order #AC-104829 is confirmed. We'll let you know as soon as it ships.\n\n"
        + HEADER
        + "# Thanks for your order!\n\n"
        "Hi Zoë & Léa,\n\n"
        "We've received order #AC-104829, placed on October 12, 2026, and we're getting it"
        " ready.\n\n"
        "You ordered 3 items.\n\n"
        "# | Item | Qty | Price\n"
        "SCF-MER-GRY | Merino Wool Scarf, Heather Grey | 1 | $49.00\n"
        "KIT-SP-OAK | Salt & Pepper Mill Set <Oak> | 1 | $34.50\n"
        "MUG-STN-12 | Stoneware Mug, 12 oz | 1 | $19.99\n"
        "Shipping | $12.00\n"
        "Total | $115.49\n\n"
        "## Delivery\n\n"
        "Express shipping: your order leaves our warehouse today and arrives in 1-2 business"
        " days.\n\n"
        "View your order (https://acme.example/account/orders/AC-104829)\n\n"
        "Questions about your order? Just reply to this e-mail and our team will help.\n\n"
        + FOOTER.format(u="7f3c9a21", list="orders")
    ),
    "shipping-notification/Launch version": (
        "Order #AC-104829 has shipped with UPS. Track it any time.\n\n"
        + HEADER
        + "# Your parcel is on its way!\n\n"
        "Hi Zoë & Léa,\n\n"
        "Good news: order #AC-104829 has left our warehouse and is now with UPS.\n\n"
        "Estimated delivery: Wednesday, October 14, 2026\n\n"
        "Tracking number: 1Z999AA10123456784\n\n"
        "Track your parcel (https://www.ups.com/track?loc=en_US&tracknum=1Z999AA10123456784)\n\n"
        "## In this parcel\n\n"
        "Merino Wool Scarf, Heather Grey × 1\n"
        "Salt & Pepper Mill Set <Oak> × 1\n"
        "Stoneware Mug, 12 oz × 1\n\n"
        "## Shipping to\n\n"
        "Zoë & Léa Martin\n1428 Elm Street, Apt. 3B\nPortland, OR 97205\nUnited States\n\n"
        "Not home when it arrives? The carrier will leave a note with pickup options."
        " Track your parcel (https://www.ups.com/track?loc=en_US&tracknum=1Z999AA10123456784)\n\n"
        + FOOTER.format(u="7f3c9a21", list="orders")
    ),
    "welcome/Launch version": (
        "Your account is ready. Here are three ways to get started.\n\n"
        + HEADER
        + "# Welcome to Acme Shop, Zoë & Léa!\n\n"
        "Thanks for creating an account. We're glad you're here.\n\n"
        "Your free Pro trial is active for 14 more days: enjoy free express shipping on every"
        " order.\n\n"
        "## Get started\n\n"
        "1 Add your delivery address so checkout takes seconds.\n"
        "2 Save favorites to your wish list and we'll tell you when they go on sale.\n"
        "3 Browse the new arrivals, picked by our team every week.\n\n"
        "Start shopping (https://acme.example/new-arrivals?utm_source=email&utm_campaign=welcome)"
        "\n\n"
        "Need a hand? Our support team is happy to help: support@acme.example\n\n"
        + FOOTER.format(u="9b0d55e2", list="account")
    ),
    "password-reset/Launch version": (
        "Use the link inside to choose a new password. If you didn't ask for this, you can"
        " ignore this e-mail.\n\n" + HEADER + "# Reset your password\n\n"
        "Hi D'Arcy,\n\n"
        "We received a request to reset the password of the Acme Shop account"
        " darcy.obrien@example.com.\n\n"
        "Reset password"
        " (https://acme.example/account/password/reset?token=q8Zr2vT0kLm4Xw7B&uid=58213)\n\n"
        "This link expires in 30 minutes.\n\n"
        "If the button doesn't work, copy this link into your browser:\n"
        "https://acme.example/account/password/reset?token=q8Zr2vT0kLm4Xw7B&uid=58213\n\n"
        "This request came from Dublin, Ireland (IP address 203.0.113.42).\n\n"
        "Didn't ask for this? You can safely ignore this e-mail: your password won't change.\n\n"
        + FOOTER.format(u="c41e08d7", list="account")
    ),
}


@pytest.fixture(scope="module")
def drafts() -> dict[str, tuple[str, dict[str, Any]]]:
    project = tmplkit.open_project(SAMPLES)
    return {label: (html, sample) for label, html, sample in sample_drafts(project)}


@pytest.mark.parametrize("label", sorted(EXPECTED))
def test_sample_text_parts_exactly(
    label: str, drafts: dict[str, tuple[str, dict[str, Any]]]
) -> None:
    html, sample = drafts[label]
    assert text_of(html, sample) == EXPECTED[label]


def test_sample_order_with_one_and_no_lines(
    drafts: dict[str, tuple[str, dict[str, Any]]],
) -> None:
    html, sample = drafts["order-confirmation/Launch version"]
    one = {**sample, "order": {**sample["order"], "lines": sample["order"]["lines"][:1]}}
    table = (
        "# | Item | Qty | Price\nSCF-MER-GRY | Merino Wool Scarf, Heather Grey | 1 | $49.00\n"
        "Shipping | $12.00\nTotal | $115.49\n\n## Delivery"
    )
    assert table in text_of(html, one)
    none = {**sample, "order": {**sample["order"], "lines": [], "shipping": "standard"}}
    text = text_of(html, none)
    assert "# | Item | Qty | Price\nYour order is empty.\nShipping | $12.00\n" in text
    assert "## Delivery\n\nStandard shipping: your order arrives in 3-5 business days.\n\n" in text


def test_sample_shipping_without_address_and_password_reset_branches(
    drafts: dict[str, tuple[str, dict[str, Any]]],
) -> None:
    html, sample = drafts["shipping-notification/Launch version"]
    shipment = {**sample["shipment"], "address_lines": [], "lines": [], "partial": True}
    text = text_of(html, {**sample, "shipment": shipment})
    assert (
        "## In this parcel\n\nSee your order page for the items in this parcel.\n\n"
        "## Shipping to\n\nThe rest of your order will ship separately." in text
    )
    html, sample = drafts["password-reset/Launch version"]
    text = text_of(html, {**sample, "user": {"has_password": False}, "request": {}})
    assert "# Create your password\n\nHi there,\n\n" in text
    assert "\n\nSet password (https://acme.example/account/password/reset?" in text
    assert "IP address" not in text


def test_derived_text_equals_the_text_of_each_inlined_message(
    drafts: dict[str, tuple[str, dict[str, Any]]],
) -> None:
    """Per template or per message, the same text, for data whose values all print something
    without markup or odd spacing (a value printing empty leaves its separators: `in  minutes`
    where the per-message pass collapses spaces; see tmplkit.message.textpart)."""
    checked = 0
    for label, (html, sample) in drafts.items():
        template = TEXT_ENV.from_string(inline_html(html).text)
        for name, data in data_sets(html, sample):
            if name.startswith(("hostile", "nulls", "empty")) or name.endswith(
                ("[hostile]", " missing")
            ):
                continue
            expected = html_to_text(per_message(html, data))
            assert template.render(data) == expected, f"{label} with {name}"
            checked += 1
    assert checked >= 100
