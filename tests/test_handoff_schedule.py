"""`tmplkit handoff schedule`: a one-time schedule of a UIowa Dispatch communication, sent to a
real server on loopback and checked as Dispatch documents it."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import Result
from tests.loopback import Loopback, Reply

KEY = "k3y-7f2e9c"
ENV = {"UIOWA_DISPATCH_API_KEY": KEY}


@pytest.fixture
def dispatch(sample_project: Path) -> Iterator[tuple[Path, Loopback]]:
    location = {"Location": "/api/v1/communications/7781/schedules/55"}
    with Loopback(default=Reply(200, headers=location)) as server:
        with open(sample_project / "tmplkit.toml", "a", encoding="utf-8") as fh:
            fh.write(
                f'\n[handoff.uiowa-dispatch]\nbase_url = "{server.url}"\n'
                'communication = "7781"\nclient = "acme-shop"\nretries = 0\n'
            )
        yield sample_project, server


def test_schedule_posts_a_one_time_schedule(
    run: Callable[..., Result], dispatch: tuple[Path, Loopback]
) -> None:
    root, server = dispatch
    result = run(
        "handoff", "schedule", "--at", "2026-12-01 08:00:00", "--business-days-only",
        cwd=root, env=ENV,
    )  # fmt: skip
    assert (result.code, result.err) == (0, "")
    assert result.out == (
        "Scheduled communication 7781 at 2026-12-01 08:00:00: "
        "/api/v1/communications/7781/schedules/55\n"
    )
    [request] = server.received
    assert (request.method, request.path) == ("POST", "/api/v1/communications/7781/schedules")
    basic = base64.b64encode(f"acme-shop:{KEY}".encode()).decode()
    assert request.headers["authorization"] == f"Basic {basic}"
    assert request.headers["content-type"] == "application/json"
    assert request.json() == {
        "occurrence": "ONE_TIME",
        "startTime": "2026-12-01 08:00:00",
        "businessDaysOnly": True,
        "includeBatchResponse": False,
        "createPublicArchive": False,
    }


def test_schedule_dry_run_sends_nothing(
    run: Callable[..., Result], dispatch: tuple[Path, Loopback]
) -> None:
    root, server = dispatch
    result = run(
        "handoff", "schedule", "--at", "2026-12-01 08:00:00", "--dry-run", cwd=root, env=ENV
    )
    assert result.code == 0
    assert f"POST {server.url}/api/v1/communications/7781/schedules\n" in result.out
    assert "Authorization: Basic ********\n" in result.out
    assert KEY not in result.out
    assert result.out.endswith('  "createPublicArchive": false\n}\ndry run: nothing was sent\n')
    assert server.received == []


@pytest.mark.parametrize(
    "args,error",
    [
        (
            ["--at", "2026-12-01 8am"],
            "error: uiowa-dispatch: start time '2026-12-01 8am' is not YYYY-MM-DD HH:mm:ss "
            "(hint: e.g. 2024-09-02 08:00:00)\n",
        ),
        (
            ["--at", "2026-12-01 08:00:00", "--via", "outbox"],
            "error: --via outbox: schedules are a uiowa-dispatch feature, not outbox's\n",
        ),
    ],
)
def test_schedule_refusals(
    run: Callable[..., Result], dispatch: tuple[Path, Loopback], args: list[str], error: str
) -> None:
    root, server = dispatch
    result = run("handoff", "schedule", *args, cwd=root, env=ENV)
    assert (result.code, result.out, result.err) == (1, "", error)
    assert server.received == []


def test_schedule_refused_by_dispatch(
    run: Callable[..., Result], dispatch: tuple[Path, Loopback]
) -> None:
    root, server = dispatch
    server.script(Reply(404, "no such communication"))
    result = run("handoff", "schedule", "--at", "2026-12-01 08:00:00", cwd=root, env=ENV)
    assert result.code == 1
    assert result.err == (
        "error: uiowa-dispatch: POST /api/v1/communications/7781/schedules: HTTP 404: no "
        "communication '7781' (hint: check communication under [handoff.uiowa-dispatch] (and "
        "that the API key's client owns it))\n"
    )
