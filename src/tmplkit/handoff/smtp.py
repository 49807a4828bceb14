"""The smtp adapter: real e-mail over SMTP with the standard library, one connection reused
across messages, reply codes mapped to transient (4xx) and permanent (5xx) failures."""

from __future__ import annotations

import dataclasses
import email.policy
import random
import re
import smtplib
import ssl
import threading
import time
from collections.abc import Callable
from email.message import EmailMessage

from ..errors import DeliveryError
from .base import Adapter, Context, Receipt
from .envelope import Envelope
from .http import RetryPolicy
from .mime import build_message, check_headers, message_bytes
from .validate import check_known, flag, setting_error, text

SETTINGS = (
    "adapter",
    "host",
    "port",
    "ssl",
    "starttls",
    "username",
    "password_env",
    "helo",
    "cafile",
    "sender",
    "timeout",
    "retries",
    "backoff",
)

PASSWORD_VAR = "TMPLKIT_SMTP_PASSWORD"
# The queue id in a 250 to DATA: Postfix and aiosmtpd "queued as 4Vb2x", Exim "id=1sA2b-000".
_QUEUED = re.compile(r"(?:queued as|\bid=)\s*([^\s;,]+)", re.IGNORECASE)


class SmtpAdapter(Adapter):
    """E-mail over SMTP: `host`, `port`, `ssl` (implicit TLS) or `starttls`, `username` with
    the password from the environment, `timeout`, `retries`, `backoff`, `helo`, `cafile`,
    `sender` (the From when an envelope has none)."""

    name = "smtp"
    channels = frozenset({"email"})
    description = "e-mail over SMTP: multipart/alternative (text, HTML), UTF-8 headers"

    def __init__(self, context: Context) -> None:
        super().__init__(context)
        if "password" in context.options:  # refused as a credential, not as a typo
            context.secret("password_env", PASSWORD_VAR)
        check_known(context, SETTINGS)
        self.host = text(context, "host") or "localhost"
        self.ssl = flag(context, "ssl")
        self.starttls = flag(context, "starttls")
        if self.ssl and self.starttls:
            raise setting_error(
                context,
                "starttls",
                "cannot be set with ssl",
                hint="ssl = true for implicit TLS (port 465), starttls = true for port 587",
            )
        self.port = _port(context, 465 if self.ssl else 587 if self.starttls else 25)
        self.username = text(context, "username")
        self.password = context.secret(
            "password_env", PASSWORD_VAR, required=self.username is not None
        )
        password_var = str(context.options.get("password_env", PASSWORD_VAR))
        for what, value, problem in (
            ("username", self.username, "must be ASCII"),
            # the password is in the variable password_env names: the message names both
            ("password_env", self.password, f"the password in {password_var} must be ASCII"),
        ):
            if value is not None and not value.isascii():
                # smtplib encodes AUTH PLAIN and LOGIN as ASCII
                raise setting_error(context, what, f"{problem} (smtplib sends AUTH in ASCII)")
        self.helo = text(context, "helo")
        self.cafile = text(context, "cafile")
        self.default_sender = text(context, "sender")
        self.retry = RetryPolicy.from_options(context.options)
        # Hooks for tests: the clock stamps Date, sleep waits between attempts.
        self.clock: Callable[[], float] = time.time
        self.sleep: Callable[[float], None] = time.sleep
        self.rng = random.Random()
        self._smtp: smtplib.SMTP | None = None
        self._lock = threading.Lock()

    @property
    def server(self) -> str:
        return f"{self.host}:{self.port}"

    def check(self, envelope: Envelope) -> None:
        super().check(envelope)
        # The headers are all that can refuse an envelope: the body is built when it is sent.
        check_headers(self._with_sender(envelope))

    def message(self, envelope: Envelope) -> EmailMessage:
        """The RFC 5322 message for `envelope`, as it would be sent (HandoffError if the
        envelope has no usable sender or recipient address)."""
        return build_message(self._with_sender(envelope), date=self.clock())

    def _with_sender(self, envelope: Envelope) -> Envelope:
        """`envelope`, with the adapter's `sender` as From when it has none."""
        if not envelope.sender and self.default_sender:
            envelope = dataclasses.replace(envelope, sender=self.default_sender)
        return envelope

    def deliver(self, envelope: Envelope) -> Receipt:
        super().check(envelope)
        message = self.message(envelope)
        mail_from = _addr_spec(message, "From")
        rcpt_to = _addr_spec(message, "To")
        if self.context.dry_run is not None:
            self.context.dry_run.write(self._show(message, mail_from, rcpt_to))
            return Receipt(envelope.idempotency_key, True, dry_run=True)
        data = message_bytes(message, linesep="\r\n")
        with self._lock:
            reply = self._send(mail_from, rcpt_to, data)
        queued = _QUEUED.search(reply)
        return Receipt(
            envelope.idempotency_key,
            True,
            remote_id=queued.group(1) if queued else None,
            status=250,
            detail={"reply": reply},
        )

    def close(self) -> None:
        with self._lock:
            self._drop(polite=True)

    # -- sending ---------------------------------------------------------------------------

    def _send(self, mail_from: str, rcpt_to: str, data: bytes) -> str:
        """Send one message, retrying transient failures; the server's reply to DATA."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._transaction(mail_from, rcpt_to, data)
            except DeliveryError as exc:
                if not exc.transient or attempt >= self.retry.attempts:
                    if attempt == 1:
                        raise
                    raise DeliveryError(
                        f"{exc.message} (after {attempt} attempts)",
                        transient=exc.transient,
                        status=exc.status,
                        hint=exc.hint,
                    ) from None
            self.sleep(self.retry.wait(attempt, None, self.rng))

    def _transaction(self, mail_from: str, rcpt_to: str, data: bytes) -> str:
        try:
            smtp = self._connect()
            code, text = smtp.mail(mail_from)
            if code != 250:
                raise _Refused(code, text, f"MAIL FROM:<{mail_from}>")
            code, text = smtp.rcpt(rcpt_to)
            if code not in (250, 251):
                raise _Refused(code, text, f"RCPT TO:<{rcpt_to}>")
            code, text = smtp.data(data)  # raises for a refused DATA, not for a refused message
            if code != 250:
                raise _Refused(code, text, "DATA")
            return _reply_text(text)
        except _Refused as exc:
            self._reset()
            raise self._refused(exc.smtp_code, exc.smtp_error, exc.stage) from None
        except smtplib.SMTPDataError as exc:
            self._reset()
            raise self._refused(exc.smtp_code, exc.smtp_error, "DATA") from None
        except smtplib.SMTPServerDisconnected as exc:
            self._drop()
            if isinstance(exc.__context__, TimeoutError):  # smtplib wraps a read timeout
                problem = f"{self.server} timed out"
            else:
                problem = f"{self.server} closed the connection ({exc or 'disconnected'})"
            raise DeliveryError(f"{self.name}: {problem}", transient=True) from None
        except smtplib.SMTPAuthenticationError as exc:
            self._drop()
            raise self._refused(exc.smtp_code, exc.smtp_error, f"AUTH as {self.username}") from None
        except smtplib.SMTPResponseException as exc:
            # a refusal when connecting, at EHLO or at STARTTLS
            self._drop()
            raise self._refused(exc.smtp_code, exc.smtp_error, "the session") from None
        except smtplib.SMTPNotSupportedError as exc:
            self._drop()
            raise DeliveryError(f"{self.name}: {self.server}: {exc}") from None
        except (TimeoutError, ssl.SSLError, OSError) as exc:
            self._drop()
            if isinstance(exc, TimeoutError):
                problem = f"{self.server} timed out"
            elif isinstance(exc, ssl.SSLCertVerificationError):
                # a certificate that does not verify will not verify on the next attempt either
                raise DeliveryError(
                    f"{self.name}: {self.server}: TLS certificate not trusted "
                    f"({exc.verify_message})",
                    hint="set cafile to the CA that signed the server's certificate",
                ) from None
            else:
                problem = f"cannot connect to {self.server}: {exc}"
            raise DeliveryError(f"{self.name}: {problem}", transient=True) from None

    def _connect(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        smtp: smtplib.SMTP
        if self.ssl:
            smtp = smtplib.SMTP_SSL(
                self.host,
                self.port,
                local_hostname=self.helo,
                timeout=self.retry.timeout,
                context=self._tls(),
            )
        else:
            smtp = smtplib.SMTP(
                self.host, self.port, local_hostname=self.helo, timeout=self.retry.timeout
            )
        try:
            smtp.ehlo_or_helo_if_needed()
            if self.starttls:
                smtp.starttls(context=self._tls())
                smtp.ehlo()
            if self.username is not None:
                assert self.password is not None
                smtp.login(self.username, self.password)
        except BaseException:
            smtp.close()
            raise
        self._smtp = smtp
        return smtp

    def _tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.cafile)

    def _reset(self) -> None:
        """After a refused command: RSET, so that the connection serves the next message."""
        if self._smtp is None:
            return
        try:
            self._smtp.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()

    def _drop(self, *, polite: bool = False) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        if polite:
            try:
                smtp.quit()
                return
            except (smtplib.SMTPException, OSError):
                pass
        smtp.close()

    def _refused(self, code: int, text: bytes | str, stage: str) -> DeliveryError:
        """An SMTP reply as a DeliveryError: 4xx transient, 5xx permanent."""
        return DeliveryError(
            f"{self.name}: {self.server} refused {stage}: {code} {_reply_text(text)}",
            transient=400 <= code < 500,
            status=code,
        )

    def _show(self, message: EmailMessage, mail_from: str, rcpt_to: str) -> str:
        tls = " (TLS)" if self.ssl else " (STARTTLS)" if self.starttls else ""
        auth = f", AUTH as {self.username}" if self.username is not None else ""
        head = f"SMTP {self.server}{tls}{auth}\nMAIL FROM:<{mail_from}>\nRCPT TO:<{rcpt_to}>\n\n"
        return head + message.as_string(policy=email.policy.default) + "\n"


class _Refused(Exception):
    def __init__(self, code: int, text: bytes, stage: str) -> None:
        super().__init__(code, text, stage)
        self.smtp_code = code
        self.smtp_error = text
        self.stage = stage


def _addr_spec(message: EmailMessage, header: str) -> str:
    return str(message[header].addresses[0].addr_spec)


def _reply_text(text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return " ".join(text.split())


def _port(context: Context, default: int) -> int:
    value = context.option("port", default)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 65536:
        raise setting_error(context, "port", f"must be a number from 1 to 65535, not {value!r}")
    return value
