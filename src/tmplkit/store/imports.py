"""Objects that come from elsewhere (`tmplkit sync pull`): folders, templates, drafts, blocks
and catalogs written with the ids, slugs and files they already have.

The repositories (folders.py, templates.py, …) mint a new id and slug for what they create;
an import keeps both, so a project pulled from another one is that project. Each object is
its directory's files (its record, its parts, sample.json) and nothing else: `object_files`
reads them, `object_digest` says whether two copies are the same, and `import_object` records
in a Transaction what makes the local copy equal the given one: the files that differ, the
known files it no longer has removed, and a move when it sits elsewhere (its catalogs move
with it). Every id, slug and file name is checked before anything is recorded: a file name
outside the kind's list, a record of another id, a slug that escapes, is reserved, or is taken
by another object is refused, and nothing is written.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeGuard

from ..errors import Conflict, ProjectError
from ..model import DraftStatus, validate_slug
from .layout import (
    BLOCK_FILE,
    BLOCK_PARTS,
    DRAFT_FILE,
    FOLDER_FILE,
    PARTS,
    SAMPLE_DATA_FILE,
    TEMPLATE_FILE,
)
from .paths import ProjectRoot
from .records import refuse_look_alike, require
from .transaction import Transaction

# The kinds of object an import writes, each with its id prefix, its record file (the file
# that makes it exist, written last) and every file it consists of.
PREFIXES = {"folder": "fdr_", "template": "tem_", "draft": "tdft_", "block": "blk_"}
RECORD_FILES = {
    "folder": FOLDER_FILE,
    "template": TEMPLATE_FILE,
    "draft": DRAFT_FILE,
    "block": BLOCK_FILE,
}
KIND_FILES: dict[str, tuple[str, ...]] = {
    "folder": (FOLDER_FILE,),
    "template": (SAMPLE_DATA_FILE, TEMPLATE_FILE),
    "draft": (*PARTS.values(), DRAFT_FILE),
    "block": (*BLOCK_PARTS.values(), BLOCK_FILE),
}
# An id as the store and the API write it: its kind's prefix, then lower-case letters and
# digits (tmplkit's are 26; Dyspatch's have been shorter).
ID_PATTERNS = {
    kind: re.compile(rf"{prefix}[0-9a-z]{{1,64}}")
    for kind, prefix in {**PREFIXES, "localization": "loc_"}.items()
}


def valid_id(kind: str, value: object) -> TypeGuard[str]:
    """Whether `value` is an id of that kind (`tem_…` for a template): checked before an id
    names a file or a request."""
    return isinstance(value, str) and ID_PATTERNS[kind].fullmatch(value) is not None


def object_files(project: ProjectRoot, kind: str, directory: Path) -> dict[str, bytes]:
    """The files of one object, by name, as they are on disk: its record, its parts, and
    for a template sample.json (a template's drafts are objects of their own)."""
    out = {}
    for name in KIND_FILES[kind]:
        file = project.confine(directory / name)
        if file.is_file():
            out[name] = file.read_bytes()
    return out


def object_digest(kind: str, parent: str | None, slug: str, files: dict[str, bytes]) -> str:
    """The sha256 of an object: where it is (its parent's id and its slug) and its files,
    byte for byte. Two copies with the same digest are the same object in the same place.
    A catalog is kind "catalog", parent its owner's id, slug its locale, one file."""
    digest = hashlib.sha256(f"{kind}\0{parent or ''}\0{slug}\0".encode())
    for name in sorted(files):
        data = files[name]
        digest.update(f"{name}\0{len(data)}\0".encode() + data)
    return digest.hexdigest()


def check_files(kind: str, obj_id: str, files: dict[str, bytes]) -> dict[str, Any]:
    """The record of an object's files, once the files are known to be that object: only the
    kind's file names, and a record that is TOML naming this id (and, for a draft, a known
    status). ProjectError naming the object otherwise."""
    what = f"{kind} {obj_id}"
    if not valid_id(kind, obj_id):
        raise ProjectError(f"{obj_id!r} is not a {kind} id")
    unknown = sorted(set(files) - set(KIND_FILES[kind]))
    if unknown:
        raise ProjectError(f"{what}: unexpected file {unknown[0]!r}")
    record_file = RECORD_FILES[kind]
    if record_file not in files:
        raise ProjectError(f"{what}: no {record_file}")
    try:
        record = tomllib.loads(files[record_file].decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ProjectError(f"{what}: {record_file}: invalid TOML: {exc}") from None
    where = Path(f"{what}: {record_file}")
    if require(record, "id", where, PREFIXES[kind]) != obj_id:
        raise ProjectError(f"{what}: {record_file} names {record['id']}")
    require(record, "name", where, "")
    if kind == "draft" and record.get("status", "IN_PROGRESS") not in set(DraftStatus):
        raise ProjectError(f"{what}: unknown status {record.get('status')!r}")
    return record


def record_id(directory: Path, kind: str) -> str | None:
    """The id in the record file of `directory`, if it holds one of that kind."""
    file = directory / RECORD_FILES[kind]
    try:
        value = tomllib.loads(file.read_text("utf-8")).get("id")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    return value if isinstance(value, str) else None


@dataclass(frozen=True)
class Placement:
    """Where an imported object goes: `target`, its directory (its parent's directory and its
    slug); `current`, where the project has it now (None: it is new here)."""

    kind: str
    id: str
    target: Path
    current: Path | None = None

    @property
    def moves(self) -> bool:
        return self.current is not None and self.current != self.target


def check_placement(project: ProjectRoot, placement: Placement) -> None:
    """Refuse a placement before anything is written: a slug that is not one (it would escape,
    or is reserved), a target outside the project, taken by another object or by a directory
    that is none, or next to a sibling that looks like it (see `refuse_look_alike`)."""
    target = placement.target
    validate_slug(target.name, f"{placement.kind} {placement.id}: slug")
    project.confine(target, writing=True)
    if placement.current is not None:
        project.confine(placement.current, writing=True)
    if target == placement.current:
        return
    if target.exists():
        other = record_id(target, placement.kind)
        held = f" holds {other}" if other else " exists"
        raise Conflict(
            f"{project.relpath(target)}{held}: cannot put {placement.kind} {placement.id} there",
            hint="rename or move the local one, then pull again",
        )
    refuse_look_alike(
        project, target.parent, target.name, f"{placement.kind} {placement.id}", placement.current
    )


def import_object(
    project: ProjectRoot, txn: Transaction, placement: Placement, files: dict[str, bytes]
) -> bool:
    """Record in `txn` what makes the project's copy of an object equal `files` (checked with
    `check_files`) at `placement.target`: each file that differs, the record file last; each
    known file it does not have, removed; then the move, with its catalogs. False when there
    was nothing to record (the copy is the same)."""
    check_files(placement.kind, placement.id, files)
    check_placement(project, placement)
    here = placement.current or placement.target
    have = object_files(project, placement.kind, here) if placement.current else {}
    changed = False
    for name in KIND_FILES[placement.kind]:  # the record file comes last in the list
        if name in files and have.get(name) != files[name]:
            txn.write(here / name, files[name])
            changed = True
        elif name not in files and name in have:
            txn.delete(here / name)
            changed = True
    if placement.current is not None and placement.moves:
        txn.rename(placement.current, placement.target)
        for src, dst in catalog_moves(project, placement):
            txn.rename(src, dst)
        changed = True
    return changed


def catalog_path(project: ProjectRoot, locale: str, kind: str, directory: Path) -> Path:
    """Where a locale's catalog of the template or block at `directory` is (see
    i18n.extract.catalog_path, which takes the object)."""
    base = project.root / "locales" / locale
    if kind == "block":
        return base / "blocks" / f"{directory.name}.po"
    rel = directory.relative_to(project.root / "workspaces")
    return base / rel.parent / f"{rel.name}.po"


def locale_dirs(project: ProjectRoot) -> list[Path]:
    """The folders of locales/, one per locale that has catalogs."""
    locales = project.confine(project.root / "locales")
    if not locales.is_dir():
        return []
    return sorted(p for p in locales.iterdir() if p.is_dir() and not p.name.startswith("."))


def catalog_moves(project: ProjectRoot, placement: Placement) -> list[tuple[Path, Path]]:
    """The catalogs that follow an object to its new place, (from, to): a template's and a
    block's catalog files, a folder's folder of catalogs in each locale."""
    current, target = placement.current, placement.target
    if current is None or current == target or placement.kind == "draft":
        return []
    moves = []
    for locale_dir in locale_dirs(project):
        if placement.kind == "folder":
            workspaces = project.root / "workspaces"
            src = locale_dir / current.relative_to(workspaces)
            dst = locale_dir / target.relative_to(workspaces)
            if src.is_dir():
                moves.append((src, dst))
            continue
        src = catalog_path(project, locale_dir.name, placement.kind, current)
        if src.is_file():
            moves.append((src, catalog_path(project, locale_dir.name, placement.kind, target)))
    return moves
