"""Sending: `send` and `send-batch` (library and CLI) through the outbox and the webhook adapter
to a real server on loopback, with the journal: skips, failures, retries, dry runs, and batches
killed (SIGKILL) or interrupted (SIGINT) half-way and run again — every message delivered
exactly once, as counted on the server."""

from __future__ import annotations

import io
import json
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import tmplkit
from tests.conftest import Result
from tests.loopback import Loopback, Reply
from tmplkit.errors import DeliveryError, HandoffError
from tmplkit.handoff import available
from tmplkit.handoff.base import Adapter, Context, Receipt
from tmplkit.handoff.envelope import Envelope, Recipient
from tmplkit.handoff.journal import Journal
from tmplkit.handoff.outbox import read_outbox
from tmplkit.handoff.send import (
    Outcome,
    RecipientFields,
    SendInterrupted,
    parse_recipient,
    recipient_from_record,
    send,
    send_batch,
)

WELCOME = "acme-shop/account/welcome"
SECRET = "whsec-5e0c1d"
ENV = {"TMPLKIT_WEBHOOK_SECRET": SECRET}
ANN = {"user": {"first_name": "Ann", "email": "ann@example.com"}}
SUMMARY_RE = r"{n} recipients? via {via}: {counts} in \d+\.\d\d s"


@dataclass
class Hook:
    """A copy of the sample project whose [handoff.webhook] points at a loopback server."""

    root: Path
    server: Loopback

    @property
    def project(self) -> tmplkit.Project:
        return tmplkit.open_project(self.root)

    def journal(self) -> list[dict[str, Any]]:
        with Journal(self.root / ".tmplkit" / "handoff.sqlite3") as journal:
            return journal.deliveries()

    def keys_answered(self) -> list[str]:
        """The idempotency keys of the requests the server accepted (answered 2xx)."""
        return [r.headers["idempotency-key"] for r in self.server.answered]


@pytest.fixture
def hook(sample_project: Path) -> Iterator[Hook]:
    with Loopback() as server:
        with open(sample_project / "tmplkit.toml", "a", encoding="utf-8") as fh:
            fh.write(
                f'\n[handoff.webhook]\nurl = "{server.url}/hook"\n'
                "retries = 2\nbackoff = 0.01\ntimeout = 5\n"
            )
        yield Hook(sample_project, server)


def recipients(path: Path, count: int, *, extra: Sequence[str] = ()) -> Path:
    """A JSONL file of `count` recipients of the welcome message (locales in turn)."""
    locales = ["fr-FR", "de-DE", None]
    lines = [
        json.dumps(
            {
                "user": {"first_name": f"R{n}", "email": f"r{n}@example.com"},
                "locale": locales[n % 3],
            }
        )
        for n in range(1, count + 1)
    ]
    path.write_text("\n".join([*lines, *extra]) + "\n", "utf-8")
    return path


BATCH_FIELDS = RecipientFields(address="user.email")


# --- recipients -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "to,expected",
    [
        ("ann@example.com", Recipient(address="ann@example.com")),
        ("Zoë Martin <zoe@example.com>", Recipient(address="zoe@example.com", name="Zoë Martin")),
        ("+46 70-123 45 67", Recipient(phone="+46701234567")),
        ("(319) 335-1000", Recipient(phone="3193351000")),
        ("id:u-42", Recipient(id="u-42")),
        ("u-42", Recipient(id="u-42")),
    ],
)
def test_parse_recipient(to: str, expected: Recipient) -> None:
    assert parse_recipient(to) == expected


@pytest.mark.parametrize(
    "to,channel,message",
    [
        ("nobody", "email", "'nobody' is not an e-mail address"),
        (
            "+46 70 123 45 67",
            "email",
            "'+46 70 123 45 67' is not an e-mail address (hint: to send it an SMS: --channel sms)",
        ),
        (
            "ann@example.com",
            "sms",
            "'ann@example.com' is not a phone number (hint: write it like \"+46701234567\")",
        ),
        ("ann@", "email", "'ann@' is not an e-mail address"),
        ("  ", "email", "no recipient: --to is empty"),
    ],
)
def test_parse_recipient_refuses(to: str, channel: str, message: str) -> None:
    with pytest.raises(HandoffError) as caught:
        parse_recipient(to, channel)
    assert str(caught.value) == message


def test_recipient_from_record_reads_dotted_fields() -> None:
    record = {
        "user": {"email": "ann@example.com", "name": "Ann"},
        "phone": "+46701234567",
        "id": 42,
        "attributes": {"team": "blue"},
    }
    fields = RecipientFields(address="user.email", name="user.name")
    assert recipient_from_record(record, fields) == Recipient(
        address="ann@example.com", phone="+46701234567", id="42", name="Ann",
        attributes={"team": "blue"},
    )  # fmt: skip
    assert recipient_from_record({"user.email": "flat@example.com"}, fields).address == (
        "flat@example.com"
    )
    with pytest.raises(HandoffError) as caught:
        recipient_from_record({"email": ["a@example.com"]})
    assert str(caught.value) == "field 'email' must be a string, not an array"
    with pytest.raises(HandoffError) as caught:
        recipient_from_record({"attributes": "x"})
    assert str(caught.value) == "field 'attributes' must be an object, not a string"


# --- send: one message ------------------------------------------------------------------------


def test_send_hands_the_rendered_message_to_the_outbox_once(sample_project: Path) -> None:
    project = tmplkit.open_project(sample_project)
    receipt = send(WELCOME, "Ann <ann@example.com>", project=project, data=ANN, locale="fr-FR")
    outbox = sample_project / ".tmplkit" / "outbox.jsonl"
    (envelope,) = read_outbox(outbox)
    message = tmplkit.render(WELCOME, ANN, project=project, locale="fr-FR")
    assert envelope == Envelope.from_message(
        message, Recipient(address="ann@example.com", name="Ann")
    )
    assert envelope.subject == "Bienvenue chez Acme Shop, Ann\u00a0!"
    assert (receipt.accepted, receipt.skipped, receipt.key) == (
        True,
        False,
        envelope.idempotency_key,
    )
    with Journal(sample_project / ".tmplkit" / "handoff.sqlite3") as journal:
        assert journal.status("outbox", envelope.idempotency_key) == "accepted"
    # the same message again: the journal says it went, nothing is appended
    again = send(WELCOME, "Ann <ann@example.com>", project=project, data=ANN, locale="fr-FR")
    assert (again.accepted, again.skipped) == (True, True)
    assert len(list(read_outbox(outbox))) == 1
    # unless asked
    send(WELCOME, "Ann <ann@example.com>", project=project, data=ANN, locale="fr-FR", resend=True)
    assert len(list(read_outbox(outbox))) == 2
    # another locale is another message
    send(WELCOME, "Ann <ann@example.com>", project=project, data=ANN, locale="de-DE")
    assert len(list(read_outbox(outbox))) == 3


def test_send_uses_the_sample_data_and_a_data_file(sample_project: Path) -> None:
    project = tmplkit.open_project(sample_project)
    send(WELCOME, "zoe@example.com", project=project)
    data = sample_project / "ann.json"
    data.write_text(json.dumps(ANN), "utf-8")
    send(WELCOME, "ann@example.com", project=project, data=str(data))
    first, second = read_outbox(sample_project / ".tmplkit" / "outbox.jsonl")
    assert first.subject == "Welcome to Acme Shop, Zoë & Léa!"
    assert second.subject == "Welcome to Acme Shop, Ann!"


def test_send_records_a_refusal_and_a_later_success(hook: Hook) -> None:
    hook.server.script(Reply(422, {"message": "mailbox ann@example.com is closed"}))
    with pytest.raises(DeliveryError) as caught:
        send(WELCOME, "ann@example.com", via="webhook", project=hook.project, data=ANN, env=ENV)
    assert str(caught.value) == (
        f"{hook.server.url}/hook answered HTTP 422: mailbox ann@example.com is closed"
    )
    (row,) = hook.journal()
    assert (row["status"], row["error"], row["transient"]) == (
        "failed",
        str(caught.value),
        0,
    )
    receipt = send(
        WELCOME, "ann@example.com", via="webhook", project=hook.project, data=ANN, env=ENV
    )
    assert receipt.accepted and not receipt.skipped
    (row,) = hook.journal()
    assert (row["status"], row["attempts"], row["error"]) == ("accepted", 2, None)
    assert hook.server.statuses() == [422, 200]


def test_send_checks_the_recipient_before_anything(sample_project: Path) -> None:
    project = tmplkit.open_project(sample_project)
    with pytest.raises(HandoffError) as caught:
        send(WELCOME, "+46701234567", project=project, channel="email")
    assert str(caught.value) == (
        "'+46701234567' is not an e-mail address (hint: to send it an SMS: --channel sms)"
    )
    assert not (sample_project / ".tmplkit").exists()


def test_send_sms_takes_the_text(sample_project: Path) -> None:
    project = tmplkit.open_project(sample_project)
    send(WELCOME, "+46 70 123 45 67", project=project, channel="sms", data=ANN)
    (envelope,) = read_outbox(sample_project / ".tmplkit" / "outbox.jsonl")
    assert envelope.channel == "sms"
    assert envelope.recipient == Recipient(phone="+46701234567")
    assert envelope.body() == envelope.parts.get("sms", envelope.text)


# --- send_batch -------------------------------------------------------------------------------


def test_batch_through_the_webhook_and_again(hook: Hook, tmp_path: Path) -> None:
    file = recipients(
        tmp_path / "r.jsonl",
        4,
        extra=[
            '{"user": {"first_name": "NoMail"}}',
            "{not json",
            json.dumps(
                {"user": {"first_name": "R1", "email": "r1@example.com"}, "locale": "de-DE"}
            ),
        ],
    )
    outcomes: list[Outcome] = []
    summary = send_batch(
        WELCOME,
        file,
        via="webhook",
        project=hook.project,
        fields=BATCH_FIELDS,
        locale_field="locale",
        env=ENV,
        on_outcome=outcomes.append,
    )
    assert (summary.accepted, summary.failed, summary.skipped) == (4, 2, 1)
    assert sorted((f.line, f.recipient, f.error) for f in summary.failures) == [
        (5, "", "no e-mail address (field 'user.email'; --to-field names another)"),
        (6, "", "invalid JSON: Expecting property name enclosed in double quotes (column 2)"),
    ]
    assert sorted(o.line for o in outcomes) == [1, 2, 3, 4, 5, 6, 7]
    (skipped,) = [o for o in outcomes if o.status == "skipped"]
    assert (skipped.line, skipped.recipient) == (7, "r1@example.com")  # a copy of line 1
    bodies = [r.json() for r in hook.server.received]
    assert sorted(b["recipient"]["address"] for b in bodies) == [
        f"r{n}@example.com" for n in range(1, 5)
    ]
    assert {b["locale"] for b in bodies} == {"fr-FR", "de-DE", "en-US"}
    keys = hook.keys_answered()
    assert len(set(keys)) == 4
    assert all(b["metadata"] == {"batch": str(file), "line": b["metadata"]["line"]} for b in bodies)
    rows = hook.journal()
    assert sorted((r["line"], r["status"], r["recipient"]) for r in rows) == [
        (n, "accepted", f"r{n}@example.com") for n in range(1, 5)
    ]
    # run again: nothing is sent
    summary = send_batch(
        WELCOME, file, via="webhook", project=hook.project, fields=BATCH_FIELDS,
        locale_field="locale", env=ENV,
    )  # fmt: skip
    assert (summary.accepted, summary.failed, summary.skipped) == (0, 2, 5)
    assert len(hook.server.received) == 4


def test_a_csv_batch_on_several_threads_keeps_the_journal_whole(hook: Hook, tmp_path: Path) -> None:
    file = tmp_path / "users.csv"
    rows = [f"R{n},r{n}@example.com,{'fr-FR' if n % 2 else ''}" for n in range(1, 21)]
    file.write_text("user.first_name,user.email,locale\n" + "\n".join(rows) + "\n", "utf-8")
    summary = send_batch(
        WELCOME, file, via="webhook", project=hook.project, fields=BATCH_FIELDS,
        locale_field="locale", env=ENV, concurrency=8,
    )  # fmt: skip
    assert (summary.accepted, summary.failed, summary.skipped) == (20, 0, 0)
    journal = hook.journal()
    assert sorted((r["line"], r["recipient"], r["status"], r["attempts"]) for r in journal) == [
        (n + 1, f"r{n}@example.com", "accepted", 1) for n in range(1, 21)
    ]  # CSV lines count the header
    subjects = {r.json()["recipient"]["address"]: r.json()["subject"] for r in hook.server.received}
    assert subjects["r1@example.com"] == "Bienvenue chez Acme Shop, R1\u00a0!"
    assert subjects["r2@example.com"] == "Welcome to Acme Shop, R2!"
    assert len(set(hook.keys_answered())) == 20


def test_push_to_a_user_id(sample_project: Path) -> None:
    project = tmplkit.open_project(sample_project)
    send(WELCOME, "id:u-42", project=project, channel="push", data=ANN)
    (envelope,) = read_outbox(sample_project / ".tmplkit" / "outbox.jsonl")
    assert (envelope.channel, envelope.recipient) == ("push", Recipient(id="u-42"))
    assert envelope.locale == "en-US"


def test_a_batch_retries_500_and_sends_once(hook: Hook, tmp_path: Path) -> None:
    hook.server.script(Reply(500), Reply(500))
    file = recipients(tmp_path / "r.jsonl", 1)
    summary = send_batch(
        WELCOME, file, via="webhook", project=hook.project, fields=BATCH_FIELDS, env=ENV
    )
    assert (summary.accepted, summary.failed) == (1, 0)
    assert hook.server.statuses() == [500, 500, 200]
    assert len(set(r.headers["idempotency-key"] for r in hook.server.received)) == 1
    (row,) = hook.journal()
    assert (row["status"], row["attempts"]) == ("accepted", 1)  # one delivery, three requests


def test_a_refused_recipient_is_retried_by_the_next_run_only(hook: Hook, tmp_path: Path) -> None:
    refused = {"message": "mailbox r2@example.com is full"}
    hook.server.handler = lambda r: (
        Reply(400, refused) if r.json()["recipient"]["address"] == "r2@example.com" else None
    )
    file = recipients(tmp_path / "r.jsonl", 3)
    summary = send_batch(
        WELCOME, file, via="webhook", project=hook.project, fields=BATCH_FIELDS, env=ENV
    )
    assert (summary.accepted, summary.failed) == (2, 1)
    (failure,) = summary.failures
    assert (failure.line, failure.recipient, failure.transient) == (2, "r2@example.com", False)
    assert (
        failure.error == f"{hook.server.url}/hook answered HTTP 400: mailbox r2@example.com is full"
    )
    assert len(hook.server.received) == 3  # a 400 is not retried
    hook.server.handler = None
    summary = send_batch(
        WELCOME, file, via="webhook", project=hook.project, fields=BATCH_FIELDS, env=ENV
    )
    assert (summary.accepted, summary.failed, summary.skipped) == (1, 0, 2)
    assert sorted(hook.keys_answered()) == sorted({*hook.keys_answered()})
    assert len(hook.keys_answered()) == 3


def test_a_dry_run_batch_prints_and_sends_and_records_nothing(hook: Hook, tmp_path: Path) -> None:
    file = recipients(tmp_path / "r.jsonl", 3)
    out = io.StringIO()
    summary = send_batch(
        WELCOME, file, via="webhook", project=hook.project, fields=BATCH_FIELDS, env=ENV,
        dry_run=out,
    )  # fmt: skip
    assert summary.text() == [
        "dry run: 3 recipients via webhook: 3 would be sent, 0 failed, 0 skipped (already sent); "
        "nothing was sent"
    ]
    requests = re.findall(rf"^POST {re.escape(hook.server.url)}/hook$", out.getvalue(), re.M)
    assert len(requests) == 3
    assert SECRET not in out.getvalue()
    assert hook.server.received == []
    assert not (hook.root / ".tmplkit" / "handoff.sqlite3").exists()


class Grouped(Adapter):
    """An adapter with a batch API: takes up to 3 envelopes per call."""

    name = "grouped"
    channels = frozenset({"email"})
    batch_size = 3

    def __init__(self, context: Context) -> None:
        super().__init__(context)
        self.calls: list[list[str]] = []

    def deliver(self, envelope: Envelope) -> Receipt:
        raise AssertionError("a batch adapter is called with groups")

    def deliver_many(self, envelopes: Sequence[Envelope]) -> Iterator[Receipt]:
        self.calls.append([e.recipient.address or "" for e in envelopes])
        for e in envelopes:
            ok = e.recipient.address != "r4@example.com"
            yield Receipt(e.idempotency_key, ok, error=None if ok else "refused")


def test_adapters_with_a_batch_api_get_groups(sample_project: Path, tmp_path: Path) -> None:
    adapter = Grouped(Context(name="grouped"))
    file = recipients(tmp_path / "r.jsonl", 7)
    summary = send_batch(
        WELCOME, file, via=adapter, project=tmplkit.open_project(sample_project),
        fields=BATCH_FIELDS, concurrency=1,
    )  # fmt: skip
    assert adapter.calls == [
        ["r1@example.com", "r2@example.com", "r3@example.com"],
        ["r4@example.com", "r5@example.com", "r6@example.com"],
        ["r7@example.com"],
    ]
    assert (summary.accepted, summary.failed) == (6, 1)
    with Journal(sample_project / ".tmplkit" / "handoff.sqlite3") as journal:
        statuses = sorted((r["line"], r["status"]) for r in journal.deliveries("grouped"))
    assert statuses == [(n, "failed" if n == 4 else "accepted") for n in range(1, 8)]


def test_ctrl_c_lets_deliveries_in_flight_finish_and_the_rerun_sends_the_rest(
    hook: Hook, tmp_path: Path
) -> None:
    file = recipients(tmp_path / "r.jsonl", 12)
    seen: list[Outcome] = []

    def interrupt_at_the_third(outcome: Outcome) -> None:
        seen.append(outcome)
        if len(seen) == 3:
            raise KeyboardInterrupt

    with pytest.raises(SendInterrupted) as caught:
        send_batch(
            WELCOME, file, via="webhook", project=hook.project, fields=BATCH_FIELDS, env=ENV,
            concurrency=2, on_outcome=interrupt_at_the_third,
        )  # fmt: skip
    summary = caught.value.summary
    assert summary.interrupted and summary.failed == 0
    first = len(hook.server.answered)
    assert 3 <= first < 12
    assert summary.accepted == first  # what was in flight finished and was counted
    assert all(r["status"] == "accepted" for r in hook.journal())
    assert len(hook.journal()) == first
    summary = send_batch(
        WELCOME, file, via="webhook", project=hook.project, fields=BATCH_FIELDS, env=ENV
    )
    assert (summary.accepted, summary.skipped, summary.failed) == (12 - first, first, 0)
    keys = hook.keys_answered()
    assert len(keys) == len(set(keys)) == 12


def test_bad_input_is_refused_before_anything_is_sent(hook: Hook, tmp_path: Path) -> None:
    with pytest.raises(HandoffError) as caught:
        send_batch(WELCOME, tmp_path / "r.jsonl", via="webhook", project=hook.project, env={})
    assert str(caught.value) == (
        "[handoff.webhook]: the environment variable TMPLKIT_WEBHOOK_SECRET is not set "
        "(hint: export TMPLKIT_WEBHOOK_SECRET=... (credentials come from the environment only))"
    )
    with pytest.raises(FileNotFoundError):
        send_batch(WELCOME, tmp_path / "none.jsonl", via="webhook", project=hook.project, env=ENV)
    with pytest.raises(HandoffError) as caught:
        send_batch(WELCOME, tmp_path / "r.jsonl", project=hook.project, concurrency=0)
    assert str(caught.value) == "concurrency must be at least 1, not 0"
    assert hook.server.received == []
    assert not (hook.root / ".tmplkit" / "handoff.sqlite3").exists()


# --- the command line -------------------------------------------------------------------------


def test_cli_send_prints_the_outcome(run: Callable[..., Result], sample_project: Path) -> None:
    result = run("send", WELCOME, "--to", "Zoë <zoe@example.com>", cwd=sample_project)
    (envelope,) = read_outbox(sample_project / ".tmplkit" / "outbox.jsonl")
    key = envelope.idempotency_key
    assert (result.code, result.err) == (0, "")
    assert result.out == f"accepted: Zoë <zoe@example.com> via outbox (key {key})\n"
    result = run("send", WELCOME, "--to", "Zoë <zoe@example.com>", cwd=sample_project)
    assert result.out == (
        f"skipped: Zoë <zoe@example.com> was sent via outbox before (key {key}); "
        "--resend sends it again\n"
    )
    result = run(
        "send", WELCOME, "--to", "zoe@example.com", "--resend", "--json", cwd=sample_project
    )
    data = json.loads(result.out)
    assert (data["adapter"], data["to"], data["accepted"]) == ("outbox", "zoe@example.com", True)
    assert data["key"] != key  # no display name: another recipient, another message


def test_cli_send_data_from_stdin(run: Callable[..., Result], sample_project: Path) -> None:
    result = run("send", WELCOME, "--to", "ann@example.com", "--data", "-", cwd=sample_project,
                 stdin=json.dumps(ANN))  # fmt: skip
    assert result.code == 0
    (envelope,) = read_outbox(sample_project / ".tmplkit" / "outbox.jsonl")
    assert envelope.subject == "Welcome to Acme Shop, Ann!"


def test_cli_send_through_the_webhook(run: Callable[..., Result], hook: Hook) -> None:
    result = run("send", WELCOME, "--to", "ann@example.com", "--via", "webhook", cwd=hook.root,
                 env=ENV)  # fmt: skip
    assert result.code == 0
    (request,) = hook.server.received
    assert request.json()["recipient"]["address"] == "ann@example.com"
    key = request.headers["idempotency-key"]
    assert result.out == f"accepted: ann@example.com via webhook (key {key})\n"


def test_cli_the_default_adapter_comes_from_the_project(
    run: Callable[..., Result], hook: Hook
) -> None:
    toml = hook.root / "tmplkit.toml"
    toml.write_text('[handoff]\ndefault = "webhook"\n\n' + toml.read_text("utf-8"), "utf-8")
    result = run("send", WELCOME, "--to", "ann@example.com", cwd=hook.root, env=ENV)
    assert result.code == 0 and " via webhook " in result.out
    assert len(hook.server.received) == 1


def test_cli_send_refusal_is_one_line(run: Callable[..., Result], hook: Hook) -> None:
    hook.server.script(Reply(422, {"message": "unknown recipient"}))
    result = run("send", WELCOME, "--to", "ann@example.com", "--via", "webhook", cwd=hook.root,
                 env=ENV)  # fmt: skip
    assert (result.code, result.out) == (1, "")
    assert result.err == f"error: {hook.server.url}/hook answered HTTP 422: unknown recipient\n"


def test_cli_send_dry_run(run: Callable[..., Result], hook: Hook) -> None:
    result = run("send", WELCOME, "--to", "ann@example.com", "--via", "webhook", "--dry-run",
                 cwd=hook.root, env=ENV)  # fmt: skip
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0] == f"POST {hook.server.url}/hook"
    assert "X-Tmplkit-Signature: ********" in lines
    assert lines[-1] == "dry run: nothing was sent"
    body = json.loads(result.out[result.out.index("\n{") : result.out.rindex("}") + 1])
    assert body["recipient"]["address"] == "ann@example.com"
    assert hook.server.received == []
    assert not (hook.root / ".tmplkit").exists()


@pytest.mark.parametrize(
    "args,toml,env,error",
    [
        (
            ["--via", "carrier-pigeon"],
            "",
            {},
            "error: unknown adapter 'carrier-pigeon' (hint: adapters: "
            + ", ".join(available())
            + ")",
        ),
        (
            ["--via", "hook"],
            '[handoff.hook]\nadapter = "webhook"\nurl = "https://hooks.example.com/t"\n',
            {},
            "error: [handoff.hook]: the environment variable TMPLKIT_WEBHOOK_SECRET is not set "
            "(hint: export TMPLKIT_WEBHOOK_SECRET=... (credentials come from the environment "
            "only))",
        ),
        (
            ["--via", "hook"],
            '[handoff.hook]\nadapter = "webhook"\nurl = "https://hooks.example.com/t"\n'
            'secret = "hunter2"\n',
            ENV,
            "error: [handoff.hook]: 'secret' is a credential and cannot be written in "
            "tmplkit.toml (hint: set the environment variable TMPLKIT_WEBHOOK_SECRET (or name "
            'another one with secret_env = "VAR"))',
        ),
        (
            ["--via", "outbox"],
            '[handoff.outbox]\nformat = "mbox"\n',
            {},
            "error: [handoff.outbox]: format must be one of jsonl, maildir, not 'mbox'",
        ),
        (
            [],
            "[handoff]\ndefault = 3\n",
            {},
            "error: [handoff]: default must be an adapter's name, not 3",
        ),
        (
            ["--channel", "sms"],
            "",
            {},
            "error: 'ann@example.com' is not a phone number (hint: write it like \"+46701234567\")",
        ),
    ],
)
def test_cli_config_problems_are_one_line_and_nothing_is_written(
    run: Callable[..., Result],
    sample_project: Path,
    args: list[str],
    toml: str,
    env: dict[str, str],
    error: str,
) -> None:
    if toml:
        with open(sample_project / "tmplkit.toml", "a", encoding="utf-8") as fh:
            fh.write("\n" + toml)
    result = run("send", WELCOME, "--to", "ann@example.com", *args, cwd=sample_project, env=env)
    assert (result.code, result.out, result.err) == (1, "", error + "\n")
    assert not (sample_project / ".tmplkit").exists()


def test_cli_send_batch(run: Callable[..., Result], hook: Hook, tmp_path: Path) -> None:
    file = recipients(tmp_path / "r.jsonl", 3, extra=['{"user": {"first_name": "NoMail"}}'])
    args = ["send-batch", WELCOME, "--recipients", file, "--via", "webhook",
            "--to-field", "user.email", "--locale-field", "locale"]  # fmt: skip
    result = run(*args, cwd=hook.root, env=ENV)
    assert result.code == 1
    assert result.err == (
        f"error: {file}:4: no e-mail address (field 'user.email'; --to-field names another)\n"
    )
    counts = "3 accepted, 1 failed, 0 skipped \\(already sent\\)"
    assert re.fullmatch(SUMMARY_RE.format(n=4, via="webhook", counts=counts) + "\n", result.out)
    # the failed record fixed: only it is sent
    file.write_text(
        file.read_text("utf-8").replace('"NoMail"}', '"NoMail", "email": "n@example.com"}')
    )
    result = run(*args, "--json", cwd=hook.root, env=ENV)
    assert (result.code, result.err) == (0, "")
    data = json.loads(result.out)
    assert {k: data[k] for k in ("adapter", "recipients", "accepted", "failed", "skipped")} == {
        "adapter": "webhook",
        "recipients": 4,
        "accepted": 1,
        "failed": 0,
        "skipped": 3,
    }
    assert (data["interrupted"], data["failures"]) == (False, [])
    assert len(set(hook.keys_answered())) == 4 == len(hook.server.received)


def test_cli_send_batch_warns_of_fallbacks_like_render_batch(
    run: Callable[..., Result], sample_project: Path, tmp_path: Path
) -> None:
    file = tmp_path / "r.jsonl"
    file.write_text(
        "".join(
            json.dumps({"user": {"first_name": f"R{n}", "email": f"r{n}@example.com"},
                        "locale": locale}) + "\n"
            for n, locale in enumerate(["it-IT", "fr-FR", "it-IT"], 1)
        ),
        "utf-8",
    )  # fmt: skip
    common = ("--recipients", file, "--locale-field", "locale")
    rendered = run("render-batch", WELCOME, *common, "--out", tmp_path / "out.jsonl",
                   cwd=sample_project)  # fmt: skip
    warning = (
        "warning: it-IT: 18 strings fall back, e.g. template welcome: 'Welcome to Acme Shop, "
        "%(name)s!': no it-IT translation; using the source (en-US)\n"
    )
    assert rendered.err.startswith(warning)
    sent = run("send-batch", WELCOME, *common, "--to-field", "user.email", cwd=sample_project)
    assert (sent.code, sent.err) == (0, warning)  # once, however many recipients fall back


RESET = "acme-shop/account/password-reset"
UNSAFE_RESET = {
    "user": {"first_name": "A", "email": "a@example.com", "has_password": True},
    "reset": {"url": "javascript:alert(1)", "expires_in_minutes": "30"},
    "unsubscribe_url": "https://acme.example/u",  # all --strict requires besides
}
RESET_WARNINGS = [
    "html: reset.url: unsafe URL scheme 'javascript' replaced",
    "the plural count 'reset.expires_in_minutes' is the string '30', not a number: "
    "the last plural form is used",
]


def test_cli_send_batch_prints_what_a_records_data_gave_like_render_batch(
    run: Callable[..., Result], sample_project: Path, tmp_path: Path
) -> None:
    safe = {**UNSAFE_RESET, "user": {**UNSAFE_RESET["user"], "email": "b@example.com"},
            "reset": {"url": "https://acme.example/r", "expires_in_minutes": 30}}  # fmt: skip
    file = tmp_path / "r.jsonl"
    file.write_text(json.dumps(UNSAFE_RESET) + "\n" + json.dumps(safe) + "\n", "utf-8")
    common = ("--recipients", file)
    rendered = run("render-batch", RESET, *common, "--out", tmp_path / "o.jsonl",
                   cwd=sample_project)  # fmt: skip
    sent = run("send-batch", RESET, *common, "--to-field", "user.email", cwd=sample_project)
    assert sent.code == 0
    lines = sorted(f"warning: {file}:1: {w}\n" for w in RESET_WARNINGS)
    assert sorted(sent.err.splitlines(keepends=True)) == lines
    assert sorted(x for x in rendered.err.splitlines(keepends=True) if ":1: " in x) == lines
    html = [e.html for e in read_outbox(sample_project / ".tmplkit" / "outbox.jsonl")]
    assert 'href="about:invalid#tmplkit-unsafe-url"' in html[0]
    assert 'href="https://acme.example/r"' in html[1]


def test_cli_send_prints_the_renderings_warnings_and_strict_refuses(
    run: Callable[..., Result], sample_project: Path, tmp_path: Path
) -> None:
    data = tmp_path / "d.json"
    data.write_text(json.dumps(UNSAFE_RESET), "utf-8")
    args = ("send", RESET, "--to", "a@example.com", "--data", data)
    result = run(*args, cwd=sample_project)
    assert result.code == 0
    assert result.err == "".join(f"warning: {w}\n" for w in RESET_WARNINGS)
    strict = run(*args, "--strict", cwd=sample_project)
    assert (strict.code, strict.out) == (1, "")
    assert strict.err == (
        "error: the plural count 'reset.expires_in_minutes' is the string '30', not a number "
        "(hint: give the count as a number)\n"
    )
    assert len(read_outbox_lines(sample_project)) == 1  # the strict one was not sent


def read_outbox_lines(root: Path) -> list[str]:
    return (root / ".tmplkit" / "outbox.jsonl").read_text("utf-8").splitlines()


def test_cli_send_batch_dry_run_to_the_outbox(run: Callable[..., Result], sample_project: Path,
                                              tmp_path: Path) -> None:  # fmt: skip
    file = recipients(tmp_path / "r.jsonl", 2)
    result = run("send-batch", WELCOME, "--recipients", file, "--to-field", "user.email",
                 "--dry-run", cwd=sample_project)  # fmt: skip
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0] == lines[2] == "append to .tmplkit/outbox.jsonl:"
    assert [json.loads(lines[i])["recipient"]["address"] for i in (1, 3)] == [
        "r1@example.com",
        "r2@example.com",
    ]
    assert lines[4:] == [
        "dry run: 2 recipients via outbox: 2 would be sent, 0 failed, 0 skipped (already sent); "
        "nothing was sent"
    ]
    assert not (sample_project / ".tmplkit").exists()


# --- killed and interrupted batches (real processes) ------------------------------------------


def start_batch(hook: Hook, file: Path, env: dict[str, str], *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tmplkit", "send-batch", WELCOME, "--recipients", str(file),
         "--via", "webhook", "--to-field", "user.email", "--locale-field", "locale", *extra],
        cwd=hook.root, env={**env, **ENV}, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_a_killed_batch_rerun_delivers_every_message_exactly_once(
    hook: Hook, tmp_path: Path, python_env: dict[str, str]
) -> None:
    file = recipients(tmp_path / "r.jsonl", 12)
    hook.server.hold_after(5)  # answer 5, then hold the requests in flight
    proc = start_batch(hook, file, python_env, "--concurrency", "2")
    try:
        assert hook.server.wait_for(7), "the batch never got to the held requests"
        proc.send_signal(signal.SIGKILL)  # while two deliveries wait for their answers
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    hook.server.release(drop=True)  # those two never reached the service
    assert len(hook.server.answered) == 5
    rows = {r["status"] for r in hook.journal()}
    assert rows == {"accepted", "pending"}
    proc = start_batch(hook, file, python_env, "--concurrency", "2")
    out, err = proc.communicate(timeout=60)
    assert (proc.returncode, err) == (0, "")
    counts = "7 accepted, 0 failed, 5 skipped \\(already sent\\)"
    assert re.fullmatch(SUMMARY_RE.format(n=12, via="webhook", counts=counts) + "\n", out)
    keys = hook.keys_answered()
    assert len(keys) == len(set(keys)) == 12  # every message once, none twice
    assert {r["status"] for r in hook.journal()} == {"accepted"}
    # and a third run sends nothing
    proc = start_batch(hook, file, python_env)
    out, _ = proc.communicate(timeout=60)
    counts = "0 accepted, 0 failed, 12 skipped \\(already sent\\)"
    assert re.fullmatch(SUMMARY_RE.format(n=12, via="webhook", counts=counts) + "\n", out)
    assert len(hook.server.received) == 7 + 7


def test_ctrl_c_half_way_prints_the_summary_and_the_rerun_completes(
    hook: Hook, tmp_path: Path, python_env: dict[str, str]
) -> None:
    file = recipients(tmp_path / "r.jsonl", 12)
    hook.server.hold_after(4)
    proc = start_batch(hook, file, python_env, "--concurrency", "2", "--workers", "2")
    try:
        assert hook.server.wait_for(6), "the batch never got to the held requests"
        proc.send_signal(signal.SIGINT)
        time.sleep(0.5)  # Ctrl-C lands; then the two in flight get their answers
        hook.server.release()
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert (proc.returncode, err) == (130, "")
    first = len(hook.server.answered)
    assert first == 6
    counts = f"{first} accepted, 0 failed, 0 skipped \\(already sent\\)"
    lines = out.splitlines()
    assert re.fullmatch("interrupted: " + SUMMARY_RE.format(n=first, via="webhook", counts=counts),
                        lines[0])  # fmt: skip
    assert lines[1:] == ["the rest were not sent: run the same command again to send them"]
    proc = start_batch(hook, file, python_env)
    out, err = proc.communicate(timeout=60)
    assert (proc.returncode, err) == (0, "")
    counts = f"{12 - first} accepted, 0 failed, {first} skipped \\(already sent\\)"
    assert re.fullmatch(SUMMARY_RE.format(n=12, via="webhook", counts=counts) + "\n", out)
    keys = hook.keys_answered()
    assert len(keys) == len(set(keys)) == 12
