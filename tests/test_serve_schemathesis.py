"""`tmplkit serve` property-based: every answer is what its served OpenAPI document says.

schemathesis (4.x) generates requests for every operation of the served `GET /openapi.json`
and checks each answer against that document with its default checks
(no 5xx, documented status codes, content types, headers and response schemas, schema-valid
requests accepted), on a live server over a private copy of the sample project (what the
generated writes change is that copy only).

Inputs are what schemathesis generates from the document, except where validity is not
something a schema can say:
- half the time the path's ids are real objects of the sample (ids it generates are well
  formed and name nothing: a 404 each, and no object's answer would be checked): Welcome's and
  Password reset's, which compile to every target (the two others format a date in en-US,
  which four targets refuse with a 400: tests/test_serve_client.py has those), their drafts,
  and their German localizations (French, Polish and Arabic plurals are refused by Mandrill's
  and SendGrid's handlebars);
- `languageId` is one of the project's languages: which languages the server knows is not a
  pattern, and an unknown one is a 400 by docs/server.md;
- no `cursor`: a cursor is a token the server gives, not one a client makes up;
- a duplicate's `name` is a plain name: the slug rules (no `/`, no reserved or look-alike
  names) are not a pattern either;
- translations put are some of the owner's own strings (without placeholders or markup),
  translated: a key the source does not have is a translation file with a problem, a 400.

The operations are parametrized from the document the server module writes (the same function
serves it), and each runs as a Hypothesis test of its own: schemathesis' `from_fixture` does
not run under pytest 9 (it reads `request.node._nodeid`, which pytest 9 removed)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tmplkit
from tests.conftest import SAMPLE_TEMPLATES
from tests.live_server import LiveServer, live_server
from tmplkit.i18n import workflow
from tmplkit.i18n.extract import extract_files
from tmplkit.server.limits import RateLimiter
from tmplkit.server.openapi import openapi_document
from tmplkit.store import PARTS

OPERATIONS = [
    (method.upper(), path)
    for path, methods in openapi_document("http://127.0.0.1").get("paths", {}).items()
    for method in methods
]
LANGUAGES = ["fr-FR", "de-DE", "pl-PL", "ja-JP", "ar-EG", "es-ES"]
COMPILING_EVERYWHERE = ["acme-shop/account/welcome", "acme-shop/account/password-reset"]
NAMES = st.from_regex(r"[A-Z][a-z]{2,12}( [a-z]{2,12}){0,3}", fullmatch=True)
PLAIN = re.compile(r"^[^%<>{}&\n]+$")  # a string a plain translation is right for


@dataclass
class Sample:
    """The sample's objects to put in paths (by path parameter), and each draft's and block's
    plain strings (by its id)."""

    ids: dict[str, list[str]]
    strings: dict[str, list[str]]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tmplkit.Project:
    """A copy of the sample whose drafts in progress have a German localization (so that
    /localizations/{localizationId} has some to find)."""
    root = tmp_path_factory.mktemp("schemathesis") / "sample"
    shutil.copytree(SAMPLE_TEMPLATES, root, ignore=shutil.ignore_patterns(".tmplkit"))
    project = tmplkit.open_project(root)
    for draft in project.drafts.list():
        if draft.state == "IN_PROGRESS":
            project.drafts.add_localization(draft.id, "de-DE")
    return project


@pytest.fixture(scope="module")
def sample(project: tmplkit.Project) -> Sample:
    templates = [project.templates.get(slug) for slug in COMPILING_EVERYWHERE]
    drafts = [d for t in templates for d in project.drafts.list(t.id)]
    blocks = project.blocks.list()
    strings = {
        draft.id: extract_files(
            [draft.dir / name for name in PARTS.values() if (draft.dir / name).is_file()],
            project.root,
        )
        for draft in drafts
    }
    strings.update({block.id: workflow.extract(project, block) for block in blocks})
    return Sample(
        ids={
            "folderId": [f.id for f in project.folders.all()],
            "templateId": [t.id for t in templates],
            "draftId": [d.id for d in drafts],
            "blockId": [b.id for b in blocks],
            "localizationId": [loc.id for d in drafts for loc in d.localizations],
        },
        strings={
            owner: [
                m.msgid
                for m in catalog.active
                if m.plural is None and m.context is None and PLAIN.match(m.msgid)
            ]
            for owner, catalog in strings.items()
        },
    )


@pytest.fixture(scope="module")
def live(project: tmplkit.Project) -> Iterator[LiveServer]:
    # No rate limit: hundreds of generated requests a minute are the point.
    with live_server(project, limiter=RateLimiter(per_minute=0)) as server:
        yield server


@pytest.fixture(scope="module")
def served_schema(live: LiveServer) -> schemathesis.BaseSchema:
    """The document as the live server serves it."""
    schema = schemathesis.openapi.from_url(live.url + "/openapi.json")

    @schema.hook
    def filter_query(context: Any, query: dict[str, Any] | None) -> bool:
        return not query or "cursor" not in query

    return schema


def test_the_served_document_has_the_operations_tested(
    served_schema: schemathesis.BaseSchema,
) -> None:
    served = [
        (method.upper(), path)
        for path, methods in served_schema.raw_schema["paths"].items()
        for method in methods
    ]
    assert served == OPERATIONS
    assert len(OPERATIONS) >= 32  # docs/server.md's table


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_every_answer_is_what_the_served_document_says(
    live: LiveServer,
    served_schema: schemathesis.BaseSchema,
    sample: Sample,
    method: str,
    path: str,
) -> None:
    operation = served_schema[path][method]
    # The key, and the version the document describes (its responses' media type).
    headers = live.headers(served_schema.raw_schema["info"]["version"])
    names = [p.name for p in operation.path_parameters]

    @given(data=st.data(), real=st.booleans())
    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
    def answers(data: st.DataObject, real: bool) -> None:
        fixed = {
            name: data.draw(st.sampled_from(sample.ids[name]), label=name)
            for name in names
            if real and sample.ids.get(name)
        }
        if "languageId" in names:
            fixed["languageId"] = data.draw(st.sampled_from(LANGUAGES), label="languageId")
        given_body: dict[str, Any] = {}
        if path.endswith("/duplicate"):
            given_body = {"body": {"name": data.draw(NAMES, label="name")}}
        elif method == "PUT" and path.endswith("/translations"):
            owner = fixed.get("draftId") or fixed.get("blockId") or ""
            strings = sample.strings.get(owner) or ["Subject"]
            translations = st.dictionaries(st.sampled_from(strings), NAMES, max_size=3)
            given_body = {
                "body": data.draw(translations, label="translations"),
                "media_type": "application/json",
            }
        strategy = operation.as_strategy(
            path_parameters=fixed or None,
            headers=headers,
            **given_body,
        )
        case = data.draw(strategy)
        case.call_and_validate(headers=headers)

    answers()
