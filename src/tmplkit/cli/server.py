"""`tmplkit serve`: the Dyspatch API over the project; `tmplkit apikey`: the keys it takes."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from typing import Any

import click

from ..errors import TmplkitError
from .common import Context, json_option, listen_options, pass_ctx, print_json, print_table

MIB = 1 << 20
NO_KEYS = "no API keys: create one with `tmplkit apikey create LABEL`"


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def duration(seconds: float) -> str:
    """A time span as people say it: "under a minute", "5 minutes", "3 hours", "12 days"."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            return plural(int(seconds // size), unit)
    return "under a minute"


# --- serve -----------------------------------------------------------------------------------


def listen(
    host: str, port: int, *, reuse_port: bool = False, backlog: int | None = 2048
) -> socket.socket:
    """A socket listening on host:port, as uvicorn would make it; a port in use (or an
    address this machine does not have) is one error line, not uvicorn's log and exit.
    `reuse_port`: other sockets of this user may listen on the port too (SO_REUSEPORT), and
    the kernel shares the connections out among them; `backlog` None: bound, not listening
    (the port held for the workers' sockets)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio turns Nagle off (TCP_NODELAY) on the connections of a socket
    # made so only, and with Nagle on each answer waits ~40 ms for the client's delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        if backlog is not None:
            sock.listen(backlog)
    except OSError as exc:
        sock.close()
        reason = os.strerror(exc.errno) if exc.errno else str(exc)
        hint = "stop what uses it, or pass another --port" if port else None
        raise TmplkitError(
            f"cannot listen on {host}:{port}: {reason[:1].lower()}{reason[1:]}", hint=hint
        ) from None
    return sock


@click.command("serve")
@listen_options
@click.option(
    "--rate-limit",
    type=click.IntRange(min=0),
    default=600,
    show_default=True,
    metavar="N",
    help="Requests a minute per API key, in bursts of as many (0: no limit).",
)
@click.option(
    "--max-body",
    type=click.IntRange(min=1),
    default=MIB,
    show_default=True,
    metavar="BYTES",
    help="The largest request body taken; a larger one is answered 413.",
)
@click.option(
    "--inline-formats/--no-inline-formats",
    default=True,
    show_default=True,
    help="Compile format filters (dates, numbers, money) for targets without a locale-aware "
    "formatter by writing tmplkit's exact formatter into the template, as `compile "
    "--inline-formats` does; without it, such a template is refused for those targets.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    metavar="N",
    help="Server processes sharing the port (Linux): N cores answer requests; the rate limit "
    "counts the requests of all of them together.",
)
@pass_ctx
def serve_command(
    obj: Context,
    host: str,
    port: int,
    rate_limit: int,
    max_body: int,
    inline_formats: bool,
    workers: int,
) -> None:
    """Serve the Dyspatch REST API over the project, for clients with an API key.

    Requests must carry `Authorization: Bearer KEY`, for a key made by `tmplkit apikey
    create`; a revoked key is refused from the next request on. Ctrl-C stops.

    With --workers N, N processes answer on the one port (the kernel shares the connections
    out, SO_REUSEPORT), each with its own caches; a worker that dies is started again.

    \b
    Examples:
      tmplkit apikey create "order service"
      tmplkit serve --port 8787
      tmplkit serve --port 8787 --workers 2
      curl -H "Authorization: Bearer $KEY" http://127.0.0.1:8787/templates
    """
    from ..server.keys import KeyStore

    project = obj.project
    keys = KeyStore(project)
    count = len(keys.list())
    if not count:
        raise TmplkitError(NO_KEYS)
    if workers > 1 and not sys.platform.startswith("linux"):
        # SO_REUSEPORT shares connections out on Linux only; PR_SET_PDEATHSIG is Linux's
        raise TmplkitError("--workers above 1 needs Linux (SO_REUSEPORT and fork)")
    sock = listen(host, port, reuse_port=workers > 1, backlog=None if workers > 1 else 2048)
    try:
        # Imported here, once there are keys and the port is ours: Starlette, uvicorn and
        # the routes are this command's alone, and any other start-up would pay for them.
        import uvicorn

        from ..server.app import create_app
        from ..server.limits import RateLimiter, SharedRateLimiter
        from ..server.transport import config

        limiter: RateLimiter | SharedRateLimiter | None = None
        if rate_limit:
            limiter = SharedRateLimiter(rate_limit) if workers > 1 else RateLimiter(rate_limit)

        def server_on(listening: socket.socket) -> uvicorn.Server:
            app = create_app(
                project,
                keys=keys,
                limiter=limiter,
                max_body=max_body,
                inline_formats=inline_formats,
            )
            return uvicorn.Server(config(app, log_level="warning"))

        address = f"[{host}]" if ":" in host else host
        bound = sock.getsockname()[1]
        said = f"{plural(count, 'API key')}" + (f", {workers} workers" if workers > 1 else "")
        serving = (
            f"serving the Dyspatch API for {project.root.name} on http://{address}:{bound}"
            f" ({said}; Ctrl-C stops)"
        )
        if workers > 1:
            supervisor = Supervisor(
                workers, lambda: listen(host, bound, reuse_port=True), server_on, keys.flush
            )
            supervisor.run(serving)
            click.echo("stopped", err=True)
            return
        server = server_on(sock)
        click.echo(serving, err=True)
        # uvicorn stops at the first Ctrl-C, and raises it again once it has stopped
        with contextlib.suppress(KeyboardInterrupt):
            server.run(sockets=[sock])
    finally:
        sock.close()
        keys.flush()
    if not server.started:
        raise TmplkitError("the server did not start (its log above says why)")
    click.echo("stopped", err=True)


# A worker's exit code when it could not start serving (its error is on stderr)
DID_NOT_START = 3
STARTED = b"+"


def die_with(parent: int) -> None:
    """Have the kernel send this process SIGTERM when its parent ends (PR_SET_PDEATHSIG), so
    that a supervisor killed outright (SIGKILL, the OOM killer) leaves no worker holding the
    port; a parent already gone (before the call) ends it now."""
    import ctypes
    import ctypes.util

    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent:
        os.kill(os.getpid(), signal.SIGTERM)


PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


class Supervisor:
    """`serve --workers N`: N forked processes, each listening on the port with a socket of
    its own (SO_REUSEPORT) and running its own uvicorn over its own application (caches,
    watcher); the parent holds the port (bound, not listening) and the shared rate limit,
    says "serving" once every worker listens, starts a worker again when one dies, and on
    Ctrl-C or SIGTERM stops them all."""

    def __init__(
        self,
        count: int,
        listening: Callable[[], socket.socket],
        server_on: Callable[[socket.socket], Any],
        stopped: Callable[[], None],
    ) -> None:
        self.count = count
        self.listening = listening
        self.server_on = server_on
        self.stopped = stopped  # what a worker does last (write its keys' last use)
        self.alive: set[int] = set()
        self.stopping = False

    def run(self, serving: str) -> None:
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            for _ in range(self.count):
                if self.stopping:
                    break
                self._start()
            if not self.stopping:
                click.echo(serving, err=True)
            self._watch()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self._stop()
            while self.alive:
                with contextlib.suppress(ChildProcessError):
                    pid, _ = os.wait()
                    self.alive.discard(pid)

    def _stop(self, *_: Any) -> None:
        self.stopping = True
        for pid in self.alive:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    def _start(self) -> int:
        """Fork a worker and wait until it listens (or failed to); its process id."""
        ready, told = os.pipe()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # the worker: never returns
            os.close(ready)
            code = DID_NOT_START
            try:
                signal.signal(signal.SIGINT, signal.default_int_handler)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                die_with(parent)
                sock = self.listening()
                server = self.server_on(sock)
                os.write(told, STARTED)
                os.close(told)
                with contextlib.suppress(KeyboardInterrupt):
                    server.run(sockets=[sock])
                code = 0 if server.started else DID_NOT_START
                self.stopped()
            except KeyboardInterrupt:  # Ctrl-C before uvicorn took the signals over
                code = 0
            except TmplkitError as exc:
                click.echo(f"error: {exc}", err=True)
            except BaseException:  # anything else: its traceback, then the exit code
                import traceback

                traceback.print_exc()
            finally:
                os._exit(code)
        os.close(told)
        self.alive.add(pid)
        if self.stopping:  # Ctrl-C came while it forked: it was not among those stopped
            os.kill(pid, signal.SIGTERM)
        with os.fdopen(ready, "rb") as pipe:
            started = pipe.read(1) == STARTED
        if not started and not self.stopping:
            raise TmplkitError("a worker did not start (its log above says why)")
        return pid

    def _watch(self) -> None:
        while self.alive:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                return
            self.alive.discard(pid)
            code = os.waitstatus_to_exitcode(status)
            if self.stopping:
                continue
            if code == DID_NOT_START:
                self._stop()
                raise TmplkitError("a worker stopped serving (its log above says why)")
            how = f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"
            started = self._start()
            click.echo(f"worker {pid} {how}; worker {started} answers in its place", err=True)


# --- apikey ----------------------------------------------------------------------------------


@click.group("apikey")
def apikey_group() -> None:
    """API keys for `tmplkit serve`: create, list, revoke.

    Keys are stored hashed, in .tmplkit/apikeys.json (not in git).
    """


@apikey_group.command("create")
@click.argument("label")
@json_option
@pass_ctx
def apikey_create(obj: Context, label: str, as_json: bool) -> None:
    """Make an API key and print it, once: only its hash is kept.

    LABEL says what the key is for (one line, up to 100 characters). The key is printed
    alone on the first line, for scripts.

    \b
    Examples:
      tmplkit apikey create "order service"
      KEY=$(tmplkit apikey create ci | head -1)
    """
    from ..server.keys import KeyStore

    key, secret = KeyStore(obj.project).create(label)
    if as_json:
        print_json({"id": key.id, "key": secret, "label": key.label})
        return
    click.echo(secret)
    click.echo(f"id: {key.id} label: {key.label}  (store it now: it is not shown again)")


@apikey_group.command("list")
@json_option
@pass_ctx
def apikey_list(obj: Context, as_json: bool) -> None:
    """List the API keys: id, label, age, last use.

    The keys themselves are not kept: only `apikey create` shows one.

    \b
    Example:
      tmplkit apikey list
    """
    from ..server.keys import KeyStore, seconds_of

    keys = KeyStore(obj.project).list()
    if as_json:
        print_json([k.to_json() for k in keys])
        return
    now = time.time()

    def age(stamp: str) -> str:
        return duration(max(0.0, now - seconds_of(stamp)))

    def last_use(stamp: str | None) -> str:
        if stamp is None:
            return "never"
        return "just now" if now - seconds_of(stamp) < 60 else f"{age(stamp)} ago"

    rows = [[k.id, k.label, age(k.created_at), last_use(k.last_used_at)] for k in keys]
    print_table(rows, ["ID", "LABEL", "AGE", "LAST USED"])


@apikey_group.command("revoke")
@click.argument("key_id", metavar="ID")
@json_option
@pass_ctx
def apikey_revoke(obj: Context, key_id: str, as_json: bool) -> None:
    """Revoke an API key: the server refuses it from the next request on.

    \b
    Example:
      tmplkit apikey revoke key_01jq3v6w8x9y0z1a2b3c4d5e6f
    """
    from ..server.keys import KeyStore

    key = KeyStore(obj.project).revoke(key_id)
    if as_json:
        print_json(key.to_json())
        return
    click.echo(f"revoked {key.id} ({key.label})")
