"""Compiled HTML parts carry the styles `tmplkit render` sends: CSS inlined in every target.

Each sample template, compiled to each target in several locales, is rendered with its sample
data by the target's engine (handlebars.js, Shopify Liquid, liquidjs, python-liquid, FreeMarker,
Cheetah; Mandrill and SendGrid through their models in handlebars.js, stock Jinja2 for the jinja
target in tmplkit's environment) and compared with `tmplkit.render`'s HTML as documents: both
parsed by the HTML5 algorithm (html5ever, as css-inline parses) and serialized, whitespace runs
made one. The stylesheet is then in `style` attributes and only its `@media` rules are left in a
`<style>`: the test asserts that too, and that `--no-inline` keeps the source's `<style>`.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import tmplkit
from tests.differential import mandrill_model, sendgrid_model
from tests.differential.harness import normalize
from tests.differential.test_sendgrid import lower_email, upper_tracking_number
from tests.engines import render_batch, require_engine
from tmplkit.compiler import compile_parts
from tmplkit.errors import CompileError
from tmplkit.html5 import serialize as html5_serialize
from tmplkit.pipeline import resolve
from tmplkit.targets.handlebars import HELPERS_JS
from tmplkit.targets.jinja import environment

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = [
    "acme-shop/orders/order-confirmation",
    "acme-shop/orders/shipping-notification",
    "acme-shop/account/password-reset",
    "acme-shop/account/welcome",
]
LOCALES = [None, "de-DE", "ja-JP", "ar-EG"]
# target → (engine, what the case needs, how the compiled text is given to it)
ENGINES: list[tuple[str, str, dict[str, Any]]] = [
    ("jinja", "jinja", {}),
    ("handlebars", "handlebars", {"helpers": HELPERS_JS}),
    ("liquid", "shopify_liquid", {}),
    ("liquid", "liquidjs", {}),
    ("liquid", "python_liquid", {}),
    ("freemarker", "freemarker", {}),
    ("cheetah", "cheetah", {}),
    ("mandrillhandlebars", "handlebars", {"helpers": mandrill_model.MODEL_JS}),
    ("sendgrid", "handlebars", {"helpers": sendgrid_model.MODEL_JS}),
    ("ampscript", "ampscript", {}),  # through the model of tests/differential/test_ampscript.py
]
STYLE_RE = re.compile(r"<style[^>]*>(.*?)</style>", re.S | re.I)


def dom(html: str) -> str:
    return normalize(html5_serialize(html))


def data_for(target: str, data: dict[str, Any]) -> dict[str, Any]:
    """The sample's data as the target's documented convention asks (SendGrid has no case
    helper: it prints the e-mail address and the tracking number as sent, so the sender sends
    them in the case the template asks for)."""
    return upper_tracking_number(lower_email(data)) if target == "sendgrid" else data


def compiled_cases(target: str) -> tuple[list[str], list[str], list[dict[str, Any]]]:
    """(labels, the reference documents, the compiled html with its data) for every sample and
    locale the target compiles; a refusal (a plural rule Mandrill cannot say…) is skipped."""
    project = tmplkit.open_project(ROOT / "sample_templates")
    labels, expected, cases = [], [], []
    for template in TEMPLATES:
        data = resolve(template, project, None).sample_data()
        for locale in LOCALES:
            try:
                compiled = compile_parts(
                    template, target, project=project, locale=locale, inline_formats=True
                )
            except CompileError:
                continue
            assert compiled.html is not None
            message = tmplkit.render(
                template, data_for(target, data), project=project, locale=locale
            )
            labels.append(f"{template} {locale or 'source'}")
            expected.append(message.html)
            text = compiled.html
            if target == "mandrillhandlebars":
                text = mandrill_model.model(text)
            # Mandrill and SendGrid print the values the sender formats (Compiled.preformat)
            cases.append({"template": text, "data": compiled.preformat(data_for(target, data))})
    return labels, expected, cases


def render_ampscript(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from tests.differential.test_ampscript import Model
    from tmplkit.targets.ampscript import sendable_row

    return [
        {"ok": True, "output": Model(sendable_row(c["data"])).run(c["template"])} for c in cases
    ]


def render_jinja(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    env = environment(autoescape=True)
    return [{"ok": True, "output": env.from_string(c["template"]).render(c["data"])} for c in cases]


@pytest.mark.parametrize("target,engine,extra", ENGINES, ids=[f"{t}-{e}" for t, e, _ in ENGINES])
def test_compiled_html_has_the_styles_render_sends(
    target: str, engine: str, extra: dict[str, Any]
) -> None:
    labels, expected, cases = compiled_cases(target)
    if engine == "jinja":
        results = render_jinja(cases)
    elif engine == "ampscript":
        results = render_ampscript(cases)
    else:
        require_engine(engine)
        results = render_batch(engine, [{**c, **extra} for c in cases])
    failures = []
    for label, want, case, result in zip(labels, expected, cases, results, strict=True):
        styles = STYLE_RE.findall(case["template"])
        assert all(s.lstrip().startswith("@media") for s in styles), (label, styles)
        assert 'class="content" style="padding: 32px 40px;' in case["template"], label
        got = dom(result["output"]) if result["ok"] else "ERROR: " + result["error"]
        if got != dom(want):
            failures.append(f"{label}:\n want {dom(want)}\n got  {got}")
    assert failures == []
    # every template compiles in the source locale at least (Mandrill refuses some locales)
    assert {label.split()[0] for label in labels} == set(TEMPLATES)


def test_no_inline_keeps_the_source_style_block(tmp_path: Path) -> None:
    def compile_cli(*options: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "tmplkit", "compile", TEMPLATES[3], "-t", "liquid", *options],
            cwd=ROOT / "sample_templates",
            capture_output=True,
            text=True,
            check=False,
        )
        assert (result.returncode, result.stderr) == (0, "")
        return result.stdout

    source = (
        ROOT / "sample_templates/workspaces/acme-shop/account/welcome/drafts/published/body.html.j2"
    ).read_text("utf-8")
    kept = compile_cli("--no-inline")
    assert STYLE_RE.findall(kept) == STYLE_RE.findall(source)
    assert 'style="padding: 32px 40px;' not in kept
    inlined = compile_cli()
    assert [s.lstrip()[:6] for s in STYLE_RE.findall(inlined)] == ["@media"]
    assert 'class="content" style="padding: 32px 40px;' in inlined


def run_compile(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tmplkit", "compile", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    "body,reason",
    [
        ("<p>{{ body|safe }}</p>", "{{ body|safe }} at line 1:81 may print HTML (|safe)"),
        (
            '<p class="{{ cls }}">x</p>',
            "{{ cls }} at line 1:88 in class= of <p>, which the stylesheet selects on",
        ),
    ],
)
@pytest.mark.parametrize("target", ["liquid", "freemarker", "handlebars", "jinja"])
def test_a_stylesheet_that_cannot_be_inlined_is_left_with_a_warning(
    tmp_path: Path, target: str, body: str, reason: str
) -> None:
    style = "p { color: red; } .x { color: blue; }"
    source = f"<html><head><style>{style}</style></head><body>{body}</body></html>\n"
    (tmp_path / "t.html.j2").write_text(source, "utf-8")
    result = run_compile(tmp_path, "t.html.j2", "-t", target)
    assert result.returncode == 0
    assert result.stderr == (
        f"warning: t.html.j2: CSS not inlined, its <style> left as written: {reason} (hint: let"
        " the sending system inline it, or see docs/performance.md for what inlines)\n"
    )
    assert f"<style>{style}</style>" in result.stdout
    assert "style=" not in result.stdout.replace("<style>", "")
