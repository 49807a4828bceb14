"""The project's locales (tmplkit.toml's `locales`): the languages it is translated into,
added and removed as tmplkit.toml is rewritten atomically under the project lock.

A project locale is what `i18n status`, `i18n check`, `i18n update` and `compile` cover; the
catalogs of a language live in locales/<language>/ whether or not it is one (removing a
locale leaves its catalogs where they are, as `git rm --cached` leaves the file).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import tomli_w

from ..errors import LocaleError, ProjectError
from ..langtags import normalize
from .directory import ProjectDirectory
from .files import read_toml
from .layout import PROJECT_FILE
from .records import Settings

LOCALES_DIR = "locales"


@dataclass
class LocalesChange:
    """What `add_locales` or `remove_locales` did: the locales changed, those left as they
    were (already there, for an add), and the project's locales after."""

    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    locales: list[str] = field(default_factory=list)


def catalog_files(project: ProjectDirectory, locale: str) -> list[Path]:
    """The catalog files (.po, .json) a language has in locales/<language>/, in path order."""
    directory = project.root / LOCALES_DIR / locale
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.rglob("*") if p.suffix in (".po", ".json") and p.is_file())


def catalog_locales(project: ProjectDirectory) -> list[str]:
    """The languages that have a folder of catalogs in locales/, whether or not they are
    project locales (a folder whose name is no language id is left out)."""
    directory = project.root / LOCALES_DIR
    if not directory.is_dir():
        return []
    found = []
    for child in sorted(directory.iterdir()):
        if child.is_dir() and not child.name.startswith(".") and catalog_files(project, child.name):
            try:
                found.append(normalize(child.name))
            except LocaleError:
                continue
    return found


def unlisted_catalog_locales(project: ProjectDirectory) -> list[str]:
    """The languages with catalogs in locales/ that are not project locales (nor the source)."""
    listed = {normalize(x) for x in project.settings.locales}
    listed.add(normalize(project.settings.source_locale))
    return [x for x in catalog_locales(project) if x not in listed]


def is_project_locale(project: ProjectDirectory, locale: str) -> bool:
    """Whether `locale` is one of the project's locales or its source locale, or a parent of
    one (`ar` of `ar-EG`: its catalogs serve ar-EG's readers, see fallback_chain)."""
    tag = normalize(locale)
    settings = project.settings
    listed = [normalize(x) for x in (settings.source_locale, *settings.locales)]
    return any(x == tag or x.startswith(tag + "-") for x in listed)


def require_project_locale(project: ProjectDirectory, locale: str) -> None:
    """A LocaleError for a language that is neither a project locale nor the source (nor a
    parent of one), with the command that adds it."""
    if is_project_locale(project, locale):
        return
    tag = normalize(locale)
    listed = ", ".join(project.settings.locales) or "none yet"
    raise LocaleError(
        f"{tag} is not a project locale (project locales: {listed})",
        hint=f"add it first: tmplkit locale add {tag}; or give --add-locale to add it as "
        "the catalogs are imported",
    )


def add_locales(project: ProjectDirectory, locales: Iterable[str]) -> LocalesChange:
    """Add languages to the project's locales, in the order given (each normalized: `fr_FR`
    is fr-FR). One already there is left as it is; the source locale, or a language id that
    is not one, is a LocaleError and nothing is written."""
    tags = _normalized(locales)
    source = normalize(project.settings.source_locale)
    if source in tags:
        raise LocaleError(
            f"{source} is the project's source locale: its strings are the templates' own",
            hint="a project locale is a language the templates are translated into",
        )
    with project.lock():
        data, settings = _read(project)
        current = [normalize(x) for x in settings.locales]
        change = LocalesChange()
        for tag in tags:
            (change.unchanged if tag in current else change.changed).append(tag)
            if tag not in current:
                current.append(tag)
        change.locales = current
        if change.changed:
            _write(project, data, current)
    return change


def remove_locales(project: ProjectDirectory, locales: Iterable[str]) -> LocalesChange:
    """Remove languages from the project's locales. Their catalogs stay in locales/ (see
    `catalog_files`). A language that is not a project locale is a LocaleError and nothing is
    written."""
    tags = _normalized(locales)
    with project.lock():
        data, settings = _read(project)
        current = [normalize(x) for x in settings.locales]
        missing = [tag for tag in tags if tag not in current]
        if missing:
            listed = ", ".join(current) or "none"
            raise LocaleError(
                f"{', '.join(missing)}: not a project locale (project locales: {listed})",
                hint="tmplkit locale list shows them",
            )
        change = LocalesChange(changed=list(tags))
        change.locales = [x for x in current if x not in tags]
        _write(project, data, change.locales)
    return change


def _normalized(locales: Iterable[str]) -> list[str]:
    out: list[str] = []
    for locale in locales:
        tag = normalize(locale)
        if tag not in out:
            out.append(tag)
    return out


def _read(project: ProjectDirectory) -> tuple[dict[str, object], Settings]:
    """tmplkit.toml as written (every table kept as it is) and as settings."""
    data = read_toml(project.root / PROJECT_FILE)
    if not isinstance(data.get("project", {}), dict):
        raise ProjectError(f"{PROJECT_FILE}: [project] must be a table")
    return data, Settings.from_toml(data)


def _write(project: ProjectDirectory, data: dict[str, object], locales: list[str]) -> None:
    """tmplkit.toml with `locales` replaced, atomically; the open project's settings follow."""
    table = data.setdefault("project", {})
    assert isinstance(table, dict)
    table["locales"] = locales
    project.write_file(project.root / PROJECT_FILE, tomli_w.dumps(data))
    project.settings.locales = list(locales)
