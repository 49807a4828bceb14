"""Drafts: lists, compiled reads, the workflow, localizations and translations."""

from __future__ import annotations

from starlette.responses import Response

from ..model import Draft
from .common import Api, Call, Endpoint, Reply, empty_ok, page
from .errors import invalid_body, invalid_parameter
from .routes import route
from .translations import localization_endpoints

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


# The workflow actions without a body: (method, path, DraftRepo.transition's action, status).
# Dyspatch's approveAll approves for every reviewer; tmplkit has one approval: the same.
WORKFLOW = [
    ("DELETE", "/drafts/{draftId}", "archive", 204),
    ("POST", "/drafts/{draftId}/publishRequest", "submit", 200),
    ("POST", "/drafts/{draftId}/publish/approve", "approve", 200),
    ("POST", "/drafts/{draftId}/publish/approveAll", "approve", 200),
    ("PUT", "/drafts/{draftId}/lockForTranslation", "lock", 204),
    ("DELETE", "/drafts/{draftId}/lockForTranslation", "unlock", 204),
]


def _workflow(action: str, status: int) -> Endpoint:
    def act(api: Api, call: Call) -> Reply:
        api.project.drafts.transition(_draft(api, call).id, action)
        return Response(status_code=status)

    act.__name__ = f"{action}_draft"
    return act


for _method, _path, _action, _status in WORKFLOW:
    route(_method, _path)(_workflow(_action, _status))


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


localization_endpoints("drafts", _draft)
