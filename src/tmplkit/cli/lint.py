"""`tmplkit lint`: the whole project checked for CI (tmplkit.lint), one line a problem."""

from __future__ import annotations

import sys

import click

from .build import target_names
from .common import Context, RegistryChoice, json_option, pass_ctx, print_json


@click.command("lint")
@click.option(
    "--target",
    "-t",
    "targets",
    multiple=True,
    type=RegistryChoice(target_names),
    help="Compile to this target language (repeatable; default: [project] targets in "
    "tmplkit.toml, else jinja).",
)
@click.option(
    "--inline-formats",
    is_flag=True,
    help="Compile as `compile --inline-formats` does (format filters written into the template).",
)
@click.option(
    "--max-segments",
    type=click.IntRange(min=1),
    metavar="N",
    help="The SMS budget: an SMS part over N segments in any locale is an error.",
)
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
@json_option
@pass_ctx
def lint_command(
    obj: Context,
    targets: tuple[str, ...],
    inline_formats: bool,
    max_segments: int | None,
    strict: bool,
    as_json: bool,
) -> None:
    """Check every template draft (not archived), block, layout and catalog: parse, render
    with the sample data in every locale, compile, translation QA, SMS budget. Exit 1 on
    an error (with --strict, on a warning too).

    \b
    Examples:
      tmplkit lint
      tmplkit lint -t jinja -t liquid --inline-formats --max-segments 2 --json
    """
    from ..errors import TmplkitError
    from ..lint import DEFAULT_TARGETS, lint
    from ..targets import TARGETS

    project = obj.project
    if not targets:
        targets = project.settings.targets or DEFAULT_TARGETS
        for name in targets:
            if name not in TARGETS:
                raise TmplkitError(
                    f"tmplkit.toml: [project] targets: unknown target {name!r}",
                    hint="targets: " + ", ".join(TARGETS),
                )
    report = lint(
        project,
        targets=targets,
        max_segments=max_segments,
        inline_formats=inline_formats,
    )
    if as_json:
        print_json(report.to_json(strict))
    else:
        for problem in report.problems:
            click.echo(problem.text())
        click.echo(report.summary())
    if not report.ok(strict):
        sys.exit(1)
