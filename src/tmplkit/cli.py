"""The `tmplkit` command line: parse arguments, call the library, print. No business logic here."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, TypeVar, cast

import click

from . import __version__
from .compiler import compile_parts
from .datafile import source_text
from .errors import TmplkitError, storage_error
from .model import Draft, DraftStatus, Folder, Template
from .parse import read_source
from .pipeline import count_warnings, load_data_file, parse_data, resolve
from .render import Renderer
from .store import (
    CHANNEL_PARTS,
    Project,
    atomic_write,
    init_project,
    is_special,
    join_and,
    open_project,
)
from .targets import TARGETS, get_emitter
from .variables import of_sources, schema_title, strict_problems

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Context:
    project_dir: str | None
    debug: bool
    _project: Project | None = None

    @property
    def project(self) -> Project:
        if self._project is None:
            self._project = open_project(self.project_dir)
        return self._project

    def maybe_project(self) -> Project | None:
        """The project if one is named or found; None for standalone-file commands."""
        if self.project_dir is None:
            return None
        return self.project


pass_ctx = click.make_pass_decorator(Context)


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


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="""\b
Examples:
  tmplkit init my-templates
  tmplkit template list
  tmplkit render acme-shop/orders/order-confirmation --format text
  tmplkit compile tem_01m2n5d9rf9y9x6nmxjjscqfn0 --target jinja -o order.html.j2

The project is --project DIR, else $TMPLKIT_PROJECT, else the nearest tmplkit.toml
above the current folder (like git).""",
)
@click.option(
    "--project",
    "project_dir",
    metavar="DIR",
    type=click.Path(file_okay=False),
    help="The project directory (default: $TMPLKIT_PROJECT or found upwards).",
)
@click.option("--debug", is_flag=True, help="Show a traceback on errors.")
@click.version_option(__version__, "--version", prog_name="tmplkit")
@click.pass_context
def cli(ctx: click.Context, project_dir: str | None, debug: bool) -> None:
    """Message templates and their translations: manage, localize, compile, render."""
    ctx.obj = Context(project_dir, debug)


# --- init ----------------------------------------------------------------------------------


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--name", help="The project's name (default: the directory name).")
def init(directory: str, name: str | None) -> None:
    """Create a new project in DIRECTORY.

    \b
    Example:
      tmplkit init my-templates
    """
    project = init_project(directory, name)
    click.echo(f"Initialized tmplkit project {project.settings.name!r} in {project.root}")


# --- workspaces and folders ----------------------------------------------------------------


def folder_rows(folders: list[Folder]) -> list[list[str]]:
    return [[f.id, f.name, f.slug, f.description] for f in folders]


@cli.group()
def workspace() -> None:
    """Workspaces: the top-level folders."""


@workspace.command("list")
@json_option
@pass_ctx
def workspace_list(obj: Context, as_json: bool) -> None:
    """List workspaces.

    \b
    Example:
      tmplkit workspace list --json
    """
    items = obj.project.workspaces.list()
    if as_json:
        print_json([w.to_json() for w in items])
    else:
        print_table(folder_rows(items), ["ID", "NAME", "SLUG", "DESCRIPTION"])


def show_folder(obj: Context, folder: Folder, as_json: bool) -> None:
    subfolders = obj.project.folders.subfolders(folder.id)
    if as_json:
        print_json(folder.to_json(subfolders))
        return
    print_fields(
        [
            ("id", folder.id),
            ("name", folder.name),
            ("description", folder.description),
            ("directory", obj.project.relpath(folder.dir)),
            ("parent", folder.parent_id or "(workspace)"),
            ("subfolders", ", ".join(f"{f.id} ({f.name})" for f in subfolders) or "none"),
            ("created", folder.created_at),
            ("updated", folder.updated_at),
        ]
    )


@workspace.command("show")
@click.argument("id")
@json_option
@pass_ctx
def workspace_show(obj: Context, id: str, as_json: bool) -> None:
    """Show a workspace and its folders."""
    show_folder(obj, obj.project.workspaces.get(id), as_json)


@workspace.command("create")
@click.argument("name")
@click.option("--description", default="", help="A description.")
@json_option
@pass_ctx
def workspace_create(obj: Context, name: str, description: str, as_json: bool) -> None:
    """Create a workspace named NAME.

    \b
    Example:
      tmplkit workspace create "Acme Shop"
    """
    created = obj.project.workspaces.create(name, description)
    report_created(obj, "workspace", created.id, created.dir, created.to_json(), as_json)


def report_created(
    obj: Context, what: str, id: str, directory: Path, data: dict[str, Any], as_json: bool
) -> None:
    if as_json:
        print_json(data)
    else:
        click.echo(f"Created {what} {id} in {obj.project.relpath(directory)}")


@cli.group()
def folder() -> None:
    """Folders inside workspaces."""


@folder.command("create")
@click.option("--parent", required=True, metavar="ID", help="The parent workspace or folder.")
@click.argument("name")
@click.option("--description", default="", help="A description.")
@json_option
@pass_ctx
def folder_create(obj: Context, parent: str, name: str, description: str, as_json: bool) -> None:
    """Create a folder named NAME inside --parent.

    \b
    Example:
      tmplkit folder create --parent fdr_01m2fgk51kmqs79c482bxrdnch Orders
    """
    created = obj.project.folders.create(name, parent, description)
    report_created(obj, "folder", created.id, created.dir, created.to_json(), as_json)


@folder.command("show")
@click.argument("id")
@json_option
@pass_ctx
def folder_show(obj: Context, id: str, as_json: bool) -> None:
    """Show a folder and its subfolders."""
    show_folder(obj, obj.project.folders.get(id), as_json)


@folder.command("list")
@click.option("--parent", metavar="ID", help="Only the folders directly inside this one.")
@json_option
@pass_ctx
def folder_list(obj: Context, parent: str | None, as_json: bool) -> None:
    """List every folder (workspaces included)."""
    items = obj.project.folders.list(parent) if parent else obj.project.folders.all()
    if as_json:
        print_json([f.to_json() for f in items])
    else:
        rows = [[f.id, f.name, obj.project.relpath(f.dir), f.parent_id or "-"] for f in items]
        print_table(rows, ["ID", "NAME", "DIRECTORY", "PARENT"])


# --- templates -----------------------------------------------------------------------------


@cli.group()
def template() -> None:
    """Templates: each has drafts, one of them published."""


def template_rows(obj: Context, items: list[Template]) -> list[list[str]]:
    return [
        [
            t.id,
            t.name,
            obj.project.relpath(t.dir).removeprefix("workspaces/"),
            t.published_draft_id or "-",
        ]
        for t in items
    ]


@template.command("list")
@click.option("--folder", "folder_id", metavar="ID", help="Only templates inside this folder.")
@click.option("--name", metavar="TEXT", help="Only templates whose name contains TEXT.")
@json_option
@pass_ctx
def template_list(obj: Context, folder_id: str | None, name: str | None, as_json: bool) -> None:
    """List templates.

    \b
    Examples:
      tmplkit template list
      tmplkit template list --name order --json
    """
    items = obj.project.templates.list(folder_id, name)
    if as_json:
        print_json([t.to_json() for t in items])
    else:
        print_table(template_rows(obj, items), ["ID", "NAME", "PATH", "PUBLISHED DRAFT"])


@template.command("show")
@click.argument("ref", metavar="ID")
@json_option
@pass_ctx
def template_show(obj: Context, ref: str, as_json: bool) -> None:
    """Show a template (by id or slug path) and its drafts."""
    t = obj.project.templates.get(ref)
    drafts = obj.project.drafts.list(t.id)
    if as_json:
        data = t.to_json()
        data["drafts"] = [draft_json(obj, d) for d in drafts]
        print_json(data)
        return
    print_fields(
        [
            ("id", t.id),
            ("name", t.name),
            ("description", t.description),
            ("directory", obj.project.relpath(t.dir)),
            ("path", t.path),
            ("published draft", t.published_draft_id or "none"),
            ("created", t.created_at),
            ("updated", t.updated_at),
        ]
    )
    click.echo("drafts:")
    for d in drafts:
        mark = " (published)" if d.id == t.published_draft_id else ""
        click.echo(f"  {d.id}  {d.state:<22}  {d.name}{mark}")
    if t.history:
        click.echo("history:")
        for h in t.history:
            click.echo(f"  {h.published_at}  published {h.draft_id}")


@template.command("create")
@click.option("--folder", "folder_id", required=True, metavar="ID", help="The folder to put it in.")
@click.argument("name")
@click.option("--description", default="", help="A description.")
@json_option
@pass_ctx
def template_create(
    obj: Context, folder_id: str, name: str, description: str, as_json: bool
) -> None:
    """Create a template named NAME, with a first draft in progress.

    \b
    Example:
      tmplkit template create --folder fdr_01m2fgpt84sdm1efgywbqr3wrz "Order cancelled"
    """
    created = obj.project.templates.create(folder_id, name, description)
    report_created(obj, "template", created.id, created.dir, created.to_json(), as_json)


@template.command("rename")
@click.argument("ref", metavar="ID")
@click.argument("name")
@json_option
@pass_ctx
def template_rename(obj: Context, ref: str, name: str, as_json: bool) -> None:
    """Rename a template; its id, drafts and history stay.

    \b
    Example:
      tmplkit template rename tem_01m2tk2hrwq2n4kgkyppv1bnkx "Welcome aboard"
    """
    t = obj.project.templates.rename(ref, name)
    if as_json:
        print_json(t.to_json())
    else:
        click.echo(f"Renamed template {t.id} to {t.name!r} ({obj.project.relpath(t.dir)})")


@template.command("delete")
@click.argument("ref", metavar="ID")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@pass_ctx
def template_delete(obj: Context, ref: str, yes: bool) -> None:
    """Delete a template with all its drafts.

    \b
    Example:
      tmplkit template delete tem_01m2tk2hrwq2n4kgkyppv1bnkx --yes
    """
    t = obj.project.templates.get(ref)
    if not yes:
        if not sys.stdin.isatty():
            raise TmplkitError(f"refusing to delete template {t.id} without --yes")
        click.confirm(f"Delete template {t.id} ({t.name}) and all its drafts?", abort=True)
    obj.project.templates.delete(t.id)
    click.echo(f"Deleted template {t.id} ({t.name})")


# --- drafts --------------------------------------------------------------------------------


@cli.group()
def draft() -> None:
    """Drafts and their workflow: submit, approve or reject, lock for translation, archive."""


def draft_json(obj: Context, d: Draft) -> dict[str, Any]:
    data = d.to_json(obj.project.drafts.template_of(d))
    changes = obj.project.drafts.changes(d)
    data["modified"] = bool(changes)
    if changes:  # what changed since it was frozen: "files" (its parts), "blocks/NAME"
        data["changed"] = changes
    return data


@draft.command("list")
@click.option("--template", "template_ref", metavar="ID", help="Only drafts of this template.")
@click.option(
    "--status",
    type=click.Choice([*(s.value for s in DraftStatus), "ARCHIVED"], case_sensitive=False),
    help="Only drafts in this state.",
)
@json_option
@pass_ctx
def draft_list(obj: Context, template_ref: str | None, status: str | None, as_json: bool) -> None:
    """List drafts.

    \b
    Examples:
      tmplkit draft list --status PENDING_APPROVAL
      tmplkit draft list --template tem_01m2n5d9rf9y9x6nmxjjscqfn0 --json
    """
    items = obj.project.drafts.list(template_ref, status)
    if as_json:
        print_json([draft_json(obj, d) for d in items])
        return
    templates = {t.id: t for t in obj.project.templates.list()}
    rows = []
    for d in items:
        t = templates[d.template_id]
        published = " (published)" if t.published_draft_id == d.id else ""
        rows.append([d.id, d.state + published, d.name, t.name])
    print_table(rows, ["ID", "STATUS", "NAME", "TEMPLATE"])


@draft.command("show")
@click.argument("id")
@json_option
@pass_ctx
def draft_show(obj: Context, id: str, as_json: bool) -> None:
    """Show a draft: state, template, files."""
    d = obj.project.drafts.get(id)
    if as_json:
        print_json(draft_json(obj, d))
        return
    t = obj.project.drafts.template_of(d)
    parts = obj.project.drafts.read_parts(d)
    changes = obj.project.drafts.changes(d)
    print_fields(
        [
            ("id", d.id),
            ("name", d.name),
            ("status", d.state + (" (published)" if t.published_draft_id == d.id else "")),
            ("template", f"{t.id} ({t.name})"),
            ("directory", obj.project.relpath(d.dir)),
            ("parts", ", ".join(parts) or "none"),
            (
                "modified",
                f"yes: {join_and(changes)} changed since it was frozen" if changes else "no",
            ),
            ("created", d.created_at),
            ("updated", d.updated_at),
        ]
    )


@draft.command("create")
@click.option("--template", "template_ref", required=True, metavar="ID", help="The template.")
@click.option("--from", "from_draft", metavar="DRAFT", help="Copy this draft (default: published).")
@click.option("--name", help='The draft\'s name (default: "Draft N").')
@json_option
@pass_ctx
def draft_create(
    obj: Context, template_ref: str, from_draft: str | None, name: str | None, as_json: bool
) -> None:
    """Create a draft in progress, copied from --from or the published draft.

    \b
    Example:
      tmplkit draft create --template tem_01m2n5d9rf9y9x6nmxjjscqfn0 --name "Spring sale"
    """
    d = obj.project.drafts.create(template_ref, from_draft, name)
    report_created(obj, "draft", d.id, d.dir, draft_json(obj, d), as_json)


TRANSITION_HELP = {
    "submit": (
        "Submit a draft for approval (IN_PROGRESS or LOCKED → PENDING_APPROVAL).",
        "submitted",
    ),
    "approve": ("Approve a pending draft: it becomes the template's published draft.", "approved"),
    "reject": ("Reject a pending draft: back to IN_PROGRESS.", "rejected"),
    "lock": ("Lock a draft for translation: its content is frozen.", "locked"),
    "unlock": ("Unlock a draft locked for translation: back to IN_PROGRESS.", "unlocked"),
    "duplicate": ("Copy any draft into a new draft in progress.", "duplicated"),
    "archive": ("Archive a draft (not the published one).", "archived"),
}


def make_transition(action: str) -> None:
    summary, done = TRANSITION_HELP[action]

    @json_option
    @click.argument("id")
    @pass_ctx
    def command(obj: Context, id: str, as_json: bool) -> None:
        from .review import DraftProblems, transition

        try:  # submit and lock check that the draft parses and renders first
            d = transition(obj.project, id, action)
        except DraftProblems as exc:
            for problem in exc.problems:
                click.echo(f"error: {problem}", err=True)
            raise
        if as_json:
            print_json(draft_json(obj, d))
        elif action == "duplicate":
            click.echo(f"Duplicated {id} as draft {d.id} ({d.name}): {d.state}")
        else:
            click.echo(f"Draft {d.id} {done}: {d.state}")

    command.__doc__ = f"{summary}\n\n\b\nExample:\n  tmplkit draft {action} tdft_…"
    draft.command(action)(command)


for _action in TRANSITION_HELP:
    make_transition(_action)


@draft.command("write")
@click.argument("id")
@click.option(
    "--part",
    type=click.Choice(["subject", "html", "text", "sms", "push", "chat"]),
    default="html",
    show_default=True,
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@pass_ctx
def draft_write(obj: Context, id: str, part: str, file: str) -> None:
    """Replace a part of a draft in progress with FILE (- for stdin).

    \b
    Examples:
      tmplkit draft write tdft_… --part subject subject.j2
      tmplkit draft write tdft_… --part sms sms.txt.j2
    """
    if file == "-":
        stdin = getattr(sys.stdin, "buffer", None)  # a text-only stdin (tests) has none
        source = source_text(stdin.read() if stdin else sys.stdin.read().encode(), "<stdin>")
    else:
        source = read_source(Path(file), file)
    d = obj.project.drafts.write_part(id, part, source)
    click.echo(f"Wrote the {part} part of draft {d.id}")


# --- blocks --------------------------------------------------------------------------------


@cli.group()
def block() -> None:
    """Reusable blocks, included with {% include "blocks/SLUG" %}."""


@block.command("list")
@json_option
@pass_ctx
def block_list(obj: Context, as_json: bool) -> None:
    """List blocks."""
    items = obj.project.blocks.list()
    if as_json:
        print_json([b.to_json() for b in items])
    else:
        print_table([[b.id, b.slug, b.name] for b in items], ["ID", "SLUG", "NAME"])


@block.command("show")
@click.argument("ref", metavar="ID")
@json_option
@pass_ctx
def block_show(obj: Context, ref: str, as_json: bool) -> None:
    """Show a block (by id or slug)."""
    b = obj.project.blocks.get(ref)
    if as_json:
        print_json(b.to_json())
        return
    print_fields(
        [
            ("id", b.id),
            ("name", b.name),
            ("slug", b.slug),
            ("include", f'{{% include "blocks/{b.slug}" %}}'),
            ("description", b.description),
            ("directory", obj.project.relpath(b.dir)),
            ("parts", ", ".join(obj.project.blocks.read_parts(b)) or "none"),
        ]
    )


@block.command("create")
@click.argument("name")
@click.option("--description", default="", help="A description.")
@json_option
@pass_ctx
def block_create(obj: Context, name: str, description: str, as_json: bool) -> None:
    """Create a block named NAME.

    \b
    Example:
      tmplkit block create "Legal footer"
    """
    b = obj.project.blocks.create(name, description)
    report_created(obj, "block", b.id, b.dir, b.to_json(), as_json)


# --- render and compile --------------------------------------------------------------------

SOURCE_HELP = (
    "SOURCE is a template id (tem_…), a draft id (tdft_…), a template's slug path "
    "(acme-shop/orders/order-confirmation), a template or draft directory, or a .j2 file."
)


def load_data(data: str | None, sources: Any) -> dict[str, Any]:
    if data == "-":
        return parse_data(sys.stdin.read(), "<stdin>")
    if data:
        return load_data_file(Path(data))
    sample: dict[str, Any] | None = sources.sample_data()
    return sample or {}


@cli.command()
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
    sources = resolve(source, obj.maybe_project(), draft_id)
    if fmt in CHANNEL_PARTS and fmt not in sources.parts:
        raise TmplkitError(f"{source} has no {fmt} part ({CHANNEL_PARTS[fmt]})")
    values = load_data(data, sources)
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


@cli.command("render-batch")
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
@workers_option("Render on N processes (same output).")
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
    locale_field: str | None,
    locale: str | None,
    out: str,
    workers: int,
    fail_fast: bool,
    strict: bool,
    draft_id: str | None,
    as_json: bool,
) -> None:
    """Render SOURCE for every recipient of a file, as JSONL in the file's order.

    \b
    Each output line is the message as `render --format json` prints it, with "line" (the
    recipient's line in FILE) and "locale"; a bad record's line is {"line": N, "error": ...},
    also printed on stderr as `error: FILE:LINE: reason`. The summary goes to stderr (with
    --json: a JSON object, on stdout when --out is a file). Exit 1 if any record failed.

    \b
    Examples:
      tmplkit render-batch acme-shop/orders/order-confirmation --recipients orders.jsonl \\
          --locale-field locale --out messages.jsonl --workers 2
      tmplkit render-batch welcome.html.j2 --recipients users.csv --fail-fast
    """
    from .batch import open_output, render_batch, report_batch

    run = render_batch(
        source,
        recipients,
        project=obj.maybe_project(),
        draft=draft_id,
        locale_field=locale_field,
        default_locale=locale,
        workers=workers,
        strict=strict,
        fail_fast=fail_fast,
        jsonl=True,
    )
    with run, open_output(out) as output:
        summary = report_batch(run, output.stream, sys.stderr, path=output.path)
    if as_json:
        text = json.dumps(summary.to_json(), indent=2, ensure_ascii=False)
        click.echo(text, err=out == "-")
    else:
        for line in summary.text():
            click.echo(line, err=True)
    if summary.failed:
        sys.exit(1)


@cli.command("compile")
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
    type=click.Choice(TARGETS),
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
    locale: str | None,
    strict: bool,
    part: str | None,
    output: str | None,
    inline_formats: bool,
    no_inline: bool,
    as_json: bool,
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
    if all_templates:
        if source or draft_id or part:
            raise click.UsageError(
                "--all compiles every published template: no SOURCE, --draft or --part"
            )
        if not output:
            raise click.UsageError("--all needs -o DIR")
        compile_all_command(
            obj.project, target, output, locale, strict, inline_formats, not no_inline, as_json
        )
        return
    if source is None:
        raise click.UsageError("missing SOURCE (or --all)")
    compiled = compile_parts(
        source,
        target,
        project=obj.maybe_project(),
        draft=draft_id,
        locale=locale,
        strict=strict,
        inline_formats=inline_formats,
        inline_styles=not no_inline,
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


def compile_all_command(
    project: Project,
    target: str,
    output: str,
    locale: str | None,
    strict: bool,
    inline_formats: bool,
    inline_styles: bool,
    as_json: bool,
) -> None:
    """`compile --all`: the tree and manifest written, each file listed; refusals as error
    lines (exit 1) after everything that could be compiled is written."""
    from .compile_all import Progress, compile_all, summary_json

    with Progress.on_terminal() as progress:
        build, changes = compile_all(
            project,
            target,
            output,
            locale=locale,
            strict=strict,
            inline_formats=inline_formats,
            inline_styles=inline_styles,
            progress=progress,
        )
    warn(build.warnings)
    if as_json:
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


@cli.command("variables")
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
    sources = resolve(source, obj.maybe_project(), draft_id)
    found = of_sources(sources)
    if fmt == "jsonschema":
        print_json(found.json_schema(schema_title(sources)))
    elif as_json or fmt == "json":
        print_json(found.to_json())
    else:
        rows = [(v.path, v.type, "yes" if v.required else "no", v.source) for v in found]
        print_table(rows, ["PATH", "TYPE", "REQUIRED", "FROM"])


@cli.command("sms-report")
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
    from .sms import report, show_chars

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


# --- localization ----------------------------------------------------------------------------


def warn(lines: Sequence[str]) -> None:
    for line in lines:
        click.echo(f"warning: {line}", err=True)


def write_output(output: str, text: str) -> None:
    """An -o FILE, atomically; a full disk is one line naming it, and the old file stays.

    A FILE that is not a regular file (/dev/null, /dev/stdout, a named pipe) is written into,
    as a shell's `>` does: renaming over it would replace the device with a file.
    """
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


MAX_PROBLEMS = 50  # problems an import prints before it only counts the rest

owner_options = [
    click.option("--template", "template_ref", metavar="ID", help="Only this template's catalog."),
    click.option("--block", "block_ref", metavar="ID", help="Only this block's catalog."),
]


def with_owner(fn: F) -> F:
    for option in reversed(owner_options):
        fn = option(fn)
    return fn


@cli.group()
def i18n() -> None:
    """Translations: extract keys, import and export PO/JSON, update, status, check.

    \b
    Catalogs live in locales/<language>/<template path>.po and locales/<language>/blocks/.
    """


@i18n.command("extract")
@click.argument("source", required=False)
@click.option("--all", "all_", is_flag=True, help="Every template and block (the default).")
@click.option("--block", "block_ref", metavar="ID", help="A block's keys.")
@click.option(
    "--format", "fmt", type=click.Choice(["pot", "json"]), default="pot", show_default=True
)
@click.option("-o", "--output", metavar="FILE", help="Write to FILE (atomically), not stdout.")
@pass_ctx
def i18n_extract(
    obj: Context,
    source: str | None,
    all_: bool,
    block_ref: str | None,
    fmt: str,
    output: str | None,
) -> None:
    """Extract the translation keys of SOURCE (a template, or a .j2 file), a block, or all.

    \b
    Examples:
      tmplkit i18n extract --all -o messages.pot
      tmplkit i18n extract acme-shop/orders/order-confirmation --format json
      tmplkit i18n extract --block footer
    """
    from .i18n.catalog import Catalog, keys_json, po_text
    from .i18n.extract import extract_source
    from .i18n.workflow import extract, resolve_owner

    if source and (all_ or block_ref):
        raise TmplkitError("give SOURCE, --block or --all, not several")
    if source and Path(source).is_file():
        catalog = extract_source(Path(source).read_text("utf-8"), source, Catalog())
    else:
        project = obj.project
        owner = resolve_owner(project, source, block_ref)
        catalog = extract(project, owner)
        catalog.project = project.settings.name
    text = keys_json(catalog) if fmt == "json" else po_text(catalog, template=True)
    write_or_print(text, output)


@i18n.command("import")
@click.argument("locale")
@click.argument("file", type=click.Path(dir_okay=False))
@with_owner
@click.option("--format", "fmt", type=click.Choice(["po", "json"]), help="Default: by extension.")
@click.option("--dry-run", is_flag=True, help="Validate and report; write nothing.")
@click.option("--replace", is_flag=True, help="Replace all translations (Dyspatch's PUT).")
@click.option("--force", is_flag=True, help="Let --replace remove translations the file lacks.")
@click.option(
    "--force-language",
    is_flag=True,
    help="Import a PO file whose Language header names another language than LOCALE.",
)
@json_option
@pass_ctx
def i18n_import(
    obj: Context,
    locale: str,
    file: str,
    template_ref: str | None,
    block_ref: str | None,
    fmt: str | None,
    dry_run: bool,
    replace: bool,
    force: bool,
    force_language: bool,
    as_json: bool,
) -> None:
    """Import LOCALE's translations from FILE (PO, or JSON keyed by source string).

    Everything is validated first (placeholders, plural forms, HTML tags, % signs, unknown
    keys); with any problem, each is reported and nothing is written. A PO file's plural
    forms are read by its own Plural-Forms header and mapped onto LOCALE's CLDR rule.

    \b
    Examples:
      tmplkit i18n import fr-FR fr.po
      tmplkit i18n import de-DE de.json --template acme-shop/orders/order-confirmation
      tmplkit i18n import pl-PL pl.po --dry-run
    """
    from .i18n.workflow import Format, import_translations, resolve_owner

    project = obj.project
    owner = resolve_owner(project, template_ref, block_ref)
    report = import_translations(
        project,
        locale,
        Path(file),
        owner=owner,
        fmt=cast("Format | None", fmt),
        dry_run=dry_run,
        replace=replace,
        force=force,
        force_language=force_language,
    )
    if as_json:
        print_json(report.to_json())
    elif report.ok:
        for warning in report.warnings:
            click.echo(f"warning: {file}: {warning}", err=True)
        verb = "would write" if dry_run else "wrote"
        click.echo(
            f"{report.locale}: {report.translated} translations new or changed, "
            f"{report.unchanged} unchanged; {verb} {len(report.written)} catalogs"
        )
        for path in report.written:
            click.echo(f"  {path}")
    if not report.ok:
        if not as_json:  # the first MAX_PROBLEMS, then a count: a terminal stays readable
            for problem in report.problems[:MAX_PROBLEMS]:
                click.echo(f"error: {problem}", err=True)
            if len(report.problems) > MAX_PROBLEMS:
                more = len(report.problems) - MAX_PROBLEMS
                click.echo(f"error: … and {more} more problems", err=True)
        raise TmplkitError(
            f"{file}: {len(report.problems)} problems; nothing imported",
        )


@i18n.command("export")
@click.argument("locale")
@with_owner
@click.option("--format", "fmt", type=click.Choice(["po", "json"]), default="po", show_default=True)
@click.option("-o", "--output", metavar="FILE", help="Write to FILE (atomically), not stdout.")
@pass_ctx
def i18n_export(
    obj: Context,
    locale: str,
    template_ref: str | None,
    block_ref: str | None,
    fmt: str,
    output: str | None,
) -> None:
    """Export LOCALE's catalog (one template's or block's, or all merged) for translators.

    \b
    Examples:
      tmplkit i18n export fr-FR -o fr-FR.po
      tmplkit i18n export ja-JP --format json --block footer
    """
    from .i18n.workflow import Format, export, resolve_owner

    project = obj.project
    owner = resolve_owner(project, template_ref, block_ref)
    write_or_print(export(project, locale, owner, cast("Format", fmt)), output)


@i18n.command("update")
@click.option("--locale", "locales", multiple=True, metavar="LANG", help="Only these locales.")
@json_option
@pass_ctx
def i18n_update(obj: Context, locales: tuple[str, ...], as_json: bool) -> None:
    """Merge the current keys into every catalog: new keys added, changed ones fuzzy, removed
    ones obsolete (like msgmerge).

    \b
    Example:
      tmplkit i18n update
    """
    from .i18n.workflow import update

    rows = update(obj.project, list(locales) or None)
    if as_json:
        print_json([r.to_json() for r in rows])
        return
    changed = [r for r in rows if r.added or r.fuzzy or r.obsolete]
    for r in changed:
        click.echo(f"{r.file}: {r.added} added, {r.fuzzy} fuzzy, {r.obsolete} obsolete")
    click.echo(f"{len(rows)} catalogs checked, {len(changed)} changed")


def status_table(rows: Sequence[Any]) -> None:
    print_table(
        [
            [r.owner, r.locale, str(r.translated), str(r.fuzzy), str(r.missing), f"{r.percent:g}%"]
            for r in rows
        ],
        ["TEMPLATE/BLOCK", "LOCALE", "TRANSLATED", "FUZZY", "MISSING", "DONE"],
    )


@i18n.command("status")
@click.option("--locale", "locales", multiple=True, metavar="LANG", help="Only these locales.")
@json_option
@pass_ctx
def i18n_status(obj: Context, locales: tuple[str, ...], as_json: bool) -> None:
    """Per template and block × locale: translated, fuzzy, missing; with --json, also what a
    template's SMS part costs in each locale (an "sms" object, as `tmplkit sms-report` measures).

    \b
    Example:
      tmplkit i18n status --locale pl-PL
    """
    from .i18n.workflow import status

    rows = status(obj.project, list(locales) or None, sms=as_json)
    if as_json:
        print_json([r.to_json() for r in rows])
    else:
        status_table(rows)


@i18n.command("check")
@click.option("--min-percent", type=click.FloatRange(0, 100), default=100, show_default=True)
@click.option("--locale", "locales", multiple=True, metavar="LANG", help="Only these locales.")
@json_option
@pass_ctx
def i18n_check(obj: Context, min_percent: float, locales: tuple[str, ...], as_json: bool) -> None:
    """Exit non-zero when a catalog is less than --min-percent translated (for CI).

    \b
    Example:
      tmplkit i18n check --min-percent 95
    """
    from .i18n.workflow import status

    rows = status(obj.project, list(locales) or None)
    below = [r for r in rows if r.percent < min_percent]
    if as_json:
        print_json({"minPercent": min_percent, "below": [r.to_json() for r in below]})
    elif below:
        status_table(below)
    if below:
        raise TmplkitError(f"{len(below)} catalogs are below {min_percent:g}% translated")
    if not as_json:
        click.echo(f"all {len(rows)} catalogs are at least {min_percent:g}% translated")


@cli.group()
def localization() -> None:
    """A draft's localizations: the languages it is translated into."""


def draft_option(fn: F) -> F:
    return click.option("--draft", "draft_id", required=True, metavar="ID", help="The draft.")(fn)


@localization.command("list")
@draft_option
@json_option
@pass_ctx
def localization_list(obj: Context, draft_id: str, as_json: bool) -> None:
    """List a draft's localizations.

    \b
    Example:
      tmplkit localization list --draft tdft_01m6gcf97zxybbb8msg2ee1s2d
    """
    d = obj.project.drafts.get(draft_id)
    if as_json:
        print_json([loc.to_json() for loc in d.localizations])
    else:
        print_table(
            [[loc.id, ", ".join(loc.languages), loc.name] for loc in d.localizations],
            ["ID", "LANGUAGE", "NAME"],
        )


@localization.command("add")
@draft_option
@click.argument("language")
@json_option
@pass_ctx
def localization_add(obj: Context, draft_id: str, language: str, as_json: bool) -> None:
    """Add LANGUAGE (BCP 47, e.g. fr-FR) to a draft's localizations.

    \b
    Example:
      tmplkit localization add --draft tdft_01m6gcf97zxybbb8msg2ee1s2d fr-FR
    """
    loc = obj.project.drafts.add_localization(draft_id, language)
    if as_json:
        print_json(loc.to_json())
    else:
        click.echo(f"Added localization {loc.id}: {loc.name} ({', '.join(loc.languages)})")


@localization.command("remove")
@draft_option
@click.argument("language")
@pass_ctx
def localization_remove(obj: Context, draft_id: str, language: str) -> None:
    """Remove LANGUAGE (or a localization id) from a draft's localizations.

    \b
    Example:
      tmplkit localization remove --draft tdft_01m6gcf97zxybbb8msg2ee1s2d fr-FR
    """
    loc = obj.project.drafts.remove_localization(draft_id, language)
    click.echo(f"Removed localization {loc.id}: {loc.name}")


@cli.command("targets")
@json_option
def targets_command(as_json: bool) -> None:
    """List the target languages: what each emits, refuses, and needs registered.

    \b
    Example:
      tmplkit targets --json
    """
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


# --- entry point ---------------------------------------------------------------------------


def fail(message: str, code: int = 1) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the CLI: one `error: …` line and exit 1 on bad input; a traceback only with --debug."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        cli.main(args=args, prog_name="tmplkit", standalone_mode=False)
    except click.exceptions.Abort:
        fail("aborted", 1)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        if debug:
            raise
        exc.show()
        sys.exit(exc.exit_code)
    except TmplkitError as exc:
        if debug:
            raise
        fail(str(exc), exc.exit_code)
    except OSError as exc:
        if debug:
            raise
        fail(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "), 1)
    except KeyboardInterrupt:
        fail("interrupted", 130)


# --- hand-off (the commands live in cli_handoff.py and cli_receiver.py) ----------------------


@cli.group("handoff")
def handoff_group() -> None:
    """Hand-off to sending systems."""


from .cli_handoff import (  # noqa: E402 (they import this module)
    journal_group,
    schedule_command,
    send_batch_command,
    send_command,
)
from .cli_receiver import receive_command  # noqa: E402 (it imports this module)

cli.add_command(send_command)
cli.add_command(send_batch_command)
handoff_group.add_command(receive_command)
handoff_group.add_command(schedule_command)
handoff_group.add_command(journal_group)
