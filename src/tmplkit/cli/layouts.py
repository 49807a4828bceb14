"""`tmplkit layout list|show|create`: the project's layouts, extended with
{% extends "layouts/SLUG" %}."""

from __future__ import annotations

import click

from .common import Context, json_option, pass_ctx, print_fields, print_json, print_table
from .project import report_created


@click.group()
def layout() -> None:
    """Layouts, extended with {% extends "layouts/SLUG" %}."""


@layout.command("list")
@json_option
@pass_ctx
def layout_list(obj: Context, as_json: bool) -> None:
    """List layouts."""
    items = obj.project.layouts.list()
    if as_json:
        print_json([x.to_json() for x in items])
    else:
        print_table([[x.id, x.slug, x.name] for x in items], ["ID", "SLUG", "NAME"])


@layout.command("show")
@click.argument("ref", metavar="ID")
@json_option
@pass_ctx
def layout_show(obj: Context, ref: str, as_json: bool) -> None:
    """Show a layout (by id or slug) and the blocks a draft extending it can fill."""
    from ..layouts import layout_blocks

    x = obj.project.layouts.get(ref)
    blocks = layout_blocks(obj.project, x)
    if as_json:
        print_json({**x.to_json(), "blocks": blocks})
        return
    print_fields(
        [
            ("id", x.id),
            ("name", x.name),
            ("slug", x.slug),
            ("extends", f'{{% extends "layouts/{x.slug}" %}}'),
            ("description", x.description),
            ("directory", obj.project.relpath(x.dir)),
            ("parts", ", ".join(obj.project.layouts.read_parts(x)) or "none"),
            ("blocks", ", ".join(blocks) or "none"),
        ]
    )


@layout.command("create")
@click.argument("name")
@click.option("--description", default="", help="A description.")
@json_option
@pass_ctx
def layout_create(obj: Context, name: str, description: str, as_json: bool) -> None:
    """Create a layout named NAME, with a block "content" for drafts to fill.

    \b
    Example:
      tmplkit layout create "Base"
    """
    x = obj.project.layouts.create(name, description)
    report_created(obj, "layout", x.id, x.dir, x.to_json(), as_json)
