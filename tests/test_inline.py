"""prepare.py: compile-time CSS inlining that equals css-inline on every rendered message.

The exactness test renders each sample draft's prepared HTML template and compares it with
css-inline applied to the message rendered from the un-inlined template, for many data sets.

How the two are compared (the normalizer): both strings are parsed by the HTML5 algorithm
(html5ever, as in css-inline and in browsers) and serialized, then parsed with lxml and compared
as trees with attributes in sorted order. The prepared template writes the markup of the
source (only `style` attributes differ), so the parser implies `<tbody>`, `<html>`, `<head>`
and `<body>` itself, exactly where it implies them in the per-message HTML; css-inline's output
has them written out. Text is compared exactly, whitespace included, and so is every `style`.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from lxml import etree

import tmplkit
from tmplkit.html5 import serialize as html5_serialize
from tmplkit.i18n.formats import FormatError
from tmplkit.message.inline import InlinedParts, NotInlinable, inline_html, inliner
from tmplkit.message.stylesheet import css_info
from tmplkit.message.tags import Tokens, scan
from tmplkit.pipeline import emit_part, resolve
from tmplkit.targets.jinja import environment

SAMPLES = Path(__file__).resolve().parent.parent / "sample_templates"
HTML_ENV = environment(autoescape=True)

# --- the normalizer ------------------------------------------------------------------------------


def canonical(html: str) -> str:
    """The HTML5 tree of html, one node a line, attributes sorted; whitespace kept."""
    root = lxml.html.document_fromstring(html5_serialize(html))
    lines: list[str] = []

    def walk(el: Any, depth: int) -> None:
        pad = "  " * depth
        if isinstance(el, etree._Comment):
            lines.append(f"{pad}<!--{el.text}-->")
        else:
            attrs = " ".join(f'{k}="{v}"' for k, v in sorted(el.attrib.items()))
            lines.append(f"{pad}<{el.tag} {attrs}>")
            if el.text:
                lines.append(f"{pad}  {el.text!r}")
            for child in el:
                walk(child, depth + 1)
        if el.tail:
            lines.append(f"{pad}{el.tail!r}")

    walk(root, 0)
    return "\n".join(lines)


def render(template: str, data: dict[str, Any]) -> str:
    return str(HTML_ENV.from_string(template).render(data))


def per_message(emitted: str, data: dict[str, Any]) -> str:
    """The naive pipeline: render, then css-inline the message."""
    return str(inliner().inline(render(emitted, data)))


def assert_exact(emitted: str, prepared: InlinedParts, data: dict[str, Any], label: str) -> None:
    ours = _outcome(lambda: render(prepared.html, data))
    reference = _outcome(lambda: per_message(emitted, data))
    if ours != reference:
        import difflib

        diff = "\n".join(
            difflib.unified_diff(reference.splitlines(), ours.splitlines(), lineterm="", n=2)
        )
        pytest.fail(f"{label}: compile-time inlining differs from per-message:\n{diff}")


def _outcome(make: Any) -> str:
    """The canonical message, or the error a value a format filter cannot read gives (a
    hostile string as the order date): both ways must fail alike."""
    try:
        return canonical(make())
    except FormatError as exc:
        return f"error: {exc}"


# --- the sample drafts and their data sets ---------------------------------------------------------


@pytest.fixture(scope="module")
def project() -> tmplkit.Project:
    return tmplkit.open_project(SAMPLES)


def sample_drafts(project: tmplkit.Project) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(label, emitted Jinja HTML, sample data) of each published and in-progress draft."""
    for template in project.templates.list():
        sample = project.templates.sample_data(template) or {}
        for draft in project.drafts.list(template.id):
            if draft.state not in ("PUBLISHED", "IN_PROGRESS"):
                continue
            sources = resolve(template.id, project, draft.id)
            if "html" not in sources.parts:
                continue
            html = emit_part(sources.parts["html"], project, "jinja", owner=sources.template)
            yield f"{template.slug}/{draft.name}", html, sample


HOSTILE = [
    '<script>alert("x")</script>',
    'Tom & "Jerry" \'s <b>bold</b> &amp; &lt;',
    'https://ex.ample/ä b?q=ü&x="1"&y=<2>#frag',
    "",
    "  spaced \n out  ",
    "{{ 7 }} {% if %} <!--tk:1--> tkx1x </table></td></tr><tr><td>",
    "ünïcödé 日本語 🎉 \u00a0nbsp",
    "a@b.example?subject=Hi there&body=x",
]


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    yield path, value
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*path, i))


def _set(data: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(data)
    target: Any = out
    for key in path[:-1]:
        target = target.setdefault(key, {}) if isinstance(target, dict) else target[key]
    target[path[-1]] = value
    return out


def _map_leaves(value: Any, fn: Any) -> Any:
    if isinstance(value, dict):
        return {k: _map_leaves(v, fn) for k, v in value.items()}
    if isinstance(value, list):
        return [_map_leaves(v, fn) for v in value]
    return fn(value)


def data_sets(emitted: str, sample: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """At least 20 data sets from a sample: the sample, nothing, hostile strings everywhere
    (URLs in href/src/mailto and query strings among them), loops of 0, 1 and many rows,
    every value a condition compares with and one more, booleans flipped, odd numbers."""
    yield "sample", sample
    yield "empty", {}
    yield "nulls", _map_leaves(sample, lambda v: None)
    for i, s in enumerate(HOSTILE):
        yield f"hostile{i}", _map_leaves(sample, lambda v, s=s: s if isinstance(v, str) else v)
    leaves = list(_paths(sample))
    for path, value in leaves:
        name = ".".join(map(str, path))
        if isinstance(value, list) and value:
            for n in (0, 1, 7):
                rows = [copy.deepcopy(value[i % len(value)]) for i in range(n)]
                yield f"{name}[{n}]", _set(sample, path, rows)
            yield f"{name}=null", _set(sample, path, None)
            if isinstance(value[0], dict):
                hostile_rows = [
                    _map_leaves(value[0], lambda v, s=s: s if isinstance(v, str) else v)
                    for s in HOSTILE[:3]
                ]
                yield f"{name}[hostile]", _set(sample, path, hostile_rows)
        elif isinstance(value, bool):
            yield f"{name}={not value}", _set(sample, path, not value)
        elif isinstance(value, int | float) and path:
            for n in (0, 1, 2.5):
                yield f"{name}={n}", _set(sample, path, n)
    for path, value in leaves:
        if path and all(isinstance(k, str) for k in path) and not isinstance(value, list):
            yield f"{'.'.join(path)} missing", _drop(sample, path)
    for dotted, literal in sorted(set(re.findall(r'([\w.]+) == "([^"]*)"', emitted))):
        path = tuple(dotted.split("."))
        if path[0] in sample:
            for v in (literal, "other"):
                yield f"{dotted}={v}", _set(sample, path, v)
            yield f"{dotted} missing", _drop(sample, path)


def _drop(data: dict[str, Any], path: tuple[Any, ...]) -> dict[str, Any]:
    out = copy.deepcopy(data)
    target: Any = out
    for key in path[:-1]:
        target = target.get(key, {}) if isinstance(target, dict) else {}
    if isinstance(target, dict):
        target.pop(path[-1], None)
    return out


# --- exactness on the samples ----------------------------------------------------------------------


def test_every_sample_draft_inlines_exactly_for_many_data_sets(project: tmplkit.Project) -> None:
    drafts = list(sample_drafts(project))
    assert len(drafts) >= 8  # 4 templates, a published and an in-progress draft each
    for label, emitted, sample in drafts:
        prepared = inline_html(emitted)
        sets = list(data_sets(emitted, sample))
        assert len(sets) >= 20, label
        for name, data in sets:
            assert_exact(emitted, prepared, data, f"{label} with {name}")


def test_samples_are_really_inlined(project: tmplkit.Project) -> None:
    """Not vacuous: the prepared template carries the styles and keeps @media in the head."""
    _, emitted, sample = next(
        d for d in sample_drafts(project) if d[0].startswith("order-confirmation")
    )
    prepared = inline_html(emitted)
    assert "<style>" in emitted and "<style>@media only screen" in prepared.html
    assert prepared.html.count("<style") == 1
    assert ".wrapper {" not in prepared.html  # the inlined rules are gone from the head
    message = render(prepared.html, sample)
    assert 'class="button" style="display: inline-block;' in message
    doc = lxml.html.document_fromstring(message)
    rows = doc.xpath("//table[@class='lines']//tr[contains(@class, 'line')]")
    assert len(rows) == 3
    # the last row's class is data-dependent: `.lines .line-last td` must reach it alone
    styles = [row.xpath("./td")[1].get("style") for row in rows]
    assert [("2px solid" in s) for s in styles] == [False, False, True]


def test_sample_preparation_is_deterministic(project: tmplkit.Project) -> None:
    for _, emitted, _ in sample_drafts(project):
        assert inline_html(emitted) == inline_html(emitted)


# --- the protector --------------------------------------------------------------------------------


def protected(source: str) -> str:
    from tmplkit.message.inline import _protect

    sc = scan(source)
    return _protect(sc, Tokens([j.text for j in sc.jtags]), "data-tk-id")


def test_tokens_in_attributes_are_alphanumeric_and_survive_css_inline() -> None:
    src = (
        "<a href=\"{{ url }}?a=1&amp;b={{ b }}\" title='{{ t }}'>x</a>"
        '<a href="mailto:{{ email }}">{{ email }}</a><img src="{{ img }}" alt="{{ alt }}">'
    )
    out = protected(src)
    assert out == (
        '<a data-tk-id="0" href="tkx0x?a=1&amp;b=tkx1x" title=\'tkx2x\'>x</a>'
        '<a data-tk-id="1" href="mailto:tkx3x"><!--tk:4--></a>'
        '<img data-tk-id="2" src="tkx5x" alt="tkx6x">'
    )
    inlined = str(inliner().inline("<style>a{color:red}</style>" + out))
    for token in ("tkx0x?a=1&amp;b=tkx1x", "'tkx2x'"[1:-1], "mailto:tkx3x", "<!--tk:4-->"):
        assert token in inlined


def test_tokens_between_table_rows_are_comments_that_stay_in_the_table() -> None:
    src = "<table>{% for r in rows %}<tr><td>{{ r }}</td></tr>{% endfor %}</table>"
    out = protected(src)
    assert out == (
        '<table data-tk-id="0"><!--tk:0--><tr data-tk-id="1"><td data-tk-id="2"><!--tk:1-->'
        "</td></tr><!--tk:2--></table>"
    )
    # a text token (or the raw tag) would be foster-parented out of the table
    parsed = html5_serialize(out)
    assert parsed.index("<table") < parsed.index("<!--tk:0-->") < parsed.index("</table>")


def test_literal_braces_are_printed_and_tags_with_closers_in_strings_are_one_token() -> None:
    src = (
        '<p title="{{ "{" }}x">a {{ "{" }}{ b {{ x|default("}}") }}'
        '{% if y == "%}" %}c{% endif %}</p>'
    )
    sc = scan(src)
    assert [j.text for j in sc.jtags] == [
        '{{ "{" }}',
        '{{ "{" }}',
        '{{ x|default("}}") }}',
        '{% if y == "%}" %}',
        "{% endif %}",
    ]
    assert protected(src) == (
        '<p data-tk-id="0" title="{x">a {{ b <!--tk:2--><!--tk:3-->c<!--tk:4--></p>'
    )
    prepared = inline_html("<style>p{color:red}</style>" + src)
    for data in ({}, {"x": "<v>", "y": "%}"}):
        assert_exact("<style>p{color:red}</style>" + src, prepared, data, str(data))
    assert render(prepared.html, {"y": "%}"}).endswith(">a {{ b }}c</p>")


def test_contexts_of_jinja_tags() -> None:
    src = (
        '<!DOCTYPE html><title>{{ t }}</title><!-- {{ c }} --><p class="{{ k }}" {% if d %}'
        "hidden{% endif %}>{{ v }}</p><script>var a = '{{ s }}';</script>"
    )
    contexts = [(j.text, j.context) for j in scan(src).jtags]
    assert contexts == [
        ("{{ t }}", "raw"),
        ("{{ c }}", "comment"),
        ("{{ k }}", "attr"),
        ("{% if d %}", "tag"),
        ("{% endif %}", "tag"),
        ("{{ v }}", "data"),
        ("{{ s }}", "raw"),
    ]


def test_tokens_avoid_text_the_template_already_has() -> None:
    src = "<style>p{color:red}</style><p>tkx0x tk:1 {{ a }}</p>"
    prepared = inline_html(src)
    assert render(prepared.html, {"a": "A"}).endswith('<p style="color: red;">tkx0x tk:1 A</p>')
    assert prepared.text == "tkx0x tk:1 {{ a }}\n"


# --- the tbody trap and its kin ---------------------------------------------------------------


LOOP_TABLE = (
    "<!DOCTYPE html><html><head><style>td { color: red } .x td { padding: 1px }</style></head>"
    '<body><table class="x">\n  {% for r in rows %}\n  <tr><td>{{ r }}</td></tr>\n'
    "  {% endfor %}\n</table></body></html>"
)


@pytest.mark.parametrize("n", [0, 1, 3])
def test_tbody_trap_loop_rows_render_exactly(n: int) -> None:
    prepared = inline_html(LOOP_TABLE)
    assert "tbody" not in prepared.html  # the parser implies it per message, where it belongs
    data = {"rows": [f"r{i}" for i in range(n)]}
    assert_exact(LOOP_TABLE, prepared, data, f"{n} rows")
    assert render(prepared.html, data).count('<td style="color: red;padding: 1px;">') == n


def test_tbody_trap_is_real_for_serialize_and_restore() -> None:
    """What restoring tokens into css-inline's serialization would do: one tbody per row."""
    sc = scan(LOOP_TABLE)
    tokens = Tokens([j.text for j in sc.jtags])
    from tmplkit.message.tags import substitute as _substitute

    naive = str(inliner().inline(_substitute(sc, 0, len(LOOP_TABLE), tokens)))
    assert "<!--tk:0--><tbody>" in naive.replace("\n", "").replace(" ", "")
    for j in sc.jtags:
        naive = naive.replace(f"<!--tk:{j.n}-->", j.text)
    data = {"rows": ["a", "b", "c"]}
    assert html5_serialize(render(naive, data)).count("<tbody") == 3
    assert canonical(render(naive, data)) != canonical(per_message(LOOP_TABLE, data))


def test_styled_implied_tbody_is_written_out_before_a_static_first_row() -> None:
    src = (
        "<style>tbody { color: blue } td { color: red }</style><table><tr><th>H</th></tr>"
        "{% for r in rows %}<tr><td>{{ r }}</td></tr>{% endfor %}</table>"
    )
    prepared = inline_html(src)
    assert '<tbody style="color: blue;"><tr>' in prepared.html
    for n in (0, 2):
        assert_exact(src, prepared, {"rows": ["x"] * n}, f"{n} rows")


def test_styled_implied_tbody_after_a_loop_start_is_refused() -> None:
    src = "<style>tbody { color: blue }</style><table>{% for r in rows %}<tr><td>{{ r }}</td></tr>{% endfor %}</table>"
    with pytest.raises(NotInlinable, match="tbody"):
        inline_html(src)


def test_p_closed_by_a_block_element_splits_a_block_and_is_refused() -> None:
    src = "<style>p{color:red}</style>{% if x %}<p>a{% else %}<p>b{% endif %}</p>"
    with pytest.raises(NotInlinable, match="different"):
        inline_html(src)
    ok = "<style>p{color:red}</style><p>{% if x %}a<div>b</div>{% endif %}</p>"
    with pytest.raises(NotInlinable):
        inline_html(ok)  # <div> closes the <p>: {% endif %} lands outside it


def test_select_options_from_a_loop() -> None:
    src = (
        '<style>option{color:red} select{margin:0}</style><select name="s">'
        '{% for o in opts %}<option value="{{ o }}">{{ o }}</option>{% endfor %}</select>'
    )
    prepared = inline_html(src)
    for data in ({"opts": []}, {"opts": ["a", "<b>"]}):
        assert_exact(src, prepared, data, str(data))


def test_fragment_without_html_head_body() -> None:
    src = (
        "<style>p { color: red } @media (max-width: 600px) { p { color: blue } }</style>"
        "<p>{{ a }}</p>{% if b %}<p>b</p>{% endif %}"
    )
    prepared = inline_html(src)
    assert prepared.html.startswith("<style>@media (max-width: 600px)")
    for data in ({}, {"a": "x", "b": True}):
        assert_exact(src, prepared, data, str(data))


def test_conditional_classes_are_lifted_and_each_branch_inlined() -> None:
    src = (
        "<style>.on { color: red } .off { color: gray } .on b { font-weight: 900 }</style>"
        '<div class="box {% if a %}on{% elif c %}mid{% else %}off{% endif %}" '
        '{% if t %}title="t"{% endif %}><b>{{ x }}</b></div>'
    )
    prepared = inline_html(src)
    assert prepared.html.count("<div") == 6  # 3 class branches × 2 title branches
    for data in ({}, {"a": 1}, {"c": 1, "t": 1}, {"a": 1, "t": 1, "x": "<i>"}):
        assert_exact(src, prepared, data, str(data))


def test_conditional_attributes_nobody_selects_on_are_left_alone() -> None:
    src = '<style>a { color: red }</style><a href="{% if u %}{{ u }}{% else %}#{% endif %}">x</a>'
    prepared = inline_html(src)
    assert prepared.html.count("<a ") == 1
    for data in ({}, {"u": "https://x.example/?a=1&b=2"}):
        assert_exact(src, prepared, data, str(data))


def test_dynamic_style_attribute() -> None:
    untouched = '<style>p { color: red }</style><div style="color: {{ c }}">x</div>'
    prepared = inline_html(untouched)
    for data in ({"c": "blue"}, {"c": "red; margin: 9px"}):
        assert_exact(untouched, prepared, data, str(data))
    merged = '<style>div { color: red }</style><div style="color: {{ c }}">x</div>'
    with pytest.raises(NotInlinable, match="style"):
        inline_html(merged)


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("<p>{{ x|safe }}</p>", "HTML"),
        ('<style>.a{color:red}</style><p class="{{ c }}">x</p>', "selects on"),
        (
            "<style>tr:first-child{color:red}</style><table>{% for r in rows %}"
            "<tr><td>{{ r }}</td></tr>{% endfor %}</table>",
            "structural",
        ),
        ("<style>p{color:{{ c }}}</style><p>x</p>", "<style>"),
        ("<p class={{ c }}>x</p>", "unquoted"),
        ("<h{{ n }}>x</h{{ n }}>", "name"),
        ("<p {{ attrs }}>x</p>", "between the attributes"),
        (
            '<style>.a{color:red}</style><p class="{% for c in cs %}{{ c }}{% endfor %}">x</p>',
            "CSS",
        ),
        ("<p>{% set x = 1 %}</p>", "unsupported"),
        ("{% if d %}<style>p{color:red}</style>{% endif %}<p>x</p>", "<style> inside"),
    ],
)
def test_refusals(source: str, reason: str) -> None:
    with pytest.raises(NotInlinable, match=re.escape(reason)):
        inline_html(source)


def test_escape_before_safe_is_inert() -> None:
    src = "<style>p{color:red}</style><p>{{ h|escape|safe }}</p>"
    prepared = inline_html(src)
    assert_exact(src, prepared, {"h": "<b>x</b>"}, "escaped")


def test_without_a_stylesheet_the_template_is_unchanged() -> None:
    src = '<p class="{% if a %}x{% endif %}">{{ a }}</p>'
    assert inline_html(src).html == src


def test_css_info() -> None:
    info = css_info(
        "/* .no */ p.a, #b > [data-x='.y'] { c: d } @media (x) { .m:first-child { e: f } }"
        " a:lang(fr) { } div { background: url('#x') }"
    )
    assert info.rules and not info.structural
    assert info.attrs == {"class", "id", "data-x", "lang"}
    assert css_info("li + li { }").structural
    assert css_info("a[href~='x'] { }").structural is False


def test_sample_json_is_valid() -> None:
    for path in SAMPLES.rglob("sample.json"):
        assert isinstance(json.loads(path.read_text("utf-8")), dict)


# --- random templates: refused, or exact ------------------------------------------------------

FUZZ_CSS = [
    ".a { color: red }",
    ".b td { padding: 1px }",
    "td { margin: 2px }",
    "p { margin: 0 }",
    "table .c { border: 1px solid }",
    "#x { color: blue }",
    "tr.a td { font-weight: bold }",
    "li { color: green }",
    "tbody { color: gray }",
    "span.b { display: none }",
    "a { text-decoration: none }",
    "div p { line-height: 1 }",
    "@media (max-width: 600px) { .a { color: blue !important } }",
    "[title] { color: pink }",
    "body { margin: 0 }",
]
FUZZ_DATA: list[dict[str, Any]] = [
    {},
    {"v": "<x & y>", "url": "https://e.x/a b?c=1&d=ü", "f1": True, "f2": False, "rows": [1, 2, 3]},
    {"v": "val", "f1": False, "f2": True, "rows": []},
    {"v": "", "rows": [1], "f1": 1, "f2": 1},
]


class _Fuzz:
    """Random e-mail-like templates: tables with looped and conditional rows, lists, links with
    data in their URLs, conditional classes (also on `loop.last`), nested blocks."""

    def __init__(self, seed: int, css: list[str] = FUZZ_CSS, rules: int = 6) -> None:
        import random

        self.r = random.Random(seed)
        self.css = css
        self.rules = rules  # at most this many rules of css

    def cls(self) -> str:
        x = self.r.random()
        c = self.r.choice("abc")
        if x < 0.4:
            return ""
        if x < 0.7:
            return f' class="{c}"'
        if x < 0.85:
            return f' class="{{% if f1 %}}{c}{{% else %}}{self.r.choice("abc")}{{% endif %}}"'
        return ' class="x {% if loop is defined and loop.last %}a{% endif %}"'

    def inline(self) -> str:
        x = self.r.random()
        if x < 0.3:
            return "{{ v }}"
        if x < 0.45:
            return f'<a href="{{{{ url }}}}?q={{{{ v }}}}"{self.cls()}>{{{{ v }}}}</a>'
        if x < 0.55:
            return "{% if f2 %}yes{% else %}no{% endif %}"
        if x < 0.65:
            return f"<span{self.cls()}>t {{{{ v }}}}</span>"
        if x < 0.7:
            return '<img alt="{{ v }}" src="{{ url }}">'
        if x < 0.75:
            return "<br>"
        return self.r.choice(["word", "two words", "&amp; x", '{{ "{" }}'])

    def block(self, depth: int) -> str:
        x = self.r.random()
        if depth > 3 or x < 0.25:
            inner = "".join(self.inline() for _ in range(self.r.randint(1, 3)))
            return f"<p{self.cls()}>{inner}</p>"
        if x < 0.4:
            return "{% if f1 %}" + self.block(depth + 1) + "{% endif %}"
        if x < 0.5:
            return (
                "{% for row in rows %}"
                + self.block(depth + 1)
                + "{% else %}<p>none</p>{% endfor %}"
            )
        if x < 0.7:
            rows = []
            for _ in range(self.r.randint(1, 3)):
                cells = "".join(
                    f"<td{self.cls()}>{self.inline()}</td>" for _ in range(self.r.randint(1, 3))
                )
                row = f"<tr{self.cls()}>{cells}</tr>"
                y = self.r.random()
                if y < 0.4:
                    row = "{% for row in rows %}" + row + "{% endfor %}"
                elif y < 0.6:
                    row = "{% if f2 %}" + row + "{% endif %}"
                rows.append(row)
            ws = self.r.choice(["", "\n  "])
            return f"<table{self.cls()}>{ws}{ws.join(rows)}{ws}</table>"
        if x < 0.8:
            items = "".join(f"<li{self.cls()}>{self.inline()}</li>" for _ in range(2))
            if self.r.random() < 0.5:
                items = "{% for row in rows %}" + items + "{% endfor %}"
            tag = self.r.choice(["ul", "ol"])
            return f"<{tag}>{items}</{tag}>"
        return f'<div{self.cls()} id="x">{self.block(depth + 1)}{self.block(depth + 1)}</div>'

    def template(self) -> str:
        css = " ".join(self.r.sample(self.css, self.r.randint(1, self.rules)))
        body = "".join(self.block(0) for _ in range(self.r.randint(1, 4)))
        if self.r.random() < 0.5:
            return (
                f"<!DOCTYPE html><html><head><style>{css}</style></head><body>{body}</body></html>"
            )
        return f"<style>{css}</style>{body}"


def fuzz_accepted(fuzz: _Fuzz, n: int) -> list[str]:
    """The templates of n random ones that inline_html accepts, each checked exact (and its
    text template rendered) on FUZZ_DATA."""
    accepted = []
    for i in range(n):
        src = fuzz.template()
        try:
            prepared = inline_html(src)
        except NotInlinable:
            continue
        accepted.append(src)
        text = environment(autoescape=False).from_string(prepared.text)
        for data in FUZZ_DATA:
            assert_exact(src, prepared, data, f"template {i}:\n{src}\nwith {data}")
            text.render(data)  # the text template renders too
    return accepted


def test_random_templates_are_refused_or_exact() -> None:
    assert len(fuzz_accepted(_Fuzz(20261122), 60)) >= 40
