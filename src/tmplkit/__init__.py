"""tmplkit: message templates and their translations — manage, localize, compile, render.

The names of the pipeline (compile, parse, render, the Project) load on first use (PEP 562;
the function `render` is in the module tmplkit.rendering, so no module hides it):
`import tmplkit.cli`, which `tmplkit --version` and `tmplkit --help` do, imports neither Jinja
nor Babel.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .errors import (
    CompileError,
    Conflict,
    DataError,
    InvalidName,
    NotFound,
    ProhibitedAction,
    ProjectError,
    RenderError,
    TemplateError,
    TmplkitError,
)
from .model import Block, Draft, DraftStatus, Folder, Localization, Template

if TYPE_CHECKING:
    from .compiler import Compiled, compile, compile_parts, compile_string
    from .rendering import Message, Renderer, render
    from .store import Project, init_project, open_project
    from .template.parse import parse

__version__ = "0.1.0"

# name -> the module that defines it, imported when the name is first used
_LAZY = {
    "Compiled": "compiler",
    "compile": "compiler",
    "compile_parts": "compiler",
    "compile_string": "compiler",
    "parse": "template.parse",
    "ir": "template",  # the module tmplkit.template.ir (see ir.py)
    "Message": "rendering",
    "Renderer": "rendering",
    "render": "rendering",
    "Project": "store",
    "init_project": "store",
    "open_project": "store",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "Block",
    "CompileError",
    "Compiled",
    "Conflict",
    "DataError",
    "Draft",
    "DraftStatus",
    "Folder",
    "InvalidName",
    "Localization",
    "Message",
    "NotFound",
    "ProhibitedAction",
    "Project",
    "ProjectError",
    "RenderError",
    "Renderer",
    "Template",
    "TemplateError",
    "TmplkitError",
    "compile",
    "compile_parts",
    "compile_string",
    "init_project",
    "open_project",
    "parse",
    "render",
]
