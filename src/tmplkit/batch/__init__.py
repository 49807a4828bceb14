"""Render one template for many recipients: streaming, in input order, on N processes.

The parent process reads the recipients lazily and moves them, as raw lines, in chunks of a few
hundred to the workers; each worker keeps its own Renderer (one PreparedMessage per locale,
prepared the first time a recipient asks for it), renders and serializes its chunk, and sends
back the JSONL lines. The parent writes the chunks back in input order. At most
`2 × workers` chunks are in flight, so memory stays bounded whatever the number of recipients.

A bad record (a malformed line, a CSV row with the wrong number of fields, an invalid locale,
data that fails to render, a missing translation under `strict`) becomes a failed result with
its line number and reason; the batch goes on, unless `fail_fast`.

A cluster engine (Dask, Spark, …) ships the job to its worker processes and renders blocks of
numbered records there with the API of engine.py (`ship`, `render_block`, `write_part`);
dask_engine.py is tmplkit's own, behind `--engine dask`.

SOURCE is resolved once per run, into the BatchJob handed to every stage (job.py): the
readers (records.py), the workers (worker.py, pool.py), the run (run.py) and its report
(report.py).

Workers are started with the `spawn` method: a script that calls `render_batch(workers=2)` must
do so under `if __name__ == "__main__":`, as for any multiprocessing code.
"""

from __future__ import annotations

from .engine import ShippedJob, part_path, render_block, render_chunk, ship, write_part
from .job import (
    DEFAULT_CHUNK_SIZE,
    BatchError,
    BatchJob,
    InputFormat,
    JobOptions,
    Records,
    check_options,
)
from .records import Chunk, kind_of, record_field
from .report import BatchOutput, fallback_warning, open_output, report_batch
from .results import BatchResult, BatchSummary, ChunkResult
from .run import BatchRun, render_batch, run_batch

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "BatchError",
    "BatchJob",
    "BatchOutput",
    "BatchResult",
    "BatchRun",
    "BatchSummary",
    "Chunk",
    "ChunkResult",
    "InputFormat",
    "JobOptions",
    "Records",
    "ShippedJob",
    "check_options",
    "fallback_warning",
    "kind_of",
    "open_output",
    "part_path",
    "record_field",
    "render_batch",
    "render_block",
    "render_chunk",
    "report_batch",
    "run_batch",
    "ship",
    "write_part",
]
