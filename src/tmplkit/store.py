"""The project-directory store: discovery, loading, atomic writes and transactions under a
project lock, ids.

A change to several files is a transaction (see `Transaction`): every new content is staged in
temporary files first; a recorded intent, `.tmplkit/txn/<id>.json`, is the commit point; then
the files are switched into place. Whoever takes the project lock next (every command does, when
`.tmplkit/txn/` exists) completes a committed intent or removes the staging of an uncommitted
one, so a kill -9 or a full disk never leaves a change half-applied.
"""

from __future__ import annotations

import builtins
import contextlib
import errno
import hashlib
import json
import os
import re
import secrets
import shutil
import stat
import tempfile
import time
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import filelock
import tomli_w

from . import datafile
from .datafile import source_text
from .errors import (
    Conflict,
    InvalidName,
    NotFound,
    ProhibitedAction,
    ProjectError,
    storage_error,
)
from .model import (
    Block,
    Draft,
    DraftStatus,
    Folder,
    Localization,
    PublishRecord,
    Template,
    confusable_characters,
    look_alike,
    new_id,
    now,
    slugify,
    validate_name,
    validate_slug,
)


class OutsideProject(ProjectError):
    """A path that leaves the project directory: through `..`, or through a symbolic link (see
    `Project.confine`). Nothing has been read or written."""


LINK_HINT = "replace the link with a copy of what it points to, or remove it"

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
        os.fchmod(fd, mode_for(path))
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def is_special(path: Path) -> bool:
    """Whether `path` names something other than a regular file or a directory (a device such
    as /dev/null, a named pipe, a socket): an output written into, never renamed over."""
    try:
        mode = path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def mode_for(path: Path, new: int = 0o666) -> int:
    """The mode of the file (or directory) at `path`, to keep when replacing it; the umask's
    default for `new` when there is none yet (mkstemp makes 0600 files, mkdtemp 0700)."""
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return new & ~umask


def fsync_dir(directory: Path) -> None:
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


# --- the wall: nothing is read or written outside the project ------------------------------


def confine(root: Path, path: Path, *, writing: bool = False) -> Path:
    """`path`, absolute, once it is known to stay inside the project at `root` (a resolved
    path); else OutsideProject, and nothing has been read or written.

    `..` is resolved first. Then each component below the root that exists is looked at (one
    lstat each): a symbolic link whose real path leaves the project is refused, for reading
    and writing alike. For `writing`, any link is refused, wherever it points: os.replace
    would swap the link for a file and a delete would act on the link, so a write through a
    link never does what its path says (and links do not survive a checkout on Windows).
    Every read and write of the store goes through here: the transaction's `write`, `rename`
    and `delete`, `Project.write_file`, the project lock, the index's scan, the part files,
    the blocks a frozen draft includes, sample.json and the catalogs.
    """
    path = Path(os.path.abspath(path))
    if path != root and root not in path.parents:
        raise OutsideProject(f"{path} is not inside the project {root}")
    current = root
    for name in path.relative_to(root).parts:
        current = current / name
        if not os.path.islink(current):
            if not os.path.lexists(current):
                break  # the rest is to be made
            continue
        if writing:
            raise OutsideProject(
                f"{current.relative_to(root)} is a symbolic link: tmplkit writes nothing "
                "through a link",
                hint=LINK_HINT,
            )
        _check_link(root, current)
    return path


def _check_link(root: Path, link: Path) -> None:
    """A link found while reading: refused when its real path leaves the project."""
    target = Path(os.path.realpath(link))
    if target != root and root not in target.parents:
        raise OutsideProject(
            f"{link.relative_to(root)} is a symbolic link to {target}, outside the project",
            hint=LINK_HINT,
        )


def content_hash(files: dict[str, str]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name].encode() + b"\0")
    return digest.hexdigest()[:16]


def join_and(items: list[str]) -> str:
    """Join words: 'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


# --- what a draft includes -------------------------------------------------------------------

# What a template can pull in from the store, by the first word of the reference: the directory
# that holds them (the same word), the file that makes one exist, and its part files.
# `{% extends "layouts/NAME" %}` will add "layouts" here; the frozen-content check follows.
INCLUDABLE: dict[str, tuple[str, dict[str, str]]] = {"blocks": (BLOCK_FILE, BLOCK_PARTS)}
INCLUDE_TAG_RE = re.compile(
    r"""\{%[-+]?\s*(?:include|extends)\s+(["'])((?:"""
    + "|".join(INCLUDABLE)
    + r""")/[a-z0-9][a-z0-9._-]*)\1"""
)
ABSENT = "absent"  # the hash of a reference to a block that does not exist


def include_refs(source: str) -> list[str]:
    """The store references ("blocks/footer") of a source's include and extends tags.

    A scan of the text, not a parse (the store does not parse templates): an include inside a
    comment counts too, which can only make the frozen-content check stricter.
    """
    return [m.group(2) for m in INCLUDE_TAG_RE.finditer(source)]


def _included_files(root: Path, ref: str) -> dict[str, bytes] | None:
    kind, name = ref.split("/", 1)
    record, parts = INCLUDABLE[kind]
    directory = confine(root, root / kind / name)
    if not (directory / record).is_file():
        return None
    files = [confine(root, directory / f) for f in parts.values()]
    return {f.name: f.read_bytes() for f in files if f.is_file()}


def _files_hash(files: dict[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name] + b"\0")
    return digest.hexdigest()[:16]


def include_hash(root: Path, ref: str) -> str:
    """The hash of the part files of what `ref` names ("absent" when there is no such block)."""
    files = _included_files(root, ref)
    return ABSENT if files is None else _files_hash(files)


def included_hashes(root: Path, sources: Iterable[str]) -> dict[str, str]:
    """The hash of every block the sources include, directly or through other blocks."""
    found: dict[str, str] = {}
    pending = [ref for source in sources for ref in include_refs(source)]
    while pending:
        ref = pending.pop()
        if ref in found:
            continue
        files = _included_files(root, ref)
        found[ref] = ABSENT if files is None else _files_hash(files)
        for data in (files or {}).values():
            pending += include_refs(data.decode("utf-8", "replace"))
    return dict(sorted(found.items()))


# --- transactions --------------------------------------------------------------------------

TXN_DIR = "txn"  # in .tmplkit/: the staging record and the intents of transactions
STAGING_RECORD = "staging.json"


@dataclass(frozen=True)
class _Write:
    path: Path
    data: bytes


@dataclass(frozen=True)
class _Rename:
    src: Path
    dst: Path


@dataclass(frozen=True)
class _Delete:
    path: Path


@dataclass
class _Plan:
    """What a transaction will do: the files to stage, then the switches of its intent."""

    files: list[tuple[Path, Path, bytes]] = field(default_factory=list)  # staged, target, data
    staged: list[Path] = field(default_factory=list)  # staged files and trees, to roll back
    made: list[Path] = field(default_factory=list)  # directories a rename needs, made first
    switches: list[dict[str, str]] = field(default_factory=list)


class Transaction:
    """Changes to several files of a project that land together or not at all.

    Made by `Project.transaction()`. `write`, `rename` and `delete` only record a change; when
    the `with` block ends without an exception, `commit` makes them, in the order they were
    recorded (so the `.toml` that makes an object exist is recorded last):

    1. **Stage.** The staging record, `.tmplkit/txn/staging.json`, lists every temporary path
       about to be made. Each new content goes to a temporary file next to its target
       (`.NAME.ID.tmp`: the same file system, so `os.replace` works), with the target's mode,
       and is fsync'd. A file in a directory that does not exist yet is staged in a temporary
       tree (`.DIR.ID.tmp/…`) next to the topmost missing directory, and that tree is switched
       in with one rename: a new template or draft appears whole.
    2. **Commit.** The staging record is renamed to the intent, `.tmplkit/txn/ID.json`. A
       rename needs no disk space, so a full disk stops a transaction before this point.
    3. **Switch.** `os.replace` of each staged file, a rename of each staged tree and of each
       moved file or directory, and the deletes (a directory is first renamed to
       `.NAME.ID.deleted`, then removed). Each switch is idempotent: done twice, it changes
       nothing the second time.
    4. The intent is removed, and `.tmplkit/txn/` with it.

    A process killed before the commit point leaves the staging record: the next holder of the
    project lock removes what it lists (roll back). Killed after it, it leaves the intent: the
    next holder of the lock makes every switch again (roll forward). An OSError while staging
    or committing removes the staging and raises StorageError naming the file (`no space left
    on device writing locales/fr-FR/x.po`): nothing lands.

    Paths name files as they are before the transaction: write into a directory before
    renaming it, never into one renamed or deleted earlier in the same transaction (ValueError).
    """

    def __init__(self, project: Project) -> None:
        self.project = project
        self.id = f"{time.time_ns() // 1_000_000:x}{secrets.token_hex(3)}"
        self._changes: list[_Write | _Rename | _Delete] = []
        self._moved: list[Path] = []

    # -- recording --

    def write(self, path: Path, data: str | bytes) -> None:
        """Give `path` this content: a new file, or a replacement keeping the old file's mode."""
        path = self._inside(path)
        payload = data.encode("utf-8") if isinstance(data, str) else data
        self._changes = [c for c in self._changes if not (isinstance(c, _Write) and c.path == path)]
        self._changes.append(_Write(path, payload))

    def write_toml(self, path: Path, data: dict[str, Any]) -> None:
        self.write(path, tomli_w.dumps(data))

    def rename(self, src: Path, dst: Path) -> None:
        """Move a file or a directory (a file replaces an existing `dst`)."""
        src, dst = self._inside(src), self._inside(dst)
        self._changes.append(_Rename(src, dst))
        self._moved += [src, dst]

    def delete(self, path: Path) -> None:
        """Remove a file, or a directory and everything in it; nothing if it does not exist."""
        path = self._inside(path)
        self._changes.append(_Delete(path))
        self._moved.append(path)

    def _inside(self, path: Path) -> Path:
        path = self.project.confine(path, writing=True)
        if path == self.project.root:
            raise OutsideProject(f"{path} is not inside the project {self.project.root}")
        for moved in self._moved:
            if path == moved or moved in path.parents or path in moved.parents:
                raise ValueError(f"{path}: already renamed or deleted in this transaction")
        return path

    # -- committing --

    def commit(self) -> None:
        """Stage, commit and switch every recorded change (see the class docstring)."""
        if not self._changes:
            return
        project = self.project
        txn_dir = project.state_dir / TXN_DIR
        record = txn_dir / STAGING_RECORD
        intent = txn_dir / f"{self.id}.json"
        plan = self._plan()
        data = {
            "id": self.id,
            "staged": [_rel(project, p) for p in plan.staged],
            "made": [_rel(project, p) for p in plan.made],
            "switches": plan.switches,
        }
        try:
            txn_dir.mkdir(parents=True, exist_ok=True)
            atomic_write(record, json.dumps(data, indent=1, ensure_ascii=False) + "\n")
        except OSError as exc:
            _remove_txn_dir(txn_dir)
            raise storage_error(exc, project.relpath(record)) from None
        try:
            self._stage(plan)
            os.replace(record, intent)  # the commit point
            fsync_dir(txn_dir)
        except BaseException as exc:
            with contextlib.suppress(OSError):  # else the next holder of the lock does it
                _roll_back(project, data)
                record.unlink()
                _remove_txn_dir(txn_dir)
            if isinstance(exc, OSError):
                raise storage_error(exc, project.relpath(intent)) from None
            raise
        _roll_forward(project, plan.switches)
        intent.unlink()
        _remove_txn_dir(txn_dir)

    def _plan(self) -> _Plan:
        plan = _Plan()
        trees: set[Path] = set()
        for change in self._changes:
            if isinstance(change, _Write):
                missing = _topmost_missing(self.project, change.path.parent)
                if missing is None:
                    staged = change.path.parent / f".{change.path.name}.{self.id}.tmp"
                    plan.staged.append(staged)
                    plan.switches.append(_move(self.project, staged, change.path))
                else:  # a new directory: staged whole, switched in by one rename
                    tree = missing.parent / f".{missing.name}.{self.id}.tmp"
                    staged = tree / change.path.relative_to(missing)
                    if tree not in trees:
                        trees.add(tree)
                        plan.staged.append(tree)
                        plan.switches.append(_move(self.project, tree, missing))
                plan.files.append((staged, change.path, change.data))
            elif isinstance(change, _Rename):
                missing = _topmost_missing(self.project, change.dst.parent)
                if missing is not None:  # made while staging, parents first
                    chain = [change.dst.parent]
                    while chain[-1] != missing:
                        chain.append(chain[-1].parent)
                    plan.made = list(dict.fromkeys([*plan.made, *reversed(chain)]))
                plan.switches.append(_move(self.project, change.src, change.dst))
            else:
                trash = change.path.parent / f".{change.path.name}.{self.id}.deleted"
                plan.switches.append(
                    {
                        "op": "delete",
                        "path": _rel(self.project, change.path),
                        "trash": _rel(self.project, trash),
                    }
                )
        return plan

    def _stage(self, plan: _Plan) -> None:
        """Every new content in its temporary file, fsync'd; an OSError names the target."""
        synced: set[Path] = set()
        for staged, target, data in plan.files:
            try:
                staged.parent.mkdir(parents=True, exist_ok=True)  # inside a staged tree
                _write_file(staged, data, mode_for(target))
            except OSError as exc:
                raise storage_error(exc, self.project.relpath(target)) from None
            synced.add(staged.parent)
        for directory in plan.made:
            try:
                directory.mkdir()
            except FileExistsError:
                pass
            except OSError as exc:
                raise storage_error(exc, self.project.relpath(directory)) from None
            synced.add(directory.parent)
        for tree in (p for p in plan.staged if p.is_dir()):
            synced.update(d for d in (tree, *tree.rglob("*")) if d.is_dir())
            synced.add(tree.parent)
        for directory in synced:
            fsync_dir(directory)


def _rel(project: Project, path: Path) -> str:
    return path.relative_to(project.root).as_posix()


def _move(project: Project, src: Path, dst: Path) -> dict[str, str]:
    return {"op": "move", "from": _rel(project, src), "to": _rel(project, dst)}


def _topmost_missing(project: Project, directory: Path) -> Path | None:
    """The highest of `directory` and its parents that does not exist; None if it exists."""
    if directory.is_dir():
        return None
    if os.path.lexists(directory):  # a file where a directory should be
        exc = NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR))
        raise storage_error(exc, project.relpath(directory))
    missing = directory
    while not missing.parent.is_dir():
        missing = missing.parent
    return missing


def _write_file(path: Path, data: bytes, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, mode)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def _roll_forward(project: Project, switches: list[dict[str, str]]) -> None:
    """Make every switch of a committed intent; those already made change nothing.

    An OSError here (after the commit point) leaves the intent in place: the next holder of
    the project lock completes it.
    """
    root = project.root
    touched: set[Path] = set()
    for switch in switches:
        try:
            if switch["op"] == "move":
                src, dst = root / switch["from"], root / switch["to"]
                if os.path.lexists(src):
                    os.replace(src, dst)
                touched.update((src.parent, dst.parent))
            else:
                path, trash = root / switch["path"], root / switch["trash"]
                if os.path.lexists(trash):
                    shutil.rmtree(trash)
                if path.is_dir() and not path.is_symlink():
                    os.replace(path, trash)  # one step: the directory is whole or gone
                    fsync_dir(path.parent)
                    shutil.rmtree(trash)
                elif os.path.lexists(path):
                    path.unlink()
                touched.add(path.parent)
        except OSError as exc:
            error = storage_error(exc, switch.get("to") or switch["path"])
            error.hint = "the next tmplkit command completes the change"
            raise error from None
    for directory in touched:
        fsync_dir(directory)


def _roll_back(project: Project, record: dict[str, Any]) -> None:
    """Remove the staging of a transaction that did not reach its commit point."""
    for rel in record["staged"]:
        path = project.root / rel
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    for rel in reversed(record["made"]):
        with contextlib.suppress(OSError):  # not empty: someone put something there
            (project.root / rel).rmdir()


def _remove_txn_dir(txn_dir: Path) -> None:
    with contextlib.suppress(OSError):  # not empty: the next holder of the lock sees why
        txn_dir.rmdir()


def _read_record(path: Path) -> dict[str, Any]:
    """A staging record or an intent, checked: every path in it is inside the project."""

    def bad(why: str) -> ProjectError:
        return ProjectError(
            f"{path}: unreadable transaction record: {why}",
            hint="it is what a killed tmplkit command left; inspect it, then delete it",
        )

    try:
        data = json.loads(path.read_text("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad(str(exc)) from None
    if not isinstance(data, dict):
        raise bad("not a JSON object")
    paths = [*data.get("staged", []), *data.get("made", [])]
    for switch in data.get("switches", []):
        if not isinstance(switch, dict) or switch.get("op") not in ("move", "delete"):
            raise bad(f"unknown switch {switch!r}")
        keys = ("from", "to") if switch["op"] == "move" else ("path", "trash")
        paths += [switch.get(k) for k in keys]
    for rel in paths:
        if not isinstance(rel, str) or not rel or rel.startswith("/") or ".." in rel.split("/"):
            raise bad(f"{rel!r} is not a path inside the project")
    return {"staged": [], "made": [], "switches": [], **data}


def recover(project: Project) -> None:
    """Complete (roll forward) or undo (roll back) what a killed transaction left in
    `.tmplkit/txn/`. The caller holds the project lock."""
    txn_dir = project.state_dir / TXN_DIR
    if not txn_dir.is_dir():
        return
    record = txn_dir / STAGING_RECORD
    current = record
    try:
        if record.exists():
            _roll_back(project, _read_record(record))
            record.unlink()
        for intent in sorted(txn_dir.glob("*.json")):
            current = intent
            _roll_forward(project, _read_record(intent)["switches"])
            intent.unlink()
        for leftover in txn_dir.iterdir():  # the temporary file of a staging record, say
            current = leftover
            if leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover)
            else:
                leftover.unlink()
    except OSError as exc:
        raise storage_error(exc, project.relpath(current), "recovering") from None
    _remove_txn_dir(txn_dir)


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
    settings = Settings(name=name or root.resolve().name)
    # tmplkit.toml, which makes it a project, comes last: interrupted (a full disk), `init`
    # can simply be run again.
    file = root
    try:
        root.mkdir(parents=True, exist_ok=True)
        for sub in ("workspaces", "blocks", "locales"):
            file = root / sub
            file.mkdir(exist_ok=True)
        file = root / ".gitignore"
        atomic_write(file, f"{STATE_DIR}/\n")
        file = root / PROJECT_FILE
        write_toml(file, settings.to_toml())
    except OSError as exc:
        raise storage_error(exc, str(file)) from None
    return Project(root)


def open_project(path: str | os.PathLike[str] | None = None) -> Project:
    """Open the project at `path`, or discover it (TMPLKIT_PROJECT, then up from the cwd)."""
    return Project(discover(path))


class Project:
    """A tmplkit project directory. Reads go to disk each time; writes hold the project lock."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()
        self._lock: filelock.FileLock | None = None
        if not (self.root / PROJECT_FILE).is_file():
            raise ProjectError(f"{self.root}: not a tmplkit project (no {PROJECT_FILE})")
        if (self.root / STATE_DIR / TXN_DIR).is_dir():
            # A transaction was killed (or is being made): taking the lock completes or
            # undoes it before anything is read. Without one, this stat is all it costs.
            with self.lock():
                pass
        self.settings = Settings.from_toml(read_toml(self.root / PROJECT_FILE))
        self.folders = FolderRepo(self)
        self.workspaces = WorkspaceRepo(self)
        self.templates = TemplateRepo(self)
        self.drafts = DraftRepo(self)
        self.blocks = BlockRepo(self)

    def __repr__(self) -> str:
        return f"Project({str(self.root)!r})"

    @property
    def state_dir(self) -> Path:
        return self.root / STATE_DIR

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
                    folder = _folder_from(child, parent)
                    register(folder.id, file)
                    idx.folders[folder.id] = folder
                    walk(child, folder, [*path, folder.id])
                elif parent is not None and (file := record(child, TEMPLATE_FILE)):
                    template = _template_from(child, parent, "/".join(path))
                    register(template.id, file)
                    idx.templates[template.id] = template
                    drafts_dir = entry(child / "drafts")
                    if drafts_dir.is_dir():
                        for ddir in subdirs(drafts_dir):
                            if file := record(ddir, DRAFT_FILE):
                                draft = _draft_from(ddir, template)
                                register(draft.id, file)
                                idx.drafts[draft.id] = draft

        workspaces = self.confine(self.root / "workspaces")
        if workspaces.is_dir():
            walk(workspaces, None, [])
        blocks = self.confine(self.root / "blocks")
        if blocks.is_dir():
            for bdir in subdirs(blocks):
                if file := record(bdir, BLOCK_FILE):
                    block = _block_from(bdir)
                    register(block.id, file)
                    idx.blocks[block.id] = block
        return idx

    def relpath(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    # -- the wall: nothing is read or written outside the project --

    def confine(self, path: Path, *, writing: bool = False) -> Path:
        """`path`, absolute, once it is known to stay inside the project (see `confine`)."""
        return confine(self.root, path, writing=writing)

    def checked_entry(self, path: Path) -> Path:
        """`path` (whose directory was checked already, as a scan goes down): refused if it
        is a link that leaves the project. One lstat: the index calls it for every entry."""
        if os.path.islink(path):
            _check_link(self.root, path)
        return path


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
        variables=_variables_table(data.get("variables", {}), file),
    )


def _variables_table(value: Any, file: Path) -> dict[str, Any]:
    """template.toml's [variables] as written; variables.py checks each declaration."""
    if not isinstance(value, dict):
        raise ProjectError(f"{file}: 'variables' must be a table ([variables])")
    return value


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
        included_hashes=_hashes(data.get("included_hashes"), file),
        created_at=data.get("created_at", ""),
        updated_at=data.get("updated_at", ""),
        localizations=[
            Localization(str(x.get("id", "")), str(x.get("name", "")), list(x.get("languages", [])))
            for x in data.get("localizations", [])
            if isinstance(x, dict)
        ],
    )


def _hashes(value: Any, file: Path) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ProjectError(f"{file}: 'included_hashes' must be a table of strings")
    return dict(value)


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


def _unique_slug(project: Project, parent: Path, name: str, what: str) -> str:
    base = validate_slug(slugify(name), f"{what} name {name!r} gives the slug")
    slug = base
    n = 2
    while (parent / slug).exists():
        slug = f"{base}-{n}"
        n += 1
    _refuse_look_alike(project, parent, slug, f"{what} name {name!r}")
    return slug


def _refuse_look_alike(
    project: Project, parent: Path, slug: str, what: str, moving: Path | None = None
) -> None:
    """Conflict when a name in `parent` looks like `slug` (the same UTS #39 skeleton) without
    being it: `Invoice` next to `Invоice` (a Cyrillic о) would be two templates that look the
    same in every listing. `moving`: the object being renamed, which is no sibling of itself."""
    if not parent.is_dir():
        return
    siblings = [p.name for p in parent.iterdir() if not p.name.startswith(".") and p != moving]
    other = look_alike(slug, siblings)
    if other is None:
        return
    chars = confusable_characters(slug)
    raise Conflict(
        f"{what} gives the slug {slug!r}, which looks like the existing "
        f"{project.relpath(parent / other)}",
        hint=(f"it has {chars}, which looks like another letter; " if chars else "")
        + "choose a name that looks different",
    )


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
            _refuse_look_alike(self.project, parent_dir, slug, f"{what} name {name!r}")
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
            _refuse_look_alike(self.project, folder.dir, slug, f"template name {name!r}")
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
                self.project.drafts._create_in(txn, template, "Draft 1", dict(NEW_DRAFT_PARTS))
            return template

    def rename(self, template_id: str, name: str) -> Template:
        """Give a template a new name (and directory); its id, drafts and history stay."""
        name = validate_name(name, "template")
        with self.project.lock():
            template = self.get(template_id)
            slug = validate_slug(slugify(name), f"template name {name!r} gives the slug")
            target = template.dir.parent / slug
            if slug != template.slug and target.exists():
                raise Conflict(f"{self.project.relpath(target)} already exists")
            _refuse_look_alike(
                self.project, target.parent, slug, f"template name {name!r}", template.dir
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
            file = self.project.confine(draft.dir / filename)
            if file.is_file():
                out[part] = source_text(file.read_bytes(), self.project.relpath(file))
        return out

    def part_file(self, draft: Draft, part: str) -> Path:
        if part not in PARTS:
            raise InvalidName(f"unknown part {part!r}", hint="parts are " + ", ".join(PARTS))
        return draft.dir / PARTS[part]

    def changes(self, draft: Draft) -> builtins.list[str]:
        """What changed on disk since the draft was frozen: "files" (its own part files), then
        each block it includes that changed ("blocks/footer"). Empty when nothing did, or when
        the draft is not frozen. A draft frozen before blocks were recorded (no
        included_hashes) compares its own files only."""
        if draft.content_hash is None:
            return []
        out = []
        if content_hash(self.read_parts(draft)) != draft.content_hash:
            out.append("files")
        for ref, frozen in sorted((draft.included_hashes or {}).items()):
            if include_hash(self.project.root, ref) != frozen:
                out.append(ref)
        return out

    def modified(self, draft: Draft) -> bool:
        """True when a frozen draft's files, or a block it includes, changed since it was frozen."""
        return bool(self.changes(draft))

    def freeze(self, draft: Draft) -> None:
        """Record what the draft's content is now: its parts' hash, and its blocks' hashes."""
        parts = self.read_parts(draft)
        draft.content_hash = content_hash(parts)
        draft.included_hashes = included_hashes(self.project.root, parts.values())

    def write_part(self, draft_id: str, part: str, text: str) -> Draft:
        """Replace one part's source; only an IN_PROGRESS draft may change."""
        with self.project.transaction() as txn:
            draft = self.get(draft_id)
            draft.check("edit")
            txn.write(self.part_file(draft, part), text)
            draft.updated_at = now()
            txn.write_toml(draft.dir / DRAFT_FILE, draft.to_toml())
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
            with self.project.transaction() as txn:
                return self._create_in(txn, template, name, parts)

    def _create_in(
        self, txn: Transaction, template: Template, name: str, parts: dict[str, str]
    ) -> Draft:
        """Record a new draft's files in `txn`: its parts, then draft.toml (a new directory,
        so they land together)."""
        name = validate_name(name, "draft")
        drafts_dir = template.dir / "drafts"
        slug = _unique_slug(self.project, drafts_dir, name, "draft")
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
            txn.write(draft.dir / PARTS[part], text)
        txn.write_toml(draft.dir / DRAFT_FILE, draft.to_toml())
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
            changed = self.changes(draft) if action != "archive" else []
            if changed:
                what = ["its files" if c == "files" else c for c in changed]
                them = "it" if what != ["its files"] and len(what) == 1 else "them"
                raise ProhibitedAction(
                    f"{draft.label()} is {draft.status.value} but {join_and(what)} changed on disk",
                    hint=f"restore {them} (git checkout), or duplicate the draft to change it",
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
                    self.freeze(draft)
                elif target == DraftStatus.IN_PROGRESS:
                    draft.content_hash = draft.included_hashes = None
            draft.updated_at = stamp
            if action != "approve":
                self.project.write_file(draft.dir / DRAFT_FILE, tomli_w.dumps(draft.to_toml()))
                return draft
            # Approve changes two files, template.toml and draft.toml: one transaction.
            if template.published_draft_id != draft.id:
                template.published_draft_id = draft.id
                template.history.append(PublishRecord(draft.id, stamp))
            template.updated_at = stamp
            with self.project.transaction() as txn:
                txn.write_toml(template.dir / TEMPLATE_FILE, template.to_toml())
                txn.write_toml(draft.dir / DRAFT_FILE, draft.to_toml())
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
            self.project.write_file(draft.dir / DRAFT_FILE, tomli_w.dumps(draft.to_toml()))
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
                    self.project.write_file(draft.dir / DRAFT_FILE, tomli_w.dumps(draft.to_toml()))
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
            file = self.project.confine(block.dir / filename)
            if file.is_file():
                out[part] = source_text(file.read_bytes(), self.project.relpath(file))
        return out

    def create(self, name: str, description: str = "") -> Block:
        name = validate_name(name, "block")
        with self.project.lock():
            blocks_dir = self.project.root / "blocks"
            slug = validate_slug(slugify(name), f"block name {name!r} gives the slug")
            target = blocks_dir / slug
            if target.exists():
                raise Conflict(f"{self.project.relpath(target)} already exists")
            _refuse_look_alike(self.project, blocks_dir, slug, f"block name {name!r}")
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
            with self.project.transaction() as txn:
                for part, text in NEW_BLOCK_PARTS.items():
                    txn.write(target / BLOCK_PARTS[part], text)
                txn.write_toml(target / BLOCK_FILE, block.to_toml())
            return block
