"""The lekab-dispatch adapter: tag filters, settings, every authentication variant, the
listsavedjobs/startsavedjob requests exactly as LEKAB documents them, refusals, faults, batches
and dry runs."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

import tmplkit
from tests.handoff_fakes import USER_AGENT, run_batch
from tests.loopback import Loopback, Reply
from tmplkit.errors import DeliveryError, HandoffError
from tmplkit.handoff import Context, Envelope, Recipient, open_adapter
from tmplkit.handoff.journal import Journal
from tmplkit.handoff.lekab import (
    LekabDispatchAdapter,
    TagCondition,
    TagFilter,
    build_tag_filter,
    lekab_number,
    parse_tag_filter,
    tag_filter_from_table,
)

USER, PASSWORD, KEY = "acme-ops", "pä55:wörd", "bGlNOmRHVnpkR2xr+/="
ENV = {"LEKAB_USERNAME": USER, "LEKAB_PASSWORD": PASSWORD, "LEKAB_API_KEY": KEY}
SAVED_JOBS = {
    "savedJobs": [
        {"id": 1017, "name": "Staff alert", "type": "GenericMonitoredMessage"},
        {"id": 1018, "name": "Extra shift", "type": "GenericMonitoredMessage"},
    ]
}
STARTED = {"result": "OK", "runtimeid": 88123, "jobname": "Staff alert"}
LIST = "/dispatch/api/listsavedjobs"
START = "/dispatch/api/startsavedjob"


def sms(
    phone: str | None, text: str = "Zoë: your shift at STO starts 07:00.", **kw: Any
) -> Envelope:
    return Envelope(
        channel="sms",
        recipient=Recipient(phone=phone, id=kw.pop("id", phone)),
        parts={"sms": text},
        **kw,
    )


class Lekab:
    """httpx.MockTransport standing in for LEKAB Dispatch: records each request, answers
    listsavedjobs with SAVED_JOBS and startsavedjob with `started` (or `answer`)."""

    def __init__(
        self,
        started: dict[str, Any] | None = None,
        answer: Callable[[httpx.Request], httpx.Response] | None = None,
    ) -> None:
        self.requests: list[httpx.Request] = []
        self.started = started or STARTED
        self.answer = answer
        self.transport = httpx.MockTransport(self._handle)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.answer is not None:
            return self.answer(request)
        if request.url.path == LIST:
            return httpx.Response(200, json=SAVED_JOBS)
        return httpx.Response(200, json=self.started)

    def bodies(self, path: str = START) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.requests if r.url.path == path]


def adapter(
    options: dict[str, Any] | None = None,
    *,
    service: Lekab | None = None,
    env: dict[str, str] | None = None,
    sleep: Callable[[float], None] = lambda s: None,
) -> LekabDispatchAdapter:
    options = {"jobname": "Staff alert", **(options or {})}
    context = Context(options=options, env=ENV if env is None else env, name="lekab-dispatch")
    return LekabDispatchAdapter(
        context, transport=service.transport if service else None, sleep=sleep
    )


def b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


# --- tag filters ---------------------------------------------------------------------------


def test_tag_filter_parses_into_conditions_and_rebuilds_the_same_string() -> None:
    parsed = parse_tag_filter("Base:STO|OSL|CPH;On call:Yes")
    assert parsed == TagFilter(
        (TagCondition("Base", ("STO", "OSL", "CPH")), TagCondition("On call", ("Yes",)))
    )
    assert build_tag_filter(parsed) == str(parsed) == "Base:STO|OSL|CPH;On call:Yes"
    assert parsed.to_table() == {"Base": ["STO", "OSL", "CPH"], "On call": ["Yes"]}


@pytest.mark.parametrize(
    "source",
    [
        "Base:STO",
        "Base:STO|OSL|CPH;On call:Yes",
        "Språk:svenska|norsk;Roll:Läkare",
        "A:1;B:2;C:3|4",
    ],
)
def test_tag_filter_round_trips(source: str) -> None:
    parsed = parse_tag_filter(source)
    assert build_tag_filter(parsed) == source
    assert parse_tag_filter(build_tag_filter(parsed)) == parsed
    assert tag_filter_from_table(parsed.to_table()) == parsed


@pytest.mark.parametrize(
    "source,message",
    [
        ("Base:STO||OSL", "empty value at position 10"),
        ("Base:STO|", "empty value at position 10"),
        ("Base:", "empty value at position 6"),
        ("Base:STO;", "empty condition at position 10"),
        (";Base:STO", "empty condition at position 1"),
        ("Base:STO;;On call:Yes", "empty condition at position 10"),
        ("Base", "missing ':' between the tag type and its values at position 5"),
        ("Base:STO;On call", "missing ':' between the tag type and its values at position 17"),
        (":STO", "empty tag type at position 1"),
        ("Base:STO:OSL", "':' in a value (values may not contain ';', '|' or ':') at position 9"),
    ],
)
def test_a_bad_tag_filter_names_the_position(source: str, message: str) -> None:
    with pytest.raises(HandoffError) as caught:
        parse_tag_filter(source)
    assert str(caught.value) == f"tag filter {source!r}: {message}"


def test_an_empty_tag_filter_is_refused() -> None:
    with pytest.raises(HandoffError) as caught:
        parse_tag_filter("  ")
    assert str(caught.value) == "tag filter: empty (hint: e.g. Base:STO|OSL;On call:Yes)"


def test_tag_filter_table_form_builds_the_string() -> None:
    table = {"Base": ["STO", "OSL"], "On call": "Yes"}
    assert str(tag_filter_from_table(table)) == "Base:STO|OSL;On call:Yes"


@pytest.mark.parametrize(
    "table,message",
    [
        (
            {"Base": ["STO|OSL"]},
            "tag filter: 'Base' value 'STO|OSL' contains '|' (hint: tag types and values may "
            "not contain ';', '|' or ':')",
        ),
        (
            {"Base": ["STO;OSL"]},
            "tag filter: 'Base' value 'STO;OSL' contains ';' (hint: tag types and values may "
            "not contain ';', '|' or ':')",
        ),
        (
            {"On:call": ["Yes"]},
            "tag filter: tag type 'On:call' contains ':' (hint: tag types and values may not "
            "contain ';', '|' or ':')",
        ),
        ({"Base": []}, "tag filter: 'Base' must have a value or a list of values, not []"),
        ({"Base": [""]}, "tag filter: empty 'Base' value"),
        ({"Base": 3}, "tag filter: 'Base' must have a value or a list of values, not 3"),
        ({}, 'tag filter: empty (hint: e.g. {Base = ["STO", "OSL"]})'),
    ],
)
def test_a_bad_tag_filter_table_is_refused(table: dict[str, Any], message: str) -> None:
    with pytest.raises(HandoffError) as caught:
        tag_filter_from_table(table)
    assert str(caught.value) == message


# --- phone numbers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phone", ["+46701234567", "+46 70-123 45 67", "0046701234567", "+46 (70) 123.45.67"]
)
def test_numbers_go_to_lekab_as_international_digits(phone: str) -> None:
    assert lekab_number(phone) == "46701234567"


@pytest.mark.parametrize(
    "phone,message",
    [
        (
            "070-123 45 67",
            "phone number '070-123 45 67' is not international (hint: write it with its country "
            "code, e.g. +46701234567)",
        ),
        (
            "+46 70 12x",
            "phone number '+46 70 12x' is not a valid international number (hint: a + and 7 to "
            "15 digits, the first not 0, e.g. +46701234567)",
        ),
        (
            "+0701234567",
            "phone number '+0701234567' is not a valid international number (hint: a + and 7 to "
            "15 digits, the first not 0, e.g. +46701234567)",
        ),
    ],
)
def test_a_national_or_malformed_number_is_refused(phone: str, message: str) -> None:
    with pytest.raises(HandoffError) as caught:
        lekab_number(phone)
    assert str(caught.value) == message


# --- settings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options,env,message",
    [
        (
            {},
            ENV,
            '[handoff.lekab-dispatch]: name the saved job to start (hint: set jobname = "..." '
            "(looked up with listsavedjobs) or jobid = 123)",
        ),
        (
            {"jobid": 17, "auth": "oauth"},
            ENV,
            "[handoff.lekab-dispatch]: auth: unknown authentication 'oauth' (hint: one of: body, "
            "basic, lekab-headers, key-param, key-header, key-body)",
        ),
        (
            {"jobid": 17},
            {"LEKAB_USERNAME": USER},
            "[handoff.lekab-dispatch]: the environment variable LEKAB_PASSWORD is not set (hint: "
            "export LEKAB_PASSWORD=... (credentials come from the environment only))",
        ),
        (
            {"jobid": 17, "auth": "key-header", "api_key_env": "ACME_LEKAB_KEY"},
            ENV,
            "[handoff.lekab-dispatch]: the environment variable ACME_LEKAB_KEY is not set (hint: "
            "export ACME_LEKAB_KEY=... (credentials come from the environment only))",
        ),
        (
            {"jobid": 17, "auth": "key-header", "password": "hunter2"},
            ENV,
            "[handoff.lekab-dispatch]: 'password' is a credential and cannot be written in "
            "tmplkit.toml (hint: set the environment variable LEKAB_PASSWORD (or name another one "
            'with password_env = "VAR"))',
        ),
        (
            {"jobid": 17, "jobnmae": "x"},
            ENV,
            "[handoff.lekab-dispatch]: unknown setting 'jobnmae' (hint: settings: adapter, "
            "api_key_env, auth, backoff, base_url, batch_size, callback_path, callback_token_env, "
            "excludenumbers, jobid, jobname, jobtype, password_env, responsegoal, retries, "
            "run_name, scheduledstart, timeout, toaddressbookcustomtagfilter, "
            "toaddressbookgroups, toaddressbooksavedtagfilters, tokeep, username_env)",
        ),
        (
            {"jobid": "17"},
            ENV,
            "[handoff.lekab-dispatch]: jobid: must be a whole number above 0, not '17'",
        ),
        (
            {"jobid": 17, "responsegoal": 0},
            ENV,
            "[handoff.lekab-dispatch]: responsegoal: must be a whole number above 0, not 0",
        ),
        (
            {"jobid": 17, "responsegoal": 2.5},
            ENV,
            "[handoff.lekab-dispatch]: responsegoal: must be a whole number above 0, not 2.5",
        ),
        (
            {"jobid": 17, "scheduledstart": "next monday"},
            ENV,
            "[handoff.lekab-dispatch]: scheduledstart: 'next monday' is not an ISO 8601 date and "
            "time (hint: e.g. 2026-12-01T08:00:00+01:00)",
        ),
        (
            {"jobid": 17, "scheduledstart": "2026-13-01T08:00:00"},
            ENV,
            "[handoff.lekab-dispatch]: scheduledstart: '2026-13-01T08:00:00' is not an ISO 8601 "
            "date and time (hint: e.g. 2026-12-01T08:00:00+01:00)",
        ),
        (
            {"jobid": 17, "toaddressbookcustomtagfilter": "Base:STO||OSL"},
            ENV,
            "[handoff.lekab-dispatch]: toaddressbookcustomtagfilter 'Base:STO||OSL': empty value "
            "at position 10",
        ),
        (
            {"jobid": 17, "toaddressbookcustomtagfilter": {"Base": ["STO|OSL"]}},
            ENV,
            "[handoff.lekab-dispatch]: toaddressbookcustomtagfilter: 'Base' value 'STO|OSL' "
            "contains '|' (hint: tag types and values may not contain ';', '|' or ':')",
        ),
        (
            {"jobid": 17, "toaddressbookgroups": ["Nurses", ""]},
            ENV,
            "[handoff.lekab-dispatch]: toaddressbookgroups: must be a list of non-empty strings, "
            "not ['Nurses', '']",
        ),
        (
            {"jobid": 17, "excludenumbers": ["0701234567"]},
            ENV,
            "[handoff.lekab-dispatch]: excludenumbers: phone number '0701234567' is not "
            "international (hint: write it with its country code, e.g. +46701234567)",
        ),
        (
            {"jobid": 17, "base_url": "http://dispatch.example.com"},
            ENV,
            "[handoff.lekab-dispatch]: base_url 'http://dispatch.example.com' must use https "
            "(hint: plain http is allowed only to loopback (127.0.0.1, localhost, ::1))",
        ),
        (
            {"jobid": 17, "batch_size": 0},
            ENV,
            "[handoff.lekab-dispatch]: batch_size: must be a whole number above 0, not 0",
        ),
    ],
)
def test_a_bad_setting_is_one_clear_error(
    options: dict[str, Any], env: dict[str, str], message: str
) -> None:
    with pytest.raises(HandoffError) as caught:
        open_adapter("lekab-dispatch", options, env=env)
    assert str(caught.value) == message


# --- authentication: every variant --------------------------------------------------------


def test_body_authentication_puts_username_and_password_in_each_body() -> None:
    lekab = Lekab()
    adapter({"auth": "body", "jobtype": "GenericMonitoredMessage"}, service=lekab).deliver(
        sms("+46701234567")
    )
    listed, started = lekab.requests
    assert (listed.method, str(listed.url)) == ("POST", f"https://secure.lekab.com{LIST}")
    assert json.loads(listed.content) == {
        "username": USER,
        "password": PASSWORD,
        "jobtype": "GenericMonitoredMessage",
    }
    assert (started.method, str(started.url)) == ("POST", f"https://secure.lekab.com{START}")
    assert json.loads(started.content) == {
        "username": USER,
        "password": PASSWORD,
        "jobid": 1017,
        "jobname": "Staff alert",
        "message": "Zoë: your shift at STO starts 07:00.",
        "tonumbers": ["46701234567"],
    }
    for request in lekab.requests:
        assert "authorization" not in request.headers
        assert request.headers["content-type"] == "application/json"


def test_basic_authentication_is_the_default() -> None:
    lekab = Lekab()
    adapter(service=lekab).deliver(sms("+46701234567"))
    expected = "Basic " + b64(f"{USER}:{PASSWORD}")
    assert [r.headers["authorization"] for r in lekab.requests] == [expected, expected]
    assert "username" not in lekab.bodies()[0] and "password" not in lekab.bodies()[0]
    assert lekab.bodies(LIST) == [{}]


def test_lekab_headers_carry_base64_userid_and_password() -> None:
    lekab = Lekab()
    adapter({"auth": "lekab-headers"}, service=lekab).deliver(sms("+46701234567"))
    for request in lekab.requests:
        assert request.headers["x-lekab-userid"] == b64(USER) == "YWNtZS1vcHM="
        assert request.headers["x-lekab-password"] == b64(PASSWORD) == "cMOkNTU6d8O2cmQ="
        assert "authorization" not in request.headers


def test_key_param_sends_the_api_key_as_the_key_query_parameter() -> None:
    lekab = Lekab()
    adapter({"auth": "key-param"}, service=lekab).deliver(sms("+46701234567"))
    for request in lekab.requests:
        assert request.url.params["key"] == KEY
        assert request.url.query == b"key=bGlNOmRHVnpkR2xr%2B%2F%3D"
        assert "authorization" not in request.headers
    assert "apikey" not in lekab.bodies()[0]


def test_key_header_sends_the_api_key_in_x_api_key() -> None:
    lekab = Lekab()
    adapter({"auth": "key-header"}, service=lekab).deliver(sms("+46701234567"))
    assert [r.headers["x-api-key"] for r in lekab.requests] == [KEY, KEY]
    assert [r.url.query for r in lekab.requests] == [b"", b""]


def test_key_body_sends_the_api_key_as_the_apikey_field() -> None:
    lekab = Lekab()
    adapter({"auth": "key-body"}, service=lekab).deliver(sms("+46701234567"))
    assert lekab.bodies(LIST) == [{"apikey": KEY}]
    assert lekab.bodies()[0]["apikey"] == KEY
    assert "x-api-key" not in lekab.requests[0].headers


def test_an_api_key_variant_needs_only_the_key() -> None:
    lekab = Lekab()
    adapter({"auth": "key-header"}, service=lekab, env={"LEKAB_API_KEY": KEY}).deliver(
        sms("+46701234567")
    )
    assert len(lekab.requests) == 2


# --- what is sent --------------------------------------------------------------------------


def test_startsavedjob_carries_every_configured_recipient_setting_in_order() -> None:
    lekab = Lekab()
    options = {
        "jobid": 1017,
        "run_name": "Night shift STO",
        "toaddressbookcustomtagfilter": {"Base": ["STO", "OSL", "CPH"], "On call": "Yes"},
        "toaddressbooksavedtagfilters": ["Night staff"],
        "toaddressbookgroups": ["Nurses", "Doctors"],
        "excludenumbers": ["+47 912 34 567"],
        "tokeep": 3,
        "responsegoal": 2,
        "scheduledstart": "2026-12-01T07:00:00+01:00",
    }
    receipt = adapter(options, service=lekab).deliver(sms("+46 70-123 45 67"))
    assert [r.url.path for r in lekab.requests] == [START]  # jobid: no listsavedjobs
    body = json.loads(lekab.requests[0].content)
    assert body == {
        "jobid": 1017,
        "jobname": "Night shift STO",
        "message": "Zoë: your shift at STO starts 07:00.",
        "tonumbers": ["46701234567"],
        "toaddressbookcustomtagfilter": "Base:STO|OSL|CPH;On call:Yes",
        "toaddressbooksavedtagfilters": ["Night staff"],
        "toaddressbookgroups": ["Nurses", "Doctors"],
        "excludenumbers": ["4791234567"],
        "tokeep": 3,
        "responsegoal": 2,
        "scheduledstart": "2026-12-01T07:00:00+01:00",
    }
    assert list(body) == [  # in the order LEKAB's documentation lists them
        "jobid",
        "jobname",
        "message",
        "tonumbers",
        "toaddressbookcustomtagfilter",
        "toaddressbooksavedtagfilters",
        "toaddressbookgroups",
        "excludenumbers",
        "tokeep",
        "responsegoal",
        "scheduledstart",
    ]
    assert receipt.accepted and receipt.remote_id == "88123" and receipt.status == 200
    assert receipt.key == sms("+46 70-123 45 67").idempotency_key


def test_a_toml_datetime_is_sent_as_iso_8601() -> None:
    lekab = Lekab()
    start = dt.datetime(2026, 12, 1, 7, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    adapter({"jobid": 1017, "scheduledstart": start}, service=lekab).deliver(sms("+46701234567"))
    assert lekab.bodies()[0]["scheduledstart"] == "2026-12-01T07:00:00+01:00"


def test_the_message_is_the_envelopes_sms_part_else_its_text() -> None:
    lekab = Lekab()
    a = adapter({"jobid": 1017}, service=lekab)
    a.deliver(Envelope(channel="sms", recipient=Recipient(phone="+46701234567"), text="Plain text"))
    a.deliver(
        Envelope(
            channel="sms",
            recipient=Recipient(phone="+46701234567"),
            text="Plain text",
            parts={"sms": "Zażółć gęślą jaźń"},
        )
    )
    assert [b["message"] for b in lekab.bodies()] == ["Plain text", "Zażółć gęślą jaźń"]
    # UTF-8 on the wire, not \u escapes
    assert "Zażółć gęślą jaźń".encode() in lekab.requests[1].content


def test_the_saved_job_is_looked_up_once_per_adapter() -> None:
    lekab = Lekab()
    a = adapter(service=lekab)
    a.deliver(sms("+46701234567"))
    a.deliver(sms("+46701234568"))
    assert [r.url.path for r in lekab.requests] == [LIST, START, START]
    assert [b["jobid"] for b in lekab.bodies()] == [1017, 1017]


def test_jobtype_narrows_the_lookup() -> None:
    jobs = {
        "savedJobs": [
            {"id": 5, "name": "Staff alert", "type": "SimpleMessage"},
            {"id": 1017, "name": "Staff alert", "type": "GenericMonitoredMessage"},
        ]
    }

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=jobs if request.url.path == LIST else STARTED)

    lekab = Lekab(answer=answer)
    adapter({"jobtype": "GenericMonitoredMessage"}, service=lekab).deliver(sms("+46701234567"))
    assert lekab.bodies()[0]["jobid"] == 1017


def test_a_missing_saved_job_names_those_there_are() -> None:
    lekab = Lekab()
    with pytest.raises(HandoffError) as caught:
        adapter({"jobname": "Staf alert"}, service=lekab).deliver(sms("+46701234567"))
    assert str(caught.value) == (
        "[handoff.lekab-dispatch]: no saved job named 'Staf alert' (hint: saved jobs: "
        "'Staff alert' (id 1017), 'Extra shift' (id 1018); or set jobid = ...)"
    )
    assert [r.url.path for r in lekab.requests] == [LIST]  # nothing started


def test_two_saved_jobs_with_the_name_ask_for_the_id() -> None:
    jobs = {"savedJobs": [{"id": 1, "name": "A", "type": "X"}, {"id": 2, "name": "A", "type": "Y"}]}
    lekab = Lekab(answer=lambda r: httpx.Response(200, json=jobs))
    with pytest.raises(HandoffError) as caught:
        adapter({"jobname": "A"}, service=lekab).deliver(sms("+46701234567"))
    assert str(caught.value) == (
        "[handoff.lekab-dispatch]: 2 saved jobs named 'A' (hint: saved jobs: 'A' (id 1), "
        "'A' (id 2); or set jobid = ...)"
    )


@pytest.mark.parametrize(
    "envelope,message",
    [
        (
            Envelope(channel="email", recipient=Recipient(address="a@example.com"), text="x"),
            "lekab-dispatch does not carry email messages (hint: channels it carries: sms)",
        ),
        (sms(None, id="u-17"), "lekab-dispatch: recipient 'u-17' has no phone number"),
        (
            sms("0701234567"),
            "phone number '0701234567' is not international (hint: write it with its country "
            "code, e.g. +46701234567)",
        ),
        (
            sms("+46701234567", text="  "),
            "lekab-dispatch: the message to +46701234567 has no SMS text (hint: add an "
            "sms.txt.j2 part to the draft, or a text part)",
        ),
    ],
)
def test_an_envelope_it_cannot_carry_is_refused_before_any_request(
    envelope: Envelope, message: str
) -> None:
    lekab = Lekab()
    with pytest.raises(HandoffError) as caught:
        adapter(service=lekab).deliver(envelope)
    assert str(caught.value) == message
    assert not isinstance(caught.value, DeliveryError)
    assert lekab.requests == []


# --- refusals and faults -------------------------------------------------------------------


def test_a_200_with_result_error_is_a_failure_with_its_errormessage() -> None:
    refused = {"result": "ERROR", "errormessage": "Job type does not allow changing recipients"}
    lekab = Lekab(started=refused)
    with pytest.raises(DeliveryError) as caught:
        adapter(service=lekab).deliver(sms("+46701234567"))
    exc = caught.value
    assert str(exc) == (
        "lekab-dispatch: startsavedjob refused: Job type does not allow changing recipients"
    )
    assert (exc.status, exc.code, exc.transient) == (
        200,
        "Job type does not allow changing recipients",
        False,
    )
    assert len(lekab.bodies()) == 1  # a refusal is not retried


def test_a_200_with_error_from_listsavedjobs_fails_every_envelope_of_a_batch() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"result": "ERROR", "errormessage": "Unknown jobtype"})

    lekab = Lekab(answer=answer)
    receipts = list(
        adapter(service=lekab).deliver_many([sms("+46701234567"), sms("+46701234568", "Other")])
    )
    assert [(r.accepted, r.error) for r in receipts] == [
        (False, "lekab-dispatch: listsavedjobs refused: Unknown jobtype"),
        (False, "lekab-dispatch: listsavedjobs refused: Unknown jobtype"),
    ]
    assert len(lekab.requests) == 1


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_say_which_variables_to_check(status: int) -> None:
    lekab = Lekab(answer=lambda r: httpx.Response(status, text="Unauthorized"))
    with pytest.raises(DeliveryError) as caught:
        adapter({"jobid": 1017, "auth": "key-header"}, service=lekab).deliver(sms("+46701234567"))
    assert str(caught.value) == (
        f"lekab-dispatch: startsavedjob: HTTP {status}: the credentials were refused (hint: "
        "check LEKAB_API_KEY and auth = 'key-header')"
    )
    assert caught.value.status == status and not caught.value.transient
    assert len(lekab.requests) == 1


def test_refused_credentials_name_the_variables_configured() -> None:
    lekab = Lekab(answer=lambda r: httpx.Response(401))
    env = {"OPS_USER": USER, "OPS_PASSWORD": PASSWORD}
    options = {"jobid": 1017, "username_env": "OPS_USER", "password_env": "OPS_PASSWORD"}
    with pytest.raises(DeliveryError) as caught:
        adapter(options, service=lekab, env=env).deliver(sms("+46701234567"))
    assert str(caught.value) == (
        "lekab-dispatch: startsavedjob: HTTP 401: the credentials were refused (hint: check "
        "OPS_USER, OPS_PASSWORD and auth = 'basic')"
    )
    assert lekab.requests[0].headers["authorization"] == "Basic " + b64(f"{USER}:{PASSWORD}")


def test_another_4xx_is_not_retried_and_shows_the_body() -> None:
    lekab = Lekab(answer=lambda r: httpx.Response(400, text="Missing parameter jobid"))
    with pytest.raises(DeliveryError) as caught:
        adapter({"jobid": 1017}, service=lekab).deliver(sms("+46701234567"))
    assert str(caught.value) == "lekab-dispatch: startsavedjob: HTTP 400: Missing parameter jobid"
    assert len(lekab.requests) == 1


def test_an_answer_that_is_neither_ok_nor_error_is_a_failure() -> None:
    lekab = Lekab(started={"runtimeid": 1})
    with pytest.raises(DeliveryError) as caught:
        adapter({"jobid": 1017}, service=lekab).deliver(sms("+46701234567"))
    assert str(caught.value) == (
        "lekab-dispatch: startsavedjob answered neither OK nor ERROR: {'runtimeid': 1}"
    )


def test_an_answer_that_is_not_json_is_a_failure() -> None:
    lekab = Lekab(answer=lambda r: httpx.Response(200, text="<html>Maintenance</html>"))
    with pytest.raises(DeliveryError) as caught:
        adapter({"jobid": 1017}, service=lekab).deliver(sms("+46701234567"))
    assert str(caught.value) == (
        "lekab-dispatch: POST /dispatch/api/startsavedjob: HTTP 200 answered with something "
        "that is not JSON: '<html>Maintenance</html>'"
    )


def loopback_adapter(
    server: Loopback, options: dict[str, Any] | None = None, waits: list[float] | None = None
) -> LekabDispatchAdapter:
    sleep = waits.append if waits is not None else (lambda s: None)
    return adapter({"jobid": 1017, "base_url": server.url, **(options or {})}, sleep=sleep)


def test_two_500s_then_ok_start_the_job_once() -> None:
    with Loopback(Reply(500), Reply(500), default=Reply(200, STARTED)) as server:
        receipt = loopback_adapter(server).deliver(sms("+46701234567"))
    assert server.statuses() == [500, 500, 200]
    assert receipt.accepted and receipt.remote_id == "88123"
    assert [r.path for r in server.received] == [START] * 3
    assert len(server.answered) == 1


def test_a_429_waits_as_long_as_retry_after_says() -> None:
    waits: list[float] = []
    replies = (Reply(429, "slow down", {"Retry-After": "7"}),)
    with Loopback(*replies, default=Reply(200, STARTED)) as server:
        receipt = loopback_adapter(server, waits=waits).deliver(sms("+46701234567"))
    assert waits == [7.0]
    assert server.statuses() == [429, 200] and receipt.accepted


def test_500s_past_the_retries_are_a_transient_failure() -> None:
    with Loopback(default=Reply(503, "busy")) as server, pytest.raises(DeliveryError) as caught:
        loopback_adapter(server, {"retries": 2}).deliver(sms("+46701234567"))
    assert str(caught.value) == "lekab-dispatch: startsavedjob: HTTP 503: busy"
    assert caught.value.transient and caught.value.status == 503
    assert server.statuses() == [503, 503, 503]


def test_a_timeout_is_a_transient_failure_after_the_retries() -> None:
    with Loopback(default=Reply(200, STARTED, delay=1.5)) as server:
        url = server.url
        with pytest.raises(DeliveryError) as caught:
            loopback_adapter(server, {"timeout": 0.2, "retries": 1}).deliver(sms("+46701234567"))
        assert server.wait_for(2)
        assert server.answered == []
    assert str(caught.value) == f"POST {url}{START}: timed out (ReadTimeout) (after 2 attempts)"
    assert caught.value.transient


def test_through_open_adapter_against_a_real_server() -> None:
    jobs = Reply(200, SAVED_JOBS)
    with (
        Loopback(jobs, default=Reply(200, STARTED)) as server,
        open_adapter(
            "lekab-dispatch",
            {"jobname": "Staff alert", "base_url": server.url, "auth": "lekab-headers"},
            env=ENV,
        ) as a,
    ):
        receipt = a.deliver(sms("+46701234567"))
    listed, started = server.received
    assert (listed.method, listed.path, listed.body) == ("POST", LIST, b"{}")
    assert (started.method, started.path) == ("POST", START)
    assert started.headers["x-lekab-userid"] == "YWNtZS1vcHM="
    assert started.headers["content-type"] == "application/json"
    assert started.json() == {
        "jobid": 1017,
        "jobname": "Staff alert",
        "message": "Zoë: your shift at STO starts 07:00.",
        "tonumbers": ["46701234567"],
    }
    assert receipt.remote_id == "88123"


# --- batches -------------------------------------------------------------------------------


def test_a_batch_with_one_text_is_one_startsavedjob_with_every_number() -> None:
    lekab = Lekab()
    envelopes = [sms(f"+4670123456{n}", "Extra shift tonight? Answer YES") for n in range(4)]
    envelopes.append(sms("+46701234560", "Extra shift tonight? Answer YES", id="dup"))
    receipts = list(adapter({"jobid": 1017}, service=lekab).deliver_many(envelopes))
    assert lekab.bodies() == [
        {
            "jobid": 1017,
            "jobname": "Staff alert",
            "message": "Extra shift tonight? Answer YES",
            "tonumbers": ["46701234560", "46701234561", "46701234562", "46701234563"],
        }
    ]
    assert [r.key for r in receipts] == [e.idempotency_key for e in envelopes]
    assert {(r.accepted, r.remote_id) for r in receipts} == {(True, "88123")}


def test_a_batch_sends_one_startsavedjob_per_distinct_text_with_receipts_in_order() -> None:
    runtime = iter(range(500, 600))

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"result": "OK", "runtimeid": next(runtime)})

    lekab = Lekab(answer=answer)
    envelopes = [
        sms("+46701234561", "Hej Anna"),
        sms("+46701234562", "Cześć Ola"),
        sms("+46701234563", "Hej Anna"),
        sms("+46701234564", "Hi Bo"),
    ]
    receipts = list(adapter({"jobid": 1017}, service=lekab).deliver_many(envelopes))
    assert [(b["message"], b["tonumbers"]) for b in lekab.bodies()] == [
        ("Hej Anna", ["46701234561", "46701234563"]),
        ("Cześć Ola", ["46701234562"]),
        ("Hi Bo", ["46701234564"]),
    ]
    assert [r.remote_id for r in receipts] == ["500", "501", "500", "502"]
    assert [r.key for r in receipts] == [e.idempotency_key for e in envelopes]


def test_batch_size_caps_the_numbers_of_one_request() -> None:
    lekab = Lekab()
    envelopes = [sms(f"+4670123456{n}", "Same") for n in range(5)]
    list(adapter({"jobid": 1017, "batch_size": 2}, service=lekab).deliver_many(envelopes))
    assert [b["tonumbers"] for b in lekab.bodies()] == [
        ["46701234560", "46701234561"],
        ["46701234562", "46701234563"],
        ["46701234564"],
    ]


def test_an_envelope_it_cannot_carry_fails_alone_in_a_batch() -> None:
    lekab = Lekab()
    envelopes = [
        sms("+46701234561", "Same"),
        sms(None, "Same", id="u-2"),
        sms("+46701234563", "Same"),
    ]
    receipts = list(adapter({"jobid": 1017}, service=lekab).deliver_many(envelopes))
    assert [(r.accepted, r.error) for r in receipts] == [
        (True, None),
        (False, "lekab-dispatch: recipient 'u-2' has no phone number"),
        (True, None),
    ]
    assert [b["tonumbers"] for b in lekab.bodies()] == [["46701234561", "46701234563"]]


def test_a_refused_group_fails_only_its_envelopes() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if json.loads(request.content)["message"] == "Bad":
            return httpx.Response(200, json={"result": "ERROR", "errormessage": "Message too long"})
        return httpx.Response(200, json=STARTED)

    lekab = Lekab(answer=answer)
    envelopes = [
        sms("+46701234561", "Good"),
        sms("+46701234562", "Bad"),
        sms("+46701234563", "Bad"),
    ]
    receipts = list(adapter({"jobid": 1017}, service=lekab).deliver_many(envelopes))
    assert [(r.accepted, r.error) for r in receipts] == [
        (True, None),
        (False, "lekab-dispatch: startsavedjob refused: Message too long"),
        (False, "lekab-dispatch: startsavedjob refused: Message too long"),
    ]


def test_a_batch_killed_half_way_and_rerun_sends_every_number_once(tmp_path: Path) -> None:
    texts = ["Hej {n}", "Hi {n}"]
    envelopes = [sms(f"+4670123450{n}", texts[n % 2].format(n=n)) for n in range(6)]
    with (
        Loopback(default=Reply(200, STARTED)) as server,
        Journal(tmp_path / "j.sqlite3") as journal,
    ):
        with pytest.raises(KeyboardInterrupt):
            run_batch(loopback_adapter(server), journal, envelopes, stop=3)
        assert len(server.received) == 3
        run_batch(loopback_adapter(server), journal, envelopes)
        sent = [n for r in server.received for n in r.json()["tonumbers"]]
        assert sorted(sent) == [f"4670123450{n}" for n in range(6)]
        assert {d["status"] for d in journal.deliveries("lekab-dispatch")} == {"accepted"}


# --- dry runs ------------------------------------------------------------------------------


def test_a_dry_run_prints_the_requests_with_secrets_masked_and_sends_nothing() -> None:
    out = io.StringIO()
    lekab = Lekab()
    options = {"jobname": "Staff alert", "auth": "body", "responsegoal": 1}
    context = Context(options=options, env=ENV, dry_run=out, name="lekab-dispatch")
    receipt = LekabDispatchAdapter(context, transport=lekab.transport).deliver(sms("+46701234567"))
    assert lekab.requests == []
    assert receipt.dry_run and receipt.accepted
    assert PASSWORD not in out.getvalue()
    assert out.getvalue() == (
        "POST https://secure.lekab.com/dispatch/api/listsavedjobs\n"
        "Host: secure.lekab.com\n"
        "Accept: */*\n"
        "Accept-Encoding: gzip, deflate\n"
        "Connection: keep-alive\n"
        f"{USER_AGENT}\n"
        "Content-Type: application/json\n"
        "Content-Length: 48\n"
        "\n"
        "{\n"
        '  "username": "acme-ops",\n'
        '  "password": "********"\n'
        "}\n"
        "POST https://secure.lekab.com/dispatch/api/startsavedjob\n"
        "Host: secure.lekab.com\n"
        "Accept: */*\n"
        "Accept-Encoding: gzip, deflate\n"
        "Connection: keep-alive\n"
        f"{USER_AGENT}\n"
        "Content-Type: application/json\n"
        "Content-Length: 177\n"
        "\n"
        "{\n"
        '  "username": "acme-ops",\n'
        '  "password": "********",\n'
        '  "jobid": 0,\n'
        '  "jobname": "Staff alert",\n'
        '  "message": "Zoë: your shift at STO starts 07:00.",\n'
        '  "tonumbers": [\n'
        '    "46701234567"\n'
        "  ],\n"
        '  "responsegoal": 1\n'
        "}\n"
    )


@pytest.mark.parametrize(
    "auth,shown",
    [
        ("basic", "Authorization: Basic ********"),
        ("lekab-headers", "X-Lekab-Password: ********"),
        ("key-header", "X-API-Key: ********"),
        ("key-param", "POST https://secure.lekab.com/dispatch/api/startsavedjob?key=********"),
        ("key-body", '"apikey": "********"'),
    ],
)
def test_a_dry_run_masks_every_credential(auth: str, shown: str) -> None:
    out = io.StringIO()
    a = open_adapter("lekab-dispatch", {"jobid": 1017, "auth": auth}, env=ENV, dry_run=out)
    a.deliver(sms("+46701234567"))
    printed = out.getvalue()
    assert shown in printed
    for secret in (PASSWORD, KEY, b64(PASSWORD), b64(f"{USER}:{PASSWORD}"), "bGlNOmRHVnpkR2xr%2B"):
        assert secret not in printed


def test_a_dry_run_with_a_dummy_password_prints_the_requests_intact() -> None:
    out = io.StringIO()
    env = {"LEKAB_USERNAME": "u", "LEKAB_PASSWORD": "s"}
    a = open_adapter("lekab-dispatch", {"jobid": 1017}, env=env, dry_run=out)
    a.deliver(sms("+46701234567", "Shifts: sign up"))
    printed = out.getvalue()
    assert "POST https://secure.lekab.com/dispatch/api/startsavedjob\n" in printed
    assert '  "message": "Shifts: sign up",\n' in printed
    assert "Authorization: Basic ********\n" in printed


# --- the rendered, localized SMS part ------------------------------------------------------


@pytest.mark.parametrize(
    "locale,text",
    [
        (
            "pl-PL",
            "Acme Shop: zresetuj hasło za pomocą tego linku w ciągu 30 minut:\n"
            "https://acme.example/account/password/reset?token=q8Zr2vT0kLm4Xw7B&uid=58213",
        ),
        (
            "ja-JP",
            "Acme Shop：このリンクから30分以内にパスワードを再設定してください：\n"
            "https://acme.example/account/password/reset?token=q8Zr2vT0kLm4Xw7B&uid=58213",
        ),
    ],
)
def test_the_message_is_the_drafts_sms_part_rendered_in_the_recipients_locale(
    sample_project: Path, locale: str, text: str
) -> None:
    project = tmplkit.open_project(sample_project)
    folder = sample_project / "workspaces/acme-shop/account/password-reset"
    data = json.loads((folder / "sample.json").read_text("utf-8"))
    message = tmplkit.render(
        "acme-shop/account/password-reset", data, project=project, locale=locale
    )
    envelope = Envelope.from_message(message, Recipient(phone="+48 601 234 567"), channel="sms")
    lekab = Lekab()
    adapter({"jobid": 1017}, service=lekab).deliver(envelope)
    assert lekab.bodies() == [
        {"jobid": 1017, "jobname": "Staff alert", "message": text, "tonumbers": ["48601234567"]}
    ]
