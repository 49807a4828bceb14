"""Vonage (Nexmo) Dispatch: one failover workflow per message, built from the draft's channel
parts in the order the user gives (e.g. messenger → viber → sms).

POST {base_url}/v0.1/dispatch with HTTP Basic API key : secret and `{"template": "failover",
"workflow": [...]}`: each step `{from, to, message: {content: {type: "text", text}},
failover: {expiry_time, condition_status}}`, the last without `failover`. Vonage answers 202
`{"dispatch_uuid"}`; refusals are RFC 7807 bodies (`type`, `title`, `detail`,
`invalid_parameters`). See docs/handoff/vonage-dispatch.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Unpack

import httpx

from ..errors import DeliveryError, HandoffError
from .base import Context, Receipt
from .envelope import Envelope
from .http import RETRY_STATUSES, HttpAdapter, HttpHooks
from .phone import SEPARATORS, international_number
from .validate import HTTP_SETTINGS, base_url, check_known, setting_error, string_list

API_KEY_VAR = "VONAGE_API_KEY"
API_SECRET_VAR = "VONAGE_API_SECRET"


@dataclass(frozen=True)
class Channel:
    """A channel as the Dispatch API reference describes it: Vonage's `type`, what
    identifies the recipient (`to`) and the sender (`from`): a `number` or an `id`, the
    longest text it takes, the statuses a failover can wait for (an SMS is never "read")."""

    type: str
    address: str  # "number" or "id" in `to`
    sender: str  # "number" or "id" in `from`
    max_text: int
    conditions: tuple[str, ...]
    part: str  # the draft part its text comes from (then sms, then text)


CHANNELS: dict[str, Channel] = {
    "sms": Channel("sms", "number", "number", 1000, ("delivered",), "sms"),
    "whatsapp": Channel("whatsapp", "number", "number", 4096, ("delivered", "read"), "chat"),
    "viber": Channel("viber_service_msg", "number", "id", 1000, ("delivered", "read"), "chat"),
    "messenger": Channel("messenger", "id", "id", 640, ("delivered", "read"), "chat"),
}
EXPIRY_RANGE = (15, 86400)  # seconds, as the Dispatch API reference bounds expiry_time
DEFAULT_EXPIRY = 600
DEFAULT_CONDITION = "delivered"
CONDITIONS = ("delivered", "read")
CHANNEL_SETTINGS = ("from", "expiry_time", "condition_status")
_SENDER_ID = re.compile(r"[A-Za-z0-9 ]{1,11}")  # an alphanumeric SMS sender ("AcmeShop")

SETTINGS = (
    *HTTP_SETTINGS,
    "api_key",
    "api_key_env",
    "api_secret_env",
    "failover",
    *CHANNEL_SETTINGS[1:],
    *CHANNELS,
)


@dataclass(frozen=True)
class Step:
    """One step of the workflow as configured: the channel, who sends, and how long to wait
    for which status before failing over to the next step."""

    channel: str
    sender: str
    expiry_time: int
    condition_status: str


class VonageDispatchAdapter(HttpAdapter):
    """SMS and chat messages as a Vonage Dispatch failover workflow: `failover` lists the
    channels in order; each has a table with its `from` and, optionally, its own
    `expiry_time` and `condition_status`."""

    name = "vonage-dispatch"
    channels = frozenset({"sms", "chat"})
    description = "Vonage Dispatch API: a failover workflow across messenger, viber, whatsapp, sms"

    DEFAULT_BASE_URL = "https://api.nexmo.com"

    def __init__(self, context: Context, **hooks: Unpack[HttpHooks]) -> None:
        super().__init__(context, **hooks)
        if "api_secret" in context.options:  # refused as a credential, not as a typo
            context.secret("api_secret_env", API_SECRET_VAR)
        check_known(context, SETTINGS)
        key = context.options.get("api_key")
        if key is None:
            key = context.secret("api_key_env", API_KEY_VAR)
        elif not isinstance(key, str) or not key.strip():
            raise setting_error(context, "api_key", f"must be a non-empty string, not {key!r}")
        secret = context.secret("api_secret_env", API_SECRET_VAR)
        assert key is not None and secret is not None  # required
        self.steps = self._steps()
        self.http = self.http_client(
            base_url(context, self.DEFAULT_BASE_URL),
            auth=httpx.BasicAuth(key, secret),
            headers={"Accept": "application/json"},
            secrets=[secret],
            answer=lambda request: httpx.Response(202, json={"dispatch_uuid": "dry-run"}),
        )

    def _steps(self) -> list[Step]:
        context = self.context
        order = string_list(context, "failover") or ["sms"]
        for channel in order:
            if channel not in CHANNELS:
                raise setting_error(
                    context,
                    "failover",
                    f"unknown channel {channel!r}",
                    hint="channels: " + ", ".join(CHANNELS),
                )
            if order.count(channel) > 1:
                raise setting_error(context, "failover", f"lists {channel!r} twice")
        expiry = self._expiry("expiry_time", context.option("expiry_time", DEFAULT_EXPIRY))
        condition = self._condition("condition_status", context.option("condition_status"))
        steps = []
        for position, channel in enumerate(order):
            table = context.option(channel, {})
            if not isinstance(table, Mapping):
                raise setting_error(context, channel, f"must be a table, not {table!r}")
            for key in table:
                if key not in CHANNEL_SETTINGS:
                    raise setting_error(
                        context,
                        f"{channel}.{key}",
                        "unknown setting",
                        hint="settings of a channel: " + ", ".join(CHANNEL_SETTINGS),
                    )
            own = "condition_status" in table
            status = (
                self._condition(f"{channel}.condition_status", table["condition_status"])
                if own
                else condition
            )
            allowed = CHANNELS[channel].conditions
            if status not in allowed:
                if own or position < len(order) - 1:
                    raise setting_error(
                        context,
                        f"{channel}.condition_status" if own else "condition_status",
                        f"{channel} can only wait for {' or '.join(allowed)}, not {status!r}",
                        hint=f'set condition_status = "{allowed[0]}" under '
                        f"[handoff.{context.name}.{channel}]",
                    )
                status = allowed[0]  # the last step fails over to nothing: never sent
            steps.append(
                Step(
                    channel,
                    self._sender(channel, table.get("from")),
                    self._expiry(f"{channel}.expiry_time", table["expiry_time"])
                    if "expiry_time" in table
                    else expiry,
                    status,
                )
            )
        for channel in CHANNELS:
            if channel not in order and channel in context.options:
                raise setting_error(
                    context, channel, "is set but not in failover", hint=f"failover = {order!r}"
                )
        return steps

    def _sender(self, channel: str, value: Any) -> str:
        where = f"{channel}.from"
        kind = CHANNELS[channel].sender
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            what = "number" if kind == "number" else "id"
            raise setting_error(
                self.context,
                where,
                f"missing: the {what} {channel} messages are sent from",
                hint=f'add [handoff.{self.context.name}.{channel}] with from = "..."',
            )
        if kind == "id":
            return value.strip()
        if channel == "sms" and any(c.isalpha() for c in value):
            if not _SENDER_ID.fullmatch(value):
                raise setting_error(
                    self.context,
                    where,
                    f"{value!r} is neither a phone number nor an alphanumeric sender id "
                    "(1 to 11 letters, digits and spaces)",
                )
            return value
        try:
            return vonage_number(value)
        except HandoffError as exc:
            raise setting_error(self.context, where, exc.message, hint=exc.hint) from None

    def _expiry(self, where: str, value: Any) -> int:
        low, high = EXPIRY_RANGE
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise setting_error(
                self.context,
                where,
                f"must be a whole number of seconds from {low} to {high}, not {value!r}",
            )
        return value

    def _condition(self, where: str, value: Any) -> str:
        if value is None:
            return DEFAULT_CONDITION
        if value not in CONDITIONS:
            raise setting_error(self.context, where, f"must be delivered or read, not {value!r}")
        return str(value)

    # -- the workflow ------------------------------------------------------------------------

    def check(self, envelope: Envelope) -> None:
        self.workflow(envelope)

    def workflow(self, envelope: Envelope) -> dict[str, Any]:
        """The POST /v0.1/dispatch body for `envelope` (HandoffError if it cannot go: its
        channel, a missing or malformed phone number or messenger id, a text too long)."""
        super().check(envelope)
        recipient = envelope.recipient
        who = recipient.key() or "(unnamed)"
        steps = []
        for position, step in enumerate(self.steps):
            channel = CHANNELS[step.channel]
            if channel.address == "number":
                if not recipient.phone:
                    raise HandoffError(
                        f"{self.name}: recipient {who!r} has no phone number (for {step.channel})"
                    )
                to = {"type": channel.type, "number": vonage_number(recipient.phone)}
            else:
                if not recipient.id:
                    raise HandoffError(
                        f"{self.name}: recipient {who!r} has no id (the messenger user id)",
                        hint="give the recipient an id: the from.id of their inbound "
                        "messenger event",
                    )
                to = {"type": channel.type, "id": recipient.id}
            text = envelope.body(channel.part)
            if not text.strip():
                raise HandoffError(
                    f"{self.name}: the message to {who!r} has no text for {step.channel}",
                    hint=f"add a {channel.part}.txt.j2 part to the draft, or a text part",
                )
            if len(text) > channel.max_text:
                raise HandoffError(
                    f"{self.name}: the {step.channel} text to {who!r} is {len(text)} characters; "
                    f"{step.channel} takes at most {channel.max_text}",
                    hint=f"shorten the draft's {channel.part} part",
                )
            entry: dict[str, Any] = {
                "from": {"type": channel.type, channel.sender: step.sender},
                "to": to,
                "message": {"content": {"type": "text", "text": text}},
            }
            if position < len(self.steps) - 1:
                entry["failover"] = {
                    "expiry_time": step.expiry_time,
                    "condition_status": step.condition_status,
                }
            steps.append(entry)
        return {"template": "failover", "workflow": steps}

    # -- sending ---------------------------------------------------------------------------

    def deliver(self, envelope: Envelope) -> Receipt:
        body = self.workflow(envelope)
        response = self.http.request("POST", "/v0.1/dispatch", json_body=body)
        status = response.status_code
        if not 200 <= status < 300:
            raise self._refusal(response)
        try:
            answer = response.json()
        except ValueError:
            answer = None
        uuid = answer.get("dispatch_uuid") if isinstance(answer, dict) else None
        return Receipt(
            envelope.idempotency_key,
            True,
            remote_id=None if uuid is None else str(uuid),
            status=status,
            dry_run=self.dry_run,
        )

    def _refusal(self, response: httpx.Response) -> DeliveryError:
        """Vonage's RFC 7807 error body as one line: title, detail, the invalid parameters."""
        status = response.status_code
        request = response.request
        what = f"{self.name}: {request.method} {request.url.path}: HTTP {status}"
        try:
            body = response.json()
        except ValueError:
            body = None
        code = None
        if isinstance(body, dict) and (body.get("title") or body.get("detail")):
            title = str(body.get("title") or "").strip()
            detail = str(body.get("detail") or "").strip()
            message = f"{what} {title}" + (f": {detail}" if detail else "")
            invalid = _invalid_parameters(body.get("invalid_parameters"))
            if invalid:
                message += f" ({invalid})"
            kind = body.get("type")
            if isinstance(kind, str) and kind:
                code = kind.rpartition("#")[2] or kind
        else:
            snippet = " ".join(response.text.split())[:200]
            message = what + (f": {snippet}" if snippet else "")
        hint = None
        if status == 401:
            hint = (
                f"check the API key and secret ({self._var('api_key_env', API_KEY_VAR)}, "
                f"{self._var('api_secret_env', API_SECRET_VAR)})"
            )
        return DeliveryError(
            message, status=status, code=code, transient=status in RETRY_STATUSES, hint=hint
        )

    def _var(self, setting: str, default: str) -> str:
        if setting == "api_key_env" and "api_key" in self.context.options:
            return "api_key in tmplkit.toml"
        return str(self.context.options.get(setting, default))


def vonage_number(phone: str) -> str:
    """A phone number as Vonage takes it: the international digits without `+` or `00`
    (`+46 70-123 45 67` → `46701234567`); digits already in that form are kept."""
    compact = SEPARATORS.sub("", phone)
    if compact.startswith(("+", "00")):
        return international_number(phone, plus=False)
    try:
        if not compact.isdigit() or compact.startswith("0"):
            raise HandoffError(phone)
        return international_number("+" + compact, plus=False)
    except HandoffError:
        raise HandoffError(
            f"phone number {phone!r} is not an international number",
            hint="digits with the country code, e.g. 447700900000 or +44 7700 900000",
        ) from None


def _invalid_parameters(value: Any) -> str:
    """`invalid_parameters` as `name: reason` pairs (a list of them, or one object)."""
    items = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
    out = []
    for item in items:
        if isinstance(item, dict):
            name, reason = item.get("name"), item.get("reason")
            out.append(f"{name}: {reason}" if name and reason else str(name or reason or ""))
    return "; ".join(p for p in out if p)
