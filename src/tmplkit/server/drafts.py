"""Drafts: lists, compiled reads, the workflow, localizations and translations."""

from __future__ import annotations

from ..model import Draft
from .common import Api, Call, Reply, empty_ok, no_content, page
from .errors import invalid_body, invalid_parameter
from .routes import route
from .translations import (
    get_translations,
    keys,
    localizations,
    put_translations,
    require_localization,
)

# ?status=: Dyspatch's statuses, its older name for a locked draft, and tmplkit's
STATUS_FILTERS = {
    "IN_PROGRESS": "IN_PROGRESS",
    "PENDING_APPROVAL": "PENDING_APPROVAL",
    "LOCKED_FOR_TRANSLATION": "LOCKED_FOR_TRANSLATION",
    "awaitingTranslation": "LOCKED_FOR_TRANSLATION",
    "PUBLISHED": "PUBLISHED",
    "ARCHIVED": "ARCHIVED",
}


def _draft(api: Api, call: Call) -> Draft:
    return api.draft(call.id("draftId"))


@route("GET", "/drafts")
def list_drafts(api: Api, call: Call) -> Reply:
    status = call.query.get("status")
    if status is not None and status not in STATUS_FILTERS:
        raise invalid_parameter(
            "status", f"unknown status {status!r}: one of " + ", ".join(STATUS_FILTERS)
        )
    template_id = call.query_id("templateId", "tem")
    index = api.index()
    drafts = list(index.drafts.values())
    if template_id is not None:
        drafts = [d for d in drafts if d.template_id == template_id]
    wanted = STATUS_FILTERS[status] if status else None
    drafts = [d for d in drafts if (d.state == wanted if wanted else not d.archived)]
    chunk, after = page(call, drafts, lambda d: d.id)
    items = [call.shaper.draft(d, index.templates[d.template_id]) for d in chunk]
    return call.shaper.page(items, after)


@route("GET", "/drafts/{draftId}")
def get_draft(api: Api, call: Call) -> Reply:
    draft = _draft(api, call)
    target = call.target()
    template = api.template(draft.template_id)
    out = call.shaper.draft(draft, template)
    out["compiled"] = call.shaper.compiled(api.compile(template, draft, target))
    out["localizations"] = call.shaper.localizations(draft)
    return out


@route("DELETE", "/drafts/{draftId}")
def archive_draft(api: Api, call: Call) -> Reply:
    api.project.drafts.archive(_draft(api, call).id)
    return no_content()


@route("POST", "/drafts/{draftId}/publishRequest")
def submit_draft(api: Api, call: Call) -> Reply:
    api.project.drafts.submit(_draft(api, call).id)
    return empty_ok()


@route("POST", "/drafts/{draftId}/publish/approve")
def approve_draft(api: Api, call: Call) -> Reply:
    api.project.drafts.approve(_draft(api, call).id)
    return empty_ok()


@route("POST", "/drafts/{draftId}/publish/approveAll")
def approve_draft_for_all(api: Api, call: Call) -> Reply:
    # Dyspatch's "approve for every reviewer": tmplkit has one approval, so the same.
    api.project.drafts.approve(_draft(api, call).id)
    return empty_ok()


@route("POST", "/drafts/{draftId}/publish/reject")
def reject_draft(api: Api, call: Call) -> Reply:
    draft = _draft(api, call)
    feedback = call.body.decode("utf-8", "replace").strip()
    api.project.drafts.reject(draft.id, feedback=feedback or None)
    return empty_ok()


@route("POST", "/drafts/{draftId}/duplicate")
def duplicate_draft(api: Api, call: Call) -> Reply:
    draft = _draft(api, call)
    body = call.json_object()
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise invalid_body('the body must name the new draft: {"name": "…"}')
    draft.check("duplicate")
    copy = api.project.drafts.create(draft.template_id, from_draft=draft.id, name=name)
    return {"id": copy.id}


@route("PUT", "/drafts/{draftId}/lockForTranslation")
def lock_draft(api: Api, call: Call) -> Reply:
    api.project.drafts.lock(_draft(api, call).id)
    return no_content()


@route("DELETE", "/drafts/{draftId}/lockForTranslation")
def unlock_draft(api: Api, call: Call) -> Reply:
    api.project.drafts.unlock(_draft(api, call).id)
    return no_content()


@route("GET", "/drafts/{draftId}/localizations")
def list_draft_localizations(api: Api, call: Call) -> Reply:
    return localizations(call, _draft(api, call))


@route("PUT", "/drafts/{draftId}/localizations/{languageId}")
def save_draft_localization(api: Api, call: Call) -> Reply:
    draft = _draft(api, call)
    language = call.language()
    name = call.localization_name()
    api.project.drafts.save_localization(draft.id, language, name)
    return empty_ok()


@route("DELETE", "/drafts/{draftId}/localizations/{languageId}")
def delete_draft_localization(api: Api, call: Call) -> Reply:
    draft = _draft(api, call)
    api.project.drafts.remove_localization(draft.id, call.language())
    return empty_ok()


@route("GET", "/drafts/{draftId}/localizations/{languageId}/translations")
def get_draft_translations(api: Api, call: Call) -> Reply:
    draft = _draft(api, call)
    language = call.language()
    require_localization(draft, language)
    return get_translations(api, call, draft, language)


@route("PUT", "/drafts/{draftId}/localizations/{languageId}/translations")
def put_draft_translations(api: Api, call: Call) -> Reply:
    draft = _draft(api, call)
    language = call.language()
    require_localization(draft, language)
    draft.check("localize")
    return put_translations(api, call, draft, language)


@route("GET", "/drafts/{draftId}/localizationKeys")
def get_draft_keys(api: Api, call: Call) -> Reply:
    draft = _draft(api, call)
    return keys(api, call, draft)
