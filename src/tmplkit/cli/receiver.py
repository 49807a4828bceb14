"""`tmplkit handoff receive`: run a sending system's event receiver (LEKAB job callbacks)."""

from __future__ import annotations

import json
from typing import Any

import click

from ..handoff import RECEIVERS
from .common import Context, listen_options, pass_ctx


@click.command("receive")
@click.option(
    "--via",
    required=True,
    metavar="ADAPTER",
    help="The adapter whose callbacks to take: " + ", ".join(RECEIVERS) + ".",
)
@listen_options
@pass_ctx
def receive_command(obj: Context, via: str, host: str, port: int) -> None:
    """Take the sending system's event callbacks and record them in the hand-off journal.

    LEKAB Dispatch POSTs job events (JOB_START, JOB_ASSIGN, JOB_FINISH) to the URL printed
    first; each one recorded prints a line. Ctrl-C stops.
    """
    # Imported here, not at the top: the HTTP server and the SQLite journal are this command's
    # alone, and every other `tmplkit` start-up would pay for them.
    from ..handoff.journal import Journal
    from ..handoff.receiver import JobEventReceiver, receiver_settings
    from ..handoff.send import journal_path

    project = obj.project
    settings = receiver_settings(via, project.settings.handoff.get(via, {}))
    journal = Journal(journal_path(project))  # after the settings: a bad one writes nothing

    def show(seq: int, payload: dict[str, Any]) -> None:
        click.echo(f"{seq}: {json.dumps(payload, ensure_ascii=False, sort_keys=True)}")

    try:
        receiver = JobEventReceiver(journal, host=host, port=port, on_event=show, **settings)
        token = " (with its token)" if receiver.token else ""
        click.echo(f"Taking {via} job events at {receiver.url}{token}; Ctrl-C stops.")
        try:
            receiver.serve_forever()
        except KeyboardInterrupt:
            click.echo("Stopped.")
        finally:
            receiver.close()
    finally:
        journal.close()
