"""`tmplkit sync pull|status` against real servers: `tmplkit serve` of a copy of the sample
project on loopback (with tmplkit's own endpoints, and without them, as a Dyspatch account
answers), a fake Dyspatch with Dyspatch's own shapes, and the client's retries and errors."""

from __future__ import annotations

import base64
import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import tmplkit
from tests.conftest import REPO, Result
from tests.live_server import LiveServer, live_server
from tmplkit.errors import ProjectError
from tmplkit.i18n.catalog import Catalog, json_key, read_po
from tmplkit.store import Placement, check_files, check_placement
from tmplkit.sync import RemoteClient, RemoteError, open_remote, pull, status

ACCOUNT = "fdr_01m2fgtf9x6zrbvbj3zw1fww8y"
ORDERS = "fdr_01m2fgpt84sdm1efgywbqr3wrz"
ORDER = "tem_01m2n5d9rf9y9x6nmxjjscqfn0"
ORDER_NEXT = "tdft_01m6gcf97zxybbb8msg2ee1s2d"
RESET_NEXT = "tdft_01m6kb5n5p1pbtwsdkpzwk47ms"
WELCOME_NEXT = "tdft_01m6nf8m8xx9h83sqfyac5qdqp"
FOOTER = "blk_01m2j9cz7zwxzqzg9cqw3xee3r"
ORDER_DIR = "workspaces/acme-shop/orders/order-confirmation"
WROTE_ALL = "wrote tmplkit.toml, 3 folders, 2 blocks, 4 templates, 9 drafts and 30 catalogs"
PROGRESS = [
    f"pulled {n}/{total} {kind}"
    for kind, total in (
        ("folders", 3),
        ("blocks", 2),
        ("templates", 4),
        ("drafts", 9),
        ("catalogs", 30),
    )
    for n in range(1, total + 1)
]


def tree(root: Path) -> dict[str, bytes]:
    """Every file a project holds but its settings and local state: workspaces/, blocks/,
    locales/, by path."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for top in ("workspaces", "blocks", "locales")
        for p in sorted((root / top).rglob("*"))
        if p.is_file()
    }


def settings(root: Path) -> tuple[Any, ...]:
    s = tmplkit.open_project(root).settings
    return s.name, s.source_locale, s.locales, s.sender, s.reply_to


def translations(catalog: Catalog) -> dict[str, Any]:
    """A catalog as Dyspatch's translations JSON: a plural's forms as a list."""
    return {
        json_key(m.key): m.translations if m.plural is not None else m.translation
        for m in catalog.active
    }


def stamps(root: Path) -> dict[str, int]:
    """The mtime of every file and directory of the project but .tmplkit/."""
    return {
        p.relative_to(root).as_posix(): p.stat().st_mtime_ns
        for p in [root, *root.rglob("*")]
        if ".tmplkit" not in p.parts
    }


@pytest.fixture
def remote_root(sample_project: Path) -> Path:
    return sample_project


@pytest.fixture
def remote(remote_root: Path) -> Iterator[LiveServer]:
    with live_server(tmplkit.open_project(remote_root)) as server:
        yield server


@pytest.fixture
def local(tmp_path: Path) -> Path:
    return tmplkit.init_project(tmp_path / "local").root


@pytest.fixture
def sync(run: Callable[..., Result], local: Path) -> Callable[..., Result]:
    """sync(server, "pull" | "status", *more): `tmplkit --project LOCAL sync …` with the
    server's key in $TMPLKIT_REMOTE_KEY."""

    def invoke(server: LiveServer, command: str, *more: str) -> Result:
        env = {"TMPLKIT_REMOTE_KEY": server.key}
        return run("--project", local, "sync", command, server.url, *more, env=env)

    return invoke


# --- from a tmplkit server: byte for byte ----------------------------------------------------


def test_a_pull_into_an_empty_project_reproduces_the_served_one(
    sync: Callable[..., Result], remote: LiveServer, remote_root: Path, local: Path
) -> None:
    result = sync(remote, "pull")
    assert (result.code, result.out) == (0, f"{remote.url}: {WROTE_ALL} (49 objects)\n")
    assert result.err.splitlines() == PROGRESS
    assert tree(local) == tree(remote_root)  # every id, draft, sample and catalog
    assert settings(local) == settings(remote_root)
    pulled, served = tmplkit.open_project(local).index(), tmplkit.open_project(remote_root).index()
    for kind in ("folders", "templates", "drafts", "blocks"):
        assert getattr(pulled, kind).keys() == getattr(served, kind).keys()
    # The project's delivery settings stay this machine's: [handoff] is never pulled.
    assert tmplkit.open_project(local).settings.handoff == {}


def test_a_second_pull_writes_nothing(
    sync: Callable[..., Result], remote: LiveServer, local: Path
) -> None:
    sync(remote, "pull")
    before = stamps(local)
    time.sleep(0.01)
    result = sync(remote, "pull")
    assert (result.code, result.out) == (0, f"{remote.url}: up to date (49 objects)\n")
    assert stamps(local) == before
    result = sync(remote, "status")
    assert (result.code, result.out, result.err) == (0, f"{remote.url}: in sync (49 objects)\n", "")


def test_a_pull_killed_half_way_leaves_a_valid_project_and_completes_when_run_again(
    remote: LiveServer, remote_root: Path, local: Path, python_env: dict[str, str]
) -> None:
    env = {**python_env, "TMPLKIT_REMOTE_KEY": remote.key}
    command = [sys.executable, "-m", "tmplkit", "--project", str(local), "sync", "pull"]
    proc = subprocess.Popen(
        [*command, remote.url], env=env, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:
        seen.append(line.rstrip("\n"))
        if line.startswith("pulled 2/9 drafts"):
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(30)
    assert proc.returncode == -signal.SIGKILL
    assert seen == PROGRESS[: PROGRESS.index("pulled 2/9 drafts") + 1]
    # Parents first, each object whole: what landed is a valid project of its own.
    partial = tmplkit.open_project(local)
    index = partial.index()
    assert len(index.templates) == 4 and 2 <= len(index.drafts) < 8
    assert all(partial.drafts.read_parts(d) for d in index.drafts.values())
    assert tree(local) != tree(remote_root)
    rerun = subprocess.run([*command, remote.url], env=env, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert rerun.stdout.startswith(f"{remote.url}: wrote ")
    assert rerun.stdout.endswith(" (49 objects)\n")
    assert tree(local) == tree(remote_root)
    assert settings(local) == settings(remote_root)


# --- drift, both ways --------------------------------------------------------------------------


def edit(root: Path, rel: str, text: str) -> None:
    with open(root / rel, "a", encoding="utf-8") as fh:
        fh.write(text)


def test_status_reports_drift_both_ways_and_pull_takes_only_the_remotes_changes(
    sync: Callable[..., Result], remote: LiveServer, remote_root: Path, local: Path
) -> None:
    sync(remote, "pull")
    served = tmplkit.open_project(remote_root)
    cancelled = served.templates.create(ORDERS, "Order cancelled")
    (cancelled_draft,) = served.drafts.list(cancelled.id)
    edit(remote_root, "workspaces/acme-shop/account/welcome/drafts/next/subject.j2", "!")
    edit(remote_root, "locales/fr-FR/blocks/footer.po", "# reviewed\n")
    edit(remote_root, f"{ORDER_DIR}/drafts/next/subject.j2", " (remote)")
    edit(local, f"{ORDER_DIR}/drafts/next/subject.j2", " (local)")
    edit(local, "workspaces/acme-shop/account/password-reset/drafts/next/body.html.j2", "\n")
    mine = tmplkit.open_project(local).workspaces.create("Local only")

    result = sync(remote, "status")
    assert (result.code, result.err) == (1, "")
    assert (
        result.out
        == f"""\
KIND      ID                                    PATH                                                        STATE
folder    {mine.id}        workspaces/local-only                                       only local
template  {cancelled.id}        workspaces/acme-shop/orders/order-cancelled                 only remote
draft     {RESET_NEXT}       workspaces/acme-shop/account/password-reset/drafts/next     changed locally
draft     {WELCOME_NEXT}       workspaces/acme-shop/account/welcome/drafts/next            changed remotely
draft     {cancelled_draft.id}       workspaces/acme-shop/orders/order-cancelled/drafts/draft-1  only remote
draft     {ORDER_NEXT}       {ORDER_DIR}/drafts/next  changed on both sides
catalog   {FOOTER}/fr-FR  locales/fr-FR/blocks/footer.po                              changed remotely
7 of 52 objects differ from {remote.url}
"""
    )
    as_json = json.loads(sync(remote, "status", "--json").out)
    assert as_json["inSync"] is False and as_json["objects"] == 52
    assert [(d["kind"], d["id"], d["state"]) for d in as_json["drift"]] == [
        ("folder", mine.id, "only local"),
        ("template", cancelled.id, "only remote"),
        ("draft", RESET_NEXT, "changed locally"),
        ("draft", WELCOME_NEXT, "changed remotely"),
        ("draft", cancelled_draft.id, "only remote"),
        ("draft", ORDER_NEXT, "changed on both sides"),
        ("catalog", f"{FOOTER}/fr-FR", "changed remotely"),
    ]

    result = sync(remote, "pull")
    assert result.code == 1
    assert result.out == (
        f"{remote.url}: wrote 1 template, 2 drafts and 1 catalog (51 objects)\n"
        f"kept here: draft {RESET_NEXT} (workspaces/acme-shop/account/password-reset/drafts/"
        "next): changed locally\n"
        f"kept here: draft {ORDER_NEXT} ({ORDER_DIR}/drafts/next): changed on both sides\n"
    )
    assert result.err.splitlines()[-1] == (
        f"error: 1 object changed both here and on {remote.url}: kept the local copy (hint: "
        f"tmplkit sync status {remote.url} shows what differs; tmplkit sync pull --force takes "
        "the remote's copy)"
    )
    assert (local / f"{ORDER_DIR}/drafts/next/subject.j2").read_text().endswith(" (local)")
    welcome = "workspaces/acme-shop/account/welcome/drafts/next/subject.j2"
    assert (local / welcome).read_bytes() == (remote_root / welcome).read_bytes()

    result = sync(remote, "pull", "--force")
    assert (result.code, result.out) == (0, f"{remote.url}: wrote 2 drafts (51 objects)\n")
    assert tree(local) == {
        **tree(remote_root),
        "workspaces/local-only/folder.toml": (
            local / "workspaces/local-only/folder.toml"
        ).read_bytes(),
    }
    result = sync(remote, "status")
    assert (result.code, result.out) == (
        1,
        f"KIND    ID{' ' * 30}PATH{' ' * 19}STATE\n"
        f"folder  {mine.id}  workspaces/local-only  only local\n"
        f"1 of 52 objects differ from {remote.url}\n",
    )


def test_a_remote_rename_moves_the_template_and_its_catalogs(
    sync: Callable[..., Result], remote: LiveServer, remote_root: Path, local: Path
) -> None:
    sync(remote, "pull")
    tmplkit.open_project(remote_root).templates.rename(ORDER, "Order received")
    result = sync(remote, "pull")
    assert (result.code, result.out) == (0, f"{remote.url}: wrote 1 template (49 objects)\n")
    assert tree(local) == tree(remote_root)
    assert (local / "locales/fr-FR/acme-shop/orders/order-received.po").is_file()


def test_a_slug_taken_here_by_another_object_stops_the_pull(
    sync: Callable[..., Result], remote: LiveServer, local: Path
) -> None:
    mine = tmplkit.open_project(local).workspaces.create("Acme Shop")  # where the remote's goes
    result = sync(remote, "pull")
    assert (result.code, result.out) == (1, "")
    assert result.err.splitlines()[-1] == (
        f"error: workspaces/acme-shop holds {mine.id}: cannot put folder "
        "fdr_01m2fgk51kmqs79c482bxrdnch there (hint: rename or move the local one, then pull "
        "again)"
    )


# --- errors: one line each ---------------------------------------------------------------------


def test_a_missing_key_variable_is_one_line(
    run: Callable[..., Result], local: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TMPLKIT_REMOTE_KEY", raising=False)
    for command in ("pull", "status"):
        result = run("--project", local, "sync", command, "http://127.0.0.1:9")
        assert (result.code, result.out) == (1, "")
        assert result.err == (
            "error: $TMPLKIT_REMOTE_KEY is not set (hint: export TMPLKIT_REMOTE_KEY=… with an "
            "API key of the remote (tmplkit apikey create on a tmplkit server, the API keys "
            "page of a Dyspatch account))\n"
        )


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "not-a-url",
            "not-a-url: not an http(s) URL (hint: give the API's root, like "
            "https://api.dyspatch.io)",
        ),
        (
            "ftp://example.com",
            "ftp://example.com: not an http(s) URL (hint: give the API's root, like "
            "https://api.dyspatch.io)",
        ),
        (
            "http://example.com",
            "http://example.com: plain http sends the API key in the clear (hint: use "
            "https://, or http:// to a loopback address (127.0.0.1, localhost, ::1))",
        ),
    ],
)
def test_a_bad_url_is_one_line(
    run: Callable[..., Result], local: Path, url: str, message: str
) -> None:
    result = run("--project", local, "sync", "pull", url, env={"TMPLKIT_REMOTE_KEY": "k"})
    assert (result.code, result.out, result.err) == (1, "", f"error: {message}\n")


def test_an_unreachable_server_is_one_line_after_the_retries(
    run: Callable[..., Result], local: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[float] = []
    monkeypatch.setattr(time, "sleep", waits.append)
    result = run(
        "--project", local, "sync", "status", "http://127.0.0.1:9", env={"TMPLKIT_REMOTE_KEY": "k"}
    )
    assert (result.code, result.out) == (1, "")
    assert result.err.startswith("error: GET http://127.0.0.1:9/project: ")
    assert result.err.endswith(" (after 5 attempts)\n") and result.err.count("\n") == 1
    assert len(waits) == 4


def test_a_wrong_key_is_one_line_naming_the_apis_answer(
    run: Callable[..., Result], remote: LiveServer, local: Path
) -> None:
    result = run(
        "--project", local, "sync", "pull", remote.url, env={"TMPLKIT_REMOTE_KEY": "tk_wrong"}
    )
    assert (result.code, result.out) == (1, "")
    assert result.err == (
        f"error: GET {remote.url}/project: 401 unauthenticated: missing or invalid API key: send "
        "`Authorization: Bearer KEY` (keys: `tmplkit apikey create LABEL`) (hint: "
        f"$TMPLKIT_REMOTE_KEY must hold an API key of {remote.url})\n"
    )
    assert tree(local) == {}


# --- tmplkit's own endpoints -------------------------------------------------------------------


def test_the_source_endpoints_check_ids_and_languages_first(remote: LiveServer) -> None:
    http = httpx.Client(base_url=remote.url, headers=remote.headers())
    for path, parameter, message in [
        ("/drafts/tem_x/source", "draftId", "'tem_x' is not a tdft_… id"),
        ("/drafts/tdft_AB/source", "draftId", "'tdft_AB' is not a tdft_… id"),
        ("/blocks/blk_../source", "blockId", "'blk_..' is not a blk_… id"),
        (
            f"/templates/{ORDER}/catalogs/fr_FR",
            "languageId",
            "'fr_FR' is not a language id in its normal form (like fr-FR)",
        ),
        (
            f"/templates/{ORDER}/catalogs/xx-..",
            "languageId",
            "'xx-..' is not a language id in its normal form (like fr-FR)",
        ),
        ("/sources?cursor=Li4v", "cursor", "'Li4v' is not a cursor of this server"),
    ]:
        answer = http.get(path)
        assert (answer.status_code, answer.json()) == (
            400,
            {"code": "invalid_parameter", "message": message, "parameter": parameter},
        ), path
    # An encoded slash is a slash: no route has it, and nothing is looked up.
    answer = http.get("/blocks/blk_..%2F..%2Fx/source")
    assert (answer.status_code, answer.json()["code"]) == (404, "not_found")
    answer = http.get("/drafts/tdft_0000/source")
    assert (answer.status_code, answer.json()) == (
        404,
        {"code": "not_found", "message": "no draft 'tdft_0000'", "parameter": "draftId"},
    )
    answer = http.get(f"/templates/{ORDER}/catalogs/ko-KR")
    assert answer.status_code == 404
    answer = http.get(f"/templates/{ORDER}/catalogs/fr-FR")
    assert answer.headers["content-type"] == "text/x-gettext-translation; charset=utf-8"
    assert (
        answer.content
        == (
            REPO / "sample_templates/locales/fr-FR/acme-shop/orders/order-confirmation.po"
        ).read_bytes()
    )
    source = http.get(f"/drafts/{ORDER_NEXT}/source").json()
    assert source["parentId"] == ORDER and source["slug"] == "next"
    assert (
        base64.b64decode(source["files"]["subject.j2"])
        == (REPO / f"sample_templates/{ORDER_DIR}/drafts/next/subject.j2").read_bytes()
    )
    assert sorted(source["files"]) == ["body.html.j2", "draft.toml", "subject.j2"]


def test_the_indexes_come_in_pages(remote: LiveServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from tmplkit.server import extensions

    monkeypatch.setattr(extensions, "PAGE_SIZE", 5)
    with RemoteClient(remote.url, remote.key) as client:
        objects = list(client.pages("sources"))
        catalogs = list(client.pages("catalogs"))
    assert len(objects) == 18 and len({o["id"] for o in objects}) == 18
    assert [o["id"] for o in objects] == sorted(o["id"] for o in objects)
    assert len(catalogs) == 30


# --- from a Dyspatch account: compiled code -----------------------------------------------------


def test_without_tmplkits_endpoints_a_pull_stores_the_compiled_code(
    remote_root: Path, local: Path, sync: Callable[..., Result]
) -> None:
    served = tmplkit.open_project(remote_root)
    served.drafts.add_localization(ORDER_NEXT, "fr-FR")
    served.blocks.save_localization(FOOTER, "fr-FR")
    served.drafts.archive(WELCOME_NEXT)
    with live_server(served, extensions=False) as server:
        assert httpx.get(f"{server.url}/project", headers=server.headers()).status_code == 404
        result = sync(server, "pull")
        assert (result.code, result.err.count("\n")) == (0, 20), result.err
        assert result.out == (
            f"{server.url}: wrote 3 folders, 2 blocks, 4 templates, 9 drafts and 2 catalogs "
            "(20 objects)\n"
        )
        pulled, index = tmplkit.open_project(local), served.index()
        got = pulled.index()
        for kind in ("folders", "templates", "drafts", "blocks"):
            theirs = {k: v.dir.relative_to(remote_root) for k, v in getattr(index, kind).items()}
            assert {k: v.dir.relative_to(local) for k, v in getattr(got, kind).items()} == theirs
        http = httpx.Client(base_url=server.url, headers=server.headers())
        for draft in got.drafts.values():
            compiled = http.get(f"/drafts/{draft.id}", params={"targetLanguage": "jinja"}).json()
            parts = pulled.drafts.read_parts(draft)
            assert parts["subject"] == base64.b64decode(compiled["compiled"]["subject"]).decode()
            assert parts["html"] == base64.b64decode(compiled["compiled"]["html"]).decode()
            record = (draft.dir / "draft.toml").read_text()
            assert 'origin = "dyspatch"' in record
            assert draft.status == index.drafts[draft.id].status
            assert draft.archived == index.drafts[draft.id].archived
        assert got.drafts[WELCOME_NEXT].archived
        assert got.templates[ORDER].published_draft_id == index.templates[ORDER].published_draft_id
        for owner, rel in [
            (f"drafts/{ORDER_NEXT}", "acme-shop/orders/order-confirmation.po"),
            (f"blocks/{FOOTER}", "blocks/footer.po"),
        ]:
            expected = http.get(f"/{owner}/localizations/fr-FR/translations").json()
            catalog = read_po((local / "locales/fr-FR" / rel).read_bytes(), rel, "fr-FR")
            assert expected and translations(catalog) == expected
        assert "fr-FR" in pulled.settings.locales
        again = sync(server, "pull")
        assert again.out == f"{server.url}: up to date (20 objects)\n"
        check = sync(server, "status")
        assert (check.code, check.out) == (0, f"{server.url}: in sync (20 objects)\n")


# A Dyspatch account in miniature: its shapes (no slug, folderId or templateId; `path`,
# `template`), statuses (UNKNOWN), and a 400 for tmplkit's ARCHIVED filter.
DYSPATCH_WS, DYSPATCH_SUB = "fdr_01aaaa", "fdr_01bbbb"
DYSPATCH_TEMPLATE, DYSPATCH_DRAFT = "tem_01cccc", "tdft_01dddd"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def fake_dyspatch(request: httpx.Request) -> httpx.Response:
    page = lambda items: {"cursor": {"hasMore": False}, "data": items}  # noqa: E731
    folder = {"id": DYSPATCH_SUB, "name": "Billing & Invoices", "createdAt": "2024-01-02T03:04:05Z"}
    answers: dict[str, Any] = {
        "/workspaces": page([{"id": DYSPATCH_WS, "name": "Main Workspace"}]),
        f"/workspaces/{DYSPATCH_WS}": {"id": DYSPATCH_WS, "subfolders": [folder]},
        f"/workspaces/{DYSPATCH_SUB}": {**folder, "subfolders": []},
        "/templates": page(
            [
                {
                    "id": DYSPATCH_TEMPLATE,
                    "name": "Invoice",
                    "path": f"{DYSPATCH_WS}/{DYSPATCH_SUB}",
                    "publishedDraftId": DYSPATCH_DRAFT,
                    "updatedAt": "2024-05-06T07:08:09.123Z",
                }
            ]
        ),
        "/drafts": page(
            [
                {"id": DYSPATCH_DRAFT, "template": DYSPATCH_TEMPLATE, "name": "V1"},
                {"id": "tdft_01gggg", "template": "tem_01hhhh", "name": "Of an unpublished one"},
            ]
        ),
        "/drafts/tdft_01gggg/localizations": [],
        "/blocks": page([{"id": "blk_01eeee", "name": "Legal footer"}]),
        f"/drafts/{DYSPATCH_DRAFT}": {
            "id": DYSPATCH_DRAFT,
            "name": "V1",
            "status": "UNKNOWN",
            "compiled": {
                "subject": b64("Invoice {{ number }}"),
                "html": b64("<p>{{ total }}</p>"),
                "ampHtml": b64("<html ⚡4email></html>"),
                "sender": "billing@example.com",
            },
            "localizations": [{"id": "loc_01ffff", "name": "French", "languages": ["fr-FR"]}],
        },
        f"/drafts/{DYSPATCH_DRAFT}/localizations": [{"id": "loc_01ffff", "languages": ["fr-FR"]}],
        f"/drafts/{DYSPATCH_DRAFT}/localizations/fr-FR/translations": {"Invoice": "Facture"},
        "/blocks/blk_01eeee/localizations": [],
    }
    path = request.url.path
    assert request.headers["authorization"] == "Bearer dk_secret"
    assert request.headers["accept"] == "application/vnd.dyspatch.2026.06+json"
    if request.url.params.get("status") == "ARCHIVED":
        return httpx.Response(400, json={"code": "invalid_parameter", "message": "bad status"})
    if path not in answers:
        return httpx.Response(404, json={"code": "not_found", "message": "not found"})
    return httpx.Response(200, json=answers[path])


def test_a_dyspatch_account_gives_the_structure_and_the_compiled_code(local: Path) -> None:
    project = tmplkit.open_project(local)
    transport = httpx.MockTransport(fake_dyspatch)
    remote = open_remote("https://api.dyspatch.test", "dk_secret", "local", transport=transport)
    assert remote.kind == "dyspatch"
    report = pull(project, remote)
    assert dict(report.written) == {
        "folder": 2,
        "template": 1,
        "draft": 1,
        "block": 1,
        "catalog": 1,
    }
    assert report.warnings == [
        "draft tdft_01gggg: skipped: tem_01hhhh is neither on the remote nor here"
    ]
    draft_dir = local / "workspaces/main-workspace/billing-invoices/invoice/drafts/v1"
    assert (draft_dir / "subject.j2").read_text() == "Invoice {{ number }}"
    assert (draft_dir / "body.html.j2").read_text() == "<p>{{ total }}</p>"
    assert sorted(p.name for p in draft_dir.iterdir()) == [
        "body.html.j2",
        "draft.toml",
        "subject.j2",
    ]
    assert (draft_dir / "draft.toml").read_text() == (
        f'id = "{DYSPATCH_DRAFT}"\nname = "V1"\nstatus = "PUBLISHED"\narchived = false\n'
        'created_at = ""\nupdated_at = ""\nsender = "billing@example.com"\norigin = "dyspatch"\n\n'
        '[[localizations]]\nid = "loc_01ffff"\nname = "French"\nlanguages = [\n    "fr-FR",\n]\n'
    )
    template = local / "workspaces/main-workspace/billing-invoices/invoice/template.toml"
    assert 'updated_at = "2024-05-06T07:08:09Z"' in template.read_text()
    assert (local / "blocks/legal-footer/block.toml").read_text().endswith('origin = "dyspatch"\n')
    catalog = read_po(
        (local / "locales/fr-FR/main-workspace/billing-invoices/invoice.po").read_bytes(), "po"
    )
    assert [(m.msgid, m.translation) for m in catalog.active] == [("Invoice", "Facture")]
    again = open_remote("https://api.dyspatch.test", "dk_secret", "local", transport=transport)
    assert pull(tmplkit.open_project(local), again).up_to_date
    checked = status(tmplkit.open_project(local), again)
    assert checked.in_sync and checked.warnings == report.warnings


# --- the client: pages, retries, refusals -------------------------------------------------------


def scripted(*answers: httpx.Response) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    queue = list(answers)
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return queue.pop(0)

    return httpx.MockTransport(handler), seen


def test_the_client_waits_as_a_429_says_then_follows_the_cursor() -> None:
    transport, seen = scripted(
        httpx.Response(429, headers={"Retry-After": "3"}, json={"code": "rate_limited"}),
        httpx.Response(200, json={"cursor": {"next": "c2", "hasMore": True}, "data": [1, 2]}),
        httpx.Response(200, json={"cursor": {"hasMore": False}, "data": [3]}),
    )
    waits: list[float] = []
    client = RemoteClient("https://x.test/api", "k", transport=transport, sleep=waits.append)
    assert list(client.pages("drafts", {"templateId": "tem_1"})) == [1, 2, 3]
    assert waits == [3.0]
    assert [str(r.url) for r in seen] == [
        "https://x.test/api/drafts?templateId=tem_1",
        "https://x.test/api/drafts?templateId=tem_1",
        "https://x.test/api/drafts?templateId=tem_1&cursor=c2",
    ]


def test_a_cursor_that_repeats_is_an_error_not_a_loop() -> None:
    again = {"cursor": {"next": "c", "hasMore": True}, "data": []}
    transport, _ = scripted(httpx.Response(200, json=again), httpx.Response(200, json=again))
    client = RemoteClient("https://x.test", "k", transport=transport)
    with pytest.raises(RemoteError, match=r"^GET https://x.test/blocks: the cursor 'c' repeats"):
        list(client.pages("blocks"))


def test_a_refusal_names_the_request_and_masks_the_key() -> None:
    body = {"code": "invalid_parameter", "message": "bad key sk_live_123456", "parameter": "x"}
    transport, _ = scripted(httpx.Response(400, json=body))
    client = RemoteClient("https://x.test", "sk_live_123456", transport=transport)
    with pytest.raises(RemoteError) as caught:
        client.json("templates")
    assert str(caught.value) == (
        "GET https://x.test/templates: 400 invalid_parameter: bad key ********"
    )


# --- the store's imports ---------------------------------------------------------------------


def test_imported_files_are_checked_before_anything_is_written(local: Path) -> None:
    record = b'id = "tdft_01abc"\nname = "A"\n'
    with pytest.raises(ProjectError, match=r"draft tdft_01abc: unexpected file '\.\./x'"):
        check_files("draft", "tdft_01abc", {"draft.toml": record, "../x": b""})
    with pytest.raises(ProjectError, match=r"draft tdft_01abc: draft\.toml names tdft_01xyz"):
        check_files("draft", "tdft_01abc", {"draft.toml": record.replace(b"abc", b"xyz")})
    with pytest.raises(ProjectError, match=r"unknown status 'DONE'"):
        check_files("draft", "tdft_01abc", {"draft.toml": record + b'status = "DONE"\n'})
    with pytest.raises(ProjectError, match="is not a draft id"):
        check_files("draft", "tdft_../x", {"draft.toml": record})
    project = tmplkit.open_project(local)
    for slug in ("..", "drafts", "con.txt"):
        target = local / "workspaces" / slug
        with pytest.raises(tmplkit.errors.InvalidName):
            check_placement(project, Placement("folder", "fdr_01abc", target))
    assert not any((local / "workspaces").iterdir())


@pytest.fixture(autouse=True)
def _no_remote_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """No key from the environment the tests run in."""
    monkeypatch.delenv("TMPLKIT_REMOTE_KEY", raising=False)
