"""Every sample template compiles to every target that can express it; the others refuse exactly.

The order confirmation and the shipping notification format their dates and prices in the
reader's locale (format_date, format_currency): handlebarsjava (the tk_format helper is
handlebars.js's) refuses them, in every locale; the targets that write tmplkit's formatter in
(handlebars, liquid, freemarker, cheetah, ampscript) refuse them without --inline-formats;
mandrillhandlebars (no helpers) refuses them without --inline-formats, and with it prints
companion fields the sender formats (`Compiled.preformat`): rendered through the model with the
sample's data preformatted, each part is what `tmplkit.render` gives. Mandrill expresses the
samples in the source locale, de-DE and ja-JP: their plural rules are comparisons of the count
(the shipping notification has none: every locale). Polish and Arabic need
`%`, and so does French since its rule is CLDR's (`many` for n % 1000000 == 0, and decimals such
as 1.5 take `one`): Mandrill refuses them by locale. What it writes for the samples is locked by
golden files and rendered in handlebars.js through tests/differential/mandrill_model.py with
each sample's data, every part (subject, html, text, sms, push) included.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import tmplkit
from tests.differential.harness import normalize
from tests.differential.mandrill_model import MODEL_JS, model
from tests.engines import render_batch, require_engine
from tmplkit.compiler import Compiled, compile_parts
from tmplkit.errors import CompileError
from tmplkit.pipeline import resolve
from tmplkit.targets import TARGETS, get_emitter
from tmplkit.targets.handlebars import HELPERS_JS
from tmplkit.targets.jinja import environment

ROOT = Path(__file__).resolve().parents[2]
WORKSPACE = ROOT / "sample_templates" / "workspaces" / "acme-shop"
GOLDEN = Path(__file__).resolve().parent / "golden" / "mandrill-samples"
UPDATE_GOLDEN = os.environ.get("TMPLKIT_UPDATE_GOLDEN") == "1"
TEMPLATES = [
    "orders/order-confirmation",
    "orders/shipping-notification",
    "account/password-reset",
    "account/welcome",
]
MANDRILL = "mandrillhandlebars"
LOCALES = [None, "fr-FR", "de-DE", "ja-JP", "pl-PL", "ar-EG"]  # None: the source locale (en-US)
# Where each sample formats its first value (a date), and why each target refuses to.
FORMATTED = {
    "orders/order-confirmation": "drafts/published/body.html.j2:44:16",
    "orders/shipping-notification": "drafts/published/body.html.j2:42:28",
}
NO_FORMATS = {
    "handlebarsjava": "tk_format is a handlebars.js helper only",
    MANDRILL: "Mandrill cannot register helpers",
}
# Mandrill's hint goes on: with the flag, the template prints values the sender formats.
SENDER_FORMATS = ", or pass --inline-formats to make the template read values the sender formats"


def format_refusal(target: str, locale: str | None) -> str:
    if target not in NO_FORMATS:  # handlebars, liquid, freemarker, cheetah, ampscript: the flag
        return (
            f"the {target} target cannot express format_date without --inline-formats (it has no"
            " locale-aware formatter) (hint: format the value in your data and print it as it"
            " is, or pass --inline-formats to write tmplkit's exact CLDR formatter into the"
            " template)"
        )
    more = SENDER_FORMATS if target == MANDRILL else ""
    return (
        f"the {target} target cannot express format_date in {locale or 'en-US'} "
        f"({NO_FORMATS[target]}) (hint: format the value in your data and print it as it is"
        f"{more})"
    )


def plural_refusal(locale: str) -> str:
    return (
        f"the mandrillhandlebars target cannot express the {locale} plural rule, which needs % "
        "(hint: Mandrill's backtick comparisons have no arithmetic; choose the plural form before "
        "sending, or compile for a locale whose rule only compares the count, such as en, de or ja)"
    )


# (template, locale) → where and why the mandrillhandlebars target refuses it; the rest compile.
MANDRILL_REFUSALS = {
    (template, locale): (where, plural_refusal(locale))
    for template, where in (
        ("account/password-reset", "drafts/published/body.html.j2:48:16"),
        ("account/welcome", "drafts/published/body.html.j2:41:29"),
    )
    for locale in ("fr-FR", "pl-PL", "ar-EG")
} | {
    (template, locale): (where, format_refusal(MANDRILL, locale))
    for template, where in FORMATTED.items()
    for locale in LOCALES
}


def compile_cli(path: str, target: str, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tmplkit", "compile", path, "--target", target, "--json", *options],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_every_target_is_listed() -> None:
    assert TARGETS == [
        "ampscript",
        "cheetah",
        "freemarker",
        "handlebars",
        "handlebarsjava",
        "html",
        "jinja",
        "liquid",
        "mandrillhandlebars",
        "sendgrid",
    ]


# Mandrill and SendGrid compile with warnings: their own tests (test_sendgrid.py for SendGrid).
@pytest.mark.parametrize("target", [t for t in TARGETS if t not in (MANDRILL, "sendgrid")])
@pytest.mark.parametrize("template", TEMPLATES)
def test_sample_template_compiles(template: str, target: str) -> None:
    path = f"sample_templates/workspaces/acme-shop/{template}"
    result = compile_cli(path, target)
    if template in FORMATTED and (target in NO_FORMATS or get_emitter(target).formats_inline):
        where = f"workspaces/acme-shop/{template}/{FORMATTED[template]}"
        assert (result.returncode, result.stdout) == (1, "")
        assert result.stderr == f"error: {where}: {format_refusal(target, None)}\n"
        if target in NO_FORMATS:
            return
        result = compile_cli(path, target, "--inline-formats")  # tmplkit's formatter, written in
    assert (result.returncode, result.stderr) == (0, "")
    compiled = json.loads(result.stdout)
    assert compiled["target"] == target
    assert compiled["html"] and compiled["subject"]
    assert "{% trans" not in compiled["html"]


@pytest.mark.parametrize("locale", LOCALES, ids=lambda locale: locale or "source")
@pytest.mark.parametrize("template", TEMPLATES)
def test_mandrill_compiles_each_sample_or_refuses_exactly(
    template: str, locale: str | None
) -> None:
    options = ["--locale", locale] if locale else []
    result = compile_cli(f"sample_templates/workspaces/acme-shop/{template}", MANDRILL, *options)
    refusal = MANDRILL_REFUSALS.get((template, locale))
    if refusal is not None:
        where, message = refusal
        assert (result.returncode, result.stdout) == (1, "")
        assert result.stderr == f"error: workspaces/acme-shop/{template}/{where}: {message}\n"
        return
    assert result.returncode == 0, result.stderr
    assert "error" not in result.stderr  # warnings (a missing translation) may come
    compiled = json.loads(result.stdout)
    assert compiled["target"] == MANDRILL
    assert compiled["html"] and compiled["subject"]
    assert "{% trans" not in compiled["html"] and "tk_" not in compiled["html"]


def test_the_documented_polish_refusal_is_what_the_cli_prints() -> None:
    doc = (ROOT / "docs" / "targets" / "handlebars.md").read_text("utf-8")
    where, message = MANDRILL_REFUSALS["account/welcome", "pl-PL"]
    command = "$ tmplkit compile acme-shop/account/welcome -t mandrillhandlebars --locale pl-PL"
    error = f"error: workspaces/acme-shop/account/welcome/{where}: {message}"
    assert f"{command}\n{error}\n" in doc


# --- what Mandrill gets for the samples: golden files, and a rendering through the model -----

GOLDEN_CASES = [
    ("account/welcome", None),
    ("account/welcome", "ja-JP"),
    ("account/password-reset", None),
    ("account/password-reset", "de-DE"),
]


def sample_parts(template: str, target: str, locale: str | None) -> dict[str, str]:
    """Every part (subject, html, text and the channel parts) of a sample, compiled."""
    compiled = compile_parts(str(WORKSPACE / template), target, locale=locale)
    parts = {name: getattr(compiled, name) for name in ("subject", "html", "text")}
    parts.update(compiled.channels)
    return {name: text for name, text in parts.items() if text is not None}


def mandrill_parts(template: str, locale: str | None) -> dict[str, str]:
    return sample_parts(template, MANDRILL, locale)


def render_samples_through_model(
    target: str,
    locales: list[str | None],
    refused: Callable[[str, str | None], bool],
    to_model: Callable[[str], str],
    helpers: str,
    data_of: Callable[[dict[str, Any]], dict[str, Any]] = lambda data: data,
) -> list[tuple[str, str | None, str]]:
    """Every part of every sample and locale `target` compiles (not `refused`), written for a
    model of its helpers (`to_model`) and rendered in handlebars.js with the sample's data
    (`data_of` it), compared with the reference rendering of the jinja target; the failures
    asserted empty, the (template, locale, part) rendered returned."""
    require_engine("handlebars")
    envs = {True: environment(autoescape=True), False: environment(autoescape=False)}
    keys: list[tuple[str, str | None, str]] = []
    cases: list[dict[str, Any]] = []
    expected: list[str] = []
    for template in TEMPLATES:
        data = resolve(str(WORKSPACE / template)).sample_data()
        assert data, f"{template} has sample data"
        data = data_of(data)
        for locale in locales:
            if refused(template, locale):
                continue
            reference = compile_parts(str(WORKSPACE / template), "jinja", locale=locale)
            for part, text in sample_parts(template, target, locale).items():
                source = reference.part(part)
                assert source is not None
                expected.append(envs[part == "html"].from_string(source).render(data))
                cases.append({"template": to_model(text), "data": data, "helpers": helpers})
                keys.append((template, locale, part))
    results = render_batch("handlebars", cases)  # one engine process for every case
    failures = []
    for key, want, result in zip(keys, expected, results, strict=True):
        got = normalize(result["output"]) if result["ok"] else "ERROR: " + result["error"]
        if got != normalize(want):
            failures.append(f"{key}: expected {normalize(want)!r}\n got {got!r}")
    assert failures == []
    return keys


@pytest.mark.parametrize(
    ("template", "locale"), GOLDEN_CASES, ids=[f"{t}-{loc or 'source'}" for t, loc in GOLDEN_CASES]
)
def test_mandrill_sample_matches_its_golden_files(template: str, locale: str | None) -> None:
    for part, text in mandrill_parts(template, locale).items():
        name = f"{template.replace('/', '-')}.{locale or 'source'}.{part}.hbs"
        path = GOLDEN / name
        if UPDATE_GOLDEN:
            GOLDEN.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text.encode("utf-8"))
        assert path.is_file(), f"{path} is missing: run with TMPLKIT_UPDATE_GOLDEN=1"
        assert text.encode("utf-8") == path.read_bytes(), name


def test_every_sample_golden_file_belongs_to_a_case() -> None:
    names = {p.name for p in GOLDEN.iterdir()}
    for template, locale in GOLDEN_CASES:
        prefix = f"{template.replace('/', '-')}.{locale or 'source'}."
        assert {n for n in names if n.startswith(prefix)} == {
            f"{prefix}{part}.hbs" for part in mandrill_parts(template, locale)
        }
    assert all(any(n.startswith(t.replace("/", "-") + ".") for t, _ in GOLDEN_CASES) for n in names)


def test_mandrill_samples_render_like_the_reference_with_their_sample_data() -> None:
    """Every sample and locale Mandrill compiles, rendered in handlebars.js through the model of
    backtick comparisons and upper/lower, equals the reference rendering of the jinja target."""
    keys = render_samples_through_model(
        MANDRILL, LOCALES, lambda t, loc: (t, loc) in MANDRILL_REFUSALS, model, MODEL_JS
    )
    assert {t for t, _, _ in keys} == set(TEMPLATES) - set(FORMATTED)
    # password-reset in 3 locales × 4 parts (subject, html, text, sms), welcome 3 × 2
    assert len(keys) == 3 * 4 + 3 * 2


# --- the formatted samples with --inline-formats: values the sender formats ----------------


def render_formatted_samples(
    target: str,
    locales: list[str | None],
    to_model: Callable[[str], str],
    helpers: str,
    data_of: Callable[[dict[str, Any]], dict[str, Any]] = lambda data: data,
) -> tuple[list[tuple[str, str | None, str]], dict[tuple[str, str | None], str]]:
    """The samples that format values (FORMATTED), compiled with inline_formats in each locale:
    every part rendered in handlebars.js through the model with `compiled.preformat` of the
    sample's data (`data_of` it first), compared with `tmplkit.render`'s subject, html, text
    and channel parts; the failures asserted empty. Returns the (template, locale, part)
    rendered, and the refusals by (template, locale)."""
    require_engine("handlebars")
    project = tmplkit.open_project(ROOT / "sample_templates")
    keys: list[tuple[str, str | None, str]] = []
    cases: list[dict[str, Any]] = []
    expected: list[str] = []
    refused: dict[tuple[str, str | None], str] = {}
    for template in FORMATTED:
        path = f"acme-shop/{template}"
        data = data_of(resolve(path, project, None).sample_data())
        for locale in locales:
            try:
                compiled: Compiled = compile_parts(
                    path, target, project=project, locale=locale, inline_formats=True
                )
            except CompileError as exc:
                refused[template, locale] = str(exc)
                continue
            assert compiled.formatted, template
            message = tmplkit.render(path, data, project=project, locale=locale)
            sent = compiled.preformat(data)
            for part in ("subject", "html", "text", *compiled.channels):
                text = compiled.part(part)
                if text is None:
                    continue
                want = (
                    message.channels[part] if part in compiled.channels else getattr(message, part)
                )
                expected.append(want)
                cases.append({"template": to_model(text), "data": sent, "helpers": helpers})
                keys.append((template, locale, part))
    results = render_batch("handlebars", cases)
    failures = []
    for key, want, result in zip(keys, expected, results, strict=True):
        got = normalize(result["output"]) if result["ok"] else "ERROR: " + result["error"]
        if got != normalize(want):
            failures.append(f"{key}: expected {normalize(want)!r}\n got {got!r}")
    assert failures == [], "\n".join(failures)
    return keys, refused


def test_mandrill_prints_the_formatted_samples_as_render_does_with_preformatted_data() -> None:
    """The order confirmation (dates, prices in a loop, the SMS's total) and the shipping
    notification, compiled with --inline-formats for every project locale: each part Mandrill
    compiles renders through the model as `tmplkit.render` renders it, the data through
    `Compiled.preformat`; the order's French, Polish and Arabic plural rules need %."""
    keys, refused = render_formatted_samples(MANDRILL, LOCALES, model, MODEL_JS)
    assert refused == {
        ("orders/order-confirmation", locale): (
            "workspaces/acme-shop/orders/order-confirmation/drafts/published/body.html.j2:45:16: "
            + plural_refusal(locale)
        )
        for locale in ("fr-FR", "pl-PL", "ar-EG")
    }
    # order: en, de, ja × subject, html, sms; shipping: 6 locales × subject, html, sms, push
    assert len(keys) == 3 * 3 + 6 * 4


def test_mandrill_warns_naming_the_companions_of_the_order_confirmation() -> None:
    compiled = compile_parts(
        str(WORKSPACE / "orders/order-confirmation"), MANDRILL, locale="de-DE", inline_formats=True
    )
    where = "workspaces/acme-shop/orders/order-confirmation/drafts/published"
    hint = "(hint: add them with Compiled.preformat(data), docs/targets/handlebars.md#formats-in-mandrill)"
    assert [w for w in compiled.warnings if "sender formats" in w] == [
        f"{where}/body.html.j2: the mandrillhandlebars target prints values the sender formats: "
        'order.placed_on__date_long (format_date("long") of order.placed_on), '
        "order.lines[].price__currency_order_currency (format_currency(order.currency) of "
        "order.lines[].price), order.shipping_cost__currency_order_currency "
        "(format_currency(order.currency) of order.shipping_cost), "
        "order.total__currency_order_currency (format_currency(order.currency) of order.total) "
        + hint,
        f"{where}/sms.txt.j2: the mandrillhandlebars target prints values the sender formats: "
        'order.total__decimal_0_00 (format_decimal("0.00") of order.total) ' + hint,
    ]
    assert [f.path for f in compiled.formatted] == [
        "order.placed_on__date_long",
        "order.lines[].price__currency_order_currency",
        "order.shipping_cost__currency_order_currency",
        "order.total__currency_order_currency",
        "order.total__decimal_0_00",
    ]
    data = resolve(str(WORKSPACE / "orders/order-confirmation")).sample_data()
    sent = compiled.preformat(data)["order"]
    assert (sent["placed_on__date_long"], sent["total__currency_order_currency"]) == (
        "12. Oktober 2026",
        "115,49\u00a0$",
    )
    assert [line["price__currency_order_currency"] for line in sent["lines"]] == [
        "49,00\u00a0$",
        "34,50\u00a0$",
        "19,99\u00a0$",
    ]


# --- channel parts: compiled and rendered by each target's own engine --------------------------

CHANNEL_ENGINES = [
    ("liquid", "python_liquid", {}),
    ("liquid", "liquidjs", {}),
    ("liquid", "shopify_liquid", {}),
    ("handlebars", "handlebars", {"helpers": HELPERS_JS}),
    ("freemarker", "freemarker", {}),
    ("cheetah", "cheetah", {}),
]


@pytest.mark.parametrize(
    "target,engine,extra", CHANNEL_ENGINES, ids=[f"{t}-{e}" for t, e, _ in CHANNEL_ENGINES]
)
def test_channel_parts_render_in_each_engine_as_tmplkit_renders_them(
    target: str, engine: str, extra: dict[str, Any]
) -> None:
    """Each sample's sms and push parts, in each locale the target can express, compiled with
    `compile_parts` and rendered with the sample's data by the target's engine, equal what
    `tmplkit.render` gives for that part (the text a sending system would get)."""
    import tmplkit

    require_engine(engine)
    project = tmplkit.open_project(ROOT / "sample_templates")
    cases: list[dict[str, Any]] = []
    expected: list[tuple[str, str]] = []
    for template in TEMPLATES:
        path = f"acme-shop/{template}"
        data = resolve(path, project, None).sample_data()
        for locale in LOCALES:
            compiled = compile_parts(
                path,
                target,
                project=project,
                locale=locale,
                only=("sms", "push", "chat"),
                inline_formats=True,  # the order's SMS formats its total
            )
            message = tmplkit.render(path, data, project=project, locale=locale)
            assert sorted(compiled.channels) == sorted(message.channels)
            for part, text in compiled.channels.items():
                cases.append({"template": text, "data": data, **extra})
                expected.append((f"{template} {locale or 'source'} {part}", message.channels[part]))
    assert len(cases) == 3 * len(LOCALES) + len(LOCALES)  # 3 sms parts and 1 push part
    results = render_batch(engine, cases)
    for (label, want), result in zip(expected, results, strict=True):
        assert result["ok"], f"{label}: {result.get('error')}"
        assert normalize(result["output"]) == normalize(want), label
