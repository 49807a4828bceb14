"""tmplkit: message templates and their translations — manage, localize, compile, render."""

from .compiler import Compiled, compile, compile_parts, compile_string
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
from .parse import parse
from .render import Message, Renderer, render
from .store import Project, init_project, open_project

__version__ = "0.1.0"

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
