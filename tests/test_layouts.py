"""Layouts: `{% extends "layouts/SLUG" %}`, `{% block %}` and `{{ super() }}` (issue 19 item 1).

A template extending a layout (which extends another) renders, extracts and compiles to every
target exactly as the same template written flat by hand; each refusal is one line with its
position; `tmplkit layout list|show|create`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import tmplkit
from tests.conftest import Result
from tmplkit.compiler import compile_parts
from tmplkit.errors import TemplateError
from tmplkit.i18n.catalog import po_text
from tmplkit.i18n.extract import catalog_path
from tmplkit.i18n.workflow import extract, status
from tmplkit.model import Template
from tmplkit.pipeline import plural_counts, resolve
from tmplkit.targets import TARGETS

BASE_HTML = """\
<!DOCTYPE html>
<html>
<head><title>{% block title %}{% trans %}Acme{% endtrans %}{% endblock %}</title></head>
<body>
{% if user.vip %}{% block banner %}<p class="vip">{% trans %}Thanks for being a VIP{% endtrans %}</p>{% endblock %}{% endif %}
{% block content %}{% endblock %}
<ul>{% for line in lines %}<li>{% block line %}{{ line.name }}{% endblock %}</li>{% endfor %}</ul>
{% block footer %}<p>{% trans %}Questions? Reply to this e-mail.{% endtrans %}</p>{% endblock %}
{% include "blocks/social" %}
</body>
</html>
"""
BASE_TEXT = """\
{% block content %}{% endblock %}
--
{% block footer %}{% trans %}Questions? Reply to this e-mail.{% endtrans %}{% endblock %}
"""
BRAND_HTML = """\
{# Acme's brand: a frame inside the base #}
{% extends "layouts/base" %}
{% block title %}{% trans %}Acme Shop{% endtrans %} | {{ super() }}{% endblock %}
{% block content %}<div class="brand">{% block body %}{% endblock %}</div>{% endblock %}
{% block footer %}{{ super() }}<p>{% trans %}Acme Shop, 1 Main Street{% endtrans %}</p>{% endblock %}
"""
SOCIAL = "<p>{% trans %}Follow us{% endtrans %}</p>"
SUBJECT = "{% trans %}Welcome{% endtrans %}"
CHILD_HTML = """\
{# the welcome e-mail #}
{% extends "layouts/brand" %}
{% block body %}<p>{% trans name=user.name %}Hello {{ name }}!{% endtrans %}</p>{% endblock %}
{% block line %}{{ super() }} × {{ line.qty }}{% endblock %}
{% block footer %}{{ super() }}<p>{% trans %}Unsubscribe{% endtrans %}</p>{% endblock %}
"""
CHILD_TEXT = """\
{% extends "layouts/base" %}
{% block content %}{% trans name=user.name %}Hello {{ name }}!{% endtrans %}{% endblock %}
"""
# The same e-mail written flat, by hand: what the layouts must come to.
FLAT_HTML = """\
<!DOCTYPE html>
<html>
<head><title>{% trans %}Acme Shop{% endtrans %} | {% trans %}Acme{% endtrans %}</title></head>
<body>
{% if user.vip %}<p class="vip">{% trans %}Thanks for being a VIP{% endtrans %}</p>{% endif %}
<div class="brand"><p>{% trans name=user.name %}Hello {{ name }}!{% endtrans %}</p></div>
<ul>{% for line in lines %}<li>{{ line.name }} × {{ line.qty }}</li>{% endfor %}</ul>
<p>{% trans %}Questions? Reply to this e-mail.{% endtrans %}</p>\
<p>{% trans %}Acme Shop, 1 Main Street{% endtrans %}</p><p>{% trans %}Unsubscribe{% endtrans %}</p>
{% include "blocks/social" %}
</body>
</html>
"""
FLAT_TEXT = """\
{% trans name=user.name %}Hello {{ name }}!{% endtrans %}
--
{% trans %}Questions? Reply to this e-mail.{% endtrans %}
"""

FR_BASE = {
    "Acme": "Acmé",
    "Thanks for being a VIP": "Merci d'être VIP",
    "Questions? Reply to this e-mail.": "Des questions ? Répondez à cet e-mail.",
}
FR_BRAND = {"Acme Shop": "Boutique Acme", "Acme Shop, 1 Main Street": "Boutique Acme, 1 rue Haute"}
FR_WELCOME = {
    "Welcome": "Bienvenue",
    "Hello %(name)s!": "Bonjour %(name)s !",
    "Unsubscribe": "Se désabonner",
}
FR_SOCIAL = {"Follow us": "Suivez-nous"}

DATA: dict[str, Any] = {
    "user": {"name": "Zoé <3", "vip": True},
    "lines": [{"name": "Mug", "qty": 2}, {"name": "Tea & co", "qty": 1}],
}


def po(translations: dict[str, str]) -> str:
    entries = "".join(f'\nmsgid "{k}"\nmsgstr "{v}"\n' for k, v in translations.items())
    header = (
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
        '"Language: fr_FR\\n"\n"Plural-Forms: nplurals=2; plural=(n > 1);\\n"\n'
    )
    return header + entries


@dataclass
class Shop:
    project: tmplkit.Project
    welcome: Template
    flat: Template
    welcome_draft: str
    flat_draft: str


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")


@pytest.fixture
def shop(tmp_path: Path) -> Shop:
    project = tmplkit.init_project(tmp_path / "shop", "Shop")
    toml = project.root / "tmplkit.toml"
    toml.write_text(toml.read_text("utf-8").replace("locales = []", 'locales = ["fr-FR"]'))
    project = tmplkit.open_project(project.root)
    base = project.layouts.create("Base")
    brand = project.layouts.create("Brand")
    social = project.blocks.create("Social")
    write(base.dir / "layout.html.j2", BASE_HTML)
    write(base.dir / "layout.txt.j2", BASE_TEXT)
    write(brand.dir / "layout.html.j2", BRAND_HTML)
    write(social.dir / "block.html.j2", SOCIAL)
    folder = project.workspaces.create("Acme")
    drafts = {}
    for name, html, text in (("Welcome", CHILD_HTML, CHILD_TEXT), ("Flat", FLAT_HTML, FLAT_TEXT)):
        template = project.templates.create(folder.id, name)
        with open(template.dir / "template.toml", "a", encoding="utf-8") as fh:
            fh.write('\n[variables]\n"user.vip" = "boolean"\n')  # for ampscript
        (draft,) = project.drafts.list(template.id)
        write(draft.dir / "subject.j2", SUBJECT)
        write(draft.dir / "body.html.j2", html)
        write(draft.dir / "body.txt.j2", text)
        drafts[name] = (template, draft.id)
    fr = "fr-FR"
    write(catalog_path(project, fr, base), po(FR_BASE))
    write(catalog_path(project, fr, brand), po(FR_BRAND))
    write(catalog_path(project, fr, social), po(FR_SOCIAL))
    write(catalog_path(project, fr, drafts["Welcome"][0]), po(FR_WELCOME))
    write(catalog_path(project, fr, drafts["Flat"][0]), po({**FR_BASE, **FR_BRAND, **FR_WELCOME}))
    (welcome, welcome_draft), (flat, flat_draft) = drafts["Welcome"], drafts["Flat"]
    return Shop(project, welcome, flat, welcome_draft, flat_draft)


@pytest.mark.parametrize("locale", [None, "fr-FR"])
def test_a_layout_renders_as_the_template_written_flat(shop: Shop, locale: str | None) -> None:
    renderer = tmplkit.Renderer(shop.project)
    got = renderer.render(shop.welcome_draft, DATA, locale=locale)
    want = renderer.render(shop.flat_draft, DATA, locale=locale)
    assert (got.subject, got.html, got.text) == (want.subject, want.html, want.text)
    if locale == "fr-FR":
        assert got.subject == "Bienvenue"
        assert "<title>Boutique Acme | Acmé</title>" in got.html
        assert "<p>Bonjour Zoé &lt;3 !</p>" in got.html
        assert "<li>Tea &amp; co × 1</li>" in got.html
        assert got.text.endswith("--\nDes questions ? Répondez à cet e-mail.\n")
        assert "Suivez-nous" in got.html
    assert got.warnings == want.warnings == ()
    vip = dict(DATA, user={"name": "Al", "vip": False})
    got_plain = renderer.render(shop.welcome_draft, vip, locale=locale)
    want_plain = renderer.render(shop.flat_draft, vip, locale=locale)
    assert got_plain.html == want_plain.html
    assert "vip" not in got_plain.html


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("locale", [None, "fr-FR"])
def test_a_layout_compiles_to_every_target_as_written_flat(
    shop: Shop, target: str, locale: str | None
) -> None:
    def compiled(draft: str) -> tuple[Any, ...]:
        c = compile_parts(draft, target, project=shop.project, locale=locale, inline_styles=True)
        return (c.subject, c.html, c.text, c.channels, c.variables)

    assert compiled(shop.welcome_draft) == compiled(shop.flat_draft)


def test_each_string_goes_to_the_catalog_of_the_file_holding_it(shop: Shop) -> None:
    project = shop.project

    def pot(owner: Any) -> str:  # without its dates
        text = po_text(extract(project, owner), template=True)
        return re.sub(r'"(POT-Creation|PO-Revision)-Date: [^"]*"\n', "", text)

    assert pot(project.layouts.get("base")) == (
        "# Shop: layout Base\n"
        'msgid ""\n'
        'msgstr ""\n'
        '"Project-Id-Version: Shop: layout Base\\n"\n'
        '"Report-Msgid-Bugs-To: \\n"\n'
        '"Last-Translator: tmplkit\\n"\n'
        '"Language-Team: English (United States)\\n"\n'
        '"Language: en-US\\n"\n'
        '"MIME-Version: 1.0\\n"\n'
        '"Content-Type: text/plain; charset=UTF-8\\n"\n'
        '"Content-Transfer-Encoding: 8bit\\n"\n'
        '"Plural-Forms: nplurals=2; plural=(n!=1);\\n"\n'
        '"Generated-By: tmplkit\\n"\n'
        "\n"
        "#: layouts/base/layout.html.j2:3\n"
        'msgid "Acme"\n'
        'msgstr ""\n'
        "\n"
        "#: layouts/base/layout.html.j2:5\n"
        'msgid "Thanks for being a VIP"\n'
        'msgstr ""\n'
        "\n"
        "#: layouts/base/layout.html.j2:8 layouts/base/layout.txt.j2:3\n"
        'msgid "Questions? Reply to this e-mail."\n'
        'msgstr ""\n'
        "\n"
    )
    assert pot(project.layouts.get("brand")).split("\n\n", 1)[1] == (
        "#: layouts/brand/layout.html.j2:3\n"
        'msgid "Acme Shop"\n'
        'msgstr ""\n'
        "\n"
        "#: layouts/brand/layout.html.j2:5\n"
        'msgid "Acme Shop, 1 Main Street"\n'
        'msgstr ""\n'
        "\n"
    )
    draft = "workspaces/acme/welcome/drafts/draft-1"
    assert pot(shop.welcome).split("\n\n", 1)[1] == (
        f"#: {draft}/subject.j2:1\n"
        'msgid "Welcome"\n'
        'msgstr ""\n'
        "\n"
        f"#: {draft}/body.html.j2:3\n"
        f"#: {draft}/body.txt.j2:2\n"
        "#, python-format\n"
        'msgid "Hello %(name)s!"\n'
        'msgstr ""\n'
        "\n"
        f"#: {draft}/body.html.j2:5\n"
        'msgid "Unsubscribe"\n'
        'msgstr ""\n'
        "\n"
    )
    rows = {(r.owner, r.kind): (r.total, r.translated) for r in status(project, ["fr-FR"])}
    assert rows[("layouts/base", "layout")] == (3, 3)
    assert rows[("layouts/brand", "layout")] == (2, 2)
    assert rows[("acme/welcome", "template")] == (3, 3)


def test_the_plural_counts_of_a_layout_count(shop: Shop) -> None:
    base = shop.project.layouts.get("base")
    write(
        base.dir / "layout.txt.j2",
        BASE_TEXT + "{% trans count=cart.size %}{{ count }} item{% pluralize %}{{ count }} items"
        "{% endtrans %}\n",
    )
    assert plural_counts(resolve(shop.welcome_draft, shop.project)) == ("cart.size",)


def test_a_part_without_extends_prints_its_blocks_in_place(shop: Shop) -> None:
    base = shop.project.layouts.get("base")
    page = shop.project.root / "page.html.j2"
    page.write_text(
        "<p>{% block a %}A{% if x %}{% block b %}B{{ x }}{% endblock %}{% endif %}{% endblock %}</p>"
    )
    assert tmplkit.render(str(page), {"x": 1}).html == "<p>AB1</p>"
    alone = tmplkit.render(str(base.dir / "layout.html.j2"), DATA).html
    assert "<title>Acme</title>" in alone
    assert "<li>Mug</li><li>Tea &amp; co</li>" in alone


# --- refusals: one line each, with the file and position ------------------------------------


def refusal(shop: Shop, source: str, file: str = "page.html.j2") -> str:
    path = shop.project.root / file
    write(path, source)
    with pytest.raises(TemplateError) as info:
        tmplkit.render(str(path), DATA)
    return str(info.value).replace(str(shop.project.root) + "/", "")


REFUSALS = [
    (
        '{% extends "layouts/brand" %}\n{% block body %}x{% endblock %}\n{% block body %}y{% endblock %}',
        'page.html.j2:3:1: block "body" is defined twice (hint: give each block of a part its own name)',
    ),
    (
        "<p>{{ super() }}</p>",
        "page.html.j2:1:4: super() is only portable inside a {% block %} (hint: write {{ super() }} in a block to print the layout's content of it)",
    ),
    (
        '<p>Hi</p>\n{% extends "layouts/brand" %}',
        "page.html.j2:2:1: {% extends %} must be the first tag of the part (hint: only whitespace and comments may come before it)",
    ),
    (
        '{% extends "base.html" %}',
        'page.html.j2:1:1: only layouts can be extended, by a literal name (hint: write {% extends "layouts/base" %} for the layout with slug "base")',
    ),
    (
        "{% extends layout %}",
        'page.html.j2:1:1: only layouts can be extended, by a literal name (hint: write {% extends "layouts/base" %} for the layout with slug "base")',
    ),
    (
        '{# note #}\n{% extends "layouts/nope" %}',
        'page.html.j2:2:1: no layout "nope" in the project (hint: see `tmplkit layout list`)',
    ),
    (
        '{% extends "layouts/brand" %}\n{% block bdy %}x{% endblock %}',
        'page.html.j2:2:1: layout "brand" has no block "bdy" (hint: its blocks: banner, body, content, footer, line, title)',
    ),
    (
        '{% extends "layouts/brand" %}\nHello {% block body %}x{% endblock %}',
        "page.html.j2:2:1: text outside a {% block %} would not print: the part extends a layout (hint: put it inside one of the layout's blocks)",
    ),
    (
        '{% extends "layouts/brand" %}\n{% block body %}x{% endblock %} {{ user.name }}',
        "page.html.j2:2:33: {{ … }} outside a {% block %} would not print: the part extends a layout (hint: put it inside one of the layout's blocks)",
    ),
    (
        '{% extends "layouts/brand" %}\n{% if x %}{% block body %}x{% endblock %}{% endif %}',
        "page.html.j2:2:1: {% if %} outside a {% block %} would not print: the part extends a layout (hint: put it inside one of the layout's blocks)",
    ),
    (
        "{% block body scoped %}x{% endblock %}",
        "page.html.j2:1:15: {% block … scoped %} is not portable (hint: a block sees the loop variables around it: write {% block NAME %})",
    ),
    (
        "{% block body required %}{% endblock %}",
        "page.html.j2:1:15: {% block … required %} is not portable (hint: give the block a default content in the layout)",
    ),
    (
        "{% block body %}{{ super() }}{% endblock %}",
        'page.html.j2:1:17: super() in block "body": no layout below gives it content (hint: remove {{ super() }}, or give the block a default in the layout)',
    ),
    (
        '{% block body %}{% extends "layouts/base" %}{% endblock %}',
        "page.html.j2:1:17: {% extends %} must be the first tag of the part (hint: only whitespace and comments may come before it)",
    ),
]


@pytest.mark.parametrize(("source", "message"), REFUSALS)
def test_refusal(shop: Shop, source: str, message: str) -> None:
    assert refusal(shop, source) == message


def test_a_cycle_of_layouts_is_refused_naming_the_chain(shop: Shop) -> None:
    base = shop.project.layouts.get("base")
    write(base.dir / "layout.html.j2", '{% extends "layouts/brand" %}')
    assert refusal(shop, '{% extends "layouts/brand" %}') == (
        "layouts/base/layout.html.j2:1:1: layouts extend each other in a cycle: "
        "layouts/brand → layouts/base → layouts/brand"
    )


def test_a_text_part_extends_only_a_layout_with_a_text_part(shop: Shop) -> None:
    assert refusal(shop, '{% extends "layouts/brand" %}', "page.txt.j2") == (
        'page.txt.j2:1:1: layout "brand" has no text part (layout.txt.j2) '
        "(hint: create layouts/brand/layout.txt.j2)"
    )


def test_a_subject_cannot_extend(shop: Shop) -> None:
    assert refusal(shop, '{% extends "layouts/base" %}', "subject.j2") == (
        "subject.j2:1:1: the subject part cannot extend a layout "
        "(hint: only the html and text parts of a draft can; the others write their text)"
    )


def test_an_error_in_a_layout_names_the_layout_file(shop: Shop) -> None:
    brand = shop.project.layouts.get("brand")
    write(
        brand.dir / "layout.html.j2",
        '{% extends "layouts/base" %}\n{% block titel %}{% endblock %}',
    )
    assert refusal(shop, '{% extends "layouts/brand" %}') == (
        'layouts/brand/layout.html.j2:2:1: layout "base" has no block "titel" '
        "(hint: its blocks: banner, content, footer, line, title)"
    )


# --- tmplkit layout list|show|create ----------------------------------------------------------


def test_layout_commands(tmp_path: Path, run: Callable[..., Result]) -> None:
    root = tmp_path / "p"
    assert run("init", root).code == 0
    assert run("layout", "list", cwd=root).out == ""
    created = run("layout", "create", "Base", "--description", "The frame", cwd=root)
    assert created.code == 0
    layout = tmplkit.open_project(root).layouts.get("base")
    assert created.out == f"Created layout {layout.id} in layouts/base\n"
    assert layout.id.startswith("lay_") and len(layout.id) == 30
    assert (layout.dir / "layout.html.j2").read_text("utf-8") == (
        "<!DOCTYPE html>\n<html>\n<body>\n"
        "{% block content %}<p>{% trans %}Hello!{% endtrans %}</p>{% endblock %}\n"
        "</body>\n</html>\n"
    )
    made = json.loads(run("layout", "create", "Brand", "--json", cwd=root).out)
    assert set(made) == {"id", "name", "description", "slug", "createdAt", "updatedAt"}
    assert (made["name"], made["slug"], made["description"]) == ("Brand", "brand", "")
    listed = run("layout", "list", cwd=root).out
    assert listed == (
        "ID                              SLUG   NAME\n"
        f"{layout.id}  base   Base\n"
        f"{made['id']}  brand  Brand\n"
    )
    assert [x["slug"] for x in json.loads(run("layout", "list", "--json", cwd=root).out)] == [
        "base",
        "brand",
    ]
    assert run("layout", "show", "base", cwd=root).out == (
        f"id:          {layout.id}\n"
        "name:        Base\n"
        "slug:        base\n"
        'extends:     {% extends "layouts/base" %}\n'
        "description: The frame\n"
        "directory:   layouts/base\n"
        "parts:       html\n"
        "blocks:      content\n"
    )
    shown = json.loads(run("layout", "show", made["id"], "--json", cwd=root).out)
    assert shown == {**made, "blocks": ["content"]}
    missing = run("layout", "show", "nope", cwd=root)
    assert (missing.code, missing.out, missing.err) == (1, "", "error: no layout 'nope'\n")
    again = run("layout", "create", "Base", cwd=root)
    assert (again.code, again.err) == (1, "error: layouts/base already exists\n")


def test_a_string_outside_a_project_prints_its_blocks_and_cannot_extend() -> None:
    source = (
        "<p>{% block a %}A{% if flag %}{% block b %}B{% endblock %}{% endif %}{% endblock %}</p>"
    )
    flat = "<p>A{% if flag %}B{% endif %}</p>"
    for target in TARGETS:
        assert tmplkit.compile_string(source, target) == tmplkit.compile_string(flat, target)
    with pytest.raises(TemplateError) as info:
        tmplkit.compile_string('{% extends "layouts/base" %}')
    assert str(info.value) == (
        '<string>:1:1: layout "base" needs a project (hint: run inside a tmplkit project)'
    )


def test_a_frozen_draft_notices_an_edit_of_its_layouts(shop: Shop) -> None:
    """A draft locked for translation records what its layouts hold, as it does for blocks:
    an edit of a layout it extends (through another layout too) shows as a change."""
    project = shop.project
    draft = project.drafts.lock(shop.welcome_draft)
    assert project.drafts.changes(draft) == []
    brand = project.layouts.get("brand")
    source = (brand.dir / "layout.html.j2").read_text("utf-8")
    write(brand.dir / "layout.html.j2", source.replace("</", "<!-- edited --></", 1))
    assert project.drafts.changes(project.drafts.get(draft.id)) == ["layouts/brand"]


def test_a_layouts_catalog_alone_with_the_i18n_commands(
    shop: Shop, run: Callable[..., Result], tmp_path: Path
) -> None:
    """--layout names a layout's catalog in `i18n extract`, `export` and `import`, as --block
    names a block's."""
    root = shop.project.root
    pot = run("i18n", "extract", "--layout", "brand", "--format", "json", cwd=root)
    assert pot.code == 0, pot.err
    assert sorted(k["key"] for k in json.loads(pot.out)) == sorted(FR_BRAND)
    exported = run("i18n", "export", "fr-FR", "--layout", "brand", "--format", "json", cwd=root)
    assert (exported.code, json.loads(exported.out)) == (0, FR_BRAND)
    new = {"Acme Shop": "La boutique Acme", "Acme Shop, 1 Main Street": "Acme, 1 rue Haute"}
    (tmp_path / "brand.json").write_text(json.dumps(new), "utf-8")
    before = {p: p.read_bytes() for p in (root / "locales").rglob("*.po") if "brand" not in p.name}
    imported = run(
        "i18n", "import", "fr-FR", tmp_path / "brand.json", "--layout", "brand", cwd=root
    )
    assert imported.code == 0, imported.err
    assert "locales/fr-FR/layouts/brand.po" in imported.out
    again = run("i18n", "export", "fr-FR", "--layout", "brand", "--format", "json", cwd=root)
    assert json.loads(again.out) == new
    # Only the layout's catalog changed.
    assert {p: p.read_bytes() for p in before} == before
    both = run("i18n", "export", "fr-FR", "--layout", "brand", "--block", "social", cwd=root)
    assert (both.code, both.err) == (1, "error: give one of --template, --block and --layout\n")
    extract_both = run("i18n", "extract", "--layout", "brand", "--all", cwd=root)
    assert extract_both.err == "error: give SOURCE, --block, --layout or --all, not several\n"
