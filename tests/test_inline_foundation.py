"""prepare.py on real stylesheets: structural selectors and `|safe` in attribute values.

Foundation for Emails' order e-mail (its stylesheet, dist/foundation-emails.css 2.5.1, and its
templates/order.html built by inky 1.4.2 into its default layout; MIT, see
tests/data/foundation/LICENSE.md) has three structural rules (`p + .stat`, `.menu-item:first-child`,
`.menu-item:last-child`) that match nothing the data changes: it is inlined at compile time, and
every message equals css-inline run on it (the exactness harness of test_inline). Where a
structural rule can match an element whose siblings a loop or a condition prints, or `|safe`
prints into text, the message is still inlined per message.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest

import tmplkit
from tmplkit.message.inline import InlinedParts, NotInlinable, inline_html
from tmplkit.message.stylesheet import CompoundKey, css_info
from tmplkit.message.textpart import html_to_text
from tmplkit.pipeline import emit_part, resolve
from tmplkit.targets.jinja import environment

from .test_inline import FUZZ_CSS, _Fuzz, assert_exact, canonical, data_sets, fuzz_accepted, render
from .test_inline import per_message as per_message_inlined

FOUNDATION = Path(__file__).resolve().parent / "data" / "foundation"
CSS_START = "<style>\n"


def foundation_order() -> tuple[str, dict[str, Any]]:
    """(emitted Jinja HTML, sample data) of Foundation's order e-mail."""
    sources = resolve(str(FOUNDATION / "order.html.j2"))
    html = emit_part(sources.parts["html"], None, "jinja", owner=sources.template)
    return html, json.loads((FOUNDATION / "order.json").read_text("utf-8"))


def without_structural_rules(html: str) -> str:
    """The same template without Foundation's three structural rules."""
    rules = [
        r"p \+ \.stat \{[^}]*\}",
        r"\.menu:not\(\.float-center\) \.menu-item:first-child \{[^}]*\}",
        r"\.menu:not\(\.float-center\) \.menu-item:last-child \{[^}]*\}",
    ]
    for rule in rules:
        html, n = re.subn(rule, "", html)
        assert n == 1, rule
    return html


def guarded_render(emitted: str, prepared: InlinedParts, data: dict[str, Any]) -> str:
    """What a caller honouring the guard sends: the prepared HTML, or the message inlined on
    its own when the guard prints something."""
    if HTML_ENV.from_string(prepared.guard).render(data):
        return per_message_inlined(emitted, data)
    return render(prepared.html, data)


HTML_ENV = environment(autoescape=True)
TEXT_ENV = environment(autoescape=False)


def assert_exact_guarded(
    emitted: str, prepared: InlinedParts, data: dict[str, Any], label: str
) -> None:
    ours = canonical(guarded_render(emitted, prepared, data))
    assert ours == canonical(per_message_inlined(emitted, data)), label


# --- Foundation for Emails' order e-mail ---------------------------------------------------------


def test_foundation_order_is_inlined_at_compile_time_exactly() -> None:
    emitted, sample = foundation_order()
    prepared = inline_html(emitted)
    assert prepared.guard == ""
    sets = list(data_sets(emitted, sample))
    assert len(sets) >= 35
    for name, data in sets:
        assert_exact(emitted, prepared, data, f"foundation order with {name}")


def test_foundation_order_is_really_inlined() -> None:
    emitted, sample = foundation_order()
    prepared = inline_html(emitted)
    assert prepared.html.count("<style>") == 1
    assert prepared.html.index("<style>@media only screen {") < prepared.html.index("</head>")
    assert ".menu-item:first-child" not in prepared.html  # inlined (on nothing), not kept
    message = render(prepared.html, sample)
    assert (
        '<h4 style="color: inherit;font-family: Helvetica, Arial, sans-serif;font-weight: normal;'
        "padding: 0;margin: 0;Margin: 0;text-align: left;line-height: 130%;word-wrap: normal;"
        'margin-bottom: 10px;Margin-bottom: 10px;font-size: 24px;">Order Details</h4>'
    ) in message
    assert message.count("<td style=") >= 3 * 3 + 2  # the order lines' cells and the subtotal
    assert "<td style=" in message and "Ship&#39;s Cannon</td>" in message


def test_foundation_order_without_its_structural_rules_inlines_the_same() -> None:
    emitted, sample = foundation_order()
    plain = without_structural_rules(emitted)
    for data in (sample, {}):
        assert canonical(render(inline_html(plain).html, data)) == canonical(
            render(inline_html(emitted).html, data)
        )


def test_foundation_order_renders_without_per_message_inlining() -> None:
    renderer = tmplkit.Renderer()
    prepared = renderer.prepare(str(FOUNDATION / "order.html.j2"))
    assert prepared.inline_per_message is None
    emitted, sample = foundation_order()
    message = prepared.render(sample)
    assert canonical(message.html) == canonical(per_message_inlined(emitted, sample))


def foundation_with(body: str) -> str:
    """Foundation's stylesheet and a body of our own."""
    css = (FOUNDATION / "order.html.j2").read_text("utf-8")
    start = css.index(CSS_START) + len(CSS_START)
    stylesheet = css[start : css.index("</style>", start)]
    return f"<html><head><style>{stylesheet}</style></head><body>{body}</body></html>"


MENU = (
    '<table class="menu"><tr><td><table><tr>{% for l in links %}<th class="menu-item">'
    '<a href="{{ l.url }}">{{ l.name }}</a></th>{% endfor %}</tr></table></td></tr></table>'
)
MENU_DATA: list[dict[str, Any]] = [
    {"links": []},
    {"links": [{"url": "/a", "name": "A"}]},
    {"links": [{"url": "/a", "name": "A"}, {"url": "/b", "name": "B"}, {"url": "/c", "name": "C"}]},
]


def test_foundation_menu_items_from_a_loop_are_inlined_per_message() -> None:
    """`.menu-item:first-child` picks the first item a loop prints: it depends on the data."""
    src = foundation_with(MENU)
    with pytest.raises(NotInlinable, match=re.escape("'.menu:not(.float-center) .menu-item")):
        inline_html(src)
    message = per_message_inlined(src, MENU_DATA[2])
    styles = re.findall(r'<th class="menu-item" style="[^"]*;(padding-[^"]*)">', message)
    assert styles == [
        "padding-left: 0 !important;",  # the first item the loop printed
        "padding-left: 10px;",
        "padding-right: 0 !important;",  # the last
    ]


def test_foundation_menu_written_out_is_inlined_at_compile_time() -> None:
    static = MENU.replace("{% for l in links %}", "").replace("{% endfor %}", "")
    static = static.replace("</th>", "</th>" + static[static.index("<th") : static.index("</th>")])
    src = foundation_with(static + "{% for l in links %}<p>{{ l.name }}</p>{% endfor %}")
    prepared = inline_html(src)
    for data in MENU_DATA:
        assert_exact(src, prepared, data, str(data))
    assert "padding-left: 0 !important;" in prepared.html


# --- the decision, precisely ---------------------------------------------------------------------

LOOP_ROWS = "<table>{% for r in rows %}<tr><td>{{ r }}</td><td>x</td></tr>{% endfor %}</table>"
ROWS_DATA: list[dict[str, Any]] = [{"rows": ["a" * n] * n} for n in (0, 1, 2, 5)]


@pytest.mark.parametrize(
    "css",
    [
        "tr:first-child { color: red }",
        "tr + tr { color: red }",
        "tr ~ tr td { color: red }",
        "tr:nth-child(2n+1) td { color: red }",
        "table tr:last-child > td { color: red }",
        "td:empty { color: red }",
    ],
)
def test_structural_rule_on_rows_a_loop_prints_is_refused(css: str) -> None:
    src = f"<style>{css}</style>{LOOP_ROWS}"
    with pytest.raises(NotInlinable, match=r"structural|:empty"):
        inline_html(src)
    renderer = tmplkit.Renderer()
    sources = resolve_text(src)
    prepared = renderer.prepare_sources(sources)
    assert prepared.inline_per_message is not None
    for data in ROWS_DATA:
        assert canonical(prepared.render(data).html) == canonical(per_message_inlined(src, data))


def resolve_text(html: str) -> Any:
    """The sources of a one-file template holding `html` (read from a temporary file)."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "t.html.j2"
        path.write_text(html, "utf-8")
        return resolve(str(path))


@pytest.mark.parametrize(
    "css",
    [
        "td:first-child { color: red }",  # the first cell of each row, however many rows
        "td + td { padding: 1px }",
        "td:last-child:not(.x) { color: blue }",
        "p + .stat { margin: 0 }",  # nothing has class stat
        "li:first-child { color: red } table td:nth-child(2) { color: green }",
        ".menu .menu-item:first-child { padding: 0 }",
    ],
)
def test_structural_rule_on_elements_the_data_does_not_move_is_inlined_once(css: str) -> None:
    src = f"<style>{css}</style><ul><li>a</li><li>b</li></ul>{LOOP_ROWS}{{% if f %}}<p>f</p>{{% endif %}}"
    prepared = inline_html(src)
    for data in ROWS_DATA:
        for f in (True, False):
            assert_exact(src, prepared, {**data, "f": f}, f"{css} {data} {f}")


def test_conditional_paragraph_before_a_stat_is_refused() -> None:
    src = (
        "<style>p + .stat { color: red }</style>{% if a %}<p>a</p>{% endif %}"
        '<div class="stat">1</div>'
    )
    with pytest.raises(NotInlinable, match="structural"):
        inline_html(src)


def test_lifted_class_makes_its_siblings_depend_on_the_data() -> None:
    src = (
        "<style>.a + li { color: red } .a { margin: 0 } li { padding: 0 }</style>"
        '<ul><li class="{% if f %}a{% else %}b{% endif %}">x</li><li>y</li></ul>'
    )
    with pytest.raises(NotInlinable, match="structural"):
        inline_html(src)


STRUCTURAL_CSS = [
    "li:first-child { color: red }",
    "td + td { padding: 3px }",
    "tr:last-child td { border: 0 }",
    "p ~ p { margin: 1px }",
    ".a:nth-child(2) { color: teal }",
    "div > p:first-child { color: navy }",
    "tr:first-child { color: olive }",
    ".b + .c { color: lime }",
]


def test_random_templates_with_structural_selectors_are_refused_or_exact() -> None:
    fuzz = _Fuzz(20261206, FUZZ_CSS + STRUCTURAL_CSS, rules=7)
    accepted = fuzz_accepted(fuzz, 150)
    structural = [
        src
        for src in accepted
        if "{%" in src and any(css.split(" {")[0] in src for css in STRUCTURAL_CSS)
    ]
    assert len(accepted) >= 35 and len(structural) >= 15


# --- |safe inside an attribute value ------------------------------------------------------------

HREF_SAFE_SOURCE = (
    "<style>a { color: red } b { font-weight: 900 } [title] { margin: 0 } p a:first-child"
    " { padding: 0 }</style>"
    '<p><a href="{{ url|safe }}" title="t">{{ name }}</a></p>'
    "<ul>{% for l in links %}<li><a href='{{ l.url|safe }}?x=1'>{{ l.name }}</a></li>"
    "{% endfor %}</ul>"
)
HREF_SAFE = emit_part(
    resolve_text(HREF_SAFE_SOURCE).parts["html"], None, "jinja", owner=None
)  # with |check_url, and `or []` after each loop's list
HREF_SAMPLE: dict[str, Any] = {
    "url": "https://ex.ample/?a=1",
    "name": "Ann",
    "links": [{"url": "/a", "name": "A"}, {"url": "https://ex.ample/b?q=<x>", "name": "B"}],
}


def test_safe_in_an_attribute_is_inlined_at_compile_time_exactly() -> None:
    prepared = inline_html(HREF_SAFE, guarded=True)
    escaped = inline_html(HREF_SAFE.replace("|safe", ""))
    assert prepared.html.count('style="color: red;') == 2
    sets = list(data_sets(HREF_SAFE, HREF_SAMPLE))
    assert len(sets) >= 15
    served = 0
    for name, data in sets:
        if not HTML_ENV.from_string(prepared.guard).render(data):
            served += 1
            assert_exact(HREF_SAFE, prepared, data, name)  # the prepared HTML alone
            # and its text part is the one the template has without |safe
            ours = TEXT_ENV.from_string(prepared.text).render(data)
            assert ours == TEXT_ENV.from_string(escaped.text).render(data), name
        assert_exact_guarded(HREF_SAFE, prepared, data, name)
        # only a value holding its attribute's quote, or &, leaves the prepared parts
        links = data.get("links") or []
        values = [str(data.get("url")), *(str(link["url"]) for link in links)]
        quotes = ['"'] + ["'"] * len(links)
        expected = any(q in v or "&" in v for q, v in zip(quotes, values, strict=True))
        assert bool(HTML_ENV.from_string(prepared.guard).render(data)) == expected, name
    assert served >= 12


def test_a_safe_value_holding_its_quote_writes_markup_and_the_guard_sees_it() -> None:
    prepared = inline_html(HREF_SAFE, guarded=True)
    guard = HTML_ENV.from_string(prepared.guard)
    breaking = [
        {"url": '"><b title="x">bold</b><a href="'},
        {"links": [{"url": "'><b>x</b>"}]},
    ]
    for data in breaking:
        assert guard.render(data) == "!"
        # the prepared HTML would miss the styles of what the value wrote
        assert canonical(render(prepared.html, data)) != canonical(
            per_message_inlined(HREF_SAFE, data)
        )
        assert_exact_guarded(HREF_SAFE, prepared, data, str(data))
    # a character reference: the HTML is right, the text part would print it undecoded
    data = {"url": "https://ex.ample/?a=1&amp;b=2"}
    assert guard.render(data) == "!"
    assert_exact(HREF_SAFE, prepared, data, "&amp;")
    assert "?a=1&amp;b=2" in TEXT_ENV.from_string(prepared.text).render(data)
    assert "?a=1&b=2" in html_to_text(per_message_inlined(HREF_SAFE, data))
    # the other quote is harmless: the attribute does not end
    assert guard.render({"url": "it's", "links": [{"url": 'say "hi"'}]}) == ""


def test_safe_in_an_attribute_needs_a_caller_that_honours_the_guard() -> None:
    with pytest.raises(
        NotInlinable, match=re.escape('{{ url|safe|check_url("url") }} may print HTML')
    ):
        inline_html(HREF_SAFE)


def test_safe_in_text_is_still_inlined_per_message() -> None:
    src = "<style>b { color: red }</style><p>{{ html|safe }}</p>"
    with pytest.raises(NotInlinable, match=re.escape("may print HTML (|safe)")):
        inline_html(src, guarded=True)
    prepared = tmplkit.Renderer().prepare_sources(resolve_text(src))
    assert prepared.inline_per_message is not None
    data = {"html": "<b>x</b>"}
    assert '<b style="color: red;">x</b>' in prepared.render(data).html


def test_the_renderer_inlines_safe_hrefs_at_compile_time_and_guarded_messages_alone() -> None:
    prepared = tmplkit.Renderer().prepare_sources(resolve_text(HREF_SAFE_SOURCE))
    assert prepared.inline_per_message is None and prepared.html_guard is not None
    escaped = tmplkit.Renderer().prepare_sources(
        resolve_text(HREF_SAFE_SOURCE.replace("|safe", ""))
    )
    cases = [
        (HREF_SAMPLE, False),
        ({"url": '"><b title="x">bold</b><a href="', "name": "N"}, True),
        ({"url": "https://ex.ample/?a=1&amp;b=2", "links": [{"url": "/x", "name": "X"}]}, True),
    ]
    for data, alone in cases:
        message = prepared.render(data)
        assert canonical(message.html) == canonical(per_message_inlined(HREF_SAFE, data))
        if alone:  # inlined on its own: the text part is derived from that message's HTML
            assert message.text == html_to_text(per_message_inlined(HREF_SAFE, data))
        else:  # the prepared parts: the text part is the one without |safe
            assert message.text == escaped.render(data).text
    assert "?a=1&b=2" in prepared.render(cases[2][0]).text


def test_structural_selectors_and_their_compounds() -> None:
    info = css_info(
        ".menu:not(.float-center) .menu-item:first-child { a: b } p + .Stat, td { c: d }"
        " :is(li ~ li) > a { e: f } a[href~='x'] { } @media (x) { li:last-child { } }"
    )
    menu, stat, is_li = info.selectors
    assert (menu.text, menu.structural) == (
        ".menu:not(.float-center) .menu-item:first-child",
        (CompoundKey(classes=frozenset({"menu-item"})),),
    )
    assert menu.keys[0] == CompoundKey(classes=frozenset({"menu"}))  # not float-center
    assert stat.structural == (CompoundKey("p"), CompoundKey(classes=frozenset({"stat"})))
    assert is_li.structural == (CompoundKey(),)  # :is(…) may be anything
    assert not info.deep
    assert css_info("td:empty { }").deep and css_info("tr:has(td) { }").deep
