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
from tests.differential.test_ampscript import Model, RaisedError
from tmplkit import RenderError, compile_string
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
