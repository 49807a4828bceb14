"""The jinja target through Jinja2 with the environment the target documents."""

from __future__ import annotations

from tests.differential.corpus import DATASETS, SOURCES
from tests.differential.harness import normalize, reference
from tmplkit import compile_string
from tmplkit.targets.jinja import environment


def test_corpus_size() -> None:
    assert len(SOURCES) >= 40
    assert len(DATASETS) >= 6


def test_jinja_target_matches_the_reference() -> None:
    envs = {True: environment(autoescape=True), False: environment(autoescape=False)}
    mismatches = []
    for source in SOURCES:
        compiled = compile_string(source.template, "jinja", html=source.html)
        template = envs[source.html].from_string(compiled)
        for name, data in DATASETS.items():
            if normalize(template.render(data)) != normalize(reference(source, data)):
                mismatches.append((source.name, name))
    assert mismatches == []


def test_reference_escapes_and_prints_plainly() -> None:
    (output,) = [s for s in SOURCES if s.name == "output"]
    assert reference(output, DATASETS["quotes"]) == (
        "<p>Hi Tom &amp; &#34;Jerry&#34; &#39;O&#39;Neil&#39; &lt;b&gt;!</p>"
    )
    (numbers,) = [s for s in SOURCES if s.name == "numbers_text"]
    assert reference(numbers, DATASETS["basic"]) == "3 19.99 1234567"
