"""The checks a draft passes before its content is frozen (submit, lock): it parses and renders.

The store keeps files and knows nothing of templates (it sits below the parser and the
renderer), so this module, above both, wraps the two workflow actions that freeze a draft's
content: `submit` (for approval) and `lock` (for translation). Each part is parsed, with the
blocks it includes, and then the draft is rendered with its template's sample data
(sample.json, or no data). Every problem is listed, each with its `file:line:col` where it has
one; with any, the action is refused and the draft stays as it was.
"""

from __future__ import annotations

from .errors import ProhibitedAction, TemplateError, TmplkitError
from .model import Draft
from .pipeline import build_ir, resolve
from .rendering import Renderer
from .store import Project

CHECKED_ACTIONS = frozenset({"submit", "lock"})  # the actions that freeze the content


class DraftProblems(ProhibitedAction):
    """A draft that does not parse or render: `problems` lists each, one line apiece."""

    def __init__(self, message: str, problems: list[str], *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.problems = problems


def draft_problems(project: Project, draft: Draft) -> list[str]:
    """Every reason the draft's parts do not parse, or the draft does not render with its
    template's sample data; empty when it does both."""
    try:
        sources = resolve(draft.id, project)
    except TmplkitError as exc:  # no body, say
        return [str(exc)]
    problems = []
    for part in sources.parts.values():
        try:
            build_ir(part, project, sources.template)
        except TemplateError as exc:
            problems.append(str(exc))
    if problems:
        return problems
    try:
        Renderer(project).render_sources(sources, sources.sample_data() or {})
    except TmplkitError as exc:
        problems.append(str(exc))
    return problems


def transition(project: Project, draft_id: str, action: str) -> Draft:
    """`project.drafts.transition(draft_id, action)`, after the checks for the actions that
    freeze the content (DraftProblems when it fails them)."""
    if action in CHECKED_ACTIONS:
        draft = project.drafts.get(draft_id)
        draft.check(action)  # a draft that may not take the action says so first
        problems = draft_problems(project, draft)
        if problems:
            count = f"{len(problems)} problem" + ("s" if len(problems) > 1 else "")
            raise DraftProblems(
                f"{draft.label()} has {count}: cannot {_WORDS[action]}",
                problems,
                hint=f"fix the parts (tmplkit draft write), then {action} it again",
            )
    return project.drafts.transition(draft_id, action)


_WORDS = {"submit": "submit it for approval", "lock": "lock it for translation"}
