"""A small disk for tests: a tmpfs of a given size mounted under tmp_path, and a way to fill it.

    from .fulldisk import PAGE, fill, small_disk, unfill

    def test_something(tmp_path):
        with small_disk(tmp_path, 4 << 20) as disk:  # a 4 MiB tmpfs at tmp_path/small-disk
            shutil.copytree(project, disk / "p")
            fill(disk, 2 * PAGE)  # every block used but two pages
            ...                   # the command meets ENOSPC when it needs a third page
            unfill(disk)          # the space is back

tmpfs counts whole pages: a file of one byte takes one page, a directory or an empty file
takes none, so `fill(disk, k * PAGE)` lets a command write exactly k small files. The filler
is `disk/.filler`: put what you test in a subdirectory, so that snapshots leave it out.

Mounting needs root (CAP_SYS_ADMIN). Where it is impossible, the test is skipped with the
reason; under CI=true it fails instead, since CI must run it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

PAGE = os.sysconf("SC_PAGE_SIZE")
FILLER = ".filler"


def _cannot_mount(directory: Path, size_bytes: int) -> str | None:
    """Mount a tmpfs of `size_bytes` at `directory`; None when it worked, else why not."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "mounting a tmpfs needs root"
    if shutil.which("mount") is None or shutil.which("umount") is None:
        return "no mount/umount command"
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_bytes},mode=0755", "tmpfs", str(directory)],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        return f"mount -t tmpfs failed: {proc.stderr.strip() or proc.returncode}"
    return None


@contextlib.contextmanager
def small_disk(tmp_path: Path, size_bytes: int) -> Iterator[Path]:
    """A tmpfs of `size_bytes` (rounded up to whole pages) mounted at tmp_path/"small-disk"
    for the duration of the `with` block, then unmounted (lazily, if something still uses it).

    Skips the test when it cannot mount (fails under CI=true).
    """
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    why = _cannot_mount(mount_point, size_bytes)
    if why is not None:
        mount_point.rmdir()
        if os.environ.get("CI") == "true":
            pytest.fail(f"cannot make a small disk: {why} (CI=true: this test must run)")
        pytest.skip(f"cannot make a small disk: {why}")
    try:
        yield mount_point
    finally:
        if subprocess.run(["umount", str(mount_point)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(mount_point)], capture_output=True)


def free_bytes(directory: Path) -> int:
    """What is free, for an ordinary user, on the file system holding `directory`."""
    st = os.statvfs(directory)
    return st.f_bavail * st.f_frsize


def fill(directory: Path, leave_bytes: int) -> None:
    """Use up the free space of the file system holding `directory`, all but `leave_bytes`
    (rounded down to whole blocks), with one file, `directory/.filler` (an older one is
    replaced)."""
    unfill(directory)
    block = os.statvfs(directory).f_frsize
    size = free_bytes(directory) - leave_bytes
    if size < 0:
        raise ValueError(f"{directory}: only {free_bytes(directory)} bytes free")
    with open(directory / FILLER, "wb") as fh:
        if size:
            os.posix_fallocate(fh.fileno(), 0, size)
    left = free_bytes(directory)
    if left != leave_bytes // block * block:
        raise AssertionError(f"{directory}: {left} bytes free after fill({leave_bytes})")


def unfill(directory: Path) -> None:
    """Give back the space fill() took."""
    (directory / FILLER).unlink(missing_ok=True)
