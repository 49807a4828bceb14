"""Who a message goes to: `--to` parsed, a recipient record's fields read, and checked against
what the channel needs (an address for e-mail, a phone number for SMS)."""

from __future__ import annotations

import email.utils
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..batch import kind_of, record_field
from ..errors import HandoffError
from .envelope import Recipient, check_channel

_PHONE_RE = re.compile(r"^\+?[0-9(][0-9 ().-]{4,}$")


def parse_recipient(to: str, channel: str | None = None) -> Recipient:
    """Who `--to` names: an e-mail address (`ann@example.com`, `Ann <ann@example.com>`), a
    phone number (`+46 70 123 45 67`, spaces and dashes dropped), or a user id for push and
    chat (`id:u-42`, or anything that is neither). With `channel`, HandoffError unless it is
    what the channel needs (an address for e-mail, a phone number for SMS)."""
    text = to.strip()
    if not text:
        raise HandoffError("no recipient: --to is empty")
    if text.startswith("id:"):
        recipient = Recipient(id=text[3:].strip() or None)
    elif "@" in text:
        name, address = email.utils.parseaddr(text)
        if not _is_address(address):
            raise HandoffError(f"{to!r} is not an e-mail address")
        recipient = Recipient(address=address, name=name or None)
    elif _PHONE_RE.match(text):
        recipient = Recipient(phone=re.sub(r"[ ().-]", "", text))
    else:
        recipient = Recipient(id=text)
    if channel == "email" and not recipient.address:
        hint = "to send it an SMS: --channel sms" if recipient.phone else None
        raise HandoffError(f"{to!r} is not an e-mail address", hint=hint)
    if channel == "sms" and not recipient.phone:
        raise HandoffError(f"{to!r} is not a phone number", hint='write it like "+46701234567"')
    return recipient


def _is_address(address: str) -> bool:
    local, at, domain = address.rpartition("@")
    return bool(at and local and "." in domain and not re.search(r"[\s<>,;]", address))


@dataclass(frozen=True)
class RecipientFields:
    """Which fields of a recipient record hold the address, phone number, name, user id and
    attributes (a mapping some sending systems take along). A dotted name (`user.email`)
    reaches into nested objects, as CSV columns `user.email` nest."""

    address: str = "email"
    phone: str = "phone"
    name: str = "name"
    id: str = "id"
    attributes: str = "attributes"


def recipient_from_record(
    record: Mapping[str, Any], fields: RecipientFields = RecipientFields()
) -> Recipient:
    """The recipient a record names (HandoffError for a field of the wrong type)."""
    values: dict[str, str | None] = {}
    for attr in ("address", "phone", "name", "id"):
        path = getattr(fields, attr)
        value = record_field(record, path, Mapping)
        if value is None or value == "":
            values[attr] = None
        elif isinstance(value, str):
            values[attr] = value.strip()
        elif attr == "id" and isinstance(value, int) and not isinstance(value, bool):
            values[attr] = str(value)
        else:
            raise HandoffError(f"field {path!r} must be a string, not {kind_of(value)}")
    attributes = record_field(record, fields.attributes, Mapping)
    if attributes is not None and not isinstance(attributes, Mapping):
        raise HandoffError(
            f"field {fields.attributes!r} must be an object, not {kind_of(attributes)}"
        )
    return Recipient(
        address=values["address"],
        phone=values["phone"],
        id=values["id"],
        name=values["name"],
        attributes=dict(attributes or {}),
    )


def check_recipient(
    recipient: Recipient, channel: str, fields: RecipientFields | None = None
) -> None:
    """HandoffError when the recipient lacks what the channel needs: an address for e-mail,
    a phone number for SMS, any of id, phone or address for push and chat."""
    check_channel(channel)
    if channel == "email":
        if not recipient.address:
            raise HandoffError("no e-mail address" + _where(fields, "address", "--to-field"))
        if not _is_address(recipient.address):
            raise HandoffError(f"{recipient.address!r} is not an e-mail address")
    elif channel == "sms":
        if not recipient.phone:
            raise HandoffError("no phone number" + _where(fields, "phone", "--phone-field"))
    elif not (recipient.id or recipient.phone or recipient.address):
        raise HandoffError(
            f"no {channel} recipient" + _where(fields, "id", "--id-field"),
        )


def _where(fields: RecipientFields | None, attr: str, option: str) -> str:
    if fields is None:
        return ""
    return f" (field {getattr(fields, attr)!r}; {option} names another)"


def who_of(recipient: Recipient, channel: str) -> str:
    """The recipient as a person would name them on this channel."""
    if channel == "email":
        return recipient.address or recipient.key()
    if channel == "sms":
        return recipient.phone or recipient.key()
    return recipient.key()
