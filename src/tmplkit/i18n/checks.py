"""Checks of translations against their source strings: placeholders, plural forms, % signs,
line breaks, HTML tags and URLs; each problem listed with where it is (Problem), none stopping
the rest. `conform` first brings an imported file to the locale's plural rule."""

from __future__ import annotations

import re
from collections import Counter

from ..html5 import VOID
from ..template.parse import placeholders
from ..urls import SAFE_SCHEMES, is_url_attribute, url_is_safe, url_scheme
from .catalog import Catalog, Message, Problem, same_plural_forms
from .locales import language_of, plural_rule
from .pluralforms import (
    HISTOGRAM,
    PluralFormsError,
    compile_expression,
    map_forms,
    often,
    read_header,
)

TAG_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s+[^<>]*?)?)\s*(/?)>|<!--.*?-->", re.S)
FORMAT_RE = re.compile(r"%(?:\((\w+)\))?([-#0 +]*\d*(?:\.\d+)?)([a-zA-Z%])")


def tags(text: str) -> list[str]:
    """The HTML tags of a string, normalized (attribute spacing), in order."""
    return [" ".join(m.group(0).split()) for m in TAG_RE.finditer(text)]


def tag_problems(source: str, translation: str) -> list[str]:
    found = tags(translation)
    wanted = tags(source)
    problems = []
    if Counter(found) != Counter(wanted):
        extra = sorted((Counter(found) - Counter(wanted)).elements())
        missing = sorted((Counter(wanted) - Counter(found)).elements())
        detail = []
        if extra:
            detail.append("adds " + ", ".join(extra))
        if missing:
            detail.append("drops " + ", ".join(missing))
        problems.append("HTML tags differ from the source: " + "; ".join(detail))
    stack: list[str] = []
    for m in TAG_RE.finditer(translation):
        if m.group(0).startswith("<!--"):
            continue
        closing, name, _, selfclosing = m.group(1), m.group(2).lower(), m.group(3), m.group(4)
        if selfclosing or name in VOID:
            continue
        if not closing:
            stack.append(name)
        elif stack and stack[-1] == name:
            stack.pop()
        else:
            problems.append(f"HTML tags are not balanced: </{name}> closes nothing open")
            return problems
    if stack:
        problems.append(f"HTML tags are not balanced: <{stack[-1]}> is never closed")
    return problems


ATTRIBUTE_RE = re.compile(r"""([^\s"'=<>/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""")


def url_problems(source: str, translation: str) -> list[str]:
    """A translation must not make a link a browser would run: a URL attribute of its markup
    (`href`, `src`, …) and, when the source string is itself a URL (`https://…`, as in
    `href="{% trans %}https://example.com/en/{% endtrans %}"`), the translation as a whole,
    must have a scheme a message may link to (see tmplkit.urls)."""
    problems = []
    if url_scheme(source) in SAFE_SCHEMES and not url_is_safe(translation):
        problems.append(
            f"the source is a URL, and the translation's scheme {url_scheme(translation)}: is "
            "not allowed (http, https, mailto, tel, sms or a relative URL)"
        )
    for m in TAG_RE.finditer(translation):
        element, attributes = m.group(2), m.group(3) or ""
        for a in ATTRIBUTE_RE.finditer(attributes):
            name = a.group(1)
            value = next((v for v in a.group(2, 3, 4) if v is not None), None)
            if value is not None and is_url_attribute(element, name) and not url_is_safe(value):
                problems.append(
                    f"<{element} {name}> holds a URL whose scheme {url_scheme(value)}: is not "
                    "allowed (http, https, mailto, tel, sms or a relative URL)"
                )
    return problems


def percent_problems(text: str, python_format: bool) -> list[str]:
    if not python_format:
        return []
    problems = []
    for m in FORMAT_RE.finditer(text):
        name, flags, conv = m.groups()
        if conv == "%" and not name and not flags:
            continue
        if name and conv == "s" and not flags:
            continue
        problems.append(
            f"invalid % directive {m.group(0)!r} (write a literal percent sign as %%, "
            "placeholders as %(name)s)"
        )
    stripped = FORMAT_RE.sub("", text)
    if "%" in stripped:
        problems.append("invalid % at the end (write a literal percent sign as %%)")
    return problems


def conform(
    incoming: Catalog, locale: str, file: str, *, force_language: bool = False
) -> tuple[list[Problem], list[str]]:
    """A translation file brought to `locale`'s plural rule: (problems, warnings).

    The PO header is checked as msgfmt -c checks it: a file with plural translations needs a
    Plural-Forms that gettext can use, and each plural entry its nplurals forms. Its Language
    must be the locale's language unless `force_language`. When the file's rule is not the
    locale's, each plural message's forms are mapped onto the locale's (pluralforms.map_forms),
    remembering which msgstr[] each came from (Message.origin). JSON has no header: its forms
    are in the locale's order already.
    """
    problems: list[Problem] = []

    def header(message: str) -> None:
        problems.append(Problem("header: " + message, file, incoming.header_line, None, locale))

    def unreadable() -> tuple[list[Problem], list[str]]:
        # Without a usable rule no plural form can be told apart: the header problem is the
        # one to report, not a count of forms against the locale's rule for each entry.
        for m in plurals:
            m.translations = []
        return problems, []

    if incoming.language and not force_language:
        theirs = language_of(incoming.language)
        if theirs is None:
            header(
                f"Language {incoming.language!r} is not a language id (give --force-language "
                f"to import the file as {locale})"
            )
        elif theirs != language_of(locale):
            header(
                f"Language {incoming.language!r} is another language than {locale} (give "
                f"--force-language to import the file as {locale})"
            )
    plurals = [m for m in incoming.active if m.plural is not None and any(m.translations)]
    if incoming.from_json or not plurals:
        return problems, []
    if incoming.plural_forms is None:
        header(
            "no Plural-Forms, and the file has plural translations (gettext reads them by "
            f'"Plural-Forms: {plural_rule(locale).header}" for {locale})'
        )
        return unreadable()
    try:
        theirs_rule = read_header(incoming.plural_forms)
    except PluralFormsError as exc:
        header(exc.message)
        return unreadable()
    for m in plurals:
        if len(m.translations) != theirs_rule.count:
            problems.append(
                Problem(
                    f"{len(m.translations)} plural forms, the file's Plural-Forms has "
                    f"nplurals={theirs_rule.count}",
                    file,
                    m.line,
                    m.key,
                    locale,
                )
            )
            m.translations = []  # reported; nothing else to check in it
    rule = plural_rule(locale)
    incoming.file_often = often(theirs_rule.count, theirs_rule.evaluate)
    if same_plural_forms(theirs_rule.header, rule.header):
        return problems, []
    try:
        mapping = map_forms(theirs_rule, rule, locale)
    except PluralFormsError as exc:
        header(exc.message)
        return unreadable()
    for m in plurals:
        if m.translations:
            m.origin = list(mapping.forms)
            m.translations = [m.translations[i] for i in mapping.forms]
    return problems, list(mapping.warnings)


def validate(
    incoming: Catalog,
    source: Catalog,
    locale: str,
    file: str,
) -> list[Problem]:
    """Every problem of `incoming` translations against the source keys, for `locale`
    (after conform: plural forms in the locale's order)."""
    problems: list[Problem] = []
    rule = plural_rule(locale)
    # Forms served by fewer than pluralforms.OFTEN counts may leave a placeholder out, as
    # msgfmt -c allows ("one", "two"); checked for the locale's rule and the file's own.
    # A form that no count up to 1000 takes is not rare either: Polish and Russian `other`
    # serves every decimal count, French `many` every multiple of a million.
    whole = compile_expression(rule.expr)
    rare = {whole(n) for n in HISTOGRAM} - often(rule.count, whole)

    def add(message: str, m: Message) -> None:
        problems.append(Problem(message, file, m.line, m.key, locale))

    for defect in incoming.defects:
        problems.append(Problem(defect.message, file, defect.line, defect.key, locale))
    for m in incoming.active:
        original = source.get(m.key)
        if original is None:
            add("unknown key: not in the source", m)
            continue
        if original.plural is not None:
            if m.plural is not None and m.plural and m.plural != original.plural:
                add(f"msgid_plural differs from the source's {original.plural!r}", m)
            if m.plural is None and m.translation:
                add("the source is a plural: give one translation per form", m)
                continue
            if not any(m.translations):
                continue
            if len(m.translations) != rule.count:
                add(
                    f"{len(m.translations)} plural forms, {locale} has {rule.count} "
                    f"({rule.header})",
                    m,
                )
            names = set(placeholders(original.plural))
            allowed = names | set(placeholders(original.msgid))
            labels = m.origin or list(range(len(m.translations)))
            # a file form may leave a name out if every form it gives is rare, in both rules
            strict = {labels[i] for i in range(len(labels)) if i not in rare}
            strict |= incoming.file_often or set()
            reported: set[int] = set()
            for i, form in enumerate(m.translations):
                label = labels[i]
                if not form or label in reported:
                    continue
                reported.add(label)
                used = set(placeholders(form))
                missing = names - used if label in strict else set()
                found = [f"unknown placeholder {_names(used - allowed)}"] if used - allowed else []
                found += [f"missing placeholder {_names(missing)}"] if missing else []
                found += percent_problems(form, original.python_format)
                found += newline_problems(original.msgid, form)
                found += tag_problems(original.plural, form)
                found += url_problems(original.plural, form)
                for p in found:
                    add(f"form {label}: {p}", m)
        else:
            if m.plural is not None:
                add("the source is not a plural: give a single translation", m)
                continue
            if not m.translation:
                continue
            used = set(placeholders(m.translation))
            names = set(placeholders(original.msgid))
            if used - names:
                add("unknown placeholder " + _names(used - names), m)
            if names - used:
                add("missing placeholder " + _names(names - used), m)
            for p in percent_problems(m.translation, original.python_format):
                add(p, m)
            for p in newline_problems(original.msgid, m.translation):
                add(p, m)
            for p in tag_problems(original.msgid, m.translation):
                add(p, m)
            for p in url_problems(original.msgid, m.translation):
                add(p, m)
    return problems


def newline_problems(source: str, translation: str) -> list[str]:
    """msgfmt -c's rule: a translation starts and ends with a line break where the source
    does, and only there."""
    problems = []
    for where, test in (("starts", str.startswith), ("ends", str.endswith)):
        if test(source, "\n") != test(translation, "\n"):
            which = "the source" if test(source, "\n") else "the translation"
            problems.append(f"only {which} {where} with a line break (\\n)")
    return problems


def _names(names: set[str]) -> str:
    return ", ".join(f"%({n})s" for n in sorted(names))
