"""`tmplkit sync status`: what differs between a remote and the project, both ways.

Every object either side has is compared by digest (entries.py): the same digest is in sync;
otherwise it is only on one side, or changed on one side or on both (told by the base of the
last pull), or it differs with no pull recorded. Nothing is written, not even the base.
A tmplkit server lists its digests, so status costs a few requests; a Dyspatch account's
drafts and catalogs have to be fetched (one request each, and one per translation) to be
compared.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..model import slugify
from ..store import Project
from ..store.imports import object_digest
from .entries import (
    CATALOG_FILE,
    IN_SYNC,
    KINDS,
    SETTINGS_ID,
    Base,
    Drift,
    Entry,
    catalog_digest,
    classify,
    local_entries,
)
from .remote import Remote


@dataclass
class StatusReport:
    """Every object that is not the same on both sides, parents first."""

    url: str
    objects: int = 0  # objects on either side
    drift: list[Drift] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def in_sync(self) -> bool:
        return not self.drift

    def to_json(self) -> dict[str, Any]:
        return {
            "remote": self.url,
            "objects": self.objects,
            "inSync": self.in_sync,
            "drift": [d.to_json() for d in self.drift],
            "warnings": list(self.warnings),
        }


def status(project: Project, remote: Remote) -> StatusReport:
    """Compare `project` with `remote` (see the module docstring)."""
    local = local_entries(project)
    base = Base(project, remote.url)
    theirs = {e.key: e for e in remote.entries()}
    if f"settings:{SETTINGS_ID}" not in theirs:  # Dyspatch has no project settings
        local.pop(f"settings:{SETTINGS_ID}", None)
    places = Places(local, theirs)
    report = StatusReport(remote.url, objects=len(set(local) | set(theirs)))
    for key in sorted(set(local) | set(theirs), key=lambda k: places.order(k)):
        mine, their = local.get(key), theirs.get(key)
        if mine is None and their is not None and not places.placeable(their):
            report.warnings.append(  # as a pull says it
                f"{their.kind} {their.id}: skipped: {their.parent} is neither on the remote "
                "nor here"
            )
            continue
        remote_digest = their.digest if their else None
        if their is not None and remote_digest is None and mine is not None:
            remote_digest = fetched_digest(remote, their, mine)
        state = classify(
            mine.digest if mine else None,
            remote_digest or ("?" if their else None),
            base.get(key),
        )
        if state != IN_SYNC:
            entry = their or mine
            assert entry is not None
            path = mine.path if mine else places.path(entry)
            report.drift.append(Drift(entry.kind, entry.id, path, state))
    report.warnings += getattr(remote, "warnings", [])
    return report


def fetched_digest(remote: Remote, entry: Entry, mine: Entry) -> str:
    """The digest of an object the remote lists without one (Dyspatch): from its files, in
    the place the project has it."""
    slug = entry.slug or mine.slug or ""
    files = remote.files(entry, slug)
    if entry.kind == "catalog":
        return catalog_digest(entry.parent or "", slug, files[CATALOG_FILE])
    return object_digest(entry.kind, entry.parent, slug, files)


class Places:
    """Where each object is (here), or where a pull would put it: its parent's place here,
    else on the remote, and its slug (or, when the remote gives none, its name's)."""

    def __init__(self, local: dict[str, Entry], theirs: dict[str, Entry]) -> None:
        self.by_key = {**theirs, **local}
        self.local = {e.id: e for e in local.values()}
        self.theirs = {e.id: e for e in theirs.values()}

    def order(self, key: str) -> tuple[int, str]:
        """Parents first: by kind, then by place."""
        entry = self.by_key[key]
        return KINDS.index(entry.kind), self.path(entry)

    def placeable(self, entry: Entry, depth: int = 0) -> bool:
        """Whether a pull can put `entry` somewhere: its parents are here or on the remote,
        up to a workspace (a block, a catalog's owner)."""
        if entry.parent is None or entry.parent in self.local:
            return True
        parent = self.theirs.get(entry.parent)
        return parent is not None and depth < 64 and self.placeable(parent, depth + 1)

    def dir(self, obj_id: str | None, depth: int = 0) -> str:
        if obj_id is None:
            return "workspaces"
        if obj_id in self.local:
            return self.local[obj_id].path
        entry = self.theirs.get(obj_id)
        if entry is None or depth > 64:
            return f"?{obj_id}"
        return self._place(entry, depth + 1)

    def _place(self, entry: Entry, depth: int) -> str:
        slug = entry.slug or slugify(entry.name) or entry.id
        if entry.kind == "block":
            return f"blocks/{slug}"
        parent = self.dir(entry.parent, depth)
        return f"{parent}/drafts/{slug}" if entry.kind == "draft" else f"{parent}/{slug}"

    def path(self, entry: Entry) -> str:
        if entry.id in self.local:
            return self.local[entry.id].path
        if entry.kind == "settings":
            return SETTINGS_ID
        if entry.kind == "catalog":
            owner = self.dir(entry.parent)
            rel = owner.removeprefix("workspaces/")
            return f"locales/{entry.slug}/{rel}.po"
        return self._place(entry, 0)
