"""Localization, library level: extraction, catalogs, fallbacks, pseudo-locales, plurals, safety.

Every PO/POT file written here is checked by the real GNU `msgfmt -c` (see `msgfmt_c`). The
engine renders use tests.engines (`require_engine` skips locally, fails under CI=true).
The CLI side (import validation, update, status, localization objects) is tests/test_i18n_cli.py.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import markupsafe
import polib
import pytest

import tmplkit
from tests.conftest import unstyled
from tests.engines import render_batch, require_engine
from tmplkit.i18n.catalog import (
    Catalog,
    Message,
    keys_json,
    load,
    merge,
    po_text,
    read_po,
)
from tmplkit.i18n.extract import block_keys, catalog_path, extract_source, template_keys
from tmplkit.i18n.locales import (
    LocaleError,
    display_name,
    fallback_chain,
    normalize,
    plural_rule,
)
from tmplkit.i18n.plural import evaluate
from tmplkit.i18n.pseudo import PDF, RLO
from tmplkit.i18n.workflow import import_translations, owner_keys, update, write_catalog
from tmplkit.localize import Localizer, MissingTranslation
from tmplkit.targets.handlebars import HELPERS_JS

# --- msgfmt -------------------------------------------------------------------------------------

# BUG (see test_pot_passes_msgfmt_without_warnings): every POT lacks a Language header, so
# `msgfmt -c` warns about it. msgfmt_c(pot=True) tolerates exactly this one line, nothing else.
POT_LANGUAGE_WARNING = "warning: header field 'Language' missing in header"


def msgfmt_c(path: Path, *, pot: bool = False) -> None:
    """Run the real GNU `msgfmt -c` on a file tmplkit wrote: exit 0 and nothing on stderr."""
    require_engine("msgfmt")
    proc = subprocess.run(
        ["msgfmt", "-c", "-o", "/dev/null", str(path)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "LC_ALL": "C"},  # English messages
    )
    stderr = proc.stderr
    if pot:
        stderr = "\n".join(
            line for line in stderr.splitlines() if not line.endswith(POT_LANGUAGE_WARNING)
        )
    assert proc.returncode == 0, f"msgfmt -c {path}: {proc.stderr}"
    assert stderr == "", f"msgfmt -c {path}: {proc.stderr}"


def write_pot(catalog: Catalog, path: Path) -> Path:
    path.write_text(po_text(catalog, template=True), "utf-8")
    msgfmt_c(path, pot=True)
    return path


# --- a tiny project ----------------------------------------------------------------------------


def tiny_project(root: Path, html: str, *, text: str | None = None, subject: str = "") -> Any:
    """A project with one template (shop/mail/note) whose only draft has the given parts."""
    project = tmplkit.init_project(root)
    workspace = project.workspaces.create("Shop")
    folder = project.folders.create("Mail", workspace.id)
    template = project.templates.create(folder.id, "Note")
    (draft,) = project.drafts.list(template.id)
    project.drafts.write_part(draft.id, "html", html)
    project.drafts.write_part(
        draft.id, "subject", subject or "{% trans %}Hello there{% endtrans %}\n"
    )
    if text is not None:
        project.drafts.write_part(draft.id, "text", text)
    return project, template, draft


def store_translations(
    project: Any, template: Any, locale: str, translations: dict[str, str]
) -> Path:
    """Write a catalog as a translator with commit access could (no import validation)."""
    catalog = merge(Catalog(locale=locale), owner_keys(project, template))
    for msgid, translation in translations.items():
        catalog.messages[(None, msgid)].translation = translation
    path = write_catalog(project, locale, template, catalog)
    msgfmt_c(path)
    return path


# --- extraction ---------------------------------------------------------------------------------

CART = """<h1>{% trans %}Save 50% off{% endtrans %}</h1>
{# Translators: The checkout button. #}
<p>{% trans "button" %}Check out{% endtrans %}</p>
<p>{{ pgettext("menu", "Open") }}</p>
<p>{% trans count=cart.items %}{{ count }} item in your cart{% pluralize %}{{ count }} items in your cart{% endtrans %}</p>
{# Translators: Shown under the total. #}
<p>{{ npgettext("cart", "%(num)s apple", "%(num)s apples", n, num=n) }}</p>
<p>{% trans %}
    Thanks for
        shopping!
{% endtrans %}</p>
<p>{% trans name=user.name %}Hi {{ name }}, save 50% today{% endtrans %}</p>
<p>{% trans %}Check out{% endtrans %}</p>
<p>{% trans "button" %}Check out{% endtrans %}</p>
"""


def summary(catalog: Catalog) -> list[tuple[Any, ...]]:
    return [
        (m.context, m.msgid, m.plural, m.comments, m.locations, m.python_format)
        for m in catalog.messages.values()
    ]


def test_extraction_contexts_plurals_comments_references() -> None:
    catalog = extract_source(CART, "cart.html.j2")
    assert summary(catalog) == [
        (None, "Save 50% off", None, [], [("cart.html.j2", 1)], False),
        (
            "button",
            "Check out",
            None,
            ["The checkout button."],
            [("cart.html.j2", 3), ("cart.html.j2", 14)],
            False,
        ),
        ("menu", "Open", None, [], [("cart.html.j2", 4)], False),
        (
            None,
            "%(count)s item in your cart",
            "%(count)s items in your cart",
            [],
            [("cart.html.j2", 5)],
            True,
        ),
        (
            "cart",
            "%(num)s apple",
            "%(num)s apples",
            ["Shown under the total."],
            [("cart.html.j2", 7)],
            True,
        ),
        (None, "Thanks for shopping!", None, [], [("cart.html.j2", 8)], False),
        (None, "Hi %(name)s, save 50%% today", None, [], [("cart.html.j2", 12)], True),
        (None, "Check out", None, [], [("cart.html.j2", 13)], False),
    ]


def test_pot_entries_flags_and_msgfmt(tmp_path: Path) -> None:
    pot = write_pot(extract_source(CART, "cart.html.j2"), tmp_path / "cart.pot")
    text = pot.read_text("utf-8")
    assert (
        '#. The checkout button.\n#: cart.html.j2:3 cart.html.j2:14\nmsgctxt "button"\n'
        'msgid "Check out"\nmsgstr ""\n'
    ) in text
    # No python-format on "Save 50% off" (Babel would add one: "% o" reads as a directive).
    assert '#: cart.html.j2:1\nmsgid "Save 50% off"\nmsgstr ""\n' in text
    assert (
        '#: cart.html.j2:5\n#, python-format\nmsgid "%(count)s item in your cart"\n'
        'msgid_plural "%(count)s items in your cart"\nmsgstr[0] ""\nmsgstr[1] ""\n'
    ) in text
    assert '"Plural-Forms: nplurals=2; plural=(n!=1);\\n"' in text
    entries = {(e.msgctxt, e.msgid): e.flags for e in polib.pofile(str(pot))}
    assert entries == {
        (None, "Save 50% off"): [],
        ("button", "Check out"): [],
        ("menu", "Open"): [],
        (None, "%(count)s item in your cart"): ["python-format"],
        ("cart", "%(num)s apple"): ["python-format"],
        (None, "Thanks for shopping!"): [],
        (None, "Hi %(name)s, save 50%% today"): ["python-format"],
        (None, "Check out"): [],
    }


def test_pot_passes_msgfmt_without_warnings(tmp_path: Path) -> None:
    pot = tmp_path / "cart.pot"
    pot.write_text(po_text(extract_source(CART, "cart.html.j2"), template=True), "utf-8")
    msgfmt_c(pot)


def test_keys_json_is_dyspatch_keys() -> None:
    catalog = extract_source(CART, "cart.html.j2")
    assert json.loads(keys_json(catalog)) == [
        {"key": "Save 50% off", "comment": ""},
        {"key": "Check out", "comment": "The checkout button.", "context": "button"},
        {"key": "Open", "comment": "", "context": "menu"},
        {
            "key": "%(count)s item in your cart",
            "comment": "",
            "plural": "%(count)s items in your cart",
        },
        {
            "key": "%(num)s apple",
            "comment": "Shown under the total.",
            "context": "cart",
            "plural": "%(num)s apples",
        },
        {"key": "Thanks for shopping!", "comment": ""},
        {"key": "Hi %(name)s, save 50%% today", "comment": ""},
        {"key": "Check out", "comment": ""},
    ]


REINDENTED = [
    "<p>{% trans %}Thanks for shopping with us!{% endtrans %}</p>\n",
    "<p>{% trans %}Thanks for\n  shopping with us!{% endtrans %}</p>\n",
    "<p>\n  {% trans %}\n      Thanks for shopping\n      with us!\n  {% endtrans %}\n</p>\n",
    "<p>{% trans %}\tThanks for\n\t\tshopping with us!\n{% endtrans %}</p>\n",
]


@pytest.mark.parametrize("source", REINDENTED, ids=range(len(REINDENTED)))
def test_reindenting_keeps_the_msgid(source: str) -> None:
    (message,) = extract_source(source, "t.html.j2").messages.values()
    assert message.msgid == "Thanks for shopping with us!"


def test_reindenting_keeps_the_translation(tmp_path: Path) -> None:
    """Trimmed the same way at lookup: a re-indented template still finds its translation."""
    project, template, draft = tiny_project(tmp_path / "p", REINDENTED[0])
    store_translations(
        project,
        template,
        "fr-FR",
        {"Thanks for shopping with us!": "Merci de votre visite !", "Hello there": "Bonjour"},
    )
    for source in REINDENTED:
        project.drafts.write_part(draft.id, "html", source)
        message = tmplkit.render(str(draft.dir), {}, project=project, locale="fr-FR")
        flat = re.sub(r"\s+", " ", message.html).replace("> ", ">").replace(" <", "<").strip()
        assert flat == "<p>Merci de votre visite !</p>"
        assert message.warnings == ()


def test_sample_templates_and_blocks_have_their_own_keys(sample_project: Path) -> None:
    project = tmplkit.open_project(sample_project)
    order = template_keys(project, project.templates.get("acme-shop/orders/order-confirmation"))
    footer = block_keys(project, project.blocks.get("footer"))
    header = block_keys(project, project.blocks.get("header"))
    assert [m.msgid for m in footer.messages.values()] == [
        "Help center",
        "Unsubscribe",
        "Acme Shop, 500 Market Street, Suite 12, San Francisco, CA 94105, USA",
        "You are receiving this e-mail because you have an account with Acme Shop.",
    ]
    assert footer.messages[(None, "Help center")].locations == [
        ("blocks/footer/block.html.j2", 5),
        ("blocks/footer/block.txt.j2", 2),
    ]
    assert footer.messages[
        (None, "Acme Shop, 500 Market Street, Suite 12, San Francisco, CA 94105, USA")
    ].comments == [
        "Company postal address. Keep the street and city names unchanged; adapt only the punctuation."
    ]
    (logo,) = header.messages.values()
    assert (logo.msgid, logo.comments, logo.locations) == (
        "Acme Shop",
        ["Alternative text of the logo image, read aloud by screen readers."],
        [("blocks/header/block.html.j2", 6), ("blocks/header/block.txt.j2", 1)],
    )
    # The template's keys are its own drafts' (the blocks it includes are not repeated).
    assert not set(order.messages) & (set(footer.messages) | set(header.messages))
    plural = order.messages[(None, "You ordered %(count)s item.")]
    assert plural.plural == "You ordered %(count)s items."
    assert plural.locations == [
        ("workspaces/acme-shop/orders/order-confirmation/drafts/next/body.html.j2", 45),
        ("workspaces/acme-shop/orders/order-confirmation/drafts/published/body.html.j2", 45),
    ]
    assert order.messages[("button", "View your order")].locations == [
        ("workspaces/acme-shop/orders/order-confirmation/drafts/next/body.html.j2", 86),
        ("workspaces/acme-shop/orders/order-confirmation/drafts/published/body.html.j2", 85),
    ]
    # A key only in the next draft is a key all the same (every draft that is not archived).
    assert (None, "Thanks for your order, and happy holidays!") in order.messages
    for catalog, name in ((order, "order.pot"), (footer, "footer.pot"), (header, "header.pot")):
        write_pot(catalog, sample_project / name)


def test_catalog_layout(sample_project: Path) -> None:
    project = tmplkit.open_project(sample_project)
    order = project.templates.get("acme-shop/orders/order-confirmation")
    footer = project.blocks.get("footer")
    assert (
        catalog_path(project, "pl-PL", order)
        == sample_project / "locales/pl-PL/acme-shop/orders/order-confirmation.po"
    )
    assert (
        catalog_path(project, "pl-PL", footer) == sample_project / "locales/pl-PL/blocks/footer.po"
    )


def test_sample_catalogs_pass_msgfmt_and_declare_plural_forms(sample_project: Path) -> None:
    files = sorted((sample_project / "locales").rglob("*.po"))
    assert len(files) == 30  # 6 catalogs (4 templates, 2 blocks) × 5 locales
    expected = {
        # CLDR's rules (cldr.py): French `many` for millions, Polish `other` for decimals only
        "fr-FR": "nplurals=3; plural=(n<=1 ? 0 : n!=0 && n%1000000==0 ? 1 : 2);",
        "de-DE": "nplurals=2; plural=(n!=1);",
        "pl-PL": "nplurals=4; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<12 || n%100>14) ? 1 : 2);",
        "ja-JP": "nplurals=1; plural=(0);",
        # zero, one, two, few, many, other: GNU's usual Arabic header, the same forms
        "ar-EG": "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3"
        " : n%100>=11 && n%100<=99 ? 4 : 5);",
    }
    for file in files:
        msgfmt_c(file)
        po = polib.pofile(str(file))
        locale = file.relative_to(sample_project / "locales").parts[0]
        assert po.metadata["Language"] == locale
        assert po.metadata["Plural-Forms"] == expected[locale], file


# --- catalogs in and out --------------------------------------------------------------------------


def test_po_round_trip_keeps_everything(tmp_path: Path) -> None:
    catalog = Catalog(locale="pl-PL", project="Acme Shop: test")
    catalog.add(Message("Total", translation="Razem", locations=[("a.j2", 3)], comments=["Sum."]))
    catalog.add(Message("Open", context="menu", translation="Otwórz"))
    catalog.add(
        Message(
            "%(count)s item",
            plural="%(count)s items",
            translations=[
                "%(count)s produkt",
                "%(count)s produkty",
                "%(count)s produktów",
                "%(count)s produktu",
            ],
        )
    )
    catalog.add(Message("Buy now", translation="Kup teraz", fuzzy=True, previous_msgid="Buy"))
    catalog.add(Message("Gone", translation="Nie ma", obsolete=True))
    path = tmp_path / "pl.po"
    path.write_text(po_text(catalog), "utf-8")
    msgfmt_c(path)
    text = path.read_text("utf-8")
    assert '#, fuzzy\n#| msgid "Buy"\nmsgid "Buy now"\nmsgstr "Kup teraz"\n' in text
    assert '#~ msgid "Gone"\n#~ msgstr "Nie ma"\n' in text
    again = load(path, "pl-PL")
    kept = [m for m in again.messages.values() if m.msgid != "Gone"]  # see the obsolete bug below
    assert [(m.context, m.msgid, m.translation, m.translations, m.fuzzy) for m in kept] == [
        (None, "Total", "Razem", [], False),
        ("menu", "Open", "Otwórz", [], False),
        (
            None,
            "%(count)s item",
            "",
            [
                "%(count)s produkt",
                "%(count)s produkty",
                "%(count)s produktów",
                "%(count)s produktu",
            ],
            False,
        ),
        (None, "Buy now", "Kup teraz", [], True),
    ]


def test_obsolete_entries_are_read_as_obsolete() -> None:
    text = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\nmsgid "Total"\nmsgstr "Razem"\n\n#~ msgid "Gone"\n#~ msgstr "Nie ma"\n'
    catalog = read_po(text, "pl.po", "pl-PL")
    assert catalog.get((None, "Gone")) is None
    assert [m.msgid for m in catalog.active] == ["Total"]
    assert catalog.messages[(None, "Gone")].obsolete


def test_merge_keeps_fuzzies_and_obsoletes() -> None:
    old = Catalog(locale="fr-FR")
    old.add(Message("Total", translation="Total FR"))
    old.add(Message("Thanks for your order!", translation="Merci pour votre commande !"))
    old.add(Message("Your order is empty.", translation="Votre commande est vide."))
    new = Catalog()
    new.add(Message("Total"))
    new.add(Message("Thanks for your order, and happy holidays!"))
    new.add(Message("Nothing here"))
    merged = merge(old, new)
    assert [
        (m.msgid, m.translation, m.fuzzy, m.previous_msgid, m.obsolete)
        for m in merged.messages.values()
    ] == [
        ("Total", "Total FR", False, None, False),
        (
            "Thanks for your order, and happy holidays!",
            "Merci pour votre commande !",
            True,
            "Thanks for your order!",
            False,
        ),
        ("Nothing here", "", False, None, False),
        ("Your order is empty.", "Votre commande est vide.", False, None, True),
    ]


# --- update (library) ------------------------------------------------------------------------------


def test_update_keeps_fuzzies_obsoletes_and_adds(sample_project: Path) -> None:
    project = tmplkit.open_project(sample_project)
    next_draft = "tdft_01m6gcf97zxybbb8msg2ee1s2d"  # the order confirmation's IN_PROGRESS draft
    html = project.drafts.read_parts(project.drafts.get(next_draft))["html"]
    html = html.replace("from your order page.", "from the order page.")
    html = html.replace(
        "{% trans %}Delivery{% endtrans %}", "{% trans %}Delivery options{% endtrans %}"
    )
    project.drafts.write_part(next_draft, "html", html)
    # "Delivery" is still in the published draft; "Delivery options" is close enough to take its
    # translation as fuzzy all the same (Babel's Catalog.update rule): both changed lines are fuzzy.
    before = {p: p.read_bytes() for p in (sample_project / "locales").rglob("*.po")}
    rows = update(project)
    changed = [r for r in rows if (r.added, r.fuzzy, r.obsolete) != (0, 0, 0)]
    assert [(r.file, r.fuzzy, r.obsolete) for r in changed] == [
        (f"locales/{loc}/acme-shop/orders/order-confirmation.po", 2, 0)
        for loc in ("fr-FR", "de-DE", "pl-PL", "ja-JP", "ar-EG")
    ]
    after = {p: p.read_bytes() for p in (sample_project / "locales").rglob("*.po")}
    assert {p for p in after if after[p] != before[p]} == {
        sample_project / f"locales/{loc}/acme-shop/orders/order-confirmation.po"
        for loc in ("fr-FR", "de-DE", "pl-PL", "ja-JP", "ar-EG")
    }
    for path in after:
        msgfmt_c(path)
    pl = load(sample_project / "locales/pl-PL/acme-shop/orders/order-confirmation.po", "pl-PL")
    gift = pl.messages[
        (None, "Buying a gift? You can print a gift receipt without prices from the order page.")
    ]
    assert gift.fuzzy and not gift.translated
    assert (
        gift.previous_msgid
        == "Buying a gift? You can print a gift receipt without prices from your order page."
    )
    assert (
        gift.translation
        == "Kupują Państwo prezent? Na stronie zamówienia można wydrukować potwierdzenie zakupu bez cen."
    )
    options = pl.messages[(None, "Delivery options")]
    assert (options.fuzzy, options.previous_msgid, options.translation) == (
        True,
        "Delivery",
        "Dostawa",
    )
    assert pl.messages[(None, "Delivery")].translation == "Dostawa"  # unchanged keys keep theirs
    assert pl.messages[(None, "You ordered %(count)s item.")].translations == [
        "Zamówiono %(count)s produkt.",
        "Zamówiono %(count)s produkty.",
        "Zamówiono %(count)s produktów.",
        "Zamówiono %(count)s produktu.",  # `other`: decimals (1,5 produktu)
    ]


# --- languages and fallbacks ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw,tag",
    [
        ("fr_FR", "fr-FR"),
        ("fr-fr", "fr-FR"),
        ("zh_hans_cn", "zh-Hans-CN"),
        ("zh-Hans-CN", "zh-Hans-CN"),
        ("es_419", "es-419"),
        ("pl", "pl"),
        ("QPS-PLOC", "qps-ploc"),
        (" ja_JP ", "ja-JP"),
    ],
)
def test_normalize_bcp47(raw: str, tag: str) -> None:
    assert normalize(raw) == tag


@pytest.mark.parametrize(
    "raw,message",
    [
        ("xx-YY", "unknown language 'xx-YY' (hint: write it like fr-FR or es-419)"),
        ("fr FR", "'fr FR' is not a language id (hint: write it like fr-FR or es-419)"),
        ("", "'' is not a language id (hint: write it like fr-FR or es-419)"),
        ("../etc", "'../etc' is not a language id (hint: write it like fr-FR or es-419)"),
    ],
)
def test_normalize_refuses(raw: str, message: str) -> None:
    with pytest.raises(LocaleError) as info:
        normalize(raw)
    assert str(info.value) == message


def test_names_and_plural_rules_from_cldr() -> None:
    assert display_name("fr_FR") == "French (France)"
    assert display_name("zh-Hans-CN") == "Chinese (Simplified, China)"
    assert display_name("qps-ploc") == "Pseudo (accented)"
    assert plural_rule("ja-JP").header == "nplurals=1; plural=(0);"
    assert plural_rule("pl-PL").count == 4
    assert plural_rule("pl-PL").categories == ("one", "few", "many", "other")
    assert plural_rule("pl-PL").decimals is None  # every decimal count is `other`
    assert plural_rule("fr-FR").categories == ("one", "many", "other")
    assert plural_rule("fr-FR").decimals == "i<=1 ? 0 : 2"  # 1.5 is `one`
    expr = plural_rule("pl-PL").expr
    assert [evaluate(expr, n) for n in (0, 1, 2, 5, 12, 22, 25, 101)] == [2, 0, 1, 2, 2, 1, 2, 2]


def test_fallback_chain() -> None:
    project_locales = ["fr-FR", "de-DE", "pl-PL", "ja-JP"]
    assert fallback_chain("fr-CA", "en-US", project_locales) == ["fr-CA", "fr", "fr-FR", "en-US"]
    assert fallback_chain("fr_FR", "en-US", project_locales) == ["fr-FR", "fr", "en-US"]
    assert fallback_chain("zh-Hans-CN", "en-US") == ["zh-Hans-CN", "zh-Hans", "zh", "en-US"]
    assert fallback_chain("en-GB", "en-US", ["en-US"]) == ["en-GB", "en", "en-US"]


ORDER = "acme-shop/orders/order-confirmation"
WELCOME = "acme-shop/account/welcome"


def sample_data(root: Path, slug: str) -> dict[str, Any]:
    return json.loads((root / "workspaces" / slug / "sample.json").read_text("utf-8"))


def test_fr_ca_falls_back_to_fr_fr_with_a_warning_per_string(sample_project: Path) -> None:
    project = tmplkit.open_project(sample_project)
    data = sample_data(sample_project, WELCOME)
    fr = tmplkit.render(WELCOME, data, project=project, locale="fr-FR")
    ca = tmplkit.render(WELCOME, data, project=project, locale="fr_CA")
    assert ca.locale == "fr-CA"
    # The same French message, whose <html lang> says the reader's own locale.
    french = fr.html.replace('<html lang="fr-FR">', '<html lang="fr-CA">', 1)
    assert (ca.subject, ca.html, ca.text) == (fr.subject, french, fr.text)
    assert ca.subject == "Bienvenue chez Acme Shop, Zoë & Léa\u00a0!"
    assert fr.warnings == ()
    assert len(ca.warnings) == 18 == len(set(ca.warnings))  # 13 template strings, 5 of blocks
    assert (
        ca.warnings[0]
        == "template welcome: 'Welcome to Acme Shop, %(name)s!': no fr-CA translation; using fr-FR"
    )
    assert (
        "template welcome: [button] 'Start shopping': no fr-CA translation; using fr-FR"
        in ca.warnings
    )
    assert "block footer: 'Unsubscribe': no fr-CA translation; using fr-FR" in ca.warnings
    assert all(w.endswith(": no fr-CA translation; using fr-FR") for w in ca.warnings)


def test_the_chain_prefers_fr_ca_then_fr(sample_project: Path) -> None:
    """fr-CA → fr → fr-FR: each string comes from the first catalog that translates it."""
    project = tmplkit.open_project(sample_project)
    welcome = project.templates.get(WELCOME)
    store_translations(project, welcome, "fr-CA", {"Get started": "Pour démarrer (CA)"})
    store_translations(
        project,
        welcome,
        "fr",
        {"Get started": "Pour démarrer (fr)", "Welcome to Acme Shop": "Bienvenue (fr)"},
    )
    message = tmplkit.render(
        WELCOME, sample_data(sample_project, WELCOME), project=project, locale="fr-CA"
    )
    assert "<h2>Pour démarrer (CA)</h2>" in unstyled(message.html)
    assert "<title>Bienvenue (fr)</title>" in unstyled(message.html)
    assert "<h1>Bienvenue chez Acme Shop, Zoë &amp; Léa\xa0!</h1>" in unstyled(
        message.html
    )  # from fr-FR
    assert (
        "template welcome: 'Welcome to Acme Shop': no fr-CA translation; using fr"
        in message.warnings
    )
    assert not any("'Get started'" in w for w in message.warnings)
    assert (
        "template welcome: 'Need a hand? Our support team is happy to help:': no fr-CA translation; using fr-FR"
        in message.warnings
    )


def test_a_locale_without_catalogs_falls_back_to_the_source(sample_project: Path) -> None:
    project = tmplkit.open_project(sample_project)
    data = sample_data(sample_project, ORDER)
    source = tmplkit.render(ORDER, data, project=project)
    spanish = tmplkit.render(ORDER, data, project=project, locale="es_ES")

    def in_spanish(text: str) -> str:
        """The source's words, its values formatted for es-ES (CLDR) all the same."""
        text = text.replace("October 12, 2026", "12 de octubre de 2026")
        for price in ("49.00", "34.50", "19.99", "12.00", "115.49"):
            text = text.replace(f"${price}", price.replace(".", ",") + "\u00a0US$")
        return text

    assert (spanish.subject, spanish.html, spanish.text) == (
        source.subject,
        in_spanish(source.html.replace('<html lang="en">', '<html lang="es-ES">', 1)),
        in_spanish(source.text),
    )
    assert "placed on 12 de octubre de 2026" in spanish.text
    assert spanish.locale == "es-ES"
    assert (
        spanish.warnings[0]
        == "template order-confirmation: 'Your Acme Shop order #%(number)s is confirmed': no es-ES translation; using the source (en-US)"
    )
    assert all(
        w.endswith("no es-ES translation; using the source (en-US)") for w in spanish.warnings
    )
    assert spanish.channels == {  # the SMS total too: format_decimal("0.00")
        part: text.replace("115.49 USD", "115,49 USD") for part, text in source.channels.items()
    }
    # 21 strings of the published draft (2 of them in its sms part), 5 of its blocks
    assert len(spanish.warnings) == 26


def test_strict_makes_a_missing_translation_an_error(sample_project: Path) -> None:
    project = tmplkit.open_project(sample_project)
    with pytest.raises(MissingTranslation) as info:
        tmplkit.render(ORDER, {}, project=project, locale="es-ES", strict=True)
    assert str(info.value) == (
        "template order-confirmation: no es-ES translation of 'Your Acme Shop order "
        "#%(number)s is confirmed' (hint: translate it, or render without --strict to fall "
        "back to the source)"
    )
    with pytest.raises(MissingTranslation):
        tmplkit.compile_parts(ORDER, "liquid", project=project, locale="es-ES", strict=True)
    # A fallback inside the language is not missing: fr-CA renders from fr-FR, strictly too.
    ok = tmplkit.render(
        ORDER, sample_data(sample_project, ORDER), project=project, locale="fr-CA", strict=True
    )
    assert ok.subject == "Votre commande Acme Shop n°\u00a0AC-104829 est confirmée"


def test_the_source_locale_needs_no_catalog(sample_project: Path) -> None:
    project = tmplkit.open_project(sample_project)
    data = sample_data(sample_project, ORDER)
    us = tmplkit.render(ORDER, data, project=project, locale="en_US", strict=True)
    source = tmplkit.render(ORDER, data, project=project).html
    assert us.warnings == () and us.html == source.replace('lang="en"', 'lang="en-US"', 1)


def test_localizer_records_each_fallback_once(sample_project: Path) -> None:
    project = tmplkit.open_project(sample_project)
    localizer = Localizer("fr_CA", project)
    assert (localizer.locale, localizer.chain) == ("fr-CA", ["fr-CA", "fr", "fr-FR"])
    renderer = tmplkit.Renderer(project)
    # The password reset has a text part too: its block strings are looked up twice, warned once.
    message = renderer.render("acme-shop/account/password-reset", {}, locale="fr-CA")
    footer = [w for w in message.warnings if w.startswith("block footer: 'Help center'")]
    assert footer == ["block footer: 'Help center': no fr-CA translation; using fr-FR"]


# --- Polish plurals -----------------------------------------------------------------------------------

POLISH = {
    0: "Zamówiono 0 produktów.",
    1: "Zamówiono 1 produkt.",
    2: "Zamówiono 2 produkty.",
    5: "Zamówiono 5 produktów.",
    12: "Zamówiono 12 produktów.",
    22: "Zamówiono 22 produkty.",
    25: "Zamówiono 25 produktów.",
    101: "Zamówiono 101 produktów.",
}


@pytest.mark.parametrize("n", sorted(POLISH))
def test_polish_plural_forms_render_with_jinja2(sample_project: Path, n: int) -> None:
    project = tmplkit.open_project(sample_project)
    data = sample_data(sample_project, ORDER)
    data["order"]["item_count"] = n
    message = tmplkit.render(ORDER, data, project=project, locale="pl-PL", strict=True)
    assert f"<p>{POLISH[n]}</p>" in unstyled(message.html)
    assert message.warnings == ()
    english = tmplkit.render(ORDER, data, project=project)
    assert f"<p>You ordered {n} {'item' if n == 1 else 'items'}.</p>" in unstyled(english.html)


def test_japanese_has_one_form(sample_project: Path) -> None:
    project = tmplkit.open_project(sample_project)
    data = sample_data(sample_project, ORDER)
    seen = set()
    for n in (0, 1, 2, 5):
        data["order"]["item_count"] = n
        html = tmplkit.render(ORDER, data, project=project, locale="ja-JP", strict=True).html
        (line,) = [ln.strip() for ln in unstyled(html).splitlines() if "点です" in ln]
        seen.add(line.replace(str(n), "N", 1))
    assert seen == {"<p>ご注文の商品はN点です。</p>"}


# --- pseudo-locales ------------------------------------------------------------------------------------


def test_qps_ploc_renders_a_sample_with_values_and_markup_intact(sample_project: Path) -> None:
    project = tmplkit.open_project(sample_project)
    data = sample_data(sample_project, ORDER)
    message = tmplkit.render(ORDER, data, project=project, locale="QPS-PLOC", strict=True)
    assert message.locale == "qps-ploc" and message.warnings == ()
    assert message.subject == "[Ẏǿŭř Ȧƈḿḗ Şħǿƥ ǿřḓḗř #AC-104829 īş ƈǿƞƒīřḿḗḓ ~~~~ ~~~~ ~~~]"
    html = unstyled(message.html)
    assert "<h1>[Ŧħȧƞķş ƒǿř ẏǿŭř ǿřḓḗř! ~~~~ ~~~~ ~~~]</h1>" in html
    assert "<p>[Ħī Zoë &amp; Léa, ~~~]</p>" in html  # the value, escaped, not accented
    assert "<p>[Ẏǿŭ ǿřḓḗřḗḓ 3 īŧḗḿş. ~~~~ ~~~~ ~~~~ ]</p>" in html
    assert (
        '<p><a href="https://acme.example/account/orders/AC-104829" class="button">[Ṽīḗẇ ẏǿŭř ǿřḓḗř ~~~~ ~~~~ ~]</a></p>'
        in html
    )
    assert "<td>Salt &amp; Pepper Mill Set &lt;Oak&gt;</td>" in html  # data is untouched
    assert (
        '<a href="https://acme.example/email/unsubscribe?u=7f3c9a21&amp;list=orders">[Ŭƞşŭƀşƈřīƀḗ ~~~~ ~~~]</a>'
        in html
    )
    # Everything outside the translations is byte for byte the source render.
    source = unstyled(tmplkit.render(ORDER, data, project=project).html)
    assert html.count("<") == source.count("<") and html.count('"') == source.count('"')


def test_qps_plocm_mirrors_words_only(sample_project: Path) -> None:
    project = tmplkit.open_project(sample_project)
    message = tmplkit.render(
        ORDER, sample_data(sample_project, ORDER), project=project, locale="qps-plocm"
    )

    def m(word: str) -> str:
        return RLO + word + PDF

    assert message.subject == (
        f"[{m('⅄onɹ')} {m('∀ɔɯǝ')} {m('Sɥod')} {m('oɹpǝɹ')} #AC-104829 {m('ıs')} {m('ɔouɟıɹɯǝp')}]"
    )
    assert f"<p>[{m('H')}{m('ı')} Zoë &amp; Léa,]</p>" not in unstyled(
        message.html
    )  # words are whole runs
    assert f"<p>[{m('Hı')} Zoë &amp; Léa,]</p>" in unstyled(message.html)


def test_pseudo_locales_keep_markup_and_placeholders_of_the_string(tmp_path: Path) -> None:
    html = '<p>{% trans name=user.name %}Read <a href="https://acme.example/help">our guide</a>, {{ name }}.{% endtrans %}</p>\n'
    project, _template, draft = tiny_project(tmp_path / "p", html)
    data = {"user": {"name": "<Ann & Bob>"}}
    ploc = tmplkit.render(str(draft.dir), data, project=project, locale="qps-ploc")
    assert (
        ploc.html
        == '<p>[Řḗȧḓ <a href="https://acme.example/help">ǿŭř ɠŭīḓḗ</a>, &lt;Ann &amp; Bob&gt;. ~~~~ ~~~~ ~~~]</p>\n'
    )
    plocm = tmplkit.render(str(draft.dir), data, project=project, locale="qps-plocm")
    assert plocm.html == (
        f'<p>[{RLO}ᴚǝɐp{PDF} <a href="https://acme.example/help">{RLO}onɹ{PDF}'
        f" {RLO}ƃnıpǝ{PDF}</a>, &lt;Ann &amp; Bob&gt;.]</p>\n"
    )
    compiled = tmplkit.compile_parts(str(draft.dir), "liquid", project=project, locale="qps-ploc")
    assert '<a href="https://acme.example/help">ǿŭř ɠŭīḓḗ</a>' in unstyled(compiled.html)
    require_engine("liquidjs")
    (result,) = render_batch("liquidjs", [{"template": compiled.html, "data": data}])
    assert result == {"ok": True, "output": ploc.html}


# --- translations are data -------------------------------------------------------------------------------

MALICIOUS = "{{ secret }}{% for x in y %}${x}<script>alert(1)</script>"
MARKUP_HTML = (
    "<p>{% trans %}Hello there{% endtrans %}</p>\n"
    "<p>{% trans %}Plain words{% endtrans %}</p>\n"
    '<p>{% trans %}Read <a href="https://acme.example/help">the guide</a>.{% endtrans %}</p>\n'
)
TRANSLATIONS = {
    "Hello there": MALICIOUS,
    "Plain words": "Des mots <b>gras</b>",
    'Read <a href="https://acme.example/help">the guide</a>.': 'Lisez <a href="https://acme.example/help">le guide</a>.',
}
INERT_HTML = (
    "<p>{{ secret }}{% for x in y %}${x}&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"
    "<p>Des mots &lt;b&gt;gras&lt;/b&gt;</p>\n"
    '<p>Lisez <a href="https://acme.example/help">le guide</a>.</p>\n'
)
INERT_TEXT = MALICIOUS + "\n"
DATA = {"secret": "SECRET", "y": ["Y"], "x": "X"}


@pytest.fixture
def hostile(tmp_path: Path) -> tuple[Any, Any, Any]:
    project, template, draft = tiny_project(
        tmp_path / "p", MARKUP_HTML, text="{% trans %}Hello there{% endtrans %}\n"
    )
    store_translations(project, template, "fr-FR", TRANSLATIONS)
    return project, template, draft


def test_import_refuses_the_malicious_translation(
    hostile: tuple[Any, Any, Any], tmp_path: Path
) -> None:
    """Import's validation is the first wall: added tags are refused. The catalog written by
    hand (the fixture) tests the second: whatever a catalog holds renders as text."""
    project, _, _ = hostile
    file = tmp_path / "fr.json"
    file.write_text(json.dumps(TRANSLATIONS, ensure_ascii=False), "utf-8")
    report = import_translations(project, "fr-FR", file)
    assert [str(p) for p in report.problems] == [
        f"{file}:1: fr-FR: 'Hello there': HTML tags differ from the source: adds </script>, <script>",
        f"{file}:1: fr-FR: 'Plain words': HTML tags differ from the source: adds </b>, <b>",
    ]


def test_a_malicious_translation_renders_inert_in_the_reference(
    hostile: tuple[Any, Any, Any],
) -> None:
    project, _, draft = hostile
    message = tmplkit.render(str(draft.dir), DATA, project=project, locale="fr-FR", strict=True)
    assert message.html == INERT_HTML
    assert message.text == INERT_TEXT
    assert message.subject == MALICIOUS
    assert "SECRET" not in unstyled(message.html) + message.text + message.subject


ENGINES = [
    ("handlebars", "handlebars"),
    ("handlebarsjava", "handlebars"),
    ("liquid", "shopify_liquid"),
    ("liquid", "liquidjs"),
    ("liquid", "python_liquid"),
    ("freemarker", "freemarker"),
    ("cheetah", "cheetah"),
    ("jinja", "jinja2"),
]


@pytest.mark.parametrize("target,engine", ENGINES, ids=[f"{t}-{e}" for t, e in ENGINES])
def test_a_malicious_translation_renders_inert_in_every_engine(
    hostile: tuple[Any, Any, Any], target: str, engine: str
) -> None:
    require_engine(engine)
    project, _, draft = hostile
    compiled = tmplkit.compile_parts(
        str(draft.dir), target, project=project, locale="fr-FR", strict=True
    )
    assert compiled.warnings == ()
    extra: dict[str, Any] = {"helpers": HELPERS_JS} if engine == "handlebars" else {}
    cases = [
        {"template": compiled.html, "data": DATA, "autoescape": True, **extra},
        {"template": compiled.text, "data": DATA, **extra},
        {"template": compiled.subject, "data": DATA, **extra},
    ]
    html, text, subject = render_batch(engine, cases)
    # (stock Jinja2 drops the template's last newline; the others keep it)
    assert html["ok"] and html["output"].rstrip("\n") == INERT_HTML.rstrip("\n")
    assert text["ok"] and text["output"].rstrip("\n") == MALICIOUS
    assert subject["ok"] and subject["output"].rstrip("\n") == MALICIOUS


BREAKOUTS = [
    "</#noparse>${secret}<#noparse>",
    "{% endraw %}{{ secret }}{% raw %}",
    "\\{{secret}}",
    "\\\\{{secret}}",
    "{{{secret}}}",
    "{{> secret}}{{#each y}}E{{/each}}",
    "#set $z = $secret\n$z",
    "$secret ${secret} #if True\nyes#end if",
    "[=secret] <#if true>T</#if>",
    "{{ '{' }}{ secret }}",
    "trailing backslash \\",
]


@pytest.mark.parametrize("target,engine", ENGINES, ids=[f"{t}-{e}" for t, e in ENGINES])
def test_delimiter_breakouts_stay_text_in_every_engine(
    tmp_path: Path, target: str, engine: str
) -> None:
    """Each target's own escape hatches, written into translations, print verbatim."""
    require_engine(engine)
    html = "".join(f"<p>{{% trans %}}Line {i}{{% endtrans %}}</p>\n" for i in range(len(BREAKOUTS)))
    project, template, draft = tiny_project(tmp_path / "p", html)
    store_translations(
        project,
        template,
        "fr-FR",
        {f"Line {i}": s for i, s in enumerate(BREAKOUTS)} | {"Hello there": "Bonjour"},
    )
    compiled = tmplkit.compile_parts(
        str(draft.dir), target, project=project, locale="fr-FR", strict=True
    )
    extra: dict[str, Any] = {"helpers": HELPERS_JS} if engine == "handlebars" else {}
    (result,) = render_batch(
        engine, [{"template": compiled.html, "data": DATA, "autoescape": True, **extra}]
    )
    # translated text is escaped as any value is (markupsafe's &#34; and &#39; for quotes)
    expected = "".join(f"<p>{markupsafe.escape(s)}</p>\n" for s in BREAKOUTS).replace("&amp;", "&")
    assert result["ok"] and result["output"].rstrip("\n") == expected.rstrip("\n")
    reference = tmplkit.render(str(draft.dir), DATA, project=project, locale="fr-FR")
    assert reference.html == expected


class _Attributes(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def test_a_translation_cannot_add_attributes(sample_project: Path, tmp_path: Path) -> None:
    project = tmplkit.open_project(sample_project)
    file = tmp_path / "de.json"
    file.write_text(json.dumps({"Acme Shop": 'Acme" onerror="alert(1)'}), "utf-8")
    report = import_translations(project, "de-DE", file, owner=project.blocks.get("header"))
    assert report.ok  # quotes are fine in a translation: the render must keep them text
    msgfmt_c(catalog_path(project, "de-DE", project.blocks.get("header")))
    html = tmplkit.render(WELCOME, {}, project=project, locale="de-DE").html
    parser = _Attributes()
    parser.feed(html)
    (img,) = [attrs for tag, attrs in parser.found if tag == "img"]
    assert "onerror" not in img
    assert img["alt"] == 'Acme" onerror="alert(1)'


@pytest.mark.parametrize("locale", ["fr-FR", "qps-ploc"])
def test_a_link_with_a_placeholder_stays_a_link(tmp_path: Path, locale: str) -> None:
    html = '<p>{% trans url=link %}Read <a href="{{ url }}">the guide</a>.{% endtrans %}</p>\n'
    project, template, draft = tiny_project(tmp_path / "p", html)
    key = 'Read <a href="%(url)s">the guide</a>.'
    assert list(template_keys(project, template).messages)[1] == (None, key)
    catalog = merge(Catalog(locale="fr-FR"), owner_keys(project, template))
    catalog.messages[(None, key)].translation = 'Lisez <a href="%(url)s">le guide</a>.'
    msgfmt_c(write_catalog(project, "fr-FR", template, catalog))
    data = {"link": "https://acme.example/?a=1&b=2"}
    message = tmplkit.render(str(draft.dir), data, project=project, locale=locale)
    parser = _Attributes()
    parser.feed(message.html)
    assert parser.found == [("p", {}), ("a", {"href": "https://acme.example/?a=1&b=2"})]


def test_a_translation_keeping_the_source_link_keeps_it(tmp_path: Path) -> None:
    """The markup rule through import: the same <a href> as the source stays markup."""
    project, template, draft = tiny_project(tmp_path / "p", MARKUP_HTML)
    file = tmp_path / "fr.po"
    file.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Read <a href=\\"https://acme.example/help\\">the guide</a>."\n'
        'msgstr "Lisez <a  href=\\"https://acme.example/help\\">le guide</a>."\n',
        "utf-8",
    )
    report = import_translations(project, "fr-FR", file)
    assert report.ok and report.translated == 1
    msgfmt_c(catalog_path(project, "fr-FR", template))
    html = tmplkit.render(str(draft.dir), {}, project=project, locale="fr-FR").html
    assert '<p>Lisez <a  href="https://acme.example/help">le guide</a>.</p>' in html
    # In a text part the same translation is plain text (no escaping at all).
    project.drafts.write_part(draft.id, "text", MARKUP_HTML)
    text = tmplkit.render(str(draft.dir), {}, project=project, locale="fr-FR").text
    assert '<p>Lisez <a  href="https://acme.example/help">le guide</a>.</p>' in text


def test_a_localized_subject_keeps_no_break_spaces(sample_project: Path) -> None:
    project = tmplkit.open_project(sample_project)
    message = tmplkit.render(
        WELCOME, sample_data(sample_project, WELCOME), project=project, locale="fr-FR"
    )
    assert message.subject == "Bienvenue chez Acme Shop, Zoë & Léa\xa0!"


# --- issue 13, item 7: the three template bugs, rendered ----------------------------------------


def test_trans_num_and_a_percent_before_parentheses_render(tmp_path: Path) -> None:
    template = tmp_path / "apples.txt.j2"
    template.write_text(
        "{% trans num=n %}{{ num }} apple{% pluralize %}{{ num }} apples{% endtrans %}|"
        '{{ _("%(v)s is 100%%(v)s", v=x) }}\n',
        "utf-8",
    )
    assert [tmplkit.render(str(template), {"n": n, "x": "X"}).text for n in (1, 3)] == [
        "1 apple|X is 100%(v)s\n",
        "3 apples|X is 100%(v)s\n",
    ]


def test_a_call_in_a_trans_binding_is_one_line_on_the_command_line(
    tmp_path: Path, run: Any
) -> None:
    (tmp_path / "t.txt.j2").write_text("{% trans x=f() %}{{ x }}{% endtrans %}\n", "utf-8")
    result = run("render", "t.txt.j2", cwd=tmp_path)
    assert (result.code, result.out) == (1, "")
    assert result.err == (
        "error: t.txt.j2:1:12: calling f() is not portable (hint: templates cannot call code; "
        "put the value in your recipient data)\n"
    )


def test_a_scoped_replace_keeps_the_translations_outside_its_scope(sample_project: Path) -> None:
    """import_catalog(replace=True, scope=…): the API's PUT for one draft replaces the
    translations of that draft's strings only, read and written under one lock."""
    from tmplkit.i18n.catalog import Catalog
    from tmplkit.i18n.workflow import import_catalog, read_catalog

    project = tmplkit.open_project(sample_project)
    welcome = project.templates.get("acme-shop/account/welcome")
    before = read_catalog(project, "fr-FR", welcome)
    translated = [m for m in before.active if m.translated]
    assert len(translated) >= 2
    cleared, kept = translated[0], translated[1:]
    report = import_catalog(
        project,
        "fr-FR",
        Catalog("fr-FR"),
        "body",
        owner=welcome,
        replace=True,
        force=True,
        scope={cleared.key},
    )
    assert (report.problems, report.removed) == ([], 1)
    after = read_catalog(project, "fr-FR", welcome)
    assert not after.get(cleared.key).translated
    assert [(m.key, m.translation, m.translations) for m in kept] == [
        (m.key, after.get(m.key).translation, after.get(m.key).translations) for m in kept
    ]
