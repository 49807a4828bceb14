"""What one batch run renders and how: the resolved SOURCE and the settings every stage shares."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, BinaryIO, Literal, TypedDict

from ..errors import TmplkitError
from ..i18n.locales import normalize
from ..pipeline import SourceSet
from ..store import Project

DEFAULT_CHUNK_SIZE = 500  # recipients per chunk sent to a worker
InputFormat = Literal["auto", "jsonl", "csv"]
Records = str | os.PathLike[str] | BinaryIO | Iterable[dict[str, Any] | str | bytes]


class BatchError(TmplkitError):
    """The batch as a whole cannot go on: an unreadable CSV header, a worker that died."""


@dataclass(frozen=True)
class BatchJob:
    """What render-batch and send-batch share: the SOURCE resolved once (its parts, its
    project, which loads the blocks they include), the locale policy, and how the records are
    read, checked, rendered and written. Handed down to the readers, to every worker (as it
    is: no stage resolves SOURCE again) and to the hand-off.

    Each recipient is rendered in the locale of its `locale_field` (a key, or a dotted path),
    else `default_locale` (normalized here), else the source language. `workers` > 1 renders
    on that many processes, `chunk_size` records at a time. `strict`: a missing translation or
    data that does not match the variable types fails the record; `fail_fast`: the first
    failed record ends the run. `jsonl`: results carry their output line (bytes) instead of a
    Message; `keep_data`: results carry their record (for the hand-off; not with `jsonl`).
    `input_format`: how a path is read (`auto`: `.csv` is CSV, stdin is sniffed).
    """

    sources: SourceSet
    locale_field: str | None = None
    default_locale: str | None = None
    strict: bool = False
    fail_fast: bool = False
    workers: int = 1
    jsonl: bool = False
    keep_data: bool = False
    input_format: InputFormat = "auto"
    chunk_size: int = DEFAULT_CHUNK_SIZE

    def __post_init__(self) -> None:
        check_settings(self.workers, self.chunk_size, keep_data=self.keep_data, jsonl=self.jsonl)
        if self.default_locale is not None:
            object.__setattr__(self, "default_locale", normalize(self.default_locale))
        if not self.locale_field:  # "" names no field
            object.__setattr__(self, "locale_field", None)

    @property
    def project(self) -> Project | None:
        return self.sources.project

    def without_project(self) -> BatchJob:
        """The job as a worker process receives it: the project is opened again there from
        its root (a Project holds a file lock, which does not cross processes)."""
        return replace(self, sources=replace(self.sources, project=None))


class JobOptions(TypedDict, total=False):
    """BatchJob's fields but its sources: the keywords of render_batch (and send_batch)."""

    locale_field: str | None
    default_locale: str | None
    strict: bool
    fail_fast: bool
    workers: int
    jsonl: bool
    keep_data: bool
    input_format: InputFormat
    chunk_size: int


def check_options(options: JobOptions) -> None:
    """What BatchJob refuses in `options` (BatchError; a bad locale's error), raised before
    SOURCE is resolved."""
    check_settings(
        options.get("workers", 1),
        options.get("chunk_size", DEFAULT_CHUNK_SIZE),
        keep_data=options.get("keep_data", False),
        jsonl=options.get("jsonl", False),
    )
    locale = options.get("default_locale")
    if locale is not None:
        normalize(locale)


def check_settings(workers: int, chunk_size: int, *, keep_data: bool, jsonl: bool) -> None:
    """BatchError for settings no batch can run with."""
    if workers < 1:
        raise BatchError(f"workers must be at least 1, not {workers}")
    if chunk_size < 1:
        raise BatchError(f"chunk_size must be at least 1, not {chunk_size}")
    if keep_data and jsonl:
        raise BatchError("keep_data gives results their records: it cannot go with jsonl")
