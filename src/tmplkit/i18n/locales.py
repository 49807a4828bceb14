"""Language ids (BCP 47), their names, fallback chains and plural rules, from Babel (CLDR).

The normal form and the name of a language id are tmplkit.langtags' (the store needs them
too); they are re-exported here with LocaleError."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from babel import Locale

from ..errors import LocaleError
from ..langtags import LANG_HINT, LANG_RE, PSEUDO, display_name, normalize
from .cldr import from_babel

__all__ = [
    "LANG_HINT",
    "LANG_RE",
    "PSEUDO",
    "LocaleError",
    "PluralRule",
    "display_name",
    "fallback_chain",
    "language_of",
    "normalize",
    "plural_rule",
]


def fallback_chain(
    tag: str, source_locale: str, project_locales: list[str] | tuple[str, ...] = ()
) -> list[str]:
    """Where to look for a translation, the source last: `fr-CA` → `fr` → `fr-FR` → source.

    After the locale's own parents come the project's locales of the same language (a
    project translated into fr-FR serves fr-CA readers in French rather than in the source).
    """
    tag = normalize(tag)
    chain = [tag]
    parts = tag.split("-")
    while len(parts) > 1:
        parts.pop()
        chain.append("-".join(parts))
    language = tag.split("-")[0]
    for other in project_locales:
        other = normalize(other)
        if other.split("-")[0] == language and other not in chain:
            chain.append(other)
    source = normalize(source_locale)
    return [t for t in chain if t != source] + [source]


def language_of(value: str) -> str | None:
    """The language subtag of a language id as a PO header writes it (`pt_BR`, `sr@latin`,
    `zh-Hans`, `iw`: `pt`, `sr`, `zh`, `he`); None for what is not one."""
    raw = re.split(r"[@.]", value.strip())[0]
    try:
        return normalize(raw).split("-")[0]
    except LocaleError:
        return None


@dataclass(frozen=True)
class PluralRule:
    """A language's CLDR plural rule: its forms (CLDR categories, `other` last), the gettext
    expression choosing one for a whole count (the PO header's), and the one choosing for a
    decimal count over the operands i, v and f (None: every decimal takes `other`)."""

    count: int
    expr: str
    categories: tuple[str, ...] = ("one", "other")
    decimals: str | None = None

    @property
    def header(self) -> str:
        expr = self.expr if self.expr.startswith("(") else f"({self.expr})"
        return f"nplurals={self.count}; plural={expr};"


@lru_cache(maxsize=256)
def plural_rule(tag: str) -> PluralRule:
    """The CLDR plural rule of a language (Babel's `Locale.plural_form`, see cldr.py), with its
    region's where CLDR has one (pt-PT is not pt); pseudo-locales use English's."""
    if tag in PSEUDO:
        tag = "en"
    cldr = from_babel(Locale.parse(normalize(tag).replace("-", "_")).plural_form)
    return PluralRule(len(cldr.categories), f"({cldr.expr})", cldr.categories, cldr.decimals)
