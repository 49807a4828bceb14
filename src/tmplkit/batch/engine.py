"""The batch API an engine ships to its workers: a job that travels, a block of numbered records
rendered into JSONL with a per-process cache of prepared messages, and part files written
atomically.

A cluster engine (Dask, Spark, Ray, …) runs `render_block` (or `render_chunk`) in its worker
processes. The job travels as a ShippedJob: the BatchJob without its Project (a Project holds a
file lock), and the project's root, opened again in each worker process (so the project must be
at the same path on every worker machine: a shared file system, or the same checkout). Each
process keeps one Worker per job (keyed by `ShippedJob.token`), so however many blocks a process
renders, it prepares each (template, draft, locale) once; `Worker.prepared` lists what it did.

A block renders to the same bytes wherever and however often it runs: `write_part` writes them
atomically (a temporary file, then a rename), so a task that is retried after its worker died
rewrites the same part file, and a reader never sees half of one.

    job = ship(BatchJob(resolve("acme-shop/orders/order-confirmation", project), jsonl=True,
                        locale_field="locale"))
    result = render_block(job, 1, lines)      # lines 1, 2, … of the recipients file
    write_part("out/part-00000.jsonl", result.jsonl)
"""

from __future__ import annotations

import hashlib
import os
import pickle
import socket
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ..store import Project
from ..store.files import atomic_write
from .job import BatchError, BatchJob
from .records import Chunk
from .results import ChunkResult
from .worker import Worker

PART_NAME = "part-{:05d}.jsonl"  # a part file's name, by its 0-based index


@dataclass(frozen=True)
class ShippedJob:
    """A BatchJob as it travels to a worker process: without its Project, with the project's
    root to open it again there, and a token naming the job in each process's cache (the same
    job always has the same token: a hash of its pickled form)."""

    job: BatchJob
    root: str | None
    token: str

    def worker(self) -> Worker:
        """This process's Worker for the job, made the first time a block of it arrives."""
        return _cached(self)[0]


def ship(job: BatchJob) -> ShippedJob:
    """`job` ready to send to worker processes (pickled by the engine as it is)."""
    portable = job.without_project()
    root = str(job.project.root) if job.project is not None else None
    blob = pickle.dumps((portable, root), protocol=pickle.HIGHEST_PROTOCOL)
    return ShippedJob(portable, root, hashlib.sha256(blob).hexdigest()[:20])


_workers: dict[str, tuple[Worker, threading.Lock]] = {}
_workers_lock = threading.Lock()


def _cached(shipped: ShippedJob) -> tuple[Worker, threading.Lock]:
    """This process's Worker for the job, and the lock it renders under: a Worker renders one
    chunk at a time (its caches are not shared between threads), and an engine may run two
    blocks at once in one process."""
    with _workers_lock:
        hit = _workers.get(shipped.token)
        if hit is None:
            job = shipped.job
            if shipped.root is not None:
                job = replace(job, sources=replace(job.sources, project=Project(shipped.root)))
            hit = (Worker(job), threading.Lock())
            if len(_workers) >= 16:  # a long-lived worker process running many jobs
                _workers.pop(next(iter(_workers)))
            _workers[shipped.token] = hit
        return hit


def render_chunk(shipped: ShippedJob, chunk: Chunk) -> ChunkResult:
    """Render a Chunk (records.py: JSONL lines, CSV rows or dicts, with their line numbers)
    with this process's Worker for the job; the ChunkResult (JSONL bytes with `jsonl`)."""
    worker, lock = _cached(shipped)
    with lock:
        return worker.run(chunk)


def render_block(shipped: ShippedJob, start: int, lines: Sequence[bytes | str]) -> ChunkResult:
    """Render consecutive JSONL lines of the recipients file, the first being line `start`
    (1-based): a Spark partition's lines, a Dask block's. Blank lines are skipped as the local
    engine skips them; a bad line is a failed record with its line number."""
    items = list(lines)
    return render_chunk(shipped, Chunk("json", start, items, nbytes=sum(map(len, items))))


def write_part(path: str | os.PathLike[str], data: bytes) -> None:
    """Write a part file atomically: a temporary file beside it, synced, then renamed over it.
    A retried task rewrites the same bytes; a reader sees the old file or the new, never half."""
    try:
        atomic_write(Path(path), data)
    except OSError as exc:
        raise BatchError(f"cannot write {os.fspath(path)}: {exc.strerror or exc}") from None


def part_path(directory: str | os.PathLike[str], index: int) -> Path:
    """Where part `index` (0-based) of a batch written into `directory` goes."""
    return Path(directory) / PART_NAME.format(index)


def here() -> str:
    """This worker process, as a summary names it: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"
