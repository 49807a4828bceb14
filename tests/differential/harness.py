"""Compile the corpus to a target, render it with the target's engine, compare with the reference."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import jinja2

from tests.differential.corpus import DATASETS, SOURCES, Source
from tests.engines import render_batch
from tmplkit import compile_string
from tmplkit.targets.jinja import environment

# Spellings of the same character that engines choose differently; all mean the same to a browser.
ENTITY_ALIASES = [
    (re.compile(r"&(quot|#34|#x22);", re.I), "&#34;"),
    (re.compile(r"&(apos|#39|#x27);", re.I), "&#39;"),
    (re.compile(r"&#(x3d|61);", re.I), "="),
    (re.compile(r"&#(x60|96);", re.I), "`"),
    (re.compile(r"&#(x2f|47);", re.I), "/"),
]


def normalize(text: str) -> str:
    """Equivalent entity spellings made one, runs of whitespace collapsed."""
    for pattern, canonical in ENTITY_ALIASES:
        text = pattern.sub(canonical, text)
    return re.sub(r"\s+", " ", text).strip()


_ENVS = {True: environment(autoescape=True), False: environment(autoescape=False)}


@cache
def _reference_template(source: Source) -> jinja2.Template:
    return _ENVS[source.html].from_string(compile_string(source.template, html=source.html))


def reference(source: Source, data: dict[str, Any]) -> str:
    """What the source renders to: tmplkit's reference renderer (jinja target, sandboxed)."""
    return _reference_template(source).render(data)


@dataclass
class Mismatch:
    source: str
    dataset: str
    expected: str
    got: str

    def __str__(self) -> str:
        return f"{self.source} × {self.dataset}:\n  expected {self.expected!r}\n  got      {self.got!r}"


def run(
    target: str,
    engine: str,
    *,
    sources: list[Source] | None = None,
    datasets: dict[str, dict[str, Any]] | None = None,
    case_extra: dict[str, Any] | None = None,
    declare: dict[str, Any] | None = None,
) -> tuple[int, list[Mismatch]]:
    """Compile each source to `target`, render every data set in one engine batch, compare.

    Returns the number of cases run and the mismatches (an engine error counts as one).
    `declare`: variable types, as compile_string takes them (the data sets must be of them).
    """
    sources = SOURCES if sources is None else sources
    datasets = DATASETS if datasets is None else datasets
    cases: list[dict[str, Any]] = []
    keys: list[tuple[Source, str]] = []
    for source in sources:
        compiled = compile_string(
            source.template, target, html=source.html, file=source.name, declare=declare
        )
        for name, data in datasets.items():
            cases.append({"template": compiled, "data": data, **(case_extra or {})})
            keys.append((source, name))
    results = render_batch(engine, cases)
    mismatches = []
    for (source, name), result in zip(keys, results, strict=True):
        expected = normalize(reference(source, datasets[name]))
        got = normalize(result["output"]) if result["ok"] else "ERROR: " + result["error"]
        if got != expected:
            mismatches.append(Mismatch(source.name, name, expected, got))
    return len(cases), mismatches
