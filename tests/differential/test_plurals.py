"""Plural forms through the real engines: gettext rules lowered to IsCount / NumberTest chains.

A translation with a plural becomes an if/elif chain (tmplkit.i18n.plural.select_form): "not a
count" takes the last form, then the language's tests choose one. Each engine-backed target
renders the Polish rule (three forms, `%` 10 and 100, and/or) and the Arabic rule (six forms) for
counts and for every kind of value that is not a count, all in one engine batch per engine, and
the outputs are compared exactly. AMPscript has no engine: its text runs through the model of
test_ampscript.py (with `Mod`). Mandrill writes the rules that only compare the count as backtick
`==` comparisons (run here in handlebars.js through a model of those comparisons) and refuses
the others, naming the locale.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.differential.mandrill_model import MODEL_JS, model
from tests.differential.test_ampscript import Model, number_like
from tests.engines import render_batch, require_engine
from tmplkit import ir
from tmplkit.errors import CompileError
from tmplkit.i18n.locales import plural_rule
from tmplkit.i18n.plural import evaluate, select_form
from tmplkit.targets import get_emitter
from tmplkit.targets.ampscript import attributes
from tmplkit.targets.handlebars import HELPERS_JS
from tmplkit.targets.jinja import environment, print_value

DOCS = Path(__file__).resolve().parents[2] / "docs" / "targets"
MISSING = object()  # the key is absent from the data
N = ir.Path(("n",))
POLISH = plural_rule("pl-PL")
ARABIC = plural_rule("ar")


def forms(count: int, ref: ir.Ref = N) -> list[ir.Body]:
    """Form i prints `i:` and the count, so an output names both the form and the value."""
    return [(ir.Text(f"{i}:"), ir.Output(ir.Value(ref))) for i in range(count)]


def chooser(rule_expr: str, count: int, ref: ir.Ref = N) -> ir.Body:
    return select_form(ref, rule_expr, forms(count, ref))


def printed(value: Any) -> str:
    return "" if value is MISSING else str(print_value(value))


# (value of n, the form the reference chooses)
POLISH_COUNTS = [(0, 2), (1, 0), (2, 1), (5, 2), (12, 2), (22, 1), (25, 2), (101, 2)]
POLISH_OTHERS = [
    (2.0, 1),  # a float without fraction is a count
    (2.5, 2),
    (True, 2),  # never a boolean (Python: True == 1)
    ("2", 2),  # never a string
    (None, 2),
    (MISSING, 2),
    (-1, 2),
]
# Babel's Arabic rule (what plural_rule("ar") gives): `… n%100>=3 && n%100<=10 ? 3 :
# n%100>=0 && n%100<=2 ? 4 : 5`, so 11 takes form 5 and 100 and 102 form 4 (GNU gettext's usual
# Arabic header has `n%100>=11 ? 4 : 5`, the other way round).
ARABIC_COUNTS = [(0, 0), (1, 1), (2, 2), (3, 3), (11, 5), (100, 4), (102, 4)]

# Where the count comes from: a nested path, a loop item, and loop.index.
NESTED = ir.Path(("cart", "n"))
ITEM = ir.Path(("i", "n"))


def in_loop(ref: ir.Ref) -> ir.Body:
    body = (*chooser(POLISH.expr, 3, ref), ir.Text(";"))
    return (ir.For("i", ir.Path(("items",)), body),)


ITEMS = [{"n": 1}, {"n": 3}, {"n": 22}, {"n": 2.5}, {}, {"n": None}, {"n": 12.0}]


def cases() -> list[tuple[str, ir.Body, dict[str, Any], str]]:
    """(label, body, data, exact expected output) for every plural case."""
    out = []
    polish = chooser(POLISH.expr, 3)
    for value, form in POLISH_COUNTS + POLISH_OTHERS:
        data: dict[str, Any] = {} if value is MISSING else {"n": value}
        out.append((f"pl {value!r}", polish, data, f"{form}:{printed(value)}"))
    arabic = chooser(ARABIC.expr, 6)
    for value, form in ARABIC_COUNTS:
        out.append((f"ar {value!r}", arabic, {"n": value}, f"{form}:{value}"))
    nested = chooser(POLISH.expr, 3, NESTED)
    nested_cases: list[tuple[str, dict[str, Any], str]] = [
        ("parent missing", {}, "2:"),
        ("parent null", {"cart": None}, "2:"),
        ("nested count", {"cart": {"n": 24}}, "1:24"),
    ]
    for label, parent, expected in nested_cases:
        out.append((f"nested, {label}", nested, parent, expected))
    out.append(("loop item", in_loop(ITEM), {"items": ITEMS}, "0:1;1:3;1:22;2:2.5;2:;2:;2:12;"))
    # loop.index: 1 2 3 4 5 6 7
    out.append(
        (
            "loop.index",
            in_loop(ir.LoopVar("index")),
            {"items": ITEMS},
            "0:1;1:2;1:3;1:4;2:5;2:6;2:7;",
        )
    )
    return out


CASES = cases()


def test_the_expectations_follow_the_rules() -> None:
    assert POLISH.count == 3 and ARABIC.count == 6
    for value, form in POLISH_COUNTS:
        assert evaluate(POLISH.expr, value) == form
    for value, form in ARABIC_COUNTS:
        assert evaluate(ARABIC.expr, value) == form
    polish = [f for _, f in POLISH_COUNTS + POLISH_OTHERS]
    assert polish == [2, 0, 1, 2, 2, 1, 2, 2, 1, 2, 2, 2, 2, 2, 2]
    # the chain starts with the guard: whatever is not a count takes the last form
    (chain,) = chooser(POLISH.expr, 3)
    assert isinstance(chain, ir.If)
    assert chain.branches[0][0] == ir.Not(ir.IsCount(N))


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
    assert len(results) == len(CASES) == 15 + 7 + 3 + 2


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

WORDS: list[ir.Body] = [(ir.Text("plik"),), (ir.Text("pliki"),), (ir.Text("plików"),)]
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
        "{% if not ((n is integer or (n is float and n % 1 == 0)) and n >= 0) %}plików"
    )
    freemarker = emit("freemarker", POLISH_WORDS)
    assert "<#if !(n?? && n?is_number && n gte 0 && n == n?floor)>plików" in freemarker
    assert "((n % 10 gte 2) && (n % 10 lte 4))" in freemarker  # `>` would end the tag
    cheetah = emit("cheetah", POLISH_WORDS)
    assert "#if not tk_count(tk_var('n'))#plików#elif tk_var('n') == 1#plik" in cheetah
    handlebars = emit("handlebars", POLISH_WORDS)
    assert "{{else if (tk_eq n 1)}}plik" in handlebars and "(tk_ge (tk_mod n 100) 20)" in handlebars
    ampscript = emit("ampscript", POLISH_WORDS)
    assert 'RegExMatch(AttributeValue("n"), "^[0-9]+\\z", 0) != ""' in ampscript
    assert '(Mod(AttributeValue("n"), 100) >= 20)' in ampscript
    liquid = emit("liquid", POLISH_WORDS)
    # the count is normalized once per chain; each remainder is computed once
    assert liquid.count("| plus: 0") == 1
    assert liquid.count("| modulo: 10 ") == liquid.count("| modulo: 100 ") == 1


# --- Mandrill: rules that only compare the count; % refused ---------------------------------------

MANDRILL_HINT_MOD = (
    "(hint: Mandrill's backtick comparisons have no arithmetic; choose the plural form before "
    "sending, or compile for a locale whose rule only compares the count, such as en, de, fr or "
    "ja)"
)
MANDRILL_HINT_TYPE = (
    "(hint: large counts and values that are not counts take different forms, and Mandrill "
    "cannot tell them apart; choose the plural form before sending)"
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


@pytest.mark.parametrize("locale", ["pl-PL", "ar"])
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
    # Welsh: n==1 ? 1 : n==2 ? 2 : n==3 ? 3 : n==6 ? 4 : 0; 7 takes form 0, "2" the last (4)
    welsh = plural_rule("cy")
    body = select_form(N, welsh.expr, forms(welsh.count), ir.Pos(2, 1))
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


def test_mandrill_refuses_a_count_that_is_a_loop_variable() -> None:
    english = plural_rule("en")
    index0 = select_form(ir.LoopVar("index0"), english.expr, forms(2), ir.Pos(1, 9))
    body = (ir.For("i", ir.Path(("items",)), index0),)
    assert mandrill_refusal(body, "en") == (
        "t.html:1:9: the mandrillhandlebars target cannot express a comparison with a loop "
        "variable (hint: test loop.first or loop.last, or compare a value of the item)"
    )


def in_mandrill_loop(rule_expr: str, count: int) -> ir.Body:
    return (ir.For("i", ir.Path(("items",)), (*chooser(rule_expr, count, ITEM), ir.Text(";"))),)


def test_mandrill_compares_the_count_with_whole_numbers_only() -> None:
    english = plural_rule("en")  # n != 1: the forms swap around n == 1
    assert mandrill(chooser(english.expr, 2), "en") == (
        "{{#if `n == 1`}}0:{{this.n}}{{else}}1:{{this.n}}{{/if}}"
    )
    french = plural_rule("fr-FR")  # n > 1: n == 0 or n == 1 takes form 0, the rest form 1
    assert mandrill(chooser(french.expr, 2, NESTED), "fr-FR") == (
        "{{#if `cart.n == 0`}}0:{{this.cart.n}}{{else}}{{#if `cart.n == 1`}}0:{{this.cart.n}}"
        "{{else}}1:{{this.cart.n}}{{/if}}{{/if}}"
    )
    # Czech, n==1 ? 0 : n>=2 && n<=4 ? 1 : 2, on a loop item: n == 1, then n>=2 as "not 0 or
    # 1" and n<=4 as "0, 1, 2, 3 or 4"
    czech = mandrill(in_mandrill_loop(plural_rule("cs").expr, 3), "cs")
    assert czech.startswith("{{#each this.items}}{{#if `n == 1`}}0:{{this.n}}{{else}}")
    assert re.findall(r"`n == (\d+)`", czech) == ["1", "0", "1", "0", "1", "2", "3", "4"]


# Mandrill's backtick comparisons run in handlebars.js through tests/differential/mandrill_model:
# a number compared with a number as documented; for the undocumented pairs (a missing value, "1"
# or true against 1) the model says "not equal" (docs/targets/handlebars.md lists them).
# One locale for every distinct Babel rule without % (cy is refused above).
MANDRILL_LOCALES = ["en", "de-DE", "fr-FR", "pt-BR", "cs", "ga", "ja-JP"]
MANDRILL_VALUES: list[Any] = [*range(0, 25), 100, 2.0, 2.5, 0.5, -1, -2, None, MISSING, "1", True]


def test_mandrill_plural_rules_choose_the_reference_form_in_handlebars_js() -> None:
    require_engine("handlebars")
    env = environment(autoescape=True)
    labels, batch, expected = [], [], []
    for locale in MANDRILL_LOCALES:
        rule = plural_rule(locale)
        for body in (chooser(rule.expr, rule.count), in_mandrill_loop(rule.expr, rule.count)):
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
    assert len(results) == len(MANDRILL_LOCALES) * 2 * len(MANDRILL_VALUES) == 7 * 2 * 35


def test_the_documented_mandrill_plural_examples_are_what_it_writes() -> None:
    section = (DOCS / "handlebars.md").read_text("utf-8").split("### Plural rules in Mandrill")[1]
    match = re.search(r"^```handlebars\n(.*?)\n^```$", section, re.M | re.S)
    assert match, "no handlebars example after 'Plural rules in Mandrill'"
    french = select_form(
        N, plural_rule("fr-FR").expr, [(ir.Text("fichier"),), (ir.Text("fichiers"),)]
    )
    assert match.group(1) == mandrill(french, "fr-FR")
    english = select_form(N, plural_rule("en").expr, [(ir.Text("file"),), (ir.Text("files"),)])
    assert f"``{mandrill(english, 'en')}``" in section


def test_a_single_form_language_needs_no_test() -> None:
    japanese = plural_rule("ja")
    assert japanese.count == 1
    body = select_form(N, japanese.expr, forms(1))
    assert not any(isinstance(node, ir.If) for node in ir.walk(body))
    assert mandrill(body, "ja") == "0:{{this.n}}"
