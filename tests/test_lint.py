"""`tmplkit lint` (issue 20): the sample project passes; a copy seeded with one problem of each
kind reports each one as a line with its file:line, and exits 1; --json has the documented
shape."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tmplkit.lint import lint
from tmplkit.store import Project

Run = Callable[..., Any]

WORKSPACE = "workspaces/acme-shop"
SAMPLE_SUMMARY = (
    "checked 9 drafts of 4 templates, 2 blocks, 0 layouts, 30 catalogs; 6 locales, "
    "1 target (jinja): no problems\n"
)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert text.count(old) == 1, (path, old)
    path.write_text(text.replace(old, new), "utf-8")


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text("utf-8") + text, "utf-8")


def seed(root: Path) -> None:
    """One problem of each kind in a copy of the sample project."""
    # a template syntax error: an endif that closes nothing, on line 2 of a draft's subject
    append(root / WORKSPACE / "orders/shipping-notification/drafts/next/subject.j2", "{% endif %}")
    # a render failure with the sample data: a date that format_date cannot read
    sample = root / WORKSPACE / "orders/order-confirmation/sample.json"
    edit(sample, '"placed_on": "2026-10-12"', '"placed_on": "someday"')
    # a construct handlebars refuses: a loop variable named `this`
    append(
        root / WORKSPACE / "account/welcome/drafts/next/body.html.j2",
        "{% for this in user.badges %}{{ this }}{% endfor %}\n",
    )
    locales = root / "locales"
    # a translation with a broken placeholder
    edit(
        locales / "fr-FR/acme-shop/account/welcome.po",
        "chez Acme Shop, %(name)s",
        "chez Acme Shop, %(nom)s",
    )
    # a fuzzy translation, and one missing
    edit(
        locales / "de-DE/blocks/footer.po",
        'msgid "Help center"\n',
        '#, fuzzy\nmsgid "Help center"\n',
    )
    edit(
        locales / "pl-PL/blocks/footer.po",
        'msgstr "Zrezygnuj z subskrypcji"',
        'msgstr ""',
    )
    # an SMS over the budget of 3 segments, in Japanese only
    edit(
        locales / "ja-JP/acme-shop/orders/order-confirmation.po",
        'msgstr "詳細："',
        'msgstr "' + "ご注文の詳細はこちらからご確認いただけます。" * 10 + '："',
    )
    # a block with a syntax error (password-reset includes it: reported once, the block's)
    append(root / "blocks/header/block.txt.j2", "{{ user.name }\n")
    # a catalog file that cannot be read
    (locales / "ar-EG/blocks/footer.po").write_text('msgid "Help center\n', "utf-8")


ORDER = f"{WORKSPACE}/orders/order-confirmation/drafts"
BAD_DATE = (
    'order.placed_on: "someday" is not an ISO 8601 date (hint: send an ISO 8601 date such as '
    '"2026-10-12")'
)
SEEDED_LINES = [
    "error: blocks/header/block.txt.j2:3:1: syntax error: unexpected '}'",
    "error: locales/ar-EG/blocks/footer.po:1: ar-EG: syntax error: unterminated or malformed "
    "string",
    "error: locales/de-DE/blocks/footer.po:17: de-DE: 'Help center': fuzzy",
    "error: locales/fr-FR/acme-shop/account/welcome.po:17: fr-FR: 'Welcome to Acme Shop, "
    "%(name)s!': unknown placeholder %(nom)s",
    "error: locales/fr-FR/acme-shop/account/welcome.po:17: fr-FR: 'Welcome to Acme Shop, "
    "%(name)s!': missing placeholder %(name)s",
    "error: locales/pl-PL/blocks/footer.po:21: pl-PL: 'Unsubscribe': not translated",
    f"error: {WORKSPACE}/account/welcome/drafts/next/body.html.j2:64:1: the handlebars target "
    "cannot express a loop variable named this, undefined or as (hint: rename the loop "
    "variable)",
    f"error: {ORDER}/next/body.html.j2: {BAD_DATE}",
    f"error: {ORDER}/published/body.html.j2: {BAD_DATE}",
    f"error: {ORDER}/published/sms.txt.j2: ja-JP: the SMS takes 5 segments (UCS-2, 315 "
    "characters), over the budget of 3",
    f"error: {WORKSPACE}/orders/shipping-notification/drafts/next/subject.j2:2:4: syntax error: "
    "Encountered unknown tag 'endif'. (hint: the portable tags are if/elif/else, for, "
    "trans/pluralize, include and raw)",
    "checked 9 drafts of 4 templates, 2 blocks, 0 layouts, 30 catalogs; 6 locales, 2 targets "
    "(jinja, handlebars): 11 errors, 0 warnings",
]
SEEDED_ARGS = ("lint", "-t", "jinja", "-t", "handlebars", "--inline-formats", "--max-segments", "3")


def test_the_sample_project_passes(sample_project: Path, run: Run) -> None:
    result = run("--project", sample_project, "lint")
    assert (result.code, result.out, result.err) == (0, SAMPLE_SUMMARY, "")


def test_each_problem_is_one_line_with_its_file_and_line(sample_project: Path, run: Run) -> None:
    seed(sample_project)
    result = run("--project", sample_project, *SEEDED_ARGS)
    assert (result.code, result.err) == (1, "")
    assert result.out.splitlines() == SEEDED_LINES


def test_json_has_the_documented_shape(sample_project: Path, run: Run) -> None:
    seed(sample_project)
    result = run("--project", sample_project, *SEEDED_ARGS, "--json")
    assert (result.code, result.err) == (1, "")
    data = json.loads(result.out)
    assert set(data) == {"problems", "checked", "ok"}
    assert data["ok"] is False
    assert data["checked"] == {
        "templates": 4,
        "drafts": 9,
        "blocks": 2,
        "layouts": 0,
        "catalogs": 30,
        "locales": 6,
        "targets": 2,
    }
    assert len(data["problems"]) == len(SEEDED_LINES) - 1
    assert data["problems"][0] == {
        "severity": "error",
        "kind": "syntax",
        "file": "blocks/header/block.txt.j2",
        "line": 3,
        "col": 1,
        "message": "syntax error: unexpected '}'",
        "block": "blocks/header",
        "locale": None,
    }
    assert data["problems"][9] == {
        "severity": "error",
        "kind": "sms",
        "file": f"{ORDER}/published/sms.txt.j2",
        "line": None,
        "col": None,
        "message": "the SMS takes 5 segments (UCS-2, 315 characters), over the budget of 3",
        "template": "acme-shop/orders/order-confirmation",
        "locale": "ja-JP",
    }
    kinds = [(p["kind"], next(k for k in OWNERS if k in p)) for p in data["problems"]]
    assert kinds == [
        ("syntax", "block"),
        ("catalog", "catalog"),
        ("fuzzy", "block"),
        ("translation", "template"),
        ("translation", "template"),
        ("untranslated", "block"),
        ("compile", "template"),
        ("render", "template"),
        ("render", "template"),
        ("sms", "template"),
        ("syntax", "template"),
    ]


OWNERS = ("template", "block", "layout", "catalog")


def test_the_sample_project_as_json(sample_project: Path, run: Run) -> None:
    result = run("--project", sample_project, "lint", "--json")
    assert result.code == 0
    assert json.loads(result.out)["problems"] == []
    assert json.loads(result.out)["ok"] is True


def test_warnings_fail_only_with_strict(sample_project: Path, run: Run) -> None:
    """A translation of a string no source has any more is a warning: exit 0, 1 with --strict."""
    append(sample_project / "locales/fr-FR/blocks/header.po", '\nmsgid "Gone"\nmsgstr "Parti"\n')
    line = (
        "warning: locales/fr-FR/blocks/header.po:23: fr-FR: 'Gone': unknown key: not in the source"
    )
    summary = SAMPLE_SUMMARY.replace("no problems", "0 errors, 1 warning")
    report = lint(Project(sample_project))
    assert [p.text() for p in report.problems] == [line]
    assert report.ok() and not report.ok(strict=True)
    for args, code in (((), 0), (("--strict",), 1)):
        result = run("--project", sample_project, "lint", *args)
        assert (result.code, result.out, result.err) == (code, f"{line}\n{summary}", "")


def test_a_layout_is_parsed_and_its_catalogs_checked(sample_project: Path) -> None:
    project = Project(sample_project)
    layout = project.layouts.create("Base")
    missing = [  # a new layout's string, in no catalog yet
        f"error: locales/{lang}/layouts/base.po: {lang}: no catalog: 1 string to translate"
        for lang in ("ar-EG", "de-DE", "fr-FR", "ja-JP", "pl-PL")
    ]
    assert [p.text() for p in lint(project).problems] == missing
    append(layout.dir / "layout.html.j2", "{% if %}\n")
    assert [p.text() for p in lint(project).problems] == [
        "error: layouts/base/layout.html.j2:7:1: syntax error: Expected an expression, got "
        "'end of statement block'",
    ]


def test_the_projects_targets_are_those_lint_compiles_to(sample_project: Path, run: Run) -> None:
    toml = sample_project / "tmplkit.toml"
    edit(
        toml,
        'locales = ["fr-FR"',
        'targets = ["jinja", "liquid", "freemarker"]\nlocales = ["fr-FR"',
    )
    result = run("--project", sample_project, "lint", "--inline-formats")
    assert (result.code, result.err) == (0, "")
    assert result.out == SAMPLE_SUMMARY.replace(
        "1 target (jinja)", "3 targets (jinja, liquid, freemarker)"
    )
    # Without --inline-formats, liquid refuses the sample's dates: each one is a line.
    refused = run("--project", sample_project, "lint")
    assert refused.code == 1
    assert "the liquid target cannot express format_date without --inline-formats" in refused.out
    # -t still says which, whatever the project's setting.
    only = run("--project", sample_project, "lint", "-t", "jinja")
    assert (only.code, only.out) == (0, SAMPLE_SUMMARY)


def test_an_unknown_target_in_the_settings_is_one_line(sample_project: Path, run: Run) -> None:
    toml = sample_project / "tmplkit.toml"
    edit(toml, 'locales = ["fr-FR"', 'targets = ["jinja", "mjml"]\nlocales = ["fr-FR"')
    result = run("--project", sample_project, "lint")
    assert (result.code, result.out) == (1, "")
    assert result.err == (
        "error: tmplkit.toml: [project] targets: unknown target 'mjml' (hint: targets: "
        "ampscript, cheetah, freemarker, handlebars, handlebarsjava, html, jinja, liquid, "
        "mandrillhandlebars, sendgrid)\n"
    )
    (sample_project / "tmplkit.toml").write_text(
        toml.read_text("utf-8").replace('targets = ["jinja", "mjml"]', "targets = 7"), "utf-8"
    )
    bad = run("--project", sample_project, "lint")
    assert (bad.code, bad.err) == (
        1,
        "error: tmplkit.toml: [project] targets must be a list of names, not 7\n",
    )
