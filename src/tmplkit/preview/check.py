"""The layout check: each message's HTML part measured in headless Chromium, per width.

How: the message HTML is served as the page itself (not in an iframe) from a made-up origin,
`http://message.tmplkit.invalid/`, through Playwright's request routing: relative image URLs
are answered from `base` (a directory, confined to it), and every other request is refused, so
a check never reaches the network and a remote image is neither loaded nor judged. For each
width the viewport is set to it (the stylesheet's media queries apply), and one script
(`measure.js`) walks the document once and returns what it finds:

- `overflow`: an element wider than the viewport (only the innermost such element, so the
  culprit is named rather than every table around it), or one that sticks out of its
  container's padding box or past the viewport's edge, left or right (right-to-left pages
  overflow to the left), by how many px;
- `clipped`: content cut off by `overflow: hidden`/`clip` (scrollWidth > clientWidth, or the
  heights), such as a fixed-width button whose translated label is longer;
- `text`: an element's own text running past its box (a fixed width, `white-space: nowrap`);
- `row`: a table row whose cells end short of the table's other rows (a `colspan` that no longer
  matches the columns a media query left visible);
- `wrap`: a word without spaces broken over lines (a SKU in a narrow column); text in scripts
  that break between characters (Chinese, Japanese, Korean, Thai, …) is not judged;
- `image`: a local image (not `http(s):`) that did not load; `link`: an `<a>` without an `href`
  (an empty one included; `<a name>` anchors are targets, not links). These two do not depend on
  the width and are reported once, at the first width.

One browser serves every page of a run (`LayoutChecker`); a page is loaded once and measured
at each width. The browser is Debian's `chromium-headless-shell` (or `chromium`), found through
`$TMPLKIT_CHROMIUM` or its Debian paths: Playwright's own browser download is not used.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from ..errors import TmplkitError

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Playwright, Route

DEFAULT_WIDTHS: tuple[int, ...] = (600, 375)
ORIGIN = "http://message.tmplkit.invalid"
PAGE_URL = ORIGIN + "/message.html"
HEIGHT = 900  # the viewport's height: any; the page is measured whole
TIMEOUT_MS = 20_000
# Where Debian puts the browsers, tried in this order after $TMPLKIT_CHROMIUM.
KNOWN_BROWSERS: tuple[str, ...] = (
    "/usr/bin/chromium-headless-shell",
    "/usr/lib/chromium/chromium-headless-shell",
    "/usr/bin/chromium",
    "/usr/lib/chromium/chromium",
)
INSTALL_HINT = (
    "install the browser and its fonts with `apt-get install chromium-headless-shell "
    "fonts-noto-cjk fonts-kacst` and the driver with `pip install 'tmplkit[preview]'`, "
    "or set TMPLKIT_CHROMIUM to a Chromium executable"
)


@dataclass(frozen=True)
class Problem:
    """One thing the check found on one page at one width.

    `kind` is one of overflow, clipped, text, row, wrap, image, link; `px` by how many pixels
    (0 where it does not apply). `str(problem)` is the one line `gallery --check` prints.
    """

    page: str
    locale: str
    width: int
    selector: str
    what: str
    kind: str = ""
    px: int = 0

    def __str__(self) -> str:
        return f"{self.page} {self.locale} {self.width}px: {self.selector}: {self.what}"


# The script that measures a page (one pass; see its header).
MEASURE = (Path(__file__).with_name("measure.js")).read_text(encoding="utf-8")


def find_browser() -> str:
    """The Chromium executable to drive: `$TMPLKIT_CHROMIUM`, then Debian's paths."""
    chosen = os.environ.get("TMPLKIT_CHROMIUM")
    if chosen:
        path = shutil.which(chosen) or chosen
        if not os.access(path, os.X_OK):
            raise TmplkitError(
                f"TMPLKIT_CHROMIUM={chosen}: not an executable file", hint=INSTALL_HINT
            )
        return path
    for path in KNOWN_BROWSERS:
        if os.access(path, os.X_OK):
            return path
    raise TmplkitError(
        "no Chromium for the layout check (looked for " + ", ".join(KNOWN_BROWSERS) + ")",
        hint=INSTALL_HINT,
    )


class LayoutChecker:
    """One headless Chromium, reused for every page checked until `close()` (or the end of
    its `with` block).

    Playwright's synchronous API refuses to run where an asyncio loop runs (a server, a test
    harness) or beside another instance in the same thread, so the browser is driven from a
    thread of its own; the calls wait for it.
    """

    def __init__(self) -> None:
        executable = find_browser()
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError as error:
            raise TmplkitError(
                "the layout check needs Playwright's Python package", hint=INSTALL_HINT
            ) from error
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tmplkit-chromium")
        try:
            self._playwright, self._browser = self._thread.submit(_launch, executable).result()
        except BaseException:
            self._thread.shutdown()
            raise

    def __enter__(self) -> LayoutChecker:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        try:
            self._thread.submit(_stop, self._playwright, self._browser).result()
        finally:
            self._thread.shutdown()

    def check(self, html: str, target: CheckTarget) -> list[Problem]:
        """What the check finds on one message's HTML, at each of the target's widths."""
        return self._thread.submit(self._check, html, target).result()

    def _check(self, html: str, target: CheckTarget) -> list[Problem]:
        problems: list[Problem] = []
        with self._page(html, target) as page:
            for index, width in enumerate(target.widths):
                page.set_viewport_size({"width": width, "height": HEIGHT})
                found: list[dict[str, Any]] = page.evaluate(MEASURE, index == 0)
                problems += [
                    Problem(
                        page=target.page,
                        locale=target.locale,
                        width=width,
                        selector=item["selector"],
                        what=item["what"],
                        kind=item["kind"],
                        px=int(item["px"]),
                    )
                    for item in found
                ]
                if target.screenshots is not None:
                    shot = target.screenshots.with_name(f"{target.screenshots.name}.{width}.png")
                    page.screenshot(path=str(shot), full_page=True)
        return problems

    @contextmanager
    def _page(self, html: str, target: CheckTarget) -> Iterator[Page]:
        context = self._browser.new_context(
            viewport={"width": target.widths[0], "height": HEIGHT}, java_script_enabled=True
        )
        context.set_default_timeout(TIMEOUT_MS)
        body = html.encode("utf-8")

        def answer(route: Route) -> None:
            url = route.request.url
            if url == PAGE_URL:
                route.fulfill(status=200, content_type="text/html; charset=utf-8", body=body)
                return
            local = _local_file(target.base, url)
            if local is None:
                route.abort()
            else:
                route.fulfill(status=200, path=str(local))

        try:
            context.route("**/*", answer)
            page = context.new_page()
            page.goto(PAGE_URL, wait_until="load")
            yield page
        finally:
            context.close()


def _launch(executable: str) -> tuple[Playwright, Browser]:
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        return playwright, playwright.chromium.launch(executable_path=executable)
    except Exception as error:
        playwright.stop()
        raise TmplkitError(f"could not start {executable}: {error}", hint=INSTALL_HINT) from error


def _stop(playwright: Playwright, browser: Browser) -> None:
    browser.close()
    playwright.stop()


@dataclass(frozen=True)
class CheckTarget:
    """What one page is, for the report, and how to check it."""

    page: str
    locale: str
    widths: tuple[int, ...] = DEFAULT_WIDTHS
    base: Path | None = None  # where relative image URLs are read from
    screenshots: Path | None = None  # "<dir>/<page>": writes "<page>.<width>.png"


def _local_file(base: Path | None, url: str) -> Path | None:
    """The file under `base` that a request to the message's origin names, if there is one."""
    if base is None or not url.startswith(ORIGIN + "/"):
        return None
    relative = unquote(urlsplit(url).path).lstrip("/")
    root = base.resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path


def check_html(
    html: str,
    *,
    page: str,
    locale: str,
    widths: Sequence[int] = DEFAULT_WIDTHS,
    base: Path | None = None,
) -> list[Problem]:
    """What the layout check finds on one message's HTML part (one browser, started and
    closed here; `LayoutChecker` keeps one for many)."""
    with LayoutChecker() as checker:
        return checker.check(html, CheckTarget(page, locale, tuple(widths), base))


def check_site(
    site: Path, widths: tuple[int, ...] = DEFAULT_WIDTHS, screenshots: bool = False
) -> list[Problem]:
    """What the layout check finds on every page of a gallery (`tmplkit gallery -o SITE`):
    the message HTML of each page's first `<iframe srcdoc>`, checked at each width.

    With `screenshots`, writes `<page>.<width>.png` beside each page
    (`acme-shop/orders/order-confirmation/fr-FR.375.png`).
    """
    messages = list(gallery_messages(site))
    if not messages:
        return []
    problems: list[Problem] = []
    with LayoutChecker() as checker:
        for message in messages:
            shots = site / message.file if screenshots else None
            target = CheckTarget(message.page, message.locale, widths, message.base, shots)
            problems += checker.check(message.html, target)
    return problems


@dataclass(frozen=True)
class GalleryMessage:
    """One message's HTML part as a gallery page shows it."""

    file: str  # the page's path in the site without ".html": "acme-shop/orders/x/fr-FR"
    page: str  # in the report: "acme-shop/orders/x" (of another data set: "acme-shop/orders/x@vip")
    locale: str
    html: str
    base: Path  # the page's directory: relative image URLs are read from there


def gallery_messages(site: Path) -> Iterator[GalleryMessage]:
    """The message of each gallery page: the first `<iframe srcdoc>` of every HTML file but
    `index.html` (pages without one, such as error pages, are left out), in the order of their
    paths. The locale is the page's `<html lang>` (else the message's); a page named after its
    locale (`<slug>/<locale>.html`, `<slug>/<locale>.<data set>.html`) is reported as its slug."""
    from lxml import html as lxml_html

    for path in sorted(site.rglob("*.html")):
        if path.name == "index.html":
            continue
        tree = lxml_html.fromstring(path.read_text(encoding="utf-8"))
        frames = tree.xpath("//iframe[@srcdoc]")
        if not frames:
            continue
        message = str(frames[0].get("srcdoc"))
        locale = str(tree.getroottree().getroot().get("lang") or "") or _lang_of(message)
        file = path.relative_to(site).with_suffix("").as_posix()
        yield GalleryMessage(file, _page_name(file, locale), locale, message, path.parent)


def _page_name(file: str, locale: str) -> str:
    folder, _, name = file.rpartition("/")
    if folder and locale and name == locale:
        return folder
    if folder and locale and name.startswith(locale + "."):
        return f"{folder}@{name.removeprefix(locale + '.')}"
    return file


def _lang_of(message: str) -> str:
    from lxml import html as lxml_html

    if not message.strip():
        return ""
    return str(lxml_html.fromstring(message).getroottree().getroot().get("lang") or "")
