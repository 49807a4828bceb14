"""Template and block sources: a UTF-8 BOM is not part of a template, and bytes that are not
UTF-8 are one error line naming the file, the line and the byte's offset (as for data files)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import tmplkit
from tests.conftest import ProjectEnv, _subprocess_env
from tmplkit.errors import TemplateError

BOM = "\ufeff".encode()


def part(env: ProjectEnv, name: str) -> Path:
    return env.draft.dir / name


def relpath(env: ProjectEnv, path: Path) -> str:
    return env.project.relpath(path)


# --- a byte order mark -------------------------------------------------------------------------


def test_a_bom_is_not_part_of_the_subject(project: ProjectEnv) -> None:
    # It leaked into every message: "\ufeffHello".
    part(project, "subject.j2").write_bytes(BOM + b"Hello {{ name }}\n")
    message = tmplkit.render(project.draft.id, {"name": "Ann"}, project=project.project)
    assert message.subject == "Hello Ann"


def test_error_columns_count_without_the_bom(project: ProjectEnv, run) -> None:
    body = "<p>{% macro m() %}{% endmacro %}</p>\n"
    file = relpath(project, part(project, "body.html.j2"))
    expected = (
        f"error: {file}:1:7: {{% macro %}} is not portable "
        '(hint: put the shared markup in a block: {% include "blocks/NAME" %})\n'
    )
    for prefix in (b"", BOM):
        part(project, "body.html.j2").write_bytes(prefix + body.encode())
        result = run("--project", project.root, "render", project.draft.id)
        assert (result.code, result.out, result.err) == (1, "", expected)


def test_parse_drops_a_bom() -> None:
    assert tmplkit.parse("\ufeffHi {{ x }}") == tmplkit.parse("Hi {{ x }}")
    with pytest.raises(TemplateError) as info:
        tmplkit.parse("\ufeff{{ a + b }}", "t.j2")
    assert str(info.value) == (
        "t.j2:1:6: arithmetic (+) is not portable (hint: compute the value in your recipient "
        "data, or compare with == / != against a literal)"
    )


# --- bytes that are not UTF-8 ------------------------------------------------------------------


def test_a_draft_part_that_is_not_utf8(project: ProjectEnv, run) -> None:
    body = part(project, "body.html.j2")
    body.write_bytes(b"<p>Hello</p>\n<p>caf\xe9</p>\n")  # Latin-1, as an old editor saved it
    result = run("--project", project.root, "render", project.draft.id)
    assert (result.code, result.out) == (1, "")
    assert result.err == (
        f"error: {relpath(project, body)}:2: not UTF-8 "
        "(invalid continuation byte 0xe9 at byte 19)\n"
    )


def test_the_byte_offset_counts_the_bom(tmp_path: Path, run) -> None:
    template = tmp_path / "t.html.j2"
    template.write_bytes(BOM + b"ab\xff")
    result = run("render", template)
    assert (result.code, result.err) == (
        1,
        f"error: {template}:1: not UTF-8 (invalid start byte 0xff at byte 5)\n",
    )


def test_a_block_that_is_not_utf8(project: ProjectEnv, run) -> None:
    block = project.project.blocks.create("Footer")
    (block.dir / "block.html.j2").write_bytes(b"<p>\x80</p>\n")
    part(project, "body.html.j2").write_text('<p>Hi</p>{% include "blocks/footer" %}\n')
    result = run("--project", project.root, "render", project.draft.id)
    assert (result.code, result.err) == (
        1,
        "error: blocks/footer/block.html.j2:1: not UTF-8 (invalid start byte 0x80 at byte 3)\n",
    )


# --- draft write: the input is a template source too -------------------------------------------


def test_draft_write_refuses_a_file_that_is_not_utf8(
    project: ProjectEnv, run, snapshot: Callable[[Path], dict[str, bytes | None]], tmp_path: Path
) -> None:
    # It gave a UnicodeDecodeError traceback.
    new = tmp_path / "new.html.j2"
    new.write_bytes(b"<p>Hello</p>\n<p>\xff</p>\n")
    before = snapshot(project.root)
    result = run("--project", project.root, "draft", "write", project.draft.id, new)
    assert (result.code, result.out, result.err) == (
        1,
        "",
        f"error: {new}:2: not UTF-8 (invalid start byte 0xff at byte 16)\n",
    )
    assert snapshot(project.root) == before


def test_draft_write_refuses_stdin_that_is_not_utf8(
    project: ProjectEnv, snapshot: Callable[[Path], dict[str, bytes | None]]
) -> None:
    before = snapshot(project.root)
    args = ["--project", str(project.root), "draft", "write", project.draft.id, "-"]
    proc = subprocess.run(
        [sys.executable, "-m", "tmplkit", *args],
        input=b"ok\n\xc3(\n",
        capture_output=True,
        env=_subprocess_env(None),
        timeout=60,
    )
    assert (proc.returncode, proc.stdout, proc.stderr.decode()) == (
        1,
        b"",
        "error: <stdin>:2: not UTF-8 (invalid continuation byte 0xc3 at byte 3)\n",
    )
    assert snapshot(project.root) == before


def test_draft_write_drops_a_bom_and_reads_newlines_as_before(
    project: ProjectEnv, run, tmp_path: Path
) -> None:
    new = tmp_path / "subject.j2"
    new.write_bytes(BOM + b"Hello\r\n")
    result = run(
        "--project", project.root, "draft", "write", project.draft.id, "--part", "subject", new
    )
    assert (result.code, result.err) == (0, "")
    assert part(project, "subject.j2").read_bytes() == b"Hello\n"


@pytest.mark.parametrize(
    "args",
    [
        ("i18n", "extract"),
        ("draft", "create", "--template", "{template}", "--from", "{draft}"),
        ("draft", "show", "{draft}"),
    ],
    ids=["i18n extract", "draft create", "draft show"],
)
def test_every_command_reading_a_part_names_the_bad_byte(
    project: ProjectEnv, run, args: tuple[str, ...]
) -> None:
    file = part(project, "subject.j2")
    file.write_bytes(b"caf\xe9 {{ name }}\n")
    filled = [a.format(template=project.template.id, draft=project.draft.id) for a in args]
    result = run(*filled, cwd=project.root)
    assert (result.code, result.out) == (1, "")
    assert result.err == (
        f"error: {relpath(project, file)}:1: not UTF-8 (invalid continuation byte 0xe9 at byte 3)\n"
    )
