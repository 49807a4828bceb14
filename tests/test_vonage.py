"""The vonage-dispatch adapter: the failover workflow built from the draft's parts in the
order the settings give, exactly as the Dispatch API reference shapes it (Basic key:secret,
`template: failover`, each step's from/to/message/failover, the last without failover);
expiry_time and condition_status checked per channel; phone numbers without + or 00; the
202 `dispatch_uuid`; RFC 7807 refusals; faults against a real server; settings; dry runs."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.handoff_fakes import USER_AGENT, Service, basic, run_batch
from tests.loopback import Loopback, Reply
from tmplkit.errors import DeliveryError, HandoffError
from tmplkit.handoff import Context, Envelope, Recipient, open_adapter
from tmplkit.handoff.journal import Journal
from tmplkit.handoff.vonage import VonageDispatchAdapter, vonage_number

KEY, SECRET = "abcd1234", "Zx9Secr3tValue"
ENV = {"VONAGE_API_KEY": KEY, "VONAGE_API_SECRET": SECRET}
UUID = "aaaaaaaa-bbbb-cccc-dddd-0123456789ab"
DISPATCH = "/v0.1/dispatch"

# messenger → viber → sms, as in the Dispatch API's own example of a workflow
THREE_STEPS = {
    "failover": ["messenger", "viber", "sms"],
    "messenger": {"from": "1234567890123456", "condition_status": "read"},
    "viber": {"from": 16273, "expiry_time": 300, "condition_status": "read"},
    "sms": {"from": "+44 7700 900002"},
}

ORDER = Envelope(
    channel="chat",
    recipient=Recipient(phone="+44 7700-900 000", id="0987654321098765", name="Zoë"),
    subject="Your order has shipped",
    text="Hi Zoë, your order 42 has shipped. Track it at https://acme.example/t/42",
    parts={
        "sms": "Acme: order 42 shipped. https://acme.example/t/42",
        "chat": "Hi Zoë 👋 your order 42 has shipped! Track it: https://acme.example/t/42",
    },
    locale="en-GB",
)

CHAT_TEXT = ORDER.parts["chat"]
SMS_TEXT = ORDER.parts["sms"]


def vonage_api(answer: Callable[[httpx.Request], httpx.Response] | None = None) -> Service:
    """The service, answering as documented (or with `answer`)."""
    return Service(answer or (lambda request: httpx.Response(202, json={"dispatch_uuid": UUID})))


def adapter(
    options: dict[str, Any] | None = None,
    *,
    service: Service | None = None,
    env: dict[str, str] | None = None,
    sleep: Callable[[float], None] = lambda s: None,
) -> VonageDispatchAdapter:
    context = Context(
        options=THREE_STEPS if options is None else options,
        env=ENV if env is None else env,
        name="vonage-dispatch",
    )
    return VonageDispatchAdapter(
        context, transport=service.transport if service else None, sleep=sleep
    )


# -- the workflow --------------------------------------------------------------------------------


def test_a_three_step_failover_workflow() -> None:
    vonage = vonage_api()
    receipt = adapter(service=vonage).deliver(ORDER)
    [request] = vonage.requests
    assert request.method == "POST"
    assert str(request.url) == "https://api.nexmo.com/v0.1/dispatch"
    assert request.headers["Authorization"] == basic(KEY, SECRET)
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Accept"] == "application/json"
    assert json.loads(request.content) == {
        "template": "failover",
        "workflow": [
            {
                "from": {"type": "messenger", "id": "1234567890123456"},
                "to": {"type": "messenger", "id": "0987654321098765"},
                "message": {"content": {"type": "text", "text": CHAT_TEXT}},
                "failover": {"expiry_time": 600, "condition_status": "read"},
            },
            {
                "from": {"type": "viber_service_msg", "id": "16273"},
                "to": {"type": "viber_service_msg", "number": "447700900000"},
                "message": {"content": {"type": "text", "text": CHAT_TEXT}},
                "failover": {"expiry_time": 300, "condition_status": "read"},
            },
            {
                "from": {"type": "sms", "number": "447700900002"},
                "to": {"type": "sms", "number": "447700900000"},
                "message": {"content": {"type": "text", "text": SMS_TEXT}},
            },
        ],
    }
    assert receipt.to_json() == {
        "key": ORDER.idempotency_key,
        "accepted": True,
        "remoteId": UUID,
        "status": 202,
    }


def test_sms_then_whatsapp_with_the_top_level_expiry_and_condition() -> None:
    vonage = vonage_api()
    options = {
        "failover": ["sms", "whatsapp"],
        "expiry_time": 900,
        "sms": {"from": "AcmeShop"},
        "whatsapp": {"from": "00447700900003"},
    }
    adapter(options, service=vonage).deliver(ORDER)
    assert vonage.bodies()[0]["workflow"] == [
        {
            "from": {"type": "sms", "number": "AcmeShop"},
            "to": {"type": "sms", "number": "447700900000"},
            "message": {"content": {"type": "text", "text": SMS_TEXT}},
            "failover": {"expiry_time": 900, "condition_status": "delivered"},
        },
        {
            "from": {"type": "whatsapp", "number": "447700900003"},
            "to": {"type": "whatsapp", "number": "447700900000"},
            "message": {"content": {"type": "text", "text": CHAT_TEXT}},
        },
    ]


def test_a_single_sms_step_has_no_failover() -> None:
    vonage = vonage_api()
    adapter({"sms": {"from": "447700900002"}}, service=vonage).deliver(ORDER)
    assert vonage.bodies()[0] == {
        "template": "failover",
        "workflow": [
            {
                "from": {"type": "sms", "number": "447700900002"},
                "to": {"type": "sms", "number": "447700900000"},
                "message": {"content": {"type": "text", "text": SMS_TEXT}},
            }
        ],
    }


def test_texts_fall_back_from_chat_to_sms_to_the_text_part() -> None:
    vonage = vonage_api()
    only_sms = Envelope(
        channel="sms", recipient=ORDER.recipient, text="plain text", parts={"sms": "sms text"}
    )
    only_text = Envelope(channel="sms", recipient=ORDER.recipient, text="plain text")
    a = adapter(service=vonage)
    a.deliver(only_sms)
    a.deliver(only_text)
    texts = [[s["message"]["content"]["text"] for s in b["workflow"]] for b in vonage.bodies()]
    assert texts == [["sms text"] * 3, ["plain text"] * 3]


@pytest.mark.parametrize(
    ("phone", "number"),
    [
        ("+44 7700 900000", "447700900000"),
        ("0044-7700-900000", "447700900000"),
        ("447700900000", "447700900000"),
        ("+1 (319) 335-1000", "13193351000"),
    ],
)
def test_phone_numbers_lose_their_plus_and_00(phone: str, number: str) -> None:
    assert vonage_number(phone) == number


@pytest.mark.parametrize(
    ("phone", "message"),
    [
        (
            "07700 900000",
            "phone number '07700 900000' is not an international number (hint: digits with the "
            "country code, e.g. 447700900000 or +44 7700 900000)",
        ),
        (
            "+44 7700 9000O0",
            "phone number '+44 7700 9000O0' is not a valid international number (hint: a + and "
            "7 to 15 digits, the first not 0, e.g. +46701234567)",
        ),
        (
            "call me",
            "phone number 'call me' is not an international number (hint: digits with the "
            "country code, e.g. 447700900000 or +44 7700 900000)",
        ),
    ],
)
def test_a_number_that_is_not_international_is_refused(phone: str, message: str) -> None:
    vonage = vonage_api()
    envelope = Envelope(channel="sms", recipient=Recipient(phone=phone, id="1"), text="Hi")
    with pytest.raises(HandoffError) as caught:
        adapter(service=vonage).deliver(envelope)
    assert str(caught.value) == message
    assert vonage.requests == []


@pytest.mark.parametrize(
    ("envelope", "message"),
    [
        (
            Envelope(channel="sms", recipient=Recipient(phone="+447700900000"), text="Hi"),
            "vonage-dispatch: recipient '+447700900000' has no id (the messenger user id) "
            "(hint: give the recipient an id: the from.id of their inbound messenger event)",
        ),
        (
            Envelope(channel="chat", recipient=Recipient(id="0987"), text="Hi"),
            "vonage-dispatch: recipient '0987' has no phone number (for viber)",
        ),
        (
            Envelope(channel="sms", recipient=ORDER.recipient, subject="Only a subject"),
            "vonage-dispatch: the message to '0987654321098765' has no text for messenger "
            "(hint: add a chat.txt.j2 part to the draft, or a text part)",
        ),
        (
            Envelope(channel="chat", recipient=ORDER.recipient, parts={"chat": "x" * 641}),
            "vonage-dispatch: the messenger text to '0987654321098765' is 641 characters; "
            "messenger takes at most 640 (hint: shorten the draft's chat part)",
        ),
        (
            Envelope(channel="email", recipient=Recipient(address="a@b.c"), text="Hi"),
            "vonage-dispatch does not carry email messages (hint: channels it carries: chat, sms)",
        ),
    ],
)
def test_envelopes_it_cannot_carry_are_refused_before_sending(
    envelope: Envelope, message: str
) -> None:
    vonage = vonage_api()
    a = adapter(service=vonage)
    with pytest.raises(HandoffError) as caught:
        a.check(envelope)
    assert str(caught.value) == message
    [receipt] = a.deliver_many([envelope])
    assert (receipt.accepted, receipt.error) == (False, message)
    assert vonage.requests == []


def test_the_sms_limit_is_1000_characters() -> None:
    vonage = vonage_api()
    a = adapter({"sms": {"from": "447700900002"}}, service=vonage)
    a.deliver(Envelope(channel="sms", recipient=ORDER.recipient, parts={"sms": "x" * 1000}))
    with pytest.raises(HandoffError, match="the sms text to '0987654321098765' is 1001 characters"):
        a.deliver(Envelope(channel="sms", recipient=ORDER.recipient, parts={"sms": "x" * 1001}))
    assert len(vonage.requests) == 1


# -- refusals and faults -----------------------------------------------------------------------


def test_a_401_names_the_credentials() -> None:
    body = {
        "type": "https://developer.nexmo.com/api-errors#unauthorized",
        "title": "Unauthorized",
        "detail": "You did not provide correct credentials.",
        "instance": "bf0ca0bf927b3b52e3cb03217e1a1ddf",
    }
    vonage = vonage_api(lambda r: httpx.Response(401, json=body))
    with pytest.raises(DeliveryError) as caught:
        adapter(service=vonage).deliver(ORDER)
    assert str(caught.value) == (
        "vonage-dispatch: POST /v0.1/dispatch: HTTP 401 Unauthorized: You did not provide "
        "correct credentials. (hint: check the API key and secret (VONAGE_API_KEY, "
        "VONAGE_API_SECRET))"
    )
    assert caught.value.status == 401
    assert caught.value.code == "unauthorized"
    assert caught.value.transient is False
    assert len(vonage.requests) == 1


def test_a_422_lists_the_invalid_parameters() -> None:
    body = {
        "type": "https://developer.nexmo.com/api-errors/messages-olympus#1150",
        "title": "Invalid params",
        "detail": "Your request parameters did not validate.",
        "instance": "797a8f199c45014ab7b08bfe9cc1c12c",
        "invalid_parameters": [
            {"name": "workflow[0].to.id", "reason": "must not be blank"},
            {"name": "workflow[2].from.number", "reason": "Invalid `from` parameter"},
        ],
    }
    vonage = vonage_api(lambda r: httpx.Response(422, json=body))
    with pytest.raises(DeliveryError) as caught:
        adapter(service=vonage).deliver(ORDER)
    assert str(caught.value) == (
        "vonage-dispatch: POST /v0.1/dispatch: HTTP 422 Invalid params: Your request "
        "parameters did not validate. (workflow[0].to.id: must not be blank; "
        "workflow[2].from.number: Invalid `from` parameter)"
    )
    assert caught.value.code == "1150"


def test_a_400_with_invalid_parameters_as_one_object() -> None:
    # the Dispatch API reference's Error schema: invalid_parameters is one {name, reason}
    body = {
        "type": "https://www.nexmo.com/messages/Errors#InvalidParams",
        "title": "Bad Request",
        "detail": "Your request parameters did not validate.",
        "instance": "",
        "invalid_parameters": {"name": "from", "reason": "Invalid `from` parameter"},
    }
    vonage = vonage_api(lambda r: httpx.Response(400, json=body))
    with pytest.raises(DeliveryError) as caught:
        adapter(service=vonage).deliver(ORDER)
    assert str(caught.value) == (
        "vonage-dispatch: POST /v0.1/dispatch: HTTP 400 Bad Request: Your request parameters "
        "did not validate. (from: Invalid `from` parameter)"
    )
    assert caught.value.code == "InvalidParams"


def test_an_error_that_is_not_json() -> None:
    vonage = vonage_api(lambda r: httpx.Response(403, text="<h1>Forbidden</h1>"))
    with pytest.raises(DeliveryError) as caught:
        adapter(service=vonage).deliver(ORDER)
    assert str(caught.value) == "vonage-dispatch: POST /v0.1/dispatch: HTTP 403: <h1>Forbidden</h1>"


def loopback(server: Loopback, **kw: Any) -> VonageDispatchAdapter:
    options = {**THREE_STEPS, "base_url": server.url, **kw.pop("options", {})}
    return adapter(options, **kw)


ACCEPTED = Reply(202, {"dispatch_uuid": UUID})


def test_two_500s_then_202_dispatch_once() -> None:
    with Loopback(Reply(500), Reply(500), default=ACCEPTED) as server:
        receipt = loopback(server).deliver(ORDER)
    assert server.statuses() == [500, 500, 202]
    assert [r.path for r in server.received] == [DISPATCH] * 3
    assert len(server.answered) == 1
    assert receipt.remote_id == UUID


def test_a_429_waits_as_long_as_retry_after_says() -> None:
    waits: list[float] = []
    throttled = Reply(
        429,
        {"type": "https://developer.nexmo.com/api-errors#throttled", "title": "Rate Limit Hit"},
        {"Retry-After": "3"},
    )
    with Loopback(throttled, default=ACCEPTED) as server:
        receipt = loopback(server, sleep=waits.append).deliver(ORDER)
    assert waits == [3.0]
    assert server.statuses() == [429, 202] and receipt.accepted


def test_429s_past_the_retries_are_a_transient_failure() -> None:
    throttled = Reply(
        429,
        {
            "type": "https://developer.nexmo.com/api-errors#throttled",
            "title": "Rate Limit Hit",
            "detail": "Please wait, then retry your request",
        },
    )
    with Loopback(default=throttled) as server:
        with pytest.raises(DeliveryError) as caught:
            loopback(server, options={"retries": 1}).deliver(ORDER)
        assert server.statuses() == [429, 429]
    assert str(caught.value) == (
        "vonage-dispatch: POST /v0.1/dispatch: HTTP 429 Rate Limit Hit: Please wait, then "
        "retry your request"
    )
    assert caught.value.transient is True


def test_a_timeout_is_transient_after_the_retries() -> None:
    with Loopback(default=Reply(202, {"dispatch_uuid": UUID}, delay=1.5)) as server:
        url = server.url
        with pytest.raises(DeliveryError) as caught:
            loopback(server, options={"timeout": 0.2, "retries": 1}).deliver(ORDER)
        assert server.wait_for(2)
    assert str(caught.value) == f"POST {url}{DISPATCH}: timed out (ReadTimeout) (after 2 attempts)"
    assert caught.value.transient is True


def test_a_batch_killed_half_way_and_rerun_dispatches_every_message_once(
    tmp_path: Path,
) -> None:
    envelopes = [
        Envelope(channel="sms", recipient=Recipient(phone=f"+4477009000{n:02}"), text=f"Code {n}")
        for n in range(6)
    ]
    sms_only = {"sms": {"from": "AcmeShop"}}
    # the 4th request never gets an answer: the process is killed while it waits
    with Loopback(default=ACCEPTED) as server, Journal(tmp_path / "j.sqlite3") as journal:
        server.hold_after(3)
        options = {**sms_only, "base_url": server.url}
        dying = adapter({**options, "timeout": 0.3, "retries": 0})
        with pytest.raises(KeyboardInterrupt):
            run_batch(dying, journal, envelopes, stop=4)
        statuses = sorted(d["status"] for d in journal.deliveries())
        assert statuses == ["accepted"] * 3 + ["failed"] + ["pending"] * 2
        server.release(drop=True)  # Vonage never took it
        assert run_batch(adapter(options), journal, envelopes) == 3
        assert run_batch(adapter(options), journal, envelopes) == 0
        taken = [r.json()["workflow"][0]["to"]["number"] for r in server.answered]
    assert sorted(taken) == [f"4477009000{n:02}" for n in range(6)]


def test_through_open_adapter_against_a_real_server() -> None:
    with (
        Loopback(default=ACCEPTED) as server,
        open_adapter(
            "vonage-dispatch",
            {"base_url": server.url, "api_key": KEY, "sms": {"from": "447700900002"}},
            env={"VONAGE_API_SECRET": SECRET},
        ) as a,
    ):
        receipt = a.deliver(ORDER)
    [request] = server.received
    assert (request.method, request.path) == ("POST", DISPATCH)
    assert request.headers["authorization"] == basic(KEY, SECRET)
    assert request.headers["content-type"] == "application/json"
    assert request.json()["workflow"][0]["to"] == {"type": "sms", "number": "447700900000"}
    assert receipt.remote_id == UUID


# -- settings ----------------------------------------------------------------------------------

SMS = {"from": "447700900002"}


@pytest.mark.parametrize(
    ("options", "env", "message"),
    [
        (
            {"failover": ["sms", "telegram"], "sms": SMS},
            ENV,
            "[handoff.vonage-dispatch]: failover: unknown channel 'telegram' (hint: channels: "
            "sms, whatsapp, viber, messenger)",
        ),
        (
            {"failover": ["sms", "sms"], "sms": SMS},
            ENV,
            "[handoff.vonage-dispatch]: failover: lists 'sms' twice",
        ),
        (
            {"failover": "sms, viber"},
            ENV,
            "[handoff.vonage-dispatch]: failover: unknown channel 'sms, viber' (hint: channels: "
            "sms, whatsapp, viber, messenger)",
        ),
        (
            {"failover": ["viber", "sms"], "sms": SMS},
            ENV,
            "[handoff.vonage-dispatch]: viber.from: missing: the id viber messages are sent from "
            '(hint: add [handoff.vonage-dispatch.viber] with from = "...")',
        ),
        (
            {
                "failover": ["sms", "viber"],
                "sms": {**SMS, "condition_status": "read"},
                "viber": {"from": "16273"},
            },
            ENV,
            "[handoff.vonage-dispatch]: sms.condition_status: sms can only wait for delivered, "
            "not 'read' (hint: set condition_status = \"delivered\" under "
            "[handoff.vonage-dispatch.sms])",
        ),
        (
            {
                "failover": ["sms", "viber"],
                "condition_status": "read",
                "sms": SMS,
                "viber": {"from": "16273"},
            },
            ENV,
            "[handoff.vonage-dispatch]: condition_status: sms can only wait for delivered, not "
            "'read' (hint: set condition_status = \"delivered\" under "
            "[handoff.vonage-dispatch.sms])",
        ),
        (
            {"condition_status": "seen", "sms": SMS},
            ENV,
            "[handoff.vonage-dispatch]: condition_status: must be delivered or read, not 'seen'",
        ),
        (
            {"expiry_time": 10, "sms": SMS},
            ENV,
            "[handoff.vonage-dispatch]: expiry_time: must be a whole number of seconds from 15 "
            "to 86400, not 10",
        ),
        (
            {
                "failover": ["viber", "sms"],
                "viber": {"from": "16273", "expiry_time": 86401},
                "sms": SMS,
            },
            ENV,
            "[handoff.vonage-dispatch]: viber.expiry_time: must be a whole number of seconds "
            "from 15 to 86400, not 86401",
        ),
        (
            {"expiry_time": "600", "sms": SMS},
            ENV,
            "[handoff.vonage-dispatch]: expiry_time: must be a whole number of seconds from 15 "
            "to 86400, not '600'",
        ),
        (
            {"sms": {"from": "+44 123"}},
            ENV,
            "[handoff.vonage-dispatch]: sms.from: phone number '+44 123' is not a valid "
            "international number (hint: a + and 7 to 15 digits, the first not 0, e.g. "
            "+46701234567)",
        ),
        (
            {"sms": {"from": "Acme Shop Ltd"}},
            ENV,
            "[handoff.vonage-dispatch]: sms.from: 'Acme Shop Ltd' is neither a phone number nor "
            "an alphanumeric sender id (1 to 11 letters, digits and spaces)",
        ),
        (
            {"sms": {**SMS, "ttl": 60}},
            ENV,
            "[handoff.vonage-dispatch]: sms.ttl: unknown setting (hint: settings of a channel: "
            "from, expiry_time, condition_status)",
        ),
        (
            {"sms": SMS, "viber": {"from": "16273"}},
            ENV,
            "[handoff.vonage-dispatch]: viber: is set but not in failover (hint: failover = "
            "['sms'])",
        ),
        (
            {"sms": SMS},
            {"VONAGE_API_KEY": KEY},
            "[handoff.vonage-dispatch]: the environment variable VONAGE_API_SECRET is not set "
            "(hint: export VONAGE_API_SECRET=... (credentials come from the environment only))",
        ),
        (
            {"sms": SMS, "api_secret": SECRET},
            ENV,
            "[handoff.vonage-dispatch]: 'api_secret' is a credential and cannot be written in "
            "tmplkit.toml (hint: set the environment variable VONAGE_API_SECRET (or name another "
            'one with api_secret_env = "VAR"))',
        ),
        (
            {"sms": SMS, "fallback": ["sms"]},
            ENV,
            "[handoff.vonage-dispatch]: unknown setting 'fallback' (hint: settings: adapter, "
            "api_key, api_key_env, api_secret_env, backoff, base_url, condition_status, "
            "expiry_time, failover, messenger, retries, sms, timeout, viber, whatsapp)",
        ),
        (
            {"sms": SMS, "base_url": "http://api.nexmo.com"},
            ENV,
            "[handoff.vonage-dispatch]: base_url 'http://api.nexmo.com' must use https (hint: "
            "plain http is allowed only to loopback (127.0.0.1, localhost, ::1))",
        ),
    ],
)
def test_bad_settings_are_one_clear_error(
    options: dict[str, Any], env: dict[str, str], message: str
) -> None:
    with pytest.raises(HandoffError) as caught:
        open_adapter("vonage-dispatch", options, env=env)
    assert str(caught.value) == message


def test_the_last_step_may_be_sms_under_a_read_condition() -> None:
    # condition_status = "read" applies to the steps that fail over; the last one never does
    vonage = vonage_api()
    options = {
        "failover": ["whatsapp", "sms"],
        "condition_status": "read",
        "whatsapp": {"from": "447700900003"},
        "sms": SMS,
    }
    adapter(options, service=vonage).deliver(ORDER)
    [first, last] = vonage.bodies()[0]["workflow"]
    assert first["failover"] == {"expiry_time": 600, "condition_status": "read"}
    assert "failover" not in last


def test_the_api_key_from_the_environment_or_the_file_but_the_secret_only_from_the_environment() -> (
    None
):
    vonage = vonage_api()
    adapter(
        {"sms": SMS, "api_key_env": "MY_KEY", "api_secret_env": "MY_SECRET"},
        env={"MY_KEY": "k1", "MY_SECRET": "s1"},
        service=vonage,
    ).deliver(ORDER)
    assert vonage.requests[0].headers["Authorization"] == basic("k1", "s1")


# -- dry run -----------------------------------------------------------------------------------


def test_a_dry_run_prints_the_request_with_the_secret_masked() -> None:
    out = io.StringIO()
    a = open_adapter("vonage-dispatch", {"sms": {"from": "AcmeShop"}}, env=ENV, dry_run=out)
    receipt = a.deliver(ORDER)
    assert receipt.to_json() == {
        "key": ORDER.idempotency_key,
        "accepted": True,
        "remoteId": "dry-run",
        "status": 202,
        "dryRun": True,
    }
    body = {
        "template": "failover",
        "workflow": [
            {
                "from": {"type": "sms", "number": "AcmeShop"},
                "to": {"type": "sms", "number": "447700900000"},
                "message": {"content": {"type": "text", "text": SMS_TEXT}},
            }
        ],
    }
    wire = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    assert out.getvalue() == (
        "POST https://api.nexmo.com/v0.1/dispatch\n"
        "Host: api.nexmo.com\n"
        "Accept-Encoding: gzip, deflate\n"
        "Connection: keep-alive\n"
        f"{USER_AGENT}\n"
        "Accept: application/json\n"
        "Content-Type: application/json\n"
        f"Content-Length: {len(wire)}\n"
        "Authorization: Basic ********\n"
        "\n"
        f"{json.dumps(body, ensure_ascii=False, indent=2)}\n"
    )
    assert SECRET not in out.getvalue()
