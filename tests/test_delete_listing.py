"""`template delete` says what it removes (issue 20, item 4): the template's directory, each of
its drafts and each catalog of it in locales/, at the confirmation and in the output of --yes."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

Run = Callable[..., Any]
WELCOME = "tem_01m2tk2hrwq2n4kgkyppv1bnkx"
LISTING = (
    "  workspaces/acme-shop/account/welcome/\n"
    '  workspaces/acme-shop/account/welcome/drafts/mjml/ (draft "MJML version", IN_PROGRESS)\n'
    '  workspaces/acme-shop/account/welcome/drafts/next/ (draft "Holiday refresh", IN_PROGRESS)\n'
    '  workspaces/acme-shop/account/welcome/drafts/published/ (draft "Launch version", '
    "PUBLISHED)\n"
    "  locales/ar-EG/acme-shop/account/welcome.po\n"
    "  locales/de-DE/acme-shop/account/welcome.po\n"
    "  locales/fr-FR/acme-shop/account/welcome.po\n"
    "  locales/ja-JP/acme-shop/account/welcome.po\n"
    "  locales/pl-PL/acme-shop/account/welcome.po\n"
)
TMPLKIT = [sys.executable, "-m", "tmplkit"]
WHAT = f"template {WELCOME} (Welcome), its 3 drafts and its 5 catalogs"


def test_yes_lists_every_draft_and_catalog_it_deleted(sample_project: Path, run: Run) -> None:
    catalogs = sorted(sample_project.glob("locales/*/acme-shop/account/welcome.po"))
    assert len(catalogs) == 5
    done = run("--project", sample_project, "template", "delete", WELCOME, "--yes")
    # Before: "Deleted template tem_… (Welcome)" and not a word of the five catalogs.
    assert (done.code, done.err) == (0, "")
    assert done.out == f"Deleted {WHAT}:\n{LISTING}"
    assert not any(c.exists() for c in catalogs)
    assert not (sample_project / "workspaces/acme-shop/account/welcome").exists()


def test_a_template_without_catalogs_says_so(sample_project: Path, run: Run) -> None:
    import tmplkit

    project = tmplkit.open_project(sample_project)
    folder = project.templates.get(WELCOME).folder_id
    fresh = project.templates.create(folder, "Fresh")
    done = run("--project", sample_project, "template", "delete", fresh.id, "-y")
    assert done.out == (
        f"Deleted template {fresh.id} (Fresh), its 1 draft and its 0 catalogs:\n"
        "  workspaces/acme-shop/account/fresh/\n"
        '  workspaces/acme-shop/account/fresh/drafts/draft-1/ (draft "Draft 1", IN_PROGRESS)\n'
    )


def test_the_question_at_a_terminal_comes_after_the_listing(
    sample_project: Path, python_env: dict[str, str]
) -> None:
    import pty

    controller, terminal = pty.openpty()
    try:
        proc = subprocess.Popen(
            [*TMPLKIT, "--project", sample_project, "template", "delete", WELCOME],
            stdin=terminal,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=python_env,
            text=True,
        )
        os.write(controller, b"n\n")
        out, err = proc.communicate(timeout=60)
    finally:
        os.close(controller)
        os.close(terminal)
    assert (proc.returncode, err) == (1, "error: aborted\n")
    assert out == f"This removes:\n{LISTING}Delete {WHAT}? [y/N]: "
    assert (sample_project / "workspaces/acme-shop/account/welcome").is_dir()
