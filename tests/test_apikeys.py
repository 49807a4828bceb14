"""API keys (`tmplkit apikey`, server/keys.py), the per-key rate limit (server/limits.py), and
`tmplkit serve` up to the point where it serves (the HTTP API is tests/test_server*.py's)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import tmplkit
from tests.conftest import ProjectEnv, Result
from tests.live_server import serve_process
from tmplkit.errors import ProjectError
from tmplkit.model import new_id
from tmplkit.server import keys as keys_module
from tmplkit.server.keys import KeyStore, timestamp
from tmplkit.server.limits import UNLIMITED, Decision, RateLimiter

Run = Callable[..., Result]

SECRET_RE = re.compile(r"^tk_[A-Za-z0-9_-]{43}$")
KEY_ID_RE = re.compile(r"^key_[0-9a-z]{26}$")
NOT_SHOWN = "(store it now: it is not shown again)"
NOW = 1_767_225_600.0  # 2026-01-01T00:00:00Z


class Clock:
    """A clock that moves only when told (seconds since the epoch, or monotonic)."""

    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def key_file(root: Path) -> Path:
    return root / ".tmplkit" / "apikeys.json"


def records(root: Path) -> list[dict[str, object]]:
    document = json.loads(key_file(root).read_text("utf-8"))
    assert document["version"] == 1
    keys: list[dict[str, object]] = document["keys"]
    return keys


# --- apikey create / list / revoke -------------------------------------------------------------


def test_create_prints_the_key_alone_on_the_first_line_then_its_id(
    run: Run, project: ProjectEnv
) -> None:
    result = run("--project", project.root, "apikey", "create", "order service")
    assert (result.code, result.err) == (0, "")
    secret, second = result.out.splitlines()
    assert SECRET_RE.match(secret)
    (key,) = KeyStore(project.project).list()
    assert KEY_ID_RE.match(key.id)
    assert second == f"id: {key.id} label: order service  {NOT_SHOWN}"
    assert KeyStore(project.project).verify(secret) == key


def test_create_json_prints_id_key_and_label(run: Run, project: ProjectEnv) -> None:
    result = run("--project", project.root, "apikey", "create", "  ci  ", "--json")
    assert (result.code, result.err) == (0, "")
    data = json.loads(result.out)
    (key,) = KeyStore(project.project).list()
    assert data == {"id": key.id, "key": data["key"], "label": "ci"}
    assert SECRET_RE.match(data["key"])
    assert KeyStore(project.project).verify(data["key"]) == key


def test_list_shows_age_and_last_use(run: Run, project: ProjectEnv) -> None:
    now = time.time()
    old = KeyStore(project.project, clock=Clock(now - 3 * 86400 - 5))
    ci, _ = old.create("ci")
    old.clock = Clock(now - 5 * 60 - 5)
    old.touch(ci.id)
    fresh, _ = KeyStore(project.project, clock=Clock(now - 2 * 3600)).create("order service")
    new, _ = KeyStore(project.project, clock=Clock(now - 30)).create("new")
    KeyStore(project.project, clock=Clock(now - 20)).touch(new.id)
    result = run("--project", project.root, "apikey", "list")
    assert (result.code, result.err) == (0, "")
    assert result.out.splitlines() == [
        "ID                              LABEL          AGE             LAST USED",
        f"{ci.id}  ci             3 days          5 minutes ago",
        f"{fresh.id}  order service  2 hours         never",
        f"{new.id}  new            under a minute  just now",
    ]


def test_list_json_has_no_digest(run: Run, project: ProjectEnv) -> None:
    store = KeyStore(project.project, clock=Clock())
    ci, _ = store.create("ci")
    store.clock = Clock(NOW + 1)
    store.touch(ci.id)
    result = run("--project", project.root, "apikey", "list", "--json")
    assert (result.code, result.err) == (0, "")
    assert json.loads(result.out) == [
        {
            "id": ci.id,
            "label": "ci",
            "createdAt": "2026-01-01T00:00:00Z",
            "lastUsedAt": "2026-01-01T00:00:01Z",
        }
    ]


def test_list_without_keys_prints_nothing(run: Run, project: ProjectEnv) -> None:
    assert run("--project", project.root, "apikey", "list") == Result(0, "", "")
    assert run("--project", project.root, "apikey", "list", "--json") == Result(0, "[]\n", "")
    assert not key_file(project.root).exists()  # reading writes nothing


def test_revoke_deletes_the_key(run: Run, project: ProjectEnv) -> None:
    store = KeyStore(project.project)
    ci, ci_secret = store.create("ci")
    other, other_secret = store.create("order service")
    result = run("--project", project.root, "apikey", "revoke", ci.id)
    assert result == Result(0, f"revoked {ci.id} (ci)\n", "")
    assert store.list() == [other]
    assert store.verify(ci_secret) is None
    assert store.verify(other_secret) == other
    result = run("--project", project.root, "apikey", "revoke", other.id, "--json")
    assert (result.code, result.err) == (0, "")
    assert json.loads(result.out) == other.to_json()
    assert records(project.root) == []


def test_revoking_an_unknown_key_is_one_line(run: Run, project: ProjectEnv) -> None:
    KeyStore(project.project).create("ci")
    before = key_file(project.root).read_bytes()
    result = run("--project", project.root, "apikey", "revoke", "key_nope")
    assert result == Result(
        1, "", "error: no API key 'key_nope' (hint: `tmplkit apikey list` shows them)\n"
    )
    assert key_file(project.root).read_bytes() == before


@pytest.mark.parametrize(
    "label,message",
    [
        ("", "API key label is empty"),
        ("   ", "API key label is empty"),
        ("a\nb", "API key label 'a\\nb' is not one line of printable text"),
        ("tab\there", "API key label 'tab\\there' is not one line of printable text"),
        ("x" * 101, "API key label is longer than 100 characters"),
    ],
)
def test_a_bad_label_is_refused(run: Run, project: ProjectEnv, label: str, message: str) -> None:
    result = run("--project", project.root, "apikey", "create", label)
    hint = " (hint: say what the key is for: `ci`)" if "empty" in message else ""
    assert result == Result(1, "", f"error: {message}{hint}\n")
    assert not key_file(project.root).exists()


def test_a_label_of_100_characters_is_taken(run: Run, project: ProjectEnv) -> None:
    assert run("--project", project.root, "apikey", "create", "é" * 100).code == 0
    assert [k.label for k in KeyStore(project.project).list()] == ["é" * 100]


# --- the key file --------------------------------------------------------------------------


def test_the_file_holds_digests_never_secrets(project: ProjectEnv) -> None:
    store = KeyStore(project.project, clock=Clock())
    key, secret = store.create("ci")
    text = key_file(project.root).read_text("utf-8")
    assert secret not in text
    assert secret.removeprefix("tk_") not in text
    digest = hashlib.sha256(secret.encode()).hexdigest()
    assert records(project.root) == [
        {
            "id": key.id,
            "label": "ci",
            "createdAt": "2026-01-01T00:00:00Z",
            "lastUsedAt": None,
            "sha256": digest,
        }
    ]
    assert key.digest == digest


def test_the_file_is_readable_by_its_owner_only(project: ProjectEnv) -> None:
    store = KeyStore(project.project)
    store.create("ci")
    assert stat.S_IMODE(key_file(project.root).stat().st_mode) == 0o600
    key_file(project.root).chmod(0o644)  # loosened by hand: the next write tightens it
    store.create("order service")
    assert stat.S_IMODE(key_file(project.root).stat().st_mode) == 0o600


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_the_file_is_ignored_by_git(run: Run, tmp_path: Path) -> None:
    root = tmp_path / "p"
    assert run("init", root).code == 0
    assert run("--project", root, "apikey", "create", "ci").code == 0
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    ignored = subprocess.run(
        ["git", "-C", str(root), "check-ignore", "-q", ".tmplkit/apikeys.json"], check=False
    )
    assert ignored.returncode == 0
    status = subprocess.run(
        ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=all"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "apikeys" not in status.stdout


@pytest.mark.parametrize(
    "content,reason",
    [
        ("{", "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
        ("[]", 'not an object with a "keys" list'),
        ('{"keys": {}}', 'not an object with a "keys" list'),
        ('{"keys": [{"id": "key_x"}]}', "missing field 'label'"),
        (
            '{"keys": [{"id": "k", "label": "l", "createdAt": "yesterday", "sha256": "0"}]}',
            "time data 'yesterday' does not match format '%Y-%m-%dT%H:%M:%SZ'",
        ),
    ],
)
def test_a_malformed_file_is_one_line(
    run: Run, project: ProjectEnv, content: str, reason: str
) -> None:
    key_file(project.root).parent.mkdir(exist_ok=True)
    key_file(project.root).write_text(content, "utf-8")
    expected = (
        f"error: .tmplkit/apikeys.json: not a valid API key file: {reason} "
        "(hint: fix it, or delete it to revoke every key)\n"
    )
    for args in (["list"], ["create", "ci"], ["revoke", "key_x"]):
        assert run("--project", project.root, "apikey", *args) == Result(1, "", expected)
    assert run("--project", project.root, "serve") == Result(1, "", expected)
    assert key_file(project.root).read_text("utf-8") == content  # left as it was
    with pytest.raises(ProjectError):  # a server refuses every key until it is fixed
        KeyStore(project.project).verify("tk_" + "a" * 43)


# --- verify and touch, as the server calls them ----------------------------------------------


def test_a_revoke_elsewhere_is_seen_by_the_next_verify(project: ProjectEnv) -> None:
    server = KeyStore(project.project)
    assert server.verify("tk_" + "a" * 43) is None  # no file yet
    elsewhere = KeyStore(tmplkit.open_project(project.root))
    key, secret = elsewhere.create("ci")
    assert server.verify(secret) == key  # made after the server started
    assert server.verify(secret + "x") is None
    assert server.verify("not-a-key") is None
    elsewhere.revoke(key.id)
    assert server.verify(secret) is None
    key_file(project.root).unlink()
    assert server.verify(secret) is None


def test_verify_reads_the_file_only_when_it_changed(project: ProjectEnv) -> None:
    server = KeyStore(project.project)
    key, secret = server.create("ci")
    reads = 0
    read = server._read

    def counting() -> tuple[list[keys_module.ApiKey], keys_module.Signature | None]:
        nonlocal reads
        reads += 1
        return read()

    server._read = counting  # type: ignore[method-assign]
    for _ in range(100):
        assert server.verify(secret) == key
    assert reads == 1
    KeyStore(project.project).create("order service")
    assert server.verify(secret) == key
    assert reads == 2


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inotify is Linux's")
def test_verify_looks_at_the_file_only_after_tmplkit_changed(
    project: ProjectEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On Linux, inotify tells when .tmplkit/ changed: until then, no stat of the key file."""
    server = KeyStore(project.project)
    key, secret = server.create("ci")
    looked: list[str] = []
    real_stat = keys_module.os.stat

    def stat_(path: object, *args: object, **kwargs: object) -> os.stat_result:
        if str(path) == str(key_file(project.root)):
            looked.append(str(path))
        return real_stat(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(keys_module.os, "stat", stat_)
    for _ in range(100):
        assert server.verify(secret) == key
    assert len(looked) == 1  # the first request's
    revoke = ["--project", str(project.root), "apikey", "revoke", key.id]
    subprocess.run([sys.executable, "-m", "tmplkit", *revoke], check=True, capture_output=True)
    assert server.verify(secret) is None  # revoked by another process: refused at once
    assert len(looked) == 2
    assert server.verify(secret) is None
    assert len(looked) == 2


def test_touch_writes_the_last_use_at_most_once_a_minute(project: ProjectEnv) -> None:
    clock = Clock()
    store = KeyStore(project.project, clock=clock)
    key, _ = store.create("ci")
    other, _ = store.create("order service")

    def last_used() -> dict[object, object]:
        return {r["label"]: r["lastUsedAt"] for r in records(project.root)}

    clock.now = NOW + 10
    store.touch(key.id)
    assert last_used() == {"ci": "2026-01-01T00:00:10Z", "order service": None}
    written = key_file(project.root).stat().st_ino
    for second in range(11, 70):  # a request a second for a minute: no write
        clock.now = NOW + second
        store.touch(key.id)
    assert key_file(project.root).stat().st_ino == written
    store.touch(other.id)  # each key has its own minute
    assert last_used() == {"ci": "2026-01-01T00:00:10Z", "order service": "2026-01-01T00:01:09Z"}
    clock.now = NOW + 71
    store.touch(key.id)
    assert last_used() == {"ci": "2026-01-01T00:01:11Z", "order service": "2026-01-01T00:01:09Z"}
    clock.now = NOW + 80
    store.touch(key.id)  # not written: within the minute...
    assert last_used()["ci"] == "2026-01-01T00:01:11Z"
    store.flush()  # ...until the server stops
    assert last_used()["ci"] == "2026-01-01T00:01:20Z"


def test_touch_never_fails(project: ProjectEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    store = KeyStore(project.project, clock=clock)
    key, _ = store.create("ci")
    before = key_file(project.root).read_bytes()

    def full_disk(path: Path, data: str | bytes) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(keys_module, "atomic_write", full_disk)
    store.touch(key.id)  # nothing raised
    assert key_file(project.root).read_bytes() == before
    monkeypatch.undo()
    store.revoke(key.id)
    after = key_file(project.root).read_bytes()
    clock.now += 120
    store.touch(key.id)  # revoked meanwhile: nothing recorded
    assert key_file(project.root).read_bytes() == after
    key_file(project.root).write_text("{", "utf-8")
    clock.now += 120
    store.touch(key.id)  # a malformed file: nothing raised, nothing written
    assert key_file(project.root).read_text("utf-8") == "{"


def test_key_ids_are_unique_and_sort_by_creation() -> None:
    ids = [new_id("apikey", Clock(NOW + i)) for i in range(50)]
    assert all(KEY_ID_RE.match(i) for i in ids)
    assert ids == sorted(ids)
    assert len(set(ids)) == 50
    assert timestamp(NOW) == "2026-01-01T00:00:00Z"


# --- the rate limit ----------------------------------------------------------------------------


def test_a_key_may_spend_its_bucket_then_waits_for_the_refill() -> None:
    clock = Clock(0.0)
    limiter = RateLimiter(3, clock=clock)  # one request every 20 seconds
    assert [limiter.hit("k") for _ in range(4)] == [
        Decision(True, 2, 0),
        Decision(True, 1, 0),
        Decision(True, 0, 0),
        Decision(False, 0, 20),
    ]
    clock.now = 10.0
    assert limiter.hit("k") == Decision(False, 0, 10)
    clock.now = 19.5
    assert limiter.hit("k") == Decision(False, 0, 1)  # rounded up, never 0
    clock.now = 20.0
    assert limiter.hit("k") == Decision(True, 0, 0)
    clock.now = 3600.0  # refilled, up to the capacity only
    assert [limiter.hit("k").remaining for _ in range(3)] == [2, 1, 0]
    assert not limiter.hit("k").allowed


def test_the_default_allows_600_a_minute_in_a_burst() -> None:
    clock = Clock(0.0)
    limiter = RateLimiter(clock=clock)
    decisions = [limiter.hit("k") for _ in range(601)]
    assert [d.remaining for d in decisions[:3]] == [599, 598, 597]
    assert decisions[599] == Decision(True, 0, 0)
    assert decisions[600] == Decision(False, 0, 1)  # a tenth of a second, said as 1
    clock.now = 0.3  # three tenths: three more (0.1 + 0.2 is not 0.3 in floats)
    assert [limiter.hit("k").allowed for _ in range(4)] == [True, True, True, False]


def test_each_key_has_its_own_bucket() -> None:
    limiter = RateLimiter(2, clock=Clock(0.0))
    assert [limiter.hit("a").allowed for _ in range(3)] == [True, True, False]
    assert limiter.hit("b") == Decision(True, 1, 0)
    assert limiter.hit("a").allowed is False


def test_zero_is_no_limit() -> None:
    limiter = RateLimiter(0, clock=Clock(0.0))
    assert {limiter.hit("k") for _ in range(10_000)} == {Decision(True, UNLIMITED, 0)}
    with pytest.raises(ValueError, match="per_minute must be 0 \\(no limit\\) or more, not -1"):
        RateLimiter(-1)


def test_threads_hammering_one_key_get_no_more_than_the_capacity() -> None:
    limiter = RateLimiter(100, clock=Clock(0.0))
    allowed: list[int] = []
    start = threading.Barrier(8)

    def hammer() -> None:
        start.wait()
        allowed.append(sum(limiter.hit("k").allowed for _ in range(100)))

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(allowed) == 100


# --- serve ---------------------------------------------------------------------------------------


def test_serve_without_keys_refuses_to_start(run: Run, project: ProjectEnv) -> None:
    result = run("--project", project.root, "serve")
    assert result == Result(
        1, "", "error: no API keys: create one with `tmplkit apikey create LABEL`\n"
    )


def test_serve_on_a_port_in_use_is_one_line(project: ProjectEnv) -> None:
    KeyStore(project.project).create("ci")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = serve_process(project.root, "--port", str(port))
        try:
            out, err = proc.communicate(timeout=60)
        finally:
            proc.kill()
    assert (proc.returncode, out, err) == (
        1,
        "",
        f"error: cannot listen on 127.0.0.1:{port}: address already in use "
        "(hint: stop what uses it, or pass another --port)\n",
    )


def test_serve_answers_with_a_key_only_and_stops_on_ctrl_c(project: ProjectEnv) -> None:
    pytest.importorskip("tmplkit.server.app")
    import httpx

    _, secret = KeyStore(project.project).create("ci")
    KeyStore(project.project).create("order service")
    proc = serve_process(project.root, "--port", "0")
    try:
        assert proc.stderr is not None
        first = proc.stderr.readline()
        m = re.fullmatch(
            r"serving the Dyspatch API for p on http://127\.0\.0\.1:(\d+) "
            r"\(2 API keys; Ctrl-C stops\)\n",
            first,
        )
        assert m, first
        url = f"http://127.0.0.1:{m.group(1)}/templates"
        deadline = time.monotonic() + 30
        while True:  # the line comes just before uvicorn starts answering
            try:
                anonymous = httpx.get(url, timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.05)
        assert anonymous.status_code == 401
        authorized = httpx.get(url, headers={"Authorization": f"Bearer {secret}"}, timeout=30)
        assert authorized.status_code == 200
        assert authorized.json()["data"][0]["id"] == project.template.id
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            out, err = proc.communicate(timeout=30)
        finally:
            proc.kill()
    assert (proc.returncode, out, err) == (0, "", "stopped\n")
    assert records(project.root)[0]["lastUsedAt"] is not None  # touched


@pytest.mark.parametrize(
    "seconds,said",
    [
        (0, "under a minute"),
        (59.9, "under a minute"),
        (60, "1 minute"),
        (3599, "59 minutes"),
        (3600, "1 hour"),
        (86399, "23 hours"),
        (86400, "1 day"),
        (400 * 86400, "400 days"),
    ],
)
def test_durations_are_said_as_people_say_them(seconds: float, said: str) -> None:
    from tmplkit.cli.server import duration

    assert duration(seconds) == said


def test_serve_listens_on_a_tcp_socket_that_asyncio_sets_nodelay_on() -> None:
    """`serve` binds its own socket; made with protocol 0, asyncio leaves Nagle on for its
    connections and every answer waits for the client's delayed ACK (~40 ms a request)."""
    from tmplkit.cli.server import listen

    sock = listen("127.0.0.1", 0)
    try:
        assert (sock.family, sock.type, sock.proto) == (
            socket.AF_INET,
            socket.SOCK_STREAM,
            socket.IPPROTO_TCP,
        )
    finally:
        sock.close()
