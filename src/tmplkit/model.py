"""The data model, mirroring Dyspatch: folders, templates, drafts, blocks, localizations."""

from __future__ import annotations

import functools
import re
import secrets
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from .errors import InvalidName, ProhibitedAction

CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"
ID_PREFIXES = {
    "folder": "fdr_",
    "template": "tem_",
    "draft": "tdft_",
    "block": "blk_",
    "layout": "lay_",
    "localization": "loc_",
    "apikey": "key_",  # API keys of `tmplkit serve` (server/keys.py), not project objects
}
ID_RE = re.compile(r"^(fdr|tem|tdft|blk|lay|loc)_[0-9a-z]{26}$")

# Names Windows cannot create, with any extension (`nul.txt`, `con.tar.gz` are NUL and CON
# there): a project holding one cannot be checked out on Windows. COM and LPT with a
# superscript digit are reserved too.
WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul", "conin$", "conout$"}
    | {f"{port}{digit}" for port in ("com", "lpt") for digit in "0123456789¹²³"}
)
# Names a slug may not take: the store's own folders, and names Windows cannot create.
RESERVED_SLUGS = (
    frozenset({"drafts", "blocks", "layouts", "locales", "workspaces", "tmplkit"})
    | WINDOWS_RESERVED
)
SLUG_RE = re.compile(r"^[^\W_][\w.-]*$")


def new_id(kind: str, clock: Callable[[], float] = time.time) -> str:
    """A Dyspatch-style id: prefix + 26 Crockford base32 chars (48-bit time, 80 random bits),
    so that ids sort by creation."""
    value = (int(clock() * 1000) << 80) | secrets.randbits(80)
    chars = []
    for _ in range(26):
        chars.append(CROCKFORD[value & 31])
        value >>= 5
    return ID_PREFIXES[kind] + "".join(reversed(chars))


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def validate_name(name: str, what: str) -> str:
    """A display name: not empty, one line, no path separators or traversal."""
    cleaned = name.strip()
    if not cleaned:
        raise InvalidName(f"{what} name is empty")
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in cleaned):
        raise InvalidName(f"{what} name {name!r} contains control characters")
    if "/" in cleaned or "\\" in cleaned:
        raise InvalidName(
            f"{what} name {name!r} contains a path separator",
            hint="names may not contain / or \\",
        )
    if cleaned in (".", "..") or cleaned.startswith(".."):
        raise InvalidName(f"{what} name {name!r} is not allowed")
    if len(cleaned) > 200:
        raise InvalidName(f"{what} name is longer than 200 characters")
    return cleaned


def slugify(name: str) -> str:
    """The directory name for a display name: lower case, words joined by '-'."""
    text = unicodedata.normalize("NFKC", name).lower()
    text = re.sub(r"[^\w.]+", "-", text).replace("_", "-")
    text = re.sub(r"-{2,}", "-", text).strip("-.")
    text = text[:80]
    # File systems limit names to 255 bytes: keep slugs well under, whatever the script.
    while len(text.encode("utf-8")) > 200:
        text = text[:-1]
    return text.strip("-.")


def validate_slug(slug: str, what: str = "slug") -> str:
    if not slug or slug in (".", "..") or ".." in slug:
        raise InvalidName(f"{what} {slug!r} is not allowed")
    if "/" in slug or "\\" in slug or slug.startswith("~"):
        raise InvalidName(f"{what} {slug!r} contains a path separator")
    if not SLUG_RE.match(slug):
        raise InvalidName(
            f"{what} {slug!r} is not allowed",
            hint="use letters, digits, '.', '-'; start with a letter or digit",
        )
    if slug.lower() in RESERVED_SLUGS:
        raise InvalidName(f"{what} {slug!r} is a reserved name")
    stem = slug.split(".", 1)[0].lower()
    if stem in WINDOWS_RESERVED:
        raise InvalidName(
            f"{what} {slug!r} is a reserved name",
            hint=f"Windows reserves {stem.upper()} with any extension",
        )
    return slug


# --- look-alike names: UTS #39 skeletons ----------------------------------------------------

_BIDI_MARKS = str.maketrans("", "", "\u200e\u200f")


@functools.cache
def _prototypes() -> dict[str, str]:
    """Each confusable character → the text it is confused with, one per class.

    The data is Unicode's confusables.txt (UTS #39) as the confusable-homoglyphs package ships
    it: each line's pair, both ways. A source is one code point; its prototype is a code point
    or a sequence (`m` → `rn`), and prototypes are never sources. So the single-code-point
    pairs form one star per prototype: their connected components (union-find) are exactly
    the classes that UTS #39's mapping gives one prototype, and whichever member stands for a
    class, two strings get the same skeleton exactly when UTS #39 gives them the same one. A
    source of a sequence maps to the sequence, each of its code points standing for its class.
    """
    from confusable_homoglyphs.confusables import confusables_data

    parent: dict[str, str] = {}

    def find(c: str) -> str:
        root = c
        while parent.get(root, root) != root:
            root = parent[root]
        while c != root:  # path compression
            parent[c], c = root, parent[c]
        return root

    sequences: dict[str, str] = {}
    for key, entries in confusables_data.items():
        a = key.translate(_BIDI_MARKS)  # the data wraps right-to-left text in LRM marks
        for entry in entries:
            b = str(entry["c"]).translate(_BIDI_MARKS)
            if len(a) == 1 and len(b) == 1:
                ra, rb = find(a), find(b)
                if ra != rb:
                    parent[max(ra, rb)] = min(ra, rb)
            elif len(a) == 1:
                sequences[a] = b
            elif len(b) == 1:
                sequences[b] = a
    out = {c: find(c) for c in parent}
    for source, sequence in sequences.items():
        out[source] = "".join(out.get(c, c) for c in sequence)
    return {c: p for c, p in out.items() if c != p}


def skeleton(text: str) -> str:
    """What `text` looks like: NFKC, case-folded, then UTS #39's skeleton (NFD, each
    confusable character replaced by its class's prototype, NFD). `Invoice` and `Invоice`
    (a Cyrillic о) have the same skeleton; so have `nul` and `NUL`."""
    folded = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", text).casefold())
    table = _prototypes()
    return unicodedata.normalize("NFD", "".join(table.get(c, c) for c in folded))


def look_alike(slug: str, siblings: list[str]) -> str | None:
    """The first of `siblings` (names in the same directory) that looks like `slug` without
    being it, if any."""
    wanted = skeleton(slug)
    for name in siblings:
        if name != slug and skeleton(name) == wanted:
            return name
    return None


def confusable_characters(slug: str) -> str:
    """The characters of `slug` that look like others, named: `U+043E CYRILLIC SMALL LETTER O`."""
    table = _prototypes()
    seen = dict.fromkeys(
        c for c in unicodedata.normalize("NFD", slug.casefold()) if c in table and not c.isascii()
    )
    return ", ".join(f"U+{ord(c):04X} {unicodedata.name(c, '?')}" for c in seen)


class DraftStatus(StrEnum):
    IN_PROGRESS = "IN_PROGRESS"
    PENDING_APPROVAL = "PENDING_APPROVAL"
    LOCKED_FOR_TRANSLATION = "LOCKED_FOR_TRANSLATION"
    PUBLISHED = "PUBLISHED"


# action -> (statuses it is allowed from, status it leads to). Archived drafts allow only duplicate.
TRANSITIONS: dict[str, tuple[frozenset[DraftStatus], DraftStatus | None]] = {
    "submit": (
        frozenset({DraftStatus.IN_PROGRESS, DraftStatus.LOCKED_FOR_TRANSLATION}),
        DraftStatus.PENDING_APPROVAL,
    ),
    "approve": (frozenset({DraftStatus.PENDING_APPROVAL}), DraftStatus.PUBLISHED),
    "reject": (frozenset({DraftStatus.PENDING_APPROVAL}), DraftStatus.IN_PROGRESS),
    "lock": (frozenset({DraftStatus.IN_PROGRESS}), DraftStatus.LOCKED_FOR_TRANSLATION),
    "unlock": (frozenset({DraftStatus.LOCKED_FOR_TRANSLATION}), DraftStatus.IN_PROGRESS),
    "archive": (frozenset(DraftStatus), None),
    "duplicate": (frozenset(DraftStatus), None),
    "edit": (frozenset({DraftStatus.IN_PROGRESS}), None),
    # Adding or removing a language changes no content: allowed until the draft is published.
    "localize": (
        frozenset(
            {
                DraftStatus.IN_PROGRESS,
                DraftStatus.LOCKED_FOR_TRANSLATION,
                DraftStatus.PENDING_APPROVAL,
            }
        ),
        None,
    ),
}
ACTION_WORDS = {
    "submit": "submit it for approval",
    "approve": "approve it",
    "reject": "reject it",
    "lock": "lock it for translation",
    "unlock": "unlock it",
    "archive": "archive it",
    "duplicate": "duplicate it",
    "edit": "change its content",
    "localize": "change its localizations",
}


@dataclass
class Folder:
    """A folder; a folder without a parent is a workspace."""

    id: str
    name: str
    slug: str
    dir: Path
    parent_id: str | None = None
    description: str = ""
    created_at: str = ""
    updated_at: str = ""

    @property
    def is_workspace(self) -> bool:
        return self.parent_id is None

    def to_toml(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }

    def to_json(self, subfolders: list[Folder] | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "slug": self.slug,
            "parentId": self.parent_id,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
        }
        if subfolders is not None:
            out["subfolders"] = [f.to_json() for f in subfolders]
        return out


@dataclass
class PublishRecord:
    """One entry of a template's publishing history."""

    draft_id: str
    published_at: str


@dataclass
class Template:
    id: str
    name: str
    slug: str
    dir: Path
    folder_id: str
    path: str  # folder ids from the workspace down: "fdr_a/fdr_b"
    description: str = ""
    published_draft_id: str | None = None
    history: list[PublishRecord] = field(default_factory=list)
    created_at: str = ""
    updated_at: str = ""
    # template.toml's [variables]: declared types, read by variables.py, kept when rewritten
    variables: dict[str, Any] = field(default_factory=dict)

    @property
    def workspace_id(self) -> str:
        return self.path.split("/")[0]

    def to_toml(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }
        if self.published_draft_id:
            out["published_draft_id"] = self.published_draft_id
        if self.history:
            out["history"] = [
                {"draft_id": h.draft_id, "published_at": h.published_at} for h in self.history
            ]
        if self.variables:
            out["variables"] = self.variables
        return out

    def to_json(self, localizations: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "slug": self.slug,
            "path": self.path,
            "workspaceId": self.workspace_id,
            "folderId": self.folder_id,
            "publishedDraftId": self.published_draft_id,
            "history": [
                {"draftId": h.draft_id, "publishedAt": h.published_at} for h in self.history
            ],
            "localizations": localizations or [],
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
        }


@dataclass
class Draft:
    id: str
    name: str
    slug: str
    dir: Path
    template_id: str
    status: DraftStatus = DraftStatus.IN_PROGRESS
    archived: bool = False
    sender: str | None = None
    reply_to: str | None = None
    content_hash: str | None = None  # recorded when the content is frozen (left IN_PROGRESS)
    # Recorded with content_hash: the hash of each block the parts include, directly or through
    # other blocks ({"blocks/footer": "…"}). None for a draft frozen before tmplkit recorded it.
    included_hashes: dict[str, str] | None = None
    created_at: str = ""
    updated_at: str = ""
    localizations: list[Localization] = field(default_factory=list)
    feedback: str | None = None  # the reviewer's words when it was last rejected
    origin: str | None = None  # "dyspatch": pulled from a Dyspatch account, compiled code

    @property
    def state(self) -> str:
        """The status as users see it: ARCHIVED wins over the workflow status."""
        return "ARCHIVED" if self.archived else self.status.value

    def label(self) -> str:
        return f'draft {self.id} ("{self.name}")'

    def check(self, action: str) -> DraftStatus | None:
        """The status `action` leads to, or ProhibitedAction naming the draft and its state."""
        allowed, target = TRANSITIONS[action]
        if self.archived and action != "duplicate":
            raise ProhibitedAction(
                f"{self.label()} is ARCHIVED: cannot {ACTION_WORDS[action]}",
                hint="duplicate it to work on a copy",
            )
        if self.status not in allowed:
            names = ", ".join(sorted(s.value for s in allowed))
            hint = {
                "edit": "duplicate it to make changes: tmplkit draft duplicate " + self.id,
            }.get(action, f"allowed from {names}")
            raise ProhibitedAction(
                f"{self.label()} is {self.status.value}: cannot {ACTION_WORDS[action]}",
                hint=hint,
            )
        return target

    def to_toml(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "status": self.status.value,
            "archived": self.archived,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }
        if self.sender:
            out["sender"] = self.sender
        if self.reply_to:
            out["reply_to"] = self.reply_to
        if self.content_hash:
            out["content_hash"] = self.content_hash
        if self.included_hashes:
            out["included_hashes"] = dict(self.included_hashes)
        if self.localizations:
            out["localizations"] = [loc.to_toml() for loc in self.localizations]
        if self.feedback:
            out["feedback"] = self.feedback
        if self.origin:
            out["origin"] = self.origin
        return out

    def to_json(self, template: Template | None = None) -> dict[str, Any]:
        return {
            "id": self.id,
            "templateId": self.template_id,
            "templateName": template.name if template else None,
            "name": self.name,
            "slug": self.slug,
            "path": template.path if template else None,
            "workspaceId": template.workspace_id if template else None,
            "status": self.status.value,
            "archived": self.archived,
            "published": bool(template and template.published_draft_id == self.id),
            "localizations": [loc.to_json() for loc in self.localizations],
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
        }


@dataclass
class Piece:
    """What a block and a layout share: a piece of a project's content under its own folder
    (`blocks/<slug>/`, `layouts/<slug>/`), with its record and its own catalogs."""

    id: str
    name: str
    slug: str
    dir: Path
    description: str = ""
    created_at: str = ""
    updated_at: str = ""

    def to_toml(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "slug": self.slug,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
        }


@dataclass
class Block(Piece):
    """A block: shared content that templates include (`{% include "blocks/SLUG" %}`)."""

    localizations: list[Localization] = field(default_factory=list)
    origin: str | None = None  # "dyspatch": pulled from a Dyspatch account (no content)

    def to_toml(self) -> dict[str, Any]:
        out = super().to_toml()
        if self.localizations:
            out["localizations"] = [loc.to_toml() for loc in self.localizations]
        if self.origin:
            out["origin"] = self.origin
        return out


@dataclass
class Layout(Piece):
    """A layout: the frame of a message that a draft's part extends (`{% extends
    "layouts/SLUG" %}`), its `{% block %}`s filled by the draft; localized with its own
    catalogs, like a block."""


@dataclass
class Localization:
    """A draft's or block's localization: one language of it (Dyspatch `loc_` objects)."""

    id: str
    name: str
    languages: list[str]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "languages": list(self.languages)}

    def to_toml(self) -> dict[str, Any]:
        return self.to_json()
