"""The typed variables of a resolved SOURCE (its parts, blocks, sample data and template.toml),
and the checks `render --strict` makes of one recipient's data against them.

Above the pipeline (it builds the parts' IR); the type model itself (model.py) sits below the
targets, which read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..i18n.plural import count_problems
from ..pipeline import SourceSet, build_ir, plural_counts, resolve
from ..store import TEMPLATE_FILE, Project
from ..template import ir
from .model import Variables, declare, infer


def of_sources(sources: SourceSet, bodies: list[ir.Body] | None = None) -> Variables:
    """The typed variables of resolved SOURCE: its parts and their blocks (`bodies`, their IR,
    when the caller has built it already), its sample data, and its template's declarations."""
    if bodies is None:
        bodies = [build_ir(p, sources.project, sources.template) for p in sources.parts.values()]
    found = infer(bodies, sources.sample_data())
    template = sources.template
    if template is None or not template.variables:
        return found
    file = template.dir / TEMPLATE_FILE
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        text = ""
    name = sources.project.relpath(file) if sources.project else str(file)
    return declare(found, template.variables, file=name, text=text)


def variables_of(
    source: str, *, project: Project | None = None, draft: str | None = None
) -> Variables:
    """The typed variables of SOURCE (a template id, draft id, slug path, directory or .j2
    file), as `tmplkit variables` shows them."""
    return of_sources(resolve(source, project, draft))


def strict_problems(sources: SourceSet, data: Mapping[str, Any]) -> list[str]:
    """What `render --strict` reports of one recipient's data, a line each: every value that
    does not match the variable types, then every plural count that is not a number (worded
    as without --strict, with its hint)."""
    types = of_sources(sources)
    # a count declared an integer is checked as one; the others only for being a number
    every = plural_counts(sources)
    integers = {c for c in every if (v := types.get(c)) and v.type == "integer"}
    counts = tuple(c for c in every if c not in integers)
    problems = types.validate(data, skip=counts)
    hint = "(hint: give the count as a number)"
    return problems + [f"{problem} {hint}" for problem in count_problems(data, counts)]


def schema_title(sources: SourceSet) -> str | None:
    if sources.template is not None:
        return sources.template.name
    part = next(iter(sources.parts.values()), None)
    return Path(part.file).name if part else None
