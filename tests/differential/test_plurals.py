"""Plural forms through the real engines: gettext rules lowered to IsCount / NumberTest chains.

A translation with a plural becomes an if/elif chain (tmplkit.i18n.plural.select_form): "not a
count" takes the last form, then the language's tests choose one. Each engine-backed target
renders the Polish rule (three forms, `%` 10 and 100, and/or) and the Arabic rule (six forms) for
counts and for every kind of value that is not a count, all in one engine batch per engine, and
the outputs are compared exactly. AMPscript has no engine: its text runs through the model of
test_ampscript.py (with `Mod`); Mandrill refuses plural rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

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


# --- Mandrill: refused ----------------------------------------------------------------------------


@pytest.mark.parametrize("rule", [plural_rule("en"), POLISH, ARABIC], ids=["en", "pl", "ar"])
def test_mandrill_refuses_a_plural_rule(rule: Any) -> None:
    body = select_form(N, rule.expr, forms(rule.count), ir.Pos(3, 7))
    emitter = get_emitter("mandrillhandlebars")
    with pytest.raises(CompileError) as info:
        emitter(html=True, file="t.html").emit(body)
    assert info.value.construct == "a plural rule"
    assert info.value.construct in emitter.refuses
    assert str(info.value) == (
        "t.html:3:7: the mandrillhandlebars target cannot express a plural rule (hint: Mandrill "
        "has no arithmetic and no type tests to choose a plural form; compare the count "
        "yourself ({% if n == 1 %}), or choose the text before sending)"
    )


def test_a_single_form_language_needs_no_test() -> None:
    japanese = plural_rule("ja")
    assert japanese.count == 1
    body = select_form(N, japanese.expr, forms(1))
    assert not any(isinstance(node, ir.If) for node in ir.walk(body))
    assert get_emitter("mandrillhandlebars")(html=True).emit(body) == "0:{{this.n}}"
