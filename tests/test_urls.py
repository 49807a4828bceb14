"""URLs from recipient data and translations: tmplkit.urls, where a value starts a URL
(tmplkit.htmlcontext), and what render, render-batch and compile print for an unsafe one.

Every target rendered by its own engine: tests/differential/test_url_safety.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import tmplkit
from tmplkit import ir
from tmplkit.errors import RenderError, TemplateError
from tmplkit.htmlcontext import mark_urls
from tmplkit.localize import lower_translations as lower
from tmplkit.pipeline import Part, SourceSet, resolve
from tmplkit.targets.jinja import URL_REPORTS, UrlReports, environment
from tmplkit.template.parse import parse
from tmplkit.urls import (
    INERT_URL,
    describe_unsafe,
    is_url_attribute,
    safe_url,
    unsafe_scheme,
    url_is_safe,
    url_scheme,
)

# --- tmplkit.urls ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "scheme"),
    [
        ("https://x.example/a", "https"),
        ("HTTP://x", "http"),
        ("JaVaScRiPt:alert(1)", "javascript"),
        (" \x01\x0e javascript:x", "javascript"),
        ("jav\tasc\nri\rpt:x", "javascript"),
        ("&#106;avascript:x", "javascript"),
        ("&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A", "javascript"),
        ("java&Tab;script&colon;x", "javascript"),
        ("a+b.c-d:x", "a+b.c-d"),
        ("/a:b", None),
        ("a/b:c", None),
        ("#top", None),
        ("?q=a:b", None),
        ("", None),
        ("1http:x", None),
        ("java script:x", None),
        ("java\x00script:x", None),
    ],
)
def test_url_scheme_reads_as_a_browser(value: str, scheme: str | None) -> None:
    assert url_scheme(value) == scheme


@pytest.mark.parametrize(
    ("value", "unsafe"),
    [
        ("https://acme.example/?a=1&b=2", None),
        ("http://acme.example", None),
        ("mailto:zoe@example.com", None),
        ("tel:+33123456789", None),
        ("SMS:+15551234567", None),
        ("/orders/7", None),
        ("orders/7.html", None),
        ("#", None),
        ("", None),
        ("data:image/png;base64,iVBORw0KGgo=", None),
        ("DATA:IMAGE/JPEG;BASE64,/9j/", None),
        ("data:image/webp;base64,UklGR", None),
        ("data:image/svg+xml;base64,PHN2Zz4=", "data"),
        ("data:image/png,rawbytes", "data"),
        ("data:text/html;base64,PHNjcmlwdD4=", "data"),
        ("javascript:alert(1)", "javascript"),
        ("vbscript:msgbox(1)", "vbscript"),
        ("file:///etc/passwd", "file"),
        ("livescript:[code]", "livescript"),
        ("about:invalid#tmplkit-unsafe-url", "about"),
        (" &#14;  javascript:alert(1)", "javascript"),
    ],
)
def test_unsafe_scheme(value: str, unsafe: str | None) -> None:
    assert unsafe_scheme(value) == unsafe
    assert url_is_safe(value) is (unsafe is None)
    assert safe_url(value) == (value if unsafe is None else INERT_URL)


def test_an_escaped_value_is_read_without_decoding() -> None:
    """decode=False: the characters as they are (an escaped value's `&` prints as `&amp;`)."""
    assert unsafe_scheme("&#106;avascript:x") == "javascript"
    assert unsafe_scheme("&#106;avascript:x", decode=False) is None
    assert unsafe_scheme("jav\tascript:x", decode=False) == "javascript"
    assert unsafe_scheme(" \x0ejavascript:x", decode=False) == "javascript"


def test_open_refuses_a_colon_that_ends_the_letters_before() -> None:
    """After scheme letters (`java{{ x }}`, `{{ a }}{{ b }}`): no leading ':'; own letters too."""
    assert unsafe_scheme(":alert(1)") is None
    assert unsafe_scheme(":alert(1)", open=True) == ""
    assert unsafe_scheme(" \t:alert(1)", open=True) == ""
    assert unsafe_scheme("script:alert(1)", open=True) == "script"
    assert unsafe_scheme("https://x", open=True) is None
    assert unsafe_scheme("/path:1", open=True) is None


def test_describe_unsafe() -> None:
    assert describe_unsafe("javascript") == "unsafe URL scheme 'javascript'"
    assert describe_unsafe("") == "unsafe URL (a ':' that ends the scheme letters before it)"


@pytest.mark.parametrize(
    ("element", "attribute", "expected"),
    [
        ("a", "href", True),
        ("A", "HREF", True),
        ("img", "src", True),
        ("form", "action", True),
        ("button", "formaction", True),
        ("td", "background", True),
        ("video", "poster", True),
        ("a", "xlink:href", True),
        ("meta", "content", True),
        ("div", "content", False),
        ("a", "title", False),
        ("a", "data-href", False),
    ],
)
def test_is_url_attribute(element: str, attribute: str, expected: bool) -> None:
    assert is_url_attribute(element, attribute) is expected


# --- where a value starts a URL (htmlcontext) -------------------------------------------------


def checks(source: str) -> list[tuple[str, ir.UrlCheck | None]]:
    body = mark_urls(lower(parse(source, "t.html").body), file="t.html")
    return [(str(n.value.ref), n.url) for n in ir.walk(body) if isinstance(n, ir.Output)]


START = ir.UrlCheck()
OPEN = ir.UrlCheck(open=True)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('<a href="{{ u }}" title="{{ t }}">{{ t }}</a>', [("u", START), ("t", None), ("t", None)]),
        ("<img src='{{ u }}' alt=\"{{ t }}\">", [("u", START), ("t", None)]),
        ("<a href={{ u }}>x</a>", [("u", START)]),
        ('<a href = " {{ u }}">', [("u", START)]),
        ('<a HREF="&#32;{{ u }}">', [("u", START)]),
        ('<a href="https://x.example/{{ u }}?q={{ q }}">', [("u", None), ("q", None)]),
        ('<a href="mailto:{{ e }}">', [("e", None)]),
        ('<a href="/orders/{{ u }}">', [("u", None)]),
        ('<a href="#{{ u }}">', [("u", None)]),
        ('<a href="?q={{ u }}">', [("u", None)]),
        ('<a href="java{{ u }}">', [("u", OPEN)]),
        ('<a href="{{ a }}{{ b }}">', [("a", START), ("b", OPEN)]),
        ('<a href="{{ a }}/{{ b }}">', [("a", START), ("b", None)]),
        ('<a href="{{ s }}://{{ h }}/">', [("s", ir.UrlCheck(suffix=":")), ("h", None)]),
        ('<a href="{{ s }}s:{{ h }}">', [("s", ir.UrlCheck(suffix="s:")), ("h", None)]),
        ('<a href="{{ u }}&amp;x">', [("u", START)]),
        ('<a href="{% if x %}https://a/{% endif %}{{ u }}">', [("u", START)]),
        ('<a href="{% for l in ls %}{{ l }}{% endfor %}">', [("l", OPEN)]),
        ('<a {% if x %}href="{{ u }}"{% endif %} title="{{ t }}">', [("u", START), ("t", None)]),
        ('<img srcset="{{ a }} 1x, {{ b }} 2x">', [("a", START), ("b", START)]),
        ('<form action="{{ f }}"><button formaction="{{ g }}">', [("f", START), ("g", START)]),
        ('<svg><a xlink:href="{{ u }}"></a></svg>', [("u", START)]),
        ('<td background="{{ u }}">', [("u", START)]),
        ('<a data-href="{{ u }}">', [("u", None)]),
        ('<meta name="description" content="{{ d }}">', [("d", None)]),
        ('<meta http-equiv="refresh" content="0; url={{ u }}">', [("u", START)]),
        ('<meta content="5;URL=\'{{ u }}\'" http-equiv="Refresh">', [("u", START)]),
        ("<script>var a = '<a href=\"{{ u }}\">';</script>", [("u", None)]),
        ('<!-- <a href="{{ u }}"> --><a href="{{ v }}">', [("u", None), ("v", START)]),
        ('<textarea><a href="{{ u }}"></textarea>', [("u", None)]),
        ('<a href="{{ loop_free }}">{% for l in ls %}<a href="{{ loop.index }}">{% endfor %}', [
            ("loop_free", START), ("loop.index", None)]),
    ],
)  # fmt: skip
def test_which_outputs_may_start_a_url(source: str, expected: list[Any]) -> None:
    assert checks(source) == expected


def test_a_value_where_a_refresh_delay_goes_is_refused(run: Any, tmp_path: Path) -> None:
    (tmp_path / "r.html.j2").write_text('<meta http-equiv="refresh" content="{{ u }}">\n')
    r = run("render", tmp_path / "r.html.j2", "--data", "-", stdin="{}")
    assert (r.code, r.out) == (1, "")
    assert r.err == (
        f"error: {tmp_path / 'r.html.j2'}:1:37: a value at the start of a refresh <meta>'s "
        "content cannot be checked as a URL (hint: write the delay and url= in the template: "
        'content="0; url={{ link }}")\n'
    )


def test_a_translated_text_is_checked_where_a_url_starts() -> None:
    body = (
        ir.Text('<a href="'),
        ir.Text("javascript:alert(document.cookie)", "template note: 'x': fr-FR translation"),
        ir.Text('">'),
        ir.Text("javascript:alert(1)", "template note: 'y': fr-FR translation"),
        ir.Text('</a><a href="https://x/'),
        ir.Text("javascript:alert(1)", "template note: 'z': fr-FR translation"),
        ir.Text('">'),
    )
    warnings: list[str] = []
    out = mark_urls(body, warnings=warnings)
    assert "".join(n.text for n in out if isinstance(n, ir.Text)) == (
        f'<a href="{INERT_URL}">javascript:alert(1)</a><a href="https://x/javascript:alert(1)">'
    )
    assert warnings == [
        "template note: 'x': fr-FR translation: unsafe URL scheme 'javascript' replaced"
    ]
    with pytest.raises(RenderError) as info:
        mark_urls(body, strict=True)
    assert str(info.value) == (
        "template note: 'x': fr-FR translation: unsafe URL scheme 'javascript' (hint: fix the "
        f"translation, or render without --strict to print {INERT_URL})"
    )


def test_a_translation_is_checked_after_each_separator_of_a_refresh() -> None:
    body = (
        ir.Text('<meta http-equiv="refresh" content="'),
        ir.Text("0; url=vbscript:x", "template t: 'r': de-DE translation"),
        ir.Text('">'),
    )
    warnings: list[str] = []
    mark_urls(body, warnings=warnings)
    assert warnings == ["template t: 'r': de-DE translation: unsafe URL scheme 'vbscript' replaced"]


def test_the_html_states_of_a_template_stay_few() -> None:
    """A thousand links in a thousand ifs: two states at most, and linear time."""
    source = '{% if x %}<a href="{{ u }}">{% else %}<a title="t">{% endif %}</a>' * 1000
    marks = checks(source)
    assert len(marks) == 1000 and all(m == ("u", START) for m in marks)


# --- render ----------------------------------------------------------------------------------

LINKS = (
    '<p><a href="{{ user.url }}">Profile</a> <img src="{{ logo }}" alt="">'
    '{% for l in links %}<a href="{{ l.url }}">{{ l.name }}</a>{% endfor %}</p>\n'
)


def _sources(source: str) -> SourceSet:
    return SourceSet({"html": Part("html", source, "links.html.j2")})


def render(source: str, data: dict[str, Any], **options: Any) -> tmplkit.Message:
    return tmplkit.Renderer().render_sources(_sources(source), data, **options)


def test_render_replaces_unsafe_urls_and_warns_once_per_field() -> None:
    data = {
        "user": {"url": " JaVa\tScRiPt:alert(document.cookie)"},
        "logo": "data:image/png;base64,iVBORw0KGgo=",
        "links": [{"url": "vbscript:x", "name": "a"}, {"url": "/ok", "name": "b"},
                  {"url": "data:text/html,<script>", "name": "c"}],
    }  # fmt: skip
    message = render(LINKS, data)
    assert message.html == (
        f'<p><a href="{INERT_URL}">Profile</a> <img src="data:image/png;base64,iVBORw0KGgo=" '
        f'alt=""><a href="{INERT_URL}">a</a><a href="/ok">b</a><a href="{INERT_URL}">c</a></p>\n'
    )
    assert message.warnings == (
        "html: user.url: unsafe URL scheme 'javascript' replaced",
        "html: l.url: unsafe URL scheme 'vbscript' replaced",
    )
    # The derived text part writes each link's address as the HTML part links to it.
    assert message.text == (f"Profile ({INERT_URL}) a ({INERT_URL})b (/ok)c ({INERT_URL})\n")


def test_render_prints_safe_urls_as_before() -> None:
    data = {
        "user": {"url": "https://acme.example/u?a=1&b=<2>"},
        "logo": "/logo.png",
        "links": [{"url": "mailto:a@b.example", "name": "m"}, {"url": "tel:+1", "name": "t"}],
    }
    message = render(LINKS, data)
    assert message.html == (
        '<p><a href="https://acme.example/u?a=1&amp;b=&lt;2&gt;">Profile</a> '
        '<img src="/logo.png" alt=""><a href="mailto:a@b.example">m</a><a href="tel:+1">t</a>'
        "</p>\n"
    )
    assert message.warnings == ()


def test_strict_render_refuses_an_unsafe_url() -> None:
    with pytest.raises(RenderError) as info:
        render(LINKS, {"logo": "javascript:x"}, strict=True)
    assert str(info.value) == (
        "html: logo: unsafe URL scheme 'javascript' (hint: send an http, https, mailto, tel or "
        f"sms URL, or render without --strict to print {INERT_URL})"
    )


def test_a_message_without_url_checks_renders_as_before() -> None:
    prepared = tmplkit.Renderer().prepare_sources(_sources("<p>{{ a }}</p>"))
    assert prepared.url_checks is False
    assert prepared.render({"a": "javascript:x"}).html == "<p>javascript:x</p>"


def test_the_jinja_environment_reports_to_whoever_asks() -> None:
    template = environment(autoescape=True).from_string(
        '<a href="{{ u|check_url("u") }}">{{ u }}</a>'
    )
    assert template.render(u="javascript:x") == f'<a href="{INERT_URL}">javascript:x</a>'
    reports = UrlReports()
    token = URL_REPORTS.set(reports)
    try:
        template.render(u="vbscript:x")
        template.render(u="javascript:y")
    finally:
        URL_REPORTS.reset(token)
    assert reports.warnings == ["html: u: unsafe URL scheme 'vbscript' replaced"]


@pytest.mark.parametrize(
    "value",
    ["https://x", "HTTPS:x", "http:", "/a", "#b", "?c", "mailto:a", "tel:1", "sms:1", "",
     "javascript:x", " https://x", "https", "/\tx", "java\tscript:x", "data:image/png;base64,",
     "hTtP://x", "\x00http://x", 0, None, False, True, 3.5, [], ["javascript:x"]],
)  # fmt: skip
def test_check_url_takes_no_shortcut_the_full_check_would_refuse(value: Any) -> None:
    """The filter's fast path (nothing, an allowed scheme, a relative start) agrees with
    unsafe_scheme on the printed text."""
    check = environment(autoescape=True).filters["check_url"]
    printed = "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
    expected = value if unsafe_scheme(printed, decode=False) is None else INERT_URL
    assert check(value, "f") == expected


def test_cli_render_warns_and_strict_fails(run: Any, tmp_path: Path) -> None:
    path = tmp_path / "links.html.j2"
    path.write_text(LINKS)
    data = json.dumps({"user": {"url": "javascript:alert(1)"}, "links": []})
    r = run("render", path, "--data", "-", "--format", "html", stdin=data)
    assert (r.code, r.err) == (
        0,
        "warning: html: user.url: unsafe URL scheme 'javascript' replaced\n",
    )
    assert r.out == f'<p><a href="{INERT_URL}">Profile</a> <img src="" alt=""></p>\n'
    r = run("render", path, "--data", "-", "--format", "json", stdin=data)
    assert json.loads(r.out)["warnings"] == [
        "html: user.url: unsafe URL scheme 'javascript' replaced"
    ]
    data = json.dumps({"user": {"url": "javascript:alert(1)"}, "logo": ""})  # all it needs
    r = run("render", path, "--data", "-", "--strict", stdin=data)
    assert (r.code, r.out) == (1, "")
    assert r.err == (
        "error: html: user.url: unsafe URL scheme 'javascript' (hint: send an http, https, "
        f"mailto, tel or sms URL, or render without --strict to print {INERT_URL})\n"
    )


def test_render_batch_warns_with_the_record_line(run: Any, tmp_path: Path) -> None:
    path = tmp_path / "links.html.j2"
    path.write_text(LINKS)
    recipients = tmp_path / "r.jsonl"
    recipients.write_text(
        '{"user": {"url": "https://ok.example"}}\n'
        '{"user": {"url": "javascript:alert(1)"}, "logo": "vbscript:x"}\n'
        '{"user": {"url": "/ok"}}\n'
    )
    out = tmp_path / "out.jsonl"
    r = run("render-batch", path, "--recipients", recipients, "--out", out)
    assert r.code == 0
    assert r.err.splitlines()[:2] == [
        f"warning: {recipients}:2: html: user.url: unsafe URL scheme 'javascript' replaced",
        f"warning: {recipients}:2: html: logo: unsafe URL scheme 'vbscript' replaced",
    ]
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [INERT_URL in line["html"] for line in lines] == [False, True, False]
    r = run("render-batch", path, "--recipients", recipients, "--out", out, "--strict")
    assert r.code == 1
    assert (
        f"error: {recipients}:2: html: user.url: unsafe URL scheme 'javascript' (hint: send an "
        "http, https, mailto, tel or sms URL, or render without --strict to print "
        f"{INERT_URL})" in r.err.splitlines()
    )


def test_unclosed_markup_is_followed_as_far_as_it_goes(run: Any, tmp_path: Path) -> None:
    """An attribute value or a comment left open by the template: no traceback, and the value
    in it is still checked."""
    path = tmp_path / "bad.html.j2"
    path.write_text('<a href="{{ u }}<!-- {{ v }}')
    r = run("render", path, "--data", "-", "--format", "html", stdin='{"u": "javascript:x"}')
    assert (r.code, r.out) == (0, f'<a href="{INERT_URL}<!-- ')


def test_compile_warns_for_mandrill_only(run: Any, sample_project: Path) -> None:
    r = run("--project", sample_project, "compile", "acme-shop/account/password-reset", "-t",
            "liquid", "--part", "subject")  # fmt: skip
    assert (r.code, r.err) == (0, "")
    r = run("--project", sample_project, "compile", "acme-shop/account/password-reset", "-t",
            "mandrillhandlebars", "--part", "subject")  # fmt: skip
    assert (r.code, r.err) == (0, "")  # the subject has no URL: only the html part warns
    r = run("--project", sample_project, "compile", "acme-shop/account/password-reset", "-t",
            "mandrillhandlebars", "--part", "html")  # fmt: skip
    assert r.err == (
        "warning: workspaces/acme-shop/account/password-reset/drafts/published/body.html.j2: the "
        "mandrillhandlebars target cannot check the URL scheme of reset.url, unsubscribe_url "
        "(hint: Mandrill has no string helpers; send only http, https, mailto, tel or sms URLs "
        "there, or compile for another target)\n"
    )


def test_sample_templates_render_exactly_as_before(sample_project: Path) -> None:
    """The samples' links come from their data: safe, printed as they were, no warning."""
    project = tmplkit.open_project(sample_project)
    for template in ("acme-shop/account/password-reset", "acme-shop/orders/order-confirmation"):
        data = resolve(template, project).sample_data()
        message = tmplkit.render(template, data, project=project)
        assert message.warnings == ()
        assert INERT_URL not in message.html


def test_compile_refuses_a_value_where_a_refresh_delay_goes() -> None:
    with pytest.raises(TemplateError) as info:
        tmplkit.compile_string('<meta http-equiv="refresh" content="{{ u }}">', "liquid")
    assert str(info.value) == (
        "<string>:1:37: a value at the start of a refresh <meta>'s content cannot be checked as "
        'a URL (hint: write the delay and url= in the template: content="0; url={{ link }}")'
    )
