"""[i18n] keywords: a project's own gettext functions (pybabel's -k) extracted and translated
like tmplkit's _(), ngettext() and pgettext()."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po

import tmplkit
from tests.conftest import ProjectEnv, add_settings
from tmplkit.errors import CompileError, ProjectError, TemplateError
from tmplkit.model import Draft
from tmplkit.store.records import GettextKeyword, Settings, gettext_keywords
from tmplkit.targets import TARGETS
from tmplkit.template import ir
from tmplkit.template.parse import parse

FLASK_SECURITY = ["_fsdomain", "ngettext_fs:1,2", "pgettext_fs:1c,2"]
KEYWORDS = gettext_keywords(FLASK_SECURITY)
KEYWORD_ARGS = tuple(arg for keyword in FLASK_SECURITY for arg in ("-k", keyword))  # pybabel's

# A Flask-Security-like mail: each configured call, and tmplkit's own beside them.
WELCOME = """\
<p>{{ _fsdomain("Please confirm your email") }}</p>
{# Translators: the greeting at the top of the welcome mail #}
<p>{{ _fsdomain("Welcome %(email)s!", email=user.email) }}</p>
<p>{{ _fsdomain("%(n)s items", n=cart.count) }}</p>
<p>{{ ngettext_fs("%(num)s login", "%(num)s logins", user.logins) }}</p>
<p>{{ pgettext_fs("button", "Confirm") }}</p>
<p>{{ _("Shop now") }} {% trans name=user.name %}Hello {{ name }}{% endtrans %}</p>
<p>{{ _fsdomain("Please confirm your email") }}</p>
"""


def without_positions(body: ir.Body) -> list[Any]:
    return [
        (n.msgid, n.plural, n.context, n.bindings, n.count, n.comment)
        for n in ir.walk(body)
        if isinstance(n, ir.Trans)
    ]


@pytest.mark.parametrize(
    ("configured", "builtin"),
    [
        ('_fsdomain("Please confirm")', '_("Please confirm")'),
        ('_fsdomain("%(n)s items", n=cart.count)', '_("%(n)s items", n=cart.count)'),
        (
            'ngettext_fs("%(num)s login", "%(num)s logins", user.logins)',
            'ngettext("%(num)s login", "%(num)s logins", user.logins)',
        ),
        ('pgettext_fs("button", "Confirm")', 'pgettext("button", "Confirm")'),
        ('dgettext("shop", "Buy")', '_("Buy")'),
        ('total("%(a)s", a=x)', '_("%(a)s", a=x)'),
    ],
)
def test_a_keyword_parses_like_the_builtin_of_its_shape(configured: str, builtin: str) -> None:
    keywords = gettext_keywords([*FLASK_SECURITY, "dgettext:2", "total:1,2t"])
    got = parse("{{ " + configured + " }}", "t.html.j2", keywords).body
    assert without_positions(got) == without_positions(parse("{{ " + builtin + " }}").body)


def test_translator_comments_attach_to_a_keyword_call() -> None:
    source = '{# Translators: top of the mail #}\n{{ _fsdomain("Hi") }}'
    body = parse(source, "t.html.j2", KEYWORDS).body
    assert [n.comment for n in body if isinstance(n, ir.Trans)] == ["top of the mail"]


def test_without_the_keyword_the_hint_says_where_to_add_it() -> None:
    with pytest.raises(TemplateError) as info:
        parse('<p>{{ _fsdomain("Please confirm your email") }}</p>', "t.html.j2")
    assert str(info.value) == (
        "t.html.j2:1:7: calling _fsdomain() is not portable (hint: to translate with "
        '_fsdomain(), add it to [i18n] keywords in tmplkit.toml: keywords = ["_fsdomain"])'
    )


def test_a_call_that_matches_no_total_is_refused_with_the_totals() -> None:
    with pytest.raises(TemplateError) as info:
        parse('{{ f("a", "b") }}', "t.html.j2", gettext_keywords(["f:1,3t"]))
    assert str(info.value) == (
        "t.html.j2:1:4: f() with 2 arguments is none of its [i18n] keywords "
        "(hint: tmplkit.toml gives f() 3 arguments (pybabel's Nt))"
    )


def test_settings_read_and_write_the_keywords() -> None:
    settings = Settings.from_toml({"i18n": {"keywords": FLASK_SECURITY}})
    assert settings.keywords == (
        GettextKeyword("_fsdomain"),
        GettextKeyword("ngettext_fs", (1, 2)),
        GettextKeyword("pgettext_fs", (2,), context=1),
    )
    assert settings.to_toml()["i18n"] == {"keywords": FLASK_SECURITY}
    assert "i18n" not in Settings().to_toml()


@pytest.mark.parametrize(
    ("spec", "why"),
    [
        (
            "f:",
            "is not a pybabel keyword spec (name, name:N, name:N,M (singular, plural), "
            "name:Nc,M (context) or name:N,Mt)",
        ),
        (
            "f:x",
            "is not a pybabel keyword spec (name, name:N, name:N,M (singular, plural), "
            "name:Nc,M (context) or name:N,Mt)",
        ),
        (
            "f g",
            "does not name a function (name, name:N, name:N,M (singular, plural), "
            "name:Nc,M (context) or name:N,Mt)",
        ),
        ("f:0", "must give different argument positions, counted from 1"),
        ("f:1,1", "must give different argument positions, counted from 1"),
        ("f:1,2,3", "must give one message argument, or two (singular and plural)"),
        ("f:1c", "must give one message argument, or two (singular and plural)"),
        ("f:1c,2c,3", "gives more than one context argument"),
        ("f:1,2,2t", "counts 2 arguments where a call needs at least 3"),
        ("ngettext:1", "conflicts with the built-in 'ngettext:1,2'"),
    ],
)
def test_a_bad_spec_names_the_file_the_key_and_the_entry(spec: str, why: str) -> None:
    with pytest.raises(ProjectError) as info:
        gettext_keywords(["_fsdomain", spec])
    assert str(info.value) == f"tmplkit.toml: [i18n] keywords: {spec!r} {why}"


def test_a_bad_spec_stops_the_command_with_one_line(project: ProjectEnv, run: Any) -> None:
    add_settings(project.root, '[i18n]\nkeywords = ["_fsdomain", "ngettext_fs:1,x"]\n')
    result = run("i18n", "extract", "--all", cwd=project.root)
    assert (result.code, result.out) == (1, "")
    assert result.err == (
        "error: tmplkit.toml: [i18n] keywords: 'ngettext_fs:1,x' is not a pybabel keyword "
        "spec (name, name:N, name:N,M (singular, plural), name:Nc,M (context) or name:N,Mt)\n"
    )


def test_keywords_must_be_a_list_of_strings() -> None:
    with pytest.raises(ProjectError) as info:
        Settings.from_toml({"i18n": {"keywords": "_fsdomain"}})
    assert str(info.value) == (
        'tmplkit.toml: [i18n] keywords must be a list of strings, such as ["_fsdomain"]'
    )


# --- the same POT as pybabel ---------------------------------------------------------------


def pot_entries(pot: bytes, base: str = "") -> list[tuple[Any, ...]]:
    """A POT's entries as pybabel and tmplkit both write them: id (a (singular, plural) pair
    for a plural), context, translator comments, flags, and locations with `base` (the
    directory pybabel was pointed at) taken off their path."""
    catalog = read_po(io.BytesIO(pot))
    return [
        (
            m.id,
            m.context,
            m.auto_comments,
            sorted(m.flags),
            [(path.removeprefix(base), line) for path, line in m.locations],
        )
        for m in catalog
        if m.id
    ]


def pybabel(cwd: Path, config: str, *args: str) -> bytes:
    (cwd / "babel.cfg").write_text(config, "utf-8")
    out = cwd / "pybabel.pot"
    command = [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg"]
    subprocess.run(
        [*command, "-c", "Translators:", *args, "-o", str(out), "workspaces"],
        cwd=cwd,
        check=True,
        capture_output=True,
    )
    return out.read_bytes()


@pytest.fixture
def flask_security(project: ProjectEnv) -> ProjectEnv:
    add_settings(
        project.root, '[i18n]\nkeywords = ["_fsdomain", "ngettext_fs:1,2", "pgettext_fs:1c,2"]\n'
    )
    (project.draft.dir / "body.html.j2").write_text(WELCOME, "utf-8")
    (project.draft.dir / "subject.j2").write_text('{{ _fsdomain("Welcome") }}\n', "utf-8")
    return project


def test_the_pot_is_pybabels_with_its_jinja2_extractor(
    flask_security: ProjectEnv, run: Any
) -> None:
    root = flask_security.root
    result = run("i18n", "extract", "--all", cwd=root)
    assert result.code == 0, result.err
    expected = pybabel(root, "[jinja2: **.j2]\n", *KEYWORD_ARGS)
    ours = pot_entries(result.out.encode())
    # The one difference: the entries' order. tmplkit lists a draft's strings part by part
    # (subject.j2, then body.html.j2), pybabel file by file in name order (body.html.j2
    # first); within a file the order is the same.
    assert ours[1:] + ours[:1] == pot_entries(expected)
    draft = flask_security.draft.dir.relative_to(root).as_posix()
    assert ours[1:4] == [
        (
            "Please confirm your email",
            None,
            [],
            [],
            [(f"{draft}/body.html.j2", 1), (f"{draft}/body.html.j2", 8)],
        ),
        (
            "Welcome %(email)s!",
            None,
            ["the greeting at the top of the welcome mail"],
            ["python-format"],
            [(f"{draft}/body.html.j2", 3)],
        ),
        ("%(n)s items", None, [], ["python-format"], [(f"{draft}/body.html.j2", 4)]),
    ]
    assert ("Confirm" in {e[0] for e in ours}) and (
        ("%(num)s login", "%(num)s logins") in {e[0] for e in ours}
    )


@pytest.mark.parametrize(
    "args",
    [
        (),
        (
            "--no-default-keywords",
            *KEYWORD_ARGS,
        ),
    ],
)
def test_the_pybabel_plugin_reads_the_projects_keywords(
    flask_security: ProjectEnv, args: tuple[str, ...]
) -> None:
    root = flask_security.root
    jinja = pybabel(root, "[jinja2: **.j2]\n", *KEYWORD_ARGS)
    plugin = pybabel(root, "[tmplkit: **.j2]\n", *args)
    assert pot_entries(plugin) == pot_entries(jinja)


FRENCH = """\
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Language: fr-FR\\n"
"Plural-Forms: nplurals=2; plural=(n > 1);\\n"

msgid "Please confirm your email"
msgstr "Veuillez confirmer votre adresse"

msgid "Welcome %(email)s!"
msgstr "Bienvenue %(email)s !"

msgid "%(num)s login"
msgid_plural "%(num)s logins"
msgstr[0] "%(num)s connexion"
msgstr[1] "%(num)s connexions"

msgctxt "button"
msgid "Confirm"
msgstr "Confirmer"
"""


def test_a_keyword_renders_and_compiles_like_the_builtin(flask_security: ProjectEnv) -> None:
    """The same draft written with tmplkit's own functions renders and compiles to every
    target, in the source language and in French, to the same text."""
    project = flask_security.reload()  # with the [i18n] keywords added to tmplkit.toml
    builtin = project.drafts.create(flask_security.template.id, name="Built-in")
    for part in ("body.html.j2", "subject.j2"):
        text = (flask_security.draft.dir / part).read_text("utf-8")
        for ours, theirs in (
            ("_fsdomain(", "_("),
            ("ngettext_fs(", "ngettext("),
            ("pgettext_fs(", "pgettext("),
        ):
            text = text.replace(ours, theirs)
        (builtin.dir / part).write_text(text, "utf-8")
    from tmplkit.i18n.extract import catalog_path

    po = catalog_path(project, "fr-FR", flask_security.template)
    po.parent.mkdir(parents=True, exist_ok=True)
    po.write_text(FRENCH, "utf-8")
    data = {"user": {"email": "a@b.c", "logins": 2, "name": "Ann"}, "cart": {"count": 3}}
    french = tmplkit.render(flask_security.draft.id, data, locale="fr-FR", project=project)
    assert "<p>Bienvenue a@b.c !</p>" in french.html
    assert "<p>2 connexions</p>" in french.html

    def compiled(draft: Draft, target: str, locale: str | None) -> str:
        """The compiled html part, or the refusal (which names the draft's file)."""
        try:
            return tmplkit.compile(draft.id, target, locale, project=project)
        except CompileError as exc:
            return str(exc).replace(draft.dir.name, "DRAFT")

    for target in TARGETS:
        for locale in (None, "fr-FR"):
            ours = compiled(flask_security.draft, target, locale)
            assert ours == compiled(builtin, target, locale), (target, locale)
