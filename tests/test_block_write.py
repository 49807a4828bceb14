"""`tmplkit block write BLOCK --part html|text [FILE|-]`: a block's part replaced atomically,
with block.toml's updated_at, refusing what `draft write` refuses (issue 20)."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import tmplkit
from tmplkit.errors import InvalidName

Run = Callable[..., Any]
FOOTER = "blk_01m2j9cz7zwxzqzg9cqw3xee3r"


def updated_at(root: Path) -> str:
    with open(root / "blocks/footer/block.toml", "rb") as fh:
        return str(tomllib.load(fh)["updated_at"])


def test_write_the_html_part_from_a_file(sample_project: Path, run: Run, tmp_path: Path) -> None:
    source = tmp_path / "footer.html.j2"
    source.write_text("<p>{% trans %}See you soon{% endtrans %}</p>\n", "utf-8")
    before = updated_at(sample_project)
    result = run("--project", sample_project, "block", "write", "footer", "--part", "html", source)
    assert (result.code, result.err) == (0, "")
    assert result.out == f"Wrote the html part of block {FOOTER} (footer)\n"
    assert (sample_project / "blocks/footer/block.html.j2").read_text("utf-8") == (
        "<p>{% trans %}See you soon{% endtrans %}</p>\n"
    )
    assert updated_at(sample_project) > before
    assert not (sample_project / ".tmplkit/txn").exists()


def test_write_the_text_part_from_stdin(sample_project: Path, run: Run) -> None:
    dash = run(
        "--project",
        sample_project,
        "block",
        "write",
        FOOTER,
        "--part",
        "text",
        "-",
        stdin="Acme Shop\n",
    )
    assert (dash.code, dash.out) == (0, f"Wrote the text part of block {FOOTER} (footer)\n")
    assert (sample_project / "blocks/footer/block.txt.j2").read_text("utf-8") == "Acme Shop\n"
    # No FILE reads stdin too; --part defaults to html.
    bare = run("--project", sample_project, "block", "write", "footer", stdin="<p>x</p>\n")
    assert (bare.code, bare.out) == (0, f"Wrote the html part of block {FOOTER} (footer)\n")
    assert (sample_project / "blocks/footer/block.html.j2").read_text("utf-8") == "<p>x</p>\n"


def test_a_byte_order_mark_is_dropped(sample_project: Path, run: Run, tmp_path: Path) -> None:
    source = tmp_path / "bom.j2"
    source.write_bytes(b"\xef\xbb\xbf<p>bom</p>\n")
    assert run("--project", sample_project, "block", "write", "footer", source).code == 0
    assert (sample_project / "blocks/footer/block.html.j2").read_bytes() == b"<p>bom</p>\n"


def test_refusals_leave_every_file_unchanged(
    sample_project: Path,
    run: Run,
    tmp_path: Path,
    snapshot: Callable[[Path], dict[str, bytes | None]],
) -> None:
    before = snapshot(sample_project)
    bad = tmp_path / "bad.j2"
    bad.write_bytes(b"\xff\xfe<p>x")
    good = tmp_path / "good.j2"
    good.write_text("<p>x</p>\n", "utf-8")

    not_utf8 = run("--project", sample_project, "block", "write", "footer", bad)
    assert (not_utf8.code, not_utf8.out) == (1, "")
    assert not_utf8.err == f"error: {bad}:1: not UTF-8 (invalid start byte 0xff at byte 0)\n"

    unknown = run("--project", sample_project, "block", "write", "nope", good)
    assert (unknown.code, unknown.err) == (1, "error: no block 'nope'\n")

    missing = run("--project", sample_project, "block", "write", "footer", tmp_path / "none.j2")
    assert missing.code == 2
    assert "File '" in missing.err and "does not exist." in missing.err

    part = run("--project", sample_project, "block", "write", "footer", "--part", "sms", good)
    assert part.code == 2
    assert "Invalid value for '--part': 'sms' is not one of 'html', 'text'." in part.err

    assert snapshot(sample_project) == before


def test_the_library_refuses_an_unknown_part(sample_project: Path) -> None:
    project = tmplkit.open_project(sample_project)
    with pytest.raises(InvalidName, match="unknown part 'sms'"):
        project.blocks.write_part("footer", "sms", "x")


def test_a_draft_including_the_block_sees_the_change(sample_project: Path, run: Run) -> None:
    text = "{% trans %}Questions? Write to us.{% endtrans %}\n"
    assert (
        run(
            "--project", sample_project, "block", "write", "footer", "--part", "text", stdin=text
        ).code
        == 0
    )
    project = tmplkit.open_project(sample_project)
    assert project.blocks.read_parts(project.blocks.get("footer"))["text"] == text
