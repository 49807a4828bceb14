"""Extract translation keys from the IR: per template (all its live drafts), per block, or all."""

from __future__ import annotations

from pathlib import Path

from ..model import Block, Draft, Layout, Template
from ..store import BLOCK_PARTS, PARTS, PROJECT_FILE, Project, find_project_root, read_toml
from ..store.layouts import LAYOUT_PARTS
from ..store.records import GettextKeyword, Settings
from ..template import ir
from ..template.parse import parse, read_source
from .catalog import Catalog, Message
from .locales import normalize


def extract_body(body: ir.Body, file: str, catalog: Catalog) -> Catalog:
    """Add every translation of a parsed body to `catalog` (with comments and file:line)."""
    for node in ir.walk(body):
        if isinstance(node, ir.Trans):
            catalog.add(
                Message(
                    msgid=node.msgid,
                    context=node.context,
                    plural=node.plural,
                    comments=[node.comment] if node.comment else [],
                    locations=[(file, node.pos.line)],
                )
            )
    return catalog


def extract_source(
    source: str,
    file: str,
    catalog: Catalog | None = None,
    keywords: tuple[GettextKeyword, ...] = (),
) -> Catalog:
    """The keys of one template source text; `keywords`: the project's [i18n] keywords."""
    catalog = catalog if catalog is not None else Catalog()
    return extract_body(parse(source, file, keywords).body, file, catalog)


def extract_files(
    files: list[Path],
    root: Path,
    catalog: Catalog | None = None,
    keywords: tuple[GettextKeyword, ...] = (),
) -> Catalog:
    catalog = catalog if catalog is not None else Catalog()
    for file in files:
        rel = file.relative_to(root).as_posix() if file.is_relative_to(root) else str(file)
        extract_source(read_source(file, rel), rel, catalog, keywords)
    return catalog


def project_files(project: Project, files: list[Path], catalog: Catalog) -> Catalog:
    """The keys of a project's files, read with its [i18n] keywords."""
    return extract_files(files, project.root, catalog, project.settings.keywords)


def project_keywords(file: Path) -> tuple[GettextKeyword, ...]:
    """The [i18n] keywords of the tmplkit project holding `file` (none outside a project)."""
    root = find_project_root(file) if file.exists() else None
    if root is None:
        return ()
    return Settings.from_toml(read_toml(root / PROJECT_FILE)).keywords


def template_files(project: Project, template: Template) -> list[Path]:
    """The part files of every draft of the template that is not archived."""
    files = []
    for draft in project.drafts.list(template.id):
        if not draft.archived:
            files += draft_files(project, draft)
    return files


def draft_files(project: Project, draft: Draft) -> list[Path]:
    parts = [project.confine(draft.dir / name) for name in PARTS.values()]
    return [file for file in parts if file.is_file()]


def block_files(project: Project, block: Block) -> list[Path]:
    parts = [project.confine(block.dir / name) for name in BLOCK_PARTS.values()]
    return [file for file in parts if file.is_file()]


def layout_files(project: Project, layout: Layout) -> list[Path]:
    parts = [project.confine(layout.dir / name) for name in LAYOUT_PARTS.values()]
    return [file for file in parts if file.is_file()]


def source_catalog(project: Project, name: str) -> Catalog:
    """An empty catalog of keys in the project's source language (a POT's `Language`)."""
    return Catalog(locale=normalize(project.settings.source_locale), project=name)


def template_keys(project: Project, template: Template) -> Catalog:
    """A template's keys: those of all its drafts that are not archived (blocks have their own)."""
    catalog = source_catalog(project, f"{project.settings.name}: {template.name}")
    return project_files(project, template_files(project, template), catalog)


def draft_keys(project: Project, template: Template, draft: Draft) -> Catalog:
    """One draft's keys (its template's catalogs hold those of all its drafts)."""
    catalog = source_catalog(project, f"{project.settings.name}: {template.name}")
    return project_files(project, draft_files(project, draft), catalog)


def block_keys(project: Project, block: Block) -> Catalog:
    catalog = source_catalog(project, f"{project.settings.name}: block {block.name}")
    return project_files(project, block_files(project, block), catalog)


def layout_keys(project: Project, layout: Layout) -> Catalog:
    catalog = source_catalog(project, f"{project.settings.name}: layout {layout.name}")
    return project_files(project, layout_files(project, layout), catalog)


def all_keys(project: Project) -> Catalog:
    """Every key of the project: all templates, blocks and layouts."""
    catalog = source_catalog(project, project.settings.name)
    for template in project.templates.list():
        project_files(project, template_files(project, template), catalog)
    for block in project.blocks.list():
        project_files(project, block_files(project, block), catalog)
    for layout in project.layouts.list():
        project_files(project, layout_files(project, layout), catalog)
    return catalog


def catalog_path(project: Project, locale: str, owner: Template | Block | Layout) -> Path:
    """Where a locale's catalog of a template, block or layout lives.

    `locales/<locale>/<workspace>/<folders…>/<template>.po`, `locales/<locale>/blocks/<slug>.po`
    and `locales/<locale>/layouts/<slug>.po` ("blocks" and "layouts" are reserved slugs, so
    they never meet).
    Checked against the wall (see `Project.confine`): a `locales/<locale>` that is a link out
    of the project is refused before anything reads or writes there.
    """
    base = project.root / "locales" / locale
    if isinstance(owner, Block):
        return project.confine(base / "blocks" / f"{owner.slug}.po")
    if isinstance(owner, Layout):
        return project.confine(base / "layouts" / f"{owner.slug}.po")
    rel = owner.dir.relative_to(project.root / "workspaces")
    return project.confine(base / rel.parent / f"{rel.name}.po")
