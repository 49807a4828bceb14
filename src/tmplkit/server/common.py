"""What the endpoints share: the server's state (`Api`), one request as an endpoint sees it
(`Call`), the route table they add to, and the checks of ids, languages, bodies and pages."""

from __future__ import annotations

import base64
import binascii
import contextvars
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any, TypeVar

import orjson
from starlette.responses import Response

from ..batch.records import kind_of
from ..errors import CompileError, LocaleError
from ..model import Block, Draft, Folder, Layout, Template
from ..store import Index, Project
from .cache import Cache, Digests, IndexCache, fingerprint
from .errors import ApiError, invalid_body, invalid_parameter, not_found
from .shapes import Shaper
from .versions import Version

if TYPE_CHECKING:
    from ..rendering import PreparedMessage, Renderer

PAGE_SIZE = 25

# The ids a path may name: a prefix, then lower-case letters and digits (tmplkit's base-32, a
# Dyspatch id's). Checked before anything is looked up: `../` never reaches the store.
ID_KINDS = {
    "folderId": "fdr",
    "templateId": "tem",
    "draftId": "tdft",
    "blockId": "blk",
    "localizationId": "loc",
    "themeId": "lay",  # a Dyspatch theme is a tmplkit layout (themes.py)
}
ID_RE = re.compile(r"^(fdr|tem|tdft|blk|loc|lay)_[0-9a-z]{1,64}$")
LANGUAGE_RE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,4}$")

# targetLanguage: Dyspatch's names, and tmplkit's sendgrid
TARGET_LANGUAGES = (
    "html",
    "handlebars",
    "ampscript",
    "freemarker",
    "cheetah",
    "jinja",
    "liquid",
    "mandrillhandlebars",
    "handlebarsjava",
    "sendgrid",
)


def json_bytes(content: Any) -> bytes:
    """JSON as Dyspatch writes it: UTF-8, not ASCII-escaped, compact. orjson writes it (a tenth
    of json's time for a rendered message); what it refuses (an integer past 64 bits, a lone
    surrogate, a key that is not a string) json writes, or fails on, as before."""
    try:
        return orjson.dumps(content)
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class Encoded:
    """An answer's JSON, written already (`Api.answer`)."""

    __slots__ = ("body",)

    def __init__(self, body: bytes) -> None:
        self.body = body


Reply = dict[str, Any] | list[Any] | Response | Encoded
Endpoint = Callable[["Api", "Call"], Reply]
T = TypeVar("T")


@dataclass
class Api:
    """The server's state: the project, and what it keeps between requests. Reads look
    objects up in `index()`, the project's records as they are on disk now (parsed again only
    when one changed); writes go through the store's repositories, under the project lock."""

    project: Project
    compiled: Cache = field(default_factory=lambda: Cache(512))
    prepared: Cache = field(default_factory=lambda: Cache(256))
    renderer: Renderer | None = None
    inline_formats: bool = True
    digests: Digests = field(default_factory=Digests)
    records: IndexCache | None = None
    answers: Cache = field(default_factory=lambda: Cache(256))

    def index(self) -> Index:
        """The records as they are on disk, checked once per request (see `one_request`)."""
        found = _REQUEST_INDEX.get()
        if found is None:
            if self.records is None:
                self.records = IndexCache(self.project, self.digests)
            found = self.records.get()
            _REQUEST_INDEX.set(found)
        return found

    def template(self, template_id: str, parameter: str = "templateId") -> Template:
        found = self.index().templates.get(template_id)
        if found is None:
            raise not_found(f"no template {template_id!r}", parameter)
        return found

    def draft(self, draft_id: str, parameter: str = "draftId") -> Draft:
        found = self.index().drafts.get(draft_id)
        if found is None:
            raise not_found(f"no draft {draft_id!r}", parameter)
        return found

    def block(self, block_id: str) -> Block:
        found = self.index().blocks.get(block_id)
        if found is None:
            raise not_found(f"no block {block_id!r}", "blockId")
        return found

    def layout(self, layout_id: str) -> Layout:
        for found in self.project.layouts.list():
            if found.id == layout_id:
                return found
        raise not_found(f"no theme {layout_id!r}", "themeId")

    def folder(self, folder_id: str) -> Folder:
        found = self.index().folders.get(folder_id)
        if found is None:
            raise not_found(f"no folder {folder_id!r}", "folderId")
        return found

    def published(self, template: Template) -> Draft | None:
        """The template's published draft (None when it has none)."""
        if not template.published_draft_id:
            return None
        return self.index().drafts.get(template.published_draft_id)

    def compile(
        self, template: Template, draft: Draft, target: str, locale: str | None = None
    ) -> dict[str, Any]:
        """The draft compiled to `target` (Compiled.to_json), made once per content."""
        key = (
            fingerprint(self.digests, self.project, template, draft, locale),
            draft.id,
            target,
            locale,
        )

        def make() -> dict[str, Any]:
            # imported here, on a miss only: a function-level import costs more than a hit
            from ..compiler import compile_sources
            from ..pipeline import resolve

            try:
                sources = resolve(draft.id, self.project)
                compiled = compile_sources(
                    sources, target, locale=locale, inline_formats=self.inline_formats
                )
                return compiled.to_json()
            except CompileError as exc:
                if exc.construct is not None:  # the target refuses a construct
                    raise invalid_parameter("targetLanguage", str(exc)) from None
                raise

        return self.compiled.get(key, make)

    def answer(self, key: Any, sources: tuple[Any, ...], make: Callable[[], Reply]) -> Encoded:
        """`make()` written as JSON, once for as long as `sources` are the very objects it was
        made from (the index's records and the compile cache's values are new objects when
        their files changed): a template fetch shapes and writes its answer once."""
        found = self.answers.peek(key)
        if found is not None and all(a is b for a, b in zip(found[0], sources, strict=True)):
            return found[1]  # type: ignore[no-any-return]
        answer = Encoded(json_bytes(make()))
        self.answers.put(key, (sources, answer))
        return answer

    def prepare(self, template: Template, draft: Draft, locale: str | None) -> PreparedMessage:
        """The draft prepared for rendering in `locale`, made once per content."""
        content = fingerprint(self.digests, self.project, template, draft, locale)

        def make() -> PreparedMessage:
            # imported here, on a miss only: a function-level import costs more than a hit
            from ..pipeline import resolve
            from ..rendering import Renderer

            if self.renderer is None:
                self.renderer = Renderer(self.project)
            return self.renderer.prepare_sources(resolve(draft.id, self.project), locale=locale)

        return self.prepared.get((content, draft.id, locale), make)


# The index a request has looked at: one check of the records per request, however many
# lookups it makes. Set in the request's own context (one_request).
_REQUEST_INDEX: contextvars.ContextVar[Index | None] = contextvars.ContextVar(
    "tmplkit_server_index", default=None
)


def one_request(fn: Callable[..., T], *args: Any) -> T:
    """Run an endpoint in a context of its own: what it caches for the request ends with it."""
    return contextvars.Context().run(fn, *args)


@dataclass
class Call:
    """One request as an endpoint sees it."""

    path: dict[str, str]
    query: dict[str, str]
    raw_headers: list[tuple[bytes, bytes]]  # ASGI's: lower-case names, latin-1
    body: bytes
    version: Version
    base_url: Callable[[], str]  # the server's address as the request names it, when asked
    method: str = "GET"

    @cached_property
    def headers(self) -> dict[str, str]:
        """The headers by their lower-case names (the last of a repeated one wins)."""
        return {k.decode("latin-1"): v.decode("latin-1") for k, v in self.raw_headers}

    @cached_property
    def shaper(self) -> Shaper:
        """Writes the answer's objects (a render needs none: made on first use)."""
        return Shaper(self.version, self.base_url())

    def id(self, name: str) -> str:
        """A path id, checked: its prefix is the one `name` takes."""
        value = self.path[name]
        if not _is_id(name, value):
            raise invalid_parameter(name, f"{value!r} is not a {ID_KINDS[name]}_… id")
        return value

    def query_id(self, name: str, kind: str) -> str | None:
        """An id in the query (a filter), checked like a path's; None when not given."""
        value = self.query.get(name)
        if value is not None and (not ID_RE.match(value) or not value.startswith(kind + "_")):
            raise invalid_parameter(name, f"{value!r} is not a {kind}_… id")
        return value

    def language(self, name: str = "languageId") -> str:
        """A language id from the path, checked and normalized (`fr_fr` → `fr-FR`)."""
        language, problem = _language(self.path[name])
        if problem is not None:
            raise invalid_parameter(name, problem)
        return language

    def target(self) -> str:
        value = self.query.get("targetLanguage")
        if not value:
            raise invalid_parameter(
                "targetLanguage",
                "targetLanguage is required: one of " + ", ".join(TARGET_LANGUAGES),
            )
        if value not in TARGET_LANGUAGES:
            raise invalid_parameter(
                "targetLanguage",
                f"unknown targetLanguage {value!r}: one of " + ", ".join(TARGET_LANGUAGES),
            )
        return value

    def json(self, default: Any = None) -> Any:
        """The body as JSON (`default` when there is none). orjson reads it (a fifth of json's
        time), unless it may hold an integer past 64 bits, which orjson would make a float;
        what orjson refuses json reads, or fails on with its own message, as before."""
        if not self.body or self.body.isspace():
            return default
        if LONG_DIGITS not in self.body.translate(DIGITS):
            try:
                return orjson.loads(self.body)
            except orjson.JSONDecodeError:
                pass
        try:
            return json.loads(self.body.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise invalid_body(f"the body is not UTF-8 (byte {exc.start})") from None
        except json.JSONDecodeError as exc:
            raise invalid_body(
                f"the body is not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
            ) from None

    def json_object(self, default: dict[str, Any] | None = None) -> dict[str, Any]:
        data = self.json(default)
        if not isinstance(data, dict):
            raise invalid_body(f"the body must be a JSON object, not {kind_of(data)}")
        return data

    def localization_name(self) -> str | None:
        """The `name` a PUT of a localization gives it (None: its language's name)."""
        name = self.json_object({}).get("name")
        if name is not None and (not isinstance(name, str) or not name.strip()):
            raise invalid_body('"name" must be a non-empty string')
        return name

    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


# 19 digits in a row: maybe an integer orjson cannot hold (past -2**63 … 2**64-1). Looked
# for in the body with each digit made 1 and every other byte 0: a tenth of a regular
# expression's time, which was four times orjson's own.
DIGITS = bytes(1 if 0x30 <= byte <= 0x39 else 0 for byte in range(256))
LONG_DIGITS = b"\x01" * 19


@lru_cache(maxsize=1024)  # a pure function of the path's text, asked on every request
def _is_id(name: str, value: str) -> bool:
    return bool(ID_RE.match(value)) and value.startswith(ID_KINDS[name] + "_")


@lru_cache(maxsize=1024)  # a pure function of the path's text, asked on every localized render
def _language(value: str) -> tuple[str, str | None]:
    """A language id normalized, and what is wrong with it (None: nothing)."""
    from ..langtags import normalize

    if not LANGUAGE_RE.match(value):
        return value, f"{value!r} is not a language id (like fr-FR)"
    try:
        return normalize(value), None
    except LocaleError as exc:
        return value, str(exc)


def page_after(
    items: list[T],
    id_of: Callable[[T], str],
    cursor: str | None,
    *,
    size: int = PAGE_SIZE,
    pattern: re.Pattern[str] = ID_RE,
) -> tuple[list[T], str | None]:
    """The page of `items` (sorted by id) after `cursor`, and the cursor of the next page
    (None on the last). A cursor is the last id of the page before, Base64: an object created
    meanwhile never makes a page repeat or skip another. `pattern`: what an id may be."""
    items = sorted(items, key=id_of)
    if cursor:
        try:
            after = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            after = ""
        if not pattern.match(after):
            raise invalid_parameter("cursor", f"{cursor!r} is not a cursor of this server")
        items = [item for item in items if id_of(item) > after]
    chunk = items[:size]
    if len(items) <= size:
        return chunk, None
    last = id_of(chunk[-1]).encode("ascii")
    return chunk, base64.urlsafe_b64encode(last).decode("ascii").rstrip("=")


def page(call: Call, items: list[T], id_of: Callable[[T], str]) -> tuple[list[T], str | None]:
    """The page of `items` the call's `?cursor=` asks for (page_after), 25 to a page."""
    return page_after(items, id_of, call.query.get("cursor"))


def published(api: Api, template: Template) -> Draft:
    """The template's published draft, or 404 naming the template."""
    draft = api.published(template)
    if draft is None:
        raise not_found(
            f"template {template.id} ({template.name}) has no published draft", "templateId"
        )
    return draft


def no_content() -> Response:
    return Response(status_code=204)


def empty_ok() -> Response:
    return Response(status_code=200)


__all__ = ["ApiError"]
