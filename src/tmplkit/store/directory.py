"""An open project directory: its settings, the project lock, transactions, atomic writes,
and the index of everything it holds, read from disk in one scan."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar

import filelock

from ..errors import ProjectError, storage_error
from ..model import Folder, Piece, new_id, now, validate_name
from .files import atomic_write, read_toml
from .layout import BLOCK_FILE, DRAFT_FILE, FOLDER_FILE, PROJECT_FILE, TEMPLATE_FILE, TXN_DIR
from .paths import ProjectRoot
from .records import (
    Index,
    PieceFiles,
    Settings,
    block_from,
    draft_from,
    folder_from,
    free_slug,
    template_from,
)
from .transaction import Transaction, recover


class ProjectDirectory(ProjectRoot):
    """A tmplkit project directory without its repositories (see `Project`): what they build
    on. Reads go to disk each time; writes hold the project lock."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        super().__init__(root)
        self._lock: filelock.FileLock | None = None
        if not (self.root / PROJECT_FILE).is_file():
            raise ProjectError(f"{self.root}: not a tmplkit project (no {PROJECT_FILE})")
        if (self.state_dir / TXN_DIR).is_dir():
            # A transaction was killed (or is being made): taking the lock completes or
            # undoes it before anything is read. Without one, this stat is all it costs.
            with self.lock():
                pass
        self.settings = Settings.from_toml(read_toml(self.root / PROJECT_FILE))

    @contextlib.contextmanager
    def lock(self, timeout: float = 30.0) -> Iterator[None]:
        """Hold the project write lock: one writer at a time, across processes.

        Reentrant within a Project: a write made while holding the lock does not wait for it.
        Whoever takes it first completes or undoes a transaction that a killed process left.
        """
        self.confine(self.state_dir, writing=True)
        self.state_dir.mkdir(exist_ok=True)
        if self._lock is None:
            self._lock = filelock.FileLock(str(self.state_dir / "lock"))
        try:
            with self._lock.acquire(timeout=timeout):
                if self._lock.lock_counter == 1:
                    recover(self)
                yield
        except filelock.Timeout:
            raise ProjectError(f"{self.root}: project is locked by another process") from None

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """Several file changes that land together or not at all, under the project lock:

            with project.transaction() as txn:
                txn.write(path, text)
                txn.rename(old, new)
                txn.delete(path)

        An exception inside the block means nothing lands (see Transaction).
        """
        with self.lock():
            txn = Transaction(self)
            yield txn
            txn.commit()

    def write_file(self, path: Path, data: str | bytes) -> None:
        """One file, atomically (see atomic_write); an OSError becomes a StorageError."""
        path = self.confine(path, writing=True)
        try:
            atomic_write(path, data)
        except OSError as exc:
            raise storage_error(exc, self.relpath(path)) from None

    # -- scanning --

    def index(self) -> Index:
        idx = Index()
        seen: dict[str, Path] = {}

        def register(obj_id: str, file: Path) -> None:
            if obj_id in seen:
                raise ProjectError(f"{file}: duplicate id {obj_id} (also in {seen[obj_id]})")
            seen[obj_id] = file

        # Every directory and record file the scan enters is checked (the wall, see
        # `confine`): a link out of the project is one error line, never followed.
        entry = self.checked_entry

        def subdirs(directory: Path) -> list[Path]:
            """The subdirectories that are not dot-directories (a staged one, say)."""
            return sorted(
                entry(p) for p in directory.iterdir() if not p.name.startswith(".") and p.is_dir()
            )

        def record(directory: Path, name: str) -> Path | None:
            file = directory / name
            return entry(file) if file.is_file() else None

        def walk(directory: Path, parent: Folder | None, path: list[str]) -> None:
            for child in subdirs(directory):
                if file := record(child, FOLDER_FILE):
                    folder = folder_from(child, parent)
                    register(folder.id, file)
                    idx.folders[folder.id] = folder
                    walk(child, folder, [*path, folder.id])
                elif parent is not None and (file := record(child, TEMPLATE_FILE)):
                    template = template_from(child, parent, "/".join(path))
                    register(template.id, file)
                    idx.templates[template.id] = template
                    drafts_dir = entry(child / "drafts")
                    if drafts_dir.is_dir():
                        for ddir in subdirs(drafts_dir):
                            if file := record(ddir, DRAFT_FILE):
                                draft = draft_from(ddir, template)
                                register(draft.id, file)
                                idx.drafts[draft.id] = draft

        workspaces = self.confine(self.root / "workspaces")
        if workspaces.is_dir():
            walk(workspaces, None, [])
        blocks = self.confine(self.root / "blocks")
        if blocks.is_dir():
            for bdir in subdirs(blocks):
                if file := record(bdir, BLOCK_FILE):
                    block = block_from(bdir)
                    register(block.id, file)
                    idx.blocks[block.id] = block
        return idx


P = TypeVar("P", bound=Piece)


class Repo:
    """The objects of one kind in a project (its folders, templates, drafts, blocks)."""

    def __init__(self, project: ProjectDirectory) -> None:
        self.project = project

    def create_piece(
        self, kind: type[P], what: str, name: str, description: str, files: PieceFiles
    ) -> P:
        """A new block or layout named `name`: its slug free in its folder, its record and
        first parts written in one transaction, under the project lock."""
        name = validate_name(name, what)
        project = self.project
        with project.lock():
            slug, target = free_slug(project, project.root / files.folder, name, what)
            stamp = now()
            piece = kind(
                id=new_id(what),
                name=name,
                slug=slug,
                dir=target,
                description=description,
                created_at=stamp,
                updated_at=stamp,
            )
            with project.transaction() as txn:
                for part, text in files.new_parts.items():
                    txn.write(target / files.parts[part], text)
                txn.write_toml(target / files.record, piece.to_toml())
            return piece
