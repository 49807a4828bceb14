"""textpart.py on tables as real e-mails write them: one line per row, row groups in reading order.

The shapes follow public transactional templates: Postmark's receipt (`table.purchase`, cells
holding `<p>`, `<span>`, `<div>`), Foundation for Emails' rows of columns (each column a `<th>`
around a table of its own), an HTML4-era receipt with `<tfoot>` before `<tbody>`, and
Mailchimp's text cells (`td.mcnTextContent` holding `<p>` and `<br>`). Each is read from one
message (`html_to_text`) and, as a Jinja template, through `derive_text` (loops over the items,
conditions around rows, cells and row groups), whose rendering must equal both the exact
expected text and `html_to_text` of the message rendered and inlined the naive way.
"""

from __future__ import annotations

from typing import Any

import pytest

from tmplkit.message.inline import inline_html
from tmplkit.message.textpart import html_to_text
from tmplkit.targets.jinja import environment

from .test_inline import per_message, render

TEXT_ENV = environment(autoescape=False)


def derived(template: str, data: dict[str, Any]) -> str:
    """The text part of one message, rendered from the template `derive_text` made, checked
    against the text of the same message rendered and inlined the naive way."""
    text = str(TEXT_ENV.from_string(inline_html(template).text).render(data))
    assert text == html_to_text(per_message(template, data))
    return text


# --- (a) Postmark's receipt ----------------------------------------------------------------------

POSTMARK_TEMPLATE = """<table class="purchase" width="100%" cellpadding="0" cellspacing="0" role="presentation">
  <tr>
    <td><h3>{{ receipt_id }}</h3></td>
    <td><h3 class="align-right">{{ date }}</h3></td>
  </tr>
  <tr>
    <td colspan="2">
      <table class="purchase_content" width="100%" cellpadding="0" cellspacing="0">
        <tr>
          <th class="purchase_heading" align="left"><p class="f-fallback">Description</p></th>
          <th class="purchase_heading" align="right"><p class="f-fallback">Amount</p></th>
        </tr>
        {% for item in receipt_details %}
        <tr>
          <td width="80%" class="purchase_item"><span class="f-fallback">{{ item.description }}</span></td>
          <td class="align-right" width="20%"><div class="f-fallback">{{ item.amount }}</div></td>
        </tr>
        {% endfor %}
        {% if discount %}
        <tr>
          <td width="80%" class="purchase_item"><p class="f-fallback">Discount</p>{% if discount_code %}<p>Code {{ discount_code }}</p>{% endif %}</td>
          <td class="align-right" width="20%"><div class="f-fallback">-{{ discount }}</div></td>
        </tr>
        {% endif %}
        <tr>
          <td width="80%" class="purchase_footer" valign="middle">
            <p class="f-fallback purchase_total purchase_total--label">Total</p>
          </td>
          <td width="20%" class="purchase_footer" valign="middle">
            <p class="f-fallback purchase_total">{{ total }}</p>
          </td>
        </tr>
      </table>
    </td>
  </tr>
</table>
<p>Questions? Reply to this e-mail.</p>"""

ITEMS = [
    {"description": "Pro plan, October", "amount": "$10.00"},
    {"description": "Extra seats × 2", "amount": "$4.00"},
]


POSTMARK_RECEIPT = (
    '<table class="email-body_inner" align="center" width="570" role="presentation"><tr>'
    '<td class="content-cell"><div class="f-fallback"><h1>Hi Ann,</h1>'
    "<p>Thanks for using Acme. This email is the receipt for your purchase.</p>"
    + render(
        POSTMARK_TEMPLATE,
        {
            "receipt_id": "R-1042",
            "date": "Oct 12, 2026",
            "receipt_details": ITEMS,
            "total": "$14.00",
        },
    )
    + "</div></td></tr></table>"
)

POSTMARK_TEXT = (
    "# Hi Ann,\n\n"
    "Thanks for using Acme. This email is the receipt for your purchase.\n\n"
    "R-1042 Oct 12, 2026\n\n"
    "Description | Amount\n"
    "Pro plan, October | $10.00\n"
    "Extra seats × 2 | $4.00\n"
    "Total | $14.00\n\n"
    "Questions? Reply to this e-mail.\n"
)


def test_postmark_receipt_reads_one_line_per_row() -> None:
    assert html_to_text(POSTMARK_RECEIPT) == POSTMARK_TEXT


# --- (b) Foundation for Emails: rows of columns ----------------------------------------------------


def foundation_row(*columns: str) -> str:
    """A Foundation `table.row`: each column a `<th class="columns">` around a table of its own;
    a full-width column has an empty expander cell beside its content."""
    if len(columns) == 1:
        return (
            '<table class="row"><tbody><tr><th class="small-12 large-12 columns first last">'
            f'<table><tr><th>{columns[0]}</th><th class="expander"></th></tr></table>'
            "</th></tr></tbody></table>"
        )
    cells = "".join(
        f'<th class="small-12 large-{12 // len(columns)} columns">'
        f"<table><tr><th>{column}</th></tr></table></th>"
        for column in columns
    )
    return f'<table class="row"><tbody><tr>{cells}</tr></tbody></table>'


FOUNDATION_RECEIPT = (
    '<table class="body"><tr><td class="center" align="center" valign="top"><center>'
    '<table class="container"><tbody><tr><td>'
    + foundation_row("<h5>Hi, Ann</h5><p>Here is your receipt.</p><br><hr>")
    + foundation_row("<b>Item</b>", "<b>Price</b>", "<b>Quantity</b>", "<b>Total</b>")
    + foundation_row("Cat food", "$4.99", "1", "$4.99")
    + foundation_row("Cat toy", "$2.00", "2", "$4.00")
    + foundation_row("&nbsp;", "&nbsp;", "Total", "<b>$8.99</b>")
    + foundation_row(
        "<p><strong>Payment Method</strong><br>Dubloons</p>"
        "<p><strong>Order ID</strong><br>239235983749636</p>",
        "<p><strong>Shipping Method</strong><br>Boat (1–2 weeks)</p>",
    )
    + foundation_row('<p class="text-center">&copy; Acme. All rights reserved.</p>')
    + "</td></tr></tbody></table></center></td></tr></table>"
)


def test_foundation_rows_of_short_columns_are_lines_and_columns_of_paragraphs_stack() -> None:
    # A column is a table of its own: a row of columns holding values (a receipt's lines) reads
    # as one line, joined by a space (a layout table); columns holding paragraphs or line breaks
    # read one after the other, each keeping its lines, as a phone shows them. Each row is a
    # table of its own: a paragraph.
    assert html_to_text(FOUNDATION_RECEIPT) == (
        "##### Hi, Ann\n\n"
        "Here is your receipt.\n\n"
        "---\n\n"
        "Item Price Quantity Total\n\n"
        "Cat food $4.99 1 $4.99\n\n"
        "Cat toy $2.00 2 $4.00\n\n"
        "Total $8.99\n\n"
        "Payment Method\nDubloons\n\n"
        "Order ID\n239235983749636\n\n"
        "Shipping Method\nBoat (1–2 weeks)\n\n"
        "© Acme. All rights reserved.\n"
    )


# --- (c) <tfoot> before <tbody> --------------------------------------------------------------------

HTML4_RECEIPT = """<table border="0" cellpadding="4" cellspacing="0" width="100%">
<tfoot>
  <tr><td colspan="2" align="right">Subtotal</td><td align="right">$30.00</td></tr>
  <tr><td colspan="2" align="right"><b>Total</b></td><td align="right"><b>$33.00</b></td></tr>
</tfoot>
<thead>
  <tr><th align="left">Item</th><th>Qty</th><th align="right">Price</th></tr>
</thead>
<tbody>
  <tr><td>Mug</td><td align="center">2</td><td align="right">$20.00</td></tr>
  <tr><td>Teapot</td><td align="center">1</td><td align="right">$10.00</td></tr>
</tbody>
<tbody>
  <tr><td>Gift wrap</td><td align="center">1</td><td align="right">$3.00</td></tr>
</tbody>
</table>
<p>Thank you!</p>"""

HTML4_TEXT = (
    "Item | Qty | Price\n"
    "Mug | 2 | $20.00\n"
    "Teapot | 1 | $10.00\n"
    "Gift wrap | 1 | $3.00\n"
    "Subtotal | $30.00\n"
    "Total | $33.00\n\n"
    "Thank you!\n"
)


def test_tfoot_written_first_prints_after_the_items_and_thead_before_them() -> None:
    assert html_to_text(HTML4_RECEIPT) == HTML4_TEXT


def test_row_groups_in_reading_order_with_bare_rows_and_a_caption() -> None:
    html = (
        "<table><caption>Order</caption><tfoot><tr><td>F</td><td>1</td></tr></tfoot>"
        "<tr><th>A</th><th>B</th></tr><thead><tr><th>H</th><th>H2</th></tr></thead>"
        "<tbody><tr><td>x</td><td>y</td></tr></tbody></table>"
    )
    # The bare row is in an implied <tbody>; the <thead> goes before the first rows.
    assert html_to_text(html) == "Order\nH | H2\nA | B\nx | y\nF | 1\n"


# --- (d) Mailchimp's text cells ----------------------------------------------------------------------

MAILCHIMP = """<table class="mcnTextBlock" width="100%"><tbody class="mcnTextBlockOuter"><tr>
<td class="mcnTextBlockInner" valign="top">
  <table class="mcnTextContentContainer" align="left" width="100%"><tbody><tr>
  <td class="mcnTextContent" valign="top">
    <h1>Your order has shipped</h1>
    <p>Hello Ann,<br>your parcel is on its way.</p>
    <table class="order" width="100%"><tr>
      <td class="mcnTextContent"><p><strong>Merino scarf</strong><br>Colour: grey<br>Qty: 1</p></td>
      <td class="mcnTextContent" align="right"><p>$49.00</p></td>
    </tr><tr>
      <td class="mcnTextContent"><p><strong>Stoneware mug</strong><br>Qty: 2</p></td>
      <td class="mcnTextContent" align="right"><p>$39.98</p><p><em>2 × $19.99</em></p></td>
    </tr><tr>
      <td class="mcnTextContent"><ul><li>Free gift</li><li>Sticker pack</li></ul></td>
      <td class="mcnTextContent" align="right"><div>$0.00</div></td>
    </tr></table>
    <p>Questions? Reply to this e-mail.</p>
  </td></tr></tbody></table>
</td></tr></tbody></table>"""

MAILCHIMP_TEXT = (
    "# Your order has shipped\n\n"
    "Hello Ann,\nyour parcel is on its way.\n\n"
    "Merino scarf Colour: grey Qty: 1 $49.00\n"
    "Stoneware mug Qty: 2 $39.98 2 × $19.99\n"
    "Free gift Sticker pack $0.00\n\n"
    "Questions? Reply to this e-mail.\n"
)


def test_mailchimp_cells_with_paragraphs_and_breaks_read_one_line_per_row() -> None:
    # The single-cell rows around the content are frames: its paragraphs and <br> keep their
    # lines; in the order's rows, paragraphs, <br> and list items join with a space.
    assert html_to_text(MAILCHIMP) == MAILCHIMP_TEXT


# --- (e) the same shapes as templates, through derive_text ------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {"receipt_id": "R-1042", "date": "Oct 12, 2026", "receipt_details": ITEMS},
            "R-1042 Oct 12, 2026\n\nDescription | Amount\nPro plan, October | $10.00\n"
            "Extra seats × 2 | $4.00\nTotal | $14.00\n\n",
        ),
        (
            {
                "receipt_id": "R-1043",
                "date": "Oct 13, 2026",
                "receipt_details": ITEMS[:1],
                "discount": "$2.00",
                "discount_code": "FALL",
            },
            "R-1043 Oct 13, 2026\n\nDescription | Amount\nPro plan, October | $10.00\n"
            "Discount Code FALL | -$2.00\nTotal | $14.00\n\n",
        ),
        (
            {"receipt_id": "R-1044", "date": "Oct 14, 2026", "discount": "$2.00"},
            "R-1044 Oct 14, 2026\n\nDescription | Amount\nDiscount | -$2.00\nTotal | $14.00\n\n",
        ),
    ],
    ids=["two items", "one item, discount with code", "no items, discount"],
)
def test_postmark_receipt_template(data: dict[str, Any], expected: str) -> None:
    data = {**data, "total": "$14.00"}
    assert derived(POSTMARK_TEMPLATE, data) == expected + "Questions? Reply to this e-mail.\n"


HTML4_TEMPLATE = """<table border="0" cellpadding="4" cellspacing="0" width="100%">
{% if order.discount %}
<tfoot>
  <tr><td colspan="2" align="right"><p>Discount</p><p>{{ order.code }}</p></td><td align="right">-{{ order.discount }}</td></tr>
  <tr><td colspan="2" align="right"><b>Total</b></td><td align="right"><b>{{ order.total }}</b></td></tr>
</tfoot>
{% elif order.free %}
<tfoot><tr><td colspan="2" align="right">Total</td><td align="right">free</td></tr></tfoot>
{% else %}
<tfoot><tr><td colspan="2" align="right"><div>Total</div></td><td align="right"><div>{{ order.total }}</div></td></tr></tfoot>
{% endif %}
<thead>
  <tr><th align="left"><p>Item</p></th>{% if order.show_qty %}<th><p>Qty</p></th>{% endif %}<th align="right"><p>Price</p></th></tr>
</thead>
<tbody>
  {% for line in order.lines %}
  <tr><td><div>{{ line.name }}</div></td>{% if order.show_qty %}<td align="center"><div>{{ line.qty }}</div></td>{% endif %}<td align="right"><div>{{ line.price }}</div></td></tr>
  {% else %}
  <tr><td colspan="3">No items.</td></tr>
  {% endfor %}
</tbody>
</table>
<p>Thank you!</p>"""

LINES = [
    {"name": "Mug", "qty": 2, "price": "$20.00"},
    {"name": "Teapot", "qty": 1, "price": "$10.00"},
]


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        (
            {"lines": LINES, "total": "$30.00", "show_qty": True},
            "Item | Qty | Price\nMug | 2 | $20.00\nTeapot | 1 | $10.00\nTotal | $30.00\n",
        ),
        (
            {"lines": LINES, "total": "$27.00", "discount": "$3.00", "code": "TEA10"},
            "Item | Price\nMug | $20.00\nTeapot | $10.00\nDiscount TEA10 | -$3.00\n"
            "Total | $27.00\n",
        ),
        (
            {"lines": LINES[1:], "free": True, "show_qty": True},
            "Item | Qty | Price\nTeapot | 1 | $10.00\nTotal | free\n",
        ),
        ({"lines": [], "total": "$0.00"}, "Item | Price\nNo items.\nTotal | $0.00\n"),
    ],
    ids=["quantities", "discount", "free", "no lines"],
)
def test_tfoot_before_tbody_template_prints_items_then_totals(
    order: dict[str, Any], expected: str
) -> None:
    assert derived(HTML4_TEMPLATE, {"order": order}) == expected + "\nThank you!\n"


def test_the_text_template_moves_tfoot_with_the_condition_around_it() -> None:
    text = inline_html(HTML4_TEMPLATE).text
    # The whole {% if %}…{% elif %}…{% else %}…{% endif %} of footers goes after the lines' loop.
    assert text.index("{% endfor %}") < text.index("{% if order.discount %}")
    assert text.index("{% if order.show_qty %}") < text.index("{% for line in order.lines %}")


FOUNDATION_TEMPLATE = (
    '<table class="container"><tbody><tr><td>'
    + foundation_row("<h5>Hi, {{ name }}</h5><p>Here is your receipt.</p>")
    + foundation_row("<b>Item</b>", "<b>Price</b>", "<b>Qty</b>")
    + "{% for p in products %}"
    + foundation_row("{{ p.name }}", "{{ p.price }}", "{{ p.qty }}")
    + "{% endfor %}"
    + "{% if coupon %}"
    + foundation_row("Coupon", "-{{ coupon }}", "&nbsp;")
    + "{% endif %}"
    + foundation_row("&nbsp;", "Total", "<b>{{ total }}</b>")
    + foundation_row(
        "<p><strong>Payment Method</strong><br>{{ payment }}</p>",
        "<p><strong>Shipping Method</strong><br>{{ shipping }}</p>",
    )
    + "</td></tr></tbody></table>"
)


def test_foundation_receipt_template() -> None:
    data = {
        "name": "Ann",
        "products": [
            {"name": "Cat food", "price": "$4.99", "qty": 1},
            {"name": "Cat toy", "price": "$2.00", "qty": 2},
        ],
        "coupon": "$1.00",
        "total": "$7.99",
        "payment": "Card",
        "shipping": "Boat",
    }
    assert derived(FOUNDATION_TEMPLATE, data) == (
        "##### Hi, Ann\n\nHere is your receipt.\n\n"
        "Item Price Qty\n\nCat food $4.99 1\n\nCat toy $2.00 2\n\nCoupon -$1.00\n\nTotal $7.99\n\n"
        "Payment Method\nCard\n\nShipping Method\nBoat\n"
    )
    data = {**data, "products": [], "coupon": ""}
    assert derived(FOUNDATION_TEMPLATE, data) == (
        "##### Hi, Ann\n\nHere is your receipt.\n\n"
        "Item Price Qty\n\nTotal $7.99\n\n"
        "Payment Method\nCard\n\nShipping Method\nBoat\n"
    )


MAILCHIMP_TEMPLATE = """<table class="mcnTextContentContainer" width="100%"><tbody><tr>
<td class="mcnTextContent">
  <p>Hello {{ name }},<br>your parcel is on its way.</p>
  <table class="order" width="100%">
  {% for line in lines %}<tr>
    <td class="mcnTextContent"><p><strong>{{ line.name }}</strong>{% if line.colour %}<br>Colour: {{ line.colour }}{% endif %}<br>Qty: {{ line.qty }}</p></td>
    {% if show_prices %}<td class="mcnTextContent" align="right"><p>{{ line.price }}</p></td>{% endif %}
    <td class="mcnTextContent" align="right"><p>{% if line.gift %}Gift{% else %}&mdash;{% endif %}</p></td>
  </tr>{% endfor %}
  </table>
  <p>Questions? Reply to this e-mail.</p>
</td></tr></tbody></table>"""


def test_mailchimp_template_with_conditions_in_and_around_cells() -> None:
    lines = [
        {"name": "Merino scarf", "colour": "grey", "qty": 1, "price": "$49.00", "gift": True},
        {"name": "Stoneware mug", "qty": 2, "price": "$39.98"},
    ]
    assert derived(MAILCHIMP_TEMPLATE, {"name": "Ann", "lines": lines, "show_prices": 1}) == (
        "Hello Ann,\nyour parcel is on its way.\n\n"
        "Merino scarf Colour: grey Qty: 1 $49.00 Gift\n"
        "Stoneware mug Qty: 2 $39.98 —\n\n"
        "Questions? Reply to this e-mail.\n"
    )
    assert derived(MAILCHIMP_TEMPLATE, {"name": "Ann", "lines": lines[1:]}) == (
        "Hello Ann,\nyour parcel is on its way.\n\n"
        "Stoneware mug Qty: 2 —\n\n"
        "Questions? Reply to this e-mail.\n"
    )


def test_a_row_of_cells_from_a_loop_is_one_line() -> None:
    src = (
        "<table><tr><th>Size</th>{% for s in sizes %}<td><p>{{ s }}</p></td>{% endfor %}</tr>"
        "<tr>{% for s in sizes %}<td><p>{{ s }}</p><p>in stock</p></td>{% endfor %}</tr>"
        "</table>"
    )
    assert derived(src, {"sizes": ["S", "M"]}) == "Size | S | M\nS in stock | M in stock\n"
    assert derived(src, {"sizes": ["S", "M", "L"]}) == (
        "Size | S | M | L\nS in stock | M in stock | L in stock\n"
    )
