"""The smtp adapter against a real SMTP server (aiosmtpd) on 127.0.0.1: the MIME message as
received (every header, both parts, UTF-8), AUTH with the password from the environment,
STARTTLS, one connection for many messages, reply codes (451 retried, 550 permanent), and
connection failures (refused, timed out); configuration errors and dry runs."""

from __future__ import annotations

import io
import re
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.handoff_fakes import run_batch
from tests.smtp_server import Mailbox, free_port, serve
from tmplkit.errors import DeliveryError, HandoffError
from tmplkit.handoff import Envelope, Recipient, open_adapter
from tmplkit.handoff.journal import Journal
from tmplkit.handoff.smtp import SmtpAdapter

# aiosmtpd warns when AUTH is allowed without TLS; on loopback that is what the tests want.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

WHEN = 1715679000.0  # Tue, 14 May 2024 09:30:00 GMT

ENVELOPE = Envelope(
    channel="email",
    recipient=Recipient(address="zoe@example.com", name="Zoë Łukasiewicz-Tanaka 田中"),
    subject="Zamówienie nr 42 potwierdzone — ご注文ありがとうございます",
    html='<p>Cześć <b>Zoë</b>, dziękujemy za zamówienie — 注文番号 <a href="https://acme.example/o/42">42</a>.</p>',
    text="Cześć Zoë, dziękujemy za zamówienie — 注文番号 42.\nhttps://acme.example/o/42",
    sender="Sklep Acme Żółw <sklep@acme.example>",
    reply_to="Obsługa klienta <pomoc@acme.example>",
    locale="pl-PL",
    template_id="tem_01m2tes7aa7mr85hk6z60dyz85",
    draft_id="tdft_01m2tesc0y971b3wtfmef3q6z3",
)


class Authenticator:
    """aiosmtpd's AUTH check: accepts `password`, records (mechanism, login, password)."""

    def __init__(self, password: bytes) -> None:
        self.password = password
        self.seen: list[tuple[str, bytes, bytes]] = []

    def __call__(self, server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
        assert isinstance(auth_data, LoginPassword)
        self.seen.append((mechanism, auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == self.password, handled=False)


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    handler = Mailbox()
    with serve(handler) as port:
        yield handler, port


def smtp(port: int, **options: Any) -> SmtpAdapter:
    adapter = open_adapter(
        "smtp", {"host": "127.0.0.1", "port": port, "backoff": 0, **options}, env={}
    )
    assert isinstance(adapter, SmtpAdapter)
    adapter.clock = lambda: WHEN
    return adapter


def crlf_to_lf(text: str) -> str:
    return text.replace("\r\n", "\n")


# -- the message as received -----------------------------------------------------------------


def test_the_received_message_has_every_header_and_both_parts(
    mailbox: tuple[Mailbox, int],
) -> None:
    handler, port = mailbox
    with smtp(port) as adapter:
        receipt = adapter.deliver(ENVELOPE)
    assert receipt.to_json() == {
        "key": ENVELOPE.idempotency_key,
        "accepted": True,
        "remoteId": "Q1",
        "status": 250,
        "detail": {"reply": "2.0.0 Ok: queued as Q1"},
    }
    [received] = handler.received
    assert received.mail_from == "sklep@acme.example"
    assert received.rcpt_tos == ["zoe@example.com"]
    raw = received.content
    assert raw.isascii()  # headers RFC 2047 encoded, bodies quoted-printable: any relay takes it
    assert b"\nSubject: =?utf-8?" in raw.replace(b"\r\n", b"\n")
    message = handler.message()
    key = ENVELOPE.idempotency_key
    assert [(name, str(value)) for name, value in message.items()] == [
        ("From", "Sklep Acme Żółw <sklep@acme.example>"),
        ("To", "Zoë Łukasiewicz-Tanaka 田中 <zoe@example.com>"),
        ("Reply-To", "Obsługa klienta <pomoc@acme.example>"),
        ("Subject", "Zamówienie nr 42 potwierdzone — ご注文ありがとうございます"),
        ("Date", "Tue, 14 May 2024 09:30:00 +0000"),
        ("Message-ID", f"<{key}@acme.example>"),
        ("MIME-Version", "1.0"),
        ("X-Tmplkit-Idempotency-Key", key),
        ("X-Tmplkit-Template-Id", "tem_01m2tes7aa7mr85hk6z60dyz85"),
        ("X-Tmplkit-Draft-Id", "tdft_01m2tesc0y971b3wtfmef3q6z3"),
        ("Content-Type", message["Content-Type"]),
        ("Content-Language", "pl-PL"),
    ]
    assert message.get_content_type() == "multipart/alternative"
    text, html = message.iter_parts()
    assert text.get_content_type() == "text/plain"
    assert html.get_content_type() == "text/html"
    for part in (text, html):
        assert part.get_content_charset() == "utf-8"
        assert part["Content-Transfer-Encoding"] == "quoted-printable"
    assert crlf_to_lf(text.get_content()) == ENVELOPE.text + "\n"
    assert crlf_to_lf(html.get_content()) == ENVELOPE.html + "\n"


def test_a_message_with_only_a_text_part_is_text_plain(mailbox: tuple[Mailbox, int]) -> None:
    handler, port = mailbox
    envelope = Envelope(
        channel="email",
        recipient=Recipient(address="ann@example.com"),
        subject="Reset your password",
        text="Open https://acme.example/reset/abc to choose a new password.\n",
        sender="shop@acme.example",
    )
    with smtp(port) as adapter:
        adapter.deliver(envelope)
    message = handler.message()
    assert message.get_content_type() == "text/plain"
    assert str(message["To"]) == "ann@example.com"
    assert "Reply-To" not in message
    assert crlf_to_lf(message.get_content()) == envelope.text


def test_the_sender_setting_is_the_from_of_envelopes_without_one(
    mailbox: tuple[Mailbox, int],
) -> None:
    handler, port = mailbox
    envelope = Envelope(
        channel="email", recipient=Recipient(address="ann@example.com"), subject="Hi", text="Hi"
    )
    with smtp(port, sender="Acme <noreply@acme.example>") as adapter:
        adapter.deliver(envelope)
    assert handler.received[0].mail_from == "noreply@acme.example"
    assert str(handler.message()["From"]) == "Acme <noreply@acme.example>"
    assert str(handler.message()["Message-ID"]) == f"<{envelope.idempotency_key}@acme.example>"


def test_one_connection_carries_many_messages_and_helo_is_the_setting(
    mailbox: tuple[Mailbox, int],
) -> None:
    handler, port = mailbox
    envelopes = [
        Envelope(
            channel="email",
            recipient=Recipient(address=f"user{n}@example.com"),
            subject=f"Message {n}",
            text=f"Body {n}",
            sender="shop@acme.example",
        )
        for n in range(3)
    ]
    with smtp(port, helo="mailer.acme.example") as adapter:
        receipts = list(adapter.deliver_many(envelopes))
    assert [r.remote_id for r in receipts] == ["Q1", "Q2", "Q3"]
    assert [e.rcpt_tos for e in handler.received] == [[f"user{n}@example.com"] for n in range(3)]
    assert len(set(handler.peers)) == 1  # the same client socket for all three
    assert handler.helo == ["mailer.acme.example"] * 3


def test_the_remote_id_is_the_queue_id_of_the_reply(mailbox: tuple[Mailbox, int]) -> None:
    handler, port = mailbox
    # what the server says after DATA: Exim's id=, or no id at all
    handler.replies.extend(["250 OK id=1sA2b-0003Xy-2Q", "250 OK"])
    with smtp(port) as adapter:
        exim, plain = adapter.deliver_many([ENVELOPE, ENVELOPE])
    assert (exim.remote_id, exim.detail) == ("1sA2b-0003Xy-2Q", {"reply": "OK id=1sA2b-0003Xy-2Q"})
    assert (plain.remote_id, plain.detail) == (None, {"reply": "OK"})
    assert exim.accepted and plain.accepted


# -- reply codes -------------------------------------------------------------------------------


def test_a_451_is_retried_and_the_message_delivered_once(mailbox: tuple[Mailbox, int]) -> None:
    handler, port = mailbox
    handler.replies.append("451 4.3.0 Mail server temporarily rejected message")
    with smtp(port) as adapter:
        receipt = adapter.deliver(ENVELOPE)
    assert receipt.accepted and receipt.remote_id == "Q1"
    assert handler.data_commands == 2
    assert len(handler.received) == 1


def test_a_451_that_persists_is_a_transient_failure(mailbox: tuple[Mailbox, int]) -> None:
    handler, port = mailbox
    handler.replies.extend(["451 4.3.0 Try again later"] * 3)
    with smtp(port, retries=2) as adapter, pytest.raises(DeliveryError) as caught:
        adapter.deliver(ENVELOPE)
    assert str(caught.value) == (
        f"smtp: 127.0.0.1:{port} refused DATA: 451 4.3.0 Try again later (after 3 attempts)"
    )
    assert caught.value.transient is True
    assert caught.value.status == 451
    assert handler.received == []


def test_a_550_is_permanent_and_not_retried(mailbox: tuple[Mailbox, int]) -> None:
    handler, port = mailbox
    handler.replies.append("550 5.7.1 Message rejected as spam")
    with smtp(port) as adapter:
        with pytest.raises(DeliveryError) as caught:
            adapter.deliver(ENVELOPE)
        assert str(caught.value) == (
            f"smtp: 127.0.0.1:{port} refused DATA: 550 5.7.1 Message rejected as spam"
        )
        assert caught.value.transient is False
        assert caught.value.status == 550
        assert handler.data_commands == 1
        # the connection was reset and serves the next message
        assert adapter.deliver(ENVELOPE).remote_id == "Q1"
    assert len(set(handler.peers)) == 1


def test_a_refused_recipient_is_a_failed_receipt_in_a_batch(mailbox: tuple[Mailbox, int]) -> None:
    handler, port = mailbox
    handler.rcpt_replies.append("550 5.1.1 <nobody@example.com>: Recipient address rejected")
    envelopes = [
        Envelope(
            channel="email",
            recipient=Recipient(address=address),
            subject="Hi",
            text="Hi",
            sender="shop@acme.example",
        )
        for address in ("nobody@example.com", "ann@example.com")
    ]
    with smtp(port) as adapter:
        first, second = adapter.deliver_many(envelopes)
    assert first.to_json() == {
        "key": envelopes[0].idempotency_key,
        "accepted": False,
        "error": f"smtp: 127.0.0.1:{port} refused RCPT TO:<nobody@example.com>: "
        "550 5.1.1 <nobody@example.com>: Recipient address rejected",
        "status": 550,
        "transient": False,
    }
    assert second.accepted and second.remote_id == "Q1"
    assert [e.rcpt_tos for e in handler.received] == [["ann@example.com"]]


def test_a_batch_killed_half_way_and_rerun_delivers_every_message_once(
    mailbox: tuple[Mailbox, int], tmp_path: Path
) -> None:
    handler, port = mailbox
    handler.replies.append("451 4.7.1 Greylisted, try again")  # the 3rd message: not accepted
    envelopes = [
        Envelope(
            channel="email",
            recipient=Recipient(address=f"user{n}@example.com"),
            subject="Sale",
            text="Sale starts now",
            sender="shop@acme.example",
        )
        for n in range(5)
    ]
    with Journal(tmp_path / "handoff.sqlite3") as journal:
        with smtp(port, retries=0) as adapter, pytest.raises(KeyboardInterrupt):
            run_batch(adapter, journal, envelopes, stop=3)
        assert [d["status"] for d in journal.deliveries("smtp")].count("accepted") == 2
        with smtp(port) as adapter:
            assert run_batch(adapter, journal, envelopes) == 3
        with smtp(port) as adapter:
            assert run_batch(adapter, journal, envelopes) == 0  # nothing left to send
    received = sorted(e.rcpt_tos[0] for e in handler.received)
    assert received == [f"user{n}@example.com" for n in range(5)]


# -- connection failures -----------------------------------------------------------------------


def test_an_unreachable_port_is_transient_after_the_retries() -> None:
    port = free_port()  # nothing listens there any more
    with smtp(port, retries=1) as adapter, pytest.raises(DeliveryError) as caught:
        adapter.deliver(ENVELOPE)
    assert str(caught.value) == (
        f"smtp: cannot connect to 127.0.0.1:{port}: [Errno 111] Connection refused "
        "(after 2 attempts)"
    )
    assert caught.value.transient is True
    assert caught.value.status is None


def test_a_server_that_never_greets_times_out() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        with smtp(port, timeout=0.3, retries=0) as adapter, pytest.raises(DeliveryError) as caught:
            adapter.deliver(ENVELOPE)
    assert str(caught.value) == f"smtp: 127.0.0.1:{port} timed out"
    assert caught.value.transient is True


def test_after_the_server_went_away_the_next_message_reconnects(
    mailbox: tuple[Mailbox, int],
) -> None:
    handler, port = mailbox
    with smtp(port) as adapter:
        adapter.deliver(ENVELOPE)
        assert adapter._smtp is not None
        adapter._smtp.sock.shutdown(socket.SHUT_RDWR)  # type: ignore[union-attr]  # gone
        assert adapter.deliver(ENVELOPE).remote_id == "Q2"
    assert len(set(handler.peers)) == 2


# -- AUTH and TLS ------------------------------------------------------------------------------


@pytest.fixture
def auth_mailbox() -> Iterator[tuple[Mailbox, int, list[tuple[str, bytes, bytes]]]]:
    handler = Mailbox()
    authenticator = Authenticator(b"pass w0rd!")
    # AUTH without TLS: loopback only, the tests have no certificate here
    with serve(
        handler, authenticator=authenticator, auth_required=True, auth_require_tls=False
    ) as port:
        yield handler, port, authenticator.seen


def test_auth_sends_the_password_from_the_environment(
    auth_mailbox: tuple[Mailbox, int, list[tuple[str, bytes, bytes]]],
) -> None:
    handler, port, seen = auth_mailbox
    adapter = open_adapter(
        "smtp",
        {"host": "127.0.0.1", "port": port, "username": "mailer", "password_env": "RELAY_PW"},
        env={"RELAY_PW": "pass w0rd!"},
    )
    with adapter:
        assert adapter.deliver(ENVELOPE).accepted
    assert seen == [("PLAIN", b"mailer", b"pass w0rd!")]
    assert len(handler.received) == 1


def test_a_wrong_password_is_a_permanent_failure(
    auth_mailbox: tuple[Mailbox, int, list[tuple[str, bytes, bytes]]],
) -> None:
    handler, port, seen = auth_mailbox
    adapter = open_adapter(
        "smtp",
        {"host": "127.0.0.1", "port": port, "username": "mailer"},
        env={"TMPLKIT_SMTP_PASSWORD": "wrong"},
    )
    with adapter, pytest.raises(DeliveryError) as caught:
        adapter.deliver(ENVELOPE)
    assert str(caught.value) == (
        f"smtp: 127.0.0.1:{port} refused AUTH as mailer: "
        "535 5.7.8 Authentication credentials invalid"
    )
    assert caught.value.transient is False
    # smtplib tries each mechanism the server offers
    assert [(s[0], s[2]) for s in seen] == [("PLAIN", b"wrong"), ("LOGIN", b"wrong")]
    assert handler.received == []


def test_without_credentials_a_server_that_requires_auth_refuses(
    auth_mailbox: tuple[Mailbox, int, list[tuple[str, bytes, bytes]]],
) -> None:
    handler, port, seen = auth_mailbox
    with smtp(port) as adapter, pytest.raises(DeliveryError) as caught:
        adapter.deliver(ENVELOPE)
    assert str(caught.value) == (
        f"smtp: 127.0.0.1:{port} refused MAIL FROM:<sklep@acme.example>: "
        "530 5.7.0 Authentication required"
    )
    assert seen == []
    assert handler.received == []


def test_starttls_on_a_server_without_it_is_a_clear_error(mailbox: tuple[Mailbox, int]) -> None:
    handler, port = mailbox
    with smtp(port, starttls=True) as adapter, pytest.raises(DeliveryError) as caught:
        adapter.deliver(ENVELOPE)
    assert str(caught.value) == (
        f"smtp: 127.0.0.1:{port}: STARTTLS extension not supported by server."
    )
    assert caught.value.transient is False
    assert handler.received == []


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def test_starttls_and_auth_with_the_servers_certificate(certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    handler = Mailbox()
    authenticator = Authenticator(b"secret")
    with serve(
        handler,
        tls_context=context,
        require_starttls=True,
        authenticator=authenticator,
        auth_required=True,
    ) as port:
        options = {"host": "127.0.0.1", "port": port, "starttls": True, "username": "mailer"}
        env = {"TMPLKIT_SMTP_PASSWORD": "secret"}
        # without the CA the certificate does not verify: permanent, with what to do
        with (
            open_adapter("smtp", options, env=env) as adapter,
            pytest.raises(DeliveryError) as caught,
        ):
            adapter.deliver(ENVELOPE)
        assert str(caught.value) == (
            f"smtp: 127.0.0.1:{port}: TLS certificate not trusted "
            "(self-signed certificate) (hint: set cafile to the CA that signed the server's "
            "certificate)"
        )
        assert caught.value.transient is False
        with open_adapter("smtp", {**options, "cafile": str(cert)}, env=env) as adapter:
            assert adapter.deliver(ENVELOPE).remote_id == "Q1"
    assert [(mechanism, login) for mechanism, login, _ in authenticator.seen] == [
        ("PLAIN", b"mailer")
    ]
    assert handler.message()["Subject"] == ENVELOPE.subject


# -- dry run -----------------------------------------------------------------------------------


def test_a_dry_run_prints_the_message_and_connects_to_nothing() -> None:
    out = io.StringIO()
    port = free_port()  # nothing listens: a connection attempt would fail
    adapter = open_adapter(
        "smtp",
        {"host": "127.0.0.1", "port": port, "username": "mailer"},
        env={"TMPLKIT_SMTP_PASSWORD": "hunter2"},
        dry_run=out,
    )
    assert isinstance(adapter, SmtpAdapter)
    adapter.clock = lambda: WHEN
    receipt = adapter.deliver(ENVELOPE)
    assert receipt.to_json() == {"key": ENVELOPE.idempotency_key, "accepted": True, "dryRun": True}
    printed = out.getvalue()
    boundary = re.search(r'boundary="([^"]+)"', printed)
    assert boundary is not None
    key = ENVELOPE.idempotency_key
    expected = f"""\
SMTP 127.0.0.1:{port}, AUTH as mailer
MAIL FROM:<sklep@acme.example>
RCPT TO:<zoe@example.com>

From: Sklep Acme =?utf-8?b?xbvDs8WCdw==?= <sklep@acme.example>
To: =?utf-8?b?Wm/DqyDFgXVrYXNpZXdpY3otVGFuYWthIOeUsOS4rQ==?= <zoe@example.com>
Reply-To: =?utf-8?q?Obs=C5=82uga?= klienta <pomoc@acme.example>
Subject: =?utf-8?b?WmFtw7N3aWVuaWUgbnIgNDIgcG90d2llcmR6b25lIOKAlCDjgZTms6g=?=
 =?utf-8?b?5paH44GC44KK44GM44Go44GG44GU44GW44GE44G+44GZ?=
Date: Tue, 14 May 2024 09:30:00 +0000
Message-ID: <{key}@acme.example>
MIME-Version: 1.0
X-Tmplkit-Idempotency-Key: {key}
X-Tmplkit-Template-Id: tem_01m2tes7aa7mr85hk6z60dyz85
X-Tmplkit-Draft-Id: tdft_01m2tesc0y971b3wtfmef3q6z3
Content-Type: multipart/alternative;
 boundary="{boundary.group(1)}"
Content-Language: pl-PL

--{boundary.group(1)}
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: quoted-printable

Cze=C5=9B=C4=87 Zo=C3=AB, dzi=C4=99kujemy za zam=C3=B3wienie =E2=80=94 =E6=B3=
=A8=E6=96=87=E7=95=AA=E5=8F=B7 42.
https://acme.example/o/42

--{boundary.group(1)}
Content-Type: text/html; charset="utf-8"
Content-Transfer-Encoding: quoted-printable

<p>Cze=C5=9B=C4=87 <b>Zo=C3=AB</b>, dzi=C4=99kujemy za zam=C3=B3wienie =E2=80=
=94 =E6=B3=A8=E6=96=87=E7=95=AA=E5=8F=B7 <a href=3D"https://acme.example/o/42=
">42</a>.</p>

--{boundary.group(1)}--

"""
    assert printed == expected
    assert "hunter2" not in printed


# -- configuration and envelopes ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "env", "message"),
    [
        (
            {"ssl": True, "starttls": True},
            {},
            "[handoff.smtp]: starttls: cannot be set with ssl (hint: ssl = true for implicit "
            "TLS (port 465), starttls = true for port 587)",
        ),
        ({"port": "25"}, {}, "[handoff.smtp]: port: must be a number from 1 to 65535, not '25'"),
        ({"port": 70000}, {}, "[handoff.smtp]: port: must be a number from 1 to 65535, not 70000"),
        ({"starttls": "yes"}, {}, "[handoff.smtp]: starttls: must be true or false, not 'yes'"),
        ({"host": ""}, {}, "[handoff.smtp]: host: must be a non-empty string, not ''"),
        (
            {"hostname": "mail.example.com"},
            {},
            "[handoff.smtp]: unknown setting 'hostname' (hint: settings: adapter, backoff, "
            "cafile, helo, host, password_env, port, retries, sender, ssl, starttls, timeout, "
            "username)",
        ),
        (
            {"timeout": "soon"},
            {},
            "retries, backoff and timeout must be numbers: "
            "could not convert string to float: 'soon'",
        ),
        (
            {"username": "mailer"},
            {},
            "[handoff.smtp]: the environment variable TMPLKIT_SMTP_PASSWORD is not set "
            "(hint: export TMPLKIT_SMTP_PASSWORD=... (credentials come from the environment "
            "only))",
        ),
        (
            {"username": "mailer", "password": "hunter2"},
            {"TMPLKIT_SMTP_PASSWORD": "x"},
            "[handoff.smtp]: 'password' is a credential and cannot be written in tmplkit.toml "
            "(hint: set the environment variable TMPLKIT_SMTP_PASSWORD (or name another one "
            'with password_env = "VAR"))',
        ),
        (
            {"username": "mailer"},
            {"TMPLKIT_SMTP_PASSWORD": "päss"},
            "[handoff.smtp]: password_env: the password in TMPLKIT_SMTP_PASSWORD must be ASCII "
            "(smtplib sends AUTH in ASCII)",
        ),
        (
            {"password": "hunter2"},
            {},
            "[handoff.smtp]: 'password' is a credential and cannot be written in tmplkit.toml "
            "(hint: set the environment variable TMPLKIT_SMTP_PASSWORD (or name another one "
            'with password_env = "VAR"))',
        ),
    ],
)
def test_bad_settings_are_one_clear_error(
    options: dict[str, Any], env: dict[str, str], message: str
) -> None:
    with pytest.raises(HandoffError) as caught:
        open_adapter("smtp", options, env=env)
    assert str(caught.value) == message


def test_envelopes_it_cannot_send_are_refused_before_connecting() -> None:
    port = free_port()
    adapter = smtp(port)
    sms = Envelope(channel="sms", recipient=Recipient(phone="+46701234567"), text="Hi")
    with pytest.raises(HandoffError) as caught:
        adapter.check(sms)
    assert (
        str(caught.value) == "smtp does not carry sms messages (hint: channels it carries: email)"
    )
    with pytest.raises(HandoffError) as caught:
        adapter.deliver(sms)
    assert (
        str(caught.value) == "smtp does not carry sms messages (hint: channels it carries: email)"
    )
    no_sender = Envelope(channel="email", recipient=Recipient(address="a@example.com"), text="x")
    with pytest.raises(HandoffError) as caught:
        adapter.check(no_sender)
    assert str(caught.value) == (
        f"message {no_sender.idempotency_key}: no sender "
        "(hint: set `sender` under [defaults] in tmplkit.toml)"
    )
    no_address = Envelope(channel="email", recipient=Recipient(id="u1"), text="x", sender="a@b.c")
    with pytest.raises(HandoffError) as caught:
        adapter.deliver(no_address)
    assert str(caught.value) == f"message {no_address.idempotency_key}: no e-mail address"


def test_close_says_quit_and_a_closed_adapter_reconnects(mailbox: tuple[Mailbox, int]) -> None:
    handler, port = mailbox
    adapter = smtp(port)
    adapter.deliver(ENVELOPE)
    adapter.close()
    assert adapter._smtp is None
    adapter.deliver(ENVELOPE)
    adapter.close()
    assert len(set(handler.peers)) == 2


def test_threads_share_one_adapter_safely(mailbox: tuple[Mailbox, int]) -> None:
    handler, port = mailbox
    adapter = smtp(port)
    envelopes = [
        Envelope(
            channel="email",
            recipient=Recipient(address=f"u{n}@example.com"),
            subject="Hi",
            text=f"n={n}",
            sender="shop@acme.example",
        )
        for n in range(12)
    ]
    threads = [threading.Thread(target=adapter.deliver, args=(e,)) for e in envelopes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    adapter.close()
    assert sorted(e.rcpt_tos[0] for e in handler.received) == sorted(
        f"u{n}@example.com" for n in range(12)
    )
    assert len(set(handler.peers)) == 1
