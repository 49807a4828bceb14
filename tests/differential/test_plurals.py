"""Plural forms through the real engines: CLDR rules lowered to IsCount / IsDecimal / NumberTest.

A translation with a plural becomes an if/elif chain (tmplkit.i18n.plural.select_form): "not a
whole count" takes the last form (or, for a rule whose decimal counts have forms of their own,
the decimal chain over the CLDR operands i, v and f), then the language's tests choose one.
Each engine-backed target renders the Polish rule (four forms, `%` 10 and 100, and/or), the
Arabic rule (six forms) and the French rule (decimals: 1.5 is `one`) for counts and for every
kind of value that is not a count, all in one engine batch per engine, and the outputs are
compared exactly; then every distinct CLDR rule of Babel's locales, for 0 to 200 and the
decimals, in one more batch per engine. AMPscript has no engine: its text runs through the model
of test_ampscript.py (with `Mod` and `Length`). Mandrill writes the rules that only compare
whole counts as backtick `==` comparisons (run here in handlebars.js through a model of those
comparisons) and refuses the others, naming the locale.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from babel import Locale, localedata

from tests.differential.mandrill_model import MODEL_JS, model
from tests.differential.test_ampscript import Model, number_like
from tests.engines import render_batch, require_engine
from tmplkit import ir
from tmplkit.errors import CompileError
from tmplkit.i18n.locales import PluralRule, plural_rule
from tmplkit.i18n.plural import choose, evaluate, select_form
from tmplkit.targets import get_emitter
from tmplkit.targets.ampscript import attributes
from tmplkit.targets.handlebars import HELPERS_JS
from tmplkit.targets.jinja import environment, print_value

DOCS = Path(__file__).resolve().parents[2] / "docs" / "targets"
MISSING = object()  # the key is absent from the data
N = ir.Path(("n",))
POLISH = plural_rule("pl-PL")
ARABIC = plural_rule("ar")
FRENCH = plural_rule("fr-FR")


def forms(count: int, ref: ir.Ref = N) -> list[ir.Body]:
    """Form i prints `i:` and the count, so an output names both the form and the value."""
    return [(ir.Text(f"{i}:"), ir.Output(ir.Value(ref))) for i in range(count)]


def chooser(rule: PluralRule, ref: ir.Ref = N) -> ir.Body:
    return select_form(ref, rule.expr, forms(rule.count, ref), decimals=rule.decimals)


def printed(value: Any) -> str:
    return "" if value is MISSING else str(print_value(value))


# (value of n, the form the reference chooses). Polish: one, few, many, other; `other` is for
# decimals (and whatever is not a count).
POLISH_COUNTS = [(0, 2), (1, 0), (2, 1), (5, 2), (12, 2), (22, 1), (25, 2), (101, 2)]
POLISH_OTHERS = [
    (2.0, 1),  # a float without fraction is a count
    (2.5, 3),  # a decimal: CLDR's `other` in Polish
    (True, 3),  # never a boolean (Python: True == 1)
    ("2", 3),  # never a string
    (None, 3),
    (MISSING, 3),
    (-1, 3),
]
# CLDR's Arabic rule: zero, one, two, few (n%100 = 3..10), many (n%100 = 11..99), other (100,
# 102: n%100 = 0..2), as GNU gettext's usual Arabic header has it.
ARABIC_COUNTS = [(0, 0), (1, 1), (2, 2), (3, 3), (11, 4), (100, 5), (102, 5)]
# French: one (i = 0 or 1: 0, 1 and every decimal below 2), many (a million, a billion), other.
FRENCH_VALUES = [
    (0, 0),
    (1, 0),
    (2, 2),
    (1000000, 1),
    (2000000, 1),
    (1000001, 2),
    (0.5, 0),
    (1.5, 0),
    (1.99, 0),
    (2.5, 2),
    (1000000.5, 2),
    ("1.5", 2),  # never a string
    (True, 2),
    (-1.5, 2),
    (None, 2),
    (MISSING, 2),
]

# Where the count comes from: a nested path, a loop item, and loop.index.
NESTED = ir.Path(("cart", "n"))
ITEM = ir.Path(("i", "n"))


def in_loop(ref: ir.Ref, rule: PluralRule = POLISH) -> ir.Body:
    body = (*chooser(rule, ref), ir.Text(";"))
    return (ir.For("i", ir.Path(("items",)), body),)


ITEMS = [{"n": 1}, {"n": 3}, {"n": 22}, {"n": 2.5}, {}, {"n": None}, {"n": 12.0}, {"n": 1.5}]


def cases() -> list[tuple[str, ir.Body, dict[str, Any], str]]:
    """(label, body, data, exact expected output) for every plural case."""
    out = []
    for lang, rule, values in (
        ("pl", POLISH, POLISH_COUNTS + POLISH_OTHERS),
        ("ar", ARABIC, ARABIC_COUNTS),
        ("fr", FRENCH, FRENCH_VALUES),
    ):
        body = chooser(rule)
        for value, form in values:
            data: dict[str, Any] = {} if value is MISSING else {"n": value}
            out.append((f"{lang} {value!r}", body, data, f"{form}:{printed(value)}"))
    nested = chooser(POLISH, NESTED)
    nested_cases: list[tuple[str, dict[str, Any], str]] = [
        ("parent missing", {}, "3:"),
        ("parent null", {"cart": None}, "3:"),
        ("nested count", {"cart": {"n": 24}}, "1:24"),
    ]
    for label, parent, expected in nested_cases:
        out.append((f"nested, {label}", nested, parent, expected))
    out.append(
        ("loop item", in_loop(ITEM), {"items": ITEMS}, "0:1;1:3;1:22;3:2.5;3:;3:;2:12;3:1.5;")
    )
    out.append(
        (
            "loop item, fr",
            in_loop(ITEM, FRENCH),
            {"items": ITEMS},
            "0:1;2:3;2:22;2:2.5;2:;2:;2:12;0:1.5;",
        )
    )
    # loop.index: 1 2 3 4 5 6 7 8
    out.append(
        (
            "loop.index",
            in_loop(ir.LoopVar("index")),
            {"items": ITEMS},
            "0:1;1:2;1:3;1:4;2:5;2:6;2:7;2:8;",
        )
    )
    out.append(
        (
            "loop.index, fr",
            in_loop(ir.LoopVar("index0"), FRENCH),
            {"items": ITEMS},
            "0:0;0:1;2:2;2:3;2:4;2:5;2:6;2:7;",
        )
    )
    return out


CASES = cases()


def test_the_expectations_follow_the_rules() -> None:
    assert (POLISH.count, ARABIC.count, FRENCH.count) == (4, 6, 3)
    for value, form in POLISH_COUNTS:
        assert evaluate(POLISH.expr, value) == form
    for value, form in ARABIC_COUNTS:
        assert evaluate(ARABIC.expr, value) == form
    for rule, values in ((POLISH, POLISH_COUNTS + POLISH_OTHERS), (FRENCH, FRENCH_VALUES)):
        for value, form in values:
            found = None if value is MISSING else value
            assert choose(rule.count, rule.expr, rule.decimals, found) == form, value
    # the chain starts with the guard: whatever is not a whole count takes the last form, or
    # (French) the decimal chain
    (chain,) = chooser(POLISH)
    assert isinstance(chain, ir.If)
    assert chain.branches[0] == (ir.Not(ir.IsCount(N)), forms(4)[3])
    (french,) = chooser(FRENCH)
    assert isinstance(french, ir.If)
    (decimal,) = french.branches[0][1]
    assert decimal == ir.If(
        (
            (
                ir.IsDecimal(N),
                (ir.If(((ir.NumberTest(N, "<=", 1, None, "i"), forms(3)[0]),), forms(3)[2]),),
            ),
        ),
        forms(3)[2],
    )


def emit(target: str, body: ir.Body) -> str:
    return get_emitter(target)(html=True).emit(body)


def test_the_reference_renders_the_expected_forms() -> None:
    env = environment(autoescape=True)
    got = [env.from_string(emit("jinja", body)).render(data) for _, body, data, _ in CASES]
    assert got == [expected for *_, expected in CASES]


ENGINES = [
    ("handlebars", "handlebars"),
    ("handlebarsjava", "handlebars"),  # the same text as handlebars (no Java engine here)
    ("liquid", "shopify_liquid"),
    ("liquid", "liquidjs"),
    ("liquid", "python_liquid"),
    ("freemarker", "freemarker"),
    ("cheetah", "cheetah"),
]


@pytest.mark.parametrize(("target", "engine"), ENGINES, ids=[f"{t}-{e}" for t, e in ENGINES])
def test_plural_rules_render_exactly_in_the_engine(target: str, engine: str) -> None:
    require_engine(engine)
    extra = {"helpers": HELPERS_JS} if engine == "handlebars" else {}
    batch = [{"template": emit(target, body), "data": data, **extra} for _, body, data, _ in CASES]
    results = render_batch(engine, batch)  # one engine process for every case
    failures = []
    for (label, _, _, expected), result in zip(CASES, results, strict=True):
        got = result["output"] if result["ok"] else "ERROR: " + result["error"]
        if got != expected:
            failures.append(f"{label}: expected {expected!r}, got {got!r}")
    assert failures == []
    assert len(results) == len(CASES) == 15 + 7 + 16 + 3 + 4


def test_handlebarsjava_writes_the_same_plural_text_as_handlebars() -> None:
    for _, body, _, _ in CASES:
        assert emit("handlebarsjava", body) == emit("handlebars", body)


# --- AMPscript: no engine; the golden-file model, with Mod --------------------------------------


class ModModel(Model):
    """test_ampscript's model of AMPscript, plus `Mod` (the .NET remainder: sign of the dividend,
    as Salesforce documents `Mod(-500.123, 12.456)` = -1.883)."""

    def call(self, name: str, a: list[Any]) -> Any:
        if name == "mod":
            left, right = number_like(a[0]), number_like(a[1])
            assert left is not None and right is not None, f"Mod of {a!r}"
            return left % right  # Decimal's % truncates, like .NET's
        if name == "length":
            return len(str(a[0]))
        return super().call(name, a)


def test_the_model_mod_is_the_dotnet_remainder() -> None:
    assert ModModel({}).call("mod", ["500", 12]) == 8
    assert ModModel({}).call("mod", ["-500.123", "12.456"]) == Decimal("-1.883")


def test_ampscript_plural_rules_render_exactly_through_the_model() -> None:
    failures = []
    for label, body, data, expected in CASES:
        got = ModModel(attributes(data)).run(emit("ampscript", body))
        if got != expected:
            failures.append(f"{label}: expected {expected!r}, got {got!r}")
    assert failures == []


# --- what each target writes: the documented Polish example ---------------------------------------

# one, few, many, and `other` for decimals ("1,5 pliku")
WORDS: list[ir.Body] = [(ir.Text(w),) for w in ("plik", "pliki", "plików", "pliku")]
POLISH_WORDS = select_form(N, POLISH.expr, WORDS)
FTL_HEADER_RE = re.compile(r'\A<#ftl output_format="HTML" strip_whitespace=false\n>')


def documented(target: str, lang: str) -> str:
    """The ```lang block after the doc page's "Plural rules" heading."""
    doc = (DOCS / f"{target}.md").read_text("utf-8")
    section = doc.split("Plural rules", 1)[1]
    match = re.search(rf"^```{lang}\n(.*?)\n^```$", section, re.M | re.S)
    assert match, f"no {lang} example after 'Plural rules' in {target}.md"
    return match.group(1)


# (target, the example's fence language, the emitted text as documented). Cheetah and AMPscript
# examples are ```text: their pages' tests read the one ```cheetah / ```ampscript block they hold.
TEXT_CHECKS: list[tuple[str, str, Callable[[str], str]]] = [
    ("liquid", "liquid", lambda out: out),
    ("freemarker", "ftl", lambda out: FTL_HEADER_RE.sub("", out)),  # after the ftl header
    ("cheetah", "text", lambda out: out),
    ("ampscript", "text", lambda out: out),
    ("handlebars", "handlebars", lambda out: out),
]


@pytest.mark.parametrize(
    ("target", "lang", "body_of"), TEXT_CHECKS, ids=[t for t, _, _ in TEXT_CHECKS]
)
def test_the_documented_plural_example_is_what_the_target_writes(
    target: str, lang: str, body_of: Callable[[str], str]
) -> None:
    assert body_of(emit(target, POLISH_WORDS)) == documented(target, lang)


def test_the_emitted_tests_read_like_the_language() -> None:
    assert emit("jinja", POLISH_WORDS).startswith(
        "{% if not ((n is integer or (n is float and n % 1 == 0)) and n >= 0) %}pliku"
    )
    freemarker = emit("freemarker", POLISH_WORDS)
    assert "<#if !(n?? && n?is_number && n gte 0 && n == n?floor)>pliku" in freemarker
    assert "((n % 10 gte 2) && (n % 10 lte 4))" in freemarker  # `>` would end the tag
    cheetah = emit("cheetah", POLISH_WORDS)
    assert "#if not tk_count(tk_var('n'))#pliku#elif tk_var('n') == 1#plik" in cheetah
    handlebars = emit("handlebars", POLISH_WORDS)
    assert "{{else if (tk_eq n 1)}}plik" in handlebars and "(tk_gt (tk_mod n 100) 14)" in handlebars
    ampscript = emit("ampscript", POLISH_WORDS)
    # a match is tested with Empty (AMPscript compares "0" with "" as 0 with 0); the NOT ends
    # its compound, inside parentheses (ampscript-core reads NOT A AND B as NOT (A AND B))
    assert '"number" AND NOT Empty(RegExMatch(AttributeValue("n"), "^[0-9]+\\z", 0)))' in ampscript
    assert '(Mod(AttributeValue("n"), 100) > 14)' in ampscript
    liquid = emit("liquid", POLISH_WORDS)
    # the count is normalized once per chain; each remainder is computed once
    assert liquid.count("| plus: 0") == 1
    assert liquid.count("| modulo: 10 ") == liquid.count("| modulo: 100 ") == 1


# French: a decimal count (1.5) is `one` when its integer digits i are 0 or 1.
FRENCH_WORDS = select_form(
    N, FRENCH.expr, [(ir.Text(w),) for w in ("un", "million", "des")], decimals=FRENCH.decimals
)


def test_the_decimal_tests_read_like_the_language() -> None:
    assert (
        "{% if not ((n is integer or (n is float and n % 1 == 0)) and n >= 0) %}"
        "{% if (n is float and n % 1 != 0 and n > 0) %}{% if n|int <= 1 %}un{% else %}des"
        "{% endif %}{% else %}des{% endif %}{% elif n <= 1 %}un"
    ) in emit("jinja", FRENCH_WORDS)
    assert (
        "<#if n?? && n?is_number && n gt 0 && n != n?floor><#if n?floor lte 1>un<#else>des</#if>"
    ) in emit("freemarker", FRENCH_WORDS)
    assert (
        "#if tk_decimal(tk_var('n'))##if tk_operand(tk_var('n'), 'i') <= 1#un#else#des#end if#"
    ) in emit("cheetah", FRENCH_WORDS)
    assert (
        '{{#if (tk_decimal n)}}{{#if (tk_le (tk_operand n "i") 1)}}un{{else}}des{{/if}}'
    ) in emit("handlebars", FRENCH_WORDS)
    assert 'IF RegExMatch(AttributeValue("n"), "^[0-9]+", 0) <= 1 THEN' in emit(
        "ampscript", FRENCH_WORDS
    )
    liquid = emit("liquid", FRENCH_WORDS)
    assert "{% if tk_v != n and n > 0 %}" in liquid and "| floor %}{% if tk_i5 <= 1 %}un" in liquid
    # Croatian reads the fraction digits: f % 10, f % 100
    croatian = plural_rule("hr")
    words = [(ir.Text(c),) for c in croatian.categories]
    hr = select_form(N, croatian.expr, words, decimals=croatian.decimals)
    assert 'n|string|replace(n|int|string ~ ".", "", 1)|int % 10 == 1' in emit("jinja", hr)
    assert 'n?c?keep_after(".")?number % 10 == 1' in emit("freemarker", hr)
    assert '| append: "" | split: "." %}' in emit("liquid", hr)
    assert '(tk_eq (tk_mod (tk_operand n "f") 10) 1)' in emit("handlebars", hr)
    assert 'Mod(RegExMatch(AttributeValue("n"), "[0-9]+\\z", 0), 10) == 1' in emit("ampscript", hr)


# --- Mandrill: rules that only compare the count; % refused ---------------------------------------

MANDRILL_HINT_MOD = (
    "(hint: Mandrill's backtick comparisons have no arithmetic; choose the plural form before "
    "sending, or compile for a locale whose rule only compares the count, such as en, de or ja)"
)
MANDRILL_HINT_TYPE = (
    "(hint: large counts and values that are not counts take different forms, and Mandrill "
    "cannot tell them apart; choose the plural form before sending)"
)
MANDRILL_HINT_DECIMAL = (
    "(hint: Mandrill cannot tell a decimal count such as 1.5 from a whole one; choose the "
    "plural form before sending)"
)


def mandrill(body: ir.Body, locale: str | None = None) -> str:
    emitter = get_emitter("mandrillhandlebars")(html=True, file="t.html")
    emitter.locale = locale  # what compiling a project's template sets
    return emitter.emit(body)


def mandrill_refusal(body: ir.Body, locale: str | None = None) -> str:
    with pytest.raises(CompileError) as info:
        mandrill(body, locale)
    assert info.value.construct in get_emitter("mandrillhandlebars").refuses
    return str(info.value)


@pytest.mark.parametrize("locale", ["pl-PL", "ar", "fr-FR"])
def test_mandrill_refuses_a_plural_rule_with_modulo_naming_the_locale(locale: str) -> None:
    rule = plural_rule(locale)
    body = select_form(N, rule.expr, forms(rule.count), ir.Pos(3, 7))
    assert mandrill_refusal(body, locale) == (
        f"t.html:3:7: the mandrillhandlebars target cannot express the {locale} plural rule, "
        f"which needs % {MANDRILL_HINT_MOD}"
    )
    assert mandrill_refusal(body) == (  # compiled without a locale (the IR alone)
        f"t.html:3:7: the mandrillhandlebars target cannot express a plural rule with % "
        f"{MANDRILL_HINT_MOD}"
    )


def test_mandrill_refuses_a_rule_where_large_counts_do_not_take_the_last_form() -> None:
    # No CLDR rule without % does this (large counts take `other`, the last form), but a
    # gettext rule may, like Babel's old Welsh one: n==1 ? 1 : … : 0, where 7 takes form 0.
    body = select_form(N, "n==1 ? 1 : n==2 ? 2 : 0", forms(3), ir.Pos(2, 1))
    assert mandrill_refusal(body, "cy") == (
        "t.html:2:1: the mandrillhandlebars target cannot express the cy plural rule, which "
        f"needs a type test {MANDRILL_HINT_TYPE}"
    )
    # a type test anywhere else than first in a plural chain
    stray = (ir.If(((ir.IsCount(N), (ir.Text("c"),)),), (), ir.Pos(1, 2)),)
    assert mandrill_refusal(stray) == (
        "t.html:1:2: the mandrillhandlebars target cannot express a plural rule that needs a "
        f"type test {MANDRILL_HINT_TYPE}"
    )


@pytest.mark.parametrize("locale", ["cs", "he", "hi"])
def test_mandrill_refuses_a_rule_with_forms_for_decimal_counts(locale: str) -> None:
    # Czech: every decimal is `many`; Hebrew and Hindi: 0.5 is `one`. Mandrill's `==` cannot
    # tell 1.5 from a large count.
    rule = plural_rule(locale)
    assert rule.decimals is not None
    body = select_form(N, rule.expr, forms(rule.count), ir.Pos(4, 2), decimals=rule.decimals)
    assert mandrill_refusal(body, locale) == (
        f"t.html:4:2: the mandrillhandlebars target cannot express the {locale} plural rule, "
        f"which gives decimal counts forms of their own {MANDRILL_HINT_DECIMAL}"
    )


def test_mandrill_refuses_a_count_that_is_a_loop_variable() -> None:
    english = plural_rule("en")
    index0 = select_form(ir.LoopVar("index0"), english.expr, forms(2), ir.Pos(1, 9))
    body = (ir.For("i", ir.Path(("items",)), index0),)
    assert mandrill_refusal(body, "en") == (
        "t.html:1:9: the mandrillhandlebars target cannot express a comparison with a loop "
        "variable (hint: test loop.first or loop.last, or compare a value of the item)"
    )


def in_mandrill_loop(rule: PluralRule) -> ir.Body:
    return (ir.For("i", ir.Path(("items",)), (*chooser(rule, ITEM), ir.Text(";"))),)


def test_mandrill_compares_the_count_with_whole_numbers_only() -> None:
    english = plural_rule("en")  # n==1 ? 0 : 1
    assert mandrill(chooser(english), "en") == (
        "{{#if `n == 1`}}0:{{this.n}}{{else}}1:{{this.n}}{{/if}}"
    )
    lingala = plural_rule("ln")  # n>1: n == 0 or n == 1 takes form 0, the rest form 1
    assert mandrill(chooser(lingala, NESTED), "ln") == (
        "{{#if `cart.n == 0`}}0:{{this.cart.n}}{{else}}{{#if `cart.n == 1`}}0:{{this.cart.n}}"
        "{{else}}1:{{this.cart.n}}{{/if}}{{/if}}"
    )
    # Irish, n==1 ? 0 : n==2 ? 1 : n>=3 && n<=6 ? 2 : …, on a loop item: n>=3 as "not 0, 1 or
    # 2" and n<=6 as "0 … 6"
    irish = mandrill(in_mandrill_loop(plural_rule("ga")), "ga")
    assert irish.startswith("{{#each this.items}}{{#if `n == 1`}}0:{{this.n}}{{else}}")
    # n>=3: not 0, 1 or 2; then n<=6: 0 … 6
    assert re.findall(r"`n == (\d+)`", irish)[:13] == [
        *("1", "2", "0", "0", "1", "2"),
        *("3", "4", "5", "6", "0", "1", "2"),
    ]


# Mandrill's backtick comparisons run in handlebars.js through tests/differential/mandrill_model:
# a number compared with a number as documented; for the undocumented pairs (a missing value, "1"
# or true against 1) the model says "not equal" (docs/targets/handlebars.md lists them).
# One locale for each rule Mandrill compiles (see the walk over every rule below).
MANDRILL_LOCALES = ["en", "ln", "se", "ksh", "tzm", "gd", "cy", "ga", "ja-JP"]
MANDRILL_VALUES: list[Any] = [*range(0, 25), 100, 2.0, 2.5, 0.5, -1, -2, None, MISSING, "1", True]


def test_mandrill_plural_rules_choose_the_reference_form_in_handlebars_js() -> None:
    require_engine("handlebars")
    env = environment(autoescape=True)
    labels, batch, expected = [], [], []
    for locale in MANDRILL_LOCALES:
        rule = plural_rule(locale)
        for body in (chooser(rule), in_mandrill_loop(rule)):
            template = model(mandrill(body, locale))
            reference = env.from_string(emit("jinja", body))
            for value in MANDRILL_VALUES:
                n = {} if value is MISSING else {"n": value}
                data: dict[str, Any] = {"items": [n, n]} if isinstance(body[0], ir.For) else n
                labels.append(f"{locale} {value!r} {type(body[0]).__name__}")
                batch.append({"template": template, "data": data, "helpers": MODEL_JS})
                expected.append(reference.render(data))
    results = render_batch("handlebars", batch)  # one engine process for every case
    failures = [
        f"{label}: expected {want!r}, got {got}"
        for label, want, got in zip(labels, expected, results, strict=True)
        if got != {"ok": True, "output": want}
    ]
    assert failures == []
    assert len(results) == len(MANDRILL_LOCALES) * 2 * len(MANDRILL_VALUES) == 9 * 2 * 35


def test_the_documented_mandrill_plural_examples_are_what_it_writes() -> None:
    section = (DOCS / "handlebars.md").read_text("utf-8").split("### Plural rules in Mandrill")[1]
    match = re.search(r"^```handlebars\n(.*?)\n^```$", section, re.M | re.S)
    assert match, "no handlebars example after 'Plural rules in Mandrill'"
    lingala = select_form(N, plural_rule("ln").expr, [(ir.Text("one"),), (ir.Text("other"),)])
    assert match.group(1) == mandrill(lingala, "ln")
    english = select_form(N, plural_rule("en").expr, [(ir.Text("file"),), (ir.Text("files"),)])
    assert f"``{mandrill(english, 'en')}``" in section


def test_a_single_form_language_needs_no_test() -> None:
    japanese = plural_rule("ja")
    assert japanese.count == 1
    body = select_form(N, japanese.expr, forms(1))
    assert not any(isinstance(node, ir.If) for node in ir.walk(body))
    assert mandrill(body, "ja") == "0:{{this.n}}"


# --- every locale Babel knows: each distinct rule once per engine -------------------------------

# The counts every rule is rendered for: 0 to 200, and decimals whose operands CLDR's rules
# test (v = 1, 2, 3; f % 10 and f % 100 from 1 to 21, f = 1 with v = 2) on several whole parts.
WHOLE_PARTS = (0, 1, 2, 3, 5, 11, 21, 101)
FRACTIONS = ("1", "2", "3", "4", "5", "9", "01", "11", "12", "13", "14", "21", "25", "111")
COUNTS: list[int | Decimal] = [
    *range(201),
    *(Decimal(f"{i}.{f}") for i in WHOLE_PARTS for f in FRACTIONS),
]
# Values that are not counts: each takes `other` in every rule.
NOT_COUNTS: list[Any] = [-1, -1.5, "1", "1.5", True, None]
ITEM_X = ir.Path(("x",))


def locales_by_rule() -> dict[PluralRule, list[str]]:
    """Babel's locales, grouped by the rule tmplkit derives for them."""
    groups: dict[PluralRule, list[str]] = {}
    for tag in localedata.locale_identifiers():
        groups.setdefault(plural_rule(tag.replace("_", "-")), []).append(tag)
    return groups


GROUPS = locales_by_rule()


def walk_body(rule: PluralRule) -> ir.Body:
    """One line per value: the CLDR category the rule's chain prints for it."""
    named = [(ir.Text(category + ";"),) for category in rule.categories]
    chain = select_form(ITEM_X, rule.expr, named, decimals=rule.decimals)
    return (ir.For("x", ir.Path(("counts",)), chain),)


WALK_DATA = {"counts": [float(c) if isinstance(c, Decimal) else c for c in COUNTS] + NOT_COUNTS}


def cldr_output(tags: list[str]) -> str:
    """What CLDR (Babel's rule, evaluated by test_cldr_plurals.category) says for the counts."""
    from tests.test_cldr_plurals import category

    rule = Locale.parse(tags[0]).plural_form
    return "".join(category(rule, c) + ";" for c in COUNTS) + "other;" * len(NOT_COUNTS)


def test_babel_s_locales_have_few_distinct_rules() -> None:
    assert len(localedata.locale_identifiers()) == 1082
    assert len(GROUPS) == 34
    for rule, tags in GROUPS.items():  # the grouping is by CLDR's own rule text, too
        assert len({tuple(sorted(Locale.parse(t).plural_form.rules.items())) for t in tags}) >= 1
        assert all(cldr_output([t]) == cldr_output(tags) for t in tags[:3] + tags[-3:]), rule


def test_every_rule_renders_cldr_s_categories_in_the_reference() -> None:
    env = environment(autoescape=False)
    failures = [
        tags[0]
        for rule, tags in GROUPS.items()
        if env.from_string(emit("jinja", walk_body(rule))).render(WALK_DATA) != cldr_output(tags)
    ]
    assert failures == []


@pytest.mark.parametrize(("target", "engine"), ENGINES, ids=[f"{t}-{e}" for t, e in ENGINES])
def test_every_rule_renders_cldr_s_categories_in_the_engine(target: str, engine: str) -> None:
    require_engine(engine)
    extra = {"helpers": HELPERS_JS} if engine == "handlebars" else {}
    rules = list(GROUPS)
    batch = [{"template": emit(target, walk_body(r)), "data": WALK_DATA, **extra} for r in rules]
    results = render_batch(engine, batch)  # one engine process for every rule
    failures = [
        GROUPS[rule][0]
        for rule, result in zip(rules, results, strict=True)
        if result != {"ok": True, "output": cldr_output(GROUPS[rule])}
    ]
    assert failures == []


def test_every_rule_renders_cldr_s_categories_in_the_ampscript_model() -> None:
    data = attributes(WALK_DATA)
    failures = [
        tags[0]
        for rule, tags in GROUPS.items()
        if ModModel(data).run(emit("ampscript", walk_body(rule))) != cldr_output(tags)
    ]
    assert failures == []


def compile_each_rule(
    compile_one: Callable[[PluralRule, str], str],
) -> tuple[dict[PluralRule, str], dict[str, list[str]]]:
    """Each distinct rule of GROUPS compiled by `compile_one(rule, its first locale)`, and the
    locales of the rules refused, by why ("needs %", …)."""
    compiled: dict[PluralRule, str] = {}
    refused: dict[str, list[str]] = {}
    for rule, tags in GROUPS.items():
        try:
            compiled[rule] = compile_one(rule, tags[0])
        except CompileError as exc:
            which = str(exc).split(", which ")[1].split(" (hint")[0]
            refused.setdefault(which, []).extend(tags)
    return compiled, refused


def test_every_rule_compiles_for_mandrill_or_is_refused_and_renders_cldr_s_categories() -> None:
    """Mandrill writes the rules that only compare whole counts and whose decimals all take
    `other`: 9 rules, 808 locales; it refuses 17 rules that need % and 8 whose decimal counts
    have forms of their own (docs/targets/handlebars.md#plural-rules-in-mandrill)."""
    require_engine("handlebars")
    compiled, refused = compile_each_rule(lambda rule, tag: model(mandrill(walk_body(rule), tag)))
    assert {which: len(tags) for which, tags in refused.items()} == {
        "needs %": 201,
        "gives decimal counts forms of their own": 73,
    }
    assert (len(compiled), sum(len(GROUPS[r]) for r in compiled)) == (9, 808)
    rules = list(compiled)
    batch = [{"template": compiled[r], "data": WALK_DATA, "helpers": MODEL_JS} for r in rules]
    results = render_batch("handlebars", batch)
    failures = [
        GROUPS[rule][0]
        for rule, result in zip(rules, results, strict=True)
        if result != {"ok": True, "output": cldr_output(GROUPS[rule])}
    ]
    assert failures == []
