"""The drafts of a project's templates: their part files, what changed since one was frozen,
the workflow actions, and their localizations."""

from __future__ import annotations

import builtins
from pathlib import Path

import tomli_w

from ..datafile import source_text
from ..errors import InvalidName, NotFound, ProhibitedAction
from ..model import Draft, DraftStatus, Localization, PublishRecord, Template, now
from . import localizations
from .directory import ProjectDirectory, Repo
from .includes import content_hash, include_hash, included_hashes
from .layout import DRAFT_FILE, NEW_DRAFT_PARTS, PARTS, TEMPLATE_FILE
from .records import new_draft
from .templates import TemplateRepo


def join_and(items: list[str]) -> str:
    """Join words: 'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


class DraftRepo(Repo):
    """The drafts of a project's templates: their content, and the workflow that freezes and
    publishes it."""

    def __init__(self, project: ProjectDirectory, templates: TemplateRepo) -> None:
        super().__init__(project)
        self.templates = templates

    def list(self, template_id: str | None = None, status: str | None = None) -> list[Draft]:
        idx = self.project.index()
        if template_id is not None:
            template = self.templates.get(template_id)
            template_id = template.id
        wanted = status.upper() if status else None
        out = []
        for draft in idx.drafts.values():
            if template_id and draft.template_id != template_id:
                continue
            if wanted and draft.state != wanted:
                continue
            out.append(draft)
        return out

    def get(self, draft_id: str) -> Draft:
        draft = self.project.index().drafts.get(draft_id)
        if draft is None:
            raise NotFound(f"no draft {draft_id!r}")
        return draft

    def template_of(self, draft: Draft) -> Template:
        return self.templates.get(draft.template_id)

    # -- content --

    def read_parts(self, draft: Draft) -> dict[str, str]:
        """The draft's part sources that exist: {"subject": …, "html": …, "text": …, "sms": …}."""
        out = {}
        for part, filename in PARTS.items():
            file = self.project.confine(draft.dir / filename)
            if file.is_file():
                out[part] = source_text(file.read_bytes(), self.project.relpath(file))
        return out

    def part_file(self, draft: Draft, part: str) -> Path:
        if part not in PARTS:
            raise InvalidName(f"unknown part {part!r}", hint="parts are " + ", ".join(PARTS))
        return draft.dir / PARTS[part]

    def changes(self, draft: Draft) -> builtins.list[str]:
        """What changed on disk since the draft was frozen: "files" (its own part files), then
        each block it includes that changed ("blocks/footer"). Empty when nothing did, or when
        the draft is not frozen. A draft frozen before blocks were recorded (no
        included_hashes) compares its own files only."""
        if draft.content_hash is None:
            return []
        out = []
        if content_hash(self.read_parts(draft)) != draft.content_hash:
            out.append("files")
        for ref, frozen in sorted((draft.included_hashes or {}).items()):
            if include_hash(self.project.root, ref) != frozen:
                out.append(ref)
        return out

    def modified(self, draft: Draft) -> bool:
        """True when a frozen draft's files, or a block it includes, changed since it was frozen."""
        return bool(self.changes(draft))

    def freeze(self, draft: Draft) -> None:
        """Record what the draft's content is now: its parts' hash, and its blocks' hashes."""
        parts = self.read_parts(draft)
        draft.content_hash = content_hash(parts)
        draft.included_hashes = included_hashes(self.project.root, parts.values())

    def write_part(self, draft_id: str, part: str, text: str) -> Draft:
        """Replace one part's source; only an IN_PROGRESS draft may change."""
        with self.project.transaction() as txn:
            draft = self.get(draft_id)
            draft.check("edit")
            txn.write(self.part_file(draft, part), text)
            draft.updated_at = now()
            txn.write_toml(draft.dir / DRAFT_FILE, draft.to_toml())
            return draft

    # -- creation --

    def create(
        self, template_id: str, from_draft: str | None = None, name: str | None = None
    ) -> Draft:
        """A new IN_PROGRESS draft, copying `from_draft` (default: the published draft)."""
        with self.project.lock():
            template = self.templates.get(template_id)
            source_id = from_draft or template.published_draft_id
            if source_id:
                source = self.get(source_id)
                if source.template_id != template.id:
                    raise InvalidName(f"{source.label()} belongs to another template")
                parts = self.read_parts(source)
            else:
                parts = dict(NEW_DRAFT_PARTS)
            if name is None:
                taken = {d.name for d in self.list(template.id)}
                n = len(taken) + 1
                while f"Draft {n}" in taken:
                    n += 1
                name = f"Draft {n}"
            with self.project.transaction() as txn:
                return new_draft(txn, self.project, template, name, parts)

    # -- workflow --

    def transition(self, draft_id: str, action: str, feedback: str | None = None) -> Draft:
        """Apply a workflow action; ProhibitedAction when the draft's state forbids it. A
        rejection keeps the reviewer's `feedback` in draft.toml (until the next one)."""
        if action == "duplicate":
            source = self.get(draft_id)
            source.check("duplicate")
            return self.create(
                source.template_id, from_draft=source.id, name=f"{source.name} (copy)"
            )
        with self.project.lock():
            draft = self.get(draft_id)
            template = self.template_of(draft)
            target = draft.check(action)
            changed = self.changes(draft) if action != "archive" else []
            if changed:
                what = ["its files" if c == "files" else c for c in changed]
                them = "it" if what != ["its files"] and len(what) == 1 else "them"
                raise ProhibitedAction(
                    f"{draft.label()} is {draft.status.value} but {join_and(what)} changed on disk",
                    hint=f"restore {them} (git checkout), or duplicate the draft to change it",
                )
            stamp = now()
            if action == "archive":
                if template.published_draft_id == draft.id:
                    raise ProhibitedAction(
                        f"{draft.label()} is the published draft of template {template.id}: "
                        "cannot archive it",
                        hint="approve another draft first",
                    )
                draft.archived = True
            else:
                assert target is not None
                draft.status = target
                if target in (DraftStatus.PENDING_APPROVAL, DraftStatus.LOCKED_FOR_TRANSLATION):
                    self.freeze(draft)
                elif target == DraftStatus.IN_PROGRESS:
                    draft.content_hash = draft.included_hashes = None
                if action == "reject":
                    draft.feedback = feedback
            draft.updated_at = stamp
            if action != "approve":
                self.project.write_file(draft.dir / DRAFT_FILE, tomli_w.dumps(draft.to_toml()))
                return draft
            # Approve changes two files, template.toml and draft.toml: one transaction.
            if template.published_draft_id != draft.id:
                template.published_draft_id = draft.id
                template.history.append(PublishRecord(draft.id, stamp))
            template.updated_at = stamp
            with self.project.transaction() as txn:
                txn.write_toml(template.dir / TEMPLATE_FILE, template.to_toml())
                txn.write_toml(draft.dir / DRAFT_FILE, draft.to_toml())
            return draft

    # -- localizations --

    def add_localization(self, draft_id: str, language: str) -> Localization:
        """A language for the draft (Dyspatch's localization object), named from CLDR."""
        return self.save_localization(draft_id, language, rename=False)[0]

    def save_localization(
        self, draft_id: str, language: str, name: str | None = None, *, rename: bool = True
    ) -> tuple[Localization, bool]:
        """Add a language to the draft, or (with `rename`) give an existing one a new name:
        Dyspatch's PUT. Returns the localization and whether it is new."""
        from ..langtags import normalize

        tag = normalize(language)
        with self.project.lock():
            draft = self.get(draft_id)
            draft.check("localize")
            return localizations.save(
                self.project, draft, draft.dir / DRAFT_FILE, tag, name, rename=rename
            )

    def remove_localization(self, draft_id: str, language: str) -> Localization:
        from ..langtags import normalize

        tag = language if language.startswith("loc_") else normalize(language)
        with self.project.lock():
            draft = self.get(draft_id)
            draft.check("localize")
            return localizations.remove(self.project, draft, draft.dir / DRAFT_FILE, tag)

    def submit(self, draft_id: str) -> Draft:
        return self.transition(draft_id, "submit")

    def approve(self, draft_id: str) -> Draft:
        return self.transition(draft_id, "approve")

    def reject(self, draft_id: str, feedback: str | None = None) -> Draft:
        return self.transition(draft_id, "reject", feedback)

    def lock(self, draft_id: str) -> Draft:
        return self.transition(draft_id, "lock")

    def unlock(self, draft_id: str) -> Draft:
        return self.transition(draft_id, "unlock")

    def duplicate(self, draft_id: str) -> Draft:
        return self.transition(draft_id, "duplicate")

    def archive(self, draft_id: str) -> Draft:
        return self.transition(draft_id, "archive")
