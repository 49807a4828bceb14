"""HTTP for adapters: timeouts on every request, retries with backoff on what is worth
retrying, secrets masked wherever a request is shown, and dry runs that print instead of send."""

from __future__ import annotations

import contextlib
import email.utils
import json
import random
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import IO, Any, TypedDict, Unpack

import httpx

from ..errors import DeliveryError, HandoffError
from .base import Adapter, Context

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504}) | frozenset(range(505, 600))
MASK = "********"


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: `attempts` in all (1 = no retry); waits grow as `base` × 2^n up to
    `cap` seconds, with full jitter (a random wait between 0 and that), so that many senders
    retrying at once do not come back in step. A 429 or 503's `Retry-After` is honoured (up
    to `max_retry_after`). `timeout`: seconds for each request (connect, read, write)."""

    attempts: int = 4
    base: float = 0.5
    cap: float = 30.0
    max_retry_after: float = 300.0
    timeout: float = 10.0

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> RetryPolicy:
        """`timeout`, `retries` (retries after the first attempt), `backoff` (the base)."""
        try:
            return cls(
                attempts=int(options.get("retries", cls.attempts - 1)) + 1,
                base=float(options.get("backoff", cls.base)),
                timeout=float(options.get("timeout", cls.timeout)),
            )
        except (TypeError, ValueError) as exc:
            raise HandoffError(f"retries, backoff and timeout must be numbers: {exc}") from None

    def wait(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        """Seconds to wait before attempt `attempt + 1` (attempt counts from 1)."""
        if retry_after is not None:
            return min(retry_after, self.max_retry_after)
        return rng.uniform(0, min(self.cap, self.base * 2 ** (attempt - 1)))


def retry_after(response: httpx.Response) -> float | None:
    """The Retry-After header in seconds (delta-seconds or an HTTP date), if any."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


# What a dry run answers in place of the service: (request) -> response.
DryAnswer = Callable[[httpx.Request], httpx.Response]


class HttpClient:
    """An httpx client bound to one service.

    `request` sends, retrying connection errors, timeouts, 5xx and 429 under `retry`, never
    other 4xx; it returns the final response whatever its status (adapters decide what a
    status means) and raises DeliveryError(transient=True) when no response came.
    `secrets`: strings masked wherever a request is printed (headers such as Authorization
    are masked anyway). With `dry_run`, nothing is sent: each request is printed there and
    `answer` (the service's documented success, by default an empty 200) stands in for it.
    """

    SECRET_HEADERS = frozenset(
        {"authorization", "x-api-key", "x-dispatch-api-key", "x-lekab-password", "cookie"}
    )

    def __init__(
        self,
        base_url: str,
        *,
        auth: httpx.Auth | tuple[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        secrets: Iterable[str] = (),
        secret_headers: Iterable[str] = (),
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        dry_run: IO[str] | None = None,
        answer: DryAnswer | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.retry = retry or RetryPolicy()
        self.secrets = [s for s in secrets if s]
        self.secret_headers = self.SECRET_HEADERS | {h.lower() for h in secret_headers}
        self.dry_run = dry_run
        self.answer = answer or (lambda request: httpx.Response(200, json={}))
        self.sleep = sleep
        self.rng = rng or random.Random()
        if dry_run is not None:
            transport = httpx.MockTransport(self._dry)
        self.client = httpx.Client(
            base_url=base_url,
            auth=auth,
            headers=dict(headers or {}),
            timeout=self.retry.timeout,
            transport=transport,
            follow_redirects=False,
        )

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        content: bytes | None = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        headers = dict(headers or {})
        if json_body is not None:
            # Readable UTF-8 JSON, the same for every adapter (httpx's own is ASCII-escaped).
            content = json.dumps(json_body, ensure_ascii=False, separators=(",", ":")).encode()
            headers.setdefault("Content-Type", "application/json")
        request = self.client.build_request(
            method, path, content=content, params=params, headers=headers
        )
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self.client.send(request)
                response.read()
            except httpx.TimeoutException as exc:
                problem = f"{method} {request.url}: timed out ({type(exc).__name__})"
                wait = None
            except httpx.TransportError as exc:
                problem = f"{method} {request.url}: {exc or type(exc).__name__}"
                wait = None
            else:
                if response.status_code not in RETRY_STATUSES:
                    return response
                problem = f"{method} {request.url}: HTTP {response.status_code}"
                wait = retry_after(response)
                if attempt >= self.retry.attempts:
                    return response  # the adapter maps the final status to its error
            if attempt >= self.retry.attempts:
                raise DeliveryError(
                    self.mask(f"{problem} (after {attempt} attempts)"), transient=True
                )
            self.sleep(self.retry.wait(attempt, wait, self.rng))

    def _dry(self, request: httpx.Request) -> httpx.Response:
        assert self.dry_run is not None
        self.dry_run.write(self.show(request) + "\n")
        return self.answer(request)

    def show(self, request: httpx.Request) -> str:
        """The request as text, the way --dry-run prints it: method and URL, headers (secret
        ones masked), a blank line, the body (JSON pretty-printed)."""
        lines = [f"{request.method} {request.url}"]
        for raw_name, raw_value in request.headers.raw:  # as written, e.g. Content-Type
            name, value = raw_name.decode("latin-1"), raw_value.decode("latin-1")
            if name.lower() in self.secret_headers:
                value = _mask_header(value)
            lines.append(f"{name}: {value}")
        body = request.content.decode("utf-8", "replace")
        if body:
            with contextlib.suppress(ValueError):
                body = json.dumps(json.loads(body), ensure_ascii=False, indent=2)
            lines += ["", body]
        return self.mask("\n".join(lines))

    def mask(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text

    def close(self) -> None:
        self.client.close()


def _mask_header(value: str) -> str:
    scheme, _, rest = value.partition(" ")
    if rest and scheme.lower() in ("basic", "bearer", "token"):
        return f"{scheme} {MASK}"
    return MASK


def require_https(url: str, name: str) -> None:
    """Refuse plain http except to loopback (tests, local relays): credentials travel in it."""
    parsed = httpx.URL(url)
    if parsed.scheme == "https":
        return
    if parsed.scheme == "http" and parsed.host in ("127.0.0.1", "localhost", "::1"):
        return
    raise HandoffError(
        f"[handoff.{name}]: base_url {url!r} must use https",
        hint="plain http is allowed only to loopback (127.0.0.1, localhost, ::1)",
    )


class HttpHooks(TypedDict, total=False):
    """What tests give an HTTP adapter instead of the network and the clock."""

    transport: httpx.BaseTransport | None
    sleep: Callable[[float], None]


class HttpAdapter(Adapter):
    """An adapter that calls an HTTP API. Its client shares the settings every such adapter
    takes (`timeout`, `retries`, `backoff`) and the dry run; `transport` and `sleep` are for
    tests (a MockTransport, a recorded sleep), never read from tmplkit.toml."""

    def __init__(self, context: Context, **hooks: Unpack[HttpHooks]) -> None:
        super().__init__(context)
        self._transport = hooks.get("transport")
        self._sleep = hooks.get("sleep", time.sleep)

    def http_client(
        self,
        base_url: str,
        *,
        auth: httpx.Auth | None = None,
        headers: Mapping[str, str] | None = None,
        secrets: Iterable[str] = (),
        answer: DryAnswer | None = None,
    ) -> HttpClient:
        return HttpClient(
            base_url,
            auth=auth,
            headers=headers,
            secrets=secrets,
            retry=RetryPolicy.from_options(self.context.options),
            transport=self._transport,
            dry_run=self.context.dry_run,
            answer=answer,
            sleep=self._sleep,
        )
