"""`tmplkit template move ID --folder FOLDER_ID`: the template's directory and each locale's
catalog move in one transaction, all or nothing (issue 20)."""

from __future__ import annotations

import errno
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import tmplkit
from tmplkit.errors import StorageError
from tmplkit.store import transaction

Run = Callable[..., Any]
Snapshot = Callable[[Path], dict[str, bytes | None]]
WELCOME = "tem_01m2tk2hrwq2n4kgkyppv1bnkx"
ACCOUNT = "fdr_01m2fgtf9x6zrbvbj3zw1fww8y"
ORDERS = "fdr_01m2fgpt84sdm1efgywbqr3wrz"
WORKSPACE = "fdr_01m2fgk51kmqs79c482bxrdnch"
LOCALES = ["ar-EG", "de-DE", "fr-FR", "ja-JP", "pl-PL"]


def moved_to_orders(root: Path) -> None:
    assert not (root / "workspaces/acme-shop/account/welcome").exists()
    assert (root / "workspaces/acme-shop/orders/welcome/drafts/next/draft.toml").is_file()
    for locale in LOCALES:
        assert not (root / f"locales/{locale}/acme-shop/account/welcome.po").exists()
        assert (root / f"locales/{locale}/acme-shop/orders/welcome.po").is_file()


def test_move_into_another_folder(sample_project: Path, run: Run) -> None:
    root = sample_project
    catalogs = {loc: (root / f"locales/{loc}/acme-shop/account/welcome.po").read_bytes()
                for loc in LOCALES}  # fmt: skip
    result = run("--project", root, "template", "move", WELCOME, "--folder", ORDERS)
    assert (result.code, result.err) == (0, "")
    assert result.out == (
        f"Moved template {WELCOME} (Welcome) to workspaces/acme-shop/orders/welcome\n"
    )
    moved_to_orders(root)
    for locale, data in catalogs.items():
        assert (root / f"locales/{locale}/acme-shop/orders/welcome.po").read_bytes() == data
    template = tmplkit.open_project(root).templates.get("acme-shop/orders/welcome")
    assert (template.id, template.folder_id, template.path) == (
        WELCOME,
        ORDERS,
        f"{WORKSPACE}/{ORDERS}",
    )
    subject = run(
        "--project", root, "render", "acme-shop/orders/welcome",
        "--locale", "fr-FR", "--format", "subject",
    )  # fmt: skip
    assert (subject.code, subject.out) == (0, "Bienvenue chez Acme Shop, Zoë & Léa\u00a0!\n")


def test_move_into_the_workspace_by_slug_path_with_json(sample_project: Path, run: Run) -> None:
    root = sample_project
    result = run(
        "--project", root, "template", "move", "acme-shop/account/welcome",
        "--folder", WORKSPACE, "--json",
    )  # fmt: skip
    assert result.code == 0
    assert f'"path": "{WORKSPACE}"' in result.out
    assert (root / "workspaces/acme-shop/welcome/template.toml").is_file()
    assert (root / "locales/fr-FR/acme-shop/welcome.po").is_file()


def test_refusals_change_nothing(
    sample_project: Path, run: Run, snapshot: Snapshot, tmp_path: Path
) -> None:
    root = sample_project
    project = tmplkit.open_project(root)
    other = project.folders.create("Promotions", WORKSPACE)
    clash = project.templates.create(other.id, "Welcome")
    before = snapshot(root)

    same = run("--project", root, "template", "move", WELCOME, "--folder", ACCOUNT)
    assert (same.code, same.out) == (1, "")
    assert same.err == f"error: template {WELCOME} is already in folder {ACCOUNT} (Account)\n"

    taken = run("--project", root, "template", "move", WELCOME, "--folder", other.id)
    assert taken.err == (
        "error: workspaces/acme-shop/promotions/welcome already exists "
        "(hint: rename one of the two templates first (tmplkit template rename))\n"
    )
    assert clash.dir.is_dir()

    folder = run("--project", root, "template", "move", WELCOME, "--folder", "fdr_nope")
    assert (folder.code, folder.err) == (1, "error: no folder 'fdr_nope'\n")
    template = run("--project", root, "template", "move", "tem_nope", "--folder", ORDERS)
    assert (template.code, template.err) == (1, "error: no template 'tem_nope'\n")
    missing = run("--project", root, "template", "move", WELCOME)
    assert missing.code == 2
    assert "Missing option '--folder'" in missing.err

    assert snapshot(root) == before


def test_a_full_disk_before_the_commit_point_moves_nothing(
    sample_project: Path, snapshot: Snapshot, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(sample_project)
    project = tmplkit.open_project(sample_project)

    def full(self: transaction.Transaction, plan: Any) -> None:
        raise StorageError("no space left on device writing template.toml")

    monkeypatch.setattr(transaction.Transaction, "_stage", full)
    with pytest.raises(StorageError):
        project.templates.move(WELCOME, ORDERS)
    assert snapshot(sample_project) == before


def test_killed_after_the_commit_point_the_next_command_completes_the_move(
    sample_project: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmplkit.open_project(sample_project)
    real = transaction._roll_forward

    def killed_halfway(root: Any, switches: list[dict[str, str]]) -> None:
        real(root, switches[:3])  # template.toml, the directory, one catalog
        raise OSError(errno.EIO, "killed")

    monkeypatch.setattr(transaction, "_roll_forward", killed_halfway)
    with pytest.raises(OSError):
        project.templates.move(WELCOME, ORDERS)
    monkeypatch.setattr(transaction, "_roll_forward", real)
    assert (sample_project / ".tmplkit/txn").is_dir()  # the intent, committed

    listed = run("--project", sample_project, "template", "list", "--name", "welcome")
    assert listed.code == 0
    assert "acme-shop/orders/welcome" in listed.out
    moved_to_orders(sample_project)
    assert not (sample_project / ".tmplkit/txn").exists()
