"""tmplkit's batch render (`POST /render/batch/template/{id}[/{languageId}]`): one request,
many recipients, each message what `POST /render/template/…` gives for that recipient alone."""

from __future__ import annotations

import copy
import shutil
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import tmplkit
from tests.conftest import SAMPLE_TEMPLATES
from tests.live_server import LiveServer, live_server

ORDER = "acme-shop/orders/order-confirmation"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, Any]]:
    root = tmp_path_factory.mktemp("batch") / "sample"
    shutil.copytree(SAMPLE_TEMPLATES, root, ignore=shutil.ignore_patterns(".tmplkit"))
    project = tmplkit.open_project(root)
    with live_server(project) as server:
        yield server, project


def recipients(project: Any) -> tuple[str, list[dict[str, Any]]]:
    template = project.templates.get(ORDER)
    sample = project.templates.sample_data(template)
    people = []
    for i, name in enumerate(["Zoë", "<b>Léa</b>", "Ann"]):
        data = copy.deepcopy(sample)
        data["customer"]["first_name"] = name
        data["order"]["number"] = f"AC-{i}"
        people.append(data)
    return template.id, people


@pytest.mark.parametrize("language", [None, "fr-FR", "ar-EG"])
def test_each_message_is_the_single_render_of_its_recipient(
    served: tuple[LiveServer, Any], language: str | None
) -> None:
    server, project = served
    template_id, people = recipients(project)
    tail = f"/{language}" if language else ""
    with httpx.Client(base_url=server.url, headers=server.headers()) as http:
        batch = http.post(
            f"/render/batch/template/{template_id}{tail}", json={"recipients": people}
        )
        assert batch.status_code == 200, batch.text
        singles = [
            http.post(f"/render/template/{template_id}{tail}", json=data).json() for data in people
        ]
    assert batch.json() == {"data": singles}
    assert "&lt;b&gt;Léa&lt;/b&gt;" in singles[1]["html"]  # escaped, as one render escapes it
    assert [m["subject"] for m in singles] == [
        tmplkit.render(template_id, data, project=project, locale=language).subject
        for data in people
    ]


def test_a_recipients_bad_data_costs_only_its_own_message(served: tuple[LiveServer, Any]) -> None:
    server, project = served
    template_id, people = recipients(project)
    deep: dict[str, Any] = {}
    level = deep
    for _ in range(200):
        level["x"] = {}
        level = level["x"]
    body = {"recipients": [people[0], "not an object", deep, people[2]]}
    with httpx.Client(base_url=server.url, headers=server.headers()) as http:
        answer = http.post(f"/render/batch/template/{template_id}", json=body)
        alone = http.post(f"/render/template/{template_id}", json=deep).json()
    assert answer.status_code == 200
    data = answer.json()["data"]
    assert data[1] == {
        "error": {
            "code": "invalid_body",
            "message": "recipients[1]: the data must be a JSON object, not a string",
        }
    }
    assert data[2] == {
        "error": {"code": "invalid_body", "message": f"recipients[2]: {alone['message']}"}
    }
    assert "subject" in data[0] and data[3]["subject"] == data[0]["subject"].replace("AC-0", "AC-2")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, 'the body must be {"recipients": [DATA, …]}, at least one recipient'),
        ({"recipients": []}, 'the body must be {"recipients": [DATA, …]}, at least one recipient'),
        ({"recipients": [{}] * 1001}, "1001 recipients: a batch takes 1000 at the most"),
    ],
)
def test_a_batch_without_recipients_or_with_too_many_is_refused(
    served: tuple[LiveServer, Any], body: dict[str, Any], message: str
) -> None:
    server, project = served
    template_id, _ = recipients(project)
    answer = httpx.post(
        f"{server.url}/render/batch/template/{template_id}", json=body, headers=server.headers()
    )
    assert (answer.status_code, answer.json()) == (
        400,
        {"code": "invalid_body", "message": message},
    )


def test_a_batch_is_rendered_from_one_preparation(served: tuple[LiveServer, Any]) -> None:
    server, project = served
    template_id, people = recipients(project)
    api = server.server.config.app.state.api  # type: ignore[attr-defined]
    url = f"{server.url}/render/batch/template/{template_id}/pl-PL"
    httpx.post(url, json={"recipients": people[:1]}, headers=server.headers())
    made = api.prepared.made
    answer = httpx.post(url, json={"recipients": people * 100}, headers=server.headers())
    assert len(answer.json()["data"]) == 300
    assert api.prepared.made == made


def test_the_batch_endpoints_are_in_the_served_document(served: tuple[LiveServer, Any]) -> None:
    server, _ = served
    paths = httpx.get(f"{server.url}/openapi.json").json()["paths"]
    assert paths["/render/batch/template/{templateId}"]["post"]["operationId"] == (
        "renderTemplateBatch"
    )
    assert "/render/batch/template/{templateId}/{languageId}" in paths
