"""Fuzzy matching across drafts (issue 20, item 2): a string edited in a new draft arrives fuzzy
with the translation of the published draft's string and `#| msgid` of it, as Babel's
`Catalog.update` and msgmerge make it, though the published draft still uses the old string."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import polib
from babel.messages.catalog import Catalog as BabelCatalog

from tmplkit.i18n.catalog import Catalog, Message, merge
from tmplkit.store.project_locales import add_locales

from .conftest import ProjectEnv

Run = Callable[..., Any]
OLD = "Your order has shipped today."
NEW = "Your order has shipped."
BODY = "<p>{{% trans %}}{}{{% endtrans %}}</p>\n<p>{{% trans %}}Thanks!{{% endtrans %}}</p>\n"
FR_PO = (
    f'msgid "Subject"\nmsgstr "Objet"\n\nmsgid "{OLD}"\n'
    'msgstr "Votre commande est partie aujourd\'hui."\n\nmsgid "Thanks!"\nmsgstr "Merci !"\n'
)
CATALOG = "locales/fr-FR/acme-shop/orders/order-confirmation.po"


def test_the_usual_draft_flow_gives_a_fuzzy_string(
    project: ProjectEnv, run: Run, tmp_path: Path
) -> None:
    p, root = project.project, project.root
    draft = project.draft
    p.drafts.write_part(draft.id, "html", BODY.format(OLD))
    p.drafts.submit(draft.id)
    p.drafts.approve(draft.id)
    add_locales(p, ["fr-FR"])
    po = tmp_path / "fr.po"
    po.write_text(FR_PO, "utf-8")
    assert run("--project", root, "i18n", "import", "fr-FR", po).code == 0

    copy = run("--project", root, "draft", "duplicate", draft.id)
    assert copy.code == 0, copy.err
    new_id = p.drafts.list(project.template.id)[-1].id
    assert new_id != draft.id
    body = tmp_path / "body.html.j2"
    body.write_text(BODY.format(NEW), "utf-8")
    assert run("--project", root, "draft", "write", new_id, body).code == 0

    # Before: "1 added, 0 fuzzy, 0 obsolete", and the new string untranslated.
    first = run("--project", root, "i18n", "update")
    assert (first.code, first.err) == (0, "")
    assert first.out == f"{CATALOG}: 0 added, 1 fuzzy, 0 obsolete\n1 catalogs checked, 1 changed\n"
    entry = polib.pofile(str(root / CATALOG)).find(NEW)
    assert entry is not None
    assert (entry.flags, entry.previous_msgid, entry.msgstr) == (
        ["fuzzy"],
        OLD,
        "Votre commande est partie aujourd'hui.",
    )
    assert polib.pofile(str(root / CATALOG)).find(OLD).msgstr == (
        "Votre commande est partie aujourd'hui."
    )  # the published draft's string keeps its translation

    p.drafts.submit(new_id)
    p.drafts.approve(new_id)
    p.drafts.archive(draft.id)
    second = run("--project", root, "i18n", "update")
    assert second.out == f"{CATALOG}: 0 added, 0 fuzzy, 1 obsolete\n1 catalogs checked, 1 changed\n"
    text = (root / CATALOG).read_text("utf-8")
    assert (
        "#, fuzzy\n"
        '#| msgid "Your order has shipped today."\n'
        'msgid "Your order has shipped."\n'
        'msgstr "Votre commande est partie aujourd\'hui."\n'
    ) in text
    assert text.endswith(
        '#~ msgid "Your order has shipped today."\n'
        '#~ msgstr "Votre commande est partie aujourd\'hui."\n\n'
    )
    status = run("--project", root, "i18n", "status")
    assert status.out.splitlines()[1].split() == [
        "acme-shop/orders/order-confirmation",
        "fr-FR",
        "2",
        "1",
        "0",
        "66.7%",
    ]


def babel_choice(old: list[tuple[str, str]], new: list[str]) -> dict[str, tuple[str, str]]:
    """What Babel's Catalog.update makes of each new msgid: (previous msgid, translation)."""
    catalog = BabelCatalog(locale="fr")
    for msgid, msgstr in old:
        catalog.add(msgid, msgstr)
    template = BabelCatalog()
    for msgid, _ in old:
        template.add(msgid)
    for msgid in new:
        template.add(msgid)
    catalog.update(template)
    out = {}
    for msgid in new:
        message = catalog.get(msgid)
        assert message is not None
        if message.fuzzy:
            out[msgid] = (message.previous_id[0], message.string)
    return out


def tmplkit_choice(old: list[tuple[str, str]], new: list[str]) -> dict[str, tuple[str, str]]:
    existing, source = Catalog(locale="fr"), Catalog()
    for msgid, msgstr in old:
        existing.add(Message(msgid, translation=msgstr))
        source.add(Message(msgid))
    for msgid in new:
        source.add(Message(msgid))
    merged = merge(existing, source)
    return {m.msgid: (m.previous_msgid or "", m.translation) for m in merged.active if m.fuzzy}


def test_the_donor_is_the_one_babel_chooses() -> None:
    old = [
        ("Your order has shipped today.", "Votre commande est partie aujourd'hui."),
        ("Track your parcel", "Suivez votre colis"),
        ("Thanks!", "Merci !"),
        ("Questions? Reply to this email.", "Des questions ? Répondez à cet e-mail."),
    ]
    new = [
        "Your order has shipped.",
        "TRACK YOUR PARCEL ",
        "Thanks a lot!",
        "Questions? Just reply to this email.",
        "Something else entirely",
    ]
    expected = babel_choice(old, new)
    assert tmplkit_choice(old, new) == expected
    assert set(expected) == set(new) - {"Something else entirely"}


def test_a_removed_string_that_gave_its_translation_is_not_kept_obsolete() -> None:
    existing, source = Catalog(locale="fr"), Catalog()
    existing.add(Message(OLD, translation="Votre commande est partie aujourd'hui."))
    source.add(Message(NEW))
    merged = merge(existing, source)
    assert [(m.msgid, m.fuzzy, m.obsolete, m.previous_msgid) for m in merged.messages.values()] == [
        (NEW, True, False, OLD)
    ]
