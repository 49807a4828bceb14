"""Writing a batch: the JSONL to stdout or a file (atomically), bad records and fallbacks to
stderr as they come, and a progress line on a terminal."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, BinaryIO, NamedTuple

from ..progress import BatchProgress, on_terminal
from ..store import is_special
from .results import BatchSummary
from .run import BatchRun


class BatchOutput(NamedTuple):
    """Where report_batch writes: a binary stream, and the regular file it writes, if known."""

    stream: BinaryIO
    path: str | None


@contextlib.contextmanager
def open_output(path: str | None) -> Iterator[BatchOutput]:
    """A binary stream for the JSONL: stdout for None or `-`, else FILE, written atomically.

    The file is a temporary one next to FILE, renamed over it when the block ends normally
    (also when some records failed); on an exception it is removed and FILE is untouched.
    """
    if path is None or path == "-":
        sys.stdout.flush()
        out = getattr(sys.stdout, "buffer", None)
        if out is None:  # a text-only stdout (tests): decode on the way
            yield BatchOutput(_TextSink(sys.stdout), None)  # type: ignore[arg-type]
        else:
            yield BatchOutput(out, None)
            out.flush()
        return
    target = Path(path)
    if is_special(target):  # /dev/null, a named pipe: written into, never renamed over
        with open(target, "wb") as special:
            yield BatchOutput(special, None)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        mode = target.stat().st_mode & 0o7777 if target.exists() else 0o666 & ~_umask()
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb", buffering=1 << 20) as fh:
            yield BatchOutput(fh, tmp)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class _TextSink:
    def __init__(self, text: IO[str]) -> None:
        self.text = text

    def write(self, data: bytes) -> int:
        self.text.write(data.decode("utf-8"))
        return len(data)

    def flush(self) -> None:
        self.text.flush()


class _Progress(BatchProgress):
    """render-batch's progress line: the share done from the input bytes each chunk covers."""

    def add(self, summary: BatchSummary, nbytes: int) -> None:
        self.update(summary.total, nbytes=nbytes, failed=summary.failed)


def fallback_warning(locale: str, warnings: tuple[str, ...]) -> str:
    """The one line a batch prints the first time a locale falls back."""
    first = warnings[0] if warnings else ""
    return f"warning: {locale}: {len(warnings)} strings fall back, e.g. {first}"


def report_batch(
    run: BatchRun,
    out: BinaryIO,
    err: IO[str],
    *,
    path: str | None = None,
    progress: bool | None = None,
) -> BatchSummary:
    """Run a `jsonl` batch: its lines to `out`; bad records and fallbacks to `err` as they come.

    Bad records print as `error: FILE:LINE: reason`; each locale that falls back prints one
    `warning:` line the first time. `progress` (default: when `err` is a terminal) redraws a
    progress line on `err` (share done, rate, ETA) and clears it at the end. `path`: the
    regular file `out` writes to, if it is one; the workers then write their lines there
    themselves, at the right offsets.
    """
    assert run.job.jsonl, "report_batch writes JSONL: render_batch(..., jsonl=True)"
    if progress is None:
        progress = on_terminal(err)
    bar = _Progress(err, run.input_size) if progress else None
    warned: set[str] = set()
    direct = None
    if path is not None and run.engine is None and run.workers > 1:
        out.flush()
        direct = (path, out.tell())
    for chunk in run._run(direct):
        if chunk.jsonl:
            out.write(chunk.jsonl)
        if (
            chunk.warnings
            or chunk.notes
            or chunk.stopped
            or any(e is not None for _, _, e in chunk.records)
        ):
            if bar:
                bar.clear()
            for locale, warnings in chunk.warnings.items():
                if locale in warned:  # each worker reports it once
                    continue
                warned.add(locale)
                err.write(fallback_warning(locale, warnings) + "\n")
            for line, note in chunk.notes:
                err.write(f"warning: {run.name}:{line}: {note}\n")
            for line, error in chunk.errors():
                err.write(f"error: {run.name}:{line}: {error}\n")
            err.flush()
        if bar:
            bar.add(run.summary, chunk.nbytes)
    if bar:
        bar.clear()
    if direct is not None:
        out.seek(0, os.SEEK_END)  # past what the workers wrote
    return run.summary
