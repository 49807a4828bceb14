"""The typed differential corpus: every corpus source compiled with its declared variable types to
every target, rendered by the stock engines, equal to the reference for data of those types.

The stock engines: a plain `jinja2.Environment(autoescape=…)`, handlebars.js with no helper
registered but the documented-needed `tk_*` ones the compiled text calls (asserted per source),
Shopify Liquid, LiquidJS, python-liquid, FreeMarker and Cheetah as tests/engines runs them;
AMPscript, Mandrill and SendGrid through their models. The reference is the untyped jinja target
in tmplkit's `environment()`, as `tmplkit render` renders. Data that does not match the types is
what `tmplkit render --strict` reports, with its path.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import pytest

from tests.differential.harness import Mismatch, normalize, reference
from tests.differential.typed_corpus import TYPED_SOURCES, TypedSource, datasets, types_of
from tests.engines import render_batch, require_engine
from tmplkit import compile_string
from tmplkit.errors import CompileError
from tmplkit.targets.handlebars import HELPERS_JS
from tmplkit.targets.jinja import environment


def compiled(typed: TypedSource, target: str) -> str:
    source = typed.source
    return compile_string(
        source.template, target, html=source.html, file=source.name, declare=typed.declare
    )


@cache
def expected(typed: TypedSource, dataset: str) -> str:
    return normalize(reference(typed.source, datasets(typed.profile)[dataset]))


def compare(
    keys: list[tuple[TypedSource, str]], outputs: list[dict[str, Any]]
) -> tuple[int, list[Mismatch]]:
    mismatches = []
    for (typed, name), result in zip(keys, outputs, strict=True):
        got = normalize(result["output"]) if result["ok"] else "ERROR: " + result["error"]
        want = expected(typed, name)
        if got != want:
            mismatches.append(Mismatch(typed.name, name, want, got))
    return len(keys), mismatches


def render_typed(
    target: str,
    engine: str,
    extra: Callable[[TypedSource, str], dict[str, Any]] | None = None,
    to_model: Callable[[str], str] | None = None,
) -> tuple[int, list[Mismatch]]:
    """Every typed source × its profile's data sets, in one engine batch; `extra`: more keys
    of each case (helpers), `to_model`: the text as a model of the target's engine reads it."""
    keys, cases = [], []
    refused: dict[int, dict[str, Any]] = {}  # case index -> the refusal, as an engine error
    for typed in TYPED_SOURCES:
        try:
            text = compiled(typed, target)
        except CompileError as error:
            for name in datasets(typed.profile):
                refused[len(keys)] = {"ok": False, "error": f"refused: {error}"}
                keys.append((typed, name))
            continue
        if to_model is not None:
            text = to_model(text)
        more = extra(typed, text) if extra else {}
        for name, data in datasets(typed.profile).items():
            keys.append((typed, name))
            cases.append({"template": text, "data": data, **more})
    rendered = iter(render_batch(engine, cases))
    return compare(keys, [refused[i] if i in refused else next(rendered) for i in range(len(keys))])


def stock_jinja(typed: TypedSource, text: str) -> jinja2.Environment:
    """A plain `jinja2.Environment(autoescape=<HTML part>)` with only what the compiled text needs
    of environment() as docs/targets/jinja.md lists it: `check_url` for a URL check, `finalize`
    for a printed `scalar` (an untyped value: 3.0 prints 3)."""
    env = jinja2.Environment(autoescape=typed.source.html)
    needs = jinja_needs(typed, text)
    reference_env = environment(autoescape=typed.source.html)
    if "check_url" in needs:
        env.filters["check_url"] = reference_env.filters["check_url"]
    if "finalize" in needs:
        env.finalize = reference_env.finalize
    return env


def jinja_needs(typed: TypedSource, text: str) -> set[str]:
    needs = {"check_url"} if "|check_url(" in text else set()
    if any(v.type == "scalar" for v in types_of(typed.source, typed.profile)):
        needs.add("finalize")
    return needs


def render_stock_jinja() -> tuple[int, list[Mismatch]]:
    keys, outputs = [], []
    for typed in TYPED_SOURCES:
        text = compiled(typed, "jinja")
        template = stock_jinja(typed, text).from_string(text)
        for name, data in datasets(typed.profile).items():
            keys.append((typed, name))
            try:
                outputs.append({"ok": True, "output": template.render(data)})
            except Exception as exc:  # an engine error is a mismatch, as in render_batch
                outputs.append({"ok": False, "error": f"{type(exc).__name__}: {exc}"})
    return compare(keys, outputs)


def handlebars_helpers(typed: TypedSource, text: str) -> dict[str, Any]:
    """No helper for a text that calls none; else the documented ones it calls, and only those
    (tmplkit's source registers them all: the others are unregistered again)."""
    used = sorted(set(re.findall(r"\btk_\w+", text)))
    if not used:
        return {}
    keep = json.dumps(used)
    return {
        "helpers": "function (Handlebars) {\n  (" + HELPERS_JS + ")(Handlebars);\n"
        "  Object.keys(Handlebars.helpers).forEach(function (name) {\n"
        f"    if (name.indexOf('tk_') === 0 && {keep}.indexOf(name) < 0) "
        "Handlebars.unregisterHelper(name);\n  });\n}"
    }


def render_ampscript() -> tuple[int, list[Mismatch]]:
    from tests.differential.test_ampscript import Model
    from tmplkit.targets.ampscript import sendable_row

    keys, outputs = [], []
    for typed in TYPED_SOURCES:
        try:
            text: str | None = compiled(typed, "ampscript")
        except CompileError as error:
            text, refusal = None, f"refused: {error}"
        for name, data in datasets(typed.profile).items():
            keys.append((typed, name))
            if text is None:
                outputs.append({"ok": False, "error": refusal})
                continue
            try:
                outputs.append({"ok": True, "output": Model(sendable_row(data)).run(text)})
            except Exception as exc:
                outputs.append({"ok": False, "error": f"{type(exc).__name__}: {exc}"})
    return compare(keys, outputs)


def render_mandrill() -> tuple[int, list[Mismatch]]:
    from tests.differential.mandrill_model import MODEL_JS, model

    def extra(typed: TypedSource, text: str) -> dict[str, Any]:
        return {"helpers": MODEL_JS}

    return render_typed("mandrillhandlebars", "handlebars", extra, to_model=model)


def render_sendgrid() -> tuple[int, list[Mismatch]]:
    from tests.differential.sendgrid_model import MODEL_JS

    return render_typed("sendgrid", "handlebars", lambda typed, text: {"helpers": MODEL_JS})


RUNS: dict[str, Callable[[], tuple[int, list[Mismatch]]]] = {
    "jinja (stock jinja2.Environment)": render_stock_jinja,
    "handlebars (handlebars.js)": lambda: render_typed(
        "handlebars", "handlebars", handlebars_helpers
    ),
    "handlebarsjava (handlebars.js, tk_* helpers)": lambda: render_typed(
        "handlebarsjava", "handlebars", lambda typed, text: {"helpers": HELPERS_JS}
    ),
    "liquid (liquidjs)": lambda: render_typed("liquid", "liquidjs"),
    "liquid (shopify_liquid)": lambda: render_typed("liquid", "shopify_liquid"),
    "liquid (python_liquid)": lambda: render_typed("liquid", "python_liquid"),
    "freemarker (FreeMarker)": lambda: render_typed("freemarker", "freemarker"),
    "cheetah (Cheetah 3)": lambda: render_typed("cheetah", "cheetah"),
}
ENGINE_OF = {
    "handlebars": "handlebars",
    "handlebarsjava": "handlebars",
    "liquid (liquidjs)": "liquidjs",
    "liquid (shopify_liquid)": "shopify_liquid",
    "liquid (python_liquid)": "python_liquid",
    "freemarker": "freemarker",
    "cheetah": "cheetah",
}
CASES = len(TYPED_SOURCES) * len(datasets("required"))


def test_every_data_set_matches_every_source_s_types() -> None:
    problems = {
        (typed.name, name): types_of(typed.source, typed.profile).validate(data)
        for typed in TYPED_SOURCES
        for name, data in datasets(typed.profile).items()
    }
    assert {key: found for key, found in problems.items() if found} == {}
    assert len(problems) == CASES == 48 * 3 * 32


@pytest.mark.parametrize("run", list(RUNS), ids=lambda r: r.split(" ")[0] + r.split(" ")[1])
def test_typed_corpus_agrees_with_the_reference(run: str) -> None:
    for key, engine in ENGINE_OF.items():
        if run.startswith(key) or f"({engine})" in run:
            require_engine(engine)
    cases, mismatches = RUNS[run]()
    assert cases == CASES
    assert mismatches == [], f"{len(mismatches)} of {cases}:\n" + "\n".join(
        map(str, mismatches[:20])
    )


# --- data that does not match the types: `render --strict` names each path --------------------

SAMPLES = Path(__file__).resolve().parents[2] / "sample_templates"
ORDER = "acme-shop/orders/order-confirmation"
DECLARED = (
    '\n[variables]\n"order.item_count" = "integer"\n"order.lines[].quantity" = "integer"\n'
    '"customer.first_name" = { type = "string", required = false }\n'
)


def test_render_strict_reports_data_that_does_not_match_the_types(run: Any, tmp_path: Path) -> None:
    import shutil

    project = tmp_path / "sample_templates"
    shutil.copytree(SAMPLES, project)
    toml = project / "workspaces" / ORDER / "template.toml"
    toml.write_text(toml.read_text("utf-8") + DECLARED, "utf-8")
    data = json.loads((project / "workspaces" / ORDER / "sample.json").read_text("utf-8"))
    file = tmp_path / "d.json"

    def render(strict: bool = True) -> tuple[int, str, str]:
        file.write_text(json.dumps(data), "utf-8")
        result = run(
            "render", ORDER, "--data", file, *(["--strict"] if strict else []), cwd=project
        )
        return result.code, result.out, result.err

    code, out, err = render()
    assert (code, err) == (0, "") and out  # the sample matches
    data["customer"]["first_name"] = None  # optional: null is allowed
    assert render()[0] == 0
    data["customer"]["first_name"] = 7
    data["order"]["lines"][1]["quantity"] = "2"
    del data["order"]["lines"][0]["price"]
    data["order"]["placed_on"] = "tomorrow"
    assert render() == (
        1,
        "",
        "error: customer.first_name: expected a string, got 7\n"
        "error: order.lines[0].price: missing (expected a number)\n"
        'error: order.lines[1].quantity: expected an integer, got "2"\n'
        'error: order.placed_on: expected a date (YYYY-MM-DD), got "tomorrow"\n',
    )


# Mandrill, SendGrid and AMPscript, through their models: where their documented semantics differ
# from the reference (docs/targets/handlebars.md#mandrillhandlebars, docs/targets/sendgrid.md,
# docs/targets/ampscript.md#typed-variables), by source; everything else agrees exactly.
DEFAULTS = {"default", "default_text", "default_nested", "default_upper", "mixed"}  # "" → fallback
# refused in one line: testing an object; a loop over a list in an item; an index into a list
AMPSCRIPT_REFUSED = {"truthy_obj", "nested_loops", "mixed_text", "index_path"}
REFUSED_INDEX = {"loop_vars", "nested_loops"}  # printing loop.index: refused
DOCUMENTED_DIVERGENCES = {
    "mandrillhandlebars": DEFAULTS | REFUSED_INDEX | {"attribute"},  # URLs unchecked
    "sendgrid": DEFAULTS | REFUSED_INDEX | {"attribute", "upper_lower"},  # upper/lower not applied
    # an empty string is missing to AMPscript (Empty()), so default() replaces it too
    "ampscript": DEFAULTS | AMPSCRIPT_REFUSED,
}


@pytest.mark.parametrize("target", list(DOCUMENTED_DIVERGENCES))
def test_mandrill_and_sendgrid_differ_only_where_documented(target: str) -> None:
    require_engine("handlebars")
    runs = {
        "mandrillhandlebars": render_mandrill,
        "sendgrid": render_sendgrid,
        "ampscript": render_ampscript,
    }
    cases, mismatches = runs[target]()
    assert cases == CASES
    assert {m.source.split(" ")[0] for m in mismatches} == DOCUMENTED_DIVERGENCES[target]
    if target == "ampscript":  # each refused source is refused in every case, in one line
        refused = [m for m in mismatches if m.source.split(" ")[0] in AMPSCRIPT_REFUSED]
        assert len(refused) == len(AMPSCRIPT_REFUSED) * len(datasets("required")) * 3
        assert all("the ampscript target cannot express" in m.got for m in refused)
        # and a default differs only where the value is the empty string
        assert {m.dataset for m in mismatches if m not in refused} == {"empty"}


def test_typed_handlebars_calls_only_documented_helpers() -> None:
    """Which sources still call a tk_* helper with types, and which: comparisons, indexes,
    upper/lower, URL checks, default on a string that may be missing, objects' truthiness,
    loop.index and plural arithmetic: what plain handlebars.js has no way to say."""
    used: dict[str, set[str]] = {}
    for typed in TYPED_SOURCES:
        found = set(re.findall(r"\btk_\w+", compiled(typed, "handlebars")))
        if found:
            used.setdefault(typed.source.name, set()).update(found)
    assert used == {
        "index_path": {"tk_get"},
        "upper_lower": {"tk_upper", "tk_lower"},
        "default": {"tk_default"},
        "default_text": {"tk_default"},
        "default_nested": {"tk_default"},
        "default_upper": {"tk_default", "tk_upper"},
        "attribute": {"tk_url"},
        "if_elif": {"tk_eq"},
        "and_or": {"tk_and", "tk_eq", "tk_or"},
        "compare_ne": {"tk_ne"},
        "compare_number": {"tk_eq", "tk_ne"},
        "compare_decimal": {"tk_eq"},
        "truthy_obj": {"tk_truthy"},
        "loop_vars": {"tk_inc"},
        "nested_loops": {"tk_inc"},
        "loop_outer_ref": {"tk_eq"},
        "loop_condition_inside": {"tk_eq"},
        "plural": {"tk_count", "tk_ne", "tk_not"},
        "mixed": {"tk_and", "tk_default", "tk_eq", "tk_upper"},
    }


def test_typed_jinja_needs_of_environment_only_what_is_documented() -> None:
    needs = {}
    for typed in TYPED_SOURCES:
        found = jinja_needs(typed, compiled(typed, "jinja"))
        if found:
            needs.setdefault(typed.source.name, set()).update(found)
    # check_url: the URL check; finalize: user["first-name"] has no declarable name (scalar)
    assert needs == {"attribute": {"check_url"}, "quoted_key": {"finalize"}}
