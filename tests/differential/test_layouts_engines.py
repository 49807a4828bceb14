"""The differential corpus, extended to layouts: a template extending a nested layout (super(),
blocks in an `if` and a `for` of the layout, a block include, translations in both layouts and
in the template; tests/test_layouts.py builds it) compiled to each target, in the source
language and in fr-FR, and rendered by that target's own engine, prints what tmplkit renders,
which tests/test_layouts.py shows is what the same template written flat renders."""

from __future__ import annotations

from typing import Any

import pytest

import tmplkit
from tests.differential.harness import normalize
from tests.differential.test_samples import CHANNEL_ENGINES
from tests.engines import render_batch, require_engine
from tests.test_layouts import DATA, Shop, shop  # noqa: F401 (shop: the fixture)
from tmplkit.compiler import compile_parts

PARTS = ("subject", "html", "text")


@pytest.mark.parametrize(
    "target,engine,extra", CHANNEL_ENGINES, ids=[f"{t}-{e}" for t, e, _ in CHANNEL_ENGINES]
)
def test_a_template_on_layouts_renders_in_each_engine_as_tmplkit_renders_it(
    shop: Shop,  # noqa: F811 (the fixture imported above)
    target: str,
    engine: str,
    extra: dict[str, Any],
) -> None:
    require_engine(engine)
    cases: list[dict[str, Any]] = []
    expected: list[tuple[str, str]] = []
    datasets = {"vip": DATA, "plain": dict(DATA, user={"name": "Al", "vip": False})}
    for locale in (None, "fr-FR"):
        compiled = compile_parts(
            shop.welcome_draft, target, project=shop.project, locale=locale, only=PARTS
        )
        for name, data in datasets.items():
            message = tmplkit.render(shop.welcome_draft, data, project=shop.project, locale=locale)
            for part in PARTS:
                cases.append({"template": getattr(compiled, part), "data": data, **extra})
                expected.append((f"{locale or 'source'} {name} {part}", getattr(message, part)))
    results = render_batch(engine, cases)
    for (label, want), result in zip(expected, results, strict=True):
        assert result["ok"], f"{label}: {result.get('error')}"
        assert normalize(result["output"]) == normalize(want), label
