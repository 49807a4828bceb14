"""What the server keeps between requests, and how it knows it is still what is on disk.

The server reads the project from disk on every request, so a file edited by hand, by `git
pull` or by a command shows up on the next one. What it keeps is the heavy work, under the hash
of the content it was made from:

- the project's index (its records parsed: folders, templates, drafts, blocks), under the hash
  of every record file (`IndexCache`): reading a few dozen small files costs a fraction of
  parsing them;
- a draft's compiled code and its prepared render (`Cache`), under the hash of what they are
  made of (`fingerprint`): the draft's files, the blocks, the template's records and sample
  data, the catalogs of the template and the blocks in the locale, tmplkit.toml.

A file that is a symbolic link is hashed by where it points, never read: the store refuses a
link out of the project when it reads the file itself, and nothing is read outside it here.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from ..model import Draft, Template
from ..store import (
    BLOCK_FILE,
    DRAFT_FILE,
    FOLDER_FILE,
    INCLUDABLE,
    PROJECT_FILE,
    TEMPLATE_FILE,
    Index,
    Project,
)

T = TypeVar("T")
RECORDS = frozenset({FOLDER_FILE, TEMPLATE_FILE, DRAFT_FILE, BLOCK_FILE})


def _files(directory: str, names: frozenset[str] | None = None) -> Iterator[str]:
    """Every file below `directory` (only those named `names`, if given), in a stable order;
    none when it does not exist. Dot-directories (a transaction's staging) are left out, as
    the store's scan leaves them out. Plain strings: this runs on every request."""
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            if not entry.name.startswith("."):
                yield from _files(entry.path, names)
        elif names is None or entry.name in names:
            yield entry.path


def _top_files(directory: str) -> list[str]:
    """The files directly in `directory` (a template's records and sample data)."""
    try:
        return sorted(e.path for e in os.scandir(directory) if not e.is_dir(follow_symlinks=False))
    except OSError:
        return []


def _subdirs(directory: str) -> list[str]:
    try:
        return sorted(e.path for e in os.scandir(directory) if e.is_dir(follow_symlinks=False))
    except OSError:
        return []


def _digest(files: Iterable[str]) -> str:
    digest = hashlib.sha256()
    for file in files:
        digest.update(os.fsencode(file) + b"\0")
        try:
            if os.path.islink(file):
                digest.update(b"link\0" + os.fsencode(os.readlink(file)))
            else:
                with open(file, "rb") as f:
                    data = f.read()
                digest.update(b"%d\0" % len(data) + data)
        except OSError:
            digest.update(b"-")
        digest.update(b"\n")
    return digest.hexdigest()


def fingerprint(project: Project, template: Template, draft: Draft, locale: str | None) -> str:
    """The hash of every file the draft's messages in `locale` are made of (the catalogs of
    that locale and of those it falls back to: `fr` for `fr-CA`; none without a locale)."""
    root = str(project.root)
    files = [os.path.join(root, PROJECT_FILE), *_top_files(str(template.dir))]
    files += _files(str(draft.dir))
    for kind in INCLUDABLE:
        files += _files(os.path.join(root, kind))
    rel = template.dir.relative_to(project.root / "workspaces")
    catalog = os.path.join(*rel.parent.parts, f"{rel.name}.po")
    for locale_dir in _subdirs(os.path.join(root, "locales")):
        name = os.path.basename(locale_dir)
        if locale is None or not (locale == name or locale.startswith(name + "-")):
            continue
        files.append(os.path.join(locale_dir, catalog))
        for kind in INCLUDABLE:
            files += _files(os.path.join(locale_dir, kind))
    return _digest(files)


class IndexCache:
    """The project's index, parsed again only when a record file changed. For reading only:
    the server's writes go through the store's repositories, which read afresh."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._lock = threading.Lock()
        self._digest: str | None = None
        self._index: Index | None = None
        self.made = 0

    def get(self) -> Index:
        root = str(self.project.root)
        digest = _digest(
            [
                os.path.join(root, PROJECT_FILE),
                *_files(os.path.join(root, "workspaces"), RECORDS),
                *_files(os.path.join(root, "blocks"), RECORDS),
            ]
        )
        with self._lock:
            if digest == self._digest and self._index is not None:
                return self._index
        index = self.project.index()
        with self._lock:
            self._digest, self._index = digest, index
            self.made += 1
        return index


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
