"""What compile-time inlining refuses (NotInlinable), each check with its reason.

Before inlining, `check_contexts`: Jinja tags where the CSS or the HTML parser would read them
(a tag or attribute name, a selected attribute, a `<style>`, `|safe` in text). After, on
css-inline's HTML5 tree: `check_blocks`, every `{% if %}`/`{% for %}` block kept together by the
parser; `check_structure`, no structural selector matching an element whose siblings depend on
the data. See tmplkit.message.inline for the whole procedure.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..html5 import Element
from .stylesheet import CssInfo
from .tags import (
    ATTR,
    DATA,
    NAME,
    RAW,
    TAG,
    JTag,
    NotInlinable,
    Scan,
    StartTag,
    Tokens,
    depth_after,
    statement_blocks,
)

# --- before inlining: where the Jinja tags are --------------------------------------------------


def check_contexts(sc: Scan, info: CssInfo, guarded: bool) -> None:
    for j in sc.jtags:
        if not j.dynamic:
            continue
        if j.raw_html and (j.context != ATTR or not guarded):
            # In text it may write elements; in an attribute, only a value holding the quote
            # can (see inline._guard), and only a caller that honours the guard may accept it.
            raise NotInlinable(f"line {j.line}: {j.text} may print HTML (|safe)")
        if j.context == NAME:
            raise NotInlinable(f"{j.text} in a tag or attribute name")
        if j.context == TAG:
            raise NotInlinable(f"{j.text} between the attributes of a tag")
        if j.context == ATTR:
            tag = sc.starts[j.owner]
            name = tag.attrs[j.attr].name
            if not j.quoted:
                raise NotInlinable(f"{j.text} in the unquoted value of {name}= in <{tag.name}>")
            if j.kind == "{{" and name in info.attrs and name != "style":
                raise NotInlinable(
                    f"{j.text} in {name}= of <{tag.name}>, which the stylesheet selects on"
                )
        if j.context == RAW and sc.starts[j.owner].name == "style":
            raise NotInlinable(f"{j.text} inside a <style> element")
    if info.deep and any(j.dynamic and j.context == DATA for j in sc.jtags):
        raise NotInlinable(
            "the stylesheet has :empty or :has() and the template's markup depends on the data"
        )
    for tag in _inside_blocks(sc, ("style", "link")):
        raise NotInlinable(f"a <{tag.name}> inside {{% if %}} or {{% for %}}")
    for block in statement_blocks(sc.jtags):
        keys = {_context_key(j) for j in block}
        if len(keys) > 1:
            raise NotInlinable(f"{block[0].text} and {block[-1].text} are in different places")


def _context_key(j: JTag) -> tuple[str, int, int]:
    if j.context == DATA:
        return (DATA, -1, -1)
    return (j.context, j.owner, j.attr if j.context == ATTR else -1)


def _inside_blocks(sc: Scan, names: tuple[str, ...]) -> Iterator[StartTag]:
    """The start tags of these names that the statements before them do not leave balanced
    (`balanced(sc.jtags, 0, tag.start)` false), in one pass over the statements."""
    depth: int | None = 0  # None: an end or else with nothing open, unbalanced from there on
    k = 0
    for tag in sc.starts:
        if tag.name not in names:
            continue
        while k < len(sc.jtags) and sc.jtags[k].end <= tag.start:
            depth = depth_after(sc.jtags[k], depth)
            k += 1
        if depth != 0:
            yield tag


# --- after inlining: the blocks the parser kept together --------------------------------------


def check_blocks(sc: Scan, tree: Element, tokens: Tokens, marked: dict[int, list[Element]]) -> None:
    """Every block in text must keep its tags side by side in the parsed tree."""
    marked_ids = {id(el): k for k, els in marked.items() for el in els}
    comment_re = tokens.comment_re
    where: dict[int, list[int]] = {}
    for comment, parent in tree.comments():
        m = comment_re.match(comment.text)
        if not m:
            continue
        el: Element | None = parent
        while el is not None and id(el) not in marked_ids:
            el = el.parent
        where.setdefault(int(m.group(1)), []).append(marked_ids[id(el)] if el else -1)
    for j in sc.jtags:
        if j.context == DATA and j.dynamic and len(where.get(j.n, [])) != 1:
            raise NotInlinable(f"{j.text}: the HTML parser dropped or copied it")
    for block in statement_blocks(sc.jtags):
        if block[0].context != DATA:
            continue
        parents = {where[j.n][0] for j in block}
        if len(parents) > 1:
            raise NotInlinable(
                f"{block[0].text} … {block[-1].text}: the HTML parser puts its tags in different"
                " elements (an end tag missing, or markup that is not allowed there)"
            )


# --- structural selectors: whose siblings depend on the data ------------------------------------


def _open_blocks(sc: Scan) -> list[tuple[int, ...]]:
    """Per start tag, the {% if %}/{% for %} blocks in text open around it (their numbers)."""
    out: list[tuple[int, ...]] = []
    stack: list[int] = []
    k = 0
    for tag in sc.starts:
        while k < len(sc.jtags) and sc.jtags[k].start < tag.start:
            j = sc.jtags[k]
            k += 1
            if j.kind != "{%" or j.context != DATA:
                continue
            if j.keyword in ("if", "for"):
                stack.append(j.n)
            elif j.keyword in ("endif", "endfor") and stack:
                stack.pop()
        out.append(tuple(stack))
    return out


_ALWAYS_IMPLIED = frozenset({"html", "head", "body"})


def _unstable(sc: Scan, tree: Element, marked: dict[int, list[Element]]) -> list[Element]:
    """The elements whose siblings may differ between messages: the children of an element
    with a child inside a block it is not inside itself (a loop's rows, a condition's
    paragraph, each branch of a lifted class), or with a child the parser implies (a <tbody>,
    there or not as a loop prints rows or none). Outputs print text only: they move no
    element (`|safe` in text is refused before)."""
    blocks = _open_blocks(sc)
    index = {id(el): k for k, els in marked.items() for el in els}
    varying_parents: set[int] = set()
    for el in tree.iter():
        parent = el.parent
        if parent is None:
            continue
        k = index.get(id(el))
        if k is None:
            if el.tag not in _ALWAYS_IMPLIED:
                varying_parents.add(id(parent))
            continue
        ancestor: Element | None = parent
        while ancestor is not None and id(ancestor) not in index:
            ancestor = ancestor.parent
        outer = blocks[index[id(ancestor)]] if ancestor is not None else ()
        if blocks[k] != outer:
            varying_parents.add(id(parent))
    return [el for el in tree.iter() if el.parent is not None and id(el.parent) in varying_parents]


def check_structure(
    sc: Scan, info: CssInfo, tree: Element, marked: dict[int, list[Element]]
) -> None:
    """Refuses a structural selector that may match an element whose siblings depend on the
    data. A selector one of whose compounds matches no element of the template (every
    element a message has is a copy of one) matches nothing in any message."""
    if not info.selectors:
        return
    elements = [el for el in tree.iter() if el.parent is not None]
    live = [s for s in info.selectors if all(any(k.may_match(e) for e in elements) for k in s.keys)]
    if not live:
        return
    unstable = _unstable(sc, tree, marked)
    for selector in live:
        for key in selector.structural:
            el = next((e for e in unstable if key.may_match(e)), None)
            if el is not None:
                raise NotInlinable(
                    f"the structural selector {selector.text!r} may match a <{el.tag}> whose"
                    " siblings depend on the data"
                )


__all__ = ["check_blocks", "check_contexts", "check_structure"]
