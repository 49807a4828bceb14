"""The official Dyspatch client, `dyspatch-python` 6.0.0, driving `tmplkit serve`.

On loopback: lists, every sample template compiled to Dyspatch's eight target languages, localization keys,
a localization and its translations saved and read back (raw HTTP, `tmplkit render`), the
workflow, and errors as `ApiException` with Dyspatch's codes.

The client sends `Accept: application/vnd.dyspatch.2020.11+json, */*` whatever `accept` it is
given, and keeps `compiled` Base64-encoded."""

from __future__ import annotations

import base64
import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

import httpx
import pytest
from dyspatch_client import (
    ApiClient,
    ApiException,
    Configuration,
    DraftsApi,
    InlineObject,
    LocalizationsApi,
    TemplatesApi,
)

import tmplkit
from tests.conftest import SAMPLE_TEMPLATES, Result, refusal, unstyled
from tests.live_server import LiveServer, live_server
from tmplkit.i18n.catalog import read_po

ACCEPT = "application/vnd.dyspatch.2020.11+json"
POT = "text/vnd.dyspatch.2020.11+x-gettext-translation"
TARGETS = [
    *("html", "handlebars", "ampscript", "freemarker", "cheetah", "jinja", "liquid"),
    "mandrillhandlebars",
]
WELCOME = "tem_01m2tk2hrwq2n4kgkyppv1bnkx"
TEMPLATES = [
    WELCOME,
    "tem_01m2tes7aa7mr85hk6z60dyz85",  # password reset
    "tem_01m2n5d9rf9y9x6nmxjjscqfn0",  # order confirmation
    "tem_01m2qd7872k9hs1c89hkwa0wb6",  # shipping notification
]
NEXT_DRAFTS = [
    "tdft_01m6nf8m8xx9h83sqfyac5qdqp",
    "tdft_01m6kb5n5p1pbtwsdkpzwk47ms",
    "tdft_01m6gcf97zxybbb8msg2ee1s2d",
    "tdft_01m6jw9k8s97aqgwda5y68angv",
]
WELCOME_PUBLISHED = "tdft_01m2tk2km6nk9x64j6mb5ps4nk"


@dataclass
class Served:
    """A live server over a copy of the sample project, and the official client's APIs."""

    project: tmplkit.Project
    server: LiveServer
    templates: TemplatesApi
    drafts: DraftsApi
    localizations: LocalizationsApi

    def reload(self) -> tmplkit.Project:
        return tmplkit.open_project(self.project.root)

    def http(self, method: str, path: str, accept: str | None = None) -> httpx.Response:
        """A raw request with the server's key (for what the client cannot do)."""
        headers = self.server.headers(**({"Accept": accept} if accept else {}))
        return httpx.request(method, self.server.url + path, headers=headers)


def client_for(url: str, key: str) -> ApiClient:
    configuration = Configuration(host=url)
    configuration.api_key["Authorization"] = key
    configuration.api_key_prefix["Authorization"] = "Bearer"
    return ApiClient(configuration)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("client") / "sample"
    shutil.copytree(SAMPLE_TEMPLATES, root, ignore=shutil.ignore_patterns(".tmplkit"))
    project = tmplkit.open_project(root)
    with live_server(project) as server, client_for(server.url, server.key) as api:
        yield Served(project, server, TemplatesApi(api), DraftsApi(api), LocalizationsApi(api))


def raised(call: Callable[[], Any]) -> tuple[int, dict[str, Any]]:
    """The status and the JSON body of the ApiException a client call raises."""
    with pytest.raises(ApiException) as info:
        call()
    return info.value.status, json.loads(info.value.body)


def decoded(value: str) -> str:
    return base64.b64decode(value, validate=True).decode("utf-8")


def compiled_as_served(
    source: str, target: str, *, project: tmplkit.Project, **options: Any
) -> tmplkit.Compiled:
    """What the server compiles: as `tmplkit compile --inline-formats` (docs/server.md)."""
    return tmplkit.compile_parts(source, target, project=project, inline_formats=True, **options)


def timestamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_the_client_lists_the_templates_and_the_drafts(served: Served) -> None:
    project = served.reload()
    listed = served.templates.get_templates(ACCEPT)
    assert listed.cursor.has_more is False
    assert [t.id for t in listed.data] == sorted(t.id for t in project.templates.list())
    for meta in listed.data:
        template = project.templates.get(meta.id)
        assert (meta.name, meta.description) == (template.name, template.description)
        assert meta.created_at == timestamp(template.created_at)
        assert meta.url.endswith(f"/templates/{template.id}")

    drafts, cursor = [], None
    while True:
        page = served.drafts.get_drafts(ACCEPT, cursor=cursor)
        drafts += page.data
        if not page.cursor.has_more:
            break
        cursor = page.cursor.next
    live = [d for d in project.drafts.list() if not d.archived]
    assert [d.id for d in drafts] == sorted(d.id for d in live)
    for meta in drafts:
        draft = project.drafts.get(meta.id)
        assert (meta.template_id, meta.name) == (draft.template_id, draft.name)
        assert meta.updated_at == timestamp(draft.updated_at)

    locked = project.drafts.create(WELCOME, name="Locked for the client")
    project.drafts.lock(locked.id)
    page = served.drafts.get_drafts(ACCEPT, status="LOCKED_FOR_TRANSLATION")
    assert [d.id for d in page.data] == [locked.id]


@pytest.mark.parametrize("target", TARGETS)
def test_each_template_compiled_to_each_target_is_compile_parts(
    served: Served, target: str
) -> None:
    """Every sample template in each of Dyspatch's eight languages, the order e-mails' dates
    and money too: ampscript writes the CLDR formatter into the template, mandrillhandlebars
    prints the values the sender formats (the server compiles with inline formats)."""
    refused = set()
    for template_id in TEMPLATES:
        try:
            expected = compiled_as_served(template_id, target, project=served.reload())
        except tmplkit.TmplkitError as exc:
            fetch = partial(served.templates.get_template_by_id, template_id, target, ACCEPT)
            status, body = raised(fetch)
            assert (status, body) == (
                400,
                {"code": "invalid_parameter", "message": str(exc), "parameter": "targetLanguage"},
            )
            assert "\n" not in body["message"]
            refused.add((template_id, target))
            continue
        template = served.templates.get_template_by_id(template_id, target, ACCEPT)
        assert template.id == template_id
        compiled = template.compiled
        assert decoded(compiled.subject) == expected.subject
        assert decoded(compiled.html) == expected.html
        assert decoded(compiled.text) == (expected.text or "")
        assert (compiled.sender, compiled.reply_to) == (expected.sender, expected.reply_to)
    assert refused == set()


def test_a_draft_compiled_through_the_client(served: Served) -> None:
    for draft_id in NEXT_DRAFTS:
        draft = served.drafts.get_draft_by_id(draft_id, "jinja", ACCEPT)
        template_id = served.project.drafts.get(draft_id).template_id
        expected = compiled_as_served(template_id, "jinja", project=served.reload(), draft=draft_id)
        assert draft.template == template_id
        assert decoded(draft.compiled.html) == expected.html
        assert decoded(draft.compiled.subject) == expected.subject


@pytest.mark.parametrize("draft_id", NEXT_DRAFTS)
def test_the_localization_keys_are_the_pots_msgids(served: Served, draft_id: str) -> None:
    keys = served.drafts.get_draft_localization_keys(draft_id, ACCEPT)
    response = served.http("GET", f"/drafts/{draft_id}/localizationKeys", POT)
    assert response.status_code == 200, response.text
    pot = read_po(response.content, "keys.pot")
    assert [k.key for k in keys] == [m.msgid for m in pot.active]
    # The POT wraps a long comment over `#.` lines: the same words, not the same spaces.
    assert [k.comment.split() for k in keys] == [" ".join(m.comments).split() for m in pot.active]


SPANISH = {
    "Welcome to Acme Shop, %(name)s!": "¡Te damos la bienvenida a Acme Shop, %(name)s!",
    "Get started": "Primeros pasos",
}


def test_a_localization_and_its_translations_saved_through_the_client(
    served: Served, run: Callable[..., Result]
) -> None:
    project = served.project
    draft = project.drafts.create(WELCOME, name="Spanish").id
    served.drafts.save_localization(draft, "es-ES", ACCEPT, InlineObject(name="Español"))
    served.drafts.set_translation(draft, "es-ES", ACCEPT, SPANISH)

    (localization,) = served.drafts.get_localization_for_draft(draft, ACCEPT)
    assert (localization.name, localization.languages) == ("Español", ["es-ES"])
    (on_disk,) = served.reload().drafts.get(draft).localizations
    assert on_disk.id == localization.id

    response = served.http("GET", f"/drafts/{draft}/localizations/es-ES/translations")
    assert response.status_code == 200, response.text
    assert {k: v for k, v in response.json().items() if v} == SPANISH

    result = run(
        *("--project", project.root, "render", WELCOME, "--draft", draft),
        *("--locale", "es-ES", "--format", "json"),
    )
    assert result.code == 0, result.err
    message = json.loads(result.out)
    assert message["subject"] == "¡Te damos la bienvenida a Acme Shop, Zoë & Léa!"
    assert "<h2>Primeros pasos</h2>" in unstyled(message["html"])

    read = served.localizations.get_draft_localization_by_id(
        draft, localization.id, "jinja", ACCEPT
    )
    expected = compiled_as_served(
        WELCOME, "jinja", project=served.reload(), draft=draft, locale="es-ES"
    )
    assert (read.id, read.name, read.languages) == (localization.id, "Español", ["es-ES"])
    assert decoded(read.compiled.subject) == expected.subject
    assert decoded(read.compiled.html) == expected.html
    assert "Primeros pasos" in expected.html


def test_a_draft_submitted_through_the_client_then_approved(served: Served) -> None:
    project = served.project
    draft = project.drafts.create(WELCOME, name="Polish launch").id
    served.drafts.save_localization(draft, "pl-PL", ACCEPT, InlineObject(name="Polski"))
    served.drafts.submit_draft_for_approval(draft, ACCEPT)
    assert served.reload().drafts.get(draft).state == "PENDING_APPROVAL"

    status, body = raised(lambda: served.drafts.submit_draft_for_approval(draft, ACCEPT))
    assert (status, body["code"]) == (403, "prohibited_action")
    assert body["message"] == refusal(served.reload().drafts.get(draft), WELCOME, "submit")

    response = served.http("POST", f"/drafts/{draft}/publish/approve")
    assert response.status_code == 200, response.text
    assert served.reload().templates.get(WELCOME).published_draft_id == draft
    (localization,) = served.reload().drafts.get(draft).localizations
    read = served.localizations.get_published_localization_by_id(localization.id, "liquid", ACCEPT)
    expected = compiled_as_served(WELCOME, "liquid", project=served.reload(), locale="pl-PL")
    assert (read.id, read.name, read.template) == (localization.id, "Polski", WELCOME)
    assert decoded(read.compiled.html) == expected.html
    assert decoded(read.compiled.subject) == expected.subject


def test_errors_are_api_exceptions_with_dyspatchs_code(served: Served) -> None:
    status, body = raised(
        lambda: served.templates.get_template_by_id("tem_" + "0" * 26, "html", ACCEPT)
    )
    assert (status, body["code"]) == (404, "not_found")
    status, body = raised(lambda: served.drafts.get_draft_by_id("tdft_" + "0" * 26, "html", ACCEPT))
    assert (status, body["code"]) == (404, "not_found")

    with client_for(served.server.url, "tk_not-a-key") as stranger:
        status, body = raised(lambda: TemplatesApi(stranger).get_templates(ACCEPT))
    assert (status, body["code"]) == (401, "unauthenticated")

    status, body = raised(lambda: served.templates.get_template_by_id(WELCOME, "mjml", ACCEPT))
    assert (status, body["code"], body["parameter"]) == (400, "invalid_parameter", "targetLanguage")
    status, body = raised(lambda: served.drafts.get_drafts(ACCEPT, status="DONE"))
    assert (status, body["code"], body["parameter"]) == (400, "invalid_parameter", "status")
    status, body = raised(
        lambda: served.drafts.save_localization(
            NEXT_DRAFTS[1], "not-a-language!", ACCEPT, InlineObject(name="x")
        )
    )
    assert (status, body["code"], body["parameter"]) == (400, "invalid_parameter", "languageId")
    status, body = raised(
        lambda: served.drafts.submit_draft_for_approval(WELCOME_PUBLISHED, ACCEPT)
    )
    assert (status, body["code"]) == (403, "prohibited_action")
    published = served.reload().drafts.get(WELCOME_PUBLISHED)
    assert body["message"] == refusal(published, WELCOME, "submit")
