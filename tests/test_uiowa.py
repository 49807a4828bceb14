"""The uiowa-dispatch adapter: adhoc members POSTed to a communication exactly as UIowa
Dispatch documents them (HTTP Basic client:key or the x-dispatch-api-key header, https only,
anything but 200 an error), the rendered content as member attributes, batches in chunks,
one-time schedules, faults against a real server on 127.0.0.1, settings and dry runs."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.handoff_fakes import USER_AGENT, Service, basic, run_batch
from tests.loopback import Loopback, Reply
from tmplkit.errors import DeliveryError, HandoffError
from tmplkit.handoff import Context, Envelope, Recipient, open_adapter
from tmplkit.handoff.journal import Journal
from tmplkit.handoff.uiowa import UiowaDispatchAdapter

KEY = "d3juGGzfHpBVtK1ZmrND"
ENV = {"UIOWA_DISPATCH_API_KEY": KEY}
BASE = "https://apps.its.uiowa.edu/dispatch"
ADHOCS = "/dispatch/api/v1/communications/7781/adhocs"
SCHEDULES = "/dispatch/api/v1/communications/7781/schedules"

HERKY = Envelope(
    channel="email",
    recipient=Recipient(
        address="herky-hawk@uiowa.edu",
        phone="+1 (319) 335-1000",
        name="Herky Hawk",
        attributes={"college": "CLAS", "hawkId": "hhawk", "credits": 12, "honors": True},
    ),
    subject="Your registration is confirmed, Herky",
    html="<p>Hi Herky, you are registered for <b>12</b> credits — go Hawks!</p>",
    text="Hi Herky, you are registered for 12 credits — go Hawks!",
    parts={"sms": "Herky: 12 credits registered."},
    sender="Registrar <registrar@uiowa.edu>",
    locale="en-US",
    template_id="tem_01m2tes7aa7mr85hk6z60dyz85",
)

HERKY_MEMBER = {
    "toAddress": "herky-hawk@uiowa.edu",
    "toPhone": "+13193351000",
    "toName": "Herky Hawk",
    "college": "CLAS",
    "hawkId": "hhawk",
    "credits": "12",
    "honors": "true",
    "subject": "Your registration is confirmed, Herky",
    "html": "<p>Hi Herky, you are registered for <b>12</b> credits — go Hawks!</p>",
    "text": "Hi Herky, you are registered for 12 credits — go Hawks!",
    "sms": "Herky: 12 credits registered.",
}


def student(n: int, **kw: Any) -> Envelope:
    return Envelope(
        channel="email",
        recipient=Recipient(address=f"student{n}@uiowa.edu", name=f"Student {n}"),
        subject=f"Hello {n}",
        text=f"Text {n}",
        **kw,
    )


def dispatch_api(answer: Callable[[httpx.Request], httpx.Response] | None = None) -> Service:
    """The service, answering as documented (or with `answer`)."""
    return Service(answer or (lambda request: httpx.Response(200, json="Successful response")))


def adapter(
    options: dict[str, Any] | None = None,
    *,
    service: Service | None = None,
    env: dict[str, str] | None = None,
    sleep: Callable[[float], None] = lambda s: None,
    dry_run: io.StringIO | None = None,
) -> UiowaDispatchAdapter:
    options = {"communication": 7781, "client": "registrar", **(options or {})}
    context = Context(
        options=options, env=ENV if env is None else env, dry_run=dry_run, name="uiowa-dispatch"
    )
    return UiowaDispatchAdapter(
        context, transport=service.transport if service else None, sleep=sleep
    )


# -- the request ---------------------------------------------------------------------------------


def test_deliver_posts_one_member_with_basic_auth() -> None:
    dispatch = dispatch_api()
    receipt = adapter(service=dispatch).deliver(HERKY)
    [request] = dispatch.requests
    assert request.method == "POST"
    assert str(request.url) == BASE + "/api/v1/communications/7781/adhocs"
    assert request.headers["Authorization"] == basic("registrar", KEY)
    assert "x-dispatch-api-key" not in request.headers
    assert request.headers["Accept"] == "application/json"
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.content) == {
        "members": [HERKY_MEMBER],
        "includeBatchResponse": False,
    }
    assert receipt.to_json() == {"key": HERKY.idempotency_key, "accepted": True, "status": 200}


def test_the_api_key_header_instead_of_basic() -> None:
    dispatch = dispatch_api()
    adapter({"auth": "header"}, service=dispatch).deliver(HERKY)
    [request] = dispatch.requests
    assert request.headers["x-dispatch-api-key"] == KEY
    assert "authorization" not in request.headers
    # without a client name, the header is the default
    dispatch = dispatch_api()
    context = Context(options={"communication": "7781"}, env=ENV, name="uiowa-dispatch")
    UiowaDispatchAdapter(context, transport=dispatch.transport).deliver(HERKY)
    assert dispatch.requests[0].headers["x-dispatch-api-key"] == KEY


def test_an_sms_member_has_its_phone_in_e164_and_the_sms_text() -> None:
    dispatch = dispatch_api()
    envelope = Envelope(
        channel="sms",
        recipient=Recipient(phone="00 46 70-123 45 67"),
        text="Your code is 123456",
        parts={"sms": "Code: 123456"},
    )
    adapter(service=dispatch).deliver(envelope)
    assert dispatch.bodies()[0]["members"] == [
        {"toPhone": "+46701234567", "text": "Your code is 123456", "sms": "Code: 123456"}
    ]


def test_attributes_become_strings_and_empty_content_is_left_out() -> None:
    dispatch = dispatch_api()
    envelope = Envelope(
        channel="email",
        recipient=Recipient(
            address="ann@uiowa.edu",
            attributes={
                "gpa": 3.75,
                "enrolled": False,
                "advisor": None,
                "courses": ["MATH:1550", "CHEM:1110"],
                "dorm": {"hall": "Hillcrest", "room": 212},
                "résumé": "Zoë's",
            },
        ),
        subject="Hi",
        text="",
        html="<p>Hi</p>",
    )
    adapter(service=dispatch).deliver(envelope)
    assert dispatch.bodies()[0]["members"] == [
        {
            "toAddress": "ann@uiowa.edu",
            "gpa": "3.75",
            "enrolled": "false",
            "courses": '["MATH:1550","CHEM:1110"]',
            "dorm": '{"hall":"Hillcrest","room":212}',
            "résumé": "Zoë's",
            "subject": "Hi",
            "html": "<p>Hi</p>",
        }
    ]


def test_an_attribute_may_not_overwrite_a_dispatch_field_or_the_content() -> None:
    dispatch = dispatch_api()
    clash = Envelope(
        channel="email",
        recipient=Recipient(address="a@uiowa.edu", attributes={"subject": "mine"}),
        subject="Hi",
        text="Hi",
    )
    with pytest.raises(HandoffError) as caught:
        adapter(service=dispatch).deliver(clash)
    assert str(caught.value) == (
        "uiowa-dispatch: recipient 'a@uiowa.edu': attribute 'subject' would overwrite the "
        "rendered one (hint: rename the attribute, or set prefix to keep tmplkit's apart (prefix "
        '= "tmplkit_" sends tmplkit_subject, tmplkit_html, ...))'
    )
    field = Envelope(
        channel="email",
        recipient=Recipient(address="a@uiowa.edu", attributes={"toName": "X"}),
        text="Hi",
    )
    with pytest.raises(HandoffError, match="attribute 'toName' would overwrite Dispatch's own"):
        adapter(service=dispatch).deliver(field)
    assert dispatch.requests == []
    # with a prefix the recipient's subject and the rendered one travel side by side
    adapter({"prefix": "tmplkit_"}, service=dispatch).deliver(clash)
    assert dispatch.bodies()[0]["members"] == [
        {
            "toAddress": "a@uiowa.edu",
            "subject": "mine",
            "tmplkit_subject": "Hi",
            "tmplkit_text": "Hi",
        }
    ]


@pytest.mark.parametrize(
    ("envelope", "message"),
    [
        (
            Envelope(channel="email", recipient=Recipient(phone="+13193351000"), text="x"),
            "uiowa-dispatch: recipient '+13193351000' has no e-mail address",
        ),
        (
            Envelope(channel="sms", recipient=Recipient(address="a@uiowa.edu"), text="x"),
            "uiowa-dispatch: recipient 'a@uiowa.edu' has no phone number",
        ),
        (
            Envelope(channel="sms", recipient=Recipient(phone="319 335 1000"), text="x"),
            "phone number '319 335 1000' is not international (hint: write it with its "
            "country code, e.g. +46701234567)",
        ),
        (
            Envelope(channel="push", recipient=Recipient(id="u1"), text="x"),
            "uiowa-dispatch does not carry push messages (hint: channels it carries: email, sms)",
        ),
    ],
)
def test_envelopes_it_cannot_carry_are_refused_before_sending(
    envelope: Envelope, message: str
) -> None:
    dispatch = dispatch_api()
    a = adapter(service=dispatch)
    with pytest.raises(HandoffError) as caught:
        a.check(envelope)
    assert str(caught.value) == message
    with pytest.raises(HandoffError) as caught:
        a.deliver(envelope)
    assert str(caught.value) == message
    assert dispatch.requests == []


# -- batches -----------------------------------------------------------------------------------


def test_a_batch_goes_in_chunks_of_batch_size_and_bad_envelopes_fail_alone() -> None:
    dispatch = dispatch_api()
    envelopes = [student(1), student(2), Envelope(channel="email", recipient=Recipient(id="x"))]
    envelopes += [student(3), student(4)]
    receipts = list(adapter({"batch_size": 2}, service=dispatch).deliver_many(envelopes))
    assert [[m["toAddress"] for m in body["members"]] for body in dispatch.bodies()] == [
        ["student1@uiowa.edu", "student2@uiowa.edu"],
        ["student3@uiowa.edu"],
        ["student4@uiowa.edu"],
    ]
    assert [r.key for r in receipts] == [e.idempotency_key for e in envelopes]
    assert [r.accepted for r in receipts] == [True, True, False, True, True]
    assert receipts[2].error == "uiowa-dispatch: recipient 'x' has no e-mail address"
    assert receipts[2].transient is False
    assert receipts[0].detail == {"members": 2}


def test_a_refused_chunk_fails_its_envelopes_and_the_next_chunk_goes_on() -> None:
    answers = iter(
        [
            httpx.Response(400, text="Invalid member data"),
            httpx.Response(200, json="Successful response"),
        ]
    )
    dispatch = dispatch_api(lambda request: next(answers))
    envelopes = [student(n) for n in range(1, 5)]
    receipts = list(adapter({"batch_size": 2}, service=dispatch).deliver_many(envelopes))
    assert [r.accepted for r in receipts] == [False, False, True, True]
    assert receipts[0].error == f"uiowa-dispatch: POST {ADHOCS}: HTTP 400: Invalid member data"
    assert receipts[0].status == 400 and receipts[0].transient is False
    assert len(dispatch.requests) == 2


def test_with_include_batch_response_the_batch_is_the_remote_id() -> None:
    batch = "https://apps.its.uiowa.edu/dispatch/api/v1/batches/99120"
    dispatch = dispatch_api(lambda request: httpx.Response(200, json=batch))
    receipt = adapter({"include_batch_response": True}, service=dispatch).deliver(HERKY)
    assert dispatch.bodies()[0]["includeBatchResponse"] is True
    assert receipt.remote_id == batch


# -- schedules ---------------------------------------------------------------------------------


def test_a_one_time_schedule() -> None:
    location = BASE + "/api/v1/schedules/5521"
    dispatch = dispatch_api(lambda request: httpx.Response(200, headers={"Location": location}))
    a = adapter({"auth": "header"}, service=dispatch)
    assert a.schedule("2024-09-02 08:00:00", business_days_only=True) == location
    assert a.schedule(datetime(2024, 9, 3, 17, 30), create_public_archive=True) == location
    for request in dispatch.requests:
        assert (request.method, request.url.path) == ("POST", SCHEDULES)
        assert request.headers["x-dispatch-api-key"] == KEY
        assert request.headers["Content-Type"] == "application/json"
    assert dispatch.bodies() == [
        {
            "occurrence": "ONE_TIME",
            "startTime": "2024-09-02 08:00:00",
            "businessDaysOnly": True,
            "includeBatchResponse": False,
            "createPublicArchive": False,
        },
        {
            "occurrence": "ONE_TIME",
            "startTime": "2024-09-03 17:30:00",
            "businessDaysOnly": False,
            "includeBatchResponse": False,
            "createPublicArchive": True,
        },
    ]


def test_a_bad_start_time_is_refused_before_sending() -> None:
    dispatch = dispatch_api()
    with pytest.raises(HandoffError) as caught:
        adapter(service=dispatch).schedule("2024-09-02T08:00")
    assert str(caught.value) == (
        "uiowa-dispatch: start time '2024-09-02T08:00' is not YYYY-MM-DD HH:mm:ss "
        "(hint: e.g. 2024-09-02 08:00:00)"
    )
    assert dispatch.requests == []


# -- refusals and faults -----------------------------------------------------------------------


def test_a_refused_key_names_where_it_comes_from() -> None:
    dispatch = dispatch_api(lambda request: httpx.Response(401, text="Unauthorized"))
    with pytest.raises(DeliveryError) as caught:
        adapter(service=dispatch).deliver(HERKY)
    assert str(caught.value) == (
        f"uiowa-dispatch: POST {ADHOCS}: HTTP 401: the API key was refused (Unauthorized) "
        "(hint: check the API key in UIOWA_DISPATCH_API_KEY and the client name 'registrar')"
    )
    assert caught.value.status == 401 and caught.value.transient is False
    assert len(dispatch.requests) == 1  # a 4xx is never retried


def test_an_unknown_communication() -> None:
    dispatch = dispatch_api(lambda request: httpx.Response(404))
    with pytest.raises(DeliveryError) as caught:
        adapter(
            {"api_key_env": "DISPATCH_KEY"}, env={"DISPATCH_KEY": "k"}, service=dispatch
        ).deliver(HERKY)
    assert str(caught.value) == (
        f"uiowa-dispatch: POST {ADHOCS}: HTTP 404: no communication '7781' (hint: check "
        "communication under [handoff.uiowa-dispatch] (and that the API key's client owns it))"
    )


def test_a_success_other_than_200_is_an_error() -> None:
    dispatch = dispatch_api(lambda request: httpx.Response(202, text="queued"))
    with pytest.raises(DeliveryError) as caught:
        adapter(service=dispatch).deliver(HERKY)
    assert str(caught.value) == f"uiowa-dispatch: POST {ADHOCS}: HTTP 202: queued"


def loopback(
    server: Loopback, options: dict[str, Any] | None = None, **kw: Any
) -> UiowaDispatchAdapter:
    return adapter({"base_url": server.url + "/dispatch", **(options or {})}, **kw)


def test_two_500s_then_200_deliver_once() -> None:
    with Loopback(Reply(500), Reply(500), default=Reply(200, "Successful response")) as server:
        receipt = loopback(server).deliver(HERKY)
    assert server.statuses() == [500, 500, 200]
    assert [r.path for r in server.received] == [ADHOCS] * 3
    assert len(server.answered) == 1
    assert server.received[2].json() == {"members": [HERKY_MEMBER], "includeBatchResponse": False}
    assert receipt.accepted


def test_a_429_waits_as_long_as_retry_after_says() -> None:
    waits: list[float] = []
    with Loopback(
        Reply(429, "Too many requests", {"Retry-After": "12"}), default=Reply(200)
    ) as server:
        receipt = loopback(server, sleep=waits.append).deliver(HERKY)
    assert waits == [12.0]
    assert server.statuses() == [429, 200] and receipt.accepted


def test_503s_past_the_retries_are_a_transient_failure() -> None:
    with Loopback(default=Reply(503, "Service Unavailable")) as server:
        with pytest.raises(DeliveryError) as caught:
            loopback(server, {"retries": 2}).deliver(HERKY)
        assert server.statuses() == [503, 503, 503]
    assert str(caught.value) == f"uiowa-dispatch: POST {ADHOCS}: HTTP 503: Service Unavailable"
    assert caught.value.transient is True


def test_a_timeout_is_transient_after_the_retries() -> None:
    with Loopback(default=Reply(200, delay=1.5)) as server:
        url = server.url
        with pytest.raises(DeliveryError) as caught:
            loopback(server, {"timeout": 0.2, "retries": 1}).deliver(HERKY)
        assert server.wait_for(2)
    assert str(caught.value) == (f"POST {url}{ADHOCS}: timed out (ReadTimeout) (after 2 attempts)")
    assert caught.value.transient is True


def test_a_batch_killed_half_way_and_rerun_sends_every_member_once(tmp_path: Path) -> None:
    envelopes = [student(n) for n in range(7)]
    with Loopback(default=Reply(200)) as server, Journal(tmp_path / "j.sqlite3") as journal:
        with pytest.raises(KeyboardInterrupt):  # killed after the first POST's 3 receipts
            run_batch(loopback(server, {"batch_size": 3}), journal, envelopes, stop=3)
        assert run_batch(loopback(server, {"batch_size": 3}), journal, envelopes) == 4
        assert run_batch(loopback(server, {"batch_size": 3}), journal, envelopes) == 0
        posted = [[m["toAddress"] for m in r.json()["members"]] for r in server.received]
    assert [len(members) for members in posted] == [3, 3, 1]
    everyone = [address for members in posted for address in members]
    assert sorted(everyone) == sorted(f"student{n}@uiowa.edu" for n in range(7))


def test_through_open_adapter_against_a_real_server() -> None:
    with (
        Loopback(default=Reply(200, "Successful response")) as server,
        open_adapter(
            "uiowa-dispatch",
            {"communication": 7781, "client": "registrar", "base_url": server.url + "/dispatch"},
            env=ENV,
        ) as a,
    ):
        receipt = a.deliver(HERKY)
    [request] = server.received
    assert (request.method, request.path) == ("POST", ADHOCS)
    assert request.headers["authorization"] == basic("registrar", KEY)
    assert request.headers["content-type"] == "application/json"
    assert request.json() == {"members": [HERKY_MEMBER], "includeBatchResponse": False}
    assert receipt.accepted


# -- settings ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "env", "message"),
    [
        (
            {},
            ENV,
            "[handoff.uiowa-dispatch]: missing setting 'communication' (hint: add "
            "`communication = ...` under [handoff.uiowa-dispatch] in tmplkit.toml)",
        ),
        (
            {"communication": "77/81"},
            ENV,
            "[handoff.uiowa-dispatch]: communication: must be a communication id (letters, "
            "digits, - and _), not '77/81' (hint: the id in the communication's address in "
            "Dispatch)",
        ),
        (
            {"communication": 7781, "auth": "basic"},
            ENV,
            "[handoff.uiowa-dispatch]: client: HTTP Basic authentication needs the client name "
            '(hint: add client = "..." (the name next to "Client" in Dispatch), or auth = '
            '"header")',
        ),
        (
            {"communication": 7781, "auth": "oauth"},
            ENV,
            "[handoff.uiowa-dispatch]: auth: must be basic or header, not 'oauth'",
        ),
        (
            {"communication": 7781},
            {},
            "[handoff.uiowa-dispatch]: the environment variable UIOWA_DISPATCH_API_KEY is not "
            "set (hint: export UIOWA_DISPATCH_API_KEY=... (credentials come from the "
            "environment only))",
        ),
        (
            {"communication": 7781, "api_key": KEY},
            ENV,
            "[handoff.uiowa-dispatch]: 'api_key' is a credential and cannot be written in "
            "tmplkit.toml (hint: set the environment variable UIOWA_DISPATCH_API_KEY (or name "
            'another one with api_key_env = "VAR"))',
        ),
        (
            {"communication": 7781, "batchsize": 10},
            ENV,
            "[handoff.uiowa-dispatch]: unknown setting 'batchsize' (hint: settings: adapter, "
            "api_key_env, auth, backoff, base_url, batch_size, client, communication, "
            "include_batch_response, prefix, retries, timeout)",
        ),
        (
            {"communication": 7781, "base_url": "http://dispatch.example.edu/dispatch"},
            ENV,
            "[handoff.uiowa-dispatch]: base_url 'http://dispatch.example.edu/dispatch' must "
            "use https (hint: plain http is allowed only to loopback (127.0.0.1, localhost, ::1))",
        ),
        (
            {"communication": 7781, "batch_size": 0},
            ENV,
            "[handoff.uiowa-dispatch]: batch_size: must be a whole number above 0, not 0",
        ),
        (
            {"communication": 7781, "include_batch_response": "yes"},
            ENV,
            "[handoff.uiowa-dispatch]: include_batch_response: must be true or false, not 'yes'",
        ),
    ],
)
def test_bad_settings_are_one_clear_error(
    options: dict[str, Any], env: dict[str, str], message: str
) -> None:
    with pytest.raises(HandoffError) as caught:
        open_adapter("uiowa-dispatch", options, env=env)
    assert str(caught.value) == message


def test_plain_http_to_loopback_is_allowed() -> None:
    with Loopback(default=Reply(200)) as server:
        a = open_adapter(
            "uiowa-dispatch", {"communication": "7781", "base_url": server.url}, env=ENV
        )
        assert a.deliver(HERKY).accepted


# -- dry run -----------------------------------------------------------------------------------


def test_a_dry_run_prints_the_request_with_the_key_masked() -> None:
    out = io.StringIO()
    a = open_adapter(
        "uiowa-dispatch", {"communication": 7781, "client": "registrar"}, env=ENV, dry_run=out
    )
    receipt = a.deliver(HERKY)
    assert receipt.to_json() == {
        "key": HERKY.idempotency_key,
        "accepted": True,
        "status": 200,
        "dryRun": True,
    }
    sent = {"members": [HERKY_MEMBER], "includeBatchResponse": False}
    wire = json.dumps(sent, ensure_ascii=False, separators=(",", ":")).encode()
    assert out.getvalue() == (
        f"POST {BASE}/api/v1/communications/7781/adhocs\n"
        "Host: apps.its.uiowa.edu\n"
        "Accept-Encoding: gzip, deflate\n"
        "Connection: keep-alive\n"
        f"{USER_AGENT}\n"
        "Accept: application/json\n"
        "Content-Type: application/json\n"
        f"Content-Length: {len(wire)}\n"
        "Authorization: Basic ********\n"
        "\n"
        f"{json.dumps(sent, ensure_ascii=False, indent=2)}\n"
    )
    assert KEY not in out.getvalue()
    assert base64.b64encode(f"registrar:{KEY}".encode()).decode() not in out.getvalue()


def test_a_dry_run_with_the_key_header_masks_it_too() -> None:
    out = io.StringIO()
    a = open_adapter("uiowa-dispatch", {"communication": 7781}, env=ENV, dry_run=out)
    a.deliver(HERKY)
    assert "x-dispatch-api-key: ********\n" in out.getvalue()
    assert KEY not in out.getvalue()
