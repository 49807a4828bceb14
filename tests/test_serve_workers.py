"""`tmplkit serve --workers N` (real processes on a real port), and the hot paths: renders and
template fetches answered without Starlette's router, byte for byte as through it."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import SAMPLE_TEMPLATES, Result
from tests.live_server import running, serve_process
from tmplkit.server.app import create_app
from tmplkit.server.keys import KeyStore
from tmplkit.server.limits import RateLimiter
from tmplkit.store import Project

ORDER = "tem_01m2n5d9rf9y9x6nmxjjscqfn0"
WELCOME = "tem_01m2tk2hrwq2n4kgkyppv1bnkx"
SERVING = re.compile(
    r"serving the Dyspatch API for p on http://127\.0\.0\.1:(\d+) "
    r"\(1 API key, (\d+) workers; Ctrl-C stops\)\n"
)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "p"
    shutil.copytree(SAMPLE_TEMPLATES, root)
    return root


@dataclass
class Served:
    proc: subprocess.Popen[str]
    url: str
    key: str

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        return [int(pid) for pid in children.split()]

    def get(self, path: str) -> httpx.Response:
        # a connection of its own each time: the kernel shares connections out among workers
        headers = {"Authorization": f"Bearer {self.key}"}
        return httpx.get(self.url + path, headers=headers, timeout=30)

    def stop(self, sig: int = signal.SIGINT) -> tuple[int, str]:
        self.proc.send_signal(sig)
        try:
            _, err = self.proc.communicate(timeout=30)
        finally:
            self.proc.kill()
        return self.proc.returncode, err


@contextmanager
def serving(root: Path, *args: str) -> Iterator[Served]:
    _, secret = KeyStore(Project(root)).create("ci")
    proc = serve_process(root, "--port", "0", *args)
    try:
        assert proc.stderr is not None
        first = proc.stderr.readline()
        match = SERVING.fullmatch(first)
        assert match, first
        yield Served(proc, f"http://127.0.0.1:{match.group(1)}", secret)
    finally:
        proc.kill()
        proc.wait()


def test_workers_answer_on_one_port_and_share_one_rate_limit(root: Path) -> None:
    with serving(root, "--workers", "2", "--rate-limit", "10") as served:
        assert len(served.workers()) == 2
        # Each request on a connection of its own (the kernel gives each connection to one
        # worker): with a limit per worker, 30 requests over 2 workers would get 20 answers.
        began = time.monotonic()
        statuses = [served.get("/templates").status_code for _ in range(30)]
        refills = int((time.monotonic() - began) / 6)  # a token every 6 s at 10 a minute
        assert 10 <= statuses.count(200) <= 10 + refills
        assert statuses.count(200) + statuses.count(429) == 30
        assert statuses[:10] == [200] * 10
        refused = served.get("/templates")
        if refused.status_code == 200:  # a token came back meanwhile: it is spent now
            refused = served.get("/templates")
        assert refused.status_code == 429
        assert refused.headers["X-RateLimit-Remaining"] == "0"
        assert int(refused.headers["Retry-After"]) >= 1
        code, err = served.stop()
    assert (code, err) == (0, "stopped\n")


def test_a_killed_worker_is_started_again(root: Path) -> None:
    with serving(root, "--workers", "2", "--rate-limit", "0") as served:
        first, second = served.workers()
        os.kill(first, signal.SIGKILL)
        assert served.proc.stderr is not None
        said = served.proc.stderr.readline()
        match = re.fullmatch(
            rf"worker {first} was killed by signal 9; worker (\d+) answers in its place\n", said
        )
        assert match, said
        assert sorted(served.workers()) == sorted([second, int(match.group(1))])
        for _ in range(6):
            assert served.get(f"/templates/{WELCOME}?targetLanguage=jinja").status_code == 200
        code, err = served.stop(signal.SIGTERM)
    assert (code, err) == (0, "stopped\n")


def test_ctrl_c_stops_every_worker_and_writes_the_keys_last_use(root: Path) -> None:
    with serving(root, "--workers", "3") as served:
        workers = served.workers()
        assert len(workers) == 3
        assert served.get("/templates").status_code == 200
        code, err = served.stop()
        assert (code, err) == (0, "stopped\n")
        for pid in workers:
            assert (
                not Path(f"/proc/{pid}").exists()
                or "zombie" in Path(f"/proc/{pid}/status").read_text()
            )
    (record,) = KeyStore(Project(root)).list()
    assert record.last_used_at is not None


def test_workers_end_with_a_supervisor_killed_outright(root: Path) -> None:
    with serving(root, "--workers", "2") as served:
        workers = served.workers()
        served.proc.kill()  # SIGKILL: no chance to stop them
        served.proc.wait()
        deadline = time.monotonic() + 20
        while any(alive(pid) for pid in workers):
            assert time.monotonic() < deadline, "a worker outlived its supervisor"
            time.sleep(0.05)
        with pytest.raises(httpx.ConnectError):
            served.get("/templates")


def alive(pid: int) -> bool:
    """The process exists and is not a zombie."""
    try:
        return "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False


def test_workers_must_be_one_or_more(root: Path, run: Callable[..., Result]) -> None:
    KeyStore(Project(root)).create("ci")
    result = run("--project", root, "serve", "--workers", "0")
    assert result.code == 2
    assert result.out == ""
    assert "Invalid value for '--workers': 0 is not in the range x>=1." in result.err


# --- the hot paths answer as the router does -----------------------------------------------------


def headers_of(response: httpx.Response) -> list[tuple[str, str]]:
    """The answer's headers, in order, but uvicorn's Date (the second it was sent)."""
    return [(k, v) for k, v in response.headers.items() if k != "date"]


def url_of(server: Any) -> str:
    return f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"


def test_renders_and_fetches_are_answered_byte_for_byte_as_through_the_router(
    root: Path,
) -> None:
    project = Project(root)
    keys = KeyStore(project)
    _, secret = keys.create("ci")
    # two applications, so that each counts its own rate limit down the same way (a clock
    # that stands still: no refill between the two)
    hot = create_app(project, keys=keys, limiter=RateLimiter(1000, clock=lambda: 0.0))
    plain = create_app(project, keys=keys, limiter=RateLimiter(1000, clock=lambda: 0.0)).app
    routed_paths: list[str] = []
    router = hot.app

    async def spy(scope: Any, receive: Any, send: Any) -> None:
        routed_paths.append(scope["path"])
        await router(scope, receive, send)

    hot.app = spy  # type: ignore[assignment]
    data = json.dumps(project.templates.sample_data(project.templates.get(ORDER))).encode()
    key = {"Authorization": f"Bearer {secret}"}
    old = {**key, "Accept": "application/vnd.dyspatch.2020.11+json"}
    unknown = {**key, "Accept": "application/vnd.dyspatch.1999.01+json"}
    render = f"/render/template/{ORDER}"
    requests: list[tuple[str, str, bytes, dict[str, str]]] = [
        ("POST", render, data, key),
        ("POST", f"{render}/fr_fr", data, key),
        ("POST", f"{render}/xx-??", data, key),
        ("POST", f"{render}/de-DE", b"{not json", key),
        ("POST", render, b"[1]", key),
        ("POST", render, b'{"n": 123456789012345678901}', key),
        ("POST", render, b"\xff{}", key),
        ("POST", render, b" " * (1024 * 1024 + 1), key),
        ("POST", render, b"{}", {}),
        ("POST", render, b"{}", {"Authorization": "Bearer tk_wrong"}),
        ("POST", "/render/template/tem_00000000000000000000000000", b"{}", key),
        ("POST", "/render/template/..%2F..%2Fetc", b"{}", key),
        ("POST", f"{render}/", data, key),
        ("GET", render, b"", key),
        ("GET", f"/templates/{WELCOME}?targetLanguage=liquid", b"", key),
        ("GET", f"/templates/{WELCOME}?targetLanguage=liquid", b"", old),
        ("GET", f"/templates/{WELCOME}?targetLanguage=cobol", b"", key),
        ("GET", f"/templates/{WELCOME}", b"", unknown),
        ("HEAD", f"/templates/{WELCOME}?targetLanguage=html", b"", key),
    ]
    with running(hot) as (fast_server, _), running(plain) as (plain_server, _):
        fast = httpx.Client(base_url=url_of(fast_server), timeout=30)
        routed = httpx.Client(base_url=url_of(plain_server), timeout=30)
        for method, path, body, asked in requests:
            headers = {**asked, "Host": "api.example"}  # the same for both servers' links
            through_router = routed.request(method, path, content=body, headers=headers)
            answer = fast.request(method, path, content=body, headers=headers)
            assert (answer.status_code, headers_of(answer), answer.content) == (
                through_router.status_code,
                headers_of(through_router),
                through_router.content,
            ), (method, path)
    assert answer.status_code == 200
    # the router saw only what is not a render or a fetch: a trailing slash, another method
    assert routed_paths == [
        "/render/template/../../etc",
        f"{render}/",
        render,
        f"/templates/{WELCOME}",
    ]


def test_a_scope_whose_server_is_a_list_is_answered(root: Path) -> None:
    """ASGI lets a server give `server` as any iterable (Starlette's TestClient gives a list):
    the address a fetch's links are made from is kept by it all the same."""
    import asyncio

    app = create_app(Project(root), keys=None)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": f"/templates/{WELCOME}",
        "raw_path": f"/templates/{WELCOME}".encode(),
        "query_string": b"targetLanguage=html",
        "root_path": "",
        "headers": [],
        "client": ["127.0.0.1", 5000],
        "server": ["mail.example", 8080],
    }
    asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]
    assert sent[0]["status"] == 200
    answer = json.loads(sent[1]["body"])
    assert answer["url"] == f"http://mail.example:8080/templates/{WELCOME}"
