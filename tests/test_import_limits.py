"""Catalog imports: empty files, --replace and --force, capped errors, linear time, unsafe URLs;
and draft submit/lock refusing a draft that does not parse or render."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.test_i18n_cli import NEXT_DRAFT, READ, locale_files
from tests.test_i18n_cli import acme as acme  # the fixture
from tmplkit.i18n.catalog import _json_key_lines

Run = Callable[..., Any]
NEXT_DIR = "workspaces/acme-shop/orders/order-confirmation/drafts/next"


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("empty.po", b"", "the file is empty (an empty file imports nothing)"),
        ("empty.json", b"\xef\xbb\xbf \n", "the file is empty (an empty file imports nothing)"),
        (
            "header.po",
            b'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n',
            "no translations in the file (a file without entries imports nothing)",
        ),
        (
            "none.json",
            b"{}\n",
            "no translations in the file (a file without entries imports nothing)",
        ),
    ],
)
def test_an_empty_file_is_an_error(
    sample_project: Path, run: Run, tmp_path: Path, name: str, content: bytes, error: str
) -> None:
    file = tmp_path / name
    file.write_bytes(content)
    before = locale_files(sample_project)
    result = run("--project", sample_project, "i18n", "import", "pl-PL", file, "--replace")
    assert (result.code, result.out, result.err) == (1, "", f"error: {file}: {error}\n")
    assert locale_files(sample_project) == before


def test_replace_that_removes_translations_needs_force(
    sample_project: Path, run: Run, tmp_path: Path
) -> None:
    file = tmp_path / "one.json"
    file.write_text('{"Delivery": "Dostawa"}\n')
    before = locale_files(sample_project)
    result = run("--project", sample_project, "i18n", "import", "pl-PL", file, "--replace")
    assert (result.code, result.out) == (1, "")
    assert result.err == (
        f"error: {file}: --replace would remove 81 translations that the file does not have, "
        "from 6 catalogs (hint: give --force to remove them, or import without --replace)\n"
    )
    assert locale_files(sample_project) == before
    result = run(
        "--project", sample_project, "i18n", "import", "pl-PL", file, "--replace", "--force"
    )
    assert (result.code, result.err) == (0, "")
    assert result.out.startswith(
        "pl-PL: 1 translations new or changed, 0 unchanged; wrote 6 catalogs"
    )


def test_errors_are_capped_at_50_and_a_large_import_is_linear(
    sample_project: Path, run: Run, tmp_path: Path
) -> None:
    file = tmp_path / "big.json"
    keys = {f"Key number {i} %(name)s": f"Klucz {i} %(name)s" for i in range(100_000)}
    file.write_text(json.dumps(keys, indent=2))
    result = run("--project", sample_project, "i18n", "import", "pl-PL", file)
    lines = result.err.splitlines()
    assert result.code == 1
    assert len(lines) == 52
    assert (
        lines[0]
        == f"error: {file}:2: pl-PL: 'Key number 0 %(name)s': unknown key: not in the source"
    )
    assert (
        lines[49]
        == f"error: {file}:51: pl-PL: 'Key number 49 %(name)s': unknown key: not in the source"
    )
    assert lines[50:] == [
        "error: … and 99950 more problems",
        f"error: {file}: 100000 problems; nothing imported",
    ]


class CountingText(str):
    """A text that adds up the characters `count` scans: the work of finding key lines."""

    scanned = 0

    def count(self, sub: str, start: Any = None, end: Any = None) -> int:  # type: ignore[override]
        CountingText.scanned += (len(self) if end is None else end) - (start or 0)
        return super().count(sub, start, end)


def test_key_lines_are_found_in_one_pass() -> None:
    # Each key's line was counted from the start of the file: 100,000 keys took 42-76 s.
    # Now every character is scanned once, whatever the number of keys
    # (benchmarks/import.py prints the time of 10,000 and 100,000 keys).
    for n in (1_000, 10_000):
        raw = json.dumps({f"Key {i}": f"Klucz {i}" for i in range(n)}, indent=2)
        CountingText.scanned = 0
        lines = _json_key_lines(CountingText(raw))
        assert (lines["Key 0"], lines[f"Key {n - 1}"]) == (2, n + 1)
        assert CountingText.scanned < len(raw)


def test_a_translated_url_with_an_unsafe_scheme_is_refused(
    acme: Path,
    run: Run,
    tmp_path: Path,
) -> None:
    project_file = acme / "workspaces/acme-shop/orders/promo/drafts/draft-1/body.html.j2"
    with project_file.open("a") as fh:
        fh.write('<a href="{% trans %}https://example.com/en/{% endtrans %}">x</a>\n')
    file = tmp_path / "pl.json"
    file.write_text(
        json.dumps(
            {
                "https://example.com/en/": "javascript:alert(document.cookie)",
                READ[1:-1]: 'Przeczytaj <a href="jav&#x61;script:alert(1)">nasz poradnik</a>.',
            },
            indent=1,
        )
    )
    before = locale_files(acme)
    result = run("--project", acme, "i18n", "import", "pl-PL", file)
    allowed = "is not allowed (http, https, mailto, tel, sms or a relative URL)"
    assert result.code == 1
    assert result.err.splitlines() == [
        f"error: {file}:2: pl-PL: 'https://example.com/en/': the source is a URL, and the "
        f"translation's scheme javascript: {allowed}",
        f"error: {file}:3: pl-PL: {READ}: HTML tags differ from the source: adds <a "
        'href="jav&#x61;script:alert(1)">; drops <a href="https://acme.example/help">',
        f"error: {file}:3: pl-PL: {READ}: <a href> holds a URL whose scheme javascript: {allowed}",
        f"error: {file}: 3 problems; nothing imported",
    ]
    assert locale_files(acme) == before


@pytest.mark.parametrize("action", ["submit", "lock"])
def test_submit_and_lock_refuse_a_draft_that_does_not_parse_or_render(
    sample_project: Path, run: Run, action: str
) -> None:
    draft = sample_project / NEXT_DIR
    (draft / "subject.j2").write_text("Hi {{ a.b.c }}\n{% for x in 5 %}{{ x }}{% endfor %}\n")
    (draft / "body.html.j2").write_text("{% if x %}\nHello {{ user.name }}\n")
    before = (draft / "draft.toml").read_bytes()
    result = run("--project", sample_project, "draft", action, NEXT_DRAFT)
    words = {"submit": "submit it for approval", "lock": "lock it for translation"}[action]
    assert (result.code, result.out) == (1, "")
    assert result.err.splitlines() == [
        f"error: {NEXT_DIR}/subject.j2:2:13: a loop must go over a list in the data, not the "
        "literal 5 (hint: loop over a list in your data: {% for line in order.lines %})",
        f"error: {NEXT_DIR}/body.html.j2:2:7: syntax error: Unexpected end of template. Jinja was "
        "looking for the following tags: 'elif' or 'else' or 'endif'. The innermost block that "
        "needs to be closed is 'if'.",
        f'error: draft {NEXT_DRAFT} ("Holiday refresh") has 2 problems: cannot {words} '
        f"(hint: fix the parts (tmplkit draft write), then {action} it again)",
    ]
    assert (draft / "draft.toml").read_bytes() == before


def test_submit_refuses_a_draft_that_does_not_render(sample_project: Path, run: Run) -> None:
    draft = sample_project / NEXT_DIR
    (draft / "body.html.j2").unlink()
    result = run("--project", sample_project, "draft", "submit", NEXT_DRAFT)
    assert (result.code, result.out) == (1, "")
    label = f'draft {NEXT_DRAFT} ("Holiday refresh")'
    assert result.err.splitlines() == [
        f"error: {label} has no body (body.html.j2 or body.txt.j2)",
        f"error: {label} has 1 problem: cannot submit it for approval "
        "(hint: fix the parts (tmplkit draft write), then submit it again)",
    ]
