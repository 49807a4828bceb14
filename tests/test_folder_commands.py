"""`tmplkit folder rename ID NAME` and `tmplkit folder delete ID [--recursive] [--yes]`: the
folder's directory and the catalogs of the templates inside it, in one transaction; a delete
lists what it removes and refuses a folder that is not empty without --recursive (issue 20)."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import tmplkit

Run = Callable[..., Any]
Snapshot = Callable[[Path], dict[str, bytes | None]]
WORKSPACE = "fdr_01m2fgk51kmqs79c482bxrdnch"
ACCOUNT = "fdr_01m2fgtf9x6zrbvbj3zw1fww8y"
ORDERS = "fdr_01m2fgpt84sdm1efgywbqr3wrz"
LOCALES = ["ar-EG", "de-DE", "fr-FR", "ja-JP", "pl-PL"]

ACCOUNT_CONTENTS = [
    "  template tem_01m2tes7aa7mr85hk6z60dyz85 (Password reset), 2 drafts: "
    "workspaces/acme-shop/account/password-reset/",
    "  template tem_01m2tk2hrwq2n4kgkyppv1bnkx (Welcome), 3 drafts: "
    "workspaces/acme-shop/account/welcome/",
    *(
        f"  catalog locales/{locale}/acme-shop/account/{name}.po"
        for locale in LOCALES
        for name in ("password-reset", "welcome")
    ),
]


def folder_name(directory: Path) -> str:
    with open(directory / "folder.toml", "rb") as fh:
        return str(tomllib.load(fh)["name"])


# --- rename --------------------------------------------------------------------------------------


def test_rename_moves_the_directory_and_the_catalogs(sample_project: Path, run: Run) -> None:
    root = sample_project
    result = run("--project", root, "folder", "rename", ORDERS, "Purchases")
    assert (result.code, result.err) == (0, "")
    assert result.out == (
        f"Renamed folder {ORDERS} to 'Purchases' (workspaces/acme-shop/purchases)\n"
    )
    assert not (root / "workspaces/acme-shop/orders").exists()
    assert folder_name(root / "workspaces/acme-shop/purchases") == "Purchases"
    for locale in LOCALES:
        assert not (root / f"locales/{locale}/acme-shop/orders").exists()
        moved = sorted(p.name for p in (root / f"locales/{locale}/acme-shop/purchases").iterdir())
        assert moved == ["order-confirmation.po", "shipping-notification.po"]
    project = tmplkit.open_project(root)
    assert project.folders.get(ORDERS).dir == root / "workspaces/acme-shop/purchases"
    subject = run(
        "--project", root, "render", "acme-shop/purchases/order-confirmation",
        "--locale", "de-DE", "--format", "subject",
    )  # fmt: skip
    assert (subject.code, subject.err) == (0, "")
    assert subject.out.startswith("Ihre Bestellung")


def test_rename_a_workspace_moves_every_catalog_of_it(sample_project: Path, run: Run) -> None:
    root = sample_project
    result = run("--project", root, "folder", "rename", WORKSPACE, "Acme Store", "--json")
    assert result.code == 0
    assert '"slug": "acme-store"' in result.out
    for locale in LOCALES:
        assert sorted(p.name for p in (root / f"locales/{locale}").iterdir()) == [
            "acme-store",
            "blocks",
        ]
    assert (root / "locales/fr-FR/acme-store/account/welcome.po").is_file()


def test_rename_keeping_the_slug_changes_only_the_name(sample_project: Path, run: Run) -> None:
    result = run("--project", sample_project, "folder", "rename", ORDERS, "ORDERS")
    assert result.out == f"Renamed folder {ORDERS} to 'ORDERS' (workspaces/acme-shop/orders)\n"
    assert folder_name(sample_project / "workspaces/acme-shop/orders") == "ORDERS"


def test_rename_refusals_change_nothing(sample_project: Path, run: Run, snapshot: Snapshot) -> None:
    before = snapshot(sample_project)
    taken = run("--project", sample_project, "folder", "rename", ORDERS, "Account")
    assert (taken.code, taken.out) == (1, "")
    assert taken.err == "error: workspaces/acme-shop/account already exists\n"
    unknown = run("--project", sample_project, "folder", "rename", "fdr_nope", "X")
    assert (unknown.code, unknown.err) == (1, "error: no folder 'fdr_nope'\n")
    empty = run("--project", sample_project, "folder", "rename", ORDERS, "  ")
    assert empty.code == 1
    assert snapshot(sample_project) == before


# --- delete --------------------------------------------------------------------------------------


def test_a_folder_that_is_not_empty_needs_recursive(
    sample_project: Path, run: Run, snapshot: Snapshot
) -> None:
    before = snapshot(sample_project)
    result = run("--project", sample_project, "folder", "delete", ACCOUNT, "--yes")
    assert (result.code, result.out) == (1, "")
    assert result.err == (
        f"error: folder {ACCOUNT} (Account) is not empty: 2 templates, 5 drafts, 10 catalogs "
        "(hint: pass --recursive to delete it with everything in it)\n"
    )
    assert snapshot(sample_project) == before


def test_without_yes_it_lists_what_it_would_remove_and_refuses(
    sample_project: Path, run: Run, snapshot: Snapshot
) -> None:
    before = snapshot(sample_project)
    result = run("--project", sample_project, "folder", "delete", ACCOUNT, "--recursive")
    assert result.code == 1
    assert result.out.splitlines() == [
        f"Deleting folder {ACCOUNT} (Account) removes:",
        *ACCOUNT_CONTENTS,
    ]
    assert result.err == f"error: refusing to delete folder {ACCOUNT} without --yes\n"
    assert snapshot(sample_project) == before


def test_recursive_yes_deletes_it_all_and_says_what(sample_project: Path, run: Run) -> None:
    root = sample_project
    result = run("--project", root, "folder", "delete", ACCOUNT, "-r", "-y")
    assert (result.code, result.err) == (0, "")
    assert result.out.splitlines() == [
        f"Deleted folder {ACCOUNT} (Account) with 2 templates, 5 drafts, 10 catalogs:",
        *ACCOUNT_CONTENTS,
    ]
    assert not (root / "workspaces/acme-shop/account").exists()
    for locale in LOCALES:
        assert not (root / f"locales/{locale}/acme-shop/account").exists()
        assert (root / f"locales/{locale}/acme-shop/orders/order-confirmation.po").is_file()
    project = tmplkit.open_project(root)
    assert [t.name for t in project.templates.list()] == [
        "Order confirmation",
        "Shipping notification",
    ]
    assert not (root / ".tmplkit/txn").exists()


def test_an_empty_folder(sample_project: Path, run: Run) -> None:
    project = tmplkit.open_project(sample_project)
    empty = project.folders.create("Spare", WORKSPACE)
    refused = run("--project", sample_project, "folder", "delete", empty.id)
    assert (refused.code, refused.out) == (1, "")
    assert refused.err == f"error: refusing to delete folder {empty.id} without --yes\n"
    assert empty.dir.is_dir()
    result = run("--project", sample_project, "folder", "delete", empty.id, "--yes")
    assert (result.code, result.out) == (0, f"Deleted folder {empty.id} (Spare)\n")
    assert not empty.dir.exists()


def test_a_stray_file_makes_a_folder_not_empty(sample_project: Path, run: Run) -> None:
    project = tmplkit.open_project(sample_project)
    folder = project.folders.create("Notes", WORKSPACE)
    (folder.dir / "README.md").write_text("notes\n", "utf-8")
    refused = run("--project", sample_project, "folder", "delete", folder.id, "--yes")
    assert refused.err == (
        f"error: folder {folder.id} (Notes) is not empty: 1 other file "
        "(hint: pass --recursive to delete it with everything in it)\n"
    )
    result = run("--project", sample_project, "folder", "delete", folder.id, "-r", "--yes")
    assert result.out.splitlines() == [
        f"Deleted folder {folder.id} (Notes) with 1 other file:",
        "  file workspaces/acme-shop/notes/README.md",
    ]


def test_the_library_reports_what_it_deleted(sample_project: Path) -> None:
    project = tmplkit.open_project(sample_project)
    found = project.folders.delete(ORDERS, recursive=True)
    assert [t.name for t in found.templates] == ["Order confirmation", "Shipping notification"]
    assert len(found.drafts) == 4
    assert len(found.catalogs) == 10
    assert ORDERS not in {f.id for f in project.folders.all()}
