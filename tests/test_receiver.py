"""The LEKAB job event receiver: a real server on 127.0.0.1 taking the documented callbacks,
refusing bad ones without recording them, the shared token, and `tmplkit handoff receive`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import tmplkit
from tests.conftest import REPO, Result
from tmplkit.errors import HandoffError
from tmplkit.handoff.journal import JOURNAL_FILE, Journal
from tmplkit.handoff.receiver import JobEventReceiver, open_receiver, parse_job_event

# The callbacks as LEKAB documents them: {jobid, userid, eventtype, timestamp (ms), jobtype,
# sendtaskid, sendname, contactid, agent}.
JOB_START = {
    "jobid": 4711,
    "userid": 42,
    "eventtype": "JOB_START",
    "timestamp": 1767225600000,
    "jobtype": "GenericMonitoredMessage",
    "sendtaskid": None,
    "sendname": None,
    "contactid": None,
    "agent": None,
}
JOB_ASSIGN = {
    "jobid": 4711,
    "userid": 42,
    "eventtype": "JOB_ASSIGN",
    "timestamp": 1767225660000,
    "jobtype": "GenericMonitoredMessage",
    "sendtaskid": 77,
    "sendname": "Staff alert",
    "contactid": 9001,
    "agent": "Anna Lind",
}
JOB_FINISH = {**JOB_START, "eventtype": "JOB_FINISH", "timestamp": 1767229200000}


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    with Journal(tmp_path / JOURNAL_FILE) as j:
        yield j


@pytest.fixture
def receiver(journal: Journal) -> Iterator[JobEventReceiver]:
    with JobEventReceiver(journal) as r:
        yield r


def post(url: str, body: bytes | dict[str, Any], **kw: Any) -> httpx.Response:
    content = json.dumps(body).encode() if isinstance(body, dict) else body
    headers = {"Content-Type": "application/json", **kw.pop("headers", {})}
    return httpx.post(url, content=content, headers=headers, timeout=10, **kw)


def payloads(journal: Journal) -> list[dict[str, Any]]:
    return [e["payload"] for e in journal.events("lekab-dispatch")]


def test_documented_events_are_recorded_in_the_journal(
    receiver: JobEventReceiver, journal: Journal
) -> None:
    assert receiver.url.startswith("http://127.0.0.1:") and receiver.url.endswith("/lekab/events")
    answers = [post(receiver.url, event) for event in (JOB_START, JOB_ASSIGN, JOB_FINISH)]
    assert [(a.status_code, a.json()) for a in answers] == [
        (200, {"result": "OK", "seq": 1}),
        (200, {"result": "OK", "seq": 2}),
        (200, {"result": "OK", "seq": 3}),
    ]
    assert payloads(journal) == [JOB_START, JOB_ASSIGN, JOB_FINISH]
    assert [e["seq"] for e in journal.events("lekab-dispatch")] == [1, 2, 3]
    assert journal.events("dapi") == []


def test_fields_lekab_adds_later_are_kept(receiver: JobEventReceiver, journal: Journal) -> None:
    event = {**JOB_ASSIGN, "response": "YES"}
    assert post(receiver.url, event).status_code == 200
    assert payloads(journal) == [event]


@pytest.mark.parametrize(
    "body,message",
    [
        (
            b"{jobid: 4711",
            "malformed JSON: Expecting property name enclosed in double quotes at line 1 column 2",
        ),
        (b"", "malformed JSON: Expecting value at line 1 column 1"),
        (b"\xff\xfe", "the body is not UTF-8 (invalid start byte at byte 0)"),
        (b"[1, 2]", "a job event is a JSON object, not list"),
        (
            {**JOB_START, "eventtype": "JOB_PAUSE"},
            "unknown eventtype 'JOB_PAUSE' (expected one of JOB_START, JOB_ASSIGN, JOB_FINISH)",
        ),
        ({k: v for k, v in JOB_START.items() if k != "jobid"}, "missing 'jobid'"),
        ({k: v for k, v in JOB_START.items() if k != "eventtype"}, "missing 'eventtype'"),
        (
            {**JOB_START, "timestamp": "2026-01-01"},
            "'timestamp' must be a number, not '2026-01-01'",
        ),
        ({**JOB_START, "timestamp": -5}, "'timestamp' must be milliseconds since 1970, not -5"),
        ({**JOB_START, "jobid": True}, "'jobid' must be a number or a string, not True"),
        ({**JOB_ASSIGN, "agent": 7}, "'agent' must be a string, not 7"),
    ],
)
def test_a_bad_callback_is_a_400_with_the_reason_and_nothing_is_recorded(
    receiver: JobEventReceiver, journal: Journal, body: bytes | dict[str, Any], message: str
) -> None:
    answer = post(receiver.url, body)
    assert answer.status_code == 400
    assert answer.json() == {"result": "ERROR", "errormessage": message}
    assert journal.events() == []


def test_only_posts_to_the_path_are_taken(receiver: JobEventReceiver, journal: Journal) -> None:
    base = receiver.url.removesuffix("/lekab/events")
    elsewhere = post(base + "/events", JOB_START)
    assert (elsewhere.status_code, elsewhere.json()) == (
        404,
        {
            "result": "ERROR",
            "errormessage": "no such path '/events'; job events go to /lekab/events",
        },
    )
    got = httpx.get(receiver.url, timeout=10)
    assert (got.status_code, got.json()) == (
        405,
        {"result": "ERROR", "errormessage": "GET is not allowed; job events are POSTed"},
    )
    assert journal.events() == []


def test_a_body_over_a_mebibyte_is_refused(receiver: JobEventReceiver, journal: Journal) -> None:
    answer = post(receiver.url, b"x" * (1024 * 1024 + 1))
    assert answer.status_code == 413
    assert journal.events() == []


# --- the shared token ----------------------------------------------------------------------


@pytest.fixture
def guarded(journal: Journal) -> Iterator[JobEventReceiver]:
    with JobEventReceiver(journal, token="t0k-3n") as r:
        yield r


def test_with_a_token_a_callback_without_it_is_refused(
    guarded: JobEventReceiver, journal: Journal
) -> None:
    for answer in (
        post(guarded.url, JOB_START),
        post(guarded.url + "?token=wrong", JOB_START),
        post(guarded.url, JOB_START, headers={"X-Tmplkit-Token": "t0k-3"}),
    ):
        assert (answer.status_code, answer.json()) == (
            401,
            {"result": "ERROR", "errormessage": "missing or wrong token"},
        )
    assert journal.events() == []


def test_the_token_may_come_in_the_url_or_a_header(
    guarded: JobEventReceiver, journal: Journal
) -> None:
    assert post(guarded.url + "?token=t0k-3n", JOB_START).status_code == 200
    assert post(guarded.url, JOB_FINISH, headers={"X-Tmplkit-Token": "t0k-3n"}).status_code == 200
    assert payloads(journal) == [JOB_START, JOB_FINISH]


# --- configured from [handoff.lekab-dispatch] ---------------------------------------------


def test_open_receiver_reads_the_path_and_the_token_variable(journal: Journal) -> None:
    options = {
        "jobname": "Staff alert",
        "callback_path": "/hooks/lekab",
        "callback_token_env": "HOOK_TOKEN",
    }
    with open_receiver("lekab-dispatch", options, journal, env={"HOOK_TOKEN": "abc"}) as r:
        assert r.url.endswith("/hooks/lekab") and r.token == "abc"
        assert post(r.url + "?token=abc", JOB_START).status_code == 200
    with open_receiver("lekab-dispatch", {}, journal, env={"LEKAB_CALLBACK_TOKEN": "xyz"}) as r:
        assert r.url.endswith("/lekab/events") and r.token == "xyz"
    with open_receiver("lekab-dispatch", {}, journal, env={}) as r:
        assert r.token is None


@pytest.mark.parametrize(
    "name,options,message",
    [
        ("dapi", {}, "adapter 'dapi' has no event receiver (hint: receivers: lekab-dispatch)"),
        (
            "lekab-dispatch",
            {"callback_path": "hooks"},
            "[handoff.lekab-dispatch]: callback_path: must be a path starting with /, not 'hooks'",
        ),
        (
            "lekab-dispatch",
            {"callback_token": "in-the-file"},
            "[handoff.lekab-dispatch]: 'callback_token' is a credential and cannot be written in "
            "tmplkit.toml (hint: set the environment variable LEKAB_CALLBACK_TOKEN (or name "
            'another one with callback_token_env = "VAR"))',
        ),
    ],
)
def test_open_receiver_refuses_bad_settings(
    journal: Journal, name: str, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(HandoffError) as caught:
        open_receiver(name, options, journal, env={})
    assert str(caught.value) == message


def test_a_table_with_another_name_works_through_adapter(journal: Journal) -> None:
    with open_receiver("night-shift", {"adapter": "lekab-dispatch"}, journal, env={}) as r:
        post(r.url, JOB_START)
    assert payloads(journal) == [JOB_START]  # recorded under the adapter's name


def test_parse_job_event_is_a_pure_function() -> None:
    assert parse_job_event(json.dumps(JOB_ASSIGN).encode()) == JOB_ASSIGN


# --- tmplkit handoff receive --------------------------------------------------------------


def test_the_command_prints_its_url_records_events_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    tmplkit.init_project(tmp_path / "p")
    env = {k: v for k, v in os.environ.items() if k != "TMPLKIT_PROJECT"}
    env["PYTHONPATH"] = str(REPO / "src")
    env["LEKAB_CALLBACK_TOKEN"] = "s3cret"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tmplkit",
            "--project",
            str(tmp_path / "p"),
            "handoff",
            "receive",
            "--via",
            "lekab-dispatch",
            "--port",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        prefix = "Taking lekab-dispatch job events at "
        assert first.startswith(prefix + "http://127.0.0.1:")
        assert first.endswith("/lekab/events (with its token); Ctrl-C stops.\n")
        url = first.removeprefix(prefix).split(" ")[0]
        assert post(url + "?token=s3cret", JOB_ASSIGN).json() == {"result": "OK", "seq": 1}
        assert proc.stdout.readline() == "1: " + json.dumps(JOB_ASSIGN, sort_keys=True) + "\n"
        assert post(url, JOB_START).status_code == 401
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert (proc.returncode, out, err) == (0, "Stopped.\n", "")
    with Journal(tmp_path / "p" / ".tmplkit" / JOURNAL_FILE) as journal:
        assert payloads(journal) == [JOB_ASSIGN]


def test_the_command_refuses_an_adapter_without_a_receiver(run: Any, project: Any) -> None:
    result: Result = run("--project", project.root, "handoff", "receive", "--via", "dapi")
    assert (result.code, result.out, result.err) == (
        1,
        "",
        "error: adapter 'dapi' has no event receiver (hint: receivers: lekab-dispatch)\n",
    )
    assert not (project.root / ".tmplkit" / JOURNAL_FILE).exists()  # nothing written
