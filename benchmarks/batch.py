"""Throughput and peak memory of `tmplkit render-batch`: local 1 and 2 workers, Dask with 2
workers on a local cluster, and the batch path's cost per recipient against the bare render loop.

    python benchmarks/batch.py --n 1000000 [--workers 1,2] [--dask-workers 2] [--part-size P]
                               [--repeat R] [--control] [--keep]

Writes N order-confirmation recipients (JSONL, in en-US, fr-FR and pl-PL, with 0 to 4 order
lines and varied names, counts and shipping) to a temporary directory, then runs
`python -m tmplkit render-batch … --out FILE --json` once per worker count, in a fresh process,
and once with `--engine dask --workers D` (a local Dask cluster: its scheduler, nannies and
worker processes are children of the command, so the process tree counts them).

The batch path's cost: in this process, on the first 20,000 recipients (best of 3), the whole
1-worker batch (reading the file, decoding each record, rendering, encoding the JSONL line,
writing the file) per recipient, divided by the bare loop `PreparedMessage.render(record)` on
the same records, decoded beforehand, with the messages prepared beforehand (goal: ≤ 1.5×).
While it runs, the script samples /proc ten times a second and sums the resident memory (RSS)
of the whole process tree: the command and every process below it (its workers and
multiprocessing's helper). Peak RSS is the largest such sum; PSS, which shares the pages of
shared libraries fairly between processes, is shown too.

Throughput is recipients per second of wall time, from starting the process to its exit (start-up,
reading, rendering, writing and the final fsync of the output file all count), and as the
command's own summary reports it (from its first chunk to its last). The CPU that other
processes used meanwhile is shown, and the steal time (CPU the hypervisor gave to other virtual
machines on the same host): on a shared machine, they are what makes two runs differ; with
--repeat, the worker counts take turns and the best run of each is compared. --control also
runs two independent 1-worker processes at once, on half the recipients each: their combined
throughput is what the machine gives two busy processes that never talk, the ceiling for 2
workers.

A script, not a test: it takes minutes for a million recipients and needs about 10 GB of disk
for the output (deleted after each run unless --keep).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PROJECT = REPO / "sample_templates"
SOURCE = "acme-shop/orders/order-confirmation"
LOCALES = ["en-US", "fr-FR", "pl-PL"]
PAGE = os.sysconf("SC_PAGE_SIZE")
TICKS = os.sysconf("SC_CLK_TCK")

FIRST_NAMES = ["Zoë & Léa", "Ann", "Jan", "Małgorzata", "François", "D'Arcy", "Ana <3", "Li Wei"]
PRODUCTS = [
    ("SCF-MER-GRY", "Merino Wool Scarf, Heather Grey", "49.00"),
    ("KIT-SP-OAK", "Salt & Pepper Mill Set <Oak>", "34.50"),
    ("MUG-STN-12", "Stoneware Mug, 12 oz", "19.99"),
    ("TEA-GRN-100", "Sencha Green Tea, 100 g", "12.00"),
    ("BAG-CNV-NAT", 'Canvas Tote "Natural"', "24.00"),
    ("CND-SOY-LAV", "Soy Candle, Lavender", "18.50"),
]
SHIPPING = ["express", "standard", "pickup"]


def recipients(path: Path, n: int) -> None:
    """N recipients, one JSON object a line, as order-confirmation's sample.json has them."""
    rng = random.Random(5)
    with path.open("w", encoding="utf-8", buffering=1 << 20) as fh:
        for i in range(n):
            lines: list[dict[str, Any]] = []
            count = 0
            for sku, name, price in rng.sample(PRODUCTS, rng.randint(0, 4)):
                quantity = rng.randint(1, 3)
                count += quantity
                lines.append({"sku": sku, "name": name, "quantity": quantity, "price": price})
            number = f"AC-{i:07d}"
            record = {
                "locale": LOCALES[i % 3],
                "customer": {
                    "first_name": FIRST_NAMES[i % len(FIRST_NAMES)],
                    "email": f"customer{i}@example.com",
                },
                "order": {
                    "number": number,
                    "placed_on": f"2026-10-{1 + i % 28:02d}",
                    "url": f"https://acme.example/account/orders/{number}",
                    "item_count": count,
                    "shipping": SHIPPING[i % 3],
                    "currency": "USD",
                    "lines": lines,
                    "shipping_cost": "12.00",
                    "total": f"{rng.randint(10, 400)}.{rng.randint(0, 99):02d}",
                },
                "unsubscribe_url": f"https://acme.example/email/unsubscribe?u={i:08x}&list=orders",
            }
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")


# --- watching the process tree ---------------------------------------------------------------


def tree(root: int) -> list[int]:
    """`root` and every process below it, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(b")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, ()))
    return out


def memory(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process in bytes; (0, 0) once it is gone."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as fh:
            rss = int(fh.read().split()[1]) * PAGE
        pss = 0
        with open(f"/proc/{pid}/smaps_rollup", "rb") as fh:
            for line in fh:
                if line.startswith(b"Pss:"):
                    pss = int(line.split()[1]) * 1024
                    break
        return rss, pss
    except (OSError, ValueError, IndexError):
        return 0, 0


class Sampler(threading.Thread):
    """Samples the tree's summed RSS and PSS every `interval` seconds until stopped."""

    def __init__(self, root: int, interval: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.interval = interval
        self.peak_rss = self.peak_pss = 0
        self.peak_processes = 0
        self.samples = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            pids = tree(self.root)
            rss = pss = 0
            for pid in pids:
                r, p = memory(pid)
                rss += r
                pss += p
            self.peak_rss = max(self.peak_rss, rss)
            self.peak_pss = max(self.peak_pss, pss)
            self.peak_processes = max(self.peak_processes, len(pids))
            self.samples += 1
            self.done.wait(self.interval)


def busy_ticks() -> tuple[int, int]:
    """(busy, steal) CPU ticks of the whole machine so far, from /proc/stat.

    Busy: user, nice, system, irq and softirq time of every process. Steal: time the
    hypervisor gave this virtual machine's CPUs to others (other machines on the same host).
    """
    with open("/proc/stat") as fh:
        fields = [int(x) for x in fh.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return user + nice + system + irq + softirq, steal


@dataclass
class Run:
    engine: str
    workers: int
    wall: float
    summary: dict[str, object]
    peak_rss: int
    peak_pss: int
    processes: int
    cpu: float  # CPU seconds of the tree
    others: float  # CPU seconds other processes used meanwhile
    steal: float  # CPU seconds the hypervisor took from this machine meanwhile
    output_bytes: int

    @property
    def rate(self) -> float:
        return float(self.summary["total"]) / self.wall  # type: ignore[arg-type]


def run_batch(
    recipients_file: Path, out: Path, workers: int, engine: str = "local", part_size: int = 0
) -> Run:
    cmd = [
        sys.executable,
        "-m",
        "tmplkit",
        "--project",
        str(PROJECT),
        "render-batch",
        SOURCE,
        "--recipients",
        str(recipients_file),
        "--locale-field",
        "locale",
        "--out",
        str(out),
        "--workers",
        str(workers),
        "--json",
    ]
    if engine == "dask":
        cmd += ["--engine", "dask"] + (["--part-size", str(part_size)] if part_size else [])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "src"), env.get("PYTHONPATH")]))
    busy0, steal0 = busy_ticks()
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env
    )
    sampler = Sampler(proc.pid)
    sampler.start()
    # wait4 gives the CPU time of the process and of the descendants it waited for.
    stdout_data: list[bytes] = []
    reader = threading.Thread(target=lambda: stdout_data.append(proc.stdout.read()))  # type: ignore[union-attr]
    reader.start()
    stderr = proc.stderr.read()  # type: ignore[union-attr]
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    reader.join()
    sampler.done.set()
    sampler.join()
    busy1, steal1 = busy_ticks()
    cpu = usage.ru_utime + usage.ru_stime
    if proc.returncode != 0:
        sys.exit(f"render-batch failed ({proc.returncode}):\n{stderr.decode()[-2000:]}")
    summary = json.loads(stdout_data[0])
    return Run(
        engine,
        workers,
        wall,
        summary,
        sampler.peak_rss,
        sampler.peak_pss,
        sampler.peak_processes,
        cpu,
        max(0.0, (busy1 - busy0) / TICKS - cpu),
        (steal1 - steal0) / TICKS,
        out.stat().st_size,
    )


def control(path: Path, tmp: Path, n: int) -> tuple[float, list[Run]]:
    """Two independent 1-worker batches at once, on half the recipients each.

    No process talks to another: their combined throughput is what this machine gives two
    busy processes, the most that 2 workers could reach.
    """
    halves = [tmp / "half-1.jsonl", tmp / "half-2.jsonl"]
    with path.open("rb") as src, halves[0].open("wb") as a, halves[1].open("wb") as b:
        for i, line in enumerate(src):
            (a if i < n // 2 else b).write(line)
    runs: list[Run | None] = [None, None]

    def one(i: int) -> None:
        runs[i] = run_batch(halves[i], tmp / f"out-half-{i + 1}.jsonl", 1)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done = [r for r in runs if r is not None]
    for half in halves:
        half.unlink()
    for i in range(2):
        (tmp / f"out-half-{i + 1}.jsonl").unlink(missing_ok=True)
    return n / max(r.wall for r in done), done


def path_cost(path: Path, tmp: Path, n: int = 20_000, repeat: int = 3) -> tuple[float, float]:
    """(batch path, bare render loop) in seconds per recipient, best of `repeat`, on the first
    `n` recipients, in this process: see the module's docstring."""
    sys.path.insert(0, str(REPO / "src"))
    from tmplkit.batch import open_output, render_batch, report_batch
    from tmplkit.pipeline import resolve
    from tmplkit.rendering import Renderer
    from tmplkit.store import Project

    sample = tmp / "path-cost.jsonl"
    with path.open("rb") as src, sample.open("wb") as dst:
        for i, line in enumerate(src):
            if i >= n:
                break
            dst.write(line)
    project = Project(PROJECT)
    sources = resolve(SOURCE, project, None)
    records = [json.loads(line) for line in sample.read_bytes().splitlines()]
    renderer = Renderer(project)
    messages = {loc: renderer.prepare_sources(sources, locale=loc) for loc in LOCALES}
    out = tmp / "path-cost-out.jsonl"

    def batch() -> float:
        start = time.perf_counter()
        run = render_batch(sources, str(sample), locale_field="locale", jsonl=True)
        with run, open_output(str(out)) as output, open(os.devnull, "w") as err:
            report_batch(run, output.stream, err, path=output.path, progress=False)
        return time.perf_counter() - start

    def bare() -> float:
        start = time.perf_counter()
        for record in records:
            messages[record["locale"]].render(record)
        return time.perf_counter() - start

    batch(), bare()  # warm: imports, Babel's data, the prepared messages
    best_batch = min(batch() for _ in range(repeat))
    best_bare = min(bare() for _ in range(repeat))
    out.unlink()
    sample.unlink()
    return best_batch / len(records), best_bare / len(records)


def _rate(run: Run) -> float:
    """Messages per second as the command's summary reports it."""
    return float(run.summary["messagesPerSecond"])  # type: ignore[arg-type]


def machine() -> list[str]:
    mem = ""
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB RAM"
    cpu = platform.processor() or platform.machine()
    with open("/proc/cpuinfo") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return [
        f"machine: {os.cpu_count()} CPUs ({cpu}), {mem}, {platform.system()} {platform.release()}",
        f"python:  {platform.python_implementation()} {platform.python_version()}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="recipients (default 1000000)")
    parser.add_argument("--workers", default="1,2", help="worker counts to run (default 1,2)")
    parser.add_argument(
        "--repeat", type=int, default=1, help="run each worker count R times; compare the best"
    )
    parser.add_argument(
        "--control",
        action="store_true",
        help="also run two independent 1-worker processes at once, half the recipients each",
    )
    parser.add_argument(
        "--dask-workers", type=int, default=2, help="workers of the local Dask cluster (0: none)"
    )
    parser.add_argument(
        "--part-size", type=int, default=0, help="--part-size for Dask (default: tmplkit's)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    counts = [int(w) for w in args.workers.split(",")]
    configs = [("local", w) for w in counts]
    if args.dask_workers:
        configs.append(("dask", args.dask_workers))

    for line in machine():
        print(line)
    tmp = Path(tempfile.mkdtemp(prefix="tmplkit-batch-"))
    try:
        path = tmp / "recipients.jsonl"
        t = time.perf_counter()
        recipients(path, args.n)
        size = path.stat().st_size
        print(
            f"input:   {args.n:,} recipients, {size / 1e6:,.0f} MB JSONL "
            f"(written in {time.perf_counter() - t:.0f} s): {tmp}"
        )
        print(f"command: python -m tmplkit render-batch {SOURCE} --recipients {path.name} "
              "--locale-field locale --out out.jsonl --workers W --json")  # fmt: skip
        print()
        header = (
            f"{'engine':>6}  {'workers':>7}  {'wall s':>8}  {'msg/s wall':>10}  {'msg/s run':>9}  "
            f"{'peak RSS':>9}  {'peak PSS':>9}  {'procs':>5}  {'CPU s':>7}  {'others CPU s':>12}"
            f"  {'steal s':>7}"
        )
        print(header)
        runs: list[Run] = []
        for _ in range(args.repeat):
            for engine, workers in configs:
                out = tmp / f"out-{engine}-{workers}.jsonl"
                r = run_batch(path, out, workers, engine, args.part_size)
                runs.append(r)
                print(
                    f"{engine:>6}  {workers:>7}  {r.wall:>8.1f}  {r.rate:>10,.0f}  "
                    f"{_rate(r):>9,.0f}  "
                    f"{r.peak_rss / 2**20:>6,.0f} MB  {r.peak_pss / 2**20:>6,.0f} MB  "
                    f"{r.processes:>5}  {r.cpu:>7.1f}  {r.others:>12.1f}  {r.steal:>7.1f}",
                    flush=True,
                )
                if not args.keep:
                    out.unlink()
        print()
        best = {
            c: max((r for r in runs if (r.engine, r.workers) == c), key=lambda r: r.rate)
            for c in configs
        }
        first = best[configs[0]]
        print(
            f"output: {first.output_bytes / 1e9:.2f} GB JSONL; "
            f"rendered {first.summary['rendered']:,}, failed {first.summary['failed']}, "
            f"per locale {first.summary['locales']}"
        )
        label = "best of each" if args.repeat > 1 else "runs"
        for engine, w in configs[1:]:
            r = best[(engine, w)]
            print(
                f"throughput {engine} {w} workers / local {first.workers} worker ({label}): "
                f"{r.rate / first.rate:.2f}x (wall), {_rate(r) / _rate(first):.2f}x (run)"
            )
        print(f"peak RSS of the process tree: {max(r.peak_rss for r in runs) / 2**20:,.0f} MB")
        batch_cost, bare_cost = path_cost(path, tmp)
        print(
            f"batch path: {batch_cost * 1e6:.0f} us per recipient (read, decode, render, encode, "
            f"write; 1 worker, in process) / bare PreparedMessage.render loop "
            f"{bare_cost * 1e6:.0f} us = {batch_cost / bare_cost:.2f}x (goal <= 1.5x)"
        )
        if args.control:
            rate, pair = control(path, tmp, args.n)
            walls = " and ".join(f"{r.wall:.1f} s" for r in pair)
            print(
                f"control: two independent 1-worker processes at once, half the recipients each "
                f"({walls}): {rate:,.0f} msg/s = {rate / first.rate:.2f}x the best 1-worker run"
            )
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
