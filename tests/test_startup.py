"""Start-up loads only what the command needs: `tmplkit --version` and `tmplkit --help` import
click and the command line, not Jinja, Babel, lxml, css_inline, httpx or the pipeline.

Asserted on the modules a fresh interpreter holds after the command, never on times
(benchmarks/startup.py measures those).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

# Each run in a fresh interpreter, as the `tmplkit` console script runs: the entry point,
# then every module the run imported.
SCRIPT = """
import json, sys
from tmplkit.cli import main
try:
    main(sys.argv[1:])
finally:
    print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""

HEAVY = ("jinja2", "babel", "lxml", "css_inline", "httpx", "markupsafe")
PIPELINE = (
    "tmplkit.compiler",
    "tmplkit.pipeline",
    "tmplkit.rendering",
    "tmplkit.targets",
    "tmplkit.batch",
    "tmplkit.message",
    "tmplkit.i18n",
    "tmplkit.handoff.send",
)


def started(*args: str, python_env: dict[str, str]) -> tuple[str, list[str]]:
    """What `tmplkit ARGS` printed, and the modules it imported."""
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, *args],
        env=python_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout, json.loads(proc.stderr.splitlines()[-1])


def loaded(modules: list[str], packages: tuple[str, ...]) -> list[str]:
    return [m for m in modules if any(m == p or m.startswith(p + ".") for p in packages)]


def test_version_imports_no_command_and_nothing_heavy(python_env: dict[str, str]) -> None:
    out, modules = started("--version", python_env=python_env)
    assert out == "tmplkit, version 0.1.0\n"
    assert loaded(modules, HEAVY + PIPELINE) == []
    # the command modules load when a command is looked up: --version looks up none
    assert [m for m in modules if m.startswith("tmplkit.cli.")] == [
        "tmplkit.cli.common",
        "tmplkit.cli.root",
    ]


@pytest.mark.parametrize(
    "args", [("--help",), ("i18n", "--help"), ("handoff", "--help")], ids=" ".join
)
def test_help_imports_nothing_heavy(args: tuple[str, ...], python_env: dict[str, str]) -> None:
    out, modules = started(*args, python_env=python_env)
    assert out.startswith("Usage: tmplkit ")
    assert loaded(modules, HEAVY + PIPELINE) == []


def test_a_command_imports_what_it_runs(python_env: dict[str, str]) -> None:
    """The lazy loading defers the library, it does not lose it: `targets` loads the emitters
    (and so does `compile --help`, which lists them)."""
    out, modules = started("targets", python_env=python_env)
    assert "\njinja: " in "\n" + out
    assert "tmplkit.targets.jinja" in modules
    assert "tmplkit.cli.build" in modules
    assert "tmplkit.cli.handoff" not in modules
