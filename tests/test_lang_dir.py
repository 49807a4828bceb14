"""An HTML part's `<html lang=…>` says the recipient's language, and `dir="rtl"` a right-to-left
one, in render and in every compiled target (tmplkit.htmllang)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import tmplkit
from tmplkit import compile_string
from tmplkit.htmllang import localize_html
from tmplkit.ir import Output, Text, Value
from tmplkit.ir import Path as DataPath
from tmplkit.targets import TARGETS, get_emitter

ORDER = "acme-shop/orders/order-confirmation"
WELCOME = "acme-shop/account/welcome"


@pytest.mark.parametrize(
    ("source", "locale", "expected"),
    [
        ('<html lang="en">', "fr-FR", '<html lang="fr-FR">'),
        ('<html lang="en">', "ar-EG", '<html lang="ar-EG" dir="rtl">'),
        ("<html lang=en dir=ltr>", "he-IL", '<html lang="he-IL" dir="rtl">'),
        (
            '<HTML Lang="ar" DIR="rtl" class="x">',
            "ja-JP",
            '<HTML Lang="ja-JP" DIR="ltr" class="x">',
        ),
        (
            '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">',
            "fa-IR",
            '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="fa-IR" lang="fa-IR" dir="rtl">',
        ),
        (
            "<html lang='en'\n  class=\"m\"/>",
            "ur-PK",
            '<html lang="ur-PK" dir="rtl"\n  class="m"/>',
        ),
        ('<html lang="en">', "qps-plocm", '<html lang="qps-plocm" dir="rtl">'),
        ('<html lang="en">', "qps-ploc", '<html lang="qps-ploc">'),
        # No language declared: left as written (the template decides).
        ("<html>", "ar-EG", "<html>"),
        ('<html class="x">', "ar-EG", '<html class="x">'),
        # Only the first <html> start tag, never one in a comment or in text.
        (
            '<!-- <html lang="en"> --><html lang="en"><p>&lt;html lang="en"&gt;</p>',
            "de-DE",
            '<!-- <html lang="en"> --><html lang="de-DE"><p>&lt;html lang="en"&gt;</p>',
        ),
        ('<!DOCTYPE html><htmlx lang="en">', "de-DE", '<!DOCTYPE html><htmlx lang="en">'),
    ],
)
def test_the_html_tag_says_the_locale(source: str, locale: str, expected: str) -> None:
    assert localize_html((Text(source),), locale) == (Text(expected),)


def test_a_tag_with_template_code_is_left_as_written() -> None:
    body = (Text('<html lang="'), Output(Value(DataPath(("lang",)))), Text('">'))
    assert localize_html(body, "ar-EG") == body


def test_the_tag_may_follow_a_condition() -> None:
    source = '{% if preheader %}<!-- x -->{% endif %}<html lang="en"><body>{{ name }}</body></html>'
    assert compile_string(source, locale="ar-EG") == (
        '{% if preheader %}<!-- x -->{% endif %}<html lang="ar-EG" dir="rtl"><body>{{ name }}'
        "</body></html>"
    )


@pytest.mark.parametrize("target", TARGETS)
def test_every_target_writes_the_tag(target: str) -> None:
    source = '<!DOCTYPE html>\n<html lang="en"><body><p>Hi</p></body></html>'
    out = compile_string(source, target, locale="ar-EG")
    assert '<html lang="ar-EG" dir="rtl"><body><p>Hi</p></body></html>' in out
    out = compile_string(source, target, locale="pl-PL")
    assert '<html lang="pl-PL"><body><p>Hi</p></body></html>' in out
    # Without a locale the source is compiled as written.
    assert '<html lang="en">' in compile_string(source, target)


def test_render_sets_lang_and_dir(tmp_path: Path) -> None:
    path = tmp_path / "a.html.j2"
    path.write_text(
        '<!DOCTYPE html>\n<html lang="en">\n<body><p>{{ n|format_number }}</p></body>\n</html>\n'
    )
    data: dict[str, Any] = {"n": 1234.5}
    assert tmplkit.render(str(path), data, locale="ar-EG").html == (
        '<!DOCTYPE html>\n<html lang="ar-EG" dir="rtl">\n<body><p>1,234.5</p></body>\n</html>\n'
    )
    assert tmplkit.render(str(path), data, locale="fr-FR").html == (
        '<!DOCTYPE html>\n<html lang="fr-FR">\n<body><p>1\u202f234,5</p></body>\n</html>\n'
    )
    assert tmplkit.render(str(path), data).html == (
        '<!DOCTYPE html>\n<html lang="en">\n<body><p>1,234.5</p></body>\n</html>\n'
    )


# The order confirmation formats its date and prices, which ampscript, handlebarsjava, Mandrill
# and SendGrid refuse: they compile the welcome message; Mandrill and SendGrid also refuse
# Arabic's plural rule (it needs %), so they compile that one for Urdu, another right-to-left
# language (with the source's text).
SAMPLE_FOR = {
    "ampscript": (WELCOME, "ar-EG"),
    "handlebarsjava": (WELCOME, "ar-EG"),
    "mandrillhandlebars": (WELCOME, "ur-PK"),
    "sendgrid": (WELCOME, "ur-PK"),
}


@pytest.mark.parametrize("target", [t for t in TARGETS if t != "html"])
def test_a_compiled_sample_template_says_its_locale(sample_project: Path, target: str) -> None:
    project = tmplkit.open_project(sample_project)
    template, rtl = SAMPLE_FOR.get(target, (ORDER, "ar-EG"))
    # the order e-mail formats its date and prices: targets without a formatter need it inline
    inline = get_emitter(target).formats_inline
    html = tmplkit.compile(template, target, rtl, project=project, inline_formats=inline)
    assert f'<html lang="{rtl}" dir="rtl">' in html
    ja = tmplkit.compile(template, target, "ja-JP", project=project, inline_formats=inline)
    assert '<html lang="ja-JP">' in ja


def test_the_rendered_sample_says_its_locale(sample_project: Path) -> None:
    project = tmplkit.open_project(sample_project)
    message = tmplkit.render(ORDER, project=project, locale="ar-EG")
    assert '<html lang="ar-EG" dir="rtl">' in message.html
    static = tmplkit.compile(ORDER, "html", "ar-EG", project=project)
    assert '<html lang="ar-EG" dir="rtl">' in static
