"""`Project`: a project directory with its repositories; finding one, opening one, making a
new one."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import Conflict, ProjectError, storage_error
from .blocks import BlockRepo
from .directory import ProjectDirectory
from .drafts import DraftRepo
from .files import atomic_write, write_toml
from .folders import FolderRepo, WorkspaceRepo
from .layout import PROJECT_FILE, STATE_DIR
from .layouts import LayoutRepo
from .records import Settings
from .templates import TemplateRepo


class Project(ProjectDirectory):
    """A tmplkit project directory. Reads go to disk each time; writes hold the project lock."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        super().__init__(root)
        self.folders = FolderRepo(self)
        self.workspaces = WorkspaceRepo(self, self.folders)
        self.templates = TemplateRepo(self)
        self.drafts = DraftRepo(self, self.templates)
        self.blocks = BlockRepo(self)
        self.layouts = LayoutRepo(self)

    def __repr__(self) -> str:
        return f"Project({str(self.root)!r})"


def find_project_root(start: Path | None = None) -> Path | None:
    """Walk up from `start` to the first directory holding tmplkit.toml, like git."""
    here = (start or Path.cwd()).resolve()
    if here.is_file():
        here = here.parent
    for candidate in (here, *here.parents):
        if (candidate / PROJECT_FILE).is_file():
            return candidate
    return None


def discover(project: str | os.PathLike[str] | None = None) -> Path:
    """--project DIR, else $TMPLKIT_PROJECT, else the nearest tmplkit.toml above the cwd."""
    if project is not None:
        root = Path(project)
        if not (root / PROJECT_FILE).is_file():
            raise ProjectError(f"{root}: not a tmplkit project (no {PROJECT_FILE})")
        return root.resolve()
    env = os.environ.get("TMPLKIT_PROJECT")
    if env:
        root = Path(env)
        if not (root / PROJECT_FILE).is_file():
            raise ProjectError(f"TMPLKIT_PROJECT={env}: not a tmplkit project (no {PROJECT_FILE})")
        return root.resolve()
    found = find_project_root()
    if found is None:
        raise ProjectError(
            f"not inside a tmplkit project (no {PROJECT_FILE} here or above)",
            hint="run `tmplkit init DIR`, or pass --project DIR",
        )
    return found


def init_project(directory: str | os.PathLike[str], name: str | None = None) -> Project:
    """Create a new, empty project in `directory` (which may exist but must not be a project)."""
    root = Path(directory)
    if (root / PROJECT_FILE).exists():
        raise Conflict(f"{root}: already a tmplkit project")
    settings = Settings(name=name or root.resolve().name)
    # tmplkit.toml, which makes it a project, comes last: interrupted (a full disk), `init`
    # can simply be run again.
    file = root
    try:
        root.mkdir(parents=True, exist_ok=True)
        for sub in ("workspaces", "blocks", "locales"):
            file = root / sub
            file.mkdir(exist_ok=True)
        file = root / ".gitignore"
        atomic_write(file, f"{STATE_DIR}/\n")
        file = root / PROJECT_FILE
        write_toml(file, settings.to_toml())
    except OSError as exc:
        raise storage_error(exc, str(file)) from None
    return Project(root)


def open_project(path: str | os.PathLike[str] | None = None) -> Project:
    """Open the project at `path`, or discover it (TMPLKIT_PROJECT, then up from the cwd)."""
    return Project(discover(path))
