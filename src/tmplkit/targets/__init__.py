"""Target languages: one emitter module per language, registered here by name."""

from __future__ import annotations

import importlib
import importlib.util

from ..errors import TmplkitError
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


def available() -> list[str]:
    """Target names that have an emitter, sorted."""
    return sorted(name for name in REGISTRY if _spec_exists(name))


def _spec_exists(name: str) -> bool:
    module = REGISTRY[name].split(":")[0]
    return importlib.util.find_spec(f"{__name__}.{module}") is not None


def get_emitter(name: str) -> type[Emitter]:
    spec = REGISTRY.get(name)
    if spec is None or not _spec_exists(name):
        raise TmplkitError(f"unknown target {name!r}", hint="targets: " + ", ".join(available()))
    module_name, cls_name = spec.split(":")
    module = importlib.import_module(f"{__name__}.{module_name}")
    cls: type[Emitter] = getattr(module, cls_name)
    return cls


TARGETS = available()

__all__ = ["REGISTRY", "TARGETS", "Emitter", "available", "get_emitter"]
