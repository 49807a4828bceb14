"""Real catalogs, as three projects' translators wrote them, import, render the translator's form
for each count, and export again through `msgfmt -c` and `msgcat`.

The files are in tests/data/catalogs/ (its README.md names each project, commit, path and
licence, and the entries kept). Wagtail's come from Transifex: CLDR-based rules, Russian,
Polish, Czech, Ukrainian and Lithuanian in 4 forms, the last (or `n % 1 != 0`) for decimal
counts. GNOME Clocks' come from GNOME's translators: GNU's table, Russian in 3 forms, Arabic
with `n%100>=11 ? 4 : 5`. Weblate's own come from its translators on Weblate: CLDR-based rules,
Welsh in 6 forms and Irish in 5. Three files cannot be mapped onto CLDR and are refused: Wagtail's
Welsh (8 and 11 apart from 4 to 10), Clocks' Hebrew (20, 30… apart from 0) and Irish (0 with
3 to 6, not with 11 and up); Weblate's Welsh and Irish, written after CLDR, import.

GNOME's strings are C-format (`%s`, `%d`) and tmplkit's python-format, so a test reads a copy of
the file whose `%s` and `%d` say `%(count)s` in msgid and msgstr alike (and `c-format` says
`python-format`); the stored file stays as upstream wrote it.

The truth is GNU gettext: msgfmt compiles the file imported to a .mo, and Python's
`gettext.GNUTranslations`, evaluating the file's own Plural-Forms, gives the text for each n
from 0 to 200. A decimal count has no gettext form: it takes the form that the file gives the
whole counts of its CLDR category, or, for a category only decimals have (Russian's `other`,
Lithuanian's `many`), the file's one form that no whole count takes (Transifex's decimals form),
and else the file's last form, with the warning the import prints.
"""

from __future__ import annotations

import gettext
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import polib
import pytest
from babel import Locale

import tmplkit
from tmplkit.i18n.locales import plural_rule

DATA = Path(__file__).resolve().parent / "data" / "catalogs"
COUNTS = range(201)
DECIMALS = ["0.5", "1.5", "2.5", "5.5", "11.5", "21.5", "101.5"]
WHOLE = range(10_001)  # the whole counts a decimals-only file form is looked for in

Run = Callable[..., Any]


@dataclass(frozen=True)
class Case:
    """One stored catalog and the locale it is imported as."""

    project: str
    file: str
    locale: str

    @property
    def path(self) -> Path:
        return DATA / self.project / self.file

    def __str__(self) -> str:
        return f"{self.project}/{self.file}"


# Each catalog imported and rendered: the file's name, then the locale it is imported as where
# that is not the file's name.
LOCALES = {"he_IL.po": "he-IL", "zh_Hans.po": "zh-Hans", "zh_CN.po": "zh-Hans-CN"}
IMPORTED = [
    Case(project, file, LOCALES.get(file, file.removesuffix(".po")))
    for project, files in [
        ("wagtail", "ar ru pl cs uk lt he_IL ja zh_Hans"),
        ("gnome-clocks", "ar ru pl cs uk lt ja zh_CN"),
        ("weblate", "cy ga"),
    ]
    for file in (f"{name}.po" for name in files.split())
]


def _decimals_warning(locale: str, header: str, example: str, category: str, last: int) -> str:
    return (
        f"{locale}: the file's Plural-Forms ({header}) has no form for decimal counts such as "
        f"{example} ({category}): its last form, msgstr[{last}], is used for them"
    )


GNU_RU = (
    "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || "
    "n%100>=20) ? 1 : 2);"
)
# What import prints for each file besides its summary: GNU's 3 forms have none for the
# decimals CLDR gives a category of their own.
WARNINGS: dict[str, list[str]] = {
    "gnome-clocks/ru.po": [_decimals_warning("ru", GNU_RU, "0.1", "other", 2)],
    "gnome-clocks/pl.po": [
        _decimals_warning(
            "pl",
            "nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
            "0.1",
            "other",
            2,
        )
    ],
    "gnome-clocks/cs.po": [
        _decimals_warning(
            "cs", "nplurals=3; plural=(n==1) ? 0 : (n>=2 && n<=4) ? 1 : 2;", "0.1", "many", 2
        )
    ],
    "gnome-clocks/uk.po": [_decimals_warning("uk", GNU_RU, "0.1", "other", 2)],
    "gnome-clocks/lt.po": [
        _decimals_warning(
            "lt",
            "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && (n%100<10 || n%100>=20) "
            "? 1 : 2);",
            "0.1",
            "many",
            2,
        )
    ],
}

REFUSED = {
    Case("wagtail", "cy.po", "cy"): (
        "the file's Plural-Forms (nplurals=4; plural=(n==1) ? 0 : (n==2) ? 1 : (n != 8 && n != "
        "11) ? 2 : 3;) does not map onto cy's (nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? "
        "2 : n==3 ? 3 : n==6 ? 4 : 5);): at n = 8 the file takes its form 3, at n = 4 its form "
        "2, where cy takes form 5 (other) for both"
    ),
    Case("gnome-clocks", "he.po", "he"): (
        "the file's Plural-Forms (nplurals=4; plural=(n==1 ? 0 : n==2 ? 1 : n>10 && n%10==0 ? 2 "
        ": 3);) does not map onto he's (nplurals=3; plural=(n==1 ? 0 : n==2 ? 1 : 2);): at n = "
        "20 the file takes its form 2, at n = 0 its form 3, where he takes form 2 (other) for "
        "both"
    ),
    Case("gnome-clocks", "ga.po", "ga"): (
        "the file's Plural-Forms (nplurals=5; plural=n==1 ? 0 : n==2 ? 1 : n<7 ? 2 : n<11 ? 3 : "
        "4;) does not map onto ga's (nplurals=5; plural=(n==1 ? 0 : n==2 ? 1 : n>=3 && n<=6 ? 2 "
        ": n>=7 && n<=10 ? 3 : 4);): at n = 11 the file takes its form 4, at n = 0 its form 2, "
        "where ga takes form 4 (other) for both"
    ),
}


# --- the catalog as tmplkit reads it, and as gettext does --------------------------------------


def python_format(path: Path, out: Path) -> Path:
    """The catalog at `out` with C-format's `%s`/`%d` written `%(count)s` (GNOME's files);
    python-format files are copied unchanged."""
    text = path.read_text("utf-8")
    if "c-format" in text:
        text = re.sub(r"%[sd]", "%(count)s", text).replace("c-format", "python-format")
    out.write_text(text, "utf-8")
    return out


def msgfmt(po: Path) -> gettext.GNUTranslations:
    """GNU msgfmt -c compiles the catalog; Python's gettext reads the .mo."""
    mo = po.with_suffix(".mo")
    done = subprocess.run(["msgfmt", "-c", "-o", str(mo), str(po)], capture_output=True, text=True)
    assert (done.returncode, done.stderr) == (0, ""), po
    with open(mo, "rb") as fh:
        return gettext.GNUTranslations(fh)


def placeholder(entry: polib.POEntry) -> str | None:
    names = set(re.findall(r"%\((\w+)\)s", entry.msgid + entry.msgid_plural))
    assert len(names) <= 1, entry.msgid  # the README's rule for the entries kept
    return names.pop() if names else None


def template_source(entries: list[polib.POEntry]) -> str:
    """A template using each kept message: a plural one once per count, one line a count."""
    lines = []
    for entry in entries:
        one, other = (
            re.sub(r"%\((\w+)\)s", r"{{ \1 }}", s) for s in (entry.msgid, entry.msgid_plural)
        )
        if entry.msgid_plural:
            lines.append(
                f"{{% for x in counts %}}{{% trans {placeholder(entry)}=x %}}{one}"
                f"{{% pluralize %}}{other}{{% endtrans %}}\n{{% endfor %}}"
            )
        else:
            lines.append(f"{{% trans %}}{one}{{% endtrans %}}\n")
    return "".join(lines)


def expected(
    entries: list[polib.POEntry],
    tr: gettext.GNUTranslations,
    counts: list[Any],
    forms: Callable[[float], int],
) -> str:
    """What the template prints: gettext's text for each whole count, and for a decimal the
    msgstr of the form `forms(count)` names."""
    out = []
    for entry in entries:
        if not entry.msgid_plural:
            out.append(tr.gettext(entry.msgid) + "\n")
            continue
        name = placeholder(entry)
        for n in counts:
            if isinstance(n, int):
                text = tr.ngettext(entry.msgid, entry.msgid_plural, n)
            else:
                text = entry.msgstr_plural[forms(n)]
            out.append((text % {name: n} if name else text) + "\n")
    return "".join(out)


def decimal_forms(tag: str, tr: gettext.GNUTranslations, count: int) -> Callable[[float], int]:
    """The file form of a decimal count: the one gettext gives the whole counts of the decimal's
    CLDR category, else the file's one form no whole count takes, else its last."""
    cldr = Locale.parse(tag.replace("-", "_")).plural_form
    whole: dict[str, set[int]] = {}
    for n in WHOLE:
        whole.setdefault(cldr(n), set()).add(tr.plural(n))  # type: ignore[attr-defined]
    taken = set().union(*whole.values())
    decimals_only = [k for k in range(count) if k not in taken]

    def form(n: float) -> int:
        seen = sorted(whole.get(cldr(Decimal(repr(n))), ()))
        if seen:
            assert len(seen) == 1, (tag, n, seen)  # else import refuses the file
            return seen[0]
        return decimals_only[0] if len(decimals_only) == 1 else count - 1

    return form


def project_with(tmp_path: Path, locale: str, source: str) -> tuple[tmplkit.Project, str, str]:
    """A project translated into `locale`, with one template whose text body is `source`."""
    project = tmplkit.init_project(tmp_path / "p")
    settings = (project.root / "tmplkit.toml").read_text("utf-8")
    (project.root / "tmplkit.toml").write_text(
        settings.replace("locales = []", f'locales = ["{locale}"]'), "utf-8"
    )
    project = tmplkit.open_project(project.root)
    folder = project.folders.create("Admin", project.workspaces.create("Site").id)
    template = project.templates.create(folder.id, "Messages")
    (draft,) = project.drafts.list(template.id)
    (draft.dir / "body.txt.j2").write_text(source, "utf-8")
    return project, template.id, draft.id


def marked(po: Path) -> Path:
    """A copy of the catalog whose msgstr[k] starts with `[k] `: the form chosen shows."""
    catalog = polib.pofile(str(po))
    for entry in catalog:
        entry.msgstr_plural = {k: f"[{k}] {v}" for k, v in entry.msgstr_plural.items()}
    out = po.with_name(f"marked-{po.name}")
    catalog.save(str(out))
    return out


def imported(
    case: Case, po: Path, tmp_path: Path, run: Run
) -> tuple[tmplkit.Project, str, str, list[polib.POEntry]]:
    """A project whose template uses each of the catalog's messages, and the catalog imported
    with `tmplkit i18n import`: exit 0, the warnings WARNINGS lists."""
    entries = [e for e in polib.pofile(str(po)) if e.msgid]
    project, template, draft = project_with(tmp_path, case.locale, template_source(entries))
    done = run("i18n", "import", case.locale, po, cwd=project.root)
    warnings = "".join(f"warning: {po}: {w}\n" for w in WARNINGS.get(str(case), []))
    assert (done.code, done.err) == (0, warnings)
    assert done.out.startswith(f"{case.locale}: {len(entries)} translations new or changed, ")
    return project, template, draft, entries


def check_gnu_tools(po: Path) -> None:
    for command in (["msgfmt", "-c", "-o", "/dev/null", str(po)], ["msgcat", str(po)]):
        done = subprocess.run(command, capture_output=True, text=True)
        assert (done.returncode, done.stderr) == (0, ""), command


# --- the tests ---------------------------------------------------------------------------------

COUNTS_AND_DECIMALS: list[Any] = [*COUNTS, *(float(d) for d in DECIMALS)]


def imported_and_rendered(
    case: Case, po: Path, tmp_path: Path, run: Run
) -> tuple[tmplkit.Project, gettext.GNUTranslations, list[polib.POEntry]]:
    """The catalog imported, and the template rendered for COUNTS_AND_DECIMALS printing what
    gettext reads in the catalog for each (see `expected`)."""
    tr = msgfmt(po)
    project, template, draft, entries = imported(case, po, tmp_path, run)
    message = tmplkit.render(
        template, {"counts": COUNTS_AND_DECIMALS}, project=project, draft=draft, locale=case.locale
    )
    count = len(next(e for e in entries if e.msgid_plural).msgstr_plural)
    forms = decimal_forms(case.locale, tr, count)
    assert message.text == expected(entries, tr, COUNTS_AND_DECIMALS, forms)
    return project, tr, entries


@pytest.mark.parametrize("case", IMPORTED, ids=str)
def test_a_real_catalog_imports_renders_the_translator_s_text_and_exports(
    case: Case, tmp_path: Path, run: Run
) -> None:
    po = python_format(case.path, tmp_path / case.file)
    project, tr, entries = imported_and_rendered(case, po, tmp_path, run)

    exported = tmp_path / "exported.po"
    done = run("i18n", "export", case.locale, "-o", exported, cwd=project.root)
    assert (done.code, done.err) == (0, "")
    check_gnu_tools(exported)
    assert polib.pofile(str(exported)).metadata["Plural-Forms"] == plural_rule(case.locale).header
    # Read by gettext under the project's rule, the export gives each whole count the text the
    # translator's file gave it.
    again = msgfmt(exported)
    for entry in entries:
        for n in COUNTS if entry.msgid_plural else [1]:
            assert again.ngettext(entry.msgid, entry.msgid_plural or entry.msgid, n) == (
                tr.ngettext(entry.msgid, entry.msgid_plural or entry.msgid, n)
            ), (entry.msgid, n)


@pytest.mark.parametrize("case", IMPORTED, ids=str)
def test_each_count_takes_the_form_the_file_s_own_rule_gives_it(
    case: Case, tmp_path: Path, run: Run
) -> None:
    """Translators often write the same text in two forms (Transifex's Russian `many` and
    `other`); with each msgstr[k] marked `[k]`, the form itself shows."""
    imported_and_rendered(
        case, marked(python_format(case.path, tmp_path / case.file)), tmp_path, run
    )


# The form each count takes, by hand: for a whole count the file's own rule; for a decimal, the
# file's form for its CLDR category.
BY_HAND: dict[Case, dict[Any, int]] = {
    # GNU's Arabic (`n%100>=11 ? 4 : 5`), which import once read with 4 and 5 swapped.
    Case("gnome-clocks", "ar.po", "ar"): {
        0: 0,
        1: 1,
        2: 2,
        3: 3,
        10: 3,
        11: 4,
        99: 4,
        100: 5,
        102: 5,
        103: 3,
        111: 4,
        1.5: 5,
    },
    # GNU's Russian in 3 forms: decimals (CLDR's `other`) take the last, with a warning.
    Case("gnome-clocks", "ru.po", "ru"): {0: 2, 1: 0, 2: 1, 5: 2, 11: 2, 21: 0, 1.5: 2, 5.5: 2},
    # Transifex's Russian in 4: the 4th is for decimals.
    Case("wagtail", "ru.po", "ru"): {0: 2, 1: 0, 2: 1, 5: 2, 11: 2, 21: 0, 1.5: 3, 5.5: 3},
    # Transifex's Lithuanian: `n % 1 != 0 ? 2` for decimals, though its expression, read as a
    # real number, gives 2.5 the form of 2 to 9.
    Case("wagtail", "lt.po", "lt"): {0: 3, 1: 0, 2: 1, 9: 1, 10: 3, 11: 3, 21: 0, 0.5: 2, 2.5: 2},
    Case("wagtail", "cs.po", "cs"): {0: 3, 1: 0, 2: 1, 4: 1, 5: 3, 0.5: 2, 1.5: 2},
    # CLDR's Hebrew `one` has 0.5 (i = 0 and v != 0): the file's form for 1, not for 1.5.
    Case("wagtail", "he_IL.po", "he-IL"): {0: 2, 1: 0, 2: 1, 20: 2, 0.5: 0, 1.5: 2},
    Case("wagtail", "ja.po", "ja"): {0: 0, 1: 0, 2: 0, 1.5: 0},
    # Weblate's Welsh in CLDR's 6 forms (0, 1, 2, 3, 6, other): 4, 5, 8 and 11 together, and
    # decimals (`other` in CLDR) with them, where Wagtail's Welsh is refused.
    Case("weblate", "cy.po", "cy"): {
        0: 0,
        1: 1,
        2: 2,
        3: 3,
        4: 5,
        5: 5,
        6: 4,
        7: 5,
        8: 5,
        11: 5,
        20: 5,
        0.5: 5,
        1.5: 5,
    },
    # Weblate's Irish (`(n>2 && n<7) ? 2`): 0 with 11 and up, as in CLDR, where GNOME Clocks'
    # `n<7 ? 2` is refused.
    Case("weblate", "ga.po", "ga"): {
        0: 4,
        1: 0,
        2: 1,
        3: 2,
        6: 2,
        7: 3,
        10: 3,
        11: 4,
        20: 4,
        0.5: 4,
        1.5: 4,
    },
}


@pytest.mark.parametrize("case", list(BY_HAND), ids=str)
def test_the_form_of_chosen_counts_by_hand(case: Case, tmp_path: Path, run: Run) -> None:
    po = marked(python_format(case.path, tmp_path / case.file))
    project, template, draft, entries = imported(case, po, tmp_path, run)
    counts = list(BY_HAND[case])
    message = tmplkit.render(
        template, {"counts": counts}, project=project, draft=draft, locale=case.locale
    )
    first = next(i for i, e in enumerate(entries) if e.msgid_plural)
    lines = message.text.splitlines()[first : first + len(counts)]
    assert [line.split(" ")[0] for line in lines] == [f"[{k}]" for k in BY_HAND[case].values()]


@pytest.mark.parametrize("case", list(REFUSED), ids=str)
def test_a_real_catalog_whose_rule_cannot_be_mapped_is_refused(
    case: Case, tmp_path: Path, run: Run
) -> None:
    po = python_format(case.path, tmp_path / case.file)
    msgfmt(po)  # gettext itself accepts the file
    entries = [e for e in polib.pofile(str(po)) if e.msgid]
    project, _, _ = project_with(tmp_path, case.locale, template_source(entries))
    before = {p: p.read_bytes() for p in project.root.rglob("*") if p.is_file()}

    done = run("i18n", "import", case.locale, po, cwd=project.root)
    line = po.read_text("utf-8").splitlines().index('msgid ""') + 1  # the header's
    assert done.code == 1
    assert done.err.splitlines()[0] == f"error: {po}:{line}: {case.locale}: header: {REFUSED[case]}"
    assert {p: p.read_bytes() for p in project.root.rglob("*") if p.is_file()} == before
