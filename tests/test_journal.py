"""The hand-off journal's claims: one run wins a message, a live run's claim is left to it, a
dead run's (its process gone, a zombie, a reused pid, or from another machine a lease run
out) is taken over; the crash window settled by reading the outbox back, and documented
for the others (the same idempotency key again); a journal that lost its outbox's messages
refused, rebuilt from the outbox; `tmplkit handoff journal show|rebuild`."""

from __future__ import annotations

import io
import json
import os
import re
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import tmplkit
from tests.conftest import Result, add_settings
from tests.loopback import Loopback
from tmplkit.handoff import Envelope, Recipient
from tmplkit.handoff.base import Receipt
from tmplkit.handoff.journal import Journal, process_alive, process_start
from tmplkit.handoff.send import RecipientFields, journal_path, send, send_batch

WELCOME = "acme-shop/account/welcome"
SECRET = "whsec-5e0c1d"


def envelope(n: int) -> Envelope:
    return Envelope(
        channel="email",
        recipient=Recipient(address=f"r{n}@example.com"),
        subject=f"Hello {n}",
        text=f"Hi {n}",
        sender="Acme <no-reply@acme.example>",
    )


# --- processes ---------------------------------------------------------------------------------


def test_a_process_is_alive_while_it_runs_and_not_as_a_zombie() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"],
                            stdin=subprocess.PIPE)  # fmt: skip
    started = process_start(proc.pid)
    assert started is not None
    assert process_alive(proc.pid, started)
    assert not process_alive(proc.pid, str(int(started) + 1))  # the pid reused by another
    assert proc.stdin is not None
    proc.stdin.close()  # it ends; not reaped yet, it is a zombie: gone all the same
    deadline = time.monotonic() + 10
    while process_start(proc.pid) is not None:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert not process_alive(proc.pid, started)
    proc.wait()
    assert not process_alive(proc.pid, started)


# --- claims ------------------------------------------------------------------------------------


def test_one_run_wins_a_message_and_the_other_leaves_it(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    with Journal(path) as a, Journal(path) as b, a.run("a") as run_a, b.run("b") as run_b:
        one, two = envelope(1), envelope(2)
        assert [c.state for c in a.claim("webhook", [one], run_a)] == ["claimed"]
        (claim,) = b.claim("webhook", [one, two], run_b)[:1]
        assert claim.state == "busy"
        assert claim.holder is not None and claim.holder.command == "a"
        assert b.claim("webhook", [two], run_b)[0].state == "busy"  # b claimed it just now
        assert a.claim("webhook", [two], run_a)[0].state == "busy"
        a.finish("webhook", Receipt(one.idempotency_key, True), run_a)
        assert b.claim("webhook", [one], run_b)[0].state == "accepted"
        # b's failure is recorded over b's own claim, never over another run's
        a.finish("webhook", Receipt(two.idempotency_key, False, error="HTTP 500"), run_a)
        assert a.status("webhook", two.idempotency_key) == "pending"
        b.finish("webhook", Receipt(two.idempotency_key, False, error="HTTP 500"), run_b)
        assert a.status("webhook", two.idempotency_key) == "failed"
        assert [c.state for c in a.claim("webhook", [two], run_a)] == ["claimed"]
        # per adapter: the same message through another adapter is another claim
        assert [c.state for c in b.claim("outbox", [one], run_b)] == ["claimed"]
        assert {r.command for r in a.runs()} == {"a", "b"}


def hold(path: Path, count: int, python_env: dict[str, str], *, machine: str = "") -> None:
    """A real process that registers a run, claims messages 1..count and dies (SIGKILL)
    before it records anything: its claims stay pending, its run row stays. `machine`: the
    process says it runs on another machine."""
    code = textwrap.dedent(f"""
        import os, signal, sys
        sys.path.insert(0, {str(Path(__file__).parent.parent)!r})
        from tests.test_journal import envelope
        from tmplkit.handoff.journal import Journal
        journal = Journal({str(path)!r})
        if {machine!r}:
            journal.machine = {machine!r}
        with journal.run("holder") as run:
            journal.claim("webhook", [envelope(n) for n in range(1, {count} + 1)], run)
            os.kill(os.getpid(), signal.SIGKILL)
    """)
    proc = subprocess.run([sys.executable, "-c", code], env=python_env, capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert proc.returncode == -9, proc.stderr


def test_a_claim_of_a_run_that_died_is_taken_over(
    tmp_path: Path, python_env: dict[str, str]
) -> None:
    path = tmp_path / "j.sqlite3"
    hold(path, 2, python_env)
    with Journal(path) as journal, journal.run("this") as run:
        assert [r.command for r in journal.runs()] == ["this"]  # the holder is not alive
        claims = journal.claim("webhook", [envelope(1), envelope(2), envelope(3)], run)
        assert [c.state for c in claims] == ["taken-over", "taken-over", "claimed"]
        rows = {r["recipient"]: r["attempts"] for r in journal.deliveries("webhook")}
        assert rows == {"r1@example.com": 2, "r2@example.com": 2, "r3@example.com": 1}


def test_a_run_on_another_machine_holds_its_claims_for_the_lease(
    tmp_path: Path, python_env: dict[str, str]
) -> None:
    path = tmp_path / "j.sqlite3"
    hold(path, 1, python_env, machine="host-b/boot/4026531836")
    # Its process cannot be seen from here: only its lease says whether it is alive.
    with Journal(path, lease=1.0) as journal, journal.run() as run:
        (claim,) = journal.claim("webhook", [envelope(1)], run)
        assert claim.state == "busy"
        assert claim.holder is not None and claim.holder.machine == "host-b/boot/4026531836"
        time.sleep(1.2)  # no heartbeat came: the lease ran out
        assert [c.state for c in journal.claim("webhook", [envelope(1)], run)] == ["taken-over"]


def test_a_live_run_renews_its_lease(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    with Journal(path, lease=0.3) as a, a.run() as run_a:
        a.claim("webhook", [envelope(1)], run_a)
        first = a.runs()[0].heartbeat
        time.sleep(0.5)
        assert a.runs()[0].heartbeat > first
        with Journal(path, lease=0.3) as b, b.run() as run_b:
            b.machine = "another-host"  # sees run a as another machine's run: by its lease
            assert b.claim("webhook", [envelope(1)], run_b)[0].state == "busy"


def test_a_journal_from_before_claims_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    db = sqlite3.connect(path)
    db.executescript("""
        CREATE TABLE deliveries (adapter TEXT NOT NULL, key TEXT NOT NULL, status TEXT NOT NULL,
            recipient TEXT, channel TEXT, batch TEXT, line INTEGER, remote_id TEXT, error TEXT,
            transient INTEGER, attempts INTEGER NOT NULL DEFAULT 0, updated REAL NOT NULL,
            PRIMARY KEY (adapter, key));
    """)
    one, two = envelope(1), envelope(2)
    db.execute("INSERT INTO deliveries (adapter, key, status, attempts, updated) VALUES "
               "('webhook', ?, 'accepted', 1, 0), ('webhook', ?, 'pending', 1, 0)",
               (one.idempotency_key, two.idempotency_key))  # fmt: skip
    db.commit()
    db.close()
    with Journal(path) as journal, journal.run() as run:
        assert [c.state for c in journal.claim("webhook", [one, two], run)] == [
            "accepted",
            "taken-over",  # pending in an old journal: no run holds it any more
        ]


# --- the crash window, through send-batch ---------------------------------------------------


def recipients(path: Path, count: int) -> Path:
    path.write_text(
        "".join(
            json.dumps({"user": {"first_name": f"R{n}", "email": f"r{n}@example.com"}}) + "\n"
            for n in range(1, count + 1)
        ),
        "utf-8",
    )
    return path


def die_after_delivery(
    root: Path, file: Path, via: str, at: int, python_env: dict[str, str], patch: str
) -> None:
    """Run send_batch in a real process that kills itself (SIGKILL) right after the `at`-th
    message was delivered, before the journal records it: the crash window, made to happen.
    `patch` is the adapter method (module.Class.method) to wrap."""
    module, cls, method = patch.rsplit(".", 2)
    code = textwrap.dedent(f"""
        import importlib, os, signal
        import tmplkit
        from tmplkit.handoff.send import RecipientFields, send_batch
        owner = getattr(importlib.import_module({module!r}), {cls!r})
        original = getattr(owner, {method!r})
        done = []
        def deliver(self, envelope):
            receipt = original(self, envelope)
            done.append(envelope)
            if len(done) == {at}:
                os.kill(os.getpid(), signal.SIGKILL)
            return receipt
        setattr(owner, {method!r}, deliver)
        send_batch({WELCOME!r}, {str(file)!r}, project=tmplkit.open_project({str(root)!r}),
                   via={via!r}, fields=RecipientFields(address="user.email"), concurrency=1)
    """)
    proc = subprocess.run([sys.executable, "-c", code], env={**python_env, "TMPLKIT_WEBHOOK_SECRET": SECRET},
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert proc.returncode == -9, proc.stderr


def outbox_keys(root: Path) -> list[str]:
    lines = (root / ".tmplkit" / "outbox.jsonl").read_text("utf-8").splitlines()
    return [json.loads(line)["idempotencyKey"] for line in lines]


def test_the_outbox_settles_the_crash_window_by_reading_itself_back(
    sample_project: Path, tmp_path: Path, python_env: dict[str, str]
) -> None:
    file = recipients(tmp_path / "r.jsonl", 6)
    die_after_delivery(sample_project, file, "outbox", 3, python_env,
                       "tmplkit.handoff.outbox.OutboxAdapter.deliver")  # fmt: skip
    assert len(outbox_keys(sample_project)) == 3  # the third line is there, not recorded
    with Journal(sample_project / ".tmplkit" / "handoff.sqlite3") as journal:
        assert Counter(r["status"] for r in journal.deliveries()) == {"accepted": 2, "pending": 1}
    outcomes: list[str] = []
    summary = send_batch(WELCOME, file, project=tmplkit.open_project(sample_project),
                         fields=RecipientFields(address="user.email"),
                         on_outcome=lambda o: outcomes.append(o.status))  # fmt: skip
    assert (summary.accepted, summary.skipped, summary.failed) == (3, 3, 0)
    keys = outbox_keys(sample_project)
    assert len(keys) == len(set(keys)) == 6  # the third was found in the outbox: not again
    with Journal(sample_project / ".tmplkit" / "handoff.sqlite3") as journal:
        assert Counter(r["status"] for r in journal.deliveries()) == {"accepted": 6}


def test_a_remote_receiver_gets_the_crash_windows_message_again_with_its_key(
    sample_project: Path, tmp_path: Path, python_env: dict[str, str]
) -> None:
    file = recipients(tmp_path / "r.jsonl", 6)
    with Loopback() as server:
        add_settings(sample_project, f'[handoff.webhook]\nurl = "{server.url}/hook"\n')
        die_after_delivery(sample_project, file, "webhook", 3, python_env,
                           "tmplkit.handoff.webhook.WebhookAdapter.deliver")  # fmt: skip
        assert len(server.received) == 3
        third = server.received[2].headers["idempotency-key"]
        summary = send_batch(WELCOME, file, project=tmplkit.open_project(sample_project),
                             via="webhook", fields=RecipientFields(address="user.email"),
                             env={"TMPLKIT_WEBHOOK_SECRET": SECRET})  # fmt: skip
        assert (summary.accepted, summary.skipped, summary.failed) == (4, 2, 0)
        keys = [r.headers["idempotency-key"] for r in server.received]
    # The webhook cannot be asked what it got: the third message goes again, with the same
    # Idempotency-Key, for the receiver to drop (docs/handoff.md, the crash window).
    assert len(keys) == 7 and len(set(keys)) == 6
    assert Counter(keys)[third] == 2


def test_send_waits_for_a_message_another_run_is_sending(sample_project: Path) -> None:
    project = tmplkit.open_project(sample_project)
    data = {"user": {"first_name": "Ann"}}
    # The key `send` will use, from a dry run; then another run claims that message first.
    key = send(WELCOME, "ann@example.com", project=project, data=data, dry_run=io.StringIO()).key
    same = Envelope(channel="email", recipient=Recipient(address="ann@example.com"),
                    idempotency_key=key)  # fmt: skip
    receipts: list[Receipt] = []
    with Journal(journal_path(project)) as other, other.run("other") as run:
        assert other.claim("outbox", [same], run)[0].state == "claimed"
        thread = threading.Thread(
            target=lambda: receipts.append(
                send(WELCOME, "ann@example.com", project=project, data=data)
            )
        )
        thread.start()
        time.sleep(0.5)
        assert thread.is_alive()  # waiting for the other run's answer
        other.finish("outbox", Receipt(key, True, remote_id="elsewhere"), run)
        thread.join(10)
    assert [(r.key, r.skipped) for r in receipts] == [(key, True)]
    assert not (sample_project / ".tmplkit" / "outbox.jsonl").exists()  # never sent from here


def test_send_batch_leaves_what_a_live_run_holds_and_says_so(
    sample_project: Path, tmp_path: Path, run: Callable[..., Result]
) -> None:
    file = recipients(tmp_path / "r.jsonl", 3)
    add_settings(sample_project, "[handoff]\nlease = 0.5\n")  # a run waits that long at its end
    project = tmplkit.open_project(sample_project)
    key = send(WELCOME, "r2@example.com", project=project, dry_run=io.StringIO(),
               data={"user": {"first_name": "R2", "email": "r2@example.com"}}).key  # fmt: skip
    same = Envelope(channel="email", recipient=Recipient(address="r2@example.com"),
                    idempotency_key=key)  # fmt: skip
    with Journal(journal_path(project)) as other, other.run("send-batch r.jsonl") as held:
        other.claim("outbox", [same], held)
        result = run("send-batch", WELCOME, "--recipients", file, "--to-field", "user.email",
                     cwd=sample_project)  # fmt: skip
        shown = run("handoff", "journal", "show", cwd=sample_project)
    assert result.code == 0
    assert result.err == (
        f"note: {file}:2: r2@example.com: in progress in another run (pid {os.getpid()})\n"
    )
    assert re.fullmatch(
        r"3 recipients via outbox: 2 accepted, 0 failed, 0 skipped \(already sent\), "
        r"1 in progress elsewhere in \d+\.\d\d s\n",
        result.out,
    )
    assert len(outbox_keys(sample_project)) == 2
    assert shown.out == (
        "journal .tmplkit/handoff.sqlite3\n"
        "ADAPTER  ACCEPTED  PENDING  FAILED\n"
        "outbox   2         1        0\n"
        f"in progress: pid {os.getpid()}: tmplkit send-batch r.jsonl\n"
    )


# --- a lost journal ------------------------------------------------------------------------------


def test_a_journal_deleted_under_an_outbox_is_refused_then_rebuilt(
    sample_project: Path, tmp_path: Path, run: Callable[..., Result]
) -> None:
    file = recipients(tmp_path / "r.jsonl", 4)
    args = ("send-batch", WELCOME, "--recipients", file, "--to-field", "user.email")
    assert run(*args, cwd=sample_project).code == 0
    (sample_project / ".tmplkit" / "handoff.sqlite3").unlink()
    for extra in ("-wal", "-shm"):
        (sample_project / ".tmplkit" / f"handoff.sqlite3{extra}").unlink(missing_ok=True)
    result = run(*args, cwd=sample_project)
    assert (result.code, result.out) == (1, "")
    assert result.err == (
        "error: the journal .tmplkit/handoff.sqlite3 has no record of the messages already in "
        "the outbox .tmplkit/outbox.jsonl (was it deleted?) (hint: `tmplkit handoff journal "
        "rebuild --via outbox` records them as sent; then run the same command again)\n"
    )
    assert len(outbox_keys(sample_project)) == 4  # nothing sent again
    result = run("handoff", "journal", "rebuild", "--via", "outbox", cwd=sample_project)
    assert (result.code, result.err) == (0, "")
    assert result.out == (
        ".tmplkit/handoff.sqlite3: 4 messages of the outbox .tmplkit/outbox.jsonl: 4 recorded, "
        "0 settled (were pending or failed), 0 already recorded\n"
    )
    result = run(*args, cwd=sample_project)
    assert result.code == 0
    assert result.out.startswith("4 recipients via outbox: 0 accepted, 0 failed, 4 skipped")
    assert len(outbox_keys(sample_project)) == 4
    result = run("handoff", "journal", "show", cwd=sample_project)
    assert result.out == (
        "journal .tmplkit/handoff.sqlite3\n"
        "ADAPTER  ACCEPTED  PENDING  FAILED\n"
        "outbox   4         0        0\n"
    )


def test_a_maildir_outbox_is_read_back_too(sample_project: Path, tmp_path: Path,
                                          run: Callable[..., Result]) -> None:  # fmt: skip
    add_settings(sample_project, '[handoff.outbox]\nformat = "maildir"\npath = "mail"\n')
    file = recipients(tmp_path / "r.jsonl", 3)
    args = ("send-batch", WELCOME, "--recipients", file, "--to-field", "user.email")
    assert run(*args, cwd=sample_project).code == 0
    with Journal(sample_project / ".tmplkit" / "handoff.sqlite3") as journal:
        sent = {r["key"]: r["remote_id"] for r in journal.deliveries("outbox")}
    (sample_project / ".tmplkit" / "handoff.sqlite3").unlink()
    assert run(*args, cwd=sample_project).code == 1  # refused: the maildir holds 3
    result = run("handoff", "journal", "rebuild", "--json", cwd=sample_project)
    assert json.loads(result.out) == {
        "adapter": "outbox", "from": "mail", "journal": ".tmplkit/handoff.sqlite3",
        "added": 3, "settled": 0, "known": 0,
    }  # fmt: skip
    with Journal(sample_project / ".tmplkit" / "handoff.sqlite3") as journal:
        rows = journal.deliveries("outbox")
    assert {r["key"]: r["remote_id"] for r in rows} == sent  # the file names, as sent
    assert sorted(r["recipient"] for r in rows) == [f"r{n}@example.com" for n in (1, 2, 3)]


def test_only_an_outbox_can_be_read_back(sample_project: Path, run: Callable[..., Result]) -> None:
    add_settings(sample_project, '[handoff.webhook]\nurl = "https://hooks.example.com/t"\n')
    result = run("handoff", "journal", "rebuild", "--via", "webhook", cwd=sample_project,
                 env={"TMPLKIT_WEBHOOK_SECRET": SECRET})  # fmt: skip
    assert (result.code, result.out) == (1, "")
    assert result.err == (
        "error: webhook cannot read back what it delivered (hint: only an outbox keeps what "
        "it delivered where tmplkit can read it)\n"
    )


def test_a_bad_lease_is_one_line(sample_project: Path, tmp_path: Path,
                                 run: Callable[..., Result]) -> None:  # fmt: skip
    add_settings(sample_project, '[handoff]\nlease = "long"\n')
    file = recipients(tmp_path / "r.jsonl", 1)
    result = run("send-batch", WELCOME, "--recipients", file, "--to-field", "user.email",
                 cwd=sample_project)  # fmt: skip
    assert (result.code, result.out) == (1, "")
    assert result.err == "error: [handoff]: lease must be a number of seconds above 0, not 'long'\n"
    assert not (sample_project / ".tmplkit" / "outbox.jsonl").exists()
