"""Hand-off adapters' messages name the settings they read (issue 20, item 5): the webhook's
`url` (not `base_url`), SMTP's `password_env` and the variable it names (not a `password`
setting that tmplkit.toml may not hold), DAPI's variables as user_id_env and user_secret_env
name them (not always the defaults)."""

from __future__ import annotations

import httpx
import pytest

from tmplkit.errors import DeliveryError, HandoffError
from tmplkit.handoff import Context, Envelope, Recipient, open_adapter
from tmplkit.handoff.dapi import DapiAdapter

HTTPS_HINT = "(hint: plain http is allowed only to loopback (127.0.0.1, localhost, ::1))"


def test_webhook_names_its_url_setting() -> None:
    env = {"TMPLKIT_WEBHOOK_SECRET": "s3cret"}
    with pytest.raises(HandoffError) as caught:
        open_adapter("webhook", {"url": "http://hooks.example.com/x"}, env=env)
    # Before: "[handoff.webhook]: base_url 'http://…' must use https", a setting it has not.
    assert str(caught.value) == (
        f"[handoff.webhook]: url 'http://hooks.example.com/x' must use https {HTTPS_HINT}"
    )


def test_the_http_adapters_still_name_base_url() -> None:
    env = {"DAPI_USER_ID": "u", "DAPI_USER_SECRET": "s"}
    options = {"provider": "46elks", "from": "AcmeShop", "base_url": "http://api.dapi.io"}
    with pytest.raises(HandoffError) as caught:
        open_adapter("dapi", options, env=env)
    assert str(caught.value) == (
        f"[handoff.dapi]: base_url 'http://api.dapi.io' must use https {HTTPS_HINT}"
    )


@pytest.mark.parametrize(
    "options,env,message",
    [
        (
            {"username": "mailer"},
            {"TMPLKIT_SMTP_PASSWORD": "päss"},
            "[handoff.smtp]: password_env: the password in TMPLKIT_SMTP_PASSWORD must be ASCII "
            "(smtplib sends AUTH in ASCII)",
        ),
        (
            {"username": "mailer", "password_env": "MAIL_PW"},
            {"MAIL_PW": "päss"},
            "[handoff.smtp]: password_env: the password in MAIL_PW must be ASCII (smtplib sends "
            "AUTH in ASCII)",
        ),
        (
            {"username": "mäiler"},
            {"TMPLKIT_SMTP_PASSWORD": "pass"},
            "[handoff.smtp]: username: must be ASCII (smtplib sends AUTH in ASCII)",
        ),
    ],
)
def test_smtp_names_password_env_and_its_variable(
    options: dict[str, str], env: dict[str, str], message: str
) -> None:
    # Before: "[handoff.smtp]: password: must be ASCII …", a setting tmplkit.toml may not hold.
    with pytest.raises(HandoffError) as caught:
        open_adapter("smtp", options, env=env)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    "options,env,checked",
    [
        ({}, {"DAPI_USER_ID": "u", "DAPI_USER_SECRET": "s"}, "DAPI_USER_ID and DAPI_USER_SECRET"),
        (
            {"user_id_env": "ACME_DAPI_ID", "user_secret_env": "ACME_DAPI_SECRET"},
            {"ACME_DAPI_ID": "u", "ACME_DAPI_SECRET": "s"},
            "ACME_DAPI_ID and ACME_DAPI_SECRET",
        ),
    ],
)
def test_dapi_401_names_the_variables_it_read(
    options: dict[str, str], env: dict[str, str], checked: str
) -> None:
    transport = httpx.MockTransport(lambda r: httpx.Response(401, json={"message": "no"}))
    context = Context(
        options={"provider": "46elks", "from": "AcmeShop", **options}, env=env, name="dapi"
    )
    dapi = DapiAdapter(context, transport=transport, sleep=lambda s: None)
    envelope = Envelope(
        channel="sms",
        recipient=Recipient(phone="+46701234567", id="+46701234567"),
        parts={"sms": "Your order AC-1042 has shipped."},
    )
    # Before: always "check DAPI_USER_ID and DAPI_USER_SECRET (or the variables user_id_env
    # and user_secret_env name)", whatever variables the settings named.
    with pytest.raises(DeliveryError) as caught:
        dapi.deliver(envelope)
    assert str(caught.value) == (
        f"dapi: PUT /v1/messages: HTTP 401: the credentials were refused (hint: check {checked})"
    )
