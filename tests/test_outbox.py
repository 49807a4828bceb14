"""The outbox adapter: JSONL appends (exact lines, concurrent writers, torn lines), maildir
files (the RFC 5322 message mime.py builds, checked as a mail reader parses it), dry runs and
settings."""

from __future__ import annotations

import email
import email.policy
import errno
import io
import json
import os
import subprocess
import sys
import threading
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from tmplkit.errors import DeliveryError, HandoffError, StorageError
from tmplkit.handoff import open_adapter
from tmplkit.handoff.envelope import Envelope, Recipient
from tmplkit.handoff.mime import build_message, check_headers, message_bytes, message_headers
from tmplkit.handoff.outbox import OutboxAdapter, append_line, read_outbox

SENDER = "Acme Shop <no-reply@acme.example>"


def envelope(n: int = 1, **changes: Any) -> Envelope:
    fields: dict[str, Any] = {
        "channel": "email",
        "recipient": Recipient(address=f"zoe{n}@example.com", name="Zoë & Léa"),
        "subject": f"Votre commande AC-{n} est confirmée\u00a0!",
        "html": f'<p style="color:#333">Bonjour Zoë, commande <b>AC-{n}</b></p>',
        "text": f"Bonjour Zoë, commande AC-{n}",
        "sender": SENDER,
        "reply_to": "Acme Support <support@acme.example>",
        "locale": "fr-FR",
        "template_id": "tem_01m2tes7aa7mr85hk6z60dyz85",
        "draft_id": "tdft_01m2tesc0y971b3wtfmef3q6z3",
    }
    fields.update(changes)
    return Envelope(**fields)


def outbox(root: Path, **options: Any) -> OutboxAdapter:
    adapter = open_adapter("outbox", options, root=str(root))
    assert isinstance(adapter, OutboxAdapter)
    return adapter


def json_line(env: Envelope) -> str:
    return json.dumps(env.to_json(), ensure_ascii=False, separators=(",", ":")) + "\n"


# --- JSONL ------------------------------------------------------------------------------------------


def test_appends_one_json_line_per_envelope_to_the_default_file(tmp_path: Path) -> None:
    adapter = outbox(tmp_path)
    first, second = envelope(1), envelope(2, channel="sms", recipient=Recipient(phone="+4670"))
    r1 = adapter.deliver(first)
    r2 = adapter.deliver(second)
    file = tmp_path / ".tmplkit" / "outbox.jsonl"
    assert file.read_text("utf-8") == json_line(first) + json_line(second)
    assert list(read_outbox(file)) == [first, second]
    assert (r1.accepted, r1.key, r1.detail["offset"]) == (True, first.idempotency_key, 0)
    assert r2.detail["offset"] == len(json_line(first).encode("utf-8"))


def test_path_is_relative_to_the_project_or_absolute(tmp_path: Path) -> None:
    outbox(tmp_path, path="out/messages.jsonl").deliver(envelope())
    assert (tmp_path / "out" / "messages.jsonl").read_text("utf-8") == json_line(envelope())
    elsewhere = tmp_path / "abs" / "o.jsonl"
    outbox(tmp_path / "p", path=str(elsewhere)).deliver(envelope())
    assert elsewhere.read_text("utf-8") == json_line(envelope())


def test_concurrent_writers_never_interleave(tmp_path: Path, python_env: dict[str, str]) -> None:
    file = tmp_path / "o.jsonl"
    # Two other processes and four threads here append at the same time.
    script = (
        "import sys\n"
        "from tmplkit.handoff import open_adapter\n"
        "from tmplkit.handoff.envelope import Envelope, Recipient\n"
        "a = open_adapter('outbox', {'path': sys.argv[1]})\n"
        "for n in range(150):\n"
        "    a.deliver(Envelope('sms', Recipient(phone='+46700'), text=sys.argv[2] + str(n) + 'x' * 5000))\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script, str(file), tag], env=python_env)
        for tag in ("p1-", "p2-")
    ]
    adapter = outbox(tmp_path, path=str(file))

    def write(tag: str) -> None:
        for n in range(50):
            adapter.deliver(
                Envelope("sms", Recipient(phone="+46700"), text=f"{tag}{n}" + "y" * 3000)
            )

    threads = [threading.Thread(target=write, args=(f"t{i}-",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [p.wait(60) for p in procs] == [0, 0]
    lines = file.read_bytes().split(b"\n")
    assert lines[-1] == b""
    texts = sorted(json.loads(line)["text"].rstrip("xy") for line in lines[:-1])
    expected = sorted(
        [f"p{i}-{n}" for i in (1, 2) for n in range(150)]
        + [f"t{i}-{n}" for i in range(4) for n in range(50)]
    )
    assert texts == expected


def test_a_torn_last_line_stays_on_its_own_line(tmp_path: Path) -> None:
    file = tmp_path / "o.jsonl"
    file.write_bytes(json_line(envelope(1)).encode() + b'{"version":1,"chan')  # a cut-off write
    outbox(tmp_path, path=str(file)).deliver(envelope(2))
    assert file.read_bytes() == (
        json_line(envelope(1)).encode() + b'{"version":1,"chan\n' + json_line(envelope(2)).encode()
    )
    assert list(read_outbox(file)) == [envelope(1), envelope(2)]


def test_append_line_returns_where_the_line_starts(tmp_path: Path) -> None:
    file = tmp_path / "sub" / "f.jsonl"
    assert append_line(file, b"one\n") == 0
    assert append_line(file, b"two\n") == 4
    assert file.read_bytes() == b"one\ntwo\n"


def test_read_outbox_names_a_line_that_is_not_an_envelope(tmp_path: Path) -> None:
    file = tmp_path / "o.jsonl"
    file.write_text(json_line(envelope()) + '{"version": 2, "channel": "email"}\n', "utf-8")
    with pytest.raises(HandoffError) as caught:
        list(read_outbox(file))
    assert str(caught.value) == (
        f"{file}:2: not an envelope: envelope version 2 is not supported "
        "(this tmplkit reads version 1)"
    )


def test_a_file_that_cannot_be_written_is_a_storage_error(tmp_path: Path) -> None:
    # Not one message's failure: every message after it would fail the same way, so a batch
    # stops on it (and the next run, once it is fixed, sends the rest).
    (tmp_path / "taken").mkdir()
    with pytest.raises(StorageError) as caught:
        outbox(tmp_path, path="taken").deliver(envelope())
    assert str(caught.value) == "is a directory writing the outbox taken"


def test_a_dry_run_prints_the_line_and_writes_nothing(tmp_path: Path) -> None:
    out = io.StringIO()
    adapter = open_adapter("outbox", {}, root=str(tmp_path), dry_run=out)
    receipt = adapter.deliver(envelope())
    assert out.getvalue() == "append to .tmplkit/outbox.jsonl:\n" + json_line(envelope())
    assert not (tmp_path / ".tmplkit").exists()
    assert receipt.accepted and receipt.dry_run


# --- maildir ----------------------------------------------------------------------------------------


def parse(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_maildir_writes_one_message_per_file_into_new(tmp_path: Path) -> None:
    adapter = outbox(tmp_path, format="maildir")
    env = envelope()
    receipt = adapter.deliver(env)
    root = tmp_path / ".tmplkit" / "outbox"
    assert sorted(p.name for p in root.iterdir()) == ["cur", "new", "tmp"]
    assert list((root / "tmp").iterdir()) == [] and list((root / "cur").iterdir()) == []
    (file,) = (root / "new").iterdir()
    assert receipt.remote_id == file.name
    assert receipt.detail == {"path": str(file)}
    msg = parse(file.read_bytes())
    assert msg["From"] == SENDER
    assert msg["To"] == "Zoë & Léa <zoe1@example.com>"
    assert msg["Reply-To"] == "Acme Support <support@acme.example>"
    assert msg["Subject"] == "Votre commande AC-1 est confirmée\u00a0!"
    assert msg["Message-ID"] == f"<{env.idempotency_key}@acme.example>"
    assert msg["X-Tmplkit-Idempotency-Key"] == env.idempotency_key
    assert msg["X-Tmplkit-Template-Id"] == "tem_01m2tes7aa7mr85hk6z60dyz85"
    assert msg["X-Tmplkit-Draft-Id"] == "tdft_01m2tesc0y971b3wtfmef3q6z3"
    assert msg["Content-Language"] == "fr-FR"
    assert msg["MIME-Version"] == "1.0"
    assert msg["Date"] is not None and msg["Date"].datetime is not None
    assert msg.get_content_type() == "multipart/alternative"
    text, html = msg.iter_parts()
    assert (text.get_content_type(), html.get_content_type()) == ("text/plain", "text/html")
    assert text.get_content_charset() == html.get_content_charset() == "utf-8"
    assert text.get_content() == "Bonjour Zoë, commande AC-1\n"
    assert html.get_content() == '<p style="color:#333">Bonjour Zoë, commande <b>AC-1</b></p>\n'
    assert "MIME-Version" not in text and "MIME-Version" not in html
    # the raw file is 7-bit: any relay carries it unchanged
    assert all(byte < 128 for byte in file.read_bytes())


def test_maildir_names_are_unique(tmp_path: Path) -> None:
    adapter = outbox(tmp_path, format="maildir", path="mail")
    names = {adapter.deliver(envelope(n)).remote_id for n in range(40)}
    assert len(names) == 40
    assert {p.name for p in (tmp_path / "mail" / "new").iterdir()} == names


def test_maildir_text_only_and_text_channels(tmp_path: Path) -> None:
    adapter = outbox(tmp_path, format="maildir", path="mail")
    plain = adapter.deliver(envelope(html=""))
    sms = adapter.deliver(
        envelope(
            channel="sms", recipient=Recipient(phone="+46701234567"), parts={"sms": "Ton code: 42"}
        )
    )
    msg = parse((tmp_path / "mail" / "new" / str(plain.remote_id)).read_bytes())
    assert msg.get_content_type() == "text/plain"
    assert msg.get_content() == "Bonjour Zoë, commande AC-1\n"
    msg = parse((tmp_path / "mail" / "new" / str(sms.remote_id)).read_bytes())
    assert msg["To"] is None
    assert msg["X-Tmplkit-Recipient"] == "+46701234567"
    assert msg["X-Tmplkit-Channel"] == "sms"
    assert msg.get_content() == "Ton code: 42\n"


def test_maildir_refuses_an_email_without_a_sender(tmp_path: Path) -> None:
    with pytest.raises(DeliveryError) as caught:
        outbox(tmp_path, format="maildir").deliver(envelope(sender=None))
    key = envelope(sender=None).idempotency_key
    assert str(caught.value) == (
        f"message {key}: no sender (hint: set `sender` under [defaults] in tmplkit.toml)"
    )
    assert caught.value.transient is False
    assert not (tmp_path / ".tmplkit" / "outbox" / "new").exists()


@pytest.mark.parametrize("fmt", ["jsonl", "maildir"])
@pytest.mark.parametrize(
    "changes,reason",
    [
        ({"sender": None}, "no sender (hint: set `sender` under [defaults] in tmplkit.toml)"),
        ({"recipient": Recipient(name="Zoë")}, "no e-mail address"),
    ],
)
def test_both_formats_refuse_what_the_consumer_could_not_send(
    tmp_path: Path, fmt: str, changes: dict[str, Any], reason: str
) -> None:
    adapter = outbox(tmp_path, format=fmt)
    bad = envelope(**changes)
    with pytest.raises(HandoffError) as caught:
        adapter.check(bad)  # what send and send-batch ask before anything is sent
    assert str(caught.value) == f"message {bad.idempotency_key}: {reason}"
    assert not (tmp_path / ".tmplkit").exists()


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"sender": None},
        {"sender": "not an address <"},
        {"sender": "Acme <a@b.example>, Other <c@d.example>"},
        {"reply_to": "Support <support@acme.example>\nBcc: all@example.com"},
        {"recipient": Recipient(name="Zoë")},
        {"recipient": Recipient(address="zoe@@example.com")},
        {"recipient": Recipient(address="zoe@example.com", name="Zoë\r\nBcc: x@y.example")},
        {"subject": "Hello\nBcc: everyone@example.com"},
        {"subject": "Line\u2028separator"},
        {"channel": "sms", "recipient": Recipient(phone="+46701234567"), "sender": None},
        {"channel": "push", "recipient": Recipient(id="u-1\nX-Evil: 1"), "sender": None},
    ],
)
def test_check_refuses_exactly_what_building_the_message_refuses(changes: dict[str, Any]) -> None:
    bad = envelope(**changes)
    try:
        message_headers(bad, EmailMessage(policy=email.policy.default))
        built: str | None = None
    except HandoffError as exc:
        built = str(exc)
    try:
        check_headers(bad)
        checked: str | None = None
    except HandoffError as exc:
        checked = str(exc)
    assert checked == built


def test_a_line_the_disk_could_not_take_is_taken_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = tmp_path / "outbox.jsonl"
    append_line(file, b'{"first": 1}\n')
    real_write = os.write

    def half_then_full(fd: int, data: Any) -> int:
        if len(data) > 10:  # the first write takes 10 bytes, as a filling disk would
            return real_write(fd, bytes(data[:10]))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", half_then_full)
    with pytest.raises(OSError):
        append_line(file, b'{"second": "a line longer than ten bytes"}\n')
    monkeypatch.undo()
    assert file.read_bytes() == b'{"first": 1}\n'  # no torn line left behind
    append_line(file, b'{"third": 3}\n')
    assert file.read_bytes() == b'{"first": 1}\n{"third": 3}\n'


def test_maildir_dry_run_prints_the_message(tmp_path: Path) -> None:
    out = io.StringIO()
    adapter = open_adapter("outbox", {"format": "maildir"}, root=str(tmp_path), dry_run=out)
    adapter.deliver(envelope())
    head, _, rest = out.getvalue().partition("\n")
    assert head == "write to .tmplkit/outbox/new/:"
    msg = parse(rest.encode())
    assert msg["X-Tmplkit-Idempotency-Key"] == envelope().idempotency_key
    assert not (tmp_path / ".tmplkit").exists()


def test_mime_message_with_crlf_for_the_wire() -> None:
    data = message_bytes(build_message(envelope(), date=1767225600), linesep="\r\n")
    assert b"\r\nDate: Thu, 01 Jan 2026 00:00:00 +0000\r\n" in data
    assert b"\n" not in data.replace(b"\r\n", b"")


def test_mime_refuses_a_header_with_a_line_break() -> None:
    env = envelope(reply_to="a@example.com\r\nBcc: victim@example.com")
    with pytest.raises(HandoffError) as caught:
        build_message(env)
    assert str(caught.value).startswith(f"message {env.idempotency_key}: cannot build its headers:")


# --- settings ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options,message",
    [
        (
            {"format": "mbox"},
            "[handoff.outbox]: format must be one of jsonl, maildir, not 'mbox'",
        ),
        ({"path": ""}, "[handoff.outbox]: path must be a file path, not ''"),
        ({"path": 7}, "[handoff.outbox]: path must be a file path, not 7"),
        (
            {"fromat": "maildir"},
            "[handoff.outbox]: unknown setting 'fromat' (hint: settings: adapter, format, path)",
        ),
    ],
)
def test_bad_settings(tmp_path: Path, options: dict[str, Any], message: str) -> None:
    with pytest.raises(HandoffError) as caught:
        open_adapter("outbox", options, root=str(tmp_path))
    assert str(caught.value) == message


def test_outbox_carries_every_channel() -> None:
    assert OutboxAdapter.channels == frozenset({"email", "sms", "push", "chat"})


def test_no_file_is_left_open(tmp_path: Path) -> None:
    adapter = outbox(tmp_path)
    before = len(os.listdir("/proc/self/fd"))
    for n in range(20):
        adapter.deliver(envelope(n))
    assert len(os.listdir("/proc/self/fd")) == before
