"""The project's objects as Dyspatch's JSON objects (FolderRead, TemplateMetaRead, DraftRead,
LocalizationMetaRead, BlockRead, CompiledRead, TemplateRender), for one API version.

Each object carries, besides Dyspatch's fields, its `slug` (its directory's name), which
Dyspatch clients ignore and `tmplkit sync pull` uses.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from ..model import Block, Draft, Folder, Layout, Localization, Template
from .versions import COMPILED_VARIABLES, TAGS, Version


@dataclass(frozen=True)
class Shaper:
    """Writes objects for one request: its version, and the server's address for `url`s."""

    version: Version
    base_url: str  # "http://127.0.0.1:8787", no trailing slash

    def url(self, path: str) -> str:
        return self.base_url + path

    def _tagged(self, out: dict[str, Any]) -> dict[str, Any]:
        if self.version.since(TAGS):
            out["tags"] = []
        return out

    def folder(self, folder: Folder, subfolders: list[Folder] | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": folder.id,
            "name": folder.name,
            "description": folder.description,
            "url": self.url(f"/workspaces/{folder.id}"),
            "createdAt": folder.created_at,
            "updatedAt": folder.updated_at,
            "slug": folder.slug,
            "parentId": folder.parent_id,
        }
        if subfolders is not None:
            out["subfolders"] = [self.folder(f) for f in subfolders]
        return out

    def localization(self, loc: Localization, updated_at: str) -> dict[str, Any]:
        return {
            "id": loc.id,
            "name": loc.name,
            "url": self.url(f"/localizations/{loc.id}"),
            "localeGroup": "",
            "languages": list(loc.languages),
            "updatedAt": updated_at,
        }

    def localizations(self, owner: Draft | Block | None) -> list[dict[str, Any]]:
        if owner is None:
            return []
        return [self.localization(loc, owner.updated_at) for loc in owner.localizations]

    def template(self, template: Template, published: Draft | None) -> dict[str, Any]:
        """TemplateMetaRead: the localizations are its published draft's."""
        return self._tagged(
            {
                "id": template.id,
                "name": template.name,
                "description": template.description,
                "url": self.url(f"/templates/{template.id}"),
                "path": template.path,
                "workspaceId": template.workspace_id,
                "localizations": self.localizations(published),
                "createdAt": template.created_at,
                "updatedAt": template.updated_at,
                "publishedDraftId": template.published_draft_id,
                "slug": template.slug,
                "folderId": template.folder_id,
            }
        )

    def draft(self, draft: Draft, template: Template) -> dict[str, Any]:
        """DraftMetaRead (DraftRead adds `compiled` and `localizations`)."""
        return self._tagged(
            {
                "id": draft.id,
                "templateId": template.id,
                "template": template.id,
                "name": draft.name,
                "url": self.url(f"/drafts/{draft.id}"),
                "path": template.path,
                "workspaceId": template.workspace_id,
                "createdAt": draft.created_at,
                "updatedAt": draft.updated_at,
                "status": draft.state,  # ARCHIVED: tmplkit's, as are PUBLISHED
                "templateName": template.name,
                # tmplkit's one approval, when the draft was approved ("" if never)
                "designApprovedDate": next(
                    (h.published_at for h in template.history if h.draft_id == draft.id), ""
                ),
                "slug": draft.slug,
                "archived": draft.archived,
            }
        )

    def block(self, block: Block) -> dict[str, Any]:
        return self._tagged(
            {
                "id": block.id,
                "name": block.name,
                "description": block.description,
                "url": self.url(f"/blocks/{block.id}"),
                "createdAt": block.created_at,
                "updatedAt": block.updated_at,
                "slug": block.slug,
            }
        )

    def theme(self, layout: Layout) -> dict[str, Any]:
        """ThemeRead: a layout, as Dyspatch names the frame its templates are rendered in."""
        return {
            "id": layout.id,
            "name": layout.name,
            "description": layout.description,
            "url": self.url(f"/themes/{layout.id}"),
            "createdAt": layout.created_at,
            "updatedAt": layout.updated_at,
        }

    def compiled(self, parts: dict[str, Any]) -> dict[str, Any]:
        """CompiledRead from a compiled template's JSON (tmplkit.compiler.Compiled.to_json):
        the code Base64-encoded, as every version of Dyspatch's API gives it."""
        out: dict[str, Any] = {
            "sender": parts.get("sender") or "",
            "replyTo": parts.get("replyTo") or "",
            "subject": b64(parts.get("subject")),
            "html": b64(parts.get("html")),
            "ampHtml": "",
            "text": b64(parts.get("text")),
        }
        if self.version.since(COMPILED_VARIABLES):
            out["variables"] = list(parts.get("variables") or [])
        return out

    def page(self, items: list[dict[str, Any]], next_cursor: str | None) -> dict[str, Any]:
        cursor: dict[str, Any] = {"hasMore": next_cursor is not None}
        if next_cursor is not None:
            cursor["next"] = next_cursor
        return {"cursor": cursor, "data": items}


def b64(text: str | None) -> str:
    return base64.b64encode((text or "").encode("utf-8")).decode("ascii")
