"""Every locale Babel knows chooses CLDR's plural category: tmplkit's rule, the PO header it
writes (evaluated by GNU gettext: msgfmt -c, then glibc's ngettext on the .mo), and
`tmplkit render` through a project's catalogs.

The truth is CLDR's rule as Babel holds it (`Locale.parse(tag).plural_form`), evaluated here
with the operands of each number's decimal digits (`category`). Babel's own evaluation is not
used for decimals: it reads 0.011 as two fraction digits (v = 2, not 3). The engines of every
compiled target are walked in tests/differential/test_plurals.py.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from babel import Locale, localedata
from babel.core import get_cldr_version
from babel.plural import PluralRule as BabelRule

import tmplkit
from tests.engines import require_engine
from tmplkit import ir
from tmplkit.i18n.locales import PluralRule, plural_rule
from tmplkit.i18n.plural import Choice, decision, holds, operands
from tmplkit.i18n.workflow import import_translations

# --- CLDR's category, from Babel's rule and exact operands ---------------------------------------


def cldr_operands(value: int | Decimal) -> dict[str, int | Decimal]:
    """n, i, v, w, f, t (and c = e = 0) of a number as written (TR35's operands)."""
    n = abs(Decimal(value))
    whole, _, fraction = format(n, "f").partition(".")
    trimmed = fraction.rstrip("0")
    return {
        "n": n,
        "i": int(whole),
        "v": len(fraction),
        "w": len(trimmed),
        "f": int(fraction or 0),
        "t": int(trimmed or 0),
        "c": 0,
        "e": 0,
    }


def _holds(node: tuple[str, Any], ops: dict[str, int | Decimal]) -> bool:
    kind, args = node
    if kind == "and":
        return _holds(args[0], ops) and _holds(args[1], ops)
    if kind == "or":
        return _holds(args[0], ops) or _holds(args[1], ops)
    if kind == "not":
        return not _holds(args[0], ops)
    assert kind == "relation" and args[0] == "in", node
    expr, (_, ranges) = args[1], args[2]
    if expr[0] == "mod":
        (name, _), (_, (mod,)) = expr[1]
        x = ops[name] % mod
    else:
        x = ops[expr[0]]
    # `in` (CLDR's `=`) holds for whole numbers in the ranges only: 1.5 is not in 1..2.
    return x == int(x) and any(low[1][0] <= x <= high[1][0] for low, high in ranges)


def category(rule: BabelRule, value: int | Decimal) -> str:
    """The CLDR category of a number under a Babel rule."""
    ops = cldr_operands(value)
    return next((tag for tag, node in rule.abstract if _holds(node, ops)), "other")


# --- tmplkit's rule, evaluated as every target evaluates it ---------------------------------------


class Chooser:
    """A rule's two expressions, parsed once, evaluated like select_form's chain."""

    def __init__(self, rule: PluralRule) -> None:
        ref = ir.Path(("n",))
        self.rule = rule
        self.whole = decision(rule.expr, ref)
        self.decimal = None if rule.decimals is None else decision(rule.decimals, ref, decimal=True)

    def category(self, value: int | Decimal) -> str:
        found = operands(value)
        assert found is not None
        tree = self.whole if "n" in found else self.decimal
        while isinstance(tree, Choice):
            tree = tree.then if holds(tree.cond, found) else tree.else_
        return self.rule.categories[-1 if tree is None else tree]


WHOLE = [*range(10_001), *(k * 10**e for e in range(4, 10) for k in (1, 2, 3, 5, 10, 21))]
WHOLE += [10**6 + 1, 10**6 * 7 + 100_000, 1_100_000, 40_000, 60_000, 81_000]
# Decimals with one, two and three fraction digits (every f % 10 and f % 100), on whole parts
# that CLDR's i tests tell apart.
FRACTIONS = [f"{d}" for d in range(1, 10)] + [f"{d:02d}" for d in range(1, 100) if d % 10]
FRACTIONS += ["001", "011", "012", "101", "111", "121", "999", "0001", "1234"]
DECIMALS = [Decimal(f"{i}.{f}") for i in [*range(26), 100, 101, 102, 111, 121] for f in FRACTIONS]


def cldr_groups() -> dict[tuple[tuple[str, str], ...], list[str]]:
    """Babel's locales grouped by the text of their CLDR rule."""
    groups: dict[tuple[tuple[str, str], ...], list[str]] = {}
    for tag in localedata.locale_identifiers():
        groups.setdefault(tuple(sorted(Locale.parse(tag).plural_form.rules.items())), []).append(
            tag
        )
    return groups


GROUPS = cldr_groups()


def test_babel_s_cldr_is_the_pinned_one() -> None:
    assert get_cldr_version() == "47"
    assert len(localedata.locale_identifiers()) == 1082
    assert len(GROUPS) == 39  # distinct CLDR rules


def test_the_reference_evaluation_reads_digits_as_cldr_does() -> None:
    # TR35's examples: 1.3 (i=1 v=1 f=3), 1.03 (v=2 f=3), 1.230 (v=3 w=2 f=230 t=23)
    assert cldr_operands(Decimal("1.03")) == {
        **{"n": Decimal("1.03"), "i": 1, "v": 2, "w": 2, "f": 3, "t": 3, "c": 0, "e": 0}
    }
    assert cldr_operands(Decimal("1.230"))["f"] == 230
    assert cldr_operands(Decimal("1.230"))["t"] == 23
    lv = Locale.parse("lv").plural_form
    assert category(lv, Decimal("0.011")) == "one"  # v = 3, f % 10 = 1; Babel says "zero"
    assert category(Locale.parse("fr").plural_form, Decimal("1.5")) == "one"
    assert category(Locale.parse("fr").plural_form, 1_000_000) == "many"


def test_every_locale_s_rule_chooses_cldr_s_category() -> None:
    """0 to 10,000, powers of ten up to 10^9 and their multiples, and 3,700 decimals a locale."""
    checked = 0
    for tags in GROUPS.values():
        rule = plural_rule(tags[0].replace("_", "-"))
        # every locale of a CLDR rule gets the same tmplkit rule
        assert {plural_rule(t.replace("_", "-")) for t in tags} == {rule}, tags[0]
        cldr = Locale.parse(tags[0]).plural_form
        assert rule.categories == tuple(
            c for c in ("zero", "one", "two", "few", "many", "other") if c in cldr.tags | {"other"}
        )
        ours = Chooser(rule)
        wrong = [x for x in WHOLE + DECIMALS if ours.category(x) != category(cldr, x)]
        assert wrong[:5] == [], tags[0]
        checked += len(tags)
    assert checked == 1082


def test_rules_read_like_gettext_s() -> None:
    assert plural_rule("pl-PL").header == (
        "nplurals=4; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<12 || n%100>14) ? 1 : 2);"
    )
    assert plural_rule("fr-FR").header == (
        "nplurals=3; plural=(n<=1 ? 0 : n!=0 && n%1000000==0 ? 1 : 2);"
    )
    assert plural_rule("ar-EG").header == (
        "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : "
        "n%100>=11 && n%100<=99 ? 4 : 5);"
    )
    assert plural_rule("ja-JP").header == "nplurals=1; plural=(0);"
    assert plural_rule("id").header == "nplurals=1; plural=(0);"  # Babel's old table said 2
    assert plural_rule("cy").categories == ("zero", "one", "two", "few", "many", "other")
    # decimals: French 1.5 is `one`, Czech's are `many`, Polish's `other` (no expression)
    assert plural_rule("fr").decimals == "i<=1 ? 0 : 2"
    assert plural_rule("cs").decimals == "2"
    assert plural_rule("pl").decimals is None
    assert plural_rule("hr").decimals == (
        "f%10==1 && f%100!=11 ? 0 : f%10>=2 && f%10<=4 && (f%100<12 || f%100>14) ? 1 : 2"
    )


def test_decimal_operands_come_from_the_printed_digits() -> None:
    assert operands(2) == {"n": 2}
    assert operands(2.0) == {"n": 2}
    assert operands(1.5) == {"i": 1, "v": 1, "f": 5}
    assert operands(0.01) == {"i": 0, "v": 2, "f": 1}
    assert operands(Decimal("1.50")) == {"i": 1, "v": 1, "f": 5}  # JSON's 1.50 is 1.5
    assert operands(0.1 + 0.2) == {"i": 0, "v": 17, "f": 30000000000000004}
    for value in (-1, -1.5, True, "1", None, float("nan"), float("inf")):
        assert operands(value) is None


# --- the PO header, evaluated by GNU gettext ---------------------------------------------------

# glibc's dngettext: the plural expression of the .mo evaluated by GNU gettext's own parser.
NGETTEXT = """
import ctypes, json, sys
libc = ctypes.CDLL("libc.so.6")
libc.setlocale(6, b"")  # LC_ALL from the environment: C.UTF-8, so LANGUAGE counts
libc.dngettext.restype = ctypes.c_char_p
libc.dngettext.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong]
root, domains, counts = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
out = {}
for domain in domains:
    libc.bindtextdomain(domain.encode(), root.encode())
    out[domain] = [libc.dngettext(domain.encode(), b"item", b"items", n).decode() for n in counts]
print(json.dumps(out))
"""


def test_every_po_header_chooses_cldr_s_category_in_gnu_gettext(tmp_path: Path) -> None:
    require_engine("msgfmt")
    assert ctypes.util.find_library("c")  # glibc, whose gettext is GNU's
    headers: dict[str, tuple[PluralRule, list[str]]] = {}
    for tags in GROUPS.values():
        rule = plural_rule(tags[0].replace("_", "-"))
        headers.setdefault(rule.header, (rule, []))[1].extend(tags)
    messages = tmp_path / "xx" / "LC_MESSAGES"
    messages.mkdir(parents=True)
    domains = {}
    for number, (header, (rule, tags)) in enumerate(headers.items()):
        domain = f"rule{number}"
        domains[domain] = tags
        forms = "".join(f'msgstr[{i}] "{c}"\n' for i, c in enumerate(rule.categories))
        po = tmp_path / f"{domain}.po"
        po.write_text(
            'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
            f'"Plural-Forms: {header}\\n"\n\nmsgid "item"\nmsgid_plural "items"\n{forms}',
            "utf-8",
        )
        subprocess.run(
            ["msgfmt", "-c", "-o", str(messages / f"{domain}.mo"), str(po)],
            check=True,
            capture_output=True,
        )
    counts = [*range(201), 1000, 10**5, 10**6, 2 * 10**6, 10**6 + 1, 1_100_000, 40_000, 21_000]
    env = {**os.environ, "LC_ALL": "C.UTF-8", "LANGUAGE": "xx"}
    args = [str(tmp_path), json.dumps(list(domains)), json.dumps(counts)]
    result = subprocess.run(
        [sys.executable, "-c", NGETTEXT, *args], env=env, capture_output=True, check=True
    )
    chosen = json.loads(result.stdout)
    wrong = []
    for domain, tags in domains.items():
        for tag in tags:
            cldr = Locale.parse(tag).plural_form
            if chosen[domain] != [category(cldr, n) for n in counts]:
                wrong.append(tag)
    assert wrong == []
    assert len(headers) == 29  # distinct headers (34 rules, some differing only in decimals)
    assert sum(len(t) for t in domains.values()) == 1082


# --- tmplkit render, through a project's catalogs --------------------------------------------------

ITEMS = "{% for x in counts %}{% trans count=x %}{{ count }} item{% pluralize %}{{ count }} items{% endtrans %};{% endfor %}"


def test_render_chooses_cldr_s_category_for_one_locale_of_each_rule(tmp_path: Path) -> None:
    """A project translated into one locale of each distinct rule; each catalog imported from a
    PO whose forms name their category; rendered for 0 to 200 and the decimals."""
    rules: dict[PluralRule, str] = {}
    for tags in GROUPS.values():
        rules.setdefault(plural_rule(tags[0].replace("_", "-")), tags[0].replace("_", "-"))
    project = tmplkit.init_project(tmp_path / "p")
    settings = (project.root / "tmplkit.toml").read_text("utf-8")
    locales = ", ".join(f'"{t}"' for t in rules.values())
    (project.root / "tmplkit.toml").write_text(
        settings.replace("locales = []", f"locales = [{locales}]"), "utf-8"
    )
    project = tmplkit.open_project(project.root)
    ws = project.workspaces.create("Shop")
    folder = project.folders.create("Orders", ws.id)
    template = project.templates.create(folder.id, "Items")
    (draft,) = project.drafts.list(template.id)
    (draft.dir / "body.txt.j2").write_text(ITEMS, "utf-8")
    counts: list[Any] = [*range(201), *(float(d) for d in DECIMALS[::37])]
    for rule, tag in rules.items():
        forms = "".join(f'msgstr[{i}] "{c} %(count)s"\n' for i, c in enumerate(rule.categories))
        po = tmp_path / f"{tag}.po"
        po.write_text(
            f'msgid ""\nmsgstr ""\n"Language: {tag}\\n"\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
            f'"Plural-Forms: {rule.header}\\n"\n\n#, python-format\nmsgid "%(count)s item"\n'
            f'msgid_plural "%(count)s items"\n{forms}',
            "utf-8",
        )
        report = import_translations(project, tag, po)
        assert report.problems == [], tag
    wrong = []
    for tag in rules.values():
        message = tmplkit.render(
            template.id, {"counts": counts}, project=project, draft=draft.id, locale=tag
        )
        cldr = Locale.parse(tag.replace("-", "_")).plural_form
        want = "".join(f"{category(cldr, Decimal(repr(c)))} {c};" for c in counts)
        if message.text != want:
            wrong.append(tag)
    assert wrong == []
