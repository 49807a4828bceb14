"""The hand-off core: envelopes (JSON, versions, hashes, idempotency keys), receipts, adapter
settings and credentials, the registry, the HTTP client's retries and dry runs, and the
journal."""

from __future__ import annotations

import email.utils
import io
import json
import random
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tmplkit.errors import DeliveryError, HandoffError
from tmplkit.handoff import adapter_class, available, open_adapter
from tmplkit.handoff.base import Context, Receipt
from tmplkit.handoff.envelope import Envelope, Recipient
from tmplkit.handoff.http import HttpClient, RetryPolicy, require_https, retry_after
from tmplkit.handoff.journal import Journal
from tmplkit.handoff.webhook import WebhookAdapter
from tmplkit.rendering import Message

MESSAGE = Message(
    subject="Votre commande AC-1",
    html="<p>Bonjour</p>",
    text="Bonjour",
    sender="Acme Shop <no-reply@acme.example>",
    reply_to="Acme Support <support@acme.example>",
    template_id="tem_01m2tes7aa7mr85hk6z60dyz85",
    draft_id="tdft_01m2tesc0y971b3wtfmef3q6z3",
    locale="fr-FR",
)
ANN = Recipient(address="ann@example.com", name="Ann", attributes={"team": "blue"})


# --- envelopes ----------------------------------------------------------------------------------


def test_an_envelope_is_the_message_for_one_recipient() -> None:
    envelope = Envelope.from_message(MESSAGE, ANN, metadata={"line": 3})
    assert envelope.to_json() == {
        "version": 1,
        "channel": "email",
        "recipient": {
            "address": "ann@example.com",
            "phone": None,
            "id": None,
            "name": "Ann",
            "attributes": {"team": "blue"},
        },
        "sender": "Acme Shop <no-reply@acme.example>",
        "replyTo": "Acme Support <support@acme.example>",
        "subject": "Votre commande AC-1",
        "html": "<p>Bonjour</p>",
        "text": "Bonjour",
        "parts": {},
        "locale": "fr-FR",
        "templateId": "tem_01m2tes7aa7mr85hk6z60dyz85",
        "draftId": "tdft_01m2tesc0y971b3wtfmef3q6z3",
        "contentHash": envelope.content_hash,
        "idempotencyKey": envelope.idempotency_key,
        "metadata": {"line": 3},
    }
    assert len(envelope.content_hash) == 64 and len(envelope.idempotency_key) == 32
    # JSON there and back, through text
    assert Envelope.from_json(json.loads(json.dumps(envelope.to_json()))) == envelope


def test_the_idempotency_key_is_the_same_message_to_the_same_recipient() -> None:
    key = Envelope.from_message(MESSAGE, ANN).idempotency_key
    assert Envelope.from_message(MESSAGE, ANN, metadata={"run": 2}).idempotency_key == key
    others = [
        Envelope.from_message(MESSAGE, Recipient(address="bob@example.com")),
        Envelope.from_message(MESSAGE, ANN, channel="sms"),
        Envelope(**{**_fields(Envelope.from_message(MESSAGE, ANN)), "text": "Bonsoir"}),
        Envelope(**{**_fields(Envelope.from_message(MESSAGE, ANN)), "locale": "fr-CA"}),
    ]
    assert len({key, *(e.idempotency_key for e in others)}) == 5
    given = Envelope.from_message(MESSAGE, ANN, idempotency_key="order-AC-1-confirmation")
    assert given.idempotency_key == "order-AC-1-confirmation"


def _fields(envelope: Envelope) -> dict[str, Any]:
    fields = dict(vars(envelope))
    fields.pop("idempotency_key")
    fields.pop("content_hash")
    return fields


def test_from_json_refuses_other_versions_and_changed_content() -> None:
    data = Envelope.from_message(MESSAGE, ANN).to_json()
    with pytest.raises(HandoffError) as caught:
        Envelope.from_json({**data, "version": 2})
    assert str(caught.value) == (
        "envelope version 2 is not supported (this tmplkit reads version 1)"
    )
    with pytest.raises(HandoffError) as caught:
        Envelope.from_json({**data, "subject": "Votre commande AC-2"})
    assert str(caught.value) == (
        f"envelope {data['idempotencyKey']}: content hash does not match its content"
    )


def test_unknown_channel() -> None:
    with pytest.raises(HandoffError) as caught:
        Envelope("fax", ANN)
    assert str(caught.value) == "unknown channel 'fax' (hint: channels: email, sms, push, chat)"


def test_body_of_a_text_channel() -> None:
    envelope = Envelope("push", ANN, text="plain", parts={"sms": "short", "push": "pushed"})
    assert envelope.body() == "pushed"
    assert envelope.body("chat") == "short"
    assert Envelope("sms", ANN, text="plain").body() == "plain"


def test_recipient_key_prefers_id_then_address_then_phone() -> None:
    assert Recipient(address="a@example.com", phone="+1", id="u1").key() == "u1"
    assert Recipient(address="a@example.com", phone="+1").key() == "a@example.com"
    assert Recipient(phone="+1").key() == "+1"


# --- receipts ----------------------------------------------------------------------------------


def test_receipt_json() -> None:
    assert Receipt("k", True, remote_id="m-1", status=202).to_json() == {
        "key": "k",
        "accepted": True,
        "remoteId": "m-1",
        "status": 202,
    }
    failed = Receipt.failed(
        Envelope.from_message(MESSAGE, ANN), DeliveryError("refused", status=400)
    )
    assert failed.to_json() == {
        "key": failed.key,
        "accepted": False,
        "error": "refused",
        "status": 400,
        "transient": False,
    }
    assert Receipt("k", True, skipped=True, dry_run=True).to_json() == {
        "key": "k",
        "accepted": True,
        "dryRun": True,
        "skipped": True,
    }


# --- settings, credentials, the registry ------------------------------------------------------------


def test_context_option_and_secret() -> None:
    context = Context(
        {"url": "https://x.example", "key_env": "ACME_KEY"}, {"ACME_KEY": "k1"}, name="acme"
    )
    assert context.option("url") == "https://x.example"
    assert context.option("timeout", 5) == 5
    with pytest.raises(HandoffError) as caught:
        context.option("list_id", required=True)
    assert str(caught.value) == (
        "[handoff.acme]: missing setting 'list_id' (hint: add `list_id = ...` under "
        "[handoff.acme] in tmplkit.toml)"
    )
    assert context.secret("key_env", "DEFAULT_KEY") == "k1"
    assert Context({}, {"DEFAULT_KEY": "k2"}, name="acme").secret("key_env", "DEFAULT_KEY") == "k2"
    assert Context({}, {}, name="acme").secret("key_env", "DEFAULT_KEY", required=False) is None
    with pytest.raises(HandoffError) as caught:
        Context({"key": "k0"}, {"DEFAULT_KEY": "k2"}, name="acme").secret("key_env", "DEFAULT_KEY")
    assert str(caught.value) == (
        "[handoff.acme]: 'key' is a credential and cannot be written in tmplkit.toml (hint: "
        'set the environment variable DEFAULT_KEY (or name another one with key_env = "VAR"))'
    )
    with pytest.raises(HandoffError) as caught:
        Context({}, {"DEFAULT_KEY": ""}, name="acme").secret("key_env", "DEFAULT_KEY")
    assert str(caught.value).startswith("[handoff.acme]: the environment variable DEFAULT_KEY")


def test_the_registry() -> None:
    assert {"outbox", "webhook"} <= set(available())
    assert adapter_class("webhook") is WebhookAdapter
    with pytest.raises(HandoffError) as caught:
        open_adapter("telex", {})
    assert str(caught.value) == (
        f"unknown adapter 'telex' (hint: adapters: {', '.join(available())})"
    )
    alias = open_adapter("hooks", {"adapter": "webhook", "url": "https://h.example/x"},
                         env={"TMPLKIT_WEBHOOK_SECRET": "s"})  # fmt: skip
    assert isinstance(alias, WebhookAdapter) and alias.context.name == "hooks"


# --- the HTTP client ----------------------------------------------------------------------------------


def client(handler: Any, **kwargs: Any) -> tuple[HttpClient, list[float]]:
    waits: list[float] = []
    http = HttpClient(
        "https://api.example.com",
        transport=httpx.MockTransport(handler),
        sleep=waits.append,
        rng=random.Random(7),
        **kwargs,
    )
    return http, waits


def test_retries_connection_errors_then_succeeds() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if len(calls) < 3:
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(200, json={"id": 1})

    http, waits = client(handler)
    response = http.request("POST", "/v1/messages", json_body={"a": "é"})
    assert response.status_code == 200
    assert calls == ["/v1/messages"] * 3
    assert len(waits) == 2 and 0 <= waits[0] <= 0.5 and 0 <= waits[1] <= 1.0


def test_never_retries_other_4xx_and_returns_the_last_5xx() -> None:
    statuses = iter([404])
    http, waits = client(lambda r: httpx.Response(next(statuses)))
    assert http.request("GET", "/x").status_code == 404
    assert waits == []
    http, waits = client(lambda r: httpx.Response(502), retry=RetryPolicy(attempts=3))
    assert http.request("GET", "/x").status_code == 502
    assert len(waits) == 2


def test_gives_up_with_a_transient_delivery_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    http, waits = client(handler, retry=RetryPolicy(attempts=2))
    with pytest.raises(DeliveryError) as caught:
        http.request("PUT", "/v1/messages")
    assert str(caught.value) == (
        "PUT https://api.example.com/v1/messages: timed out (ReadTimeout) (after 2 attempts)"
    )
    assert caught.value.transient is True
    assert len(waits) == 1


def test_retry_after_in_seconds_or_as_a_date() -> None:
    assert retry_after(httpx.Response(429, headers={"Retry-After": "3"})) == 3.0
    later = email.utils.formatdate(time.time() + 60, usegmt=True)
    value = retry_after(httpx.Response(503, headers={"Retry-After": later}))
    assert value is not None and 55 <= value <= 60
    assert retry_after(httpx.Response(503, headers={"Retry-After": "soon"})) is None
    assert retry_after(httpx.Response(503)) is None
    replies = iter([httpx.Response(429, headers={"Retry-After": "2"}), httpx.Response(200)])
    http, waits = client(lambda r: next(replies))
    http.request("GET", "/x")
    assert waits == [2.0]
    # a Retry-After beyond reason is capped
    policy = RetryPolicy(max_retry_after=30)
    assert policy.wait(1, 3600, random.Random()) == 30


def test_backoff_grows_with_full_jitter_up_to_the_cap() -> None:
    policy = RetryPolicy(base=0.5, cap=4.0)
    rng = random.Random(1)
    for attempt, bound in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (9, 4.0)]:
        waits = [policy.wait(attempt, None, rng) for _ in range(200)]
        assert all(0 <= w <= bound for w in waits)
        assert max(waits) > bound * 0.8  # it does use the whole range


def test_retry_policy_from_settings() -> None:
    assert RetryPolicy.from_options({"retries": 0, "timeout": 2, "backoff": 1}) == RetryPolicy(
        attempts=1, base=1.0, timeout=2.0
    )
    with pytest.raises(HandoffError):
        RetryPolicy.from_options({"retries": "many"})


def test_a_dry_run_prints_requests_with_secrets_masked_and_sends_nothing() -> None:
    out = io.StringIO()
    sent: list[httpx.Request] = []
    http = HttpClient(
        "https://api.example.com",
        auth=("user-7", "p4ss"),
        secrets=["p4ss", "tok-123"],
        transport=httpx.MockTransport(lambda r: sent.append(r) or httpx.Response(500)),
        dry_run=out,
        answer=lambda request: httpx.Response(200, json={"id": "dry"}),
    )
    response = http.request(
        "PUT", "/v1/messages", json_body={"text": "Hej Åsa", "token": "tok-123"}
    )
    assert response.json() == {"id": "dry"}
    assert sent == []
    lines = out.getvalue().splitlines()
    assert lines[0] == "PUT https://api.example.com/v1/messages"
    assert "Authorization: Basic ********" in lines
    assert "Content-Type: application/json" in lines
    body = out.getvalue().split("\n\n", 1)[1]
    assert json.loads(body) == {"text": "Hej Åsa", "token": "********"}
    assert "p4ss" not in out.getvalue() and "tok-123" not in out.getvalue()


def test_a_dry_run_masks_whole_values_and_leaves_a_short_secrets_letters_elsewhere() -> None:
    """A one-letter trial secret masks the query parameter, header and JSON values it is, and
    nothing else: "Shifts: sign up" and "mass s" print as written."""
    out = io.StringIO()
    http = HttpClient("https://api.example.com", secrets=["s", "k y"], dry_run=out)
    http.request(
        "POST",
        "/v1/send",
        params={"key": "k y", "q": "mass s"},
        json_body={"password": "s", "message": "Shifts: sign up", "to": ["s", "sam"]},
        headers={"X-Password": "s", "X-Note": "s s"},
    )
    http.request(
        "POST",
        "/v1/form",
        content=b"pw=s&text=sss",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    http.request("POST", "/v1/raw", content=b"id=7;pw=s", headers={"Content-Type": "text/plain"})
    first, form, raw = out.getvalue().split("POST https://api.example.com")[1:]
    assert first.startswith("/v1/send?key=********&q=mass+s\n")
    assert "X-Password: ********\nX-Note: s s\n" in first
    assert first.endswith(
        '{\n  "password": "********",\n  "message": "Shifts: sign up",\n'
        '  "to": [\n    "********",\n    "sam"\n  ]\n}\n'
    )
    assert form.endswith("\n\npw=********&text=sss\n")
    assert raw.endswith("\n\nid=7;pw=********\n")  # no structure: every occurrence


def test_a_dry_run_masks_a_key_sized_secret_wherever_it_appears() -> None:
    out = io.StringIO()
    key = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"
    http = HttpClient("https://api.example.com", secrets=[key], dry_run=out)
    http.request(
        "POST",
        f"/v1/accounts/{key}/send",
        json_body={"note": f"signed with {key}", "key": key},
        headers={"X-Signature": f"v1={key}"},
    )
    printed = out.getvalue()
    assert key not in printed
    assert printed.startswith("POST https://api.example.com/v1/accounts/********/send\n")
    assert "X-Signature: v1=********\n" in printed
    assert '"note": "signed with ********",\n  "key": "********"\n' in printed


def test_an_error_message_shows_the_url_with_the_secret_parameter_masked() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    http = HttpClient(
        "https://api.example.com",
        secrets=["k"],
        retry=RetryPolicy(attempts=1),
        transport=httpx.MockTransport(refuse),
    )
    with pytest.raises(DeliveryError) as caught:
        http.request("POST", "/v1/send", params={"key": "k", "kind": "sms"})
    assert str(caught.value) == (
        "POST https://api.example.com/v1/send?key=********&kind=sms: connection refused "
        "(after 1 attempt)"
    )


@pytest.mark.parametrize(
    "url,ok",
    [
        ("https://api.example.com", True),
        ("http://127.0.0.1:8080", True),
        ("http://localhost/x", True),
        ("http://[::1]:9000", True),
        ("http://api.example.com", False),
        ("ftp://api.example.com", False),
    ],
)
def test_require_https(url: str, ok: bool) -> None:
    if ok:
        require_https(url, "acme")
        return
    with pytest.raises(HandoffError) as caught:
        require_https(url, "acme")
    assert str(caught.value) == (
        f"[handoff.acme]: base_url {url!r} must use https (hint: plain http is allowed only "
        "to loopback (127.0.0.1, localhost, ::1))"
    )


# --- the journal -------------------------------------------------------------------------------------


def envelope(n: int) -> Envelope:
    return Envelope.from_message(MESSAGE, Recipient(address=f"r{n}@example.com"))


def test_journal_protocol(tmp_path: Path) -> None:
    path = tmp_path / "state" / "handoff.sqlite3"
    with Journal(path) as journal, journal.run() as run:
        one, two = envelope(1), envelope(2)
        claims = journal.claim("webhook", [one], run, batch="r.jsonl", lines=[1])
        assert [(c.key, c.state) for c in claims] == [(one.idempotency_key, "claimed")]
        assert journal.status("webhook", one.idempotency_key) == "pending"
        journal.finish("webhook", Receipt(one.idempotency_key, True, remote_id="m-1"), run)
        journal.claim("webhook", [two], run, batch="r.jsonl", lines=[2])
        journal.finish(
            "webhook", Receipt(two.idempotency_key, False, error="HTTP 503", transient=True), run
        )
        assert journal.status("webhook", two.idempotency_key) == "failed"
        # a failed message is claimed again; an accepted one is not
        claims = journal.claim("webhook", [one, two], run, batch="r.jsonl", lines=[1, 2])
        assert [c.state for c in claims] == ["accepted", "claimed"]
        journal.finish("webhook", Receipt(two.idempotency_key, True), run)
        assert journal.status("outbox", one.idempotency_key) is None  # per adapter
    with Journal(path) as journal:  # what was committed is there after a restart
        keys = [envelope(n).idempotency_key for n in range(1, 4)]
        assert journal.accepted("webhook", keys) == set(keys[:2])
        rows = journal.deliveries("webhook")
        assert [(r["recipient"], r["status"], r["attempts"], r["remote_id"], r["line"], r["error"])
                for r in rows] == [
            ("r1@example.com", "accepted", 1, "m-1", 1, None),
            ("r2@example.com", "accepted", 2, None, 2, None),
        ]  # fmt: skip
        assert journal.runs() == []  # the run ended


def test_journal_events(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.sqlite3") as journal:
        assert journal.record_event("lekab", {"eventtype": "JOB_START", "jobid": 1}) == 1
        assert journal.record_event("lekab", {"eventtype": "JOB_FINISH", "jobid": 1}) == 2
        assert [e["payload"]["eventtype"] for e in journal.events("lekab")] == [
            "JOB_START",
            "JOB_FINISH",
        ]
        assert journal.events("other") == []


def test_journal_shared_by_threads_and_connections(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    journal = Journal(path)
    other = Journal(path)  # as another process would have

    def work(start: int) -> None:
        for n in range(start, start + 50):
            e = envelope(n)
            (claim,) = journal.claim("outbox", [e], run)
            assert claim.state == "claimed"
            journal.finish("outbox", Receipt(e.idempotency_key, True), run)

    with journal.run() as run:
        threads = [threading.Thread(target=work, args=(k * 50,)) for k in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    keys = [envelope(n).idempotency_key for n in range(300)]
    assert other.accepted("outbox", keys) == set(keys)
    journal.close()
    other.close()
