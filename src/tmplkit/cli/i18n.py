"""Translations: `tmplkit i18n` (catalogs: extract, import, export, update, status, check) and
`tmplkit localization` (the languages a draft is translated into)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Unpack, cast

import click

from ..errors import LocaleError, TmplkitError
from .common import Context, F, json_option, pass_ctx, print_json, print_table, write_or_print

if TYPE_CHECKING:
    from ..i18n.workflow import ImportOptions, Owner
    from ..store import Project

MAX_PROBLEMS = 50  # problems an import prints before it only counts the rest

OWNER_META = "tmplkit.i18n.owner"  # where --template, --block and --layout put what they name


def _remember_owner(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        ctx.meta.setdefault(OWNER_META, {})[param.name] = value


owner_options = [
    click.option(
        f"--{kind}",
        kind,
        metavar="ID",
        help=f"Only this {kind}'s catalog.",
        expose_value=False,
        callback=_remember_owner,
    )
    for kind in ("template", "block", "layout")
]


def with_owner(fn: F) -> F:
    """--template, --block and --layout: the catalog's owner, read with `owner_of`."""
    for option in reversed(owner_options):
        fn = option(fn)
    return fn


def owner_of(project: Project) -> Owner | None:
    """The template, block or layout the command's owner option names (None: every one)."""
    from ..i18n.workflow import resolve_owner

    refs = click.get_current_context().meta.get(OWNER_META, {})
    return resolve_owner(project, refs.get("template"), refs.get("block"), refs.get("layout"))


@click.group()
def i18n() -> None:
    """Translations: extract keys, import and export PO/JSON, update, status, check.

    \b
    Catalogs live in locales/<language>/<template path>.po, locales/<language>/blocks/ and
    locales/<language>/layouts/.
    """


@i18n.command("extract")
@click.argument("source", required=False)
@click.option("--all", "all_", is_flag=True, help="Every template and block (the default).")
@click.option("--block", "block_ref", metavar="ID", help="A block's keys.")
@click.option("--layout", "layout_ref", metavar="ID", help="A layout's keys.")
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
    layout_ref: str | None,
    fmt: str,
    output: str | None,
) -> None:
    """Extract the translation keys of SOURCE (a template, or a .j2 file), a block, a layout,
    or all.

    \b
    Examples:
      tmplkit i18n extract --all -o messages.pot
      tmplkit i18n extract acme-shop/orders/order-confirmation --format json
      tmplkit i18n extract --block footer
      tmplkit i18n extract --layout base
    """
    from ..i18n.catalog import Catalog, keys_json, po_text
    from ..i18n.extract import extract_source
    from ..i18n.workflow import extract, resolve_owner

    if sum(map(bool, (source, all_, block_ref, layout_ref))) > 1:
        raise TmplkitError("give SOURCE, --block, --layout or --all, not several")
    if source and Path(source).is_file():
        from ..i18n.extract import project_keywords  # the [i18n] of the file's project

        text = Path(source).read_text("utf-8")
        catalog = extract_source(text, source, Catalog(), project_keywords(Path(source)))
    else:
        project = obj.project
        owner = resolve_owner(project, source, block_ref, layout_ref)
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
@click.option(
    "--add-locale",
    is_flag=True,
    help="Add LOCALE to the project's locales (tmplkit.toml) when it is not one yet.",
)
@json_option
@pass_ctx
def i18n_import(
    obj: Context,
    locale: str,
    file: str,
    add_locale: bool,
    as_json: bool,
    **options: Unpack[ImportOptions],
) -> None:
    """Import LOCALE's translations from FILE (PO, or JSON keyed by source string).

    Everything is validated first (placeholders, plural forms, HTML tags, % signs, unknown
    keys); with any problem, each is reported and nothing is written. A PO file's plural
    forms are read by its own Plural-Forms header and mapped onto LOCALE's CLDR rule.

    LOCALE must be one of the project's locales (see `tmplkit locale add`); with
    --add-locale, a successful import adds it.

    \b
    Examples:
      tmplkit i18n import fr-FR fr.po
      tmplkit i18n import de-DE de.json --template acme-shop/orders/order-confirmation
      tmplkit i18n import pl-PL pl.po --dry-run
      tmplkit i18n import it-IT it.po --add-locale
    """
    from ..i18n.workflow import import_translations
    from ..store.project_locales import add_locales, is_project_locale, require_project_locale

    project = obj.project
    adding = add_locale and not is_project_locale(project, locale)
    if not add_locale:
        require_project_locale(project, locale)
    owner = owner_of(project)
    # --format, --dry-run, --replace, --force, --force-language: import_translations' keywords
    report = import_translations(project, locale, Path(file), owner=owner, **options)
    added = adding and report.ok and not options["dry_run"]
    if added:
        add_locales(project, [locale])
    if as_json:
        print_json({**report.to_json(), "addedLocale": added} if adding else report.to_json())
    elif report.ok:
        for warning in report.warnings:
            click.echo(f"warning: {file}: {warning}", err=True)
        verb = "would write" if options["dry_run"] else "wrote"
        click.echo(
            f"{report.locale}: {report.translated} translations new or changed, "
            f"{report.unchanged} unchanged; {verb} {len(report.written)} catalogs"
        )
        for path in report.written:
            click.echo(f"  {path}")
        if adding:
            verb = "would add" if options["dry_run"] else "added"
            click.echo(f"{verb} {report.locale} to the project's locales (tmplkit.toml)")
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
    fmt: str,
    output: str | None,
) -> None:
    """Export LOCALE's catalog (one template's or block's, or all merged) for translators.

    \b
    Examples:
      tmplkit i18n export fr-FR -o fr-FR.po
      tmplkit i18n export ja-JP --format json --block footer
    """
    from ..i18n.workflow import Format, export

    project = obj.project
    owner = owner_of(project)
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
    from ..i18n.workflow import update

    rows = update(obj.project, list(locales) or None)
    if as_json:
        print_json([r.to_json() for r in rows])
        return
    changed = [r for r in rows if r.added or r.fuzzy or r.obsolete]
    for r in changed:
        click.echo(f"{r.file}: {r.added} added, {r.fuzzy} fuzzy, {r.obsolete} obsolete")
    click.echo(f"{len(rows)} catalogs checked, {len(changed)} changed")


def no_project_locales(project: Project) -> LocaleError:
    """What `i18n status` and `i18n check` say when the project has no locales to cover: and
    which languages have catalogs in locales/ all the same (imported before they were added)."""
    from ..store.project_locales import unlisted_catalog_locales

    found = unlisted_catalog_locales(project)
    held = f"; locales/ holds catalogs of {', '.join(found)}" if found else ""
    return LocaleError(
        f"the project has no locales (tmplkit.toml's `locales` is empty){held}",
        hint=f"tmplkit locale add {' '.join(found) or 'fr-FR'}, or give --locale",
    )


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
    from ..i18n.workflow import SmsCosts, status

    if not locales and not obj.project.settings.locales:
        click.echo(f"warning: {no_project_locales(obj.project)}", err=True)
    costs: SmsCosts | None = None
    if as_json:  # the renderer only when asked for: measuring renders each SMS part
        from ..sms import sms_costs

        costs = sms_costs(obj.project)
    rows = status(obj.project, list(locales) or None, sms=costs)
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
    from ..i18n.workflow import status

    if not locales and not obj.project.settings.locales:
        raise no_project_locales(obj.project)
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


@click.group()
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
