"""A batch run: the recipients read lazily, rendered in process or on workers, in input order.

`run_batch(job, records)` runs a BatchJob (SOURCE resolved once, handed down to every stage);
`render_batch(source, records, …)` resolves SOURCE (or takes a SourceSet) and runs the job its
keywords describe.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Generator, Iterator
from types import TracebackType
from typing import Protocol, Unpack

from ..errors import check_keywords
from ..pipeline import SourceSet, resolve
from ..rendering import Renderer
from ..store import Project
from .job import BatchError, BatchJob, JobOptions, Records, check_options
from .pool import Pool
from .records import Chunk, OpenRecords, open_records
from .results import BatchResult, BatchSummary, ChunkResult
from .worker import Worker


class Engine(Protocol):
    """Where a batch's chunks are rendered instead of this machine's processes (a cluster:
    dask_engine.DaskEngine): their results, in input order. The caller closes it."""

    workers: int

    def run(self, job: BatchJob, chunks: Iterator[Chunk]) -> Generator[ChunkResult, None, None]:
        raise NotImplementedError


class BatchRun:
    """An iterable of BatchResult, in input order, with a live `summary`.

    Iterate it once: `for result in run` (one result per record), or `for chunk in
    run.chunks()` (ChunkResult, for writers that move bytes). Closing it (or leaving its `with`
    block) stops the workers and closes the recipients file.
    """

    def __init__(
        self, job: BatchJob, records: OpenRecords, worker: Worker, engine: Engine | None = None
    ) -> None:
        self.job = job
        self.name = records.name
        self.engine = engine
        self.workers = engine.workers if engine is not None else job.workers
        self.input_size = records.size  # bytes of the recipients file, when known
        self.summary = BatchSummary()
        self._chunks = records.chunks
        self._worker = worker  # renders in this process (one worker)
        self._closers = records.closers
        self._started = False
        self._fallback: set[str] = set()

    def __enter__(self) -> BatchRun:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        while self._closers:
            with contextlib.suppress(Exception):
                self._closers.pop()()

    def __iter__(self) -> Iterator[BatchResult]:
        for chunk in self.chunks():
            yield from chunk.results()

    def chunks(self) -> Iterator[ChunkResult]:
        """The results chunk by chunk, in input order (with `jsonl`: bytes to write as they are)."""
        return self._run(None)

    def _run(self, out: tuple[str, int] | None) -> Iterator[ChunkResult]:
        """The chunks; with `out` = (path, offset) and workers, they write there themselves."""
        if self._started:
            raise BatchError("a batch run can be iterated only once")
        self._started = True
        started = time.perf_counter()
        summary = self.summary
        pool = None
        try:
            if self.engine is not None:
                results = self.engine.run(self.job, self._chunks)
            elif self.workers <= 1:
                results = self._in_process()
            else:
                pool = Pool(self.job, self.workers, out if self.job.jsonl else None)
                results = pool.run(self._chunks)
            for result in results:
                self._count(result)
                summary.elapsed = time.perf_counter() - started
                yield result
                if result.stopped:
                    summary.stopped = True
            results.close()
        except BaseException:
            if pool is not None:
                pool.close(wait=0)
                pool = None
            raise
        finally:
            if pool is not None:
                pool.close()
            summary.elapsed = time.perf_counter() - started
            self.close()

    def _count(self, result: ChunkResult) -> None:
        summary = self.summary
        for name, warnings in result.warnings.items():
            summary.warnings.setdefault(name, warnings)
            self._fallback.add(name)
        locales = summary.locales
        fallback = self._fallback
        for _, locale, error in result.records:
            if error is not None or locale is None:
                summary.failed += 1
                continue
            summary.rendered += 1
            locales[locale] = locales.get(locale, 0) + 1
            if locale in fallback:
                summary.fallbacks[locale] = summary.fallbacks.get(locale, 0) + 1

    def _in_process(self) -> Generator[ChunkResult, None, None]:
        for chunk in self._chunks:
            result = self._worker.run(chunk)
            yield result
            if result.stopped:
                return


def run_batch(job: BatchJob, records: Records, engine: Engine | None = None) -> BatchRun:
    """Run `job` for every recipient of `records`, lazily, results in input order.

    `records`: a path (`.csv` is CSV with a header row, dotted column names nest:
    `user.first_name`; anything else is JSONL; `-` is stdin, CSV if it does not start with
    `{`), a binary file of JSONL, or an iterable of dicts or JSON strings. A locale without
    catalogs falls back to the source, counted in `summary.fallbacks`.

    Raises at once if the template cannot be compiled or the file cannot be used; bad records
    become failed results (with `job.fail_fast`, the first one ends the run). `engine`: where
    the chunks are rendered instead of this machine's processes (a Dask cluster), each chunk
    `job.chunk_size` records.
    """
    worker = Worker(job, Renderer(job.project))
    # Errors in the template itself: fail now, not per record. (The message compiled for
    # the source language serves the records without a locale, as it is.)
    message = worker.renderer.prepare_sources(job.sources)
    if not job.strict:
        worker.messages[None] = worker.for_locale(message)
    return BatchRun(job, open_records(records, job), worker, engine)


def render_batch(
    source: str | SourceSet,
    records: Records,
    *,
    project: Project | None = None,
    draft: str | None = None,
    engine: Engine | None = None,
    **options: Unpack[JobOptions],
) -> BatchRun:
    """Render SOURCE for every recipient of `records` (see run_batch), lazily, in input order.

    SOURCE is resolved here, once (in `project`; `draft` instead of the published one), or
    given resolved (a SourceSet); `options` are BatchJob's fields. Each recipient is rendered
    in the locale of its `locale_field` (a key, or a dotted path), else `default_locale`, else
    the source language; `workers` > 1 renders on that many processes, an `engine` on a
    cluster.

    Raises at once if SOURCE, the draft, `default_locale` or the file cannot be used; bad
    records become failed results (with `fail_fast`, the first one ends the run).
    `keep_data` gives each result its record (`BatchResult.data`; not with `jsonl`).
    """
    check_keywords("render_batch", options, JobOptions.__optional_keys__)
    if not isinstance(source, SourceSet):
        check_options(options)  # a bad setting is reported before SOURCE is read
        source = resolve(source, project, draft)
    return run_batch(BatchJob(source, **options), records, engine)
