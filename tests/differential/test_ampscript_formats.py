"""Format filters in the ampscript target (--inline-formats): the formatting corpus, its edges
and its bad values rendered by the model of test_ampscript.py equal to the reference exactly,
from the attributes of the data convention (`attributes`) and from the sender's typed row
(`sendable_row`)."""

from __future__ import annotations

from typing import Any

import pytest

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
from tests.differential.test_ampscript import Model, RaisedError, precedence_dependent
from tests.differential.test_liquid import BAD_VALUES as LIQUID_BAD_VALUES
from tests.differential.test_liquid import FORMAT_EDGES as LIQUID_EDGES
from tests.differential.test_liquid import SWEEP_DATA, SWEEP_SOURCES
from tests.differential.test_liquid import _babel_locales as babel_locales
from tmplkit import CompileError, RenderError, compile_string
from tmplkit.targets.ampscript import attributes, sendable_row

EDGE_LOCALES = ("en-US", "fr-FR", "ar-EG", "hi-IN", "de-CH")
# The types of the corpus's values, each of which may be missing (a decimal string is a number
# the sender sends as its text).
OPTIONAL = {"type": "number", "required": False}
DECLARE: dict[str, Any] = {
    **dict.fromkeys(("n", "ratio", "price", "lines[].price"), OPTIONAL),
    "currency": "string",
    "c": "string",
    "day": "date",
    "moment": "datetime",
    "d": "string",
    "lines": "list",
    "lines[]": {"type": "object", "required": True},
}


def amp(source: Source, locale: str, typed: bool) -> str:
    """The source compiled to ampscript with --inline-formats; `typed`: with DECLARE's types."""
    return compile_string(
        source.template,
        "ampscript",
        html=source.html,
        file=source.name,
        locale=locale,
        inline_formats=True,
        declare=DECLARE if typed else None,
    )


def run(template: str, data: dict[str, Any], typed: bool) -> str:
    """The model's output, or `ERROR: ` and the message of the RaiseError that stopped it."""
    try:
        return Model(sendable_row(data) if typed else attributes(data)).run(template)
    except RaisedError as exc:
        assert exc.skip_send  # the subscriber is skipped, the send goes on
        return "ERROR: " + exc.message


def expected(source: Source, locale: str, data: dict[str, Any]) -> str:
    try:
        return reference_for(source, locale, data)
    except RenderError as exc:
        return f"ERROR: {exc}"


@pytest.mark.parametrize("typed", [False, True], ids=["attributes", "typed"])
def test_the_formatting_corpus_renders_like_the_reference(typed: bool) -> None:
    cases, mismatches = 0, []
    for locale in LOCALES:
        for source in FORMAT_SOURCES:
            template = amp(source, locale, typed)
            for name, data in FORMAT_DATASETS.items():
                cases += 1
                want = entities(expected(source, locale, data))
                got = entities(run(template, data, typed))
                if got != want:
                    mismatches.append(f"{source.name} [{locale}] {name}: {want!r} != {got!r}")
    assert cases == len(LOCALES) * len(FORMAT_SOURCES) * len(FORMAT_DATASETS) == 280
    assert mismatches == [], "\n".join(mismatches)


def test_no_format_code_depends_on_not_s_precedence() -> None:
    """Every NOT the format filters' code writes stands alone (IF NOT Empty(@t) THEN): none is
    followed by an AND or an OR, which ampscript-core's grammar would take into its operand."""
    compiled = [
        amp(source, locale, typed)
        for locale in LOCALES
        for source in FORMAT_SOURCES
        for typed in (False, True)
    ]
    assert [text for source in compiled for text in precedence_dependent(source)] == []


@pytest.mark.parametrize("typed", [False, True], ids=["attributes", "typed"])
def test_the_format_edges_render_like_the_reference(typed: bool) -> None:
    """Exact decimals (half to even on the digits, exponents, -0) and time zones (changes,
    skipped hours, local mean time, +14:00) in five locales, errors included."""
    cases, mismatches = 0, []
    for locale in EDGE_LOCALES:
        for source in FORMAT_EDGES:
            template = amp(source, locale, typed)
            values = EDGE_NUMBERS if source.name == "numbers" else EDGE_MOMENTS
            for value in values:
                data = {"n": value, "c": "CHF", "d": value}
                cases += 1
                want, got = expected(source, locale, data), run(template, data, typed)
                if got != want:
                    mismatches.append(f"{source.name} [{locale}] {value!r}:\n {want!r}\n {got!r}")
    assert cases == len(EDGE_LOCALES) * (len(EDGE_NUMBERS) + len(EDGE_MOMENTS)) == 120
    assert mismatches == [], "\n".join(mismatches)


# The one value of BAD_FORMAT_DATA whose text AMPscript does not have as JSON: a list reaches
# it as the text the reference prints (docs/targets/ampscript.md, "Format filters").
LIST_SHOWN = "n: [1, {'a': 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…"


def test_values_the_reference_cannot_read_raise_its_error() -> None:
    """Each BAD_FORMAT_DATA case stops the message with RaiseError and the reference's
    FormatError word for word, from the attributes; a list shows as AMPscript has it."""
    got, want = [], []
    for template, data in BAD_FORMAT_DATA:
        source = Source("bad", template)
        want.append(expected(source, "fr-FR", data))
        got.append(run(amp(source, "fr-FR", typed=False), data, typed=False))
    differ = [(w, g) for w, g in zip(want, got, strict=True) if w != g]
    assert [g.split(" is not ")[0] for _, g in differ] == ["ERROR: " + LIST_SHOWN]
    assert differ[0][0].startswith('ERROR: n: [1, {"a": "xxxxxxxx')
    assert len(want) == 15 and all(w.startswith("ERROR: ") for w in want)


def test_a_typed_value_shows_as_its_declared_type() -> None:
    """From the sender's row, a value's type is its declaration's: a string is quoted, a
    number and a boolean are not; an empty attribute is a missing value (prints nothing)."""
    declare = {"s": "string", "n": "number", "b": "boolean", "c": "string"}
    template = compile_string(
        "{{ s|format_decimal }}{{ n|format_date }}{{ b|format_percent }}{{ n|format_currency(c) }}",
        "ampscript",
        html=False,
        locale="en-US",
        inline_formats=True,
        declare=declare,
    )
    assert run(template, {"s": "1,5"}, typed=True) == (
        'ERROR: s: "1,5" is not a number (hint: send a number such as 19.99 or "19.99")'
    )
    assert run(template, {"n": 5}, typed=True) == (
        'ERROR: n: 5 is not an ISO 8601 date (hint: send an ISO 8601 date such as "2026-10-12")'
    )
    assert run(template, {"b": True}, typed=True) == (
        'ERROR: b: true is not a number (hint: send a number such as 0.25 or "0.25")'
    )
    assert run(template, {}, typed=True) == ""
    assert run(template, {"s": ""}, typed=True) == ""  # the reference: "" is not a number


def run_table(table: list[tuple[str, str, list[Any]]]) -> tuple[list[str], list[Any]]:
    """Each (template printing `v`, locale, values) of a test_liquid.py table compiled from
    the attributes: the reference's outputs, and the values the model prints otherwise."""
    wants, mismatches = [], []
    for src, locale, values in table:
        source = Source("v", src, html=False)
        template = amp(source, locale, typed=False)
        for value in values:
            wants.append(expected(source, locale, {"v": value}))
            if run(template, {"v": value}, typed=False) != wants[-1]:
                mismatches.append(value)
    return wants, mismatches


def test_the_liquid_edges_render_like_the_reference() -> None:
    """test_liquid.py's edges (rounding, huge and tiny floats, years 1 to 9999, time zones up
    to 2099, names of weekdays and months, 12- and 24-hour clocks) from the attributes."""
    wants, mismatches = run_table(LIQUID_EDGES)
    assert len(wants) == 90
    assert mismatches == []


def test_the_liquid_bad_values_raise_the_reference_s_error() -> None:
    """test_liquid.py's unreadable values (Liquid prints nothing for them): the reference's
    error word for word, but for an object, named as AMPscript has its text ({'a': 1})."""
    wants, mismatches = run_table(LIQUID_BAD_VALUES)
    assert len(wants) == 51 and all(w.startswith("ERROR: ") for w in wants)
    assert mismatches == [{"a": 1}]


@pytest.mark.parametrize(
    ("src", "why"),
    [
        ('{{ m|format_time("full") }}', "a time zone field (zzzz), which needs CLDR's zone names"),
        ('{{ n|format_decimal("@@#") }}', "a scientific or significant-digits pattern"),
        (
            '{{ n|format_currency("EUR", "#,##0.00 ¤¤¤") }}',
            "a currency's name (¤¤¤), which changes with the amount",
        ),
        ('{{ m|format_date("QQQ y") }}', "quarters (QQQ)"),
    ],
)
def test_what_liquid_refuses_is_refused_in_one_line(src: str, why: str) -> None:
    with pytest.raises(CompileError) as info:
        compile_string(src, "ampscript", file="t.html", locale="fr-FR", inline_formats=True)
    name = src.split("|")[1].split("(")[0]
    assert str(info.value) == (
        f"t.html:1:1: the ampscript target cannot express {name} in fr-FR ({why}) "
        "(hint: format the value in your data and print it as it is)"
    )


def test_a_time_zone_converts_up_to_2100_and_raises_an_error_after() -> None:
    """The zone's table (formats.zone_table) covers instants before 2100-01-01T00:00Z; past it
    the reference goes on, AMPscript stops the message with an error that says so."""
    source = Source("tz", '{{ v|format_datetime("y-MM-dd HH:mm", "Europe/Paris") }}', html=False)
    template = amp(source, "en-US", typed=False)
    values = ("2099-12-31T23:59:59Z", "2100-01-01T00:00:00Z")
    assert [expected(source, "en-US", {"v": v}) for v in values] == [
        "2100-01-01 00:59",
        "2100-01-01 01:00",
    ]
    assert [run(template, {"v": v}, typed=False) for v in values] == [
        "2100-01-01 00:59",
        'ERROR: v: "2100-01-01T00:00:00Z" is past 2099, where the ampscript target\'s offsets '
        "of Europe/Paris end (hint: format the value in your data and print it as it is)",
    ]


def test_the_currency_tables_come_once_at_the_top() -> None:
    out = compile_string(
        "{% for l in ls %}{{ l.p|format_currency(c) }}{% endfor %}{{ t|format_currency(c) }}",
        "ampscript",
        locale="fr-FR",
        inline_formats=True,
    )
    assert out.startswith('%%[ SET @tk_f_codes = ",ADP,AED,')
    assert out.count("SET @tk_f_symbols = ") == 1 and "|USD=$US|" in out and ",JPY=0," in out
    assert " ]%%%%[ SET @tk_rows1 = " in out  # the tables' block, then the loop's


def test_a_formatted_value_goes_through_its_filters() -> None:
    src = '{{ d|format_date("MMM")|e }}|{{ d|format_date("MMM")|safe }}|{{ n|format_number }}'
    template = amp(Source("f", src), "fr-FR", typed=False)
    data = {"d": "2026-02-01", "n": 1}
    assert run(template, data, typed=False) == expected(Source("f", src), "fr-FR", data)
    assert run(template, data, typed=False) == "févr.|févr.|1"


def test_a_sample_of_all_locales_renders_like_the_reference() -> None:
    """Every 25th of Babel's locales: its own number, percent and currency formats and every
    date, time and datetime width (those without a time zone's name), from the attributes."""
    cases, failures = 0, []
    for locale in babel_locales()[::25]:
        for src in SWEEP_SOURCES:
            source = Source("sweep", src)
            try:
                template = amp(source, locale, typed=False)
            except CompileError as exc:
                assert "(a time zone field (" in str(exc), exc
                continue
            for data in SWEEP_DATA:
                cases += 1
                want, got = expected(source, locale, data), run(template, data, typed=False)
                if got != want:
                    failures.append(f"{src} [{locale}] {data}: {want!r} != {got!r}")
    assert cases > 1000  # 1,188 with Babel 2.18
    assert failures == [], "\n".join(failures[:20])


def test_a_scalar_is_a_number_when_its_text_is_one() -> None:
    source = Source("scalar", "{{ x|format_percent }}", html=False)
    template = compile_string(
        source.template,
        "ampscript",
        html=False,
        locale="de-DE",
        inline_formats=True,
        declare={"x": "scalar"},
    )
    for value in (1e-07, 1.2345678901234568e19, "0.125", "abc"):
        data = {"x": value}
        assert run(template, data, typed=True) == expected(source, "de-DE", data), value
    assert run(template, {"x": "abc"}, typed=True).startswith('ERROR: x: "abc" is not a number')


@pytest.mark.parametrize(
    ("src", "data"),
    [
        ("{% for x in xs %}{{ loop.index|format_percent }};{% endfor %}", {"xs": [1, 2]}),
        ("{% for x in xs %}{{ loop.first|format_number }}{% endfor %}", {"xs": [1, 2]}),
        (
            '<a href="{{ n|format_number }}">x</a><a href="{{ d|format_date }}/x">',
            {"n": 12345, "d": "2026-01-02"},
        ),
        (
            "{{ o.p|format_currency(o.c) }}|{{ o.p|format_currency(o.c) }}",
            {"o": {"p": 3, "c": "EUR"}},
        ),
        ("5%{{ n|format_percent }}%", {"n": 0.5}),
    ],
)
def test_loop_variables_urls_and_neighbours_format_like_the_reference(
    src: str, data: dict[str, Any]
) -> None:
    source = Source("t", src)
    assert run(amp(source, "fr-FR", typed=False), data, typed=False) == expected(
        source, "fr-FR", data
    )
