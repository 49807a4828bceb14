"""The cheetah target through Cheetah 3 (`Template(source, searchList=[data])`, stock settings)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.differential.corpus import DATASETS, SOURCES, Source
from tests.differential.format_corpus import (
    FORMAT_DATASETS,
    FORMAT_SOURCES,
    LOCALES,
    format_errors,
    run_format_edges,
    run_formats,
)
from tests.differential.harness import reference, run
from tests.engines import render_batch, require_engine
from tmplkit import compile_parts, compile_string, open_project
from tmplkit.errors import CompileError
from tmplkit.targets.cheetah import HELPERS, CheetahEmitter, cheetah_text
from tmplkit.targets.jinja import environment

SAMPLE = Path(__file__).resolve().parents[2] / "sample_templates"


def cheetah(source: str, html: bool = True) -> str:
    return compile_string(source, "cheetah", html=html)


def test_corpus_matches_the_reference() -> None:
    require_engine("cheetah")
    cases, mismatches = run("cheetah", "cheetah")
    assert cases == len(SOURCES) * len(DATASETS) == 816  # nothing refused
    assert mismatches == [], "\n".join(map(str, mismatches))


# Beyond the corpus: the traps of Cheetah, each compared EXACTLY (no normalizing) with the
# reference, in one engine batch together with the sample project's templates.
TRAPS = [
    Source("eol_slurp", "a #\nb #  \r\nc # \rd <%x%> <%= 1 %> \\"),
    Source("backslash_before_tag", "x\\{{ name }}y\\\\{% if flag %}z{% endif %}"),
    Source("cheetah_syntax", "##c\n#*m*#\n#if x\n#end if\n$x ${y} $!z \\$a \\#b #raw"),
    Source("directive_ends_template", "x\n  {% if flag %}A\n  {% endif %}"),
    Source("loop_ends_template", "x\n  {% for t in tags %}A\n  {% endfor %}"),
    Source("directive_lines", "{% if flag %}\nA\n{% else %}\nB\n{% endif %}\n"),
    Source(
        "python_names",
        "{% for str in tags %}{{ str|upper }}{% endfor %}{% for write in tags %}{{ write }}"
        "{% endfor %}{% for tk_get in tags %}{{ tk_get }}{% endfor %}{% for SL in tags %}{{ SL }}"
        "{{ loop.last }}{% endfor %}{% for then in tags %}{% if then %}T{% endif %}{% endfor %}",
    ),
    Source(
        "shadowing",
        "{% for l in lines %}{% for l in tags %}{{ l }}{{ loop.index }}{% endfor %}"
        "[{{ l.name }}]{{ loop.index }}{% endfor %}{{ l }}",
    ),
    Source(
        "filters",
        "{{ name|escape|upper }}|{{ name|safe|escape }}|{{ name|upper|default('d') }}|"
        "{{ nickname|default('d')|escape }}|{{ name|escape }}|{{ name|safe }}|{{ missing|escape }}"
        "|{{ missing|safe|upper }}|{{ name|lower|safe }}",
    ),
    Source(
        "filters_text",
        "{{ name|escape|upper }}|{{ name|safe|escape }}|{{ nickname|default('d')|escape }}|"
        "{{ name|escape }}|{{ name|safe }}|{{ missing|escape }}|{{ name|lower }}",
        html=False,
    ),
    Source(
        "paths",
        "{{ v }}|{{ v[0] }}|{{ v.a }}|{{ v.a.b }}|{{ v['x-y'] }}|{{ v.items }}|{{ v.keys }}|{{ v[1] }}",
    ),
    Source(
        "template_attributes",
        "{{ respond }}|{{ transaction }}|{{ searchList }}|{{ getVar }}|{{ filter }}|{{ SL }}|{{ write }}",
    ),
    Source(
        "literals",
        "{% if v == 'a#b$c\\'\"\\\\\\n' %}A{% endif %}{% if v == 1 %}one{% endif %}"
        "{% if v != 2.5 %}ne{% endif %}{% if v == 'Zoë' %}z{% endif %}{% if v == 0 %}zero{% endif %}",
    ),
    Source(
        "loop_over_anything",
        "{% for c in tags %}[{{ c }}{{ loop.first }}{{ loop.index0 }}]{% else %}none{% endfor %}",
    ),
    Source(
        "nested_loop_vars",
        "{% for l in lines %}{{ loop.index }}{% if loop.last %}L{% endif %}{% for t in l.tags %}"
        "{{ loop.index }}{{ l.name }}{% endfor %}{{ loop.last }}{% endfor %}",
    ),
    Source("default_literals", "{{ v|default('}${x}#if') }}{{ v|default('') }}{{ v|d('<b>') }}"),
    Source(
        "precedence",
        "{% if not v and not w or v == 'x' and not (w or v) %}Y{% else %}N{% endif %}",
    ),
]
TRAP_DATA: dict[str, dict[str, Any]] = {
    "none": {"v": None, "name": None, "flag": None, "tags": None, "lines": None},
    "true": {
        "v": True,
        "name": True,
        "flag": True,
        "tags": [True, None, 2.0],
        "lines": [{"name": "a", "tags": [1, 2]}, {"tags": []}],
    },
    "float": {"v": 2.0, "name": 1e21, "tags": "ab", "lines": [{}]},
    "str": {"v": "Ann<'\">&", "name": "Ann<'\">&", "nickname": None, "tags": {"k": 1}, "w": "x"},
    "list": {"v": [1, None, "x"], "name": [1, "<"], "tags": []},
    "dict": {"v": {"a": {"b": "<b>"}, "x-y": "xy", "items": "I", "keys": None}, "name": {"a": 1}},
    "hostile": {
        "v": "a#b$c'\"\\\n",
        "name": "${x} #if #end if# <% %> \\$",
        **{k: k.upper() for k in ("respond", "transaction", "searchList", "getVar", "filter")},
        **{"SL": "sl", "write": "w", "tags": ["#", "$x"]},
    },
    "num": {"v": 1, "w": 0},
    "zero": {"v": 0},
    "missing": {},
}


def sample_cases() -> list[tuple[str, str, dict[str, Any], str]]:
    """(label, cheetah source, data, reference output) for every part of the sample project."""
    project = open_project(SAMPLE)
    out = []
    for directory in sorted(SAMPLE.glob("workspaces/*/*/*")):
        if not (directory / "template.toml").is_file():
            continue
        data = json.loads((directory / "sample.json").read_text("utf-8"))
        compiled = compile_parts(str(directory), "cheetah", project=project)
        ref = compile_parts(str(directory), "jinja", project=project)
        for part in ("subject", "html", "text"):
            source = getattr(compiled, part)
            if source is not None:
                expected = environment(autoescape=part == "html").from_string(getattr(ref, part))
                out.append((f"{directory.name}/{part}", source, data, expected.render(data)))
    return out


def test_traps_and_sample_project_render_exactly_like_the_reference() -> None:
    require_engine("cheetah")
    labels, cases, expected = [], [], []
    for source in TRAPS:
        template = compile_string(source.template, "cheetah", html=source.html, file=source.name)
        for name, data in TRAP_DATA.items():
            try:
                want = reference(source, data)
            except TypeError as exc:  # a loop over a number fails in both
                want = f"ERROR: TypeError: {exc}"
            labels.append(f"{source.name} × {name}")
            cases.append({"template": template, "data": data})
            expected.append(want)
    samples = sample_cases()
    assert len(samples) == 9
    for label, template, data, want in samples:
        labels.append(label)
        cases.append({"template": template, "data": data})
        expected.append(want)
    results = render_batch("cheetah", cases)
    mismatches = []
    for label, result, want in zip(labels, results, expected, strict=True):
        got = result["output"] if result["ok"] else "ERROR: " + result["error"]
        if got != want:
            mismatches.append(f"{label}:\n  expected {want!r}\n  got      {got!r}")
    assert mismatches == [], "\n".join(mismatches)


# --- the emitted text -----------------------------------------------------------------------


def test_only_the_helpers_used_are_defined() -> None:
    assert cheetah("Hi", html=False) == "Hi"
    assert cheetah("{{ name }}", html=False) == (
        "#set tk_data = [ns for ns in self.searchList() if isinstance(ns, dict)]\n"
        f"#set tk_missing = {HELPERS['tk_missing']}\n"
        f"#set tk_get = {HELPERS['tk_get']}\n"
        f"#set tk_path = {HELPERS['tk_path']}\n"
        f"#set tk_var = {HELPERS['tk_var']}\n"
        f"#set tk_text = {HELPERS['tk_text']}\n"
        "${tk_text(tk_var('name'))}"
    )


def body(source: str, html: bool = True) -> str:
    """The emitted template without its #set helper lines."""
    preamble = tuple(f"#set {name} = " for name in HELPERS)
    lines = cheetah(source, html).splitlines(True)
    return "".join(line for line in lines if not line.startswith(preamble))


def test_outputs_conditions_and_loops() -> None:
    assert body("<p>{{ user.name|default('x')|upper }}</p>") == (
        "<p>${tk_escape(tk_text(tk_default(tk_var('user', 'name'), 'x')).upper())}</p>"
    )
    assert body('{% if a and not b or c == "x" %}1{% elif d != 2 %}2{% else %}3{% endif %}') == (
        "#if (tk_var('a') and not tk_var('b')) or (tk_var('c') == 'x')#1"
        "#elif tk_var('d') != 2#2#else#3#end if#"
    )
    assert body("{% for l in ls %}{{ l.n }}{% endfor %}", html=False) == (
        "#for l in tk_list(tk_var('ls'))#${tk_text(tk_path(l, 'n'))}#end for#"
    )
    assert body("{% for l in ls %}{{ loop.index }}{% else %}-{% endfor %}", html=False) == (
        "#set tk_seq1 = tk_list(tk_var('ls'))#"
        "#for tk_i1, l in enumerate(tk_seq1)#${tk_text((tk_i1 + 1))}#end for#"
        "#if not tk_seq1#-#end if#"
    )


def test_loop_variables_that_would_clash_are_renamed() -> None:
    out = body("{% for str in a %}{% for str in str.b %}{{ str }}{% endfor %}{% endfor %}", False)
    assert out == (
        "#for tkv1_str in tk_list(tk_var('a'))#"
        "#for tkv2_str in tk_list(tk_path(tkv1_str, 'b'))#${tk_text(tkv2_str)}#end for#"
        "#end for#"
    )


def test_literal_text() -> None:
    assert cheetah_text("$x ${y} #if ## a#\nb <%= c %> d\\") == (
        "\\$x \\${y} \\#if \\#\\# a${'#'}\nb <${'%'}= c %> d${'\\\\'}"
    )
    # a directive ending the template after blanks on its line would swallow them
    assert body("x\n  {% if a %}A{% endif %}", html=False) == "x\n  #if tk_var('a')#A#end if#"
    assert body("x\n  {% if a %}A\n  {% endif %}", html=False) == (
        "x\n  #if tk_var('a')#A\n  #end if#${''}"
    )


def test_target_metadata() -> None:
    assert CheetahEmitter.refuses == ()
    assert CheetahEmitter.helpers is None
    assert CheetahEmitter.summary.startswith("Cheetah 3")


def test_nothing_to_register() -> None:
    # The emitted templates define what they use: no import, nothing in the searchList.
    for source in SOURCES:
        out = cheetah(source.template, source.html)
        assert "#import" not in out and "#from" not in out and "#extends" not in out


def test_the_documented_example_is_what_the_target_writes() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs/targets/cheetah.md").read_text("utf-8")
    doc = doc[: doc.index("## Typed variables")]  # its example: the test below
    (source,) = re.findall(r"^```jinja\n(.*?)\n^```$", doc, re.M | re.S)
    (emitted,) = re.findall(r"^```cheetah\n(.*?)\n^```$", doc, re.M | re.S)
    assert cheetah(source) == emitted


# --- values in the reader's locale (format_date, format_currency, …) ---------------------------


def test_format_corpus_matches_the_reference() -> None:
    require_engine("cheetah")
    cases, mismatches = run_formats("cheetah", "cheetah")
    assert cases == len(FORMAT_SOURCES) * len(FORMAT_DATASETS) * len(LOCALES) == 280
    assert mismatches == [], "\n".join(map(str, mismatches))


def test_a_value_the_filter_cannot_read_is_the_reference_error() -> None:
    require_engine("cheetah")
    assert format_errors("cheetah", "cheetah", "ValueError: ") == []


def test_a_format_the_expansion_cannot_print_is_refused() -> None:
    with pytest.raises(CompileError) as exc:
        compile_string('{{ t|format_time("long") }}', "cheetah", file="t.html", locale="fr-FR")
    assert str(exc.value) == (
        "t.html:1:1: the cheetah target cannot express format_time in fr-FR (a time zone field "
        "(z), which needs CLDR's zone names) (hint: format the value in your data and print it "
        "as it is)"
    )


def test_only_the_format_helpers_used_are_defined() -> None:
    date = [line.split(" = ")[0] for line in cheetah("{{ d|format_date }}").splitlines()[:-1]]
    assert "#set tk_money" not in date and "#set tk_currencies" not in date
    assert "#set tk_when" in date and "#set tk_number" not in date
    money = cheetah("{{ p|format_currency(c) }}{{ p|format_currency(c) }}{{ p|format_number }}")
    assert money.count("#set tk_currencies = ") == 1
    assert money.count("#set tk_fmt") == 2  # one per format, however often it is used
    assert "#set tk_when" not in money and "#set tk_iso" not in money


def test_exact_decimals_and_time_zones_match_the_reference() -> None:
    require_engine("cheetah")
    cases, mismatches = run_format_edges("cheetah", "cheetah", "ValueError: ")
    assert cases == 120
    assert mismatches == [], "\n".join(mismatches)


# --- typed variables: Cheetah's own lookups (docs/targets/cheetah.md#typed-variables) ---------

# Beyond the freemarker typed sources (the handlebars typed template, comparisons, a URL,
# upper-casing): a string that may be missing or null printed lower-cased, raw and escaped.
TYPED_OPTIONAL = (
    "{% if user.vip %}{{ order.note|lower }}{{ order.note|safe }}{{ order.note|escape }}{% endif %}"
)


def typed_sources() -> list[Source]:
    from tests.differential.test_freemarker import typed_sources as freemarker_sources

    return [
        *freemarker_sources(),
        Source("typed_optional", TYPED_OPTIONAL),
        Source("typed_optional_text", TYPED_OPTIONAL, html=False),
    ]


def test_a_typed_string_is_one_lookup() -> None:
    source = "<p>{{ user.first_name }}</p>"
    typed = compile_string(source, "cheetah", declare={"user.first_name": "string"})
    assert typed == HELPERS_LINE["tk_escape"] + "<p>${tk_escape($user.first_name)}</p>"
    assert len(typed) == 174 < len(cheetah(source)) == 991
    # untyped: unchanged, exact for any value
    assert cheetah(source).endswith("<p>${tk_html(tk_var('user', 'first_name'))}</p>")
    # a text part prints it through Cheetah's filter (null prints ""); one that may be missing
    # or null reads through getVar
    declare = {"s": "string", "o": {"type": "string", "required": False}}
    assert (
        compile_string(
            "{{ s }}{% if o %}{{ o }}{% endif %}", "cheetah", html=False, declare=declare
        )
        == "${s}#if $getVar('o', None)#${getVar('o', None)}#end if#"
    )
    # a root the Template object answers before the data (its request() method) keeps tk_var
    assert compile_string(
        "{% if request.city %}!{% endif %}", "cheetah", declare={"request.city": "string"}
    ).endswith("#if tk_var('request', 'city')#!#end if#")
    # numbers and booleans keep tk_text: Cheetah prints 3.0 and True
    assert "tk_text(tk_var('n'))" in compile_string(
        "{{ n }}", "cheetah", html=False, declare={"n": "integer"}
    )
    assert "tk_text(tk_var('b'))" in compile_string(
        "{{ b }}", "cheetah", html=False, declare={"b": "boolean"}
    )


HELPERS_LINE = {name: f"#set {name} = {text}\n" for name, text in HELPERS.items()}


def test_a_typed_template_renders_in_cheetah_as_tmplkit_renders_it() -> None:
    require_engine("cheetah")
    from tests.differential.test_handlebars import TYPED_DECLARATIONS, typed_datasets
    from tmplkit.parse import parse
    from tmplkit.variables import declare, infer

    sources = typed_sources()
    types = declare(infer([parse(s.template).body for s in sources]), TYPED_DECLARATIONS)
    datasets = {str(i): data for i, data in enumerate(typed_datasets())}
    assert [types.validate(data) for data in datasets.values()] == [[]] * 80  # all typed
    cases, mismatches = run(
        "cheetah", "cheetah", sources=sources, datasets=datasets, declare=TYPED_DECLARATIONS
    )
    assert cases == len(sources) * 80
    assert mismatches == [], "\n".join(map(str, mismatches[:5]))
    from tests.differential.test_handlebars import TYPED_CHAIN

    chain = compile_string(TYPED_CHAIN, "cheetah", declare=TYPED_DECLARATIONS)
    assert chain == (
        "#if not $getVar('order.note', None)#A#elif $getVar('user.vip', None)#B"
        "#elif not $getVar('user.points', None)#C#elif $getVar('order.lines', None)#D#else#E"
        "#end if#"
    )
    for s in sources:
        compiled = compile_string(s.template, "cheetah", html=s.html, declare=TYPED_DECLARATIONS)
        # strings, tests and the loop read through Cheetah; numbers, booleans, a default on
        # a string that may be missing or null and the loop items' optional fields keep the
        # lookup helpers
        assert "tk_var('user', 'email')" not in compiled
        assert ("tk_var('user', 'first_name')" in compiled) == ("first_name|default" in s.template)
        assert "tk_var('order', 'note')" not in compiled
        assert "tk_list" not in compiled and "tk_var('user', 'vip')" not in compiled


def test_docs_show_the_typed_example_the_emitter_writes() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "targets" / "cheetah.md").read_text("utf-8")
    section = doc[doc.index("## Typed variables") :]
    found = re.search(r"```jinja\n(.*?)\n```\n\n.*?```cheetah\n(.*?)\n```", section, re.S)
    assert found
    typed = compile_string(found.group(1), "cheetah", declare={"user.first_name": "string"})
    assert typed == found.group(2)
