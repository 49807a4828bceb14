"""Target languages: one emitter module per language, registered here by name."""

from __future__ import annotations

from ..errors import TmplkitError
from ..registry import Registry
from .base import Emitter

# name -> "module:Class"; modules load on first use, so a target costs nothing until asked for.
REGISTRY: dict[str, str] = {
    "jinja": "jinja:JinjaEmitter",
    "handlebars": "handlebars:HandlebarsEmitter",
    "handlebarsjava": "handlebars:HandlebarsJavaEmitter",
    "mandrillhandlebars": "handlebars:MandrillHandlebarsEmitter",
    "sendgrid": "sendgrid:SendgridEmitter",
    "liquid": "liquid:LiquidEmitter",
    "freemarker": "freemarker:FreemarkerEmitter",
    "cheetah": "cheetah:CheetahEmitter",
    "ampscript": "ampscript:AmpscriptEmitter",
    "html": "html:HtmlEmitter",
}


def _unknown(name: str, available: list[str]) -> TmplkitError:
    return TmplkitError(f"unknown target {name!r}", hint="targets: " + ", ".join(available))


_EMITTERS: Registry[type[Emitter]] = Registry(__name__, REGISTRY, _unknown)


def available() -> list[str]:
    """Target names that have an emitter, sorted."""
    return _EMITTERS.available()


def get_emitter(name: str) -> type[Emitter]:
    """The emitter class of the target `name` (its module imported on first use)."""
    return _EMITTERS.load(name)


TARGETS = available()

__all__ = ["REGISTRY", "TARGETS", "Emitter", "available", "get_emitter"]
