"""`tmplkit serve` under load, against the library's own render loop.

    python benchmarks/serve_load.py [--seconds 30] [--clients 20] [--workers 1] [--batch 1]

Copies sample_templates/ to a temporary directory, makes an API key (`tmplkit apikey create`)
and starts `python -m tmplkit serve --port 0 --rate-limit 0` on loopback (with `--workers N`
when `--workers` is more than 1): a real server process, as an operator runs it (no rate
limit, so that the clients measure the server and not the limit). Then `--clients` keep-alive
connections send requests for `--seconds`, each connection walking the same mix from its own
place in it:

- renders, 3 in 4: POST /render/template/{id} and POST /render/template/{id}/{languageId},
  every sample template in the source language and in fr-FR, de-DE, pl-PL, ja-JP, ar-EG, with
  the template's sample.json as the body (with `--batch N`, N recipients a request: POST
  /render/batch/template/…);
- template fetches, 1 in 4: GET /templates/{id}?targetLanguage=jinja and =liquid.

The clients are one thread of this process: a `selectors` loop over `--clients` non-blocking
HTTP/1.1 connections (TCP_NODELAY), each with at most one request in flight (no pipelining),
each request's bytes made once, each answer parsed as it arrives (status line, headers,
Content-Length bytes of body). httpx, or a thread a connection, costs the clients several
times the CPU, and on 2 cores they would take the server's. Every answer must be a 200 holding
exactly the bytes httpx got for the same request in the warm-up; any other answer and every
failed request (a reset or closed connection, which is then opened again, or no answer in 60 s)
is an error; there must be none (exit 1).
Both sides are warmed first (each request once, on 4 connections a worker when there are
several; each render once), so that the figures are those of a running server: cached compiles
and prepared renders.

The library renders the same templates, data and locales in this one process, on one thread,
for as long, twice: by a warm `tmplkit.Renderer(project).render(...)`, which prepared each
message once and never looks at the files again (the fastest a sending process can go, with no
HTTP and no freshness check), half of that time just before the load and half just after it
(the server idle: this host's speed drifts by ±10 % over minutes), and then by
`tmplkit.render(...)`, the library's one-call render, which reads the project's files on each
call as the server does (and, unlike the server, prepares the message again each time).
Prints the requests a second, the renders a second of the server (in the mix) and of each
library loop and the ratios (issue 16 asks for at least 0.5), the latency percentiles (p50,
p99), the server's peak resident memory and the CPU the server and the clients used (cores
busy: a server at 1.0 per core it can use is the bottleneck; on 2 cores, clients near 1.0 are
too).

The server is its process and all its descendants (its --workers), found through
/proc/PID/task/*/children at the start and at the end of the run: its peak resident memory is
the sum of their VmHWM (in /proc/PID/status, read before it stops), and the largest one's; its
CPU is theirs, with that of the children they reaped, from the end of the warm-up on.

On a 2-core machine the clients and the server share the CPU, as they would on one host; run it
on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import resource
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import tmplkit  # noqa: E402

LOCALES = [None, "fr-FR", "de-DE", "pl-PL", "ja-JP", "ar-EG"]
TARGETS = ["jinja", "liquid"]
ACCEPT = "application/vnd.dyspatch.2026.06+json"
SERVING_RE = re.compile(r"on http://127\.0\.0\.1:(\d+) ")


@dataclass(frozen=True)
class Job:
    """One request of the mix: a render (`option`: its locale) or a fetch (its target)."""

    kind: str  # "render" | "fetch"
    template: str
    option: str | None
    data: dict[str, Any] = field(hash=False, compare=False)
    batch: int = 1  # recipients a render request carries (> 1: tmplkit's batch render)

    @property
    def path(self) -> str:
        if self.kind == "fetch":
            return f"/templates/{self.template}?targetLanguage={self.option}"
        suffix = f"/{self.option}" if self.option else ""
        if self.batch > 1:
            return f"/render/batch/template/{self.template}{suffix}"
        return f"/render/template/{self.template}{suffix}"

    @property
    def body(self) -> bytes:
        data = {"recipients": [self.data] * self.batch} if self.batch > 1 else self.data
        return json.dumps(data).encode("utf-8")


def mix(project: tmplkit.Project, batch: int = 1) -> list[Job]:
    """The requests, 3 renders to each fetch, interleaved."""
    renders: list[Job] = []
    fetches: list[Job] = []
    for template in project.templates.list():
        data = project.templates.sample_data(template) or {}
        renders += [Job("render", template.id, locale, data, batch) for locale in LOCALES]
        fetches += [Job("fetch", template.id, target, {}) for target in TARGETS]
    jobs: list[Job] = []
    for i, fetch in enumerate(fetches):
        jobs += [*renders[3 * i : 3 * i + 3], fetch]
    return jobs


def tmplkit_command(root: Path, *args: str, **popen: Any) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("TMPLKIT_PROJECT", None)
    return subprocess.Popen(
        [sys.executable, "-m", "tmplkit", "--project", str(root), *args],
        env=env,
        text=True,
        **popen,
    )


def start_server(root: Path, workers: int = 1) -> tuple[subprocess.Popen[str], str, str]:
    """`tmplkit serve` on a free loopback port, with `workers` worker processes: the process,
    its URL and an API key."""
    made = tmplkit_command(root, "apikey", "create", "load test", stdout=subprocess.PIPE)
    out, _ = made.communicate(timeout=60)
    if made.returncode != 0:
        sys.exit("tmplkit apikey create failed")
    key = out.split()[0]
    server = tmplkit_command(
        root,
        *("serve", "--port", "0", "--rate-limit", "0"),
        *(("--workers", str(workers)) if workers > 1 else ()),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert server.stderr is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = server.stderr.readline()  # "serving the Dyspatch API for … on http://…:PORT (…"
        if not line:
            break
        match = SERVING_RE.search(line)
        if match:
            # Keep reading its stderr, so that a chatty server never blocks on a full pipe.
            threading.Thread(target=server.stderr.read, daemon=True).start()
            return server, f"http://127.0.0.1:{match.group(1)}", key
    server.kill()
    sys.exit("tmplkit serve did not start")


def process_tree(pid: int) -> list[int]:
    """The process and its descendants, by /proc/PID/task/*/children."""
    found = [pid]
    for tid in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            children = tid.read_text().split()
        except OSError:  # the thread ended meanwhile
            continue
        for child in children:
            found += process_tree(int(child))
    return found


def cpu_seconds(pid: int) -> float:
    """The CPU time (user + system) the process has used so far, with that of the children it
    reaped (so that the sum over a process tree only grows, whichever of them end)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(tick) for tick in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pids: list[int]) -> float:
    """The CPU time of these processes (each read if it still exists)."""
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError):  # it ended meanwhile
            total += cpu_seconds(pid)
    return total


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss_kib(pid: int) -> int:
    """VmHWM: the most resident memory the process has had, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmHWM for process {pid}")


def tree_peak_rss_kib(pids: list[int], peaks: dict[int, int]) -> None:
    """Each process's VmHWM into `peaks` (the highest seen), for those that still exist."""
    for pid in pids:
        with contextlib.suppress(OSError):  # it ended meanwhile
            peaks[pid] = max(peaks.get(pid, 0), peak_rss_kib(pid))


@dataclass
class Tally:
    """What the clients saw: each request's kind and latency, and the errors."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: {"render": [], "fetch": []})
    errors: list[str] = field(default_factory=list)


def send(client: httpx.Client, job: Job) -> httpx.Response:
    if job.kind == "fetch":
        return client.get(job.path)
    return client.post(job.path, content=job.body)


def request_bytes(host: str, port: int, key: str, job: Job) -> bytes:
    """The whole HTTP/1.1 request of a job, head and body."""
    method = "GET" if job.kind == "fetch" else "POST"
    body = b"" if job.kind == "fetch" else job.body
    head = (
        f"{method} {job.path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Authorization: Bearer {key}\r\nAccept: {ACCEPT}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("ascii") + body


TIMEOUT = 60.0  # seconds a request may wait for its whole answer
RECV_SIZE = 1 << 16
STATUS = re.compile(rb"HTTP/1\.[01] (\d{3}) ")
CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*(\d+)[ \t]*(?=\r\n|$)", re.IGNORECASE)


class ProtocolError(ValueError):
    """An answer that is not HTTP/1.1 with a Content-Length."""


class Connection:
    """One keep-alive HTTP/1.1 connection, non-blocking: at most one request in flight, its
    answer parsed as it arrives (status line, headers, then Content-Length bytes of body)."""

    def __init__(self, address: tuple[str, int], start: int) -> None:
        self.address = address
        self.next = start  # the place in the mix of the next job
        self.job: Job | None = None  # the job in flight
        self.place = 0  # its place in the mix
        self.began = 0.0  # when it was sent
        self.out = memoryview(b"")  # its bytes not yet sent
        self.buffer = bytearray()
        self.body_at = -1  # where the answer's body starts, once its head is in
        self.status = 0
        self.length = 0
        self.sock = self.connect()

    def connect(self) -> socket.socket:
        sock = socket.create_connection(self.address, timeout=TIMEOUT)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setblocking(False)
        return sock

    def reconnect(self) -> None:
        self.sock.close()
        self.buffer.clear()
        self.body_at = -1
        self.out = memoryview(b"")
        self.sock = self.connect()

    def start(self, job: Job, request: bytes) -> None:
        """Send a request, as much of it as the socket takes now."""
        self.job = job
        self.began = time.perf_counter()
        self.out = memoryview(request)
        self.write()

    def write(self) -> None:
        try:
            sent = self.sock.send(self.out)
        except BlockingIOError:
            return
        self.out = self.out[sent:]

    def read(self) -> tuple[int, bytes] | None:
        """What the socket has; the answer (status, body) once it is all in."""
        try:
            # 64 KiB at a time: recv(1 MiB) allocates its size, 17 µs a call here (an answer
            # is 2 to 12 KiB; a longer one comes in several calls)
            chunk = self.sock.recv(RECV_SIZE)
        except BlockingIOError:
            return None
        if not chunk:
            raise ConnectionError("the server closed the connection")
        if self.body_at < 0 and not self.buffer:  # the usual case: a whole answer in one read
            end = chunk.find(b"\r\n\r\n")
            if end >= 0:
                self.parse_head(chunk[:end])
                if len(chunk) == end + 4 + self.length:
                    return self.status, chunk[end + 4 :]
        searched = max(0, len(self.buffer) - 3)
        self.buffer += chunk
        if self.body_at < 0:
            end = self.buffer.find(b"\r\n\r\n", searched)
            if end < 0:
                return None
            self.parse_head(bytes(self.buffer[:end]))
            self.body_at = end + 4
        stop = self.body_at + self.length
        if len(self.buffer) < stop:
            return None
        body = bytes(self.buffer[self.body_at : stop])
        del self.buffer[:stop]
        self.body_at = -1
        return self.status, body

    def parse_head(self, head: bytes) -> None:
        status, length = STATUS.match(head), CONTENT_LENGTH.search(head)
        if status is None or length is None:
            raise ProtocolError(f"no status or no Content-Length: {head[:200]!r}")
        self.status, self.length = int(status.group(1)), int(length.group(1))

    def close(self) -> None:
        self.sock.close()


def drive(
    url: str, key: str, jobs: list[Job], clients: int, seconds: float, expected: dict[Job, bytes]
) -> tuple[Tally, float]:
    """`clients` connections, one thread, for `seconds`: requests until the stop time, each
    answer checked to be a 200 with the very bytes the warm-up got for that request. Everything
    they saw, and the time it took (the requests in flight at the stop time finished)."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    # by the job's place in the mix: hashing a Job (a dataclass) twice an answer cost the
    # clients 2 µs a request
    requests = [request_bytes(host, int(port), key, job) for job in jobs]
    answers = [expected[job] for job in jobs]
    tally = Tally()
    kinds = [tally.latencies[job.kind] for job in jobs]
    selector = selectors.DefaultSelector()
    connections = [Connection((host, int(port)), n * 7) for n in range(clients)]
    busy: set[Connection] = set(connections)  # those with a request in flight
    began = time.perf_counter()
    stop = began + seconds
    next_check = began + 1.0

    def send_next(connection: Connection) -> None:
        place = connection.next % len(jobs)
        connection.next += 1
        connection.place = place
        connection.start(jobs[place], requests[place])
        if connection.out:  # the rest when the socket takes it (registered for reading only)
            selector.modify(
                connection.sock, selectors.EVENT_READ | selectors.EVENT_WRITE, connection
            )

    def fail(connection: Connection, error: str) -> None:
        tally.errors.append(error)
        selector.unregister(connection.sock)
        connection.reconnect()
        selector.register(connection.sock, selectors.EVENT_READ, connection)

    try:
        for connection in connections:
            selector.register(connection.sock, selectors.EVENT_READ, connection)
            send_next(connection)
        while busy:
            for selected, mask in selector.select(timeout=1.0):
                connection = selected.data
                assert connection.job is not None
                job = connection.job
                try:
                    if mask & selectors.EVENT_WRITE and connection.out:
                        connection.write()
                        if not connection.out:
                            selector.modify(connection.sock, selectors.EVENT_READ, connection)
                    answer = connection.read() if mask & selectors.EVENT_READ else None
                except (OSError, ProtocolError) as exc:
                    fail(connection, f"{job.path}: {exc!r}")
                else:
                    if answer is None:
                        continue
                    took = time.perf_counter() - connection.began
                    status, body = answer
                    if status != 200 or body != answers[connection.place]:
                        tally.errors.append(f"{job.path}: {status} {body[:200]!r}")
                    else:
                        kinds[connection.place].append(took)
                if time.perf_counter() < stop:
                    send_next(connection)
                else:
                    connection.job = None
                    busy.discard(connection)
                    selector.unregister(connection.sock)
            now = time.perf_counter()
            if now < next_check:
                continue
            next_check = now + 1.0  # a second is soon enough to find a request 60 s late
            for connection in [c for c in busy if now - c.began > TIMEOUT]:
                assert connection.job is not None
                fail(connection, f"{connection.job.path}: no answer in {TIMEOUT:.0f} s")
                if now < stop:
                    send_next(connection)
                else:
                    busy.discard(connection)
                    selector.unregister(connection.sock)
        elapsed = time.perf_counter() - began
    finally:
        for connection in connections:
            connection.close()
        selector.close()
    return tally, elapsed


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) of `values`, in ms (nearest rank)."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered)) - 1))
    return ordered[rank] * 1000


def warm_up(url: str, key: str, jobs: list[Job], workers: int) -> dict[Job, bytes]:
    """Each request by httpx, on 4 connections a worker (the kernel gives each connection to
    one worker, by its address: 8 connections miss one of 2 workers once in 128 runs), so that
    every worker has compiled and prepared everything: each answer, which every client must
    get."""
    expected: dict[Job, bytes] = {}
    for _ in range(4 * workers if workers > 1 else 1):
        with httpx.Client(base_url=url, timeout=120) as warm:
            warm.headers.update({"Authorization": f"Bearer {key}", "Accept": ACCEPT})
            for job in jobs:
                response = send(warm, job)
                batch_error = job.batch > 1 and b'"error":{' in response.content
                if response.status_code != 200 or batch_error:
                    sys.exit(f"warm-up: {job.path}: {response.status_code} {response.text[:300]}")
                if expected.setdefault(job, response.content) != response.content:
                    sys.exit(f"warm-up: {job.path}: two workers answered differently")
    return expected


def library_loop(
    project: tmplkit.Project, jobs: list[Job], seconds: float, *, fresh: bool = False
) -> tuple[int, float]:
    """The same renders in this process, one thread: renders done, and the time. By a warm
    tmplkit.Renderer (prepared once, never looks at the files again), or with `fresh` by
    tmplkit.render, which reads the project's files on every call, as the server does."""
    renderer = tmplkit.Renderer(project)

    def render(job: Job) -> None:
        if fresh:
            tmplkit.render(job.template, job.data, project=project, locale=job.option)
        else:
            renderer.render(job.template, job.data, locale=job.option)

    renders = [job for job in jobs if job.kind == "render"]
    for job in renders:
        render(job)
    done = 0
    began = time.perf_counter()
    stop = began + seconds
    while time.perf_counter() < stop:
        render(renders[done % len(renders)])
        done += 1
    return done, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="the server's worker processes (tmplkit serve --workers N, passed when N > 1)",
    )
    parser.add_argument(
        "--batch",
        type=int,
        default=1,
        help="recipients per render request: 1, Dyspatch's render (the default); more, "
        "tmplkit's batch render (POST /render/batch/template/…)",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="tmplkit-serve-load-") as tmp:
        root = Path(tmp) / "sample"
        shutil.copytree(ROOT / "sample_templates", root, ignore=shutil.ignore_patterns(".tmplkit"))
        project = tmplkit.open_project(root)
        jobs = mix(project, args.batch)
        server, url, key = start_server(root, args.workers)
        try:
            expected = warm_up(url, key, jobs, args.workers)
            # The library's loop runs half before the load and half after it (the server idle
            # meanwhile): this host's speed drifts by ±10 % over minutes, and both halves
            # bracket the load in time.
            library_before = library_loop(project, jobs, args.seconds / 2)
            first = process_tree(server.pid)
            before, ours = tree_cpu_seconds(first), own_cpu_seconds()
            each_before = {pid: tree_cpu_seconds([pid]) for pid in first}
            peaks: dict[int, int] = {}
            tree_peak_rss_kib(first, peaks)
            tally, elapsed = drive(url, key, jobs, args.clients, args.seconds, expected)
            last = process_tree(server.pid)
            busy = (tree_cpu_seconds(last) - before) / elapsed
            each_busy = [
                (tree_cpu_seconds([pid]) - each_before[pid]) / elapsed
                for pid in first
                if pid in last
            ]
            clients_busy = (own_cpu_seconds() - ours) / elapsed
            tree_peak_rss_kib(last, peaks)
            library_after = library_loop(project, jobs, args.seconds / 2)
        finally:
            server.send_signal(signal.SIGINT)  # Ctrl-C: it stops as an operator stops it
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        library_renders = library_before[0] + library_after[0]
        library_elapsed = library_before[1] + library_after[1]
        fresh_renders, fresh_elapsed = library_loop(project, jobs, args.seconds, fresh=True)

    renders = tally.latencies["render"]
    fetches = tally.latencies["fetch"]
    everything = renders + fetches
    requests = len(everything) + len(tally.errors)
    server_rate = len(renders) * args.batch / elapsed
    library_rate = library_renders / library_elapsed
    ratio = server_rate / library_rate
    machine = platform.processor() or platform.machine()
    print(f"machine: {machine}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    how = f"{args.batch} recipients a render request" if args.batch > 1 else "one a request"
    workers = f"{args.workers} worker{'s' if args.workers != 1 else ''}"
    print(
        f"tmplkit serve, {workers}: {args.clients} clients for {elapsed:.1f} s, renders {how}; "
        f"{len(jobs)} requests in "
        f"the mix: {len(jobs) - len(TARGETS) * 4} renders (4 templates × {len(LOCALES)} "
        f"locales), {len(TARGETS) * 4} fetches ({', '.join(TARGETS)})"
    )
    print(
        f"  requests:     {requests:8d}   {requests / elapsed:8.1f}/s   errors: {len(tally.errors)}"
    )
    for name, values in (("renders", renders), ("fetches", fetches), ("all", everything)):
        if values:
            print(
                f"  {name + ':':13s} {len(values):8d}   {len(values) / elapsed:8.1f}/s   "
                f"p50 {percentile(values, 50):7.1f} ms   p99 {percentile(values, 99):7.1f} ms"
            )
    if args.batch > 1:
        print(
            f"  messages rendered by the server: {len(renders) * args.batch}, {server_rate:.1f}/s"
        )
    print(
        f"library loop: tmplkit.Renderer.render, 1 thread, {library_elapsed:.1f} s (half before "
        f"the load, half after): {library_renders} renders, {library_rate:.1f}/s "
        f"({library_before[0] / library_before[1]:.0f}/s, then "
        f"{library_after[0] / library_after[1]:.0f}/s)"
    )
    verdict = "ok" if ratio >= 0.5 else "BELOW the 0.5 the issue asks for"
    print(f"server renders/s ÷ library renders/s: {ratio:.2f}×  ({verdict})")
    fresh_rate = fresh_renders / fresh_elapsed
    fresh_ratio = server_rate / fresh_rate
    print(
        f"library loop reading the files each time: tmplkit.render, 1 thread, "
        f"{fresh_elapsed:.1f} s: {fresh_renders} renders, {fresh_rate:.1f}/s"
    )
    verdict = "ok" if fresh_ratio >= 0.5 else "BELOW the 0.5 the issue asks for"
    print(f"server renders/s ÷ tmplkit.render renders/s: {fresh_ratio:.2f}×  ({verdict})")
    processes = f"{len(peaks)} process{'es' if len(peaks) != 1 else ''}"
    print(
        f"server peak RSS (VmHWM), {processes}: {sum(peaks.values()) / 1024:.1f} MiB in all, "
        f"the largest one {max(peaks.values()) / 1024:.1f} MiB"
    )
    print(
        f"CPU, cores busy: the server ({processes}) {busy:.2f}, "
        f"the clients (this process, one thread) {clients_busy:.2f}"
        + (
            f"; each server process: {', '.join(f'{b:.2f}' for b in each_busy)}"
            if len(each_busy) > 1
            else ""
        )
    )
    for error in tally.errors[:10]:
        print(f"error: {error}", file=sys.stderr)
    if tally.errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
