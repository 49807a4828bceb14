"""Render templates with the real template engines, many cases per engine process.

    from tests.engines import render_batch, ENGINES, engine_available, require_engine

    results = render_batch("handlebars", [{"template": "{{x}}", "data": {"x": 1}}])
    # -> [{"ok": True, "output": "1"}]

Every engine takes a list of cases ``{"template": str, "data": dict, ...}`` and returns a
list of the same length, in order, of ``{"ok": True, "output": str}`` or
``{"ok": False, "error": "one line"}``. An error in one case never stops the others.
Subprocess engines start ONE process per ``render_batch`` call. See README.md.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = [
    "ENGINES",
    "EngineError",
    "EngineUnavailable",
    "engine_available",
    "render_batch",
    "require_engine",
]

HERE = Path(__file__).resolve().parent
NODE_MODULES = HERE / "node_modules"
BUILD = HERE / "build"
FREEMARKER_JAR = Path("/usr/share/java/freemarker.jar")
GSON_JAR = Path("/usr/share/java/gson.jar")

#: Engine names accepted by render_batch, in a stable order.
ENGINES: tuple[str, ...] = (
    "handlebars",
    "liquidjs",
    "shopify_liquid",
    "freemarker",
    "cheetah",
    "python_liquid",
    "jinja2",
)

#: Not engines (render_batch doesn't take them) but engine_available/require_engine do.
TOOLS: tuple[str, ...] = ("msgfmt",)

#: Seconds one batch may take before render_batch gives up (override per call).
DEFAULT_TIMEOUT = float(os.environ.get("TMPLKIT_ENGINE_TIMEOUT", "900"))

_INSTALL_HINT = (
    "run `make test` (which runs tests/engines/install.sh) or `bash tests/engines/install.sh`"
)
_PIP_HINT = "run `make test` (installs the test extra: pip install -e '.[test]')"


class EngineError(RuntimeError):
    """The engine process itself failed (crash, bad output), not a single case."""


class EngineUnavailable(EngineError):
    """The engine is not installed here."""


def _one_line(exc: BaseException) -> str:
    msg = f"{type(exc).__name__}: {exc}"
    msg = " | ".join(s.strip() for s in msg.splitlines() if s.strip())
    return msg if len(msg) <= 2000 else msg[:2000] + "..."


# --------------------------------------------------------------- availability --


def _has_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _node_package(pkg: str) -> tuple[bool, str]:
    if shutil.which("node") is None:
        return False, f"node is not on PATH; {_INSTALL_HINT}"
    if not (NODE_MODULES / pkg / "package.json").is_file():
        return False, f"npm package {pkg} is not in tests/engines/node_modules; {_INSTALL_HINT}"
    return True, ""


@functools.cache
def _ruby_liquid() -> tuple[bool, str]:
    ruby = shutil.which("ruby")
    if ruby is None:
        return False, f"ruby is not on PATH (Debian ruby + ruby-liquid); {_INSTALL_HINT}"
    try:
        proc = subprocess.run(
            [ruby, "-e", "require 'liquid'; require 'json'"],
            capture_output=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"ruby failed to start: {_one_line(exc)}"
    if proc.returncode != 0:
        return False, f"ruby cannot require 'liquid' (Debian ruby-liquid); {_INSTALL_HINT}"
    return True, ""


def _freemarker() -> tuple[bool, str]:
    if shutil.which("java") is None:
        return False, f"java is not on PATH; {_INSTALL_HINT}"
    for jar, pkg in ((FREEMARKER_JAR, "libfreemarker-java"), (GSON_JAR, "libgoogle-gson-java")):
        if not jar.is_file():
            return False, f"{jar} is missing (Debian {pkg}); {_INSTALL_HINT}"
    if not (BUILD / "FreemarkerRunner.class").is_file():
        return False, f"tests/engines/build/FreemarkerRunner.class is not compiled; {_INSTALL_HINT}"
    return True, ""


def _python_module(module: str, pip_name: str) -> Callable[[], tuple[bool, str]]:
    def check() -> tuple[bool, str]:
        if _has_module(module):
            return True, ""
        return False, f"Python package {pip_name} is not installed; {_PIP_HINT}"

    return check


def _msgfmt() -> tuple[bool, str]:
    if shutil.which("msgfmt") is None:
        return False, f"msgfmt is not on PATH (Debian gettext); {_INSTALL_HINT}"
    return True, ""


_AVAILABILITY: dict[str, Callable[[], tuple[bool, str]]] = {
    "handlebars": lambda: _node_package("handlebars"),
    "liquidjs": lambda: _node_package("liquidjs"),
    "shopify_liquid": _ruby_liquid,
    "freemarker": _freemarker,
    "cheetah": _python_module("Cheetah", "ct3"),
    "python_liquid": _python_module("liquid", "python-liquid"),
    "jinja2": _python_module("jinja2", "jinja2"),
    "msgfmt": _msgfmt,
}


def engine_available(name: str) -> tuple[bool, str]:
    """(True, "") if the engine can run here, else (False, why and how to install it)."""
    check = _AVAILABILITY.get(name)
    if check is None:
        return False, f"unknown engine {name!r}; known: {', '.join(ENGINES + TOOLS)}"
    return check()


def require_engine(name: str) -> None:
    """In a test: skip (or, when CI=true, fail) unless the engine is available."""
    import pytest

    ok, reason = engine_available(name)
    if ok:
        return
    message = f"template engine {name!r} is not available: {reason}"
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


# ------------------------------------------------------------ batch runners --


def _command(engine: str) -> list[str]:
    if engine == "handlebars":
        return ["node", str(HERE / "handlebars.js")]
    if engine == "liquidjs":
        return ["node", str(HERE / "liquidjs.js")]
    if engine == "shopify_liquid":
        return ["ruby", str(HERE / "shopify_liquid.rb")]
    if engine == "freemarker":
        classpath = os.pathsep.join([str(BUILD), str(FREEMARKER_JAR), str(GSON_JAR)])
        return [
            "java",
            "-Dfile.encoding=UTF-8",
            "-Xss16m",
            "-XX:+UseSerialGC",
            "-cp",
            classpath,
            "FreemarkerRunner",
        ]
    if engine == "cheetah":
        return [sys.executable, str(HERE / "cheetah_runner.py")]
    raise ValueError(engine)


def _run_subprocess(engine: str, cases: list[dict], timeout: float) -> list[dict]:
    payload = json.dumps(cases, ensure_ascii=False).encode("utf-8")
    cmd = _command(engine)
    try:
        proc = subprocess.run(
            cmd,
            input=payload,
            capture_output=True,
            timeout=timeout,
            check=False,
            cwd=str(HERE),
        )
    except subprocess.TimeoutExpired as exc:
        raise EngineError(
            f"{engine}: runner timed out after {timeout:g}s on {len(cases)} cases"
        ) from exc
    except OSError as exc:
        raise EngineUnavailable(f"{engine}: cannot start {cmd[0]}: {exc}") from exc
    stderr = proc.stderr.decode("utf-8", "replace").strip()
    if proc.returncode != 0:
        raise EngineError(f"{engine}: runner exited with {proc.returncode}: {stderr[-4000:]}")
    try:
        results = json.loads(proc.stdout.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        head = proc.stdout[:300].decode("utf-8", "replace")
        raise EngineError(
            f"{engine}: runner wrote invalid JSON ({exc}): {head!r}; stderr: {stderr[-2000:]}"
        ) from exc
    return results


def _render_python_liquid(cases: list[dict]) -> list[dict]:
    from liquid import Environment

    env = Environment()
    results = []
    for case in cases:
        try:
            data = _case_data(case)
            results.append({"ok": True, "output": env.from_string(case["template"]).render(**data)})
        except Exception as exc:
            results.append({"ok": False, "error": _one_line(exc)})
    return results


def _render_jinja2(cases: list[dict]) -> list[dict]:
    from jinja2.sandbox import SandboxedEnvironment

    envs: dict[bool, Any] = {}
    results = []
    for case in cases:
        try:
            data = _case_data(case)
            autoescape = bool(case.get("autoescape", False))
            env = envs.get(autoescape)
            if env is None:
                env = envs[autoescape] = SandboxedEnvironment(autoescape=autoescape)
            results.append({"ok": True, "output": env.from_string(case["template"]).render(data)})
        except Exception as exc:
            results.append({"ok": False, "error": _one_line(exc)})
    return results


def _case_data(case: Any) -> dict:
    if not isinstance(case, dict) or not isinstance(case.get("template"), str):
        raise ValueError('case has no "template" string')
    data = case.get("data")
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValueError('"data" must be a JSON object')
    return data


_IN_PROCESS: dict[str, Callable[[list[dict]], list[dict]]] = {
    "python_liquid": _render_python_liquid,
    "jinja2": _render_jinja2,
}


def render_batch(engine: str, cases: list[dict], *, timeout: float | None = None) -> list[dict]:
    """Render every case with ``engine``; one result per case, in order.

    Subprocess engines run as ONE process for the whole batch. Raises EngineUnavailable if
    the engine is not installed, EngineError if the runner process itself breaks.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; known: {', '.join(ENGINES)}")
    cases = list(cases)
    ok, reason = engine_available(engine)
    if not ok:
        raise EngineUnavailable(f"{engine}: {reason}")
    if not cases:
        return []
    if engine in _IN_PROCESS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            results = _IN_PROCESS[engine](cases)
    else:
        results = _run_subprocess(engine, cases, DEFAULT_TIMEOUT if timeout is None else timeout)
    if not isinstance(results, list) or len(results) != len(cases):
        got = len(results) if isinstance(results, list) else type(results).__name__
        raise EngineError(f"{engine}: runner returned {got} results for {len(cases)} cases")
    return results
