"""`tmplkit gallery`: every message as a static site; `tmplkit preview`: the same, served."""

from __future__ import annotations

import sys

import click

from .common import Context, json_option, pass_ctx, print_json


@click.command("gallery")
@click.argument("source", required=False)
@click.option(
    "-o",
    "--output",
    required=True,
    metavar="DIR",
    type=click.Path(file_okay=False),
    help="The directory to write the site into (replaced as a whole).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Replace DIR even if it is not empty and not a previous gallery.",
)
@json_option
@pass_ctx
def gallery_command(
    obj: Context, source: str | None, output: str, force: bool, as_json: bool
) -> None:
    """Write every template × locale as a page of a static site, with an index.

    \b
    Each page shows the subject, the HTML part at 600 and 375 px, the text part,
    each channel part (SMS encoding and segments), the translations that fell
    back, and the template's and draft's ids; a template that does not render
    shows its error. Locales: the source locale, the project's, and the
    pseudo-locales qps-ploc and qps-plocm. SOURCE (a template id or slug path)
    limits the site to one template.

    \b
    Examples:
      tmplkit gallery -o site
      tmplkit gallery -o site acme-shop/account/password-reset --json
    """
    from ..preview.gallery import Progress, build_gallery

    with Progress.on_terminal() as progress:
        report = build_gallery(obj.project, output, source, force=force, progress=progress)
    if as_json:
        print_json(report.to_json())
    else:
        click.echo(
            f"{output}: {len(report.pages)} pages ({len(report.missing)} with missing "
            f"translations, {len(report.errors)} errors); open {output}/index.html"
        )
    for page in report.errors:
        click.echo(f"error: {page.path}: {page.error}", err=True)
    if report.errors:
        sys.exit(1)
