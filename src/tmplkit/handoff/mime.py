"""The RFC 5322 message of an envelope: multipart/alternative text + HTML, UTF-8, proper headers.

One builder for every adapter that hands off e-mail as a MIME message: the outbox's maildir
format writes it to a file, the smtp adapter sends it.
"""

from __future__ import annotations

import email.errors
import email.policy
import email.utils
import re
import time
from email.headerregistry import Address
from email.message import EmailMessage, MIMEPart
from functools import lru_cache
from typing import cast

from ..errors import HandoffError
from .envelope import Envelope

# Our own headers: what a receiver (or a person reading the raw message) can match on.
KEY_HEADER = "X-Tmplkit-Idempotency-Key"
TEMPLATE_HEADER = "X-Tmplkit-Template-Id"
DRAFT_HEADER = "X-Tmplkit-Draft-Id"
CHANNEL_HEADER = "X-Tmplkit-Channel"
RECIPIENT_HEADER = "X-Tmplkit-Recipient"

# What the email package raises for a header it cannot make: an unparsable address (an addr-spec
# such as "zoe@@example.com" is a HeaderParseError), a line break in a value.
_UNPARSABLE = (ValueError, IndexError, email.errors.HeaderParseError)

DEFAULT_DOMAIN = "tmplkit.invalid"  # RFC 6761: never a real domain
_DOMAIN_RE = re.compile(r"^[A-Za-z0-9.-]+$")


def build_message(envelope: Envelope, *, date: float | None = None) -> EmailMessage:
    """The envelope as an e-mail message.

    An e-mail envelope needs a sender and an address (HandoffError otherwise). Other channels
    (sms, push, chat) get a text/plain message holding their text (`envelope.body()`), with the
    recipient in `X-Tmplkit-Recipient`, so that a maildir outbox can hold them too.

    Message-ID is `<KEY@DOMAIN>` (the envelope's idempotency key at the sender's domain): the
    same message has the same id in every run, so a mail system that saw it can tell.
    `date` (seconds since the epoch; default now) sets the Date header.
    """
    msg = EmailMessage(policy=email.policy.default)
    message_headers(envelope, msg, date=date)
    if envelope.channel != "email":
        _set_text(msg, envelope.body(), "plain")
    elif not envelope.html:
        _set_text(msg, envelope.text, "plain")
    else:
        # multipart/alternative: the last part is the preferred one, so HTML comes after text.
        msg.make_alternative()
        for text, subtype in ((envelope.text, "plain"), (envelope.html, "html")):
            part = MIMEPart(policy=msg.policy)
            _set_text(part, text, subtype)
            # A MIMEPart, not an EmailMessage: a part carries no MIME-Version header of its own.
            msg.attach(cast(EmailMessage, part))
    if envelope.locale:  # after the content: setting content drops the Content-* headers
        msg["Content-Language"] = envelope.locale
    return msg


def check_headers(envelope: Envelope) -> None:
    """Raise the HandoffError message_headers would raise for `envelope`, without building
    the headers that cannot refuse: what an adapter's check runs for every message of a batch.

    The sender and the reply-to address, the same for a whole batch, are parsed once each;
    the recipient's address every time; a subject or a recipient id only when it holds a line
    break (the one thing that makes a free-text header refuse)."""
    _require_addresses(envelope)
    recipient = envelope.recipient
    try:
        for name, value in (("From", envelope.sender), ("Reply-To", envelope.reply_to)):
            if value:
                _address_header(name, value)
        msg = EmailMessage(policy=email.policy.default)
        if envelope.channel == "email":
            msg["To"] = Address(display_name=recipient.name or "", addr_spec=recipient.address)
        else:
            who = recipient.phone or recipient.id or recipient.address or ""
            if len(who.splitlines()) > 1:
                msg[RECIPIENT_HEADER] = who
        if len(envelope.subject.splitlines()) > 1:
            msg["Subject"] = envelope.subject
    except _UNPARSABLE as exc:
        raise _unbuildable(envelope, exc) from None


@lru_cache(maxsize=64)
def _address_header(name: str, value: str) -> None:
    """Parse an address header as message_headers sets it (ValueError if it cannot be)."""
    EmailMessage(policy=email.policy.default)[name] = value


def _require_addresses(envelope: Envelope) -> None:
    if envelope.channel == "email":
        if not envelope.sender:
            raise HandoffError(
                f"message {envelope.idempotency_key}: no sender",
                hint="set `sender` under [defaults] in tmplkit.toml",
            )
        if not envelope.recipient.address:
            raise HandoffError(f"message {envelope.idempotency_key}: no e-mail address")


def _unbuildable(envelope: Envelope, exc: Exception) -> HandoffError:
    return HandoffError(f"message {envelope.idempotency_key}: cannot build its headers: {exc}")


def message_headers(envelope: Envelope, msg: EmailMessage, *, date: float | None = None) -> None:
    """Set the envelope's headers on `msg` (a new message, before its content is set).

    This is the stage of `build_message` that can refuse an envelope (HandoffError: an e-mail
    envelope without a sender or an address, an unparsable address, a line break in a value);
    the content set after it raises no HandoffError (check_headers says the same sooner).
    """
    recipient = envelope.recipient
    _require_addresses(envelope)
    try:
        if envelope.sender:
            msg["From"] = envelope.sender
        if envelope.channel == "email":
            msg["To"] = Address(display_name=recipient.name or "", addr_spec=recipient.address)
        else:
            msg[RECIPIENT_HEADER] = recipient.phone or recipient.id or recipient.address or ""
            msg[CHANNEL_HEADER] = envelope.channel
        if envelope.reply_to:
            msg["Reply-To"] = envelope.reply_to
        if envelope.subject:
            msg["Subject"] = envelope.subject
        msg["Date"] = email.utils.formatdate(time.time() if date is None else date, usegmt=True)
        msg["Message-ID"] = f"<{envelope.idempotency_key}@{_domain(envelope.sender)}>"
        msg["MIME-Version"] = "1.0"
        msg[KEY_HEADER] = envelope.idempotency_key
        if envelope.template_id:
            msg[TEMPLATE_HEADER] = envelope.template_id
        if envelope.draft_id:
            msg[DRAFT_HEADER] = envelope.draft_id
    except _UNPARSABLE as exc:  # an unparsable address, a line break in a value
        raise _unbuildable(envelope, exc) from None


def _set_text(part: MIMEPart, text: str, subtype: str) -> None:
    # Quoted-printable: 7-bit safe for any relay, and still readable in the raw message.
    body = text if text.endswith("\n") else text + "\n"
    part.set_content(body, subtype=subtype, charset="utf-8", cte="quoted-printable")


def message_bytes(msg: EmailMessage, *, linesep: str = "\n") -> bytes:
    """The message as bytes: `\\n` line ends for a file, `\\r\\n` for the wire (SMTP)."""
    return msg.as_bytes(policy=msg.policy.clone(linesep=linesep))


def _domain(sender: str | None) -> str:
    """The domain of the sender's address, for Message-ID; a reserved one without a sender."""
    if sender:
        _, address = email.utils.parseaddr(sender)
        domain = address.rpartition("@")[2]
        if domain and _DOMAIN_RE.match(domain):
            return domain.lower()
    return DEFAULT_DOMAIN
