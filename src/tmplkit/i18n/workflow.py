"""The localization workflow on a project: extract, import, export, update, status."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypedDict, Unpack

from ..datafile import UTF8_BOM
from ..errors import check_keywords
from ..model import Block, Layout, Template
from ..store import Project
from .catalog import (
    Catalog,
    CatalogError,
    Key,
    Message,
    Problem,
    describe_key,
    json_text,
    load,
    merge,
    po_text,
    read_json,
    read_po,
    touch,
)
from .checks import conform, validate
from .extract import all_keys, block_keys, catalog_path, layout_keys, template_keys
from .locales import normalize

Owner = Template | Block | Layout
Format = Literal["po", "json"]
SmsCosts = Callable[[Template | Block, str], dict[str, Any] | None]
"""What a template's SMS part costs in a locale (an `SmsCount` as JSON), None for an owner
without one: `tmplkit.sms.sms_costs(project)` makes one, since measuring renders the part."""


def owners(project: Project) -> list[Owner]:
    """Every template, block and layout: each has its own catalogs."""
    return [*project.templates.list(), *project.blocks.list(), *project.layouts.list()]


def owner_keys(project: Project, owner: Owner) -> Catalog:
    if isinstance(owner, Block):
        return block_keys(project, owner)
    if isinstance(owner, Layout):
        return layout_keys(project, owner)
    return template_keys(project, owner)


def owner_label(project: Project, owner: Owner) -> str:
    if isinstance(owner, Block):
        return f"blocks/{owner.slug}"
    if isinstance(owner, Layout):
        return f"layouts/{owner.slug}"
    return owner.dir.relative_to(project.root / "workspaces").as_posix()


def owner_kind(owner: Owner) -> str:
    if isinstance(owner, Block):
        return "block"
    return "layout" if isinstance(owner, Layout) else "template"


def project_locales(project: Project) -> list[str]:
    return [normalize(loc) for loc in project.settings.locales]


def read_catalog(project: Project, locale: str, owner: Owner) -> Catalog:
    """A locale's catalog of a template or block (empty when there is none yet)."""
    path = catalog_path(project, locale, owner)
    if path.is_file():
        catalog = load(path, locale)
        catalog.locale = locale
        return catalog
    return Catalog(locale=locale)


def catalog_text(project: Project, locale: str, owner: Owner, catalog: Catalog) -> str:
    """The PO file of a locale's catalog of a template or block, as it is stored."""
    catalog.locale = locale
    catalog.project = f"{project.settings.name}: {owner_label(project, owner)}"
    return po_text(catalog)


def write_catalog(project: Project, locale: str, owner: Owner, catalog: Catalog) -> Path:
    """Store one catalog (atomically). Several at once: a transaction, as import does."""
    path = catalog_path(project, locale, owner)
    project.write_file(path, catalog_text(project, locale, owner, catalog))
    return path


# --- import ---------------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import changed (or, with problems or --dry-run, would have changed)."""

    locale: str
    file: str
    problems: list[Problem] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    translated: int = 0  # messages whose translation is new or changed
    unchanged: int = 0
    removed: int = 0  # with replace: translations the catalogs had and the file has not
    dry_run: bool = False
    warnings: list[str] = field(default_factory=list)  # imported anyway (see conform)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "locale": self.locale,
            "file": self.file,
            "ok": self.ok,
            "dryRun": self.dry_run,
            "problems": [str(p) for p in self.problems],
            "written": self.written,
            "translated": self.translated,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "warnings": self.warnings,
        }


def read_translations(path: Path, fmt: Format | None, locale: str) -> Catalog:
    """A translation file, PO or JSON (by --format, else by its extension)."""
    data = path.read_bytes()
    if not data.removeprefix(UTF8_BOM).strip():
        raise CatalogError(f"{path}: the file is empty (an empty file imports nothing)")
    kind = fmt or ("json" if path.suffix.lower() == ".json" else "po")
    if kind == "json":
        return read_json(data, str(path), locale)
    return read_po(data, str(path), locale)


class ImportOptions(TypedDict, total=False):
    """import_translations' keywords but the owner's: the file's format (`fmt`, default: by
    its extension), `dry_run`, `replace`, `force` and `force_language` (each default False),
    and `scope` (default: every key): with `replace`, the keys whose translations are
    replaced; the others' stay as they are (the API's PUT for one draft of a template)."""

    fmt: Format | None
    dry_run: bool
    replace: bool
    force: bool
    force_language: bool
    scope: Collection[Key] | None


def import_translations(
    project: Project,
    locale: str,
    path: Path,
    *,
    owner: Owner | None = None,
    **options: Unpack[ImportOptions],
) -> ImportReport:
    """Validate a translation file and store it in the catalogs, all or nothing.

    Without an owner, each translation goes to every template and block that has its key.
    Problems are reported all at once and nothing is written; `replace` (Dyspatch's PUT)
    replaces all of the catalogs' translations with the file's, and when that would remove
    translations the file lacks it needs `force` (else a CatalogError says how many). A file
    with no entries at all is a CatalogError: an empty or truncated file is never a success.
    A PO file is read by its own header (checks.conform): its Plural-Forms, mapped onto the
    locale's CLDR rule, and its Language, which must be the locale's unless `force_language`.
    The catalogs are written in one transaction: killed or out of disk space, the import lands
    whole or not at all.
    """
    check_keywords("import_translations", options, ImportOptions.__optional_keys__)
    incoming = read_translations(path, options.get("fmt"), normalize(locale))
    if not incoming.active:
        raise CatalogError(
            f"{path}: no translations in the file (a file without entries imports nothing)",
        )
    return import_catalog(project, locale, incoming, str(path), owner=owner, **options)


def import_catalog(
    project: Project,
    locale: str,
    incoming: Catalog,
    name: str,
    *,
    owner: Owner | None = None,
    **options: Unpack[ImportOptions],
) -> ImportReport:
    """import_translations of a catalog read already (`name`: where it came from, for the
    problems' locations): the API's PUT of a request body. An empty catalog with `replace`
    clears the translations."""
    check_keywords("import_catalog", options, ImportOptions.__optional_keys__)
    dry_run = options.get("dry_run", False)
    replace, force = options.get("replace", False), options.get("force", False)
    scope = options.get("scope")
    locale = normalize(locale)
    report = ImportReport(locale, name, dry_run=dry_run)
    targets = [owner] if owner is not None else owners(project)
    keys = {o.id: owner_keys(project, o) for o in targets}
    source = Catalog()
    for catalog in keys.values():
        for message in catalog.messages.values():
            source.add(message)
    _fill_plurals(incoming, source)
    report.problems, report.warnings = conform(
        incoming, locale, name, force_language=options.get("force_language", False)
    )
    report.problems += validate(incoming, source, locale, name)
    report.problems.sort(key=lambda p: p.line or 0)  # in file order (stable within an entry)
    if report.problems:
        return report
    with project.lock():
        updates: list[tuple[Owner, Catalog]] = []
        losing = 0  # catalogs that a replace takes translations from
        for target in targets:
            current = read_catalog(project, locale, target)
            merged = merge(_replaced(current, scope) if replace else current, keys[target.id])
            if replace and (removed := _removed(current, merged, incoming, scope)):
                report.removed += removed
                losing += 1
            changed = False
            for key in merged.messages:
                new = incoming.get(key)
                message = merged.messages[key]
                if message.obsolete:
                    continue
                if new is None or new.fuzzy:
                    # A fuzzy translation is a guess: like msgfmt, never take it as done.
                    if replace and (message.translation or any(message.translations)):
                        changed = True
                    continue
                if not (new.translation or any(new.translations)):
                    continue
                if _same_translation(message, new) and not message.fuzzy:
                    report.unchanged += 1
                    continue
                message.translation = new.translation
                message.translations = list(new.translations)
                message.fuzzy = False
                message.previous_msgid = None
                report.translated += 1
                changed = True
            if changed or replace:
                touch(merged)
                updates.append((target, merged))
        report.written = [project.relpath(catalog_path(project, locale, t)) for t, _ in updates]
        if report.removed and not (force or dry_run):
            raise CatalogError(
                f"{name}: --replace would remove {_count(report.removed, 'translation')} that "
                f"the file does not have, from {_count(losing, 'catalog')}",
                hint="give --force to remove them, or import without --replace",
            )
        if not dry_run:
            with project.transaction() as txn:
                for target, catalog in updates:
                    txn.write(
                        catalog_path(project, locale, target),
                        catalog_text(project, locale, target, catalog),
                    )
    return report


def _replaced(current: Catalog, scope: Collection[Key] | None) -> Catalog:
    """What a replace starts from: nothing, or (with a scope) the current translations of the
    keys outside it."""
    base = Catalog(locale=current.locale)
    if scope is not None:
        for message in current.active:
            if message.key not in scope:
                base.add(message)
    return base


def _removed(
    current: Catalog, merged: Catalog, incoming: Catalog, scope: Collection[Key] | None
) -> int:
    """How many translations of `current` (current keys, translated or fuzzy) a replace
    removes: those in its scope that `incoming` does not translate."""
    count = 0
    for key in merged.messages:
        if scope is not None and key not in scope:
            continue
        old = current.get(key)
        if old is None or not (old.translation or any(old.translations)):
            continue
        new = incoming.get(key)
        if new is None or new.fuzzy or not (new.translation or any(new.translations)):
            count += 1
    return count


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def _fill_plurals(incoming: Catalog, source: Catalog) -> None:
    """JSON has no msgid_plural: take it from the source key."""
    for message in incoming.messages.values():
        original = source.get(message.key)
        if message.plural == "" and original is not None and original.plural is not None:
            message.plural = original.plural


def _same_translation(a: Message, b: Message) -> bool:
    return a.translation == b.translation and list(a.translations) == list(b.translations)


# --- export and extract -----------------------------------------------------------------------


def combined_catalog(project: Project, locale: str, owner: Owner | None) -> Catalog:
    """One owner's catalog, or every owner's merged (for a translator's single file)."""
    locale = normalize(locale)
    if owner is not None:
        return merge(read_catalog(project, locale, owner), owner_keys(project, owner))
    out = Catalog(locale=locale, project=project.settings.name)
    for target in owners(project):
        catalog = merge(read_catalog(project, locale, target), owner_keys(project, target))
        for message in catalog.active:
            existing = out.get(message.key)
            if existing is None:
                out.add(message)
            elif not existing.translated and message.translated:
                out.messages[message.key] = message
            else:
                existing.locations += [x for x in message.locations if x not in existing.locations]
    return out


def export(project: Project, locale: str, owner: Owner | None, fmt: Format) -> str:
    catalog = combined_catalog(project, locale, owner)
    return json_text(catalog) if fmt == "json" else po_text(catalog)


def extract(project: Project, owner: Owner | None) -> Catalog:
    """The keys of one template or block, or of the whole project."""
    if owner is None:
        return all_keys(project)
    return owner_keys(project, owner)


# --- update and status ------------------------------------------------------------------------


@dataclass
class UpdateRow:
    owner: str
    locale: str
    file: str
    added: int
    fuzzy: int
    obsolete: int

    def to_json(self) -> dict[str, Any]:
        return {
            "owner": self.owner,
            "locale": self.locale,
            "file": self.file,
            "added": self.added,
            "fuzzy": self.fuzzy,
            "obsolete": self.obsolete,
        }


def update(project: Project, locales: list[str] | None = None) -> list[UpdateRow]:
    """Merge each template's and block's current keys into every locale's catalog (msgmerge),
    all catalogs in one transaction."""
    rows = []
    with project.transaction() as txn:
        for target in owners(project):
            keys = owner_keys(project, target)
            for locale in [normalize(x) for x in locales] if locales else project_locales(project):
                current = read_catalog(project, locale, target)
                merged = merge(current, keys)
                before = set(current.messages)
                rows.append(
                    UpdateRow(
                        owner_label(project, target),
                        locale,
                        project.relpath(catalog_path(project, locale, target)),
                        added=sum(
                            1
                            for k, m in merged.messages.items()
                            if k not in before and not m.fuzzy and not m.obsolete
                        ),
                        fuzzy=_newly(merged, current, "fuzzy"),
                        obsolete=_newly(merged, current, "obsolete"),
                    )
                )
                if po_text(merged) != _current_text(project, locale, target):
                    text = catalog_text(project, locale, target, merged)
                    txn.write(catalog_path(project, locale, target), text)
    return rows


def _newly(merged: Catalog, current: Catalog, flag: str) -> int:
    """How many messages have `flag` (fuzzy, obsolete) now and did not before."""
    was = {k for k, m in current.messages.items() if getattr(m, flag)}
    return sum(1 for k, m in merged.messages.items() if getattr(m, flag) and k not in was)


def _current_text(project: Project, locale: str, owner: Owner) -> str | None:
    path = catalog_path(project, locale, owner)
    return path.read_text("utf-8") if path.is_file() else None


@dataclass
class StatusRow:
    owner: str
    kind: str
    locale: str
    total: int
    translated: int
    fuzzy: int
    missing: int
    # What the template's SMS part costs in this locale (see tmplkit.sms), when it has one
    # and status() was asked for it.
    sms: dict[str, Any] | None = None

    @property
    def percent(self) -> float:
        return 100.0 if self.total == 0 else round(100.0 * self.translated / self.total, 1)

    def to_json(self) -> dict[str, Any]:
        out = {
            "owner": self.owner,
            "kind": self.kind,
            "locale": self.locale,
            "total": self.total,
            "translated": self.translated,
            "fuzzy": self.fuzzy,
            "missing": self.missing,
            "percent": self.percent,
        }
        if self.sms is not None:
            out["sms"] = self.sms
        return out


def status(
    project: Project, locales: list[str] | None = None, *, sms: SmsCosts | None = None
) -> list[StatusRow]:
    """Per template and block × locale: translated, fuzzy, missing (against current keys).

    With `sms` (see `SmsCosts`), each row of a template whose published draft has an SMS part
    also says what that part costs in the locale, rendered with the template's sample data.
    """
    rows = []
    for target in owners(project):
        keys = owner_keys(project, target)
        for locale in [normalize(x) for x in locales] if locales else project_locales(project):
            catalog = read_catalog(project, locale, target)
            translated = fuzzy = 0
            for key in keys.messages:
                message = catalog.get(key)
                if message is None:
                    continue
                if message.translated:
                    translated += 1
                elif message.fuzzy:
                    fuzzy += 1
            total = len(keys.messages)
            rows.append(
                StatusRow(
                    owner_label(project, target),
                    owner_kind(target),
                    locale,
                    total,
                    translated,
                    fuzzy,
                    total - translated - fuzzy,
                    sms=None if sms is None or isinstance(target, Layout) else sms(target, locale),
                )
            )
    return rows


def resolve_owner(
    project: Project, template: str | None, block: str | None, layout: str | None = None
) -> Owner | None:
    """The template, block or layout named (by id, slug or path), or None for every one."""
    if sum(map(bool, (template, block, layout))) > 1:
        raise CatalogError("give one of --template, --block and --layout")
    if template:
        return project.templates.get(template)
    if block:
        return project.blocks.get(block)
    if layout:
        return project.layouts.get(layout)
    return None


__all__ = [
    "ImportReport",
    "SmsCosts",
    "StatusRow",
    "UpdateRow",
    "combined_catalog",
    "describe_key",
    "export",
    "extract",
    "import_translations",
    "owners",
    "read_catalog",
    "resolve_owner",
    "status",
    "update",
]
