"""A Dyspatch account as a remote: the structure and ids through Dyspatch's own endpoints, each
draft's code as Dyspatch compiles it for Jinja, and the translations of each localization.

Dyspatch's API gives no template sources: it gives each draft compiled for a template
language (`GET /drafts/{id}?targetLanguage=jinja`, Base64). That is what a pulled draft's
part files hold (subject.j2, body.html.j2, body.txt.j2 when there is a text part), with
`origin = "dyspatch"` in its draft.toml to say so. Its translations (`GET
/drafts/{id}/localizations/{lang}/translations`, JSON) become the template's catalog of that
language, the published draft's first when two drafts translate one string differently.
A block comes as its record alone (the API gives no block content; the compiled drafts hold
what they include already). Dyspatch's `ampHtml` has no place in a tmplkit draft and is left
out. docs/cli.md (tmplkit sync pull) says the same for users.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tomli_w

from ..errors import TmplkitError
from ..i18n.catalog import Catalog, po_text, read_json
from ..model import Block, Draft, DraftStatus, Folder, Localization, PublishRecord, Template
from ..store.imports import valid_id
from .client import RemoteClient, RemoteError
from .entries import CATALOG_FILE, Entry, catalog_id, checked_locale, checked_slug

ORIGIN = "dyspatch"  # draft.toml's and block.toml's `origin`: code compiled by Dyspatch
# Dyspatch's draft statuses that are not tmplkit's own: an old client's name, and UNKNOWN.
STATUSES = {"awaitingTranslation": DraftStatus.LOCKED_FOR_TRANSLATION}


def stamp(value: object) -> str:
    """A Dyspatch date-time as the store writes it (`2026-09-14T08:30:00Z`, UTC); "" when
    there is none or it is not one."""
    if not isinstance(value, str) or not value:
        return ""
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return ""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def text(item: dict[str, Any], key: str) -> str:
    value = item.get(key)
    return value if isinstance(value, str) else ""


def toml_bytes(record: dict[str, Any]) -> bytes:
    return tomli_w.dumps(record).encode("utf-8")


class DyspatchRemote:
    """A Dyspatch account (or any server of its API without tmplkit's own endpoints)."""

    kind = "dyspatch"

    def __init__(self, client: RemoteClient, local_name: str) -> None:
        self.client = client
        self.local_name = local_name
        self.items: dict[str, dict[str, Any]] = {}  # id -> the object as the list gave it
        # catalog id -> (the draft or block, its language) whose translations it gathers
        self.sources: dict[str, list[tuple[str, str]]] = {}
        self.warnings: list[str] = []

    @property
    def url(self) -> str:
        return self.client.url

    # -- listing --

    def entries(self) -> list[Entry]:
        out = self._folders()
        for item in self.client.pages("templates"):
            out.append(self._template(item))
        for item in self._drafts():
            out.append(self._draft(item))
        for item in self.client.pages("blocks"):
            out.append(self._entry("block", item, None))
        out += self._catalogs(out)
        return out

    def _entry(self, kind: str, item: Any, parent: str | None) -> Entry:
        if not isinstance(item, dict) or not valid_id(kind, item.get("id")):
            raise self.client.malformed(f"{kind}s", f"not a {kind}: {str(item)[:200]}")
        obj_id = item["id"]
        self.items[obj_id] = item
        name = text(item, "name") or obj_id
        return Entry(kind, obj_id, parent, checked_slug(item.get("slug")), name)

    def _folders(self) -> list[Entry]:
        """The workspaces, then each folder's subfolders (`GET /workspaces/{id}`), breadth
        first: the only way down Dyspatch's tree."""
        out = [self._entry("folder", item, None) for item in self.client.pages("workspaces")]
        queue = [e.id for e in out]
        seen = set(queue)
        while queue:
            folder_id = queue.pop(0)
            body = self.client.object(f"workspaces/{folder_id}")
            subfolders = body.get("subfolders") or []
            if not isinstance(subfolders, list):
                raise self.client.malformed(f"workspaces/{folder_id}", "bad subfolders")
            for item in subfolders:
                entry = self._entry("folder", item, folder_id)
                if entry.id not in seen:
                    seen.add(entry.id)
                    out.append(entry)
                    queue.append(entry.id)
        return out

    def _template(self, item: Any) -> Entry:
        """A template is in the folder `folderId` names (tmplkit's), else the last of its
        `path` (Dyspatch's folder ids from the workspace down)."""
        folder = item.get("folderId") if isinstance(item, dict) else None
        if not folder and isinstance(item, dict) and isinstance(item.get("path"), str):
            folder = item["path"].rstrip("/").rpartition("/")[2]
        if not valid_id("folder", folder):
            raise self.client.malformed("templates", f"no folder: {str(item)[:200]}")
        return self._entry("template", item, folder)

    def _drafts(self) -> list[Any]:
        """The drafts; and the archived ones where the server lists them (tmplkit's
        `status=ARCHIVED`: Dyspatch refuses that status, and has no archived drafts to give)."""
        drafts = list(self.client.pages("drafts"))
        try:
            drafts += list(self.client.pages("drafts", {"status": "ARCHIVED"}))
        except RemoteError as exc:
            if exc.status != 400:
                raise
        return drafts

    def _draft(self, item: Any) -> Entry:
        template = None
        if isinstance(item, dict):
            template = item.get("templateId") or item.get("template")
        if not valid_id("template", template):
            raise self.client.malformed("drafts", f"no template: {str(item)[:200]}")
        return self._entry("draft", item, template)

    def _catalogs(self, objects: list[Entry]) -> list[Entry]:
        """One catalog per template (or block) and language: the localizations of its drafts
        that are not archived (`GET /drafts/{id}/localizations`), of the block."""
        out: dict[str, Entry] = {}
        for entry in objects:
            if entry.kind == "draft" and not self.items[entry.id].get("archived"):
                owner, path = entry.parent, f"drafts/{entry.id}/localizations"
            elif entry.kind == "block":
                owner, path = entry.id, f"blocks/{entry.id}/localizations"
            else:
                continue
            assert owner is not None
            localizations = self.client.json(path)
            if not isinstance(localizations, list):
                raise self.client.malformed(path, "expected a list of localizations")
            for localization in localizations:
                languages = localization.get("languages") if isinstance(localization, dict) else []
                for language in languages if isinstance(languages, list) else []:
                    locale = checked_locale(language)
                    if locale is None:
                        self.warnings.append(f"{path}: skipped the language {language!r}")
                        continue
                    key = catalog_id(owner, locale)
                    self.sources.setdefault(key, []).append((entry.id, locale))
                    out.setdefault(key, Entry("catalog", key, owner, locale))
        return list(out.values())

    # -- files --

    def files(self, entry: Entry, slug: str) -> dict[str, bytes]:
        item = self.items.get(entry.id, {})
        where = Path(slug)
        # what a folder's and a block's records hold, from the API's object
        common: dict[str, Any] = {
            "id": entry.id,
            "name": entry.name,
            "slug": slug,
            "dir": where,
            "description": text(item, "description"),
            "created_at": stamp(item.get("createdAt")),
            "updated_at": stamp(item.get("updatedAt")),
        }
        if entry.kind == "folder":
            return {"folder.toml": toml_bytes(Folder(**common).to_toml())}
        if entry.kind == "template":
            return {"template.toml": toml_bytes(self._template_record(entry, item, where))}
        if entry.kind == "draft":
            return self._draft_files(entry, where)
        if entry.kind == "block":
            return {"block.toml": toml_bytes(Block(**common, origin=ORIGIN).to_toml())}
        return {CATALOG_FILE: self._catalog(entry)}

    def _template_record(self, entry: Entry, item: dict[str, Any], where: Path) -> dict[str, Any]:
        published = item.get("publishedDraftId")
        history = [
            PublishRecord(h["draftId"], h["publishedAt"])
            for h in item.get("history") or []
            if isinstance(h, dict)
            and valid_id("draft", h.get("draftId"))
            and isinstance(h.get("publishedAt"), str)
        ]
        template = Template(
            id=entry.id,
            name=entry.name,
            slug=where.name,
            dir=where,
            folder_id=entry.parent or "",
            path="",
            description=text(item, "description"),
            published_draft_id=published if valid_id("draft", published) else None,
            history=history,
            created_at=stamp(item.get("createdAt")),
            updated_at=stamp(item.get("updatedAt")),
        )
        return template.to_toml()

    def _draft_files(self, entry: Entry, where: Path) -> dict[str, bytes]:
        path = f"drafts/{entry.id}"
        body = self.client.object(path, {"targetLanguage": "jinja"})
        compiled = body.get("compiled")
        if not isinstance(compiled, dict):
            raise self.client.malformed(path, "no compiled code")
        parts = {}
        for field, filename in (("subject", "subject.j2"), ("html", "body.html.j2")):
            parts[filename] = self._decoded(path, compiled, field)
        if compiled.get("text"):
            parts["body.txt.j2"] = self._decoded(path, compiled, "text")
        status_value = text(body, "status") or text(self.items.get(entry.id, {}), "status")
        template = self.items.get(entry.parent or "", {})
        published = template.get("publishedDraftId") == entry.id
        draft = Draft(
            id=entry.id,
            name=text(body, "name") or entry.name,
            slug=where.name,
            dir=where,
            template_id=entry.parent or "",
            status=self._status(status_value, published),
            archived=bool(body.get("archived", self.items.get(entry.id, {}).get("archived"))),
            sender=text(compiled, "sender") or None,
            reply_to=text(compiled, "replyTo") or None,
            created_at=stamp(body.get("createdAt")),
            updated_at=stamp(body.get("updatedAt")),
            localizations=self._localizations(body.get("localizations")),
        )
        return {**parts, "draft.toml": toml_bytes(replace(draft, origin=ORIGIN).to_toml())}

    def _decoded(self, path: str, compiled: dict[str, Any], field: str) -> bytes:
        value = compiled.get(field) or ""
        try:
            data = base64.b64decode(value, validate=True) if isinstance(value, str) else None
        except (binascii.Error, ValueError):
            data = None
        if data is None:
            raise self.client.malformed(path, f"compiled.{field} is not Base64")
        return data

    @staticmethod
    def _status(value: str, published: bool) -> DraftStatus:
        if value in set(DraftStatus):
            return DraftStatus(value)
        if value in STATUSES:
            return STATUSES[value]
        return DraftStatus.PUBLISHED if published else DraftStatus.IN_PROGRESS

    @staticmethod
    def _localizations(value: Any) -> list[Localization]:
        out = []
        for item in value if isinstance(value, list) else []:
            if not isinstance(item, dict) or not valid_id("localization", item.get("id")):
                continue
            languages = [x for x in item.get("languages") or [] if checked_locale(x)]
            out.append(Localization(item["id"], text(item, "name"), languages))
        return out

    def _catalog(self, entry: Entry) -> bytes:
        """The translations of every draft (the published one first) or of the block, in one
        PO catalog dated by the newest of them: the same answers make the same bytes."""
        owner, locale = entry.parent or "", entry.slug or ""
        published = self.items.get(owner, {}).get("publishedDraftId")
        sources = sorted(self.sources.get(entry.id, []), key=lambda s: (s[0] != published, s[0]))
        owner_name = text(self.items.get(owner, {}), "name") or owner
        what = "block " if owner.startswith("blk_") else ""
        catalog = Catalog(locale=locale, project=f"{self.local_name}: {what}{owner_name}")
        newest = ""
        for source, language in sources:
            kind = "blocks" if source.startswith("blk_") else "drafts"
            path = f"{kind}/{source}/localizations/{language}/translations"
            data = self.client.data(path)
            try:
                translations = read_json(data, path, locale)
            except TmplkitError as exc:
                raise RemoteError(f"GET {self.url}/{path}: {exc}") from None
            for message in translations.messages.values():
                if message.plural == "":  # JSON has no msgid_plural: the msgid stands for it
                    message.plural = message.msgid
                if message.key not in catalog.messages:
                    catalog.add(message)
            newest = max(newest, stamp(self.items.get(source, {}).get("updatedAt")))
        when = (newest or "1970-01-01T00:00:00Z").replace("T", " ")[:16] + "+0000"
        catalog.metadata = {"POT-Creation-Date": when, "PO-Revision-Date": when}
        return po_text(catalog).encode("utf-8")
