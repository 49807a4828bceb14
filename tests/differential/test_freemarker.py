"""The freemarker target, rendered by the real Apache FreeMarker (tests/engines, 2.3.31).

Every emitted template is self-contained: it renders like the reference with the runner's stock
Configuration, and just as well when the Configuration says otherwise (HTML output format for a
text part, a Turkish locale with `,` decimals and a dotted capital İ).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.differential.corpus import DATASETS, SOURCES, Source
from tests.differential.format_corpus import (
    entities,
    format_errors,
    reference_for,
    run_format_edges,
    run_formats,
)
from tests.differential.harness import ENTITY_ALIASES, reference, run
from tests.engines import render_batch, require_engine
from tmplkit import compile_string
from tmplkit.errors import TemplateError
from tmplkit.i18n.formats import FormatError, format_value
from tmplkit.targets import get_emitter
from tmplkit.targets.freemarker import HELPERS, FreemarkerEmitter

ENGINE = "freemarker"

# A hostile Configuration: text parts would be HTML-escaped, numbers printed `1.234.567` and
# `19,99`, and `i` upper-cased to `İ`, if the templates did not set everything themselves.
HOSTILE = {"output_format": "HTML", "locale": "tr-TR"}


def test_corpus_matches_the_reference() -> None:
    require_engine(ENGINE)
    cases, mismatches = run("freemarker", ENGINE)
    assert cases == len(SOURCES) * len(DATASETS) == 816
    assert mismatches == []


def test_corpus_matches_whatever_the_configuration_says() -> None:
    require_engine(ENGINE)
    # Every source; the data sets that exercise escaping, case, numbers and missing values.
    datasets = {k: DATASETS[k] for k in ("script", "quotes", "missing", "falsy_zero", "free_plan")}
    cases, mismatches = run("freemarker", ENGINE, datasets=datasets, case_extra=HOSTILE)
    assert cases == len(SOURCES) * 5
    assert mismatches == []


# --- beyond the corpus: filter chains, odd data, odd names, odd text ---------------------------

S = Source
EXTRA = [
    S(
        "filter_chains",
        '{{ x|escape|upper }}|{{ x|safe|upper }}|{{ x|upper|safe }}|{{ x|default("<d>")|safe }}'
        "|{{ x|lower|escape }}|{{ x|default(3) }}|{{ x|escape|safe }}|{{ x|safe|escape }}"
        '|{{ x|escape|default("d") }}|{{ x|upper|default("d") }}',
    ),
    S(
        "filter_chains_text",
        '{{ x|escape|upper }}|{{ x|escape }}|{{ x|default("<d>")|safe }}',
        html=False,
    ),
    S("collections", "{{ tags }}|{{ user }}|{{ empty }}|{{ obj }}"),
    S(
        "loop_sources",
        "{% for k in obj %}[{{ k }}]{% else %}none{% endfor %}|{% for k in fz %}x{% else %}E{% endfor %}"
        '|{% for c in s %}[{{ c }}{% if c == "a" %}A{% endif %}{{ loop.index }}]{% endfor %}',
    ),
    S(
        "python_equality",
        "{% if flag == 1 %}one{% endif %}{% if flag == 0 %}zero{% endif %}{% if flag != 1 %}ne1{% endif %}"
        '{% if count == 3.0 %}c3{% endif %}{% if name == "" %}empty{% endif %}{% if count == "3" %}s3{% endif %}',
    ),
    S(
        "reserved_names",
        '{{ gt }}|{{ user.gt }}|{{ user["in"] }}|{{ user["a\\"b"] }}|{{ user["{x}"] }}'
        "|{% for gt in tags %}{{ gt }}{% endfor %}|{% for lt in obj %}{{ lt }}{% endfor %}",
    ),
    S("null_item", "{% for t in items %}[{{ t }}]{% if t %}T{% endif %}{% endfor %}"),
    S(
        "same_target",
        "{% for x in groups %}{% for x in x.items %}{{ x.name }}{{ loop.index }}{% endfor %}"
        "/{{ x.title }}{{ loop.index }};{% else %}{{ x }}{% endfor %}",
    ),
    S(
        "loop_var_conditions",
        "{% for t in tags %}{% if loop.index0 %}a{% endif %}{% if loop.index == 2 %}b{% endif %}"
        "{% if loop.first == 1 %}c{% endif %}{% if loop.last != 0 %}d{% endif %}"
        '{% if loop.index == "1" %}e{% endif %}{% if loop.index != "1" %}f{% endif %}'
        "{% if loop.first == 2 %}g{% endif %}{% if not loop.first and not loop.index0 == 5 %}h{% endif %}"
        '{{ loop.first }}{{ loop.last|upper }}{{ loop.index0|default("z") }};{% endfor %}',
    ),
    S(
        "logic",
        '{% if not (flag and name) %}A{% endif %}{% if not name == "Ann" %}B{% endif %}'
        "{% if flag or name and count == 3 %}C{% endif %}{% if (flag or name) and not count %}D{% endif %}",
    ),
    S(
        "ftl_in_literals",
        '{{ x|default("${a} #{b} [=c] \\\\ \\"q\\" {{") }}{% if x == "${y}" %}Y{% endif %}',
    ),
    S(
        "ftl_in_text",
        "{% raw %}a</#noparse>b[/#noparse]c<#-- d -->${e}<@f/>[#if g][@h/]</@i>[/@j] $</#noParse>"
        "{% endraw %}{{ x }}{% raw %}{x} #{% endraw %}{{ x }}",
    ),
    S(
        "ftl_in_text_plain",
        "{% raw %}a</#noparse>b<#--{% endraw %}{{ x }}{% raw %}$</#noparse>{% endraw %}",
        html=False,
    ),
    S("paths", '{{ lines[5].name }}|{{ lines[0]["name"] }}|{{ user.address["city"] }}'),
    S("case", "{{ x|upper }} {{ x|lower }}"),
    S("numbers", "{{ a }} {{ b }} {{ c }} {{ d }} {{ e }} {{ f }}"),
]
EXTRA_DATA: dict[str, dict[str, Any]] = {
    "rich": {
        "x": "<i>Tom & 'Jerry'</i>",
        "tags": ["a'b", 'q"', "t\\\n", 1, 4.5, True, None, {"k": [None]}],
        "user": {"gt": "G", "in": "I", 'a"b': "AB", "{x}": "X", "address": {"city": "C"}},
        "empty": [],
        "obj": {"k1": 1, "k2": None},
        "fz": 0,
        "s": "ab\nc👩‍👩‍👧 é",
        "flag": True,
        "count": 3,
        "name": "",
        "gt": "root-gt",
        "items": [None, "x", 0],
        "t": "OUTER",
        "groups": [
            {"title": "T", "items": [{"name": "a"}, {"name": "b"}]},
            {"title": "U", "items": []},
        ],
        "lines": [{"name": "n"}],
        "a": 1234567,
        "b": 0.1,
        "c": 12345678901234,
        "d": -2.5,
        "e": 0,
        "f": 1e-3,
    },
    "unicode": {
        "x": "İstanbul ß ΟΔΟΣ ﬁ ǅ istanbul",
        "flag": False,
        "count": 3.0,
        "name": None,
        "obj": {},
        "empty": {},
        "fz": "",
        "s": "",
        "items": [],
        "x2": 1,
    },
    "types": {
        "x": 0,
        "flag": 1,
        "count": "3",
        "name": "Ann",
        "fz": False,
        "tags": [],
        "groups": None,
    },
    "flags": {
        "x": "",
        "flag": 0,
        "count": True,
        "fz": {},
        "tags": ["x", "y", "z"],
        "obj": {"a": {}},
    },
    "strings": {"x": "</#noparse>${x}", "flag": "0", "tags": {}, "s": "<&>"},
    "null": {"x": None, "flag": None, "tags": None, "obj": None, "s": None},
    "true": {"x": True, "flag": True, "count": 1, "tags": [True, False]},
    "missing": {},
}


def test_beyond_the_corpus() -> None:
    require_engine(ENGINE)
    cases, mismatches = run("freemarker", ENGINE, sources=EXTRA, datasets=EXTRA_DATA)
    assert cases == len(EXTRA) * len(EXTRA_DATA)
    assert mismatches == []


def canonical(text: str) -> str:
    for pattern, spelling in ENTITY_ALIASES:
        text = pattern.sub(spelling, text)
    return text


def test_whitespace_is_kept_exactly() -> None:
    """The harness collapses whitespace; text parts must match the reference byte for byte."""
    require_engine(ENGINE)
    sources = [s for s in SOURCES if not s.html] + [
        S(
            "lines",
            "A\n  {% if flag %}\n  T\n  {% endif %}\n{% for t in tags %}\n- {{ t }}\n{% endfor %}\nB\n",
            html=False,
        ),
        S("lines_html", "<ul>\n  {% for t in tags %}\n  <li>{{ t }}</li>\n  {% endfor %}\n</ul>\n"),
    ]
    data = [DATASETS["basic"], DATASETS["missing"], DATASETS["empty_lists"]]
    cases = [
        {"template": compile_string(s.template, "freemarker", html=s.html), "data": d}
        for s in sources
        for d in data
    ]
    results = render_batch(ENGINE, cases)
    expected = [canonical(reference(s, d)) for s in sources for d in data]
    assert [canonical(r["output"]) if r["ok"] else r["error"] for r in results] == expected
    assert expected[-6] == "A\n  \n  T\n  \n\n- Ann\n\n- b\n\n- c\n\nB\n"


def test_escape_and_safe_print_null_as_empty() -> None:
    """FreeMarker cannot tell null from missing: both print "" under |escape and |safe."""
    require_engine(ENGINE)
    templates = [("<p>{{ x|escape }}|{{ x|safe }}|{{ x }}</p>", True), ("{{ x|escape }}", False)]
    cases = [
        {"template": compile_string(t, "freemarker", html=html), "data": {"x": x}}
        for t, html in templates
        for x in (None, "<b>")
    ]
    assert [r.get("output") for r in render_batch(ENGINE, cases)] == [
        "<p>||</p>",
        "<p>&lt;b&gt;|<b>|&lt;b&gt;</p>",
        "",
        "&lt;b&gt;",
    ]


# --- values in the reader's locale: format_date, format_currency, … ---------------------------


def test_formats_match_the_reference() -> None:
    require_engine(ENGINE)
    cases, mismatches = run_formats("freemarker", ENGINE)
    assert cases == 14 * 5 * 4  # sources × locales × data sets
    assert mismatches == []


def test_formats_match_whatever_the_configuration_says() -> None:
    require_engine(ENGINE)
    cases, mismatches = run_formats("freemarker", ENGINE, case_extra=HOSTILE)
    assert cases == 14 * 5 * 4
    assert mismatches == []


def test_format_edges_match_the_reference() -> None:
    """Exact decimals, and zones before their first rule (local mean time), DST, +14:00."""
    require_engine(ENGINE)
    cases, mismatches = run_format_edges("freemarker", ENGINE, "StopException: ")
    assert cases == 120
    assert mismatches == []


def test_bad_format_data_stops_with_the_reference_s_error() -> None:
    require_engine(ENGINE)
    assert format_errors("freemarker", ENGINE, "StopException: ") == []
    assert format_errors("freemarker", ENGINE, "StopException: ", case_extra=HOSTILE) == []


ZONES = [
    *("Europe/Paris", "America/New_York", "Asia/Kolkata", "Pacific/Kiritimati"),
    *("Europe/Amsterdam", "Asia/Kathmandu", "America/Sao_Paulo", "Australia/Lord_Howe"),
    *("Africa/Casablanca", "Europe/Dublin", "Asia/Tehran", "UTC"),
]
MOMENTS = [
    *("1850-06-01T12:00:00Z", "1890-06-01T12:00:00Z", "1900-06-01T12:00:00Z"),
    *("1920-06-01T12:00:00Z", "1937-06-01T12:00:00Z", "1970-06-01T12:00:00Z"),
    *("1995-06-01T12:00:00Z", "2026-03-29T01:30:00Z", "2026-10-25T00:59:59Z"),
    *("2037-06-01T12:00:00Z", "2099-12-31T23:59:59Z", "2100-06-01T12:00:00Z"),
    "2300-01-01T00:00:00Z",
]


def test_time_zones_follow_the_reference_s_zone_data_through_history() -> None:
    """Python's zone data and Java's disagree before 1900 (local mean time) and on some zones'
    history (Amsterdam 1916-1937, Kolkata in the 19th century): the offsets up to 2100 are the
    reference's, expanded at compile time; Java's after."""
    require_engine(ENGINE)
    keys = [(z, m) for z in ZONES for m in MOMENTS]
    cases = [
        {
            "template": compile_string(
                f'{{{{ d|format_datetime("yyyy-MM-dd HH:mm:ss EEE", "{z}") }}}}',
                "freemarker",
                html=False,
                inline_formats=True,
            ),
            "data": {"d": m},
        }
        for z, m in keys
    ]
    got = [r["output"] if r["ok"] else r["error"] for r in render_batch(ENGINE, cases)]
    expected = [
        format_value(m, "datetime", "yyyy-MM-dd HH:mm:ss EEE", "en-US", field="d", tz=z)
        for z, m in keys
    ]
    assert got == expected
    assert got[MOMENTS.index("1850-06-01T12:00:00Z")] == "1850-06-01 12:09:21 Sat"  # Paris LMT


# Beyond the corpus: every kind, width and field the expansion writes, patterns with a secondary
# grouping, a negative subpattern and a minimum of integer digits, zones with DST and odd
# offsets, in locales with other separators, digits of their own, scripts and 12-hour clocks.
FORMAT_LOCALES = [
    *("en-US", "en-IN", "hi-IN", "de-CH", "fa-IR", "he-IL", "th-TH", "zh-Hans-CN", "ko-KR"),
    *("ru-RU", "sv-SE", "es-ES", "pt-BR", "bn-BD", "my-MM", "sw-KE", "nl-NL", "it-IT", "tr-TR"),
    *("vi-VN", "ar-SA", "fr-CH", "ja-JP", "ur-PK", "am-ET", "km-KH", "lo-LA", "ca-ES", "cy-GB"),
    "ga-IE",
]
FORMAT_EXTRA = [
    S(
        "kinds",
        "{{ n|format_decimal }}|{{ n|format_percent }}|{{ n|format_currency('EUR') }}"
        "|{{ n|format_currency('INR') }}|{{ n|format_currency(c) }}",
        html=False,
    ),
    S(
        "patterns",
        "{{ n|format_decimal('#,##,##0.###') }}|{{ n|format_decimal('000.00') }}"
        "|{{ n|format_percent('#,##0.0%') }}|{{ n|format_currency('BHD', '¤¤ #,##0.00;(¤¤ #,##0.00)') }}"
        "|{{ n|format_decimal('#') }}",
        html=False,
    ),
    S(
        "dates",
        "{{ d|format_date('short') }}|{{ d|format_date('medium') }}|{{ d|format_date('long') }}"
        "|{{ d|format_date('full') }}|{{ d|format_date('EEEE d MMMM y G') }}"
        "|{{ d|format_date('yy-M-d LLL ccc') }}",
        html=False,
    ),
    S(
        "times",
        "{{ d|format_time('short') }}|{{ d|format_time('medium') }}|{{ d|format_time('h:mm:ss a K k') }}",
        html=False,
    ),
    S(
        "datetimes",
        "{{ d|format_datetime('short') }}|{{ d|format_datetime('medium', 'America/New_York') }}"
        "|{{ d|format_datetime('short', 'Asia/Kolkata') }}"
        "|{{ d|format_datetime('EEE d MMM y HH:mm', 'Europe/Paris') }}"
        "|{{ d|format_datetime('EEEE', 'Pacific/Kiritimati') }}",
        html=False,
    ),
    S(
        "loop",
        "{% for x in xs %}{{ loop.index|format_decimal }}:{{ x|format_percent|e }};{% endfor %}",
    ),
]
FORMAT_DATA: list[dict[str, Any]] = [
    {"n": 0, "c": "JPY", "d": "2026-01-05T00:07:09", "xs": [0.5, "1"]},
    {"n": -1234567.891, "c": "BHD", "d": "2024-02-29T12:30:00Z", "xs": []},
    {"n": "0.125", "c": "INR", "d": "1999-12-31T23:59:59-08:00"},
    {"n": "1234.5", "c": "XXX", "d": "2026-03-29T01:30:00+00:00"},
    {"n": -0.004, "c": "CHF", "d": "2026-10-25T00:59:59.999Z"},
    {"n": 98765432109876543210.98765, "c": "CLP", "d": "2000-02-29T12:00:00+14:00"},
    {"n": "-0", "c": "USD", "d": "1901-01-01T12:00:00", "xs": [None, 2]},
]


def test_formats_beyond_the_corpus_in_thirty_locales() -> None:
    require_engine(ENGINE)
    keys = [(s, loc, d) for loc in FORMAT_LOCALES for s in FORMAT_EXTRA for d in FORMAT_DATA]
    cases = [
        {
            "template": compile_string(
                s.template, "freemarker", html=s.html, locale=loc, inline_formats=True
            ),
            "data": d,
        }
        for s, loc, d in keys
    ]
    results = render_batch(ENGINE, cases)
    assert len(results) == 30 * 6 * 7
    mismatches = [
        (s.name, loc, d, expected, got)
        for (s, loc, d), r in zip(keys, results, strict=True)
        if (expected := entities(reference_for(s, loc, d)))
        != (got := entities(r["output"]) if r["ok"] else r["error"])
    ]
    assert mismatches == []


BAD_VALUES: list[Any] = [
    *("12,50", "1e3", " 12", True, "", [1], "2026-02-30", "12/10/2026", "2026-10-12", "9:05"),
    *("2026-10-12T24:00:00", "2026-10-12T10:00:00+02:60", "2026-10-12T10:00:00+24:00"),
    *("2026-10-12T10:00", 1760000000, "x" * 80, {"a": [None, 1.5, False]}, None),
]


def test_a_value_the_filter_cannot_read_stops_with_render_s_message() -> None:
    """The field, the value (JSON, cut at 60 characters) and the hint, as render says it."""
    require_engine(ENGINE)
    templates = {
        kind: compile_string(
            f"{{{{ o.x|{name} }}}}", "freemarker", html=False, locale="pl-PL", inline_formats=True
        )
        for kind, name in [
            ("decimal", "format_decimal"),
            ("percent", "format_percent"),
            ("date", "format_date"),
            ("datetime", "format_datetime"),
            ("time", "format_time"),
        ]
    }
    money = compile_string(
        "{{ o.x|format_currency(o.c) }}", "freemarker", locale="pl-PL", inline_formats=True
    )
    cases: list[dict[str, Any]] = []
    expected: list[str] = []
    for value in BAD_VALUES:
        for kind, template in templates.items():
            cases.append({"template": template, "data": {"o": {"x": value}}})
            expected.append(_render_says(value, kind))
        cases.append({"template": money, "data": {"o": {"x": "5", "c": value}}})
        expected.append(_render_says(5, "currency", value))
    results = render_batch(ENGINE, cases)
    assert [r["output"] if r["ok"] else r["error"] for r in results] == expected
    assert expected[:2] == [
        'StopException: o.x: "12,50" is not a number (hint: send a number such as 19.99 or "19.99")',
        'StopException: o.x: "12,50" is not a number (hint: send a number such as 0.25 or "0.25")',
    ]
    assert expected[-1] == (
        'StopException: o.c: null is not an ISO 4217 currency code (hint: send a code such as "EUR")'
    )
    assert expected[-2] == ""  # a missing value prints nothing


def _render_says(value: Any, kind: Any, code: Any = None) -> str:
    try:
        return format_value(
            value, kind, None, "pl-PL", field="o.x", currency=code, currency_field="o.c"
        )
    except FormatError as exc:
        return f"StopException: {exc}"


def test_a_format_freemarker_cannot_print_is_refused() -> None:
    with pytest.raises(TemplateError) as info:
        compile_string(
            '<p>\n  {{ at|format_datetime("full") }}',
            "freemarker",
            file="t.html",
            locale="de-DE",
            inline_formats=True,
        )
    assert str(info.value) == (
        "t.html:2:3: the freemarker target cannot express format_datetime in de-DE (a time zone "
        "field (zzzz), which needs CLDR's zone names) (hint: format the value in your data and "
        "print it as it is)"
    )


def test_a_format_is_the_locale_s_data_and_a_call() -> None:
    source = '{{ order.total|format_currency("EUR") }} {{ day|format_date("d MMM") }}'
    out = compile_string(source, "freemarker", html=False, locale="fr-FR", inline_formats=True)
    assert out.endswith(
        '><#assign tmplkit$fmt1 = {"kind": "currency", "bad": " is not a number (hint: send a '
        'number such as 19.99 or \\"19.99\\")", "texts": ["", "\u00a0€", "-", "\u00a0€"], '
        '"min_int": 1, "fraction": [2, 2], "grouping": [3, 3], "decimal": ",", "group": "\u202f", '
        '"scale": 1}\n'
        '><#assign tmplkit$fmt2 = {"kind": "date", "bad": " is not an ISO 8601 date (hint: send '
        'an ISO 8601 date such as \\"2026-10-12\\")", "parts": [{"field": "day", "pad": 1}, " ", '
        '{"field": "month_name", "names": ["janv.", "févr.", "mars", "avr.", "mai", "juin", '
        '"juil.", "août", "sept.", "oct.", "nov.", "déc."]}]}\n'
        '>${((order.total)??)?then(tmplkit$number(order.total, "order.total", tmplkit$fmt1), "")} '
        '${(day??)?then(tmplkit$when(day, "day", tmplkit$fmt2), "")}'
    )


# --- the emitted text ---------------------------------------------------------------------------


def emit(source: str, html: bool = True) -> str:
    return compile_string(source, "freemarker", html=html)


def test_emitted_template_is_readable_ftl() -> None:
    assert emit("<p>Hi {{ user.name }}, {{ nick|default('you') }}!</p>") == (
        '<#ftl output_format="HTML" strip_whitespace=false\n>'
        + FREEMARKER_STR
        + '<p>Hi ${tmplkit$str((user.name)!"")}, ${tmplkit$str(nick!"you")}!</p>'
    )
    assert emit(
        '{% if plan == "pro" and n != 3 %}P{% elif not flag %}-{% endif %}', html=False
    ) == (
        '<#ftl output_format="plainText" strip_whitespace=false\n>'
        "<#function tmplkit$truthy v\n"
        "><#return v?is_boolean?then(v, v?is_number?then(v != 0, v?has_content))></#function\n"
        '><#if (plan?? && plan?is_string && plan == "pro") && !(n?? && n?is_number && n == 3)>P'
        '<#elseif !tmplkit$truthy(flag!"")>-</#if>'
    )


def test_loops_use_list_else_and_loop_builtins() -> None:
    out = emit(
        "{% for l in order.lines %}{{ loop.index }}{% if loop.last %}.{% endif %}"
        "{% else %}none{% endfor %}"
    )
    assert out.endswith(
        "<#list tmplkit$list((order.lines)![]) as l$>${l$?counter?c}<#if l$?is_last>.</#if>"
        "<#else>none</#list>"
    )
    assert "<#function tmplkit$list v\n>" in out
    assert "tmplkit$str" not in out  # only the functions a template calls are defined


def test_upper_and_lower_fix_the_locale() -> None:
    assert emit("{{ x|upper }}", html=False).startswith(
        '<#ftl output_format="plainText" strip_whitespace=false\n><#setting locale="en_US"\n>'
    )
    assert "<#setting" not in emit("{{ x }}")


def test_text_with_ftl_syntax_is_noparse() -> None:
    assert emit("{% raw %}a ${b} c{% endraw %}", html=False).endswith(
        "<#noparse>a ${b} c</#noparse>"
    )
    assert emit("{% raw %}a</#noparse>b{% endraw %}", html=False).endswith(
        "<#noparse>a<</#noparse><#noparse>/#noparse>b</#noparse>"
    )
    assert emit("100% $5 #1 {x}", html=False).endswith(">100% $5 #1 {x}")
    assert emit("$", html=False) == '<#ftl output_format="plainText" strip_whitespace=false\n>$'


def test_safe_uses_no_esc_in_html_only() -> None:
    assert emit("{{ s|safe }}").endswith('${tmplkit$str(s!"")?no_esc}')
    assert emit("{{ s|safe }}", html=False).endswith('${tmplkit$str(s!"")}')
    assert emit("{{ s|escape }}", html=False).endswith('${tmplkit$str(s!"")?html}')


FREEMARKER_STR = (
    "<#function tmplkit$str v inner=false\n"
    "><#if v?is_string><#if !inner><#return v></#if\n"
    '><#local q = (v?contains("\'") && !v?contains("\\""))?then("\\"", "\'")\n'
    '><#return q + v?replace("\\\\", "\\\\\\\\")?replace(q, "\\\\" + q)\n'
    '  ?replace("\\n", "\\\\n")?replace("\\r", "\\\\r")?replace("\\t", "\\\\t") + q\n'
    '><#elseif v?is_boolean><#return inner?then(v?then("True", "False"), v?c)\n'
    "><#elseif v?is_number><#return v?string(\"0.####################;; decimalSeparator='.'\")\n"
    "><#elseif v?is_hash_ex><#local out = []\n"
    "><#list v as k$, x$\n"
    '  ><#local out += [tmplkit$str(k$, true) + ": " + (x$??)?then(tmplkit$str(x$, true), "None")]\n'
    "></#list\n"
    '><#return "{" + out?join(", ") + "}"\n'
    "><#elseif v?is_enumerable><#local out = []\n"
    '><#list v as x$><#local out += [(x$??)?then(tmplkit$str(x$, true), "None")]></#list\n'
    '><#return "[" + out?join(", ") + "]"\n'
    "></#if\n"
    "><#return v></#function\n"
    ">"
)


def test_the_documented_example_is_what_the_emitter_writes() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "targets" / "freemarker.md").read_text("utf-8")
    source = re.search(r"```jinja\n(.*?)```", doc, re.S)
    emitted = re.search(r"```ftl\n(.*?)```", doc, re.S)
    assert source and emitted
    assert emit(source.group(1)) == emitted.group(1)
    for helper in HELPERS.values():  # every function the emitter can write, verbatim
        assert helper[: -len("\n>")] in doc


# --- refusals and metadata ----------------------------------------------------------------------


def test_an_infinite_literal_is_refused_before_emitting() -> None:
    with pytest.raises(TemplateError) as info:
        compile_string("<p>\n  {% if x == 1e999 %}a{% endif %}", "freemarker", file="t.html")
    assert str(info.value) == (
        "t.html:2:11: the number inf is not portable (hint: compare with a finite number)"
    )


def test_metadata() -> None:
    assert get_emitter("freemarker") is FreemarkerEmitter
    assert FreemarkerEmitter.refuses == ()
    assert FreemarkerEmitter.helpers is None  # self-contained: nothing to register
    assert FreemarkerEmitter.summary.startswith("Apache FreeMarker")


# --- typed variables: FTL as a person writes it, no function (docs/targets/freemarker.md) ------

# The template and data of the handlebars typed test (one declaration, one draw of data sets),
# and comparisons, a URL and upper-casing, which FreeMarker also writes without a function.
TYPED_EXTRA = (
    '{% if order.note == "Ann" %}=Ann{% endif %}{% if order.note != "0" %}!=0{% endif %}'
    "{% if user.vip and order.lines %}VL{% endif %}{% if not user.points or not user.vip %}NP"
    '{% endif %}{% if order.note %}<a href="{{ order.note }}">x</a>{% endif %}'
    "{{ user.first_name|upper }}"
    '{{ user.first_name|default("<you>")|safe }}'
)
TYPED_FREEMARKER = (
    '<#ftl output_format="HTML" strip_whitespace=false\n>'
    "<h1>Hello ${user.first_name!}</h1>\n"
    '<p>${user.email!"no e-mail"} · ${(user.points?c)!"<none>"} points · '
    "${order.total?string(\"0.####################;; decimalSeparator='.'\")}</p>\n"
    "<#if user.vip!false><b>VIP</b><#elseif (user.points!0) != 0>"
    "<i>${(user.points?c)!} points</i><#else><i>new</i></#if>\n"
    '<#if !order.note?has_content><p>No note</p><#else><p class="note">${order.note!}</p>'
    "</#if>\n"
    '<#if !(user.vip!false)><a href="/upgrade">Upgrade</a></#if>\n'
    '<ul><#list order.lines![] as line><li title="${line.name!}">${(line.name!)?no_esc} × '
    "${(line.qty?c)!}<#if line.gift!false> (a gift from ${user.first_name!})</#if></li>"
    "<#else><li>No lines</li></#list></ul>"
)


def typed_sources() -> list[Source]:
    from tests.differential.test_handlebars import TYPED_CHAIN, TYPED_SOURCE

    return [
        Source("typed", TYPED_SOURCE),
        Source("typed_text", TYPED_SOURCE, html=False),
        Source("typed_chain", TYPED_CHAIN),
        Source("typed_extra", TYPED_EXTRA),
        Source("typed_extra_text", TYPED_EXTRA, html=False),
    ]


def test_a_typed_string_is_one_interpolation() -> None:
    source = "<p>{{ user.first_name }}</p>"
    typed = compile_string(source, "freemarker", declare={"user.first_name": "string"})
    assert typed == (
        '<#ftl output_format="HTML" strip_whitespace=false\n><p>${user.first_name!}</p>'
    )
    assert len(typed) == 77 < len(compile_string(source, "freemarker")) == 933
    # |safe is ?no_esc; an integer or a boolean prints with ?c (no locale grouping), a number
    # with every fraction digit (?c keeps 16: 0.1 + 0.2 would print 0.3) and `.` in any locale
    declare = {"s": "string", "i": "integer", "n": "number", "b": "boolean"}
    typed = compile_string("{{ s|safe }} {{ i }} {{ n }} {{ b }}", "freemarker", declare=declare)
    assert typed == (
        '<#ftl output_format="HTML" strip_whitespace=false\n>${(s!)?no_esc} ${i?c} '
        """${n?string("0.####################;; decimalSeparator='.'")} ${b?c}"""
    )


def test_a_typed_template_compiles_to_ftl_without_a_function() -> None:
    from tests.differential.test_handlebars import TYPED_DECLARATIONS, TYPED_SOURCE

    html = compile_string(TYPED_SOURCE, "freemarker", declare=TYPED_DECLARATIONS)
    assert html == TYPED_FREEMARKER
    text = compile_string(TYPED_SOURCE, "freemarker", html=False, declare=TYPED_DECLARATIONS)
    assert text == (
        TYPED_FREEMARKER.replace('"HTML"', '"plainText"')
        .replace("${order.note!}", "${(order.note!)?html}")  # |escape escapes in text too
        .replace("${(line.name!)?no_esc}", "${line.name!}")
    )
    extra = compile_string(TYPED_EXTRA, "freemarker", declare=TYPED_DECLARATIONS)
    assert extra == (
        '<#ftl output_format="HTML" strip_whitespace=false\n><#setting locale="en_US"\n>'
        + HELPERS["tmplkit$url"]
        + '<#if (order.note!) == "Ann">=Ann</#if><#if (order.note!) != "0">!=0</#if>'
        "<#if (user.vip!false) && order.lines?has_content>VL</#if>"
        "<#if !((user.points!0) != 0) || !(user.vip!false)>NP</#if>"
        '<#if order.note?has_content><a href="${tmplkit$url((order.note!), false, false)'
        '?then((order.note!), "about:invalid#tmplkit-unsafe-url")}">x</a></#if>'
        "${(user.first_name!)?upper_case}"
        '${(user.first_name!"<you>")?no_esc}'
    )
    assert "tmplkit$" not in html + text
    assert "tmplkit$str" not in extra and "tmplkit$truthy" not in extra


@pytest.mark.parametrize("extra", [{}, HOSTILE], ids=["stock", "hostile"])
def test_a_typed_template_renders_in_freemarker_as_tmplkit_renders_it(
    extra: dict[str, Any],
) -> None:
    require_engine(ENGINE)
    from tests.differential.test_handlebars import TYPED_DECLARATIONS, typed_datasets
    from tmplkit.template.parse import parse
    from tmplkit.variables import declare, infer

    sources = typed_sources()
    types = declare(infer([parse(s.template).body for s in sources]), TYPED_DECLARATIONS)
    datasets = {str(i): data for i, data in enumerate(typed_datasets())}
    assert [types.validate(data) for data in datasets.values()] == [[]] * 80  # all typed
    cases, mismatches = run(
        "freemarker",
        ENGINE,
        sources=sources,
        datasets=datasets,
        case_extra=extra,
        declare=TYPED_DECLARATIONS,
    )
    assert cases == len(sources) * 80
    for compiled in typed_compiled(sources):
        assert not re.search(r"tmplkit\$(str|truthy|list)\b", compiled)
    # a number prints every fraction digit: 0.1 + 0.2 is 0.30000000000000004, as in Python
    assert any(data["order"]["total"] == 0.1 + 0.2 for data in datasets.values())
    assert mismatches == []


def typed_compiled(sources: list[Source]) -> list[str]:
    from tests.differential.test_handlebars import TYPED_DECLARATIONS

    return [
        compile_string(s.template, "freemarker", html=s.html, declare=TYPED_DECLARATIONS)
        for s in sources
    ]


def test_docs_show_the_typed_example_the_emitter_writes() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "targets" / "freemarker.md").read_text("utf-8")
    section = doc[doc.index("## Typed variables") :]
    found = re.search(r"```jinja\n(.*?)\n```\n\n```text\n(.*?)\n```", section, re.S)
    assert found
    typed = compile_string(found.group(1), "freemarker", declare={"user.first_name": "string"})
    assert typed == found.group(2)


@pytest.mark.parametrize("kind", ["integer", "number"])
def test_a_typed_plural_count_is_tested_without_type_checks(kind: str) -> None:
    require_engine(ENGINE)
    source = Source(
        "typed_count",
        "<p>{% trans count=n %}{{ count }} item{% pluralize %}{{ count }} items{% endtrans %}</p>",
    )
    compiled = compile_string(source.template, "freemarker", declare={"n": kind})
    test = "n gte 0" if kind == "integer" else "n gte 0 && n == n?floor"
    assert f"<#if !({test})>" in compiled and "?is_number" not in compiled
    values = [0, 1, 2, -1, 1000000] + ([1.5, 3.0, 0.1 + 0.2, -2.5] if kind == "number" else [])
    results = render_batch(ENGINE, [{"template": compiled, "data": {"n": v}} for v in values])
    got = [r["output"] if r["ok"] else r["error"] for r in results]
    assert got == [reference(source, {"n": v}) for v in values]
