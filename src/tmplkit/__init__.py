"""tmplkit: message templates and their translations — manage, localize, compile, render.

The names of the pipeline (compile, parse, render, the Project) load on first use (PEP 562):
`import tmplkit.cli`, which `tmplkit --version` and `tmplkit --help` do, imports neither Jinja
nor Babel.
"""

from __future__ import annotations

import importlib
import sys
import types
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
    from .render import Message, Renderer, render
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
    "Message": "render",
    "Renderer": "render",
    "render": "render",
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


class _Package(types.ModuleType):
    """`tmplkit.render` is the function, as when this module imported it eagerly: loading the
    module tmplkit.render binds it on its package, and that binding is dropped here. (The
    function `tmplkit.parse` is in tmplkit.template.parse: no module tmplkit.parse hides it.)"""

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "render" and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

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
