"""`tmplkit gallery`: the preview pages written as a static site, all or nothing.

The site is built in a temporary directory beside the output (on the same file system), then
renamed into place: a reader, or a CI job uploading the artefact, sees the previous gallery
or the new one, never half of each. A directory that holds something else is not replaced
unless asked (`force`): a gallery knows its own by the marker file it writes (MARKER).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..compile_all import Progress as CompileProgress
from ..errors import TmplkitError, storage_error
from ..rendering import Renderer
from ..store import Project
from .pages import ERROR, MISSING, Page, build_pages, entries, index_page, preview_locales
from .pages import renderer_prepare as prepare_with

MARKER = ".tmplkit-gallery"  # in a gallery's top directory: this one may be replaced


@dataclass(frozen=True)
class GalleryReport:
    """What a gallery holds: its directory and pages (each with its status)."""

    directory: Path
    pages: list[Page]

    @property
    def errors(self) -> list[Page]:
        return [p for p in self.pages if p.status == ERROR]

    @property
    def missing(self) -> list[Page]:
        return [p for p in self.pages if p.status == MISSING]

    def to_json(self) -> dict[str, Any]:
        return {
            "directory": str(self.directory),
            "pages": len(self.pages),
            "errors": len(self.errors),
            "missingTranslations": len(self.missing),
            "index": "index.html",
            "entries": [p.to_json() for p in self.pages],
        }


def build_gallery(
    project: Project,
    out_dir: str | os.PathLike[str],
    source: str | None = None,
    *,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> GalleryReport:
    """Write index.html and one page per template × locale × sample data set of the project
    (or of SOURCE) into `out_dir`, replacing a previous gallery there; a non-empty directory
    that is not one is refused unless `force`. `progress(done, total)` is called per page."""
    target = Path(out_dir).absolute()
    check_replaceable(target, force)
    found = entries(project, source)
    locales = preview_locales(project)
    prepare = prepare_with(Renderer(project))
    total = len(found) * len(locales)
    pages: list[Page] = []
    for entry in found:
        for locale in locales:
            pages.extend(build_pages(entry, locale, prepare))
            if progress is not None:
                progress(len(pages), total)
    files = {p.path: p.html for p in pages}
    files["index.html"] = index_page(pages, project.settings.name or project.root.name)
    files[MARKER] = "made by tmplkit gallery; the next gallery replaces this directory\n"
    write_site(target, files)
    return GalleryReport(target, pages)


def check_replaceable(target: Path, force: bool) -> None:
    """Refuse a target that exists and is not an empty directory or a previous gallery."""
    if not target.exists() and not target.is_symlink():
        return
    if not target.is_dir() or target.is_symlink():
        raise TmplkitError(f"{target}: exists and is not a directory")
    if force or (target / MARKER).is_file() or not any(target.iterdir()):
        return
    raise TmplkitError(
        f"{target}: not empty and not a gallery; pass --force to replace it",
    )


def write_site(target: Path, files: dict[str, str]) -> None:
    """Write `files` (relative path → text) as the directory `target`, all or nothing."""
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=parent))
    except OSError as exc:
        raise storage_error(exc, str(parent)) from None
    try:
        for rel, text in files.items():
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        os.chmod(staging, 0o755)  # mkdtemp's 0700 would hide the site from a web server
        _swap(staging, target)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise storage_error(exc, str(target)) from None


def _swap(staging: Path, target: Path) -> None:
    """Rename the staging directory into place; the old one is moved aside first (a rename
    cannot replace a non-empty directory) and removed after."""
    if not target.exists():
        staging.rename(target)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
    old.rmdir()
    target.rename(old)
    try:
        staging.rename(target)
    except OSError:
        old.rename(target)  # put the previous gallery back
        raise
    shutil.rmtree(old, ignore_errors=True)


class Progress(CompileProgress):
    """`built N/M pages` on a terminal's stderr once a build has taken more than a second
    (compile --all's status line, `on_terminal` included)."""

    def __call__(self, done: int, total: int) -> None:
        if time.monotonic() - self.start < 1.0 or not self.due():
            return
        self.show(f"built {done}/{total} pages")
