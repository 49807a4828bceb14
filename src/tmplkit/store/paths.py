"""The wall around a project directory: nothing is read or written outside it, through `..`
or through a symbolic link."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import ProjectError
from .layout import STATE_DIR


class OutsideProject(ProjectError):
    """A path that leaves the project directory: through `..`, or through a symbolic link (see
    `Project.confine`). Nothing has been read or written."""


LINK_HINT = "replace the link with a copy of what it points to, or remove it"


def confine(root: Path, path: Path, *, writing: bool = False) -> Path:
    """`path`, absolute, once it is known to stay inside the project at `root` (a resolved
    path); else OutsideProject, and nothing has been read or written.

    `..` is resolved first. Then each component below the root that exists is looked at (one
    lstat each): a symbolic link whose real path leaves the project is refused, for reading
    and writing alike. For `writing`, any link is refused, wherever it points: os.replace
    would swap the link for a file and a delete would act on the link, so a write through a
    link never does what its path says (and links do not survive a checkout on Windows).
    Every read and write of the store goes through here: the transaction's `write`, `rename`
    and `delete`, `Project.write_file`, the project lock, the index's scan, the part files,
    the blocks a frozen draft includes, sample.json and the catalogs.
    """
    path = Path(os.path.abspath(path))
    if path != root and root not in path.parents:
        raise OutsideProject(f"{path} is not inside the project {root}")
    current = root
    for name in path.relative_to(root).parts:
        current = current / name
        if not os.path.islink(current):
            if not os.path.lexists(current):
                break  # the rest is to be made
            continue
        if writing:
            raise OutsideProject(
                f"{current.relative_to(root)} is a symbolic link: tmplkit writes nothing "
                "through a link",
                hint=LINK_HINT,
            )
        check_link(root, current)
    return path


def check_link(root: Path, link: Path) -> None:
    """A link found while reading: refused when its real path leaves the project."""
    target = Path(os.path.realpath(link))
    if target != root and root not in target.parents:
        raise OutsideProject(
            f"{link.relative_to(root)} is a symbolic link to {target}, outside the project",
            hint=LINK_HINT,
        )


class ProjectRoot:
    """A project directory's root (resolved), and the wall around it: the path checks every
    read and write of the store makes first."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()

    @property
    def state_dir(self) -> Path:
        return self.root / STATE_DIR

    def relpath(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    def confine(self, path: Path, *, writing: bool = False) -> Path:
        """`path`, absolute, once it is known to stay inside the project (see `confine`)."""
        return confine(self.root, path, writing=writing)

    def checked_entry(self, path: Path) -> Path:
        """`path` (whose directory was checked already, as a scan goes down): refused if it
        is a link that leaves the project. One lstat: the index calls it for every entry."""
        if os.path.islink(path):
            check_link(self.root, path)
        return path
