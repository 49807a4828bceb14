"""What the server keeps between requests, and how it knows it is still what is on disk.

The server reads the project from disk on every request, so a file edited by hand, by `git
pull` or by a command shows up on the next one. What it keeps is the heavy work, under the hash
of the content it was made from:

- the project's index (its records parsed: folders, templates, drafts, blocks), under the hash
  of every record file (`IndexCache`);
- a draft's compiled code and its prepared render (`Cache`), under the hash of what they are
  made of (`fingerprint`): the draft's files, the blocks, the template's records and sample
  data, the catalogs of the template and the blocks in the locale, tmplkit.toml.

A file's hash is kept with its stat (`Digests`) and the file read again only when the stat
changed, or while its mtime is too recent to tell a second write in the same clock tick (git's
"racily clean" rule); a directory's listing likewise. A freshness check costs a `stat` per
file and directory; on Linux, where inotify tells that nothing in the project changed since the
last check (watch.py), it costs nothing more: a fingerprint is computed again only after a
change, or while a file it read was too recent to trust.

A file that is a symbolic link is hashed by where it points, never read: the store refuses a
link out of the project when it reads the file itself, and nothing is read outside it here.
"""

from __future__ import annotations

import hashlib
import os
import stat
import threading
import time
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
from .watch import Watcher

T = TypeVar("T")
# The directories below the project's root a fingerprint reads (and the root's own files)
WATCHED = ("workspaces", "locales", *INCLUDABLE)
RECORDS = frozenset({FOLDER_FILE, TEMPLATE_FILE, DRAFT_FILE, BLOCK_FILE})


# A file's content is trusted unchanged from its stat alone once its mtime is this much older
# than when it was read: file times come from a coarse clock (a kernel tick), so a write in the
# same tick as an earlier one may keep the mtime, and the size may not change either. Until its
# mtime is that old the file is read again on every request (git's "racily clean" entries).
RACY_NS = 100_000_000  # 0.1 s, many ticks


class Digests:
    """The hashes of files' contents, each file read again only when its stat changed (or its
    mtime is too recent to trust): a request's freshness check costs a stat per file, not a
    read. Thread-safe."""

    def __init__(self, watch: bool = True) -> None:
        self._known: dict[str, tuple[tuple[int, int, int, int], bytes]] = {}
        self._listings: dict[str, tuple[tuple[int, int, int], list[tuple[str, bool]]]] = {}
        self._lock = threading.Lock()
        # What `memo` keeps: the generation of the watcher it was computed at, and per key the
        # value. `untrusted` counts the reads not kept (a racily recent file or listing): a
        # value computed while it grew is not kept either.
        self._watch = watch
        self._watchers: dict[str, Watcher | None] = {}
        self._memo: dict[Any, str] = {}
        self._memo_generation: tuple[str, int] | None = None
        self.untrusted = 0

    def memo(self, root: str, key: Any, compute: Callable[[], str]) -> str:
        """`compute()`, a digest of files under `root`, or the one computed last for `key`
        when the watcher of `root` saw no change since and everything it read was trusted."""
        generation = self._generation(root)
        if generation is None:
            return compute()
        with self._lock:
            if self._memo_generation != (root, generation):
                self._memo.clear()
                self._memo_generation = (root, generation)
            found = self._memo.get(key)
        if found is not None:
            return found
        before = self.untrusted
        value = compute()
        with self._lock:
            if self.untrusted == before and self._memo_generation == (root, generation):
                self._memo[key] = value
        return value

    def _generation(self, root: str) -> int | None:
        if not self._watch:
            return None
        with self._lock:
            if root not in self._watchers:
                self._watchers[root] = Watcher.start(root, WATCHED)
            watcher = self._watchers[root]
        return None if watcher is None else watcher.generation()

    def listing(self, directory: str) -> list[tuple[str, bool]]:
        """The directory's entries (name, is a directory), sorted; none when it does not exist.
        Kept by the directory's stat, under the same rule as a file's content: adding,
        removing or replacing an entry changes the directory's mtime."""
        try:
            st = os.stat(directory)
        except OSError:
            return []
        sig = (st.st_ino, st.st_mtime_ns, st.st_ctime_ns)
        with self._lock:
            known = self._listings.get(directory)
        if known is not None and known[0] == sig:
            return known[1]
        read_at = time.time_ns()
        try:
            entries = sorted(
                (e.name, e.is_dir(follow_symlinks=False)) for e in os.scandir(directory)
            )
        except OSError:
            return []
        with self._lock:
            if st.st_mtime_ns < read_at - RACY_NS:
                self._listings[directory] = (sig, entries)
            else:
                self.untrusted += 1
        return entries

    def walk(self, directory: str, names: frozenset[str] | None = None) -> Iterator[str]:
        """Every file below `directory` (only those named `names`, if given), in a stable
        order. Dot-directories (a transaction's staging) are left out, as the store's scan
        leaves them out."""
        for name, is_dir in self.listing(directory):
            path = os.path.join(directory, name)
            if is_dir:
                if not name.startswith("."):
                    yield from self.walk(path, names)
            elif names is None or name in names:
                yield path

    def top_files(self, directory: str) -> list[str]:
        """The files directly in `directory` (a template's records and sample data)."""
        return [os.path.join(directory, n) for n, is_dir in self.listing(directory) if not is_dir]

    def subdirs(self, directory: str) -> list[str]:
        return [os.path.join(directory, n) for n, is_dir in self.listing(directory) if is_dir]

    def file(self, path: str) -> bytes:
        """A short digest of the file's content ("link:…" for a link, "-" when absent)."""
        try:
            st = os.lstat(path)
        except OSError:
            return b"-"
        if stat.S_ISLNK(st.st_mode):
            return b"link\0" + os.fsencode(os.readlink(path))
        sig = (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        with self._lock:
            known = self._known.get(path)
        if known is not None and known[0] == sig:
            return known[1]
        read_at = time.time_ns()
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            return b"-"
        value = hashlib.sha256(data).digest()
        with self._lock:
            if st.st_mtime_ns < read_at - RACY_NS:
                self._known[path] = (sig, value)
            else:
                self.untrusted += 1
        return value

    def files(self, paths: Iterable[str]) -> str:
        digest = hashlib.sha256()
        for path in paths:
            digest.update(os.fsencode(path) + b"\0" + self.file(path) + b"\n")
        return digest.hexdigest()


def fingerprint(
    digests: Digests, project: Project, template: Template, draft: Draft, locale: str | None
) -> str:
    """The hash of every file the draft's messages in `locale` are made of (the catalogs of
    that locale and of those it falls back to: `fr` for `fr-CA`; none without a locale)."""
    root = str(project.root)
    return digests.memo(
        root,
        ("fingerprint", template.id, draft.id, locale),
        lambda: _fingerprint(digests, project, template, draft, locale),
    )


def _fingerprint(
    digests: Digests, project: Project, template: Template, draft: Draft, locale: str | None
) -> str:
    root = str(project.root)
    files = [os.path.join(root, PROJECT_FILE), *digests.top_files(str(template.dir))]
    files += digests.walk(str(draft.dir))
    for kind in INCLUDABLE:
        files += digests.walk(os.path.join(root, kind))
    rel = template.dir.relative_to(project.root / "workspaces")
    catalog = os.path.join(*rel.parent.parts, f"{rel.name}.po")
    for locale_dir in digests.subdirs(os.path.join(root, "locales")):
        name = os.path.basename(locale_dir)
        if locale is None or not (locale == name or locale.startswith(name + "-")):
            continue
        files.append(os.path.join(locale_dir, catalog))
        for kind in INCLUDABLE:
            files += digests.walk(os.path.join(locale_dir, kind))
    return digests.files(files)


class IndexCache:
    """The project's index, parsed again only when a record file changed. For reading only:
    the server's writes go through the store's repositories, which read afresh."""

    def __init__(self, project: Project, digests: Digests) -> None:
        self.project = project
        self.digests = digests
        self._lock = threading.Lock()
        self._digest: str | None = None
        self._index: Index | None = None
        self.made = 0

    def get(self) -> Index:
        root = str(self.project.root)
        digest = self.digests.memo(
            root,
            ("index",),
            lambda: self.digests.files(
                [
                    os.path.join(root, PROJECT_FILE),
                    *self.digests.walk(os.path.join(root, "workspaces"), RECORDS),
                    *self.digests.walk(os.path.join(root, "blocks"), RECORDS),
                ]
            ),
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

    def peek(self, key: Any) -> Any:
        """The value kept for `key` (None: none), made the most recently used."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def put(self, key: Any, value: Any) -> None:
        """Keep `value` for `key`, in the place of any other."""
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            self.made += 1
            while len(self._items) > self._size:
                self._items.popitem(last=False)

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
