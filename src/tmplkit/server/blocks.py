"""Blocks: lists, localizations, localization keys and translations."""

from __future__ import annotations

from ..model import Block
from .common import Api, Call, Reply, page
from .routes import route
from .translations import localization_endpoints


def _block(api: Api, call: Call) -> Block:
    return api.block(call.id("blockId"))


@route("GET", "/blocks")
def list_blocks(api: Api, call: Call) -> Reply:
    chunk, after = page(call, list(api.index().blocks.values()), lambda b: b.id)
    return call.shaper.page([call.shaper.block(b) for b in chunk], after)


@route("GET", "/blocks/{blockId}")
def get_block(api: Api, call: Call) -> Reply:
    return call.shaper.block(_block(api, call))


localization_endpoints("blocks", _block)
