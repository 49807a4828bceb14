"""What `sync` compares: each object as one side has it (an `Entry`: its kind, id, place and
digest), the project's own entries, the record of the last pull, and the state of an object
found from the three.

An object is a folder, template, draft or block (its directory's files), a catalog (one PO
file: a locale's translations of a template or block), or the project's settings. Two copies
are the same when their digests are (store.imports.object_digest: the place and the bytes).
Which side changed is known from the digest each had when a pull last left them equal: the
*base*, kept per remote in `.tmplkit/sync.json` (local state, never versioned).

A tmplkit server lists its objects with `local_entries` too (server/extensions.py), so the two
sides' digests come from one function. The remote's ids, slugs and locales are checked here
(`checked_locale`, `checked_slug`) before they name a file.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from typing import Any

from ..errors import InvalidName, LocaleError, ProjectError
from ..langtags import normalize
from ..model import Block, Draft, Folder, Template, validate_slug
from ..store import Project
from ..store.imports import catalog_path, locale_dirs, object_digest, object_files
from ..store.records import Settings

# The kinds in the order a pull writes them: parents before what they hold, blocks before the
# drafts that include them, catalogs after their templates and blocks.
KINDS = ("settings", "folder", "block", "template", "draft", "catalog")
PLURALS = {
    "settings": "settings",
    "folder": "folders",
    "block": "blocks",
    "template": "templates",
    "draft": "drafts",
    "catalog": "catalogs",
}
SETTINGS_ID = "tmplkit.toml"
BASE_FILE = "sync.json"  # in .tmplkit/
CATALOG_FILE = "catalog.po"  # the one file of a catalog, as a remote gives it

# The states of an object, as `sync status` prints them.
IN_SYNC = "in sync"
ONLY_REMOTE = "only remote"
ONLY_LOCAL = "only local"
CHANGED_REMOTELY = "changed remotely"
CHANGED_LOCALLY = "changed locally"
CHANGED_BOTH = "changed on both sides"
DIFFERS = "differs"  # no pull recorded: which side changed is not known


@dataclass(frozen=True)
class Entry:
    """One object as one side has it.

    `id`: the object's id; a catalog's is `OWNER/LOCALE`, the settings' `tmplkit.toml`.
    `parent`: the folder or template it is in (a catalog's owner). `slug`: its directory's
    name (a catalog's locale); None when the remote does not say (Dyspatch), and the name
    then gives one. `digest`: None until the remote's files are fetched.
    """

    kind: str
    id: str
    parent: str | None
    slug: str | None
    name: str = ""
    digest: str | None = None
    path: str = ""  # where it is, relative to the project root (local entries)
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"


@dataclass(frozen=True)
class Drift:
    """An object that is not the same on both sides: where it is (here, or where a pull
    puts it) and its state (ONLY_REMOTE, CHANGED_LOCALLY, …)."""

    kind: str
    id: str
    path: str
    state: str

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "id": self.id, "path": self.path, "state": self.state}


def checked_locale(value: object) -> str | None:
    """`value` if it is a language id in its normal form (`fr-FR`, never `fr_fr` or `../x`)."""
    if not isinstance(value, str):
        return None
    try:
        return value if normalize(value) == value else None
    except LocaleError:
        return None


def checked_slug(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return validate_slug(value)
    except InvalidName:
        return None


def catalog_id(owner: str, locale: str) -> str:
    return f"{owner}/{locale}"


def catalog_digest(owner: str, locale: str, data: bytes) -> str:
    return object_digest("catalog", owner, locale, {"catalog.po": data})


# The settings a pull takes from the remote: everything in tmplkit.toml but [handoff], which
# says how this machine hands messages off.
def settings_fields(settings: Settings) -> dict[str, Any]:
    return {
        "name": settings.name,
        "sourceLocale": settings.source_locale,
        "locales": list(settings.locales),
        "sender": settings.sender,
        "replyTo": settings.reply_to,
    }


def settings_digest(fields: dict[str, Any]) -> str:
    text = json.dumps(fields, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


Record = Folder | Template | Draft | Block


def object_entry(project: Project, kind: str, obj: Record) -> Entry:
    """A local folder, template, draft or block as an entry, without its digest."""
    parent = {
        "folder": getattr(obj, "parent_id", None),
        "template": getattr(obj, "folder_id", None),
        "draft": getattr(obj, "template_id", None),
    }.get(kind)
    return Entry(kind, obj.id, parent, obj.dir.name, obj.name, None, project.relpath(obj.dir))


def catalog_entry(project: Project, owner: Template | Block, locale: str) -> Entry | None:
    """The locale's catalog of a template or block, without its digest; None if it has none."""
    kind = "block" if isinstance(owner, Block) else "template"
    file = project.confine(catalog_path(project, locale, kind, owner.dir))
    if not file.is_file():
        return None
    obj_id = catalog_id(owner.id, locale)
    return Entry("catalog", obj_id, owner.id, locale, "", None, project.relpath(file))


def local_entries(project: Project, *, digests: bool = True) -> dict[str, Entry]:
    """Every object of the project by key, with its place (`path`) and, with `digests`, its
    digest (else None: `with_digest` gives one's, reading its files alone)."""
    idx = project.index()
    fields = settings_fields(project.settings)
    entries = [
        Entry(
            "settings", SETTINGS_ID, None, None, SETTINGS_ID, settings_digest(fields), SETTINGS_ID
        )
    ]
    for kind, objects in (
        ("folder", idx.folders),
        ("block", idx.blocks),
        ("template", idx.templates),
        ("draft", idx.drafts),
    ):
        entries += [object_entry(project, kind, obj) for obj in objects.values()]
    owners: list[Template | Block] = [*idx.templates.values(), *idx.blocks.values()]
    for locale_dir in locale_dirs(project):
        found = (catalog_entry(project, owner, locale_dir.name) for owner in owners)
        entries += [entry for entry in found if entry is not None]
    if digests:
        entries = [with_digest(project, e) if e.digest is None else e for e in entries]
    return {e.key: e for e in entries}


def local_entry(project: Project, kind: str, obj_id: str) -> Entry | None:
    """One object of the project (a catalog's id: `OWNER/LOCALE`) without its digest, found
    by one scan of the records: what a request for one object needs."""
    idx = project.index()
    if kind == "catalog":
        owner_id, _, locale = obj_id.partition("/")
        owner = idx.templates.get(owner_id) or idx.blocks.get(owner_id)
        return catalog_entry(project, owner, locale) if owner else None
    objects: dict[str, dict[str, Any]] = {
        "folder": idx.folders,
        "template": idx.templates,
        "draft": idx.drafts,
        "block": idx.blocks,
    }
    obj = objects[kind].get(obj_id)
    return object_entry(project, kind, obj) if obj else None


def with_digest(project: Project, entry: Entry) -> Entry:
    """A local entry with its digest, from its files as they are now."""
    where = project.root / entry.path
    if entry.kind == "catalog":
        data = project.confine(where).read_bytes()
        digest = catalog_digest(entry.parent or "", entry.slug or "", data)
    else:
        digest = object_digest(
            entry.kind, entry.parent, where.name, object_files(project, entry.kind, where)
        )
    return replace(entry, digest=digest)


def classify(local: str | None, remote: str | None, base: str | None) -> str:
    """The state of an object from its local digest, its remote one and the base (None: the
    side does not have it, or no pull recorded it)."""
    if local is None:
        return ONLY_REMOTE if remote is not None else IN_SYNC
    if remote is None:
        return ONLY_LOCAL
    if local == remote:
        return IN_SYNC
    if base is None:
        return DIFFERS
    if local == base:
        return CHANGED_REMOTELY
    if remote == base:
        return CHANGED_LOCALLY
    return CHANGED_BOTH


class Base:
    """The digest of each object when a pull last left both sides equal, per remote URL, in
    `.tmplkit/sync.json`. Read once; written (atomically, under the project lock) only when
    it changed."""

    def __init__(self, project: Project, url: str) -> None:
        self.project = project
        self.url = url
        self.file = project.state_dir / BASE_FILE
        self.all = self._read()
        self.digests: dict[str, str] = dict(self.all.get(url, {}).get("objects", {}))
        self._loaded = dict(self.digests)

    def _read(self) -> dict[str, Any]:
        file = self.project.confine(self.file)
        if not file.is_file():
            return {}
        try:
            data = json.loads(file.read_text("utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise ProjectError(
                f"{self.project.relpath(file)}: unreadable: {exc}",
                hint="delete it: the next pull records what is in sync again",
            ) from None
        return data if isinstance(data, dict) else {}

    def get(self, key: str) -> str | None:
        value = self.digests.get(key)
        return value if isinstance(value, str) else None

    def save(self) -> None:
        """Record the digests, re-reading the file under the lock: a pull from another remote
        may have recorded its own meanwhile."""
        if self.digests == self._loaded:
            return
        with self.project.lock():
            self.all = self._read()
            self.all[self.url] = {"objects": dict(sorted(self.digests.items()))}
            text = json.dumps(self.all, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
            self.project.write_file(self.file, text)
        self._loaded = dict(self.digests)
