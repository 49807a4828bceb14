"""Worker processes: chunks rendered on N processes, their results back in input order.

Parent → worker messages: ("chunk", k, Chunk), ("write", k, offset), ("stop",).
Worker → parent: ("done", k, ChunkResult, size), ("written", k), ("error", text).

With an output file, a worker keeps its chunk's JSONL and writes it itself (os.pwrite) at the
offset the parent gives once every earlier chunk's size is known: the rendered bytes are copied
once, as with one process, and never cross a pipe. Without one (stdout), "done" carries them.

A worker receives the job as resolved in the parent (its sources without the Project, which
it opens again from the root): no process resolves SOURCE again.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import signal
import threading
import time
import traceback
from collections.abc import Generator, Iterator
from dataclasses import replace
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any

from ..store import Project
from .job import BatchError, BatchJob
from .records import Chunk
from .results import ChunkResult
from .worker import Worker


def _worker_main(conn: Connection, job: BatchJob, root: str | None, out_path: str | None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    try:
        if root is not None:
            job = replace(job, sources=replace(job.sources, project=Project(root)))
        worker = Worker(job)
        fd = os.open(out_path, os.O_WRONLY) if out_path else None
    except Exception as exc:
        conn.send(("error", f"cannot start a worker: {exc}"))
        return
    inbox: queue.SimpleQueue[tuple[Any, ...]] = queue.SimpleQueue()
    held: dict[int, bytes] = {}  # rendered chunks waiting for their offset
    sending = threading.Lock()

    def send(message: tuple[Any, ...]) -> None:
        with sending:
            conn.send(message)

    def read() -> None:
        """Drains the pipe (the parent never waits to send) and writes chunks as told.

        Writing here, while the main thread renders the next chunk, frees the chunk's place at
        once, so that the parent can send the next one before this worker runs out of work.
        """
        try:
            while True:
                message = conn.recv()
                if message[0] == "write":
                    _, k, offset = message
                    assert fd is not None
                    _pwrite_all(fd, held.pop(k), offset)
                    send(("written", k))
                else:
                    inbox.put(message)
        except (EOFError, OSError):
            inbox.put(("stop",))
        except Exception:
            inbox.put(("error", traceback.format_exc()))

    threading.Thread(target=read, daemon=True).start()
    try:
        while True:
            message = inbox.get()
            if message[0] == "chunk":
                _, k, chunk = message
                result = worker.run(chunk)
                size = len(result.jsonl)
                if fd is not None:
                    held[k], result.jsonl = result.jsonl, b""
                send(("done", k, result, size))
            elif message[0] == "error":
                send(message)
                return
            else:
                return
    except Exception:
        with contextlib.suppress(OSError):
            send(("error", traceback.format_exc()))
    finally:
        if fd is not None:
            os.close(fd)


def _pwrite_all(fd: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view = view[written:]
        offset += written


class Pool:
    """`workers` processes rendering chunks; results come back in input order.

    Each worker has at most `depth` chunks assigned and not yet finished (rendered, and with an
    output file written), so memory stays bounded; a new chunk goes to the least busy worker.
    """

    def __init__(
        self, job: BatchJob, workers: int, out: tuple[str, int] | None, depth: int = 2
    ) -> None:
        ctx = multiprocessing.get_context("spawn")
        root = str(job.project.root) if job.project else None
        portable = job.without_project()
        self.out = out
        self.depth = depth
        self.conns: list[Connection] = []
        self.procs: list[BaseProcess] = []
        try:
            for n in range(workers):
                here, there = ctx.Pipe(duplex=True)
                proc = ctx.Process(
                    target=_worker_main,
                    args=(there, portable, root, out[0] if out else None),
                    name=f"tmplkit-batch-{n + 1}",
                    daemon=True,
                )
                proc.start()
                there.close()
                self.conns.append(here)
                self.procs.append(proc)
        except BaseException:
            self.close()
            raise

    def close(self, wait: float = 1.0) -> None:
        """Stop the workers: they have nothing left to write once run() has returned."""
        for conn in self.conns:
            with contextlib.suppress(OSError):
                conn.send(("stop",))
        deadline = time.monotonic() + wait
        for proc in self.procs:
            proc.join(max(0.0, deadline - time.monotonic()))
            if proc.is_alive():  # still rendering a chunk that is not needed any more
                proc.terminate()
                proc.join()
        for conn in self.conns:
            conn.close()

    def run(self, chunks: Iterator[Chunk]) -> Generator[ChunkResult, None, None]:
        conns = self.conns
        busy = [0] * len(conns)  # per worker: chunks assigned, not yet finished
        owner: dict[int, int] = {}
        done: dict[int, tuple[ChunkResult, int]] = {}
        assigned = 0  # chunks sent so far
        ordered = 0  # chunks yielded so far, in order
        unwritten = 0  # chunks told to write, not yet written
        offset = self.out[1] if self.out else 0
        more = True
        stopped = False
        while True:
            while more:  # keep every worker fed
                n = min(range(len(conns)), key=busy.__getitem__)
                if busy[n] >= self.depth:
                    break
                chunk = next(chunks, None)
                if chunk is None:
                    more = False
                    break
                conns[n].send(("chunk", assigned, chunk))
                owner[assigned] = n
                busy[n] += 1
                assigned += 1
            while not stopped and ordered in done:
                result, size = done.pop(ordered)
                n = owner.pop(ordered)
                if self.out:
                    conns[n].send(("write", ordered, offset))
                    unwritten += 1
                offset += size
                ordered += 1
                yield result
                stopped = result.stopped  # fail_fast: what was sent after it is dropped
                more = more and not stopped
            if not unwritten and (stopped or (not more and ordered == assigned)):
                return
            for conn in wait(conns):
                assert isinstance(conn, Connection)
                n = conns.index(conn)
                try:
                    message = conn.recv()
                except (EOFError, OSError):
                    code = self.procs[n].exitcode
                    raise BatchError(f"worker {n + 1} died (exit code {code})") from None
                if message[0] == "done":
                    done[message[1]] = (message[2], message[3])
                    if not self.out:
                        busy[n] -= 1
                elif message[0] == "written":
                    unwritten -= 1
                    busy[n] -= 1
                else:
                    raise BatchError(f"worker {n + 1} failed: {message[1]}")
