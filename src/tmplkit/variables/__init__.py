"""Typed variables: the model (model.py: types inferred from the IR, declared, checked on data)
and a resolved SOURCE's variables (sources.py). `from tmplkit.variables import …` gives both."""

from .model import (
    ITEMS,
    JSON_SCHEMA_DRAFT,
    PATH_RE,
    TYPES,
    Source,
    TypeName,
    Variable,
    Variables,
    declare,
    infer,
)
from .sources import of_sources, schema_title, strict_problems, variables_of

__all__ = [
    "ITEMS",
    "JSON_SCHEMA_DRAFT",
    "PATH_RE",
    "TYPES",
    "Source",
    "TypeName",
    "Variable",
    "Variables",
    "declare",
    "infer",
    "of_sources",
    "schema_title",
    "strict_problems",
    "variables_of",
]
