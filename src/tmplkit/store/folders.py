"""The folders of a project, and its workspaces (the top-level folders)."""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Conflict, NotFound, ProhibitedAction
from ..model import Draft, Folder, Template, new_id, now, validate_name
from .directory import ProjectDirectory, Repo
from .layout import FOLDER_FILE
from .records import free_slug


@dataclass
class FolderContents:
    """What deleting a folder removes: the folders and templates inside it (at any depth),
    their drafts, the catalogs of those templates, and any other file in its directory."""

    folder: Folder
    folders: builtins.list[Folder] = field(default_factory=list)
    templates: builtins.list[Template] = field(default_factory=list)
    drafts: builtins.list[Draft] = field(default_factory=list)
    catalogs: builtins.list[Path] = field(default_factory=list)
    other_files: builtins.list[Path] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Nothing but its own folder.toml (and no catalogs left under its name)."""
        return not (self.folders or self.templates or self.catalogs or self.other_files)


class FolderRepo(Repo):
    def list(self, parent_id: str | None = None) -> builtins.list[Folder]:
        folders = self.project.index().folders
        if parent_id is not None and parent_id not in folders:
            raise NotFound(f"no folder {parent_id!r}")
        return [f for f in folders.values() if f.parent_id == parent_id]

    def all(self) -> builtins.list[Folder]:
        return list(self.project.index().folders.values())

    def get(self, folder_id: str) -> Folder:
        folder = self.project.index().folders.get(folder_id)
        if folder is None:
            raise NotFound(f"no folder {folder_id!r}")
        return folder

    def subfolders(self, folder_id: str) -> builtins.list[Folder]:
        return self.list(folder_id)

    def create(self, name: str, parent_id: str | None = None, description: str = "") -> Folder:
        what = "folder" if parent_id else "workspace"
        name = validate_name(name, what)
        with self.project.lock():
            if parent_id is None:
                parent_dir = self.project.root / "workspaces"
            else:
                parent = self.get(parent_id)
                parent_dir = parent.dir
            slug, target = free_slug(self.project, parent_dir, name, what)
            stamp = now()
            folder = Folder(
                id=new_id("folder"),
                name=name,
                slug=slug,
                dir=target,
                parent_id=parent_id,
                description=description,
                created_at=stamp,
                updated_at=stamp,
            )
            with self.project.transaction() as txn:
                txn.write_toml(target / FOLDER_FILE, folder.to_toml())
            return folder

    def _catalog_dirs(self, folder_dir: Path) -> builtins.list[tuple[Path, Path]]:
        """(locale folder, catalog directory) of each locale with catalogs of templates inside
        the folder: locales/<lang>/<folder path>/ (see TemplateRepo._catalogs)."""
        rel = folder_dir.relative_to(self.project.root / "workspaces")
        locales = self.project.root / "locales"
        if not locales.is_dir():
            return []
        return [
            (locale_dir, locale_dir / rel)
            for locale_dir in sorted(
                p for p in locales.iterdir() if p.is_dir() and not p.name.startswith(".")
            )
            if (locale_dir / rel).is_dir()
        ]

    def rename(self, folder_id: str, name: str) -> Folder:
        """Give a folder (or a workspace) a new name and directory; its id stays, and the
        catalogs of the templates inside it follow, in one transaction."""
        with self.project.lock():
            folder = self.get(folder_id)
            what = "workspace" if folder.is_workspace else "folder"
            name = validate_name(name, what)
            slug, target = free_slug(self.project, folder.dir.parent, name, what, moving=folder.dir)
            folder.name = name
            folder.updated_at = now()
            with self.project.transaction() as txn:
                # folder.toml is rewritten where it is, then the directory moves.
                txn.write_toml(folder.dir / FOLDER_FILE, folder.to_toml())
                if slug != folder.slug:
                    txn.rename(folder.dir, target)
                    for _, catalogs in self._catalog_dirs(folder.dir):
                        moved = catalogs.parent / slug
                        if moved.exists():
                            raise Conflict(f"{self.project.relpath(moved)} already exists")
                        txn.rename(catalogs, moved)
            folder.dir, folder.slug = target, slug
            return folder

    def contents(self, folder_id: str) -> FolderContents:
        """Everything inside a folder, which deleting it would remove."""
        idx = self.project.index()
        folder = self.get(folder_id)
        inside = [f for f in idx.folders.values() if f.dir.is_relative_to(folder.dir)]
        found = FolderContents(folder)
        found.folders = [f for f in inside if f.id != folder.id]
        found.templates = [t for t in idx.templates.values() if t.dir.is_relative_to(folder.dir)]
        ids = {t.id for t in found.templates}
        found.drafts = [d for d in idx.drafts.values() if d.template_id in ids]
        for _, catalogs in self._catalog_dirs(folder.dir):
            found.catalogs += sorted(p for p in catalogs.rglob("*") if not p.is_dir())
        owned = {f.dir / FOLDER_FILE for f in inside}
        dirs = [t.dir for t in found.templates]
        found.other_files = sorted(
            p
            for p in folder.dir.rglob("*")
            if not p.is_dir() and p not in owned and not any(p.is_relative_to(d) for d in dirs)
        )
        return found

    def delete(self, folder_id: str, recursive: bool = False) -> FolderContents:
        """Delete a folder (or a workspace) and, with `recursive`, everything inside it (see
        `contents`) with the templates' catalogs, in one transaction. Without `recursive`, a
        folder that is not empty is refused."""
        with self.project.transaction() as txn:
            found = self.contents(folder_id)
            folder = found.folder
            if not recursive:
                refuse_non_empty(found)
            txn.delete(folder.dir)
            for _, catalogs in self._catalog_dirs(folder.dir):
                txn.delete(catalogs)
            return found


class WorkspaceRepo(Repo):
    """Workspaces are the top-level folders."""

    def __init__(self, project: ProjectDirectory, folders: FolderRepo) -> None:
        super().__init__(project)
        self.folders = folders

    def list(self) -> list[Folder]:
        return self.folders.list(None)

    def get(self, folder_id: str) -> Folder:
        folder = self.folders.get(folder_id)
        if not folder.is_workspace:
            raise NotFound(f"{folder_id} is a folder, not a workspace")
        return folder

    def create(self, name: str, description: str = "") -> Folder:
        return self.folders.create(name, None, description)


def refuse_non_empty(found: FolderContents) -> None:
    """ProhibitedAction naming what a folder holds, unless it is empty."""
    if found.empty:
        return
    folder = found.folder
    what = "workspace" if folder.is_workspace else "folder"
    raise ProhibitedAction(
        f"{what} {folder.id} ({folder.name}) is not empty: {describe(found)}",
        hint="pass --recursive to delete it with everything in it",
    )


def count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def describe(found: FolderContents) -> str:
    """'2 templates, 3 drafts, 10 catalogs': what a folder holds, its nonzero counts."""
    counts = [
        (len(found.folders), "folder"),
        (len(found.templates), "template"),
        (len(found.drafts), "draft"),
        (len(found.catalogs), "catalog"),
        (len(found.other_files), "other file"),
    ]
    return ", ".join(count(n, word) for n, word in counts if n) or "nothing"
