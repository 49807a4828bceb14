"""`tmplkit --help` and every command's and subcommand's `--help` print exactly the golden text.

The goldens are tests/data/cli_help/<command path>.txt (`tmplkit-handoff-journal-show.txt`),
printed 80 columns wide. A change to a command's help changes its golden on purpose: rewrite
them with `TMPLKIT_UPDATE_GOLDEN=1 python -m pytest tests/test_cli_help.py` and review the diff.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import click
import pytest

from tests.conftest import Result
from tmplkit.cli import cli

GOLDEN = Path(__file__).resolve().parent / "data" / "cli_help"
UPDATE = os.environ.get("TMPLKIT_UPDATE_GOLDEN") == "1"


def command_paths(command: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every command's path below the root, the root's () first, each group before its
    commands, in the order --help lists them."""
    yield path
    if isinstance(command, click.Group):
        ctx = click.Context(command, info_name=path[-1] if path else "tmplkit")
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            assert sub is not None, name
            yield from command_paths(sub, (*path, name))


PATHS = list(command_paths(cli))


def golden_file(path: tuple[str, ...]) -> Path:
    return GOLDEN / ("-".join(("tmplkit", *path)) + ".txt")


def test_the_walk_finds_the_nested_commands() -> None:
    assert ("handoff", "journal", "show") in PATHS
    assert ("i18n", "extract") in PATHS
    assert ("compile",) in PATHS


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "tmplkit")
def test_help_is_the_golden_text(path: tuple[str, ...], run: Callable[..., Result]) -> None:
    result = run(*path, "--help", env={"COLUMNS": "80"})
    assert (result.code, result.err) == (0, "")
    golden = golden_file(path)
    if UPDATE:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(result.out.encode("utf-8"))
    assert result.out.encode("utf-8") == golden.read_bytes()


def test_every_command_has_a_golden_and_every_golden_a_command() -> None:
    if UPDATE:
        for stale in set(GOLDEN.glob("*.txt")) - {golden_file(p) for p in PATHS}:
            stale.unlink()
    assert sorted(p.name for p in GOLDEN.glob("*.txt")) == sorted(
        golden_file(p).name for p in PATHS
    )
