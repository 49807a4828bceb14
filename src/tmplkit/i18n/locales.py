"""Language ids (BCP 47), their names, fallback chains and plural rules, from Babel (CLDR)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from babel import Locale, UnknownLocaleError

from ..errors import TmplkitError
from .cldr import from_babel

PSEUDO = {"qps-ploc": "Pseudo (accented)", "qps-plocm": "Pseudo (mirrored)"}
LANG_HINT = "write it like fr-FR or es-419"
LANG_RE = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")


class LocaleError(TmplkitError):
    """A language id that is not BCP 47, or that CLDR does not know."""


def normalize(tag: str) -> str:
    """The BCP 47 form of a language id: `fr_FR` → `fr-FR`, `zh_hans_cn` → `zh-Hans-CN`."""
    raw = tag.strip()
    if raw.lower() in PSEUDO:
        return raw.lower()
    if not LANG_RE.match(raw):
        raise LocaleError(f"{tag!r} is not a language id", hint=LANG_HINT)
    try:
        locale = Locale.parse(raw.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        raise LocaleError(f"unknown language {tag!r}", hint=LANG_HINT) from None
    parts = [locale.language]
    if locale.script:
        parts.append(locale.script)
    if locale.territory:
        parts.append(locale.territory)
    if locale.variant:
        parts.append(locale.variant.lower())
    return "-".join(parts)


def display_name(tag: str) -> str:
    """The English name of a language id, as Dyspatch names localizations: `French (France)`."""
    if tag in PSEUDO:
        return PSEUDO[tag]
    name = Locale.parse(normalize(tag).replace("-", "_")).get_display_name("en")
    return str(name)


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
