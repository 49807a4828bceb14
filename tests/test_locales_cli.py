"""The project's locales: `tmplkit locale add|remove|list`, and what `i18n import`, `i18n status`
and `i18n check` do with a language that is not one (issue 20, item 1)."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import tmplkit
from tmplkit.store.project_locales import add_locales, remove_locales

from .conftest import ProjectEnv, add_settings

Run = Callable[..., Any]
TEMPLATE = "acme-shop/orders/order-confirmation"
FR_PO = 'msgid "Subject"\nmsgstr "Objet"\n\nmsgid "Hello!"\nmsgstr "Bonjour !"\n'
PL_PO = 'msgid "Subject"\nmsgstr "Temat"\n\nmsgid "Hello!"\nmsgstr "Cześć!"\n'


def settings_of(root: Path) -> dict[str, Any]:
    with open(root / "tmplkit.toml", "rb") as fh:
        return tomllib.load(fh)


def po_files(tmp_path: Path) -> tuple[Path, Path]:
    fr, pl = tmp_path / "fr.po", tmp_path / "pl.po"
    fr.write_text(FR_PO, "utf-8")
    pl.write_text(PL_PO, "utf-8")
    return fr, pl


def test_the_issue_flow_init_add_import_status_check(
    project: ProjectEnv, run: Run, tmp_path: Path
) -> None:
    root = project.root
    assert settings_of(root)["project"]["locales"] == []
    fr, pl = po_files(tmp_path)

    # Before: the import wrote fr-FR's catalog, status printed nothing, check passed on 0.
    refused = run("--project", root, "i18n", "import", "fr-FR", fr)
    assert refused.code == 1
    assert refused.out == ""
    assert refused.err == (
        "error: fr-FR is not a project locale (project locales: none yet) (hint: add it "
        "first: tmplkit locale add fr-FR; or give --add-locale to add it as the catalogs are "
        "imported)\n"
    )
    assert not (root / "locales" / "fr-FR").exists()

    status = run("--project", root, "i18n", "status")
    assert (status.code, status.out) == (0, "")
    assert status.err == (
        "warning: the project has no locales (tmplkit.toml's `locales` is empty) "
        "(hint: tmplkit locale add fr-FR, or give --locale)\n"
    )
    check = run("--project", root, "i18n", "check")
    assert (check.code, check.out) == (1, "")
    assert check.err == (
        "error: the project has no locales (tmplkit.toml's `locales` is empty) "
        "(hint: tmplkit locale add fr-FR, or give --locale)\n"
    )

    added = run("--project", root, "locale", "add", "fr_FR", "pl-PL")
    assert (added.code, added.err) == (0, "")
    assert added.out == "Added locale fr-FR\nAdded locale pl-PL\nProject locales: fr-FR, pl-PL\n"
    assert settings_of(root)["project"] == {
        "name": "p",
        "source_locale": "en-US",
        "locales": ["fr-FR", "pl-PL"],
    }

    for locale, file in (("fr-FR", fr), ("pl-PL", pl)):
        done = run("--project", root, "i18n", "import", locale, file)
        assert done.code == 0, done.err
        assert done.out == (
            f"{locale}: 2 translations new or changed, 0 unchanged; wrote 1 catalogs\n"
            f"  locales/{locale}/acme-shop/orders/order-confirmation.po\n"
        )

    status = run("--project", root, "i18n", "status")
    assert (status.code, status.err) == (0, "")
    assert status.out == (
        "TEMPLATE/BLOCK                       LOCALE  TRANSLATED  FUZZY  MISSING  DONE\n"
        "acme-shop/orders/order-confirmation  fr-FR   2           0      0        100%\n"
        "acme-shop/orders/order-confirmation  pl-PL   2           0      0        100%\n"
    )
    check = run("--project", root, "i18n", "check")
    assert (check.code, check.err) == (0, "")
    assert check.out == "all 2 catalogs are at least 100% translated\n"


def test_import_with_add_locale_adds_it_once_the_catalogs_are_written(
    project: ProjectEnv, run: Run, tmp_path: Path
) -> None:
    root = project.root
    fr, _ = po_files(tmp_path)
    dry = run("--project", root, "i18n", "import", "fr-FR", fr, "--add-locale", "--dry-run")
    assert (dry.code, dry.err) == (0, "")
    assert dry.out == (
        "fr-FR: 2 translations new or changed, 0 unchanged; would write 1 catalogs\n"
        "  locales/fr-FR/acme-shop/orders/order-confirmation.po\n"
        "would add fr-FR to the project's locales (tmplkit.toml)\n"
    )
    assert settings_of(root)["project"]["locales"] == []

    bad = tmp_path / "bad.po"
    bad.write_text('msgid "Nope"\nmsgstr "Non"\n', "utf-8")
    failed = run("--project", root, "i18n", "import", "fr-FR", bad, "--add-locale")
    assert failed.code == 1
    assert settings_of(root)["project"]["locales"] == []  # nothing imported, nothing added

    done = run("--project", root, "i18n", "import", "fr-FR", fr, "--add-locale", "--json")
    assert (done.code, done.err) == (0, "")
    report = json.loads(done.out)
    assert (report["ok"], report["addedLocale"]) == (True, True)
    assert settings_of(root)["project"]["locales"] == ["fr-FR"]

    again = run("--project", root, "i18n", "import", "fr-FR", fr, "--add-locale", "--json")
    assert "addedLocale" not in json.loads(again.out)  # a project locale already


def test_add_refuses_the_source_and_bad_ids_and_writes_nothing(
    project: ProjectEnv, run: Run
) -> None:
    root = project.root
    before = (root / "tmplkit.toml").read_bytes()
    source = run("--project", root, "locale", "add", "fr-FR", "en-US")
    assert (source.code, source.out) == (1, "")
    assert source.err == (
        "error: en-US is the project's source locale: its strings are the templates' own "
        "(hint: a project locale is a language the templates are translated into)\n"
    )
    bad = run("--project", root, "locale", "add", "fr-FR", "xx-QQ")
    assert (bad.code, bad.out) == (1, "")
    assert bad.err == "error: unknown language 'xx-QQ' (hint: write it like fr-FR or es-419)\n"
    assert (root / "tmplkit.toml").read_bytes() == before

    run("--project", root, "locale", "add", "fr-FR")
    twice = run("--project", root, "locale", "add", "fr-FR", "de-DE")
    assert (twice.code, twice.err) == (0, "")
    assert twice.out == (
        "fr-FR is a project locale already\nAdded locale de-DE\nProject locales: fr-FR, de-DE\n"
    )


def test_remove_keeps_the_catalogs_and_says_so(
    project: ProjectEnv, run: Run, tmp_path: Path
) -> None:
    root = project.root
    _, pl = po_files(tmp_path)
    run("--project", root, "locale", "add", "fr-FR", "pl-PL", "de-DE")
    run("--project", root, "i18n", "import", "pl-PL", pl)
    catalog = root / "locales" / "pl-PL" / "acme-shop" / "orders" / "order-confirmation.po"
    kept = catalog.read_bytes()

    unknown = run("--project", root, "locale", "remove", "pl-PL", "it-IT")
    assert (unknown.code, unknown.out) == (1, "")
    assert unknown.err == (
        "error: it-IT: not a project locale (project locales: fr-FR, pl-PL, de-DE) "
        "(hint: tmplkit locale list shows them)\n"
    )
    assert settings_of(root)["project"]["locales"] == ["fr-FR", "pl-PL", "de-DE"]

    removed = run("--project", root, "locale", "remove", "pl-PL", "de-DE")
    assert (removed.code, removed.err) == (0, "")
    assert removed.out == (
        "Removed locale pl-PL: its 1 catalog in locales/pl-PL/ is not deleted "
        "(`tmplkit locale add pl-PL` uses it again)\n"
        "Removed locale de-DE (it had no catalogs)\n"
        "Project locales: fr-FR\n"
    )
    assert catalog.read_bytes() == kept
    assert settings_of(root)["project"]["locales"] == ["fr-FR"]

    listing = run("--project", root, "locale", "list")
    assert (listing.code, listing.err) == (0, "")
    assert listing.out == (
        "LOCALE  NAME                     CATALOGS  ROLE\n"
        "en-US   English (United States)  0         source\n"
        "fr-FR   French (France)          0         project\n"
        "pl-PL   Polish (Poland)          1         not a project locale\n"
    )
    as_json = run("--project", root, "locale", "list", "--json")
    assert json.loads(as_json.out)[1:] == [
        {"locale": "fr-FR", "name": "French (France)", "role": "project", "catalogs": 0},
        {
            "locale": "pl-PL",
            "name": "Polish (Poland)",
            "role": "not a project locale",
            "catalogs": 1,
        },
    ]


def test_status_and_check_name_catalogs_of_languages_that_are_not_project_locales(
    project: ProjectEnv, run: Run, tmp_path: Path
) -> None:
    """A project whose catalogs were imported before it had locales (as tmplkit allowed)."""
    root = project.root
    _, pl = po_files(tmp_path)
    run("--project", root, "i18n", "import", "pl-PL", pl, "--add-locale")
    run("--project", root, "locale", "remove", "pl-PL")
    check = run("--project", root, "i18n", "check")
    assert (check.code, check.out) == (1, "")
    assert check.err == (
        "error: the project has no locales (tmplkit.toml's `locales` is empty); locales/ "
        "holds catalogs of pl-PL (hint: tmplkit locale add pl-PL, or give --locale)\n"
    )
    named = run("--project", root, "i18n", "check", "--locale", "pl-PL")
    assert (named.code, named.out) == (0, "all 1 catalogs are at least 100% translated\n")


def test_the_library_keeps_every_other_setting(project: ProjectEnv) -> None:
    root = project.root
    add_settings(root, '[handoff.webhook]\nurl = "https://hooks.example/x"\n\n[extra]\nkept = 1\n')
    p = tmplkit.open_project(root)
    change = add_locales(p, ["de_DE", "fr-FR", "de-DE"])
    assert (change.changed, change.unchanged, change.locales) == (
        ["de-DE", "fr-FR"],
        [],
        ["de-DE", "fr-FR"],
    )
    assert p.settings.locales == ["de-DE", "fr-FR"]
    assert remove_locales(p, ["de-DE"]).locales == ["fr-FR"]
    data = settings_of(root)
    assert data["handoff"] == {"webhook": {"url": "https://hooks.example/x"}}
    assert data["extra"] == {"kept": 1}
    assert data["project"]["locales"] == ["fr-FR"]
    assert tmplkit.open_project(root).settings.locales == ["fr-FR"]
