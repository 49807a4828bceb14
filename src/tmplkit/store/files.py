"""Atomic file writes (readers see the old content or the new, never a mix), file modes kept
across a replacement, TOML files."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import tomli_w

from ..errors import NotFound, ProjectError


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write a file so that readers see the old content or the new, never a mix.

    Temporary file in the same directory, fsync, os.replace, fsync of the directory.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp makes 0600 files: keep the old file's mode, or the umask's default for a new one.
        os.fchmod(fd, mode_for(path))
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def is_special(path: Path) -> bool:
    """Whether `path` names something other than a regular file or a directory (a device such
    as /dev/null, a named pipe, a socket): an output written into, never renamed over."""
    try:
        mode = path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def mode_for(path: Path, new: int = 0o666) -> int:
    """The mode of the file (or directory) at `path`, to keep when replacing it; the umask's
    default for `new` when there is none yet (mkstemp makes 0600 files, mkdtemp 0700)."""
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return new & ~umask


def fsync_dir(directory: Path) -> None:
    try:
        dfd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise NotFound(f"{path}: no such file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProjectError(f"{path}: invalid TOML: {exc}") from None


def write_toml(path: Path, data: dict[str, Any]) -> None:
    atomic_write(path, tomli_w.dumps(data))
