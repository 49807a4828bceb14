"""What drafts and blocks share: their localizations, their localization keys (JSON or the
POT), and their translations (JSON or PO; a PUT replaces them all)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import Response

from ..i18n.catalog import (
    Catalog,
    CatalogError,
    json_key,
    keys_list,
    po_text,
    read_json,
    read_po,
)
from ..model import Block, Draft, Template
from ..store import BlockRepo, DraftRepo
from .common import Api, Call, Reply, empty_ok
from .errors import invalid_body, not_found
from .routes import route

GETTEXT = "text/x-gettext-translation"
Owner = Template | Block  # whose catalogs: a draft's are its template's


def require_localization(holder: Draft | Block, language: str) -> None:
    """A draft's or block's translations are read and written only for its localizations."""
    from ..store.localizations import find, label

    if find(holder, language) is None:
        kind = "drafts" if isinstance(holder, Draft) else "blocks"
        raise not_found(
            f"{label(holder)} has no localization {language} "
            f"(add it: PUT /{kind}/{holder.id}/localizations/{language})",
            "languageId",
        )


def owner_and_keys(api: Api, holder: Draft | Block) -> tuple[Owner, Catalog]:
    """Whose catalogs hold the holder's translations (a draft's: its template's), and the
    holder's own keys (a draft's: its strings only, not its template's other drafts')."""
    from ..i18n.extract import block_keys, draft_keys

    if isinstance(holder, Block):
        return holder, block_keys(api.project, holder)
    template = api.template(holder.template_id)
    return template, draft_keys(api.project, template, holder)


def keys(api: Api, call: Call, holder: Draft | Block) -> Reply:
    """The strings to translate: `[{key, comment}]`, or the POT file when asked for."""
    _, catalog = owner_and_keys(api, holder)
    if call.version.gettext:
        catalog.project = api.project.settings.name
        return Response(po_text(catalog, template=True), media_type=call.version.gettext_type)
    return keys_list(catalog)


def get_translations(api: Api, call: Call, holder: Draft | Block, language: str) -> Reply:
    """The translations of a language: `{source: translation}` (a plural's forms as a list),
    or its PO file when asked for (`Accept: text/x-gettext-translation`); a draft's are those of
    its own strings."""
    from ..i18n.catalog import merge
    from ..i18n.workflow import read_catalog

    owner, own = owner_and_keys(api, holder)
    catalog = merge(read_catalog(api.project, language, owner), own)
    if call.version.gettext:
        catalog.project = api.project.settings.name
        return Response(po_text(catalog), media_type=GETTEXT)
    out: dict[str, Any] = {}
    for message in catalog.active:
        if message.translated:
            value = message.translations if message.plural is not None else message.translation
            out[json_key(message.key)] = value
    return out


def put_translations(api: Api, call: Call, holder: Draft | Block, language: str) -> Reply:
    """Replace all of a language's translations with the body's: JSON, or a PO file
    (`Content-Type: text/x-gettext-translation`). Checked as `tmplkit i18n import` checks a
    file; with a problem, nothing is written and the first is the answer's message. A draft's
    are those of its own strings: its template's other drafts keep theirs."""
    from ..i18n.workflow import import_catalog

    owner, own = owner_and_keys(api, holder)
    kind = call.content_type()
    try:
        if kind in (GETTEXT, "text/x-gettext", "text/x-po") or kind.endswith(
            "+x-gettext-translation"
        ):
            incoming = read_po(call.body, "body", language)
        elif call.body.strip():
            incoming = read_json(call.body, "body", language)
        else:
            incoming = Catalog(language)
        # the translations of strings the holder does not have stay as they are
        scope = set(own.messages) | set(incoming.messages)
        report = import_catalog(
            api.project,
            language,
            incoming,
            "body",
            owner=owner,
            replace=True,
            force=True,
            scope=scope,
        )
    except CatalogError as exc:
        raise invalid_body(str(exc)) from None
    if report.problems:
        more = len(report.problems) - 1
        tail = f" (and {more} more)" if more else ""
        raise invalid_body(f"{report.problems[0]}{tail}")
    return empty_ok()


def localization_endpoints(kind: str, holder: Callable[[Api, Call], Draft | Block]) -> None:
    """The routes drafts and blocks share (`kind`: "drafts" or "blocks"; `holder`: the one a
    call names): their localizations, one added (or renamed) or removed, the translations of
    one, and the strings to translate."""
    base = f"/{kind}/{{{kind[:-1]}Id}}"
    one = base + "/localizations/{languageId}"

    def repo(api: Api) -> DraftRepo | BlockRepo:
        return api.project.drafts if kind == "drafts" else api.project.blocks

    @route("GET", base + "/localizations")
    def list_localizations(api: Api, call: Call) -> Reply:
        return call.shaper.localizations(holder(api, call))

    @route("PUT", one)
    def save_localization(api: Api, call: Call) -> Reply:
        found = holder(api, call)
        language = call.language()
        repo(api).save_localization(found.id, language, call.localization_name())
        return empty_ok()

    @route("DELETE", one)
    def delete_localization(api: Api, call: Call) -> Reply:
        found = holder(api, call)
        repo(api).remove_localization(found.id, call.language())
        return empty_ok()

    @route("GET", one + "/translations")
    def get_localization_translations(api: Api, call: Call) -> Reply:
        found = holder(api, call)
        language = call.language()
        require_localization(found, language)
        return get_translations(api, call, found, language)

    @route("PUT", one + "/translations")
    def put_localization_translations(api: Api, call: Call) -> Reply:
        found = holder(api, call)
        language = call.language()
        require_localization(found, language)
        if isinstance(found, Draft):
            found.check("localize")
        return put_translations(api, call, found, language)

    @route("GET", base + "/localizationKeys")
    def get_localization_keys(api: Api, call: Call) -> Reply:
        return keys(api, call, holder(api, call))
