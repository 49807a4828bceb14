"""Themes: Dyspatch's name for the frame a template is rendered in, which in tmplkit is a
layout (`layouts/<slug>/`, which a draft's parts extend): listed and read as ThemeRead.

Dyspatch's `renderThemeId` (render a template in another theme) has no counterpart: a tmplkit
template extends the layout it names, and is rendered in that one."""

from __future__ import annotations

from .common import Api, Call, Reply, page
from .routes import route


@route("GET", "/themes")
def list_themes(api: Api, call: Call) -> Reply:
    chunk, after = page(call, api.project.layouts.list(), lambda layout: layout.id)
    return call.shaper.page([call.shaper.theme(layout) for layout in chunk], after)


@route("GET", "/themes/{themeId}")
def get_theme(api: Api, call: Call) -> Reply:
    return call.shaper.theme(api.layout(call.id("themeId")))
