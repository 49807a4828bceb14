"""Localization, command line: `tmplkit i18n …`, `tmplkit localization …`, render/compile --locale.

Import's bad-input suite: each problem alone and several in one file, in PO and JSON; each gets
every problem as `error: FILE:LINE: LOCALE: KEY: message`, exit 1, and not one byte under
locales/ changes. Every PO/POT file the commands write goes through the real `msgfmt -c`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polib
import pytest

import tmplkit
from tests.engines import require_engine
from tests.test_i18n import msgfmt_c

from .fulldisk import fill, small_disk, unfill

ORDER = "acme-shop/orders/order-confirmation"
WELCOME = "acme-shop/account/welcome"
NEXT_DRAFT = "tdft_01m6gcf97zxybbb8msg2ee1s2d"  # the order confirmation's IN_PROGRESS draft
PUBLISHED_DRAFT = "tdft_01m2n5dddb84ebykebcpqd9ha6"
LOCALES = ("fr-FR", "de-DE", "pl-PL", "ja-JP", "ar-EG")
PROMO_DRAFT = "workspaces/acme-shop/orders/promo/drafts/draft-1"
PLURAL_PL = "nplurals=4; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<12 || n%100>14) ? 1 : 2);"
# 4 lines: two header fields on one line (a PO string may hold several)
PO_HEADER = (
    'msgid ""\nmsgstr ""\n'
    f'"Content-Type: text/plain; charset=UTF-8\\nPlural-Forms: {PLURAL_PL}\\n"\n\n'
)

Run = Callable[..., Any]


def locale_files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted((root / "locales").rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def acme(sample_project: Path) -> Path:
    """The sample project plus a template whose strings hold markup (shop/promo)."""
    project = tmplkit.open_project(sample_project)
    orders = project.templates.get(ORDER).folder_id
    promo = project.templates.create(orders, "Promo")
    (draft,) = project.drafts.list(promo.id)
    project.drafts.write_part(
        draft.id,
        "html",
        '<p>{% trans %}Read <a href="https://acme.example/help">our guide</a>.{% endtrans %}</p>\n'
        "<p>{% trans name=customer.first_name %}Hi <b>{{ name }}</b>, save 50% today.{% endtrans %}</p>\n",
    )
    return sample_project


def msgfmt_all(root: Path) -> None:
    """`msgfmt -c` on every PO and POT file under root (catalogs, exports, extracts)."""
    for path in sorted(root.rglob("*.po")):
        msgfmt_c(path)
    for path in sorted(root.rglob("*.pot")):
        if path.name != "babel.pot":  # pybabel's, not tmplkit's
            msgfmt_c(path, pot=True)


def changed_files(before: dict[str, bytes], after: dict[str, bytes]) -> list[str]:
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


# --- extract ---------------------------------------------------------------------------------------


def pybabel(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    code = "import sys; from babel.messages.frontend import main; sys.argv[0] = 'pybabel'; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )


def entry_keys(path: Path) -> dict[tuple[str | None, str], tuple[Any, ...]]:
    return {
        (e.msgctxt, e.msgid): (e.msgid_plural or None, e.comment, sorted(e.occurrences))
        for e in polib.pofile(str(path))
    }


def test_extract_equals_pybabel_with_the_entry_point(sample_project: Path, run: Run) -> None:
    acme = sample_project
    result = run("i18n", "extract", "--all", "-o", "messages.pot", cwd=acme)
    assert (result.code, result.out, result.err) == (0, "", "")
    msgfmt_c(acme / "messages.pot", pot=True)
    (acme / "babel.cfg").write_text("[tmplkit: **.j2]\n", "utf-8")
    pybabel("extract", "-F", "babel.cfg", "-c", "Translators:", "-o", "babel.pot", ".", cwd=acme)
    ours, theirs = entry_keys(acme / "messages.pot"), entry_keys(acme / "babel.pot")
    assert ours == theirs
    assert len(ours) == 80
    assert ours[("button", "View your order")][0] is None
    assert ours[(None, "You ordered %(count)s item.")][0] == "You ordered %(count)s items."
    assert ours[(None, "Acme Shop")][1] == (
        "Alternative text of the logo image, read aloud by screen readers."
    )
    flags = {(e.msgctxt, e.msgid): e.flags for e in polib.pofile(str(acme / "messages.pot"))}
    babel_flags = {(e.msgctxt, e.msgid): e.flags for e in polib.pofile(str(acme / "babel.pot"))}
    assert flags == babel_flags


def test_extract_a_file_has_no_python_format_false_positives(tmp_path: Path, run: Run) -> None:
    (tmp_path / "sale.html.j2").write_text(
        "{# Translators: A banner. #}\n<p>{% trans %}Save 50% off{% endtrans %}</p>\n"
        '<p>{% trans n=pct %}Save {{ n }}% off{% endtrans %}</p>\n<p>{{ pgettext("menu", "Open") }}</p>\n',
        "utf-8",
    )
    result = run("i18n", "extract", "sale.html.j2", "-o", "sale.pot", cwd=tmp_path)
    assert result.code == 0, result.err
    msgfmt_c(tmp_path / "sale.pot", pot=True)
    (tmp_path / "babel.cfg").write_text("[tmplkit: **.j2]\n", "utf-8")
    pybabel(
        "extract", "-F", "babel.cfg", "-c", "Translators:", "-o", "babel.pot", ".", cwd=tmp_path
    )
    assert (
        entry_keys(tmp_path / "sale.pot")
        == entry_keys(tmp_path / "babel.pot")
        == {
            (None, "Save 50% off"): (None, "A banner.", [("sale.html.j2", "2")]),
            (None, "Save %(n)s%% off"): (None, "", [("sale.html.j2", "3")]),
            ("menu", "Open"): (None, "", [("sale.html.j2", "4")]),
        }
    )
    flags = {e.msgid: e.flags for e in polib.pofile(str(tmp_path / "sale.pot"))}
    babel_flags = {e.msgid: e.flags for e in polib.pofile(str(tmp_path / "babel.pot"))}
    assert flags == {"Save 50% off": [], "Save %(n)s%% off": ["python-format"], "Open": []}
    assert babel_flags["Save 50% off"] == ["python-format"]  # Babel's false positive ("% o")


def test_extract_wraps_long_comments_as_pybabel_does(tmp_path: Path, run: Run) -> None:
    """A long translator comment is wrapped where pybabel wraps it: never at a hyphen (polib
    alone would write "seventy-" and "six" on two lines, and a POT read back would hold them so)."""
    comment = (
        "Shown under the net total, so keep it short: a translation past the seventy-six "
        "character mark wraps badly."
    )
    (tmp_path / "a.html.j2").write_text(
        f"{{# Translators: {comment} #}}\n<p>{{% trans %}}Total{{% endtrans %}}</p>\n", "utf-8"
    )
    result = run("i18n", "extract", "a.html.j2", "-o", "ours.pot", cwd=tmp_path)
    assert (result.code, result.err) == (0, "")
    (tmp_path / "babel.cfg").write_text("[tmplkit: **.j2]\n", "utf-8")
    pybabel(
        "extract", "-F", "babel.cfg", "-c", "Translators:", "-o", "babel.pot", ".", cwd=tmp_path
    )
    expected = [
        "#. Shown under the net total, so keep it short: a translation past the",
        "#. seventy-six character mark wraps badly.",
    ]
    for name in ("ours.pot", "babel.pot"):
        lines = (tmp_path / name).read_text("utf-8").splitlines()
        assert [line for line in lines if line.startswith("#.")] == expected, name
    assert entry_keys(tmp_path / "ours.pot") == entry_keys(tmp_path / "babel.pot")


def test_extract_json_keys_of_a_template_and_a_block(acme: Path, run: Run) -> None:
    result = run("i18n", "extract", ORDER, "--format", "json", cwd=acme)
    assert result.code == 0
    keys = json.loads(result.out)
    assert len(keys) == 23
    assert keys[4] == {
        "key": "Hi %(name)s,",
        "comment": "Greeting; name is the customer's first name.",
    }
    assert keys[6] == {
        "key": "You ordered %(count)s item.",
        "comment": "",
        "plural": "You ordered %(count)s items.",
    }
    assert {"key": "View your order", "comment": "", "context": "button"} in keys
    block = run("i18n", "extract", "--block", "footer", "--format", "json", cwd=acme)
    assert json.loads(block.out) == [
        {"key": "Help center", "comment": ""},
        {"key": "Unsubscribe", "comment": ""},
        {
            "key": "Acme Shop, 500 Market Street, Suite 12, San Francisco, CA 94105, USA",
            "comment": "Company postal address. Keep the street and city names unchanged; adapt only the punctuation.",
        },
        {
            "key": "You are receiving this e-mail because you have an account with Acme Shop.",
            "comment": "",
        },
    ]
    pot = run("i18n", "extract", "--block", "header", "-o", "header.pot", cwd=acme)
    assert pot.code == 0
    msgfmt_c(acme / "header.pot", pot=True)
    assert [e.msgid for e in polib.pofile(str(acme / "header.pot"))] == ["Acme Shop"]


@pytest.mark.parametrize(
    "args,error",
    [
        ((ORDER, "--all"), "error: give SOURCE, --block, --layout or --all, not several\n"),
        (("--block", "nope"), "error: no block 'nope'\n"),
        (("acme-shop/nope",), "error: no template 'acme-shop/nope'\n"),
    ],
)
def test_extract_refusals(acme: Path, run: Run, args: tuple[str, ...], error: str) -> None:
    result = run("i18n", "extract", *args, cwd=acme)
    assert (result.code, result.out, result.err) == (1, "", error)


# --- import: the bad-input suite ---------------------------------------------------------------------

HI = "'Hi %(name)s,'"
ORDERED = "'You ordered %(count)s item.'"
READ = "'Read <a href=\"https://acme.example/help\">our guide</a>.'"
SAVE = "'Hi <b>%(name)s</b>, save 50%% today.'"

# name -> (PO entries after the 4-line header, the problems as `LINE: KEY: message`)
PO_CASES: dict[str, tuple[str, list[str]]] = {
    "unknown placeholder": (
        '#, python-format\nmsgid "Hi %(name)s,"\nmsgstr "Cześć %(name)s i %(imie)s,"\n',
        [f"5: pl-PL: {HI}: unknown placeholder %(imie)s"],
    ),
    "missing placeholder": (
        '#, python-format\nmsgid "Hi %(name)s,"\nmsgstr "Cześć!"\n',
        [f"5: pl-PL: {HI}: missing placeholder %(name)s"],
    ),
    "renamed placeholder": (
        '#, python-format\nmsgid "Hi %(name)s,"\nmsgstr "Cześć %(imie)s,"\n',
        [
            f"5: pl-PL: {HI}: unknown placeholder %(imie)s",
            f"5: pl-PL: {HI}: missing placeholder %(name)s",
        ],
    ),
    "a plural form other than msgstr[0] drops the count": (
        '#, python-format\nmsgid "You ordered %(count)s item."\nmsgid_plural "You ordered %(count)s items."\n'
        'msgstr[0] "Zamówiono jeden produkt."\nmsgstr[1] "Zamówiono kilka produktów."\n'
        'msgstr[2] "Zamówiono %(count)s produktów."\nmsgstr[3] "Zamówiono %(count)s produktu."\n',
        [f"5: pl-PL: {ORDERED}: form 1: missing placeholder %(count)s"],
    ),
    "wrong number of plural forms": (
        '#, python-format\nmsgid "You ordered %(count)s item."\nmsgid_plural "You ordered %(count)s items."\n'
        'msgstr[0] "Zamówiono %(count)s produkt."\nmsgstr[1] "Zamówiono %(count)s produkty."\n',
        [f"5: pl-PL: {ORDERED}: 2 plural forms, the file's Plural-Forms has nplurals=4"],
    ),
    "unbalanced tags": (
        'msgid "Read <a href=\\"https://acme.example/help\\">our guide</a>."\n'
        'msgstr "Przeczytaj <a href=\\"https://acme.example/help\\">nasz poradnik."\n',
        [
            f"5: pl-PL: {READ}: HTML tags differ from the source: drops </a>",
            f"5: pl-PL: {READ}: HTML tags are not balanced: <a> is never closed",
        ],
    ),
    "misnested tags": (
        'msgid "Read <a href=\\"https://acme.example/help\\">our guide</a>."\n'
        'msgstr "Przeczytaj </a>nasz poradnik<a href=\\"https://acme.example/help\\">."\n',
        [f"5: pl-PL: {READ}: HTML tags are not balanced: </a> closes nothing open"],
    ),
    "changed tags": (
        'msgid "Read <a href=\\"https://acme.example/help\\">our guide</a>."\n'
        'msgstr "Przeczytaj <a href=\\"https://evil.example/\\">nasz poradnik</a>."\n',
        [
            f"5: pl-PL: {READ}: HTML tags differ from the source: adds <a "
            'href="https://evil.example/">; drops <a href="https://acme.example/help">'
        ],
    ),
    "a literal percent sign not written %%": (
        '#, python-format\nmsgid "Hi <b>%(name)s</b>, save 50%% today."\n'
        'msgstr "Cześć <b>%(name)s</b>, 50% taniej."\n',
        [
            f"5: pl-PL: {SAVE}: invalid % directive '% t' (write a literal percent sign as %%, "
            "placeholders as %(name)s)"
        ],
    ),
    "a %d directive": (
        '#, python-format\nmsgid "Hi <b>%(name)s</b>, save 50%% today."\n'
        'msgstr "Cześć <b>%(name)s</b>, %d%% taniej."\n',
        [
            f"5: pl-PL: {SAVE}: invalid % directive '%d' (write a literal percent sign as %%, "
            "placeholders as %(name)s)"
        ],
    ),
    "a percent sign at the end": (
        '#, python-format\nmsgid "Hi <b>%(name)s</b>, save 50%% today."\n'
        'msgstr "Cześć <b>%(name)s</b>, taniej o 50%"\n',
        [f"5: pl-PL: {SAVE}: invalid % at the end (write a literal percent sign as %%)"],
    ),
    "unknown key": (
        'msgid "Thanks for your purchase!"\nmsgstr "Dziękujemy za zakup!"\n',
        ["5: pl-PL: 'Thanks for your purchase!': unknown key: not in the source"],
    ),
    "unknown context": (
        'msgctxt "link"\nmsgid "View your order"\nmsgstr "Zobacz zamówienie"\n',
        ["5: pl-PL: [link] 'View your order': unknown key: not in the source"],
    ),
    "a plural for a singular source": (
        'msgid "Total"\nmsgid_plural "Totals"\nmsgstr[0] "Suma"\nmsgstr[1] "Sumy"\nmsgstr[2] "Sum"\n'
        'msgstr[3] "Sumy"\n',
        ["5: pl-PL: 'Total': the source is not a plural: give a single translation"],
    ),
    "a singular for a plural source": (
        '#, python-format\nmsgid "You ordered %(count)s item."\nmsgstr "Zamówiono %(count)s."\n',
        [f"5: pl-PL: {ORDERED}: the source is a plural: give one translation per form"],
    ),
}

# The same problems written as Dyspatch JSON: (JSON text, the problems as `LINE: KEY: message`).
JSON_CASES: dict[str, tuple[str, list[str]]] = {
    "renamed placeholder": (
        '{\n  "Hi %(name)s,": "Cześć %(imie)s,"\n}\n',
        [
            f"2: pl-PL: {HI}: unknown placeholder %(imie)s",
            f"2: pl-PL: {HI}: missing placeholder %(name)s",
        ],
    ),
    "wrong number of plural forms": (
        '{\n  "Total": "Razem",\n  "You ordered %(count)s item.": [\n    "Zamówiono %(count)s produkt.",\n'
        '    "Zamówiono %(count)s produkty."\n  ]\n}\n',
        [f"3: pl-PL: {ORDERED}: 2 plural forms, pl-PL has 4 ({PLURAL_PL})"],
    ),
    "changed tags": (
        '{"Read <a href=\\"https://acme.example/help\\">our guide</a>.":\n'
        "  \"Przeczytaj <a href='https://acme.example/help'>nasz poradnik</a>.\"}\n",
        [
            f"1: pl-PL: {READ}: HTML tags differ from the source: adds <a "
            "href='https://acme.example/help'>; drops <a href=\"https://acme.example/help\">"
        ],
    ),
    "a %d directive": (
        '{"Hi <b>%(name)s</b>, save 50%% today.": "Cześć <b>%(name)s</b>, %d%% taniej."}\n',
        [
            f"1: pl-PL: {SAVE}: invalid % directive '%d' (write a literal percent sign as %%, "
            "placeholders as %(name)s)"
        ],
    ),
    "unknown context": (
        '{\n  "link\\u0004View your order": "Zobacz zamówienie"\n}\n',
        ["2: pl-PL: [link] 'View your order': unknown key: not in the source"],
    ),
    "a plural for a singular source": (
        '{"Total": ["Suma", "Sumy", "Sum"]}\n',
        ["1: pl-PL: 'Total': the source is not a plural: give a single translation"],
    ),
    "a singular for a plural source": (
        '{"You ordered %(count)s item.": "Zamówiono"}\n',
        [f"1: pl-PL: {ORDERED}: the source is a plural: give one translation per form"],
    ),
}


def expect(file: Path, problems: list[str]) -> str:
    lines = [f"error: {file}:{p}" for p in problems]
    lines.append(f"error: {file}: {len(problems)} problems; nothing imported")
    return "\n".join(lines) + "\n"


def check_refused(acme: Path, run: Run, file: Path, err: str, *extra: str) -> None:
    before = locale_files(acme)
    result = run("i18n", "import", "pl-PL", file, *extra, cwd=acme)
    assert (result.code, result.out, result.err) == (1, "", err)
    assert locale_files(acme) == before  # byte for byte, every file under locales/


@pytest.mark.parametrize("case", list(PO_CASES), ids=list(PO_CASES))
def test_import_po_problem_alone(acme: Path, run: Run, case: str, tmp_path: Path) -> None:
    entries, problems = PO_CASES[case]
    file = tmp_path / "pl.po"
    file.write_text(PO_HEADER + entries, "utf-8")
    check_refused(acme, run, file, expect(file, problems))
    check_refused(acme, run, file, expect(file, problems), "--dry-run")


@pytest.mark.parametrize(
    "case",
    [c for c in JSON_CASES],
    ids=list(JSON_CASES),
)
def test_import_json_problem_alone(acme: Path, run: Run, case: str, tmp_path: Path) -> None:
    text, problems = JSON_CASES[case]
    file = tmp_path / "pl.json"
    file.write_text(text, "utf-8")
    check_refused(acme, run, file, expect(file, problems))


def test_import_po_with_every_problem_at_once(acme: Path, run: Run, tmp_path: Path) -> None:
    """One file, many problems (and valid entries among them): the report lists every one."""
    cases = [  # one per key: a PO file holds each key once
        "renamed placeholder",
        "wrong number of plural forms",
        "changed tags",
        "a %d directive",
        "unknown key",
        "unknown context",
        "a plural for a singular source",
    ]
    entries = [
        'msgid "Delivery"\nmsgstr "Wysyłka"\n',  # valid, but nothing may be imported
        *(PO_CASES[name][0] for name in cases),
        'msgid "Item"\nmsgstr "<b>Produkt"\n',
    ]
    text = PO_HEADER + "\n".join(entries)
    file = tmp_path / "pl.po"
    file.write_text(text, "utf-8")
    starts, line = [], 5
    for entry in entries:
        starts.append(line)
        line += entry.count("\n") + 1
    problems = []
    for start, name in zip(starts[1:-1], cases, strict=True):
        problems += [f"{start}:" + p.split(":", 1)[1] for p in PO_CASES[name][1]]
    problems += [
        f"{starts[-1]}: pl-PL: 'Item': HTML tags differ from the source: adds <b>",
        f"{starts[-1]}: pl-PL: 'Item': HTML tags are not balanced: <b> is never closed",
    ]
    assert len(problems) == 10
    check_refused(acme, run, file, expect(file, problems))
    # --json gives the same report as data.
    result = run("i18n", "import", "pl-PL", file, "--json", cwd=acme)
    assert result.code == 1
    report = json.loads(result.out)
    assert report["problems"] == [f"{file}:{p}" for p in problems]
    assert (report["ok"], report["written"], report["translated"]) == (False, [], 0)
    assert result.err == f"error: {file}: 10 problems; nothing imported\n"


def test_import_json_with_several_problems(acme: Path, run: Run, tmp_path: Path) -> None:
    text = (
        "{\n"
        '  "Delivery": "Wysyłka",\n'
        '  "Hi %(name)s,": "Cześć %(imie)s,",\n'
        '  "You ordered %(count)s item.": ["Zamówiono %(count)s produkt."],\n'
        '  "Read <a href=\\"https://acme.example/help\\">our guide</a>.": "Przeczytaj <b>poradnik</b>.",\n'
        '  "Hi <b>%(name)s</b>, save 50%% today.": "Cześć <b>%(name)s</b>, 50% taniej.",\n'
        '  "No such string": "Nie ma"\n'
        "}\n"
    )
    file = tmp_path / "pl.json"
    file.write_text(text, "utf-8")
    problems = [
        f"3: pl-PL: {HI}: unknown placeholder %(imie)s",
        f"3: pl-PL: {HI}: missing placeholder %(name)s",
        f"4: pl-PL: {ORDERED}: 1 plural forms, pl-PL has 4 ({PLURAL_PL})",
        f'5: pl-PL: {READ}: HTML tags differ from the source: adds </b>, <b>; drops </a>, <a href="https://acme.example/help">',
        f"6: pl-PL: {SAVE}: invalid % directive '% t' (write a literal percent sign as %%, placeholders as %(name)s)",
        "7: pl-PL: 'No such string': unknown key: not in the source",
    ]
    check_refused(acme, run, file, expect(file, problems))


# --- import: what `msgfmt -c` refuses, refused the same way ----------------------------------------

RU_GNU = (  # GNU gettext's Russian rule, in 3 forms (CLDR's has 4: `other` for decimals)
    "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
    "(n%100<10 || n%100>=20) ? 1 : 2);"
)
AR_GNU = (  # GNU gettext's usual Arabic header: `n%100>=11 ? 4` where CLDR says 11..99
    "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : "
    "n%100>=11 ? 4 : 5);"
)
ORDERED_PO = (
    '#, python-format\nmsgid "You ordered %(count)s item."\n'
    'msgid_plural "You ordered %(count)s items."\n'
)
FORMS_PL = (
    'msgstr[0] "Zamówiono %(count)s produkt."\nmsgstr[1] "Zamówiono %(count)s produkty."\n'
    'msgstr[2] "Zamówiono %(count)s produktów."\nmsgstr[3] "Zamówiono %(count)s produktu."\n'
)


def po_header(*fields: str) -> str:
    """A PO header entry with these fields after Content-Type, one per line, and a blank line."""
    lines = "".join(f'"{f}\\n"\n' for f in fields)
    return f'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n{lines}\n'


def msgfmt_check(path: Path) -> subprocess.CompletedProcess[str]:
    """The real GNU `msgfmt -c` on a translator's file (its warnings about header fields a
    translation tool left out, such as Last-Translator, are not errors)."""
    require_engine("msgfmt")
    return subprocess.run(
        ["msgfmt", "-c", "-o", "/dev/null", str(path)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "LC_ALL": "C"},
    )


def msgfmt_refuses(path: Path, message: str) -> None:
    """msgfmt -c refuses the file too, saying `message`."""
    proc = msgfmt_check(path)
    assert proc.returncode == 1, proc.stderr
    assert message in proc.stderr


# name -> (locale, the file, the problems as `LINE: LOCALE: KEY: message`, what msgfmt -c says)
MSGFMT_CASES: dict[str, tuple[str, str, list[str], str]] = {
    "msgid_plural with a plain msgstr": (
        "pl-PL",
        PO_HEADER + ORDERED_PO + 'msgstr "Zamówiono %(count)s produkt."\n',
        [
            f"5: pl-PL: {ORDERED}: msgid_plural with a plain msgstr (give one msgstr[N] per "
            "plural form, from msgstr[0])"
        ],
        "syntax error",
    ),
    "an unknown escape": (
        "pl-PL",
        PO_HEADER + 'msgid "Delivery"\nmsgstr "Dos\\qtawa"\n',
        ["5: pl-PL: 'Delivery': unknown escape \\q (a literal backslash is written \\\\)"],
        "invalid control sequence",
    ),
    "no Plural-Forms": (
        "pl-PL",
        po_header() + ORDERED_PO + FORMS_PL,
        [
            "1: pl-PL: header: no Plural-Forms, and the file has plural translations (gettext "
            f'reads them by "Plural-Forms: {PLURAL_PL}" for pl-PL)'
        ],
        'header entry lacks a "plural=EXPRESSION" attribute',
    ),
    "nplurals smaller than the expression's forms": (
        "pl-PL",
        po_header("Plural-Forms: nplurals=2; plural=(n==1 ? 0 : n%10>=2 ? 1 : 2);")
        + ORDERED_PO
        + 'msgstr[0] "Zamówiono %(count)s produkt."\nmsgstr[1] "Zamówiono %(count)s produkty."\n',
        [
            "1: pl-PL: header: Plural-Forms says nplurals=2, but its expression gives form 2 for n = 0"
        ],
        "nplurals = 2 but plural expression can produce values as large as 2",
    ),
    "fewer msgstr[] than nplurals": (
        "pl-PL",
        PO_HEADER + ORDERED_PO + FORMS_PL.rsplit("msgstr[3]", 1)[0],
        [f"5: pl-PL: {ORDERED}: 3 plural forms, the file's Plural-Forms has nplurals=4"],
        "but some messages have only 3 plural forms",
    ),
    "only the translation ends with \\n": (
        "pl-PL",
        PO_HEADER + 'msgid "Delivery"\nmsgstr "Dostawa\\n"\n',
        ["5: pl-PL: 'Delivery': only the translation ends with a line break (\\n)"],
        "entries do not both end with '\\n'",
    ),
    "only the translation starts with \\n": (
        "pl-PL",
        PO_HEADER + 'msgid "Delivery"\nmsgstr "\\nDostawa"\n',
        ["5: pl-PL: 'Delivery': only the translation starts with a line break (\\n)"],
        "entries do not both begin with '\\n'",
    ),
    "a Russian form for 1, 21, 31… drops the count": (
        "ru",
        po_header("Language: ru", f"Plural-Forms: {RU_GNU}")
        + ORDERED_PO
        + 'msgstr[0] "Вы заказали один товар."\nmsgstr[1] "Вы заказали %(count)s товара."\n'
        'msgstr[2] "Вы заказали %(count)s товаров."\n',
        [f"7: ru: {ORDERED}: form 0: missing placeholder %(count)s"],
        "a format specification for argument 'count' doesn't exist in 'msgstr[0]'",
    ),
}


@pytest.mark.parametrize("case", list(MSGFMT_CASES), ids=list(MSGFMT_CASES))
def test_import_refuses_what_msgfmt_refuses(
    acme: Path, run: Run, case: str, tmp_path: Path
) -> None:
    locale, text, problems, says = MSGFMT_CASES[case]
    file = tmp_path / "in.po"
    file.write_text(text, "utf-8")
    before = locale_files(acme)
    # --add-locale: ru is no project locale (and the refused import adds none)
    result = run("i18n", "import", locale, file, "--add-locale", cwd=acme)
    assert (result.code, result.out, result.err) == (1, "", expect(file, problems))
    assert locale_files(acme) == before  # byte for byte, every file under locales/
    msgfmt_refuses(file, says)


def test_import_refuses_an_empty_file_as_msgfmt_does(acme: Path, run: Run, tmp_path: Path) -> None:
    file = tmp_path / "pl.po"
    file.write_bytes(b"")
    err = f"error: {file}: the file is empty (an empty file imports nothing)\n"
    check_refused(acme, run, file, err)
    msgfmt_refuses(file, "PO file header missing or invalid")


def test_a_language_header_of_another_language_needs_force_language(
    acme: Path, run: Run, tmp_path: Path
) -> None:
    """msgfmt cannot know which language a file is imported as, so it accepts the file; the
    import refuses it unless --force-language says the file is meant for LOCALE."""
    file = tmp_path / "pl.po"
    file.write_text(po_header("Language: de_DE") + 'msgid "Delivery"\nmsgstr "Wysyłka"\n', "utf-8")
    problem = (
        "1: pl-PL: header: Language 'de_DE' is another language than pl-PL (give "
        "--force-language to import the file as pl-PL)"
    )
    check_refused(acme, run, file, expect(file, [problem]))
    assert msgfmt_check(file).returncode == 0
    result = run("i18n", "import", "pl-PL", file, "--force-language", cwd=acme)
    assert (result.code, result.err) == (0, "")
    assert result.out.startswith("pl-PL: 1 translations new or changed, 0 unchanged; wrote ")


def test_arabic_forms_for_exactly_1_and_2_may_drop_the_count(
    acme: Path, run: Run, tmp_path: Path
) -> None:
    """GNU's Arabic header imports as CLDR's Arabic rule; its forms for 0, 1 and 2 serve a
    single count each and may leave %(count)s out, as msgfmt -c allows. The 6-form catalog
    written, and its export, pass msgfmt -c."""
    forms = [
        "لم تطلب أي منتج.",
        "طلبت منتجًا واحدًا.",
        "طلبت منتجين.",
        "طلبت %(count)s منتجات.",
        "طلبت %(count)s منتجًا.",
        "طلبت %(count)s منتج.",
    ]
    file = tmp_path / "ar.po"
    file.write_text(
        po_header("Language: ar", f"Plural-Forms: {AR_GNU}")
        + ORDERED_PO
        + "".join(f'msgstr[{i}] "{form}"\n' for i, form in enumerate(forms)),
        "utf-8",
    )
    assert msgfmt_check(file).returncode == 0
    result = run("i18n", "import", "ar", file, "--template", ORDER, cwd=acme)
    assert (result.code, result.err) == (0, "")
    assert result.out == (
        "ar: 1 translations new or changed, 0 unchanged; wrote 1 catalogs\n"
        "  locales/ar/acme-shop/orders/order-confirmation.po\n"
    )
    exported = run("i18n", "export", "ar", "--template", ORDER, "-o", "ar-out.po", cwd=acme)
    assert exported.code == 0
    for path in (acme / "locales/ar/acme-shop/orders/order-confirmation.po", acme / "ar-out.po"):
        msgfmt_c(path)
        po = polib.pofile(str(path))
        assert po.metadata["Plural-Forms"] == (
            "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : "
            "n%100>=11 && n%100<=99 ? 4 : 5);"
        )
        entry = po.find("You ordered %(count)s item.")
        assert [entry.msgstr_plural[i] for i in range(6)] == forms
    for n, form in ((0, 0), (1, 1), (2, 2), (3, 3), (11, 4), (100, 5), (102, 5)):
        data = tmp_path / "data.json"
        data.write_text(json.dumps({"order": {"item_count": n}}), "utf-8")
        html = run("render", ORDER, "--locale", "ar", "--data", data, "--format", "html", cwd=acme)
        assert forms[form].replace("%(count)s", str(n)) in html.out, n


UNREADABLE = {
    "latin-1 PO": (
        "pl.po",
        PO_HEADER.encode() + b'msgid "Delivery"\nmsgstr "Livra' + b'\xe7\xe3o"\n',
        "error: {file}:6: not UTF-8 (invalid continuation byte 0xe7 at byte 195)\n",
    ),
    "latin-1 JSON": (
        "pl.json",
        b'{\n  "Delivery": "Livra\xe7\xe3o"\n}\n',
        "error: {file}:2: not UTF-8 (invalid continuation byte 0xe7 at byte 22)\n",
    ),
    "PO syntax error": (
        "pl.po",
        (PO_HEADER + 'msgid "Delivery"\nmsgstr "Dostawa" oops\n').encode(),
        "error: {file}:6: syntax error: unterminated or malformed string\n",
    ),
    "duplicate PO entry": (
        "pl.po",
        (PO_HEADER + 'msgid "Total"\nmsgstr "Razem"\n\nmsgid "Total"\nmsgstr "Suma"\n').encode(),
        "error: {file}:8: duplicate entry 'Total'\n",
    ),
    "JSON syntax error": (
        "pl.json",
        b'{\n  "Delivery": "Dostawa",\n  "Total": \n}\n',
        "error: {file}:4:1: invalid JSON: Expecting value\n",
    ),
    "duplicate JSON key": (
        "pl.json",
        b'{\n  "Total": "Razem",\n  "Total": "Suma"\n}\n',
        "error: {file}:3: duplicate key 'Total'\n",
    ),
    "JSON array": (
        "pl.json",
        b'["Razem"]\n',
        "error: {file}: expected a JSON object of source string → translation\n",
    ),
    "JSON number": (
        "pl.json",
        b'{\n  "Total": 3\n}\n',
        "error: {file}:2: 'Total': the translation must be a string (or a list of strings for a plural)\n",
    ),
}


@pytest.mark.parametrize("case", list(UNREADABLE), ids=list(UNREADABLE))
def test_import_unreadable_files(acme: Path, run: Run, case: str, tmp_path: Path) -> None:
    name, data, err = UNREADABLE[case]
    file = tmp_path / name
    file.write_bytes(data)
    check_refused(acme, run, file, err.format(file=file))
    check_refused(acme, run, file, err.format(file=file), "--dry-run")


@pytest.mark.parametrize(
    "case,line", [("PO syntax error", 6), ("duplicate PO entry", 8), ("duplicate JSON key", 3)]
)
def test_file_level_errors_say_file_and_line(
    acme: Path, run: Run, case: str, line: int, tmp_path: Path
) -> None:
    name, data, _ = UNREADABLE[case]
    file = tmp_path / name
    file.write_bytes(data)
    result = run("i18n", "import", "pl-PL", file, cwd=acme)
    assert result.code == 1
    assert result.err.startswith(f"error: {file}:{line}: ")


def test_import_refuses_an_unterminated_string(acme: Path, run: Run, tmp_path: Path) -> None:
    file = tmp_path / "pl.po"
    file.write_text(PO_HEADER + 'msgid "Delivery"\nmsgstr "Dostawa\n', "utf-8")
    before = locale_files(acme)
    result = run("i18n", "import", "pl-PL", file, cwd=acme)
    assert result.code == 1
    assert result.err.startswith(f"error: {file}:6: ")  # msgfmt: "end-of-line within string"
    assert locale_files(acme) == before


# --- import: what a valid import writes ------------------------------------------------------------------


def test_valid_import_writes_only_what_changed_and_reimport_writes_nothing(
    acme: Path, run: Run, tmp_path: Path
) -> None:
    assert run("i18n", "update", cwd=acme).code == 0  # the promo's catalogs
    file = tmp_path / "pl.json"
    file.write_text(
        json.dumps({"Hi %(name)s,": "Cześć %(name)s,", "Delivery": "Dostawa"}, ensure_ascii=False),
        "utf-8",
    )
    dry = run("i18n", "import", "pl-PL", file, "--dry-run", cwd=acme)
    before = locale_files(acme)
    assert dry.code == 0
    assert dry.out == (
        "pl-PL: 3 translations new or changed, 1 unchanged; would write 3 catalogs\n"
        "  locales/pl-PL/acme-shop/account/password-reset.po\n"
        "  locales/pl-PL/acme-shop/orders/order-confirmation.po\n"
        "  locales/pl-PL/acme-shop/orders/shipping-notification.po\n"
    )
    assert locale_files(acme) == before
    result = run("i18n", "import", "pl-PL", file, cwd=acme)
    assert (result.code, result.err) == (0, "")
    assert result.out == dry.out.replace("would write", "wrote")
    after = locale_files(acme)
    assert changed_files(before, after) == [
        "locales/pl-PL/acme-shop/account/password-reset.po",
        "locales/pl-PL/acme-shop/orders/order-confirmation.po",
        "locales/pl-PL/acme-shop/orders/shipping-notification.po",
    ]
    for name in changed_files(before, after):
        msgfmt_c(acme / name)
        po = polib.pofile(str(acme / name))
        assert po.find("Hi %(name)s,").msgstr == "Cześć %(name)s,"
    again = run("i18n", "import", "pl-PL", file, cwd=acme)
    assert again.out == "pl-PL: 0 translations new or changed, 4 unchanged; wrote 0 catalogs\n"
    assert locale_files(acme) == after
    msgfmt_all(acme)


def test_import_po_for_one_template_and_render(acme: Path, run: Run, tmp_path: Path) -> None:
    file = tmp_path / "pl.po"
    file.write_text(
        PO_HEADER + 'msgid "Read <a href=\\"https://acme.example/help\\">our guide</a>."\n'
        'msgstr "Przeczytaj <a href=\\"https://acme.example/help\\">nasz poradnik</a>."\n\n'
        '#, python-format\nmsgid "Hi <b>%(name)s</b>, save 50%% today."\n'
        'msgstr "Cześć <b>%(name)s</b>, 50%% taniej."\n',
        "utf-8",
    )
    result = run("i18n", "import", "pl_PL", file, "--template", "acme-shop/orders/promo", cwd=acme)
    assert result.out == (
        "pl-PL: 2 translations new or changed, 0 unchanged; wrote 1 catalogs\n"
        "  locales/pl-PL/acme-shop/orders/promo.po\n"
    )
    msgfmt_c(acme / "locales/pl-PL/acme-shop/orders/promo.po")
    data = tmp_path / "data.json"
    data.write_text('{"customer": {"first_name": "<Ola>"}}', "utf-8")
    html = run(
        "render", PROMO_DRAFT, "--locale", "pl-PL", "--data", data, "--format", "html", cwd=acme
    )
    assert html.out == (
        '<p>Przeczytaj <a href="https://acme.example/help">nasz poradnik</a>.</p>\n'
        "<p>Cześć <b>&lt;Ola&gt;</b>, 50% taniej.</p>\n"
    )
    assert html.err == ""  # the subject's missing translation: not a part --format html prints


def test_replace_replaces_every_translation(acme: Path, run: Run, tmp_path: Path) -> None:
    file = tmp_path / "pl.json"
    file.write_text('{"Delivery": "Wysyłka"}', "utf-8")
    before = locale_files(acme)
    args = ("i18n", "import", "pl-PL", file, "--replace", "--template", ORDER)
    refused = run(*args, cwd=acme)  # it would untranslate the other 22: only with --force
    assert (refused.code, refused.out) == (1, "")
    assert refused.err == (
        f"error: {file}: --replace would remove 22 translations that the file does not have, "
        "from 1 catalog (hint: give --force to remove them, or import without --replace)\n"
    )
    assert locale_files(acme) == before
    result = run(*args, "--force", cwd=acme)
    assert result.out == (
        "pl-PL: 1 translations new or changed, 0 unchanged; wrote 1 catalogs\n"
        "  locales/pl-PL/acme-shop/orders/order-confirmation.po\n"
    )
    path = acme / "locales/pl-PL/acme-shop/orders/order-confirmation.po"
    assert changed_files(before, locale_files(acme)) == [path.relative_to(acme).as_posix()]
    msgfmt_c(path)
    po = polib.pofile(str(path))
    assert [(e.msgid, e.msgstr) for e in po.translated_entries()] == [("Delivery", "Wysyłka")]
    assert len(po.untranslated_entries()) == 22
    status = run("i18n", "status", "--locale", "pl-PL", cwd=acme)
    assert (
        "acme-shop/orders/order-confirmation     pl-PL   1           0      22       4.3%\n"
        in status.out
    )


def test_export_then_reimport_changes_nothing(acme: Path, run: Run) -> None:
    assert run("i18n", "update", cwd=acme).code == 0  # the promo's catalogs
    before = locale_files(acme)
    for fmt, name in (("po", "pl.po"), ("json", "pl.json")):
        exported = run("i18n", "export", "pl-PL", "--format", fmt, "-o", name, cwd=acme)
        assert (exported.code, exported.out, exported.err) == (0, "", "")
        if fmt == "po":
            msgfmt_c(acme / name)
        result = run("i18n", "import", "pl-PL", name, cwd=acme)
        assert result.code == 0, result.err
        assert result.out.endswith("; wrote 0 catalogs\n")
        assert "0 translations new or changed" in result.out
    assert locale_files(acme) == before
    msgfmt_all(acme)


def test_an_import_writes_no_catalog_it_does_not_change(acme: Path, run: Run) -> None:
    before = locale_files(acme)
    assert run("i18n", "export", "pl-PL", "-o", "pl.po", cwd=acme).code == 0
    result = run("i18n", "import", "pl-PL", "pl.po", cwd=acme)
    msgfmt_all(acme)
    assert result.out == "pl-PL: 0 translations new or changed, 82 unchanged; wrote 0 catalogs\n"
    assert locale_files(acme) == before


def test_export_a_block_as_json(acme: Path, run: Run) -> None:
    result = run("i18n", "export", "ja_JP", "--format", "json", "--block", "header", cwd=acme)
    assert result.out == '{\n  "Acme Shop": "Acme Shop"\n}\n'
    fr = run("i18n", "export", "fr-FR", "--template", ORDER, cwd=acme)
    (acme / "fr.po").write_text(fr.out, "utf-8")
    msgfmt_c(acme / "fr.po")
    po = polib.pofile(str(acme / "fr.po"))
    assert po.metadata["Language"] == "fr-FR"
    assert (
        po.metadata["Plural-Forms"]
        == "nplurals=3; plural=(n<=1 ? 0 : n!=0 && n%1000000==0 ? 1 : 2);"
    )
    assert po.find("View your order", msgctxt="button").msgstr == "Voir la commande"


# --- update, status, check -----------------------------------------------------------------------------------


def edit_next_draft(acme: Path) -> None:
    """Change one string, add one, and remove one that only the next draft had."""
    project = tmplkit.open_project(acme)
    html = project.drafts.read_parts(project.drafts.get(NEXT_DRAFT))["html"]
    html = html.replace(
        "Thanks for your order, and happy holidays!",
        "Thanks for your order, and happy holidays to you!",
    )
    html = html.replace(
        "<p>{% trans %}Buying a gift? You can print a gift receipt without prices from your order page.{% endtrans %}</p>",
        "<p>{% trans %}Need an invoice? Download it from your account.{% endtrans %}</p>",
    )
    project.drafts.write_part(NEXT_DRAFT, "html", html)


def test_update_fuzzies_obsoletes_and_adds(acme: Path, run: Run) -> None:
    edit_next_draft(acme)
    before = locale_files(acme)
    result = run("i18n", "update", cwd=acme)
    assert result.code == 0
    after = locale_files(acme)
    assert changed_files(before, after) == sorted(
        f"locales/{loc}/acme-shop/orders/{name}.po"
        for loc in LOCALES
        for name in ("order-confirmation", "promo")  # update makes the promo's catalogs
    )
    for name in after:
        msgfmt_c(acme / name)
    text = (acme / "locales/pl-PL/acme-shop/orders/order-confirmation.po").read_text("utf-8")
    assert (
        "#: workspaces/acme-shop/orders/order-confirmation/drafts/next/body.html.j2:41\n"
        "#, fuzzy\n"
        '#| msgid "Thanks for your order, and happy holidays!"\n'
        'msgid "Thanks for your order, and happy holidays to you!"\n'
        'msgstr "Dziękujemy za zamówienie i życzymy wesołych świąt!"\n'
    ) in text
    assert (
        "#: workspaces/acme-shop/orders/order-confirmation/drafts/next/body.html.j2:85\n"
        'msgid "Need an invoice? Download it from your account."\nmsgstr ""\n'
    ) in text
    assert (
        '#~ msgid ""\n'
        '#~ "Buying a gift? You can print a gift receipt without prices from your order "\n'
        '#~ "page."\n'
        '#~ msgstr ""\n'
        '#~ "Kupują Państwo prezent? Na stronie zamówienia można wydrukować potwierdzenie "\n'
        '#~ "zakupu bez cen."\n'
    ) in text
    assert 'msgid "Delivery"\nmsgstr "Dostawa"\n' in text  # unchanged keys keep theirs
    status = run("i18n", "status", "--locale", "pl-PL", cwd=acme)
    assert status.out == (
        "TEMPLATE/BLOCK                          LOCALE  TRANSLATED  FUZZY  MISSING  DONE\n"
        "acme-shop/account/password-reset        pl-PL   18          0      0        100%\n"
        "acme-shop/account/welcome               pl-PL   16          0      0        100%\n"
        "acme-shop/orders/order-confirmation     pl-PL   21          1      1        91.3%\n"
        "acme-shop/orders/promo                  pl-PL   0           0      3        0%\n"
        "acme-shop/orders/shipping-notification  pl-PL   20          0      0        100%\n"
        "blocks/footer                           pl-PL   4           0      0        100%\n"
        "blocks/header                           pl-PL   1           0      0        100%\n"
    )
    as_json = json.loads(run("i18n", "status", "--locale", "pl-PL", "--json", cwd=acme).out)
    assert as_json[2] == {
        "owner": "acme-shop/orders/order-confirmation",
        "kind": "template",
        "locale": "pl-PL",
        "total": 23,
        "translated": 21,
        "fuzzy": 1,
        "missing": 1,
        "percent": 91.3,
        # what its SMS part costs in Polish (see test_sms.py)
        "sms": {"encoding": "UCS-2", "forcedBy": ["ó", "ł"], "length": 131, "segments": 2},
    }
    assert "sms" not in as_json[1]  # the welcome template has no SMS part
    msgfmt_all(acme)


def test_update_counts(acme: Path, run: Run) -> None:
    edit_next_draft(acme)
    result = run("i18n", "update", "--locale", "pl-PL", cwd=acme)
    msgfmt_all(acme)
    assert result.out == (
        "locales/pl-PL/acme-shop/orders/order-confirmation.po: 1 added, 1 fuzzy, 1 obsolete\n"
        "locales/pl-PL/acme-shop/orders/promo.po: 3 added, 0 fuzzy, 0 obsolete\n"
        "7 catalogs checked, 2 changed\n"
    )


def test_update_twice_changes_nothing_the_second_time(acme: Path, run: Run) -> None:
    edit_next_draft(acme)
    run("i18n", "update", cwd=acme)
    before = locale_files(acme)
    again = run("i18n", "update", cwd=acme)
    msgfmt_all(acme)
    assert locale_files(acme) == before
    assert again.out.endswith(" catalogs checked, 0 changed\n"), again.out


def test_reimporting_an_export_keeps_fuzzies_fuzzy(acme: Path, run: Run) -> None:
    edit_next_draft(acme)
    run("i18n", "update", cwd=acme)
    before = locale_files(acme)
    assert run("i18n", "export", "pl-PL", "--template", ORDER, "-o", "pl.po", cwd=acme).code == 0
    msgfmt_all(acme)
    result = run("i18n", "import", "pl-PL", "pl.po", "--template", ORDER, cwd=acme)
    assert (result.code, result.err) == (0, "")
    assert result.out == "pl-PL: 0 translations new or changed, 21 unchanged; wrote 0 catalogs\n"
    assert locale_files(acme) == before


def test_check_exit_codes(acme: Path, run: Run) -> None:
    ok = run(
        "i18n", "check", "--min-percent", "0", "--locale", "de-DE", "--locale", "fr-FR", cwd=acme
    )
    assert (ok.code, ok.out, ok.err) == (0, "all 14 catalogs are at least 0% translated\n", "")
    promo = run("i18n", "check", "--min-percent", "95", cwd=acme)
    assert promo.code == 1
    assert promo.err == "error: 5 catalogs are below 95% translated\n"
    assert promo.out.splitlines()[0].split() == [
        "TEMPLATE/BLOCK",
        "LOCALE",
        "TRANSLATED",
        "FUZZY",
        "MISSING",
        "DONE",
    ]
    assert [line.split()[:2] for line in promo.out.splitlines()[1:]] == [
        ["acme-shop/orders/promo", loc] for loc in LOCALES
    ]
    project = tmplkit.open_project(acme)
    project.templates.delete(project.templates.get("acme-shop/orders/promo").id)
    full = run("i18n", "check", cwd=acme)
    assert (full.code, full.out, full.err) == (
        0,
        "all 30 catalogs are at least 100% translated\n",
        "",
    )
    edit_next_draft(acme)
    run("i18n", "update", cwd=acme)
    below = run("i18n", "check", "--min-percent", "100", "--locale", "pl-PL", cwd=acme)
    assert below.code == 1
    assert below.out == (
        "TEMPLATE/BLOCK                       LOCALE  TRANSLATED  FUZZY  MISSING  DONE\n"
        "acme-shop/orders/order-confirmation  pl-PL   21          1      1        91.3%\n"
    )
    assert below.err == "error: 1 catalogs are below 100% translated\n"
    ninety = run("i18n", "check", "--min-percent", "90", cwd=acme)
    assert (ninety.code, ninety.out) == (0, "all 30 catalogs are at least 90% translated\n")
    as_json = run("i18n", "check", "--min-percent", "95", "--json", "--locale", "ja-JP", cwd=acme)
    assert as_json.code == 1
    assert json.loads(as_json.out)["below"][0]["percent"] == 91.3
    bad = run("i18n", "check", "--min-percent", "101", cwd=acme)
    assert bad.code == 2
    msgfmt_all(acme)


# --- render and compile --locale/--strict -----------------------------------------------------------------------


def test_render_fr_ca_warns_once_per_string(acme: Path, run: Run) -> None:
    subject = run("render", WELCOME, "--locale", "fr_CA", "--format", "subject", cwd=acme)
    assert (subject.code, subject.out) == (0, "Bienvenue chez Acme Shop, Zoë & Léa\u00a0!\n")
    assert subject.err == (  # the warnings of the subject, the part printed
        "warning: template welcome: 'Welcome to Acme Shop, %(name)s!': no fr-CA translation; "
        "using fr-FR\n"
    )
    result = run("render", WELCOME, "--locale", "fr_CA", "--format", "json", cwd=acme)
    assert result.code == 0
    assert json.loads(result.out)["subject"] == "Bienvenue chez Acme Shop, Zoë & Léa\u00a0!"
    warnings = result.err.splitlines()
    assert len(warnings) == 18 == len(set(warnings))
    assert (
        warnings[0]
        == "warning: template welcome: 'Welcome to Acme Shop, %(name)s!': no fr-CA translation; using fr-FR"
    )
    assert warnings[-1] == (
        "warning: block footer: 'You are receiving this e-mail because you have an account...': "
        "no fr-CA translation; using fr-FR"
    )
    assert all(w.startswith("warning: ") and w.endswith("; using fr-FR") for w in warnings)
    as_json = json.loads(
        run("render", WELCOME, "--locale", "fr_FR", "--format", "json", cwd=acme).out
    )
    assert (as_json["locale"], as_json["warnings"]) == ("fr-FR", [])


def test_strict_is_one_error_line(acme: Path, run: Run) -> None:
    render = run("render", WELCOME, "--locale", "es-ES", "--strict", cwd=acme)
    error = (
        "error: template welcome: no es-ES translation of 'Welcome to Acme Shop, %(name)s!' "
        "(hint: translate it, or render without --strict to fall back to the source)\n"
    )
    assert (render.code, render.out, render.err) == (1, "", error)
    compiled = run(
        "compile", WELCOME, "-t", "freemarker", "--locale", "es-ES", "--strict", cwd=acme
    )
    assert (compiled.code, compiled.out, compiled.err) == (1, "", error)
    ok = run(
        "compile",
        WELCOME,
        "-t",
        "freemarker",
        "--locale",
        "fr-CA",
        "--strict",
        "--part",
        "subject",
        cwd=acme,
    )
    assert ok.code == 0
    assert "Bienvenue chez Acme Shop, " in ok.out  # fr-CA falls back to fr-FR, strictly too
    # the subject alone is compiled (--part): its one string falls back, one warning
    assert ok.err == (
        "warning: template welcome: 'Welcome to Acme Shop, %(name)s!': no fr-CA translation;"
        " using fr-FR\n"
    )
    assert all(line.endswith("; using fr-FR") for line in ok.err.splitlines())


def test_no_catalogs_falls_back_to_the_source(acme: Path, run: Run) -> None:
    plain = run("render", WELCOME, "--format", "html", cwd=acme)
    spanish = run("render", WELCOME, "--locale", "es", "--format", "html", cwd=acme)
    assert spanish.out == plain.out.replace('<html lang="en">', '<html lang="es">', 1)
    assert spanish.err.splitlines()[0] == (  # the HTML part's first: not the subject's
        "warning: template welcome: 'Welcome to Acme Shop': no es translation; "
        "using the source (en-US)"
    )


@pytest.mark.parametrize(
    "locale,error",
    [
        ("xx-YY", "error: unknown language 'xx-YY' (hint: write it like fr-FR or es-419)\n"),
        ("fr FR", "error: 'fr FR' is not a language id (hint: write it like fr-FR or es-419)\n"),
    ],
)
@pytest.mark.parametrize("command", ["render", "compile", "import", "export", "localization"])
def test_bad_language_ids_are_one_line(
    acme: Path, run: Run, command: str, locale: str, error: str
) -> None:
    args = {
        "render": ("render", WELCOME, "--locale", locale),
        "compile": ("compile", WELCOME, "-t", "liquid", "--locale", locale),
        "import": ("i18n", "import", locale, "tmplkit.toml"),
        "export": ("i18n", "export", locale),
        "localization": ("localization", "add", "--draft", NEXT_DRAFT, locale),
    }[command]
    before = locale_files(acme)
    result = run(*args, cwd=acme)
    assert (result.code, result.out, result.err) == (1, "", error)
    assert locale_files(acme) == before


def test_compile_json_carries_locale_and_warnings(acme: Path, run: Run) -> None:
    result = run("compile", WELCOME, "-t", "liquid", "--locale", "de-AT", "--json", cwd=acme)
    data = json.loads(result.out)
    assert data["locale"] == "de-AT"
    assert data["subject"].startswith("Willkommen bei Acme Shop, ")
    assert data["warnings"] == [line.removeprefix("warning: ") for line in result.err.splitlines()]
    assert len(data["warnings"]) == 18


# --- localization objects -----------------------------------------------------------------------------------------------


def test_localization_add_list_remove(acme: Path, run: Run) -> None:
    add = run("localization", "add", "--draft", NEXT_DRAFT, "fr_FR", "--json", cwd=acme)
    assert add.code == 0
    loc = json.loads(add.out)
    assert loc["name"] == "French (France)" and loc["languages"] == ["fr-FR"]
    assert loc["id"].startswith("loc_") and len(loc["id"]) == 30
    toml = (acme / "workspaces" / ORDER / "drafts/next/draft.toml").read_text("utf-8")
    assert (
        f'[[localizations]]\nid = "{loc["id"]}"\nname = "French (France)"\nlanguages = [\n    "fr-FR",\n]\n'
        in toml
    )
    text = run("localization", "add", "--draft", NEXT_DRAFT, "zh_hans_cn", cwd=acme)
    assert text.out.startswith("Added localization loc_")
    assert text.out.endswith(": Chinese (Simplified, China) (zh-Hans-CN)\n")
    listed = run("localization", "list", "--draft", NEXT_DRAFT, cwd=acme)
    assert listed.out.splitlines()[0].split() == ["ID", "LANGUAGE", "NAME"]
    assert [line.split(None, 2)[1:] for line in listed.out.splitlines()[1:]] == [
        ["fr-FR", "French (France)"],
        ["zh-Hans-CN", "Chinese (Simplified, China)"],
    ]
    shown = json.loads(run("draft", "show", NEXT_DRAFT, "--json", cwd=acme).out)
    assert [x["languages"] for x in shown["localizations"]] == [["fr-FR"], ["zh-Hans-CN"]]
    again = run("localization", "add", "--draft", NEXT_DRAFT, "fr-fr", cwd=acme)
    assert (again.code, again.out, again.err) == (
        1,
        "",
        f'error: draft {NEXT_DRAFT} ("Holiday refresh") already has the localization fr-FR\n',
    )
    removed = run("localization", "remove", "--draft", NEXT_DRAFT, "fr_FR", cwd=acme)
    assert removed.out == f"Removed localization {loc['id']}: French (France)\n"
    assert run("localization", "remove", "--draft", NEXT_DRAFT, "zh-Hans-CN", cwd=acme).code == 0
    gone = run("localization", "remove", "--draft", NEXT_DRAFT, "fr-FR", cwd=acme)
    assert (gone.code, gone.err) == (
        1,
        f'error: draft {NEXT_DRAFT} ("Holiday refresh") has no localization fr-FR\n',
    )
    assert run("localization", "list", "--draft", NEXT_DRAFT, "--json", cwd=acme).out == "[]\n"


def test_localizations_of_a_published_or_archived_draft_are_frozen(acme: Path, run: Run) -> None:
    before = (acme / "workspaces" / ORDER / "drafts/published/draft.toml").read_bytes()
    for verb in ("add", "remove"):
        result = run("localization", verb, "--draft", PUBLISHED_DRAFT, "de-DE", cwd=acme)
        assert (result.code, result.out, result.err) == (
            1,
            "",
            f'error: draft {PUBLISHED_DRAFT} ("Launch version") is PUBLISHED: cannot change its '
            "localizations (hint: allowed from IN_PROGRESS, LOCKED_FOR_TRANSLATION, PENDING_APPROVAL)\n",
        )
    assert (acme / "workspaces" / ORDER / "drafts/published/draft.toml").read_bytes() == before
    assert run("localization", "add", "--draft", NEXT_DRAFT, "pl", cwd=acme).code == 0
    assert run("draft", "archive", NEXT_DRAFT, cwd=acme).code == 0
    for verb in ("add", "remove"):
        result = run("localization", verb, "--draft", NEXT_DRAFT, "pl", cwd=acme)
        assert (result.code, result.out, result.err) == (
            1,
            "",
            f'error: draft {NEXT_DRAFT} ("Holiday refresh") is ARCHIVED: cannot change its '
            "localizations (hint: duplicate it to work on a copy)\n",
        )
    listed = run("localization", "list", "--draft", NEXT_DRAFT, cwd=acme)
    assert listed.out.splitlines()[1].split()[1:] == ["pl", "Polish"]


def test_a_locked_draft_can_gain_localizations(acme: Path, run: Run) -> None:
    assert run("draft", "lock", NEXT_DRAFT, cwd=acme).code == 0
    assert run("localization", "add", "--draft", NEXT_DRAFT, "de-DE", cwd=acme).code == 0
    unlock = run("draft", "unlock", NEXT_DRAFT, cwd=acme)
    assert unlock.out == f"Draft {NEXT_DRAFT} unlocked: IN_PROGRESS\n"


def test_localization_remove_by_id(acme: Path, run: Run) -> None:
    loc = json.loads(
        run("localization", "add", "--draft", NEXT_DRAFT, "fr-FR", "--json", cwd=acme).out
    )
    result = run("localization", "remove", "--draft", NEXT_DRAFT, loc["id"], cwd=acme)
    assert (result.code, result.out) == (0, f"Removed localization {loc['id']}: French (France)\n")


# --- docs/i18n.md: its console examples run like those of docs/cli.md -----------------------------

I18N_DOC = Path(__file__).resolve().parents[1] / "docs" / "i18n.md"


def i18n_doc_blocks() -> list[Any]:
    from tests.test_docs import fences, steps

    return [b for b in fences(I18N_DOC) if b.lang == "console" and not b.skip and steps(b)]


@pytest.fixture(scope="module")
def doc_bin(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """test_docs' `tmplkit` on the PATH, and a `pybabel` of this interpreter beside it."""
    from tests.test_docs import tmplkit_on_path

    with tmplkit_on_path(tmp_path_factory.mktemp("i18n-doc-bin")) as bin_dir:
        shim = bin_dir / "pybabel"
        shim.write_text(f'#!/bin/sh\nexec {sys.executable} -m babel.messages.frontend "$@"\n')
        shim.chmod(0o755)
        yield bin_dir


@pytest.mark.parametrize("block", i18n_doc_blocks(), ids=lambda b: b.where)
def test_i18n_doc_console_example(block: Any, tmp_path: Path, doc_bin: Path) -> None:
    from tests.test_docs import explain, normalize, output_matches, run_block

    for step, output in run_block(block, tmp_path, doc_bin):
        want, got = normalize("\n".join(step.expected)), normalize(output)
        assert output_matches(want, got), explain(block.where, step.command, want, got)
    msgfmt_all(tmp_path / "acme")  # whatever the example wrote (run_block's copy of the sample)


# --- -o FILE on a full disk ---------------------------------------------------------------------


def test_export_to_a_full_disk_is_one_line_and_keeps_the_old_file(
    sample_project: Path, run: Run, tmp_path: Path
) -> None:
    with small_disk(tmp_path, 1 << 20) as disk:
        out = disk / "fr-FR.po"
        out.write_text("old\n", "utf-8")
        fill(disk, 0)
        result = run("--project", sample_project, "i18n", "export", "fr-FR", "-o", out)
        assert (result.code, result.out, result.err) == (
            1,
            "",
            f"error: no space left on device writing {out}\n",
        )
        assert sorted(p.name for p in disk.iterdir()) == [".filler", "fr-FR.po"]
        assert out.read_text("utf-8") == "old\n"
        unfill(disk)
        result = run("--project", sample_project, "i18n", "export", "fr-FR", "-o", out)
        assert (result.code, result.out, result.err) == (0, "", "")
        assert out.read_text("utf-8").startswith("# Translations of Acme Shop")
