"""The html target: the part rendered at compile time, through the reference renderer."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_TEMPLATES, Result
from tests.differential.corpus import DATASETS, SOURCES
from tests.differential.harness import reference
from tmplkit import RenderError, compile_parts, compile_string
from tmplkit.targets.html import HtmlEmitter

TEMPLATE = "sample_templates/workspaces/acme-shop/orders/order-confirmation"


def test_every_corpus_source_and_data_set_renders_exactly_like_the_reference() -> None:
    mismatches = []
    for source in SOURCES:
        for name, data in DATASETS.items():
            got = compile_string(source.template, "html", html=source.html, data=data)
            if got != reference(source, data):
                mismatches.append((source.name, name))
    assert mismatches == []


def test_without_data_every_value_is_missing() -> None:
    mismatches = []
    for source in SOURCES:
        got = compile_string(source.template, "html", html=source.html, data=None)
        if got != reference(source, {}):
            mismatches.append(source.name)
    assert mismatches == []
    assert compile_string("<p>Hi {{ name|default('you') }}!</p>", "html") == "<p>Hi you!</p>"


def test_html_parts_escape_and_text_parts_do_not() -> None:
    data = {"name": "<Tom & 'Jerry'>", "n": 2.0, "ok": True}
    src = "{{ name }} {{ n }} {{ ok }}"
    assert compile_string(src, "html", data=data) == "&lt;Tom &amp; &#39;Jerry&#39;&gt; 2 true"
    assert compile_string(src, "html", html=False, data=data) == "<Tom & 'Jerry'> 2 true"


def test_data_that_cannot_render_is_a_render_error() -> None:
    with pytest.raises(RenderError) as exc:
        compile_string("{% for l in n %}{% endfor %}", "html", file="x.j2", data={"n": 3})
    assert str(exc.value) == (
        "x.j2: cannot render with the sample data: 'int' object is not iterable"
    )


def test_target_metadata() -> None:
    assert HtmlEmitter.refuses == ()
    assert HtmlEmitter.helpers is None
    assert HtmlEmitter.summary.startswith("static HTML")


@pytest.fixture
def cwd_with_sample(tmp_path: Path) -> Path:
    """A directory holding a private copy of the sample project as ./sample_templates."""
    shutil.copytree(
        SAMPLE_TEMPLATES,
        tmp_path / "sample_templates",
        ignore=shutil.ignore_patterns(".tmplkit"),
    )
    return tmp_path


def test_cli_compile_to_html_equals_render(
    run: Callable[..., Result], cwd_with_sample: Path
) -> None:
    compiled = run("compile", TEMPLATE, "--target", "html", cwd=cwd_with_sample)
    rendered = run("render", TEMPLATE, "--format", "html", cwd=cwd_with_sample)
    assert (compiled.code, compiled.err) == (0, "")
    assert (rendered.code, rendered.err) == (0, "")
    assert compiled.out == rendered.out
    assert "<h1 " in compiled.out and "{{" not in compiled.out  # CSS inlined, as a send has it


def test_cli_text_part(run: Callable[..., Result], cwd_with_sample: Path) -> None:
    template = "sample_templates/workspaces/acme-shop/account/password-reset"
    compiled = run("compile", template, "-t", "html", "--part", "text", cwd=cwd_with_sample)
    rendered = run("render", template, "--format", "text", cwd=cwd_with_sample)
    assert compiled.code == 0 and compiled.out == rendered.out


def test_compile_parts_uses_the_sample_data(cwd_with_sample: Path) -> None:
    directory = cwd_with_sample / TEMPLATE
    html = compile_parts(str(directory), "html").html
    jinja = compile_parts(str(directory), "jinja").html
    assert html is not None and jinja is not None
    assert html != jinja and "{%" in jinja and "{%" not in html
