"""What a stylesheet's selectors read: the attributes they select on, and the structural
selectors (`:first-child`, `+`, `~`, `:empty`…) whose match depends on an element's siblings.

`css_info(css)` is read once per template; inlining (tmplkit.message.inline) decides from it
which Jinja constructs matter to the CSS.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..html5 import Element

_WS = " \t\n\r\f"

_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_CSS_STRING = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'", re.S)
_STRUCTURAL = re.compile(
    r":(?:first-child|last-child|only-child|nth-|first-of-type|last-of-type|only-of-type|"
    r"empty|has\()",
    re.I,
)
_PSEUDO_ATTRS = {
    "lang": "lang",
    "dir": "dir",
    "checked": "checked",
    "disabled": "disabled",
    "enabled": "disabled",
    "required": "required",
    "optional": "required",
    "read-only": "readonly",
    "read-write": "readonly",
    "link": "href",
    "any-link": "href",
    "default": "selected",
    "placeholder-shown": "placeholder",
}


@dataclass(frozen=True, slots=True)
class CompoundKey:
    """What an element must have to match a compound selector, at least: its name, classes and
    id. The compound's other conditions are left out, so the key matches more, never less."""

    tag: str | None = None  # all three lowercased: a document in quirks mode matches classes
    classes: frozenset[str] = frozenset()  # and ids regardless of case
    id: str | None = None

    def may_match(self, el: Element) -> bool:
        if self.tag is not None and el.tag.lower() != self.tag:
            return False
        if self.id is not None and el.attrs.get("id", "").lower() != self.id:
            return False
        if not self.classes:
            return True
        return self.classes <= set(_ASCII_WS.split(el.attrs.get("class", "").lower()))


_ASCII_WS = re.compile(r"[ \t\n\f\r]+")


@dataclass(frozen=True, slots=True)
class StructuralSelector:
    """A complex selector that depends on siblings (`li:first-child`, `p + .stat`)."""

    text: str
    keys: tuple[CompoundKey, ...]  # each compound's: it matches nothing if one matches nothing
    structural: tuple[CompoundKey, ...]  # the compounds whose match depends on siblings


@dataclass
class CssInfo:
    rules: bool = False  # any style rule at all
    attrs: set[str] = field(default_factory=set)  # attributes selectors depend on
    structural: bool = False  # a rule css-inline inlines depends on siblings or emptiness
    selectors: list[StructuralSelector] = field(default_factory=list)  # those rules' selectors
    deep: bool = False  # among them :empty or :has(), which depend on an element's content


def css_info(css: str) -> CssInfo:
    """What the selectors of a stylesheet read, for deciding which Jinja constructs matter."""
    info = CssInfo()
    css = _CSS_COMMENT.sub(" ", css)
    depth = 0
    prelude: list[str] = []
    blocks: list[bool] = []  # per open block: is it a style rule?
    pos = 0
    for m in re.finditer(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|[{};]", css, re.S):
        tok = m.group()
        if tok in "{};":
            prelude.append(css[pos : m.start()])
        else:
            prelude.append(css[pos : m.end()])
        pos = m.end()
        if tok == "{":
            text = "".join(prelude).strip()
            prelude.clear()
            in_rule = bool(blocks and blocks[-1])
            if in_rule:
                blocks.append(True)
            elif text.startswith("@"):
                blocks.append(False)
            else:
                blocks.append(True)
                info.rules = True
                _selector_info(text, info, top=depth == 0)
            depth += 1
        elif tok == "}":
            prelude.clear()
            if blocks:
                blocks.pop()
            depth = max(0, depth - 1)
        elif tok == ";":
            prelude.clear()
    return info


def _selector_info(selector: str, info: CssInfo, top: bool) -> None:
    plain = _CSS_STRING.sub('""', selector)
    if re.search(r"\.-?[_a-zA-Z\\\u0080-\uffff]", plain):
        info.attrs.add("class")
    if re.search(r"#-?[_a-zA-Z\\\u0080-\uffff]", plain):
        info.attrs.add("id")
    info.attrs.update(a.lower() for a in re.findall(r"\[\s*(?:[\w*-]*\|)?([\w-]+)", plain))
    for pseudo in re.findall(r":([a-z-]+)", plain, re.I):
        if pseudo.lower() in _PSEUDO_ATTRS:
            info.attrs.add(_PSEUDO_ATTRS[pseudo.lower()])
    if top:
        bare = re.sub(r"\[[^\]]*\]", "", plain)  # [href~=x] is no sibling; :is(a + b) is
        if _STRUCTURAL.search(plain) or re.search(r"[+~]", bare):
            info.structural = True
            for complex_selector in _split_outside_brackets(plain, ","):
                found = _structural_selector(complex_selector.strip())
                if found is not None:
                    info.selectors.append(found)
            if re.search(r":(?:empty|has\()", plain, re.I):
                info.deep = True


def _split_outside_brackets(text: str, separators: str) -> list[str]:
    """`text` cut at each separator outside () and []: a selector list into its selectors."""
    parts: list[str] = []
    depth = start = 0
    for i, c in enumerate(text):
        if c in "([":
            depth += 1
        elif c in ")]":
            depth = max(0, depth - 1)
        elif depth == 0 and c in separators:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _compounds(selector: str) -> list[tuple[str, str]]:
    """A complex selector's compounds, each with the combinator before it ("" for the first,
    " " for a descendant)."""
    out: list[tuple[str, str]] = []
    depth = 0
    combinator = ""
    current: list[str] = []
    for c in selector:
        if c in "([":
            depth += 1
        elif c in ")]":
            depth = max(0, depth - 1)
        elif depth == 0 and c in _WS + ">+~":
            if current:
                out.append((combinator, "".join(current)))
                current.clear()
                combinator = " "
            if c not in _WS:
                combinator = c
            continue
        current.append(c)
    if current:
        out.append((combinator, "".join(current)))
    return out


_KEY_NAME = r"(-?[_a-zA-Z\u0080-\uffff][\w\u0080-\uffff-]*)"


def _compound_key(compound: str) -> CompoundKey:
    bare = re.sub(r"\[[^\]]*\]", "", compound)
    while True:  # arguments of :not(), :is(), :nth-child()…, innermost first
        shorter = re.sub(r"\([^()]*\)", "", bare)
        if shorter == bare:
            break
        bare = shorter
    if "\\" in bare or "|" in bare:  # escapes, namespaces: read as matching anything
        return CompoundKey()
    name = re.match(r"[A-Za-z][\w-]*", bare)
    ids = re.findall("#" + _KEY_NAME, bare)
    return CompoundKey(
        name.group().lower() if name else None,
        frozenset(c.lower() for c in re.findall(r"\." + _KEY_NAME, bare)),
        ids[0].lower() if ids else None,
    )


def _structural_selector(selector: str) -> StructuralSelector | None:
    compounds = _compounds(selector)
    if not compounds:
        return None
    keys = tuple(_compound_key(c) for _, c in compounds)
    structural = []
    for i, (combinator, compound) in enumerate(compounds):
        after = compounds[i + 1][0] if i + 1 < len(compounds) else ""
        inner = re.sub(r"\[[^\]]*\]", "", compound)
        if (
            _STRUCTURAL.search(compound)
            or combinator in ("+", "~")
            or after in ("+", "~")
            or ("(" in inner and re.search(r"[+~]", inner))  # :is(a + b), :nth-child(2n+1)
        ):
            structural.append(keys[i])
    if not structural:
        return None
    return StructuralSelector(selector, keys, tuple(structural))


__all__ = ["CompoundKey", "CssInfo", "StructuralSelector", "css_info"]
