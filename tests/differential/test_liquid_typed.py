"""The liquid target with the template's variable types: the exact Liquid written for a string
in a URL attribute and for a plural's count, and what Shopify Liquid, LiquidJS and python-liquid
render from it, compared with the reference (docs/targets/liquid.md#typed-variables)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.differential.corpus import Source
from tests.differential.harness import normalize, run
from tests.differential.test_plurals import FRENCH, MISSING, POLISH, chooser, printed
from tests.differential.test_url_safety import OWASP, SAFE
from tests.engines import render_batch, require_engine
from tmplkit import compile_string
from tmplkit.i18n.locales import PluralRule
from tmplkit.i18n.plural import choose
from tmplkit.targets import get_emitter
from tmplkit.targets.jinja import environment
from tmplkit.targets.liquid import LiquidEmitter
from tmplkit.urls import DATA_IMAGE_TYPES, INERT_URL, SAFE_SCHEMES, unsafe_scheme
from tmplkit.variables import declare, infer

ENGINES = ["shopify_liquid", "liquidjs", "python_liquid"]
REFERENCE = environment(autoescape=True)

# --- URLs ------------------------------------------------------------------------------------

# `<a href="{{ u }}">` with `u` a string: the check, then the value (or the inert URL) escaped.
HREF_LIQUID = (
    '<a href="{% assign tk_u1 = u %}{% assign tk_h = tk_u1 | split: "/" | first'
    ' | split: "?" | first %}{% if tk_h contains ":" %}{% assign tk_h = tk_h | split: ":"'
    ' | first | strip | downcase | prepend: "," | append: "," %}'
    '{% unless ",http,https,mailto,sms,tel," contains tk_h %}'
    '{% assign tk_h = tk_u1 | strip | downcase | split: "," %}'
    '{% assign tk_k = tk_h.first | prepend: "," | append: "," | remove_first: ",data:image/"'
    ' | remove_first: ";base64," | prepend: "," | append: "," %}'
    '{% unless tk_h.size > 1 and ",png,gif,jpg,jpeg,webp,bmp,avif," contains tk_k %}'
    '{% assign tk_u1 = "about:invalid#tmplkit-unsafe-url" %}{% endunless %}{% endunless %}'
    '{% endif %}{{ tk_u1 | escape }}">x</a>'
)


def test_a_typed_string_in_an_href_is_checked_without_a_character_loop() -> None:
    assert compile_string('<a href="{{ u }}">x</a>', "liquid", declare={"u": "string"}) == (
        HREF_LIQUID
    )
    assert len(HREF_LIQUID) == 678  # 2,224 without types (the general form)
    assert len(compile_string('<a href="{{ u }}">x</a>', "liquid")) == 2224


def test_a_url_is_checked_once_where_its_first_check_always_runs_before() -> None:
    def checks(source: str) -> int:
        return compile_string(source, "liquid", declare={"u": "string"}).count("tk_h.first")

    twice = '<a href="{{ u }}">a</a><a href="{{ u }}">b</a>'
    assert checks(twice) == 1
    assert compile_string(twice, "liquid", declare={"u": "string"}).endswith(
        '{{ tk_u1 | escape }}">a</a><a href="{{ tk_u1 | escape }}">b</a>'
    )
    # inside a branch, then after it: the branch may not have run
    assert checks('{% if a %}<a href="{{ u }}">a</a>{% endif %}<a href="{{ u }}">b</a>') == 2
    # before a loop, then in its body: once; in a loop's body, then after it: twice
    assert checks('<a href="{{ u }}">a</a>{% for x in l %}<a href="{{ u }}">b</a>{% endfor %}') == 1
    assert checks('{% for x in l %}<a href="{{ u }}">b</a>{% endfor %}<a href="{{ u }}">a</a>') == 2
    # a loop item's field: once per item (two loops over different lists: checked in each)
    loops = (
        '{% for x in a %}<a href="{{ x.u }}"></a><a href="{{ x.u }}"></a>{% endfor %}'
        '{% for x in b %}<a href="{{ x.u }}"></a>{% endfor %}'
    )
    typed = {"a[].u": "string", "b[].u": "string"}
    assert compile_string(loops, "liquid", declare=typed).count("tk_h.first") == 2
    # |safe and escaped are two checks (an `&` means something else in each)
    assert checks('<a href="{{ u }}">a</a><img src="{{ u|safe }}">') == 2


# Values the typed check refuses where the reference prints them (docs/targets/liquid.md#urls):
# before the first `:` (and before any `/` or `?`) a character that cannot be in a scheme
# (`#`, `&`, a space, `_`, NUL, a tab or line break, a leading digit) or nothing at all; in a
# raw value (`|safe`), also an `&` there when there is no `:` (a character reference).
STRICTER = [
    "#a:b",
    "a b:c",
    "a_b:c",
    "1a:b",
    ":x",
    "data :image/png;base64,xx",
    "ht\ttps://acme.example",
    'java\x00script:alert("XSS")',
    "jav&#x09;ascript:alert('XSS');",
    " &#14;  javascript:alert('XSS');",
    "x&y:z",
    "&#104;ttps://acme.example",
]
EXTRA = [
    "",
    "https",
    "https:",
    " https://acme.example/a b ",
    "http\n://acme.example",
    "HTTPS://ACME.EXAMPLE",
    "/a:b",
    "?q=a:b",
    "//acme.example/x",
    "a&b",
    "Javascript:x",
    "javascript:x/y?z",
    "data:image/PNG;BASE64,iVBORw0KGgo=",
    "  data:image/jpeg;base64,/9j/4AAQ",
    "data:image/avif;base64,x,y",
    "data:image/png,iVBORw0KGgo=",
    "data:image/png;base64",
    "data:image/svg+xml;base64,PHN2Zz4=",
    "data:text/html;base64,PHNjcmlwdD4=",
    "pdata:image/ng;base64,xx",
    "data:image/png;data:image/gif;base64,xx",
    "data:image/gif,data:image/png;base64,xx",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "tel:+33 1 23 45 67 89",
    "mailto:zoe@example.com",
    *STRICTER,
]
VALUES = list(dict.fromkeys([*SAFE, *(value for _, value, _ in OWASP), *EXTRA]))
# name: (source, what the check reads: the value after its filters, the text after it, raw)
URL_SOURCES = {
    "href": ('<a href="{{ u }}">x</a>', str, "", False),
    "src": ('<img src="{{ u|safe }}" alt="">', str, "", True),
    "twice": ('<a href="{{ u }}"><img src="{{ u }}"></a>', str, "", False),
    "lower": ('<a href="{{ u|lower }}">x</a>', str.lower, "", False),
    "suffix": ('<a href="{{ u }}://acme.example">x</a>', str, ":", False),
    "open": ('<a href="java{{ u }}">x</a>', str, "", False),
}
BLANKS = " \t\n\v\f\r"  # what `strip` removes in every engine (each removes more)
SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*")


def liquid_prints(text: str, raw: bool) -> bool:
    """What the typed check (LiquidEmitter._url_var) decides, step by step in Python."""
    head = text.split("/")[0].split("?")[0]
    if ":" not in head and not (raw and "&" in head):
        return True
    if head.split(":")[0].strip(BLANKS).lower() in SAFE_SCHEMES:
        return True
    parts = text.strip(BLANKS).lower().split(",")
    key = ("," + parts[0] + ",").replace(",data:image/", "", 1).replace(";base64,", "", 1)
    return len(parts) > 1 and f",{key}," in "," + ",".join(DATA_IMAGE_TYPES) + ","


def stricter(name: str, value: str) -> bool:
    """Whether the typed check refuses `value` in source `name` where the reference prints it."""
    _, read, suffix, raw = URL_SOURCES[name]
    text = read(value) + suffix
    safe = unsafe_scheme(text, decode=raw, open=name == "open") is None
    return safe and not liquid_prints(text, raw)


def test_the_check_refuses_every_unsafe_url_and_more_only_where_documented() -> None:
    for name, (_, read, suffix, raw) in URL_SOURCES.items():
        for value in VALUES:
            text = read(value) + suffix
            if unsafe_scheme(text, decode=raw, open=name == "open") is not None:
                assert not liquid_prints(text, raw), (name, value)
            elif not liquid_prints(text, raw):
                head = text.split("/")[0].split("?")[0]
                scheme = head.split(":")[0].lstrip(BLANKS)
                assert not SCHEME.fullmatch(scheme) or (raw and "&" in head), (name, value)
    assert set(STRICTER) <= {v for v in VALUES if stricter("href", v)}
    assert {v for v in VALUES if stricter("src", v) and not stricter("href", v)} == {"a&b"}


@pytest.mark.parametrize("engine", ENGINES)
def test_typed_urls_render_as_the_reference_or_inert_where_documented(engine: str) -> None:
    """Every value in each source, typed `u: string`: what the reference prints, except the
    documented stricter cases, which print the inert URL where the reference prints the value
    (rendered as the reference renders a value it refuses)."""
    require_engine(engine)
    cases, expected = [], []
    for name, (source, *_) in URL_SOURCES.items():
        compiled = compile_string(source, "liquid", declare={"u": "string"})
        reference = REFERENCE.from_string(compile_string(source, "jinja"))
        for value in VALUES:
            shown = "javascript:x" if stricter(name, value) else value
            cases.append({"template": compiled, "data": {"u": value}})
            expected.append((name, value, normalize(reference.render(u=shown))))
    assert len(cases) == 6 * len(VALUES)
    results = render_batch(engine, cases)
    got = [
        (name, value, normalize(r["output"]) if r["ok"] else "ERROR: " + r["error"])
        for (name, value, _), r in zip(expected, results, strict=True)
    ]
    assert got == expected
    assert sum(INERT_URL in g for _, _, g in got) > len(OWASP) * 5  # the refusals happened


# --- plural counts ---------------------------------------------------------------------------

PLURAL = "<p>{% trans count=n %}{{ count }} file{% pluralize %}{{ count }} files{% endtrans %}</p>"


def test_a_typed_count_is_compared_and_printed_as_it_is() -> None:
    integer = compile_string(PLURAL, "liquid", declare={"n": "integer"})
    assert integer == (
        "<p>{% if n < 0 %}{{ n | round }} files{% elsif n != 1 %}{{ n | round }} files"
        "{% else %}{{ n | round }} file{% endif %}</p>"
    )
    # a number: whole where it equals its rounding, which the branches print
    assert compile_string(PLURAL, "liquid", declare={"n": "number"}) == (
        "<p>{% assign tk_n1 = n | round %}{% if tk_n1 != n or tk_n1 < 0 %}"
        "{% if tk_n1 == n %}{{ tk_n1 }}{% else %}{{ n }}{% endif %}"
        " files{% elsif tk_n1 != 1 %}{{ tk_n1 }} files{% else %}{{ tk_n1 }} file"
        "{% endif %}</p>"
    )
    # Polish: remainders of the count itself, computed once
    assert chooser_liquid() == (
        "{% assign tk_m1 = n | modulo: 10 %}{% assign tk_m2 = n | modulo: 100 %}"
        "{% assign tk_c3 = false %}{% if tk_m2 < 12 or tk_m2 > 14 %}{% assign tk_c3 = true %}"
        "{% endif %}{% if n < 0 %}3:{{ n | round }}{% elsif n == 1 %}0:{{ n | round }}"
        "{% elsif tk_m1 >= 2 and tk_m1 <= 4 and tk_c3 %}1:{{ n | round }}"
        "{% else %}2:{{ n | round }}{% endif %}"
    )


def chooser_liquid(declared: Any = "integer", rule: PluralRule = POLISH) -> str:
    """test_plurals' chooser of the rule's forms (Polish: one, few, many, other), `n` of the
    declared type."""
    emitter = LiquidEmitter(html=True)
    body = chooser(rule)
    emitter.variables = declare(infer([body]), {"n": declared})
    return emitter.emit(body)


def test_a_typed_french_count_tests_decimals_through_its_rounding() -> None:
    # French: one (i = 0 or 1, decimals too), many (a multiple of a million), other. A number's
    # rounding, computed once, says whether it is whole, and else whether it is a decimal (its
    # operand i is `floor`); each branch prints the count as it knows it to be.
    assert chooser_liquid("number", FRENCH) == (
        "{% assign tk_n1 = n | round %}{% assign tk_m2 = tk_n1 | modulo: 1000000 %}"
        "{% if tk_n1 != n or tk_n1 < 0 %}"
        "{% if tk_n1 != n and n > 0 %}{% assign tk_i3 = n | floor %}"
        "{% if tk_i3 <= 1 %}0:{{ n }}{% else %}2:{{ n }}{% endif %}"
        "{% else %}2:{% if tk_n1 == n %}{{ tk_n1 }}{% else %}{{ n }}{% endif %}{% endif %}"
        "{% elsif tk_n1 <= 1 %}0:{{ tk_n1 }}{% elsif tk_n1 != 0 and tk_m2 == 0 %}1:{{ tk_n1 }}"
        "{% else %}2:{{ tk_n1 }}{% endif %}"
    )
    # an integer the data always has is never a decimal: the decimal chain is left out
    assert chooser_liquid("integer", FRENCH) == (
        "{% assign tk_m1 = n | modulo: 1000000 %}{% if n < 0 %}2:{{ n | round }}"
        "{% elsif n <= 1 %}0:{{ n | round }}{% elsif n != 0 and tk_m1 == 0 %}1:{{ n | round }}"
        "{% else %}2:{{ n | round }}{% endif %}"
    )


FRENCH_WHOLE: list[Any] = [0, 1, 2, 3.0, 1000000, 2000000.0, 1000001, -1, -3.0, 0.0, 1e15]
FRENCH_NUMBERS: list[Any] = [
    *FRENCH_WHOLE,
    *[1.5, 2.5e6, 0.5, 1.99, 2.5, 0.1 + 0.2, 1000000.5, 1e6, -1.5, -0.5, 0.4, 12.75],
]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_typed_french_count_renders_as_the_reference(engine: str) -> None:
    require_engine(engine)
    optional = {"type": "number", "required": False}
    reference = REFERENCE.from_string(get_emitter("jinja")(html=True).emit(chooser(FRENCH)))
    for declared, values in [
        ("integer", FRENCH_WHOLE),
        ("number", FRENCH_NUMBERS),
        (optional, [*FRENCH_NUMBERS, None, MISSING]),
    ]:
        data = [{} if v is MISSING else {"n": v} for v in values]
        template = chooser_liquid(declared, FRENCH)
        results = render_batch(engine, [{"template": template, "data": d} for d in data])
        got = [r["output"] if r["ok"] else "ERROR: " + r["error"] for r in results]
        expected = [reference.render(d) for d in data]
        assert got == expected, declared
        rule = (FRENCH.count, FRENCH.expr, FRENCH.decimals)
        assert expected == [f"{choose(*rule, v)}:{printed(v)}" for v in values]
    assert expected[:8] == [
        "0:0",
        "0:1",
        "2:2",
        "2:3",
        "1:1000000",
        "1:2000000",
        "2:1000001",
        "2:-1",
    ]
    assert expected[11:13] == ["0:1.5", "2:2500000"]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_typed_polish_count_renders_as_the_reference(engine: str) -> None:
    require_engine(engine)
    whole: list[Any] = [0, 1, 2, 4, 5, 12, 13, 14, 22, 24, 25, 101, 112, 122, 2.0, 22.0, -1, -2.0]
    for declared, values in [
        ("integer", whole),
        ({"type": "number", "required": False}, [*whole, 2.5, 22.5, None, MISSING]),
    ]:
        data = [{} if v is MISSING else {"n": v} for v in values]
        template = chooser_liquid(declared)
        results = render_batch(engine, [{"template": template, "data": d} for d in data])
        got = [r["output"] if r["ok"] else "ERROR: " + r["error"] for r in results]
        rule = (POLISH.count, POLISH.expr, POLISH.decimals)
        assert got == [f"{choose(*rule, v)}:{printed(v)}" for v in values], declared


COUNTS: list[Any] = [0, 1, 2, 5, 12, 22, 101, 2.0, 1.0, 0.0, -1, -3.0]
NUMBERS: list[Any] = [*COUNTS, 2.5, 0.5, 1.5, -2.5, 21.0, 1e15]


@pytest.mark.parametrize("engine", ENGINES)
def test_typed_counts_render_as_the_reference(engine: str) -> None:
    require_engine(engine)
    optional = {"type": "number", "required": False}
    maybe: list[Any] = [*NUMBERS, None, MISSING]
    for declared, values in [("integer", COUNTS), ("number", NUMBERS), (optional, maybe)]:
        compiled = compile_string(PLURAL, "liquid", declare={"n": declared})
        reference = REFERENCE.from_string(compile_string(PLURAL, "jinja"))
        data = [{} if v is MISSING else {"n": v} for v in values]
        results = render_batch(engine, [{"template": compiled, "data": d} for d in data])
        got = [r["output"] if r["ok"] else "ERROR: " + r["error"] for r in results]
        assert got == [reference.render(d) for d in data], declared


def test_typed_forms_render_through_the_harness() -> None:
    """The harness's own compile-render-compare, typed (one engine suffices here)."""
    require_engine("liquidjs")
    cases, mismatches = run(
        "liquid",
        "liquidjs",
        sources=[Source("plural", PLURAL), Source("href", '<a href="{{ u }}">{{ u }}</a>')],
        datasets={
            str(i): {"n": n, "u": u} for i, (n, u) in enumerate(zip(COUNTS, SAFE * 2, strict=False))
        },
        declare={"n": "integer", "u": "string"},
    )
    assert (cases, mismatches) == (2 * len(COUNTS), [])
