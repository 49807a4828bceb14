"""The project-directory store: discovery, loading, atomic writes under a project lock, ids."""

from __future__ import annotations

import builtins
import contextlib
import hashlib
import os
import shutil
import tempfile
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import filelock
import tomli_w

from .errors import Conflict, InvalidName, NotFound, ProhibitedAction, ProjectError
from .model import (
    Block,
    Draft,
    DraftStatus,
    Folder,
    Localization,
    PublishRecord,
    Template,
    new_id,
    now,
    slugify,
    validate_name,
    validate_slug,
)

PROJECT_FILE = "tmplkit.toml"
STATE_DIR = ".tmplkit"
FOLDER_FILE = "folder.toml"
TEMPLATE_FILE = "template.toml"
DRAFT_FILE = "draft.toml"
BLOCK_FILE = "block.toml"
SAMPLE_DATA_FILE = "sample.json"

# Draft parts: part name -> file name in the draft directory. The channel parts are plain
# text for the other channels a message may go out on (an SMS, a push notification, a chat
# message), localized like the rest.
CHANNEL_PARTS = {"sms": "sms.txt.j2", "push": "push.txt.j2", "chat": "chat.txt.j2"}
PARTS = {"subject": "subject.j2", "html": "body.html.j2", "text": "body.txt.j2", **CHANNEL_PARTS}
BLOCK_PARTS = {"html": "block.html.j2", "text": "block.txt.j2"}

NEW_DRAFT_PARTS = {
    "subject": "{% trans %}Subject{% endtrans %}\n",
    "html": (
        "<!DOCTYPE html>\n<html>\n<body>\n"
        "<p>{% trans %}Hello!{% endtrans %}</p>\n</body>\n</html>\n"
    ),
}
NEW_BLOCK_PARTS = {"html": "<p>{% trans %}Block text{% endtrans %}</p>\n"}


# --- atomic files --------------------------------------------------------------------------


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write a file so that readers see the old content or the new, never a mix.

    Temporary file in the same directory, fsync, os.replace, fsync of the directory.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp makes 0600 files: keep the old file's mode, or the umask's default for a new one.
        os.fchmod(fd, _mode_for(path))
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def _mode_for(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_dir(directory: Path) -> None:
    try:
        dfd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise NotFound(f"{path}: no such file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProjectError(f"{path}: invalid TOML: {exc}") from None


def write_toml(path: Path, data: dict[str, Any]) -> None:
    atomic_write(path, tomli_w.dumps(data))


def content_hash(files: dict[str, str]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name].encode() + b"\0")
    return digest.hexdigest()[:16]


# --- discovery -----------------------------------------------------------------------------


def find_project_root(start: Path | None = None) -> Path | None:
    """Walk up from `start` to the first directory holding tmplkit.toml, like git."""
    here = (start or Path.cwd()).resolve()
    if here.is_file():
        here = here.parent
    for candidate in (here, *here.parents):
        if (candidate / PROJECT_FILE).is_file():
            return candidate
    return None


def discover(project: str | os.PathLike[str] | None = None) -> Path:
    """--project DIR, else $TMPLKIT_PROJECT, else the nearest tmplkit.toml above the cwd."""
    if project is not None:
        root = Path(project)
        if not (root / PROJECT_FILE).is_file():
            raise ProjectError(f"{root}: not a tmplkit project (no {PROJECT_FILE})")
        return root.resolve()
    env = os.environ.get("TMPLKIT_PROJECT")
    if env:
        root = Path(env)
        if not (root / PROJECT_FILE).is_file():
            raise ProjectError(f"TMPLKIT_PROJECT={env}: not a tmplkit project (no {PROJECT_FILE})")
        return root.resolve()
    found = find_project_root()
    if found is None:
        raise ProjectError(
            f"not inside a tmplkit project (no {PROJECT_FILE} here or above)",
            hint="run `tmplkit init DIR`, or pass --project DIR",
        )
    return found


# --- the project ---------------------------------------------------------------------------


@dataclass
class Settings:
    name: str = "tmplkit project"
    source_locale: str = "en-US"
    locales: list[str] = field(default_factory=list)
    sender: str | None = None
    reply_to: str | None = None
    # [handoff.NAME] tables: each adapter's settings (never credentials: those are read from
    # the environment); `default` in [handoff] names the adapter `send` uses without --via.
    handoff: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_toml(cls, data: dict[str, Any]) -> Settings:
        project = data.get("project", {})
        defaults = data.get("defaults", {})
        handoff = data.get("handoff", {})
        return cls(
            name=project.get("name", cls.name),
            source_locale=project.get("source_locale", "en-US"),
            locales=list(project.get("locales", [])),
            sender=defaults.get("sender"),
            reply_to=defaults.get("reply_to"),
            handoff=dict(handoff) if isinstance(handoff, dict) else {},
        )

    def to_toml(self) -> dict[str, Any]:
        defaults = {k: v for k, v in (("sender", self.sender), ("reply_to", self.reply_to)) if v}
        out: dict[str, Any] = {
            "project": {
                "name": self.name,
                "source_locale": self.source_locale,
                "locales": self.locales,
            }
        }
        if defaults:
            out["defaults"] = defaults
        if self.handoff:
            out["handoff"] = self.handoff
        return out


@dataclass
class Index:
    """Everything in the project, as read from disk in one scan."""

    folders: dict[str, Folder] = field(default_factory=dict)
    templates: dict[str, Template] = field(default_factory=dict)
    drafts: dict[str, Draft] = field(default_factory=dict)
    blocks: dict[str, Block] = field(default_factory=dict)


def init_project(directory: str | os.PathLike[str], name: str | None = None) -> Project:
    """Create a new, empty project in `directory` (which may exist but must not be a project)."""
    root = Path(directory)
    if (root / PROJECT_FILE).exists():
        raise Conflict(f"{root}: already a tmplkit project")
    root.mkdir(parents=True, exist_ok=True)
    settings = Settings(name=name or root.resolve().name)
    write_toml(root / PROJECT_FILE, settings.to_toml())
    for sub in ("workspaces", "blocks", "locales"):
        (root / sub).mkdir(exist_ok=True)
    atomic_write(root / ".gitignore", f"{STATE_DIR}/\n")
    return Project(root)


def open_project(path: str | os.PathLike[str] | None = None) -> Project:
    """Open the project at `path`, or discover it (TMPLKIT_PROJECT, then up from the cwd)."""
    return Project(discover(path))


class Project:
    """A tmplkit project directory. Reads go to disk each time; writes hold the project lock."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()
        if not (self.root / PROJECT_FILE).is_file():
            raise ProjectError(f"{self.root}: not a tmplkit project (no {PROJECT_FILE})")
        self.settings = Settings.from_toml(read_toml(self.root / PROJECT_FILE))
        self.folders = FolderRepo(self)
        self.workspaces = WorkspaceRepo(self)
        self.templates = TemplateRepo(self)
        self.drafts = DraftRepo(self)
        self.blocks = BlockRepo(self)
        self._lock: filelock.FileLock | None = None

    def __repr__(self) -> str:
        return f"Project({str(self.root)!r})"

    @property
    def state_dir(self) -> Path:
        return self.root / STATE_DIR

    @contextlib.contextmanager
    def lock(self, timeout: float = 30.0) -> Iterator[None]:
        """Hold the project write lock: one writer at a time, across processes.

        Reentrant within a Project: a write made while holding the lock does not wait for it.
        """
        self.state_dir.mkdir(exist_ok=True)
        if self._lock is None:
            self._lock = filelock.FileLock(str(self.state_dir / "lock"))
        try:
            with self._lock.acquire(timeout=timeout):
                yield
        except filelock.Timeout:
            raise ProjectError(f"{self.root}: project is locked by another process") from None

    # -- scanning --

    def index(self) -> Index:
        idx = Index()
        seen: dict[str, Path] = {}

        def register(obj_id: str, file: Path) -> None:
            if obj_id in seen:
                raise ProjectError(f"{file}: duplicate id {obj_id} (also in {seen[obj_id]})")
            seen[obj_id] = file

        def walk(directory: Path, parent: Folder | None, path: list[str]) -> None:
            for child in sorted(p for p in directory.iterdir() if p.is_dir()):
                if child.name.startswith("."):
                    continue
                if (child / FOLDER_FILE).is_file():
                    folder = _folder_from(child, parent)
                    register(folder.id, child / FOLDER_FILE)
                    idx.folders[folder.id] = folder
                    walk(child, folder, [*path, folder.id])
                elif (child / TEMPLATE_FILE).is_file() and parent is not None:
                    template = _template_from(child, parent, "/".join(path))
                    register(template.id, child / TEMPLATE_FILE)
                    idx.templates[template.id] = template
                    drafts_dir = child / "drafts"
                    if drafts_dir.is_dir():
                        for ddir in sorted(p for p in drafts_dir.iterdir() if p.is_dir()):
                            if (ddir / DRAFT_FILE).is_file():
                                draft = _draft_from(ddir, template)
                                register(draft.id, ddir / DRAFT_FILE)
                                idx.drafts[draft.id] = draft

        workspaces = self.root / "workspaces"
        if workspaces.is_dir():
            walk(workspaces, None, [])
        blocks = self.root / "blocks"
        if blocks.is_dir():
            for bdir in sorted(p for p in blocks.iterdir() if p.is_dir()):
                if (bdir / BLOCK_FILE).is_file():
                    block = _block_from(bdir)
                    register(block.id, bdir / BLOCK_FILE)
                    idx.blocks[block.id] = block
        return idx

    def relpath(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)


def _require(data: dict[str, Any], key: str, file: Path, prefix: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise ProjectError(f"{file}: missing '{key}'")
    if key == "id" and not value.startswith(prefix):
        raise ProjectError(f"{file}: id {value!r} should start with {prefix!r}")
    return value


def _folder_from(directory: Path, parent: Folder | None) -> Folder:
    file = directory / FOLDER_FILE
    data = read_toml(file)
    return Folder(
        id=_require(data, "id", file, "fdr_"),
        name=_require(data, "name", file, ""),
        slug=directory.name,
        dir=directory,
        parent_id=parent.id if parent else None,
        description=data.get("description", ""),
        created_at=data.get("created_at", ""),
        updated_at=data.get("updated_at", ""),
    )


def _template_from(directory: Path, folder: Folder, path: str) -> Template:
    file = directory / TEMPLATE_FILE
    data = read_toml(file)
    return Template(
        id=_require(data, "id", file, "tem_"),
        name=_require(data, "name", file, ""),
        slug=directory.name,
        dir=directory,
        folder_id=folder.id,
        path=path,
        description=data.get("description", ""),
        published_draft_id=data.get("published_draft_id") or None,
        history=[PublishRecord(h["draft_id"], h["published_at"]) for h in data.get("history", [])],
        created_at=data.get("created_at", ""),
        updated_at=data.get("updated_at", ""),
    )


def _draft_from(directory: Path, template: Template) -> Draft:
    file = directory / DRAFT_FILE
    data = read_toml(file)
    status = data.get("status", DraftStatus.IN_PROGRESS.value)
    try:
        status_value = DraftStatus(status)
    except ValueError:
        raise ProjectError(f"{file}: unknown status {status!r}") from None
    return Draft(
        id=_require(data, "id", file, "tdft_"),
        name=_require(data, "name", file, ""),
        slug=directory.name,
        dir=directory,
        template_id=template.id,
        status=status_value,
        archived=bool(data.get("archived", False)),
        sender=data.get("sender"),
        reply_to=data.get("reply_to"),
        content_hash=data.get("content_hash"),
        created_at=data.get("created_at", ""),
        updated_at=data.get("updated_at", ""),
        localizations=[
            Localization(str(x.get("id", "")), str(x.get("name", "")), list(x.get("languages", [])))
            for x in data.get("localizations", [])
            if isinstance(x, dict)
        ],
    )


def _block_from(directory: Path) -> Block:
    file = directory / BLOCK_FILE
    data = read_toml(file)
    return Block(
        id=_require(data, "id", file, "blk_"),
        name=_require(data, "name", file, ""),
        slug=directory.name,
        dir=directory,
        description=data.get("description", ""),
        created_at=data.get("created_at", ""),
        updated_at=data.get("updated_at", ""),
    )


def _unique_slug(parent: Path, name: str, what: str) -> str:
    base = validate_slug(slugify(name), f"{what} name {name!r} gives the slug")
    slug = base
    n = 2
    while (parent / slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


# --- repositories --------------------------------------------------------------------------


class _Repo:
    def __init__(self, project: Project) -> None:
        self.project = project


class FolderRepo(_Repo):
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
            slug = validate_slug(slugify(name), f"{what} name {name!r} gives the slug")
            target = parent_dir / slug
            if target.exists():
                raise Conflict(f"{self.project.relpath(target)} already exists")
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
            write_toml(target / FOLDER_FILE, folder.to_toml())
            return folder


class WorkspaceRepo(_Repo):
    """Workspaces are the top-level folders."""

    def list(self) -> list[Folder]:
        return self.project.folders.list(None)

    def get(self, folder_id: str) -> Folder:
        folder = self.project.folders.get(folder_id)
        if not folder.is_workspace:
            raise NotFound(f"{folder_id} is a folder, not a workspace")
        return folder

    def create(self, name: str, description: str = "") -> Folder:
        return self.project.folders.create(name, None, description)


class TemplateRepo(_Repo):
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
            slug = validate_slug(slugify(name), f"template name {name!r} gives the slug")
            target = folder.dir / slug
            if target.exists():
                raise Conflict(f"{self.project.relpath(target)} already exists")
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
            write_toml(target / TEMPLATE_FILE, template.to_toml())
            self.project.drafts._create_in(template, "Draft 1", dict(NEW_DRAFT_PARTS))
            return template

    def rename(self, template_id: str, name: str) -> Template:
        """Give a template a new name (and directory); its id, drafts and history stay."""
        name = validate_name(name, "template")
        with self.project.lock():
            template = self.get(template_id)
            slug = validate_slug(slugify(name), f"template name {name!r} gives the slug")
            if slug != template.slug:
                target = template.dir.parent / slug
                if target.exists():
                    raise Conflict(f"{self.project.relpath(target)} already exists")
                os.rename(template.dir, target)
                self._move_catalogs(template.dir, target)
                template.dir, template.slug = target, slug
            template.name = name
            template.updated_at = now()
            write_toml(template.dir / TEMPLATE_FILE, template.to_toml())
            return template

    def _catalogs(self, template_dir: Path) -> builtins.list[tuple[Path, Path]]:
        """(locale folder, catalog file) of each locale that has a catalog of the template:
        locales/<lang>/<template path>.po."""
        rel = template_dir.relative_to(self.project.root / "workspaces")
        locales = self.project.root / "locales"
        if not locales.is_dir():
            return []
        found = []
        for locale_dir in sorted(p for p in locales.iterdir() if p.is_dir()):
            catalog = locale_dir / rel.parent / f"{rel.name}.po"
            if catalog.is_file():
                found.append((locale_dir, catalog))
        return found

    def _move_catalogs(self, old_dir: Path, new_dir: Path) -> None:
        """Each locale's catalog follows its template to its new path."""
        new_rel = new_dir.relative_to(self.project.root / "workspaces")
        for locale_dir, catalog in self._catalogs(old_dir):
            os.replace(catalog, locale_dir / new_rel.parent / f"{new_rel.name}.po")

    def delete(self, template_id: str) -> Template:
        with self.project.lock():
            template = self.get(template_id)
            # Rename first (atomic), so a crash leaves either the whole template or none of it.
            doomed = template.dir.parent / f".deleting-{template.slug}-{os.getpid()}"
            catalogs = self._catalogs(template.dir)
            os.rename(template.dir, doomed)
            shutil.rmtree(doomed)
            for _, catalog in catalogs:
                catalog.unlink()
            return template

    def sample_data(self, template: Template) -> dict[str, Any] | None:
        import json

        file = template.dir / SAMPLE_DATA_FILE
        if not file.is_file():
            return None
        try:
            data = json.loads(file.read_text("utf-8"))
        except json.JSONDecodeError as exc:
            raise ProjectError(
                f"{file}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}"
            ) from None
        if not isinstance(data, dict):
            raise ProjectError(f"{file}: sample data must be a JSON object")
        return data


class DraftRepo(_Repo):
    def list(self, template_id: str | None = None, status: str | None = None) -> list[Draft]:
        idx = self.project.index()
        if template_id is not None:
            template = self.project.templates.get(template_id)
            template_id = template.id
        wanted = status.upper() if status else None
        out = []
        for draft in idx.drafts.values():
            if template_id and draft.template_id != template_id:
                continue
            if wanted and draft.state != wanted:
                continue
            out.append(draft)
        return out

    def get(self, draft_id: str) -> Draft:
        draft = self.project.index().drafts.get(draft_id)
        if draft is None:
            raise NotFound(f"no draft {draft_id!r}")
        return draft

    def template_of(self, draft: Draft) -> Template:
        return self.project.templates.get(draft.template_id)

    # -- content --

    def read_parts(self, draft: Draft) -> dict[str, str]:
        """The draft's part sources that exist: {"subject": …, "html": …, "text": …, "sms": …}."""
        out = {}
        for part, filename in PARTS.items():
            file = draft.dir / filename
            if file.is_file():
                out[part] = file.read_text("utf-8")
        return out

    def part_file(self, draft: Draft, part: str) -> Path:
        if part not in PARTS:
            raise InvalidName(f"unknown part {part!r}", hint="parts are " + ", ".join(PARTS))
        return draft.dir / PARTS[part]

    def modified(self, draft: Draft) -> bool:
        """True when a frozen draft's files changed on disk since it was frozen."""
        if draft.content_hash is None:
            return False
        return content_hash(self.read_parts(draft)) != draft.content_hash

    def write_part(self, draft_id: str, part: str, text: str) -> Draft:
        """Replace one part's source; only an IN_PROGRESS draft may change."""
        with self.project.lock():
            draft = self.get(draft_id)
            draft.check("edit")
            atomic_write(self.part_file(draft, part), text)
            draft.updated_at = now()
            write_toml(draft.dir / DRAFT_FILE, draft.to_toml())
            return draft

    # -- creation --

    def create(
        self, template_id: str, from_draft: str | None = None, name: str | None = None
    ) -> Draft:
        """A new IN_PROGRESS draft, copying `from_draft` (default: the published draft)."""
        with self.project.lock():
            template = self.project.templates.get(template_id)
            source_id = from_draft or template.published_draft_id
            if source_id:
                source = self.get(source_id)
                if source.template_id != template.id:
                    raise InvalidName(f"{source.label()} belongs to another template")
                parts = self.read_parts(source)
            else:
                parts = dict(NEW_DRAFT_PARTS)
            if name is None:
                taken = {d.name for d in self.list(template.id)}
                n = len(taken) + 1
                while f"Draft {n}" in taken:
                    n += 1
                name = f"Draft {n}"
            return self._create_in(template, name, parts)

    def _create_in(self, template: Template, name: str, parts: dict[str, str]) -> Draft:
        name = validate_name(name, "draft")
        drafts_dir = template.dir / "drafts"
        slug = _unique_slug(drafts_dir, name, "draft")
        stamp = now()
        draft = Draft(
            id=new_id("draft"),
            name=name,
            slug=slug,
            dir=drafts_dir / slug,
            template_id=template.id,
            created_at=stamp,
            updated_at=stamp,
        )
        for part, text in parts.items():
            atomic_write(draft.dir / PARTS[part], text)
        write_toml(draft.dir / DRAFT_FILE, draft.to_toml())
        return draft

    # -- workflow --

    def transition(self, draft_id: str, action: str) -> Draft:
        """Apply a workflow action; ProhibitedAction when the draft's state forbids it."""
        if action == "duplicate":
            source = self.get(draft_id)
            source.check("duplicate")
            return self.create(
                source.template_id, from_draft=source.id, name=f"{source.name} (copy)"
            )
        with self.project.lock():
            draft = self.get(draft_id)
            template = self.template_of(draft)
            target = draft.check(action)
            if action != "archive" and draft.content_hash and self.modified(draft):
                raise ProhibitedAction(
                    f"{draft.label()} is {draft.status.value} but its files changed on disk",
                    hint="restore them (git checkout), or duplicate the draft to change it",
                )
            stamp = now()
            if action == "archive":
                if template.published_draft_id == draft.id:
                    raise ProhibitedAction(
                        f"{draft.label()} is the published draft of template {template.id}: "
                        "cannot archive it",
                        hint="approve another draft first",
                    )
                draft.archived = True
            else:
                assert target is not None
                draft.status = target
                if target in (DraftStatus.PENDING_APPROVAL, DraftStatus.LOCKED_FOR_TRANSLATION):
                    draft.content_hash = content_hash(self.read_parts(draft))
                elif target == DraftStatus.IN_PROGRESS:
                    draft.content_hash = None
            draft.updated_at = stamp
            if action != "approve":
                write_toml(draft.dir / DRAFT_FILE, draft.to_toml())
                return draft
            # Approve writes two files. The template first: should the draft's write fail, the
            # template's old bytes are put back; should the process die in between, the draft is
            # still PENDING_APPROVAL and approving it again completes the change.
            template_file = template.dir / TEMPLATE_FILE
            old_template = template_file.read_bytes()
            if template.published_draft_id != draft.id:
                template.published_draft_id = draft.id
                template.history.append(PublishRecord(draft.id, stamp))
            template.updated_at = stamp
            write_toml(template_file, template.to_toml())
            try:
                write_toml(draft.dir / DRAFT_FILE, draft.to_toml())
            except BaseException:
                atomic_write(template_file, old_template)
                raise
            return draft

    # -- localizations --

    def add_localization(self, draft_id: str, language: str) -> Localization:
        """A language for the draft (Dyspatch's localization object), named from CLDR."""
        from .i18n.locales import display_name, normalize

        tag = normalize(language)
        with self.project.lock():
            draft = self.get(draft_id)
            draft.check("localize")
            for existing in draft.localizations:
                if tag in existing.languages:
                    raise Conflict(f"{draft.label()} already has the localization {tag}")
            localization = Localization(new_id("localization"), display_name(tag), [tag])
            draft.localizations.append(localization)
            draft.updated_at = now()
            write_toml(draft.dir / DRAFT_FILE, draft.to_toml())
            return localization

    def remove_localization(self, draft_id: str, language: str) -> Localization:
        from .i18n.locales import normalize

        tag = language if language.startswith("loc_") else normalize(language)
        with self.project.lock():
            draft = self.get(draft_id)
            draft.check("localize")
            for existing in draft.localizations:
                if existing.id == tag or tag in existing.languages:
                    draft.localizations.remove(existing)
                    draft.updated_at = now()
                    write_toml(draft.dir / DRAFT_FILE, draft.to_toml())
                    return existing
            raise NotFound(f"{draft.label()} has no localization {tag}")

    def submit(self, draft_id: str) -> Draft:
        return self.transition(draft_id, "submit")

    def approve(self, draft_id: str) -> Draft:
        return self.transition(draft_id, "approve")

    def reject(self, draft_id: str) -> Draft:
        return self.transition(draft_id, "reject")

    def lock(self, draft_id: str) -> Draft:
        return self.transition(draft_id, "lock")

    def unlock(self, draft_id: str) -> Draft:
        return self.transition(draft_id, "unlock")

    def duplicate(self, draft_id: str) -> Draft:
        return self.transition(draft_id, "duplicate")

    def archive(self, draft_id: str) -> Draft:
        return self.transition(draft_id, "archive")


class BlockRepo(_Repo):
    def list(self) -> list[Block]:
        return list(self.project.index().blocks.values())

    def get(self, ref: str) -> Block:
        """A block by id (`blk_…`) or slug (`footer`)."""
        blocks = self.project.index().blocks
        if ref in blocks:
            return blocks[ref]
        for block in blocks.values():
            if block.slug == ref:
                return block
        raise NotFound(f"no block {ref!r}")

    def read_parts(self, block: Block) -> dict[str, str]:
        out = {}
        for part, filename in BLOCK_PARTS.items():
            file = block.dir / filename
            if file.is_file():
                out[part] = file.read_text("utf-8")
        return out

    def create(self, name: str, description: str = "") -> Block:
        name = validate_name(name, "block")
        with self.project.lock():
            blocks_dir = self.project.root / "blocks"
            slug = validate_slug(slugify(name), f"block name {name!r} gives the slug")
            target = blocks_dir / slug
            if target.exists():
                raise Conflict(f"{self.project.relpath(target)} already exists")
            stamp = now()
            block = Block(
                id=new_id("block"),
                name=name,
                slug=slug,
                dir=target,
                description=description,
                created_at=stamp,
                updated_at=stamp,
            )
            for part, text in NEW_BLOCK_PARTS.items():
                atomic_write(target / BLOCK_PARTS[part], text)
            write_toml(target / BLOCK_FILE, block.to_toml())
            return block
