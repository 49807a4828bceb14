"""Data and catalog files: BOM dropped, invalid UTF-8 and non-JSON numbers one line each, deep
JSON one line, plural counts that are not numbers (a warning, an error with --strict)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.test_i18n_cli import ORDER, locale_files

Run = Callable[..., Any]


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b'{"order": {"number": NaN}}', "{f}:1:22: invalid JSON: NaN is not a number in JSON"),
        (b'{\n "a": [1, -Infinity]}', "{f}:2:11: invalid JSON: -Infinity is not a number in JSON"),
        (b'{"a": "caf\xe9"}', "{f}:1: not UTF-8 (invalid continuation byte 0xe9 at byte 10)"),
        (b"[" * 100_000 + b"]" * 100_000, "{f}: invalid JSON: nested too deeply"),
        (b'\xef\xbb\xbf{"a": }', "{f}:1:7: invalid JSON: Expecting value"),  # BOM: no shift
    ],
)
def test_bad_data_files_are_one_line(
    sample_project: Path, run: Run, tmp_path: Path, content: bytes, error: str
) -> None:
    file = tmp_path / "data.json"
    file.write_bytes(content)
    result = run("--project", sample_project, "render", ORDER, "--data", file)
    assert (result.code, result.out) == (1, "")
    assert result.err == "error: " + error.format(f=file) + "\n"


def test_a_bom_opens_a_data_file_and_stays_out_of_the_data(
    sample_project: Path, run: Run, tmp_path: Path
) -> None:
    file = tmp_path / "data.json"
    file.write_bytes(b'\xef\xbb\xbf{"order": {"number": "A-1"}}')
    result = run(
        "--project", sample_project, "render", ORDER, "--data", file, "--format", "subject"
    )
    assert (result.code, result.out, result.err) == (
        0,
        "Your Acme Shop order #A-1 is confirmed\n",
        "",
    )


def test_jsonl_records_bom_nan_and_bad_bytes(
    sample_project: Path, run: Run, tmp_path: Path
) -> None:
    file = tmp_path / "r.jsonl"
    file.write_bytes(
        b'\xef\xbb\xbf{"order": {"number": "A-1"}}\n{"order": {"total": NaN}}\n{"x": "\xff"}\n'
    )
    result = run("--project", sample_project, "render-batch", ORDER, "--recipients", file)
    assert result.code == 1
    assert result.err.splitlines()[:2] == [
        f"error: {file}:2: invalid JSON: NaN is not a number in JSON (column 21)",
        f"error: {file}:3: not UTF-8: invalid start byte 0xff at byte 7 of the line",
    ]
    assert result.out.count('"subject":"Your Acme Shop order #A-1 is confirmed"') == 1


def test_a_csv_cell_that_is_not_utf8_names_its_column(
    sample_project: Path, run: Run, tmp_path: Path
) -> None:
    file = tmp_path / "r.csv"
    file.write_bytes(b"\xef\xbb\xbforder.number,customer.first_name\nA-1,Zo\xeb\n")
    result = run("--project", sample_project, "render-batch", ORDER, "--recipients", file)
    assert result.code == 1
    assert result.err.splitlines()[0] == (
        f"error: {file}:2: not UTF-8: the byte 0xeb in column 'customer.first_name', at byte 2 "
        "of the field"
    )


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b'\xef\xbb\xbf{"Delivery": "Wysy\xc5\x82ka"}', None),
        (
            b'{"Delivery": "Dos\xc5"}',
            "{f}:1: not UTF-8 (invalid continuation byte 0xc5 at byte 17)",
        ),
        (b'{"Delivery": NaN}', "{f}:1:14: invalid JSON: NaN is not a number in JSON"),
        (b'\xef\xbb\xbfmsgid "Delivery"\nmsgstr "Wysy\xc5\x82ka"\n', None),
        (
            b'msgid "Delivery"\nmsgstr "Dos\xff"\n',
            "{f}:2: not UTF-8 (invalid start byte 0xff at byte 28)",
        ),
    ],
)
def test_catalog_files_bom_and_bytes(
    sample_project: Path, run: Run, tmp_path: Path, data: bytes, error: str | None
) -> None:
    file = tmp_path / ("pl.po" if data.lstrip(b"\xef\xbb\xbf").startswith(b"msgid") else "pl.json")
    file.write_bytes(data)
    before = locale_files(sample_project)
    result = run("--project", sample_project, "i18n", "import", "pl-PL", file)
    if error is None:
        assert (result.code, result.err) == (0, "")
        assert result.out.startswith("pl-PL: 1 translations new or changed")
    else:
        assert (result.code, result.out, result.err) == (1, "", f"error: {error.format(f=file)}\n")
        assert locale_files(sample_project) == before


def test_a_plural_count_that_is_a_string_warns_or_fails_with_strict(
    sample_project: Path, run: Run
) -> None:
    # A whole order (--strict checks the rest against the variable types too).
    sample = json.loads((sample_project / "workspaces" / ORDER / "sample.json").read_text("utf-8"))
    data = json.dumps({**sample, "order": {**sample["order"], "item_count": "1"}})
    args = ("--project", sample_project, "render", ORDER, "--data", "-", "--format", "html")
    result = run(*args, "--locale", "pl-PL", stdin=data)
    warning = "the plural count 'order.item_count' is the string '1', not a number"
    assert (result.code, result.err) == (0, f"warning: {warning}: the last plural form is used\n")
    result = run(*args, "--strict", stdin=data)
    assert (result.code, result.out) == (1, "")
    assert result.err == f"error: {warning} (hint: give the count as a number)\n"


def test_csv_counts_of_digits_are_numbers(sample_project: Path, run: Run, tmp_path: Path) -> None:
    file = tmp_path / "r.csv"
    # The other columns: what --strict requires of an order (its variable types).
    rest = (
        ",order.currency,order.placed_on,order.shipping_cost,order.total,order.url,unsubscribe_url",
        ",USD,2026-10-12,1,2.50,https://acme.example/o,https://acme.example/u",
    )
    file.write_text(
        f"order.item_count,order.number{rest[0]}\n"
        + "".join(f"{n},A{i}{rest[1]}\n" for i, n in enumerate(["1", "2", "many", "1.5"], 1))
    )
    args = (
        "--project",
        sample_project,
        "render-batch",
        ORDER,
        "--recipients",
        file,
        "--locale",
        "pl-PL",
    )
    result = run(*args)
    assert result.code == 0
    assert result.err.splitlines()[0] == (
        f"warning: {file}:4: the plural count 'order.item_count' is the string 'many', not a "
        "number: the last plural form is used"
    )
    assert "Zamówiono 1 produkt." in result.out
    assert "Zamówiono 2 produkty." in result.out
    assert "Zamówiono 1.5 produktu." in result.out  # a fraction: CLDR's `other`
    result = run(*args, "--strict")
    assert result.code == 1
    assert result.err.splitlines()[0] == (
        f"error: {file}:4: the plural count 'order.item_count' is the string 'many', not a number"
    )
