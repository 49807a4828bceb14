"""The Dask engine: a batch's blocks of records rendered on a Dask cluster, in input order.

The client (the process running render-batch) reads the recipients in blocks of `part_size`
records, as the local engine reads its chunks, and submits each block as one task; at most
`depth` tasks are in flight, so the client's memory stays flat in the number of recipients.
Results come back in input order: with a single output file the client writes each part's
JSONL bytes as it arrives (the same bytes as the local engine); with `out_dir` each task
writes its own part file (engine.write_part: atomic, so a retried task rewrites the same
bytes) and returns only its counts, and the client writes `manifest.json` last.

Without a scheduler address the engine starts a local cluster of `workers` processes (one
thread each) and stops it at the end. A worker that dies mid-task (killed, out of memory) has
its task run again on another worker by Dask; the task renders the same bytes.

Needs the `dask` extra (`pip install 'tmplkit[dask]'`: dask and distributed).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import os
from collections import deque
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..store.files import atomic_write
from .engine import PART_NAME, ShippedJob, here, part_path, render_chunk, ship, write_part
from .job import BatchError, BatchJob
from .records import Chunk
from .results import ChunkResult

DEFAULT_PART_SIZE = 2000  # records a task (and a part file) holds
MANIFEST = "manifest.json"
INSTALL_HINT = "install the dask extra: pip install 'tmplkit[dask]'"


@dataclass
class PartInfo:
    """What a task tells the client besides the records' outcomes: which worker process ran
    it, the locales that process prepared while running it, and its part file's size."""

    worker: str
    prepared: list[str | None]
    size: int


@dataclass
class EngineReport:
    """What the engine did, for the summary: its scheduler, workers, parts, and per worker
    process the locales it prepared (each (template, draft, locale) once per process)."""

    scheduler: str = ""
    workers: int = 0
    parts: int = 0
    prepared: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, info: PartInfo) -> None:
        self.parts += 1
        counts = self.prepared.setdefault(info.worker, {})
        for locale in info.prepared:
            name = locale or "source"
            counts[name] = counts.get(name, 0) + 1

    def text(self, out_dir: str | None = None) -> str:
        """One line for a terminal: where the batch ran, and where its parts are."""
        workers = "worker" if self.workers == 1 else "workers"
        where = f"; parts and manifest.json in {out_dir}" if out_dir else ""
        return (
            f"on Dask ({self.scheduler}): {self.parts:,} part{'' if self.parts == 1 else 's'} "
            f"on {self.workers} {workers}{where}"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "name": "dask",
            "scheduler": self.scheduler,
            "workers": self.workers,
            "parts": self.parts,
            "prepared": {w: dict(sorted(c.items())) for w, c in sorted(self.prepared.items())},
        }


def _task(shipped: ShippedJob, chunk: Chunk, out: str | None) -> tuple[ChunkResult, PartInfo]:
    """One part, on a worker: rendered with the process's cached Worker; with `out`, its part
    file written there (atomically) and its bytes left out of the result."""
    worker = shipped.worker()
    before = len(worker.prepared)
    result = render_chunk(shipped, chunk)
    size = len(result.jsonl)
    if out is not None:
        write_part(out, result.jsonl)
        result.jsonl = b""
    return result, PartInfo(here(), worker.prepared[before:], size)


def _quiet_logs() -> None:
    """Dask logs a worker's death and its restart as warnings on stderr: the batch says what
    matters itself."""
    for name in ("distributed", "distributed.nanny", "distributed.scheduler", "tornado"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


class DaskEngine:
    """Runs a batch's chunks on a Dask cluster (see the module's docstring).

    `scheduler`: a scheduler's address (`tcp://host:8786`), else a local cluster of `workers`
    processes is started. `out_dir`: each task writes its part file there (the directory must
    be reachable from every worker), and the manifest is written by `finish`.
    """

    def __init__(
        self,
        *,
        scheduler: str | None = None,
        workers: int = 2,
        out_dir: str | os.PathLike[str] | None = None,
        depth: int | None = None,
    ) -> None:
        try:
            distributed: Any = importlib.import_module("distributed")
        except ImportError:
            raise BatchError(
                f"the dask engine needs dask and distributed: {INSTALL_HINT}"
            ) from None
        _quiet_logs()
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.cluster: Any = None
        self.client: Any = None
        try:
            if scheduler:
                self.client = distributed.Client(scheduler, timeout=30)
            else:
                self.cluster = distributed.LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=":0",  # no fixed port: 8787 is `tmplkit serve`'s
                    silence_logs=logging.CRITICAL,
                )
                self.client = distributed.Client(self.cluster)
        except OSError as exc:
            self.close()
            where = scheduler or "a local cluster"
            raise BatchError(f"cannot reach the Dask scheduler at {where}: {exc}") from None
        count = len(self.client.scheduler_info().get("workers", {})) or workers
        self.report = EngineReport(self.client.scheduler.address, count)
        self.depth = depth or max(4, 2 * count)
        self.infos: list[PartInfo] = []

    @property
    def workers(self) -> int:
        return self.report.workers

    def close(self) -> None:
        client = getattr(self, "client", None)
        if client is not None:
            with contextlib.suppress(Exception):
                client.close()
        if self.cluster is not None:
            with contextlib.suppress(Exception):
                self.cluster.close()
            self.cluster = None

    def run(self, job: BatchJob, chunks: Iterator[Chunk]) -> Generator[ChunkResult, None, None]:
        """The chunks' results in input order, rendered on the cluster, `depth` at a time."""
        shipped = ship(job)
        if self.out_dir is not None:
            prepare_out_dir(self.out_dir)
        out_dir = self.out_dir
        calls = (
            (_task, shipped, chunk, str(part_path(out_dir, index)) if out_dir else None)
            for index, chunk in enumerate(chunks)
        )
        results = self.ordered(calls)
        try:
            for result, info in results:
                self.report.add(info)
                self.infos.append(info)
                yield result
                if result.stopped:  # fail_fast: what was submitted after it is dropped
                    return
        finally:
            results.close()

    def ordered(self, calls: Iterator[tuple[Any, ...]]) -> Generator[Any, None, None]:
        """Each call (a function and its arguments) run as a task on the cluster, `depth` in
        flight at most, their results in the calls' order. Closing the generator cancels
        what is still in flight."""
        pending: deque[Any] = deque()
        more = True
        try:
            while True:
                while more and len(pending) < self.depth:
                    call = next(calls, None)
                    if call is None:
                        more = False
                        break
                    pending.append(self.client.submit(*call, pure=False))
                if not pending:
                    return
                result = pending.popleft().result()
                yield result
        finally:
            for rest in pending:
                with contextlib.suppress(Exception):
                    rest.cancel()

    def write_manifest(self, summary: dict[str, Any], meta: dict[str, Any]) -> Path:
        """The out_dir's manifest.json, written last (atomically): the parts in order with
        their sizes, and the batch's summary. Part files of an earlier, longer run are removed
        first."""
        assert self.out_dir is not None
        count = len(self.infos)
        for stale in self.out_dir.glob("part-*.jsonl"):
            number = stale.name[len("part-") : -len(".jsonl")]
            if not number.isdigit() or int(number) >= count:
                stale.unlink()
        manifest = {
            **meta,
            "parts": [
                {"file": PART_NAME.format(i), "bytes": info.size}
                for i, info in enumerate(self.infos)
            ],
            "summary": summary,
        }
        path = self.out_dir / MANIFEST
        atomic_write(path, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        return path


def prepare_out_dir(path: Path) -> None:
    """An output directory for parts: created if missing; one that holds a previous batch's
    parts loses its manifest first (a reader never takes new parts for old ones); one that
    holds anything else is refused."""
    if path.exists() and not path.is_dir():
        raise BatchError(f"{path} is not a directory")
    path.mkdir(parents=True, exist_ok=True)
    others = [
        p.name
        for p in path.iterdir()
        if p.name != MANIFEST
        and not (p.name.startswith("part-") and p.name.endswith(".jsonl"))
        and not p.name.startswith(".part-")
    ]
    if others:
        raise BatchError(
            f"{path} holds other files than a batch's parts (e.g. {sorted(others)[0]}): "
            "give an empty or new directory"
        )
    with contextlib.suppress(FileNotFoundError):
        (path / MANIFEST).unlink()
