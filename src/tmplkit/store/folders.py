"""The folders of a project, and its workspaces (the top-level folders)."""

from __future__ import annotations

import builtins

from ..errors import NotFound
from ..model import Folder, new_id, now, validate_name
from .directory import ProjectDirectory, Repo
from .layout import FOLDER_FILE
from .records import free_slug


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
