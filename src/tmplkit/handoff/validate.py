"""Reading an adapter's `[handoff.NAME]` settings: each bad value is one clear error naming it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import httpx

from ..errors import DeliveryError, HandoffError
from .base import Context
from .http import require_https

# Settings every HTTP adapter reads (RetryPolicy.from_options) besides its own.
HTTP_SETTINGS = ("adapter", "base_url", "timeout", "retries", "backoff")


def setting_error(
    context: Context, key: str, problem: str, hint: str | None = None
) -> HandoffError:
    return HandoffError(f"[handoff.{context.name}]: {key}: {problem}", hint=hint)


def check_known(context: Context, known: Iterable[str]) -> None:
    """Refuse a setting the adapter does not read (a typo would otherwise be ignored)."""
    known = sorted(set(known))
    for key in context.options:
        if key not in known:
            raise HandoffError(
                f"[handoff.{context.name}]: unknown setting {key!r}",
                hint="settings: " + ", ".join(known),
            )


def text(context: Context, key: str, *, required: bool = False) -> str | None:
    """A non-empty string setting, or None when absent."""
    value = context.option(key, required=required)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise setting_error(context, key, f"must be a non-empty string, not {value!r}")
    return value


def flag(context: Context, key: str, default: bool = False) -> bool:
    """A true/false setting."""
    value = context.option(key, default)
    if not isinstance(value, bool):
        raise setting_error(context, key, f"must be true or false, not {value!r}")
    return value


def positive_int(context: Context, key: str, value: Any) -> int:
    """`value` (of setting `key`) as a whole number above 0."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise setting_error(context, key, f"must be a whole number above 0, not {value!r}")
    return value


def string_list(context: Context, key: str) -> list[str]:
    """A list of non-empty strings (a single string counts as a list of one); [] when absent."""
    value = context.option(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise setting_error(context, key, f"must be a list of non-empty strings, not {value!r}")
    return list(value)


def base_url(context: Context, default: str) -> str:
    """The service's base URL: https (plain http only to loopback), without a trailing /."""
    url = context.option("base_url", default)
    if not isinstance(url, str) or not url:
        raise setting_error(context, "base_url", f"must be a URL, not {url!r}")
    try:
        require_https(url, context.name)
    except httpx.InvalidURL as exc:
        raise setting_error(context, "base_url", f"{url!r} is not a URL ({exc})") from None
    return url.rstrip("/")


def json_body(response: httpx.Response, service: str) -> Any:
    """The response's JSON, or DeliveryError naming the request when it is not JSON."""
    try:
        return response.json()
    except ValueError:
        request = response.request
        snippet = response.text[:200].strip() or "an empty body"
        raise DeliveryError(
            f"{service}: {request.method} {request.url.path}: HTTP {response.status_code} "
            f"answered with something that is not JSON: {snippet!r}",
            status=response.status_code,
        ) from None
