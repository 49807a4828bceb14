"""Shared fixtures: fresh projects, a copy of the sample project, and ways to run the CLI."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import tmplkit
from tmplkit.cli import main
from tmplkit.model import Draft, Folder, Template

REPO = Path(__file__).resolve().parent.parent
SAMPLE_TEMPLATES = REPO / "sample_templates"


@dataclass
class ProjectEnv:
    """A fresh project holding one workspace, one folder and one template with "Draft 1"."""

    project: tmplkit.Project
    root: Path
    workspace: Folder
    folder: Folder
    template: Template
    draft: Draft

    def reload(self) -> tmplkit.Project:
        """A new Project object on the same directory: everything re-read from disk."""
        return tmplkit.open_project(self.root)

    def draft_in(self, state: str, name: str = "Spring sale") -> Draft:
        """A new draft of self.template named `name`, brought into `state` (see STATES)."""
        drafts = self.project.drafts
        archived = state.startswith("ARCHIVED(")
        status = state[len("ARCHIVED(") : -1] if archived else state
        draft = drafts.create(self.template.id, name=name)
        if status == "PENDING_APPROVAL":
            drafts.submit(draft.id)
        elif status == "LOCKED_FOR_TRANSLATION":
            drafts.lock(draft.id)
        elif status == "PUBLISHED":
            drafts.submit(draft.id)
            drafts.approve(draft.id)
        if archived:
            if status == "PUBLISHED":  # only a superseded published draft can be archived
                newer = drafts.create(self.template.id, name="Newer")
                drafts.submit(newer.id)
                drafts.approve(newer.id)
            drafts.archive(draft.id)
        draft = drafts.get(draft.id)
        assert draft.state == ("ARCHIVED" if archived else status)
        return draft


# --- the draft workflow, written out by hand (not derived from tmplkit.model) -----------------

STATUSES = ["IN_PROGRESS", "PENDING_APPROVAL", "LOCKED_FOR_TRANSLATION", "PUBLISHED"]
STATES = [*STATUSES, *(f"ARCHIVED({s})" for s in STATUSES)]
ACTIONS = ["submit", "approve", "reject", "lock", "unlock", "archive", "duplicate", "edit"]

# state -> {allowed action: the state it leads to (for duplicate: the new draft's state)}.
ALLOWED: dict[str, dict[str, str]] = {
    "IN_PROGRESS": {
        "submit": "PENDING_APPROVAL",
        "lock": "LOCKED_FOR_TRANSLATION",
        "archive": "ARCHIVED",
        "duplicate": "IN_PROGRESS",
        "edit": "IN_PROGRESS",
    },
    "PENDING_APPROVAL": {
        "approve": "PUBLISHED",
        "reject": "IN_PROGRESS",
        "archive": "ARCHIVED",
        "duplicate": "IN_PROGRESS",
    },
    "LOCKED_FOR_TRANSLATION": {
        "submit": "PENDING_APPROVAL",
        "unlock": "IN_PROGRESS",
        "archive": "ARCHIVED",
        "duplicate": "IN_PROGRESS",
    },
    # The template's current published draft: archive is refused too.
    "PUBLISHED": {"duplicate": "IN_PROGRESS"},
    **{f"ARCHIVED({s})": {"duplicate": "IN_PROGRESS"} for s in STATUSES},
}
ACTION_WORDS = {
    "submit": "submit it for approval",
    "approve": "approve it",
    "reject": "reject it",
    "lock": "lock it for translation",
    "unlock": "unlock it",
    "archive": "archive it",
    "duplicate": "duplicate it",
    "edit": "change its content",
}
ALLOWED_FROM = {
    "submit": "IN_PROGRESS, LOCKED_FOR_TRANSLATION",
    "approve": "PENDING_APPROVAL",
    "reject": "PENDING_APPROVAL",
    "lock": "IN_PROGRESS",
    "unlock": "LOCKED_FOR_TRANSLATION",
}
CLI_DONE = {
    "submit": "submitted",
    "approve": "approved",
    "reject": "rejected",
    "lock": "locked",
    "unlock": "unlocked",
    "archive": "archived",
}


def refusal(draft: Draft, template_id: str, action: str) -> str:
    """The exact message (as the CLI prints it after `error: `) refusing `action` on `draft`."""
    label = f'draft {draft.id} ("{draft.name}")'
    if draft.archived:
        return f"{label} is ARCHIVED: cannot {ACTION_WORDS[action]} (hint: duplicate it to work on a copy)"
    if action == "edit":
        return (
            f"{label} is {draft.status.value}: cannot change its content "
            f"(hint: duplicate it to make changes: tmplkit draft duplicate {draft.id})"
        )
    if action == "archive":
        return (
            f"{label} is the published draft of template {template_id}: cannot archive it "
            "(hint: approve another draft first)"
        )
    return (
        f"{label} is {draft.status.value}: cannot {ACTION_WORDS[action]} "
        f"(hint: allowed from {ALLOWED_FROM[action]})"
    )


def modified_refusal(draft: Draft) -> str:
    return (
        f'draft {draft.id} ("{draft.name}") is {draft.status.value} but its files changed on disk '
        "(hint: restore them (git checkout), or duplicate the draft to change it)"
    )


# Names no folder, template, draft or block may take; "{w}" is the kind's word in the message.
BAD_NAMES = [
    ("..", "{w} name '..' is not allowed"),
    (
        "../../etc",
        "{w} name '../../etc' contains a path separator (hint: names may not contain / or \\)",
    ),
    (
        "/etc/passwd",
        "{w} name '/etc/passwd' contains a path separator (hint: names may not contain / or \\)",
    ),
    ("a/b", "{w} name 'a/b' contains a path separator (hint: names may not contain / or \\)"),
    ("a\\b", "{w} name 'a\\\\b' contains a path separator (hint: names may not contain / or \\)"),
    ("", "{w} name is empty"),
    ("   ", "{w} name is empty"),
    (".", "{w} name '.' is not allowed"),
    ("..hidden", "{w} name '..hidden' is not allowed"),
    ("line\nbreak", "{w} name 'line\\nbreak' contains control characters"),
    ("nul\x00byte", "{w} name 'nul\\x00byte' contains control characters"),
    ("bell\x07", "{w} name 'bell\\x07' contains control characters"),
    ("drafts", "{w} name 'drafts' gives the slug 'drafts' is a reserved name"),
    ("blocks", "{w} name 'blocks' gives the slug 'blocks' is a reserved name"),
    ("con", "{w} name 'con' gives the slug 'con' is a reserved name"),
    ("CON", "{w} name 'CON' gives the slug 'con' is a reserved name"),
    ("workspaces", "{w} name 'workspaces' gives the slug 'workspaces' is a reserved name"),
    ("!!!", "{w} name '!!!' gives the slug '' is not allowed"),
    ("a..b", "{w} name 'a..b' gives the slug 'a..b' is not allowed"),
    ("x" * 201, "{w} name is longer than 200 characters"),
]
BAD_NAME_IDS = [repr(n)[:20] for n, _ in BAD_NAMES]


def part_files(directory: Path) -> dict[str, bytes]:
    """The template part files (*.j2) of a draft directory, by name."""
    return {p.name: p.read_bytes() for p in sorted(directory.glob("*.j2"))}


@pytest.fixture
def project(tmp_path: Path) -> ProjectEnv:
    p = tmplkit.init_project(tmp_path / "p")
    ws = p.workspaces.create("Acme Shop")
    folder = p.folders.create("Orders", ws.id)
    template = p.templates.create(folder.id, "Order confirmation")
    (draft,) = p.drafts.list(template.id)
    return ProjectEnv(p, p.root, ws, folder, template, draft)


@pytest.fixture
def sample_project(tmp_path: Path) -> Path:
    """A private copy of sample_templates/ (without any lock state left in the original)."""
    dest = tmp_path / "sample"
    shutil.copytree(SAMPLE_TEMPLATES, dest, ignore=shutil.ignore_patterns(".tmplkit"))
    return dest


def _snapshot(root: Path) -> dict[str, bytes | None]:
    """Every path under root: file -> its bytes, directory -> None.

    Leaves out only the project's lock state, .tmplkit/ (git-ignored, made by the first write).
    """
    out: dict[str, bytes | None] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if rel == ".tmplkit" or rel.startswith(".tmplkit/"):
            continue
        out[rel] = path.read_bytes() if path.is_file() else None
    return out


@pytest.fixture
def snapshot() -> Callable[[Path], dict[str, bytes | None]]:
    """snapshot(root): every file's bytes and every directory under root, to compare later."""
    return _snapshot


@dataclass
class Result:
    code: int
    out: str
    err: str


def _exit_code(exc: SystemExit) -> int:
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code
    return 1


@pytest.fixture
def run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Callable[..., Result]]:
    """run(*args, cwd=None, env=None, stdin=""): `tmplkit ARGS` in this process via cli.main.

    Fast. TMPLKIT_PROJECT is unset unless given in env; stdin is never a tty.
    """

    def invoke(
        *args: str | os.PathLike[str],
        cwd: Path | None = None,
        env: dict[str, str] | None = None,
        stdin: str = "",
    ) -> Result:
        capsys.readouterr()  # drop anything printed before
        with monkeypatch.context() as m:
            m.delenv("TMPLKIT_PROJECT", raising=False)
            m.setattr(sys, "stdin", io.StringIO(stdin))  # never a tty
            for key, value in (env or {}).items():
                m.setenv(key, value)
            if cwd is not None:
                m.chdir(cwd)
            try:
                main([os.fspath(a) for a in args])
                code = 0
            except SystemExit as exc:
                code = _exit_code(exc)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    yield invoke


def _subprocess_env(env: dict[str, str] | None) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if k != "TMPLKIT_PROJECT"}
    out["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "src"), out.get("PYTHONPATH")]))
    out.update(env or {})
    return out


@pytest.fixture
def run_proc() -> Callable[..., Result]:
    """run_proc(*args, cwd=None, env=None, input=None): `python -m tmplkit ARGS`, a real process.

    stdin is /dev/null unless `input` is given (never a tty); ~0.3 s a call, so use sparingly.
    """

    def invoke(
        *args: str | os.PathLike[str],
        cwd: Path | None = None,
        env: dict[str, str] | None = None,
        input: str | None = None,
    ) -> Result:
        proc = subprocess.run(
            [sys.executable, "-m", "tmplkit", *map(os.fspath, args)],
            cwd=cwd,
            env=_subprocess_env(env),
            input=input,
            stdin=subprocess.DEVNULL if input is None else None,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=60,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    return invoke


def add_settings(root: Path, toml: str) -> None:
    """Append TOML (tables such as `[handoff.webhook]`) to a project's tmplkit.toml."""
    with open(root / "tmplkit.toml", "a", encoding="utf-8") as fh:
        fh.write("\n" + toml)


@pytest.fixture
def python_env() -> dict[str, str]:
    """Environment for a `python -c` helper process that imports tmplkit from src/."""
    return _subprocess_env(None)


def unstyled(html: str) -> str:
    """The HTML without its inlined `style` attributes: for tests about content, not CSS
    (tests/test_inline.py proves the inlined styles)."""
    return re.sub(r' style="[^"]*"', "", html)
