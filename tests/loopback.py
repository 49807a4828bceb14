"""A small real HTTP server on 127.0.0.1 for hand-off tests.

It records every request (method, path, headers, body), answers from a script of replies (then
from `handler`, then `default`), and can delay answers (past a client's timeout), fail N times,
or hold every request after the N-th until the test releases (or drops) them:

    with Loopback(Reply(500), Reply(500)) as server:       # fails twice, then 200
        ...post to server.url...
        assert [r.status for r in server.received] == [500, 500, 200]

Each handler runs on its own thread; `received` is safe to read while requests come in.
"""

from __future__ import annotations

import json
import select
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Reply:
    """What the server answers: a status, a body (a dict or list is sent as JSON), headers,
    and `delay` seconds to wait before answering."""

    status: int = 200
    body: bytes | str | Mapping[str, Any] | list[Any] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0

    def payload(self) -> tuple[bytes, dict[str, str]]:
        headers = dict(self.headers)
        body = self.body
        if isinstance(body, Mapping | list):
            headers.setdefault("Content-Type", "application/json")
            return json.dumps(body).encode("utf-8"), headers
        if isinstance(body, str):
            headers.setdefault("Content-Type", "text/plain; charset=utf-8")
            return body.encode("utf-8"), headers
        return body or b"", headers


@dataclass
class Received:
    """One request as the server saw it. `status` is what it answered (None while the request
    waits, is held, or when it was dropped or its answer could not be written)."""

    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    raw_headers: list[tuple[str, str]]  # as sent, in order
    body: bytes
    at: float
    status: int | None = None

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def answered(self) -> bool:
        return self.status is not None


class Loopback:
    """The server. Start it with `with Loopback(...) as server:` (or start()/stop())."""

    def __init__(
        self,
        *script: Reply,
        default: Reply | None = None,
        handler: Callable[[Received], Reply | None] | None = None,
    ) -> None:
        self.default = default or Reply(200, {"ok": True})
        self.handler = handler
        self.received: list[Received] = []
        self._script: deque[Reply] = deque(script)
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._hold_after: int | None = None
        self._gate = threading.Event()
        self._drop = False
        self._server: ThreadingHTTPServer | None = None
        self._port: int | None = None
        self._thread: threading.Thread | None = None

    # -- life --

    def start(self) -> Loopback:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        server.block_on_close = False
        server.loopback = self  # type: ignore[attr-defined]
        self._server = server
        self._port = server.server_address[1]
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release(drop=True)
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Loopback:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The server's base URL (still known after stop: nothing listens there then)."""
        assert self._port is not None, "start the server first"
        return f"http://127.0.0.1:{self._port}"

    # -- scripting --

    def script(self, *replies: Reply) -> None:
        """Answer the next requests with these replies, in order."""
        with self._lock:
            self._script.extend(replies)

    def hold_after(self, count: int) -> None:
        """Answer the first `count` requests (counted from the start); hold the later ones
        unanswered until release()."""
        with self._lock:
            self._hold_after = count
            self._gate.clear()
            self._drop = False

    def release(self, *, drop: bool = False) -> None:
        """Let held requests go on: answered as usual, or with `drop`, closed unanswered (as
        when the service never got them)."""
        with self._lock:
            self._drop = drop
            self._hold_after = None
        self._gate.set()

    def wait_for(self, count: int, timeout: float = 20.0) -> bool:
        """Wait until `count` requests have arrived; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.received) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._arrived.wait(left)
        return True

    # -- what happened --

    @property
    def answered(self) -> list[Received]:
        """The requests answered with a 2xx."""
        with self._lock:
            return [r for r in self.received if r.status is not None and 200 <= r.status < 300]

    def statuses(self) -> list[int | None]:
        with self._lock:
            return [r.status for r in self.received]

    # -- the handler's side --

    def _take(self, request: Received) -> Reply | None:
        """Record `request`; its reply, or None to drop it. Blocks while held."""
        with self._arrived:
            self.received.append(request)
            number = len(self.received)
            held = self._hold_after is not None and number > self._hold_after
            self._arrived.notify_all()
        if held:
            self._gate.wait()
            with self._lock:
                if self._drop:
                    return None
        with self._lock:
            if self._script:
                return self._script.popleft()
        if self.handler is not None:
            reply = self.handler(request)
            if reply is not None:
                return reply
        return self.default


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: ThreadingHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet

    def _handle(self) -> None:
        loopback: Loopback = self.server.loopback  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if len(body) < length:  # the client died half-way through: no request, as for a server
            self.close_connection = True
            return
        raw = [(name, value) for name, value in self.headers.items()]
        request = Received(
            method=self.command,
            path=self.path,
            headers={name.lower(): value for name, value in raw},
            raw_headers=raw,
            body=body,
            at=time.monotonic(),
        )
        reply = loopback._take(request)
        if reply is None:
            self.close_connection = True
            return
        if reply.delay:
            time.sleep(reply.delay)
        if _peer_closed(self.connection):  # it gave up waiting (a timeout) or died
            self.close_connection = True
            return
        payload, headers = reply.payload()
        # Recorded before the answer goes out: a client that has its answer sees it recorded.
        with loopback._lock:
            request.status = reply.status
        try:
            self.send_response(reply.status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            self.wfile.flush()
        except OSError:  # the client gave up (a timeout) and closed the connection
            with loopback._lock:
                request.status = None
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle


def _peer_closed(sock: socket.socket) -> bool:
    """Whether the client closed its end: readable with nothing to read."""
    readable, _, _ = select.select([sock], [], [], 0)
    if not readable:
        return False
    try:
        return sock.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True
