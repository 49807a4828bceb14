"""`tmplkit sync pull|status URL`: the project from a Dyspatch-compatible API (a tmplkit server
or a Dyspatch account), and what differs between the two."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

import click

from ..errors import TmplkitError
from .common import Context, json_option, pass_ctx, print_json, print_table, warn

if TYPE_CHECKING:
    from ..store import Project
    from ..sync import Remote

EPILOG = """\b
Examples:
  export TMPLKIT_REMOTE_KEY=…     (the remote's API key)
  tmplkit init acme && cd acme
  tmplkit sync pull http://127.0.0.1:8787
  tmplkit sync status http://127.0.0.1:8787 --json
  tmplkit sync pull https://api.dyspatch.io"""


def connect(obj: Context, url: str) -> tuple[Project, Remote]:
    """The project, and the remote at `url` with the key of $TMPLKIT_REMOTE_KEY; the key and
    the URL are checked before the project is opened or anything is sent."""
    from ..sync import open_remote, remote_key
    from ..sync.client import base_url

    key = remote_key(os.environ)
    base_url(url)
    project = obj.project
    return project, open_remote(url, key, project.settings.name)


def counted(n: int, kind: str) -> str:
    from ..sync.entries import PLURALS, SETTINGS_ID

    if kind == "settings":
        return SETTINGS_ID
    return f"{n} {kind if n == 1 else PLURALS[kind]}"


def listed(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


@click.group("sync", epilog=EPILOG)
def sync_group() -> None:
    """The project from a Dyspatch-compatible API: a tmplkit server, or a Dyspatch account.

    The API key is read from $TMPLKIT_REMOTE_KEY.
    """


@sync_group.command("pull", epilog=EPILOG)
@click.argument("url")
@click.option(
    "--force",
    is_flag=True,
    help="Take the remote's copy of every object, even one changed here.",
)
@json_option
@pass_ctx
def pull_command(obj: Context, url: str, force: bool, as_json: bool) -> None:
    """Pull the remote's workspaces, folders, templates, drafts, blocks and catalogs into the
    project, with their ids.

    Only what differs is written, each object atomically and parents first: a second pull
    writes nothing, and a pull that was stopped completes when run again. An object changed
    here is kept; one changed both here and on the remote is kept and reported (exit 1)
    unless --force. Nothing is deleted. Progress goes to stderr.
    """
    from ..progress import StatusLine
    from ..sync import pull
    from ..sync.entries import KINDS, PLURALS

    project, remote = connect(obj, url)
    line = StatusLine(sys.stderr) if sys.stderr.isatty() else None

    def progress(kind: str, done: int, total: int) -> None:
        text = f"pulled {done}/{total} {PLURALS[kind]}"
        if line is None:
            click.echo(text, err=True)
        elif line.due() or done == total:
            line.show(text)

    try:
        report = pull(project, remote, force=force, progress=progress)
    finally:
        if line is not None:
            line.clear()
        remote.client.close()
    warn(report.warnings)
    if as_json:
        print_json(report.to_json())
    else:
        if report.up_to_date:
            click.echo(f"{remote.url}: up to date ({report.objects} objects)")
        else:
            written = [counted(report.written[k], k) for k in KINDS if report.written[k]]
            click.echo(f"{remote.url}: wrote {listed(written)} ({report.objects} objects)")
        for drift in report.kept + report.conflicts:
            click.echo(f"kept here: {drift.kind} {drift.id} ({drift.path}): {drift.state}")
    if report.conflicts:
        n = len(report.conflicts)
        raise TmplkitError(
            f"{n} object{'s' if n > 1 else ''} changed both here and on {remote.url}: kept "
            "the local copy",
            hint=f"tmplkit sync status {url} shows what differs; tmplkit sync pull --force "
            "takes the remote's copy",
        )


@sync_group.command("status", epilog=EPILOG)
@click.argument("url")
@json_option
@pass_ctx
def status_command(obj: Context, url: str, as_json: bool) -> None:
    """What differs between the remote and the project, both ways; exit 1 when anything does.

    \b
    Each object is compared by content (a sha256 of its files) and is:
      only remote            a pull adds it
      only local             the remote does not have it (a pull never deletes)
      changed remotely       a pull takes the remote's copy
      changed locally        a pull keeps it
      changed on both sides  a pull keeps it; --force takes the remote's
      differs                the same, when no pull was recorded
    """
    from ..sync import status

    project, remote = connect(obj, url)
    try:
        report = status(project, remote)
    finally:
        remote.client.close()
    warn(report.warnings)
    if as_json:
        print_json(report.to_json())
    elif report.in_sync:
        click.echo(f"{remote.url}: in sync ({report.objects} objects)")
    else:
        rows = [(d.kind, d.id, d.path, d.state) for d in report.drift]
        print_table(rows, ("KIND", "ID", "PATH", "STATE"))
        click.echo(f"{len(report.drift)} of {report.objects} objects differ from {remote.url}")
    if not report.in_sync:
        sys.exit(1)
