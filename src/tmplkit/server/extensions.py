"""tmplkit's own endpoints: what `tmplkit sync pull` needs and Dyspatch's API has no endpoint
for. Dyspatch gives compiled code; these give each object's files byte for byte (its record,
its template sources, its sample data, its catalogs), with the digest `sync` compares.

- `GET /project`: the project's settings (tmplkit.toml but [handoff]);
- `GET /sources`: every folder, template, draft and block: kind, id, parent, slug, digest;
- `GET /folders|templates|drafts|blocks/{id}/source`: one object's files, Base64;
- `GET /catalogs`: every catalog: owner, locale, digest;
- `GET /templates|blocks/{id}/catalogs/{languageId}`: one catalog, the PO file as stored.

Every id is checked against its kind's pattern and every language against its BCP 47 normal
form before anything is looked up; files are read through the store (object_files, the
index), which refuses a path out of the project. The app mounts these routes behind the same
key, rate limit and version checks as Dyspatch's (create_app, `extensions=True`).
docs/server.md ("tmplkit's own endpoints") documents them.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..errors import LocaleError
from ..langtags import normalize
from ..store import Project
from ..store.imports import ID_PATTERNS, object_files
from ..sync.entries import Entry, local_entries, local_entry, settings_fields, with_digest
from .common import page_after
from .errors import invalid_parameter, not_found
from .versions import LATEST

PAGE_SIZE = 500  # an index is small: a few requests list a large project
GETTEXT = "text/x-gettext-translation; charset=utf-8"

# The path parameter of each kind, as Dyspatch's endpoints name it.
PARAMETERS = {
    "folder": "folderId",
    "template": "templateId",
    "draft": "draftId",
    "block": "blockId",
}
# A cursor: the last key of the page before (an id; a catalog's `OWNER/LOCALE`), Base64url.
KEY_RE = re.compile(r"^(fdr|tem|tdft|blk)_[0-9a-z]{1,64}(/[A-Za-z0-9-]{2,40})?$")


def project_of(request: Request) -> Project:
    project: Project = request.app.state.project
    return project


def checked_id(request: Request, kind: str) -> str:
    name = PARAMETERS[kind]
    value: str = request.path_params[name]
    if not ID_PATTERNS[kind].fullmatch(value):
        prefix = ID_PATTERNS[kind].pattern.split("_")[0]
        raise invalid_parameter(name, f"{value!r} is not a {prefix}_… id")
    return value


def checked_language(request: Request) -> str:
    value: str = request.path_params["languageId"]
    try:
        ok = normalize(value) == value
    except LocaleError:
        ok = False
    if not ok:
        raise invalid_parameter(
            "languageId", f"{value!r} is not a language id in its normal form (like fr-FR)"
        )
    return value


def paginated(request: Request, entries: list[Entry]) -> dict[str, Any]:
    """A page of `entries` after the request's cursor, sorted by id, each with its digest (of
    the page's alone), as Dyspatch's lists are: `{"cursor": {"next", "hasMore"}, "data"}`."""
    chunk, after = page_after(
        entries,
        lambda e: e.id,
        request.query_params.get("cursor"),
        size=PAGE_SIZE,
        pattern=KEY_RE,
    )
    page: dict[str, Any] = {"hasMore": after is not None}
    if after is not None:
        page["next"] = after
    project = project_of(request)
    return {"cursor": page, "data": [shaped(with_digest(project, e)) for e in chunk]}


def shaped(entry: Entry) -> dict[str, Any]:
    if entry.kind == "catalog":
        return {
            "ownerId": entry.parent,
            "locale": entry.slug,
            "path": entry.path,
            "sha256": entry.digest,
        }
    return {
        "kind": entry.kind,
        "id": entry.id,
        "parentId": entry.parent,
        "slug": entry.slug,
        "name": entry.name,
        "sha256": entry.digest,
    }


# -- the endpoints --


def project_settings(request: Request) -> dict[str, Any]:
    """GET /project: the settings a pull takes (tmplkit.toml, without [handoff])."""
    return settings_fields(project_of(request).settings)


def sources(request: Request) -> dict[str, Any]:
    """GET /sources: every folder, template, draft and block, with its digest."""
    entries = local_entries(project_of(request), digests=False).values()
    return paginated(request, [e for e in entries if e.kind in PARAMETERS])


def catalogs(request: Request) -> dict[str, Any]:
    """GET /catalogs: every catalog of a template or block, with its digest."""
    entries = local_entries(project_of(request), digests=False).values()
    return paginated(request, [e for e in entries if e.kind == "catalog"])


def source_of(kind: str) -> Callable[[Request], dict[str, Any]]:
    """GET /KIND/{id}/source: an object's files, Base64, with where it is and its digest."""

    def source(request: Request) -> dict[str, Any]:
        obj_id = checked_id(request, kind)
        project = project_of(request)
        entry = local_entry(project, kind, obj_id)
        if entry is None:
            raise not_found(f"no {kind} {obj_id!r}", PARAMETERS[kind])
        files = object_files(project, kind, project.root / entry.path)
        encoded = {name: base64.b64encode(data).decode("ascii") for name, data in files.items()}
        return {**shaped(with_digest(project, entry)), "files": encoded}

    source.__name__ = f"{kind}_source"
    return source


def catalog_of(kind: str) -> Callable[[Request], Response]:
    """GET /templates|blocks/{id}/catalogs/{languageId}: the PO file as stored."""

    def catalog(request: Request) -> Response:
        obj_id = checked_id(request, kind)
        language = checked_language(request)
        project = project_of(request)
        entry = local_entry(project, "catalog", f"{obj_id}/{language}")
        if entry is None:
            raise not_found(f"{kind} {obj_id} has no catalog {language}", "languageId")
        data = project.confine(project.root / entry.path).read_bytes()
        return Response(data, media_type=GETTEXT)

    catalog.__name__ = f"{kind}_catalog"
    return catalog


ROUTES: list[Route] = [
    Route("/project", project_settings, methods=["GET"]),
    Route("/sources", sources, methods=["GET"]),
    Route("/catalogs", catalogs, methods=["GET"]),
    *(Route(f"/{k}s/{{{p}}}/source", source_of(k), methods=["GET"]) for k, p in PARAMETERS.items()),
    *(
        Route(f"/{k}s/{{{PARAMETERS[k]}}}/catalogs/{{languageId}}", catalog_of(k), methods=["GET"])
        for k in ("template", "block")
    ),
]


# -- their OpenAPI operations, as openapi.OPERATIONS lists them --


def _answer(schema: dict[str, Any], media: str = f"application/vnd.dyspatch.{LATEST}+json") -> Any:
    return {"description": "OK", "content": {media: {"schema": schema}}}


def _object(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties}


_STRING = {"type": "string"}
_NULLABLE = {"type": ["string", "null"]}
_SHA256 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
_SOURCE = _object(
    kind=_STRING, id=_STRING, parentId=_NULLABLE, slug=_STRING, name=_STRING, sha256=_SHA256
)
_CATALOG = _object(ownerId=_STRING, locale=_STRING, path=_STRING, sha256=_SHA256)


def _page(item: dict[str, Any]) -> dict[str, Any]:
    cursor = {"$ref": "#/components/schemas/cursor"}
    return _object(cursor=cursor, data={"type": "array", "items": item})


_FILES = {"type": "object", "additionalProperties": {"type": "string", "format": "byte"}}
OPERATIONS: list[tuple[str, str, str, str, list[str], object, str, object]] = [
    (
        "get",
        "/project",
        "getProjectSettings",
        "tmplkit: the project's settings",
        [],
        None,
        "200",
        _answer(
            _object(
                name=_STRING,
                sourceLocale=_STRING,
                locales={"type": "array", "items": _STRING},
                sender=_NULLABLE,
                replyTo=_NULLABLE,
            )
        ),
    ),
    (
        "get",
        "/sources",
        "listSources",
        f"tmplkit: every folder, template, draft and block, with its digest ({PAGE_SIZE} a page)",
        ["cursor"],
        None,
        "200",
        _answer(_page(_SOURCE)),
    ),
    (
        "get",
        "/catalogs",
        "listCatalogs",
        f"tmplkit: every catalog, with its digest ({PAGE_SIZE} a page)",
        ["cursor"],
        None,
        "200",
        _answer(_page(_CATALOG)),
    ),
    *(
        (
            "get",
            f"/{kind}s/{{{parameter}}}/source",
            f"get{kind.title()}Source",
            f"tmplkit: a {kind}'s files, Base64",
            [parameter],
            None,
            "200",
            _answer({**_SOURCE, "properties": {**_SOURCE["properties"], "files": _FILES}}),
        )
        for kind, parameter in PARAMETERS.items()
    ),
    *(
        (
            "get",
            f"/{kind}s/{{{PARAMETERS[kind]}}}/catalogs/{{languageId}}",
            f"get{kind.title()}Catalog",
            f"tmplkit: a {kind}'s catalog of a language, the PO file as stored",
            [PARAMETERS[kind], "languageId"],
            None,
            "200",
            _answer(_STRING, "text/x-gettext-translation"),
        )
        for kind in ("template", "block")
    ),
]
