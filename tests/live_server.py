"""A real uvicorn server on loopback, in a thread of the test process: `tmplkit serve`'s
application over a project, answering real HTTP on a free port."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn

from tests.conftest import REPO
from tmplkit.server import transport
from tmplkit.server.app import create_app
from tmplkit.server.keys import KeyStore
from tmplkit.store import Project


class LiveServer:
    """A running server: its base `url`, and an API key for it (`key`)."""

    def __init__(self, server: uvicorn.Server, thread: threading.Thread, key: str) -> None:
        self.server = server
        self.thread = thread
        self.key = key
        port = server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"

    def headers(self, version: str = "2026.06", **more: str) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.key}",
            "Accept": f"application/vnd.dyspatch.{version}+json",
            **more,
        }


@contextmanager
def running(app: Any) -> Iterator[tuple[uvicorn.Server, threading.Thread]]:
    """An ASGI application served by uvicorn on a free loopback port, in a thread, until the
    block ends; with the protocol `tmplkit serve` runs it with (one write a response)."""
    config = transport.config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the server did not start")
        time.sleep(0.01)
    try:
        yield server, thread
    finally:
        server.should_exit = True
        thread.join(10)


@contextmanager
def live_server(project: Project, **options: Any) -> Iterator[LiveServer]:
    """Serve `project` (create_app's keywords in `options`) with a new API key until the
    block ends."""
    keys = options.pop("keys", None) or KeyStore(project)
    _, secret = keys.create("tests")
    with running(create_app(project, keys=keys, **options)) as (server, thread):
        yield LiveServer(server, thread, secret)


def serve_process(root: Path, *args: str) -> subprocess.Popen[str]:
    """`tmplkit serve ARGS` over `root`, a process of its own, its stdout and stderr piped."""
    env = {k: v for k, v in os.environ.items() if k != "TMPLKIT_PROJECT"}
    env["PYTHONPATH"] = str(REPO / "src")
    return subprocess.Popen(
        [sys.executable, "-m", "tmplkit", "--project", str(root), "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
