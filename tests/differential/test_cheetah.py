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
from tmplkit.targets.cheetah import CHEETAH_DIRECTIVES, HELPERS, CheetahEmitter, cheetah_text
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
    Source(
        "bare_hash",
        "a{color:#def;b:#e4572e} x#if y#echo\\#fff ##z #1 #-a #@x #u-v a#@b #compiler-settings"
        "{% if flag %}#fff{% endif %}#abc{{ name }}#de\n#end\n#e4572e #*c*# $#x",
    ),
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
        compiled = compile_parts(str(directory), "cheetah", project=project, inline_formats=True)
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


# Cheetah's output filter as an HTML part and a text part define it (`#filter WebSafe` as
# the reference escapes, printing true and 3 for 3.0), when they print a value that needs it.
TEXT_FILTER = (
    "#set tk_plain = type('tk_plain', (Filters.Filter,), {'filter': lambda s, v, **k: "
    "(str(v).lower() if type(v) is bool else str(int(v)) if isinstance(v, float) and "
    "v.is_integer() and abs(v) < 2**53 else str(v))})\n"
    "#filter $tk_plain\n"
)
STRING_FILTER = (
    "#set tk_html = type('tk_html', (Filters.Filter,), {'filter': lambda s, v, **k: "
    "str(v).translate({38: '&amp;', 60: '&lt;', 62: '&gt;', 34: '&#34;', 39: '&#39;'})})\n"
    "#filter $tk_html\n"
)


def test_only_the_helpers_used_are_defined() -> None:
    assert cheetah("Hi", html=False) == "Hi"
    assert cheetah("{{ name }}", html=False) == (
        "#set tk_data = [ns for ns in self.searchList() if isinstance(ns, dict)]\n"
        f"#set tk_missing = {HELPERS['tk_missing']}\n"
        f"#set tk_get = {HELPERS['tk_get']}\n"
        f"#set tk_path = {HELPERS['tk_path']}\n"
        f"#set tk_var = {HELPERS['tk_var']}\n" + TEXT_FILTER + "${tk_var('name')}#end filter#"
    )


def body(source: str, html: bool = True) -> str:
    """The emitted template without its #set helper lines and output filter."""
    preamble = (*(f"#set {name} = " for name in HELPERS), "#set tk_html = ", "#set tk_plain = ")
    lines = cheetah(source, html).splitlines(True)
    out = "".join(line for line in lines if not line.startswith((*preamble, "#filter $tk_")))
    return out.removesuffix("#end filter#")


def test_outputs_conditions_and_loops() -> None:
    assert body("<p>{{ user.name|default('x')|upper }}</p>") == (
        "<p>${tk_text(tk_default(tk_var('user', 'name'), 'x')).upper()}</p>"
    )
    assert body('{% if a and not b or c == "x" %}1{% elif d != 2 %}2{% else %}3{% endif %}') == (
        "#if (tk_var('a') and not tk_var('b')) or (tk_var('c') == 'x')#1"
        "#elif tk_var('d') != 2#2#else#3#end if#"
    )
    assert body("{% for l in ls %}{{ l.n }}{% endfor %}", html=False) == (
        "#for l in tk_list(tk_var('ls'))#${tk_path(l, 'n')}#end for#"
    )
    assert body("{% for l in ls %}{{ loop.index }}{% else %}-{% endfor %}", html=False) == (
        "#set tk_seq1 = tk_list(tk_var('ls'))#"
        "#for tk_i1, l in enumerate(tk_seq1)#${(tk_i1 + 1)}#end for#"
        "#if not tk_seq1#-#end if#"
    )


def test_loop_variables_that_would_clash_are_renamed() -> None:
    out = body("{% for str in a %}{% for str in str.b %}{{ str }}{% endfor %}{% endfor %}", False)
    assert out == (
        "#for tkv1_str in tk_list(tk_var('a'))#"
        "#for tkv2_str in tk_list(tk_path(tkv1_str, 'b'))#$tkv2_str#end for#"
        "#end for#"
    )


def test_literal_text() -> None:
    assert cheetah_text("$x ${y} #if ## a#\nb <%= c %> d\\") == (
        "\\$x \\${y} \\#if \\#\\# a${'#'}\nb <${'%'}= c %> d${'\\\\'}"
    )
    # a `#` inside the text before a word that names no directive is text to Cheetah
    assert cheetah_text("a{color:#e4572e;b:#def} x#tk-u #1 #defy #@x a\\#b") == (
        "a{color:#e4572e;b:\\#def} x#tk-u #1 #defy \\#@x a\\\\#b"
    )
    assert cheetah_text("#fff") == "\\#fff"  # after a directive's `#`, `##` is a comment


def test_the_directive_names_are_cheetah_s() -> None:
    parser = pytest.importorskip("Cheetah.Parser")
    assert set(parser.directiveNamesAndParsers) - {"@"} == CHEETAH_DIRECTIVES
    # a directive ending the template after blanks on its line would swallow them
    assert body("x\n  {% if a %}A{% endif %}", html=False) == "x\n  #if tk_var('a')#A#end if#"
    assert body("x\n  {% if a %}A\n  {% endif %}", html=False) == (
        "x\n  #if tk_var('a')#A\n  #end if#${''}"
    )
    # and so would the output filter's end after blanks
    assert cheetah("{{ s }}\n  ", html=True).endswith("${tk_var('s')}\n  #end filter#${''}")


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
        compile_string(
            '{{ t|format_time("long") }}',
            "cheetah",
            file="t.html",
            locale="fr-FR",
            inline_formats=True,
        )
    assert str(exc.value) == (
        "t.html:1:1: the cheetah target cannot express format_time in fr-FR (a time zone field "
        "(z), which needs CLDR's zone names) (hint: format the value in your data and print it "
        "as it is)"
    )


def test_only_the_format_helpers_used_are_defined() -> None:
    def cheetah(source: str) -> str:
        return compile_string(source, "cheetah", inline_formats=True)

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
    assert typed == STRING_FILTER + "<p>$user.first_name</p>#end filter#"
    assert len(typed) == 215 < len(cheetah(source)) == 924
    # untyped: exact for any value, through tk_var
    assert cheetah(source).endswith("<p>${tk_var('user', 'first_name')}</p>#end filter#")
    # a text part prints a string with Cheetah's own filter (null prints ""); one that may be
    # missing or null reads through getVar
    declare = {"s": "string", "o": {"type": "string", "required": False}}
    assert (
        compile_string(
            "{{ s }}{% if o %}{{ o }}{% endif %}", "cheetah", html=False, declare=declare
        )
        == "$s#if $getVar('o', None)#${getVar('o', None)}#end if#"
    )


# Typed paths Cheetah's lookups would read wrongly: a root the Template object answers before
# the data (its request() method), a root or a key a dict answers when the data lacks it
# (`items`, `get`), a key that is a Python keyword. They read the data by key (tk_at).
SHADOWED = (
    "{% if request.location %}<p>{{ request.location }} ({{ request.ip_address }})</p>"
    "{% endif %}{% for i in items %}{{ i }}{% endfor %}|{{ user.get }}|{{ user.class }}"
)
SHADOWED_DECLARED: dict[str, Any] = {
    "request.location": {"type": "string", "required": False},
    "request.ip_address": {"type": "string", "required": False},
    "items": {"type": "list", "required": True},
    "items[]": {"type": "string", "required": True},
    "user": {"type": "object", "required": True},
    "user.get": {"type": "string", "required": False},
    "user.class": {"type": "string", "required": True},
}
SHADOWED_DATA: dict[str, dict[str, Any]] = {
    "missing": {},
    "null": {"request": None},
    "empty": {"request": {}},
    "null_fields": {"request": {"location": None, "ip_address": None}},
    "hostile": {
        "request": {"location": "<b>'\"&#if $x ${y} #end if#", "ip_address": "203.0.113.42"},
        "user": {"class": "<i>", "get": "G&"},
        "items": ["a<", "#", "$x"],
    },
}


def test_a_typed_path_cheetah_would_misread_reads_the_data_by_key() -> None:
    compiled = compile_string(SHADOWED, "cheetah", declare=SHADOWED_DECLARED)
    assert compiled == (
        f"#set tk_at = {HELPERS['tk_at']}\n"
        + STRING_FILTER
        + "#if tk_at('request', 'location')#<p>${tk_at('request', 'location')} "
        "(${tk_at('request', 'ip_address')})</p>#end if#"
        "#for i in tk_at('items')#$i#end for#|${tk_at('user', 'get')}|${tk_at('user', 'class')}"
        "#end filter#"
    )
    assert HELPERS["tk_at"] == (
        "lambda k, *p: __import__('functools').reduce(lambda v, q: (v or {}).get(q), p, "
        "next((n[k] for n in self.searchList() if isinstance(n, dict) and k in n), None))"
    )
    # a key a dict answers is read by Cheetah where the data always has it
    assert compile_string(
        "{{ user.items }}", "cheetah", html=False, declare={"user.items": "string"}
    ) == ("$user.items")


def test_a_typed_path_cheetah_would_misread_renders_as_the_reference() -> None:
    require_engine("cheetah")
    compiled = compile_string(SHADOWED, "cheetah", declare=SHADOWED_DECLARED)
    base = {"items": [], "user": {"class": "c"}}
    datasets = {name: base | data for name, data in SHADOWED_DATA.items()}
    results = render_batch(
        "cheetah", [{"template": compiled, "data": d} for d in datasets.values()]
    )
    got = [r["output"] if r["ok"] else "ERROR: " + r["error"] for r in results]
    want = [reference(Source("shadowed", SHADOWED), d) for d in datasets.values()]
    assert got == want
    assert want[:4] == ["||c"] * 4
    assert want[4] == (
        "<p>&lt;b&gt;&#39;&#34;&amp;#if $x ${y} #end if# (203.0.113.42)</p>a&lt;#$x|G&amp;|&lt;i&gt;"
    )


# Each construct on typed data, as a person fluent in Cheetah writes it (after the filter).
TYPED_FORMS = {
    "output": ("<p>{{ user.first_name }}</p>", "<p>${getVar('user.first_name', None)}</p>"),
    "number": ("{{ order.total }}", "$order.total"),
    "default": (
        '{{ user.first_name|default("there") }}',
        "${('there' if $getVar('user.first_name', None) is None"
        " else $getVar('user.first_name', None))}",
    ),
    "safe": ("{{ user.email|safe }}", "${user.email, raw=True}"),
    "escape": ("{{ user.email|escape }}", "$user.email"),
    "if_else": (
        "{% if user.vip %}V{% elif user.points != 2 %}P{% else %}N{% endif %}",
        "#if $getVar('user.vip', None)#V#elif $getVar('user.points', None) != 2#P#else#N#end if#",
    ),
    "for_else": (
        "{% for line in order.lines %}{{ line.name }}{% else %}none{% endfor %}",
        "#set tk_seq1 = ($getVar('order.lines', None) or [])#"
        "#for line in tk_seq1#$line.name#end for##if not tk_seq1#none#end if#",
    ),
    "href": (
        '<a href="{{ user.email }}">x</a>',
        '<a href="#if tk_url($user.email)#$user.email#else#about:invalid#tmplkit-unsafe-url'
        '#end if#">x</a>',
    ),
    "plural": (
        "{% trans count=order.count %}{{ count }} item{% pluralize %}{{ count }} items"
        "{% endtrans %}",
        "#if not $order.count >= 0#$order.count items#elif $order.count != 1#$order.count items"
        "#else#$order.count item#end if#",
    ),
}
TYPED_FORMS_DECLARED: dict[str, Any] = {
    "user.first_name": {"type": "string", "required": False},
    "user.email": {"type": "string", "required": True},
    "user.vip": "boolean",
    "user.points": "integer",
    "order.total": {"type": "number", "required": True},
    "order.count": {"type": "integer", "required": True},
    "order.lines": "list",
    "order.lines[]": {"type": "object", "required": True},
    "order.lines[].name": {"type": "string", "required": True},
}


@pytest.mark.parametrize("construct", TYPED_FORMS)
def test_each_construct_on_typed_data_is_plain_cheetah(construct: str) -> None:
    source, want = TYPED_FORMS[construct]
    compiled = compile_string(source, "cheetah", declare=TYPED_FORMS_DECLARED)
    if "#filter" in compiled:  # a value printed: through the output filter
        assert compiled.partition("#filter $tk_html\n")[2] == want + "#end filter#"
    else:
        assert compiled == want


def test_typed_forms_render_in_cheetah_as_tmplkit_renders_them() -> None:
    require_engine("cheetah")
    sources = [Source(f"form_{name}", source) for name, (source, _) in TYPED_FORMS.items()]
    urls = ["http://a.example/x", " javascript:alert(1)", "java\tscript:x", "/rel", "#top",
            "DATA:image/png;base64,AA", "data:text/html,x", "mailto:a@b", "x:y", ""]  # fmt: skip
    datasets = {}
    for i, url in enumerate(urls):
        user: dict[str, Any] = {"email": url, "points": [0, 1, 3, 3.0][i % 4]}
        if i % 3:
            user |= {"first_name": [None, "A<'\">&"][i % 2], "vip": [None, True, False][i % 3]}
        order = {"total": [3.0, 2.5, 0, 1e21, 0.1 + 0.2][i % 5], "count": [0, 1, 2, 5.0, 21][i % 5]}
        if i % 2:
            order["lines"] = [{"name": "<b>"}, {"name": url}][: i % 3]
        datasets[str(i)] = {"user": user, "order": order}
    cases, mismatches = run(
        "cheetah", "cheetah", sources=sources, datasets=datasets, declare=TYPED_FORMS_DECLARED
    )
    assert cases == len(TYPED_FORMS) * len(urls)
    assert mismatches == [], "\n".join(map(str, mismatches[:5]))


HELPERS_LINE = {name: f"#set {name} = {text}\n" for name, text in HELPERS.items()}


def test_a_typed_template_renders_in_cheetah_as_tmplkit_renders_it() -> None:
    require_engine("cheetah")
    from tests.differential.test_handlebars import TYPED_DECLARATIONS, typed_datasets
    from tmplkit.template.parse import parse
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
        # every typed path reads through Cheetah, but the loop items' optional fields
        assert "tk_var(" not in compiled and "tk_list" not in compiled
        assert "tk_text" not in compiled and "tk_default" not in compiled


def test_docs_show_the_typed_example_the_emitter_writes() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "targets" / "cheetah.md").read_text("utf-8")
    section = doc[doc.index("## Typed variables") :]
    found = re.search(r"```jinja\n(.*?)\n```\n\n.*?```cheetah\n(.*?)\n```", section, re.S)
    assert found
    typed = compile_string(found.group(1), "cheetah", declare={"user.first_name": "string"})
    assert typed == found.group(2)


def test_an_empty_template_compiles_to_an_empty_one() -> None:
    assert compile_string("", "cheetah") == ""
    assert compile_string("", "cheetah", html=False) == ""
