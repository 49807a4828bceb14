"""Language ids (BCP 47), their names, fallback chains and gettext plural rules, from Babel."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.messages.plurals import get_plural

from ..errors import TmplkitError

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


@dataclass(frozen=True)
class PluralRule:
    """A language's gettext plural rule: how many forms, and the C expression choosing one."""

    count: int
    expr: str

    @property
    def header(self) -> str:
        expr = self.expr if self.expr.startswith("(") else f"({self.expr})"
        return f"nplurals={self.count}; plural={expr};"


@lru_cache(maxsize=128)
def plural_rule(tag: str) -> PluralRule:
    """The plural rule Babel (CLDR-derived) gives a language; pseudo-locales use English's."""
    if tag in PSEUDO:
        tag = "en"
    rule = get_plural(normalize(tag).replace("-", "_"))
    return PluralRule(rule.num_plurals, rule.plural_expr.strip())
