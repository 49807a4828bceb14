"""The localizations of a draft or a block (Dyspatch's `loc_` objects): the languages it is
translated into, kept in its record file."""

from __future__ import annotations

from pathlib import Path

import tomli_w

from ..errors import Conflict, NotFound
from ..model import Block, Draft, Localization, new_id, now
from .directory import ProjectDirectory


def find(owner: Draft | Block, ref: str) -> Localization | None:
    """The owner's localization with this id (`loc_…`) or language tag (normalized)."""
    for existing in owner.localizations:
        if existing.id == ref or ref in existing.languages:
            return existing
    return None


def save(
    project: ProjectDirectory,
    owner: Draft | Block,
    record: Path,
    tag: str,
    name: str | None = None,
    *,
    rename: bool = False,
) -> tuple[Localization, bool]:
    """Add the language `tag` (normalized) to the owner, named `name` (default: its name in
    English from CLDR); with `rename`, an existing one takes the new name instead of being a
    Conflict. Returns the localization and whether it is new. The caller holds the lock and has
    checked the owner's state."""
    from ..langtags import display_name  # Babel, only when one is saved

    existing = find(owner, tag)
    if existing is not None:
        if not rename:
            raise Conflict(f"{label(owner)} already has the localization {tag}")
        if name is None or name == existing.name:
            return existing, False
        existing.name = name
        _write(project, owner, record)
        return existing, False
    localization = Localization(new_id("localization"), name or display_name(tag), [tag])
    owner.localizations.append(localization)
    _write(project, owner, record)
    return localization, True


def remove(project: ProjectDirectory, owner: Draft | Block, record: Path, ref: str) -> Localization:
    """Take the localization with this id or language tag from the owner (the caller holds the
    lock and has checked the owner's state)."""
    existing = find(owner, ref)
    if existing is None:
        raise NotFound(f"{label(owner)} has no localization {ref}")
    owner.localizations.remove(existing)
    _write(project, owner, record)
    return existing


def label(owner: Draft | Block) -> str:
    return owner.label() if isinstance(owner, Draft) else f'block {owner.id} ("{owner.name}")'


def _write(project: ProjectDirectory, owner: Draft | Block, record: Path) -> None:
    owner.updated_at = now()
    project.write_file(record, tomli_w.dumps(owner.to_toml()))
