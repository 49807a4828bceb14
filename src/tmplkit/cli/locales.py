"""`tmplkit locale`: the project's locales (add, remove, list), kept in tmplkit.toml."""

from __future__ import annotations

import click

from .common import Context, json_option, pass_ctx, print_json, print_table


@click.group("locale")
def locale_group() -> None:
    """The project's locales: the languages its templates are translated into.

    \b
    They are tmplkit.toml's `locales`: what `i18n status`, `i18n check`, `i18n update` and
    `compile` cover, and what `i18n import` accepts (with --add-locale it adds one).
    """


@locale_group.command("add")
@click.argument("locales", nargs=-1, required=True, metavar="LANG...")
@pass_ctx
def locale_add(obj: Context, locales: tuple[str, ...]) -> None:
    """Add LANG (BCP 47, e.g. fr-FR) to the project's locales.

    \b
    Example:
      tmplkit locale add fr-FR pl-PL
    """
    from ..store.project_locales import add_locales

    change = add_locales(obj.project, locales)
    for tag in change.unchanged:
        click.echo(f"{tag} is a project locale already")
    for tag in change.changed:
        click.echo(f"Added locale {tag}")
    click.echo(f"Project locales: {', '.join(change.locales)}")


@locale_group.command("remove")
@click.argument("locales", nargs=-1, required=True, metavar="LANG...")
@pass_ctx
def locale_remove(obj: Context, locales: tuple[str, ...]) -> None:
    """Remove LANG from the project's locales; its catalogs in locales/LANG/ are not deleted.

    \b
    Example:
      tmplkit locale remove pl-PL
    """
    from ..store.project_locales import catalog_files, remove_locales

    project = obj.project
    change = remove_locales(project, locales)
    for tag in change.changed:
        files = catalog_files(project, tag)
        if files:
            held = "1 catalog" if len(files) == 1 else f"{len(files)} catalogs"
            verb, them = ("is", "it") if len(files) == 1 else ("are", "them")
            click.echo(
                f"Removed locale {tag}: its {held} in locales/{tag}/ {verb} not deleted "
                f"(`tmplkit locale add {tag}` uses {them} again)"
            )
        else:
            click.echo(f"Removed locale {tag} (it had no catalogs)")
    click.echo(f"Project locales: {', '.join(change.locales) or 'none'}")


@locale_group.command("list")
@json_option
@pass_ctx
def locale_list(obj: Context, as_json: bool) -> None:
    """List the source locale, the project's locales and the catalogs each has.

    Languages with catalogs in locales/ that are not project locales are listed too.

    \b
    Example:
      tmplkit locale list --json
    """
    from ..langtags import display_name
    from ..store.project_locales import catalog_files, unlisted_catalog_locales

    project = obj.project
    settings = project.settings
    rows = [(settings.source_locale, "source"), *((x, "project") for x in settings.locales)]
    rows += [(x, "not a project locale") for x in unlisted_catalog_locales(project)]
    items = [
        {
            "locale": tag,
            "name": display_name(tag),
            "role": role,
            "catalogs": len(catalog_files(project, tag)),
        }
        for tag, role in rows
    ]
    if as_json:
        print_json(items)
        return
    print_table(
        [[str(i["locale"]), str(i["name"]), str(i["catalogs"]), str(i["role"])] for i in items],
        ["LOCALE", "NAME", "CATALOGS", "ROLE"],
    )
