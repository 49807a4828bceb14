"""Compiled templates and prepared renders, kept by what they are made of.

A draft's compiled code depends on its part files, the blocks it includes, the catalogs of the
locale, the template's and the project's records, and (the html target) its sample data. The
server reads the project from disk on every request, so a file edited by hand, by `git pull`
or by a command shows up on the next one; what it keeps is the heavy work, the compile and the
render preparation, under a fingerprint of those files: each file's (inode, size, mtime, ctime).
tmplkit writes a file by replacing it (a new inode), an editor in place (a new mtime), so an
edit always changes the fingerprint, and reading it takes a few dozen `stat` calls, not a
compile.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from ..model import Draft, Template
from ..store import INCLUDABLE, PROJECT_FILE, Project

T = TypeVar("T")


def _files(directory: Path) -> Iterator[Path]:
    """Every file below `directory` (none when it does not exist), in a stable order."""
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            yield from _files(Path(entry.path))
        else:
            yield Path(entry.path)


def fingerprint(project: Project, template: Template, draft: Draft) -> str:
    """A hash that changes whenever a file the draft's messages are made of changes."""
    root = project.root
    files: list[Path] = [
        root / PROJECT_FILE,
        *sorted(p for p in template.dir.iterdir() if p.is_file()),
    ]
    files += _files(draft.dir)
    for kind in INCLUDABLE:
        files += _files(root / kind)
    rel = template.dir.relative_to(root / "workspaces")
    for locale_dir in _files_dirs(root / "locales"):
        files.append(locale_dir / rel.parent / f"{rel.name}.po")
        for kind in INCLUDABLE:
            files += _files(locale_dir / kind)
    digest = hashlib.sha256()
    for file in files:
        try:
            st = file.stat()
        except OSError:
            digest.update(f"{file}\0-\n".encode())
            continue
        digest.update(
            f"{file}\0{st.st_ino}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\n".encode()
        )
    return digest.hexdigest()


def _files_dirs(directory: Path) -> list[Path]:
    try:
        return sorted(Path(e.path) for e in os.scandir(directory) if e.is_dir())
    except OSError:
        return []


class Cache:
    """A bounded, thread-safe map from keys to values made once (`get(key, make)`), with the
    number of values it made (`made`): what a test counts to see that nothing was compiled."""

    def __init__(self, size: int = 512) -> None:
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()
        self.made = 0

    def get(self, key: Any, make: Callable[[], T]) -> T:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                hit: T = self._items[key]
                return hit
        value = make()
        with self._lock:
            self._items[key] = value
            self.made += 1
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return value
