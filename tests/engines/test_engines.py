"""The engine harness really runs each engine, with the behaviour tmplkit's emitters rely on.

Behaviour cases are rendered in ONE batch per engine (cached per session) and checked one
test per case, so a failure names the exact behaviour. Expected outputs are exact: they
were read off the pinned engines (see README.md, "Engine facts").
"""

from __future__ import annotations

import functools
import json
import subprocess
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from tests.engines import (
    ENGINES,
    HERE,
    EngineUnavailable,
    engine_available,
    render_batch,
    require_engine,
)

HTML_CHARS = "<b>&\"'=`"


class Case(NamedTuple):
    id: str
    case: dict[str, Any]
    # ("ok", exact output) or ("error", substring the one-line error must contain)
    expect: tuple[str, str]


def ok(output: str) -> tuple[str, str]:
    return ("ok", output)


def err(fragment: str) -> tuple[str, str]:
    return ("error", fragment)


def c(template: str, data: dict | None = None, **extra: Any) -> dict[str, Any]:
    case: dict[str, Any] = {"template": template, "data": {} if data is None else data}
    case.update(extra)
    return case


# ------------------------------------------------------------------ handlebars --

HB_HELPERS = """function (Handlebars) {
  Handlebars.registerHelper('loud', function (s) { return String(s).toUpperCase(); });
  Handlebars.registerHelper('plain', function () { return '<i>'; });
  Handlebars.registerHelper('safe', function () { return new Handlebars.SafeString('<i>'); });
}"""

HANDLEBARS = [
    Case(
        "escape-double-stache",
        c("{{x}}", {"x": HTML_CHARS}),
        ok("&lt;b&gt;&amp;&quot;&#x27;&#x3D;&#x60;"),
    ),
    Case("triple-stache-raw", c("{{{x}}}", {"x": HTML_CHARS}), ok(HTML_CHARS)),
    Case("ampersand-raw", c("{{&x}}", {"x": HTML_CHARS}), ok(HTML_CHARS)),
    Case("helper", c("{{loud x}}", {"x": "hi"}, helpers=HB_HELPERS), ok("HI")),
    Case(
        "helper-result-escaped-unless-safestring",
        c("{{plain}}|{{safe}}|{{{plain}}}", helpers=HB_HELPERS),
        ok("&lt;i&gt;|<i>|<i>"),
    ),
    # helpers are registered on a fresh environment per case: nothing leaks to the next case
    Case("helper-not-leaked", c("{{loud x}}", {"x": "hi"}), err('Missing helper: "loud"')),
    Case(
        "helpers-source-error",
        c("{{x}}", helpers="function (H) { throw new Error('boom') }"),
        err("boom"),
    ),
    Case("partial", c("{{> p}}", {"x": "<v>"}, partials={"p": "[{{x}}]"}), ok("[&lt;v&gt;]")),
    Case(
        "truthiness",
        c(
            "{{#if zero}}T{{else}}F{{/if}}{{#if empty}}T{{else}}F{{/if}}"
            "{{#if list}}T{{else}}F{{/if}}"
            "{{#if obj}}T{{else}}F{{/if}}{{#if nul}}T{{else}}F{{/if}}{{#if str0}}T{{else}}F{{/if}}"
            "{{#if no}}T{{else}}F{{/if}}{{#if missing}}T{{else}}F{{/if}}",
            {"zero": 0, "empty": "", "list": [], "obj": {}, "nul": None, "str0": "0", "no": False},
        ),
        ok("FFFTFTFF"),
    ),
    Case(
        "scalars",
        c(
            "{{f}} {{n}} {{dec}} {{b}} {{fb}} [{{nul}}] [{{missing}}] [{{missing.deep}}]",
            {"f": 3.0, "n": 1234567, "dec": 1234.5, "b": True, "fb": False, "nul": None},
        ),
        ok("3 1234567 1234.5 true false [] [] []"),
    ),
    Case(
        "collections",
        c(
            "{{lst}} {{d}} {{d.a}} {{lst.[1]}} {{#each lst}}<{{this}}>{{/each}}",
            {"lst": [1, "a"], "d": {"a": 1}},
        ),
        ok("1,a [object Object] 1 a <1><a>"),
    ),
    Case("literal-delimiters", c("\\{{x}} a\\\\{{x}}", {"x": "v"}), ok("{{x}} a\\v")),
    Case(
        "standalone-block-lines-removed",
        c("A\n{{#if t}}\nT\n{{/if}}\nB\n", {"t": True}),
        ok("A\nT\nB\n"),
    ),
    Case("unicode", c("{{x}}", {"x": "ü€😀"}), ok("ü€😀")),
    Case("parse-error", c("{{#if}}"), err("Parse error on line 1")),
    Case(
        "data-must-be-object",
        {"template": "{{x}}", "data": [1]},
        err('"data" must be a JSON object'),
    ),
]

# ------------------------------------------------------------------- liquid x3 --

LIQUID_ENGINES = ("liquidjs", "shopify_liquid", "python_liquid")


def per_liquid(**outputs: tuple[str, str]) -> dict[str, tuple[str, str]]:
    return outputs


# Each entry: (id, case, expectation for all three) or (id, case, {engine: expectation}).
LIQUID_COMMON: list[tuple[str, dict, Any]] = [
    ("no-escape-by-default", c("{{x}}", {"x": HTML_CHARS}), ok(HTML_CHARS)),
    (
        "escape-filter",
        c("{{x | escape}}", {"x": HTML_CHARS}),
        per_liquid(
            liquidjs=ok("&lt;b&gt;&amp;&#34;&#39;=`"),
            shopify_liquid=ok("&lt;b&gt;&amp;&quot;&#39;=`"),
            python_liquid=ok("&lt;b&gt;&amp;&quot;&#x27;=`"),
        ),
    ),
    ("escape-is-not-idempotent", c("{{ '&amp;' | escape }}"), ok("&amp;amp;")),
    (
        "zero-and-empty-are-truthy",
        c(
            "{% if zero %}T{% else %}F{% endif %}{% if es %}T{% else %}F{% endif %}"
            "{% if list %}T{% else %}F{% endif %}{% if obj %}T{% else %}F{% endif %}"
            "{% if nul %}T{% else %}F{% endif %}{% if no %}T{% else %}F{% endif %}"
            "{% if missing %}T{% else %}F{% endif %}",
            {"zero": 0, "es": "", "list": [], "obj": {}, "nul": None, "no": False},
        ),
        ok("TTTTFFF"),
    ),
    (
        "empty-comparison",
        c("{% if e == empty %}E{% endif %}{% if l == empty %}L{% endif %}", {"e": "", "l": []}),
        ok("EL"),
    ),
    (
        "default-filter",
        c(
            "{{ missing | default: 'd' }} {{ no | default: 'd' }} {{ zero | default: 'd' }}"
            " {{ es | default: 'd' }}",
            {"no": False, "zero": 0, "es": ""},
        ),
        ok("d d 0 d"),
    ),
    (
        "missing-prints-empty",
        c("[{{ missing }}] [{{ missing.deep }}] [{{ nul }}]", {"nul": None}),
        ok("[] [] []"),
    ),
    (
        "ints-and-bools",
        c("{{ n }} {{ b }} {{ fb }}", {"n": 1234567, "b": True, "fb": False}),
        ok("1234567 true false"),
    ),
    (
        "whole-float",
        c("{{ f }}", {"f": 3.0}),
        per_liquid(liquidjs=ok("3"), shopify_liquid=ok("3.0"), python_liquid=ok("3.0")),
    ),
    (
        "integer-division",
        c("{{ i | divided_by: j }}", {"i": 10, "j": 4}),
        per_liquid(liquidjs=ok("2.5"), shopify_liquid=ok("2"), python_liquid=ok("2")),
    ),
    (
        "float-sum",
        c("{{ a | plus: b }}", {"a": 0.1, "b": 0.2}),
        per_liquid(
            liquidjs=ok("0.30000000000000004"), shopify_liquid=ok("0.3"), python_liquid=ok("0.3")
        ),
    ),
    (
        "array-and-hash-output",
        c("{{ lst }}|{{ d }}", {"lst": [1, "a"], "d": {"a": 1}}),
        per_liquid(
            liquidjs=ok("1a|[object Object]"),
            shopify_liquid=ok('1a|{"a"=>1}'),
            python_liquid=ok("1a|{'a': 1}"),
        ),
    ),
    (
        "paths",
        c(
            "{{ d.a }} {{ lst[1] }} {{ lst.size }} {{ lst.first }}",
            {"lst": [1, "a"], "d": {"a": 1}},
        ),
        ok("1 a 2 1"),
    ),
    (
        "raw-block-literal-delimiters",
        c("{% raw %}{{x}} {% if %}{% endraw %}"),
        ok("{{x}} {% if %}"),
    ),
    (
        "tag-lines-keep-newlines",
        c("A\n{% if t %}\nT\n{% endif %}\nB\n", {"t": True}),
        ok("A\n\nT\n\nB\n"),
    ),
    ("whitespace-control", c("A\n{%- if t -%}\nT\n{%- endif -%}\nB", {"t": True}), ok("ATB")),
    (
        "unknown-filter",
        c("{{ x | nosuchfilter }}", {"x": "v"}),
        per_liquid(
            liquidjs=ok("v"),
            shopify_liquid=ok("v"),
            python_liquid=err("unknown filter 'nosuchfilter'"),
        ),
    ),
    (
        "divide-by-zero",
        c("{{ 1 | divided_by: 0 }}"),
        per_liquid(
            liquidjs=ok("Infinity"),
            shopify_liquid=err("divided by 0"),
            python_liquid=err("divide by 0"),
        ),
    ),
    ("unicode", c("{{x}}", {"x": "ü€😀"}), ok("ü€😀")),
    # data keys that are Liquid literals can't be reached as plain variables
    (
        "literal-names-shadow-data",
        c(
            "[{{empty}}|{{blank}}|{{nil}}|{{null}}|{{true}}]",
            {"empty": "E", "blank": "B", "nil": "N", "null": "U", "true": "T"},
        ),
        ok("[||||true]"),
    ),
    (
        "syntax-error",
        c("{% if %}x{% endif %}"),
        per_liquid(
            liquidjs=err("TokenizationError"),
            shopify_liquid=err("Liquid::SyntaxError"),
            python_liquid=err("LiquidSyntaxError"),
        ),
    ),
]


def liquid_cases(engine: str) -> list[Case]:
    out = []
    for id_, case, expect in LIQUID_COMMON:
        out.append(Case(id_, case, expect[engine] if isinstance(expect, dict) else expect))
    return out


SHOPIFY_EXTRA = [
    # stock lax parsing accepts this; the runner's optional error_mode makes it strict
    Case("lax-parse-default", c("{{ a b c }}"), ok("")),
    Case("strict-error-mode", c("{{ a b c }}", error_mode="strict"), err("Liquid::SyntaxError")),
]

# ------------------------------------------------------------------- freemarker --

FM_NUMBERS = {
    "n": 1234,
    "f": 3.0,
    "dec": 1234.5678,
    "big": 12345678901234,
    "tiny": 1e-7,
    "huge": 10**20,
}

FREEMARKER = [
    Case("version", c("${.version}"), ok("2.3.31")),
    Case("number-c-vs-locale", c("${n?c} ${n}", FM_NUMBERS), ok("1234 1,234")),
    Case("whole-float-is-integer", c("${f} ${f?c}", FM_NUMBERS), ok("3 3")),
    Case(
        "decimals-rounded-to-3",
        c("${dec} ${dec?c} ${tiny} ${tiny?c}", FM_NUMBERS),
        ok("1,234.568 1234.5678 0 0.0000001"),
    ),
    Case(
        "long-and-biginteger",
        c("${big?c} ${huge?c} ${huge}", FM_NUMBERS),
        ok("12345678901234 100000000000000000000 100,000,000,000,000,000,000"),
    ),
    Case("exact-decimal-arithmetic", c("${(a+b)?c}", {"a": 0.1, "b": 0.2}), ok("0.3")),
    Case("locale-override", c("${dec}", FM_NUMBERS, locale="de-DE"), ok("1.234,568")),
    Case("missing-fails", c("${missing}"), err("InvalidReferenceException")),
    Case("missing-nested-fails", c("${missing.deep}"), err("InvalidReferenceException")),
    Case(
        "default-operator",
        c("[${missing!}] [${missing!'d'}] [${(missing.deep)!'D'}] ${(missing??)?c}"),
        ok("[] [d] [D] false"),
    ),
    Case("null-is-missing", c("[${nul!'N'}] ${(nul??)?c}", {"nul": None}), ok("[N] false")),
    Case("no-escape-without-output-format", c("${x}", {"x": HTML_CHARS}), ok(HTML_CHARS)),
    Case(
        "html-output-format-escapes",
        c("${x}", {"x": HTML_CHARS}, output_format="HTML"),
        ok("&lt;b&gt;&amp;&quot;&#39;=`"),
    ),
    Case("html-no_esc", c("${x?no_esc}", {"x": HTML_CHARS}, output_format="HTML"), ok(HTML_CHARS)),
    Case(
        "html-rejects-legacy-?html",
        c("${x?html}", {"x": "<"}, output_format="HTML"),
        err("Using ?html (legacy escaping) is not allowed"),
    ),
    Case(
        "xml-output-format-escapes-apos",
        c("${x}", {"x": HTML_CHARS}, output_format="XML"),
        ok("&lt;b&gt;&amp;&quot;&apos;=`"),
    ),
    Case(
        "boolean-needs-format",
        c("${b}", {"b": True}),
        err("Can't convert boolean to string automatically"),
    ),
    Case(
        "boolean-c",
        c("${b?c} ${fb?c} ${b?string('y','n')}", {"b": True, "fb": False}),
        ok("true false y"),
    ),
    Case("no-truthiness", c("<#if z>T</#if>", {"z": 0}), err("NonBooleanException")),
    Case(
        "has_content",
        c(
            "<#if e?has_content>T<#else>F</#if><#if z?has_content>T<#else>F</#if>",
            {"e": "", "z": 0},
        ),
        ok("FT"),
    ),
    Case(
        "paths-and-list",
        c(
            "${d.a} ${lst[1]} ${lst?size} <#list lst as i>${i};</#list>",
            {"lst": [1, "a"], "d": {"a": 1}},
        ),
        ok("1 a 2 1;a;"),
    ),
    Case(
        "sequence-is-not-printable",
        c("${lst}", {"lst": [1]}),
        err("NonStringOrTemplateOutputException"),
    ),
    Case(
        "literal-delimiters",
        c('${r"${x}"} <#noparse>${x} <#if></#noparse> #{x}', {"x": 5}),
        ok("${x} ${x} <#if> 5"),
    ),
    Case(
        "standalone-tag-lines-removed",
        c("A\n<#if t>\nT\n</#if>\nB\n", {"t": True}),
        ok("A\nT\nB\n"),
    ),
    Case("unicode", c("${x}", {"x": "ü€😀"}), ok("ü€😀")),
    Case("parse-error", c("<#if"), err("ParseException")),
    Case(
        "data-must-be-object", {"template": "x", "data": [1]}, err('"data" must be a JSON object')
    ),
]

# ---------------------------------------------------------------------- cheetah --

CHEETAH = [
    Case("placeholder", c("$x ${x} $!x", {"x": "v"}), ok("v v v")),
    Case("no-escape", c("$x", {"x": HTML_CHARS}), ok(HTML_CHARS)),
    Case(
        "websafe-filter-escapes-only-amp-lt-gt",
        c("#filter WebSafe\n$x\n#end filter\n", {"x": HTML_CHARS}),
        ok("&lt;b&gt;&amp;\"'=`\n"),
    ),
    Case("missing-fails", c("$missing"), err("NotFound: cannot find 'missing'")),
    Case(
        "scalars",
        c("$f $n $b $fb [$nul]", {"f": 3.0, "n": 1234567, "b": True, "fb": False, "nul": None}),
        ok("3.0 1234567 True False []"),
    ),
    Case("paths", c("$d.a $d['a'] $lst[1]", {"d": {"a": 1}, "lst": [1, "a"]}), ok("1 1 a")),
    Case(
        "python-truthiness",
        c(
            "#if $zero then 'T' else 'F'##if $empty then 'T' else 'F'#"
            "#if $lst then 'T' else 'F'##if $s then 'T' else 'F'#",
            {"zero": 0, "empty": "", "lst": [], "s": "0"},
        ),
        ok("FFFT"),
    ),
    Case(
        "literal-delimiters",
        c("\\$x cost \\${x} 100% $$ \\#if x#y", {"x": "v"}),
        ok("$x cost ${x} 100% $$ #if x#y"),
    ),
    Case("raw-block", c("#raw\n$x #if\n#end raw\n", {"x": "v"}), ok("$x #if\n")),
    Case("comment-keeps-newline", c("a ## comment\nb"), ok("a \nb")),
    Case("directive-lines-removed", c("A\n#if $t\nT\n#end if\nB\n", {"t": True}), ok("A\nT\nB\n")),
    Case("unicode", c("$x", {"x": "ü€😀"}), ok("ü€😀")),
    Case("syntax-error", c("#if $x\nno end\n", {"x": 1}), err("ParseError")),
]

# -------------------------------------------------------------------- jinja2 --

JINJA2 = [
    Case("no-autoescape", c("{{x}}", {"x": HTML_CHARS}), ok(HTML_CHARS)),
    Case(
        "autoescape",
        c("{{x}}", {"x": HTML_CHARS}, autoescape=True),
        ok("&lt;b&gt;&amp;&#34;&#39;=`"),
    ),
    Case("none-prints-None", c("{{ nul }} [{{ missing }}]", {"nul": None}), ok("None []")),
    Case(
        "python-truthiness",
        c("{% if z %}T{% else %}F{% endif %}{% if e %}T{% else %}F{% endif %}", {"z": 0, "e": ""}),
        ok("FF"),
    ),
    Case("trailing-newline-dropped", c("a\n"), ok("a")),
    Case("sandbox", c("{{ x.__class__.__mro__ }}", {"x": "s"}), err("SecurityError")),
    Case("syntax-error", c("{% if %}"), err("TemplateSyntaxError")),
]

BEHAVIOUR: dict[str, list[Case]] = {
    "handlebars": HANDLEBARS,
    "liquidjs": liquid_cases("liquidjs"),
    "shopify_liquid": liquid_cases("shopify_liquid") + SHOPIFY_EXTRA,
    "python_liquid": liquid_cases("python_liquid"),
    "freemarker": FREEMARKER,
    "cheetah": CHEETAH,
    "jinja2": JINJA2,
}


@functools.cache
def behaviour_results(engine: str) -> tuple[dict, ...]:
    """All behaviour cases of one engine, rendered in ONE batch."""
    return tuple(render_batch(engine, [case.case for case in BEHAVIOUR[engine]]))


@pytest.mark.parametrize(
    ("engine", "index"),
    [
        pytest.param(e, i, id=f"{e}-{case.id}")
        for e, cases in BEHAVIOUR.items()
        for i, case in enumerate(cases)
    ],
)
def test_behaviour(engine: str, index: int) -> None:
    require_engine(engine)
    case = BEHAVIOUR[engine][index]
    result = behaviour_results(engine)[index]
    kind, expected = case.expect
    if kind == "ok":
        assert result == {"ok": True, "output": expected}, json.dumps(case.case, ensure_ascii=False)
    else:
        assert result["ok"] is False, f"expected an error, got {result!r}"
        assert expected in result["error"], result["error"]
        assert "\n" not in result["error"]


def test_every_engine_has_behaviour_cases() -> None:
    assert set(BEHAVIOUR) == set(ENGINES)


# ------------------------------------------------------------ batch protocol --

VAR = {
    "handlebars": "{{s}}",
    "liquidjs": "{{s}}",
    "shopify_liquid": "{{s}}",
    "python_liquid": "{{s}}",
    "jinja2": "{{s}}",
    "freemarker": "${s}",
    "cheetah": "$s",
}
BAD = {
    "handlebars": "{{#if}}",
    "liquidjs": "{% if %}",
    "shopify_liquid": "{% if %}",
    "python_liquid": "{% if %}",
    "jinja2": "{% if %}",
    "freemarker": "<#if",
    "cheetah": "#if",
}


@pytest.mark.parametrize("engine", ENGINES)
def test_errors_do_not_stop_the_batch(engine: str) -> None:
    require_engine(engine)
    cases = [
        c(VAR[engine], {"s": "first"}),
        c(BAD[engine]),
        {"data": {}},  # no template at all
        c(VAR[engine], {"s": "last"}),
    ]
    results = render_batch(engine, cases)
    assert len(results) == 4
    assert results[0] == {"ok": True, "output": "first"}
    assert results[1]["ok"] is False and results[1]["error"] and "\n" not in results[1]["error"]
    assert results[2]["ok"] is False and "template" in results[2]["error"]
    assert results[3] == {"ok": True, "output": "last"}


@pytest.mark.parametrize("engine", ENGINES)
def test_batch_of_500_in_order(engine: str) -> None:
    require_engine(engine)
    cases = [c(f"{i}:" + VAR[engine], {"s": f"v{i}"}) for i in range(500)]
    results = render_batch(engine, cases)
    assert results == [{"ok": True, "output": f"{i}:v{i}"} for i in range(500)]


def test_empty_batch_and_unknown_engine() -> None:
    assert render_batch("jinja2", []) == []
    with pytest.raises(ValueError, match="unknown engine"):
        render_batch("mustache", [c("x")])
    assert engine_available("mustache")[0] is False


def test_require_engine_skips_or_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        "tests.engines._AVAILABILITY",
        {"fake": lambda: (False, "not here; run tests/engines/install.sh")},
    )
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception, match=r"'fake'.*install\.sh"):
        require_engine("fake")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"'fake'.*install\.sh"):
        require_engine("fake")


def test_unavailable_engine_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tests.engines._AVAILABILITY", {"cheetah": lambda: (False, "gone")})
    with pytest.raises(EngineUnavailable, match="gone"):
        render_batch("cheetah", [c("x")])


# --------------------------------------------------------------------- pins --


@pytest.mark.parametrize("package", ["handlebars", "liquidjs"])
def test_npm_packages_match_lockfile(package: str) -> None:
    require_engine(package)
    lock = json.loads((HERE / "package-lock.json").read_text())
    pinned = lock["packages"][f"node_modules/{package}"]["version"]
    manifest = json.loads((HERE / "package.json").read_text())
    assert manifest["dependencies"][package] == pinned  # exact, no range
    installed = json.loads((HERE / "node_modules" / package / "package.json").read_text())[
        "version"
    ]
    assert installed == pinned


# -------------------------------------------------------------------- msgfmt --

PO_HEADER = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'


def _msgfmt(tmp_path: Path, body: str) -> subprocess.CompletedProcess:
    po = tmp_path / "t.po"
    po.write_text(PO_HEADER + body, encoding="utf-8")
    return subprocess.run(
        ["msgfmt", "-c", "-o", str(tmp_path / "t.mo"), str(po)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_msgfmt_checks_format_strings(tmp_path: Path) -> None:
    require_engine("msgfmt")
    good = _msgfmt(
        tmp_path, '#, python-format\nmsgid "Hi %(name)s, 100%%"\nmsgstr "Hallo %(name)s, 100%%"\n'
    )
    assert good.returncode == 0, good.stderr
    bad = _msgfmt(tmp_path, '#, python-format\nmsgid "Hi %(name)s"\nmsgstr "Hallo %(nom)s"\n')
    assert bad.returncode != 0
    assert "format specification for argument 'name'" in bad.stderr
