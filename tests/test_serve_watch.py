"""The server's freshness check on Linux (server/watch.py, server/cache.py `Digests.memo`):
while inotify reports no change in the project, a fingerprint is not computed again; any write,
by any process, to any file it covers, even in a directory made or moved since the server
started, is seen by the next check; where inotify cannot tell, every check reads the files."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

import tmplkit
from tests.live_server import live_server
from tmplkit.server import cache, watch
from tmplkit.server.cache import Digests, IndexCache, fingerprint
from tmplkit.store import Project

SAMPLE = Path(__file__).resolve().parents[1] / "sample_templates"
WELCOME = "tem_01m2tk2hrwq2n4kgkyppv1bnkx"
WELCOME_BODY = "workspaces/acme-shop/account/welcome/drafts/published/body.html.j2"

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="inotify is Linux's (elsewhere: test_serve_cache)"
)


def aged(root: Path) -> None:
    """Every file and directory's times 10 s in the past: old enough to be trusted by stat."""
    old = time.time_ns() - 10 * 1_000_000_000
    for path in [root, *root.rglob("*")]:
        os.utime(path, ns=(old, old), follow_symlinks=False)


@pytest.fixture
def project(tmp_path: Path) -> Project:
    root = tmp_path / "project"
    shutil.copytree(SAMPLE, root)
    aged(root)
    return tmplkit.open_project(root)


def counting(monkeypatch: pytest.MonkeyPatch, name: str) -> list[Any]:
    calls: list[Any] = []
    real: Callable[..., str] = getattr(cache, name)

    def count(*args: Any) -> str:
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(cache, name, count)
    return calls


def welcome(project: Project) -> tuple[Any, Any]:
    template = next(t for t in project.index().templates.values() if t.name == "Welcome")
    assert template.published_draft_id is not None
    draft = project.index().drafts[template.published_draft_id]
    return template, draft


def same_size_write_elsewhere(path: Path, old: str, new: str) -> None:
    """Another process rewrites `old` as `new` (same length) and puts the mtime back."""
    assert len(old) == len(new)
    script = (
        "import os, sys; p = sys.argv[1]; st = os.stat(p); "
        "t = open(p, encoding='utf-8').read(); assert sys.argv[2] in t; "
        "open(p, 'w', encoding='utf-8').write(t.replace(sys.argv[2], sys.argv[3], 1)); "
        "os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))"
    )
    subprocess.run([sys.executable, "-c", script, str(path), old, new], check=True)


def test_an_unchanged_project_is_fingerprinted_once(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = counting(monkeypatch, "_fingerprint")
    digests = Digests()
    template, draft = welcome(project)
    first = fingerprint(digests, project, template, draft, "fr-FR")
    for _ in range(5):
        assert fingerprint(digests, project, template, draft, "fr-FR") == first
    assert len(calls) == 1
    fingerprint(digests, project, template, draft, "de-DE")  # another key: computed once
    assert len(calls) == 2


def test_a_write_by_another_process_is_seen_by_the_next_check(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = counting(monkeypatch, "_fingerprint")
    digests = Digests()
    template, draft = welcome(project)
    first = fingerprint(digests, project, template, draft, None)
    body = project.root / WELCOME_BODY
    text = body.read_text("utf-8")
    assert "<p>" in text
    same_size_write_elsewhere(body, "<p>", "<b>")  # same size, same mtime: only inotify tells
    second = fingerprint(digests, project, template, draft, None)
    assert second != first
    assert len(calls) == 2
    # a catalog of the locale, and the project's settings, are covered too
    catalog = next((project.root / "locales" / "fr-FR").rglob("welcome.po"))
    with catalog.open("a", encoding="utf-8") as f:
        f.write("\n")
    assert fingerprint(digests, project, template, draft, "fr-FR") != fingerprint(
        Digests(watch=False), project, template, draft, None
    )
    third = fingerprint(digests, project, template, draft, None)
    (project.root / "tmplkit.toml").write_text(
        (project.root / "tmplkit.toml").read_text("utf-8") + "\n", "utf-8"
    )
    assert fingerprint(digests, project, template, draft, None) != third


def test_a_file_in_a_directory_made_after_the_start_is_watched(project: Project) -> None:
    digests = Digests()
    template, draft = welcome(project)
    first = fingerprint(digests, project, template, draft, None)
    new = project.root / "blocks" / "new-kind"
    new.mkdir()
    (new / "deep").mkdir()  # made before the watcher saw `new`: found when it looks again
    second = fingerprint(digests, project, template, draft, None)
    # an old file written there later, same size, mtime put back: only the watch can tell
    file = new / "deep" / "block.html.j2"
    file.write_text("<p>one</p>", "utf-8")
    aged(new)
    aged(project.root / "blocks")
    third = fingerprint(digests, project, template, draft, None)
    assert second == first  # empty directories hold nothing a message is made of
    assert third != second
    assert fingerprint(digests, project, template, draft, None) == third
    same_size_write_elsewhere(file, "one", "two")
    assert fingerprint(digests, project, template, draft, None) != third


def test_a_moved_directory_is_still_watched(project: Project) -> None:
    digests = Digests()
    index = IndexCache(project, digests)
    index.get()
    folder = project.root / "workspaces" / "acme-shop" / "account"
    moved = folder.with_name("account-moved")
    folder.rename(moved)
    after_move = index.get()
    assert index.made == 2
    record = next(moved.rglob("draft.toml"))
    name = record.read_text("utf-8").split('name = "', 1)[1].split('"', 1)[0]
    same_size_write_elsewhere(record, f'name = "{name}"', f'name = "{name.swapcase()}"')
    index.get()
    assert index.made == 3  # the record's new content was seen inside the moved directory
    assert after_move is not None


def test_a_recent_file_is_checked_on_every_request(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = counting(monkeypatch, "_fingerprint")
    digests = Digests()
    template, draft = welcome(project)
    (project.root / WELCOME_BODY).write_text("<p>now</p>", "utf-8")  # too recent to trust
    first = fingerprint(digests, project, template, draft, None)
    assert fingerprint(digests, project, template, draft, None) == first
    assert len(calls) == 2


def test_where_inotify_cannot_tell_every_check_reads_the_files(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(watch, "remote", lambda path, libc: True)  # as on NFS, sshfs, 9p
    calls = counting(monkeypatch, "_fingerprint")
    digests = Digests()
    template, draft = welcome(project)
    first = fingerprint(digests, project, template, draft, None)
    assert fingerprint(digests, project, template, draft, None) == first
    assert len(calls) == 2
    assert watch.Watcher.start(str(project.root), cache.WATCHED) is None


def test_the_local_file_system_is_not_remote(tmp_path: Path) -> None:
    libc = watch._libc()
    assert libc is not None
    assert not watch.remote(str(tmp_path), libc)


def test_a_root_that_cannot_be_watched_means_no_watcher(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x", "utf-8")
    assert watch.Watcher.start(str(tmp_path / "file"), cache.WATCHED) is None  # not a directory
    assert watch.Watcher.start(str(tmp_path / "missing"), cache.WATCHED) is None


def test_a_forked_process_watches_on_its_own(tmp_path: Path) -> None:
    """`serve --workers` forks: the child sets its watcher up afresh, so that neither process
    takes the other's events (with the parent's queue shared, the child's read would leave the
    parent blind to the file the child made)."""
    watcher = watch.Watcher.start(str(tmp_path), ())
    assert watcher is not None
    before = watcher.generation()
    assert before is not None
    pid = os.fork()
    if pid == 0:  # the child: sees its own write, then ends at once
        code = 1
        try:
            start = watcher.generation()
            (tmp_path / "made-by-the-child").write_text("x", "utf-8")
            after = watcher.generation()
            code = 0 if start is not None and after is not None and after > start else 3
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    after = watcher.generation()
    assert after is not None and after > before  # the child's write, seen here too
    assert watcher.generation() == after  # and nothing since


def test_a_live_server_reads_its_events_on_its_loop_and_misses_no_edit(tmp_path: Path) -> None:
    """In a running server the loop reads the events (no system call a request), and every
    edit by another process, made before a request is sent, reaches that request: 20 edits
    that keep the size and the mtime (only inotify can tell), each followed by a render."""
    root = tmp_path / "project"
    shutil.copytree(SAMPLE, root)
    aged(root)
    project = tmplkit.open_project(root)
    data = json.loads((root / "workspaces/acme-shop/account/welcome/sample.json").read_text())
    with live_server(project) as live, httpx.Client(headers=live.headers(), timeout=30) as http:

        def h1_size() -> str:
            response = http.post(f"{live.url}/render/template/{WELCOME}", json=data)
            assert response.status_code == 200, response.text
            found = re.search(r"font-size: ?(\d+)px; ?line-height: ?34px", response.json()["html"])
            assert found, response.json()["html"][:500]
            return found.group(1)

        assert h1_size() == "26"
        app = live.server.config.app
        watchers = [w for w in app.server.api.digests._watchers.values() if w is not None]
        assert [w._loop is not None for w in watchers] == [True]  # the loop reads them
        size = "26"
        for new in ["27", "26"] * 10:
            old_rule, new_rule = f"{size}px; line-height: 34px", f"{new}px; line-height: 34px"
            same_size_write_elsewhere(root / WELCOME_BODY, old_rule, new_rule)
            assert h1_size() == new
            size = new
        # The draft's directory moved away and back by another process: the watcher sets its
        # watches up again (a new descriptor, which the loop now reads), and an edit in the
        # directory is seen as before.
        published = (root / WELCOME_BODY).parent
        script = "import os, sys; os.rename(sys.argv[1], sys.argv[2]); os.rename(sys.argv[2], sys.argv[1])"
        subprocess.run(
            [sys.executable, "-c", script, published, published.with_name("x")], check=True
        )
        assert h1_size() == "26"
        same_size_write_elsewhere(
            root / WELCOME_BODY, "26px; line-height: 34px", "28px; line-height: 34px"
        )
        assert h1_size() == "28"
        assert [w._loop is not None for w in watchers] == [True]
        finalizer = watchers[0]._finalizer
        assert finalizer is not None and finalizer.peek()[2] == (watchers[0]._fd,)  # type: ignore[index]


def test_a_watcher_read_by_a_loop_is_set_up_again_in_the_loop_thread_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server's worker threads (a request that writes) ask for the generation too: while the
    loop that reads the events runs, they get what it read, and only its thread touches the
    loop's readers (uvloop's are not thread-safe) or sets the watches up again."""
    (tmp_path / "workspaces").mkdir()
    setups: list[str] = []
    real_setup = watch.Watcher._setup

    def setup(self: watch.Watcher) -> None:
        setups.append(threading.current_thread().name)
        real_setup(self)

    monkeypatch.setattr(watch.Watcher, "_setup", setup)
    watcher = watch.Watcher.start(str(tmp_path), ("workspaces",))
    assert watcher is not None and setups == ["MainThread"]
    loop = asyncio.new_event_loop()
    attached = threading.Event()

    async def first_call() -> None:
        watcher.generation()
        attached.set()

    thread = threading.Thread(target=loop.run_forever, name="the loop", daemon=True)
    thread.start()
    try:
        asyncio.run_coroutine_threadsafe(first_call(), loop).result(10)
        assert attached.is_set() and watcher._loop is loop
        before = watcher.generation()
        assert before is not None
        (tmp_path / "workspaces" / "new").mkdir()  # a new directory: watches set up again
        deadline = time.monotonic() + 10
        while watcher.generation() == before and time.monotonic() < deadline:
            time.sleep(0.01)
        grown = watcher.generation()
        assert grown is not None and grown > before
        assert setups == ["MainThread", "the loop"]  # never this thread's
        (tmp_path / "workspaces" / "new" / "file").write_text("x", "utf-8")
        while watcher.generation() == grown and time.monotonic() < deadline:
            time.sleep(0.01)
        assert watcher.generation() > grown  # the new directory is watched  # type: ignore[operator]
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def test_a_directory_renamed_while_the_watches_are_set_up_is_still_watched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process renames a directory back while the watcher lists its parent: the
    parent is watched before it is listed, so the rename is either in the listing or told
    by the parent's watch, and an edit in the directory is seen either way."""
    drafts = tmp_path / "workspaces" / "drafts"
    (drafts / "x").mkdir(parents=True)
    (drafts / "x" / "body.html").write_text("<p>", "utf-8")
    real_scandir = os.scandir
    renamed: list[str] = []

    def scandir(path: str) -> Any:
        entries = list(real_scandir(path))
        if path == str(drafts) and not renamed:  # just listed: `x` is renamed at once
            os.rename(drafts / "x", drafts / "published")
            renamed.append(path)
        return iter(entries)

    monkeypatch.setattr(watch.os, "scandir", scandir)
    watcher = watch.Watcher.start(str(tmp_path), ("workspaces",))
    assert watcher is not None and renamed == [str(drafts)]
    monkeypatch.setattr(watch.os, "scandir", real_scandir)
    settled = watcher.generation()
    assert settled is not None
    (drafts / "published" / "body.html").write_text("<b>", "utf-8")
    after = watcher.generation()
    assert after is not None and after > settled
