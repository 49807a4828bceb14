"""The two kinds of remote a project pulls from, behind one interface (`Remote`): a tmplkit
server, whose own endpoints give each object's files byte for byte with its digest, and a
Dyspatch account (sync/dyspatch.py), whose API gives compiled code.

`open_remote` tells them apart by `GET /project`, tmplkit's own endpoint: a Dyspatch account
answers it 404. Everything a remote says is checked before it names a file: ids against
their kind's pattern, slugs as the store checks them, locales in their BCP 47 normal form,
file names against the kind's list (store.imports).
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any, Protocol, Unpack

from ..handoff.http import HttpHooks
from ..store.imports import KIND_FILES, valid_id
from .client import RemoteClient
from .dyspatch import DyspatchRemote
from .entries import (
    CATALOG_FILE,
    SETTINGS_ID,
    Entry,
    catalog_id,
    checked_locale,
    checked_slug,
    settings_digest,
)

SHA256_RE = re.compile(r"[0-9a-f]{64}")
# The kind of each object's parent; None: it has none (a block), or may have none (a
# workspace is a folder without a parent).
PARENT_KINDS = {"folder": "folder", "template": "folder", "draft": "template", "block": None}


class Remote(Protocol):
    """A project to pull from: its objects (`entries`), and the files of one of them."""

    client: RemoteClient
    kind: str  # "tmplkit" or "dyspatch"

    @property
    def url(self) -> str: ...

    def entries(self) -> list[Entry]:
        """Every object the remote has, in any order; the settings as kind "settings" (its
        fields in `extra["fields"]`) when the remote has them."""
        ...

    def files(self, entry: Entry, slug: str) -> dict[str, bytes]:
        """The files of the object, as the store keeps them in its directory (a catalog:
        {"catalog.po": …}), with `slug` its directory's name here."""
        ...


class ServedRemote:
    """A project served by `tmplkit serve`: its objects listed with their digests by
    `GET /sources` and `GET /catalogs`, their files by `GET /KIND/{id}/source` and
    `GET /templates|blocks/{id}/catalogs/{languageId}` (docs/server.md, "tmplkit's own
    endpoints")."""

    kind = "tmplkit"

    def __init__(self, client: RemoteClient, settings: dict[str, Any]) -> None:
        self.client = client
        self.settings = settings

    @property
    def url(self) -> str:
        return self.client.url

    def entries(self) -> list[Entry]:
        out = [self._settings_entry()]
        for item in self.client.pages("sources"):
            out.append(self._object(item))
        for item in self.client.pages("catalogs"):
            out.append(self._catalog(item))
        return out

    def _bad(self, path: str, item: Any, why: str) -> Exception:
        return self.client.malformed(path, f"{why}: {str(item)[:200]}")

    def _settings_entry(self) -> Entry:
        s = self.settings
        locales = s.get("locales")
        fields = {
            "name": s.get("name"),
            "sourceLocale": s.get("sourceLocale"),
            "locales": locales,
            "sender": s.get("sender") or None,  # as tmplkit.toml keeps them: "" is none
            "replyTo": s.get("replyTo") or None,
        }
        good = (
            isinstance(fields["name"], str)
            and checked_locale(fields["sourceLocale"]) is not None
            and isinstance(locales, list)
            and all(checked_locale(x) is not None for x in locales)
            and all(fields[k] is None or isinstance(fields[k], str) for k in ("sender", "replyTo"))
        )
        if not good:
            raise self._bad("project", s, "expected the project's settings")
        return Entry(
            "settings",
            SETTINGS_ID,
            None,
            None,
            SETTINGS_ID,
            settings_digest(fields),
            extra={"fields": fields},
        )

    def _object(self, item: Any) -> Entry:
        if not isinstance(item, dict):
            raise self._bad("sources", item, "expected an object")
        kind, obj_id, parent = item.get("kind"), item.get("id"), item.get("parentId")
        if kind not in PARENT_KINDS or not isinstance(obj_id, str) or not valid_id(kind, obj_id):
            raise self._bad("sources", item, "unknown kind or id")
        parent_kind = PARENT_KINDS[kind]
        if parent is not None and (parent_kind is None or not valid_id(parent_kind, parent)):
            raise self._bad("sources", item, "bad parentId")
        if parent is None and kind in ("template", "draft"):
            raise self._bad("sources", item, "no parentId")
        slug, digest = checked_slug(item.get("slug")), item.get("sha256")
        if slug is None or not isinstance(digest, str) or not SHA256_RE.fullmatch(digest):
            raise self._bad("sources", item, "bad slug or sha256")
        name = item.get("name")
        return Entry(kind, obj_id, parent, slug, name if isinstance(name, str) else "", digest)

    def _catalog(self, item: Any) -> Entry:
        if not isinstance(item, dict):
            raise self._bad("catalogs", item, "expected an object")
        owner, locale = item.get("ownerId"), checked_locale(item.get("locale"))
        digest = item.get("sha256")
        if not isinstance(owner, str) or locale is None:
            raise self._bad("catalogs", item, "bad ownerId or locale")
        if not (valid_id("template", owner) or valid_id("block", owner)):
            raise self._bad("catalogs", item, "bad ownerId or locale")
        if not isinstance(digest, str) or not SHA256_RE.fullmatch(digest):
            raise self._bad("catalogs", item, "bad sha256")
        return Entry("catalog", catalog_id(owner, locale), owner, locale, "", digest)

    def files(self, entry: Entry, slug: str) -> dict[str, bytes]:
        if entry.kind == "catalog":
            owner = "blocks" if (entry.parent or "").startswith("blk_") else "templates"
            path = f"{owner}/{entry.parent}/catalogs/{entry.slug}"
            return {CATALOG_FILE: self.client.data(path)}
        path = f"{entry.kind}s/{entry.id}/source"
        body = self.client.object(path)
        files = body.get("files")
        if not isinstance(files, dict):
            raise self._bad(path, body, "expected {files}")
        out = {}
        for name, encoded in files.items():
            if name not in KIND_FILES[entry.kind] or not isinstance(encoded, str):
                raise self._bad(path, name, "unexpected file")
            try:
                out[name] = base64.b64decode(encoded, validate=True)
            except (binascii.Error, ValueError):
                raise self._bad(path, name, "not Base64") from None
        return out


def open_remote(url: str, key: str, local_name: str, **hooks: Unpack[HttpHooks]) -> Remote:
    """The remote at `url`: a tmplkit server when it answers `GET /project`, else a Dyspatch
    account. `local_name`: the project's name, which the catalogs made from Dyspatch's
    translations carry."""
    client = RemoteClient(url, key, **hooks)
    try:
        settings = client.optional_json("project")
        if settings is None:
            return DyspatchRemote(client, local_name)
        if not isinstance(settings, dict):
            raise client.malformed("project", "expected the project's settings")
        return ServedRemote(client, settings)
    except BaseException:
        client.close()
        raise
