"""Layouts flattened: a part that extends a layout (which may extend another) becomes one IR.

A draft's part may start with `{% extends "layouts/base" %}` and fill the layout's
`{% block NAME %}` slots; `{{ super() }}` in a block prints the content the layout gives it.
Every target gets a flat template, as with blocks (`{% include %}`), so this happens once,
before emitting, with Jinja's rules:

- the chain is the part, the layout it extends, the layout that one extends, …, down to a
  root layout that extends nothing; a cycle is refused, naming the chain;
- the root's body is the result, each of its blocks (at any depth, in an `if` or a `for` too)
  replaced by the content of the most derived file of the chain that defines that block;
- a block's content prints its nested blocks the same way, and `{{ super() }}` prints the
  next definition of the same block down the chain (the layout's own content of it);
- a part that extends nothing prints its blocks in place (a layout rendered on its own).

Each file is lowered first by the caller (localized with its own catalogs, its blocks
inlined: see `pipeline.build_ir`), so a string in a layout is translated from the layout's
catalog and a string in the draft's blocks from the template's. A block the extended layout
does not have is refused (Jinja would silently drop it: a typo would go unnoticed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .errors import NotFound, TemplateError
from .model import Layout
from .store import CHANNEL_PARTS, Project
from .store.layouts import LAYOUT_PARTS
from .template import ir
from .template.parse import parse, read_source

Where = Callable[[str, str | None], TemplateError]
"""An error at the `{% extends %}` being resolved: (message, hint) → TemplateError."""


@dataclass(frozen=True)
class LayoutFile:
    """The part of a layout that a part extending it gets: the layout, its source, its file
    name in the project (in messages and extraction)."""

    layout: Layout
    source: str
    file: str


Load = Callable[[str, Where], tuple[ir.Body, str]]
"""The IR of layout `slug`'s part, as the caller lowers it, and the file it comes from."""


def uses_layouts(body: ir.Body) -> bool:
    """True when the body extends a layout or defines blocks (resolved by `flatten`)."""
    return any(isinstance(node, ir.Extends | ir.BlockDef) for node in ir.walk(body))


def layout_file(project: Project | None, slug: str, part: str, where: Where) -> LayoutFile:
    """The file of layout `slug` that a part named `part` (html, text) extends."""
    if part == "subject" or part in CHANNEL_PARTS:
        raise where(
            f"the {part} part cannot extend a layout",
            "only the html and text parts of a draft can; the others write their text",
        )
    if project is None:
        raise where(f'layout "{slug}" needs a project', "run inside a tmplkit project")
    try:
        layout = project.layouts.get(slug)
    except NotFound:
        raise where(f'no layout "{slug}" in the project', "see `tmplkit layout list`") from None
    kind = "html" if part == "html" else "text"
    path = project.confine(layout.dir / LAYOUT_PARTS[kind])
    if not path.is_file():
        raise where(
            f'layout "{slug}" has no {kind} part ({LAYOUT_PARTS[kind]})',
            f"create {project.relpath(path)}",
        )
    file = project.relpath(path)
    return LayoutFile(layout, read_source(path, file), file)


def without_project(slug: str, where: Where) -> tuple[ir.Body, str]:
    """flatten's `load` for a source outside a project (compile_string): no layout to load."""
    raise where(f'layout "{slug}" needs a project', "run inside a tmplkit project")


def flatten(body: ir.Body, file: str, load: Load) -> ir.Body:
    """The flat IR of a part (`body`, from `file`, lowered): its layouts merged in (see the
    module's docstring). A body without Extends or BlockDef comes back as it is."""
    if not uses_layouts(body):
        return body
    chain = _chain(body, file, load)
    # Every block definition of each file of the chain, most derived first.
    defs: dict[str, list[tuple[ir.BlockDef, str]]] = {}
    for content, source in chain:
        for node in ir.walk(content):
            if isinstance(node, ir.BlockDef):
                defs.setdefault(node.name, []).append((node, source))
    _check_blocks(chain, load)
    root, _ = chain[-1]
    return _Merge(defs).body(root)


def _chain(body: ir.Body, file: str, load: Load) -> list[tuple[ir.Body, str]]:
    """The part and the layouts it extends, down to the one that extends nothing; each an
    Extends' blocks (as a body) or the root's body."""
    chain: list[tuple[ir.Body, str]] = []
    names: list[str] = []
    while len(body) == 1 and isinstance(body[0], ir.Extends):
        extends = body[0]
        chain.append((extends.blocks, file))
        here = _where(file, extends.pos)
        name = f"layouts/{extends.layout}"
        if name in names:
            cycle = " → ".join([*names[names.index(name) :], name])
            raise here(f"layouts extend each other in a cycle: {cycle}", None)
        names.append(name)
        body, file = load(extends.layout, here)
    chain.append((body, file))
    return chain


def _check_blocks(chain: list[tuple[ir.Body, str]], load: Load) -> None:
    """Each block a file fills at its top level is one the layouts below it have."""
    for at, (blocks, file) in enumerate(chain[:-1]):
        below = {
            node.name
            for content, _ in chain[at + 1 :]
            for node in ir.walk(content)
            if isinstance(node, ir.BlockDef)
        }
        for block in blocks:
            if isinstance(block, ir.BlockDef) and block.name not in below:
                layout = _layout_name(chain[at + 1][1])  # the layout this file extends
                has = ", ".join(sorted(below)) or "none"
                raise _where(file, block.pos)(
                    f'layout "{layout}" has no block "{block.name}"', f"its blocks: {has}"
                )


def _layout_name(file: str) -> str:
    """`layouts/base/layout.html.j2` → `base`."""
    parts = file.replace("\\", "/").split("/")
    return parts[-2] if len(parts) >= 2 else file


def _where(file: str, pos: ir.Pos) -> Where:
    def error(message: str, hint: str | None) -> TemplateError:
        return TemplateError(
            message, file=file, line=pos.line or None, col=pos.col or None, hint=hint
        )

    return error


class _Merge:
    """Blocks replaced by their content, super() by the next definition down the chain."""

    def __init__(self, defs: dict[str, list[tuple[ir.BlockDef, str]]]) -> None:
        self.defs = defs
        self.stack: list[tuple[str, int]] = []

    def body(self, body: ir.Body) -> ir.Body:
        return ir.replace(body, ir.BlockDef, lambda node: self.block(node.name, 0))

    def block(self, name: str, at: int) -> ir.Body:
        """The content of definition `at` (0: the most derived) of block `name`."""
        definition, file = self.defs[name][at]
        if (name, at) in self.stack:  # a block printed inside itself, through super()
            raise _where(file, definition.pos)(f'block "{name}" prints itself', None)
        self.stack.append((name, at))

        def parent(node: ir.Super) -> ir.Body:
            if at + 1 >= len(self.defs[name]):
                raise _where(file, node.pos)(
                    f'super() in block "{name}": no layout below gives it content',
                    "remove {{ super() }}, or give the block a default in the layout",
                )
            return self.block(name, at + 1)

        content = ir.replace(self.body(definition.body), ir.Super, parent)
        self.stack.pop()
        return content


def layout_blocks(project: Project, layout: Layout, part: str = "html") -> list[str]:
    """The blocks a part extending `layout` can fill (its own, and those of the layouts it
    extends), sorted: what `tmplkit layout show` lists."""
    keywords = project.settings.keywords

    def load(slug: str, where: Where) -> tuple[ir.Body, str]:
        found = layout_file(project, slug, part, where)
        return parse(found.source, found.file, keywords).body, found.file

    first = layout_file(project, layout.slug, part, _where(layout.slug, ir.NOWHERE))
    chain = _chain(parse(first.source, first.file, keywords).body, first.file, load)
    return sorted(
        {
            node.name
            for content, _ in chain
            for node in ir.walk(content)
            if isinstance(node, ir.BlockDef)
        }
    )
