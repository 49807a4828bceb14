"""URLs from recipient data and translations, rendered by every target's own engine: no live
`javascript:`, `vbscript:` or `data:text/html` link in any output, and safe URLs unchanged.

Each output is parsed with lxml (as a browser's HTML parser reads it: character references
decoded, NUL turned into U+FFFD) and every URL attribute (tmplkit.urls.URL_ATTRIBUTES) is
checked with `unsafe_scheme(value, decode=False)`: the value lxml gives is already decoded, so
it is read as the browser's URL parser reads it, without decoding a second time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import lxml.html
import markupsafe
import pytest

import tmplkit
from tests.differential.harness import normalize
from tests.differential.mandrill_model import MODEL_JS, model
from tests.differential.test_ampscript import Model
from tests.engines import render_batch, require_engine
from tmplkit import compile_parts, compile_string
from tmplkit.i18n.catalog import Catalog, merge
from tmplkit.i18n.workflow import owner_keys, write_catalog
from tmplkit.localize import lower_translations as lower
from tmplkit.targets import get_emitter
from tmplkit.targets.ampscript import attributes
from tmplkit.targets.handlebars import HELPERS_JS
from tmplkit.targets.jinja import environment
from tmplkit.template.parse import parse
from tmplkit.urls import INERT_URL, is_url_attribute, unsafe_scheme

# From the OWASP XSS Filter Evasion Cheat Sheet (cheatsheets/XSS_Filter_Evasion_Cheat_Sheet.md
# in OWASP/CheatSheetSeries), as a recipient's URL value: the cheat sheet's section, the value,
# and whether a browser would follow it to an unsafe scheme when it is printed HTML-escaped (a
# character reference in an escaped value prints as text: `&amp;#106;`). Printed raw (`|safe`),
# all but the last two would be live.
OWASP = [
    ("fromCharCode", "javascript:alert(String.fromCharCode(88,83,83))", True),
    (
        "XSS Locator (Polyglot)",
        "javascript:/*--></title></style></textarea></script></xmp>"
        "<svg/onload='+/\"`/+/onmouseover=1/+/[*/[]/+alert(42);//'>",
        True,
    ),
    (
        "Decimal HTML Character References",
        "&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;"
        "&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;",
        False,
    ),
    (
        "Decimal HTML Character References Without Trailing Semicolons",
        "&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112"
        "&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039"
        "&#0000088&#0000083&#0000083&#0000039&#0000041",
        False,
    ),
    (
        "Hexadecimal HTML Character References Without Trailing Semicolons",
        "&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74"
        "&#x28&#x27&#x58&#x53&#x53&#x27&#x29",
        False,
    ),
    ("Embedded Tab", "jav\tascript:alert('XSS');", True),
    ("Embedded Encoded Tab", "jav&#x09;ascript:alert('XSS');", False),
    ("Embedded Newline to Break Up XSS", "jav&#x0A;ascript:alert('XSS');", False),
    ("Example 1: Embedded Carriage Return", "jav&#x0D;ascript:alert('XSS');", False),
    ("Embedded Newline (the character itself: 10 works)", "jav\nascript:alert('XSS');", True),
    ("Embedded Carriage Return (the character: 13 works)", "jav\rascript:alert('XSS');", True),
    (
        "Example 3: Spaces and Meta Chars Before the JavaScript",
        " &#14;  javascript:alert('XSS');",
        False,
    ),
    (
        "Example 3, the characters themselves (any of 1-32)",
        " \x0e\x01  javascript:alert('XSS');",
        True,
    ),
    ("INPUT Image, IFRAME, FRAME, BGSOUND, LINK", "javascript:alert('XSS');", True),
    ("BODY Image, TABLE, TD, IMG Dynsrc, IMG Lowsrc (upper case)", "JAVASCRIPT:alert('XSS')", True),
    ("VBscript in an Image", 'vbscript:msgbox("XSS")', True),
    ("Livescript (older versions of Netscape only)", "livescript:[code]", True),
    ("META using Data", "data:text/html base64,PHNjcmlwdD5hbGVydCgnWFNTJyk8L3NjcmlwdD4K", True),
    ("BASE Tag", "javascript:alert('XSS');//", True),
    (
        "EMBED SVG Which Contains XSS Vector",
        "data:image/svg+xml;base64,PHN2ZyB4bWxuczpzdmc9Imh0dHA6Ly93d3cudzMub3JnLzIwMDAvc3ZnIj4=",
        True,
    ),
    ("JavaScript Link Location", "javascript:document.location='http://www.google.com/'", True),
    # Not live: NUL becomes U+FFFD in an attribute, and an http: URL is an http: URL.
    ("Example 2: Break Up JavaScript Directive with Null", 'java\x00script:alert("XSS")', False),
    ("META with Additional URL Parameter", "http://;URL=javascript:alert('XSS');", False),
]
SAFE = [
    "https://acme.example/orders/7?utm=mail&x=<1>",
    "http://acme.example",
    "mailto:zoe@example.com?subject=Hi%20there",
    "tel:+33 1 23 45 67 89",
    "sms:+15551234567",
    "/account/password/reset?token=q8Zr&uid=1",
    "#top",
    "data:image/png;base64,iVBORw0KGgo=",
]
SOURCES = {
    "href": '<p><a href="{{ u }}">Your order</a></p>',
    "src": '<img src="{{ u|safe }}" alt="">',
    "both": '<a href="{{ link.url }}"><img src="{{ link.url }}" alt=""></a>',
}
ENGINES = [
    ("jinja", "jinja2_reference", {}),
    ("liquid", "shopify_liquid", {}),
    ("liquid", "liquidjs", {}),
    ("liquid", "python_liquid", {}),
    ("handlebars", "handlebars", {"helpers": HELPERS_JS}),
    ("handlebarsjava", "handlebars", {"helpers": HELPERS_JS}),
    ("freemarker", "freemarker", {}),
    ("cheetah", "cheetah", {}),
    ("ampscript", "ampscript_model", {}),
]
IDS = [f"{t}-{e}" for t, e, _ in ENGINES]
REFERENCE = {True: environment(autoescape=True), False: environment(autoescape=False)}


def data_for(name: str, value: str) -> dict[str, Any]:
    return {"link": {"url": value}} if name == "both" else {"u": value}


def render(engine: str, cases: list[dict[str, Any]]) -> list[str]:
    """Each case's output, by the engine (or the reference, or the AMPscript model)."""
    if engine == "jinja2_reference":
        return [REFERENCE[True].from_string(c["template"]).render(c["data"]) for c in cases]
    if engine == "ampscript_model":
        return [Model(attributes(c["data"])).run(c["template"]) for c in cases]
    require_engine(engine)
    results = render_batch(engine, cases)
    return [r["output"] if r["ok"] else "ERROR: " + r["error"] for r in results]


def url_attributes(html: str) -> list[tuple[str, str, str]]:
    """(element, attribute, value) of every URL attribute, as a browser's parser reads them."""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    return [
        (str(el.tag), name, value)
        for el in root.iter()
        if isinstance(el.tag, str)
        for name, value in el.attrib.items()
        if is_url_attribute(str(el.tag), name)
    ]


def live(html: str) -> list[str]:
    """The URL attributes a browser would follow to an unsafe scheme (the inert URL goes
    nowhere: its `about:` scheme is the one tmplkit prints on purpose)."""
    return [
        f"<{el} {name}={value!r}>"
        for el, name, value in url_attributes(html)
        if value != INERT_URL and unsafe_scheme(value, decode=False) is not None
    ]


# --- recipient data --------------------------------------------------------------------------


def test_twenty_owasp_obfuscations_are_listed() -> None:
    dangerous = [value for _, value, _ in OWASP if unsafe_scheme(value) is not None]
    assert len(dangerous) == 21 and len(OWASP) == 23


@pytest.mark.parametrize(("target", "engine", "extra"), ENGINES, ids=IDS)
def test_owasp_vectors_never_print_a_live_url(target: str, engine: str, extra: Any) -> None:
    """Every vector in an escaped href, a raw src, and both of one element, through every
    target's engine: no unsafe URL anywhere, and exactly what the reference prints."""
    cases, expected = [], []
    for name, source in SOURCES.items():
        compiled = compile_string(source, target, file=f"{name}.html")
        reference = REFERENCE[True].from_string(compile_string(source, "jinja"))
        for _, value, _ in OWASP:
            data = data_for(name, value)
            cases.append({"template": compiled, "data": data, **extra})
            expected.append(reference.render(data))
    outputs = render(engine, cases)
    assert [live(html) for html in outputs] == [[] for _ in outputs]
    assert [normalize(o) for o in outputs] == [normalize(e) for e in expected]


def test_the_reference_prints_each_vector_exactly() -> None:
    """Escaped (href): the inert URL where the characters themselves make a live scheme, else
    the escaped text. Raw (src): the inert URL for every unsafe one, character references too."""
    href = REFERENCE[True].from_string(compile_string(SOURCES["href"], "jinja"))
    src = REFERENCE[True].from_string(compile_string(SOURCES["src"], "jinja"))
    for section, value, live_escaped in OWASP:
        shown = INERT_URL if live_escaped else str(markupsafe.escape(value))
        assert href.render(u=value) == f'<p><a href="{shown}">Your order</a></p>', section
        raw = INERT_URL if unsafe_scheme(value) is not None else value
        assert src.render(u=value) == f'<img src="{raw}" alt="">', section


def test_the_html_target_prints_what_the_reference_prints() -> None:
    """The html target renders at compile time (with the data it is given): the reference."""
    for name, source in SOURCES.items():
        reference = REFERENCE[True].from_string(compile_string(source, "jinja"))
        for _, value, _ in OWASP:
            data = data_for(name, value)
            html = compile_string(source, "html", data=data)
            assert (html, live(html)) == (reference.render(data), [])


def compiled_without_checks(source: str, target: str) -> str:
    """What tmplkit wrote before URL checks: the same emitter on the IR without marks."""
    body = lower(parse(source, "s.html").body)
    return get_emitter(target)(html=True, file="s.html").emit(body)


@pytest.mark.parametrize(("target", "engine", "extra"), ENGINES, ids=IDS)
def test_safe_urls_print_exactly_as_before(target: str, engine: str, extra: Any) -> None:
    """https, http, mailto, tel, sms, relative and data:image/png URLs: byte for byte what the
    target printed without the check, in its own engine."""
    cases = []
    for name, source in SOURCES.items():
        checked = compile_string(source, target, file="s.html")
        unchecked = compiled_without_checks(source, target)
        assert checked != unchecked
        for value in SAFE:
            data = data_for(name, value)
            cases.append({"template": checked, "data": data, **extra})
            cases.append({"template": unchecked, "data": data, **extra})
    outputs = render(engine, cases)
    assert outputs[0::2] == outputs[1::2]
    assert all(INERT_URL not in o and not live(o) for o in outputs)


def test_mandrill_prints_urls_unchecked_and_says_so(tmp_path: Path) -> None:
    """Mandrill has no string helper: the value is printed as it is, and compiling warns."""
    require_engine("handlebars")
    source = '<p><a href="{{ u }}">Your order</a> <a href="https://acme.example/{{ u }}">x</a></p>'
    text = compile_string(source, "mandrillhandlebars")
    assert text == compiled_without_checks(source, "mandrillhandlebars")
    assert (
        text
        == '<p><a href="{{this.u}}">Your order</a> <a href="https://acme.example/{{this.u}}">x</a></p>'
    )
    project, _, draft = tiny_project(tmp_path, source)
    compiled = compile_parts(str(draft.dir), "mandrillhandlebars", project=project)
    assert compiled.warnings == (
        "workspaces/shop/mail/note/drafts/draft-1/body.html.j2: the mandrillhandlebars target "
        "cannot check the URL scheme of u (hint: Mandrill has no string helpers; send only "
        "http, https, mailto, tel or sms URLs there, or compile for another target)",
    )
    (out,) = render("handlebars", [{"template": model(text), "data": {"u": "javascript:x"},
                                    "helpers": MODEL_JS}])  # fmt: skip
    assert live(out) == ["<a href='javascript:x'>"]


# --- translations --------------------------------------------------------------------------

TRANSLATED = (
    '<p><a href="{% trans %}https://example.com/en/{% endtrans %}">{% trans %}Docs{% endtrans %}'
    '</a> <a href="{% trans id=order.id %}https://example.com/en/orders/{{ id }}{% endtrans %}">'
    "{% trans %}Order{% endtrans %}</a></p>\n"
)
FRENCH = {
    "https://example.com/en/": "javascript:alert(document.cookie)",
    "Docs": "Documentation",
    "https://example.com/en/orders/%(id)s": "https://example.com/fr/commandes/%(id)s",
    "Order": "Commande",
}
FRENCH_HTML = (
    f'<p><a href="{INERT_URL}">Documentation</a> '
    '<a href="https://example.com/fr/commandes/7">Commande</a></p>\n'
)


def tiny_project(root: Path, html: str) -> Any:
    project = tmplkit.init_project(root / "p")
    folder = project.folders.create("Mail", project.workspaces.create("Shop").id)
    template = project.templates.create(folder.id, "Note")
    (draft,) = project.drafts.list(template.id)
    project.drafts.write_part(draft.id, "html", html)
    project.drafts.write_part(draft.id, "subject", "Hello\n")
    return project, template, draft


def french_project(root: Path) -> Any:
    project, template, draft = tiny_project(root, TRANSLATED)
    catalog = merge(Catalog(locale="fr-FR"), owner_keys(project, template))
    for (_, msgid), message in catalog.messages.items():
        message.translation = FRENCH[msgid]
    write_catalog(project, "fr-FR", template, catalog)
    return project, draft


WARNING = (
    "template note: 'https://example.com/en/': fr-FR translation: unsafe URL scheme "
    "'javascript' replaced"
)


def test_a_translated_javascript_url_is_replaced_in_render(tmp_path: Path) -> None:
    project, draft = french_project(tmp_path)
    message = tmplkit.render(str(draft.dir), {"order": {"id": 7}}, project=project, locale="fr-FR")
    assert message.html == FRENCH_HTML
    assert message.warnings == (WARNING,)
    with pytest.raises(tmplkit.RenderError) as info:
        tmplkit.render(
            str(draft.dir), {"order": {"id": 7}}, project=project, locale="fr-FR", strict=True
        )
    assert str(info.value) == (
        "template note: 'https://example.com/en/': fr-FR translation: unsafe URL scheme "
        "'javascript' (hint: fix the translation, or render without --strict to print "
        f"{INERT_URL})"
    )


@pytest.mark.parametrize(
    ("target", "engine", "extra"),
    [*ENGINES, ("mandrillhandlebars", "handlebars", {"helpers": MODEL_JS})],
    ids=[*IDS, "mandrillhandlebars-handlebars"],
)
def test_a_translated_javascript_url_is_replaced_in_every_target(
    tmp_path: Path, target: str, engine: str, extra: Any
) -> None:
    project, draft = french_project(tmp_path)
    compiled = compile_parts(str(draft.dir), target, project=project, locale="fr-FR")
    assert WARNING in compiled.warnings
    assert compiled.html is not None and "javascript" not in compiled.html
    html = model(compiled.html) if target == "mandrillhandlebars" else compiled.html
    (out,) = render(engine, [{"template": html, "data": {"order": {"id": 7}}, **extra}])
    assert normalize(out) == normalize(FRENCH_HTML)
    assert live(out) == []
