"""The HTTP side of `tmplkit sync`: a client of a Dyspatch-compatible API (Dyspatch itself, or
`tmplkit serve`) with its key, its API version, its pages, its retries and its errors.

Requests go through handoff.http's HttpClient: a timeout on each, retries with backoff on a
connection error, a timeout, a 5xx, and a 429 after its `Retry-After`; the key is masked
wherever a request is shown. What the API answers is then one of: JSON, bytes, "not there"
(`optional`: a 404, which is how a Dyspatch account answers tmplkit's own endpoints), or a
`RemoteError` of one line naming the request and the API's code and message.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping
from typing import Any, Unpack

import httpx

from ..errors import DeliveryError, TmplkitError
from ..handoff.http import HttpClient, HttpHooks, RetryPolicy

API_VERSION = "2026.06"
ACCEPT = f"application/vnd.dyspatch.{API_VERSION}+json"
KEY_VARIABLE = "TMPLKIT_REMOTE_KEY"
# A page of a list: Dyspatch's cursor. A server that keeps answering pages past this many
# is going round in circles.
MAX_PAGES = 100_000


class RemoteError(TmplkitError):
    """The remote API refused a request, answered something that is not its API, or could
    not be reached. `status` and `code` are the HTTP status and the API's error code, when
    there was an answer."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.code = code


def remote_key(environ: Mapping[str, str]) -> str:
    """The API key, from $TMPLKIT_REMOTE_KEY only: never from an option or a file, which end
    up in shell history and in repositories."""
    key = environ.get(KEY_VARIABLE, "").strip()
    if not key:
        raise RemoteError(
            f"${KEY_VARIABLE} is not set",
            hint=f"export {KEY_VARIABLE}=… with an API key of the remote (tmplkit apikey create "
            "on a tmplkit server, the API keys page of a Dyspatch account)",
        )
    return key


def base_url(url: str) -> str:
    """The API's root URL as given, checked: http(s) with a host, and https unless the host is
    loopback (the key travels in every request). No trailing slash."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        parsed = None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise RemoteError(
            f"{url}: not an http(s) URL", hint="give the API's root, like https://api.dyspatch.io"
        )
    if parsed.scheme == "http" and not _loopback(parsed.host):
        raise RemoteError(
            f"{url}: plain http sends the API key in the clear",
            hint="use https://, or http:// to a loopback address (127.0.0.1, localhost, ::1)",
        )
    if parsed.query or parsed.fragment or parsed.userinfo:
        raise RemoteError(f"{url}: give the API's root URL, without a query or credentials")
    return str(parsed).rstrip("/")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class RemoteClient:
    """Requests to one API with one key: `json`, `optional_json`, `data`, `pages`."""

    def __init__(self, url: str, key: str, **hooks: Unpack[HttpHooks]) -> None:
        self.url = base_url(url)
        self.http = HttpClient(
            self.url + "/",
            headers={"Authorization": f"Bearer {key}", "Accept": ACCEPT},
            secrets=[key],
            retry=RetryPolicy(attempts=5, timeout=60.0),
            **hooks,
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> RemoteClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _get(self, path: str, params: Mapping[str, str] | None, optional: bool) -> httpx.Response:
        try:
            response = self.http.request("GET", path.lstrip("/"), params=params)
        except DeliveryError as exc:  # no answer, after the retries
            raise RemoteError(str(exc)) from None
        if response.status_code == 404 and optional:
            return response
        if response.status_code >= 400:
            raise self._refusal(response)
        return response

    def _refusal(self, response: httpx.Response) -> RemoteError:
        where = f"GET {response.request.url}"
        try:
            body = response.json()
        except ValueError:
            body = None
        code = message = None
        if isinstance(body, dict):
            code, message = body.get("code"), body.get("message")
        status = response.status_code
        reason = f"{status} {code}: {message}" if code and message else f"HTTP {status}"
        hint = None
        if status == 401:
            hint = f"${KEY_VARIABLE} must hold an API key of {self.url}"
        elif status == 429:
            hint = "the key's rate limit is spent; try again later"
        text = self.http.mask(f"{where}: {reason}")
        return RemoteError(text, status=status, code=code, hint=hint)

    def _decoded(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            where = f"GET {response.request.url}"
            raise RemoteError(
                f"{where}: the answer is not JSON",
                hint="is the URL the root of a Dyspatch-compatible API?",
            ) from None

    def json(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        return self._decoded(self._get(path, params, optional=False))

    def optional_json(self, path: str, params: Mapping[str, str] | None = None) -> Any | None:
        """The JSON answer, or None when the API has no such route or object (404)."""
        response = self._get(path, params, optional=True)
        return None if response.status_code == 404 else self._decoded(response)

    def data(self, path: str) -> bytes:
        """The answer's bytes, as the API sent them (a catalog file)."""
        return self._get(path, None, optional=False).content

    def object(self, path: str, params: Mapping[str, str] | None = None) -> dict[str, Any]:
        """A JSON object; anything else is a RemoteError naming the request."""
        body = self.json(path, params)
        if not isinstance(body, dict):
            raise self.malformed(path, "expected a JSON object")
        return body

    def malformed(self, path: str, why: str) -> RemoteError:
        return RemoteError(f"GET {self.url}/{path.lstrip('/')}: {why}")

    def pages(self, path: str, params: Mapping[str, str] | None = None) -> Iterator[Any]:
        """Every item of a paginated list: `{"cursor": {"next", "hasMore"}, "data": […]}`,
        following `cursor.next` with the same filters."""
        query = dict(params or {})
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            body = self.object(path, query)
            data, cursor = body.get("data"), body.get("cursor") or {}
            if not isinstance(data, list) or not isinstance(cursor, dict):
                raise self.malformed(path, "expected a page: {cursor, data}")
            yield from data
            following = cursor.get("next")
            if not cursor.get("hasMore") or not following:
                return
            if not isinstance(following, str) or following in seen:
                raise self.malformed(path, f"the cursor {following!r} repeats a page")
            seen.add(following)
            query["cursor"] = following
        raise self.malformed(path, f"more than {MAX_PAGES} pages")
