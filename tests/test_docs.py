"""The user documentation is executable, so it cannot silently drift from the code.

- Every ```python block of docs/library.md runs, in order, in one namespace, with the current
  directory set to a fresh copy of sample_templates/. A block must assert something, or be
  followed by a ```text block holding exactly what it prints.
- Every command of the `tmplkit` click group has a section (a heading naming it) in
  docs/cli.md, and that section names each of the command's options.
- Every ```console block of docs/cli.md, docs/project-layout.md, docs/templates.md,
  docs/sms.md and docs/batch.md runs in a fresh copy of sample_templates/: each `$ ` line goes to bash (with
  `tmplkit` on the PATH, stdin empty), and what follows it, up to the next `$ ` line, is its
  expected stdout and stderr.

Expected output may be trimmed: a line `...` stands for any number of lines, and `...` inside a
line for any text. Ids and timestamps that the sample project does not contain (made by the
command) match any id of the same kind and any timestamp. A block right after a line
`<!-- not-tested -->` is not run.

`python tests/test_docs.py --update` rewrites the documented output of every console block that
has no `...` to what the commands print now (review the diff before committing it).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import click
import pytest

import tmplkit
from tmplkit.cli import cli

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SAMPLE = ROOT / "sample_templates"
LIBRARY_DOC = DOCS / "library.md"
CLI_DOC = DOCS / "cli.md"
CONSOLE_DOCS = [
    CLI_DOC,
    DOCS / "project-layout.md",
    DOCS / "templates.md",
    DOCS / "sms.md",
    DOCS / "batch.md",
]
NOT_TESTED = "<!-- not-tested -->"

ID_RE = re.compile(r"\b(fdr|tem|tdft|blk|loc)_[0-9a-z]{26}\b")
STAMP_RE = re.compile(r"\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\b")
FENCE_RE = re.compile(r"^(`{3,})([\w-]*)\s*$")


# --- reading the documents -----------------------------------------------------------------


@dataclass
class Fence:
    """One fenced code block of a markdown document."""

    doc: Path
    lang: str
    body: str
    line: int  # the line of the opening fence, 1-based
    end: int  # the line of the closing fence, 1-based
    skip: bool  # preceded by <!-- not-tested -->
    adjacent: bool  # only blank lines between the previous block and this one

    @property
    def where(self) -> str:
        return f"{self.doc.relative_to(ROOT)}:{self.line}"


def fences(doc: Path) -> list[Fence]:
    lines = doc.read_text("utf-8").splitlines()
    out: list[Fence] = []
    previous_end = -1
    i = 0
    while i < len(lines):
        m = FENCE_RE.match(lines[i])
        if not m:
            i += 1
            continue
        ticks, lang = m.groups()
        j = i + 1
        while j < len(lines) and lines[j].rstrip() != ticks:
            j += 1
        before = [ln for ln in lines[:i] if ln.strip()]
        between = lines[previous_end + 1 : i] if previous_end >= 0 else ["x"]
        out.append(
            Fence(
                doc=doc,
                lang=lang,
                body="\n".join(lines[i + 1 : j]),
                line=i + 1,
                end=j + 1,
                skip=bool(before) and before[-1].strip() == NOT_TESTED,
                adjacent=not any(ln.strip() for ln in between),
            )
        )
        previous_end = j
        i = j + 1
    return out


# --- comparing output ------------------------------------------------------------------------


def sample_tokens() -> set[str]:
    """The ids and timestamps the sample project holds: these must match exactly."""
    known: set[str] = set()
    for file in SAMPLE.rglob("*"):
        if file.is_file() and ".tmplkit" not in file.parts:
            text = file.read_text("utf-8", errors="replace")
            known.update(m.group() for m in ID_RE.finditer(text))
            known.update(STAMP_RE.findall(text))
    return known


KNOWN = sample_tokens()


def normalize(text: str) -> list[str]:
    """Lines without trailing blanks; new ids and timestamps replaced by placeholders."""
    text = ID_RE.sub(lambda m: m.group() if m.group() in KNOWN else f"{m.group(1)}_<new>", text)
    text = STAMP_RE.sub(lambda m: m.group() if m.group() in KNOWN else "<timestamp>", text)
    lines = [line.rstrip() for line in text.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def line_matches(expected: str, actual: str) -> bool:
    if "..." not in expected:
        return expected == actual
    pattern = ".*".join(re.escape(piece) for piece in expected.split("..."))
    return re.fullmatch(pattern, actual) is not None


def output_matches(expected: list[str], actual: list[str]) -> bool:
    """`expected` against `actual`, a line `...` matching any run of lines (even none)."""
    # reach[j]: the expected lines so far can consume exactly the first j actual lines.
    reach = [True] + [False] * len(actual)
    for want in expected:
        if want.strip() == "...":
            for j in range(1, len(reach)):
                reach[j] = reach[j] or reach[j - 1]
        else:
            reach = [False] + [
                reach[j] and line_matches(want, actual[j]) for j in range(len(actual))
            ]
    return reach[-1]


def explain(where: str, command: str, expected: list[str], actual: list[str]) -> str:
    return (
        f"{where}: the output of `{command}` differs from the documentation\n"
        "--- documented\n" + "\n".join(expected) + "\n--- actual\n" + "\n".join(actual)
    )


# --- a scratch project -----------------------------------------------------------------------


def copy_sample(directory: Path) -> Path:
    project = directory / "acme"
    shutil.copytree(SAMPLE, project, ignore=shutil.ignore_patterns(".tmplkit"))
    return project


# --- docs/library.md -------------------------------------------------------------------------


def test_library_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = fences(LIBRARY_DOC)
    python = [(i, b) for i, b in enumerate(blocks) if b.lang == "python" and not b.skip]
    assert python, "docs/library.md has no python examples"
    monkeypatch.delenv("TMPLKIT_PROJECT", raising=False)
    monkeypatch.chdir(copy_sample(tmp_path))
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for index, block in python:
        after = blocks[index + 1] if index + 1 < len(blocks) else None
        expected = after.body if after and after.lang == "text" and after.adjacent else None
        has_assert = re.search(r"^\s*assert\b", block.body, re.M) is not None
        assert has_assert or expected is not None, (
            f"{block.where}: an example must assert something or show its output in a "
            "```text block right after it"
        )
        captured = io.StringIO()
        code = compile(block.body, block.where, "exec")
        with contextlib.redirect_stdout(captured):
            exec(code, namespace)
        if expected is not None:
            want, got = normalize(expected), normalize(captured.getvalue())
            assert output_matches(want, got), explain(block.where, "python", want, got)


def test_library_documents_the_public_api() -> None:
    text = LIBRARY_DOC.read_text("utf-8")
    missing = [name for name in tmplkit.__all__ if not re.search(rf"\b{name}\b", text)]
    assert not missing, f"docs/library.md does not mention: {', '.join(missing)}"


# --- docs/cli.md: every command and option -----------------------------------------------------


def command_paths(
    group: click.Group, prefix: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        yield path, command
        if isinstance(command, click.Group):
            yield from command_paths(command, path)


def sections(doc: Path) -> list[tuple[str, str]]:
    """(heading, text up to the next heading of the same or a higher level) pairs."""
    lines = doc.read_text("utf-8").splitlines()
    heads: list[tuple[int, int, str]] = []
    in_fence = False
    for i, line in enumerate(lines):
        if FENCE_RE.match(line):
            in_fence = not in_fence
        m = re.match(r"^(#+)\s+(.*)$", line)
        if m and not in_fence:
            heads.append((i, len(m.group(1)), m.group(2)))
    out = []
    for n, (i, level, title) in enumerate(heads):
        end = next((j for j, lv, _ in heads[n + 1 :] if lv <= level), len(lines))
        out.append((title, "\n".join(lines[i:end])))
    return out


def names_command(heading: str, path: tuple[str, ...]) -> bool:
    return re.search(r"\btmplkit " + re.escape(" ".join(path)) + r"(?![\w-])", heading) is not None


def documented_invocations(doc: Path) -> set[tuple[str, ...]]:
    """The words after `tmplkit` (global options skipped) in every `$ ` line of the document."""
    found = set()
    for block in fences(doc):
        if block.lang != "console":
            continue
        for line in block.body.splitlines():
            if not line.startswith("$ "):
                continue
            try:
                words = shlex.split(line[2:])
            except ValueError:
                continue
            for k, word in enumerate(words):
                if word != "tmplkit":
                    continue
                rest = words[k + 1 :]
                while rest and rest[0] in ("--debug", "--project"):
                    rest = rest[2:] if rest[0] == "--project" else rest[1:]
                found.add(tuple(w for w in rest[:3] if not w.startswith("-")))
    return found


ALL_COMMANDS = list(command_paths(cli))


@pytest.mark.parametrize(
    "path", [p for p, _ in ALL_COMMANDS], ids=[" ".join(p) for p, _ in ALL_COMMANDS]
)
def test_cli_command_is_documented(path: tuple[str, ...]) -> None:
    headings = [title for title, _ in sections(CLI_DOC)]
    invoked = documented_invocations(CLI_DOC)
    in_heading = any(names_command(h, path) for h in headings)
    in_example = any(inv[: len(path)] == path for inv in invoked)
    assert in_heading or in_example, f"docs/cli.md never mentions `tmplkit {' '.join(path)}`"


LEAVES = [(p, c) for p, c in ALL_COMMANDS if not isinstance(c, click.Group)]


@pytest.mark.parametrize("path,command", LEAVES, ids=[" ".join(p) for p, _ in LEAVES])
def test_cli_command_options_are_documented(path: tuple[str, ...], command: click.Command) -> None:
    texts = [text for title, text in sections(CLI_DOC) if names_command(title, path)]
    assert texts, f"docs/cli.md has no heading for `tmplkit {' '.join(path)}`"
    section = "\n".join(texts)
    for param in command.params:
        if not isinstance(param, click.Option) or param.name == "help":
            continue
        longest = max(param.opts, key=len)
        assert longest in section, (
            f"the docs/cli.md section of `tmplkit {' '.join(path)}` does not mention {longest}"
        )


def test_cli_global_options_are_documented() -> None:
    text = CLI_DOC.read_text("utf-8")
    for param in cli.params:
        if isinstance(param, click.Option) and param.name != "help":
            assert max(param.opts, key=len) in text


# --- console examples ----------------------------------------------------------------------------


@dataclass
class Step:
    command: str
    expected: list[str] = field(default_factory=list)


def unfinished(command: str) -> bool:
    """A command that goes on on the next line: a trailing backslash or an open quote."""
    if command.endswith("\\"):
        return True
    try:
        shlex.split(command)
    except ValueError:
        return True
    return False


def steps(block: Fence) -> list[Step]:
    """The `$ ` commands of a console block (continued on `> ` lines) and their output."""
    out: list[Step] = []
    continued = False
    for line in block.body.splitlines():
        if continued and (line.startswith("> ") or line == ">"):
            out[-1].command += "\n" + line[2:]
            continued = unfinished(out[-1].command)
        elif line.startswith("$ "):
            out.append(Step(line[2:]))
            continued = unfinished(out[-1].command)
        elif out:
            continued = False
            out[-1].expected.append(line)
    return out


def console_blocks() -> list[Fence]:
    return [
        b
        for doc in CONSOLE_DOCS
        if doc.exists()
        for b in fences(doc)
        if b.lang == "console" and not b.skip and steps(b)
    ]


# Starting Python and importing tmplkit for each of the ~200 documented commands takes most of
# this test's time. So a server process imports tmplkit once and forks a child per command; the
# `tmplkit` on the PATH is a small client that hands it argv, cwd, environment and its stdin,
# stdout and stderr (as file descriptors) and exits with the child's exit code.
FORK_SERVER = r"""
import json, os, signal, socket, struct, sys, traceback
from tmplkit.cli import main

signal.signal(signal.SIGCHLD, signal.SIG_IGN)
server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
server.bind(sys.argv[1])
server.listen(8)
while True:
    conn, _ = server.accept()
    data, fds, _, _ = socket.recv_fds(conn, 65536, 3)
    size = struct.unpack("!I", data[:4])[0]
    while len(data) < size + 4:
        data += conn.recv(65536)
    request = json.loads(data[4:])
    if os.fork() == 0:
        server.close()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.argv = ["tmplkit", *request["argv"]]
        code = 0
        try:
            main(request["argv"])
        except SystemExit as exc:
            if isinstance(exc.code, int) or exc.code is None:
                code = exc.code or 0
            else:
                print(exc.code, file=sys.stderr)
                code = 1
        except BaseException:
            traceback.print_exc()
            code = 1
        sys.stdout.flush()
        sys.stderr.flush()
        conn.sendall(struct.pack("!i", code))
        os._exit(0)
    for fd in fds:
        os.close(fd)
    conn.close()
"""

FORK_CLIENT = r"""
import json, os, socket, struct, sys
client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
client.connect(SOCKET)
payload = json.dumps({"argv": sys.argv[1:], "cwd": os.getcwd(), "env": dict(os.environ)})
payload = payload.encode("utf-8")
socket.send_fds(client, [struct.pack("!I", len(payload)) + payload], [0, 1, 2])
reply = b""
while len(reply) < 4:
    chunk = client.recv(4 - len(reply))
    if not chunk:
        sys.exit(1)
    reply += chunk
sys.exit(struct.unpack("!i", reply)[0])
"""


@contextlib.contextmanager
def tmplkit_on_path(directory: Path) -> Iterator[Path]:
    """A bin directory whose `tmplkit` runs this interpreter's tmplkit (the code under test)."""
    bin_dir = directory / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "tmplkit"
    python = shlex.quote(sys.executable)
    if not hasattr(socket, "send_fds"):  # no fd passing here: one process per command
        shim.write_text(
            f"#!/bin/sh\nexec {python} -c 'from tmplkit.cli import main; main()' \"$@\"\n"
        )
        shim.chmod(0o755)
        yield bin_dir
        return
    sock = directory / "fork.sock"
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    server = subprocess.Popen(
        [sys.executable, "-c", FORK_SERVER, str(sock)], env=env, stdin=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 30
        while not sock.exists():
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the tmplkit fork server did not start")
            time.sleep(0.02)
        client = FORK_CLIENT.replace("SOCKET", repr(str(sock)))
        shim.write_text(f"#!{sys.executable} -S\n{client}")
        shim.chmod(0o755)
        yield bin_dir
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="session")
def tmplkit_bin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with tmplkit_on_path(tmp_path_factory.mktemp("tmplkit-bin")) as bin_dir:
        yield bin_dir


def run_block(block: Fence, scratch: Path, bin_dir: Path) -> list[tuple[Step, str]]:
    """Run a console block's commands in a fresh sample project; (step, combined output)."""
    project = copy_sample(scratch)
    env = {k: v for k, v in os.environ.items() if k != "TMPLKIT_PROJECT"}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["COLUMNS"] = "80"
    env["LC_COLLATE"] = "C"  # `sort` in the examples sorts by code point
    status = 0
    results = []
    for step in steps(block):
        proc = subprocess.run(
            ["bash", "-c", f"(exit {status}); {step.command}"],
            cwd=project,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=120,
        )
        status = proc.returncode
        results.append((step, proc.stdout))
    return results


CONSOLE_BLOCKS = console_blocks()


@pytest.mark.parametrize("block", CONSOLE_BLOCKS, ids=[b.where for b in CONSOLE_BLOCKS])
def test_console_example(block: Fence, tmp_path: Path, tmplkit_bin: Path) -> None:
    for step, output in run_block(block, tmp_path, tmplkit_bin):
        want, got = normalize("\n".join(step.expected)), normalize(output)
        assert output_matches(want, got), explain(block.where, step.command, want, got)


def test_docs_have_examples() -> None:
    for doc in CONSOLE_DOCS:
        assert doc.exists(), f"{doc.relative_to(ROOT)} is missing"
    assert any(b.doc == CLI_DOC for b in CONSOLE_BLOCKS), "docs/cli.md has no console examples"


# --- links between the documents ----------------------------------------------------------------

LINK_RE = re.compile(r"\]\(([^)\s]+)\)")


def anchors(doc: Path) -> set[str]:
    """GitHub's anchors for the headings of a markdown document."""
    out = set()
    for title, _ in sections(doc):
        slug = re.sub(r"[^\w\- ]", "", title.strip().lower()).replace(" ", "-")
        out.add(slug)
    return out


@pytest.mark.parametrize("doc", [LIBRARY_DOC, *CONSOLE_DOCS], ids=lambda d: d.name)
def test_doc_links_resolve(doc: Path) -> None:
    for target in LINK_RE.findall(doc.read_text("utf-8")):
        if re.match(r"[a-z]+:", target):
            continue  # an external link
        file, _, anchor = target.partition("#")
        linked = (doc.parent / file) if file else doc
        assert linked.exists(), f"{doc.name}: link to a missing file: {target}"
        if anchor and linked.suffix == ".md":
            assert anchor in anchors(linked), f"{doc.name}: link to a missing heading: {target}"


# --- python tests/test_docs.py --update ----------------------------------------------------------


def update() -> None:
    with tempfile.TemporaryDirectory() as tools, tmplkit_on_path(Path(tools)) as bin_dir:
        update_docs(bin_dir)


def update_docs(bin_dir: Path) -> None:
    for doc in CONSOLE_DOCS:
        lines = doc.read_text("utf-8").splitlines()
        changed = False
        for block in reversed([b for b in console_blocks() if b.doc == doc]):
            block_steps = steps(block)
            if any("..." in line for s in block_steps for line in s.expected):
                print(f"{block.where}: trimmed with ..., check it by hand")
                continue
            with tempfile.TemporaryDirectory() as scratch:
                results = run_block(block, Path(scratch), bin_dir)
            if all(normalize("\n".join(s.expected)) == normalize(out) for s, out in results):
                continue
            body: list[str] = []
            for step, output in results:
                body.extend(
                    ("$ " if n == 0 else "> ") + line
                    for n, line in enumerate(step.command.split("\n"))
                )
                body.extend(line.rstrip() for line in output.rstrip("\n").splitlines())
            if body != lines[block.line : block.end - 1]:
                lines[block.line : block.end - 1] = body
                changed = True
                print(f"{block.where}: updated")
        if changed:
            doc.write_text("\n".join(lines) + "\n", "utf-8")


# --- statements about localization that once disagreed with the code (issue 20) ------------


def commands_run(doc: Path) -> list[str]:
    """The `$ ` commands of the console blocks of `doc` that the docs tests run."""
    return [s.command for b in CONSOLE_BLOCKS if b.doc == doc for s in steps(b)]


def test_project_layout_says_compile_locale_works_and_locales_is_read() -> None:
    doc = DOCS / "project-layout.md"
    text = " ".join(doc.read_text("utf-8").split())
    for gone in (
        "not available yet",
        "refuses with `localized compiles",
        "read but not used yet",
        "of the localization work, and tmplkit does not read it yet",
        "reserved for translations",
    ):
        assert gone not in text, f"docs/project-layout.md still says {gone!r}"
    assert "`locales/` directory. It holds the translations" in text
    commands = commands_run(doc)
    # examples that run: a localized compile, a render from locales/, the project's locales
    assert any(re.search(r"tmplkit compile .*--locale fr-FR", c) for c in commands)
    assert any(re.search(r"tmplkit render .*--locale \S+ --format text", c) for c in commands)
    assert any(c.startswith("tmplkit locale list") for c in commands)


def test_templates_doc_says_the_text_is_translated() -> None:
    doc = DOCS / "templates.md"
    text = " ".join(doc.read_text("utf-8").split())
    assert "the text is always the source language" not in text
    assert "Localization is still being built" not in text
    commands = commands_run(doc)
    assert any(re.search(r"tmplkit render .*--locale \S+ --format text", c) for c in commands)
    assert any(re.search(r"tmplkit compile .*--locale \S+ .*--part text", c) for c in commands)


def test_cli_doc_runs_every_locale_command() -> None:
    commands = commands_run(CLI_DOC)
    for sub in ("add", "remove", "list"):
        assert any(c.startswith(f"tmplkit locale {sub}") for c in commands), sub
    assert any("i18n import" in c and "--add-locale" in c for c in commands)


if __name__ == "__main__":
    if sys.argv[1:] == ["--update"]:
        update()
    else:
        sys.exit("usage: python tests/test_docs.py --update")
