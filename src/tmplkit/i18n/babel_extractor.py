"""A Babel extractor: `pybabel extract -F babel.cfg` finds the keys `tmplkit i18n extract` finds.

babel.cfg:

    [tmplkit: **.j2]

A template is read with tmplkit's gettext functions, the keywords pybabel is given (its
defaults and each `-k`), and the [i18n] keywords of the tmplkit project that holds the file
(tmplkit.toml's win over a `-k` of the same name).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from ..store.records import GettextKeyword, gettext_keyword
from ..template import ir
from ..template.parse import parse
from .extract import project_keywords

ExtractResult = tuple[int, str, str | tuple[str | None, ...], list[str]]

# How each kind of translation is reported, in Babel's spec for it: pybabel applies the spec
# of the name reported to the strings reported with it.
SHAPES: dict[tuple[bool, bool], tuple[str, Any]] = {
    (False, False): ("gettext", None),
    (True, False): ("pgettext", ((1, "c"), 2)),
    (False, True): ("ngettext", (1, 2)),
    (True, True): ("npgettext", ((1, "c"), 2, 3)),
}


def extract(
    fileobj: IO[bytes],
    keywords: Collection[str],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[ExtractResult]:
    """Yield (line, gettext function, message, translator comments) for each translation.

    The function names are Babel's default keywords (gettext, ngettext, pgettext, npgettext),
    or, when pybabel runs without them (--no-default-keywords), a keyword it was given with the
    same spec, so that contexts and plurals land where Babel expects them. Translator comments
    are given when pybabel is asked for comments (`-c TRANSLATORS:` or any comment tag).
    """
    encoding = str(options.get("encoding", "utf-8"))
    source = fileobj.read().decode(encoding)
    name = str(getattr(fileobj, "name", "<template>"))
    # pybabel passes `keywords.keys()` of its {name: spec}; the view's mapping holds the specs.
    specs: Mapping[str, Any] = getattr(keywords, "mapping", None) or dict.fromkeys(keywords)
    table = (*pybabel_keywords(specs), *project_keywords(Path(name)))
    for node in ir.walk(parse(source, name, table).body):
        if not isinstance(node, ir.Trans):
            continue
        comments = [node.comment] if node.comment and comment_tags else []
        function = reported_name(node.context is not None, node.plural is not None, specs)
        if node.context is not None and node.plural is not None:
            yield node.pos.line, function, (node.context, node.msgid, node.plural), comments
        elif node.context is not None:
            yield node.pos.line, function, (node.context, node.msgid), comments
        elif node.plural is not None:
            yield node.pos.line, function, (node.msgid, node.plural), comments
        else:
            yield node.pos.line, function, node.msgid, comments


def reported_name(context: bool, plural: bool, specs: Mapping[str, Any]) -> str:
    default, spec = SHAPES[context, plural]
    if default in specs or not specs:
        return default
    same = (n for n, s in specs.items() if s == spec or (spec is None and s == (1,)))
    return next(same, default)


def pybabel_keywords(specs: Mapping[str, Any]) -> list[GettextKeyword]:
    """The keywords pybabel passes ({name: spec} as Babel's parse_keywords gives them) that
    tmplkit can translate with; others (three messages, say) are left to pybabel."""
    found = []
    for name, spec in specs.items():
        by_total = spec if isinstance(spec, dict) else {None: spec}
        for total, positions in by_total.items():
            text = ",".join(f"{p[0]}c" if isinstance(p, tuple) else str(p) for p in positions or ())
            text += f",{total}t" if total is not None else ""
            try:
                found.append(gettext_keyword(f"{name}:{text.lstrip(',')}" if text else name))
            except ValueError:
                continue
    return found
