"""The formatting corpus: format_* filters × data sets × five locales, for every target's engine.

Each case's expected output is the reference rendering: the template compiled for the locale to
tmplkit's jinja target and rendered in its sandboxed environment (which formats with Babel).
A target that accepts the filters must print exactly that in its own engine; one that refuses
them says so in one line, tested where the target is.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from tests.differential.corpus import Source
from tests.differential.harness import _ENVS, ENTITY_ALIASES, Mismatch
from tests.engines import render_batch
from tmplkit import compile_string
from tmplkit.errors import RenderError

S = Source

# The locales the Done-when names (the sample's, and Arabic for its digits and direction).
LOCALES = ["fr-FR", "de-DE", "pl-PL", "ja-JP", "ar-EG"]

FORMAT_SOURCES: list[Source] = [
    S("number", "<p>{{ n|format_number }} {{ n|format_decimal }}</p>"),
    S("decimal_pattern", '<p>{{ n|format_decimal("#,##0.00") }}</p>'),
    S("percent", "<p>{{ ratio|format_percent }}</p>"),
    S(
        "currency_code",
        '<p>{{ price|format_currency("EUR") }} {{ price|format_currency("JPY") }}</p>',
    ),
    S("currency_usd_text", '{{ price|format_currency("USD") }}', html=False),
    S("currency_from_data", "<p>{{ price|format_currency(currency) }}</p>"),
    S("date", "<p>{{ day|format_date }}</p>"),
    S(
        "date_widths",
        '<p>{{ day|format_date("short") }}|{{ day|format_date("long") }}|'
        '{{ day|format_date("full") }}</p>',
    ),
    S("date_pattern", '{{ day|format_date("d MMMM y") }}', html=False),
    S("datetime", "<p>{{ moment|format_datetime }}</p>"),
    S("datetime_tz", '<p>{{ moment|format_datetime("short", "Europe/Paris") }}</p>'),
    S("time", '<p>{{ moment|format_time("short") }}</p>'),
    S("escaped", "<p>{{ price|format_currency(currency)|e }}</p>"),
    S(
        "in_loop",
        "<ul>{% for l in lines %}<li>{{ l.price|format_currency(currency) }}</li>{% endfor %}</ul>",
    ),
]

FORMAT_DATASETS: dict[str, dict[str, Any]] = {
    "typical": {
        "n": 1234567.891,
        "ratio": 0.256,
        "price": 49,
        "currency": "USD",
        "day": "2026-10-12",
        "moment": "2026-10-12T14:05:09Z",
        "lines": [{"price": "19.99"}, {"price": 1200.5}],
    },
    "strings_and_negatives": {
        "n": "-0.5",
        "ratio": "1",
        "price": "-1234.565",
        "currency": "EUR",
        "day": "2024-02-29",
        "moment": "2026-01-01T00:00:00+05:30",
        "lines": [{"price": "0"}],
    },
    "large_and_small": {
        "n": 12345678901234567890,
        "ratio": 0.0001,
        "price": 0.005,
        "currency": "JPY",
        "day": "1999-12-31",
        "moment": "2026-07-04T23:59:59.5",
        "lines": [],
    },
    "missing_and_null": {"n": None, "price": None, "currency": "GBP", "lines": [{}]},
}


def reference_for(source: Source, locale: str, data: dict[str, Any]) -> str:
    """What the source prints for `locale`: the jinja target in tmplkit's environment."""
    return _reference(source, locale).render(data)


@cache
def _reference(source: Source, locale: str) -> Any:
    compiled = compile_string(source.template, html=source.html, file=source.name, locale=locale)
    return _ENVS[source.html].from_string(compiled)


def run_formats(
    target: str,
    engine: str,
    *,
    sources: list[Source] | None = None,
    locales: list[str] | None = None,
    case_extra: dict[str, Any] | None = None,
) -> tuple[int, list[Mismatch]]:
    """Compile each formatting source for each locale to `target`, render every data set in
    one engine batch, compare with the reference exactly (only entity spellings made one: the
    no-break and narrow no-break spaces CLDR puts in numbers must be the same characters)."""
    sources = FORMAT_SOURCES if sources is None else sources
    locales = LOCALES if locales is None else locales
    cases: list[dict[str, Any]] = []
    keys: list[tuple[Source, str, str]] = []
    for locale in locales:
        for source in sources:
            compiled = compile_string(
                source.template,
                target,
                html=source.html,
                file=source.name,
                locale=locale,
                inline_formats=True,
            )
            for name, data in FORMAT_DATASETS.items():
                cases.append({"template": compiled, "data": data, **(case_extra or {})})
                keys.append((source, locale, name))
    results = render_batch(engine, cases)
    mismatches = []
    for (source, locale, name), result in zip(keys, results, strict=True):
        expected = entities(reference_for(source, locale, FORMAT_DATASETS[name]))
        got = entities(result["output"]) if result["ok"] else "ERROR: " + result["error"]
        if got != expected:
            mismatches.append(Mismatch(f"{source.name} [{locale}]", name, expected, got))
    return len(cases), mismatches


def entities(text: str) -> str:
    """Equivalent entity spellings made one; whitespace kept exactly."""
    for pattern, canonical in ENTITY_ALIASES:
        text = pattern.sub(canonical, text)
    return text


# Values a filter cannot read: each is the render error the reference gives (a FormatError
# naming the field and the value), word for word, in every target that formats.
BAD_FORMAT_DATA: list[tuple[str, dict[str, Any]]] = [
    ("{{ n|format_number }}", {"n": "12,50"}),
    ("{{ n|format_percent }}", {"n": True}),
    ("{{ n|format_decimal }}", {"n": [1, {"a": "x" * 80}]}),
    ('{{ p|format_currency("EUR") }}', {"p": "abc"}),
    ("{{ p|format_currency(c) }}", {"p": 1, "c": "eur"}),
    ("{{ p|format_currency(c) }}", {"p": 1}),
    ("{% for l in ls %}{{ l.p|format_currency(l.c) }}{% endfor %}", {"ls": [{"p": "x", "c": "?"}]}),
    ("{% for l in ls %}{{ l.p|format_currency(l.c) }}{% endfor %}", {"ls": [{"p": 2, "c": 7}]}),
    ("{{ d|format_date }}", {"d": "2026-02-30"}),
    ("{{ d|format_date }}", {"d": "12/10/2026"}),
    ("{{ d|format_datetime }}", {"d": "2026-10-12"}),
    ('{{ d|format_datetime("short", "Europe/Paris") }}', {"d": "2026-10-12T24:00:00"}),
    ("{{ d|format_datetime }}", {"d": "2026-10-12T10:00:00+02:60"}),
    ('{{ d|format_time("short") }}', {"d": "9:05"}),
    ("{{ d|format_datetime }}", {"d": 1760000000}),
]


def format_errors(
    target: str, engine: str, prefix: str = "", case_extra: dict[str, Any] | None = None
) -> list[str]:
    """Each BAD_FORMAT_DATA case compiled for fr-FR and rendered in the engine, where its error
    is not the reference's (`prefix`: how the engine names the exception, "ValueError: ")."""
    cases, expected = [], []
    for source, data in BAD_FORMAT_DATA:
        try:
            reference_for(Source("bad", source), "fr-FR", data)
        except RenderError as exc:
            expected.append(prefix + str(exc))
        template = compile_string(source, target, locale="fr-FR", inline_formats=True)
        cases.append({"template": template, "data": data, **(case_extra or {})})
    assert len(expected) == len(cases)  # the reference refuses every one
    results = render_batch(engine, cases)
    return [
        f"{source}: expected {want!r}, got {got!r}"
        for (source, _), want, got in zip(BAD_FORMAT_DATA, expected, results, strict=True)
        if got != {"ok": False, "error": want}
    ]


# Exact decimals and time zones beyond the corpus, in five locales (run_format_edges).
FORMAT_EDGES = [
    S(
        "numbers",
        '{{ n|format_currency("USD") }}|{{ n|format_decimal }}|{{ n|format_percent }}|'
        '{{ n|format_decimal("#,##0.###") }}|{{ n|format_currency("BHD") }}|'
        '{{ n|format_decimal("0000.00") }}|{{ n|format_decimal("#,##,##0.0") }}|'
        '{{ n|format_percent("#,##0.0%") }}|{{ n|format_currency(c) }}',
        html=False,
    ),
    S(
        "moments",
        '{{ d|format_date("full") }}|{{ d|format_time }}|{{ d|format_datetime }}|'
        '{{ d|format_datetime("short", "Europe/Paris") }}|'
        '{{ d|format_datetime("EEEE d MMMM y HH:mm:ss a h K k", "America/New_York") }}|'
        '{{ d|format_datetime("medium", "Asia/Kolkata") }}|'
        '{{ d|format_datetime("yy-M-d H:m:s", "Pacific/Kiritimati") }}|'
        '{{ d|format_datetime("y-MM-dd HH:mm:ss", "Australia/Lord_Howe") }}',
        html=False,
    ),
]
EDGE_NUMBERS: list[Any] = [
    2.675,  # 2.67499999… as a double: 2.68 from its digits
    0.125,
    "0.135",
    "-0.004",  # rounds to zero, keeps its sign
    -0.0,
    "-0",
    1e-7,
    1.5e-10,
    123456789.125,
    9007199254740991,
    "12345678901234567890123.5",
    "007.50",
    5e-324,
    0.1,
    -1234.5,
]
EDGE_MOMENTS = [
    "0099-03-04T05:06:07Z",
    "2026-03-29T01:30:00Z",  # the hour Paris skips
    "2026-03-29T00:59:59",
    "2026-10-25T00:30:00Z",
    "1900-01-01T00:00:00Z",  # Paris's local mean time, +00:09:21
    "2026-10-12T23:30:00.123456789-05:00",
    "2024-02-29",  # a date: format_time and format_datetime refuse it
    "2026-10-12T00:00:00+14:00",
    "1582-10-10T12:00:00Z",
]


def run_format_edges(
    target: str, engine: str, prefix: str = "", case_extra: dict[str, Any] | None = None
) -> tuple[int, list[str]]:
    """FORMAT_EDGES over EDGE_NUMBERS and EDGE_MOMENTS in five locales, rendered in the engine
    and compared exactly with the reference (its errors too, `prefix` as in format_errors)."""
    labels, cases, expected = [], [], []
    for locale in ("en-US", "fr-FR", "ar-EG", "hi-IN", "de-CH"):
        for source in FORMAT_EDGES:
            template = compile_string(
                source.template, target, html=False, locale=locale, inline_formats=True
            )
            values = EDGE_NUMBERS if source.name == "numbers" else EDGE_MOMENTS
            for value in values:
                data = {"n": value, "c": "CHF", "d": value}
                try:
                    want = reference_for(source, locale, data)
                except RenderError as exc:
                    want = f"ERROR: {prefix}{exc}"
                labels.append(f"{source.name} [{locale}] {value!r}")
                cases.append({"template": template, "data": data, **(case_extra or {})})
                expected.append(want)
    results = render_batch(engine, cases)
    mismatches = [
        f"{label}:\n  expected {want!r}\n  got      {got!r}"
        for label, want, result in zip(labels, expected, results, strict=True)
        if want != (got := result["output"] if result["ok"] else "ERROR: " + result["error"])
    ]
    return len(cases), mismatches
