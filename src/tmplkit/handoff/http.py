"""HTTP for adapters: timeouts on every request, retries with backoff on what is worth
retrying, secrets masked wherever a request is shown, and dry runs that print instead of send."""

from __future__ import annotations

import email.utils
import json
import random
import time
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import IO, Any, TypedDict, Unpack

import httpx

from ..errors import DeliveryError, HandoffError, check_keywords
from .base import Adapter, Context

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504}) | frozenset(range(505, 600))
MASK = "********"
# A secret this long is masked wherever its text appears in a dry run's printout; a shorter one
# (a dummy credential of a trial run) only where it is a whole value, so the rest prints intact.
LONG_SECRET = 8


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


class HttpHooks(TypedDict, total=False):
    """What tests give an HTTP adapter instead of the network and the clock."""

    transport: httpx.BaseTransport | None
    sleep: Callable[[float], None]


class ClientOptions(HttpHooks, total=False):
    """HttpClient's keywords but the service's (URL, credentials, headers, secrets, retry):
    `dry_run` and its `answer`, and what tests give instead of the network (`transport`),
    the clock (`sleep`, default time.sleep) and chance (`rng`)."""

    dry_run: IO[str] | None
    answer: DryAnswer | None
    rng: random.Random | None


class HttpClient:
    """An httpx client bound to one service.

    `request` sends, retrying connection errors, timeouts, 5xx and 429 under `retry`, never
    other 4xx; it returns the final response whatever its status (adapters decide what a
    status means) and raises DeliveryError(transient=True) when no response came.
    `secrets`: values masked wherever a request is printed: a query parameter, a JSON value or
    a header whose whole value is one (headers such as Authorization are masked by name),
    and the text of one of LONG_SECRET characters or more wherever it appears; an
    unstructured body or an error text is masked wherever any secret's text appears.
    With `dry_run`, nothing is sent: each request is printed there and `answer` (the
    service's documented success, by default an empty 200) stands in for it.
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
        **options: Unpack[ClientOptions],
    ) -> None:
        check_keywords("HttpClient", options, ClientOptions.__optional_keys__)
        self.retry = retry or RetryPolicy()
        self.secrets = frozenset(s for s in secrets if s)
        self.secret_headers = self.SECRET_HEADERS | {h.lower() for h in secret_headers}
        self.dry_run = options.get("dry_run")
        self.answer = options.get("answer") or (lambda request: httpx.Response(200, json={}))
        self.sleep = options.get("sleep", time.sleep)
        self.rng = options.get("rng") or random.Random()
        transport = options.get("transport")
        if self.dry_run is not None:
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
                problem = f"{method} {self._url(request.url)}: timed out ({type(exc).__name__})"
                wait = None
            except httpx.TransportError as exc:
                reason = self.mask(str(exc)) or type(exc).__name__
                problem = f"{method} {self._url(request.url)}: {reason}"
                wait = None
            else:
                if response.status_code not in RETRY_STATUSES:
                    return response
                problem = f"{method} {self._url(request.url)}: HTTP {response.status_code}"
                wait = retry_after(response)
                if attempt >= self.retry.attempts:
                    return response  # the adapter maps the final status to its error
            if attempt >= self.retry.attempts:
                tries = "1 attempt" if attempt == 1 else f"{attempt} attempts"
                raise DeliveryError(f"{problem} (after {tries})", transient=True)
            self.sleep(self.retry.wait(attempt, wait, self.rng))

    def _dry(self, request: httpx.Request) -> httpx.Response:
        assert self.dry_run is not None
        self.dry_run.write(self.show(request) + "\n")
        return self.answer(request)

    def show(self, request: httpx.Request) -> str:
        """The request as text, the way --dry-run prints it: method and URL, headers, a blank
        line, the body (JSON pretty-printed). Secret headers are masked by name; a query
        parameter, header or JSON value is masked when its whole value is a secret, so that
        the rest prints intact whatever the secrets' text."""
        lines = [f"{request.method} {self._url(request.url)}"]
        for raw_name, raw_value in request.headers.raw:  # as written, e.g. Content-Type
            name, value = raw_name.decode("latin-1"), raw_value.decode("latin-1")
            if name.lower() in self.secret_headers:
                value = _mask_header(value)
            elif value in self.secrets:
                value = MASK
            lines.append(f"{name}: {value}")
        body = request.content.decode("utf-8", "replace")
        if body:
            try:
                parsed = json.loads(body)
            except ValueError:
                form = request.headers.get("content-type", "").startswith(
                    "application/x-www-form-urlencoded"
                )
                body = self._query(body) if form else self.mask(body)
            else:
                body = json.dumps(self._json(parsed), ensure_ascii=False, indent=2)
            lines += ["", body]
        # And a key-sized secret anywhere else (inside a longer value, in a URL's path).
        return self.mask("\n".join(lines), shortest=LONG_SECRET)

    def mask(self, text: str, shortest: int = 1) -> str:
        """Every occurrence of a secret's text masked: for text with no structure to go by."""
        for secret in sorted(self.secrets, key=len, reverse=True):
            if len(secret) >= shortest:
                text = text.replace(secret, MASK)
        return text

    def _url(self, url: httpx.URL) -> str:
        if not url.query:
            return str(url)
        query = self._query(url.query.decode("ascii"))
        return str(url.copy_with(query=None)) + "?" + query

    def _query(self, query: str) -> str:
        """`a=1&key=SECRET` → `a=1&key=********`, the rest as written."""
        fields = []
        for field in query.split("&"):
            name, eq, value = field.partition("=")
            if eq and urllib.parse.unquote_plus(value) in self.secrets:
                value = MASK
            fields.append(name + eq + value)
        return "&".join(fields)

    def _json(self, value: Any) -> Any:
        if isinstance(value, str):
            return MASK if value in self.secrets else value
        if isinstance(value, list):
            return [self._json(v) for v in value]
        if isinstance(value, dict):
            return {k: self._json(v) for k, v in value.items()}
        return value

    def close(self) -> None:
        self.client.close()


def _mask_header(value: str) -> str:
    scheme, _, rest = value.partition(" ")
    if rest and scheme.lower() in ("basic", "bearer", "token"):
        return f"{scheme} {MASK}"
    return MASK


def require_https(url: str, name: str, setting: str = "base_url") -> None:
    """Refuse plain http except to loopback (tests, local relays): credentials travel in it.
    `setting`: the adapter's setting that holds `url`, as the refusal names it."""
    parsed = httpx.URL(url)
    if parsed.scheme == "https":
        return
    if parsed.scheme == "http" and parsed.host in ("127.0.0.1", "localhost", "::1"):
        return
    raise HandoffError(
        f"[handoff.{name}]: {setting} {url!r} must use https",
        hint="plain http is allowed only to loopback (127.0.0.1, localhost, ::1)",
    )


class HttpAdapter(Adapter):
    """An adapter that calls an HTTP API. Its client shares the settings every such adapter
    takes (`timeout`, `retries`, `backoff`) and the dry run; `transport` and `sleep` are for
    tests (a MockTransport, a recorded sleep), never read from tmplkit.toml. A subclass makes
    its client with `http_client` in `__init__`; `close` closes it."""

    http: HttpClient

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
        secret_headers: Iterable[str] = (),
        answer: DryAnswer | None = None,
    ) -> HttpClient:
        return HttpClient(
            base_url,
            auth=auth,
            headers=headers,
            secrets=secrets,
            secret_headers=secret_headers,
            retry=RetryPolicy.from_options(self.context.options),
            transport=self._transport,
            dry_run=self.context.dry_run,
            answer=answer,
            sleep=self._sleep,
        )

    def close(self) -> None:
        self.http.close()
