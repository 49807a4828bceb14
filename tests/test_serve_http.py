"""`tmplkit serve` over raw HTTP (httpx), endpoint by endpoint, against docs/server.md.

Every endpoint of docs/server.md with its status codes and the exact keys of its objects per API version, pagination, content negotiation, PO and POT,
renders equal to `tmplkit render`, refused paths, the body cap, the rate limit, the draft
workflow read back from disk, and the one store shared with the command line."""

from __future__ import annotations

import base64
import http.client
import json
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

import tmplkit
from tests.conftest import SAMPLE_TEMPLATES, ProjectEnv, Result, refusal
from tests.live_server import LiveServer, live_server
from tmplkit.i18n import workflow
from tmplkit.i18n.catalog import keys_json, read_po
from tmplkit.i18n.extract import catalog_path, extract_files
from tmplkit.langtags import display_name
from tmplkit.server.keys import KeyStore
from tmplkit.server.limits import RateLimiter
from tmplkit.store import PARTS
from tmplkit.targets.base import Emitter

# --- the sample project's ids ----------------------------------------------------------------

WORKSPACE = "fdr_01m2fgk51kmqs79c482bxrdnch"  # Acme Shop
WELCOME = "tem_01m2tk2hrwq2n4kgkyppv1bnkx"
RESET = "tem_01m2tes7aa7mr85hk6z60dyz85"
ORDER = "tem_01m2n5d9rf9y9x6nmxjjscqfn0"
SHIPPING = "tem_01m2qd7872k9hs1c89hkwa0wb6"
TEMPLATES = [WELCOME, RESET, ORDER, SHIPPING]
NEXT_DRAFTS = [  # each template's draft in progress
    "tdft_01m6nf8m8xx9h83sqfyac5qdqp",
    "tdft_01m6kb5n5p1pbtwsdkpzwk47ms",
    "tdft_01m6gcf97zxybbb8msg2ee1s2d",
    "tdft_01m6jw9k8s97aqgwda5y68angv",
]
WELCOME_NEXT = NEXT_DRAFTS[0]
WELCOME_PUBLISHED = "tdft_01m2tk2km6nk9x64j6mb5ps4nk"
ORDERS = "fdr_01m2fgpt84sdm1efgywbqr3wrz"
FOOTER = "blk_01m2j9cz7zwxzqzg9cqw3xee3r"
NO_TEMPLATE = "tem_" + "0" * 26  # well formed, and no such template
NO_LOCALIZATION = "loc_" + "0" * 26

# --- Dyspatch's objects (docs/server.md "Objects"): their keys, by version --------------------

FOLDER = {"id", "name", "description", "url", "createdAt", "updatedAt", "slug", "parentId"}
TEMPLATE_META = {
    *("id", "name", "description", "url", "path", "workspaceId", "localizations"),
    *("createdAt", "updatedAt", "publishedDraftId", "slug", "folderId"),
}
DRAFT_META = {
    *("id", "templateId", "template", "templateName", "name", "url", "path", "workspaceId"),
    *("status", "designApprovedDate", "createdAt", "updatedAt", "slug", "archived"),
}
SHAPES = {
    "folder": FOLDER,
    "folderList": FOLDER | {"subfolders"},
    "templateMeta": TEMPLATE_META,
    "template": TEMPLATE_META | {"compiled"},
    "draftMeta": DRAFT_META,
    "draft": DRAFT_META | {"compiled", "localizations"},
    "localizationMeta": {"id", "name", "url", "localeGroup", "languages", "updatedAt"},
    "localization": {
        *("id", "name", "url", "localeGroup", "languages", "template", "compiled"),
        *("createdAt", "updatedAt"),
    },
    "block": {"id", "name", "description", "url", "createdAt", "updatedAt", "slug"},
}
TAGGED = {"templateMeta", "template", "draftMeta", "draft", "block"}  # `tags` from 2025.06
COMPILED = {"sender", "replyTo", "subject", "html", "ampHtml", "text"}
RENDERED = {"sender", "replyTo", "subject", "html", "ampHtml", "text"}  # TemplateRender
TARGETS = [
    *("html", "handlebars", "ampscript", "freemarker", "cheetah", "jinja", "liquid"),
    *("mandrillhandlebars", "handlebarsjava", "sendgrid"),
]
LATEST = "2026.07"
POT = "text/vnd.dyspatch.2026.06+x-gettext-translation"
PO = "text/x-gettext-translation"

# Every endpoint of docs/server.md's table, as its OpenAPI path.
ENDPOINTS = [
    ("GET", "/workspaces"),
    ("GET", "/workspaces/{folderId}"),
    ("GET", "/templates"),
    ("GET", "/templates/{templateId}"),
    ("POST", "/render/template/{templateId}"),
    ("POST", "/render/template/{templateId}/{languageId}"),
    ("GET", "/drafts"),
    ("GET", "/drafts/{draftId}"),
    ("DELETE", "/drafts/{draftId}"),
    ("POST", "/drafts/{draftId}/publishRequest"),
    ("POST", "/drafts/{draftId}/publish/approve"),
    ("POST", "/drafts/{draftId}/publish/approveAll"),
    ("POST", "/drafts/{draftId}/publish/reject"),
    ("POST", "/drafts/{draftId}/duplicate"),
    ("PUT", "/drafts/{draftId}/lockForTranslation"),
    ("DELETE", "/drafts/{draftId}/lockForTranslation"),
    ("GET", "/drafts/{draftId}/localizations"),
    ("PUT", "/drafts/{draftId}/localizations/{languageId}"),
    ("DELETE", "/drafts/{draftId}/localizations/{languageId}"),
    ("GET", "/drafts/{draftId}/localizations/{languageId}/translations"),
    ("PUT", "/drafts/{draftId}/localizations/{languageId}/translations"),
    ("GET", "/drafts/{draftId}/localizationKeys"),
    ("GET", "/localizations/{localizationId}"),
    ("GET", "/localizations/{localizationId}/drafts/{draftId}"),
    ("GET", "/blocks"),
    ("GET", "/blocks/{blockId}"),
    ("GET", "/blocks/{blockId}/localizations"),
    ("GET", "/blocks/{blockId}/localizationKeys"),
    ("PUT", "/blocks/{blockId}/localizations/{languageId}"),
    ("DELETE", "/blocks/{blockId}/localizations/{languageId}"),
    ("GET", "/blocks/{blockId}/localizations/{languageId}/translations"),
    ("PUT", "/blocks/{blockId}/localizations/{languageId}/translations"),
]
SAMPLE_IDS = {
    "folderId": WORKSPACE,
    "templateId": WELCOME,
    "draftId": WELCOME_NEXT,
    "languageId": "fr-FR",
    "localizationId": NO_LOCALIZATION,
    "blockId": FOOTER,
}
COMPILING = {  # the endpoints that require targetLanguage
    "/templates/{templateId}",
    "/drafts/{draftId}",
    "/localizations/{localizationId}",
    "/localizations/{localizationId}/drafts/{draftId}",
}


def sample_url(path: str) -> str:
    """An endpoint's path with the sample project's ids (and targetLanguage where required)."""
    query = "?targetLanguage=html" if path in COMPILING else ""
    return path.format(**SAMPLE_IDS) + query


def shape(kind: str, version: str) -> set[str]:
    """The keys of an object of `kind` in API `version` ("YYYY.MM" compares as text)."""
    return SHAPES[kind] | ({"tags"} if kind in TAGGED and version >= "2025.06" else set())


def compiled_shape(version: str) -> set[str]:
    return COMPILED | ({"variables"} if version >= "2025.09" else set())


def media_type(response: httpx.Response) -> str:
    return response.headers["content-type"].split(";")[0].strip()


def assert_error(
    response: httpx.Response,
    status: int,
    code: str,
    parameter: str | None = None,
    *,
    endpoint: bool = True,
) -> str:
    """Dyspatch's error body with `status` and `code` (and `parameter`); its one-line message.
    An answer of an endpoint (not the router's: no such route, no such method) carries
    X-RateLimit-Remaining."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code, body
    if parameter is not None:
        assert body == {"code": code, "message": body["message"], "parameter": parameter}
    else:
        assert set(body) <= {"code", "message", "parameter"}, body
    assert body["message"].strip() and "\n" not in body["message"], body
    if endpoint:
        remaining = response.headers.get("x-ratelimit-remaining", "missing")
        assert remaining.isdigit(), f"every answer carries X-RateLimit-Remaining, not {remaining}"
    return str(body["message"])


def decoded(compiled: dict[str, Any]) -> dict[str, str]:
    """A `compiled` object's parts: Base64 (UTF-8) decoded, sender and replyTo as given."""
    out = {k: base64.b64decode(compiled[k], validate=True).decode() for k in COMPILED_B64}
    return {**out, "sender": compiled["sender"], "replyTo": compiled["replyTo"]}


COMPILED_B64 = ("subject", "html", "ampHtml", "text")


def compiled_as_served(
    source: str, target: str, *, project: tmplkit.Project, **options: Any
) -> tmplkit.Compiled:
    """What the server compiles: as `tmplkit compile --inline-formats` (docs/server.md)."""
    return tmplkit.compile_parts(source, target, project=project, inline_formats=True, **options)


def expected_parts(compiled: tmplkit.Compiled) -> dict[str, str]:
    """What `decoded` gives for the library's Compiled (a part it lacks is empty; no AMP)."""
    return {
        "subject": compiled.subject or "",
        "html": compiled.html or "",
        "ampHtml": "",
        "text": compiled.text or "",
        "sender": compiled.sender or "",
        "replyTo": compiled.reply_to or "",
    }


# --- the servers ------------------------------------------------------------------------------


@dataclass
class Served:
    """A live server over a project, and an httpx client holding its key."""

    project: tmplkit.Project
    server: LiveServer
    http: httpx.Client

    @property
    def root(self) -> Path:
        return self.project.root

    def reload(self) -> tmplkit.Project:
        """The project read afresh from disk: what the server wrote, as the library sees it."""
        return tmplkit.open_project(self.root)

    def get(self, path: str, version: str = "2026.06", **params: str) -> Any:
        """GET path in `version`: 200 and the version named in Content-Type; the JSON body."""
        response = self.http.get(path, params=params, headers=self.server.headers(version))
        assert response.status_code == 200, response.text
        assert media_type(response) == f"application/vnd.dyspatch.{version}+json"
        assert response.headers.get("x-ratelimit-remaining", "").isdigit()
        return response.json()

    def address(self, url: str) -> str:
        """The path an object's `url` names on this server (given absolute or not)."""
        full = urlsplit(urljoin(self.server.url + "/", url))
        assert f"{full.scheme}://{full.netloc}" == self.server.url, url
        return full.path

    def new_template(self, name: str) -> ProjectEnv:
        """A new template in the Orders folder, with its "Draft 1" (subject "Subject", body
        "Hello!"), made through the library: for a test that writes."""
        template = self.project.templates.create(ORDERS, name)
        (draft,) = self.project.drafts.list(template.id)
        folder = self.project.folders.get(ORDERS)
        workspace = self.project.workspaces.get(WORKSPACE)
        return ProjectEnv(self.project, self.root, workspace, folder, template, draft)


@contextmanager
def serve(project: tmplkit.Project, **options: Any) -> Iterator[Served]:
    """Serve `project` (create_app's keywords in `options`); without a limiter, one that no
    test spends (with a limit, every answer carries X-RateLimit-Remaining)."""
    options.setdefault("limiter", RateLimiter(per_minute=1_000_000))
    with (
        live_server(project, **options) as server,
        httpx.Client(base_url=server.url, headers=server.headers(), timeout=60) as client,
    ):
        yield Served(project, server, client)


def copy_sample(dest: Path) -> tmplkit.Project:
    shutil.copytree(SAMPLE_TEMPLATES, dest, ignore=shutil.ignore_patterns(".tmplkit"))
    return tmplkit.open_project(dest)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The sample project served: tests that write make their own templates and drafts."""
    with serve(copy_sample(tmp_path_factory.mktemp("http") / "sample")) as s:
        yield s


@dataclass
class Localized:
    draft: str
    id: str  # its fr-FR localization


@pytest.fixture(scope="module")
def localized(served: Served) -> Localized:
    """A draft of Welcome (a copy of the published one) with a French localization."""
    draft = served.project.drafts.create(WELCOME, name="Localized")
    localization = served.project.drafts.add_localization(draft.id, "fr-FR")
    return Localized(draft.id, localization.id)


def raw(
    served: Served,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """A request with the path sent byte for byte (no normalizing, no default headers)."""
    url = urlsplit(served.server.url)
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def count_compilations(monkeypatch: pytest.MonkeyPatch) -> Callable[[], int]:
    """How many parts were compiled since: compiling a part to any target (the renderer's
    preparation compiles to Jinja) makes one emitter, and every emitter class is made through
    Emitter.__init__, whichever module the server calls it from."""
    count = 0
    original = Emitter.__init__

    def counting(self: Emitter, *args: Any, **kwargs: Any) -> None:
        nonlocal count
        count += 1
        original(self, *args, **kwargs)

    monkeypatch.setattr(Emitter, "__init__", counting)
    return lambda: count


# --- keys, routes, the OpenAPI document --------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), ENDPOINTS, ids=[f"{m} {p}" for m, p in ENDPOINTS])
def test_every_endpoint_refuses_a_request_without_a_valid_key(
    served: Served, snapshot: Callable[[Path], Any], method: str, path: str
) -> None:
    before = snapshot(served.root)
    url = served.server.url + sample_url(path)
    accept = {"Accept": "application/vnd.dyspatch.2026.06+json"}
    for auth in ({}, {"Authorization": "Bearer tk_not-a-key"}, {"Authorization": "tk_x"}):
        response = httpx.request(method, url, headers={**accept, **auth}, json={"name": "x"})
        assert_error(response, 401, "unauthenticated")
    assert snapshot(served.root) == before


def test_a_revoked_key_is_refused_from_the_next_request(served: Served) -> None:
    keys = KeyStore(served.project)  # another process's view: `tmplkit apikey`
    key, secret = keys.create("revoked soon")
    headers = {"Authorization": f"Bearer {secret}"}
    assert served.http.get("/workspaces", headers=headers).status_code == 200
    keys.revoke(key.id)
    assert_error(served.http.get("/workspaces", headers=headers), 401, "unauthenticated")


def test_the_openapi_document_needs_no_key_and_names_every_endpoint(served: Served) -> None:
    response = httpx.get(served.server.url + "/openapi.json")
    assert response.status_code == 200, response.text
    document = response.json()
    assert document["openapi"].startswith("3.")
    missing = [f"{m} {p}" for m, p in ENDPOINTS if m.lower() not in document["paths"].get(p, {})]
    assert missing == []


def test_an_unknown_route_is_404_and_an_unknown_method_405(served: Served) -> None:
    assert_error(served.http.get("/nothing-here"), 404, "not_found", endpoint=False)
    assert_error(served.http.patch("/templates"), 405, "invalid_request", endpoint=False)
    response = served.http.delete(f"/templates/{WELCOME}")
    assert_error(response, 405, "invalid_request", endpoint=False)


# --- objects and versions -----------------------------------------------------------------


@pytest.mark.parametrize("version", ["2020.11", "2026.06"])
def test_every_object_has_exactly_dyspatchs_keys(
    served: Served, localized: Localized, version: str
) -> None:
    def check(obj: dict[str, Any], kind: str) -> None:
        assert set(obj) == shape(kind, version), kind
        if "tags" in obj:
            assert obj["tags"] == []
        if "compiled" in obj:
            assert set(obj["compiled"]) == compiled_shape(version), kind
        for localization in obj.get("localizations", []):
            check(localization, "localizationMeta")
        for folder in obj.get("subfolders", []):
            check(folder, "folder")

    def page(path: str, kind: str) -> list[dict[str, Any]]:
        body = served.get(path, version)
        assert set(body) == {"cursor", "data"}
        assert body["cursor"]["hasMore"] is ("next" in body["cursor"])
        for item in body["data"]:
            check(item, kind)
        return list(body["data"])

    page("/workspaces", "folder")
    check(served.get(f"/workspaces/{WORKSPACE}", version), "folderList")
    page("/templates", "templateMeta")
    check(served.get(f"/templates/{WELCOME}", version, targetLanguage="jinja"), "template")
    page("/drafts", "draftMeta")
    draft = served.get(f"/drafts/{localized.draft}", version, targetLanguage="jinja")
    check(draft, "draft")
    assert [loc["id"] for loc in draft["localizations"]] == [localized.id]
    for localization in served.get(f"/drafts/{localized.draft}/localizations", version):
        check(localization, "localizationMeta")
    check(
        served.get(
            f"/localizations/{localized.id}/drafts/{localized.draft}",
            version,
            targetLanguage="jinja",
        ),
        "localization",
    )
    page("/blocks", "block")
    check(served.get(f"/blocks/{FOOTER}", version), "block")


def all_pages(served: Served, path: str, **params: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor: dict[str, str] = {}
    while True:
        body = served.get(path, **params, **cursor)
        items += body["data"]
        if not body["cursor"]["hasMore"]:
            return items
        cursor = {"cursor": body["cursor"]["next"]}


def test_objects_carry_the_projects_values(served: Served) -> None:
    project = served.reload()
    workspaces = all_pages(served, "/workspaces")
    assert [w["id"] for w in workspaces] == [WORKSPACE]
    folder = served.get(f"/workspaces/{WORKSPACE}")
    subfolders = sorted(f.id for f in project.folders.subfolders(WORKSPACE))
    assert sorted(f["id"] for f in folder["subfolders"]) == subfolders
    for item in [*workspaces, folder, *folder["subfolders"]]:
        f = project.folders.get(item["id"])
        assert served.address(item.pop("url")) == f"/workspaces/{f.id}"
        item.pop("subfolders", None)
        assert item == {
            "id": f.id,
            "name": f.name,
            "description": f.description,
            "slug": f.slug,
            "parentId": f.parent_id,
            "createdAt": f.created_at,
            "updatedAt": f.updated_at,
        }

    templates = all_pages(served, "/templates")
    assert [t["id"] for t in templates] == sorted(t.id for t in project.templates.list())
    for item in templates:
        t = project.templates.get(item["id"])
        assert served.address(item.pop("url")) == f"/templates/{t.id}"
        assert item.pop("localizations") == []  # no published draft of the sample has any
        assert item == {
            "id": t.id,
            "name": t.name,
            "description": t.description,
            "slug": t.slug,
            "path": t.path,
            "workspaceId": t.workspace_id,
            "folderId": t.folder_id,
            "publishedDraftId": t.published_draft_id,
            "createdAt": t.created_at,
            "updatedAt": t.updated_at,
            "tags": [],
        }

    drafts = all_pages(served, "/drafts")
    live = [d for d in project.drafts.list() if not d.archived]
    assert [d["id"] for d in drafts] == sorted(d.id for d in live)
    for item in drafts:
        d = project.drafts.get(item["id"])
        t = project.drafts.template_of(d)
        assert served.address(item.pop("url")) == f"/drafts/{d.id}"
        item.pop("designApprovedDate")  # tmplkit has no design approval: Dyspatch's "empty"
        assert item == {
            "id": d.id,
            "templateId": t.id,
            "template": t.id,
            "templateName": t.name,
            "name": d.name,
            "slug": d.slug,
            "path": t.path,
            "workspaceId": t.workspace_id,
            "status": d.status.value,
            "archived": False,
            "createdAt": d.created_at,
            "updatedAt": d.updated_at,
            "tags": [],
        }

    blocks = all_pages(served, "/blocks")
    assert [b["id"] for b in blocks] == sorted(b.id for b in project.blocks.list())
    for item in [*blocks, served.get(f"/blocks/{FOOTER}")]:
        b = project.blocks.get(item["id"])
        assert served.address(item.pop("url")) == f"/blocks/{b.id}"
        assert item == {
            "id": b.id,
            "name": b.name,
            "description": b.description,
            "slug": b.slug,
            "createdAt": b.created_at,
            "updatedAt": b.updated_at,
            "tags": [],
        }


CLIENT_ACCEPT = "application/vnd.dyspatch.2020.11+json, */*"  # dyspatch-python 6.0.0's


@pytest.mark.parametrize(
    ("accept", "version"),
    [
        ("application/vnd.dyspatch.2019.03+json", "2019.03"),
        ("application/vnd.dyspatch.2020.11+json", "2020.11"),
        (CLIENT_ACCEPT, "2020.11"),
        ("application/vnd.dyspatch.2025.06+json", "2025.06"),
        ("application/vnd.dyspatch.2025.09+json", "2025.09"),
        ("application/vnd.dyspatch.2026.06+json", "2026.06"),
        ("application/vnd.dyspatch.2026.07+json", "2026.07"),
        ("*/*", LATEST),
        ("application/json", LATEST),
        (None, LATEST),
    ],
)
def test_the_version_asked_for_in_accept_is_answered(
    served: Served, accept: str | None, version: str
) -> None:
    headers = {"Authorization": f"Bearer {served.server.key}"}
    if accept is not None:
        headers["Accept"] = accept
    status, answer, body = raw(
        served, "GET", f"/templates/{WELCOME}?targetLanguage=jinja", headers=headers
    )
    assert status == 200, body
    assert answer["content-type"].split(";")[0] == f"application/vnd.dyspatch.{version}+json"
    template = json.loads(body)
    assert set(template) == shape("template", version)
    assert set(template["compiled"]) == compiled_shape(version)


@pytest.mark.parametrize(
    "accept",
    [
        "application/vnd.dyspatch.2019.02+json",
        "application/vnd.dyspatch.2026.08+json",
        "application/vnd.dyspatch.2099.01+json",
        "application/vnd.dyspatch.latest+json",
    ],
)
def test_an_unknown_version_is_400_invalid_request(served: Served, accept: str) -> None:
    response = served.http.get("/templates", headers={"Accept": accept})
    assert_error(response, 400, "invalid_request")


# --- compiled templates, drafts and localizations ------------------------------------------------


@pytest.mark.parametrize("target", TARGETS)
def test_a_template_compiled_to_each_target_is_compile_parts(served: Served, target: str) -> None:
    """The published draft compiled as the library compiles it (with inline formats); a
    construct the target cannot express is a 400 naming targetLanguage, with the library's
    one-line message: the order confirmation's and the shipping notification's dates and money
    in handlebarsjava, whose tk_format helper exists in JavaScript only (docs/server.md)."""
    refused = []
    for template_id in TEMPLATES:
        response = served.http.get(f"/templates/{template_id}", params={"targetLanguage": target})
        try:
            expected = compiled_as_served(template_id, target, project=served.reload())
        except tmplkit.TmplkitError as exc:
            message = assert_error(response, 400, "invalid_parameter", "targetLanguage")
            assert message == str(exc)
            refused.append(template_id)
            continue
        assert response.status_code == 200, response.text
        template = response.json()
        assert template["id"] == template_id
        assert decoded(template["compiled"]) == expected_parts(expected)
        assert template["compiled"]["variables"] == expected.variables
    assert refused == ([ORDER, SHIPPING] if target == "handlebarsjava" else [])


@pytest.mark.parametrize("draft_id", NEXT_DRAFTS)
def test_a_draft_compiled_is_compile_parts_of_that_draft(served: Served, draft_id: str) -> None:
    project = served.reload()
    template_id = project.drafts.get(draft_id).template_id
    for target in ("jinja", "html"):
        draft = served.get(f"/drafts/{draft_id}", targetLanguage=target)
        expected = compiled_as_served(template_id, target, project=project, draft=draft_id)
        assert decoded(draft["compiled"]) == expected_parts(expected)
        assert draft["compiled"]["variables"] == expected.variables


def test_a_localization_is_compiled_in_its_language(served: Served) -> None:
    env = served.new_template("Localized then published")
    draft = env.draft.id
    response = served.http.put(f"/drafts/{draft}/localizations/pl-PL", json={"name": "Polski"})
    assert response.status_code == 200, response.text
    translations = {"Subject": "Temat", "Hello!": "Cześć!"}
    response = served.http.put(
        f"/drafts/{draft}/localizations/pl-PL/translations", json=translations
    )
    assert response.status_code == 200, response.text
    (localization,) = served.reload().drafts.get(draft).localizations

    got = served.get(f"/localizations/{localization.id}/drafts/{draft}", targetLanguage="liquid")
    expected = compiled_as_served(
        env.template.id, "liquid", project=served.reload(), draft=draft, locale="pl-PL"
    )
    assert decoded(got["compiled"]) == expected_parts(expected)
    assert base64.b64decode(got["compiled"]["subject"]).decode() == "Temat\n"
    assert (got["id"], got["name"], got["languages"]) == (localization.id, "Polski", ["pl-PL"])
    assert got["template"] == env.template.id
    assert served.address(got["url"]).startswith(f"/localizations/{localization.id}")

    # Not published yet: no published localization of that id.
    response = served.http.get(
        f"/localizations/{localization.id}", params={"targetLanguage": "jinja"}
    )
    assert_error(response, 404, "not_found")
    served.project.drafts.submit(draft)
    served.project.drafts.approve(draft)
    got = served.get(f"/localizations/{localization.id}", targetLanguage="jinja")
    expected = compiled_as_served(env.template.id, "jinja", project=served.reload(), locale="pl-PL")
    assert decoded(got["compiled"]) == expected_parts(expected)
    assert "Cześć!" in (expected.html or "")  # (the catalog was used)
    template = served.get(f"/templates/{env.template.id}", targetLanguage="jinja")
    assert [loc["id"] for loc in template["localizations"]] == [localization.id]

    response = served.http.get(
        f"/localizations/{NO_LOCALIZATION}", params={"targetLanguage": "jinja"}
    )
    assert_error(response, 404, "not_found")


def test_a_target_language_unknown_or_missing_is_400_invalid_parameter(
    served: Served, localized: Localized
) -> None:
    for path in (
        f"/templates/{WELCOME}",
        f"/drafts/{WELCOME_NEXT}",
        f"/localizations/{localized.id}/drafts/{localized.draft}",
    ):
        for params in ({"targetLanguage": "mjml"}, {"targetLanguage": "HTML"}, {}):
            response = served.http.get(path, params=params)
            assert_error(response, 400, "invalid_parameter", "targetLanguage")


def test_unknown_ids_are_404_and_malformed_ids_400(served: Served) -> None:
    for path in (f"/templates/{NO_TEMPLATE}", "/drafts/tdft_" + "0" * 26):
        assert_error(served.http.get(path, params={"targetLanguage": "html"}), 404, "not_found")
    assert_error(served.http.get("/workspaces/fdr_" + "0" * 26), 404, "not_found")
    assert_error(served.http.get("/blocks/blk_" + "0" * 26), 404, "not_found")
    response = served.http.get("/templates/welcome", params={"targetLanguage": "html"})
    assert_error(response, 400, "invalid_parameter", "templateId")
    response = served.http.get("/drafts/tem_x", params={"targetLanguage": "html"})
    assert_error(response, 400, "invalid_parameter", "draftId")
    assert_error(served.http.get("/blocks/footer"), 400, "invalid_parameter", "blockId")


# --- lists: filters, pages, cursors ---------------------------------------------------------------


def test_drafts_are_filtered_by_status(served: Served) -> None:
    env = served.new_template("Statuses")
    states = ["IN_PROGRESS", "PENDING_APPROVAL", "LOCKED_FOR_TRANSLATION", "PUBLISHED"]
    for state in [*states, "ARCHIVED(IN_PROGRESS)"]:
        env.draft_in(state, name=state.lower().replace("(", " ").rstrip(")"))
    project = served.reload()
    mine = {"templateId": env.template.id}

    def ids(**params: str) -> list[str]:
        return [d["id"] for d in all_pages(served, "/drafts", **mine, **params)]

    live = [d.id for d in project.drafts.list(env.template.id) if not d.archived]
    assert ids() == sorted(live)
    for status in [*states, "ARCHIVED"]:
        expected = sorted(d.id for d in project.drafts.list(env.template.id, status=status))
        assert ids(status=status) == expected, status
        assert len(expected) == (2 if status == "IN_PROGRESS" else 1)  # with "Draft 1"
    assert ids(status="awaitingTranslation") == ids(status="LOCKED_FOR_TRANSLATION")
    (archived,) = all_pages(served, "/drafts", **mine, status="ARCHIVED")
    assert archived["archived"] is True

    assert_error(
        served.http.get("/drafts", params={"status": "DONE"}), 400, "invalid_parameter", "status"
    )
    response = served.http.get("/drafts", params={"templateId": "../x"})
    assert_error(response, 400, "invalid_parameter", "templateId")


@dataclass
class Bulk:
    """A project of many templates: 60 in Bulk, 3 in Bulk/Nested, 5 in Other, 26 in Growing."""

    served: Served
    workspace: str
    bulk: str
    growing: str


@pytest.fixture(scope="module")
def bulk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bulk]:
    project = tmplkit.init_project(tmp_path_factory.mktemp("pages") / "p", name="Pages")
    workspace = project.workspaces.create("Bulk shop")
    folders = {
        name: project.folders.create(name, workspace.id) for name in ("Bulk", "Other", "Growing")
    }
    nested = project.folders.create("Nested", folders["Bulk"].id)
    for folder, name, count in [
        (folders["Bulk"], "Item", 60),
        (nested, "Nested", 3),
        (folders["Other"], "Other", 5),
        (folders["Growing"], "Growing", 26),
    ]:
        for i in range(count):
            project.templates.create(folder.id, f"{name} {i:02}")
    with serve(project) as s:
        yield Bulk(s, workspace.id, folders["Bulk"].id, folders["Growing"].id)


def pages(served: Served, path: str, start: str | None = None, **params: str) -> list[list[str]]:
    """The ids on each page, following the cursors (from `start`) with the same filters."""
    out: list[list[str]] = []
    cursor = {"cursor": start} if start else {}
    while len(out) < 50:
        body = served.get(path, **params, **cursor)
        out.append([item["id"] for item in body["data"]])
        if not body["cursor"]["hasMore"]:
            assert body["cursor"] == {"hasMore": False}
            return out
        assert set(body["cursor"]) == {"next", "hasMore"}
        cursor = {"cursor": body["cursor"]["next"]}
    raise AssertionError("the cursors never ended")


def flat(pages: list[list[str]]) -> list[str]:
    return [item for page in pages for item in page]


def test_templates_come_25_to_a_page_and_the_filters_hold_on_every_page(bulk: Bulk) -> None:
    project = bulk.served.reload()
    everything = sorted(t.id for t in project.templates.list())
    in_bulk = sorted(t.id for t in project.templates.list(bulk.bulk) if t.folder_id == bulk.bulk)
    assert len(in_bulk) == 60

    by_folder = pages(bulk.served, "/templates", folderId=bulk.bulk)  # immediate children only
    assert [len(p) for p in by_folder] == [25, 25, 10]
    assert flat(by_folder) == in_bulk
    by_workspace = pages(bulk.served, "/templates", workspaceId=bulk.workspace)  # nested too
    assert [len(p) for p in by_workspace] == [25, 25, 25, 19]
    assert flat(by_workspace) == everything
    by_name = pages(bulk.served, "/templates", name="item", folderId=bulk.bulk)
    assert flat(by_name) == in_bulk
    assert [len(p) for p in pages(bulk.served, "/templates", name="NESTED")] == [3]
    assert [len(p) for p in pages(bulk.served, "/templates", name="Item 0")] == [10]


def test_drafts_come_25_to_a_page(bulk: Bulk) -> None:
    project = bulk.served.reload()
    everything = sorted(d.id for d in project.drafts.list())
    assert [len(p) for p in pages(bulk.served, "/drafts")] == [25, 25, 25, 19]
    assert flat(pages(bulk.served, "/drafts", status="IN_PROGRESS")) == everything
    template = project.templates.list(bulk.bulk)[0]
    (draft,) = project.drafts.list(template.id)
    assert pages(bulk.served, "/drafts", templateId=template.id) == [[draft.id]]


def test_an_object_created_meanwhile_never_repeats_or_skips_a_page(bulk: Bulk) -> None:
    first = bulk.served.get("/templates", folderId=bulk.growing)
    assert len(first["data"]) == 25
    created = bulk.served.project.templates.create(bulk.growing, "Growing 26")
    rest = pages(bulk.served, "/templates", first["cursor"]["next"], folderId=bulk.growing)
    seen = [t["id"] for t in first["data"]] + flat(rest)
    growing = bulk.served.reload().templates.list(bulk.growing)
    assert seen == sorted(t.id for t in growing)
    assert seen[-1] == created.id and len(seen) == 27


def test_a_bad_cursor_is_400_invalid_parameter(bulk: Bulk) -> None:
    for cursor in ("garbage", "tem_01", "%%%", "dGVtXy4uLw"):  # the last: "tem_../"
        response = bulk.served.http.get("/templates", params={"cursor": cursor})
        assert_error(response, 400, "invalid_parameter", "cursor")


# --- localization keys, translations (JSON and PO), localizations ------------------------------


def draft_keys(project: tmplkit.Project, draft_id: str) -> list[dict[str, Any]]:
    """Dyspatch's localization keys of one draft, as the library extracts them."""
    draft = project.drafts.get(draft_id)
    files = [draft.dir / name for name in PARTS.values() if (draft.dir / name).is_file()]
    return list(json.loads(keys_json(extract_files(files, project.root))))


@pytest.mark.parametrize("draft_id", [*NEXT_DRAFTS, WELCOME_PUBLISHED])
def test_localization_keys_are_the_drafts_strings_as_json_and_as_pot(
    served: Served, draft_id: str
) -> None:
    expected = draft_keys(served.reload(), draft_id)
    assert served.get(f"/drafts/{draft_id}/localizationKeys") == expected
    response = served.http.get(f"/drafts/{draft_id}/localizationKeys", headers={"Accept": POT})
    assert response.status_code == 200, response.text
    assert media_type(response) == POT
    pot = read_po(response.content, "keys.pot")
    assert [(m.context, m.msgid, m.plural) for m in pot.active] == [
        (k.get("context"), k["key"], k.get("plural")) for k in expected
    ]
    assert all(not m.translated for m in pot.active)


def test_a_blocks_localization_keys(served: Served) -> None:
    project = served.reload()
    expected = json.loads(keys_json(workflow.extract(project, project.blocks.get(FOOTER))))
    assert served.get(f"/blocks/{FOOTER}/localizationKeys") == expected


def translations_of(served: Served, path: str) -> dict[str, Any]:
    """GET translations as JSON: the translated ones (an untranslated key may be given "")."""
    response = served.http.get(path)
    assert response.status_code == 200, response.text
    assert media_type(response).endswith("json")
    return {k: v for k, v in response.json().items() if v}


def test_translations_round_trip_as_json_and_po_and_render(
    served: Served, run: Callable[..., Result]
) -> None:
    env = served.new_template("Translated")
    draft, template = env.draft.id, env.template
    path = f"/drafts/{draft}/localizations/de-DE"
    assert served.http.put(path, json={"name": "Deutsch"}).status_code == 200
    german = {"Subject": "Betreff", "Hello!": "Hallo!"}
    response = served.http.put(path + "/translations", json=german)
    assert response.status_code == 200, response.text

    assert translations_of(served, path + "/translations") == german
    response = served.http.get(path + "/translations", headers={"Accept": PO})
    assert response.status_code == 200, response.text
    assert media_type(response) == PO
    po = read_po(response.content, "de-DE.po", "de-DE")
    assert {m.msgid: m.translation for m in po.active if m.translated} == german
    stored = workflow.read_catalog(served.reload(), "de-DE", template)
    assert {m.msgid: m.translation for m in stored.active if m.translated} == german

    result = run(
        *("--project", served.root, "render", template.id, "--draft", draft),
        *("--locale", "de-DE", "--format", "json"),
    )
    assert result.code == 0, result.err
    message = json.loads(result.out)
    assert message["subject"] == "Betreff"
    assert "<p>Hallo!</p>" in message["html"]

    # PUT replaces them all; PO in, as Dyspatch's Content-Type says.
    po_text = (
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
        '"Language: de-DE\\n"\n\nmsgid "Subject"\nmsgstr "Titel"\n'
    )
    response = served.http.put(
        path + "/translations", content=po_text.encode(), headers={"Content-Type": PO}
    )
    assert response.status_code == 200, response.text
    assert translations_of(served, path + "/translations") == {"Subject": "Titel"}


def test_translations_with_a_problem_are_400_and_nothing_is_written(
    served: Served, snapshot: Callable[[Path], Any]
) -> None:
    env = served.new_template("Badly translated")
    path = f"/drafts/{env.draft.id}/localizations/de-DE"
    assert served.http.put(path, json={"name": "Deutsch"}).status_code == 200
    before = snapshot(served.root)
    body = '{\n  "Subject": "Betreff",\n  "Hello!": "Hallo %(x)s!"\n}'
    json_type = {"Content-Type": "application/json"}
    response = served.http.put(path + "/translations", content=body, headers=json_type)
    message = assert_error(response, 400, "invalid_body")
    assert message.endswith(":3: de-DE: 'Hello!': unknown placeholder %(x)s"), message
    for bad in ("{", '["Betreff"]', '{"Subject": 3}'):
        response = served.http.put(path + "/translations", content=bad, headers=json_type)
        assert_error(response, 400, "invalid_body")
    po_body = 'msgid "Subject"\nmsgstr "Betreff\n'  # an unterminated string
    response = served.http.put(
        path + "/translations", content=po_body, headers={"Content-Type": PO}
    )
    assert_error(response, 400, "invalid_body")
    assert snapshot(served.root) == before


def test_a_drafts_localizations_are_added_renamed_and_removed(served: Served) -> None:
    env = served.new_template("Languages")
    draft = env.draft.id
    path = f"/drafts/{draft}/localizations"
    assert served.http.put(path + "/fr-FR", json={"name": "Français"}).status_code == 200
    (french,) = served.get(path)
    assert (french["name"], french["languages"]) == ("Français", ["fr-FR"])
    (on_disk,) = served.reload().drafts.get(draft).localizations
    assert (on_disk.id, on_disk.name) == (french["id"], "Français")

    assert served.http.put(path + "/fr-FR", json={"name": "French"}).status_code == 200
    (renamed,) = served.get(path)
    assert (renamed["id"], renamed["name"]) == (french["id"], "French")

    assert served.http.delete(path + "/fr-FR").status_code == 200
    assert served.get(path) == []
    assert served.reload().drafts.get(draft).localizations == []
    assert_error(served.http.delete(path + "/fr-FR"), 404, "not_found")
    response = served.http.put(path + "/not a language", json={"name": "x"})
    assert_error(response, 400, "invalid_parameter", "languageId")


def test_a_blocks_localizations_and_translations(served: Served) -> None:
    path = f"/blocks/{FOOTER}/localizations"
    assert served.http.put(path + "/es-ES", json={"name": "Español"}).status_code == 200
    (spanish,) = [x for x in served.get(path) if x["languages"] == ["es-ES"]]
    assert spanish["name"] == "Español"
    keys = [k["key"] for k in served.get(f"/blocks/{FOOTER}/localizationKeys")]
    assert "Help center" in keys
    response = served.http.put(path + "/es-ES/translations", json={"Help center": "Ayuda"})
    assert response.status_code == 200, response.text
    assert translations_of(served, path + "/es-ES/translations") == {"Help center": "Ayuda"}
    project = served.reload()
    stored = workflow.read_catalog(project, "es-ES", project.blocks.get(FOOTER))
    assert {m.msgid: m.translation for m in stored.active if m.translated} == {
        "Help center": "Ayuda"
    }
    assert served.http.delete(path + "/es-ES").status_code == 200
    assert "es-ES" not in [lang for x in served.get(path) for lang in x["languages"]]


# --- render ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", [None, "fr-FR", "ar-EG"])
@pytest.mark.parametrize("template_id", TEMPLATES)
def test_a_render_is_tmplkit_render(
    served: Served, run: Callable[..., Result], template_id: str, locale: str | None
) -> None:
    sample = served.project.templates.get(template_id).dir / "sample.json"
    path = f"/render/template/{template_id}" + (f"/{locale}" if locale else "")
    response = served.http.post(
        path, content=sample.read_bytes(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200, response.text
    assert media_type(response) == "application/vnd.dyspatch.2026.06+json"
    rendered = response.json()
    assert set(rendered) == RENDERED

    args = ["--project", served.root, "render", template_id, "--data", sample, "--format", "json"]
    result = run(*args, *(["--locale", locale] if locale else []))
    assert result.code == 0, result.err
    message = json.loads(result.out)
    parts = ("subject", "html", "text", "sender", "replyTo")
    assert {k: rendered[k] for k in parts} == {k: message[k] for k in parts}
    assert rendered["ampHtml"] == ""


@pytest.mark.parametrize(
    "change",
    [
        {"item_count": 10**30},  # past 64 bits: orjson would read a float (1e+30)
        {"item_count": -(2**63) - 1},
        {"item_count": 2**64 - 1, "total": 0.1 + 0.2},
    ],
)
def test_a_render_reads_numbers_as_tmplkit_render_does(
    served: Served, run: Callable[..., Result], tmp_path: Path, change: dict[str, Any]
) -> None:
    sample = served.project.templates.get(ORDER).dir / "sample.json"
    data = json.loads(sample.read_text())
    data["order"].update(change)
    body = tmp_path / "data.json"
    body.write_text(json.dumps(data))
    response = served.http.post(
        f"/render/template/{ORDER}",
        content=body.read_bytes(),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text
    result = run("--project", served.root, "render", ORDER, "--data", body, "--format", "json")
    assert result.code == 0, result.err
    rendered, message = response.json(), json.loads(result.out)
    assert (rendered["html"], rendered["text"]) == (message["html"], message["text"])
    assert f"You ordered {change['item_count']} items." in rendered["html"]


def test_a_render_that_cannot_be_done_is_a_dyspatch_error(served: Served) -> None:
    json_type = {"Content-Type": "application/json"}
    for body in ("{", "[1, 2]", '"text"'):
        response = served.http.post(f"/render/template/{WELCOME}", content=body, headers=json_type)
        assert_error(response, 400, "invalid_body")
    response = served.http.post(f"/render/template/{NO_TEMPLATE}", json={})
    assert_error(response, 404, "not_found")
    response = served.http.post("/render/template/welcome", json={})
    assert_error(response, 400, "invalid_parameter", "templateId")
    response = served.http.post(f"/render/template/{WELCOME}/fr_FR!", json={})
    assert_error(response, 400, "invalid_parameter", "languageId")


# --- refused paths, the body cap, the rate limit ---------------------------------------------------

TRANSLATION = json.dumps({"Subject": "x"}).encode()
NAME = json.dumps({"name": "x"}).encode()
D = WELCOME_NEXT
# (method, path as sent, body, the status: 400 where the id stays one path segment, else any 4xx)
TRAVERSALS = [
    ("PUT", f"/drafts/{D}/localizations/%2e%2e/translations", TRANSLATION, 400),
    ("PUT", f"/drafts/{D}/localizations/..%5c..%5cevil/translations", TRANSLATION, 400),
    ("PUT", f"/drafts/{D}/localizations/fr-FR%00/translations", TRANSLATION, 400),
    ("PUT", f"/drafts/{D}/localizations/..%2F..%2F..%2Fevil/translations", TRANSLATION, 0),
    ("PUT", f"/drafts/{D}/localizations/../../../evil/translations", TRANSLATION, 0),
    ("PUT", f"/drafts/{D}/localizations/%2e%2e%2f%2e%2e%2fevil", NAME, 0),
    ("PUT", "/drafts/%2e%2e/localizations/fr-FR", NAME, 400),
    ("PUT", "/drafts/..%2f..%2ftmplkit.toml/localizations/fr-FR", NAME, 0),
    ("DELETE", "/drafts/%2e%2e", None, 400),
    ("DELETE", f"/drafts/{D}/localizations/%2e%2e", None, 400),
    ("GET", f"/drafts/{D}/localizations/%2e%2e/translations", None, 400),
    ("GET", "/templates/%2e%2e?targetLanguage=html", None, 400),
    ("GET", "/templates/..%2F..%2Ftmplkit.toml?targetLanguage=html", None, 0),
    ("GET", "/templates/tem_..%2f..%2fetc?targetLanguage=html", None, 0),
    ("POST", f"/render/template/{WELCOME}/%2e%2e", b"{}", 400),
    ("POST", f"/render/template/{WELCOME}/..%2F..%2F..%2Fetc%2Fpasswd", b"{}", 0),
    ("POST", "/drafts/tdft_%2e%2e/duplicate", NAME, 400),
    ("PUT", "/blocks/%2e%2e/localizations/fr-FR/translations", TRANSLATION, 400),
    ("PUT", f"/blocks/{FOOTER}/localizations/%2e%2e%2f%2e%2e%2fevil/translations", TRANSLATION, 0),
    ("GET", "/workspaces/%2e%2e%2f%2e%2e", None, 0),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "status"), TRAVERSALS, ids=[f"{m} {p}" for m, p, _, _ in TRAVERSALS]
)
def test_dot_dot_in_an_id_is_refused_and_nothing_is_written(
    served: Served,
    snapshot: Callable[[Path], Any],
    method: str,
    path: str,
    body: bytes | None,
    status: int,
) -> None:
    before = snapshot(served.root)
    around = {p: sorted(x.name for x in p.iterdir()) for p in served.root.parents[:3]}
    headers = served.server.headers()
    if body is not None:
        headers["Content-Type"] = "application/json"
    got, _, answer = raw(served, method, path, body, headers)
    if status:
        assert got == status, answer
        assert json.loads(answer)["code"] == "invalid_parameter"
    else:
        assert 400 <= got < 500, answer
    assert snapshot(served.root) == before
    assert {p: sorted(x.name for x in p.iterdir()) for p in around} == around


def test_a_name_with_a_path_in_it_is_refused(
    served: Served, snapshot: Callable[[Path], Any]
) -> None:
    before = snapshot(served.root)
    response = served.http.post(f"/drafts/{WELCOME_NEXT}/duplicate", json={"name": "../../evil"})
    assert response.status_code == 400, response.text
    assert snapshot(served.root) == before


@pytest.fixture(scope="module")
def capped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The sample project served with a body cap of 1 KiB."""
    with serve(copy_sample(tmp_path_factory.mktemp("capped") / "sample"), max_body=1024) as s:
        yield s


def padded_json(size: int) -> bytes:
    """A JSON object of exactly `size` bytes: render data the templates ignore."""
    body = json.dumps({"padding": ""}).encode()
    return json.dumps({"padding": "x" * (size - len(body))}).encode()


def test_a_body_over_the_cap_is_413_and_nothing_is_written(
    capped: Served, snapshot: Callable[[Path], Any]
) -> None:
    before = snapshot(capped.root)
    json_type = {"Content-Type": "application/json"}
    translations = f"/drafts/{WELCOME_NEXT}/localizations/fr-FR/translations"
    big = json.dumps({"Welcome to Acme Shop, %(name)s!": "x" * 2000}).encode()
    assert_error(capped.http.put(translations, content=big, headers=json_type), 413, "invalid_body")

    def chunks() -> Iterator[bytes]:  # no Content-Length: the cap counts what arrives
        yield big[:1000]
        yield big[1000:]

    response = capped.http.put(translations, content=chunks(), headers=json_type)
    assert_error(response, 413, "invalid_body")
    render = f"/render/template/{WELCOME}"
    response = capped.http.post(render, content=padded_json(1025), headers=json_type)
    assert_error(response, 413, "invalid_body")
    assert snapshot(capped.root) == before
    response = capped.http.post(render, content=padded_json(1024), headers=json_type)
    assert response.status_code == 200, response.text


def test_the_default_cap_is_one_mebibyte(served: Served) -> None:
    json_type = {"Content-Type": "application/json"}
    render = f"/render/template/{WELCOME}"
    response = served.http.post(render, content=padded_json(2**20 + 1), headers=json_type)
    assert_error(response, 413, "invalid_body")
    response = served.http.post(render, content=padded_json(2**20), headers=json_type)
    assert response.status_code == 200, response.text


def test_past_the_rate_limit_is_429_with_retry_after(served: Served) -> None:
    keys = KeyStore(served.project)
    with serve(served.project, keys=keys, limiter=RateLimiter(per_minute=5)) as limited:
        remaining = []
        for _ in range(5):
            response = limited.http.get("/workspaces")
            assert response.status_code == 200, response.text
            remaining.append(int(response.headers["x-ratelimit-remaining"]))
        assert remaining == [4, 3, 2, 1, 0]
        response = limited.http.get("/workspaces")
        assert_error(response, 429, "rate_limited")
        assert response.headers["x-ratelimit-remaining"] == "0"
        assert int(response.headers["retry-after"]) in (11, 12)  # one request is 12 s
        _, other = keys.create("another client")  # each key has its own bucket
        response = limited.http.get("/workspaces", headers={"Authorization": f"Bearer {other}"})
        assert response.status_code == 200, response.text
        assert response.headers["x-ratelimit-remaining"] == "4"


# --- the draft workflow -----------------------------------------------------------------------------


def test_the_workflow_endpoints_change_the_draft_on_disk(served: Served) -> None:
    env = served.new_template("Workflow")
    draft, template = env.draft.id, env.template.id

    def state(draft_id: str) -> str:
        return str(served.reload().drafts.get(draft_id).state)

    def post(path: str, **kwargs: Any) -> httpx.Response:
        response = served.http.post(path, **kwargs)
        assert response.status_code == 200, response.text
        return response

    post(f"/drafts/{draft}/publishRequest")
    assert state(draft) == "PENDING_APPROVAL"
    post(
        f"/drafts/{draft}/publish/reject",
        content="The subject says nothing.",
        headers={"Content-Type": "text/plain"},
    )
    assert state(draft) == "IN_PROGRESS"
    assert served.reload().drafts.get(draft).feedback == "The subject says nothing."
    for method, status in (("PUT", "LOCKED_FOR_TRANSLATION"), ("DELETE", "IN_PROGRESS")):
        response = served.http.request(method, f"/drafts/{draft}/lockForTranslation")
        assert (response.status_code, response.content) == (204, b"")
        assert state(draft) == status
    post(f"/drafts/{draft}/publishRequest")
    post(f"/drafts/{draft}/publish/approve")
    assert state(draft) == "PUBLISHED"
    assert served.reload().templates.get(template).published_draft_id == draft

    copy = post(f"/drafts/{draft}/duplicate", json={"name": "Second take"}).json()
    assert set(copy) == {"id"}
    project = served.reload()
    second = project.drafts.get(copy["id"])
    assert (second.name, second.state, second.template_id) == (
        "Second take",
        "IN_PROGRESS",
        template,
    )
    original = project.drafts.get(draft)
    assert part_bytes(second.dir) == part_bytes(original.dir)

    post(f"/drafts/{second.id}/publishRequest")
    post(f"/drafts/{second.id}/publish/approveAll")
    assert served.reload().templates.get(template).published_draft_id == second.id
    response = served.http.delete(f"/drafts/{draft}")
    assert (response.status_code, response.content) == (204, b"")
    assert served.reload().drafts.get(draft).archived
    assert [d["id"] for d in all_pages(served, "/drafts", templateId=template)] == [second.id]
    archived = all_pages(served, "/drafts", templateId=template, status="ARCHIVED")
    assert [d["id"] for d in archived] == [draft]


def part_bytes(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.glob("*.j2"))}


PROHIBITED = [
    ("IN_PROGRESS", "POST", "/publish/approve", "approve"),
    ("IN_PROGRESS", "POST", "/publish/reject", "reject"),
    ("IN_PROGRESS", "DELETE", "/lockForTranslation", "unlock"),
    ("PENDING_APPROVAL", "PUT", "/lockForTranslation", "lock"),
    ("PUBLISHED", "POST", "/publishRequest", "submit"),
    ("PUBLISHED", "DELETE", "", "archive"),
    ("ARCHIVED(IN_PROGRESS)", "POST", "/publishRequest", "submit"),
    ("ARCHIVED(LOCKED_FOR_TRANSLATION)", "DELETE", "/lockForTranslation", "unlock"),
]


@pytest.mark.parametrize(("state", "method", "suffix", "action"), PROHIBITED)
def test_a_transition_the_state_forbids_is_403_prohibited_action(
    served: Served,
    snapshot: Callable[[Path], Any],
    state: str,
    method: str,
    suffix: str,
    action: str,
) -> None:
    env = served.new_template(f"Refuses {action} from {state}")
    draft = env.draft_in(state)
    before = snapshot(served.root)
    response = served.http.request(method, f"/drafts/{draft.id}{suffix}")
    message = assert_error(response, 403, "prohibited_action")
    assert message == refusal(draft, env.template.id, action)
    assert snapshot(served.root) == before


def test_changing_a_published_drafts_localizations_is_403(
    served: Served, snapshot: Callable[[Path], Any]
) -> None:
    before = snapshot(served.root)
    path = f"/drafts/{WELCOME_PUBLISHED}/localizations/fr-FR"
    assert_error(served.http.put(path, json={"name": "x"}), 403, "prohibited_action")
    assert snapshot(served.root) == before


def test_a_duplicate_needs_a_name(served: Served) -> None:
    for body in (b"{}", b'{"name": 3}', b"not json"):
        response = served.http.post(
            f"/drafts/{WELCOME_NEXT}/duplicate",
            content=body,
            headers={"Content-Type": "application/json"},
        )
        assert_error(response, 400, "invalid_body")


# --- one store: edits on disk, the cache, concurrent writers ------------------------------------


def compiled_html(served: Served, draft_id: str) -> str:
    draft = served.get(f"/drafts/{draft_id}", targetLanguage="jinja")
    return base64.b64decode(draft["compiled"]["html"]).decode()


def test_a_file_edited_on_disk_shows_up_on_the_next_request(served: Served) -> None:
    env = served.new_template("Edited by hand")
    draft = env.draft
    block = served.project.blocks.create("Promo banner")
    body = draft.dir / "body.html.j2"
    body.write_text(
        '<p>{% trans %}First words{% endtrans %}</p>\n{% include "blocks/promo-banner" %}\n'
    )
    first = compiled_html(served, draft.id)
    assert "First words" in first and "Block text" in first

    body.write_text(
        '<p>{% trans %}Second words{% endtrans %}</p>\n{% include "blocks/promo-banner" %}\n'
    )
    second = compiled_html(served, draft.id)
    project = served.reload()
    expected = compiled_as_served(env.template.id, "jinja", project=project, draft=draft.id)
    assert second == expected.html
    assert "Second words" in second

    (block.dir / "block.html.j2").write_text("<p>{% trans %}New banner{% endtrans %}</p>\n")
    third = compiled_html(served, draft.id)
    assert "New banner" in third and "Block text" not in third

    # A catalog written by hand (a `git pull`) translates the next compile of that language.
    localization = served.project.drafts.add_localization(draft.id, "fr-FR")
    path = catalog_path(served.project, "fr-FR", env.template)
    url = f"/localizations/{localization.id}/drafts/{draft.id}"
    for french in ("Premiers mots", "Deuxièmes mots"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            f'msgid ""\nmsgstr "Language: fr-FR\\n"\n\nmsgid "Second words"\nmsgstr "{french}"\n'
        )
        got = served.get(url, targetLanguage="jinja")
        assert f"<p>{french}</p>" in base64.b64decode(got["compiled"]["html"]).decode()


def test_a_second_fetch_compiles_nothing(served: Served, monkeypatch: pytest.MonkeyPatch) -> None:
    env = served.new_template("Cached")
    served.project.drafts.submit(env.draft.id)
    served.project.drafts.approve(env.draft.id)
    compilations = count_compilations(monkeypatch)
    path = f"/templates/{env.template.id}"

    first = served.get(path, targetLanguage="liquid")
    after_first = compilations()
    assert after_first > 0  # (the counter sees the server compile)
    assert served.get(path, targetLanguage="liquid") == first
    assert compilations() == after_first
    served.get(path, targetLanguage="handlebars")  # another target is another compile
    after_other = compilations()
    assert after_other > after_first

    render = f"/render/template/{env.template.id}/de-DE"
    answers = [served.http.post(render, json={}).json() for _ in range(2)]
    after_renders = compilations()
    assert answers[0] == answers[1]
    assert served.http.post(render, json={"unused": 1}).json() == answers[0]
    assert compilations() == after_renders  # new data, same prepared render

    # A catalog that changes is a new compile of that language only.
    path_po = catalog_path(served.project, "de-DE", env.template)
    path_po.parent.mkdir(parents=True, exist_ok=True)
    path_po.write_text(
        'msgid ""\nmsgstr "Language: de-DE\\n"\n\nmsgid "Subject"\nmsgstr "Betreff"\n'
    )
    assert served.http.post(render, json={}).json()["subject"] == "Betreff"
    assert compilations() > after_renders
    settled = compilations()
    assert served.get(path, targetLanguage="liquid") == first
    assert compilations() == settled


def test_a_fetch_is_written_once_until_what_it_shows_changes(served: Served) -> None:
    env = served.new_template("Written once")
    served.project.drafts.submit(env.draft.id)
    served.project.drafts.approve(env.draft.id)
    api = served.server.server.config.app.server.api
    path = f"/templates/{env.template.id}"
    first = served.get(path, targetLanguage="jinja")
    written = api.answers.made
    assert served.get(path, targetLanguage="jinja") == first
    assert api.answers.made == written  # the same answer, not shaped or written again
    older = served.get(path, version="2020.11", targetLanguage="jinja")
    assert "tags" in first and "tags" not in older  # each version its own answer
    assert api.answers.made == written + 1
    served.project.templates.rename(env.template.id, "Renamed")  # another process's edit
    renamed = served.get(path, targetLanguage="jinja")
    assert renamed["name"] == "Renamed"
    assert renamed == {
        **first,
        "name": "Renamed",
        "slug": "renamed",
        "updatedAt": renamed["updatedAt"],
    }


LANGUAGES = [
    *("fr-FR", "de-DE", "es-ES", "it-IT", "pt-BR", "nl-NL", "sv-SE", "da-DK", "nb-NO", "fi-FI"),
    *("pl-PL", "cs-CZ", "hu-HU", "ro-RO", "el-GR", "tr-TR", "ru-RU", "uk-UA", "ja-JP", "ko-KR"),
]


def test_twenty_api_writers_and_a_command_lose_nothing(
    served: Served, run_proc: Callable[..., Result]
) -> None:
    """20 clients, each adding and renaming its localization of one draft (one draft.toml for
    all) and replacing its language's translations, again and again until `tmplkit
    localization add` of a 21st language on the same draft, started once they are writing,
    has finished in another process: afterwards every last acknowledged write is on disk."""
    env = served.new_template("Busy")
    draft, template = env.draft.id, env.template
    start = threading.Barrier(len(LANGUAGES) + 1)
    writing = threading.Event()  # a first write was acknowledged
    command_done = threading.Event()
    last: dict[str, tuple[str, str]] = {}  # language -> (its name, its subject), acknowledged
    failures: list[str] = []
    command: list[Result] = []
    acknowledged: list[float] = []  # when each write was answered 200
    command_ran: list[float] = []  # when the command started and ended

    def writer(language: str) -> None:
        with httpx.Client(
            base_url=served.server.url, headers=served.server.headers(), timeout=120
        ) as client:
            start.wait()
            deadline = time.monotonic() + 90
            n = 0
            after_command = False  # a write begun once the command had finished was answered
            while not (n >= 3 and after_command) and time.monotonic() < deadline:
                begun_after = command_done.is_set()
                name, subject = f"{language} #{n}", f"{language} subject {n}"
                path = f"/drafts/{draft}/localizations/{language}"
                answers = (
                    client.put(path, json={"name": name}),
                    client.put(path + "/translations", json={"Subject": subject}),
                )
                for answer in answers:
                    if answer.status_code != 200:
                        failures.append(f"{language} #{n}: {answer.status_code} {answer.text}")
                        return
                last[language] = (name, subject)
                acknowledged.append(time.monotonic())
                writing.set()
                after_command = begun_after
                n += 1

    def cli() -> None:
        start.wait()
        if not writing.wait(60):
            failures.append("no write was acknowledged in 60 s")
        command_ran.append(time.monotonic())
        try:
            command.append(
                run_proc("--project", served.root, "localization", "add", "--draft", draft, "vi-VN")
            )
        finally:
            command_ran.append(time.monotonic())
            command_done.set()

    threads = [threading.Thread(target=writer, args=(lang,)) for lang in LANGUAGES]
    threads.append(threading.Thread(target=cli))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(thread.is_alive() for thread in threads)
    assert failures == []
    assert command[0].code == 0, command[0].err
    assert sorted(last) == sorted(LANGUAGES)
    began, ended = command_ran
    # the API wrote before the command, after it, and (almost always) while it ran
    assert min(acknowledged) < began and max(acknowledged) > ended

    project = served.reload()
    localizations = project.drafts.get(draft).localizations
    assert {loc.languages[0]: loc.name for loc in localizations} == {
        **{language: name for language, (name, _) in last.items()},
        "vi-VN": display_name("vi-VN"),
    }
    assert len({loc.id for loc in localizations}) == len(LANGUAGES) + 1
    for language, (_, subject) in last.items():
        catalog = workflow.read_catalog(project, language, template)
        message = catalog.get((None, "Subject"))
        assert message is not None and message.translation == subject, language
