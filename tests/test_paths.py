"""The project root is a wall: no read or write of the store leaves the project, links included.

Each case builds a real symbolic link in a copy of the sample project, runs the command, and
checks the exact error line, the exit code, and that the directory outside is byte for byte
as it was (and the project too, for writes).
"""

from __future__ import annotations

import json
import os
import stat
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import tmplkit
from tmplkit.store import OutsideProject

ORDER_DIR = "workspaces/acme-shop/orders/order-confirmation"
NEXT_DRAFT = "tdft_01m6gcf97zxybbb8msg2ee1s2d"  # the order confirmation's IN_PROGRESS draft
HINT = "(hint: replace the link with a copy of what it points to, or remove it)"
ORDER_TEMPLATE = "tem_01m2n5d9rf9y9x6nmxjjscqfn0"

Run = Callable[..., Any]
Snapshot = Callable[[Path], dict[str, bytes | None]]


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A directory next to the project, with a file in it."""
    directory = tmp_path / "outside"
    directory.mkdir()
    (directory / "secret.txt").write_text("the outside world\n")
    return directory


def test_draft_write_into_a_draft_linked_from_outside_is_refused(
    sample_project: Path, outside: Path, run: Run, snapshot: Snapshot, tmp_path: Path
) -> None:
    # A cloned repository carries drafts/evil -> a directory outside, holding a draft.toml.
    evil = outside / "evil"
    evil.mkdir()
    (evil / "draft.toml").write_text(
        'id = "tdft_01m6gcf97zxybbb8msg2ee1s2e"\nname = "Evil"\nstatus = "IN_PROGRESS"\n'
    )
    link = sample_project / ORDER_DIR / "drafts" / "evil"
    link.symlink_to(evil)
    before_outside, before = snapshot(outside), snapshot(sample_project)
    part = tmp_path / "part.html"
    part.write_text("<p>pwned</p>\n")

    result = run(
        "--project", sample_project, "draft", "write", "tdft_01m6gcf97zxybbb8msg2ee1s2e", part
    )

    assert result.code == 1
    assert result.err == (
        f"error: {ORDER_DIR}/drafts/evil is a symbolic link to {evil}, outside the project {HINT}\n"
    )
    assert snapshot(outside) == before_outside
    assert snapshot(sample_project) == before


@pytest.mark.parametrize("command", [["i18n", "import", "pl-PL"], ["i18n", "update"]])
def test_catalogs_through_a_locale_linked_outside_are_refused(
    sample_project: Path, outside: Path, run: Run, snapshot: Snapshot, command: list[str]
) -> None:
    locale = sample_project / "locales" / "pl-PL"
    os.rename(locale, outside / "pl-PL")
    locale.symlink_to(outside / "pl-PL")
    translations = outside.parent / "pl.json"
    translations.write_text('{"Delivery": "Wysyłka"}\n')
    before_outside, before = snapshot(outside), snapshot(sample_project)
    args = [*command, translations] if command[1] == "import" else command

    result = run("--project", sample_project, *args)

    assert result.code == 1
    assert result.err == (
        f"error: locales/pl-PL is a symbolic link to {outside / 'pl-PL'}, outside the project "
        f"{HINT}\n"
    )
    assert snapshot(outside) == before_outside
    assert snapshot(sample_project) == before


def test_render_of_a_block_part_linked_outside_is_refused(
    sample_project: Path, outside: Path, run: Run
) -> None:
    footer = sample_project / "blocks" / "footer" / "block.html.j2"
    footer.unlink()
    footer.symlink_to(outside / "secret.txt")

    result = run(
        "--project",
        sample_project,
        "render",
        "acme-shop/orders/order-confirmation",
        "--format",
        "html",
    )

    assert (result.code, result.out) == (1, "")
    assert result.err == (
        f"error: blocks/footer/block.html.j2 is a symbolic link to {outside / 'secret.txt'}, "
        f"outside the project {HINT}\n"
    )


def test_a_sample_json_linked_outside_is_not_read(
    sample_project: Path, outside: Path, run: Run
) -> None:
    (outside / "data.json").write_text('{"customer": {"first_name": "Mallory"}}\n')
    sample = sample_project / ORDER_DIR / "sample.json"
    sample.unlink()
    sample.symlink_to(outside / "data.json")

    result = run("--project", sample_project, "render", "acme-shop/orders/order-confirmation")

    assert result.code == 1
    assert result.err == (
        f"error: {ORDER_DIR}/sample.json is a symbolic link to {outside / 'data.json'}, outside "
        f"the project {HINT}\n"
    )


def test_block_create_through_a_linked_blocks_directory_is_refused(
    sample_project: Path, outside: Path, run: Run, snapshot: Snapshot
) -> None:
    blocks = sample_project / "blocks"
    os.rename(blocks, outside / "blocks")
    blocks.symlink_to(outside / "blocks")
    before_outside = snapshot(outside)

    result = run("--project", sample_project, "block", "create", "Legal")

    assert result.code == 1
    assert (
        result.err
        == f"error: blocks is a symbolic link: tmplkit writes nothing through a link {HINT}\n"
    )
    assert snapshot(outside) == before_outside


def test_template_rename_of_a_template_with_a_linked_catalog_is_refused(
    sample_project: Path, outside: Path, run: Run, snapshot: Snapshot
) -> None:
    catalog = (
        sample_project / "locales" / "de-DE" / "acme-shop" / "orders" / "order-confirmation.po"
    )
    os.rename(catalog, outside / "order-confirmation.po")
    catalog.symlink_to(outside / "order-confirmation.po")
    before_outside, before = snapshot(outside), snapshot(sample_project)

    result = run("--project", sample_project, "template", "rename", ORDER_TEMPLATE, "Order placed")

    assert result.code == 1
    assert result.err == (
        "error: locales/de-DE/acme-shop/orders/order-confirmation.po is a symbolic link: tmplkit "
        f"writes nothing through a link {HINT}\n"
    )
    assert snapshot(outside) == before_outside
    assert snapshot(sample_project) == before


def test_template_delete_removes_links_inside_never_their_targets(
    sample_project: Path, outside: Path, run: Run, snapshot: Snapshot
) -> None:
    # A link inside the template's directory (not one it reads through: an extra file).
    (sample_project / ORDER_DIR / "notes").symlink_to(outside)
    before_outside = snapshot(outside)

    result = run("--project", sample_project, "template", "delete", ORDER_TEMPLATE, "--yes")

    assert (result.code, result.err) == (0, "")
    assert not os.path.lexists(sample_project / ORDER_DIR)
    assert snapshot(outside) == before_outside


def test_template_delete_of_a_linked_template_directory_is_refused(
    sample_project: Path, outside: Path, run: Run, snapshot: Snapshot
) -> None:
    template = sample_project / "workspaces" / "acme-shop" / "orders" / "linked"
    template.symlink_to(sample_project / ORDER_DIR)  # inside the project: readable
    (sample_project / ORDER_DIR / "drafts").rename(outside / "drafts-keep")  # one template only
    project = tmplkit.open_project(sample_project)
    with pytest.raises(tmplkit.errors.ProjectError, match="duplicate id"):
        project.templates.list()  # the same template.toml twice: the index says so
    template.unlink()
    (outside / "drafts-keep").rename(sample_project / ORDER_DIR / "drafts")
    # A template directory that is itself a link: deleting it is a write through the link.
    real = sample_project / ORDER_DIR
    moved = sample_project / "workspaces" / "acme-shop" / "orders" / ".real"
    real.rename(moved)
    real.symlink_to(moved)
    before = snapshot(sample_project)

    result = run("--project", sample_project, "template", "delete", ORDER_TEMPLATE, "--yes")

    assert result.code == 1
    assert result.err == (
        f"error: {ORDER_DIR} is a symbolic link: tmplkit writes nothing through a link {HINT}\n"
    )
    assert snapshot(sample_project) == before


def test_a_link_that_stays_inside_is_followed_for_reading(sample_project: Path, run: Run) -> None:
    footer = sample_project / "blocks" / "footer"
    (footer / "block.html.j2").rename(sample_project / "footer.html.j2")
    (footer / "block.html.j2").symlink_to(sample_project / "footer.html.j2")

    result = run(
        "--project",
        sample_project,
        "render",
        "acme-shop/orders/order-confirmation",
        "--format",
        "html",
    )

    assert (result.code, result.err) == (0, "")
    assert "Acme Shop, 500 Market Street" in result.out


def test_dotdot_and_absolute_paths_are_refused_by_the_store(sample_project: Path) -> None:
    project = tmplkit.open_project(sample_project)
    escape = sample_project / "workspaces" / ".." / ".." / "escape.txt"
    with pytest.raises(OutsideProject) as info:
        project.write_file(escape, "no\n")
    assert str(info.value) == (
        f"{sample_project.parent / 'escape.txt'} is not inside the project {sample_project}"
    )
    with pytest.raises(OutsideProject), project.transaction() as txn:
        txn.write(Path("/tmp/escape.txt"), "no\n")
    assert not (sample_project.parent / "escape.txt").exists()
    assert not Path("/tmp/escape.txt").exists()


# --- -o into something that is not a regular file -----------------------------------------------


def _read_fifo(fifo: Path) -> tuple[threading.Thread, list[bytes]]:
    """A reader on a named pipe (a writer's open blocks until one is there)."""
    got: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as fh:
            got.append(fh.read())

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread, got


def test_output_into_a_named_pipe_or_a_device_writes_into_it(
    sample_project: Path, run: Run, tmp_path: Path
) -> None:
    """`-o /dev/null` (or a pipe) is written into, as a shell's `>` does; the atomic rename
    used for regular files would replace the device with a file (as root, /dev/null itself)."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    thread, got = _read_fifo(fifo)
    result = run(
        "compile", "acme-shop/account/welcome", "-t", "jinja", "-o", fifo, cwd=sample_project
    )
    thread.join(10)
    assert (result.code, result.err) == (0, "")
    assert stat.S_ISFIFO(fifo.lstat().st_mode)  # still the pipe
    expected = run("compile", "acme-shop/account/welcome", "-t", "jinja", cwd=sample_project).out
    assert got == [expected.encode("utf-8")]
    thread, got = _read_fifo(fifo)
    batch = run(
        "render-batch", "acme-shop/account/welcome", "--recipients", "-", "--out", fifo,
        cwd=sample_project, stdin='{"user": {"first_name": "Ada"}, "to": "ada@example.com"}\n',
    )  # fmt: skip
    thread.join(10)
    assert batch.code == 0, batch.err
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    (line,) = got[0].decode("utf-8").splitlines()
    assert json.loads(line)["subject"] == "Welcome to Acme Shop, Ada!"
    devnull = run(
        "compile", "acme-shop/account/welcome", "-t", "jinja", "-o", os.devnull, cwd=sample_project
    )
    assert (devnull.code, devnull.err) == (0, "")
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)
