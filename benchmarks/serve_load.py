"""`tmplkit serve` under load, against the library's own render loop.

    python benchmarks/serve_load.py [--seconds 30] [--clients 20]

Copies sample_templates/ to a temporary directory, makes an API key (`tmplkit apikey create`)
and starts `python -m tmplkit serve --port 0 --rate-limit 0` on loopback: a real server
process, as an operator runs it (no rate limit, so that the clients measure the server and not
the limit). Then `--clients` threads, each with its own keep-alive httpx.Client, send requests
for `--seconds`, each thread walking the same mix from its own place in it:

- renders, 3 in 4: POST /render/template/{id} and POST /render/template/{id}/{languageId},
  every sample template in the source language and in fr-FR, de-DE, pl-PL, ja-JP, ar-EG, with
  the template's sample.json as the body;
- template fetches, 1 in 4: GET /templates/{id}?targetLanguage=jinja and =liquid.

Each client is one keep-alive HTTP/1.1 connection written by hand (`RawClient`: httpx costs
the clients ten times the CPU, and on 2 cores they would take the server's). Every answer must
be a 200 holding exactly the bytes httpx got for the same request in the warm-up; any other
answer and every failed request is an error; there must be none (exit 1).
Both sides are warmed first (each request once, each render once), so that the figures are
those of a running server: cached compiles and prepared renders.

Then the library renders the same templates, data and locales in this one process, on one
thread, for as long, twice: by a warm `tmplkit.Renderer(project).render(...)`, which prepared
each message once and never looks at the files again (the fastest a sending process can go,
with no HTTP and no freshness check), and by `tmplkit.render(...)`, the library's one-call
render, which reads the project's files on each call as the server does (and, unlike the
server, prepares the message again each time). Prints the requests a second, the renders a
second of the server (in the mix) and of each library loop and the ratios (issue 16 asks for
at least 0.5), the latency percentiles (p50, p99), the server process's peak resident memory
(VmHWM in /proc/PID/status, read before it stops), and the CPU the server and the clients
used (cores busy: a server at 1.0 is the bottleneck; on 2 cores, clients near 1.0 are too).

On a 2-core machine the clients and the server share the CPU, as they would on one host; run it
on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
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


def start_server(root: Path) -> tuple[subprocess.Popen[str], str, str]:
    """`tmplkit serve` on a free loopback port: the process, its URL and an API key."""
    made = tmplkit_command(root, "apikey", "create", "load test", stdout=subprocess.PIPE)
    out, _ = made.communicate(timeout=60)
    if made.returncode != 0:
        sys.exit("tmplkit apikey create failed")
    key = out.split()[0]
    server = tmplkit_command(
        root,
        *("serve", "--port", "0", "--rate-limit", "0"),
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


def cpu_seconds(pid: int) -> float:
    """The CPU time (user + system) the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss_kib(pid: int) -> int:
    """VmHWM: the most resident memory the process has had, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmHWM for process {pid}")


@dataclass
class Tally:
    """What one client saw: each request's kind and latency, and the errors."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: {"render": [], "fetch": []})
    errors: list[str] = field(default_factory=list)


def send(client: httpx.Client, job: Job) -> httpx.Response:
    if job.kind == "fetch":
        return client.get(job.path)
    return client.post(job.path, content=job.body)


class RawClient:
    """One keep-alive HTTP/1.1 connection written by hand: each job's request bytes made once,
    each answer read whole (status line, headers, Content-Length bytes of body). A tenth of
    httpx's CPU a request, so that on a 2-core machine the clients leave the server its core."""

    def __init__(self, url: str, key: str, jobs: list[Job]) -> None:
        host, port = url.removeprefix("http://").rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=60)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        self.requests: dict[Job, bytes] = {}
        for job in jobs:
            method = "GET" if job.kind == "fetch" else "POST"
            body = b"" if job.kind == "fetch" else job.body
            head = (
                f"{method} {job.path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                f"Authorization: Bearer {key}\r\nAccept: {ACCEPT}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            )
            self.requests[job] = head.encode("ascii") + body

    def send(self, job: Job) -> tuple[int, bytes]:
        self.sock.sendall(self.requests[job])
        while b"\r\n\r\n" not in self.buffer:
            self.read()
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length = next(
            int(line.split(b":", 1)[1])
            for line in lines
            if line.lower().startswith(b"content-length:")
        )
        while len(self.buffer) < length:
            self.read()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return status, body

    def read(self) -> None:
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        self.buffer += chunk

    def close(self) -> None:
        self.sock.close()


def client_loop(
    url: str,
    key: str,
    jobs: list[Job],
    start: int,
    go: threading.Barrier,
    stop: list[float],
    expected: dict[Job, bytes],
) -> Tally:
    """One client: requests until the stop time, each answer checked to be a 200 with the
    very bytes the warm-up got for that request."""
    tally = Tally()
    client = RawClient(url, key, jobs)
    try:
        go.wait()
        i = start
        while time.perf_counter() < stop[0]:
            job = jobs[i % len(jobs)]
            i += 1
            began = time.perf_counter()
            try:
                status, body = client.send(job)
            except OSError as exc:
                tally.errors.append(f"{job.path}: {exc!r}")
                client.close()
                client = RawClient(url, key, jobs)
                continue
            took = time.perf_counter() - began
            if status != 200 or body != expected[job]:
                tally.errors.append(f"{job.path}: {status} {body[:200]!r}")
                continue
            tally.latencies[job.kind].append(took)
    finally:
        client.close()
    return tally


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) of `values`, in ms (nearest rank)."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered)) - 1))
    return ordered[rank] * 1000


def load(url: str, key: str, jobs: list[Job], clients: int, seconds: float) -> tuple[Tally, float]:
    """`clients` threads for `seconds`: everything they saw, and the time it took."""
    expected: dict[Job, bytes] = {}  # each request's answer, by httpx: what every client must get
    with httpx.Client(base_url=url, timeout=120) as warm:  # compile and prepare everything once
        warm.headers.update({"Authorization": f"Bearer {key}", "Accept": ACCEPT})
        for job in jobs:
            response = send(warm, job)
            if response.status_code != 200 or (job.batch > 1 and b'"error":{' in response.content):
                sys.exit(f"warm-up: {job.path}: {response.status_code} {response.text[:300]}")
            expected[job] = response.content
    go = threading.Barrier(clients + 1)
    stop = [float("inf")]
    tallies: list[Tally] = []
    lock = threading.Lock()

    def run(n: int) -> None:
        tally = client_loop(url, key, jobs, n * 7, go, stop, expected)
        with lock:
            tallies.append(tally)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    go.wait()
    began = time.perf_counter()
    stop[0] = began + seconds
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    total = Tally()
    for tally in tallies:
        for kind, values in tally.latencies.items():
            total.latencies[kind] += values
        total.errors += tally.errors
    return total, elapsed


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
        server, url, key = start_server(root)
        try:
            before, ours = cpu_seconds(server.pid), own_cpu_seconds()
            tally, elapsed = load(url, key, jobs, args.clients, args.seconds)
            busy = (cpu_seconds(server.pid) - before) / elapsed  # (the warm-up included)
            clients_busy = (own_cpu_seconds() - ours) / elapsed
            rss = peak_rss_kib(server.pid)
        finally:
            server.send_signal(signal.SIGINT)  # Ctrl-C: it stops as an operator stops it
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        library_renders, library_elapsed = library_loop(project, jobs, args.seconds)
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
    print(
        f"tmplkit serve: {args.clients} clients for {elapsed:.1f} s, renders {how}; "
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
        f"library loop: tmplkit.Renderer.render, 1 thread, {library_elapsed:.1f} s: "
        f"{library_renders} renders, {library_rate:.1f}/s"
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
    print(f"server peak RSS (VmHWM): {rss / 1024:.1f} MiB")
    print(f"CPU, cores busy: the server {busy:.2f}, the clients (this process) {clients_busy:.2f}")
    for error in tally.errors[:10]:
        print(f"error: {error}", file=sys.stderr)
    if tally.errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
