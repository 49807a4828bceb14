"""Hand-off: `tmplkit send`, `send-batch`, and the `tmplkit handoff` group (schedule, journal,
and receive from receiver.py)."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

import click

from ..errors import HandoffError
from ..handoff import CHANNELS, DEFAULT_CONCURRENCY
from .common import (
    BatchFlags,
    Context,
    batch_engine,
    chunk_size,
    engine_options,
    json_option,
    locale_field_option,
    pass_ctx,
    print_json,
    recipients_locale_option,
    strict_option,
    warn,
    workers_option,
)
from .receiver import receive_command

# The sending machinery (handoff.send: batch rendering, processes, threads, the SQLite
# journal) is imported by the commands that use it, not by every `tmplkit` start-up.
if TYPE_CHECKING:
    from ..handoff.send import Outcome, SendSummary

VIA_HELP = "The adapter ([handoff.NAME] in tmplkit.toml; default: [handoff] default, or outbox)."
DRY_RUN_HELP = "Print what would be sent (HTTP requests with secrets masked); send nothing."
INTERRUPTED = 130


def via_option(fn: Any) -> Any:
    return click.option("--via", metavar="ADAPTER", help=VIA_HELP)(fn)


def channel_option(fn: Any) -> Any:
    return click.option(
        "--channel",
        type=click.Choice(CHANNELS),
        default="email",
        show_default=True,
        help="The channel to send on (sms, push, chat: the draft's part for it, else its text).",
    )(fn)


class SendFlags(TypedDict):
    """What `send` hands to handoff.send as they are: the adapter, the locale, the channel,
    --strict and --resend."""

    via: str | None
    locale: str | None
    channel: str
    strict: bool
    resend: bool


@click.command("send")
@click.argument("source")
@click.option(
    "--to",
    "to",
    required=True,
    metavar="ADDRESS|PHONE",
    help='The recipient: an e-mail address ("Ann <ann@example.com>"), a phone number, or id:USER.',
)
@via_option
@click.option(
    "--data",
    metavar="FILE",
    help="Recipient data: a JSON object file, or - for stdin (default: sample.json).",
)
@click.option(
    "--locale", metavar="LANG", help="Translate into LANG (falls back fr-CA → fr → source)."
)
@channel_option
@click.option(
    "--draft", "draft_id", metavar="ID", help="Send this draft instead of the published one."
)
@strict_option
@click.option("--dry-run", is_flag=True, help=DRY_RUN_HELP)
@click.option("--resend", is_flag=True, help="Send even if the journal shows it was sent before.")
@json_option
@pass_ctx
def send_command(
    obj: Context,
    source: str,
    to: str,
    data: str | None,
    draft_id: str | None,
    dry_run: bool,
    as_json: bool,
    **flags: Unpack[SendFlags],
) -> None:
    """Render SOURCE for one recipient and hand it to a sending system.

    \b
    The outcome goes to the hand-off journal (.tmplkit/handoff.sqlite3): a message the
    journal shows as sent through the same adapter is skipped unless --resend. Exit 1 if
    the sending system refused or failed it.

    \b
    Examples:
      tmplkit send acme-shop/account/welcome --to "Zoë <zoe@example.com>"
      tmplkit send acme-shop/orders/order-confirmation --to +46701234567 --channel sms \\
          --via lekab-dispatch --data order.json --locale fr-FR --dry-run
    """
    from ..handoff.send import adapter_name, send
    from ..pipeline import parse_data, resolve

    sources = resolve(source, obj.maybe_project(), draft_id)  # once, handed down
    project = sources.project
    values = parse_data(sys.stdin.read(), "<stdin>") if data == "-" else data
    receipt = send(
        sources,
        to,
        via=flags["via"],
        project=project,
        data=values,
        locale=flags["locale"],
        channel=flags["channel"],
        strict=flags["strict"],
        dry_run=sys.stdout if dry_run else None,
        resend=flags["resend"],
        on_warning=lambda line: warn([line]),
    )
    name = adapter_name(flags["via"], project)
    if as_json:
        print_json({"adapter": name, "to": to, **receipt.to_json()})
        return
    if receipt.skipped:
        click.echo(
            f"skipped: {to} was sent via {name} before (key {receipt.key}); --resend sends it again"
        )
    elif receipt.dry_run:
        click.echo("dry run: nothing was sent")
    else:
        remote = f"id {receipt.remote_id}, " if receipt.remote_id else ""
        click.echo(f"accepted: {to} via {name} ({remote}key {receipt.key})")


class SendBatchFlags(BatchFlags):
    """send-batch's options that go to send_batch as they are or nearly: the channel, the
    deliveries in flight at once, the fields that hold a recipient (RecipientFields'), and
    BatchFlags'."""

    channel: str
    concurrency: int
    to_field: str
    phone_field: str
    name_field: str
    id_field: str
    attributes_field: str


@click.command("send-batch")
@click.argument("source")
@click.option(
    "--recipients",
    required=True,
    metavar="FILE",
    help="One recipient per line: FILE.jsonl, FILE.csv (header row; user.email nests), or -.",
)
@via_option
@channel_option
@click.option(
    "--to-field",
    default="email",
    show_default=True,
    metavar="FIELD",
    help="The field holding the e-mail address (a.b nests).",
)
@click.option(
    "--phone-field",
    default="phone",
    show_default=True,
    metavar="FIELD",
    help="The field holding the phone number.",
)
@click.option(
    "--name-field",
    default="name",
    show_default=True,
    metavar="FIELD",
    help="The field holding the display name.",
)
@click.option(
    "--id-field",
    default="id",
    show_default=True,
    metavar="FIELD",
    help="The field holding the user id (push, chat).",
)
@click.option(
    "--attributes-field",
    default="attributes",
    show_default=True,
    metavar="FIELD",
    help="The field holding attributes some sending systems take along (an object).",
)
@locale_field_option
@recipients_locale_option
@workers_option("Render on N processes, or a local Dask cluster of N workers.")
@engine_options
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=DEFAULT_CONCURRENCY,
    show_default=True,
    metavar="N",
    help="Deliveries in flight at once.",
)
@strict_option
@click.option(
    "--draft", "draft_id", metavar="ID", help="Send this draft instead of the published one."
)
@click.option("--dry-run", is_flag=True, help=DRY_RUN_HELP)
@json_option
@pass_ctx
def send_batch_command(
    obj: Context,
    source: str,
    recipients: str,
    via: str | None,
    draft_id: str | None,
    dry_run: bool,
    as_json: bool,
    **flags: Unpack[SendBatchFlags],
) -> None:
    """Render SOURCE for every recipient of a file and hand each message to a sending system.

    \b
    Each message is claimed in the hand-off journal (.tmplkit/handoff.sqlite3) before it is
    sent and its outcome recorded after: run the same command again after a failure, a crash
    or Ctrl-C, and it sends only what was not accepted yet; two runs at once (an overlapping
    cron job) share the work and send each message once. A failure prints
    `error: FILE:LINE: RECIPIENT: reason` on stderr as it happens, a locale that falls back
    `warning: LOCALE: …` once; the summary comes last. Exit 1 if any recipient failed (or the
    disk is full: the next run sends the rest), 130 on Ctrl-C.

    \b
    Examples:
      tmplkit send-batch acme-shop/account/welcome --recipients users.jsonl \\
          --to-field user.email --locale-field locale --via webhook
      tmplkit send-batch acme-shop/orders/order-confirmation --recipients orders.csv --dry-run
      tmplkit send-batch acme-shop/account/welcome --recipients users.jsonl \\
          --to-field user.email --via webhook --engine dask --workers 4

    \b
    --engine dask renders and sends on a Dask cluster (docs/batch.md), one task a part of
    --part-size recipients, each part with its own journal under .tmplkit/handoff-parts/
    (merged into the project's journal when the run ends); credentials come from the
    workers' environment. --dry-run runs here.
    """
    from ..batch import fallback_warning
    from ..handoff.send import (
        ELSEWHERE_STATUS,
        FAILED_STATUS,
        RecipientFields,
        SendInterrupted,
        send_batch,
    )
    from ..progress import BatchProgress, LineCount, on_terminal

    fields = RecipientFields(
        address=flags["to_field"], phone=flags["phone_field"], name=flags["name_field"],
        id=flags["id_field"], attributes=flags["attributes_field"],
    )  # fmt: skip

    # the progress line on a terminal's stderr, cleared before any other line and at the end
    bar = None
    if not as_json and on_terminal(sys.stderr):
        bar = BatchProgress(sys.stderr, None, lines=LineCount.of(recipients))
    done = failed = 0

    def report(outcome: Outcome) -> None:
        nonlocal done, failed
        done += 1
        failed += outcome.status == FAILED_STATUS
        who = f"{outcome.recipient}: " if outcome.recipient else ""
        if outcome.status == FAILED_STATUS:
            say(f"error: {recipients}:{outcome.line}: {who}{outcome.error}")
        elif outcome.status == ELSEWHERE_STATUS:
            say(f"note: {recipients}:{outcome.line}: {who}{outcome.note}")
        if bar is not None:
            bar.update(done, failed=failed)

    def say(line: str) -> None:
        if bar is not None:
            bar.clear()
        click.echo(line, err=True)

    def warn(locale: str, warnings: tuple[str, ...]) -> None:
        say(fallback_warning(locale, warnings))

    def note(line: int, text: str) -> None:  # as render-batch prints a record's warnings
        say(f"warning: {recipients}:{line}: {text}")

    engine = None if dry_run else batch_engine(flags)
    try:
        summary = send_batch(
            source,
            recipients,
            engine=engine,
            via=via,
            project=obj.maybe_project(),
            draft=draft_id,
            channel=flags["channel"],
            fields=fields,
            locale_field=flags["locale_field"],
            default_locale=flags["locale"],
            strict=flags["strict"],
            workers=flags["workers"],
            chunk_size=chunk_size(flags),
            concurrency=flags["concurrency"],
            dry_run=sys.stdout if dry_run else None,
            on_outcome=report,
            on_warning=warn,
            on_note=note,
        )
    except SendInterrupted as exc:
        if bar is not None:
            bar.clear()
        show_summary(exc.summary, as_json)
        sys.exit(INTERRUPTED)
    finally:
        if bar is not None:
            bar.clear()
        if engine is not None:
            engine.close()
    show_summary(summary, as_json, engine.report if engine is not None else None)
    if summary.failed:
        sys.exit(1)


def show_summary(summary: SendSummary, as_json: bool, engine: Any = None) -> None:
    """The summary on stdout; `engine`: the Dask engine's report, when it ran there."""
    if as_json:
        data = summary.to_json()
        if engine is not None:
            data["engine"] = engine.to_json()
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    for line in summary.text():
        click.echo(line)
    if engine is not None:
        click.echo(engine.text())


@click.command("schedule")
@click.option(
    "--via",
    default="uiowa-dispatch",
    show_default=True,
    metavar="ADAPTER",
    help="The [handoff.NAME] table of a uiowa-dispatch adapter.",
)
@click.option(
    "--at",
    "start",
    required=True,
    metavar="TIME",
    help="When, in Dispatch's local time: YYYY-MM-DD HH:mm:ss.",
)
@click.option("--business-days-only", is_flag=True, help="Only on business days.")
@click.option("--public-archive", is_flag=True, help="Create a public archive of it.")
@click.option("--dry-run", is_flag=True, help=DRY_RUN_HELP)
@pass_ctx
def schedule_command(
    obj: Context,
    via: str,
    start: str,
    business_days_only: bool,
    public_archive: bool,
    dry_run: bool,
) -> None:
    """Schedule a UIowa Dispatch communication once (after `send-batch` gave it its members).

    \b
    Example:
      tmplkit send-batch acme-shop/account/welcome --recipients new.jsonl --via uiowa-dispatch
      tmplkit handoff schedule --at "2026-12-01 08:00:00" --business-days-only
    """
    from ..handoff.send import open_configured
    from ..handoff.uiowa import UiowaDispatchAdapter

    stream = sys.stdout if dry_run else None
    with open_configured(via, obj.project, dry_run=stream) as adapter:
        if not isinstance(adapter, UiowaDispatchAdapter):
            raise HandoffError(
                f"--via {via}: schedules are a uiowa-dispatch feature, not {adapter.name}'s"
            )
        location = adapter.schedule(
            start, business_days_only=business_days_only, create_public_archive=public_archive
        )
    if dry_run:
        click.echo("dry run: nothing was sent")
    else:
        where = location or "(Dispatch gave no address)"
        click.echo(f"Scheduled communication {adapter.communication} at {start}: {where}")


@click.group("journal")
def journal_group() -> None:
    """The hand-off journal (.tmplkit/handoff.sqlite3): what was sent, what is in flight.

    \b
    The journal is how a run of send-batch knows what earlier and concurrent runs sent:
    keep it (back it up with `sqlite3 .tmplkit/handoff.sqlite3 .backup FILE`). Lost, it
    can be rebuilt from an outbox, never from a remote sending system.
    """


@journal_group.command("show")
@json_option
@pass_ctx
def journal_show_command(obj: Context, as_json: bool) -> None:
    """Count the journal's messages per adapter and status, and list the runs in progress.

    \b
    Example:
      tmplkit handoff journal show
    """
    from ..handoff.journal import Journal
    from ..handoff.send import journal_lease, journal_path

    project = obj.project
    path = journal_path(project)
    if not path.exists():
        raise HandoffError(
            f"no hand-off journal in this project ({project.relpath(path)})",
            hint="send or send-batch starts it",
        )
    with Journal(path, lease=journal_lease(project), shown=project.relpath(path)) as journal:
        counts = journal.counts()
        runs = journal.runs()
    if as_json:
        print_json(
            {
                "journal": project.relpath(path),
                "adapters": counts,
                "runs": [run.to_json() for run in runs],
            }
        )
        return
    click.echo(f"journal {project.relpath(path)}")
    statuses = ("accepted", "pending", "failed")
    rows = [("ADAPTER", *(s.upper() for s in statuses))]
    rows += [(name, *(str(c.get(s, 0)) for s in statuses)) for name, c in counts.items()]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        click.echo("  ".join(cells).rstrip())
    for run in runs:
        click.echo(f"in progress: pid {run.pid}: tmplkit {run.command}")


@journal_group.command("rebuild")
@via_option
@json_option
@pass_ctx
def journal_rebuild_command(obj: Context, via: str | None, as_json: bool) -> None:
    """Record what an outbox holds as sent, after the journal was deleted, lost or replaced.

    \b
    Reads the outbox (the JSONL file, or the maildir's new/ and cur/) and records each
    message in it as accepted, so that no run sends it again. Only an outbox can be read
    back: the messages a remote system took are known to the journal alone.

    \b
    Example:
      tmplkit handoff journal rebuild --via outbox
    """
    from ..handoff.send import rebuild_journal

    done = rebuild_journal(obj.project, via)
    if as_json:
        print_json(done)
        return
    total = done["added"] + done["settled"] + done["known"]
    messages = "message" if total == 1 else "messages"
    click.echo(
        f"{done['journal']}: {total:,} {messages} of the {done['adapter']} {done['from']}: "
        f"{done['added']:,} recorded, {done['settled']:,} settled (were pending or failed), "
        f"{done['known']:,} already recorded"
    )


@click.group("handoff")
def handoff_group() -> None:
    """Hand-off to sending systems."""


handoff_group.add_command(receive_command)
handoff_group.add_command(schedule_command)
handoff_group.add_command(journal_group)
