"""Values in the reader's locale (tmplkit.i18n.formats): the format_* filters read, format and
refuse exactly as documented, through the parser, the jinja target and render."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from babel import Locale, localedata
from babel import dates as babel_dates
from babel import numbers as babel_numbers

import tmplkit
from tmplkit import compile_string
from tmplkit.errors import TemplateError
from tmplkit.i18n import formats
from tmplkit.i18n.formats import (
    WIDTHS,
    DateSpec,
    FormatError,
    NumberSpec,
    Unsupported,
    currency_table,
    date_spec,
    format_value,
    formatter,
    is_rtl,
    number_spec,
)
from tmplkit.targets.jinja import environment
from tmplkit.template.parse import parse

FIVE = ("fr-FR", "de-DE", "pl-PL", "ja-JP", "ar-EG")
# Locales whose CLDR data differ in every way that matters: separators, digits of grouping,
# currency placement, 12/24 hours, right-to-left marks, scripts of month names.
LOCALES = (*FIVE, "en-US", "en-IN", "he-IL", "fa-IR", "hi-IN", "de-CH", "nl-NL", "zh-Hans-CN")


def fmt(value: Any, kind: Any, locale: str, form: str | None = None, **kw: Any) -> str:
    return format_value(value, kind, form, locale, field="x", **kw)


# --- the reference is Babel's own functions ------------------------------------------------------

NUMBERS = [0, 1, -1, 7, 1000, 12345.678, -0.5, 0.125, 2.675, 1234567.891, "19.99", "-0.005"]
MOMENTS = ["2026-10-12T14:30:05", "2024-02-29T00:00:00Z", "1999-12-31T23:59:59+05:30"]


@pytest.mark.parametrize("locale", LOCALES)
def test_numbers_format_as_babel_formats_them(locale: str) -> None:
    babel = locale.replace("-", "_")
    for n in NUMBERS:
        exact = Decimal(repr(n)) if isinstance(n, float) else Decimal(n)
        assert fmt(n, "decimal", locale) == babel_numbers.format_decimal(exact, locale=babel)
        assert fmt(n, "percent", locale) == babel_numbers.format_percent(exact, locale=babel)
        for code in ("EUR", "USD", "JPY", "BHD"):
            expected = babel_numbers.format_currency(exact, code, locale=babel)
            assert fmt(n, "currency", locale, currency=code) == expected
        for pattern in ("#,##0.00", "0.0##", "#,##0.0 %"):
            assert fmt(n, "decimal", locale, pattern) == babel_numbers.format_decimal(
                exact, pattern, locale=babel
            )


@pytest.mark.parametrize("locale", LOCALES)
def test_dates_and_times_format_as_babel_formats_them(locale: str) -> None:
    babel = locale.replace("-", "_")
    for text in MOMENTS:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        for width in ("short", "medium", "long", "full", "d MMMM y, EEEE", "HH 'h' mm a"):
            if "E" not in width:
                aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
                assert fmt(text, "time", locale, width) == babel_dates.format_time(
                    aware.timetz(), width, locale=babel
                )
            if "H" not in width:
                assert fmt(text, "date", locale, width) == babel_dates.format_date(
                    moment.date(), width, locale=babel
                )
            assert fmt(text, "datetime", locale, width) == babel_dates.format_datetime(
                moment, width, locale=babel
            )
            paris = ZoneInfo("Europe/Paris")
            assert fmt(text, "datetime", locale, width, tz="Europe/Paris") == (
                babel_dates.format_datetime(moment, width, tzinfo=paris, locale=babel)
            )


# --- what a reader in each of five locales sees ---------------------------------------------------

NBSP, NNBSP, RLM = "\u00a0", "\u202f", "\u200f"


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        (
            "fr-FR",
            [
                "12 octobre 2026",
                "12 oct. 2026",
                "12/10/2026 14:30",
                "13 oct. 2026, 07:30:00",
                "09:05",
                f"49,00{NBSP}$US",
                f"1{NNBSP}234,50{NBSP}€",
                f"-1{NNBSP}234{NNBSP}567,891",
                f"26{NBSP}%",
                f"1{NNBSP}234{NBSP}JPY",
            ],
        ),
        (
            "de-DE",
            [
                "12. Oktober 2026",
                "12.10.2026",
                "12.10.26, 14:30",
                "13.10.2026, 07:30:00",
                "09:05",
                f"49,00{NBSP}$",
                f"1.234,50{NBSP}€",
                "-1.234.567,891",
                f"26{NBSP}%",
                f"1.234{NBSP}¥",
            ],
        ),
        (
            "pl-PL",
            [
                "12 października 2026",
                "12 paź 2026",
                "12.10.2026, 14:30",
                "13 paź 2026, 07:30:00",
                "09:05",
                f"49,00{NBSP}USD",
                f"1{NBSP}234,50{NBSP}€",
                f"-1{NBSP}234{NBSP}567,891",
                "26%",
                f"1{NBSP}234{NBSP}JPY",
            ],
        ),
        (
            "ja-JP",
            [
                "2026年10月12日",
                "2026/10/12",
                "2026/10/12 14:30",
                "2026/10/13 7:30:00",
                "9:05",
                "$49.00",
                "€1,234.50",
                "-1,234,567.891",
                "26%",
                "￥1,234",
            ],
        ),
        (
            "ar-EG",
            [
                "12 أكتوبر 2026",
                f"12{RLM}/10{RLM}/2026",
                f"12{RLM}/10{RLM}/2026، 2:30 م",
                f"13{RLM}/10{RLM}/2026، 7:30:00 ص",
                "9:05 ص",
                f"{RLM}49.00{NBSP}US$",
                f"{RLM}1,234.50{NBSP}€",
                "-1,234,567.891",
                "26%",
                f"{RLM}1,234{NBSP}JP¥",
            ],
        ),
    ],
)
def test_what_each_reader_sees(locale: str, expected: list[str]) -> None:
    source = (
        '{{ d|format_date("long") }}|{{ d|format_date }}|{{ t|format_datetime("short") }}|'
        '{{ t|format_datetime(tz="Asia/Tokyo") }}|{{ h|format_time("short") }}|'
        '{{ a|format_currency("USD") }}|{{ b|format_currency(cur) }}|{{ n|format_number }}|'
        '{{ p|format_percent }}|{{ b|format_currency("JPY") }}'
    )
    data = {
        "d": "2026-10-12",
        "t": "2026-10-12T14:30:00-08:00",
        "h": "09:05",
        "a": 49,
        "b": "1234.50",
        "cur": "EUR",
        "n": -1234567.891,
        "p": 0.256,
    }
    assert render_text(source, data, locale).split("|") == expected


def render_text(source: str, data: dict[str, Any], locale: str | None = None) -> str:
    compiled = compile_string(source, html=False, locale=locale)
    return environment(autoescape=False).from_string(compiled).render(data)


# --- what the filters read ----------------------------------------------------------------------


def test_numbers_are_exact_decimals_never_binary_floats() -> None:
    # 2.675 is 2.67499999999999982236431605997495353221893310546875 as a double: rounded
    # through it, half-even would give 2.67. Read from its text, it is 2.675 and gives 2.68.
    assert fmt(2.675, "currency", "en-US", currency="USD") == "$2.68"
    assert fmt(0.125, "currency", "en-US", currency="USD") == "$0.12"  # half to even
    assert fmt("0.135", "currency", "en-US", currency="USD") == "$0.14"
    assert fmt(12345678901234567890123, "decimal", "de-DE") == "12.345.678.901.234.567.890.123"
    assert fmt("0.000000000000000000000000000015", "decimal", "en-US", "0.0#E0") != ""
    assert (
        fmt(1e30, "currency", "en-US", currency="EUR")
        == "€" + ",".join(["1"] + ["000"] * 10) + ".00"
    )
    assert fmt(Decimal("3.10"), "decimal", "en-US") == "3.1"  # a Python sender's Decimal


@pytest.mark.parametrize(
    ("value", "kind", "message"),
    [
        (
            "12,50",
            "decimal",
            'x: "12,50" is not a number (hint: send a number such as 19.99 or "19.99")',
        ),
        (
            "1e3",
            "decimal",
            'x: "1e3" is not a number (hint: send a number such as 19.99 or "19.99")',
        ),
        (
            " 12",
            "currency",
            'x: " 12" is not a number (hint: send a number such as 19.99 or "19.99")',
        ),
        (True, "percent", 'x: true is not a number (hint: send a number such as 0.25 or "0.25")'),
        ("", "decimal", 'x: "" is not a number (hint: send a number such as 19.99 or "19.99")'),
        ([1], "decimal", 'x: [1] is not a number (hint: send a number such as 19.99 or "19.99")'),
        (
            "2026-02-30",
            "date",
            'x: "2026-02-30" is not an ISO 8601 date (hint: send an ISO 8601 date such as '
            '"2026-10-12")',
        ),
        (
            "12/10/2026",
            "date",
            'x: "12/10/2026" is not an ISO 8601 date (hint: send an ISO 8601 date such as '
            '"2026-10-12")',
        ),
        (
            "2026-10-12",
            "datetime",
            'x: "2026-10-12" is not an ISO 8601 datetime (hint: send an ISO 8601 datetime such '
            'as "2026-10-12T14:30:00Z")',
        ),
        (
            "2026-10-12T24:00:00",
            "datetime",
            'x: "2026-10-12T24:00:00" is not an ISO 8601 datetime (hint: send an ISO 8601 '
            'datetime such as "2026-10-12T14:30:00Z")',
        ),
        (
            "2026-10-12T10:00:00+02:60",
            "datetime",
            'x: "2026-10-12T10:00:00+02:60" is not an ISO 8601 datetime (hint: send an ISO 8601 '
            'datetime such as "2026-10-12T14:30:00Z")',
        ),
        (
            "9:05",
            "time",
            'x: "9:05" is not an ISO 8601 time (hint: send an ISO 8601 time such as "14:30:00")',
        ),
        (
            1760000000,
            "datetime",
            "x: 1760000000 is not an ISO 8601 datetime (hint: send an ISO 8601 datetime such as "
            '"2026-10-12T14:30:00Z")',
        ),
    ],
)
def test_a_value_the_filter_cannot_read_is_an_error_naming_it(
    value: Any, kind: Any, message: str
) -> None:
    with pytest.raises(FormatError) as exc:
        fmt(value, kind, "fr-FR", currency="EUR")
    assert str(exc.value) == message


def test_dates_and_times_read_as_written() -> None:
    assert fmt("2026-10-12T23:30:00-05:00", "date", "en-US", "long") == "October 12, 2026"
    assert fmt("2026-10-12T23:30:00-05:00", "time", "en-US", "short") == "11:30\u202fPM"
    assert fmt("2026-10-12T23:30:00.123456789Z", "time", "en-US", "HH:mm:ss.SSS") == "23:30:00.123"
    assert fmt("2024-02-29", "date", "fr-FR", "full") == "jeudi 29 février 2024"
    assert fmt("2026-10-12T23:30:00-05:00", "datetime", "de-DE", tz="Europe/Berlin") == (
        "13.10.2026, 06:30:00"
    )
    # No offset: shown as written, or read as UTC when a time zone is asked for.
    assert fmt("2026-10-12T23:30:00", "datetime", "de-DE", tz="Europe/Berlin") == (
        "13.10.2026, 01:30:00"
    )
    assert fmt(dt.date(2026, 10, 12), "date", "fr-FR", "long") == "12 octobre 2026"


def test_missing_and_null_print_nothing() -> None:
    source = "[{{ a|format_date }}][{{ b|format_currency(c) }}][{{ x.y.z|format_number }}]"
    assert render_text(source, {"b": None, "c": None}, "fr-FR") == "[][][]"


def test_an_unknown_currency_in_the_data_is_an_error_naming_its_field() -> None:
    source = "{% for l in lines %}{{ l.total|format_currency(l.currency) }};{% endfor %}"
    lines = [{"total": 1, "currency": "EUR"}, {"total": 2, "currency": "eur"}]
    with pytest.raises(FormatError) as exc:
        render_text(source, {"lines": lines}, "fr-FR")
    assert str(exc.value) == (
        'l.currency: "eur" is not an ISO 4217 currency code (hint: send a code such as "EUR")'
    )
    with pytest.raises(FormatError) as exc:
        render_text(source, {"lines": [{"total": 2}]}, "fr-FR")
    assert str(exc.value) == (
        'l.currency: null is not an ISO 4217 currency code (hint: send a code such as "EUR")'
    )


def test_the_locale_and_its_direction() -> None:
    assert [is_rtl(t) for t in ("ar-EG", "he-IL", "fa-IR", "ur-PK", "qps-plocm")] == [True] * 5
    assert [is_rtl(t) for t in ("fr-FR", "ja-JP", "en-US", "qps-ploc")] == [False] * 4
    assert fmt(1234.5, "decimal", "qps-ploc") == "1,234.5"  # pseudo-locales format as English
    assert formatter("decimal", None, "fr-FR") is formatter("decimal", None, "fr-FR")


# --- the parser -------------------------------------------------------------------------------


def test_the_filters_and_their_arguments_in_the_ir() -> None:
    (out,) = parse('{{ o.total|format_currency(o.currency, "#,##0 ¤")|e }}').body
    assert isinstance(out, tmplkit.ir.Output)
    assert out.value == tmplkit.ir.Value(
        tmplkit.ir.Path(("o", "total")),
        (tmplkit.ir.Filter("escape"),),
        tmplkit.ir.Format("currency", "#,##0 ¤", tmplkit.ir.Path(("o", "currency"))),
    )
    sources = {
        "{{ d|format_date }}": tmplkit.ir.Format("date"),
        '{{ d|format_date(format="full") }}': tmplkit.ir.Format("date", "full"),
        '{{ d|format_datetime("short", "UTC") }}': tmplkit.ir.Format("datetime", "short", tz="UTC"),
        '{{ d|format_time("HH:mm") }}': tmplkit.ir.Format("time", "HH:mm"),
        "{{ n|format_number }}": tmplkit.ir.Format("decimal"),
        "{{ n|format_decimal(format=None) }}": tmplkit.ir.Format("decimal"),
        '{{ n|format_percent("#,##0.0%") }}': tmplkit.ir.Format("percent", "#,##0.0%"),
        '{{ n|format_currency(currency="JPY") }}': tmplkit.ir.Format("currency", currency="JPY"),
    }
    for source, expected in sources.items():
        (node,) = parse(source).body
        assert isinstance(node, tmplkit.ir.Output)
        assert node.value.format == expected, source


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            "{{ d|upper|format_date }}",
            "f.html.j2:1:11: format_date must be the first filter (hint: write "
            "{{ value|format_date(…) }}, then escape or safe if needed)",
        ),
        (
            '{{ d|format_date|default("soon") }}',
            "f.html.j2:1:17: 'default' cannot follow format_date (hint: a format filter comes "
            "first, and only escape or safe may follow it)",
        ),
        (
            "{{ d|format_date|format_time }}",
            "f.html.j2:1:17: format_time must be the first filter (hint: write "
            "{{ value|format_time(…) }}, then escape or safe if needed)",
        ),
        (
            '{{ d|format_date("longest") }}',
            "f.html.j2:1:5: format_date(): \"longest\" is not a date format: 'l' is not a CLDR "
            'date field (hint: write short, medium, long, full or a CLDR pattern such as "d '
            'MMMM y")',
        ),
        (
            '{{ d|format_date("MMMMMMM") }}',
            "f.html.j2:1:5: format_date(): \"MMMMMMM\" is not a date format: 'MMMMMMM' is not a "
            "CLDR date field (M takes 1, 2, 3, 4 or 5 letters) (hint: write short, medium, long, "
            'full or a CLDR pattern such as "d MMMM y")',
        ),
        (
            "{{ d|format_date(\"'on' \") }}",
            "f.html.j2:1:5: format_date(): \"'on' \" is not a date format: the pattern has no "
            "date or time field (hint: write short, medium, long, full or a CLDR pattern such "
            'as "d MMMM y")',
        ),
        (
            '{{ d|format_date(locale="fr") }}',
            "f.html.j2:1:5: format_date() takes no locale: values are formatted in the "
            "recipient's (hint: render or compile with --locale fr-FR)",
        ),
        (
            '{{ d|format_date(fmt="long") }}',
            "f.html.j2:1:5: format_date(): 'fmt' is not one of its arguments (hint: its "
            "arguments: format)",
        ),
        (
            '{{ d|format_date("long", format="short") }}',
            "f.html.j2:1:5: format_date(): 'format' is given twice (hint: its arguments: format)",
        ),
        (
            '{{ d|format_time("short", "UTC") }}',
            'f.html.j2:1:5: format_time() takes at most 1 argument (hint: write format_time("short"))',
        ),
        (
            "{{ d|format_date(width) }}",
            "f.html.j2:1:5: format_date(): format must be a literal string (hint: write "
            'format_date("long"))',
        ),
        (
            '{{ d|format_datetime(tz="Paris") }}',
            'f.html.j2:1:5: format_datetime(): unknown time zone "Paris" (hint: write an IANA '
            'time zone such as "Europe/Paris", or leave tz out to show the time as written)',
        ),
        (
            "{{ n|format_currency }}",
            "f.html.j2:1:5: format_currency() needs a currency (hint: write "
            'format_currency("EUR") or format_currency(order.currency))',
        ),
        (
            '{{ n|format_currency("EURO") }}',
            'f.html.j2:1:5: format_currency(): "EURO" is not an ISO 4217 currency code (hint: '
            'write format_currency("EUR") or format_currency(order.currency))',
        ),
        (
            "{{ n|format_currency(978) }}",
            "f.html.j2:1:5: format_currency(): the currency must be a code or a path in the data "
            '(hint: write format_currency("EUR") or format_currency(order.currency))',
        ),
        (
            '{{ n|format_decimal("abc") }}',
            'f.html.j2:1:5: format_decimal(): "abc" is not a number pattern: the pattern has no '
            'digits (0 or #) (hint: write a CLDR pattern such as "#,##0.00")',
        ),
        (
            "{% if n|format_number %}x{% endif %}",
            "f.html.j2:1:8: filters are not portable in conditions (hint: test the value itself: "
            "{% if user.name %})",
        ),
    ],
)
def test_each_bad_use_is_one_line_with_its_position(source: str, message: str) -> None:
    with pytest.raises(TemplateError) as exc:
        parse(source, "f.html.j2")
    assert str(exc.value) == message


# --- the jinja target and render ------------------------------------------------------------------


def test_the_jinja_target_writes_the_filters_with_the_locale_and_field() -> None:
    source = (
        "{% for l in o.lines %}{{ l.price|format_currency(o.currency) }}{% endfor %}"
        '{{ o.date|format_datetime("short", tz="Europe/Paris")|safe }}{{ o.n|format_number }}'
    )
    assert compile_string(source, locale="fr_FR") == (
        '{% for l in o.lines or [] %}{{ l.price|format_currency(o.currency, locale="fr-FR", '
        'field="l.price", currency_field="o.currency") }}{% endfor %}'
        '{{ o.date|format_datetime(format="short", tz="Europe/Paris", locale="fr-FR", '
        'field="o.date")|safe }}{{ o.n|format_decimal(locale="fr-FR", field="o.n") }}'
    )
    # Without a locale, values are formatted in the source locale.
    assert compile_string("{{ n|format_number }}") == (
        '{{ n|format_decimal(locale="en-US", field="n") }}'
    )


def test_escaping_after_a_format() -> None:
    source = (
        "<p>{{ t|format_time(\"h 'o''clock' a\") }} {{ t|format_time(\"h 'o''clock'\")|safe }}"
        "{{ t|format_time(\"h 'o''clock'\")|escape|safe }}</p>"
    )
    compiled = compile_string(source, locale="en-US")
    out = environment(autoescape=True).from_string(compiled).render({"t": "12:00"})
    assert out == "<p>12 o&#39;clock PM 12 o'clock12 o&#39;clock</p>"


def test_a_translation_binds_a_formatted_value(tmp_path: Path) -> None:
    path = tmp_path / "t.txt.j2"
    path.write_text(
        '{% trans when=order.date|format_date("long"), total=order.total|format_currency("EUR") %}'
        "Ordered on {{ when }}: {{ total }}{% endtrans %}"
    )
    data = {"order": {"date": "2026-10-12", "total": 49}}
    message = tmplkit.render(str(path), data, locale="fr-FR")
    assert message.text == "Ordered on 12 octobre 2026: 49,00\u00a0€"


def test_render_refuses_bad_data_with_the_file_field_and_value(run: Any, tmp_path: Path) -> None:
    path = tmp_path / "a.html.j2"
    path.write_text('<p>{{ order.total|format_currency("EUR") }}</p>')
    r = run("render", path, "--data", "-", stdin='{"order": {"total": "12,50"}}')
    assert (r.code, r.out) == (1, "")
    assert r.err == (
        f'error: {path}: order.total: "12,50" is not a number (hint: send a number such as '
        '19.99 or "19.99")\n'
    )
    r = run(
        "render",
        path,
        "--data",
        "-",
        "--locale",
        "de-DE",
        "--format",
        "html",
        stdin='{"order": {"total": 12.5}}',
    )
    assert (r.code, r.out, r.err) == (0, "<p>12,50\u00a0€</p>", "")


def test_render_batch_names_the_record_line(run: Any, tmp_path: Path) -> None:
    path = tmp_path / "a.html.j2"
    path.write_text('<p>{{ d|format_date("long") }}</p>')
    recipients = tmp_path / "r.jsonl"
    recipients.write_text(
        '{"d": "2026-10-12", "locale": "pl-PL"}\n{"d": "2026-10-32", "locale": "fr-FR"}\n'
    )
    out = tmp_path / "out.jsonl"
    r = run(
        "render-batch", path, "--recipients", recipients, "--out", out, "--locale-field", "locale"
    )
    assert r.code == 1
    assert r.err.splitlines()[0] == (
        f'error: {recipients}:2: {path}: d: "2026-10-32" is not an ISO 8601 date (hint: send '
        'an ISO 8601 date such as "2026-10-12")'
    )
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert lines[0]["html"] == "<p>12 października 2026</p>"
    assert lines[1]["line"] == 2 and "error" in lines[1]


def test_compile_to_html_names_the_sample_data(tmp_path: Path) -> None:
    with pytest.raises(tmplkit.RenderError) as exc:
        compile_string("{{ n|format_number }}", "html", data={"n": "x"}, file="f.html.j2")
    assert str(exc.value) == (
        'f.html.j2: cannot render with the sample data: n: "x" is not a number (hint: send a '
        'number such as 19.99 or "19.99")'
    )
    assert compile_string("{{ n|format_number }}", "html", data={"n": 1e6}, locale="de-DE") == (
        "1.000.000"
    )


# --- the expansion for targets: applied without Babel, it prints what Babel prints ---------------


def print_number(spec: NumberSpec, value: Decimal, currency: str | None = None) -> str:
    """The algorithm every target writes in its own language (see NumberSpec)."""
    fraction = spec.fraction
    texts = spec.negative if value < 0 else spec.positive
    if fraction is None:  # a currency read from the data
        assert currency is not None
        table = currency_table_for[0]
        digits = table.digits.get(currency, 2)
        fraction = (digits, digits)
        symbol = table.symbols.get(currency, currency)
        texts = (
            texts[0].replace("¤¤", currency).replace("¤", symbol),
            texts[1].replace("¤¤", currency).replace("¤", symbol),
        )
    digits_text = f"{abs(value).scaleb(spec.scale).quantize(Decimal(1).scaleb(-fraction[1])):f}"
    integer, _, frac = digits_text.partition(".")
    integer = integer.rjust(spec.min_int, "0")
    if spec.grouping is not None:
        size, groups = spec.grouping[0], []
        while len(integer) > size:
            groups.insert(0, integer[-size:])
            integer, size = integer[:-size], spec.grouping[1]
        integer = spec.group.join([integer, *groups])
    frac = frac.ljust(fraction[0], "0")
    while len(frac) > fraction[0] and frac.endswith("0"):
        frac = frac[:-1]
    return texts[0] + integer + (spec.decimal + frac if frac else "") + texts[1]


currency_table_for: list[Any] = [None]


def print_date(spec: DateSpec, moment: dt.datetime) -> str:
    out = []
    for part in spec.parts:
        if isinstance(part, str):
            out.append(part)
            continue
        value = {
            "year": moment.year,
            "year2": moment.year % 100,
            "month": moment.month,
            "day": moment.day,
            "hour": moment.hour,
            "hour12": moment.hour % 12 or 12,
            "hour11": moment.hour % 12,
            "hour24": moment.hour or 24,
            "minute": moment.minute,
            "second": moment.second,
        }.get(part.name)
        if value is not None:
            out.append(str(value).rjust(part.pad, "0"))
        elif part.name == "month_name":
            out.append(part.names[moment.month - 1])
        elif part.name == "weekday":
            out.append(part.names[moment.weekday()])
        else:
            out.append(part.names[moment.hour >= 12])
    return "".join(out)


ALL_LOCALES = sorted(
    "-".join(filter(None, (loc.language, loc.script, loc.territory, loc.variant)))
    for loc in (Locale.parse(i) for i in localedata.locale_identifiers())
)


def test_the_expansion_prints_what_babel_prints_in_every_locale() -> None:
    values = [Decimal(v) for v in ("0", "7", "-1234567.891", "0.125", "1234.5", "-0.004")]
    moments = ["2026-01-05T00:07:09", "2024-02-29T12:30:00", "1999-12-31T23:59:59"]
    unsupported: set[tuple[str, str, str]] = set()
    for locale in ALL_LOCALES:
        currency_table_for[0] = currency_table(locale)
        for kind in ("decimal", "percent"):
            spec = number_spec(kind, None, locale, None)
            for v in values:
                assert print_number(spec, v) == fmt(v, kind, locale), (locale, kind, v)
        for code in ("EUR", "JPY", "BHD", "INR"):
            spec = number_spec("currency", None, locale, code)
            data = number_spec("currency", None, locale, None)
            for v in values:
                expected = fmt(v, "currency", locale, currency=code)
                assert print_number(spec, v) == expected, (locale, code, v)
                assert print_number(data, v, code) == expected, (locale, code, v)
        for kind, width in [(k, w) for k in ("date", "time", "datetime") for w in WIDTHS]:
            try:
                spec = date_spec(kind, width, locale)  # type: ignore[arg-type]
            except Unsupported as exc:
                unsupported.add((str(exc).split(" (")[0], f"{kind} {width}", locale[:7]))
                continue
            for text in moments:
                moment = dt.datetime.fromisoformat(text)
                assert print_date(spec, moment) == fmt(text, kind, locale, width), (locale, kind)
    # Only the zones of long and full times, and zh-Hant's flexible day periods, need Babel.
    reasons = {(reason, what) for reason, what, _ in unsupported}
    assert reasons == {
        ("a time zone field", "time long"),
        ("a time zone field", "time full"),
        ("a time zone field", "datetime long"),
        ("a time zone field", "datetime full"),
        *(("flexible day periods", f"{k} {w}") for k in ("time", "datetime") for w in WIDTHS),
    }
    assert {loc for reason, _, loc in unsupported if reason.startswith("flex")} == {"zh-Hant"}


def test_a_formatter_remembers_what_it_printed_but_never_an_error() -> None:
    formatter = formats.formatter("currency", None, "fr-FR")
    formatter.printed.clear()
    assert formatter(115.49, "order.total", "USD") == "115,49\u00a0$US"
    assert formatter(115.49, "order.total", "EUR") == "115,49\u00a0€"  # the currency is in the key
    assert formatter("115.49", "order.total", "USD") == "115,49\u00a0$US"
    assert len(formatter.printed) == 3
    for _ in range(2):  # a value it cannot read is refused each time, naming the field
        with pytest.raises(formats.FormatError, match=r'^order\.total: "12,50" is not a number'):
            formatter("12,50", "order.total", "USD")
    with pytest.raises(formats.FormatError, match=r"^order\.total: \[1\] is not a number"):
        formatter([1], "order.total", "USD")  # a list cannot be a key: formatted, refused
    for n in range(formats.MEMO_SIZE + 10):
        formatter(n, "n", "USD")
    assert len(formatter.printed) <= formats.MEMO_SIZE
    assert formatter(7, "n", "USD") == "7,00\u00a0$US"


# --- the sample's order confirmation, as Babel formats it ---------------------------------------

ORDER_LINES = [  # (line prefix in the text part, the amount in the sample's data)
    ("SCF-MER-GRY | Merino Wool Scarf, Heather Grey | 1 | ", "49.00"),
    ("KIT-SP-OAK | Salt & Pepper Mill Set <Oak> | 1 | ", "34.50"),
    ("MUG-STN-12 | Stoneware Mug, 12 oz | 1 | ", "19.99"),
]
# The words around the values, per locale: shipping, total, and the date's sentence.
ORDER_WORDS = {
    "fr-FR": ("Frais de livraison", "Total", "passée le {date}, et"),
    "de-DE": ("Versandkosten", "Gesamt", "vom {date} erhalten"),
    "pl-PL": ("Koszt dostawy", "Razem", "złożone {date} i"),
    "ja-JP": ("送料", "合計", "{date}にいただいた"),
    "ar-EG": ("الشحن", "الإجمالي", "المقدَّم في {date}،"),
}


@pytest.mark.parametrize("locale", sorted(ORDER_WORDS))
def test_the_sample_order_prints_its_date_and_amounts_as_babel_does(
    sample_project: Path, run: Any, locale: str
) -> None:
    result = run(
        "render", "acme-shop/orders/order-confirmation", "--locale", locale, "--format", "text",
        cwd=sample_project,
    )  # fmt: skip
    assert (result.code, result.err) == (0, "")
    lines = result.out.splitlines()
    babel = locale.replace("-", "_")

    def money(amount: str) -> str:
        return str(babel_numbers.format_currency(Decimal(amount), "USD", locale=babel))

    shipping, total, sentence = ORDER_WORDS[locale]
    date = babel_dates.format_date(dt.date(2026, 10, 12), "long", locale=babel)
    expected = [prefix + money(amount) for prefix, amount in ORDER_LINES]
    expected += [f"{shipping} | {money('12.00')}", f"{total} | {money('115.49')}"]
    assert [line for line in lines if " | " in line][1:] == expected  # after the header row
    assert sum(sentence.format(date=date) in line for line in lines) == 1


def test_a_datetime_moved_past_year_9999_is_an_error_naming_it() -> None:
    with pytest.raises(formats.FormatError) as info:
        formats.format_value(
            "9999-12-31T23:59:59-12:00", "datetime", "short", "fr-FR", field="d", tz="Europe/Paris"
        )
    assert str(info.value) == (
        'd: "9999-12-31T23:59:59-12:00" is out of range in Europe/Paris (hint: send a datetime '
        "between the years 1 and 9999 in that time zone)"
    )
