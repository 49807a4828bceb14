"""The OpenAPI 3.1 document of what `tmplkit serve` serves (`GET /openapi.json`): Dyspatch's
e-mail endpoints as docs/server.md describes them, and tmplkit's own (extensions.py)."""

from __future__ import annotations

from typing import Any

from .common import ID_KINDS, LANGUAGE_RE, PAGE_SIZE, TARGET_LANGUAGES
from .drafts import STATUS_FILTERS
from .errors import CODES
from .templates import MAX_RECIPIENTS
from .versions import LATEST

JSON_TYPE = f"application/vnd.dyspatch.{LATEST}+json"
GETTEXT = "text/x-gettext-translation"
POT = f"text/vnd.dyspatch.{LATEST}+x-gettext-translation"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _string(**more: Any) -> dict[str, Any]:
    return {"type": "string", **more}


NULLABLE_STRING = {"type": ["string", "null"]}
TAGS = {"type": "array", "items": {"type": "object"}, "maxItems": 0}

SCHEMAS: dict[str, Any] = {
    "APIError": {
        "type": "object",
        "required": ["code", "message"],
        "properties": {
            "code": _string(enum=list(CODES)),
            "message": _string(),
            "parameter": _string(),
        },
    },
    "cursor": {
        "type": "object",
        "required": ["hasMore"],
        "properties": {"next": _string(), "hasMore": {"type": "boolean"}},
    },
    "FolderRead": {
        "type": "object",
        "required": ["id", "name", "url", "createdAt", "updatedAt"],
        "properties": {
            "id": _string(pattern="^fdr_"),
            "name": _string(),
            "description": _string(),
            "url": _string(),
            "createdAt": _string(),
            "updatedAt": _string(),
            "slug": _string(),
            "parentId": NULLABLE_STRING,
        },
    },
    "LocalizationMetaRead": {
        "type": "object",
        "required": ["id", "name", "languages"],
        "properties": {
            "id": _string(pattern="^loc_"),
            "name": _string(),
            "url": _string(),
            "localeGroup": _string(),
            "languages": {"type": "array", "items": _string()},
            "updatedAt": _string(),
        },
    },
    "CompiledRead": {
        "type": "object",
        "required": ["subject", "html", "text"],
        "properties": {
            "sender": _string(),
            "replyTo": _string(),
            "subject": _string(format="byte"),
            "html": _string(format="byte"),
            "ampHtml": _string(format="byte"),
            "text": _string(format="byte"),
            "variables": {"type": "array", "items": _string()},
        },
    },
    "TemplateMetaRead": {
        "type": "object",
        "required": ["id", "name", "url", "path", "workspaceId", "localizations"],
        "properties": {
            "id": _string(pattern="^tem_"),
            "name": _string(),
            "description": _string(),
            "url": _string(),
            "path": _string(),
            "workspaceId": _string(),
            "localizations": {"type": "array", "items": _ref("LocalizationMetaRead")},
            "createdAt": _string(),
            "updatedAt": _string(),
            "publishedDraftId": NULLABLE_STRING,
            "tags": TAGS,
            "slug": _string(),
            "folderId": _string(),
        },
    },
    "DraftMetaRead": {
        "type": "object",
        "required": ["id", "templateId", "name", "url", "status"],
        "properties": {
            "id": _string(pattern="^tdft_"),
            "templateId": _string(),
            "template": _string(),
            "name": _string(),
            "url": _string(),
            "path": _string(),
            "workspaceId": _string(),
            "createdAt": _string(),
            "updatedAt": _string(),
            "status": _string(enum=sorted(set(STATUS_FILTERS.values()))),
            "templateName": _string(),
            "designApprovedDate": _string(),
            "tags": TAGS,
            "slug": _string(),
            "archived": {"type": "boolean"},
        },
    },
    "BlockRead": {
        "type": "object",
        "required": ["id", "name", "url"],
        "properties": {
            "id": _string(pattern="^blk_"),
            "name": _string(),
            "description": _string(),
            "url": _string(),
            "createdAt": _string(),
            "updatedAt": _string(),
            "tags": TAGS,
            "slug": _string(),
        },
    },
    "ThemeRead": {
        "type": "object",
        "description": "A theme: a tmplkit layout (layouts/<slug>/)",
        "required": ["id", "name", "url"],
        "properties": {
            "id": _string(pattern="^lay_"),
            "name": _string(),
            "description": _string(),
            "url": _string(),
            "createdAt": _string(),
            "updatedAt": _string(),
        },
    },
    "LocalizationRead": {
        "type": "object",
        "required": ["id", "languages", "template", "compiled", "name"],
        "properties": {
            "id": _string(pattern="^loc_"),
            "languages": {"type": "array", "items": _string()},
            "url": _string(),
            "template": _string(),
            "compiled": _ref("CompiledRead"),
            "createdAt": _string(),
            "updatedAt": _string(),
            "name": _string(),
            "localeGroup": _string(),
        },
    },
    "TemplateRender": {
        "type": "object",
        "required": ["html", "text", "subject"],
        "properties": {
            name: _string() for name in ("html", "ampHtml", "text", "subject", "sender", "replyTo")
        },
    },
    "LocalizationKeyRead": {
        "type": "object",
        "required": ["key", "comment"],
        "properties": {
            "key": _string(),
            "comment": _string(),
            "context": _string(),
            "plural": _string(),
        },
    },
    "Translations": {
        "type": "object",
        "additionalProperties": {
            "oneOf": [_string(), {"type": "array", "items": _string()}],
        },
    },
}


def _page(item: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["cursor", "data"],
        "properties": {
            "cursor": _ref("cursor"),
            "data": {"type": "array", "maxItems": PAGE_SIZE, "items": _ref(item)},
        },
    }


SCHEMAS["FolderList"] = {
    **SCHEMAS["FolderRead"],
    "properties": {
        **SCHEMAS["FolderRead"]["properties"],
        "subfolders": {"type": "array", "items": _ref("FolderRead")},
    },
}
SCHEMAS["TemplateRead"] = {
    **SCHEMAS["TemplateMetaRead"],
    "properties": {**SCHEMAS["TemplateMetaRead"]["properties"], "compiled": _ref("CompiledRead")},
}
SCHEMAS["DraftRead"] = {
    **SCHEMAS["DraftMetaRead"],
    "properties": {
        **SCHEMAS["DraftMetaRead"]["properties"],
        "compiled": _ref("CompiledRead"),
        "localizations": {"type": "array", "items": _ref("LocalizationMetaRead")},
    },
}
SCHEMAS["WorkspacesRead"] = _page("FolderRead")
SCHEMAS["TemplatesRead"] = _page("TemplateMetaRead")
SCHEMAS["DraftsRead"] = _page("DraftMetaRead")
SCHEMAS["BlocksRead"] = _page("BlockRead")
SCHEMAS["ThemesRead"] = _page("ThemeRead")
SCHEMAS["BatchRender"] = {
    "type": "object",
    "required": ["data"],
    "properties": {
        "data": {
            "type": "array",
            "items": {
                "oneOf": [
                    _ref("TemplateRender"),
                    {
                        "type": "object",
                        "required": ["error"],
                        "properties": {"error": _ref("APIError")},
                    },
                ]
            },
        }
    },
}

PARAMETERS: dict[str, Any] = {
    "version": {
        "in": "header",
        "name": "Accept",
        "required": False,
        "description": "The API version: application/vnd.dyspatch.YYYY.MM+json (default: the "
        f"latest, {LATEST}).",
        "schema": _string(),
    },
    "cursor": {"in": "query", "name": "cursor", "required": False, "schema": _string()},
    "targetLanguage": {
        "in": "query",
        "name": "targetLanguage",
        "required": True,
        "schema": _string(enum=list(TARGET_LANGUAGES)),
    },
    "languageId": {
        "in": "path",
        "name": "languageId",
        "required": True,
        "description": "A BCP 47 language id (en-US, zh-Hans-CN, es-419)",
        "schema": _string(pattern=LANGUAGE_RE.pattern),
    },
}


def _id_schema(name: str) -> dict[str, Any]:
    return _string(pattern=f"^{ID_KINDS[name]}_[0-9a-z]{{1,64}}$")


for _name in ID_KINDS:
    PARAMETERS[_name] = {"in": "path", "name": _name, "required": True, "schema": _id_schema(_name)}

ERROR = {"*/*": {"schema": _ref("APIError")}}
RATE_HEADER = {"X-RateLimit-Remaining": {"schema": {"type": "integer"}}}
ERRORS = {
    "400": {"description": "Invalid request", "content": ERROR},
    "401": {"description": "Unauthenticated", "content": ERROR},
    "403": {"description": "Prohibited action", "content": ERROR},
    "404": {"description": "Not found", "content": ERROR},
    "405": {"description": "Method not allowed", "content": ERROR},
    "413": {"description": "Body too large", "content": ERROR},
    "429": {"description": "Rate limited", "content": ERROR, "headers": RATE_HEADER},
    "500": {"description": "Server error", "content": ERROR},
}


def _json(schema: str | dict[str, Any]) -> dict[str, Any]:
    body = _ref(schema) if isinstance(schema, str) else schema
    return {"description": "OK", "content": {JSON_TYPE: {"schema": body}}}


NO_BODY = {"description": "Done"}
KEYS = {
    "description": "The strings to translate, or the POT file",
    "content": {
        JSON_TYPE: {"schema": {"type": "array", "items": _ref("LocalizationKeyRead")}},
        POT: {"schema": _string()},
    },
}
TRANSLATIONS = {
    "description": "The translations, or the PO file",
    "content": {JSON_TYPE: {"schema": _ref("Translations")}, GETTEXT: {"schema": _string()}},
}
TRANSLATIONS_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": _ref("Translations")},
        GETTEXT: {"schema": _string()},
    },
}
NAME_BODY = {
    "required": False,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {"name": _string(minLength=1, pattern=r"\S")},
            }
        }
    },
}
BATCH_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["recipients"],
                "properties": {
                    "recipients": {
                        "type": "array",
                        "minItems": 1,
                        "maxItems": MAX_RECIPIENTS,
                        "items": {"type": "object"},
                    }
                },
            }
        }
    },
}
RENDER_BODY = {
    "required": False,
    "content": {"application/json": {"schema": {"type": "object"}}},
}

# (method, path, operationId, summary, parameters, request body, success status, success answer)
OPERATIONS: list[tuple[str, str, str, str, list[str], Any, str, Any]] = [
    (
        "get",
        "/workspaces",
        "listWorkspaces",
        "List workspaces",
        ["cursor"],
        None,
        "200",
        _json("WorkspacesRead"),
    ),
    (
        "get",
        "/workspaces/{folderId}",
        "listFolder",
        "A folder and its subfolders",
        ["folderId"],
        None,
        "200",
        _json("FolderList"),
    ),
    (
        "get",
        "/templates",
        "getTemplates",
        "List templates",
        ["cursor", "name", "folderId?", "workspaceId?"],
        None,
        "200",
        _json("TemplatesRead"),
    ),
    (
        "get",
        "/templates/{templateId}",
        "getTemplateById",
        "A template, compiled",
        ["templateId", "targetLanguage"],
        None,
        "200",
        _json("TemplateRead"),
    ),
    (
        "post",
        "/render/template/{templateId}",
        "renderTemplate",
        "Render a template",
        ["templateId"],
        RENDER_BODY,
        "200",
        _json("TemplateRender"),
    ),
    (
        "post",
        "/render/template/{templateId}/{languageId}",
        "renderTemplateByLCID",
        "Render a template in a language",
        ["templateId", "languageId"],
        RENDER_BODY,
        "200",
        _json("TemplateRender"),
    ),
    (
        "post",
        "/render/batch/template/{templateId}",
        "renderTemplateBatch",
        "tmplkit's own: render a template for each of many recipients",
        ["templateId"],
        BATCH_BODY,
        "200",
        _json("BatchRender"),
    ),
    (
        "post",
        "/render/batch/template/{templateId}/{languageId}",
        "renderTemplateBatchByLCID",
        "tmplkit's own: render a template in a language for each of many recipients",
        ["templateId", "languageId"],
        BATCH_BODY,
        "200",
        _json("BatchRender"),
    ),
    (
        "get",
        "/drafts",
        "getDrafts",
        "List drafts",
        ["cursor", "status", "templateId?"],
        None,
        "200",
        _json("DraftsRead"),
    ),
    (
        "get",
        "/drafts/{draftId}",
        "getDraftById",
        "A draft, compiled",
        ["draftId", "targetLanguage"],
        None,
        "200",
        _json("DraftRead"),
    ),
    (
        "delete",
        "/drafts/{draftId}",
        "archiveDraft",
        "Archive a draft",
        ["draftId"],
        None,
        "204",
        NO_BODY,
    ),
    (
        "post",
        "/drafts/{draftId}/publishRequest",
        "submitDraftForApproval",
        "Submit a draft for approval",
        ["draftId"],
        None,
        "200",
        NO_BODY,
    ),
    (
        "post",
        "/drafts/{draftId}/publish/approve",
        "approveDraft",
        "Approve a draft",
        ["draftId"],
        None,
        "200",
        NO_BODY,
    ),
    (
        "post",
        "/drafts/{draftId}/publish/approveAll",
        "approveDraftForAll",
        "Approve a draft for every reviewer",
        ["draftId"],
        None,
        "200",
        NO_BODY,
    ),
    (
        "post",
        "/drafts/{draftId}/publish/reject",
        "rejectDraft",
        "Reject a draft",
        ["draftId"],
        {"required": False, "content": {"text/plain": {"schema": _string()}}},
        "200",
        NO_BODY,
    ),
    (
        "post",
        "/drafts/{draftId}/duplicate",
        "duplicateDraft",
        "Duplicate a draft",
        ["draftId"],
        {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["name"],
                        "properties": {"name": _string()},
                    }
                }
            },
        },
        "200",
        {
            "description": "The new draft",
            "content": {
                JSON_TYPE: {
                    "schema": {
                        "type": "object",
                        "required": ["id"],
                        "properties": {"id": _string()},
                    }
                }
            },
        },
    ),
    (
        "put",
        "/drafts/{draftId}/lockForTranslation",
        "lockDraftForTranslation",
        "Lock a draft for translation",
        ["draftId"],
        None,
        "204",
        NO_BODY,
    ),
    (
        "delete",
        "/drafts/{draftId}/lockForTranslation",
        "unlockDraftForTranslation",
        "Unlock a draft",
        ["draftId"],
        None,
        "204",
        NO_BODY,
    ),
    (
        "get",
        "/drafts/{draftId}/localizations",
        "getLocalizationForDraft",
        "A draft's localizations",
        ["draftId"],
        None,
        "200",
        _json({"type": "array", "items": _ref("LocalizationMetaRead")}),
    ),
    (
        "put",
        "/drafts/{draftId}/localizations/{languageId}",
        "saveLocalization",
        "Add or rename a draft's localization",
        ["draftId", "languageId"],
        NAME_BODY,
        "200",
        NO_BODY,
    ),
    (
        "delete",
        "/drafts/{draftId}/localizations/{languageId}",
        "deleteLocalization",
        "Remove a draft's localization",
        ["draftId", "languageId"],
        None,
        "200",
        NO_BODY,
    ),
    (
        "get",
        "/drafts/{draftId}/localizations/{languageId}/translations",
        "getTranslations",
        "A draft's translations",
        ["draftId", "languageId"],
        None,
        "200",
        TRANSLATIONS,
    ),
    (
        "put",
        "/drafts/{draftId}/localizations/{languageId}/translations",
        "setTranslation",
        "Replace a draft's translations",
        ["draftId", "languageId"],
        TRANSLATIONS_BODY,
        "200",
        NO_BODY,
    ),
    (
        "get",
        "/drafts/{draftId}/localizationKeys",
        "getDraftLocalizationKeys",
        "A draft's strings to translate",
        ["draftId"],
        None,
        "200",
        KEYS,
    ),
    (
        "get",
        "/localizations/{localizationId}",
        "getPublishedLocalizationById",
        "A published localization, compiled",
        ["localizationId", "targetLanguage"],
        None,
        "200",
        _json("LocalizationRead"),
    ),
    (
        "get",
        "/localizations/{localizationId}/drafts/{draftId}",
        "getDraftLocalizationById",
        "A draft's localization, compiled",
        ["localizationId", "draftId", "targetLanguage"],
        None,
        "200",
        _json("LocalizationRead"),
    ),
    (
        "get",
        "/themes",
        "getThemes",
        "List themes (layouts)",
        ["cursor"],
        None,
        "200",
        _json("ThemesRead"),
    ),
    (
        "get",
        "/themes/{themeId}",
        "getTheme",
        "A theme (a layout)",
        ["themeId"],
        None,
        "200",
        _json("ThemeRead"),
    ),
    ("get", "/blocks", "getBlocks", "List blocks", ["cursor"], None, "200", _json("BlocksRead")),
    (
        "get",
        "/blocks/{blockId}",
        "getBlock",
        "A block",
        ["blockId"],
        None,
        "200",
        _json("BlockRead"),
    ),
    (
        "get",
        "/blocks/{blockId}/localizations",
        "getLocalizationsForBlock",
        "A block's localizations",
        ["blockId"],
        None,
        "200",
        _json({"type": "array", "items": _ref("LocalizationMetaRead")}),
    ),
    (
        "get",
        "/blocks/{blockId}/localizationKeys",
        "getBlockLocalizationKeys",
        "A block's strings to translate",
        ["blockId"],
        None,
        "200",
        KEYS,
    ),
    (
        "put",
        "/blocks/{blockId}/localizations/{languageId}",
        "saveBlockLocalization",
        "Add or rename a block's localization",
        ["blockId", "languageId"],
        NAME_BODY,
        "200",
        NO_BODY,
    ),
    (
        "delete",
        "/blocks/{blockId}/localizations/{languageId}",
        "deleteBlockLocalization",
        "Remove a block's localization",
        ["blockId", "languageId"],
        None,
        "200",
        NO_BODY,
    ),
    (
        "get",
        "/blocks/{blockId}/localizations/{languageId}/translations",
        "getBlockTranslations",
        "A block's translations",
        ["blockId", "languageId"],
        None,
        "200",
        TRANSLATIONS,
    ),
    (
        "put",
        "/blocks/{blockId}/localizations/{languageId}/translations",
        "setBlockTranslations",
        "Replace a block's translations",
        ["blockId", "languageId"],
        TRANSLATIONS_BODY,
        "200",
        NO_BODY,
    ),
]


def _parameter(name: str) -> dict[str, Any]:
    if name in PARAMETERS and not name.endswith("?"):
        return {"$ref": f"#/components/parameters/{name}"}
    query = name.rstrip("?")
    if query == "status":
        schema = _string(enum=list(STATUS_FILTERS))
    elif query in ID_KINDS:
        schema = _id_schema(query)
    elif query == "workspaceId":
        schema = _id_schema("folderId")
    else:
        schema = _string()
    return {"in": "query", "name": query, "required": False, "schema": schema}


def openapi_document(base_url: str, extensions: bool = True) -> dict[str, Any]:
    """The document, with `base_url` as its server."""
    paths: dict[str, Any] = {}
    operations = list(OPERATIONS)
    if extensions:
        from .extensions import OPERATIONS as MORE

        operations += MORE
    for method, path, op_id, summary, params, body, status, answer in operations:
        operation: dict[str, Any] = {
            "operationId": op_id,
            "summary": summary,
            "security": [{"Bearer": []}],
            "parameters": [
                *(_parameter(p) for p in params),
                {"$ref": "#/components/parameters/version"},
            ],
            "responses": {status: {**answer, "headers": RATE_HEADER}, **ERRORS},
        }
        if body is not None:
            operation["requestBody"] = body
        paths.setdefault(path, {})[method] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "tmplkit serve: the Dyspatch API over a tmplkit project",
            "version": LATEST,
            "description": "Dyspatch's e-mail endpoints (docs/server.md), served from a local "
            "project. Authorization: Bearer KEY (tmplkit apikey create LABEL).",
        },
        "servers": [{"url": base_url}],
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "parameters": PARAMETERS,
            "securitySchemes": {
                "Bearer": {"type": "apiKey", "name": "Authorization", "in": "header"}
            },
        },
    }
