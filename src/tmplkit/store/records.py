"""The record files of a project (tmplkit.toml, folder.toml, template.toml, draft.toml,
block.toml) read into model objects, and the names new objects get."""

from __future__ import annotations

from dataclasses import dataclass, field
from keyword import iskeyword
from pathlib import Path
from typing import Any

from ..errors import Conflict, ProjectError
from ..model import (
    Block,
    Draft,
    DraftStatus,
    Folder,
    Localization,
    PublishRecord,
    Template,
    confusable_characters,
    look_alike,
    new_id,
    now,
    slugify,
    validate_name,
    validate_slug,
)
from .files import read_toml
from .layout import BLOCK_FILE, DRAFT_FILE, FOLDER_FILE, PARTS, TEMPLATE_FILE
from .paths import ProjectRoot
from .transaction import Transaction

KEYWORD_FORMS = "name, name:N, name:N,M (singular, plural), name:Nc,M (context) or name:N,Mt"


@dataclass(frozen=True, slots=True)
class GettextKeyword:
    """A function a template calls to translate a string, read as `pybabel extract -k SPEC`
    reads it: where (counted from 1) its message, its plural and its context are among the
    call's arguments, and, for a spec with `Nt`, how many arguments (keyword arguments
    included, as Babel's Jinja extractor counts them) a call must have to be one."""

    name: str
    messages: tuple[int, ...] = (1,)  # the singular's position, then the plural's
    context: int | None = None
    total: int | None = None
    spec: str = field(default="", compare=False)  # as written in tmplkit.toml

    @property
    def strings(self) -> int:
        """How many positional arguments are strings: up to the last message or context."""
        return max((*self.messages, self.context or 0))


# tmplkit's own: what Jinja's i18n extension calls for a {% trans %} block, and pybabel's
# default keywords of the same names.
BUILTIN_KEYWORDS = (
    GettextKeyword("_", spec="_"),
    GettextKeyword("gettext", spec="gettext"),
    GettextKeyword("ngettext", (1, 2), spec="ngettext:1,2"),
    GettextKeyword("pgettext", (2,), context=1, spec="pgettext:1c,2"),
    GettextKeyword("npgettext", (2, 3), context=1, spec="npgettext:1c,2,3"),
)


def gettext_keyword(spec: str) -> GettextKeyword:
    """One of pybabel's `-k` specs (read with Babel's own parser), or a ValueError saying
    why tmplkit cannot translate with it."""
    from babel.messages.frontend import parse_keywords  # pybabel's -k grammar, exactly

    try:
        ((name, parsed),) = parse_keywords([spec]).items()
    except (ValueError, IndexError):
        raise ValueError(f"is not a pybabel keyword spec ({KEYWORD_FORMS})") from None
    total = None
    if isinstance(parsed, dict):  # the `Nt` form: {total: positions}
        ((total, parsed),) = parsed.items()
    positions = (1,) if parsed is None else parsed
    if not name.isidentifier() or iskeyword(name):
        raise ValueError(f"does not name a function ({KEYWORD_FORMS})")
    messages = tuple(p for p in positions if isinstance(p, int))
    contexts = [p[0] for p in positions if isinstance(p, tuple)]
    if not 1 <= len(messages) <= 2:
        raise ValueError("must give one message argument, or two (singular and plural)")
    if len(contexts) > 1:
        raise ValueError("gives more than one context argument")
    numbers = [*messages, *contexts]
    if min(numbers) < 1 or len(set(numbers)) != len(numbers):
        raise ValueError("must give different argument positions, counted from 1")
    found = GettextKeyword(name, messages, contexts[0] if contexts else None, total, spec)
    least = found.strings + (len(messages) == 2)  # a plural's count follows its strings
    if total is not None and total < least:
        raise ValueError(f"counts {total} arguments where a call needs at least {least}")
    return found


def gettext_keywords(specs: Any, file: str = "tmplkit.toml") -> tuple[GettextKeyword, ...]:
    """[i18n] keywords, each checked: a bad entry is a ProjectError naming it."""
    where = f"{file}: [i18n] keywords"
    if not isinstance(specs, list) or not all(isinstance(s, str) for s in specs):
        raise ProjectError(f'{where} must be a list of strings, such as ["_fsdomain"]')
    found: dict[tuple[str, int | None], GettextKeyword] = {
        (k.name, k.total): k for k in BUILTIN_KEYWORDS
    }
    configured = []
    for spec in specs:
        try:
            keyword = gettext_keyword(spec)
        except ValueError as exc:
            raise ProjectError(f"{where}: {spec!r} {exc}") from None
        key = (keyword.name, keyword.total)
        if key in found and found[key] != keyword:
            was = found[key]
            other = "the built-in " * (was in BUILTIN_KEYWORDS) + repr(was.spec)
            raise ProjectError(f"{where}: {spec!r} conflicts with {other}")
        found[key] = keyword
        configured.append(keyword)
    return tuple(configured)


@dataclass
class Settings:
    name: str = "tmplkit project"
    source_locale: str = "en-US"
    locales: list[str] = field(default_factory=list)
    sender: str | None = None
    reply_to: str | None = None
    # [handoff.NAME] tables: each adapter's settings (never credentials: those are read from
    # the environment); `default` in [handoff] names the adapter `send` uses without --via.
    handoff: dict[str, Any] = field(default_factory=dict)
    # [i18n] keywords: the project's own gettext functions, beside tmplkit's (pybabel's -k).
    keywords: tuple[GettextKeyword, ...] = ()
    # [project] targets: the template languages the project compiles to (`tmplkit lint`'s).
    targets: tuple[str, ...] = ()

    @classmethod
    def from_toml(cls, data: dict[str, Any]) -> Settings:
        project = data.get("project", {})
        defaults = data.get("defaults", {})
        handoff = data.get("handoff", {})
        i18n = data.get("i18n", {})
        if not isinstance(i18n, dict):
            raise ProjectError("tmplkit.toml: [i18n] must be a table")
        return cls(
            name=project.get("name", cls.name),
            source_locale=project.get("source_locale", "en-US"),
            locales=list(project.get("locales", [])),
            sender=defaults.get("sender"),
            reply_to=defaults.get("reply_to"),
            handoff=dict(handoff) if isinstance(handoff, dict) else {},
            keywords=gettext_keywords(i18n.get("keywords", [])),
            targets=_names(project.get("targets", []), "[project] targets"),
        )

    def to_toml(self) -> dict[str, Any]:
        defaults = {k: v for k, v in (("sender", self.sender), ("reply_to", self.reply_to)) if v}
        out: dict[str, Any] = {
            "project": {
                "name": self.name,
                "source_locale": self.source_locale,
                "locales": self.locales,
            }
        }
        if self.targets:
            out["project"]["targets"] = list(self.targets)
        if defaults:
            out["defaults"] = defaults
        if self.handoff:
            out["handoff"] = self.handoff
        if self.keywords:
            out["i18n"] = {"keywords": [k.spec for k in self.keywords]}
        return out


def _names(value: Any, key: str) -> tuple[str, ...]:
    """A list of names in tmplkit.toml; ProjectError naming the key otherwise."""
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ProjectError(f"tmplkit.toml: {key} must be a list of names, not {value!r}")
    return tuple(value)


@dataclass
class Index:
    """Everything in the project, as read from disk in one scan."""

    folders: dict[str, Folder] = field(default_factory=dict)
    templates: dict[str, Template] = field(default_factory=dict)
    drafts: dict[str, Draft] = field(default_factory=dict)
    blocks: dict[str, Block] = field(default_factory=dict)


def require(data: dict[str, Any], key: str, file: Path, prefix: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise ProjectError(f"{file}: missing '{key}'")
    if key == "id" and not value.startswith(prefix):
        raise ProjectError(f"{file}: id {value!r} should start with {prefix!r}")
    return value


def folder_from(directory: Path, parent: Folder | None) -> Folder:
    file = directory / FOLDER_FILE
    data = read_toml(file)
    return Folder(
        id=require(data, "id", file, "fdr_"),
        name=require(data, "name", file, ""),
        slug=directory.name,
        dir=directory,
        parent_id=parent.id if parent else None,
        description=data.get("description", ""),
        created_at=data.get("created_at", ""),
        updated_at=data.get("updated_at", ""),
    )


def template_from(directory: Path, folder: Folder, path: str) -> Template:
    file = directory / TEMPLATE_FILE
    data = read_toml(file)
    return Template(
        id=require(data, "id", file, "tem_"),
        name=require(data, "name", file, ""),
        slug=directory.name,
        dir=directory,
        folder_id=folder.id,
        path=path,
        description=data.get("description", ""),
        published_draft_id=data.get("published_draft_id") or None,
        history=[PublishRecord(h["draft_id"], h["published_at"]) for h in data.get("history", [])],
        created_at=data.get("created_at", ""),
        updated_at=data.get("updated_at", ""),
        variables=_variables_table(data.get("variables", {}), file),
    )


def _variables_table(value: Any, file: Path) -> dict[str, Any]:
    """template.toml's [variables] as written; variables.py checks each declaration."""
    if not isinstance(value, dict):
        raise ProjectError(f"{file}: 'variables' must be a table ([variables])")
    return value


def draft_from(directory: Path, template: Template) -> Draft:
    file = directory / DRAFT_FILE
    data = read_toml(file)
    status = data.get("status", DraftStatus.IN_PROGRESS.value)
    try:
        status_value = DraftStatus(status)
    except ValueError:
        raise ProjectError(f"{file}: unknown status {status!r}") from None
    return Draft(
        id=require(data, "id", file, "tdft_"),
        name=require(data, "name", file, ""),
        slug=directory.name,
        dir=directory,
        template_id=template.id,
        status=status_value,
        archived=bool(data.get("archived", False)),
        sender=data.get("sender"),
        reply_to=data.get("reply_to"),
        content_hash=data.get("content_hash"),
        included_hashes=_hashes(data.get("included_hashes"), file),
        created_at=data.get("created_at", ""),
        updated_at=data.get("updated_at", ""),
        localizations=localizations_from(data),
        feedback=data.get("feedback"),
        origin=data.get("origin"),
    )


def localizations_from(data: dict[str, Any]) -> list[Localization]:
    """A record's `localizations` array of tables, as read from draft.toml or block.toml."""
    return [
        Localization(str(x.get("id", "")), str(x.get("name", "")), list(x.get("languages", [])))
        for x in data.get("localizations", [])
        if isinstance(x, dict)
    ]


def _hashes(value: Any, file: Path) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ProjectError(f"{file}: 'included_hashes' must be a table of strings")
    return dict(value)


def piece_fields(directory: Path, record: str, prefix: str) -> tuple[dict[str, Any], Any]:
    """The fields a block's or a layout's record gives (model.Piece), and the record's data."""
    file = directory / record
    data = read_toml(file)
    fields = {
        "id": require(data, "id", file, prefix),
        "name": require(data, "name", file, ""),
        "slug": directory.name,
        "dir": directory,
        "description": data.get("description", ""),
        "created_at": data.get("created_at", ""),
        "updated_at": data.get("updated_at", ""),
    }
    return fields, data


def block_from(directory: Path) -> Block:
    fields, data = piece_fields(directory, BLOCK_FILE, "blk_")
    return Block(
        **fields,
        localizations=localizations_from(data),
        origin=data.get("origin"),
    )


def unique_slug(project: ProjectRoot, parent: Path, name: str, what: str) -> str:
    base = validate_slug(slugify(name), f"{what} name {name!r} gives the slug")
    slug = base
    n = 2
    while (parent / slug).exists():
        slug = f"{base}-{n}"
        n += 1
    refuse_look_alike(project, parent, slug, f"{what} name {name!r}")
    return slug


@dataclass(frozen=True)
class PieceFiles:
    """Where a shared piece of a project (a block, a layout) lives: its folder under the root,
    its record file, its part files, and what a new one's parts hold."""

    folder: str
    record: str
    parts: dict[str, str]
    new_parts: dict[str, str]


def free_slug(
    project: ProjectRoot, parent: Path, name: str, what: str, moving: Path | None = None
) -> tuple[str, Path]:
    """The slug `name` gives in `parent`, and its directory there: a Conflict when that
    directory exists (other than `moving`, the object being renamed) or a sibling looks like
    it. `what` names the kind of object (template, folder, workspace, block)."""
    slug = validate_slug(slugify(name), f"{what} name {name!r} gives the slug")
    target = parent / slug
    if target != moving and target.exists():
        raise Conflict(f"{project.relpath(target)} already exists")
    refuse_look_alike(project, parent, slug, f"{what} name {name!r}", moving)
    return slug, target


def refuse_look_alike(
    project: ProjectRoot, parent: Path, slug: str, what: str, moving: Path | None = None
) -> None:
    """Conflict when a name in `parent` looks like `slug` (the same UTS #39 skeleton) without
    being it: `Invoice` next to `Invоice` (a Cyrillic о) would be two templates that look the
    same in every listing. `moving`: the object being renamed, which is no sibling of itself."""
    if not parent.is_dir():
        return
    siblings = [p.name for p in parent.iterdir() if not p.name.startswith(".") and p != moving]
    other = look_alike(slug, siblings)
    if other is None:
        return
    chars = confusable_characters(slug)
    raise Conflict(
        f"{what} gives the slug {slug!r}, which looks like the existing "
        f"{project.relpath(parent / other)}",
        hint=(f"it has {chars}, which looks like another letter; " if chars else "")
        + "choose a name that looks different",
    )


def new_draft(
    txn: Transaction, project: ProjectRoot, template: Template, name: str, parts: dict[str, str]
) -> Draft:
    """Record a new draft's files in `txn`: its parts, then draft.toml (a new directory, so
    they land together)."""
    name = validate_name(name, "draft")
    drafts_dir = template.dir / "drafts"
    slug = unique_slug(project, drafts_dir, name, "draft")
    stamp = now()
    draft = Draft(
        id=new_id("draft"),
        name=name,
        slug=slug,
        dir=drafts_dir / slug,
        template_id=template.id,
        created_at=stamp,
        updated_at=stamp,
    )
    for part, text in parts.items():
        txn.write(draft.dir / PARTS[part], text)
    txn.write_toml(draft.dir / DRAFT_FILE, draft.to_toml())
    return draft
