"""MJML sources (body.mjml.j2), compiled by the real mrml: the sample welcome's draft written in
MJML renders in every locale with its CSS inlined and a derived text part that reads as the
HTML draft's, compiles to every target, and errors and catalog locations name the MJML file and
its lines; a construct mrml would rewrite is refused with file:line:col."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import Result
from tmplkit.compiler import compile_sources
from tmplkit.pipeline import resolve
from tmplkit.rendering import Renderer
from tmplkit.store import Project
from tmplkit.targets import TARGETS

WELCOME = "acme-shop/account/welcome"
MJML_DRAFT = "tdft_01m96707y1zjtz7d5fen490cb3"  # "MJML version": the published one in MJML
LOCALES = [None, "fr-FR", "de-DE", "pl-PL", "ja-JP", "ar-EG"]
DRAFT_DIR = Path("workspaces/acme-shop/account/welcome/drafts/mjml")
MJML_FILE = DRAFT_DIR / "body.mjml.j2"


def sample(root: Path, slug: str) -> dict[str, object]:
    data: dict[str, object] = json.loads(
        (root / "workspaces" / slug / "sample.json").read_text(encoding="utf-8")
    )
    return data


@pytest.mark.parametrize("locale", LOCALES)
def test_the_mjml_sample_renders_in_every_locale(sample_project: Path, locale: str | None) -> None:
    project = Project(sample_project)
    renderer = Renderer(project)
    data = sample(sample_project, WELCOME)
    message = renderer.render(WELCOME, data, draft=MJML_DRAFT, locale=locale, strict=True)
    html = message.html
    # mrml's responsive layout, the recipient's language on <html> (mrml's own lang gone from
    # its wrapper), the CSS of <mj-style> inlined into style attributes at compile time.
    assert 'class="mj-column-per-100 mj-outlook-group-fix"' in html or "mj-column-per-100" in html
    lang = locale or "en"
    assert re.search(rf'<html lang="{lang}"', html)
    assert 'role="article" lang=' not in html
    assert re.search(r'<h1 style="[^"]*font-size:\s*26px', html)
    assert 'class="plan" style="' in html
    # The text part is derived from the HTML and reads as the HTML welcome's, whose strings
    # (and so translations) it shares.
    plain = renderer.render(WELCOME, data, locale=locale, strict=True)
    assert message.subject == plain.subject
    assert message.text == plain.text


def test_the_mjml_sample_compiles_to_every_target(sample_project: Path) -> None:
    project = Project(sample_project)
    sources = resolve(WELCOME, project, MJML_DRAFT)
    for target in TARGETS:
        compiled = compile_sources(sources, target)
        assert compiled.html, target
        assert "mj-column-per-100" in compiled.html, target


def test_catalog_locations_name_the_mjml_file_and_its_lines(
    sample_project: Path, run_proc: object
) -> None:
    result: Result = run_proc("i18n", "extract", cwd=sample_project)  # type: ignore[operator]
    assert result.code == 0, result.err
    lines = (sample_project / MJML_FILE).read_text(encoding="utf-8").splitlines()
    number = next(i for i, line in enumerate(lines, 1) if "Get started" in line)
    assert f"#: {MJML_FILE.as_posix()}:{number}\n" in result.out or (
        f" {MJML_FILE.as_posix()}:{number}" in result.out
    )


def write_mjml(root: Path, body: str) -> None:
    (root / MJML_FILE).write_text(
        '<mjml lang="en"><mj-body><mj-section><mj-column>\n' + body
        + "\n</mj-column></mj-section></mj-body></mjml>\n",
        encoding="utf-8",
    )  # fmt: skip


def test_a_templated_width_that_mrml_rewrites_is_refused(
    sample_project: Path, run_proc: object
) -> None:
    write_mjml(sample_project, '<mj-image src="https://acme.example/a.png" width="{{ w }}px" />')
    before = {p: p.read_bytes() for p in sample_project.rglob("*") if p.is_file()}
    result: Result = run_proc("render", WELCOME, "--draft", MJML_DRAFT, cwd=sample_project)  # type: ignore[operator]
    assert result.code == 1
    assert result.err == (
        f"error: {MJML_FILE.as_posix()}:2:51: mrml drops or rewrites the template construct "
        "{{ w }} in the width attribute of <mj-image> (hint: mrml computes with this "
        "attribute's value: write a fixed value there)\n"
    )
    assert result.out == ""
    assert {p: p.read_bytes() for p in sample_project.rglob("*") if p.is_file()} == before


def test_errors_in_the_template_name_the_mjml_file_and_line(
    sample_project: Path, run_proc: object
) -> None:
    write_mjml(sample_project, "<mj-text>\n  <p>{{ user.first_name|shout }}</p>\n</mj-text>")
    result: Result = run_proc("render", WELCOME, "--draft", MJML_DRAFT, cwd=sample_project)  # type: ignore[operator]
    assert result.code == 1
    assert result.err.startswith(f"error: {MJML_FILE.as_posix()}:3:")
    assert "shout" in result.err


def test_mjml_that_mrml_cannot_read_is_one_line(sample_project: Path, run_proc: object) -> None:
    (sample_project / MJML_FILE).write_text("<mjml><mj-body><mj-section>", encoding="utf-8")
    result: Result = run_proc("render", WELCOME, "--draft", MJML_DRAFT, cwd=sample_project)  # type: ignore[operator]
    assert (result.code, result.out) == (1, "")
    assert result.err == (
        f"error: {MJML_FILE.as_posix()}: MJML that mrml cannot read: unexpected end of stream "
        "in root template\n"
    )


def test_a_draft_with_both_html_and_mjml_parts_is_refused(
    sample_project: Path, run_proc: object
) -> None:
    (sample_project / DRAFT_DIR / "body.html.j2").write_text("<p>Hi</p>\n", encoding="utf-8")
    result: Result = run_proc("render", WELCOME, "--draft", MJML_DRAFT, cwd=sample_project)  # type: ignore[operator]
    assert result.code == 1
    assert result.err == (
        f"error: {MJML_FILE.as_posix()}: draft tdft_01m96707y1zjtz7d5fen490cb3 "
        '("MJML version") has both body.html.j2 and body.mjml.j2 (hint: keep one: '
        "body.mjml.j2 is compiled to the HTML part)\n"
    )
