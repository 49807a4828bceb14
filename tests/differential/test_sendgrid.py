"""The sendgrid target: SendGrid's documented helpers only, rendered through a model of them.

SendGrid's engine is not available: tests/differential/sendgrid_model.py registers the helpers
SendGrid documents, as its page describes them, in handlebars.js. The corpus and the sample
templates compiled to `sendgrid` render through that model like the reference, but for the
documented divergences below; what SendGrid cannot say is refused with the exact message.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest

from tests.differential.corpus import DATASETS, SOURCES, Source
from tests.differential.harness import normalize, reference, run
from tests.differential.sendgrid_model import DOC_URL, DOCUMENTED_HELPERS, MODEL_JS
from tests.differential.test_plurals import (
    COUNTS,
    GROUPS,
    NOT_COUNTS,
    WALK_DATA,
    cldr_output,
    compile_each_rule,
    walk_body,
)
from tests.differential.test_samples import (
    FORMATTED,
    TEMPLATES,
    render_formatted_samples,
    render_samples_through_model,
    sample_parts,
)
from tests.engines import render_batch, require_engine
from tmplkit import compile_string, ir
from tmplkit.compiler import compile_parts
from tmplkit.errors import CompileError
from tmplkit.htmlcontext import mark_urls
from tmplkit.i18n.locales import plural_rule
from tmplkit.i18n.plural import select_form
from tmplkit.localize import lower_translations as lower
from tmplkit.targets import get_emitter
from tmplkit.targets.sendgrid import DOC_URL as EMITTER_DOC_URL
from tmplkit.template.parse import parse

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "targets" / "sendgrid.md"
WORKSPACE = ROOT / "sample_templates" / "workspaces" / "acme-shop"
TARGET = "sendgrid"


def sendgrid(source: Source) -> str:
    return compile_string(source.template, TARGET, html=source.html, file=source.name)


def helpers_called(text: str) -> set[str]:
    """Every helper the text calls: block helpers, and a name followed by arguments."""
    blocks = set(re.findall(r"\{\{[#/]([A-Za-z]\w*)", text))
    calls = set(re.findall(r"\{\{\{?~?([A-Za-z]\w*) ", text))
    return blocks | calls


# --- the model follows the page ------------------------------------------------------------------

# The page's own examples (template, test data, resulting HTML), rendered through the model.
DOC_EXAMPLES = [
    (
        "<p>Join us {{formatDate timeStamp dateFormat}}</p>",
        {"timeStamp": "2020-01-01T23:00:00.000Z", "dateFormat": "MMMM DD, YYYY h:mm:ss A"},
        "<p>Join us January 01, 2020 11:00:00 PM</p>",
    ),
    (
        "<p>Join us {{formatDate timeStamp dateFormat timezoneOffset}}</p>",
        {
            "timeStamp": "2020-01-01T23:00:00.000Z",
            "dateFormat": "MMMM DD, YYYY h:mm:ss A",
            "timezoneOffset": "-0800",
        },
        "<p>Join us January 01, 2020 3:00:00 PM</p>",
    ),
    (
        '<p>Hello {{insert name "default=Customer"}}! Thank you for contacting us about '
        '{{insert businessName "your business"}}.</p>',
        {"name": "Ben"},
        "<p>Hello Ben! Thank you for contacting us about your business.</p>",
    ),
    ('{{#equals 3 "3"}}A{{else}}B{{/equals}}', {}, "A"),
    ("{{#equals a b}}win{{else}}lose{{/equals}}", {"a": 289199, "b": 289199}, "win"),
    ("{{#notEquals a b}}not today{{else}}today{{/notEquals}}", {"a": 1, "b": 1}, "today"),
    ("{{#greaterThan a b}}high{{else}}close{{/greaterThan}}", {"a": 55, "b": 78}, "close"),
    ("{{#lessThan a b}}close{{/lessThan}}", {"a": 55, "b": 78}, "close"),
    ("{{#and f d}}both{{else}}survey{{/and}}", {"f": "Pasta", "d": ""}, "survey"),
    ("{{#or r c}}map{{else}}survey{{/or}}", {"r": False, "c": True}, "map"),
    (
        "{{#greaterThan (length cartItems) 0}}items{{else}}thanks{{/greaterThan}}",
        {"cartItems": []},
        "thanks",
    ),
    ("{{length s}} {{length n}}", {"s": "raft", "n": 3}, "4 0"),
]


def test_the_model_renders_the_pages_examples_as_the_page_shows() -> None:
    require_engine("handlebars")
    cases = [{"template": t, "data": d, "helpers": MODEL_JS} for t, d, _ in DOC_EXAMPLES]
    results = render_batch("handlebars", cases)
    assert [r["output"] if r["ok"] else r["error"] for r in results] == [
        want for _, _, want in DOC_EXAMPLES
    ]


def test_the_model_and_the_docs_cite_the_same_page() -> None:
    assert DOC_URL == EMITTER_DOC_URL
    assert DOC_URL in DOC.read_text("utf-8")


# --- the corpus -----------------------------------------------------------------------------------

CASE_HINT = "(hint: SendGrid has no helper that changes case; remove |escape, or put it last)"
INDEX_HINT = (
    "(hint: SendGrid cannot add 1 to @index; print loop.index0, or number the items in your data)"
)
# Corpus sources sendgrid refuses, with the exact message (file = source name).
REFUSED = {
    "loop_vars": f"loop_vars:1:21: the sendgrid target cannot express printing loop.index {INDEX_HINT}",
    "nested_loops": f"nested_loops:1:26: the sendgrid target cannot express printing loop.index {INDEX_HINT}",
}
# Corpus sources that use upper or lower: the value prints as it is sent, and compiling warns.
UNCASED = {"upper_lower", "default_upper", "mixed"}

# Where SendGrid, as documented, differs from the reference (the same as Mandrill: handlebars'
# own {{#if}}): an empty object is true; an empty list or object printed directly is not
# written [] / {}.
DIVERGENCES = {
    *(
        (name, "falsy_empty_obj")
        for name in (
            "if",
            "if_else",
            "if_text",
            "not",
            "or_not",
            "if_in_attribute",
            "nested_path",
            "truthy_nested",
        )
    ),
    ("nested_path", "falsy_empty_list"),
    ("truthy_obj", "empty_lists"),
}


def test_sendgrid_refuses_what_it_cannot_express_in_the_corpus() -> None:
    refused = {}
    for source in SOURCES:
        try:
            sendgrid(source)
        except CompileError as error:
            assert error.construct in get_emitter(TARGET).refuses
            refused[source.name] = str(error)
    assert refused == REFUSED


def test_the_corpus_calls_only_the_helpers_sendgrid_documents() -> None:
    for source in SOURCES:
        if source.name not in REFUSED:
            text = sendgrid(source)
            assert helpers_called(text) <= DOCUMENTED_HELPERS, source.name
            assert "tk_" not in text and "`" not in text


def test_the_corpus_renders_like_the_reference_through_the_model() -> None:
    require_engine("handlebars")
    shared = [s for s in SOURCES if s.name not in REFUSED and s.name not in UNCASED]
    cases, mismatches = run(TARGET, "handlebars", sources=shared, case_extra={"helpers": MODEL_JS})
    assert cases == len(shared) * len(DATASETS) == 43 * 17
    assert {(m.source, m.dataset) for m in mismatches} == DIVERGENCES
    by_case = {(m.source, m.dataset): m for m in mismatches}
    assert by_case["if_else", "falsy_empty_obj"].got == "on"
    assert by_case["nested_path", "falsy_empty_obj"].got == "<p>Ann / [object Object]</p>"


def test_upper_and_lower_print_the_value_as_sent_and_compiling_warns() -> None:
    body = lower(parse('{{ name|upper }} {{ nick|default("ann")|upper }} {{ name|lower }}').body)
    emitter = get_emitter(TARGET)(html=True, file="t.html")
    assert emitter.emit(body) == (  # a default's fallback is known now: changed at compile time
        "{{this.name}} {{#if this.nick}}{{this.nick}}{{else}}ANN{{/if}} {{this.name}}"
    )
    assert emitter.warnings == [
        "t.html: the sendgrid target cannot change the case of name, nick (hint: SendGrid has "
        "no upper or lower helper; send those values in the case the template asks for, or "
        "compile for another target)"
    ]


def test_the_corpus_with_upper_or_lower_renders_the_value_as_sent() -> None:
    """What the case warning says, through the model: the reference without upper and lower."""
    require_engine("handlebars")
    uncased = [s for s in SOURCES if s.name in UNCASED]
    as_sent = [
        Source(s.name, re.sub(r"\|(upper|lower)\b", "", s.template), s.html) for s in uncased
    ]
    # A default's fallback is changed at compile time, as the reference changes it.
    as_sent = [
        Source(s.name, s.template.replace('default("friend")', 'default("FRIEND")'), s.html)
        for s in as_sent
    ]
    keys, cases, expected = [], [], []
    for source, plain in zip(uncased, as_sent, strict=True):
        for name, data in DATASETS.items():
            keys.append((source.name, name))
            cases.append({"template": sendgrid(source), "data": data, "helpers": MODEL_JS})
            expected.append(normalize(reference(plain, data)))
    results = render_batch("handlebars", cases)
    mismatches = {
        key
        for key, want, result in zip(keys, expected, results, strict=True)
        if not result["ok"] or normalize(result["output"]) != want
    }
    assert mismatches == {("mixed", "falsy_empty_obj")}  # {} is true: the list shows
    assert len(cases) == 3 * 17


def test_a_url_from_the_data_prints_unchecked_and_compiling_warns() -> None:
    body = mark_urls(lower(parse('<a href="{{ u }}">{{ u }}</a><img src="{{ i.src }}">').body))
    emitter = get_emitter(TARGET)(html=True, file="t.html")
    assert emitter.emit(body) == '<a href="{{this.u}}">{{this.u}}</a><img src="{{this.i.src}}">'
    assert emitter.warnings == [
        "t.html: the sendgrid target cannot check the URL scheme of u, i.src (hint: SendGrid has "
        "no string helpers; send only http, https, mailto, tel or sms URLs there, or compile for "
        "another target)"
    ]


# --- comparisons and defaults -----------------------------------------------------------------------


def test_comparisons_are_equals_and_notequals_blocks() -> None:
    (and_or,) = [s for s in SOURCES if s.name == "and_or"]
    assert sendgrid(and_or) == (
        '{{#if this.flag}}{{#equals this.plan "pro"}}yes{{else}}{{#equals this.count 3}}yes'
        "{{else}}no{{/equals}}{{/equals}}{{else}}{{#equals this.count 3}}yes{{else}}no"
        "{{/equals}}{{/if}}"
    )
    assert compile_string('{% if plan != "a \\"b\\"" %}x{% endif %}', TARGET) == (
        '{{#notEquals this.plan "a \\"b\\""}}x{{/notEquals}}'
    )
    # in a loop: the data from @root, the item as this, loop.index as @index + 1
    assert compile_string(
        '{% for t in tags %}{% if plan == "pro" %}{{ t }}{% endif %}'
        "{% if loop.index == 2 %}2nd{% endif %}{% if loop.index0 == 0 %}1st{% endif %}"
        "{% else %}none{% endfor %}",
        TARGET,
    ) == (
        '{{#each this.tags}}{{#equals @root.plan "pro"}}{{this}}{{/equals}}'
        "{{#equals @index 1}}2nd{{/equals}}{{#equals @index 0}}1st{{/equals}}"
        "{{else}}none{{/each}}"
    )


def test_default_is_an_if_around_the_value() -> None:
    assert compile_string('{{ x|default("<a>") }}', TARGET) == (
        "{{#if this.x}}{{this.x}}{{else}}&lt;a&gt;{{/if}}"
    )
    assert compile_string('{{ x|default("<a>")|safe }}', TARGET) == (
        "{{#if this.x}}{{{this.x}}}{{else}}<a>{{/if}}"
    )


REFUSALS = [
    (
        "{% for g in gs %}{% for i in g.items %}{{ g.t }}{% endfor %}{% endfor %}",
        "t.html:1:40: the sendgrid target cannot express an outer loop's variable inside a "
        "nested loop (hint: SendGrid has no block parameters; copy g's value into each item of "
        "the inner list in your data)",
    ),
    (
        '{% for l in lines %}{% if loop.index == "2" %}x{% endif %}{% endfor %}',
        "t.html:1:21: the sendgrid target cannot express a comparison of a loop variable with a "
        "string (hint: SendGrid's equals would read the string as a number; compare with a "
        "number)",
    ),
    (
        "{{ x|escape|upper }}",
        f"t.html:1:1: the sendgrid target cannot express upper or lower after escape {CASE_HINT}",
    ),
    (
        "{% for l in ls %}{{ loop.index0|upper }}{% endfor %}",
        "t.html:1:18: the sendgrid target cannot express upper or lower of a loop variable "
        "(hint: SendGrid has no helper that changes case; print the loop variable as it is)",
    ),
    (
        "<p>{{ d|format_date }}</p>",
        "t.html:1:4: the sendgrid target cannot express format_date in en-US (SendGrid's "
        "formatDate has its own English-only tokens, not CLDR's) (hint: format the value in your "
        "data and print it as it is, or pass --inline-formats to make the template read values "
        "the sender formats)",
    ),
    (
        '{{ u["a[b"] }}',
        "t.html:1:1: the sendgrid target cannot express a key containing [ or ] (hint: sendgrid "
        "has no escape inside [segment literals]; rename the key in your data)",
    ),
]


@pytest.mark.parametrize(("source", "message"), REFUSALS)
def test_refusal(source: str, message: str) -> None:
    with pytest.raises(CompileError) as info:
        compile_string(source, TARGET, file="t.html")
    assert info.value.construct in get_emitter(TARGET).refuses  # listed by `tmplkit targets`
    assert str(info.value) == message


# --- the sample templates -------------------------------------------------------------------------

LOCALES = [None, "de-DE", "fr-FR", "ja-JP"]  # None: the source locale (en-US)
PLURAL = {
    "account/password-reset": "drafts/published/body.html.j2:48:16",
    "account/welcome": "drafts/published/body.html.j2:41:29",
}


def sample_refusal(template: str, locale: str | None) -> str | None:
    """The one-line error for a sample sendgrid cannot express, or None."""
    where = f"workspaces/acme-shop/{template}/"
    if template in FORMATTED:
        return (
            f"{where}{FORMATTED[template]}: the sendgrid target cannot express format_date in "
            f"{locale or 'en-US'} (SendGrid's formatDate has its own English-only tokens, not "
            "CLDR's) (hint: format the value in your data and print it as it is, or pass "
            "--inline-formats to make the template read values the sender formats)"
        )
    if locale == "fr-FR":
        return (
            f"{where}{PLURAL[template]}: the sendgrid target cannot express the fr-FR plural "
            "rule, which needs % (hint: SendGrid's helpers have no arithmetic; choose the plural "
            "form before sending, or compile for a locale whose rule only compares the count, "
            "such as en, de or ja)"
        )
    return None


def parts(template: str, locale: str | None) -> dict[str, str]:
    return sample_parts(template, TARGET, locale)


@pytest.mark.parametrize("locale", LOCALES, ids=lambda locale: locale or "source")
@pytest.mark.parametrize("template", TEMPLATES)
def test_each_sample_compiles_with_sendgrids_helpers_or_is_refused_exactly(
    template: str, locale: str | None
) -> None:
    refusal = sample_refusal(template, locale)
    if refusal is not None:
        with pytest.raises(CompileError) as info:
            parts(template, locale)
        assert str(info.value).endswith(refusal)
        assert str(info.value).count("\n") == 0
        assert info.value.construct in get_emitter(TARGET).refuses
        return
    for name, text in parts(template, locale).items():
        assert helpers_called(text) <= DOCUMENTED_HELPERS, name
        assert "tk_" not in text, name


def test_the_documented_french_refusal_is_what_compiling_says() -> None:
    command = "$ tmplkit compile acme-shop/account/welcome -t sendgrid --locale fr-FR"
    assert f"{command}\nerror: {sample_refusal('account/welcome', 'fr-FR')}\n" in DOC.read_text(
        "utf-8"
    )


def test_the_welcome_and_password_reset_emails_compile_in_en_de_and_ja() -> None:
    for template in ("account/welcome", "account/password-reset"):
        for locale in (None, "de-DE", "ja-JP"):
            assert parts(template, locale)["html"].startswith("<!DOCTYPE html>")


def test_password_reset_warns_that_the_email_prints_as_sent() -> None:
    compiled = compile_parts(str(WORKSPACE / "account/password-reset"), TARGET)
    body = "workspaces/acme-shop/account/password-reset/drafts/published/body"
    assert [w.split(": ", 1) for w in compiled.warnings if "change the case" in w] == [
        [
            f"{body}.{part}.j2",
            "the sendgrid target cannot change the case of user.email (hint: SendGrid has no "
            "upper or lower helper; send those values in the case the template asks for, or "
            "compile for another target)",
        ]
        for part in ("html", "txt")
    ]


def lower_email(data: dict[str, Any]) -> dict[str, Any]:
    """The sample data as the case warning asks: user.email sent lower-cased."""
    data = copy.deepcopy(data)
    if isinstance(data.get("user"), dict) and "email" in data["user"]:
        data["user"]["email"] = data["user"]["email"].lower()
    return data


def test_the_samples_render_through_the_model_like_the_reference() -> None:
    """Every sample and locale sendgrid compiles, each part rendered in handlebars.js through
    the model with the sample's data, equals the reference rendering of the jinja target; with
    the data the warnings ask for (the e-mail address in lower case)."""
    keys = render_samples_through_model(
        TARGET,
        LOCALES,
        lambda t, loc: sample_refusal(t, loc) is not None,
        lambda text: text,
        MODEL_JS,
        lower_email,
    )
    # password-reset and welcome in en, de and ja: 4 parts (subject, html, text, sms) and 2
    assert len(keys) == 3 * 4 + 3 * 2


def upper_tracking_number(data: dict[str, Any]) -> dict[str, Any]:
    """The shipping notification's data as its case warning asks: the tracking number sent in
    upper case."""
    data = copy.deepcopy(data)
    shipment = data.get("shipment")
    if isinstance(shipment, dict) and "tracking_number" in shipment:
        shipment["tracking_number"] = shipment["tracking_number"].upper()
    return data


def test_with_inline_formats_the_formatted_samples_print_values_the_sender_formats() -> None:
    """SendGrid inherits Mandrill's companion fields (its formatDate has English-only tokens):
    the order confirmation and the shipping notification compiled with --inline-formats render
    through the model as `tmplkit.render` renders them, the data through `Compiled.preformat`
    (and the tracking number upper-cased, as the case warning asks); French's rule needs %."""
    keys, refused = render_formatted_samples(
        TARGET, LOCALES, lambda text: text, MODEL_JS, upper_tracking_number
    )
    assert refused == {
        ("orders/order-confirmation", "fr-FR"): (
            "workspaces/acme-shop/orders/order-confirmation/drafts/published/body.html.j2:45:16: "
            "the sendgrid target cannot express the fr-FR plural rule, which needs % (hint: "
            "SendGrid's helpers have no arithmetic; choose the plural form before sending, or "
            "compile for a locale whose rule only compares the count, such as en, de or ja)"
        )
    }
    # order: en, de, ja × subject, html, sms; shipping: 4 locales × subject, html, sms, push
    assert len(keys) == 3 * 3 + 4 * 4


# --- plural rules: every rule of Babel's locales --------------------------------------------------


def sendgrid_body(body: ir.Body, locale: str) -> str:
    emitter = get_emitter(TARGET)(html=True, file="t.html")
    emitter.locale = locale  # what compiling a project's template sets
    return emitter.emit(body)


def test_a_plural_rule_is_a_chain_of_equals_blocks() -> None:
    english = select_form(
        ir.Path(("n",)), plural_rule("en").expr, [(ir.Text("file"),), (ir.Text("files"),)]
    )
    assert sendgrid_body(english, "en") == "{{#equals this.n 1}}file{{else}}files{{/equals}}"
    # a loop's index counts from 1: compared with @index one lower
    index = select_form(
        ir.LoopVar("index"), plural_rule("en").expr, [(ir.Text("a"),), (ir.Text("b"),)]
    )
    assert sendgrid_body((ir.For("i", ir.Path(("items",)), index),), "en") == (
        "{{#each this.items}}{{#equals @index 0}}a{{else}}b{{/equals}}{{/each}}"
    )


def test_every_rule_compiles_or_is_refused_and_renders_cldr_s_categories() -> None:
    """The rules Mandrill writes, SendGrid writes (9 rules, 808 locales); the same 17 rules need
    %, and 8 give decimal counts forms of their own. Through the model every count takes CLDR's
    category; of the values that are not counts, "1" and true take the form of 1, as
    SendGrid's equals coerces them (the reference: `other`)."""
    require_engine("handlebars")
    compiled, refused = compile_each_rule(lambda rule, tag: sendgrid_body(walk_body(rule), tag))
    assert {which: len(tags) for which, tags in refused.items()} == {
        "needs %": 201,
        "gives decimal counts forms of their own": 73,
    }
    assert (len(compiled), sum(len(GROUPS[r]) for r in compiled)) == (9, 808)
    assert NOT_COUNTS == [-1, -1.5, "1", "1.5", True, None]
    rules = list(compiled)
    batch = [{"template": compiled[r], "data": WALK_DATA, "helpers": MODEL_JS} for r in rules]
    results = render_batch("handlebars", batch)
    failures = []
    for rule, result in zip(rules, results, strict=True):
        cldr = cldr_output(GROUPS[rule])
        one = cldr.split(";")[COUNTS.index(1)] + ";"
        want = cldr.removesuffix("other;" * 6) + "other;other;" + one + "other;" + one + "other;"
        if result != {"ok": True, "output": want}:
            failures.append(GROUPS[rule][0])
    assert failures == []
