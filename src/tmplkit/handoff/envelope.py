"""The message envelope: one rendered message for one recipient, as tmplkit hands it off."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import HandoffError

if TYPE_CHECKING:
    from ..rendering import Message

ENVELOPE_VERSION = 1
CHANNELS = ("email", "sms", "push", "chat")


def check_channel(channel: str) -> None:
    """HandoffError unless `channel` is one of CHANNELS."""
    if channel not in CHANNELS:
        raise HandoffError(f"unknown channel {channel!r}", hint="channels: " + ", ".join(CHANNELS))


@dataclass(frozen=True)
class Recipient:
    """Who a message goes to: an e-mail address, a phone number (E.164, `+46701234567`), a
    user id (for push and chat), a display name, and the recipient's own data (`attributes`,
    which some sending systems take along, e.g. UIowa Dispatch's custom member attributes)."""

    address: str | None = None
    phone: str | None = None
    id: str | None = None
    name: str | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)

    def key(self) -> str:
        """What identifies the recipient for idempotency: id, else address, else phone."""
        return self.id or self.address or self.phone or ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "address": self.address,
            "phone": self.phone,
            "id": self.id,
            "name": self.name,
        }
        if self.attributes:
            out["attributes"] = dict(self.attributes)
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Recipient:
        return cls(
            address=data.get("address"),
            phone=data.get("phone"),
            id=data.get("id"),
            name=data.get("name"),
            attributes=dict(data.get("attributes") or {}),
        )


@dataclass(frozen=True)
class Envelope:
    """A rendered message for one recipient on one channel; JSON-serializable and versioned.

    `channel` is where it goes first (email, sms, push, chat). `parts` holds the rendered
    channel parts of the draft besides the e-mail ones (`{"sms": "...", "push": "..."}`), so
    that an adapter with failover (Vonage) can build each step from its own part.
    `content_hash` is the SHA-256 of the content (channel, recipient, sender, subject, html,
    text, parts); `idempotency_key` defaults to a hash of the template, draft, locale, channel,
    recipient and content: the same message to the same recipient has the same key in every
    run, which is what the hand-off journal and receivers use to send it once.
    """

    channel: str
    recipient: Recipient
    subject: str = ""
    html: str = ""
    text: str = ""
    parts: Mapping[str, str] = field(default_factory=dict)
    sender: str | None = None
    reply_to: str | None = None
    locale: str | None = None
    template_id: str | None = None
    draft_id: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    idempotency_key: str = ""
    content_hash: str = ""
    version: int = ENVELOPE_VERSION

    def __post_init__(self) -> None:
        check_channel(self.channel)
        if not self.content_hash:
            object.__setattr__(self, "content_hash", self._content_hash())
        if not self.idempotency_key:
            object.__setattr__(self, "idempotency_key", self._default_key())

    @classmethod
    def from_message(
        cls,
        message: Message,
        recipient: Recipient,
        *,
        channel: str = "email",
        metadata: Mapping[str, Any] | None = None,
        idempotency_key: str = "",
    ) -> Envelope:
        """The envelope of a rendered Message for `recipient`."""
        return cls(
            channel=channel,
            recipient=recipient,
            subject=message.subject,
            html=message.html,
            text=message.text,
            parts=dict(getattr(message, "channels", None) or {}),
            sender=message.sender,
            reply_to=message.reply_to,
            locale=message.locale,
            template_id=message.template_id,
            draft_id=message.draft_id,
            metadata=dict(metadata or {}),
            idempotency_key=idempotency_key,
        )

    def body(self, channel: str | None = None) -> str:
        """The text to send on a text channel (sms, push, chat): that channel's own part, else
        the SMS part, else the plain-text part."""
        channel = channel or self.channel
        return self.parts.get(channel) or self.parts.get("sms") or self.text

    def _content(self) -> dict[str, Any]:
        """What the message says and to whom: the part of the JSON its content hash covers."""
        return {
            "channel": self.channel,
            "recipient": self.recipient.to_json(),
            "sender": self.sender,
            "replyTo": self.reply_to,
            "subject": self.subject,
            "html": self.html,
            "text": self.text,
            "parts": dict(self.parts),
        }

    def _content_hash(self) -> str:
        return _sha256(self._content())  # keys sorted: the order of `parts` does not count

    def _default_key(self) -> str:
        key = [
            self.template_id,
            self.draft_id,
            self.locale,
            self.channel,
            self.recipient.key(),
            self.content_hash,
        ]
        return _sha256(key)[:32]

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            **self._content(),
            "locale": self.locale,
            "templateId": self.template_id,
            "draftId": self.draft_id,
            "contentHash": self.content_hash,
            "idempotencyKey": self.idempotency_key,
            "metadata": dict(self.metadata),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Envelope:
        version = data.get("version")
        if version != ENVELOPE_VERSION:
            raise HandoffError(
                f"envelope version {version!r} is not supported (this tmplkit reads version "
                f"{ENVELOPE_VERSION})"
            )
        envelope = cls(
            channel=data["channel"],
            recipient=Recipient.from_json(data.get("recipient") or {}),
            subject=data.get("subject") or "",
            html=data.get("html") or "",
            text=data.get("text") or "",
            parts=dict(data.get("parts") or {}),
            sender=data.get("sender"),
            reply_to=data.get("replyTo"),
            locale=data.get("locale"),
            template_id=data.get("templateId"),
            draft_id=data.get("draftId"),
            metadata=dict(data.get("metadata") or {}),
            idempotency_key=data.get("idempotencyKey") or "",
        )
        stated = data.get("contentHash")
        if stated and stated != envelope.content_hash:
            raise HandoffError(
                f"envelope {envelope.idempotency_key}: content hash does not match its content"
            )
        return envelope


def _sha256(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
