"""Compile a whole project for a build pipeline: every published template × locale × part
into one directory tree with a manifest, written all or nothing and only where it changed.

How a run goes:

1. **Compile in memory.** Each published template is resolved once and compiled in the source
   locale and each project locale (or the source locale and one `--locale`). A combination the
   target refuses (a `CompileError`, or any other one-line error, such as a missing translation
   under `--strict`) becomes a `Refusal` and the run goes on: a pipeline wants the complete list
   of refusals and every output that could be written, not the first error.
2. **Compare.** Each output is compared byte for byte with the file already in the directory.
   Files the previous run's manifest lists that this run does not write (a template deleted or
   unpublished, a locale dropped, another target) are stale. When nothing differs, nothing is
   touched: not a file, not the directory.
3. **Stage and switch.** Otherwise the new tree is staged in a hidden directory next to DIR
   (`.DIR.XXXX.staging`): an unchanged file is hard-linked from the old tree (its inode and
   mtime stay, so `make` and rsync see it unchanged), a changed one is written and fsynced, files
   the manifest never listed (a README someone put there) are linked over too. Then DIR is
   renamed aside and the staged tree renamed into its place: a reader sees the old tree or the
   new one, never a mix. A crash between the two renames leaves `.DIR.XXXX.old`, which the next
   run renames back before it starts.

Every run holds a lock file next to DIR (`.DIR.lock`), so two builds into one directory take
turns. The manifest is deterministic: sorted, content hashes (sha256 of the bytes), no times.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import filelock

from .compiler import MAIN_PARTS, Compiled, compile_sources
from .errors import ProjectError, TmplkitError, storage_error
from .i18n.locales import normalize
from .model import Template
from .pipeline import resolve
from .progress import StatusLine
from .store import CHANNEL_PARTS, Project, fsync_dir, is_special, mode_for
from .variables import of_sources

MANIFEST = "manifest.json"
PART_ORDER = (*MAIN_PARTS, *CHANNEL_PARTS)

# The file extension of each target's templates, as its own tooling names them (a target not
# listed here writes .txt files).
EXTENSIONS = {
    "jinja": ".j2",
    "handlebars": ".hbs",
    "handlebarsjava": ".hbs",
    "mandrillhandlebars": ".hbs",
    "sendgrid": ".hbs",
    "liquid": ".liquid",
    "freemarker": ".ftl",
    "cheetah": ".tmpl",
    "ampscript": ".amp",
    "html": ".html",  # the html part; the html target's other parts are plain text: .txt
}


def part_file(target: str, part: str) -> str:
    """The file name of a compiled part: `html.j2`, `subject.hbs`, `sms.liquid`; the html
    target's non-html parts are finished text (`text.txt`)."""
    if target == "html" and part != "html":
        return f"{part}.txt"
    return part + EXTENSIONS.get(target, ".txt")


@dataclass(frozen=True)
class Refusal:
    """A (template, locale) the target could not compile, and the one-line reason."""

    template: str  # the slug path, acme-shop/orders/order-confirmation
    locale: str
    error: str

    def line(self) -> str:
        """The `error:` line: the locale first (a refusal's message does not always say it)."""
        return f"{self.locale}: {self.error}"

    def to_json(self) -> dict[str, str]:
        return {"template": self.template, "locale": self.locale, "error": self.error}


@dataclass
class ProjectBuild:
    """Everything a run writes, in memory: each output's bytes by its path in DIR, the
    manifest, the refusals and the warnings (each once)."""

    target: str
    files: dict[str, bytes] = field(default_factory=dict)
    manifest: dict[str, Any] = field(default_factory=dict)
    refusals: list[Refusal] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def manifest_bytes(self) -> bytes:
        return (json.dumps(self.manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


@dataclass
class TreeChanges:
    """What writing a build did to DIR: paths relative to it, sorted (the manifest aside)."""

    directory: Path
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def template_path(project: Project, template: Template) -> str:
    """A template's slug path below workspaces/: its directory in the tree."""
    return template.dir.relative_to(project.root / "workspaces").as_posix()


def build_locales(project: Project, locale: str | None = None) -> list[str]:
    """The source locale and every project locale, or the source locale and `locale`, in
    their BCP 47 form (`fr_fr` is `fr-FR`): each names a directory, so it must be a language
    id (normalize refuses anything else, such as `../x`)."""
    source = normalize(project.settings.source_locale)
    wanted = [locale] if locale else project.settings.locales
    return [source, *(lang for lang in map(normalize, wanted) if lang != source)]


def compile_project(
    project: Project,
    target: str,
    *,
    locale: str | None = None,
    strict: bool = False,
    inline_formats: bool = False,
    inline_styles: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> ProjectBuild:
    """Compile every published template of `project` to `target` in each locale (see
    build_locales), in memory; `progress(done, total)` after each (template, locale)."""
    index = project.index()
    templates = sorted(
        (template_path(project, t), t) for t in index.templates.values() if t.published_draft_id
    )
    locales = sorted(build_locales(project, locale))
    build = ProjectBuild(target)
    entries = []
    done, total = 0, len(templates) * len(locales)
    for path, template in templates:
        entry: dict[str, Any] = {
            "template": path,
            "templateId": template.id,
            "draftId": template.published_draft_id,
            "name": template.name,
            "sender": None,
            "replyTo": None,
            "variables": None,  # known once a locale compiles
            "variableTypes": None,  # the same with their types (variables.py)
            "locales": {},
            "refused": {},
        }
        unresolved: TmplkitError | None = None
        try:  # a draft without a body, a part that is not UTF-8: refused in every locale
            sources = resolve(template.id, project)
            types = of_sources(sources)  # the same in every locale
        except TmplkitError as exc:
            unresolved = exc
        else:
            entry["sender"], entry["replyTo"] = sources.sender, sources.reply_to
        for lang in locales:
            try:
                if unresolved is not None:
                    raise unresolved
                result = compile_sources(
                    sources,
                    target,
                    locale=lang,
                    strict=strict,
                    types=types,
                    inline_formats=inline_formats,
                    inline_styles=inline_styles,
                )
            except TmplkitError as exc:
                build.refusals.append(Refusal(path, lang, str(exc)))
                entry["refused"][lang] = str(exc)
            else:
                entry["variables"] = result.variables
                entry["variableTypes"] = result.variable_types.to_json()
                entry["locales"][lang] = {
                    "files": _add_files(build, result, f"{path}/{lang}"),
                    "warnings": list(result.warnings),
                }
                if result.formatted:  # Mandrill's, SendGrid's: the values the sender formats
                    entry["locales"][lang]["formatted"] = [f.to_json() for f in result.formatted]
                build.warnings.extend(w for w in result.warnings if w not in build.warnings)
            done += 1
            if progress is not None:
                progress(done, total)
        entries.append(entry)
    build.manifest = {
        "target": target,
        "sourceLocale": project.settings.source_locale,
        "locales": locales,
        "templates": entries,
    }
    return build


def _add_files(build: ProjectBuild, result: Compiled, directory: str) -> dict[str, Any]:
    """Each part of `result` as a file under `directory`; the manifest's `files` for it."""
    files = {}
    for part in PART_ORDER:
        text = result.part(part)
        if text is not None:
            name = f"{directory}/{part_file(build.target, part)}"
            data = text.encode("utf-8")
            build.files[name] = data
            files[part] = {"file": name, "sha256": hashlib.sha256(data).hexdigest()}
    return files


# --- writing the tree ------------------------------------------------------------------------


def write_tree(directory: Path, build: ProjectBuild) -> TreeChanges:
    """Write `build` into `directory`: all or nothing, unchanged files untouched, stale ones
    removed (see the module docstring)."""
    directory = directory.resolve()
    if is_special(directory) or (directory.exists() and not directory.is_dir()):
        raise TmplkitError(f"{directory}: not a directory")
    lock = filelock.FileLock(str(directory.parent / f".{directory.name}.lock"))
    try:
        directory.parent.mkdir(parents=True, exist_ok=True)
        with lock.acquire(timeout=30):
            _recover(directory)
            return _write_tree(directory, build)
    except filelock.Timeout:
        raise TmplkitError(f"{directory}: another compile --all is writing it") from None
    except OSError as exc:
        raise storage_error(exc, str(directory)) from None


def _write_tree(directory: Path, build: ProjectBuild) -> TreeChanges:
    changes = TreeChanges(directory)
    previous = _previous_files(directory)
    new = {**build.files, MANIFEST: build.manifest_bytes()}
    same = {name for name, data in new.items() if _holds(directory / name, data)}
    changes.written = sorted(name for name in build.files if name not in same)
    changes.unchanged = sorted(name for name in build.files if name in same)
    changes.removed = sorted(previous - new.keys())
    if len(same) == len(new) and not changes.removed:
        return changes  # nothing to do: not a file, not the directory, is touched
    stage = Path(
        tempfile.mkdtemp(prefix=f".{directory.name}.", suffix=".staging", dir=directory.parent)
    )
    try:
        os.chmod(stage, mode_for(directory, 0o777))
        for name, data in new.items():
            if name in same:
                _link(directory / name, stage / name)
            else:
                _write_file(stage / name, data)
        if directory.is_dir():  # what the manifest never listed stays where it is
            for name in _all_files(directory) - new.keys() - previous:
                _link(directory / name, stage / name)
        _switch(stage, directory)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return changes


def _previous_files(directory: Path) -> set[str]:
    """The files the previous run's manifest lists (and the manifest); none for a new or empty
    directory. A directory with other files and no manifest is not compile --all's: refused,
    since a run removes what it finds stale there."""
    manifest = directory / MANIFEST
    if not manifest.is_file():
        if directory.is_dir() and any(directory.iterdir()):
            raise ProjectError(
                f"{directory}: not empty and not written by compile --all (no {MANIFEST})",
                hint="pass a new or empty directory",
            )
        return set()
    try:
        data = json.loads(manifest.read_bytes())
        files = {
            f["file"]
            for entry in data["templates"]
            for compiled in entry["locales"].values()
            for f in compiled["files"].values()
        }
    except (ValueError, KeyError, TypeError, AttributeError):
        raise ProjectError(
            f"{manifest}: not a compile --all manifest", hint="delete the directory to rebuild it"
        ) from None
    return {name for name in files if isinstance(name, str)} | {MANIFEST}


def _holds(path: Path, data: bytes) -> bool:
    try:
        return path.is_file() and not path.is_symlink() and path.read_bytes() == data
    except OSError:
        return False


def _all_files(directory: Path) -> set[str]:
    found = set()
    for root, _dirs, files in os.walk(directory):
        for name in files:
            found.add((Path(root) / name).relative_to(directory).as_posix())
    return found


def _link(source: Path, dest: Path) -> None:
    """`source` in the staged tree as it is: a hard link (same inode and mtime), or a copy
    that keeps the mtime where links are not possible."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, dest, follow_symlinks=False)
    except OSError:
        shutil.copy2(source, dest, follow_symlinks=False)


def _write_file(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _switch(stage: Path, directory: Path) -> None:
    """The staged tree in `directory`'s place: the old one renamed aside, then removed."""
    if not directory.exists():
        os.rename(stage, directory)
        fsync_dir(directory.parent)
        return
    old = stage.with_name(stage.name.removesuffix(".staging") + ".old")
    os.rename(directory, old)
    try:
        os.rename(stage, directory)
    except BaseException:
        os.rename(old, directory)
        raise
    fsync_dir(directory.parent)
    shutil.rmtree(old)


def _recover(directory: Path) -> None:
    """Undo what a killed run left next to `directory`: a staged tree is removed; an old tree
    is renamed back if the new one never took its place, else removed."""
    if not directory.parent.is_dir():
        return
    prefix = f".{directory.name}."
    for entry in sorted(directory.parent.iterdir()):
        if not entry.name.startswith(prefix) or not entry.is_dir() or entry.is_symlink():
            continue
        if entry.name.endswith(".staging"):
            shutil.rmtree(entry)
        elif entry.name.endswith(".old"):
            if directory.exists():
                shutil.rmtree(entry)
            else:
                os.rename(entry, directory)


# --- progress --------------------------------------------------------------------------------


class Progress(StatusLine):
    """`compiled N/M` on a terminal's stderr once a run has taken more than a second, redrawn
    at most 5 times a second (as render-batch's rate line)."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        super().__init__(stream or sys.stderr)
        self.start = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        if time.monotonic() - self.start < 1.0 or not self.due():
            return
        self.show(f"compiled {done}/{total}")

    @classmethod
    @contextlib.contextmanager
    def on_terminal(cls, stream: IO[str] | None = None) -> Iterator[Progress | None]:
        """A Progress if `stream` (stderr) is a terminal, cleared at the end; else None."""
        stream = stream or sys.stderr
        isatty = getattr(stream, "isatty", None)
        if not (isatty and isatty()):
            yield None
            return
        progress = cls(stream)
        try:
            yield progress
        finally:
            progress.clear()


def compile_all(
    project: Project,
    target: str,
    directory: str | os.PathLike[str],
    *,
    locale: str | None = None,
    strict: bool = False,
    inline_formats: bool = False,
    inline_styles: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[ProjectBuild, TreeChanges]:
    """Compile the project (compile_project) and write it into `directory` (write_tree):
    what could be compiled is written even when some combinations are refused."""
    build = compile_project(
        project,
        target,
        locale=locale,
        strict=strict,
        inline_formats=inline_formats,
        inline_styles=inline_styles,
        progress=progress,
    )
    return build, write_tree(Path(directory), build)


def summary_json(build: ProjectBuild, changes: TreeChanges) -> dict[str, Any]:
    """`compile --all --json`: what was written, left, removed and refused."""
    return {
        "target": build.target,
        "directory": str(changes.directory),
        "written": changes.written,
        "unchanged": changes.unchanged,
        "removed": changes.removed,
        "refused": [r.to_json() for r in build.refusals],
        "warnings": build.warnings,
    }


__all__ = [
    "EXTENSIONS",
    "MANIFEST",
    "Progress",
    "ProjectBuild",
    "Refusal",
    "TreeChanges",
    "build_locales",
    "compile_all",
    "compile_project",
    "part_file",
    "summary_json",
    "template_path",
    "write_tree",
]
