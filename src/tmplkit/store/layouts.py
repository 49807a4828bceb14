"""The layouts of a project: the frames that drafts' parts extend (`{% extends "layouts/base" %}`).

A layout lives in `layouts/<slug>/` like a block in `blocks/<slug>/`: `layout.toml` (its
record), `layout.html.j2` and optionally `layout.txt.j2` (its parts, with `{% block %}` slots),
optionally `sample.json`; its catalogs are `locales/<locale>/layouts/<slug>.po`.
"""

from __future__ import annotations

from pathlib import Path

from ..datafile import source_text
from ..errors import NotFound, ProjectError
from ..model import Layout
from .directory import Repo
from .layout import LAYOUT_FILE as LAYOUT_FILE  # re-exported: the names of a layout's files
from .layout import LAYOUT_PARTS as LAYOUT_PARTS
from .records import PieceFiles, piece_fields

LAYOUTS_DIR = "layouts"
NEW_LAYOUT_PARTS = {
    "html": (
        "<!DOCTYPE html>\n<html>\n<body>\n"
        "{% block content %}<p>{% trans %}Hello!{% endtrans %}</p>{% endblock %}\n"
        "</body>\n</html>\n"
    ),
}
FILES = PieceFiles(LAYOUTS_DIR, LAYOUT_FILE, LAYOUT_PARTS, NEW_LAYOUT_PARTS)


def layout_from(directory: Path) -> Layout:
    fields, _ = piece_fields(directory, LAYOUT_FILE, "lay_")
    return Layout(**fields)


class LayoutRepo(Repo):
    def list(self) -> list[Layout]:
        """The project's layouts, by slug (each `layouts/*/layout.toml`)."""
        project = self.project
        top = project.confine(project.root / LAYOUTS_DIR)
        if not top.is_dir():
            return []
        found: list[Layout] = []
        seen: dict[str, Path] = {}
        # Each entry is checked before it is entered (the wall, see `confine`), as the
        # index's scan checks the blocks'.
        for directory in sorted(top.iterdir()):
            if directory.name.startswith(".") or not project.checked_entry(directory).is_dir():
                continue
            file = project.checked_entry(directory / LAYOUT_FILE)
            if not file.is_file():
                continue
            layout = layout_from(directory)
            if layout.id in seen:
                raise ProjectError(f"{file}: duplicate id {layout.id} (also in {seen[layout.id]})")
            seen[layout.id] = file
            found.append(layout)
        return found

    def get(self, ref: str) -> Layout:
        """A layout by id (`lay_…`) or slug (`base`)."""
        for layout in self.list():
            if ref in (layout.id, layout.slug):
                return layout
        raise NotFound(f"no layout {ref!r}")

    def read_parts(self, layout: Layout) -> dict[str, str]:
        out = {}
        for part, filename in LAYOUT_PARTS.items():
            file = self.project.confine(layout.dir / filename)
            if file.is_file():
                out[part] = source_text(file.read_bytes(), self.project.relpath(file))
        return out

    def create(self, name: str, description: str = "") -> Layout:
        return self.create_piece(Layout, "layout", name, description, FILES)
