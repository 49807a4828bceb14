"""`tmplkit sync pull`: a remote project's objects into this one, with their ids.

How a pull goes, and why it can be killed at any point and run again:

1. The remote's objects are listed (`Remote.entries`), and the project's own (`local_entries`,
   with their digests), once.
2. They are written parents first: the settings, folders from the workspaces down, blocks,
   templates, drafts, then catalogs. Each object lands in its own transaction under the
   project lock (store.imports.import_object), so the project is whole and valid after each
   one: a pull killed half-way leaves some objects pulled and the rest not yet, and a second
   run finds the first ones already equal and writes only the others.
3. An object is written only when it differs: the same digest on both sides writes nothing,
   so a second pull of an unchanged remote writes no file at all.
4. Which side changed an object that differs is told by the base (entries.Base): changed
   remotely, it is taken; changed here, it is kept (git pull keeps your commits); changed on
   both sides, or different with no pull recorded, it is kept and reported as a conflict,
   unless `force`, which takes the remote's copy of everything. Just before writing, the
   local copy is read again under the lock: an edit made meanwhile is kept, never lost.

A pull never deletes: an object the remote no longer has stays here (`sync status` lists
it as only local).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import tomli_w

from ..errors import Conflict, InvalidName, TmplkitError
from ..i18n.catalog import read_po
from ..store import PROJECT_FILE, Project, read_toml
from ..store.imports import KIND_FILES, Placement, catalog_path, import_object, object_digest
from ..store.imports import object_files as read_object_files
from ..store.records import Settings, unique_slug
from .client import RemoteError
from .entries import (
    CATALOG_FILE,
    CHANGED_LOCALLY,
    CHANGED_REMOTELY,
    IN_SYNC,
    KINDS,
    ONLY_REMOTE,
    Base,
    Drift,
    Entry,
    catalog_digest,
    classify,
    local_entries,
    settings_digest,
    settings_fields,
)
from .remote import Remote

# (kind, objects of that kind done, objects of that kind in all): after each object
Progress = Callable[[str, int, int], None]
TAKEN = (ONLY_REMOTE, CHANGED_REMOTELY)  # what a pull writes without `force`


@dataclass
class PullReport:
    """What a pull did: objects on the remote, written here (by kind), kept here."""

    url: str
    objects: int = 0
    written: Counter[str] = field(default_factory=Counter)
    kept: list[Drift] = field(default_factory=list)  # changed here only: kept
    conflicts: list[Drift] = field(default_factory=list)  # changed on both sides: kept
    warnings: list[str] = field(default_factory=list)

    @property
    def up_to_date(self) -> bool:
        return not self.written

    def to_json(self) -> dict[str, Any]:
        return {
            "remote": self.url,
            "objects": self.objects,
            "upToDate": self.up_to_date,
            "written": {kind: self.written[kind] for kind in KINDS if self.written[kind]},
            "kept": [d.to_json() for d in self.kept],
            "conflicts": [d.to_json() for d in self.conflicts],
            "warnings": list(self.warnings),
        }


def order(entries: list[Entry]) -> list[Entry]:
    """Parents first: by kind (KINDS), folders from the workspaces down, then by id."""
    parents = {e.id: e.parent for e in entries if e.kind == "folder"}

    def depth(entry: Entry) -> int:
        if entry.kind != "folder":
            return 0
        seen: set[str] = set()
        parent = entry.parent
        while parent in parents and parent not in seen:
            seen.add(parent)
            parent = parents[parent]
        return len(seen)

    return sorted(entries, key=lambda e: (KINDS.index(e.kind), depth(e), e.id))


def pull(
    project: Project, remote: Remote, *, force: bool = False, progress: Progress | None = None
) -> PullReport:
    """Pull every object of `remote` into `project` (see the module docstring)."""
    return Puller(project, remote, force).run(progress)


class Puller:
    """One pull: the local entries and where each object's directory is now (`dirs`, kept
    up to date as objects land and move), the base, the report."""

    def __init__(self, project: Project, remote: Remote, force: bool) -> None:
        self.project = project
        self.remote = remote
        self.force = force
        self.base = Base(project, remote.url)
        self.local = local_entries(project)
        self.dirs = {
            e.id: project.root / e.path for e in self.local.values() if e.kind in KIND_FILES
        }
        self.report = PullReport(remote.url)
        # A project with no object yet (just made by `tmplkit init`) takes the remote's
        # settings: its own are init's defaults, not a change of its own to keep.
        self.fresh = all(e.kind == "settings" for e in self.local.values())

    def run(self, progress: Progress | None) -> PullReport:
        entries = order(self.remote.entries())
        totals = Counter(e.kind for e in entries)
        done: Counter[str] = Counter()
        try:
            for entry in entries:
                self.step(entry)
                done[entry.kind] += 1
                if progress and entry.kind != "settings":
                    progress(entry.kind, done[entry.kind], totals[entry.kind])
        finally:
            self.base.save()
        self.report.objects = len(entries)
        self.report.warnings += getattr(self.remote, "warnings", [])
        return self.report

    # -- one object --

    def step(self, entry: Entry) -> None:
        mine = self.local.get(entry.key)
        if entry.kind == "settings":
            self.settings(entry, mine)
        elif entry.kind == "catalog":
            self.catalog(entry, mine)
        else:
            self.directory(entry, mine)

    def state(self, entry: Entry, mine: Entry | None, remote_digest: str | None) -> str:
        if mine is None:
            return ONLY_REMOTE
        return classify(mine.digest, remote_digest, self.base.get(entry.key))

    def settle(self, entry: Entry, mine: Entry | None, state: str, digest: str | None) -> bool:
        """Whether to write the remote's copy; records what is kept, and the base of what is
        the same on both sides."""
        if state == IN_SYNC:
            assert digest is not None
            self.base.digests[entry.key] = digest
            return False
        if state in TAKEN or self.force or (entry.kind == "settings" and self.fresh):
            return True
        assert mine is not None
        drift = Drift(entry.kind, entry.id, mine.path, state)
        (self.report.kept if state == CHANGED_LOCALLY else self.report.conflicts).append(drift)
        return False

    def directory(self, entry: Entry, mine: Entry | None) -> None:
        """A folder, template, draft or block: its directory's files, in its place."""
        parent_dir = self.parent_dir(entry)
        if parent_dir is None:
            return
        slug = entry.slug or (mine.slug if mine and mine.slug else self.new_slug(entry, parent_dir))
        files, digest = None, entry.digest
        if digest is None and mine is not None:  # a Dyspatch object: known once fetched
            files = self.remote.files(entry, slug)
            digest = object_digest(entry.kind, entry.parent, slug, files)
        if not self.settle(entry, mine, self.state(entry, mine, digest), digest):
            return
        if files is None:
            files = self.remote.files(entry, slug)
        current = self.dirs.get(entry.id)
        placement = Placement(entry.kind, entry.id, parent_dir / slug, current)
        with self.project.lock():
            if mine is not None and current is not None and self.edited(mine, current):
                return
            with self.project.transaction() as txn:
                written = import_object(self.project, txn, placement, files)
        self.landed(entry, object_digest(entry.kind, entry.parent, slug, files), written)
        self.moved(entry.id, current, placement.target)

    def parent_dir(self, entry: Entry) -> Path | None:
        root = self.project.root
        if entry.kind == "block":
            return root / "blocks"
        if entry.kind == "folder" and entry.parent is None:
            return root / "workspaces"
        parent = self.dirs.get(entry.parent or "")
        if parent is None:
            self.report.warnings.append(
                f"{entry.kind} {entry.id}: skipped: {entry.parent} is neither on the remote "
                "nor here"
            )
            return None
        return parent / "drafts" if entry.kind == "draft" else parent

    def new_slug(self, entry: Entry, parent_dir: Path) -> str:
        """A slug for an object the remote gives none (Dyspatch): from its name, numbered
        when taken; its id when the name gives none."""
        try:
            return unique_slug(self.project, parent_dir, entry.name, entry.kind)
        except (InvalidName, Conflict):
            return entry.id

    def edited(self, mine: Entry, current: Path) -> bool:
        """Whether the local copy changed since the pull read it (an edit meanwhile): then it
        is kept, as a local change."""
        if mine.kind == "catalog":
            now = current.read_bytes() if current.is_file() else b""
            digest = catalog_digest(mine.parent or "", mine.slug or "", now)
        else:
            files = read_object_files(self.project, mine.kind, current)
            digest = object_digest(mine.kind, mine.parent, current.name, files)
        if digest == mine.digest:
            return False
        self.report.kept.append(Drift(mine.kind, mine.id, mine.path, CHANGED_LOCALLY))
        return True

    def landed(self, entry: Entry, digest: str, written: bool) -> None:
        self.base.digests[entry.key] = digest
        if written:
            self.report.written[entry.kind] += 1

    def moved(self, obj_id: str, current: Path | None, target: Path) -> None:
        """`obj_id` is at `target` now, and so is everything that was inside it."""
        self.dirs[obj_id] = target
        if current is None or current == target:
            return
        for other, path in self.dirs.items():
            if current in path.parents:
                self.dirs[other] = target / path.relative_to(current)

    # -- a catalog, the settings --

    def catalog(self, entry: Entry, mine: Entry | None) -> None:
        owner, locale = entry.parent or "", entry.slug or ""
        owner_dir = self.dirs.get(owner)
        if owner_dir is None:
            self.report.warnings.append(
                f"catalog {entry.id}: skipped: {owner} is neither on the remote nor here"
            )
            return
        kind = "block" if owner.startswith("blk_") else "template"
        path = self.project.confine(catalog_path(self.project, locale, kind, owner_dir))
        data, digest = None, entry.digest
        if digest is None and mine is not None:
            data = self.catalog_data(entry)
            digest = catalog_digest(owner, locale, data)
        if not self.settle(entry, mine, self.state(entry, mine, digest), digest):
            return
        if data is None:
            data = self.catalog_data(entry)
        with self.project.lock():
            if mine is not None and self.edited(mine, path):
                return
            written = False
            with self.project.transaction() as txn:
                if not path.is_file() or path.read_bytes() != data:
                    txn.write(path, data)
                    written = True
                settings = self.project.settings
                if locale not in settings.locales and locale != settings.source_locale:
                    settings.locales.append(locale)  # a language the project did not list yet
                    txn.write_toml(self.project.root / PROJECT_FILE, settings.to_toml())
        self.landed(entry, catalog_digest(owner, locale, data), written)

    def catalog_data(self, entry: Entry) -> bytes:
        """The catalog's PO file, checked: a file tmplkit could not read is not written."""
        data = self.remote.files(entry, entry.slug or "")[CATALOG_FILE]
        try:
            read_po(data, f"{self.remote.url}: catalog {entry.id}", entry.slug)
        except TmplkitError as exc:
            raise RemoteError(str(exc)) from None
        return data

    def settings(self, entry: Entry, mine: Entry | None) -> None:
        """tmplkit.toml's settings but [handoff], which stays this machine's."""
        if not self.settle(entry, mine, self.state(entry, mine, entry.digest), entry.digest):
            return
        fields = entry.extra["fields"]
        file = self.project.root / PROJECT_FILE
        with self.project.lock():
            on_disk = Settings.from_toml(read_toml(file))
            if mine is not None and settings_digest(settings_fields(on_disk)) != mine.digest:
                self.report.kept.append(Drift("settings", entry.id, entry.id, CHANGED_LOCALLY))
                return
            # The remote's shared fields; what is this project's own ([handoff], [i18n]
            # keywords, targets) stays as it is on disk.
            settings = replace(
                on_disk,
                name=fields["name"],
                source_locale=fields["sourceLocale"],
                locales=list(fields["locales"]),
                sender=fields["sender"],
                reply_to=fields["replyTo"],
            )
            self.project.write_file(file, tomli_w.dumps(settings.to_toml()))
            self.project.settings = settings
        self.landed(entry, settings_digest(settings_fields(settings)), True)
