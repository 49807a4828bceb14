"""Blocks: lists, localizations, localization keys and translations."""

from __future__ import annotations

from ..model import Block
from .common import Api, Call, Reply, empty_ok, page
from .routes import route
from .translations import (
    get_translations,
    keys,
    localizations,
    put_translations,
    require_localization,
)


def _block(api: Api, call: Call) -> Block:
    return api.block(call.id("blockId"))


@route("GET", "/blocks")
def list_blocks(api: Api, call: Call) -> Reply:
    chunk, after = page(call, list(api.index().blocks.values()), lambda b: b.id)
    return call.shaper.page([call.shaper.block(b) for b in chunk], after)


@route("GET", "/blocks/{blockId}")
def get_block(api: Api, call: Call) -> Reply:
    return call.shaper.block(_block(api, call))


@route("GET", "/blocks/{blockId}/localizations")
def list_block_localizations(api: Api, call: Call) -> Reply:
    return localizations(call, _block(api, call))


@route("GET", "/blocks/{blockId}/localizationKeys")
def get_block_keys(api: Api, call: Call) -> Reply:
    return keys(api, call, _block(api, call))


@route("PUT", "/blocks/{blockId}/localizations/{languageId}")
def save_block_localization(api: Api, call: Call) -> Reply:
    block = _block(api, call)
    language = call.language()
    name = call.localization_name()
    api.project.blocks.save_localization(block.id, language, name)
    return empty_ok()


@route("DELETE", "/blocks/{blockId}/localizations/{languageId}")
def delete_block_localization(api: Api, call: Call) -> Reply:
    block = _block(api, call)
    api.project.blocks.remove_localization(block.id, call.language())
    return empty_ok()


@route("GET", "/blocks/{blockId}/localizations/{languageId}/translations")
def get_block_translations(api: Api, call: Call) -> Reply:
    block = _block(api, call)
    language = call.language()
    require_localization(block, language)
    return get_translations(api, call, block, language)


@route("PUT", "/blocks/{blockId}/localizations/{languageId}/translations")
def put_block_translations(api: Api, call: Call) -> Reply:
    block = _block(api, call)
    language = call.language()
    require_localization(block, language)
    return put_translations(api, call, block, language)
