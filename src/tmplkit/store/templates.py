"""The templates of a project: finding, creating, renaming and deleting one (with its drafts
and its catalogs), and its sample data."""

from __future__ import annotations

import builtins
from pathlib import Path
from typing import Any

from .. import datafile
from ..errors import Conflict, NotFound, ProjectError
from ..model import Template, new_id, now, validate_name
from .directory import Repo
from .layout import NEW_DRAFT_PARTS, SAMPLE_DATA_FILE, TEMPLATE_FILE
from .records import Index, free_slug, new_draft, refuse_look_alike
from .transaction import Transaction


class TemplateRepo(Repo):
    def list(self, folder_id: str | None = None, name: str | None = None) -> list[Template]:
        idx = self.project.index()
        if folder_id is not None and folder_id not in idx.folders:
            raise NotFound(f"no folder {folder_id!r}")
        out = []
        for template in idx.templates.values():
            if folder_id and folder_id not in template.path.split("/"):
                continue
            if name and name.lower() not in template.name.lower():
                continue
            out.append(template)
        return out

    def get(self, ref: str) -> Template:
        """A template by id (`tem_…`) or by slug path (`acme-shop/orders/order-confirmation`)."""
        idx = self.project.index()
        if ref in idx.templates:
            return idx.templates[ref]
        found = self._by_path(idx, ref)
        if found is None:
            raise NotFound(f"no template {ref!r}")
        return found

    def _by_path(self, idx: Index, ref: str) -> Template | None:
        wanted = ref.strip("/").removeprefix("workspaces/")
        for template in idx.templates.values():
            rel = template.dir.relative_to(self.project.root / "workspaces").as_posix()
            if rel == wanted:
                return template
        return None

    def create(self, folder_id: str, name: str, description: str = "") -> Template:
        name = validate_name(name, "template")
        with self.project.lock():
            idx = self.project.index()
            folder = idx.folders.get(folder_id)
            if folder is None:
                raise NotFound(f"no folder {folder_id!r}")
            slug, target = free_slug(self.project, folder.dir, name, "template")
            path = [folder.id]
            parent = folder
            while parent.parent_id:
                parent = idx.folders[parent.parent_id]
                path.insert(0, parent.id)
            stamp = now()
            template = Template(
                id=new_id("template"),
                name=name,
                slug=slug,
                dir=target,
                folder_id=folder.id,
                path="/".join(path),
                description=description,
                created_at=stamp,
                updated_at=stamp,
            )
            # One new directory, switched in whole: never a template without its draft.
            with self.project.transaction() as txn:
                txn.write_toml(target / TEMPLATE_FILE, template.to_toml())
                new_draft(txn, self.project, template, "Draft 1", dict(NEW_DRAFT_PARTS))
            return template

    def rename(self, template_id: str, name: str) -> Template:
        """Give a template a new name (and directory); its id, drafts and history stay."""
        name = validate_name(name, "template")
        with self.project.lock():
            template = self.get(template_id)
            slug, target = free_slug(
                self.project, template.dir.parent, name, "template", moving=template.dir
            )
            template.name = name
            template.updated_at = now()
            with self.project.transaction() as txn:
                # template.toml is rewritten where it is, then the directory moves.
                txn.write_toml(template.dir / TEMPLATE_FILE, template.to_toml())
                if slug != template.slug:
                    txn.rename(template.dir, target)
                    self._move_catalogs(txn, template.dir, target)
            template.dir, template.slug = target, slug
            return template

    def move(self, template_id: str, folder_id: str) -> Template:
        """Move a template (its directory, drafts and history) into another folder; each
        locale's catalog follows it. One transaction: all of it lands, or none."""
        with self.project.lock():
            idx = self.project.index()
            template = self.get(template_id)
            folder = idx.folders.get(folder_id)
            if folder is None:
                raise NotFound(f"no folder {folder_id!r}")
            if folder.id == template.folder_id:
                raise Conflict(
                    f"template {template.id} is already in folder {folder.id} ({folder.name})"
                )
            # The slug stays: a template of that slug in the folder is refused, not renumbered.
            target = folder.dir / template.slug
            if target.exists():
                raise Conflict(
                    f"{self.project.relpath(target)} already exists",
                    hint="rename one of the two templates first (tmplkit template rename)",
                )
            refuse_look_alike(
                self.project, folder.dir, template.slug, f"template {template.slug!r}"
            )
            moves = self._catalog_moves(template.dir, target)
            for _, new in moves:
                if new.exists():
                    raise Conflict(f"{self.project.relpath(new)} already exists")
            path = [folder.id]
            parent = folder
            while parent.parent_id:
                parent = idx.folders[parent.parent_id]
                path.insert(0, parent.id)
            template.updated_at = now()
            with self.project.transaction() as txn:
                txn.write_toml(template.dir / TEMPLATE_FILE, template.to_toml())
                txn.rename(template.dir, target)
                for old, new in moves:
                    txn.rename(old, new)
            template.dir = target
            template.folder_id, template.path = folder.id, "/".join(path)
            return template

    def _catalog_moves(self, old_dir: Path, new_dir: Path) -> builtins.list[tuple[Path, Path]]:
        """(catalog, where it goes) for each locale's catalog of a template moving to new_dir."""
        new_rel = new_dir.relative_to(self.project.root / "workspaces")
        return [
            (catalog, locale_dir / new_rel.parent / f"{new_rel.name}.po")
            for locale_dir, catalog in self._catalogs(old_dir)
        ]

    def _catalogs(self, template_dir: Path) -> builtins.list[tuple[Path, Path]]:
        """(locale folder, catalog file) of each locale that has a catalog of the template:
        locales/<lang>/<template path>.po."""
        rel = template_dir.relative_to(self.project.root / "workspaces")
        locales = self.project.root / "locales"
        if not locales.is_dir():
            return []
        found = []
        for locale_dir in sorted(
            p for p in locales.iterdir() if p.is_dir() and not p.name.startswith(".")
        ):
            catalog = locale_dir / rel.parent / f"{rel.name}.po"
            if catalog.is_file():
                found.append((locale_dir, catalog))
        return found

    def _move_catalogs(self, txn: Transaction, old_dir: Path, new_dir: Path) -> None:
        """Each locale's catalog follows its template to its new path."""
        new_rel = new_dir.relative_to(self.project.root / "workspaces")
        for locale_dir, catalog in self._catalogs(old_dir):
            txn.rename(catalog, locale_dir / new_rel.parent / f"{new_rel.name}.po")

    def delete(self, template_id: str) -> Template:
        """Delete a template, its drafts and its catalogs, in one transaction."""
        with self.project.transaction() as txn:
            template = self.get(template_id)
            txn.delete(template.dir)
            for _, catalog in self._catalogs(template.dir):
                txn.delete(catalog)
            return template

    def sample_data(self, template: Template) -> dict[str, Any] | None:
        file = self.project.confine(template.dir / SAMPLE_DATA_FILE)
        if not file.is_file():
            return None
        data = datafile.load_bytes(file.read_bytes(), str(file), ProjectError)
        if not isinstance(data, dict):
            raise ProjectError(f"{file}: sample data must be a JSON object")
        return data
