"""Replace each translation node with text and outputs for one locale, from the catalogs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import TmplkitError
from .i18n.catalog import Catalog, Message, describe_key, load
from .i18n.checks import TAG_RE, tags
from .i18n.locales import PluralRule, fallback_chain, normalize, plural_rule
from .i18n.plural import select_form
from .template import ir
from .template.parse import FORMAT_TOKEN_RE, merge_text

if TYPE_CHECKING:
    from .model import Block, Layout, Template
    from .store import Project

DEFAULT_SOURCE_LOCALE = "en-US"


class MissingTranslation(TmplkitError):
    """--strict: a string has no translation for the locale (nor any fallback)."""


def message_nodes(
    text: str,
    trans: ir.Trans,
    markup: frozenset[str] | None = None,
    translation: str | None = None,
) -> ir.Body:
    """A msgid or translation as nodes: literal text, and an Output for each `%(name)s`.

    A string without bindings is plain text (gettext writes it without python-format); with
    bindings, `%%` is a literal percent sign. `markup`, for a translation in an HTML part, is
    the set of tags the source string has: only those stay markup; anything else in the
    translation (other tags, quotes that could end an attribute) is escaped, so a translation
    can never add HTML. `translation` labels the text nodes of a translation (ir.Text), whose
    URLs are checked like data (htmlcontext.py); the source text is the template's own.
    """
    python_format = bool(trans.bindings)
    if markup is None:
        nodes = tuple(_with_placeholders(text, trans, python_format, lambda t: t))
        return _labelled(nodes, translation)
    out: list[ir.Node] = []
    pos = 0
    # Tags first, on the whole string: a tag may hold a placeholder (`<a href="%(url)s">`).
    for m in TAG_RE.finditer(text):
        out.extend(_with_placeholders(text[pos : m.start()], trans, python_format, _escape_text))
        tag = m.group(0)
        allowed = " ".join(tag.split()) in markup
        keep = (lambda t: t) if allowed else _escape_text
        out.extend(_with_placeholders(tag, trans, python_format, keep))
        pos = m.end()
    out.extend(_with_placeholders(text[pos:], trans, python_format, _escape_text))
    return _labelled(merge_text(out), translation)


def _labelled(nodes: ir.Body, translation: str | None) -> ir.Body:
    if translation is None:
        return nodes
    return tuple(ir.Text(n.text, translation) if isinstance(n, ir.Text) else n for n in nodes)


def _with_placeholders(
    text: str, trans: ir.Trans, python_format: bool, literal: Callable[[str], str]
) -> list[ir.Node]:
    """Text with `%(name)s` as Outputs (python-format only) and `literal` applied to the rest."""
    if not text:
        return []
    if not python_format:
        return [ir.Text(literal(text))]
    out: list[ir.Node] = []
    pos = 0
    for m in FORMAT_TOKEN_RE.finditer(text):  # `%%` and `%(name)s`, left to right
        name = m.group(1)
        if name is None:
            continue  # a literal percent sign, turned into `%` with the text around it
        if m.start() > pos:
            out.append(ir.Text(literal(_percent(text[pos : m.start()]))))
        value = trans.binding(name)
        if value is not None:
            out.append(ir.Output(value, trans.pos))
        pos = m.end()
    if pos < len(text):
        out.append(ir.Text(literal(_percent(text[pos:]))))
    return out


def _percent(text: str) -> str:
    """python-format text between placeholders: each `%%` is a percent sign."""
    return FORMAT_TOKEN_RE.sub("%", text)


def _escape_text(text: str) -> str:
    """Translated text as inert HTML: no tag, and no quote that could end an attribute."""
    # markupsafe's spellings, as every other escaped value; `&` stays so entities still work.
    return (
        text.replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;").replace("'", "&#39;")
    )


def source_nodes(trans: ir.Trans, source_locale: str = DEFAULT_SOURCE_LOCALE) -> ir.Body:
    """The source-language rendering of a translation, plurals by the source locale's rule."""
    if trans.plural is None:
        return message_nodes(trans.msgid, trans)
    rule = plural_rule(source_locale)
    singular = message_nodes(trans.msgid, trans)
    plural = message_nodes(trans.plural, trans)
    # The source's two strings: the singular is CLDR's `one` (English 1, French 0 and 1.5).
    forms = [singular if category == "one" else plural for category in rule.categories]
    return _select(trans, rule, forms)


def _select(trans: ir.Trans, rule: PluralRule, forms: list[ir.Body]) -> ir.Body:
    count = trans.binding(trans.count or "count")
    assert count is not None, "the parser binds the plural count"
    return select_form(count.ref, rule.expr, forms, trans.pos, decimals=rule.decimals)


def map_trans(body: ir.Body, fn: Callable[[ir.Trans], ir.Body]) -> ir.Body:
    """The body with every Trans replaced by `fn(trans)`, at any depth."""
    return ir.replace(body, ir.Trans, fn)


def lower_translations(body: ir.Body, source_locale: str = DEFAULT_SOURCE_LOCALE) -> ir.Body:
    """Every Trans replaced by its source-language text and outputs."""
    return map_trans(body, lambda t: source_nodes(t, source_locale))


@dataclass
class Localizer:
    """Translates bodies into one locale from a project's catalogs, with the fallback chain.

    `fr-CA` looks in the fr-CA catalog, then fr, then uses the source text; every fallback is
    recorded in `warnings` (once per string), and `strict` makes a missing translation an error.
    """

    locale: str
    project: Project | None = None
    strict: bool = False
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.locale = normalize(self.locale)
        self.source_locale = normalize(
            self.project.settings.source_locale if self.project else DEFAULT_SOURCE_LOCALE
        )
        locales = self.project.settings.locales if self.project else []
        self.chain = fallback_chain(self.locale, self.source_locale, locales)[:-1]
        self._catalogs: dict[Path, Catalog | None] = {}
        self._warned: set[tuple[str, tuple[str | None, str]]] = set()

    def catalogs(self, owner: Template | Block | Layout | None) -> list[tuple[str, Catalog]]:
        if self.project is None or owner is None:
            return []
        from .i18n.extract import catalog_path

        found = []
        for locale in self.chain:
            path = catalog_path(self.project, locale, owner)
            if path not in self._catalogs:
                self._catalogs[path] = load(path, locale) if path.is_file() else None
            catalog = self._catalogs[path]
            if catalog is not None:
                found.append((locale, catalog))
        return found

    def localize(
        self, body: ir.Body, owner: Template | Block | Layout | None, *, html: bool
    ) -> ir.Body:
        if self.locale == self.source_locale:
            return lower_translations(body, self.source_locale)
        from .i18n.pseudo import PSEUDO_LOCALES

        pseudo = PSEUDO_LOCALES.get(self.locale)
        catalogs = self.catalogs(owner)
        label = _owner_label(owner)

        def translate(trans: ir.Trans) -> ir.Body:
            markup = frozenset(tags(trans.msgid) + tags(trans.plural or "")) if html else None
            if pseudo is not None:
                python_format = bool(trans.bindings)
                forms = [pseudo(trans.msgid, python_format=python_format)]
                if trans.plural is not None:
                    forms.append(pseudo(trans.plural, python_format=python_format))
                where = _translation_label(label, trans, self.locale)
                return self._nodes(trans, forms, "en", markup, where)
            for locale, catalog in catalogs:
                message = catalog.get(trans_key(trans))
                if message is not None and message.translated:
                    if locale != self.locale:
                        self._warn(trans, f"no {self.locale} translation; using {locale}", label)
                    where = _translation_label(label, trans, locale)
                    return self._nodes(trans, _forms(message), locale, markup, where)
            if self.strict:
                raise MissingTranslation(
                    f"{label}: no {self.locale} translation of {describe_key(trans_key(trans))}",
                    hint="translate it, or render without --strict to fall back to the source",
                )
            using = f"no {self.locale} translation; using the source ({self.source_locale})"
            self._warn(trans, using, label)
            return source_nodes(trans, self.source_locale)

        return map_trans(body, translate)

    def _nodes(
        self,
        trans: ir.Trans,
        forms: list[str],
        locale: str,
        markup: frozenset[str] | None,
        where: str,
    ) -> ir.Body:
        if trans.plural is None:
            return message_nodes(forms[0], trans, markup, where)
        rule = plural_rule(locale)
        bodies = [message_nodes(f, trans, markup, where) for f in forms]
        return _select(trans, rule, bodies)

    def _warn(self, trans: ir.Trans, message: str, label: str) -> None:
        key = (label, trans_key(trans))
        if key in self._warned:
            return
        self._warned.add(key)
        self.warnings.append(f"{label}: {describe_key(trans_key(trans))}: {message}")


def _translation_label(label: str, trans: ir.Trans, locale: str) -> str:
    """`template welcome: "Shop now": fr-FR translation`: where a translated text comes from."""
    return f"{label}: {describe_key(trans_key(trans))}: {locale} translation"


def trans_key(trans: ir.Trans) -> tuple[str | None, str]:
    return (trans.context, trans.msgid)


def _forms(message: Message) -> list[str]:
    return list(message.translations) if message.plural is not None else [message.translation]


def _owner_label(owner: Template | Block | Layout | None) -> str:
    if owner is None:
        return "template"
    kind = {"blk_": "block", "lay_": "layout"}.get(owner.id[:4], "template")
    return f"{kind} {owner.slug}"
