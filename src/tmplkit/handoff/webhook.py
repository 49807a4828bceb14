"""The webhook adapter: POST each envelope as JSON to a URL, signed with HMAC-SHA256.

The receiver checks `X-Tmplkit-Signature: sha256=<hex>`, the HMAC-SHA256 (with the shared
secret) of `<timestamp>.<body>`, where `<timestamp>` is `X-Tmplkit-Timestamp` (Unix seconds)
and `<body>` the exact request body bytes. Signing the timestamp lets a receiver refuse old
requests replayed by someone who recorded them. Each attempt (retries too) is signed afresh.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Generator
from typing import Any, Unpack

import httpx

from .. import __version__
from ..errors import DeliveryError, HandoffError
from .base import Context, Receipt
from .envelope import CHANNELS, Envelope
from .http import HttpAdapter, HttpHooks, require_https
from .validate import check_known

SECRET_VAR = "TMPLKIT_WEBHOOK_SECRET"
SIGNATURE_HEADER = "X-Tmplkit-Signature"
TIMESTAMP_HEADER = "X-Tmplkit-Timestamp"
SETTINGS = ("adapter", "url", "secret_env", "timeout", "retries", "backoff")


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    """The signature header's value for `body` sent at `timestamp`: `sha256=<hex>`."""
    digest = hmac.new(secret, timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


class Signature(httpx.Auth):
    """Signs each request as it is sent (so a retry carries a fresh timestamp)."""

    requires_request_body = True

    def __init__(self, secret: bytes, clock: Callable[[], float] = time.time) -> None:
        self.secret = secret
        self.clock = clock

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        timestamp = str(int(self.clock()))
        request.headers[TIMESTAMP_HEADER] = timestamp
        request.headers[SIGNATURE_HEADER] = sign(self.secret, timestamp, request.content)
        yield request


class WebhookAdapter(HttpAdapter):
    """Settings: `url` (https, or http to loopback), `secret_env` (the variable holding the
    signing secret; default TMPLKIT_WEBHOOK_SECRET), `timeout`, `retries`, `backoff`."""

    name = "webhook"
    channels = frozenset(CHANNELS)
    description = "POST the envelope as JSON, signed with HMAC-SHA256"

    def __init__(self, context: Context, **hooks: Unpack[HttpHooks]) -> None:
        super().__init__(context, **hooks)
        # The secret first: a `secret = "..."` in the file is named as a credential.
        secret = context.secret("secret_env", SECRET_VAR)
        assert secret is not None  # required
        check_known(context, SETTINGS)
        url = context.option("url", required=True)
        if not isinstance(url, str) or not url.strip():
            raise HandoffError(f"[handoff.{context.name}]: url must be a URL, not {url!r}")
        try:
            require_https(url, context.name, "url")
        except httpx.InvalidURL as exc:
            raise HandoffError(
                f"[handoff.{context.name}]: url {url!r} is not a URL ({exc})"
            ) from None
        self.url = url
        self.signature = Signature(secret.encode("utf-8"))
        self.http = self.http_client(
            url,
            auth=self.signature,
            headers={"User-Agent": f"tmplkit/{__version__}"},
            secrets=[secret],
            # Not a secret, but it changes with each second: a dry run shows it masked.
            secret_headers=[SIGNATURE_HEADER],
        )

    def deliver(self, envelope: Envelope) -> Receipt:
        response = self.http.request(
            "POST",
            self.url,  # absolute: exactly the URL configured (a base URL would add a "/")
            json_body=envelope.to_json(),
            headers={"Idempotency-Key": envelope.idempotency_key},
        )
        status = response.status_code
        if 200 <= status < 300:
            return Receipt(
                envelope.idempotency_key,
                True,
                remote_id=_remote_id(response),
                status=status,
                dry_run=self.dry_run,
            )
        reason = _reason(response)
        if 300 <= status < 400:
            where = response.headers.get("location")
            reason = "redirects are not followed" + (f" (to {where})" if where else "")
        hint = None
        if status in (401, 403):
            var = str(self.context.options.get("secret_env", SECRET_VAR))
            hint = f"check that the receiver's secret is the one in {var}"
        raise DeliveryError(
            f"{self.url} answered HTTP {status}: {reason}",
            transient=status == 429 or status >= 500,
            status=status,
            hint=hint,
        )


def _remote_id(response: httpx.Response) -> str | None:
    """The receiver's id for the message: an "id" in a JSON answer, if it gave one."""
    try:
        data = response.json()
    except ValueError:
        return None
    value = data.get("id") if isinstance(data, dict) else None
    return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else None


def _reason(response: httpx.Response) -> str:
    """What the receiver said: a JSON answer's "message" or "error" (a string, or an object
    with a "message"), else the body's text on one line, else the HTTP reason phrase."""
    data: Any = None
    with contextlib.suppress(ValueError):
        data = response.json()
    if isinstance(data, dict):
        for key in ("message", "error", "detail"):
            value = data.get(key)
            if isinstance(value, dict):
                value = value.get("message")
            if isinstance(value, str) and value.strip():
                return " ".join(value.split())
    text = " ".join(response.text.split()) if data is None else json.dumps(data)
    if text:
        return text if len(text) <= 200 else text[:199] + "…"
    return response.reason_phrase or "no reason given"
