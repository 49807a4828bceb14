"""`create_app`: the Starlette application of `tmplkit serve`.

Every request goes through `_handle`, in this order: the API key (401), the key's rate limit
(429), the version asked for (400), the body, read up to the cap (413); then the endpoint runs.
An endpoint that writes runs in a worker thread, since it may wait for the project lock (up to
its timeout) while other requests go on. One that only reads (a GET, a render) runs on the
event loop: its work is CPU work, which Python runs one thread at a time anyway, and a hop to a
thread and back costs a third of a render's time (benchmarks/serve_load.py); a compile that a
changed file calls for holds the other requests for as long as it takes (tens of milliseconds).
An `ApiError` or a tmplkit error becomes Dyspatch's error body; anything else is a 500 whose
traceback goes to the log, not to the client.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from ..errors import TmplkitError
from ..store import Project
from . import blocks, drafts, templates, themes  # noqa: F401  (each adds its routes)
from .common import Api, Call, Encoded, Endpoint, Reply, json_bytes, one_request
from .errors import ApiError, from_tmplkit
from .routes import READS, ROUTES
from .versions import Version, negotiate

if TYPE_CHECKING:
    from .keys import KeyStore
    from .limits import RateLimiter, SharedRateLimiter

log = logging.getLogger("tmplkit.server")

MAX_BODY = 1024 * 1024


class JSON(JSONResponse):
    """A JSON answer (json_bytes)."""

    def render(self, content: Any) -> bytes:
        return json_bytes(content)


class Answer(Response):
    """An endpoint's 200 JSON answer, with the headers Starlette's JSONResponse gives it, in its
    order (content-length, content-type, then X-RateLimit-Remaining as `_finish` adds it), made
    without its generic steps: a render's answer is made thousands of times a second."""

    def __init__(self, content: Any, media_type: str, remaining: int | None) -> None:
        self.status_code = 200
        self.media_type = media_type
        self.background = None
        self.body = content.body if isinstance(content, Encoded) else json_bytes(content)
        self.raw_headers = [
            (b"content-length", str(len(self.body)).encode("latin-1")),
            (b"content-type", media_type.encode("latin-1")),
        ]
        if remaining is not None:
            self.raw_headers.append((b"x-ratelimit-remaining", str(remaining).encode("latin-1")))


def error_response(error: ApiError, remaining: int | None = None) -> Response:
    response = JSON(error.body(), status_code=error.status, headers=error.headers)
    if remaining is not None:
        response.headers["X-RateLimit-Remaining"] = str(remaining)
    return response


class Server:
    """The parts `_handle` needs: the API state, the keys, the limit, the body cap."""

    def __init__(
        self,
        api: Api,
        keys: KeyStore | None,
        limiter: RateLimiter | SharedRateLimiter | None,
        max_body: int,
    ) -> None:
        self.api = api
        self.keys = keys
        self.limiter = limiter
        self.max_body = max_body
        self._bases: dict[tuple[Any, ...], str] = {}

    def endpoint(self, methods: dict[str, Endpoint]) -> Any:
        """The Starlette endpoint of one path: each method's function, guarded."""

        async def handle(request: Request) -> Response:
            fn = methods[request.method.replace("HEAD", "GET")]
            return await self._handle(request.scope, request.receive, fn)

        return handle

    def guarded(self, endpoint: Any) -> Any:
        """A Starlette endpoint (`fn(request)`, sync or async) behind the same key, limit and
        version checks as the API's own."""
        import inspect

        async def call(api: Api, request: Request) -> Any:
            if inspect.iscoroutinefunction(endpoint):
                return await endpoint(request)
            return await run_in_threadpool(endpoint, request)

        async def handle(request: Request) -> Response:
            direct = lambda: call(self.api, request)  # noqa: E731
            return await self._handle(request.scope, request.receive, None, direct)

        return handle

    def _authenticate(self, authorization: str) -> str | None:
        """The key id of the request's `Authorization: Bearer KEY` (None: auth is off)."""
        if self.keys is None:
            return None
        scheme, _, secret = authorization.partition(" ")
        key = self.keys.verify(secret.strip()) if scheme.lower() == "bearer" else None
        if key is None:
            raise ApiError(
                401,
                "unauthenticated",
                "missing or invalid API key: send `Authorization: Bearer KEY`"
                " (keys: `tmplkit apikey create LABEL`)",
            )
        return key.id

    async def _body(self, head: dict[bytes, bytes], receive: Receive) -> bytes:
        """The body, read up to the cap (413 past it), from the ASGI messages themselves:
        Starlette's `stream()` is an async generator, which costs more than most bodies."""
        raw = head.get(b"content-length")
        length = None if raw is None else raw.decode("latin-1")
        if length is not None and length.isdigit() and int(length) > self.max_body:
            raise self._too_big()
        if length in (None, "0") and b"transfer-encoding" not in head:
            return b""  # a request with neither has no body (RFC 9112, 6.3): nothing to wait for
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise ClientDisconnect()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                raise self._too_big()
            chunks.append(chunk)
            if not message.get("more_body", False):
                return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def _too_big(self) -> ApiError:
        return ApiError(413, "invalid_body", f"the body is over {self.max_body} bytes")

    async def _handle(
        self,
        scope: Scope,
        receive: Receive,
        fn: Endpoint | None,
        direct: Callable[[], Awaitable[Any]] | None = None,
    ) -> Response:
        """The answer to one request (its ASGI scope and receive): through Starlette's router,
        or straight from HotPaths. Headers are read as Starlette's `Request.headers.get` reads
        them (the first of a repeated one), from the scope itself."""
        remaining: int | None = None
        head: dict[bytes, bytes] = {}
        for name, value in scope["headers"]:
            head.setdefault(name, value)
        try:
            try:
                key_id = self._authenticate(head.get(b"authorization", b"").decode("latin-1"))
            except ApiError:
                # Requests without a valid key spend their address's budget: guessing keys
                # is rate limited too, and the 401 says how many tries are left.
                client = scope.get("client")
                remaining = self._spend(f"address {client[0] if client else 'unknown'}")
                raise
            if key_id is not None:
                remaining = self._spend(key_id)
            accept = head.get(b"accept")
            version = negotiate(None if accept is None else accept.decode("latin-1"))
            if direct is not None:
                if key_id is not None:
                    await run_in_threadpool(self._touch, key_id)
                return await self._finish(await direct(), version, remaining)
            assert fn is not None
            query = scope["query_string"]
            call = Call(
                path=dict(scope.get("path_params") or {}),
                # as Starlette's QueryParams: latin-1, blanks kept, the last of a repeated one
                query=dict(parse_qsl(query.decode("latin-1"), keep_blank_values=True))
                if query
                else {},
                raw_headers=scope["headers"],
                body=await self._body(head, receive),
                version=version,
                base_url=lambda: self._base_url(scope),
                method=scope["method"],
            )
            if fn in READS:
                reply = one_request(self._run, key_id, fn, call)
            else:
                reply = await run_in_threadpool(one_request, self._run, key_id, fn, call)
        except ApiError as exc:
            return error_response(exc, remaining)
        except TmplkitError as exc:
            return error_response(from_tmplkit(exc), remaining)
        except Exception:
            log.exception("%s %s failed", scope["method"], scope["path"])
            error = ApiError(
                500, "server_error", "the server failed to answer: a bug (see the server's log)"
            )
            return error_response(error, remaining)
        return await self._finish(reply, version, remaining)

    def _base_url(self, scope: Scope) -> str:
        """The server's address as the request names it (its Host header), for `url`s:
        Starlette's `base_url`, made once per host asked for (a few hundred at most)."""
        host = next((value for name, value in scope["headers"] if name == b"host"), None)
        server = scope.get("server")  # a list or a tuple (ASGI says an iterable)
        key = (scope.get("scheme"), host, server and tuple(server), scope.get("root_path"))
        base = self._bases.get(key)
        if base is None:
            if len(self._bases) >= 256:  # Host is the client's to choose
                self._bases.clear()
            base = self._bases[key] = str(Request(scope).base_url).rstrip("/")
        return base

    def _spend(self, who: str) -> int | None:
        """One request from `who` (a key id, or an address): the requests it has left, or
        429 rate_limited when it has none (None: no rate limit)."""
        if self.limiter is None:
            return None
        decision = self.limiter.hit(who)
        if not decision.allowed:
            raise ApiError(
                429,
                "rate_limited",
                f"rate limit reached: try again in {decision.retry_after} s",
                headers={
                    "Retry-After": str(decision.retry_after),
                    "X-RateLimit-Remaining": str(decision.remaining),
                },
            )
        return decision.remaining

    def _touch(self, key_id: str) -> None:
        # A key's last use: written at most once a minute, under the project lock, so never
        # on the event loop.
        if self.keys is not None:
            self.keys.touch(key_id)

    def _run(self, key_id: str | None, fn: Endpoint, call: Call) -> Reply:
        if key_id is not None:
            self._touch(key_id)
        return fn(self.api, call)

    async def _finish(self, reply: Any, version: Version, remaining: int | None) -> Response:
        if not isinstance(reply, Response):
            return Answer(reply, version.media_type, remaining)
        if remaining is not None:
            reply.headers["X-RateLimit-Remaining"] = str(remaining)
        return reply


async def _http_error(request: Request, exc: Exception) -> Response:
    """The router's own answers (no such route, a method the route lacks) as Dyspatch's."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        allowed = exc.headers.get("Allow", "") if exc.headers else ""
        error = ApiError(
            405,
            "invalid_request",
            f"{request.method} is not allowed on {request.url.path} (allowed: {allowed})",
            headers={"Allow": allowed} if allowed else None,
        )
    elif exc.status_code == 404:
        error = ApiError(404, "not_found", f"no such endpoint: {request.url.path}")
    else:
        error = ApiError(exc.status_code, "invalid_request", str(exc.detail))
    return error_response(error)


def create_app(
    project: Project,
    *,
    keys: KeyStore | None = None,
    limiter: RateLimiter | SharedRateLimiter | None = None,
    max_body: int = MAX_BODY,
    extensions: bool = True,
    inline_formats: bool = True,
) -> HotPaths:
    """The Dyspatch API over `project`: answering only requests with a key of `keys` (None:
    no key needed, for tests and loopback tools), at the rate `limiter` allows, with bodies up
    to `max_body` bytes; `extensions`: tmplkit's own endpoints (sources, for `sync pull`);
    `inline_formats`: format filters compiled for every target that can take tmplkit's
    formatter written into the template (`compile --inline-formats`): a Dyspatch client cannot
    pass the flag, and a template it cannot use is no use to it."""
    from .openapi import openapi_document

    api = Api(project, inline_formats=inline_formats)
    server = Server(api, keys, limiter, max_body)
    table = list(ROUTES)
    by_path: dict[str, dict[str, Endpoint]] = {}
    for method, path, fn in table:
        by_path.setdefault(path, {})[method] = fn
    # The router tries routes in order and no two paths match one URL: what a sending system
    # calls most (renders, template fetches) is tried first.
    hot = sorted(by_path, key=lambda path: not path.startswith(("/render/", "/templates")))
    routes = [
        Route(path, server.endpoint(by_path[path]), methods=list(by_path[path])) for path in hot
    ]
    if extensions:
        from .extensions import ROUTES as EXTENSIONS

        routes += [
            Route(r.path, server.guarded(r.endpoint), methods=sorted(r.methods or ()))
            for r in EXTENSIONS
        ]

    async def openapi(request: Request) -> Response:
        base = str(request.base_url).rstrip("/")
        return JSON(openapi_document(base, extensions), media_type="application/json")

    routes.append(Route("/openapi.json", openapi, methods=["GET"]))
    app = Starlette(routes=routes, exception_handlers={HTTPException: _http_error})
    app.state.project = project
    app.state.api = api
    return HotPaths(app, server, by_path)


# What a sending system calls most: a render (POST), a template fetch (GET). A path parameter
# matches what Starlette's `{name}` does (one segment, already percent-decoded by the server).
HOT = (
    (
        "POST",
        re.compile(r"/render/template/(?P<templateId>[^/]+)"),
        "/render/template/{templateId}",
    ),
    (
        "POST",
        re.compile(r"/render/template/(?P<templateId>[^/]+)/(?P<languageId>[^/]+)"),
        "/render/template/{templateId}/{languageId}",
    ),
    ("GET", re.compile(r"/templates/(?P<templateId>[^/]+)"), "/templates/{templateId}"),
)


class HotPaths:
    """The Starlette application, with renders and template fetches answered straight from
    the ASGI call: Starlette's router, middleware and exception wrappers cost more than a
    render (benchmarks/serve_load.py), and these requests need none of them. They go through
    the same `Server._handle` (key, limit, version, body cap, errors) with Starlette's own
    `Request`, so they are answered byte for byte as through the router; every other request
    (another method, a trailing slash, HEAD) goes to Starlette, as before."""

    def __init__(self, app: Starlette, server: Server, by_path: dict[str, dict[str, Endpoint]]):
        self.app = app
        self.state = app.state
        self.server = server
        self.hot: dict[str, list[tuple[re.Pattern[str], Endpoint]]] = {}
        for method, pattern, path in HOT:
            self.hot.setdefault(method, []).append((pattern, by_path[path][method]))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            for pattern, fn in self.hot.get(scope["method"], ()):
                match = pattern.fullmatch(path)
                if match is not None:
                    scope["path_params"] = match.groupdict()
                    scope["app"] = self.app
                    response = await self.server._handle(scope, receive, fn)
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)
