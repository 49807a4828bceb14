"""The webhook adapter against a real HTTP server on loopback: the exact request, the signature
(checked with the verification code docs/handoff/webhook.md gives receivers), retries on 5xx,
429 and timeouts, refusals on other 4xx, settings, and dry runs."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.loopback import Loopback, Reply
from tmplkit.errors import DeliveryError, HandoffError
from tmplkit.handoff import open_adapter
from tmplkit.handoff.envelope import Envelope, Recipient
from tmplkit.handoff.webhook import WebhookAdapter, sign

SECRET = "whsec-3b1f9c2e7a"
ENV = {"TMPLKIT_WEBHOOK_SECRET": SECRET}
DOC = Path(__file__).resolve().parents[1] / "docs" / "handoff" / "webhook.md"

ENVELOPE = Envelope(
    "email",
    Recipient(address="zoe@example.com", name="Zoë & Léa"),
    subject="Votre commande AC-1 est confirmée",
    html="<p>Bonjour Zoë</p>",
    text="Bonjour Zoë",
    sender="Acme Shop <no-reply@acme.example>",
    locale="fr-FR",
    template_id="tem_01m2tes7aa7mr85hk6z60dyz85",
)


def webhook(url: str, env: dict[str, str] = ENV, **options: Any) -> WebhookAdapter:
    adapter = open_adapter("webhook", {"url": url, **options}, env=env)
    assert isinstance(adapter, WebhookAdapter)
    adapter.http.sleep = lambda seconds: None  # retries without waiting (tests that care record)
    return adapter


def doc_verify() -> Any:
    """The `verify` function of docs/handoff/webhook.md, exactly as written there."""
    text = DOC.read_text("utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    (code,) = [b for b in blocks if "def verify(" in b]
    namespace: dict[str, Any] = {}
    exec(compile(code, str(DOC), "exec"), namespace)
    return namespace["verify"]


# --- the request --------------------------------------------------------------------------------


def test_posts_the_envelope_json_signed_with_an_idempotency_key() -> None:
    with Loopback(default=Reply(202, {"id": "evt_42"})) as server:
        adapter = webhook(server.url + "/hooks/tmplkit")
        receipt = adapter.deliver(ENVELOPE)
        (request,) = server.received
    expected_body = json.dumps(ENVELOPE.to_json(), ensure_ascii=False, separators=(",", ":"))
    assert request.method == "POST"
    assert request.path == "/hooks/tmplkit"  # exactly the URL: no trailing slash added
    assert request.body == expected_body.encode("utf-8")
    assert Envelope.from_json(request.json()) == ENVELOPE
    assert request.headers["content-type"] == "application/json"
    assert request.headers["idempotency-key"] == ENVELOPE.idempotency_key
    assert request.headers["user-agent"] == "tmplkit/0.1.0"
    timestamp = request.headers["x-tmplkit-timestamp"]
    assert timestamp.isdigit()
    mac = hmac.new(SECRET.encode(), timestamp.encode() + b"." + request.body, hashlib.sha256)
    assert request.headers["x-tmplkit-signature"] == "sha256=" + mac.hexdigest()
    assert "authorization" not in request.headers
    assert (receipt.accepted, receipt.remote_id, receipt.status) == (True, "evt_42", 202)
    assert receipt.key == ENVELOPE.idempotency_key


def test_the_documented_verification_accepts_real_requests_and_nothing_else() -> None:
    verify = doc_verify()
    with Loopback() as server:
        webhook(server.url + "/hook").deliver(ENVELOPE)
        (request,) = server.received
    headers, body = request.headers, request.body
    now = int(headers["x-tmplkit-timestamp"])
    assert verify(SECRET.encode(), headers, body, now=now) is True
    assert verify(SECRET.encode(), headers, body, now=now + 300) is True
    # a changed body, another secret, a replay after the tolerance, a shifted timestamp
    assert verify(SECRET.encode(), headers, body.replace(b"Zo", b"Jo"), now=now) is False
    assert verify(b"another secret", headers, body, now=now) is False
    assert verify(SECRET.encode(), headers, body, now=now + 301) is False
    moved = {**headers, "x-tmplkit-timestamp": str(now + 1)}
    assert verify(SECRET.encode(), moved, body, now=now) is False
    unsigned = {k: v for k, v in headers.items() if k != "x-tmplkit-signature"}
    assert verify(SECRET.encode(), unsigned, body, now=now) is False
    assert verify(SECRET.encode(), {**headers, "x-tmplkit-timestamp": "soon"}, body) is False


def test_sign_is_hmac_sha256_of_timestamp_dot_body() -> None:
    # A vector computed independently: printf '1767225600.{"a":1}' | openssl dgst -sha256 -hmac key
    assert sign(b"key", "1767225600", b'{"a":1}') == (
        "sha256=" + hmac.new(b"key", b'1767225600.{"a":1}', hashlib.sha256).hexdigest()
    )
    assert sign(b"key", "1767225600", b'{"a":1}') != sign(b"key", "1767225601", b'{"a":1}')


def test_each_attempt_is_signed_with_its_own_timestamp() -> None:
    verify = doc_verify()
    clock = iter([1767225600.0, 1767225631.0])
    with Loopback(Reply(503)) as server:
        adapter = webhook(server.url + "/hook")
        adapter.signature.clock = lambda: next(clock)
        adapter.deliver(ENVELOPE)
        first, second = server.received
    assert first.headers["x-tmplkit-timestamp"] == "1767225600"
    assert second.headers["x-tmplkit-timestamp"] == "1767225631"
    assert first.body == second.body
    assert first.headers["idempotency-key"] == second.headers["idempotency-key"]
    assert verify(SECRET.encode(), second.headers, second.body, now=1767225631)


# --- faults ---------------------------------------------------------------------------------------


def test_500_twice_then_accepted_is_one_delivery_in_three_requests() -> None:
    waits: list[float] = []
    with Loopback(Reply(500), Reply(500), default=Reply(200, {"id": "m1"})) as server:
        adapter = webhook(server.url + "/hook", backoff=0.5)
        adapter.http.sleep = waits.append
        receipt = adapter.deliver(ENVELOPE)
        statuses = server.statuses()
        answered = server.answered
    assert statuses == [500, 500, 200]
    assert len(answered) == 1
    assert receipt.accepted and receipt.remote_id == "m1"
    # full jitter: the n-th wait is somewhere in [0, 0.5 × 2^(n-1)]
    assert len(waits) == 2
    assert 0 <= waits[0] <= 0.5
    assert 0 <= waits[1] <= 1.0


def test_429_waits_what_retry_after_says() -> None:
    waits: list[float] = []
    with Loopback(Reply(429, {"message": "slow down"}, headers={"Retry-After": "1"})) as server:
        adapter = webhook(server.url + "/hook")
        adapter.http.sleep = waits.append
        receipt = adapter.deliver(ENVELOPE)
        assert server.statuses() == [429, 200]
    assert waits == [1.0]
    assert receipt.accepted


def test_a_server_slower_than_the_timeout_is_retried_then_a_transient_failure() -> None:
    with Loopback(default=Reply(200, delay=1.0)) as server:
        adapter = webhook(server.url + "/hook", timeout=0.2, retries=1)
        with pytest.raises(DeliveryError) as caught:
            adapter.deliver(ENVELOPE)
        assert server.wait_for(2)
    assert str(caught.value) == (
        f"POST {server.url}/hook: timed out (ReadTimeout) (after 2 attempts)"
    )
    assert caught.value.transient is True
    assert len(server.received) == 2


def test_a_4xx_is_not_retried_and_fails_with_the_receivers_message() -> None:
    with Loopback(Reply(422, {"message": "unknown recipient zoe@example.com"})) as server:
        adapter = webhook(server.url + "/hook")
        with pytest.raises(DeliveryError) as caught:
            adapter.deliver(ENVELOPE)
        assert server.statuses() == [422]
    assert str(caught.value) == (
        f"{server.url}/hook answered HTTP 422: unknown recipient zoe@example.com"
    )
    assert (caught.value.transient, caught.value.status) == (False, 422)


@pytest.mark.parametrize(
    "reply,reason",
    [
        (Reply(400, {"error": "bad envelope version"}), "bad envelope version"),
        (Reply(400, {"error": {"message": "no such list", "code": 7}}), "no such list"),
        (Reply(404, "Not  here\n"), "Not here"),
        (Reply(400, {"ok": False}), '{"ok": false}'),
        (Reply(400), "Bad Request"),
    ],
)
def test_the_reason_of_a_refusal(reply: Reply, reason: str) -> None:
    with Loopback(reply) as server, pytest.raises(DeliveryError) as caught:
        webhook(server.url + "/hook").deliver(ENVELOPE)
    assert str(caught.value) == f"{server.url}/hook answered HTTP {reply.status}: {reason}"


def test_a_401_hints_at_the_secret() -> None:
    with Loopback(Reply(401, {"message": "bad signature"})) as server:
        adapter = webhook(server.url + "/hook", {"HOOK_KEY": "k"}, secret_env="HOOK_KEY")
        with pytest.raises(DeliveryError) as caught:
            adapter.deliver(ENVELOPE)
    assert str(caught.value) == (
        f"{server.url}/hook answered HTTP 401: bad signature "
        "(hint: check that the receiver's secret is the one in HOOK_KEY)"
    )


def test_a_redirect_is_not_followed() -> None:
    with Loopback(Reply(301, headers={"Location": "http://elsewhere.example/"})) as server:
        with pytest.raises(DeliveryError) as caught:
            webhook(server.url + "/hook").deliver(ENVELOPE)
        assert len(server.received) == 1
    assert str(caught.value) == (
        f"{server.url}/hook answered HTTP 301: redirects are not followed "
        "(to http://elsewhere.example/)"
    )


def test_a_5xx_that_outlives_the_retries_is_transient() -> None:
    with Loopback(default=Reply(503, {"message": "maintenance"})) as server:
        with pytest.raises(DeliveryError) as caught:
            webhook(server.url + "/hook", retries=2).deliver(ENVELOPE)
        assert server.statuses() == [503, 503, 503]
    assert str(caught.value) == f"{server.url}/hook answered HTTP 503: maintenance"
    assert caught.value.transient is True


def test_a_refused_connection_is_transient() -> None:
    with Loopback() as server:
        url = server.url + "/hook"
    with pytest.raises(DeliveryError) as caught:
        webhook(url, retries=1).deliver(ENVELOPE)
    assert caught.value.transient is True
    assert str(caught.value).startswith(f"POST {url}: ")
    assert str(caught.value).endswith("(after 2 attempts)")


# --- dry runs -------------------------------------------------------------------------------------


def test_a_dry_run_prints_the_request_without_the_secret_and_sends_nothing() -> None:
    out = io.StringIO()
    with Loopback() as server:
        adapter = open_adapter("webhook", {"url": server.url + "/hook"}, env=ENV, dry_run=out)
        receipt = adapter.deliver(ENVELOPE)
        assert server.received == []
    text = out.getvalue()
    head, _, body = text.partition("\n\n")
    lines = head.splitlines()
    assert lines[0] == f"POST {server.url}/hook"
    assert f"Idempotency-Key: {ENVELOPE.idempotency_key}" in lines
    assert "Content-Type: application/json" in lines
    assert "X-Tmplkit-Signature: ********" in lines
    assert any(re.fullmatch(r"X-Tmplkit-Timestamp: \d+", line) for line in lines)
    assert json.loads(body) == ENVELOPE.to_json()
    assert SECRET not in text
    assert receipt.accepted and receipt.dry_run


# --- settings -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options,env,message",
    [
        (
            {},
            ENV,
            "[handoff.webhook]: missing setting 'url' (hint: add `url = ...` under "
            "[handoff.webhook] in tmplkit.toml)",
        ),
        (
            {"url": "http://hooks.example.com/x"},
            ENV,
            "[handoff.webhook]: url 'http://hooks.example.com/x' must use https (hint: "
            "plain http is allowed only to loopback (127.0.0.1, localhost, ::1))",
        ),
        (
            {"url": "https://hooks.example.com/x", "secret": "s3cret"},
            ENV,
            "[handoff.webhook]: 'secret' is a credential and cannot be written in tmplkit.toml "
            "(hint: set the environment variable TMPLKIT_WEBHOOK_SECRET (or name another one "
            'with secret_env = "VAR"))',
        ),
        (
            {"url": "https://hooks.example.com/x"},
            {},
            "[handoff.webhook]: the environment variable TMPLKIT_WEBHOOK_SECRET is not set "
            "(hint: export TMPLKIT_WEBHOOK_SECRET=... (credentials come from the environment "
            "only))",
        ),
        (
            {"url": "https://hooks.example.com/x", "secret_env": "HOOK_KEY"},
            ENV,
            "[handoff.webhook]: the environment variable HOOK_KEY is not set (hint: export "
            "HOOK_KEY=... (credentials come from the environment only))",
        ),
        (
            {"url": "https://hooks.example.com/x", "retires": 3},
            ENV,
            "[handoff.webhook]: unknown setting 'retires' (hint: settings: adapter, backoff, "
            "retries, secret_env, timeout, url)",
        ),
        (
            {"url": 42},
            ENV,
            "[handoff.webhook]: url must be a URL, not 42",
        ),
        (
            {"url": "https://hooks.example.com/x", "timeout": "soon"},
            ENV,
            "retries, backoff and timeout must be numbers: could not convert string to float: "
            "'soon'",
        ),
    ],
)
def test_bad_settings_are_one_clear_error(
    options: dict[str, Any], env: dict[str, str], message: str
) -> None:
    with pytest.raises(HandoffError) as caught:
        open_adapter("webhook", options, env=env)
    assert str(caught.value) == message


def test_another_table_can_be_a_webhook() -> None:
    with Loopback() as server:
        adapter = open_adapter(
            "billing-hook",
            {"adapter": "webhook", "url": server.url + "/b", "secret_env": "BILLING"},
            env={"BILLING": "k2"},
        )
        adapter.deliver(ENVELOPE)
        (request,) = server.received
    assert isinstance(adapter, WebhookAdapter)
    assert adapter.context.name == "billing-hook"
    timestamp = request.headers["x-tmplkit-timestamp"]
    assert request.headers["x-tmplkit-signature"] == sign(b"k2", timestamp, request.body)
