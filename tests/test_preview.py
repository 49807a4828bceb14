"""`tmplkit preview`: the pages served by a real uvicorn on loopback, built on each request, so
that an edit to a source or a catalog shows on the next load without a restart."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import lxml.html
import pytest

import tmplkit
from tests.conftest import Result
from tests.live_server import running
from tmplkit.preview.server import Preview, create_app, is_loopback

ORDER = "acme-shop/orders/order-confirmation"
WELCOME = "acme-shop/account/welcome"


@contextmanager
def live_preview(project: tmplkit.Project, *, reload: bool = True) -> Iterator[str]:
    """`tmplkit preview`'s application served on a free loopback port until the block ends."""
    with running(create_app(project, reload=reload)) as (server, _):
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"


def subject_of(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    page = lxml.html.fromstring(response.content)
    (subject,) = page.xpath("//p[@class='subject']")
    text: str = subject.text_content()
    return text


def test_index_and_pages_show_each_edit_on_the_next_request(sample_project: Path) -> None:
    project = tmplkit.open_project(sample_project)
    draft = sample_project / "workspaces" / ORDER / "drafts" / "published"
    catalog = (
        sample_project / "locales" / "fr-FR" / "acme-shop" / "orders" / "order-confirmation.po"
    )
    with live_preview(project) as url, httpx.Client(base_url=url) as client:
        index = client.get("/")
        assert index.status_code == 200
        links = lxml.html.fromstring(index.content).xpath("//tr[@class='page']//a/@href")
        assert f"{ORDER}/fr-FR.html" in links and len(links) == 32
        first = subject_of(client.get(f"/{ORDER}/fr-FR.html"))
        assert (
            first
            == tmplkit.render(
                ORDER, _sample(sample_project), project=project, locale="fr-FR"
            ).subject
        )
        assert first.startswith("Votre commande Acme Shop")
        token = client.get("/changed").json()["token"]
        assert client.get("/changed", params={"since": token}).json() == {
            "token": token,
            "changed": False,
        }

        # a catalog: the French subject changes on the next load
        po = catalog.read_text("utf-8")
        line = next(x for x in po.splitlines() if x.startswith('msgstr "Votre commande'))
        catalog.write_text(po.replace(line, 'msgstr "Commande %(number)s confirmée"'), "utf-8")
        number = _sample(sample_project)["order"]["number"]
        assert subject_of(client.get(f"/{ORDER}/fr-FR.html")) == f"Commande {number} confirmée"
        assert client.get("/changed", params={"since": token}).json()["changed"] is True

        # a subject file: the source-locale page changes on the next load
        (draft / "subject.j2").write_text("Order {{ order.number }} is in", "utf-8")
        assert subject_of(client.get(f"/{ORDER}/en-US.html")) == f"Order {number} is in"
        index = client.get("/").text
        assert f"Order {number} is in" in index


def test_a_block_and_the_sample_data_show_on_the_next_request(sample_project: Path) -> None:
    project = tmplkit.open_project(sample_project)
    footer = sample_project / "blocks" / "footer" / "block.html.j2"
    sample = sample_project / "workspaces" / WELCOME / "sample.json"
    with live_preview(project) as url, httpx.Client(base_url=url) as client:
        before = client.get(f"/{WELCOME}/en-US.html")
        assert "Footer edited" not in before.text
        footer.write_text("<p>Footer edited</p>" + footer.read_text("utf-8"), "utf-8")
        data = json.loads(sample.read_text("utf-8"))
        data["user"]["first_name"] = "Mireille"
        sample.write_text(json.dumps(data), "utf-8")
        after = client.get(f"/{WELCOME}/en-US.html")
        (frame, _) = lxml.html.fromstring(after.content).xpath("//iframe")
        assert "Footer edited</p>" in frame.get("srcdoc")
        assert subject_of(after) == "Welcome to Acme Shop, Mireille!"
        assert frame.get("srcdoc") == tmplkit.render(WELCOME, data, project=project).html


def test_a_broken_template_shows_its_error_and_the_others_are_served(sample_project: Path) -> None:
    project = tmplkit.open_project(sample_project)
    subject = sample_project / "workspaces" / ORDER / "drafts" / "published" / "subject.j2"
    with live_preview(project) as url, httpx.Client(base_url=url) as client:
        assert client.get(f"/{ORDER}/de-DE.html").status_code == 200
        subject.write_text("Order {% if %}", "utf-8")
        with pytest.raises(tmplkit.TmplkitError) as raised:
            tmplkit.render(ORDER, {}, project=project)
        broken = client.get(f"/{ORDER}/de-DE.html")
        assert broken.status_code == 200
        (error,) = lxml.html.fromstring(broken.content).xpath("//p[@class='error']")
        assert error.text == str(raised.value)
        assert error.text.startswith(f"workspaces/{ORDER}/drafts/published/subject.j2:1:")
        welcome = client.get(f"/{WELCOME}/de-DE.html")
        assert (
            subject_of(welcome)
            == tmplkit.render(
                WELCOME, _sample(sample_project, WELCOME), project=project, locale="de-DE"
            ).subject
        )
        index = lxml.html.fromstring(client.get("/").content)
        errors = index.xpath("//tr[td[contains(@class, 'status-error')]]//a/@href")
        assert len(errors) == 8 and all(h.startswith(f"{ORDER}/") for h in errors)
        subject.write_text("Fixed {{ order.number }}", "utf-8")
        number = _sample(sample_project)["order"]["number"]  # type: ignore[index]
        assert subject_of(client.get(f"/{ORDER}/de-DE.html")) == f"Fixed {number}"
        assert client.get("/acme-shop/nothing/de-DE.html").status_code == 404
        assert client.get(f"/{ORDER}/xx-XX.html").status_code == 404


def test_unchanged_templates_are_not_prepared_again(sample_project: Path) -> None:
    project = tmplkit.open_project(sample_project)
    preview = Preview(project)
    first = [p.html for p in preview.pages()]
    assert preview.cache.made == 32
    time.sleep(0.15)  # past the digests' racy window: unchanged files are trusted by their stat
    assert [p.html for p in preview.pages()] == first
    assert preview.cache.made == 32
    catalog = sample_project / "locales" / "pl-PL" / "acme-shop" / "account" / "welcome.po"
    catalog.write_text(catalog.read_text("utf-8") + "\n", "utf-8")
    preview.pages()
    assert preview.cache.made == 33  # welcome in pl-PL only


def test_the_pages_served_are_the_gallery_pages_with_a_reload_script(sample_project: Path) -> None:
    from tmplkit.preview.gallery import build_gallery

    project = tmplkit.open_project(sample_project)
    site = sample_project.parent / "site"
    build_gallery(project, site)
    with (
        live_preview(project, reload=False) as plain_url,
        live_preview(project) as live_url,
        httpx.Client() as client,
    ):
        for path in (f"{ORDER}/ar-EG.html", f"{WELCOME}/qps-ploc.html"):
            assert client.get(f"{plain_url}/{path}").text == (site / path).read_text("utf-8")
            served = client.get(f"{live_url}/{path}").text
            assert served.count("<script>") == 1 and "/changed?since=" in served


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("192.0.2.1", False),
        ("::", False),
        ("example.com", False),
    ],
)
def test_only_loopback_is_served_unless_allowed(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_a_remote_host_is_refused(sample_project: Path, run: Callable[..., Result]) -> None:
    result = run("--project", sample_project, "preview", "--host", "0.0.0.0")
    assert (result.code, result.out) == (1, "")
    assert result.err == (
        "error: 0.0.0.0 is not a loopback address: the preview has no API key "
        "(hint: pass --allow-remote to serve it to other machines)\n"
    )
    result = run("--project", sample_project, "preview", "acme-shop/nothing")
    assert (result.code, result.err) == (1, "error: no template 'acme-shop/nothing'\n")


def _sample(root: Path, slug: str = ORDER) -> dict[str, object]:
    data: dict[str, object] = json.loads(
        (root / "workspaces" / slug / "sample.json").read_text("utf-8")
    )
    return data
