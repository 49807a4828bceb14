"""`tmplkit init` and the project's objects: workspaces, folders, templates, drafts and their
workflow, blocks."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..datafile import source_text
from ..errors import TmplkitError
from ..model import Draft, DraftStatus, Folder, Template
from ..store import init_project, join_and
from .common import Context, json_option, pass_ctx, print_fields, print_json, print_table

# --- init ----------------------------------------------------------------------------------


@click.command()
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


@click.group()
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


@click.group()
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


@click.group()
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
    """Delete a template with all its drafts and its catalogs (one per locale).

    What it removes is listed: before the question at a terminal, and after with --yes.

    \b
    Example:
      tmplkit template delete tem_01m2tk2hrwq2n4kgkyppv1bnkx --yes
    """
    from ..i18n.extract import catalog_path

    project = obj.project
    t = project.templates.get(ref)
    drafts = project.drafts.list(t.id)
    # The catalogs the store deletes with the template: its .po in each locales/<lang>/.
    locales = project.root / "locales"
    catalogs = [
        path
        for path in (
            catalog_path(project, d.name, t)
            for d in (sorted(locales.iterdir()) if locales.is_dir() else [])
            if d.is_dir() and not d.name.startswith(".")
        )
        if path.is_file()
    ]
    what = (
        f"template {t.id} ({t.name}), its {len(drafts)} draft{'s' * (len(drafts) != 1)} and "
        f"its {len(catalogs)} catalog{'s' * (len(catalogs) != 1)}"
    )
    listing = [
        f"  {project.relpath(t.dir)}/",
        *(f'  {project.relpath(d.dir)}/ (draft "{d.name}", {d.state})' for d in drafts),
        *(f"  {project.relpath(c)}" for c in catalogs),
    ]
    if not yes:
        if not sys.stdin.isatty():
            raise TmplkitError(f"refusing to delete template {t.id} without --yes")
        click.echo("This removes:\n" + "\n".join(listing))
        click.confirm(f"Delete {what}?", abort=True)
    project.templates.delete(t.id)
    click.echo(f"Deleted {what}:")
    click.echo("\n".join(listing))


# --- drafts --------------------------------------------------------------------------------


@click.group()
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
        from ..review import DraftProblems, transition

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
    d = obj.project.drafts.write_part(id, part, read_file_argument(file))
    click.echo(f"Wrote the {part} part of draft {d.id}")


# --- blocks --------------------------------------------------------------------------------


@click.group()
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


# --- draft diff, block write, folder rename|delete, template move ---------------------------


def read_file_argument(file: str) -> str:
    """The text of a FILE argument, `-` for stdin, decoded as template sources are."""
    from ..template.parse import read_source

    if file == "-":
        stdin = getattr(sys.stdin, "buffer", None)  # a text-only stdin (tests) has none
        return source_text(stdin.read() if stdin else sys.stdin.read().encode(), "<stdin>")
    return read_source(Path(file), file)


def draft_texts(obj: Context, d: Draft) -> tuple[dict[str, str], dict[str, str] | None]:
    """What `draft diff` compares of a draft: its part files by file name, and for each
    project locale a view of the translations of its strings (None when a part does not
    parse, so its strings are unknown)."""
    from ..i18n.extract import draft_keys
    from ..i18n.workflow import project_locales, read_catalog
    from ..store import PARTS

    project = obj.project
    parts = {PARTS[part]: text for part, text in project.drafts.read_parts(d).items()}
    template = project.drafts.template_of(d)
    try:
        keys = draft_keys(project, template, d)
    except TmplkitError as exc:
        click.echo(f"warning: {d.id}: translations not compared: {exc}", err=True)
        return parts, None
    views = {}
    for locale in project_locales(project):
        catalog = read_catalog(project, locale, template)
        lines = [translation_line(m, catalog.get(m.key)) for m in keys.messages.values()]
        views[f"translations/{locale}"] = "".join(line + "\n" for line in lines)
    return parts, views


def translation_line(key: Any, found: Any) -> str:
    """One string of a draft and its translation in a catalog, on one line:
    `[context] "msgid" | "plural" → "msgstr"` (a plural's forms as a list)."""
    import json

    def quote(text: str) -> str:
        return json.dumps(text, ensure_ascii=False)

    line = f"[{key.context}] " if key.context else ""
    line += quote(key.msgid) + (f" | {quote(key.plural)}" if key.plural else "")
    if found is None or not (found.translations if key.plural else found.translation):
        return f"{line} → (untranslated)"
    if key.plural:
        line += " → [" + ", ".join(quote(t) for t in found.translations) + "]"
    else:
        line += " → " + quote(found.translation)
    return line + (" (fuzzy)" if found.fuzzy else "")


@draft.command("diff")
@click.argument("id")
@click.argument("other", required=False)
@click.option("--stat", is_flag=True, help="Only each file's count of changed lines, and totals.")
@click.option(
    "--color/--no-color",
    "color",
    default=None,
    help="Colour the diff, or not (default: only when stdout is a terminal).",
)
@json_option
@pass_ctx
def draft_diff(
    obj: Context, id: str, other: str | None, stat: bool, color: bool | None, as_json: bool
) -> None:
    """Show what draft ID changes, compared with draft OTHER.

    A unified diff (a/ is OTHER, by default the template's published draft; b/ is ID) of
    the part files, then of the translations of the drafts' strings in each project locale
    (translations/LOCALE: one line per string, `"msgid" → "msgstr"`).

    Exit code: 0 when they are the same, 1 when they differ, 2 when they cannot be compared
    (as diff(1)).

    \b
    Examples:
      tmplkit draft diff tdft_01m6nf8m8xx9h83sqfyac5qdqp
      tmplkit draft diff tdft_01m6nf8m8xx9h83sqfyac5qdqp --stat
    """
    from ..store.diff import colored, diff_texts, stat_lines

    try:
        new = obj.project.drafts.get(id)
        template = obj.project.drafts.template_of(new)
        if other is None:
            other = template.published_draft_id
            if other is None:
                raise TmplkitError(
                    f"template {template.id} ({template.name}) has no published draft "
                    f"to compare draft {new.id} with",
                    hint="name the draft to compare it with: tmplkit draft diff ID OTHER",
                )
            if other == new.id:
                raise TmplkitError(
                    f"draft {new.id} is the published draft of template {template.id}: "
                    "nothing to compare it with",
                    hint="name the draft to compare it with: tmplkit draft diff ID OTHER",
                )
        old = obj.project.drafts.get(other)
        old_parts, old_views = draft_texts(obj, old)
        new_parts, new_views = draft_texts(obj, new)
    except TmplkitError as exc:
        exc.exit_code = 2  # as diff(1): 1 means "they differ"
        raise
    diffs = diff_texts(old_parts, new_parts)
    if old_views is not None and new_views is not None:
        diffs += diff_texts(old_views, new_views)
    if as_json:
        print_json(
            {
                "from": {"id": old.id, "name": old.name, "templateId": old.template_id},
                "to": {"id": new.id, "name": new.name, "templateId": new.template_id},
                "different": bool(diffs),
                "files": [d.to_json() for d in diffs],
            }
        )
    else:
        color = sys.stdout.isatty() if color is None else color
        if stat:
            lines = stat_lines(diffs, color=color)
        else:
            lines = [line for d in diffs for line in d.lines]
        for line in lines:
            click.echo(colored(line) if color and not stat else line, color=color)
    if diffs:
        sys.exit(1)


@block.command("write")
@click.argument("ref", metavar="BLOCK")
@click.option("--part", type=click.Choice(["html", "text"]), default="html", show_default=True)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True), default="-")
@pass_ctx
def block_write(obj: Context, ref: str, part: str, file: str) -> None:
    """Replace a part of a block with FILE (- or none: stdin).

    BLOCK is the block's id or slug; the file is written atomically.

    \b
    Examples:
      tmplkit block write footer --part html footer.html.j2
      echo 'Acme Shop' | tmplkit block write footer --part text -
    """
    b = obj.project.blocks.write_part(ref, part, read_file_argument(file))
    click.echo(f"Wrote the {part} part of block {b.id} ({b.slug})")


@folder.command("rename")
@click.argument("id")
@click.argument("name")
@json_option
@pass_ctx
def folder_rename(obj: Context, id: str, name: str, as_json: bool) -> None:
    """Rename a folder; its id stays, its catalogs follow.

    A workspace too. Its directory and the catalogs of the templates inside it move at once.

    \b
    Example:
      tmplkit folder rename fdr_01m2fgpt84sdm1efgywbqr3wrz "Purchases"
    """
    f = obj.project.folders.rename(id, name)
    if as_json:
        print_json(f.to_json())
    else:
        click.echo(f"Renamed folder {f.id} to {f.name!r} ({obj.project.relpath(f.dir)})")


def folder_contents_lines(obj: Context, found: Any) -> list[str]:
    """What deleting a folder removes, one line each."""
    rel = obj.project.relpath
    lines = [f"  folder {f.id} ({f.name}): {rel(f.dir)}/" for f in found.folders]
    for t in found.templates:
        drafts = sum(1 for d in found.drafts if d.template_id == t.id)
        lines.append(
            f"  template {t.id} ({t.name}), {drafts} draft{'s' * (drafts != 1)}: {rel(t.dir)}/"
        )
    lines += [f"  catalog {rel(p)}" for p in found.catalogs]
    lines += [f"  file {rel(p)}" for p in found.other_files]
    return lines


@folder.command("delete")
@click.argument("id")
@click.option("--recursive", "-r", is_flag=True, help="Delete a folder that is not empty.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@pass_ctx
def folder_delete(obj: Context, id: str, recursive: bool, yes: bool) -> None:
    """Delete a folder; --recursive: with all it holds.

    A workspace too. A folder that is not empty is refused without --recursive, which
    deletes its folders, its templates with their drafts, and those templates' catalogs.
    Without --yes, it lists what it removes and asks (at a terminal) or refuses.

    \b
    Example:
      tmplkit folder delete fdr_01m2fgpt84sdm1efgywbqr3wrz --recursive --yes
    """
    from ..store.folders import describe, refuse_non_empty

    found = obj.project.folders.contents(id)
    f = found.folder
    what = "workspace" if f.is_workspace else "folder"
    if not recursive:
        refuse_non_empty(found)
    lines = folder_contents_lines(obj, found)
    if not yes:
        if lines:
            click.echo(f"Deleting {what} {f.id} ({f.name}) removes:")
            click.echo("\n".join(lines))
        if not sys.stdin.isatty():
            raise TmplkitError(f"refusing to delete {what} {f.id} without --yes")
        click.confirm(f"Delete {what} {f.id} ({f.name})?", abort=True)
    found = obj.project.folders.delete(f.id, recursive)
    if found.empty:
        click.echo(f"Deleted {what} {f.id} ({f.name})")
    else:
        click.echo(f"Deleted {what} {f.id} ({f.name}) with {describe(found)}:")
        click.echo("\n".join(folder_contents_lines(obj, found)))


@template.command("move")
@click.argument("ref", metavar="ID")
@click.option(
    "--folder", "folder_id", required=True, metavar="ID", help="The folder to move it to."
)
@json_option
@pass_ctx
def template_move(obj: Context, ref: str, folder_id: str, as_json: bool) -> None:
    """Move a template, with its drafts and catalogs, to --folder.

    All of it moves in one transaction. Its id and slug stay; its slug path changes.

    \b
    Example:
      tmplkit template move tem_01m2tk2hrwq2n4kgkyppv1bnkx --folder fdr_01m2fgpt84sdm1efgywbqr3wrz
    """
    t = obj.project.templates.move(ref, folder_id)
    if as_json:
        print_json(t.to_json())
    else:
        click.echo(f"Moved template {t.id} ({t.name}) to {obj.project.relpath(t.dir)}")
