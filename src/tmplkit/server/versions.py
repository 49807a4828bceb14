"""The API version a request asks for, in its `Accept` header, and what each version changes.

Dyspatch names versions by date (`2020.11`, `2025.05v2`) and a client picks one per request:
`Accept: application/vnd.dyspatch.2026.06+json`. A request without one gets the latest. The
answer's Content-Type names the version used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .errors import ApiError

OLDEST = "2019.03"
LATEST = "2026.07"
MEDIA_RE = re.compile(r"^(application|text)/vnd\.dyspatch\.([^+;\s]+)\+([\w.-]+)$", re.I)
VERSION_RE = re.compile(r"^(\d{4})\.(\d{2})(?:\.?(v\d+|beta))?$")

# The first version with each change (docs/server.md, "Versions").
TAGS = "2025.06"
COMPILED_VARIABLES = "2025.09"


@dataclass(frozen=True)
class Version:
    """A version a request asked for, and the form it wants: JSON, or gettext (a POT or a PO)."""

    name: str
    gettext: bool = False  # text/vnd.dyspatch.VERSION+x-gettext-translation, text/x-gettext-…

    def since(self, first: str) -> bool:
        return _key(self.name) >= _key(first)

    @property
    def media_type(self) -> str:
        return f"application/vnd.dyspatch.{self.name}+json"

    @property
    def gettext_type(self) -> str:
        return f"text/vnd.dyspatch.{self.name}+x-gettext-translation"


def _key(name: str) -> tuple[int, int]:
    match = VERSION_RE.match(name)
    assert match is not None, name
    return int(match.group(1)), int(match.group(2))


@lru_cache(maxsize=256)  # a pure function of the header, asked on every request
def negotiate(accept: str | None) -> Version:
    """The version and form an `Accept` header asks for: the first Dyspatch media range in it,
    else the latest version as JSON. An unknown or malformed version is 400 invalid_request."""
    gettext = False
    for item in (accept or "").split(","):
        media = item.split(";")[0].strip()
        if media.lower() in ("text/x-gettext-translation", "text/x-gettext"):
            gettext = True
            continue
        match = MEDIA_RE.match(media)
        if match is None:
            continue
        name, suffix = match.group(2), match.group(3).lower()
        version = VERSION_RE.match(name)
        if version is None or not (1 <= int(version.group(2)) <= 12):
            raise _unsupported(name)
        if not (_key(OLDEST) <= _key(name) <= _key(LATEST)):
            raise _unsupported(name)
        if suffix not in ("json", "x-gettext-translation"):
            raise _unsupported(f"{name}+{suffix}")
        return Version(name, gettext=suffix == "x-gettext-translation")
    return Version(LATEST, gettext=gettext)


def _unsupported(name: str) -> ApiError:
    return ApiError(
        400,
        "invalid_request",
        f"unsupported API version {name!r} in Accept: this server speaks {OLDEST} to {LATEST}"
        f" (application/vnd.dyspatch.{LATEST}+json)",
        "Accept",
    )
