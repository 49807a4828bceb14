"""UIowa Dispatch: members pushed to a communication's adhoc population, the rendered message
riding along as member attributes that the communication's Freemarker template prints.

POST {base_url}/api/v1/communications/{communication}/adhocs with `{"members": [...]}`; each
member has `toAddress`, `toPhone` (E.164), `toName`, the recipient's attributes and the
rendered `subject`, `html`, `text` and channel parts (`sms`, `push`, `chat`). Authentication is
HTTP Basic (client name : API key) or the `x-dispatch-api-key` header; https only (loopback
excepted); anything but a 200 is an error. See docs/handoff/uiowa-dispatch.md.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, Unpack

import httpx

from ..errors import DeliveryError, HandoffError
from .base import Context, Receipt
from .envelope import Envelope
from .http import RETRY_STATUSES, HttpAdapter, HttpHooks
from .phone import international_number
from .validate import (
    HTTP_SETTINGS,
    base_url,
    check_known,
    flag,
    positive_int,
    setting_error,
    text,
)

API_KEY_VAR = "UIOWA_DISPATCH_API_KEY"
AUTH_MODES = ("basic", "header")
START_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"  # Dispatch's "YYYY-MM-DD HH:mm:ss"
# Dispatch's own member attributes: the recipient's data may not overwrite them.
MEMBER_FIELDS = ("toAddress", "toPhone", "toName")
_COMMUNICATION = re.compile(r"[A-Za-z0-9_-]+")

SETTINGS = (
    *HTTP_SETTINGS,
    "communication",
    "auth",
    "client",
    "api_key_env",
    "batch_size",
    "include_batch_response",
    "prefix",
)


class UiowaDispatchAdapter(HttpAdapter):
    """E-mail and SMS through a UIowa Dispatch communication whose population is "Adhoc API
    Data": each envelope becomes one member; a batch goes as one POST per `batch_size`
    members."""

    name = "uiowa-dispatch"
    channels = frozenset({"email", "sms"})
    description = "UIowa Dispatch: adhoc members of a communication, content as attributes"

    DEFAULT_BASE_URL = "https://apps.its.uiowa.edu/dispatch"
    DEFAULT_BATCH_SIZE = 100

    def __init__(self, context: Context, **hooks: Unpack[HttpHooks]) -> None:
        super().__init__(context, **hooks)
        if "api_key" in context.options:  # refused as a credential, not as a typo
            context.secret("api_key_env", API_KEY_VAR)
        check_known(context, SETTINGS)
        communication = context.option("communication", required=True)
        if isinstance(communication, int) and not isinstance(communication, bool):
            communication = str(communication)
        if not isinstance(communication, str) or not _COMMUNICATION.fullmatch(communication):
            raise setting_error(
                context,
                "communication",
                f"must be a communication id (letters, digits, - and _), not {communication!r}",
                hint="the id in the communication's address in Dispatch",
            )
        self.communication = communication
        self.client = text(context, "client")
        auth = context.option("auth", "basic" if self.client else "header")
        if auth not in AUTH_MODES:
            raise setting_error(context, "auth", f"must be basic or header, not {auth!r}")
        if auth == "basic" and not self.client:
            raise setting_error(
                context,
                "client",
                "HTTP Basic authentication needs the client name",
                hint='add client = "..." (the name next to "Client" in Dispatch), '
                'or auth = "header"',
            )
        self.auth = auth
        key = context.secret("api_key_env", API_KEY_VAR)
        assert key is not None  # required
        self.batch_size = positive_int(
            context, "batch_size", context.option("batch_size", self.DEFAULT_BATCH_SIZE)
        )
        self.include_batch_response = flag(context, "include_batch_response")
        prefix = context.option("prefix", "")
        if not isinstance(prefix, str):
            raise setting_error(context, "prefix", f"must be a string, not {prefix!r}")
        self.prefix = prefix
        self.path = f"/api/v1/communications/{communication}"
        self.http = self.http_client(
            base_url(context, self.DEFAULT_BASE_URL),
            auth=httpx.BasicAuth(self.client or "", key) if auth == "basic" else None,
            headers={"Accept": "application/json"}
            | ({"x-dispatch-api-key": key} if auth == "header" else {}),
            secrets=[key],
        )

    # -- members ---------------------------------------------------------------------------

    def check(self, envelope: Envelope) -> None:
        self.member(envelope)

    def member(self, envelope: Envelope) -> dict[str, str]:
        """The adhoc member for one envelope: Dispatch's fields, the recipient's attributes as
        strings, and the rendered content (HandoffError if the envelope cannot go)."""
        super().check(envelope)
        recipient = envelope.recipient
        who = recipient.key() or "(unnamed)"
        if envelope.channel == "email" and not recipient.address:
            raise HandoffError(f"{self.name}: recipient {who!r} has no e-mail address")
        if envelope.channel == "sms" and not recipient.phone:
            raise HandoffError(f"{self.name}: recipient {who!r} has no phone number")
        member: dict[str, str] = {}
        if recipient.address:
            member["toAddress"] = recipient.address
        if recipient.phone:
            member["toPhone"] = international_number(recipient.phone)
        if recipient.name:
            member["toName"] = recipient.name
        content = {
            "subject": envelope.subject,
            "html": envelope.html,
            "text": envelope.text,
            **envelope.parts,
        }
        content = {self.prefix + name: value for name, value in content.items() if value}
        for name, value in recipient.attributes.items():
            if name in MEMBER_FIELDS or name in content:
                what = "Dispatch's own field" if name in MEMBER_FIELDS else "the rendered one"
                raise HandoffError(
                    f"{self.name}: recipient {who!r}: attribute {name!r} would overwrite {what}",
                    hint="rename the attribute, or set prefix to keep tmplkit's apart "
                    '(prefix = "tmplkit_" sends tmplkit_subject, tmplkit_html, ...)',
                )
            if value is not None:
                member[name] = _attribute(value)
        member.update(content)
        return member

    # -- sending ---------------------------------------------------------------------------

    def deliver(self, envelope: Envelope) -> Receipt:
        [receipt] = self._post([envelope], [self.member(envelope)])
        return receipt

    def deliver_many(self, envelopes: Sequence[Envelope]) -> Iterator[Receipt]:
        """One POST per `batch_size` envelopes; an envelope that cannot go gets a failed
        receipt and the others go on; receipts come in the order of `envelopes`."""
        start = 0
        while start < len(envelopes):
            chunk = envelopes[start : start + self.batch_size]
            start += len(chunk)
            receipts: dict[int, Receipt] = {}
            members: list[dict[str, str]] = []
            sending: list[int] = []
            for index, envelope in enumerate(chunk):
                try:
                    members.append(self.member(envelope))
                    sending.append(index)
                except HandoffError as exc:
                    receipts[index] = Receipt.failed(envelope, exc)
            if members:
                batch = [chunk[i] for i in sending]
                try:
                    sent = self._post(batch, members)
                except DeliveryError as exc:
                    sent = [Receipt.failed(e, exc) for e in batch]
                receipts.update(zip(sending, sent, strict=True))
            for index in range(len(chunk)):
                yield receipts[index]

    def _post(self, envelopes: list[Envelope], members: list[dict[str, str]]) -> list[Receipt]:
        body = {"members": members, "includeBatchResponse": self.include_batch_response}
        response = self.http.request("POST", f"{self.path}/adhocs", json_body=body)
        self._check(response)
        remote = response.headers.get("Location")
        if remote is None and self.include_batch_response:
            with_batch = _json(response)
            if isinstance(with_batch, str) and with_batch:
                remote = with_batch
        detail = {"members": len(members)} if len(members) > 1 else {}
        return [
            Receipt(
                e.idempotency_key,
                True,
                remote_id=remote,
                status=response.status_code,
                dry_run=self.dry_run,
                detail=detail,
            )
            for e in envelopes
        ]

    def schedule(
        self,
        start: datetime | str,
        *,
        business_days_only: bool = False,
        include_batch_response: bool = False,
        create_public_archive: bool = False,
    ) -> str | None:
        """Schedule the communication once: POST …/schedules with a ONE_TIME occurrence at
        `start` (Dispatch's local time, `YYYY-MM-DD HH:mm:ss`). The new schedule's address
        (the Location Dispatch answers with), if any."""
        if isinstance(start, datetime):
            start = start.strftime(START_TIME_FORMAT)
        try:
            datetime.strptime(start, START_TIME_FORMAT)
        except (TypeError, ValueError):
            raise HandoffError(
                f"{self.name}: start time {start!r} is not YYYY-MM-DD HH:mm:ss",
                hint="e.g. 2024-09-02 08:00:00",
            ) from None
        body = {
            "occurrence": "ONE_TIME",
            "startTime": start,
            "businessDaysOnly": business_days_only,
            "includeBatchResponse": include_batch_response,
            "createPublicArchive": create_public_archive,
        }
        response = self.http.request("POST", f"{self.path}/schedules", json_body=body)
        self._check(response)
        location: str | None = response.headers.get("Location")
        return location

    def _check(self, response: httpx.Response) -> None:
        """DeliveryError unless Dispatch answered 200 (its documented success)."""
        status = response.status_code
        if status == 200:
            return
        request = response.request
        what = f"{self.name}: {request.method} {request.url.path}: HTTP {status}"
        snippet = " ".join(response.text.split())[:200]
        if status in (401, 403):
            raise DeliveryError(
                f"{what}: the API key was refused" + (f" ({snippet})" if snippet else ""),
                status=status,
                hint=f"check the API key in {self._key_var()}"
                + (f" and the client name {self.client!r}" if self.auth == "basic" else ""),
            )
        if status == 404:
            raise DeliveryError(
                f"{what}: no communication {self.communication!r}",
                status=status,
                hint="check communication under [handoff."
                f"{self.context.name}] (and that the API key's client owns it)",
            )
        raise DeliveryError(
            what + (f": {snippet}" if snippet else ""),
            status=status,
            transient=status in RETRY_STATUSES,
        )

    def _key_var(self) -> str:
        return str(self.context.options.get("api_key_env", API_KEY_VAR))


def _attribute(value: Any) -> str:
    """A member attribute: Dispatch keeps members as string key/value pairs. Numbers print as
    JSON does (42, 9.99), booleans as true/false, tables and lists as JSON text."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float | Mapping | list | tuple):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return str(value)


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
