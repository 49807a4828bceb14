"""tmplkit.preview: the pages (pages.py) and the static gallery (gallery.py, `tmplkit gallery`).

Each page is read back with lxml and compared with what `tmplkit.render` gives for the same
template, locale and sample data: the subject, the HTML part in both iframes, the text part and
the SMS part with its encoding and segments.
"""

from __future__ import annotations

import errno
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import lxml.html
import pytest

import tmplkit
from tests.conftest import Result
from tmplkit.errors import StorageError, TmplkitError
from tmplkit.message.sms import measure
from tmplkit.preview.gallery import MARKER, build_gallery

TEMPLATES = [
    "acme-shop/account/password-reset",
    "acme-shop/account/welcome",
    "acme-shop/orders/order-confirmation",
    "acme-shop/orders/shipping-notification",
]
LOCALES = ["en-US", "fr-FR", "de-DE", "pl-PL", "ja-JP", "ar-EG", "qps-ploc", "qps-plocm"]
RTL = {"ar-EG", "qps-plocm"}
HOSTILE = '<script>alert("x")</script> & \'Ann\' "Lee"'


def read_page(site: Path, slug: str, locale: str) -> Any:
    return lxml.html.fromstring((site / slug / f"{locale}.html").read_bytes())


def rendered(project: tmplkit.Project, slug: str, locale: str) -> tmplkit.Message:
    """What `tmplkit.render` gives the page: the source locale is the source text."""
    data = json.loads((project.root / "workspaces" / slug / "sample.json").read_text("utf-8"))
    return tmplkit.render(slug, data, project=project, locale=None if locale == "en-US" else locale)


def only(page: Any, xpath: str) -> Any:
    found = page.xpath(xpath)
    assert len(found) == 1, (xpath, found)
    return found[0]


def test_every_template_in_every_locale_shows_what_render_gives(sample_project: Path) -> None:
    project = tmplkit.open_project(sample_project)
    site = sample_project.parent / "site"
    report = build_gallery(project, site)

    assert sorted((p.entry.slug, p.locale) for p in report.pages) == sorted(
        (t, x) for t in TEMPLATES for x in LOCALES
    )
    assert {p.status for p in report.pages} == {"ok"}
    for slug in TEMPLATES:
        for locale in LOCALES:
            page = read_page(site, slug, locale)
            message = rendered(project, slug, locale)
            html = only(page, "/html")
            assert html.get("lang") == locale
            assert html.get("dir") == ("rtl" if locale in RTL else None)
            assert only(page, "//meta[@charset]").get("charset") == "utf-8"
            assert only(page, "//p[@class='subject']").text_content() == message.subject
            frames = page.xpath("//iframe")
            assert [(f.get("class"), f.get("width")) for f in frames] == [
                ("desktop", "600"),
                ("mobile", "375"),
            ]
            for frame in frames:
                assert frame.get("srcdoc") == message.html
                assert frame.get("sandbox") == ""
            assert only(page, "//pre[@class='text']").text_content() == message.text
            assert only(page, "//code[@class='template-id']").text == message.template_id
            assert only(page, "//code[@class='draft-id']").text == message.draft_id
            if "sms" in message.channels:
                count = measure(message.channels["sms"])
                assert only(page, "//pre[@class='sms']").text_content() == message.channels["sms"]
                assert only(page, "//b[@class='encoding']").text == count.encoding
                assert only(page, "//b[@class='segments']").text == str(count.segments)
                assert only(page, "//b[@class='length']").text == str(count.length)
            else:
                assert page.xpath("//pre[@class='sms']") == []
    # password-reset has an SMS part: each locale's page shows it, with its cost
    sms_pages = [p for p in report.pages if p.message and "sms" in p.message.channels]
    assert {p.locale for p in sms_pages if p.entry.slug == TEMPLATES[0]} == set(LOCALES)
    ja = read_page(site, "acme-shop/account/password-reset", "ja-JP")
    assert only(ja, "//b[@class='encoding']").text == "UCS-2"

    index = lxml.html.fromstring((site / "index.html").read_bytes())
    links = index.xpath("//section[@class='template']//a/@href")
    assert sorted(links) == sorted(f"{t}/{x}.html" for t in TEMPLATES for x in LOCALES)
    assert {s.text for s in index.xpath("//td[contains(@class, 'status')]")} == {"ok"}
    back = only(read_page(site, TEMPLATES[0], "fr-FR"), "//p[@class='nav']/a").get("href")
    assert (site / TEMPLATES[0] / back).resolve() == (site / "index.html").resolve()


def test_a_hostile_value_is_escaped_in_every_place(sample_project: Path) -> None:
    slug = "acme-shop/account/password-reset"
    template_dir = sample_project / "workspaces" / slug
    sample = json.loads((template_dir / "sample.json").read_text("utf-8"))
    sample["user"]["first_name"] = HOSTILE
    sample["request"]["location"] = HOSTILE
    (template_dir / "sample.json").write_text(json.dumps(sample), "utf-8")
    draft = template_dir / "drafts" / "published"
    (draft / "sms.txt.j2").write_text("Hi {{ user.first_name }}", "utf-8")
    (draft / "subject.j2").write_text("Reset, {{ user.first_name }}", "utf-8")
    project = tmplkit.open_project(sample_project)
    site = sample_project.parent / "site"
    build_gallery(project, site, slug)

    for locale in LOCALES:
        source = (site / slug / f"{locale}.html").read_text("utf-8")
        assert "<script" not in source  # in no place, not even inside the srcdoc
        page = lxml.html.fromstring(source)
        message = rendered(project, slug, locale)
        assert HOSTILE in message.subject and HOSTILE in message.text
        assert only(page, "//p[@class='subject']").text_content() == message.subject
        assert only(page, "//pre[@class='text']").text_content() == message.text
        assert only(page, "//pre[@class='sms']").text_content() == f"Hi {HOSTILE}"
        for frame in page.xpath("//iframe"):
            assert frame.get("srcdoc") == message.html
            assert lxml.html.fromstring(frame.get("srcdoc")).xpath("//script") == []
        assert page.xpath("//script") == []
    index = (site / "index.html").read_text("utf-8")
    assert "<script" not in index
    assert "Reset, &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in index


def test_a_broken_template_gives_its_error_page_and_the_others_are_built(
    sample_project: Path, run: Callable[..., Result]
) -> None:
    broken = "acme-shop/orders/shipping-notification"
    subject = sample_project / "workspaces" / broken / "drafts" / "published" / "subject.j2"
    subject.write_text("Your order {% if %} is on its way", "utf-8")
    project = tmplkit.open_project(sample_project)
    with pytest.raises(TmplkitError) as raised:
        rendered(project, broken, "en-US")
    expected = str(raised.value)
    assert re.match(r"workspaces/\S+/subject\.j2:1:\d+: ", expected), expected

    site = sample_project.parent / "site"
    result = run("--project", sample_project, "gallery", "-o", site)
    assert result.code == 1
    assert result.out == (
        f"{site}: 32 pages (0 with missing translations, 8 errors); open {site}/index.html\n"
    )
    assert result.err == "".join(f"error: {broken}/{x}.html: {expected}\n" for x in LOCALES)
    for locale in LOCALES:
        page = read_page(site, broken, locale)
        assert only(page, "//p[@class='error']").text == expected
        assert page.xpath("//iframe") == []
    for slug in TEMPLATES:
        if slug != broken:
            page = read_page(site, slug, "fr-FR")
            assert only(page, "//p[@class='subject']").text_content() == (
                rendered(project, slug, "fr-FR").subject
            )
    index = lxml.html.fromstring((site / "index.html").read_bytes())
    statuses = {
        row.xpath(".//a/@href")[0]: row.xpath(".//td[contains(@class, 'status')]")[0].text
        for row in index.xpath("//tr[@class='page']")
    }
    assert {h for h, s in statuses.items() if s == "error"} == {
        f"{broken}/{x}.html" for x in LOCALES
    }
    assert set(statuses.values()) == {"ok", "error"}


def test_missing_translations_are_marked(sample_project: Path) -> None:
    slug = "acme-shop/account/welcome"
    (sample_project / "locales" / "de-DE" / "acme-shop" / "account" / "welcome.po").unlink()
    project = tmplkit.open_project(sample_project)
    site = sample_project.parent / "site"
    report = build_gallery(project, site, slug)
    status = {p.locale: p.status for p in report.pages}
    assert status["de-DE"] == "missing translations"
    assert {s for x, s in status.items() if x != "de-DE"} == {"ok"}
    message = rendered(project, slug, "de-DE")
    page = read_page(site, slug, "de-DE")
    shown = [li.text for li in page.xpath("//ul[@class='warnings']/li")]
    assert shown == list(message.warnings)
    assert shown and all("no de-DE translation; using the source (en-US)" in w for w in shown)


def test_the_site_is_written_all_or_nothing(
    sample_project: Path, monkeypatch: pytest.MonkeyPatch, run: Callable[..., Result]
) -> None:
    project = tmplkit.open_project(sample_project)
    site = sample_project.parent / "site"
    build_gallery(project, site)
    before = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    (
        sample_project / "workspaces" / TEMPLATES[1] / "drafts" / "published" / "subject.j2"
    ).write_text("Changed", "utf-8")

    written: list[Path] = []
    real_write = Path.write_text

    def full_disk(self: Path, *args: Any, **kwargs: Any) -> int:
        if len(written) == 10:
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        written.append(self)
        return real_write(self, *args, **kwargs)

    with monkeypatch.context() as m:
        m.setattr(Path, "write_text", full_disk)
        with pytest.raises(StorageError) as raised:
            build_gallery(project, site)
    assert str(raised.value).startswith("no space left on device writing ")
    assert {p: p.read_bytes() for p in site.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in site.parent.iterdir()) == ["sample", "site"]

    # a directory that holds something else is refused, and kept; --force replaces it
    other = sample_project.parent / "notes"
    other.mkdir()
    (other / "todo.txt").write_text("keep me", "utf-8")
    result = run("--project", sample_project, "gallery", "-o", other)
    assert (result.code, result.out) == (1, "")
    assert (
        result.err == f"error: {other}: not empty and not a gallery; pass --force to replace it\n"
    )
    assert [p.name for p in other.iterdir()] == ["todo.txt"]
    result = run("--project", sample_project, "gallery", "-o", other, "--force", "--json")
    assert result.code == 0
    summary = json.loads(result.out)
    assert (summary["pages"], summary["errors"]) == (32, 0)
    assert not (other / "todo.txt").exists()
    assert (other / MARKER).is_file()
    # a previous gallery is replaced without --force, with what changed
    assert run("--project", sample_project, "gallery", "-o", site).code == 0
    page = read_page(site, TEMPLATES[1], "en-US")
    assert only(page, "//p[@class='subject']").text == "Changed"
    assert sorted(p.name for p in site.parent.iterdir()) == ["notes", "sample", "site"]


def test_progress_is_reported_per_page(sample_project: Path) -> None:
    seen: list[tuple[int, int]] = []
    project = tmplkit.open_project(sample_project)
    build_gallery(
        project, sample_project.parent / "site", progress=lambda d, t: seen.append((d, t))
    )
    assert seen == [(n, 32) for n in range(1, 33)]


def test_check_reports_each_layout_problem_and_takes_screenshots(
    sample_project: Path, run: Callable[..., Result]
) -> None:
    from tests.test_layout_check import _browser_or_skip

    _browser_or_skip()
    site = sample_project.parent / "site"
    result = run("--project", sample_project, "gallery", "-o", site, "--check")
    assert (result.code, result.err) == (0, "")
    assert result.out.splitlines()[1:] == ["layout check: 0 problems"]

    slug = "acme-shop/account/welcome"
    body = sample_project / "workspaces" / slug / "drafts" / "published" / "body.html.j2"
    wide = '<table style="width:900px" class="wide"><tr><td>wide</td></tr></table></body>'
    body.write_text(body.read_text("utf-8").replace("</body>", wide), "utf-8")
    result = run(
        "--project", sample_project, "gallery", "-o", site, slug, "--check", "--screenshots"
    )
    assert result.code == 1
    assert result.out.splitlines()[1:] == [
        *(
            f"{slug} {locale} {width}px: table.wide: {900 - width} px wider than the viewport "
            f"({width} px)"
            for locale in sorted(LOCALES)
            for width in (600, 375)
        ),
        "layout check: 16 problems",
    ]
    shots = sorted(p.name for p in (site / slug).glob("*.png"))
    assert shots == sorted(f"{x}.{w}.png" for x in LOCALES for w in (600, 375))


def test_screenshots_need_the_check(sample_project: Path, run: Callable[..., Result]) -> None:
    site = sample_project.parent / "site"
    result = run("--project", sample_project, "gallery", "-o", site, "--screenshots")
    assert (result.code, result.out) == (1, "")
    assert result.err == "error: --screenshots needs --check (the browser check takes them)\n"
    assert not site.exists()


DOC_SHOTS = Path(__file__).resolve().parent.parent / "docs" / "images"
SHOTS = {
    "gallery-index.png": "index.html",
    "gallery-page.png": "acme-shop/account/password-reset/fr-FR.html",
}


def test_the_screenshots_in_the_documentation_are_of_a_gallery(sample_project: Path) -> None:
    """docs/preview.md shows a gallery's index and a page, as Chromium draws them at 1200 px;
    TMPLKIT_UPDATE_GOLDEN=1 takes them again (fonts differ between machines: not compared)."""
    from tests.test_layout_check import _browser_or_skip
    from tmplkit.preview.check import find_browser

    _browser_or_skip()
    from playwright.sync_api import sync_playwright

    site = sample_project.parent / "site"
    build_gallery(tmplkit.open_project(sample_project), site)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=find_browser())
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            for name, path in SHOTS.items():
                page.goto((site / path).as_uri())
                shot = page.screenshot()
                assert shot.startswith(b"\x89PNG\r\n\x1a\n")
                if os.environ.get("TMPLKIT_UPDATE_GOLDEN") == "1":
                    DOC_SHOTS.mkdir(exist_ok=True)
                    (DOC_SHOTS / name).write_bytes(shot)
        finally:
            browser.close()
    doc = (DOC_SHOTS.parent / "preview.md").read_text("utf-8")
    for name in SHOTS:
        assert f"](images/{name})" in doc
        assert (DOC_SHOTS / name).is_file()


def test_check_names_a_wide_table_and_a_button_its_pseudo_localized_label_overflows(
    sample_project: Path, run: Callable[..., Result]
) -> None:
    """Issue 17's template: a 900 px table and a fixed-width button whose label fits in
    English but not pseudo-localized (30-100% longer): `gallery --check` fails naming both."""
    from tests.test_layout_check import _browser_or_skip

    _browser_or_skip()
    slug = "acme-shop/account/welcome"
    body = sample_project / "workspaces" / slug / "drafts" / "published" / "body.html.j2"
    added = (
        '<table style="width:900px" class="wide"><tr><td>wide</td></tr></table>'
        '<p><a class="cta" href="https://acme.example/order" style="display:inline-block;'
        'width:160px;overflow:hidden;white-space:nowrap">'
        "{% trans %}View your order{% endtrans %}</a></p></body>"
    )
    body.write_text(body.read_text("utf-8").replace("</body>", added), "utf-8")
    site = sample_project.parent / "site"
    result = run("--project", sample_project, "gallery", "-o", site, slug, "--check")
    assert result.code == 1
    lines = result.out.splitlines()[1:]
    tables = [
        f"{slug} {locale} {width}px: table.wide: {900 - width} px wider than the viewport "
        f"({width} px)"
        for locale in sorted(LOCALES)
        for width in (600, 375)
    ]
    buttons = [line for line in lines if ": a.cta: " in line]
    assert [line.split(":")[0] for line in buttons] == [
        f"{slug} qps-ploc {width}px" for width in (600, 375)
    ]  # (qps-plocm mirrors the text without making it longer: it fits)
    assert all(
        re.fullmatch(
            rf"{slug} qps-ploc \d+px: a\.cta: content clipped by overflow:hidden: "
            r"\d+ px wider than its box",
            line,
        )
        for line in buttons
    ), buttons
    assert sorted(lines[:-1]) == sorted(tables + buttons)
    assert lines[-1] == f"layout check: {len(tables) + len(buttons)} problems"
