"""The server's freshness check (server/cache.py): a file's hash is reused from its stat only
when its mtime is old enough to trust, so that a second write in the same clock tick, with the
same size, is still seen."""

from __future__ import annotations

import builtins
import os
import time
from pathlib import Path
from typing import Any

import pytest

from tmplkit.server import cache
from tmplkit.server.cache import Digests


def counting_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    reads: list[str] = []

    def counting(path: str, *args: Any, **kwargs: Any) -> Any:
        reads.append(path)
        return builtins.open(path, *args, **kwargs)

    monkeypatch.setattr(cache, "open", counting, raising=False)
    return reads


def test_a_same_size_write_in_the_same_tick_is_seen(tmp_path: Path) -> None:
    file = tmp_path / "body.html.j2"
    file.write_text("<p>one</p>", "utf-8")
    digests = Digests()
    first = digests.files([str(file)])
    st = file.stat()
    file.write_text("<p>two</p>", "utf-8")  # same size
    os.utime(file, ns=(st.st_atime_ns, st.st_mtime_ns))  # and the same mtime: one tick
    assert digests.files([str(file)]) != first


def test_an_old_file_is_read_once_then_known_by_its_stat(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = tmp_path / "draft.toml"
    file.write_text('name = "x"\n', "utf-8")
    old = time.time_ns() - 10 * 1_000_000_000
    os.utime(file, ns=(old, old))
    reads = counting_reads(monkeypatch)
    digests = Digests()
    first = digests.files([str(file)])
    assert digests.files([str(file)]) == first
    assert reads == [str(file)]  # the second check was a stat only
    file.write_text('name = "y"\n', "utf-8")  # a write now: a new mtime
    assert digests.files([str(file)]) != first
    assert len(reads) == 2


def test_a_recent_file_is_read_every_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    file = tmp_path / "subject.j2"
    file.write_text("Hello", "utf-8")
    reads = counting_reads(monkeypatch)
    digests = Digests()
    assert digests.files([str(file)]) == digests.files([str(file)])
    assert len(reads) == 2


def test_a_link_is_hashed_by_its_target_and_never_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("secret", "utf-8")
    link = tmp_path / "project-file"
    link.symlink_to(outside)
    reads = counting_reads(monkeypatch)
    digests = Digests()
    before = digests.files([str(link)])
    outside.write_text("changed", "utf-8")
    assert digests.files([str(link)]) == before  # the target's content is not read
    assert reads == []
    assert digests.files([str(tmp_path / "missing")]) != before
