"""DAPI (Delivery API): SMS one by one with PUT /v1/messages, batches as a list and an invoke.

Every request carries HTTP Basic USER_ID:USER_SECRET and `Content-Type: application/json`
(DAPI refuses anything else). A refusal is a 400 `{"error-code", "error-description"}`.
See docs/handoff/dapi.md.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Unpack

import httpx

from ..errors import DeliveryError
from .base import Context, Receipt
from .batching import deliver_grouped
from .envelope import Envelope
from .http import RETRY_STATUSES, HttpAdapter, HttpHooks
from .phone import international_number, sms_text
from .validate import (
    HTTP_SETTINGS,
    base_url,
    check_known,
    flag,
    json_body,
    positive_int,
    setting_error,
    text,
)

MESSAGE_STATUSES = ("pending", "completed", "failed")

# DAPI's documented error codes -> what to do about them.
ERROR_HINTS = {
    "json-invalid": "DAPI could not read the request body as JSON",
    "provider-invalid": "check `provider` under [handoff.dapi]: it must be a provider set up "
    "in your DAPI account",
    "message-invalid-type": 'the message type must be one DAPI knows; tmplkit sends "sms"',
}

SETTINGS = (
    *HTTP_SETTINGS,
    "provider",
    "from",
    "throughput",
    "lists",
    "list_size",
    "user_id_env",
    "user_secret_env",
)

# throughput channel -> the rates it takes
THROUGHPUT_RATES = {"sms": ("mps",), "voice": ("mps", "mpm")}


class DapiAdapter(HttpAdapter):
    """SMS through DAPI: one PUT /v1/messages per envelope; for a batch, one list and one
    invoke per group of envelopes with the same text (DAPI's invoke sends one text to a list)."""

    name = "dapi"
    channels = frozenset({"sms"})
    description = "DAPI (Delivery API): SMS messages, and lists with invokes for batches"

    DEFAULT_BASE_URL = "https://api.dapi.io"
    DEFAULT_LIST_SIZE = 100  # DAPI's default account limit of contacts per list

    def __init__(self, context: Context, **hooks: Unpack[HttpHooks]) -> None:
        super().__init__(context, **hooks)
        user_id = context.secret("user_id_env", "DAPI_USER_ID")
        user_secret = context.secret("user_secret_env", "DAPI_USER_SECRET")
        check_known(context, SETTINGS)  # after the credentials: `user_secret = ...` says why
        assert user_id is not None and user_secret is not None  # required=True
        self.provider = text(context, "provider", required=True) or ""
        self.sender = text(context, "from", required=True) or ""
        self.throughput = self._throughput()
        self.use_lists = flag(context, "lists", True)
        self.list_size = positive_int(
            context, "list_size", context.option("list_size", self.DEFAULT_LIST_SIZE)
        )
        self.http = self.http_client(
            base_url(context, self.DEFAULT_BASE_URL),
            auth=httpx.BasicAuth(user_id, user_secret),
            headers={"Content-Type": "application/json"},
            # no `secrets`: the secret travels only in the Authorization header, always masked
            answer=self._dry_answer,
        )

    def _throughput(self) -> dict[str, dict[str, int]]:
        """`throughput = {sms = {mps = 10}}` (DAPI's invoke field), checked; 1 SMS a second
        (DAPI's default account limit) when not set."""
        value = self.context.option("throughput", {"sms": {"mps": 1}})
        hint = "e.g. throughput = { sms = { mps = 10 } }"
        if not isinstance(value, Mapping) or "sms" not in value:
            raise setting_error(
                self.context, "throughput", f"must be a table with sms, not {value!r}", hint
            )
        out: dict[str, dict[str, int]] = {}
        for channel, rates in value.items():
            allowed = THROUGHPUT_RATES.get(channel)
            if allowed is None:
                raise setting_error(
                    self.context, "throughput", f"unknown channel {channel!r} (sms, voice)", hint
                )
            where = f"throughput.{channel}"
            if not isinstance(rates, Mapping) or set(rates) != set(allowed):
                need = ", ".join(allowed)
                raise setting_error(
                    self.context, where, f"must be a table of {need}, not {rates!r}", hint
                )
            out[channel] = {
                rate: positive_int(self.context, f"{where}.{rate}", rates[rate]) for rate in allowed
            }
        return out

    # -- sending

    def check(self, envelope: Envelope) -> None:
        self.sms_text(envelope)

    def sms_text(self, envelope: Envelope) -> str:
        """The text this envelope sends; HandoffError when it cannot go (channel, phone, text)."""
        super().check(envelope)
        return sms_text(self.name, envelope)

    def message_body(self, envelope: Envelope) -> dict[str, Any]:
        """The PUT /v1/messages body for one envelope."""
        return {
            "provider": self.provider,
            "type": "sms",
            "arguments": {
                "from": self.sender,
                "to": international_number(envelope.recipient.phone or ""),
                "text": envelope.body("sms"),
            },
        }

    def deliver(self, envelope: Envelope) -> Receipt:
        self.sms_text(envelope)
        answer = self._answer(
            self.http.request("PUT", "/v1/messages", json_body=self.message_body(envelope))
        )
        remote = answer.get("id")
        return Receipt(
            envelope.idempotency_key,
            True,
            remote_id=None if remote is None else str(remote),
            status=200,
            dry_run=self.dry_run,
        )

    def status(self, message_id: str) -> str:
        """What DAPI says of a message it took: pending, completed or failed."""
        answer = self._answer(self.http.request("GET", f"/v1/messages/{message_id}"))
        status = answer.get("status")
        if status not in MESSAGE_STATUSES:
            raise DeliveryError(f"dapi: message {message_id}: unexpected status {status!r}")
        return str(status)

    def deliver_many(self, envelopes: Sequence[Envelope]) -> Iterator[Receipt]:
        """Envelopes with the same text go out as one list and one invoke (at most `list_size`
        contacts a list); a text only one envelope has goes by PUT /v1/messages. With
        `lists = false`, every envelope goes by PUT /v1/messages."""
        size = self.list_size if self.use_lists else 1
        yield from deliver_grouped(
            envelopes, text_of=self.sms_text, size=size, send=self._send_group
        )

    def _send_group(self, envelopes: list[Envelope]) -> list[Receipt]:
        if len(envelopes) == 1:
            return [self.deliver(envelopes[0])]
        first = envelopes[0]
        metadata = {
            "name": " ".join(filter(None, ("tmplkit", first.template_id, first.locale))),
            "template": first.template_id,
            "draft": first.draft_id,
            "locale": first.locale,
            "messages": len(envelopes),
        }
        metadata = {k: v for k, v in metadata.items() if v is not None}
        created = self._answer(
            self.http.request("PUT", "/v1/lists", json_body={"metadata": metadata})
        )
        list_id = created.get("id")
        if list_id is None:
            raise DeliveryError(f"dapi: PUT /v1/lists answered without an id: {created!r}")
        contacts = [
            {
                "type": "sms",
                "provider": self.provider,
                "order": order,
                "contact": international_number(e.recipient.phone or ""),
            }
            for order, e in enumerate(envelopes, start=1)
        ]
        self._answer(
            self.http.request(
                "PUT", f"/v1/lists/{list_id}/contacts", json_body={"contacts": contacts}
            )
        )
        invoke = {
            "list_id": list_id,
            "providers": [
                {
                    "type": "sms",
                    "provider": self.provider,
                    "arguments": {"from": self.sender, "text": first.body("sms")},
                }
            ],
            "throughput": self.throughput,
        }
        invoked = self._answer(self.http.request("PUT", "/v1/invokes", json_body=invoke))
        invoke_id = invoked.get("id")
        detail = {"list": str(list_id)}
        return [
            Receipt(
                e.idempotency_key,
                True,
                remote_id=None if invoke_id is None else str(invoke_id),
                status=200,
                dry_run=self.dry_run,
                detail=detail,
            )
            for e in envelopes
        ]

    def _answer(self, response: httpx.Response) -> dict[str, Any]:
        """DAPI's JSON answer to a 2xx, or DeliveryError naming the error code."""
        status = response.status_code
        request = response.request
        what = f"dapi: {request.method} {request.url.path}"
        if 200 <= status < 300:
            if not response.content:
                return {}
            answer = json_body(response, "dapi")
            return answer if isinstance(answer, dict) else {"answer": answer}
        if status == 401:
            raise DeliveryError(
                f"{what}: HTTP 401: the credentials were refused",
                status=status,
                # the variables read: user_id_env and user_secret_env name them
                hint="check "
                + " and ".join(
                    str(self.context.options.get(setting, var))
                    for setting, var in (
                        ("user_id_env", "DAPI_USER_ID"),
                        ("user_secret_env", "DAPI_USER_SECRET"),
                    )
                ),
            )
        if status in RETRY_STATUSES:
            raise DeliveryError(f"{what}: HTTP {status}", status=status, transient=True)
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and body.get("error-code"):
            code = str(body["error-code"])
            description = str(body.get("error-description") or "").strip()
            raise DeliveryError(
                f"{what}: {code}" + (f": {description}" if description else ""),
                status=status,
                code=code,
                hint=ERROR_HINTS.get(code),
            )
        snippet = response.text[:200].strip()
        raise DeliveryError(
            f"{what}: HTTP {status}" + (f": {snippet}" if snippet else ""), status=status
        )

    def _dry_answer(self, request: httpx.Request) -> httpx.Response:
        """DAPI's documented success, in place of DAPI in a dry run."""
        path = request.url.path
        if request.method == "GET":
            return httpx.Response(200, json={"status": "pending"})
        if path == "/v1/lists":
            return httpx.Response(200, json={"id": "dry-run-list"})
        if path.endswith("/contacts"):
            return httpx.Response(200, json={})
        return httpx.Response(200, json={"id": "dry-run"})
