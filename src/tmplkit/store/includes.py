"""What a draft includes from the store (blocks, and the layouts it extends), and the content
hashes that freeze a draft and what it includes."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

from .layout import BLOCK_FILE, BLOCK_PARTS, LAYOUT_FILE, LAYOUT_PARTS
from .paths import confine


def content_hash(files: dict[str, str]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name].encode() + b"\0")
    return digest.hexdigest()[:16]


# What a template can pull in from the store, by the first word of the reference: the directory
# that holds them (the same word), the file that makes one exist, and its part files.
# A layout counts like a block: a frozen draft notices an edit of the layout it extends, and the
# server's caches (server/cache.py) one of any layout or of its catalogs.
INCLUDABLE: dict[str, tuple[str, dict[str, str]]] = {
    "blocks": (BLOCK_FILE, BLOCK_PARTS),
    "layouts": (LAYOUT_FILE, LAYOUT_PARTS),
}
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
