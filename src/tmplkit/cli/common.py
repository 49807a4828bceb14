"""What the commands share: the Context the root group hands down, common options, output.

Imports stay light here (click, errors, model): every command module imports this one, and
`tmplkit --help` imports every command module.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar

import click

from ..errors import storage_error

if TYPE_CHECKING:
    from ..store import Project

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Context:
    project_dir: str | None
    debug: bool
    _project: Project | None = None

    @property
    def project(self) -> Project:
        if self._project is None:
            from ..store import open_project

            self._project = open_project(self.project_dir)
        return self._project

    def maybe_project(self) -> Project | None:
        """The project if one is named or found; None for standalone-file commands."""
        if self.project_dir is None:
            return None
        return self.project


pass_ctx = click.make_pass_decorator(Context)


class RegistryChoice(click.Choice[str]):
    """A choice among the names a registry lists, read when first needed (help, parsing), so
    that defining the command imports nothing of the registry (the targets import Babel)."""

    def __init__(self, names: Callable[[], Sequence[str]]) -> None:
        self._names = names
        self._choices: tuple[str, ...] | None = None
        super().__init__(())

    @property
    def choices(self) -> tuple[str, ...]:
        if self._choices is None:
            self._choices = tuple(self._names())
        return self._choices

    @choices.setter
    def choices(self, value: tuple[str, ...]) -> None:
        pass  # click.Choice.__init__ sets the choices: these are read from the registry


def listen_options(fn: F, port: int = 8787) -> F:
    """--host and --port of a command that serves HTTP (serve, handoff receive; preview's
    default port is another, so that it can run beside serve)."""
    fn = click.option(
        "--port",
        type=click.IntRange(0, 65535),
        default=port,
        show_default=True,
        metavar="N",
        help="The port to listen on (0: any free port).",
    )(fn)
    return click.option(
        "--host", default="127.0.0.1", show_default=True, help="The address to listen on."
    )(fn)


def json_option(fn: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")(fn)


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


# Options several commands share, defined once so that their names and help stay the same.
def strict_option(fn: F) -> F:
    return click.option(
        "--strict",
        is_flag=True,
        help="A missing translation, or a plural count that is not a number, is an error, not "
        "a warning.",
    )(fn)


def locale_field_option(fn: F) -> F:
    return click.option(
        "--locale-field",
        metavar="FIELD",
        help="The recipient field naming their locale (a.b nests).",
    )(fn)


def recipients_locale_option(fn: F) -> F:
    return click.option(
        "--locale", metavar="LANG", help="The locale of recipients without one (default: source)."
    )(fn)


def workers_option(help: str) -> Callable[[F], F]:
    return click.option(
        "--workers",
        type=click.IntRange(1, 256),
        default=1,
        show_default=True,
        metavar="N",
        help=help,
    )


def engine_options(fn: F) -> F:
    """--engine, --scheduler and --part-size: where a batch command renders."""
    fn = click.option(
        "--part-size",
        type=click.IntRange(1, 10_000_000),
        metavar="N",
        help="With --engine dask: recipients a task (and a part file) holds [default: 2000].",
    )(fn)
    fn = click.option(
        "--scheduler",
        metavar="ADDRESS",
        help="With --engine dask: a Dask scheduler's address (tcp://host:8786); without "
        "it, a local cluster of --workers processes.",
    )(fn)
    return click.option(
        "--engine",
        type=click.Choice(["local", "dask"]),
        default="local",
        show_default=True,
        help="local: this machine's processes; dask: a Dask cluster (the dask extra).",
    )(fn)


class BatchFlags(TypedDict):
    """What the options a batch command (render-batch, send-batch) shares give it, by name:
    locale_field_option's, recipients_locale_option's, workers_option's, strict_option's,
    engine_options'."""

    locale_field: str | None
    locale: str | None
    workers: int
    strict: bool
    engine: str
    scheduler: str | None
    part_size: int | None


def batch_engine(flags: BatchFlags, out_dir: str | None = None) -> Any:
    """The engine a batch command's flags ask for: None for the local one, else a started
    DaskEngine (the caller closes it). UsageError for Dask's options without --engine dask."""
    if flags["engine"] != "dask":
        for name, option in (("scheduler", "--scheduler"), ("part_size", "--part-size")):
            if flags[name] is not None:  # type: ignore[literal-required]
                raise click.UsageError(f"{option} needs --engine dask")
        if out_dir is not None:
            raise click.UsageError("--out-dir needs --engine dask")
        return None
    from ..batch.dask_engine import DaskEngine

    return DaskEngine(scheduler=flags["scheduler"], workers=flags["workers"], out_dir=out_dir)


def chunk_size(flags: BatchFlags) -> int:
    """The records a chunk of the batch holds: a part (--part-size) on Dask."""
    if flags["engine"] != "dask":
        from ..batch import DEFAULT_CHUNK_SIZE

        return DEFAULT_CHUNK_SIZE
    from ..batch.dask_engine import DEFAULT_PART_SIZE

    return flags["part_size"] or DEFAULT_PART_SIZE


def print_table(rows: Sequence[Sequence[str]], headers: Sequence[str]) -> None:
    if not rows:
        return
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    for line in (headers, *rows):
        click.echo("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())


def print_fields(pairs: Sequence[tuple[str, Any]]) -> None:
    width = max(len(k) for k, _ in pairs)
    for key, value in pairs:
        click.echo(f"{key + ':':<{width + 1}} {'' if value is None else value}")


def warn(lines: Sequence[str]) -> None:
    for line in lines:
        click.echo(f"warning: {line}", err=True)


def write_output(output: str, text: str) -> None:
    """An -o FILE, atomically; a full disk is one line naming it, and the old file stays.

    A FILE that is not a regular file (/dev/null, /dev/stdout, a named pipe) is written into,
    as a shell's `>` does: renaming over it would replace the device with a file.
    """
    from ..store import atomic_write, is_special

    try:
        if is_special(Path(output)):
            with open(output, "w", encoding="utf-8") as fh:
                fh.write(text)
            return
        atomic_write(Path(output), text)
    except OSError as exc:
        raise storage_error(exc, output) from None


def write_or_print(text: str, output: str | None) -> None:
    if output:
        write_output(output, text)
    else:
        click.echo(text, nl=False)
