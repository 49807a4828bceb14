"""`tmplkit preview`: the preview pages served, built from the files on disk on each request.

Nothing is kept that could go stale: each request resolves the templates afresh (their parts'
text), and reads the sample data. What is kept is the heavy work, a prepared message per
template × draft × locale, under the hash of every file it is made of (server/cache.py's
`fingerprint`: the draft, the template's records and sample data, the blocks, the catalogs of
the locale, tmplkit.toml) and of the parts' text: a change to any of them shows on the next
load, and a template that did not change is not prepared again.

A page carries a small script that asks `/changed?since=TOKEN` every second and reloads the
page when a file of the project changed. The server is read-only and has no API key: it is
meant for loopback (the command refuses another address unless told).
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from html import escape
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from ..errors import TmplkitError
from ..pipeline import SourceSet
from ..rendering import PreparedMessage, Renderer
from ..server.cache import Cache, Digests, fingerprint
from ..store import Project
from .pages import Entry, Page, build_pages, entries, error_line, index_page, preview_locales

POLL = """<script>
(function () {
  var token = %s;
  function poll() {
    fetch("/changed?since=" + encodeURIComponent(token))
      .then(function (r) { return r.json(); })
      .then(function (d) { if (d.changed) { location.reload(); } else { setTimeout(poll, 1000); } })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 1000);
})();
</script>
"""


class Preview:
    """The pages of a project (or of one SOURCE), built on demand; prepared messages kept
    while the files they are made of are unchanged (`cache.made` counts the preparations)."""

    def __init__(self, project: Project, source: str | None = None) -> None:
        self.project = project
        self.source = source
        self.renderer = Renderer(project)
        self.digests = Digests()
        self.cache = Cache()

    def prepare(self, sources: SourceSet, locale: str | None) -> PreparedMessage:
        if sources.template is None or sources.draft is None:
            return self.renderer.prepare_sources(sources, locale=locale)
        files = fingerprint(self.digests, self.project, sources.template, sources.draft, locale)
        parts = hashlib.sha256()
        for part in sources.parts.values():
            parts.update(f"{part.name}\0{part.file}\0{part.source}\0".encode())
        key = (sources.draft.id, locale, files, parts.hexdigest())
        return self.cache.get(key, lambda: self.renderer.prepare_sources(sources, locale=locale))

    def token(self) -> str:
        """The hash of every file of the project (each stat'ed; read only when it changed)."""
        return self.digests.files(self.digests.walk(str(self.project.root)))

    def entries(self) -> list[Entry]:
        return entries(self.project, self.source)

    def pages(self) -> list[Page]:
        locales = preview_locales(self.project)
        return [p for e in self.entries() for x in locales for p in build_pages(e, x, self.prepare)]

    def page(self, path: str) -> Page | None:
        """The page at `path` (`acme-shop/orders/order-confirmation/fr-FR.html`), if any."""
        slug, _, name = path.removesuffix(".html").rpartition("/")
        locale = name.split(".", 1)[0]
        if locale not in preview_locales(self.project):
            return None
        for entry in self.entries():
            if entry.slug == slug:
                found = build_pages(entry, locale, self.prepare)
                return next((p for p in found if p.path == path), None)
        return None


def create_app(project: Project, source: str | None = None, *, reload: bool = True) -> Starlette:
    """The preview server's application: `/` (the index), `/<slug path>/<locale>.html` (a
    page), `/changed?since=TOKEN` (whether a file changed since the page was built)."""
    preview = Preview(project, source)
    title = project.settings.name or project.root.name

    def document(html: str, token: str, status: int = 200) -> Response:
        if reload:
            html = html.replace("</body>", POLL % json.dumps(token) + "</body>", 1)
        return HTMLResponse(html, status, headers={"Cache-Control": "no-store"})

    def index(request: Request) -> Response:
        token = preview.token()
        try:
            pages = preview.pages()
        except TmplkitError as exc:  # SOURCE no longer resolves: say so, keep serving
            return document(_problem(title, error_line(exc)), token, 500)
        return document(index_page(pages, title), token)

    def page(request: Request) -> Response:
        token = preview.token()
        path: str = request.path_params["path"]
        try:
            found = preview.page(path)
        except TmplkitError as exc:
            return document(_problem(title, error_line(exc)), token, 500)
        if found is None:
            return document(_problem(title, f"no page {path}"), token, 404)
        return document(found.html, token)

    def changed(request: Request) -> Response:
        token = preview.token()
        since = request.query_params.get("since")
        body: dict[str, Any] = {"token": token, "changed": since is not None and since != token}
        return JSONResponse(body, headers={"Cache-Control": "no-store"})

    routes = [
        Route("/", index, methods=["GET"]),
        Route("/index.html", index, methods=["GET"]),
        Route("/changed", changed, methods=["GET"]),
        Route("/{path:path}", page, methods=["GET"]),
    ]
    app = Starlette(routes=routes)
    app.state.preview = preview
    return app


def _problem(title: str, line: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n</head>\n<body>\n"
        f'<p class="error">{escape(line)}</p>\n<p><a href="/">all templates</a></p>\n'
        "</body>\n</html>\n"
    )


def is_loopback(host: str) -> bool:
    """Whether an address to listen on is this machine's alone (127.0.0.0/8, ::1,
    localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


__all__ = ["Preview", "create_app", "is_loopback"]
