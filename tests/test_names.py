"""Names: Windows-reserved names with any extension, and look-alike (UTS #39) siblings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ProjectEnv
from tmplkit.errors import Conflict, InvalidName
from tmplkit.model import skeleton

Run = Callable[..., Any]
LOOKS = "which looks like another letter; choose a name that looks different"


@pytest.mark.parametrize(
    ("name", "slug", "stem"),
    [
        ("NUL.txt", "nul.txt", "NUL"),
        ("con.tar.gz", "con.tar.gz", "CON"),
        ("COM1", None, "COM1"),
        ("lpt9.log", "lpt9.log", "LPT9"),
        ("aux.", None, "AUX"),  # the trailing dot goes (Windows drops it too): "aux"
        ("Com¹.txt", "com1.txt", "COM1"),  # NFKC makes the superscript a digit
    ],
)
def test_windows_reserved_names_are_refused_with_any_extension(
    project: ProjectEnv, snapshot: Any, name: str, slug: str | None, stem: str
) -> None:
    before = snapshot(project.root)
    with pytest.raises(InvalidName) as info:
        project.project.templates.create(project.folder.id, name)
    shown = slug or name.lower().rstrip(".")
    hint = f" (hint: Windows reserves {stem} with any extension)" if slug else ""
    assert (
        str(info.value)
        == f"template name {name!r} gives the slug {shown!r} is a reserved name{hint}"
    )
    assert snapshot(project.root) == before


def test_nul_txt_from_the_command_line(project: ProjectEnv, run: Run) -> None:
    result = run("--project", project.root, "block", "create", "NUL.txt")
    assert (result.code, result.out) == (1, "")
    assert result.err == (
        "error: block name 'NUL.txt' gives the slug 'nul.txt' is a reserved name "
        "(hint: Windows reserves NUL with any extension)\n"
    )


def test_skeletons() -> None:
    assert skeleton("Invоice") == skeleton("invoice")  # Cyrillic о
    assert skeleton("раypal") == skeleton("paypal")  # Cyrillic р, а
    assert skeleton("modern") == skeleton("rnodern")  # m → rn, a sequence
    assert skeleton("ｉｎｖｏｉｃｅ") == skeleton("invoice")  # NFKC: fullwidth
    assert skeleton("crème") != skeleton("creme")  # an accent is a difference


def test_a_template_looking_like_a_sibling_is_refused(
    project: ProjectEnv, run: Run, snapshot: Any
) -> None:
    project.project.templates.create(project.folder.id, "Invoice")
    before = snapshot(project.root)
    result = run(
        "--project", project.root, "template", "create", "--folder", project.folder.id, "Invоice"
    )
    assert (result.code, result.out) == (1, "")
    assert result.err == (
        "error: template name 'Invоice' gives the slug 'invоice', which looks like the existing "
        "workspaces/acme-shop/orders/invoice (hint: it has U+043E CYRILLIC SMALL LETTER O, "
        f"{LOOKS})\n"
    )
    assert snapshot(project.root) == before


@pytest.mark.parametrize("kind", ["workspace", "folder", "block", "draft", "rename"])
def test_look_alikes_are_refused_for_every_kind(project: ProjectEnv, kind: str) -> None:
    p = project.project
    create: dict[str, Callable[[str], Any]] = {
        "workspace": lambda n: p.workspaces.create(n),
        "folder": lambda n: p.folders.create(n, project.workspace.id),
        "block": lambda n: p.blocks.create(n),
        "draft": lambda n: p.drafts.create(project.template.id, name=n),
        "rename": lambda n: p.templates.create(project.folder.id, n),
    }
    create[kind]("Invoice")
    if kind == "rename":  # a second template renamed to look like the first
        other = p.templates.create(project.folder.id, "Receipt")
        with pytest.raises(Conflict) as info:
            p.templates.rename(other.id, "Invоice")
        assert str(info.value).startswith("template name 'Invоice' gives the slug 'invоice', ")
        assert p.templates.rename(other.id, "Receipt 2").slug == "receipt-2"
        return
    with pytest.raises(Conflict) as info:
        create[kind]("Invоice")
    assert "gives the slug 'invоice', which looks like the existing " in str(info.value)
    assert str(info.value).endswith(f"(hint: it has U+043E CYRILLIC SMALL LETTER O, {LOOKS})")


def test_renaming_a_template_to_a_look_alike_of_itself_is_allowed(project: ProjectEnv) -> None:
    renamed = project.project.templates.rename(project.template.id, "ORDER confirmation")
    assert renamed.slug == "order-confirmation"


def test_a_hand_made_sibling_differing_in_case_counts(project: ProjectEnv, tmp_path: Path) -> None:
    (project.folder.dir / "Invoice").mkdir()  # made by hand: Windows and macOS see one name
    with pytest.raises(Conflict) as info:
        project.project.templates.create(project.folder.id, "invoice")
    assert str(info.value) == (
        "template name 'invoice' gives the slug 'invoice', which looks like the existing "
        "workspaces/acme-shop/orders/Invoice (hint: choose a name that looks different)"
    )
