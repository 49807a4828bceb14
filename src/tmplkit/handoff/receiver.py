"""A small HTTP server that takes a sending system's event callbacks (LEKAB Dispatch job
events: JOB_START, JOB_ASSIGN, JOB_FINISH) and records them in the hand-off journal."""

from __future__ import annotations

import hmac
import json
import os
import socket
import threading
import urllib.parse
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ..errors import HandoffError
from . import RECEIVERS
from .base import Context
from .journal import Journal

EVENT_TYPES = ("JOB_START", "JOB_ASSIGN", "JOB_FINISH")
MAX_BODY = 1 << 20  # a job event is a few hundred bytes
DEFAULT_PATH = "/lekab/events"
TOKEN_HEADER = "X-Tmplkit-Token"
TOKEN_PARAM = "token"

# field -> (the JSON types it may have, required)
JOB_EVENT_FIELDS: dict[str, tuple[tuple[type, ...], bool]] = {
    "jobid": ((int, str), True),
    "userid": ((int, str), False),
    "eventtype": ((str,), True),
    "timestamp": ((int,), True),
    "jobtype": ((str,), False),
    "sendtaskid": ((int, str), False),
    "sendname": ((str,), False),
    "contactid": ((int, str), False),
    "agent": ((str,), False),
}
_TYPE_NAMES = {int: "a number", str: "a string"}


def parse_job_event(body: bytes) -> dict[str, Any]:
    """A LEKAB job event from a callback body: a JSON object with `jobid`, `eventtype`
    (JOB_START, JOB_ASSIGN or JOB_FINISH) and `timestamp` (milliseconds since 1970), and
    optionally `userid`, `jobtype`, `sendtaskid`, `sendname`, `contactid`, `agent` (null
    allowed). Fields LEKAB may add later are kept. HandoffError says what is wrong, in a line."""
    try:
        payload = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise HandoffError(f"the body is not UTF-8 ({exc.reason} at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise HandoffError(
            f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    if not isinstance(payload, dict):
        raise HandoffError(f"a job event is a JSON object, not {type(payload).__name__}")
    for name, (types, required) in JOB_EVENT_FIELDS.items():
        value = payload.get(name)
        if value is None:
            if required:
                raise HandoffError(f"missing {name!r}")
            continue
        if isinstance(value, bool) or not isinstance(value, types):
            kinds = " or ".join(_TYPE_NAMES[t] for t in types)
            raise HandoffError(f"{name!r} must be {kinds}, not {value!r}")
    if payload["eventtype"] not in EVENT_TYPES:
        raise HandoffError(
            f"unknown eventtype {payload['eventtype']!r} (expected one of {', '.join(EVENT_TYPES)})"
        )
    if payload["timestamp"] < 0:
        raise HandoffError(
            f"'timestamp' must be milliseconds since 1970, not {payload['timestamp']}"
        )
    return payload


class JobEventReceiver:
    """Takes POSTed job events at `path` and records each valid one with
    `journal.record_event(source, payload)`; answers 200 `{"result": "OK", "seq": N}`.

    A malformed body or an unknown eventtype is answered 400 `{"result": "ERROR",
    "errormessage": "..."}` and nothing is recorded; with a `token`, a request without it (in
    the X-Tmplkit-Token header or the `token` query parameter) is answered 401. `on_event`
    is called with (seq, payload) after each recorded event (the CLI prints it).
    """

    def __init__(
        self,
        journal: Journal,
        *,
        source: str = "lekab-dispatch",
        host: str = "127.0.0.1",
        port: int = 0,
        path: str = DEFAULT_PATH,
        token: str | None = None,
        on_event: Callable[[int, dict[str, Any]], None] | None = None,
    ) -> None:
        self.journal = journal
        self.source = source
        self.path = path if path.startswith("/") else "/" + path
        self.token = token
        self.on_event = on_event
        server_class = _ServerV6 if ":" in host else ThreadingHTTPServer
        try:
            self.server = server_class((host, port), _Handler)
        except OSError as exc:
            raise HandoffError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
        self.server.daemon_threads = True
        self.server.receiver = self  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Where to point the callbacks (without the token)."""
        host, port = self.server.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else host
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}{self.path}"

    def serve_forever(self) -> None:
        """Serve in this thread until shutdown() (from another thread) or Ctrl-C."""
        self.server.serve_forever()

    def start(self) -> JobEventReceiver:
        """Serve in a background thread."""
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        if self._thread is not None:
            self.server.shutdown()
            self._thread.join()
            self._thread = None
        self.server.server_close()

    def __enter__(self) -> JobEventReceiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- one request

    def handle(
        self, method: str, target: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, dict[str, Any]]:
        """The answer (status, JSON body) to one request; records the event if it is valid."""
        url = urllib.parse.urlsplit(target)
        if url.path != self.path:
            return 404, _error(f"no such path {url.path!r}; job events go to {self.path}")
        if method != "POST":
            return 405, _error(f"{method} is not allowed; job events are POSTed")
        if self.token is not None:
            given = headers.get(TOKEN_HEADER.lower())
            if given is None:
                given = urllib.parse.parse_qs(url.query).get(TOKEN_PARAM, [""])[0]
            if not hmac.compare_digest(given.encode(), self.token.encode()):
                return 401, _error("missing or wrong token")
        try:
            payload = parse_job_event(body)
        except HandoffError as exc:
            return 400, _error(str(exc))
        seq = self.journal.record_event(self.source, payload)
        if self.on_event is not None:
            self.on_event(seq, payload)
        return 200, {"result": "OK", "seq": seq}


def _error(message: str) -> dict[str, Any]:
    return {"result": "ERROR", "errormessage": message}


class _ServerV6(ThreadingHTTPServer):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    server: ThreadingHTTPServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the receiver reports events through on_event

    def _handle(self) -> None:
        receiver: JobEventReceiver = self.server.receiver  # type: ignore[attr-defined]
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            self.close_connection = True
            self._send(
                413 if length > 0 else 400, _error("a body of up to 1 MiB, with its Content-Length")
            )
            return
        body = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        status, answer = receiver.handle(self.command, self.path, headers, body)
        self._send(status, answer)

    def _send(self, status: int, answer: Mapping[str, Any]) -> None:
        payload = json.dumps(answer, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle


# --- receivers by adapter name ---------------------------------------------------------------


def receiver_settings(
    name: str, options: Mapping[str, Any] | None, *, env: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The JobEventReceiver arguments (source, path, token) of adapter `name`, from its
    `[handoff.NAME]` table: `callback_path` (default /lekab/events) and `callback_token_env`,
    the environment variable holding the shared secret the callbacks must carry (default
    LEKAB_CALLBACK_TOKEN; when it is not set, no token is asked for)."""
    options = dict(options or {})
    kind = str(options.get("adapter", name))
    if kind not in RECEIVERS:
        raise HandoffError(
            f"adapter {name!r} has no event receiver", hint="receivers: " + ", ".join(RECEIVERS)
        )
    context = Context(options=options, env=dict(os.environ) if env is None else env, name=name)
    path = context.option("callback_path", DEFAULT_PATH)
    if not isinstance(path, str) or not path.startswith("/"):
        raise HandoffError(
            f"[handoff.{name}]: callback_path: must be a path starting with /, not {path!r}"
        )
    token = context.secret("callback_token_env", "LEKAB_CALLBACK_TOKEN", required=False)
    return {"source": kind, "path": path, "token": token}


def open_receiver(
    name: str,
    options: Mapping[str, Any] | None,
    journal: Journal,
    *,
    env: Mapping[str, str] | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    on_event: Callable[[int, dict[str, Any]], None] | None = None,
) -> JobEventReceiver:
    """The event receiver of adapter `name`, configured as receiver_settings() reads it."""
    settings = receiver_settings(name, options, env=env)
    return JobEventReceiver(journal, host=host, port=port, on_event=on_event, **settings)
