"""Target languages: one emitter per language, registered by name."""

from __future__ import annotations

from .base import Emitter
from .jinja import JinjaEmitter

TARGETS: dict[str, type[Emitter]] = {cls.name: cls for cls in (JinjaEmitter,)}


def get_emitter(name: str) -> type[Emitter]:
    from ..errors import TmplkitError

    try:
        return TARGETS[name]
    except KeyError:
        known = ", ".join(sorted(TARGETS))
        raise TmplkitError(f"unknown target {name!r}", hint=f"targets: {known}") from None


__all__ = ["TARGETS", "Emitter", "get_emitter"]
