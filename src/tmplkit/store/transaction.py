"""Transactions: changes to several files of a project that land together or not at all.

Every new content is staged in temporary files first; a recorded intent,
`.tmplkit/txn/<id>.json`, is the commit point; then the files are switched into place. Whoever
takes the project lock next (every command does, when `.tmplkit/txn/` exists) completes a
committed intent or removes the staging of an uncommitted one (`recover`), so a kill -9 or a
full disk never leaves a change half-applied.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import secrets
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from ..errors import ProjectError, storage_error
from .files import atomic_write, fsync_dir, mode_for
from .layout import TXN_DIR
from .paths import OutsideProject, ProjectRoot

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

    def __init__(self, project: ProjectRoot) -> None:
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


def _rel(project: ProjectRoot, path: Path) -> str:
    return path.relative_to(project.root).as_posix()


def _move(project: ProjectRoot, src: Path, dst: Path) -> dict[str, str]:
    return {"op": "move", "from": _rel(project, src), "to": _rel(project, dst)}


def _topmost_missing(project: ProjectRoot, directory: Path) -> Path | None:
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


def _roll_forward(project: ProjectRoot, switches: list[dict[str, str]]) -> None:
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


def _roll_back(project: ProjectRoot, record: dict[str, Any]) -> None:
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


def recover(project: ProjectRoot) -> None:
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
