"""Workspaces and folders, templates, renders, and the localizations of published drafts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..batch.records import kind_of
from ..errors import DataError, RenderError
from ..model import Draft, Localization
from .common import Api, Call, Reply, page, published
from .errors import invalid_body, not_found
from .routes import route

if TYPE_CHECKING:
    from ..rendering import Message, PreparedMessage


@route("GET", "/workspaces")
def list_workspaces(api: Api, call: Call) -> Reply:
    workspaces = [f for f in api.index().folders.values() if f.is_workspace]
    chunk, after = page(call, workspaces, lambda f: f.id)
    return call.shaper.page([call.shaper.folder(f) for f in chunk], after)


@route("GET", "/workspaces/{folderId}")
def get_folder(api: Api, call: Call) -> Reply:
    folder = api.folder(call.id("folderId"))
    subfolders = [f for f in api.index().folders.values() if f.parent_id == folder.id]
    return call.shaper.folder(folder, sorted(subfolders, key=lambda f: f.id))


@route("GET", "/templates")
def list_templates(api: Api, call: Call) -> Reply:
    templates = list(api.index().templates.values())
    # as `tmplkit template list` filters: a name contains the words, case aside; a folder
    # holds its templates, a workspace every template below it
    name = call.query.get("name")
    if name:
        templates = [t for t in templates if name.lower() in t.name.lower()]
    folder_id = call.query_id("folderId", "fdr")
    if folder_id is not None:
        templates = [t for t in templates if t.folder_id == folder_id]
    workspace_id = call.query_id("workspaceId", "fdr")
    if workspace_id is not None:
        templates = [t for t in templates if t.workspace_id == workspace_id]
    chunk, after = page(call, templates, lambda t: t.id)
    items = [call.shaper.template(t, api.published(t)) for t in chunk]
    return call.shaper.page(items, after)


@route("GET", "/templates/{templateId}")
def get_template(api: Api, call: Call) -> Reply:
    template = api.template(call.id("templateId"))
    target = call.target()
    draft = published(api, template)
    compiled = api.compile(template, draft, target)

    def make() -> Reply:
        out = call.shaper.template(template, draft)
        out["compiled"] = call.shaper.compiled(compiled)
        return out

    key = ("template", template.id, target, call.version, call.shaper.base_url)
    return api.answer(key, (template, draft, compiled), make)


def _rendered(message: Message) -> dict[str, Any]:
    """TemplateRender: a rendered message as Dyspatch answers it, plain text."""
    return {
        "html": message.html or "",
        "ampHtml": "",
        "text": message.text or "",
        "subject": message.subject or "",
        "sender": message.sender or "",
        "replyTo": message.reply_to or "",
    }


def _prepared(api: Api, call: Call, locale: str | None) -> PreparedMessage:
    template = api.template(call.id("templateId"))
    return api.prepare(template, published(api, template), locale)


def _render(api: Api, call: Call, locale: str | None) -> Reply:
    data = call.json_object({})
    prepared = _prepared(api, call, locale)
    try:
        return _rendered(prepared.render(data))
    except (DataError, RenderError) as exc:
        raise invalid_body(str(exc)) from None


@route("POST", "/render/template/{templateId}", reads=True)
def render_template(api: Api, call: Call) -> Reply:
    return _render(api, call, None)


@route("POST", "/render/template/{templateId}/{languageId}", reads=True)
def render_template_language(api: Api, call: Call) -> Reply:
    return _render(api, call, call.language())


MAX_RECIPIENTS = 1000  # in one batch render (and the body cap holds, 1 MiB by default)


def _render_batch(api: Api, call: Call, locale: str | None) -> Reply:
    """tmplkit's own: one message for each recipient of `{"recipients": [DATA, …]}`, in order,
    each a TemplateRender or `{"error": {code, message}}` naming the recipient, so that one
    recipient's bad data costs only its own message."""
    recipients = call.json_object().get("recipients")
    if not isinstance(recipients, list) or not recipients:
        raise invalid_body('the body must be {"recipients": [DATA, …]}, at least one recipient')
    if len(recipients) > MAX_RECIPIENTS:
        raise invalid_body(
            f"{len(recipients)} recipients: a batch takes {MAX_RECIPIENTS} at the most"
        )
    prepared = _prepared(api, call, locale)
    out: list[dict[str, Any]] = []
    for i, data in enumerate(recipients):
        try:
            if not isinstance(data, dict):
                raise RenderError(f"the data must be a JSON object, not {kind_of(data)}")
            out.append(_rendered(prepared.render(data)))
        except (DataError, RenderError) as exc:
            out.append({"error": {"code": "invalid_body", "message": f"recipients[{i}]: {exc}"}})
    return {"data": out}


@route("POST", "/render/batch/template/{templateId}", reads=True)
def render_batch(api: Api, call: Call) -> Reply:
    return _render_batch(api, call, None)


@route("POST", "/render/batch/template/{templateId}/{languageId}", reads=True)
def render_batch_language(api: Api, call: Call) -> Reply:
    return _render_batch(api, call, call.language())


def localization_read(
    api: Api, call: Call, draft: Draft, localization: Localization
) -> dict[str, Any]:
    """LocalizationRead: the localization with the draft compiled in its language."""
    template = api.template(draft.template_id)
    target = call.target()
    compiled = api.compile(template, draft, target, localization.languages[0])
    return {
        "id": localization.id,
        "languages": list(localization.languages),
        "url": call.shaper.url(f"/localizations/{localization.id}"),
        "template": template.id,
        "compiled": call.shaper.compiled(compiled),
        "createdAt": draft.created_at,
        "updatedAt": draft.updated_at,
        "name": localization.name,
        "localeGroup": "",
    }


def _localization_of(draft: Draft, localization_id: str) -> Localization | None:
    return next((x for x in draft.localizations if x.id == localization_id), None)


@route("GET", "/localizations/{localizationId}")
def get_published_localization(api: Api, call: Call) -> Reply:
    localization_id = call.id("localizationId")
    for template in api.index().templates.values():
        draft = api.published(template)
        found = _localization_of(draft, localization_id) if draft else None
        if draft is not None and found is not None:
            return localization_read(api, call, draft, found)
    raise not_found(f"no published localization {localization_id!r}", "localizationId")


@route("GET", "/localizations/{localizationId}/drafts/{draftId}")
def get_draft_localization(api: Api, call: Call) -> Reply:
    localization_id = call.id("localizationId")
    draft = api.draft(call.id("draftId"))
    found = _localization_of(draft, localization_id)
    if found is None:
        raise not_found(
            f"{draft.label()} has no localization {localization_id!r}", "localizationId"
        )
    return localization_read(api, call, draft, found)
