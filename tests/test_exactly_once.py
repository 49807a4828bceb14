"""Exactly once, for real: 2, 3 and 5 `tmplkit send-batch` processes of one 1,000-recipient
batch running at once, to a webhook on loopback, the outbox, an SMTP server (aiosmtpd) and UIowa
Dispatch's adhoc API (a loopback server answering as Dispatch documents): every recipient gets
one message, whatever the interleaving. And the same with one of the runs killed (SIGKILL)
mid-way and run again: the runs still going take its work over, and only the messages it had
in flight when it died (the documented crash window) may reach a remote receiver twice, with
the same idempotency key; the outbox, which reads itself back, has none twice."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import add_settings
from tests.loopback import Loopback, Reply
from tests.smtp_server import Mailbox, serve
from tmplkit.handoff.journal import Journal

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

WELCOME = "acme-shop/account/welcome"
N = 1000
CONCURRENCY = 4
UIOWA_GROUP = 25  # members per POST: many groups in flight at once


# One message as its receiving side got it: the recipient's address, and what tells the
# message from another (its idempotency key where the system carries one, else the content).
Got = tuple[str, str]


@dataclass
class Target:
    """One adapter under test: what `--via` names, its environment, and a way to list every
    message its receiving side got, in order (duplicates included)."""

    via: str
    env: dict[str, str]
    got: Callable[[], list[Got]]
    # How many recipients one delivery in flight carries (a UIowa POST carries a group).
    group: int = 1
    reads_back: bool = False

    def received(self) -> list[str]:
        return [address for address, _ in self.got()]


def recipients(path: Path) -> Path:
    locales = ["fr-FR", "de-DE", None, "pl-PL"]
    with path.open("w", encoding="utf-8") as fh:
        for n in range(1, N + 1):
            record = {
                "user": {"first_name": f"R{n}", "email": f"r{n}@example.com"},
                "locale": locales[n % 4],
            }
            fh.write(json.dumps(record) + "\n")
    return path


ADDRESSES = [f"r{n}@example.com" for n in range(1, N + 1)]


@pytest.fixture(params=["webhook", "outbox", "smtp", "uiowa-dispatch"])
def target(request: pytest.FixtureRequest, sample_project: Path) -> Iterator[Target]:
    kind = request.param
    if kind == "webhook":
        # A receiver that takes its time, so that many deliveries are in flight at once.
        with Loopback(default=Reply(200, {"ok": True}, delay=0.002)) as server:
            add_settings(
                sample_project,
                f'[handoff.webhook]\nurl = "{server.url}/hook"\nretries = 2\nbackoff = 0.01\n',
            )
            yield Target(
                "webhook",
                {"TMPLKIT_WEBHOOK_SECRET": "whsec-5e0c1d"},
                lambda: [
                    (r.json()["recipient"]["address"], r.headers["idempotency-key"])
                    for r in server.received
                ],
            )
    elif kind == "outbox":
        outbox = sample_project / "out" / "outbox.jsonl"

        def lines() -> list[Got]:
            if not outbox.exists():
                return []
            # Only whole lines: one may be half-written while the runs go on.
            text = outbox.read_bytes().rpartition(b"\n")[0].decode("utf-8")
            envelopes = [json.loads(x) for x in text.splitlines() if x]
            return [(e["recipient"]["address"], e["idempotencyKey"]) for e in envelopes]

        add_settings(sample_project, '[handoff.outbox]\npath = "out/outbox.jsonl"\n')
        yield Target("outbox", {}, lines, reads_back=True)
    elif kind == "smtp":
        mailbox = Mailbox(delay=0.002)
        with serve(mailbox) as port:
            add_settings(
                sample_project,
                f'[handoff.smtp]\nhost = "127.0.0.1"\nport = {port}\nbackoff = 0\n',
            )
            yield Target(
                "smtp",
                {},
                lambda: [
                    (address, mailbox.message(n)["X-Tmplkit-Idempotency-Key"])
                    for n, e in enumerate(list(mailbox.received))
                    for address in e.rcpt_tos
                ],
            )
    else:
        with Loopback(default=Reply(200, "Successful response", delay=0.004)) as server:
            add_settings(
                sample_project,
                "[handoff.uiowa-dispatch]\n"
                f'base_url = "{server.url}/dispatch"\ncommunication = "7781"\n'
                f"batch_size = {UIOWA_GROUP}\nbackoff = 0.01\n",
            )

            def members() -> list[Got]:
                out = []
                for request in list(server.received):
                    assert request.path == "/dispatch/api/v1/communications/7781/adhocs"
                    assert request.headers["x-dispatch-api-key"] == "d3juGGzfHpBVtK1ZmrND"
                    out += [
                        (m["toAddress"], json.dumps(m, sort_keys=True))
                        for m in request.json()["members"]
                    ]
                return out

            yield Target(
                "uiowa-dispatch",
                {"UIOWA_DISPATCH_API_KEY": "d3juGGzfHpBVtK1ZmrND"},
                members,
                group=UIOWA_GROUP,
            )


@dataclass
class Runs:
    """`tmplkit send-batch` processes of one batch, started together."""

    root: Path
    file: Path
    target: Target
    env: dict[str, str]
    procs: list[subprocess.Popen[str]] = field(default_factory=list)

    def start(self) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tmplkit", "send-batch", WELCOME, "--recipients",
             str(self.file), "--via", self.target.via, "--to-field", "user.email",
             "--locale-field", "locale", "--concurrency", str(CONCURRENCY), "--json"],
            cwd=self.root, env={**self.env, **self.target.env}, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        self.procs.append(proc)
        return proc

    def finish(self, proc: subprocess.Popen[str]) -> tuple[int, dict[str, Any], str]:
        out, err = proc.communicate(timeout=240)
        return proc.returncode, json.loads(out) if out else {}, err

    def kill_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    def journal(self) -> list[dict[str, Any]]:
        with Journal(self.root / ".tmplkit" / "handoff.sqlite3") as journal:
            return journal.deliveries(self.target.via)


@pytest.fixture
def runs(
    target: Target, sample_project: Path, tmp_path: Path, python_env: dict[str, str]
) -> Iterator[Runs]:
    batch = Runs(sample_project, recipients(tmp_path / "r.jsonl"), target, python_env)
    try:
        yield batch
    finally:
        batch.kill_all()


def check_summary(summary: dict[str, Any]) -> None:
    """What one run says: every recipient counted once, as sent by it, skipped (sent by
    another run or before) or still in progress in another run; nothing failed."""
    assert summary["recipients"] == N
    assert summary["failed"] == 0, summary["failures"][:3]
    assert summary["accepted"] + summary["skipped"] + summary["elsewhere"] == N


def wait_until(done: Callable[[], bool], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


@pytest.mark.parametrize("count", [2, 3, 5])
def test_overlapping_runs_send_every_message_once(runs: Runs, count: int) -> None:
    procs = [runs.start() for _ in range(count)]
    results = [runs.finish(proc) for proc in procs]
    for code, summary, err in results:
        assert (code, err) == (0, ""), err
        check_summary(summary)
    received = runs.target.received()
    assert Counter(received) == Counter(ADDRESSES)  # each recipient once, no one twice
    # The runs shared the work: what they say they sent adds up to the batch, no more.
    assert sum(summary["accepted"] for _, summary, _ in results) == N
    rows = runs.journal()
    assert Counter(r["status"] for r in rows) == {"accepted": N}
    assert {r["attempts"] for r in rows} == {1}  # no message was ever claimed twice


def test_a_run_killed_mid_way_is_taken_over_and_rerun(runs: Runs) -> None:
    procs = [runs.start() for _ in range(3)]
    victim = procs[1]
    wait_until(lambda: len(runs.target.received()) >= N // 4)
    victim.send_signal(signal.SIGKILL)
    victim.wait(30)
    assert victim.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    for proc in (procs[0], procs[2]):
        code, summary, err = runs.finish(proc)
        assert (code, err) == (0, ""), err
        check_summary(summary)
    # The killed run, run again: whatever is left is sent now; then nothing is left.
    code, summary, err = runs.finish(runs.start())
    assert (code, err) == (0, ""), err
    check_summary(summary)
    rows = runs.journal()
    assert Counter(r["status"] for r in rows) == {"accepted": N}

    got = runs.target.got()
    received = Counter(address for address, _ in got)
    assert set(received) == set(ADDRESSES)  # every recipient got their message
    twice = {address for address, times in received.items() if times > 1}
    assert all(received[address] == 2 for address in twice)
    # A message that came twice came the same both times (the same idempotency key, or for
    # Dispatch's members the same member): a receiver that keeps keys acts on it once.
    assert len({(address, ident) for address, ident in got}) == N
    # Only a message the killed run had claimed and not recorded can come twice: a later
    # run took its claim over (attempts 2) and sent it again, with the same idempotency key.
    taken_over = {r["recipient"] for r in rows if r["attempts"] > 1}
    assert twice <= taken_over
    assert len(taken_over) <= CONCURRENCY * runs.target.group
    if runs.target.reads_back:
        assert twice == set()  # the outbox read itself back: nothing twice, ever
