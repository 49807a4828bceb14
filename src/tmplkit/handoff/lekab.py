"""LEKAB Dispatch: start a saved messaging job with the rendered, localized SMS text.

The Dispatch Web Service has two endpoints (POST, a JSON body, UTF-8): `listsavedjobs`
answers `{"savedJobs": [{id, name, type}]}`, and `startsavedjob` starts a job like a saved one
with its first message, name and recipients changed, answering
`{"result": "OK"|"ERROR", "runtimeid", "jobname", "errormessage"}`; a 200 with "ERROR" is a
refusal. See docs/handoff/lekab-dispatch.md.
"""

from __future__ import annotations

import base64
import datetime as dt
import urllib.parse
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Unpack

import httpx

from ..errors import DeliveryError, HandoffError
from .base import Context, Receipt
from .batching import deliver_grouped
from .envelope import Envelope
from .http import RETRY_STATUSES, HttpAdapter, HttpHooks
from .phone import international_number, sms_text
from .validate import (
    HTTP_SETTINGS,
    base_url,
    check_known,
    json_body,
    positive_int,
    setting_error,
    string_list,
    text,
)

# --- tag filters ---------------------------------------------------------------------------

# A tag filter string: conditions AND-ed by ";", each "type:value|value" with values OR-ed.
FORBIDDEN = ";|:"


@dataclass(frozen=True)
class TagCondition:
    """Contacts whose tag `type` has one of `values`."""

    type: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class TagFilter:
    """Address-book contacts matching every condition (`Base:STO|OSL;On call:Yes`)."""

    conditions: tuple[TagCondition, ...]

    def __str__(self) -> str:
        return build_tag_filter(self)

    def to_table(self) -> dict[str, list[str]]:
        """The TOML table form, `{Base = ["STO", "OSL"], "On call" = ["Yes"]}`."""
        return {c.type: list(c.values) for c in self.conditions}


def parse_tag_filter(source: str, *, where: str = "tag filter") -> TagFilter:
    """Parse `Base:STO|OSL|CPH;On call:Yes`; HandoffError naming the position (1-based) of
    the first problem: an empty part, a missing ':', an empty type or value, or a ':' in a
    value."""

    def fail(problem: str, position: int) -> HandoffError:
        return HandoffError(f"{where} {source!r}: {problem} at position {position}")

    if not source.strip():
        raise HandoffError(f"{where}: empty", hint="e.g. Base:STO|OSL;On call:Yes")
    conditions = []
    start = 0
    for part in source.split(";"):
        if not part.strip():
            raise fail("empty condition", start + 1)
        type_, colon, rest = part.partition(":")
        if not colon:
            raise fail("missing ':' between the tag type and its values", start + len(part) + 1)
        if not type_.strip():
            raise fail("empty tag type", start + 1)
        values = []
        at = start + len(type_) + 1  # the index of the first value
        for value in rest.split("|"):
            if ":" in value:
                raise fail(
                    "':' in a value (values may not contain ';', '|' or ':')",
                    at + value.index(":") + 1,
                )
            if not value.strip():
                raise fail("empty value", at + 1)
            values.append(value)
            at += len(value) + 1
        conditions.append(TagCondition(type_, tuple(values)))
        start += len(part) + 1
    return TagFilter(tuple(conditions))


def build_tag_filter(tag_filter: TagFilter) -> str:
    """The string form of a filter; `parse_tag_filter(build_tag_filter(f)) == f`."""
    for condition in tag_filter.conditions:
        _check_name(condition.type, "tag type")
        if not condition.values:
            raise HandoffError(f"tag type {condition.type!r} has no values")
        for value in condition.values:
            _check_name(value, f"{condition.type!r} value")
    return ";".join(f"{c.type}:{'|'.join(c.values)}" for c in tag_filter.conditions)


def tag_filter_from_table(table: Mapping[str, Any], *, where: str = "tag filter") -> TagFilter:
    """A filter from its TOML table form: type -> a value or a list of values."""
    if not table:
        raise HandoffError(f"{where}: empty", hint='e.g. {Base = ["STO", "OSL"]}')
    conditions = []
    for type_, raw in table.items():
        values = [raw] if isinstance(raw, str) else raw
        if (
            not isinstance(values, list)
            or not values
            or not all(isinstance(v, str) for v in values)
        ):
            raise HandoffError(
                f"{where}: {type_!r} must have a value or a list of values, not {raw!r}"
            )
        conditions.append(TagCondition(type_, tuple(values)))
    tag_filter = TagFilter(tuple(conditions))
    try:
        build_tag_filter(tag_filter)
    except HandoffError as exc:
        raise HandoffError(f"{where}: {exc.message}", hint=exc.hint) from None
    return tag_filter


def _check_name(name: str, what: str) -> None:
    if not name.strip():
        raise HandoffError(f"empty {what}")
    for char in FORBIDDEN:
        if char in name:
            raise HandoffError(
                f"{what} {name!r} contains {char!r}",
                hint="tag types and values may not contain ';', '|' or ':'",
            )


# --- the adapter ---------------------------------------------------------------------------

# auth setting -> (what it sends, the credentials it needs)
AUTH_MODES: dict[str, tuple[str, tuple[str, ...]]] = {
    "body": ("username and password fields in the JSON body", ("username", "password")),
    "basic": ("HTTP Basic authentication (username:password)", ("username", "password")),
    "lekab-headers": (
        "X-Lekab-Userid and X-Lekab-Password headers, Base64-encoded",
        ("username", "password"),
    ),
    "key-param": ("the API key as the `key` query parameter", ("api_key",)),
    "key-header": ("the API key in the X-API-Key header", ("api_key",)),
    "key-body": ("the API key as the `apikey` field of the JSON body", ("api_key",)),
}
CREDENTIALS = {
    "username": ("username_env", "LEKAB_USERNAME"),
    "password": ("password_env", "LEKAB_PASSWORD"),
    "api_key": ("api_key_env", "LEKAB_API_KEY"),
}
SETTINGS = (
    *HTTP_SETTINGS,
    "auth",
    "username_env",
    "password_env",
    "api_key_env",
    "jobid",
    "jobname",
    "jobtype",
    "run_name",
    "toaddressbookcustomtagfilter",
    "toaddressbooksavedtagfilters",
    "toaddressbookgroups",
    "excludenumbers",
    "tokeep",
    "responsegoal",
    "scheduledstart",
    "batch_size",
    # the job event receiver (receiver.py)
    "callback_path",
    "callback_token_env",
)


class LekabDispatchAdapter(HttpAdapter):
    """Starts a LEKAB Dispatch saved job per message (or per group of messages with the same
    text), with `message` = the envelope's SMS text and `tonumbers` = its phone numbers."""

    name = "lekab-dispatch"
    channels = frozenset({"sms"})
    description = "LEKAB Dispatch: starts a saved job with the rendered SMS text"

    DEFAULT_BASE_URL = "https://secure.lekab.com"
    LIST_PATH = "/dispatch/api/listsavedjobs"
    START_PATH = "/dispatch/api/startsavedjob"
    DEFAULT_BATCH_SIZE = 1000
    # How a dry run answers in place of LEKAB: a saved job with this id is "found".
    DRY_RUN_JOBID: ClassVar[int] = 0

    def __init__(self, context: Context, **hooks: Unpack[HttpHooks]) -> None:
        super().__init__(context, **hooks)
        self.auth = str(context.option("auth", "basic"))
        if self.auth not in AUTH_MODES:
            raise setting_error(
                context,
                "auth",
                f"unknown authentication {self.auth!r}",
                hint="one of: " + ", ".join(AUTH_MODES),
            )
        needed = AUTH_MODES[self.auth][1]
        self.credentials: dict[str, str] = {}
        for key, (setting, var) in CREDENTIALS.items():
            value = context.secret(setting, var, required=key in needed)
            if key in needed and value is not None:
                self.credentials[key] = value
        check_known(context, SETTINGS)  # after the credentials: `password = ...` says why

        self.jobid = self._jobid()
        self.jobname = text(context, "jobname")
        if self.jobid is None and self.jobname is None:
            raise HandoffError(
                f"[handoff.{context.name}]: name the saved job to start",
                hint='set jobname = "..." (looked up with listsavedjobs) or jobid = 123',
            )
        self.jobtype = text(context, "jobtype")
        self.run_name = text(context, "run_name")
        self.recipients = self._recipient_settings()
        self.batch_size = positive_int(
            context, "batch_size", context.option("batch_size", self.DEFAULT_BATCH_SIZE)
        )

        url = base_url(context, self.DEFAULT_BASE_URL)
        self.http = self.http_client(
            url,
            **self._auth_request_parts(),
            answer=self._dry_answer,
        )
        self._saved_jobid: int | None = self.jobid

    # -- settings

    def _jobid(self) -> int | None:
        value = self.context.option("jobid")
        if value is None:
            return None
        return positive_int(self.context, "jobid", value)

    def _recipient_settings(self) -> dict[str, Any]:
        """The startsavedjob fields from settings, in the order they are sent."""
        context = self.context
        out: dict[str, Any] = {}
        custom = context.option("toaddressbookcustomtagfilter")
        if custom is not None:
            where = f"[handoff.{context.name}]: toaddressbookcustomtagfilter"
            if isinstance(custom, str):
                out["toaddressbookcustomtagfilter"] = str(parse_tag_filter(custom, where=where))
            elif isinstance(custom, Mapping):
                tag_filter = tag_filter_from_table(custom, where=where)
                out["toaddressbookcustomtagfilter"] = str(tag_filter)
            else:
                raise setting_error(
                    context,
                    "toaddressbookcustomtagfilter",
                    f"must be a string or a table, not {custom!r}",
                    hint='"Base:STO|OSL;On call:Yes" or {Base = ["STO", "OSL"]}',
                )
        for key in ("toaddressbooksavedtagfilters", "toaddressbookgroups"):
            if key in context.options:
                out[key] = string_list(context, key)
        if "excludenumbers" in context.options:
            numbers = []
            for number in string_list(context, "excludenumbers"):
                try:
                    numbers.append(lekab_number(number))
                except HandoffError as exc:
                    raise setting_error(context, "excludenumbers", exc.message, exc.hint) from None
            out["excludenumbers"] = numbers
        tokeep = context.option("tokeep")
        if tokeep is not None:
            if not isinstance(tokeep, (bool, int, str, list)):
                raise setting_error(
                    context, "tokeep", f"must be a number, string or list, not {tokeep!r}"
                )
            out["tokeep"] = tokeep
        goal = context.option("responsegoal")
        if goal is not None:
            out["responsegoal"] = positive_int(context, "responsegoal", goal)
        start = context.option("scheduledstart")
        if start is not None:
            out["scheduledstart"] = iso_datetime(start, context)
        return out

    def _auth_request_parts(self) -> dict[str, Any]:
        """The HttpClient arguments for the chosen authentication."""
        creds = self.credentials
        # Headers holding credentials are masked by name; a credential in a body field or
        # the URL's query is listed, and masked where it is the whole value.
        secrets: list[str] = []
        parts: dict[str, Any] = {"headers": {}}
        if self.auth == "basic":
            parts["auth"] = httpx.BasicAuth(creds["username"], creds["password"])
        elif self.auth == "lekab-headers":
            parts["headers"] = {
                "X-Lekab-Userid": _b64(creds["username"]),
                "X-Lekab-Password": _b64(creds["password"]),
            }
        elif self.auth == "key-header":
            parts["headers"] = {"X-API-Key": creds["api_key"]}
        elif self.auth == "key-param":
            # as the URL prints it, and as written (in an error message)
            key = creds["api_key"]
            secrets += [urllib.parse.quote(key, safe=""), key]
        elif self.auth == "body":
            secrets.append(creds["password"])
        elif self.auth == "key-body":
            secrets.append(creds["api_key"])
        parts["secrets"] = secrets
        return parts

    def _auth_fields(self) -> dict[str, str]:
        if self.auth == "body":
            return {
                "username": self.credentials["username"],
                "password": self.credentials["password"],
            }
        if self.auth == "key-body":
            return {"apikey": self.credentials["api_key"]}
        return {}

    def _post(self, path: str, body: Mapping[str, Any]) -> httpx.Response:
        params = {"key": self.credentials["api_key"]} if self.auth == "key-param" else None
        return self.http.request(
            "POST", path, json_body={**self._auth_fields(), **body}, params=params
        )

    # -- the saved job

    def saved_jobs(self) -> list[dict[str, Any]]:
        """The saved jobs LEKAB lists (of `jobtype`, if set): [{id, name, type}]."""
        body = {"jobtype": self.jobtype} if self.jobtype else {}
        answer = self._answer(self._post(self.LIST_PATH, body), "listsavedjobs")
        jobs = answer.get("savedJobs")
        if not isinstance(jobs, list) or not all(isinstance(j, Mapping) for j in jobs):
            raise DeliveryError(
                f"lekab-dispatch: listsavedjobs answered without a savedJobs list: {answer!r}"
            )
        return [dict(j) for j in jobs]

    def saved_jobid(self) -> int:
        """The id of the saved job to start: `jobid`, else the one named `jobname`."""
        if self._saved_jobid is not None:
            return self._saved_jobid
        jobs = self.saved_jobs()
        found = [
            j
            for j in jobs
            if j.get("name") == self.jobname and (not self.jobtype or j.get("type") == self.jobtype)
        ]
        if len(found) != 1:
            listed = ", ".join(f"{j.get('name')!r} (id {j.get('id')})" for j in jobs) or "none"
            problem = "no saved job" if not found else f"{len(found)} saved jobs"
            raise HandoffError(
                f"[handoff.{self.context.name}]: {problem} named {self.jobname!r}"
                + (f" of type {self.jobtype!r}" if self.jobtype else ""),
                hint=f"saved jobs: {listed}; or set jobid = ...",
            )
        jobid = found[0].get("id")
        if isinstance(jobid, bool) or not isinstance(jobid, int):
            raise DeliveryError(f"lekab-dispatch: listsavedjobs gave the job id {jobid!r}")
        self._saved_jobid = jobid
        return jobid

    # -- sending

    def check(self, envelope: Envelope) -> None:
        self.sms_text(envelope)

    def sms_text(self, envelope: Envelope) -> str:
        """The text this envelope sends; HandoffError when it cannot go (channel, phone, text)."""
        super().check(envelope)
        return sms_text(self.name, envelope, lekab_number)

    def start_body(self, envelopes: Sequence[Envelope], jobid: int) -> dict[str, Any]:
        """The startsavedjob body (without authentication fields) for envelopes sharing a text."""
        numbers = dict.fromkeys(lekab_number(e.recipient.phone or "") for e in envelopes)
        body: dict[str, Any] = {"jobid": jobid}
        name = self.run_name or self.jobname
        if name:
            body["jobname"] = name
        body["message"] = envelopes[0].body("sms")
        body["tonumbers"] = list(numbers)
        body.update(self.recipients)
        return body

    def deliver(self, envelope: Envelope) -> Receipt:
        self.sms_text(envelope)
        return self._start([envelope])[0]

    def deliver_many(self, envelopes: Sequence[Envelope]) -> Iterator[Receipt]:
        """One startsavedjob for each group of envelopes with the same SMS text (at most
        `batch_size` numbers each), in the order the groups first appear. The saved job is
        looked up once, first: if that fails, every envelope fails with that reason."""
        if envelopes and self._saved_jobid is None:
            try:
                self.saved_jobid()
            except DeliveryError as exc:
                for envelope in envelopes:
                    yield Receipt.failed(envelope, exc)
                return
        yield from deliver_grouped(
            envelopes, text_of=self.sms_text, size=self.batch_size, send=self._start
        )

    def _start(self, envelopes: list[Envelope]) -> list[Receipt]:
        body = self.start_body(envelopes, self.saved_jobid())
        answer = self._answer(self._post(self.START_PATH, body), "startsavedjob")
        if answer.get("result") != "OK":
            raise DeliveryError(
                f"lekab-dispatch: startsavedjob answered neither OK nor ERROR: {answer!r}",
                status=200,
            )
        runtimeid = answer.get("runtimeid")
        remote = None if runtimeid is None else str(runtimeid)
        detail = {"jobname": answer["jobname"]} if answer.get("jobname") else {}
        return [
            Receipt(
                e.idempotency_key,
                True,
                remote_id=remote,
                status=200,
                dry_run=self.dry_run,
                detail=detail,
            )
            for e in envelopes
        ]

    def _answer(self, response: httpx.Response, endpoint: str) -> dict[str, Any]:
        """LEKAB's JSON answer, or DeliveryError for a refusal, an HTTP error or a 200 that
        says "ERROR"."""
        status = response.status_code
        if status in (401, 403):
            vars_ = ", ".join(
                str(self.context.options.get(*CREDENTIALS[c])) for c in AUTH_MODES[self.auth][1]
            )
            raise DeliveryError(
                f"lekab-dispatch: {endpoint}: HTTP {status}: the credentials were refused",
                status=status,
                hint=f"check {vars_} and auth = {self.auth!r}",
            )
        if status != 200:
            snippet = response.text[:200].strip()
            raise DeliveryError(
                f"lekab-dispatch: {endpoint}: HTTP {status}" + (f": {snippet}" if snippet else ""),
                status=status,
                transient=status in RETRY_STATUSES,
            )
        answer = json_body(response, "lekab-dispatch")
        if not isinstance(answer, dict):
            raise DeliveryError(f"lekab-dispatch: {endpoint} answered {answer!r}", status=status)
        if answer.get("result") == "ERROR":
            message = str(answer.get("errormessage") or "no errormessage given")
            raise DeliveryError(
                f"lekab-dispatch: {endpoint} refused: {message}", status=status, code=message
            )
        return answer

    def _dry_answer(self, request: httpx.Request) -> httpx.Response:
        """LEKAB's documented success, in place of LEKAB in a dry run."""
        if request.url.path == self.LIST_PATH:
            job = {"id": self.DRY_RUN_JOBID, "name": self.jobname, "type": self.jobtype or ""}
            return httpx.Response(200, json={"savedJobs": [job]})
        name = self.run_name or self.jobname or ""
        return httpx.Response(200, json={"result": "OK", "runtimeid": 0, "jobname": name})


def lekab_number(phone: str) -> str:
    """A phone number as LEKAB takes it: international digits without `+` or `00`
    (`+46 70-123 45 67` -> `46701234567`)."""
    return international_number(phone, plus=False)


def iso_datetime(value: Any, context: Context, key: str = "scheduledstart") -> str:
    """An ISO 8601 date and time (a string, or a TOML date-time) as the string to send."""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, str) and "T" in value.upper():
        try:
            dt.datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            return value
    raise setting_error(
        context,
        key,
        f"{value!r} is not an ISO 8601 date and time",
        hint="e.g. 2026-12-01T08:00:00+01:00",
    )


def _b64(value: str) -> str:
    return base64.b64encode(value.encode("utf-8")).decode("ascii")
