"""Mandrill and SendGrid print the values the sender formats: companion fields, exactly.

With `inline_formats`, a format filter in the mandrillhandlebars (or sendgrid) target prints a
companion field beside the value (targets/preformat.py), and `Compiled.preformat`
adds it to the recipient's data with the reference's own formatter. Proved here against the
engine: the format corpus (tests/differential/format_corpus.py) in every locale and data set,
its edge values and its bad values, compiled with `compile_parts`, the data passed through
`preformat`, rendered in handlebars.js through the model of each service's additions, equal
the reference exactly (entity spellings made one).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.differential import mandrill_model, sendgrid_model
from tests.differential.corpus import Source
from tests.differential.format_corpus import (
    BAD_FORMAT_DATA,
    EDGE_MOMENTS,
    EDGE_NUMBERS,
    FORMAT_DATASETS,
    FORMAT_EDGES,
    FORMAT_SOURCES,
    LOCALES,
    entities,
    reference_for,
)
from tests.engines import render_batch, require_engine
from tmplkit import compile_string
from tmplkit.compiler import Compiled, compile_parts
from tmplkit.errors import CompileError, RenderError
from tmplkit.i18n.formats import FormatError
from tmplkit.targets import get_emitter
from tmplkit.targets.preformat import FormattedField, naming

# target → the model of its additions to handlebars.js, as its own tests render it
MODELS = {
    "mandrillhandlebars": (mandrill_model.model, mandrill_model.MODEL_JS),
    "sendgrid": (lambda text: text, sendgrid_model.MODEL_JS),
}
TARGETS = list(MODELS)


@cache
def _directory() -> Path:
    import tempfile

    return Path(tempfile.mkdtemp(prefix="tmplkit-mandrill-formats-"))


@cache
def compiled(source: str, html: bool, target: str, locale: str) -> Compiled:
    """The source as a standalone file (`.html.j2` or `.txt.j2`), compiled with inline formats."""
    name = f"s{abs(hash((source, html))):x}.{'html' if html else 'txt'}.j2"
    path = _directory() / name
    path.write_text(source, "utf-8")
    return compile_parts(str(path), target, locale=locale, inline_formats=True)


def rendered(target: str, cases: list[tuple[Compiled, dict[str, Any]]]) -> list[str]:
    """Each compiled part (html, or text) rendered with the data `preformat` gives, in one
    handlebars.js process; a FormatError from `preformat` as `ERROR: message`."""
    to_model, helpers = MODELS[target]
    batch, results = [], []
    for compiled_, data in cases:
        text = compiled_.html if compiled_.html is not None else compiled_.text
        assert text is not None
        try:
            batch.append({"template": to_model(text), "data": compiled_.preformat(data)})
            results.append(None)
        except FormatError as exc:
            results.append(f"ERROR: {exc}")
    for case in batch:
        case["helpers"] = helpers
    out = iter(render_batch("handlebars", batch))
    return [
        result
        if result is not None
        else (lambda r: r["output"] if r["ok"] else "ERROR: " + r["error"])(next(out))
        for result in results
    ]


def expected(source: Source, locale: str, data: dict[str, Any]) -> str:
    try:
        return reference_for(source, locale, data)
    except RenderError as exc:
        return f"ERROR: {exc}"


# --- the format corpus, exactly -------------------------------------------------------------


def mismatches_of(
    target: str, sources: list[Source], locales: list[str], datasets: dict[str, dict[str, Any]]
) -> tuple[int, list[str]]:
    """Every source × locale × data set compiled to `target`, rendered through its model with
    the data the sender formats: how many cases, and where the output is not the reference's."""
    require_engine("handlebars")
    keys, cases = [], []
    for locale in locales:
        for source in sources:
            for name, data in datasets.items():
                keys.append((source, locale, name))
                cases.append((compiled(source.template, source.html, target, locale), data))
    got = rendered(target, cases)
    return len(cases), [
        f"{source.name} [{locale}] {name}:\n  expected {want!r}\n  got      {entities(g)!r}"
        for (source, locale, name), g in zip(keys, got, strict=True)
        if entities(g) != (want := entities(expected(source, locale, datasets[name])))
    ]


@pytest.mark.parametrize("target", TARGETS)
def test_the_format_corpus_prints_what_the_reference_prints(target: str) -> None:
    count, mismatches = mismatches_of(target, FORMAT_SOURCES, LOCALES, FORMAT_DATASETS)
    assert count == len(FORMAT_SOURCES) * len(LOCALES) * len(FORMAT_DATASETS) == 280
    assert mismatches == [], "\n".join(mismatches)


@pytest.mark.parametrize("target", TARGETS)
def test_exact_decimals_and_time_zones_print_what_the_reference_prints(target: str) -> None:
    """FORMAT_EDGES over its numbers and moments in five locales: every value printed as the
    reference prints it, every value the reference cannot read its FormatError, word for word
    (here, the integers past 2^53 too: the sender formats them, not JavaScript)."""
    require_engine("handlebars")
    keys, cases = [], []
    for locale in ("en-US", "fr-FR", "ar-EG", "hi-IN", "de-CH"):
        for source in FORMAT_EDGES:
            values = EDGE_NUMBERS if source.name == "numbers" else EDGE_MOMENTS
            for value in values:
                data = {"n": value, "c": "CHF", "d": value}
                keys.append((source, locale, data))
                cases.append((compiled(source.template, False, target, locale), data))
    got = rendered(target, cases)
    mismatches = [
        f"{source.name} [{locale}] {data['n']!r}:\n  expected {want!r}\n  got      {g!r}"
        for (source, locale, data), g in zip(keys, got, strict=True)
        if g != (want := expected(source, locale, data))
    ]
    assert len(cases) == 120
    assert sum(g.startswith("ERROR: ") for g in got) == 5  # "2024-02-29" is no time, × 5
    assert mismatches == [], "\n".join(mismatches)


@pytest.mark.parametrize("target", TARGETS)
def test_a_value_the_filter_cannot_read_is_the_reference_error_word_for_word(target: str) -> None:
    for source, data in BAD_FORMAT_DATA:
        with pytest.raises(RenderError) as reference:
            reference_for(Source("bad", source), "fr-FR", data)
        with pytest.raises(FormatError) as ours:
            compiled(source, True, target, "fr-FR").preformat(data)
        assert (str(ours.value), ours.value.hint) == (
            str(reference.value),
            reference.value.hint,
        ), source
    assert len(BAD_FORMAT_DATA) == 15


# Beyond the corpus: a formatted plural count, |safe and |e after a format, nested loops with a
# currency from the outer item and from the root, an index, a value under a URL's fixed scheme.
EXTRA_SOURCES = [
    Source(
        "plural_count",
        "<p>{% trans count=n|format_decimal %}{{ count }} item{% pluralize %}{{ count }} items"
        "{% endtrans %}</p>",
    ),
    Source("safe_and_e", "<p>{{ p|format_currency(c)|safe }}|{{ p|format_currency(c)|e }}</p>"),
    Source("text_e", '{{ d|format_date("d MMM y")|e }}', html=False),
    Source(
        "nested",
        "{% for g in gs %}<h2>{{ g.at|format_datetime('short', 'Asia/Tokyo') }}</h2>"
        "{% for l in g.ls %}{{ l.p|format_currency(g.c) }}/{{ l.p|format_currency(c) }};"
        "{% endfor %}{% endfor %}",
    ),
    Source("index", "<p>{{ gs[1].ls[0].p|format_percent }}</p>"),
    Source("url", '<a href="https://acme.example/{{ d|format_date }}">x</a>'),
]
EXTRA_DATA: dict[str, dict[str, Any]] = {
    "values": {
        "n": 1,
        "p": "1234.5",
        "c": "EUR",
        "d": "2026-10-12",
        "gs": [
            {"at": "2026-10-12T23:30:00Z", "c": "JPY", "ls": [{"p": 3.5}, {"p": None}]},
            {"at": "2026-01-01T00:00:00", "c": "CHF", "ls": [{"p": "-0.5"}]},
        ],
    },
    "plural": {"n": 1234.5, "p": 0, "c": "USD", "d": "1999-12-31", "gs": [{"ls": []}]},
    "missing": {"gs": [{}, {"ls": [{}]}]},
}


@pytest.mark.parametrize("target", TARGETS)
def test_more_formats_print_what_the_reference_prints(target: str) -> None:
    locales = ["en-US", "fr-FR", "ar-EG"]
    count, mismatches = mismatches_of(target, EXTRA_SOURCES, locales, EXTRA_DATA)
    assert count == 3 * len(EXTRA_SOURCES) * len(EXTRA_DATA) == 54
    assert mismatches == [], "\n".join(mismatches)


# --- the companion fields: names, the warning, the JSON, preformat --------------------------


def formatted_of(source: str, target: str = "mandrillhandlebars") -> Compiled:
    return compiled(source, True, target, "en-US")


def test_a_companion_sits_beside_the_value_in_the_same_object() -> None:
    source = (
        '<p>{{ order.placed_on|format_date("long") }}</p>'
        "{% for line in order.lines %}{{ line.price|format_currency(order.currency) }}"
        "{% endfor %}"
    )
    result = formatted_of(source)
    assert result.html == (
        "<p>{{this.order.placed_on__date_long}}</p>{{#each this.order.lines}}"
        "{{this.price__currency_order_currency}}{{/each}}"
    )
    assert [(f.path, f.value, f.holds) for f in result.formatted] == [
        ("order.placed_on__date_long", "order.placed_on", 'format_date("long") of order.placed_on'),
        (
            "order.lines[].price__currency_order_currency",
            "order.lines[].price",
            "format_currency(order.currency) of order.lines[].price",
        ),
    ]


@pytest.mark.parametrize(
    ("source", "key"),
    [
        ("{{ n|format_number }}", "n__decimal"),
        ("{{ n|format_decimal }}", "n__decimal"),
        ('{{ n|format_decimal("#,##0.00") }}', "n__decimal__0_00"),
        ("{{ r|format_percent }}", "r__percent"),
        ('{{ p|format_currency("EUR") }}', "p__currency_EUR"),
        ('{{ p|format_currency("EUR", "#,##0.00 ¤") }}', "p__currency__0_00__EUR"),
        ("{{ p|format_currency(o.cur) }}", "p__currency_o_cur"),
        ("{{ d|format_date }}", "d__date"),
        ('{{ d|format_date("d MMMM y") }}', "d__date_d_MMMM_y"),
        ('{{ t|format_time("short") }}', "t__time_short"),
        ('{{ m|format_datetime("short", "Europe/Paris") }}', "m__datetime_short_Europe_Paris"),
        ('{{ m|format_datetime(tz="America/New_York") }}', "m__datetime_America_New_York"),
        ('{{ a["unit-price"]|format_decimal }}', "unit_price__decimal"),
    ],
)
def test_the_companion_key(source: str, key: str) -> None:
    (field,) = formatted_of(source).formatted
    assert field.key == key
    assert formatted_of(source).html == "{{this." + field.path + "}}"


def test_a_second_spec_with_the_same_key_takes_a_number() -> None:
    result = formatted_of(
        '{{ n|format_decimal("0.00") }} {{ n|format_decimal("0,00") }} '
        '{{ n|format_decimal("0.00") }} {{ n|format_decimal("0;00") }}'
    )
    assert result.html == (
        "{{this.n__decimal_0_00}} {{this.n__decimal_0_00_2}} {{this.n__decimal_0_00}} "
        "{{this.n__decimal_0_00_3}}"
    )
    assert result.preformat({"n": 1234.5}) == {
        "n": 1234.5,
        "n__decimal_0_00": "1234.50",
        "n__decimal_0_00_2": "12,34",  # grouping by two, no fraction
        "n__decimal_0_00_3": "1234",  # "0", and "00" for negative numbers
    }


def test_each_part_reads_the_same_companions_and_warns_once_naming_them(tmp_path: Path) -> None:
    draft = tmp_path / "note.html.j2"
    draft.write_text(
        "<p>{{ order.total|format_currency(order.currency)|e }} "
        "{{ order.total|format_currency(order.currency) }}</p>"
        '{% for l in order.lines %}{{ l.at|format_datetime("short", "Europe/Paris") }}'
        "{% endfor %}",
        "utf-8",
    )
    result = compile_parts(str(draft), "mandrillhandlebars", inline_formats=True)
    assert result.warnings == (
        f"{draft}: the mandrillhandlebars target prints values the sender formats: "
        "order.total__currency_order_currency (format_currency(order.currency) of order.total), "
        'order.lines[].at__datetime_short_Europe_Paris (format_datetime("short", "Europe/Paris") '
        "of order.lines[].at) (hint: add them with Compiled.preformat(data), "
        "docs/targets/handlebars.md#formats-in-mandrill)",
    )
    sendgrid = compile_parts(str(draft), "sendgrid", inline_formats=True)
    assert sendgrid.warnings[0].startswith(
        f"{draft}: the sendgrid target prints values the sender formats: "
        "order.total__currency_order_currency ("
    )
    assert sendgrid.warnings[0].endswith(
        "(hint: add them with Compiled.preformat(data), "
        "docs/targets/sendgrid.md#formats-the-sender-sends)"
    )


def test_one_compile_names_its_companions_once_for_all_its_parts() -> None:
    """The parts of one compile (compile_sources opens `naming()` around them) share the names:
    a spec the HTML part numbered keeps its number in the text part, whatever that one prints."""
    with naming() as companions:
        html = compile_string(
            '<p>{{ n|format_decimal("0.00") }} {{ n|format_decimal("0,00") }}</p>',
            "mandrillhandlebars",
            inline_formats=True,
        )
        text = compile_string(
            '{{ n|format_decimal("0,00") }}', "mandrillhandlebars", html=False, inline_formats=True
        )
    assert (html, text) == (
        "<p>{{this.n__decimal_0_00}} {{this.n__decimal_0_00_2}}</p>",
        "{{{this.n__decimal_0_00_2}}}",
    )
    assert [f.path for f in companions.fields] == ["n__decimal_0_00", "n__decimal_0_00_2"]
    # Outside a compile, each emitter names its own.
    assert compile_string(
        '{{ n|format_decimal("0,00") }}', "mandrillhandlebars", inline_formats=True
    ) == ("{{this.n__decimal_0_00}}")


def test_the_json_lists_the_companions_only_where_there_are_some() -> None:
    result = formatted_of('{% for l in ls %}{{ l.p|format_currency(l.c, "#,##0.00") }}{% endfor %}')
    assert result.to_json()["formatted"] == [
        {
            "path": "ls[].p__currency__0_00_l_c",
            "value": "ls[].p",
            "filter": "format_currency",
            "format": "#,##0.00",
            "currency": None,
            "currencyPath": "ls[].c",
            "tz": None,
            "locale": "en-US",
        }
    ]
    assert "formatted" not in formatted_of("<p>{{ n }}</p>").to_json()
    assert "formatted" not in compiled("{{ n|format_decimal }}", True, "jinja", "en-US").to_json()


def test_preformat_adds_each_companion_and_leaves_the_data_as_it_was() -> None:
    result = compiled(
        '{{ order.placed_on|format_date("long") }}{% for line in order.lines %}'
        "{{ line.price|format_currency(order.currency) }}{% endfor %}",
        True,
        "mandrillhandlebars",
        "fr-FR",
    )
    data = {
        "order": {
            "placed_on": "2026-10-12",
            "currency": "EUR",
            "lines": [{"price": 49}, {"price": None}, {}, "x", {"price": "1234.5"}],
        }
    }
    before = json.loads(json.dumps(data))
    assert result.preformat(data) == {
        "order": {
            "placed_on": "2026-10-12",
            "currency": "EUR",
            "placed_on__date_long": "12 octobre 2026",
            "lines": [
                {"price": 49, "price__currency_order_currency": "49,00\u00a0€"},
                {"price": None},  # null: no companion, Mandrill prints nothing, as the reference
                {},
                "x",
                {"price": "1234.5", "price__currency_order_currency": "1\u202f234,50\u00a0€"},
            ],
        }
    }
    assert data == before
    # A companion the data already has, for a value that is now null, is removed.
    stale = {"order": {"placed_on": None, "placed_on__date_long": "old"}}
    assert result.preformat(stale) == {"order": {"placed_on": None}}
    assert result.preformat({}) == {}


def test_a_currency_is_read_where_the_template_reads_it() -> None:
    result = formatted_of(
        "{% for g in groups %}{% for l in g.lines %}"
        "{{ l.p|format_currency(g.cur) }}/{{ l.p|format_currency(l.cur) }}/"
        "{{ l.p|format_currency(cur) }};{% endfor %}{% endfor %}"
    )
    data = {
        "cur": "JPY",
        "groups": [
            {"cur": "EUR", "lines": [{"p": 1, "cur": "USD"}]},
            {"cur": "GBP", "lines": [{"p": 2, "cur": "CHF"}, {"p": 3, "cur": "USD"}]},
        ],
    }
    assert [f.path for f in result.formatted] == [
        "groups[].lines[].p__currency_g_cur",
        "groups[].lines[].p__currency_l_cur",
        "groups[].lines[].p__currency_cur",
    ]
    lines = [line for group in result.preformat(data)["groups"] for line in group["lines"]]
    assert [
        (line["p__currency_g_cur"], line["p__currency_l_cur"], line["p__currency_cur"])
        for line in lines
    ] == [("€1.00", "$1.00", "¥1"), ("£2.00", "CHF2.00", "¥2"), ("£3.00", "$3.00", "¥3")]


def test_an_index_the_template_reads_is_the_only_item_formatted() -> None:
    result = formatted_of("{{ lines[1].p|format_decimal }}")
    assert result.html == "{{this.lines.[1].p__decimal}}"
    assert [f.path for f in result.formatted] == ["lines[1].p__decimal"]
    assert result.preformat({"lines": [{"p": "bad"}, {"p": 2000}]}) == {
        "lines": [{"p": "bad"}, {"p": 2000, "p__decimal": "2,000"}]
    }


# --- what the convention cannot carry, and the refusal without the flag ---------------------

HINT_NOT_A_FIELD = (
    "(hint: the formatted text is sent beside the value, in the object that holds it; make each "
    'item an object ({"value": …}) and format its field)'
)
REFUSALS = [
    (
        "{% for n in ns %}{{ n|format_decimal }}{% endfor %}",
        "t.html:1:18: the {target} target cannot express a format filter on a value that is not "
        f"a field of an object {HINT_NOT_A_FIELD}",
    ),
    (
        "{{ ns[0]|format_decimal }}",
        "t.html:1:1: the {target} target cannot express a format filter on a value that is not "
        f"a field of an object {HINT_NOT_A_FIELD}",
    ),
    (
        "{% for l in ls %}{{ loop.index0|format_decimal }}{% endfor %}",
        "t.html:1:18: the {target} target cannot express a format filter on a loop variable "
        "(hint: loop.index0 is not in the data; send the number formatted in a field of each "
        "item and print that field)",
    ),
    (
        "{% for g in gs %}{% for l in ls %}{{ l.p|format_currency(g.cur) }}{% endfor %}"
        "{% endfor %}",
        "t.html:1:35: the {target} target cannot express a format filter with a currency from "
        "another loop (hint: the formatted text is sent once beside the value, but g changes "
        "where the value does not; read the currency from the value's own item or from the "
        "data's root)",
    ),
    (
        "{% for g in gs %}{{ total|format_currency(g.cur) }}{% endfor %}",
        "t.html:1:18: the {target} target cannot express a format filter with a currency from "
        "another loop (hint: the formatted text is sent once beside the value, but g changes "
        "where the value does not; read the currency from the value's own item or from the "
        "data's root)",
    ),
]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize(("source", "message"), REFUSALS)
def test_what_a_companion_cannot_carry_is_refused_in_one_line(
    source: str, message: str, target: str
) -> None:
    with pytest.raises(CompileError) as info:
        compile_string(source, target, file="t.html", inline_formats=True)
    assert str(info.value) == message.replace("{target}", target)
    assert info.value.construct in get_emitter(target).refuses


@pytest.mark.parametrize(
    ("target", "why"),
    [
        ("mandrillhandlebars", "Mandrill cannot register helpers"),
        ("sendgrid", "SendGrid's formatDate has its own English-only tokens, not CLDR's"),
    ],
)
def test_without_the_flag_every_format_filter_is_refused_and_the_hint_names_it(
    target: str, why: str
) -> None:
    with pytest.raises(CompileError) as info:
        compile_string("<p>{{ v|format_date }}</p>", target, file="t.html", locale="pl-PL")
    assert str(info.value) == (
        f"t.html:1:4: the {target} target cannot express format_date in pl-PL ({why}) (hint: "
        "format the value in your data and print it as it is, or pass --inline-formats to make "
        "the template read values the sender formats)"
    )


def test_formatted_field_is_what_compiled_holds() -> None:
    (field,) = formatted_of("{{ n|format_percent }}").formatted
    assert isinstance(field, FormattedField)
    assert (field.path, field.value, field.format.kind, field.locale) == (
        "n__percent",
        "n",
        "percent",
        "en-US",
    )
