"""`render --strict` and its warnings cover the parts `--format` prints, no others (issue 20,
item 3): a subject rendered strictly does not fail on a string only the HTML part has."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tmplkit.pipeline import resolve
from tmplkit.rendering import parts_for_format
from tmplkit.store.project_locales import add_locales

from .conftest import ProjectEnv

Run = Callable[..., Any]
HELLO = (
    "error: template order-confirmation: no fr-CA translation of 'Hello!' (hint: translate it, or "
    "render without --strict to fall back to the source)\n"
)
# fr-CA falls back to fr-FR's catalog: a warning, under --strict too
SUBJECT_FR = "warning: template order-confirmation: 'Subject': no fr-CA translation; using fr-FR\n"


@pytest.fixture
def half_translated(project: ProjectEnv, run: Run, tmp_path: Path) -> ProjectEnv:
    """The subject ("Subject") translated into fr-FR, the HTML part's "Hello!" not."""
    add_locales(project.project, ["fr-FR"])
    po = tmp_path / "fr.po"
    po.write_text('msgid "Subject"\nmsgstr "Objet"\n', "utf-8")
    assert run("--project", project.root, "i18n", "import", "fr-FR", po).code == 0
    return project


def render(env: ProjectEnv, run: Run, *args: str) -> Any:
    return run("--project", env.root, "render", env.draft.id, "--locale", "fr-CA", *args)


def test_strict_subject_ignores_a_string_only_the_html_part_has(
    half_translated: ProjectEnv, run: Run
) -> None:
    # Before: exit 1 and the error about 'Hello!', a string of the HTML part.
    result = render(half_translated, run, "--strict", "--format", "subject")
    assert (result.code, result.out, result.err) == (0, "Objet\n", SUBJECT_FR)


@pytest.mark.parametrize("fmt", ["html", "text", "message", "json"])
def test_strict_fails_for_formats_that_print_the_html_part(
    half_translated: ProjectEnv, run: Run, fmt: str
) -> None:
    """text and message print the text part, derived from the HTML (the draft has none)."""
    result = render(half_translated, run, "--strict", "--format", fmt)
    assert (result.code, result.out, result.err) == (1, "", HELLO)


def test_warnings_are_those_of_the_parts_printed(half_translated: ProjectEnv, run: Run) -> None:
    subject = render(half_translated, run, "--format", "subject")
    # Before: "warning: … no fr-CA translation of 'Hello!' …" under the subject as well.
    assert (subject.code, subject.out, subject.err) == (0, "Objet\n", SUBJECT_FR)
    html = render(half_translated, run, "--format", "html")
    assert html.code == 0
    assert html.err == (
        "warning: template order-confirmation: 'Hello!': no fr-CA translation; using the source "
        "(en-US)\n"
    )
    whole = json.loads(render(half_translated, run, "--format", "json").out)
    assert (whole["subject"], whole["text"]) == ("Objet", "Hello!\n")


def test_strict_text_with_its_own_text_part_ignores_the_html(
    half_translated: ProjectEnv, run: Run
) -> None:
    env = half_translated
    env.project.drafts.write_part(env.draft.id, "text", "{% trans %}Subject{% endtrans %}\n")
    result = render(env, run, "--strict", "--format", "text")
    assert (result.code, result.out, result.err) == (0, "Objet\n", SUBJECT_FR)
    env.project.drafts.write_part(env.draft.id, "subject", "{% trans %}Hello!{% endtrans %}\n")
    text = render(env, run, "--strict", "--format", "text")
    assert (text.code, text.out, text.err) == (0, "Objet\n", SUBJECT_FR)  # no subject printed
    message = render(env, run, "--strict")  # --format message prints the subject
    assert (message.code, message.out, message.err) == (1, "", HELLO)


def test_parts_for_format(project: ProjectEnv) -> None:
    sources = resolve(project.draft.id, project.project, None)
    assert sorted(sources.parts) == ["html", "subject"]
    kept = {f: sorted(parts_for_format(sources, f).parts) for f in ("message", "text", "json")}
    assert kept == {
        "message": ["html", "subject"],
        "text": ["html"],
        "json": ["html", "subject"],
    }
    assert sorted(parts_for_format(sources, "subject").parts) == ["subject"]
    assert sorted(parts_for_format(sources, "sms").parts) == []
