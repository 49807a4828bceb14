"""render-batch and send-batch on a real Dask cluster (distributed's LocalCluster: a scheduler
and worker processes on loopback), against the local engine.

render-batch: 6,000 order confirmations in three locales with two bad records give the local
engine's bytes, exit code and error lines, as one file or as part files with a manifest; a
worker killed at the start of a task (SIGKILL, from a worker plugin) changes nothing; each
worker process prepares each locale once. send-batch: every message reaches the outbox and a
webhook on loopback once, also when a worker is killed mid-part and the batch is run again.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from distributed import Client, LocalCluster, WorkerPlugin

from tests.conftest import REPO, add_settings
from tests.loopback import Loopback, Reply
from tmplkit.handoff.journal import Journal
from tmplkit.handoff.outbox import read_outbox

ORDER = "acme-shop/orders/order-confirmation"
WELCOME = "acme-shop/account/welcome"
N = 6000
LOCALES = ["en-US", "fr-FR", "pl-PL"]
BAD_JSON = 3001  # the line of a record that is not JSON
BAD_LOCALE = 4500  # the line of a record whose locale is a number
WEBHOOK_SECRET = "whsec-5e0c1d"


@pytest.fixture(scope="module")
def cluster() -> Iterator[Client]:
    """Two worker processes (one thread each) and their scheduler, for the tests that give
    `--scheduler`: the test can reach the workers (to kill one) while the command runs."""
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=logging.CRITICAL,
            # Credentials come from the workers' environment, as an operator sets it.
            env={"TMPLKIT_WEBHOOK_SECRET": WEBHOOK_SECRET},
        ) as local,
        Client(local) as client,
    ):
        yield client


def orders(path: Path) -> Path:
    """N order confirmations, shaped like the template's sample.json, in three locales."""
    sample = json.loads(
        (
            REPO / "sample_templates/workspaces/acme-shop/orders/order-confirmation/sample.json"
        ).read_text(encoding="utf-8")
    )
    with path.open("w", encoding="utf-8") as fh:
        for n in range(1, N + 1):
            if n == BAD_JSON:
                fh.write('{"locale": "fr-FR", "customer": \n')
                continue
            record = json.loads(json.dumps(sample))
            record["locale"] = 7 if n == BAD_LOCALE else LOCALES[n % 3]
            record["customer"]["first_name"] = f"Zoë #{n}"
            record["order"]["number"] = f"AC-{n:06d}"
            record["order"]["lines"] = record["order"]["lines"][: n % 4]
            record["order"]["item_count"] = n % 4
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def tmplkit(
    env: dict[str, str], cwd: Path, *args: str | os.PathLike[str]
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tmplkit", *map(os.fspath, args)],
        cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=240,
    )  # fmt: skip


def counts(summary: dict[str, Any]) -> dict[str, Any]:
    """A render-batch summary without what differs from run to run (time, the engine)."""
    return {
        k: v
        for k, v in summary.items()
        if k not in ("elapsedSeconds", "messagesPerSecond", "engine")
    }


ERRORS = [
    f"error: orders.jsonl:{BAD_JSON}: invalid JSON: Expecting value (column 32)",
    f"error: orders.jsonl:{BAD_LOCALE}: locale field 'locale' must be a string, not a number",
]


@pytest.fixture
def batch(sample_project: Path, python_env: dict[str, str]) -> dict[str, Any]:
    """The recipients in the sample project, and the local engine's output for them."""
    orders(sample_project / "orders.jsonl")
    local = tmplkit(
        python_env, sample_project, "render-batch", ORDER, "--recipients", "orders.jsonl",
        "--locale-field", "locale", "--out", "local.jsonl", "--json",
    )  # fmt: skip
    assert local.returncode == 1, local.stderr
    assert local.stderr.splitlines() == ERRORS
    summary = json.loads(local.stdout)
    assert (summary["total"], summary["failed"]) == (N, 2)
    return {"bytes": (sample_project / "local.jsonl").read_bytes(), "summary": summary}


def check_prepared(engine: dict[str, Any], workers: int) -> None:
    """Each worker process prepared each locale it rendered once, and all three were."""
    assert engine["workers"] == workers
    prepared = engine["prepared"]
    assert prepared, engine
    for worker, locales in prepared.items():
        assert set(locales.values()) == {1}, (worker, locales)
    assert set().union(*prepared.values()) == set(LOCALES)


def test_a_local_cluster_renders_the_local_engines_bytes(
    sample_project: Path, python_env: dict[str, str], batch: dict[str, Any]
) -> None:
    result = tmplkit(
        python_env, sample_project, "render-batch", ORDER, "--recipients", "orders.jsonl",
        "--locale-field", "locale", "--out", "dask.jsonl", "--json",
        "--engine", "dask", "--workers", "2", "--part-size", "500",
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.splitlines() == ERRORS
    assert (sample_project / "dask.jsonl").read_bytes() == batch["bytes"]
    summary = json.loads(result.stdout)
    assert counts(summary) == counts(batch["summary"])
    assert summary["engine"]["parts"] == 12
    check_prepared(summary["engine"], 2)


def test_part_files_and_a_manifest_hold_the_same_bytes(
    sample_project: Path, python_env: dict[str, str], batch: dict[str, Any]
) -> None:
    out = sample_project / "parts"

    def run(size: str) -> subprocess.CompletedProcess[str]:
        return tmplkit(
            python_env, sample_project, "render-batch", ORDER, "--recipients", "orders.jsonl",
            "--locale-field", "locale", "--engine", "dask", "--workers", "2",
            "--part-size", size, "--out-dir", "parts",
        )  # fmt: skip

    result = run("500")
    assert result.returncode == 1
    assert result.stderr.splitlines()[:2] == ERRORS
    assert result.stderr.splitlines()[-1].endswith("12 parts on 2 workers; parts and "
                                                   "manifest.json in parts")  # fmt: skip
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    files = [part["file"] for part in manifest["parts"]]
    assert files == [f"part-{i:05d}.jsonl" for i in range(12)]
    joined = b"".join((out / name).read_bytes() for name in files)
    assert joined == batch["bytes"]
    assert [p["bytes"] for p in manifest["parts"]] == [len((out / f).read_bytes()) for f in files]
    assert counts(manifest["summary"]) == counts(batch["summary"])
    assert (manifest["source"], manifest["recipients"]) == (ORDER, "orders.jsonl")
    assert manifest["templateId"].startswith("tem_")

    # Again with bigger parts: the earlier run's extra parts go, the new ones add up the same.
    assert run("2500").returncode == 1
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(p.name for p in out.iterdir()) == [
        "manifest.json", "part-00000.jsonl", "part-00001.jsonl", "part-00002.jsonl",
    ]  # fmt: skip
    assert b"".join((out / p["file"]).read_bytes() for p in manifest["parts"]) == batch["bytes"]


def test_an_output_directory_with_other_files_is_refused(
    sample_project: Path, python_env: dict[str, str]
) -> None:
    orders(sample_project / "orders.jsonl")
    (sample_project / "parts").mkdir()
    (sample_project / "parts" / "notes.txt").write_text("mine\n", encoding="utf-8")
    result = tmplkit(
        python_env, sample_project, "render-batch", ORDER, "--recipients", "orders.jsonl",
        "--engine", "dask", "--out-dir", "parts",
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr == (
        "error: parts holds other files than a batch's parts (e.g. notes.txt): give an empty "
        "or new directory\n"
    )
    assert sorted(p.name for p in (sample_project / "parts").iterdir()) == ["notes.txt"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--out-dir", "parts"], "--out-dir needs --engine dask"),
        (["--scheduler", "tcp://127.0.0.1:1"], "--scheduler needs --engine dask"),
        (["--part-size", "10"], "--part-size needs --engine dask"),
        (["--engine", "dask", "--out", "x.jsonl", "--out-dir", "p"],
         "--out and --out-dir cannot go together"),
    ],
)  # fmt: skip
def test_dask_options_without_the_dask_engine_are_usage_errors(
    sample_project: Path, python_env: dict[str, str], args: list[str], message: str
) -> None:
    result = tmplkit(
        python_env, sample_project, "render-batch", ORDER, "--recipients", "none.jsonl", *args
    )
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == f"Error: {message}"
    assert not (sample_project / "parts").exists()


def test_an_unreachable_scheduler_is_one_line(
    sample_project: Path, python_env: dict[str, str]
) -> None:
    orders(sample_project / "orders.jsonl")
    started = time.monotonic()
    result = tmplkit(
        python_env, sample_project, "render-batch", ORDER, "--recipients", "orders.jsonl",
        "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9", "--out", "x.jsonl",
    )  # fmt: skip
    assert result.returncode == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: cannot reach the Dask scheduler at tcp://127.0.0.1:9: ")
    assert not (sample_project / "x.jsonl").exists()
    assert time.monotonic() - started < 60


class KillOnce(WorkerPlugin):
    """Kills its worker process (SIGKILL) when the first task starts there, once for the whole
    cluster: the marker file says it was done. Dask restarts the worker and runs the task
    again elsewhere."""

    name = "tmplkit-kill-once"

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def transition(self, key: Any, start: str, finish: str, **kwargs: Any) -> None:
        if finish != "executing":
            return
        try:
            fd = os.open(self.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        os.kill(os.getpid(), signal.SIGKILL)


def test_a_worker_killed_mid_batch_changes_no_byte(
    sample_project: Path,
    python_env: dict[str, str],
    batch: dict[str, Any],
    cluster: Client,
    tmp_path: Path,
) -> None:
    marker = tmp_path / "killed"
    cluster.register_plugin(KillOnce(str(marker)))
    try:
        result = tmplkit(
            python_env, sample_project, "render-batch", ORDER, "--recipients", "orders.jsonl",
            "--locale-field", "locale", "--out", "dask.jsonl", "--json", "--engine", "dask",
            "--scheduler", cluster.scheduler.address, "--part-size", "500",
        )  # fmt: skip
    finally:
        cluster.unregister_worker_plugin(KillOnce.name)
    assert marker.exists(), "no worker was killed"
    victim = int(marker.read_text())
    assert result.returncode == 1
    assert result.stderr.splitlines() == ERRORS
    assert (sample_project / "dask.jsonl").read_bytes() == batch["bytes"]
    summary = json.loads(result.stdout)
    assert counts(summary) == counts(batch["summary"])
    # The killed worker never finished a part; the one Dask started instead prepared anew.
    assert not any(w.endswith(f":{victim}") for w in summary["engine"]["prepared"])
    for locales in summary["engine"]["prepared"].values():
        assert set(locales.values()) == {1}


# --- send-batch ------------------------------------------------------------------------------

SEND_N = 1000
ADDRESSES = [f"r{n}@example.com" for n in range(1, SEND_N + 1)]


def welcome(path: Path) -> Path:
    locales = ["fr-FR", "de-DE", None, "pl-PL"]
    with path.open("w", encoding="utf-8") as fh:
        for n in range(1, SEND_N + 1):
            record = {"user": {"first_name": f"R{n}", "email": f"r{n}@example.com"},
                      "locale": locales[n % 4]}  # fmt: skip
            fh.write(json.dumps(record) + "\n")
    return path


class Receiver:
    """Where messages go (`via`), its environment, and what its receiving side got: one
    (address, idempotency key) per message received, duplicates included."""

    def __init__(self, via: str, env: dict[str, str], got: Callable[[], list[tuple[str, str]]]):
        self.via = via
        self.env = env
        self.got = got


@pytest.fixture(params=["outbox", "webhook"])
def receiver(request: pytest.FixtureRequest, sample_project: Path) -> Iterator[Receiver]:
    if request.param == "outbox":
        outbox = sample_project / "out" / "outbox.jsonl"

        def lines() -> list[tuple[str, str]]:
            # as a consumer reads it (tmplkit's read_outbox): a worker killed mid-write (SIGKILL
            # stops a write() of a line longer than a page part-way) leaves a torn line, which
            # is skipped; the next append starts on a line of its own
            if not outbox.exists():
                return []
            return [(e.recipient.address, e.idempotency_key) for e in read_outbox(outbox)]

        add_settings(sample_project, '[handoff.outbox]\npath = "out/outbox.jsonl"\n')
        yield Receiver("outbox", {}, lines)
        return
    with Loopback(default=Reply(200, {"ok": True}, delay=0.004)) as server:
        add_settings(
            sample_project,
            f'[handoff.webhook]\nurl = "{server.url}/hook"\nretries = 2\nbackoff = 0.01\n',
        )
        yield Receiver(
            "webhook",
            {"TMPLKIT_WEBHOOK_SECRET": WEBHOOK_SECRET},
            lambda: [
                (r.json()["recipient"]["address"], r.headers["idempotency-key"])
                for r in server.received
            ],
        )


def send(receiver: Receiver, root: Path, env: dict[str, str], *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tmplkit", "send-batch", WELCOME, "--recipients", "w.jsonl",
         "--via", receiver.via, "--to-field", "user.email", "--locale-field", "locale",
         "--concurrency", "4", "--engine", "dask", "--part-size", "250", "--json", *extra],
        cwd=root, env={**env, **receiver.env}, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def finish(proc: subprocess.Popen[str]) -> dict[str, Any]:
    out, err = proc.communicate(timeout=240)
    assert (proc.returncode, err) == (0, ""), err
    summary: dict[str, Any] = json.loads(out)
    assert summary["recipients"] == SEND_N
    assert summary["failed"] == 0, summary["failures"][:3]
    return summary


def journal_rows(root: Path, via: str) -> list[dict[str, Any]]:
    with Journal(root / ".tmplkit" / "handoff.sqlite3") as journal:
        return journal.deliveries(via)


def test_send_batch_on_a_local_cluster_sends_each_message_once(
    receiver: Receiver, sample_project: Path, python_env: dict[str, str]
) -> None:
    welcome(sample_project / "w.jsonl")
    summary = finish(send(receiver, sample_project, python_env, "--workers", "2"))
    assert summary["accepted"] == SEND_N
    assert summary["engine"]["parts"] == 4
    got = receiver.got()
    assert Counter(address for address, _ in got) == Counter(ADDRESSES)
    # The parts' journals were merged into the project's: a local run finds everything sent.
    rows = journal_rows(sample_project, receiver.via)
    assert Counter(r["status"] for r in rows) == {"accepted": SEND_N}
    parts = sorted((sample_project / ".tmplkit" / "handoff-parts").glob("*/part-*.sqlite3"))
    assert [p.name for p in parts] == [f"part-{i:05d}.sqlite3" for i in range(4)]
    local = subprocess.run(
        [sys.executable, "-m", "tmplkit", "send-batch", WELCOME, "--recipients", "w.jsonl",
         "--via", receiver.via, "--to-field", "user.email", "--locale-field", "locale", "--json"],
        cwd=sample_project, env={**python_env, **receiver.env}, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert local.returncode == 0, local.stderr
    assert json.loads(local.stdout)["skipped"] == SEND_N
    assert len(receiver.got()) == len(got)


def test_a_worker_killed_mid_send_and_the_batch_run_again_sends_each_message_once(
    receiver: Receiver, sample_project: Path, python_env: dict[str, str], cluster: Client
) -> None:
    welcome(sample_project / "w.jsonl")
    address = cluster.scheduler.address
    pids = cluster.run(os.getpid)
    proc = send(receiver, sample_project, python_env, "--scheduler", address)
    deadline = time.monotonic() + 120
    while len(receiver.got()) < SEND_N // 4:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)
    victim = sorted(pids.values())[0]
    os.kill(victim, signal.SIGKILL)
    first = finish(proc)
    assert len(receiver.got()) < 2 * SEND_N
    # The task of the killed worker ran again: it found what the dead one had sent.
    assert first["accepted"] + first["skipped"] == SEND_N
    assert first["skipped"] > 0
    assert not any(w.endswith(f":{victim}") for w in first["engine"]["prepared"])

    again = finish(send(receiver, sample_project, python_env, "--scheduler", address))
    assert again["skipped"] == SEND_N

    got = receiver.got()
    received = Counter(address for address, _ in got)
    assert set(received) == set(ADDRESSES)
    # A message that came twice came with the same idempotency key both times (the crash
    # window: in flight when its worker died), so a receiver that keeps keys acts on it once.
    assert len(set(got)) == SEND_N
    twice = {a for a, times in received.items() if times > 1}
    assert len(twice) <= 4  # at most what one task had in flight (--concurrency 4)
    if receiver.via == "outbox":
        assert twice == set()  # the outbox is read back: nothing twice, ever
    rows = journal_rows(sample_project, receiver.via)
    assert Counter(r["status"] for r in rows) == {"accepted": SEND_N}
