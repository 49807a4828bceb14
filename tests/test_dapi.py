"""The dapi adapter: settings, PUT /v1/messages and the status query, lists and invokes for
batches, DAPI's error bodies, faults on a real loopback server, and dry runs."""

from __future__ import annotations

import base64
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
from tmplkit.handoff.dapi import DapiAdapter
from tmplkit.handoff.journal import Journal

ENV = {"DAPI_USER_ID": "usr_4f2a", "DAPI_USER_SECRET": "sk_9d1e77"}
BASIC = "Basic " + base64.b64encode(b"usr_4f2a:sk_9d1e77").decode()
OPTIONS = {"provider": "46elks", "from": "AcmeShop"}


def sms(phone: str | None, text: str = "Your order AC-1042 has shipped.", **kw: Any) -> Envelope:
    return Envelope(
        channel="sms",
        recipient=Recipient(phone=phone, id=kw.pop("id", phone)),
        parts={"sms": text},
        **kw,
    )


class Dapi:
    """httpx.MockTransport standing in for DAPI: records requests; answers with `answer`, else
    DAPI's documented successes (an id for messages, lists and invokes)."""

    def __init__(self, answer: Callable[[httpx.Request], httpx.Response] | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.answer = answer
        self.transport = httpx.MockTransport(self._handle)
        self._ids = iter(range(1, 1000))

    def _handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.answer is not None:
            return self.answer(request)
        path = request.url.path
        if path == "/v1/messages":
            return httpx.Response(200, json={"id": f"msg_{next(self._ids)}"})
        if path == "/v1/lists":
            return httpx.Response(200, json={"id": f"lst_{next(self._ids)}"})
        if path.endswith("/contacts"):
            return httpx.Response(200, json={})
        return httpx.Response(200, json={"id": f"inv_{next(self._ids)}"})

    def calls(self) -> list[tuple[str, str, Any]]:
        return [
            (r.method, r.url.path, json.loads(r.content) if r.content else None)
            for r in self.requests
        ]


def adapter(
    options: dict[str, Any] | None = None,
    *,
    service: Dapi | None = None,
    sleep: Callable[[float], None] = lambda s: None,
) -> DapiAdapter:
    context = Context(options={**OPTIONS, **(options or {})}, env=ENV, name="dapi")
    return DapiAdapter(context, transport=service.transport if service else None, sleep=sleep)


# --- settings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options,env,message",
    [
        (
            {"from": "AcmeShop"},
            ENV,
            "[handoff.dapi]: missing setting 'provider' (hint: add `provider = ...` under "
            "[handoff.dapi] in tmplkit.toml)",
        ),
        (
            {"provider": "46elks"},
            ENV,
            "[handoff.dapi]: missing setting 'from' (hint: add `from = ...` under [handoff.dapi] "
            "in tmplkit.toml)",
        ),
        (
            OPTIONS,
            {"DAPI_USER_ID": "usr_4f2a"},
            "[handoff.dapi]: the environment variable DAPI_USER_SECRET is not set (hint: export "
            "DAPI_USER_SECRET=... (credentials come from the environment only))",
        ),
        (
            {**OPTIONS, "user_secret": "sk_9d1e77"},
            ENV,
            "[handoff.dapi]: 'user_secret' is a credential and cannot be written in tmplkit.toml "
            "(hint: set the environment variable DAPI_USER_SECRET (or name another one with "
            'user_secret_env = "VAR"))',
        ),
        (
            {**OPTIONS, "provder": "x"},
            ENV,
            "[handoff.dapi]: unknown setting 'provder' (hint: settings: adapter, backoff, "
            "base_url, from, list_size, lists, provider, retries, throughput, timeout, "
            "user_id_env, user_secret_env)",
        ),
        (
            {**OPTIONS, "provider": ""},
            ENV,
            "[handoff.dapi]: provider: must be a non-empty string, not ''",
        ),
        (
            {**OPTIONS, "throughput": {"sms": {"mps": 0}}},
            ENV,
            "[handoff.dapi]: throughput.sms.mps: must be a whole number above 0, not 0",
        ),
        (
            {**OPTIONS, "throughput": {"sms": {"mps": "10"}}},
            ENV,
            "[handoff.dapi]: throughput.sms.mps: must be a whole number above 0, not '10'",
        ),
        (
            {**OPTIONS, "throughput": {"sms": {"mpm": 60}}},
            ENV,
            "[handoff.dapi]: throughput.sms: must be a table of mps, not {'mpm': 60} (hint: e.g. "
            "throughput = { sms = { mps = 10 } })",
        ),
        (
            {**OPTIONS, "throughput": {"sms": {"mps": 5}, "voice": {"mps": 1}}},
            ENV,
            "[handoff.dapi]: throughput.voice: must be a table of mps, mpm, not {'mps': 1} (hint: "
            "e.g. throughput = { sms = { mps = 10 } })",
        ),
        (
            {**OPTIONS, "throughput": {"sms": {"mps": 5}, "fax": {"mps": 1}}},
            ENV,
            "[handoff.dapi]: throughput: unknown channel 'fax' (sms, voice) (hint: e.g. "
            "throughput = { sms = { mps = 10 } })",
        ),
        (
            {**OPTIONS, "throughput": 10},
            ENV,
            "[handoff.dapi]: throughput: must be a table with sms, not 10 (hint: e.g. "
            "throughput = { sms = { mps = 10 } })",
        ),
        (
            {**OPTIONS, "lists": "yes"},
            ENV,
            "[handoff.dapi]: lists: must be true or false, not 'yes'",
        ),
        (
            {**OPTIONS, "list_size": -1},
            ENV,
            "[handoff.dapi]: list_size: must be a whole number above 0, not -1",
        ),
        (
            {**OPTIONS, "base_url": "http://api.dapi.io"},
            ENV,
            "[handoff.dapi]: base_url 'http://api.dapi.io' must use https (hint: plain http is "
            "allowed only to loopback (127.0.0.1, localhost, ::1))",
        ),
    ],
)
def test_a_bad_setting_is_one_clear_error(
    options: dict[str, Any], env: dict[str, str], message: str
) -> None:
    with pytest.raises(HandoffError) as caught:
        open_adapter("dapi", options, env=env)
    assert str(caught.value) == message


def test_other_variables_can_hold_the_credentials() -> None:
    dapi = Dapi()
    context = Context(
        options={**OPTIONS, "user_id_env": "ACME_DAPI_ID", "user_secret_env": "ACME_DAPI_SECRET"},
        env={"ACME_DAPI_ID": "u2", "ACME_DAPI_SECRET": "s2"},
        name="dapi",
    )
    DapiAdapter(context, transport=dapi.transport).deliver(sms("+46701234567"))
    assert (
        dapi.requests[0].headers["authorization"] == "Basic " + base64.b64encode(b"u2:s2").decode()
    )


# --- one message ---------------------------------------------------------------------------


def test_deliver_puts_one_message_with_basic_auth_and_json() -> None:
    dapi = Dapi()
    receipt = adapter(service=dapi).deliver(
        sms("+46 70-123 45 67", "Zoë: paczka AC-1042 wysłana €")
    )
    (request,) = dapi.requests
    assert (request.method, str(request.url)) == ("PUT", "https://api.dapi.io/v1/messages")
    assert request.headers["authorization"] == BASIC
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {
        "provider": "46elks",
        "type": "sms",
        "arguments": {
            "from": "AcmeShop",
            "to": "+46701234567",
            "text": "Zoë: paczka AC-1042 wysłana €",
        },
    }
    assert "Zoë: paczka AC-1042 wysłana €".encode() in request.content  # UTF-8, not \u escapes
    assert (receipt.accepted, receipt.remote_id, receipt.status) == (True, "msg_1", 200)
    assert receipt.key == sms("+46 70-123 45 67", "Zoë: paczka AC-1042 wysłana €").idempotency_key


def test_status_asks_for_the_message_and_says_pending_completed_or_failed() -> None:
    states = iter(["pending", "completed", "failed"])
    dapi = Dapi(lambda r: httpx.Response(200, json={"id": "msg_1", "status": next(states)}))
    a = adapter(service=dapi)
    assert [a.status("msg_1") for _ in range(3)] == ["pending", "completed", "failed"]
    for request in dapi.requests:
        assert (request.method, request.url.path) == ("GET", "/v1/messages/msg_1")
        assert request.headers["content-type"] == "application/json"  # DAPI refuses without it
        assert request.headers["authorization"] == BASIC


def test_an_unknown_status_is_an_error() -> None:
    dapi = Dapi(lambda r: httpx.Response(200, json={"status": "queued"}))
    with pytest.raises(DeliveryError) as caught:
        adapter(service=dapi).status("msg_1")
    assert str(caught.value) == "dapi: message msg_1: unexpected status 'queued'"


@pytest.mark.parametrize(
    "envelope,message",
    [
        (
            Envelope(channel="push", recipient=Recipient(id="u-1"), text="x"),
            "dapi does not carry push messages (hint: channels it carries: sms)",
        ),
        (sms(None, id="u-9"), "dapi: recipient 'u-9' has no phone number"),
        (
            sms("0701234567"),
            "phone number '0701234567' is not international (hint: write it with its country "
            "code, e.g. +46701234567)",
        ),
        (
            sms("+46701234567", ""),
            "dapi: the message to +46701234567 has no SMS text (hint: add an sms.txt.j2 part "
            "to the draft, or a text part)",
        ),
    ],
)
def test_an_envelope_it_cannot_carry_is_refused_before_any_request(
    envelope: Envelope, message: str
) -> None:
    dapi = Dapi()
    with pytest.raises(HandoffError) as caught:
        adapter(service=dapi).deliver(envelope)
    assert str(caught.value) == message
    assert dapi.requests == []


# --- DAPI's errors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code,description,message",
    [
        (
            "json-invalid",
            "Invalid JSON",
            "dapi: PUT /v1/messages: json-invalid: Invalid JSON (hint: DAPI could not read the "
            "request body as JSON)",
        ),
        (
            "provider-invalid",
            "Provider 46elks is not configured",
            "dapi: PUT /v1/messages: provider-invalid: Provider 46elks is not configured (hint: "
            "check `provider` under [handoff.dapi]: it must be a provider set up in your DAPI "
            "account)",
        ),
        (
            "message-invalid-type",
            "Unknown message type",
            "dapi: PUT /v1/messages: message-invalid-type: Unknown message type (hint: the "
            'message type must be one DAPI knows; tmplkit sends "sms")',
        ),
        (
            "message-invalid-to",
            "The recipient number is not valid",
            "dapi: PUT /v1/messages: message-invalid-to: The recipient number is not valid",
        ),
    ],
)
def test_a_400_error_body_names_the_code(code: str, description: str, message: str) -> None:
    body = {"error-code": code, "error-description": description}
    dapi = Dapi(lambda r: httpx.Response(400, json=body))
    with pytest.raises(DeliveryError) as caught:
        adapter(service=dapi).deliver(sms("+46701234567"))
    assert str(caught.value) == message
    assert (caught.value.code, caught.value.status, caught.value.transient) == (code, 400, False)
    assert len(dapi.requests) == 1  # never retried


def test_a_401_says_which_variables_to_check() -> None:
    dapi = Dapi(lambda r: httpx.Response(401, json={"message": "Unauthorized"}))
    with pytest.raises(DeliveryError) as caught:
        adapter(service=dapi).deliver(sms("+46701234567"))
    assert str(caught.value) == (
        "dapi: PUT /v1/messages: HTTP 401: the credentials were refused (hint: check "
        "DAPI_USER_ID and DAPI_USER_SECRET)"
    )
    assert len(dapi.requests) == 1


def test_another_4xx_without_an_error_body_shows_what_came() -> None:
    dapi = Dapi(lambda r: httpx.Response(404, text="Not Found"))
    with pytest.raises(DeliveryError) as caught:
        adapter(service=dapi).status("msg_404")
    assert str(caught.value) == "dapi: GET /v1/messages/msg_404: HTTP 404: Not Found"


def loopback_adapter(
    server: Loopback, options: dict[str, Any] | None = None, waits: list[float] | None = None
) -> DapiAdapter:
    sleep = waits.append if waits is not None else (lambda s: None)
    return adapter({"base_url": server.url, **(options or {})}, sleep=sleep)


def test_two_500s_then_ok_send_the_message_once() -> None:
    ok = Reply(200, {"id": "msg_77"})
    with Loopback(Reply(500), Reply(500), default=ok) as server:
        receipt = loopback_adapter(server).deliver(sms("+46701234567"))
    assert server.statuses() == [500, 500, 200]
    assert len(server.answered) == 1 and receipt.remote_id == "msg_77"
    for request in server.received:
        assert (request.method, request.path) == ("PUT", "/v1/messages")
        assert request.headers["authorization"] == BASIC
        assert request.headers["content-type"] == "application/json"


def test_a_429_is_retried_after_retry_after() -> None:
    waits: list[float] = []
    limited = Reply(429, {"error-code": "rate-limit"}, {"Retry-After": "3"})
    with Loopback(limited, default=Reply(200, {"id": "msg_78"})) as server:
        receipt = loopback_adapter(server, waits=waits).deliver(sms("+46701234567"))
    assert waits == [3.0] and server.statuses() == [429, 200] and receipt.accepted


def test_5xx_past_the_retries_is_a_transient_failure() -> None:
    with (
        Loopback(default=Reply(502, "Bad Gateway")) as server,
        pytest.raises(DeliveryError) as caught,
    ):
        loopback_adapter(server, {"retries": 1}).deliver(sms("+46701234567"))
    assert str(caught.value) == "dapi: PUT /v1/messages: HTTP 502"
    assert caught.value.transient and server.statuses() == [502, 502]


def test_a_timeout_is_a_transient_failure() -> None:
    with Loopback(default=Reply(200, {"id": "late"}, delay=1.5)) as server:
        url = server.url
        with pytest.raises(DeliveryError) as caught:
            loopback_adapter(server, {"timeout": 0.2, "retries": 0}).deliver(sms("+46701234567"))
    assert str(caught.value) == f"PUT {url}/v1/messages: timed out (ReadTimeout) (after 1 attempt)"
    assert caught.value.transient


def test_through_open_adapter_against_a_real_server() -> None:
    with Loopback(default=Reply(200, {"id": "msg_5"})) as server:
        a = open_adapter("dapi", {**OPTIONS, "base_url": server.url}, env=ENV)
        with a:
            receipt = a.deliver(sms("+46701234567"))
    (request,) = server.received
    assert (request.method, request.path) == ("PUT", "/v1/messages")
    assert request.headers["authorization"] == BASIC
    assert request.json()["arguments"]["to"] == "+46701234567"
    assert receipt.remote_id == "msg_5"


# --- batches: lists and invokes ------------------------------------------------------------


def test_a_batch_with_one_text_is_a_list_its_contacts_and_one_invoke() -> None:
    dapi = Dapi()
    envelopes = [
        sms(f"+4670123456{n}", "Sale starts now", template_id="tem_1", locale="sv-SE")
        for n in range(3)
    ]
    receipts = list(
        adapter({"throughput": {"sms": {"mps": 10}}}, service=dapi).deliver_many(envelopes)
    )
    assert dapi.calls() == [
        (
            "PUT",
            "/v1/lists",
            {
                "metadata": {
                    "name": "tmplkit tem_1 sv-SE",
                    "template": "tem_1",
                    "locale": "sv-SE",
                    "messages": 3,
                }
            },
        ),
        (
            "PUT",
            "/v1/lists/lst_1/contacts",
            {
                "contacts": [
                    {"type": "sms", "provider": "46elks", "order": 1, "contact": "+46701234560"},
                    {"type": "sms", "provider": "46elks", "order": 2, "contact": "+46701234561"},
                    {"type": "sms", "provider": "46elks", "order": 3, "contact": "+46701234562"},
                ]
            },
        ),
        (
            "PUT",
            "/v1/invokes",
            {
                "list_id": "lst_1",
                "providers": [
                    {
                        "type": "sms",
                        "provider": "46elks",
                        "arguments": {"from": "AcmeShop", "text": "Sale starts now"},
                    }
                ],
                "throughput": {"sms": {"mps": 10}},
            },
        ),
    ]
    for request in dapi.requests:
        assert request.headers["content-type"] == "application/json"
        assert request.headers["authorization"] == BASIC
    assert [(r.accepted, r.remote_id, dict(r.detail)) for r in receipts] == [
        (True, "inv_2", {"list": "lst_1"})
    ] * 3
    assert [r.key for r in receipts] == [e.idempotency_key for e in envelopes]


def test_a_batch_groups_by_text_and_sends_a_lone_text_as_a_message() -> None:
    dapi = Dapi()
    envelopes = [
        sms("+46701234561", "Hej Anna"),
        sms("+46701234562", "Your code is 1234"),
        sms("+46701234563", "Hej Anna"),
    ]
    receipts = list(adapter(service=dapi).deliver_many(envelopes))
    assert [(m, p) for m, p, _ in dapi.calls()] == [
        ("PUT", "/v1/lists"),
        ("PUT", "/v1/lists/lst_1/contacts"),
        ("PUT", "/v1/invokes"),
        ("PUT", "/v1/messages"),
    ]
    assert dapi.calls()[2][2]["throughput"] == {"sms": {"mps": 1}}  # the default
    assert dapi.calls()[3][2]["arguments"] == {
        "from": "AcmeShop",
        "to": "+46701234562",
        "text": "Your code is 1234",
    }
    assert [r.remote_id for r in receipts] == ["inv_2", "msg_3", "inv_2"]


def test_list_size_splits_a_big_group() -> None:
    dapi = Dapi()
    envelopes = [sms(f"+4670123456{n}", "Same") for n in range(5)]
    list(adapter({"list_size": 2}, service=dapi).deliver_many(envelopes))
    contacts = [
        [c["contact"] for c in body["contacts"]]
        for _, path, body in dapi.calls()
        if path.endswith("/contacts")
    ]
    assert contacts == [["+46701234560", "+46701234561"], ["+46701234562", "+46701234563"]]
    assert [p for _, p, _ in dapi.calls()][-1] == "/v1/messages"  # the fifth, alone


def test_lists_false_sends_every_envelope_as_a_message() -> None:
    dapi = Dapi()
    envelopes = [sms(f"+4670123456{n}", "Same") for n in range(3)]
    receipts = list(adapter({"lists": False}, service=dapi).deliver_many(envelopes))
    assert [p for _, p, _ in dapi.calls()] == ["/v1/messages"] * 3
    assert [r.remote_id for r in receipts] == ["msg_1", "msg_2", "msg_3"]


def test_a_failed_invoke_fails_its_group_with_the_code() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/invokes":
            return httpx.Response(
                400,
                json={"error-code": "provider-invalid", "error-description": "No such provider"},
            )
        return httpx.Response(200, json={"id": "lst_9"})

    dapi = Dapi(answer)
    envelopes = [
        sms("+46701234561", "Same"),
        sms(None, "Same", id="u-2"),
        sms("+46701234563", "Same"),
    ]
    receipts = list(adapter(service=dapi).deliver_many(envelopes))
    error = (
        "dapi: PUT /v1/invokes: provider-invalid: No such provider (hint: check `provider` under "
        "[handoff.dapi]: it must be a provider set up in your DAPI account)"
    )
    assert [(r.accepted, r.error) for r in receipts] == [
        (False, error),
        (False, "dapi: recipient 'u-2' has no phone number"),
        (False, error),
    ]


def test_a_batch_killed_half_way_and_rerun_sends_every_message_once(tmp_path: Path) -> None:
    envelopes = [sms(f"+4670123450{n}", f"Your code is {n}") for n in range(5)]
    ids = iter(range(100))

    def answer(received: Any) -> Reply:
        return Reply(200, {"id": f"msg_{next(ids)}"})

    with Loopback(handler=answer) as server, Journal(tmp_path / "j.sqlite3") as journal:
        with pytest.raises(KeyboardInterrupt):
            run_batch(loopback_adapter(server), journal, envelopes, stop=2)
        run_batch(loopback_adapter(server), journal, envelopes)
        sent = [r.json()["arguments"]["to"] for r in server.received]
    assert sorted(sent) == [f"+4670123450{n}" for n in range(5)]
    assert len(sent) == 5


# --- dry runs ------------------------------------------------------------------------------


def test_a_dry_run_prints_the_request_with_the_secret_masked_and_sends_nothing() -> None:
    out = io.StringIO()
    dapi = Dapi()
    context = Context(options=OPTIONS, env=ENV, dry_run=out, name="dapi")
    receipt = DapiAdapter(context, transport=dapi.transport).deliver(sms("+46701234567", "Hi Zoë"))
    assert dapi.requests == [] and receipt.dry_run and receipt.accepted
    assert out.getvalue() == (
        "PUT https://api.dapi.io/v1/messages\n"
        "Host: api.dapi.io\n"
        "Accept: */*\n"
        "Accept-Encoding: gzip, deflate\n"
        "Connection: keep-alive\n"
        f"{USER_AGENT}\n"
        "Content-Type: application/json\n"
        "Content-Length: 103\n"
        "Authorization: Basic ********\n"
        "\n"
        "{\n"
        '  "provider": "46elks",\n'
        '  "type": "sms",\n'
        '  "arguments": {\n'
        '    "from": "AcmeShop",\n'
        '    "to": "+46701234567",\n'
        '    "text": "Hi Zoë"\n'
        "  }\n"
        "}\n"
    )
    assert "sk_9d1e77" not in out.getvalue()


def test_a_dry_run_of_a_batch_prints_list_contacts_and_invoke() -> None:
    out = io.StringIO()
    a = open_adapter("dapi", OPTIONS, env=ENV, dry_run=out)
    receipts = list(a.deliver_many([sms("+46701234561", "Same"), sms("+46701234562", "Same")]))
    firsts = [line for line in out.getvalue().splitlines() if line.startswith("PUT ")]
    assert firsts == [
        "PUT https://api.dapi.io/v1/lists",
        "PUT https://api.dapi.io/v1/lists/dry-run-list/contacts",
        "PUT https://api.dapi.io/v1/invokes",
    ]
    assert out.getvalue().count("Authorization: Basic ********") == 3
    assert {(r.dry_run, r.remote_id) for r in receipts} == {(True, "dry-run")}


def test_a_dry_run_with_a_dummy_secret_prints_the_requests_intact() -> None:
    out = io.StringIO()
    env = {"DAPI_USER_ID": "u", "DAPI_USER_SECRET": "s"}
    open_adapter("dapi", OPTIONS, env=env, dry_run=out).deliver(sms("+46701234567", "Sms sales"))
    printed = out.getvalue()
    assert "PUT https://api.dapi.io/v1/messages\n" in printed
    assert '    "text": "Sms sales"\n' in printed
    assert "Authorization: Basic ********\n" in printed


def test_the_text_is_the_drafts_sms_part_rendered_in_the_recipients_locale(
    sample_project: Path,
) -> None:
    project = tmplkit.open_project(sample_project)
    folder = sample_project / "workspaces/acme-shop/account/password-reset"
    data = json.loads((folder / "sample.json").read_text("utf-8"))
    message = tmplkit.render(
        "acme-shop/account/password-reset", data, project=project, locale="pl-PL"
    )
    envelope = Envelope.from_message(message, Recipient(phone="+48 601 234 567"), channel="sms")
    dapi = Dapi()
    adapter(service=dapi).deliver(envelope)
    assert dapi.calls()[0][2]["arguments"] == {
        "from": "AcmeShop",
        "to": "+48601234567",
        "text": "Acme Shop: zresetuj hasło za pomocą tego linku w ciągu 30 minut:\n"
        "https://acme.example/account/password/reset?token=q8Zr2vT0kLm4Xw7B&uid=58213",
    }
