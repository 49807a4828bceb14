"""The jinja target: emitted text, and the reference semantics it renders with."""

from __future__ import annotations

from pathlib import Path

import pytest

import tmplkit
from tmplkit import ir
from tmplkit.localize import lower_translations as lower
from tmplkit.targets.jinja import JinjaEmitter, environment
from tmplkit.template.parse import parse


def emit(source: str, html: bool = True) -> str:
    return JinjaEmitter(html=html).emit(lower(parse(source).body))


def render(source: str, data: dict[str, object], html: bool = True) -> str:
    return environment(autoescape=html).from_string(emit(source, html)).render(data)


def test_emitted_text_is_idiomatic_jinja() -> None:
    src = (
        '{% for l in order.lines %}{{ loop.index }}. {{ l.name|default("?")|upper }}'
        "{% if l.qty != 1 and not l.gift %}x{% endif %}{% else %}none{% endfor %}"
    )
    assert emit(src) == (
        '{% for l in order.lines or [] %}{{ loop.index }}. {{ l.name|default("?")|upper }}'
        "{% if (l.qty != 1) and not l.gift %}x{% endif %}{% else %}none{% endfor %}"
    )


def test_trans_is_lowered_to_source_text_with_outputs() -> None:
    src = "{% trans n=cart.n %}{{ n }} item, 50%{% pluralize %}{{ n }} items, 50%{% endtrans %}"
    assert emit(src) == (
        "{% if not ((cart.n is integer or (cart.n is float and cart.n % 1 == 0)) and cart.n >= 0) %}"
        "{{ cart.n }} items, 50%{% elif cart.n != 1 %}{{ cart.n }} items, 50%"
        "{% else %}{{ cart.n }} item, 50%{% endif %}"
    )
    assert render(src, {"cart": {"n": 1}}) == "1 item, 50%"
    assert render(src, {"cart": {"n": 2}}) == "2 items, 50%"
    # a count that is not a whole number >= 0 takes the last ("other") form
    assert [render(src, {"cart": {"n": n}}) for n in (0, 1.0, 1.5, True, "1", None)] == [
        "0 items, 50%",
        "1 item, 50%",
        "1.5 items, 50%",
        "true items, 50%",
        "1 items, 50%",
        " items, 50%",
    ]


def test_literal_delimiters_come_out_verbatim() -> None:
    src = "{% raw %}{{ a }} {% b %} {# c #} ${d} #e $f %%g *|H|* @{i}{{{{ {% endraw %}"
    out = "{{ a }} {% b %} {# c #} ${d} #e $f %%g *|H|* @{i}{{{{ "
    assert render(src, {"a": 1}) == out


def test_keys_named_like_methods_read_the_data() -> None:
    src = "{% for i in shipment.items %}{{ i.values }}{% endfor %}{{ d.keys }}"
    assert emit(src) == (
        '{% for i in shipment["items"] or [] %}{{ i["values"] }}{% endfor %}{{ d["keys"] }}'
    )
    data = {"shipment": {"items": [{"values": "v1"}, {"values": "v2"}]}, "d": {"keys": "k"}}
    assert render(src, data) == "v1v2k"


@pytest.mark.parametrize(
    ("value", "printed"),
    [(None, ""), (True, "true"), (False, "false"), (2.0, "2"), (2.5, "2.5"), (0, "0"), ("", "")],
)
def test_values_print_like_json(value: object, printed: str) -> None:
    assert render("{{ v }}", {"v": value}) == printed


def test_missing_values_chain_to_empty() -> None:
    assert render("[{{ a.b.c }}][{{ a[0].x }}]", {}) == "[][]"


@pytest.mark.parametrize(
    ("data", "printed"),
    [({}, "d"), ({"v": None}, "d"), ({"v": ""}, ""), ({"v": 0}, "0"), ({"v": False}, "false")],
)
def test_default_applies_to_missing_and_null_only(data: dict[str, object], printed: str) -> None:
    assert render('{{ v|default("d") }}', data) == printed


def test_upper_and_lower_of_null_are_empty() -> None:
    assert render("[{{ v|upper }}][{{ v|lower }}]", {"v": None}) == "[][]"
    assert render("{{ v|upper }}", {"v": "straße"}) == "STRASSE"


@pytest.mark.parametrize(
    ("value", "branch"),
    [
        (None, "no"),
        (False, "no"),
        (0, "no"),
        ("", "no"),
        ([], "no"),
        ({}, "no"),
        ("0", "yes"),
        (" ", "yes"),
        ([0], "yes"),
        ({"a": 0}, "yes"),
        (0.1, "yes"),
        (True, "yes"),
    ],
)
def test_truthiness(value: object, branch: str) -> None:
    assert render("{% if v %}yes{% else %}no{% endif %}", {"v": value}) == branch


def test_loop_over_null_runs_the_else_branch() -> None:
    src = "{% for x in xs %}{{ x }}{% else %}empty{% endfor %}"
    assert render(src, {"xs": None}) == "empty"
    assert render(src, {}) == "empty"


def test_escaping_html_part_versus_text_part() -> None:
    src = "{{ v }}|{{ v|safe }}|{{ v|escape }}"
    value = {"v": "<b>\"Tom\" & 'Jerry'</b>"}
    assert render(src, value, html=True) == (
        "&lt;b&gt;&#34;Tom&#34; &amp; &#39;Jerry&#39;&lt;/b&gt;|<b>\"Tom\" & 'Jerry'</b>|"
        "&lt;b&gt;&#34;Tom&#34; &amp; &#39;Jerry&#39;&lt;/b&gt;"
    )
    assert render("{{ v }}", value, html=False) == "<b>\"Tom\" & 'Jerry'</b>"


def test_compile_api_and_trailing_newline(tmp_path: Path) -> None:
    f = tmp_path / "t.html.j2"
    f.write_text("<p>{{ a }}</p>\n", "utf-8")
    assert tmplkit.compile(str(f), "jinja") == "<p>{{ a }}</p>\n"
    assert tmplkit.render(str(f), {"a": 1}).html == "<p>1</p>\n"


def test_compile_parts_lists_variables() -> None:
    root = Path(__file__).resolve().parent.parent / "sample_templates"
    project = tmplkit.open_project(root)
    compiled = tmplkit.compile_parts("acme-shop/orders/order-confirmation", project=project)
    assert compiled.variables == [
        "customer.first_name",
        "order.currency",
        "order.item_count",
        "order.lines",
        "order.number",
        "order.placed_on",
        "order.shipping",
        "order.shipping_cost",
        "order.total",
        "order.url",
        "unsubscribe_url",
    ]
    assert compiled.subject is not None and "order.number" in compiled.subject


@pytest.mark.parametrize(
    ("source", "printed"),
    [
        ("{{ v|escape }}", ""),
        ("{{ v|e }}", ""),
        ("{{ v|safe }}", ""),
        ("{{ t|escape }}/{{ t|safe }}/{{ f|safe }}", "true/true/2"),
        ("{{ h|safe|escape }}", "<b>"),
        ("{{ h|escape|safe }}", "&lt;b&gt;"),
    ],
)
def test_escape_and_safe_print_like_any_output(source: str, printed: str) -> None:
    assert render(source, {"v": None, "t": True, "f": 2.0, "h": "<b>"}) == printed


def test_escape_filter_escapes_in_text_parts_too() -> None:
    assert render("{{ h|escape }} {{ h }}", {"h": "<b>"}, html=False) == "&lt;b&gt; <b>"
    value = parse("{{ h|escape|safe }}{{ h|safe|escape }}").body
    assert [(n.value.safe, n.value.escaped) for n in value if isinstance(n, ir.Output)] == [
        (False, True),
        (True, False),
    ]


@pytest.mark.parametrize(
    ("source", "data", "printed"),
    [
        ("[{{ user.items }}][{{ user.keys }}][{{ d.get }}]", {"user": {}, "d": {}}, "[][][]"),
        (
            "[{{ name.upper }}][{{ n.real }}][{{ xs.append }}]",
            {"name": "a", "n": 1, "xs": []},
            "[][][]",
        ),
        ("[{{ range }}][{{ lipsum }}][{{ dict }}]", {}, "[][][]"),
        ("{% if range %}yes{% else %}no{% endif %}", {}, "no"),
        ("{{ xs[1] }}{{ xs[5] }}{{ s[0] }}", {"xs": ["a", "b"], "s": "xyz"}, "bx"),
        ("{{ user.items }}", {"user": {"items": "data wins"}}, "data wins"),
    ],
)
def test_data_is_read_as_data(source: str, data: dict[str, object], printed: str) -> None:
    assert render(source, data) == printed


@pytest.mark.parametrize(
    ("source", "printed"),
    [
        ("a{% raw %}{{% endraw %}{{ x }}", "a{1"),
        ("{% raw %}{{% endraw %}{% if x %}y{% endif %}", "{y"),
        ("{% raw %}{{% endraw %}{# c #}z{% raw %}{{% endraw %}", "{z{"),
    ],
)
def test_a_brace_before_a_tag_stays_text(source: str, printed: str) -> None:
    assert render(source, {"x": 1}) == printed
