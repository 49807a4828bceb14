"""Making messages: `tmplkit render`, `render-batch`, `compile`, `variables`, `sms-report`,
`targets`."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

import click

from ..errors import TmplkitError
from ..store import CHANNEL_PARTS
from .common import (
    BatchFlags,
    Context,
    RegistryChoice,
    batch_engine,
    chunk_size,
    engine_options,
    json_option,
    locale_field_option,
    pass_ctx,
    print_json,
    print_table,
    recipients_locale_option,
    strict_option,
    warn,
    workers_option,
    write_output,
)

if TYPE_CHECKING:
    from ..store import Project


SOURCE_HELP = (
    "SOURCE is a template id (tem_…), a draft id (tdft_…), a template's slug path "
    "(acme-shop/orders/order-confirmation), a template or draft directory, or a .j2 file."
)


def target_names() -> list[str]:
    from ..targets import TARGETS

    return TARGETS


def load_data(data: str | None, sources: Any) -> dict[str, Any]:
    from ..pipeline import load_data_file, parse_data

    if data == "-":
        return parse_data(sys.stdin.read(), "<stdin>")
    if data:
        return load_data_file(Path(data))
    sample: dict[str, Any] | None = sources.sample_data()
    return sample or {}


@click.command()
@click.argument("source")
@click.option(
    "--draft", "draft_id", metavar="ID", help="Render this draft instead of the published one."
)
@click.option(
    "--data",
    metavar="FILE",
    help="Recipient data: a JSON object file, or - for stdin (default: sample.json).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["message", "json", "html", "text", "subject", *CHANNEL_PARTS]),
    default="message",
    show_default=True,
    help="message: headers and text part; json: every field; or one part (sms, push and chat: "
    "the draft's channel parts).",
)
@click.option(
    "--locale", metavar="LANG", help="Translate into LANG (falls back fr-CA → fr → source)."
)
@strict_option
@pass_ctx
def render(
    obj: Context,
    source: str,
    draft_id: str | None,
    data: str | None,
    fmt: str,
    locale: str | None,
    strict: bool,
) -> None:
    """Render SOURCE into a finished message.

    \b
    SOURCE is a template id (tem_…), a draft id (tdft_…), a template's slug path
    (acme-shop/orders/order-confirmation), a template or draft directory, or a .j2 file.

    \b
    Examples:
      tmplkit render acme-shop/orders/order-confirmation
      tmplkit render tem_01m2n5d9rf9y9x6nmxjjscqfn0 --data customer.json --format html
      echo '{"name": "Ann"}' | tmplkit render hello.html.j2 --data - --format json
      tmplkit render acme-shop/account/password-reset --format sms --locale pl-PL
    """
    from ..pipeline import count_warnings, resolve
    from ..rendering import Renderer, parts_for_format
    from ..variables import strict_problems

    sources = resolve(source, obj.maybe_project(), draft_id)
    if fmt in CHANNEL_PARTS and fmt not in sources.parts:
        raise TmplkitError(f"{source} has no {fmt} part ({CHANNEL_PARTS[fmt]})")
    values = load_data(data, sources)
    # --strict, the data checks and the warnings: of the parts --format prints, no others
    sources = parts_for_format(sources, fmt)
    if strict:  # every value that does not match the template's variable types, each a line
        problems = strict_problems(sources, values)
        for problem in problems:
            click.echo(f"error: {problem}", err=True)
        if problems:
            sys.exit(1)
    counts = count_warnings(sources, values, strict=strict)  # would pick the wrong form
    message = Renderer(sources.project).render_sources(
        sources, values, locale=locale, strict=strict
    )
    warn(message.warnings)
    warn(counts)
    if fmt == "json":
        print_json(message.to_json())
    elif fmt == "message":
        headers = [
            ("From", message.sender),
            ("Reply-To", message.reply_to),
            ("Subject", message.subject),
        ]
        for key, value in headers:
            if value:
                click.echo(f"{key}: {value}")
        click.echo()
        click.echo(message.text, nl=False)
    elif fmt in CHANNEL_PARTS:
        click.echo(message.channels[fmt])
    else:
        click.echo(getattr(message, fmt), nl=fmt == "subject")


class RenderBatchFlags(BatchFlags):
    """render-batch's BatchFlags, and where parts go on Dask."""

    out_dir: str | None


@click.command("render-batch")
@click.argument("source")
@click.option(
    "--recipients",
    required=True,
    metavar="FILE",
    help="One recipient per line: FILE.jsonl, FILE.csv (header row; user.name nests), or -.",
)
@locale_field_option
@recipients_locale_option
@click.option(
    "--out",
    default="-",
    show_default=True,
    metavar="FILE",
    help="The JSONL output, or - for stdout.",
)
@click.option(
    "--out-dir",
    metavar="DIR",
    help="With --engine dask: part files (part-00000.jsonl, …) and a manifest.json, written "
    "last, instead of one file.",
)
@workers_option("Render on N processes, or a local Dask cluster of N workers (same output).")
@engine_options
@click.option("--fail-fast", is_flag=True, help="Stop at the first bad record.")
@strict_option
@click.option(
    "--draft", "draft_id", metavar="ID", help="Render this draft instead of the published one."
)
@json_option
@pass_ctx
def render_batch_command(
    obj: Context,
    source: str,
    recipients: str,
    out: str,
    fail_fast: bool,
    draft_id: str | None,
    as_json: bool,
    **flags: Unpack[RenderBatchFlags],
) -> None:
    """Render SOURCE for every recipient of a file, as JSONL in the file's order.

    \b
    Each output line is the message as `render --format json` prints it, with "line" (the
    recipient's line in FILE) and "locale"; a bad record's line is {"line": N, "error": ...},
    also printed on stderr as `error: FILE:LINE: reason`. The summary goes to stderr (with
    --json: a JSON object, on stdout when --out is a file). Exit 1 if any record failed.

    \b
    --engine dask renders on a Dask cluster (docs/batch.md): a local one of --workers
    processes, or the one --scheduler names (every worker must see the project at the same
    path). The output is the same bytes as the local engine's; with --out-dir, each part of
    --part-size recipients is its own file, and manifest.json lists them once all are written.

    \b
    Examples:
      tmplkit render-batch acme-shop/orders/order-confirmation --recipients orders.jsonl \\
          --locale-field locale --out messages.jsonl --workers 2
      tmplkit render-batch welcome.html.j2 --recipients users.csv --fail-fast
      tmplkit render-batch acme-shop/orders/order-confirmation --recipients orders.jsonl \\
          --locale-field locale --engine dask --scheduler tcp://10.0.0.5:8786 --out-dir parts/
    """
    from ..batch import open_output, render_batch, report_batch

    out_dir = flags["out_dir"]
    if out_dir is not None and out != "-":
        raise click.UsageError("--out and --out-dir cannot go together")
    project = obj.maybe_project()
    progress = False if as_json else None  # a line on a terminal, unless JSON is asked for
    engine = batch_engine(flags, out_dir)
    try:
        run = render_batch(
            source,
            recipients,
            project=project,
            draft=draft_id,
            engine=engine,
            locale_field=flags["locale_field"],
            default_locale=flags["locale"],
            workers=1 if engine is not None else flags["workers"],
            strict=flags["strict"],
            fail_fast=fail_fast,
            jsonl=True,
            chunk_size=chunk_size(flags),
        )
        if out_dir is not None:
            with run, open(os.devnull, "wb") as nothing:  # the workers write the parts
                summary = report_batch(run, nothing, sys.stderr, progress=progress)
            data = summary.to_json()
            engine.write_manifest(data, _manifest_meta(run, recipients))
        else:
            with run, open_output(out) as output:
                summary = report_batch(
                    run, output.stream, sys.stderr, path=output.path, progress=progress
                )
            data = summary.to_json()
    finally:
        if engine is not None:
            engine.close()
    if engine is not None:
        data["engine"] = engine.report.to_json()
    if as_json:
        text = json.dumps(data, indent=2, ensure_ascii=False)
        click.echo(text, err=out == "-" and out_dir is None)
    else:
        for line in summary.text():
            click.echo(line, err=True)
        if engine is not None:
            click.echo(engine.report.text(out_dir), err=True)
    if summary.failed:
        sys.exit(1)


def _manifest_meta(run: Any, recipients: str) -> dict[str, Any]:
    """What a manifest says of the batch besides its parts: the template and its draft, the
    recipients file."""
    sources = run.job.sources
    return {
        "source": sources.name,
        "templateId": sources.template.id if sources.template else None,
        "draftId": sources.draft.id if sources.draft else None,
        "recipients": recipients,
    }


class CompileFlags(TypedDict):
    """The options `compile` and `compile --all` both take, by name."""

    locale: str | None
    strict: bool
    inline_formats: bool
    no_inline: bool
    as_json: bool


@click.command("compile")
@click.argument("source", required=False)
@click.option(
    "--all",
    "all_templates",
    is_flag=True,
    help="Every published template, in the source language and each project locale, "
    "into the directory -o DIR (with a manifest.json).",
)
@click.option(
    "--target",
    "-t",
    type=RegistryChoice(target_names),
    required=True,
    help="The template language to compile to.",
)
@click.option(
    "--draft", "draft_id", metavar="ID", help="Compile this draft instead of the published one."
)
@click.option(
    "--locale",
    metavar="LANG",
    help="Translate into LANG (falls back fr-CA → fr → source); with --all, only LANG and "
    "the source language.",
)
@strict_option
@click.option(
    "--part",
    type=click.Choice(["html", "text", "subject", "sms", "push", "chat"]),
    help="The part to print (default: html, or text for a text-only source; sms, push, "
    "chat: the draft's channel parts).",
)
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    help="Write to FILE (atomically) instead of stdout; with --all, the directory DIR.",
)
@click.option(
    "--inline-formats",
    is_flag=True,
    help="Write tmplkit's exact CLDR formatter into the template for format_date, "
    "format_currency, … (handlebars, liquid, freemarker, cheetah have none of their own; "
    "without this flag they refuse those filters).",
)
@click.option(
    "--no-inline",
    is_flag=True,
    help="Keep the source's <style> as written instead of inlining its CSS into style "
    "attributes (as render does; @media rules stay in a <style> either way).",
)
@json_option
@pass_ctx
def compile_command(
    obj: Context,
    source: str | None,
    all_templates: bool,
    target: str,
    draft_id: str | None,
    part: str | None,
    output: str | None,
    **flags: Unpack[CompileFlags],
) -> None:
    """Compile SOURCE into a target template language.

    \b
    SOURCE is a template id (tem_…), a draft id (tdft_…), a template's slug path
    (acme-shop/orders/order-confirmation), a template or draft directory, or a .j2 file.

    \b
    Examples:
      tmplkit compile acme-shop/orders/order-confirmation --target jinja
      tmplkit compile tem_01m2n5d9rf9y9x6nmxjjscqfn0 -t jinja --part subject
      tmplkit compile acme-shop/orders/order-confirmation -t liquid --part sms
      tmplkit compile welcome.html.j2 -t jinja -o build/welcome.html.j2
      tmplkit compile acme-shop/account/welcome -t jinja --json
      tmplkit compile --all -t liquid -o build/liquid
      tmplkit compile acme-shop/orders/order-confirmation -t liquid --inline-formats
    """
    from ..compiler import compile_parts

    if all_templates:
        if source or draft_id or part:
            raise click.UsageError(
                "--all compiles every published template: no SOURCE, --draft or --part"
            )
        if not output:
            raise click.UsageError("--all needs -o DIR")
        compile_all_command(obj.project, target, output, flags)
        return
    if source is None:
        raise click.UsageError("missing SOURCE (or --all)")
    as_json = flags["as_json"]
    compiled = compile_parts(
        source,
        target,
        project=obj.maybe_project(),
        draft=draft_id,
        locale=flags["locale"],
        strict=flags["strict"],
        inline_formats=flags["inline_formats"],
        inline_styles=not flags["no_inline"],
        # one part printed: another part's refusal (a format filter in the html) is not its own
        only=None if as_json or part is None else (part,),
    )
    warn(compiled.warnings)
    part = part or compiled.main_part
    if as_json:
        text = json.dumps(compiled.to_json(), indent=2, ensure_ascii=False) + "\n"
    else:
        value = compiled.part(part)
        if value is None:
            raise TmplkitError(f"{source} has no {part} part")
        text = value
    if output:
        write_output(output, text)
    else:  # a channel part keeps no final newline (it would cost a character): end the line
        click.echo(text, nl=not text.endswith("\n"))


def compile_all_command(project: Project, target: str, output: str, flags: CompileFlags) -> None:
    """`compile --all`: the tree and manifest written, each file listed; refusals as error
    lines (exit 1) after everything that could be compiled is written."""
    from ..compile_all import Progress, compile_all, summary_json

    with Progress.on_terminal() as progress:
        build, changes = compile_all(
            project,
            target,
            output,
            locale=flags["locale"],
            strict=flags["strict"],
            inline_formats=flags["inline_formats"],
            inline_styles=not flags["no_inline"],
            progress=progress,
        )
    warn(build.warnings)
    if flags["as_json"]:
        print_json(summary_json(build, changes))
    else:
        for name in changes.written:
            click.echo(f"written {name}")
        for name in changes.removed:
            click.echo(f"removed {name}")
        click.echo(
            f"{output}: {len(changes.written)} written, {len(changes.unchanged)} unchanged, "
            f"{len(changes.removed)} removed, {len(build.refusals)} refused"
        )
    for refusal in build.refusals:
        click.echo(f"error: {refusal.line()}", err=True)
    if build.refusals:
        sys.exit(1)


@click.command("variables")
@click.argument("source")
@click.option(
    "--draft", "draft_id", metavar="ID", help="Show this draft's variables, not the published's."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "jsonschema"]),
    default="text",
    show_default=True,
    help="text: a table; json: the list --json prints; jsonschema: a JSON Schema (draft "
    "2020-12) of the data.",
)
@json_option
@pass_ctx
def variables_command(
    obj: Context, source: str, draft_id: str | None, fmt: str, as_json: bool
) -> None:
    """Show the data SOURCE reads: each variable's path, type, and whether it is required.

    \b
    SOURCE is a template id (tem_…), a draft id (tdft_…), a template's slug path
    (acme-shop/orders/order-confirmation), a template or draft directory, or a .j2 file.

    \b
    Types are inferred from how the template uses each value, refined by its sample.json,
    and declared in template.toml's [variables] table (declarations win). A list's items are
    PATH[]: order.lines[].price. `render --strict` checks recipient data against them.

    \b
    Examples:
      tmplkit variables acme-shop/orders/order-confirmation
      tmplkit variables acme-shop/account/welcome --json
      tmplkit variables tem_01m2n5d9rf9y9x6nmxjjscqfn0 --format jsonschema > order.schema.json
    """
    from ..pipeline import resolve
    from ..variables import of_sources, schema_title

    sources = resolve(source, obj.maybe_project(), draft_id)
    found = of_sources(sources)
    if fmt == "jsonschema":
        print_json(found.json_schema(schema_title(sources)))
    elif as_json or fmt == "json":
        print_json(found.to_json())
    else:
        rows = [(v.path, v.type, "yes" if v.required else "no", v.source) for v in found]
        print_table(rows, ["PATH", "TYPE", "REQUIRED", "FROM"])


@click.command("sms-report")
@click.argument("source", required=False)
@click.option(
    "--draft", "draft_id", metavar="ID", help="Measure this draft instead of the published one."
)
@click.option(
    "--locale",
    "locales",
    multiple=True,
    metavar="LANG",
    help="Only these locales (default: the source language and every project locale).",
)
@click.option(
    "--data",
    metavar="FILE",
    help="Recipient data for every template: a JSON object file, or - for stdin "
    "(default: each template's sample.json).",
)
@click.option(
    "--max-segments",
    type=click.IntRange(min=1),
    metavar="N",
    help="Exit 1 if an SMS takes more than N segments (for CI).",
)
@json_option
@pass_ctx
def sms_report(
    obj: Context,
    source: str | None,
    draft_id: str | None,
    locales: tuple[str, ...],
    data: str | None,
    max_segments: int | None,
    as_json: bool,
) -> None:
    """What the SMS part of SOURCE (default: every template that has one) costs per locale:
    encoding (GSM-7, or UCS-2 and the characters that force it), length, segments.

    \b
    Examples:
      tmplkit sms-report
      tmplkit sms-report acme-shop/orders/order-confirmation --locale pl-PL --json
      tmplkit sms-report --max-segments 1
    """
    from ..pipeline import load_data_file, parse_data
    from ..sms import report, show_chars

    values = None
    if data == "-":
        values = parse_data(sys.stdin.read(), "<stdin>")
    elif data:
        values = load_data_file(Path(data))
    result = report(
        obj.project,
        source,
        draft=draft_id,
        locales=list(locales) or None,
        data=values,
        max_segments=max_segments,
    )
    for r in result.rows:
        warn(r.warnings)
    if as_json:
        print_json(result.to_json())
    elif not result.rows:
        click.echo("no template has an sms part (sms.txt.j2)")
    else:
        headers = ["TEMPLATE", "LOCALE", "ENCODING", "LENGTH", "SEGMENTS"]
        if max_segments is not None:
            headers.append(f"MAX {max_segments}")
        rows = []
        for r in result.rows:
            row = [r.template, r.locale, r.count.encoding, str(r.count.length)]
            row.append(str(r.count.segments))
            if max_segments is not None:
                row.append("OVER" if r.over_budget else "ok")
            row.append(show_chars(r.count.forced_by))
            rows.append(row)
        print_table(rows, [*headers, "UCS-2 FORCED BY"])
    if result.over:
        raise TmplkitError(
            f"{len(result.over)} of {len(result.rows)} SMS take more than {max_segments} "
            f"segment{'s' if max_segments != 1 else ''}"
        )


@click.command("targets")
@json_option
def targets_command(as_json: bool) -> None:
    """List the target languages: what each emits, refuses, and needs registered.

    \b
    Example:
      tmplkit targets --json
    """
    from ..targets import TARGETS, get_emitter

    rows = []
    for name in TARGETS:
        emitter = get_emitter(name)
        rows.append(
            {
                "name": name,
                "summary": emitter.summary,
                "refuses": [
                    *emitter.refuses,
                    *(["the format_* filters without --inline-formats"] * emitter.formats_inline),
                ],
                "helpers": emitter.helpers,
            }
        )
    if as_json:
        print_json(rows)
        return
    for row in rows:
        click.echo(f"{row['name']}: {row['summary']}")
        if row["refuses"]:
            click.echo("  refuses: " + "; ".join(row["refuses"]))
        if row["helpers"]:
            click.echo(f"  needs: {row['helpers']}")
