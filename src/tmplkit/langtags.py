"""Language ids (BCP 47): the normal form of one and its English name, from Babel (CLDR).

A ground module: the store names a draft's localizations with it, and i18n.locales builds
fallback chains and plural rules on it.
"""

from __future__ import annotations

import re

from babel import Locale, UnknownLocaleError

from .errors import LocaleError

PSEUDO = {"qps-ploc": "Pseudo (accented)", "qps-plocm": "Pseudo (mirrored)"}
LANG_HINT = "write it like fr-FR or es-419"
LANG_RE = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")


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
