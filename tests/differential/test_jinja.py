"""The jinja target through Jinja2 with the environment the target documents."""

from __future__ import annotations

import jinja2

from tests.differential.corpus import DATASETS, SOURCES
from tests.differential.harness import normalize, reference
from tmplkit import compile_string
from tmplkit.localize import lower_translations as lower
from tmplkit.pipeline import Part, inline_blocks
from tmplkit.targets.jinja import environment
from tmplkit.template.parse import parse
from tmplkit.variables import declare, infer


def test_corpus_size() -> None:
    assert len(SOURCES) >= 40
    assert len(DATASETS) >= 6


def test_jinja_target_matches_the_reference() -> None:
    envs = {True: environment(autoescape=True), False: environment(autoescape=False)}
    mismatches = []
    for source in SOURCES:
        compiled = compile_string(source.template, "jinja", html=source.html)
        template = envs[source.html].from_string(compiled)
        for name, data in DATASETS.items():
            if normalize(template.render(data)) != normalize(reference(source, data)):
                mismatches.append((source.name, name))
    assert mismatches == []


def test_reference_escapes_and_prints_plainly() -> None:
    (output,) = [s for s in SOURCES if s.name == "output"]
    assert reference(output, DATASETS["quotes"]) == (
        "<p>Hi Tom &amp; &#34;Jerry&#34; &#39;O&#39;Neil&#39; &lt;b&gt;!</p>"
    )
    (numbers,) = [s for s in SOURCES if s.name == "numbers_text"]
    assert reference(numbers, DATASETS["basic"]) == "3 19.99 1234567"


# --- typed variables: plain Jinja that a stock jinja2.Environment renders as the reference -------

TYPED_SOURCE = (
    "<p>Hi {{ user.first_name }}{% if user.nick %} ({{ user.nick }}){% endif %},"
    " {{ user.nick|default('friend') }} {{ user.first_name|upper }}</p>"
    "<p>{{ user.age }} {{ user.visits }} {{ user.visits|default('none') }} {{ user.vip }}"
    " {{ user.beta }}{% if user.vip %} VIP{% elif user.age == 17 %} seventeen{% else %} minor{% endif %}"
    "{% if not user.beta %} stable{% endif %}</p>"
    "<ul>{% for l in order.items %}<li>{{ l.name }} × {{ l.qty }}</li>"
    "{% else %}<li>empty</li>{% endfor %}</ul>"
    "{% for t in order.tags %}#{{ t }} {% else %}no tags{% endfor %}"
    "{% if order.tags and user.visits %}{% for t in order.tags %}{{ user.visits }}{{ t }}"
    "{% endfor %}{% endif %}"
    " {{ order.keys }}"
)
TYPED_DECLARE = {
    "user.first_name": "string",
    "user.nick": {"type": "string", "required": False},
    "user.age": "integer",
    "user.visits": {"type": "integer", "required": False},
    "user.vip": "boolean",
    "user.beta": {"type": "boolean", "required": False},
    "order.items": {"type": "list", "required": True},
    "order.items[].name": "string",
    "order.items[].qty": "integer",
    "order.tags[]": "string",
    "order.keys": "string",
}
HOSTILE = "<script>alert('x')</script> & \"q\" {{ 7 }} None"


def typed_datasets() -> dict[str, dict[str, object]]:
    """Data of TYPED_DECLARE's types: optional values missing, null, empty and present."""
    lines = [{"name": HOSTILE, "qty": 3.0}, {"name": "", "qty": 0}, {"name": "b&b", "qty": -2}]
    return {
        "full": {
            "user": {
                "first_name": "Ann",
                "nick": "A",
                "age": 30,
                "visits": 12,
                "vip": True,
                "beta": True,
            },
            "order": {"items": lines, "tags": ["x<y", "z"], "keys": "k"},
        },
        "missing": {
            "user": {"first_name": "Bo", "age": 17, "vip": False},
            "order": {"items": [], "keys": ""},
        },
        "null": {
            "user": {
                "first_name": HOSTILE,
                "nick": None,
                "age": 18.0,
                "visits": None,
                "vip": False,
                "beta": None,
            },
            "order": {"items": lines[:1], "tags": None, "keys": HOSTILE},
        },
        "empty": {
            "user": {
                "first_name": "",
                "nick": "",
                "age": 0,
                "visits": 0,
                "vip": False,
                "beta": False,
            },
            "order": {"items": [{"name": "None", "qty": 1}], "tags": [], "keys": "None"},
        },
        "hostile": {
            "user": {
                "first_name": "O'Neil",
                "nick": HOSTILE,
                "age": -1,
                "visits": 2.0,
                "vip": True,
                "beta": False,
            },
            "order": {"items": lines, "tags": [HOSTILE], "keys": "{% x %}"},
        },
    }


def test_typed_output_is_plain_jinja() -> None:
    assert (
        compile_string(
            "<p>{{ user.first_name }}</p>", html=True, declare={"user.first_name": "string"}
        )
        == "<p>{{ user.first_name }}</p>"
    )
    assert compile_string(TYPED_SOURCE, html=True, declare=TYPED_DECLARE) == (
        "<p>Hi {{ user.first_name }}{% if user.nick %} ({{ user.nick }}){% endif %},"
        ' {{ user.nick if user.nick is string else "friend" }} {{ user.first_name|upper }}</p>'
        "<p>{{ user.age|int }} {{ user.visits|int if user.visits is number }}"
        ' {{ user.visits|int if user.visits is number else "none" }}'
        ' {{ "true" if user.vip else "false" }}'
        ' {{ ("true" if user.beta else "false") if user.beta is boolean }}'
        "{% if user.vip %} VIP{% elif user.age == 17 %} seventeen{% else %} minor{% endif %}"
        "{% if not user.beta %} stable{% endif %}</p>"
        '<ul>{% for l in order["items"] %}<li>{{ l.name }} × {{ l.qty|int }}</li>'
        "{% else %}<li>empty</li>{% endfor %}</ul>"
        "{% for t in order.tags or [] %}#{{ t }} {% else %}no tags{% endfor %}"
        "{% if order.tags and user.visits %}{% for t in order.tags %}{{ user.visits|int }}{{ t }}"
        "{% endfor %}{% endif %}"
        ' {{ order["keys"] }}'
    )


def test_typed_datasets_match_the_types() -> None:
    body = lower(
        inline_blocks(parse(TYPED_SOURCE).body, Part("html", TYPED_SOURCE, "<string>"), None)
    )
    types = declare(infer([body]), TYPED_DECLARE)
    assert {name: types.validate(data) for name, data in typed_datasets().items()} == {
        name: [] for name in typed_datasets()
    }
    assert types.validate({"user": {"first_name": "A", "age": 1.5, "vip": 1}, "order": {}}) == [
        "order.items: missing (expected a list)",
        "order.keys: missing (expected a string)",
        "user.age: expected an integer, got 1.5",
        "user.vip: expected true or false, got 1",
    ]


def test_typed_output_renders_in_stock_jinja_as_the_reference() -> None:
    datasets = typed_datasets()
    for html in (True, False):
        typed = compile_string(TYPED_SOURCE, html=html, declare=TYPED_DECLARE)
        stock = jinja2.Environment(autoescape=html).from_string(typed)
        reference = environment(autoescape=html).from_string(
            compile_string(TYPED_SOURCE, html=html)
        )
        for name, data in datasets.items():
            assert stock.render(data) == reference.render(data), (html, name)
    full = jinja2.Environment(autoescape=True).from_string(
        compile_string(TYPED_SOURCE, html=True, declare=TYPED_DECLARE)
    )
    assert full.render(datasets["missing"]) == (
        "<p>Hi Bo, friend BO</p><p>17  none false  seventeen stable</p>"
        "<ul><li>empty</li></ul>no tags "
    )
