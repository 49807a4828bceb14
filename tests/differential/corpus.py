"""The differential corpus: portable templates × data sets, rendered by every target's engine.

Each case's expected output is the reference rendering (tmplkit's jinja target in its sandboxed
environment). Templates cover every construct alone and nested, in HTML and text parts; data
sets cover hostile strings, scripts, empty and missing values, and each falsy value.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Source:
    name: str
    template: str
    html: bool = True


S = Source
DELIMS = "{{ a }} }} {% b %} {# c #} ${d} #e $f %%g *|H|* @{i} %%=v(@j)=%% <#k> [=l] \\{{m}}"

SOURCES: list[Source] = [
    # outputs and filters
    S("output", "<p>Hi {{ name }}!</p>"),
    S("output_text", "Hi {{ name }}!", html=False),
    S("nested_path", "<p>{{ user.name }} / {{ user.address.city }}</p>"),
    S("index_path", "<p>{{ lines[0].name }} + {{ lines[1].name }}</p>"),
    S("quoted_key", '<p>{{ user["first-name"] }}</p>'),
    S("safe", "<div>{{ snippet|safe }}</div>"),
    S("safe_text", "{{ snippet|safe }} {{ snippet }}", html=False),
    S("escape", "<p>{{ name|escape }}</p>"),
    S("default", '<p>{{ nickname|default("friend") }}</p>'),
    S("default_text", '{{ nickname|default("friend") }}', html=False),
    S("default_nested", '<p>{{ user.nick|default("none") }}</p>'),
    S("upper_lower", "<p>{{ name|upper }} {{ name|lower }}</p>"),
    S("default_upper", '<p>{{ nickname|default("friend")|upper }}</p>'),
    S("numbers", "<p>{{ count }} × {{ price }} = {{ total }}</p>"),
    S("numbers_text", "{{ count }} {{ price }} {{ big }}", html=False),
    S("attribute", '<a href="{{ url }}" title="{{ name }}">{{ name }}</a>'),
    # conditions
    S("if", "{% if flag %}<b>on</b>{% endif %}"),
    S("if_else", "{% if flag %}on{% else %}off{% endif %}"),
    S("if_elif", '{% if plan == "pro" %}P{% elif plan == "free" %}F{% else %}?{% endif %}'),
    S("if_text", "{% if flag %}on{% else %}off{% endif %}", html=False),
    S("not", "{% if not flag %}none{% else %}some{% endif %}"),
    S("and_or", '{% if flag and plan == "pro" or count == 3 %}yes{% else %}no{% endif %}'),
    S("or_not", "{% if not flag or not name %}A{% else %}B{% endif %}"),
    S("compare_ne", '{% if plan != "pro" %}not pro{% else %}pro{% endif %}'),
    S(
        "compare_number",
        "{% if count == 3 %}three{% elif count != 0 %}some{% else %}zero{% endif %}",
    ),
    S("compare_decimal", "{% if price == 19.99 %}std{% else %}other{% endif %}"),
    S("truthy_list", "{% if lines %}has lines{% else %}no lines{% endif %}"),
    S("truthy_obj", "{% if user %}user{% else %}anon{% endif %}"),
    S("truthy_nested", "{% if user.address.city %}{{ user.address.city }}{% endif %}"),
    S("if_in_attribute", '<tr class="{% if flag %}on{% else %}off{% endif %}"><td>x</td></tr>'),
    # loops
    S("for", "<ul>{% for l in lines %}<li>{{ l.name }}</li>{% endfor %}</ul>"),
    S("for_text", "{% for l in lines %}- {{ l.name }}: {{ l.qty }}\n{% endfor %}", html=False),
    S("for_else", "{% for l in lines %}{{ l.name }};{% else %}empty{% endfor %}"),
    S(
        "loop_vars",
        "{% for l in lines %}{{ loop.index }}/{{ loop.index0 }}"
        "{% if loop.first %}F{% endif %}{% if loop.last %}L{% endif %} {% endfor %}",
    ),
    S(
        "loop_comma",
        "{% for l in lines %}{{ l.name }}{% if not loop.last %}, {% endif %}{% endfor %}",
    ),
    S(
        "nested_loops",
        "{% for g in groups %}<h2>{{ loop.index }}. {{ g.title }}</h2>"
        "{% for i in g.items %}<p>{{ loop.index }}:{{ i.name }}{% if loop.last %}.{% endif %}</p>"
        "{% else %}<p>no items</p>{% endfor %}{% endfor %}",
    ),
    S(
        "loop_outer_ref",
        "{% for l in lines %}{{ name }} buys {{ l.name }}{% if l.qty == 2 %} (x2){% endif %}; "
        "{% endfor %}",
    ),
    S(
        "loop_table",
        "<table>{% for l in lines %}<tr><td>{{ l.name }}</td><td>{{ l.price }}</td></tr>"
        "{% else %}<tr><td>none</td></tr>{% endfor %}</table>",
    ),
    S(
        "loop_condition_inside",
        '{% for l in lines %}{% if l.gift %}🎁{% elif l.name == "Mug" %}☕{% else %}·{% endif %}'
        "{% endfor %}",
    ),
    S("loop_strings", "{% for t in tags %}[{{ t }}]{% endfor %}"),
    # literal text with every target's delimiters
    S("delimiters", "<p>{% raw %}" + DELIMS + "{% endraw %}</p>"),
    S("delimiters_text", "{% raw %}" + DELIMS + "{% endraw %}", html=False),
    S("dollar_hash", "<p>Price: ${{ price }} #{{ count }} 100% 50%% $$ ##</p>"),
    # translations (source locale) and mixtures
    S("trans", "<p>{% trans n=name %}Hello {{ n }}, 50% off!{% endtrans %}</p>"),
    S(
        "plural",
        "<p>{% trans count=count %}{{ count }} item{% pluralize %}{{ count }} items"
        "{% endtrans %}</p>",
    ),
    S("gettext_call", '<p>{{ _("Shop now") }} — {{ _("Hi %(n)s", n=user.name) }}</p>'),
    S(
        "mixed",
        '<h1>{{ user.name|default("there") }}</h1>{% if user.plan == "pro" and flag %}'
        '<ul>{% for l in lines %}<li class="{% if loop.first %}first{% endif %}">{{ l.name|upper }}'
        "</li>{% endfor %}</ul>{% elif not lines %}<p>Nothing yet</p>{% else %}<p>{{ count }}</p>"
        "{% endif %}",
    ),
    S(
        "mixed_text",
        "{{ user.name }}\n{% for g in groups %}{{ g.title }}:{% for i in g.items %} {{ i.name }}"
        "{% endfor %}\n{% endfor %}",
        html=False,
    ),
]

# --- data sets -----------------------------------------------------------------------------

STRINGS = {
    "basic": "Ann",
    "script": '<script>alert("x")</script>',
    "quotes": "Tom & \"Jerry\" 'O'Neil' <b>",
    "nonlatin": "Zoë Ñandú 日本語 Ελληνικά",
    "emoji": "🎉 👩‍👩‍👧 ✓",
    "rtl": "مرحبا بالعالم שלום",
    "delims": "{{ x }} {% y %} ${z} #w $v %%u *|T|* @{s}",
}


def full(s: str) -> dict[str, Any]:
    """Every key the corpus reads, with strings built from `s`."""
    return {
        "name": s,
        "nickname": s + " Jr",
        "snippet": "<em>" + s + "</em>",
        "url": "https://example.com/?q=" + s + "&x=1",
        "flag": True,
        "plan": "pro",
        "count": 3,
        "price": 19.99,
        "total": 59.97,
        "big": 1234567,
        "user": {"name": s, "first-name": s, "nick": s, "address": {"city": s}, "plan": "pro"},
        "lines": [
            {"name": s, "qty": 1, "price": 4.5, "gift": True},
            {"name": "Mug", "qty": 2, "price": 10, "gift": False},
            {"name": s + " II", "qty": 3, "price": 0.1, "gift": None},
        ],
        "groups": [
            {"title": s, "items": [{"name": "a"}, {"name": s}]},
            {"title": "empty group", "items": []},
            {"title": "one", "items": [{"name": "only"}]},
        ],
        "tags": [s, "b", "c"],
    }


def datasets() -> dict[str, dict[str, Any]]:
    out = {name: full(s) for name, s in STRINGS.items()}
    empty = full("Ann")
    empty.update(lines=[], groups=[], tags=[], user={})
    out["empty_lists"] = empty
    out["missing"] = {}
    for label, falsy in (
        ("zero", 0),
        ("false", False),
        ("empty_str", ""),
        ("null", None),
        ("empty_list", []),
        ("empty_obj", {}),
    ):
        d = full("Ann")
        d.update(flag=falsy, nickname=None if falsy is None else d["nickname"])
        if falsy is None or falsy == "":
            d["name"] = falsy
        d["user"]["address"]["city"] = falsy
        out["falsy_" + label] = d
    variant = full("Ann")
    variant.update(plan="free", count=0, price=5)
    variant["user"]["plan"] = "free"
    out["free_plan"] = variant
    other = copy.deepcopy(variant)
    other.update(plan="enterprise", count=7, flag=True)
    out["other_plan"] = other
    return out


DATASETS = datasets()
