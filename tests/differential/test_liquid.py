"""The liquid target in Shopify Liquid, LiquidJS and python-liquid: corpus and edge cases."""

from __future__ import annotations

from typing import Any

import pytest

from tests.differential.corpus import DATASETS, SOURCES
from tests.differential.harness import normalize, run
from tests.engines import render_batch, require_engine
from tmplkit import compile_string
from tmplkit.errors import TemplateError
from tmplkit.targets import get_emitter
from tmplkit.targets.liquid import LiquidEmitter

ENGINES = ["shopify_liquid", "liquidjs", "python_liquid"]


@pytest.mark.parametrize("engine", ENGINES)
def test_corpus_matches_the_reference(engine: str) -> None:
    require_engine(engine)
    cases, mismatches = run("liquid", engine)
    assert cases == len(SOURCES) * len(DATASETS) == 816  # nothing refused
    assert mismatches == [], "\n".join(map(str, mismatches))


# (source, html part, data, expected output after normalize()) beyond the corpus: the traps.
EDGE_CASES: list[tuple[str, bool, dict[str, Any], str]] = [
    # printing: integral floats, booleans under escape, empty collections, null, escape once
    ("{{ x }}", True, {"x": 3.0}, "3"),
    ("{{ x }}", True, {"x": -2.0}, "-2"),
    ("{{ x }}", True, {"x": 19.99}, "19.99"),
    ("{{ x }}", True, {"x": "3.0"}, "3.0"),
    ("{{ x }}", True, {"x": "NaN"}, "NaN"),
    ("{{ x }}", True, {"x": "Infinity"}, "Infinity"),
    ("{{ x }}|{{ x|upper }}", True, {"x": True}, "true|TRUE"),
    ("{{ x }}", True, {"x": False}, "false"),
    ("{{ x }}", True, {"x": None}, ""),
    ("{{ x }}|{{ x.y.z }}", True, {}, "|"),
    ("{{ x }}", True, {"x": []}, "[]"),
    ("{{ x }}", True, {"x": {}}, "{}"),
    ("{{ x }}", True, {"x": ""}, ""),
    ("{{ x|upper }}", True, {"x": 3.0}, "3"),
    ("{{ x|upper }}|{{ x|lower }}", True, {"x": None}, "|"),
    ("{{ x|escape }}", True, {"x": "&amp;"}, "&amp;amp;"),
    ("{{ x|escape|escape }}", False, {"x": "<&>"}, "&lt;&amp;&gt;"),
    ("{{ x|escape|upper }}", True, {"x": "<a>"}, "&LT;A&GT;"),
    ("{{ x|upper|escape }}", True, {"x": "<a>"}, "&lt;A&gt;"),
    ("{{ x|safe|escape }}", True, {"x": "<a>"}, "<a>"),
    ("{{ x }}", False, {"x": "<a'\">"}, "<a'\">"),
    ("{{ x }}", True, {"x": "<a'\">"}, "&lt;a&#39;&#34;&gt;"),
    # default: only for missing or null
    ('{{ x|default("d") }}', True, {"x": False}, "false"),
    ('{{ x|default("d") }}', True, {"x": ""}, ""),
    ('{{ x|default("d") }}', True, {"x": 0}, "0"),
    ('{{ x|default("d") }}', True, {"x": []}, "[]"),
    ('{{ x|default("d") }}|{{ x.y|default("e") }}', True, {"x": None}, "d|e"),
    ('{{ x|default("<d>")|upper }}', True, {}, "&lt;D&gt;"),
    ('{{ x|default("{{ d }}")|safe }}', True, {}, "{{ d }}"),
    ('{{ x|upper|default("d") }}', True, {}, ""),
    # truthiness: 0, "", [], {} false; "0", " " true
    *(
        ("{% if x %}T{% else %}F{% endif %}", True, {"x": v}, out)
        for v, out in [
            (0, "F"),
            (0.0, "F"),
            ("", "F"),
            ([], "F"),
            ({}, "F"),
            (None, "F"),
            (False, "F"),
            ("0", "T"),
            (" ", "T"),
            ("false", "T"),
            ([0], "T"),
            ({"a": None}, "T"),
            (0.5, "T"),
        ]
    ),
    ("{% if not x %}F{% else %}T{% endif %}", True, {"x": {}}, "F"),
    ("{% if not x %}F{% else %}T{% endif %}", True, {"x": "0"}, "T"),
    ("{% if x %}T{% else %}F{% endif %}", True, {}, "F"),
    # comparisons: no coercion between "3" and 3, but True == 1 and False == 0 (Python)
    ('{% if x == 3 %}A{% endif %}{% if x == "3" %}B{% endif %}', True, {"x": "3"}, "B"),
    ('{% if x == 3 %}A{% endif %}{% if x == "3" %}B{% endif %}', True, {"x": 3.0}, "A"),
    ("{% if x == 1 %}A{% endif %}{% if x != 1 %}B{% endif %}", True, {"x": True}, "A"),
    ("{% if x == 0 %}A{% endif %}{% if x != 0 %}B{% endif %}", True, {"x": False}, "A"),
    ("{% if x == 1 %}A{% endif %}{% if x == 0 %}B{% endif %}", True, {"x": "1"}, ""),
    ("{% if x == 0.0000001 %}A{% endif %}", True, {"x": 1e-7}, "A"),
    ('{% if x == "it\'s \\"so\\"" %}A{% endif %}', True, {"x": 'it\'s "so"'}, "A"),
    ('{% if x == "a%}b{{c" %}A{% endif %}', True, {"x": "a%}b{{c"}, "A"),
    # and/or/not with Python precedence (Liquid: no parentheses, right to left)
    ("{% if a or b and c %}T{% else %}F{% endif %}", True, {"a": 1, "b": 0, "c": 0}, "T"),
    ("{% if a and b or c %}T{% else %}F{% endif %}", True, {"a": 0, "b": 0, "c": 1}, "T"),
    ("{% if (a or b) and c %}T{% else %}F{% endif %}", True, {"a": 1, "b": 0, "c": 0}, "F"),
    ("{% if (a or b) and (c or d) %}T{% else %}F{% endif %}", True, {"b": 1, "d": 1}, "T"),
    ("{% if not (a and b) %}T{% else %}F{% endif %}", True, {"a": 1, "b": ""}, "T"),
    ("{% if not (a or not b) %}T{% else %}F{% endif %}", True, {"a": [], "b": "x"}, "T"),
    ('{% if a %}1{% elif not b and c == "x" %}2{% else %}3{% endif %}', True, {"c": "x"}, "2"),
    # loops: null/missing/empty -> else, loop variables, nested loops, outer names, renames
    ("{% for i in x %}{{ i }}{% else %}E{% endfor %}", True, {"x": None}, "E"),
    ("{% for i in x.y %}{{ i }}{% else %}E{% endfor %}", True, {"x": None}, "E"),
    ("{% for i in x %}{{ i }}{% else %}E{% endfor %}", True, {"x": {}}, "E"),
    (
        "{% for i in x %}{{ loop.index }}{{ loop.index0 }}{{ loop.first }}{{ loop.last|upper }}"
        "{% if loop.index0 %}+{% endif %}{% if not loop.first %}-{% endif %};{% endfor %}",
        True,
        {"x": ["a", "b"]},
        "10trueFALSE;21falseTRUE+-;",
    ),
    (
        "{% for g in gs %}{% for i in g %}{{ n }}{{ loop.index }}{{ i }}{% endfor %}"
        "{{ loop.index }}{% endfor %}",
        True,
        {"gs": [["a"], ["b", "c"]], "n": "N"},
        "N1a1N1bN2c2",
    ),
    ("{% for empty in x %}{{ empty }}{% endfor %}{{ empty }}", True, {"x": [1], "empty": 2}, "12"),
    (
        "{{ forloop.a }}{% for i in x %}{{ forloop.a }}{{ loop.index }}{% endfor %}",
        True,
        {"x": [1, 2], "forloop": {"a": "F"}},
        "FF1F2",
    ),
    # names Liquid reads as literals or keywords, keys with dashes, quotes and brackets
    (
        "{{ empty }}{{ nil }}{{ null }}{{ blank }}{{ contains }}"
        '{{ u["first-name"] }}{{ u.empty }}{{ u["true"] }}{{ u.false }}',
        True,
        {
            "empty": "E",
            "nil": "N",
            "null": "U",
            "blank": "B",
            "contains": "C",
            "u": {"first-name": "F", "empty": "e", "true": "t", "false": "f"},
        },
        "ENUBCFetf",
    ),
    ('{% if nil == "N" and empty %}Y{% endif %}', True, {"nil": "N", "empty": "E"}, "Y"),
    (
        '{{ h["a\'b"] }}{{ h[\'a"b\'] }}{{ h["a]b"] }}{{ h["x%}y"] }}{{ h["\'\\""] }}',
        True,
        {"h": {"a'b": 1, 'a"b': 2, "a]b": 3, "x%}y": 4, "'\"": 5}},
        "12345",
    ),
    ("{{ lines[1].name }}{{ lines[5].name }}", True, {"lines": [{}, {"name": "B"}]}, "B"),
    # keys the engines would answer themselves: size, first, last, length
    (
        "{{ h.size }}|{{ h.first }}|{{ h.last }}|{{ h.length }}|{{ a.first }}|{{ a.size }}",
        True,
        {"h": {"x": 1}, "a": [1, 2]},
        "|||||",
    ),
    (
        "{{ h.size }}|{{ h.first.x }}|{% if h.last %}L{% endif %}|{% for i in h.length %}{{ i }}"
        "{% endfor %}",
        True,
        {"h": {"size": "S", "first": {"x": "X"}, "last": 0, "length": [7, 8]}},
        "S|X||78",
    ),
    ("{{ s.size }}|{{ s.length }}", True, {"s": "oversize length"}, "|"),
    ("{{ n.size }}|{{ b.first }}", True, {"n": 5, "b": True}, "|"),
    # scratch variables never shadow the data
    ("{{ tk_v }}{{ tk_c1 }}{% if tk_v and not tk_c1 %}!{% endif %}", True, {"tk_v": "V"}, "V!"),
    # literal delimiters
    (
        "{% raw %}{{ a }} {% b %} {%- endraw {{{ {# c #} {{- d -}} }}{% endraw %}{",
        True,
        {},
        "{{ a }} {% b %} {%- endraw {{{ {# c #} {{- d -}} }}{",
    ),
    ("a{{ x }}{% raw %}{{% endraw %}{{ x }}", True, {"x": "{"}, "a{{{"),
    ("{{ x }}", True, {"x": "{{ y }}{% raw %}"}, "{{ y }}{% raw %}"),
]


@pytest.mark.parametrize("engine", ENGINES)
def test_edge_cases(engine: str) -> None:
    require_engine(engine)
    cases = [
        {"template": compile_string(src, "liquid", html=html), "data": data}
        for src, html, data, _ in EDGE_CASES
    ]
    results = render_batch(engine, cases)
    failures = []
    for (src, html, data, expected), result in zip(EDGE_CASES, results, strict=True):
        got = normalize(result["output"]) if result["ok"] else "ERROR: " + result["error"]
        if got != expected:
            failures.append(f"{src!r} html={html} {data!r}: expected {expected!r}, got {got!r}")
    assert failures == [], "\n".join(failures)


def test_unicode_case_mapping_matches_python_where_the_engines_do() -> None:
    # ß -> SS everywhere; Ruby's downcase has no final-sigma rule, so Shopify gives σασ.
    src = "{{ x|upper }}|{{ x|lower }}"
    data = {"x": "Straße ΣΑΣ"}
    compiled = compile_string(src, "liquid")
    outputs = {}
    for engine in ENGINES:
        require_engine(engine)
        (result,) = render_batch(engine, [{"template": compiled, "data": data}])
        outputs[engine] = result["output"]
    assert outputs == {
        "shopify_liquid": "STRASSE ΣΑΣ|straße σασ",
        "liquidjs": "STRASSE ΣΑΣ|straße σας",
        "python_liquid": "STRASSE ΣΑΣ|straße σας",
    }


# --- the emitted text ------------------------------------------------------------------------


def test_emitted_conditions_never_mix_and_with_or() -> None:
    assert compile_string('{% if a and b == "x" or c == 3 %}y{% endif %}', "liquid") == (
        "{% assign tk_c1 = false %}"
        '{% if a and a != 0 and a != empty and b == "x" %}{% assign tk_c1 = true %}{% endif %}'
        "{% if tk_c1 or c == 3 %}y{% endif %}"
    )
    assert compile_string("{% if not a %}n{% elif b == 1 %}o{% endif %}", "liquid") == (
        "{% if a == nil or a == false or a == 0 or a == empty %}n"
        "{% elsif b == 1 or b == true %}o{% endif %}"
    )


def test_emitted_text_and_loops() -> None:
    assert compile_string("{% raw %}{{ a }} {% b %} {{% endraw %}", "liquid") == (
        '{{ "{" }}{ a }} {{ "{" }}% b %} {{ "{" }}'
    )
    assert compile_string(
        "{% for l in o.lines %}{{ loop.index }}{% else %}-{% endfor %}", "liquid"
    ) == ("{% for l in o.lines %}{{ forloop.index }}{% else %}-{% endfor %}")


def test_emitted_default_and_escape() -> None:
    assert compile_string('{{ n|default("<x>")|upper }}', "liquid", html=False) == (
        "{% if n == nil %}<X>{% else %}"
        "{% assign tk_v = n | plus: 0 %}{% if tk_v == n %}{% assign tk_v = n | round %}{% endif %}"
        "{% if tk_v != n %}{% capture tk_v %}{{ n }}{% endcapture %}"
        '{% if n == empty and n != "" %}{% if tk_v == "" %}{% assign tk_v = "[]" %}'
        '{% else %}{% assign tk_v = "{}" %}{% endif %}{% endif %}{% endif %}'
        "{{ tk_v | upcase }}{% endif %}"
    )
    html = compile_string('{{ n|default("<x>") }}', "liquid")
    assert html.startswith("{% if n == nil %}&lt;x&gt;{% else %}")
    assert html.endswith("{{ tk_v | escape }}{% endif %}")


# --- refusals and metadata -----------------------------------------------------------------


def test_an_infinite_literal_is_refused_before_emitting() -> None:
    with pytest.raises(TemplateError) as info:
        compile_string("<p>\n  {% if x == 1e999 %}a{% endif %}", "liquid", file="t.html")
    assert str(info.value) == (
        "t.html:2:11: the number inf is not portable (hint: compare with a finite number)"
    )


def test_metadata() -> None:
    assert get_emitter("liquid") is LiquidEmitter
    assert LiquidEmitter.refuses == ()
    assert LiquidEmitter.helpers is None
    assert "Shopify Liquid" in LiquidEmitter.summary
