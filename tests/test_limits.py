"""Deep and large templates: the nesting limits, linear time, deep HTML and deep data.

The limits (tmplkit.ir): 64 levels of if/for/trans/include (an included block's content counted
below its include), 16 nested loops, expressions 32 levels deep, recipient data 100 levels deep.
Below them every stage works; past them the first construct over the limit is one error line.
Time is never asserted: the work done is (calls, characters scanned), and benchmarks/size.py
prints the times.
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import Any

import pytest

import tmplkit
import tmplkit.pipeline
from tests.conftest import ProjectEnv
from tests.differential.corpus import Source
from tests.differential.harness import run as run_engine
from tests.engines import require_engine
from tmplkit import compile_string, ir
from tmplkit.errors import RenderError, TemplateError
from tmplkit.message.inline import inline_html
from tmplkit.message.textpart import html_to_text
from tmplkit.pipeline import Part, SourceSet
from tmplkit.rendering import PreparedMessage, Renderer
from tmplkit.targets import TARGETS
from tmplkit.targets.handlebars import HELPERS_JS

prepare_module = sys.modules["tmplkit.message.inline"]
text_module = sys.modules["tmplkit.message.textpart"]
render_module = sys.modules["tmplkit.rendering"]

NESTING_HINT = "(hint: combine conditions with and or elif, or include fewer blocks inside others)"
LOOP_HINT = "(hint: flatten the data so that fewer loops nest)"
EXPRESSION_HINT = "(hint: compute the value in your recipient data, or split the condition)"


def parse_error(source: str) -> str:
    with pytest.raises(TemplateError) as info:
        tmplkit.parse(source, "t.html.j2")
    return str(info.value)


def prepared(source: str) -> PreparedMessage:
    return Renderer().prepare_sources(SourceSet({"html": Part("html", source, "t.html.j2")}))


def nested_ifs(n: int) -> str:
    """n nested ifs, one a line, around `x`."""
    return "".join("{% if a %}\n" for _ in range(n)) + "x" + "{% endif %}" * n


# --- the nesting limit, checked before anything recurses -------------------------------------


def test_64_nested_ifs_render() -> None:
    assert prepared(nested_ifs(64)).render({"a": True}).text == "x\n"


@pytest.mark.parametrize("n", [65, 99, 500, 5000])
def test_an_if_past_64_levels_is_one_line_at_the_65th(n: int) -> None:
    # 99 gave an IndentationError traceback (Jinja's compiler), 500 a RecursionError.
    assert parse_error(nested_ifs(n)) == (
        f"t.html.j2:65:1: {{% if %}} is nested 65 levels deep, more than the limit of 64 "
        f"{NESTING_HINT}"
    )


def test_every_construct_counts_as_a_level() -> None:
    ifs = "{% if a %}" * 63
    assert tmplkit.parse(ifs + "{% for x in xs %}{% endfor %}" + "{% endif %}" * 63).depth == 64
    cases = {
        "{% if a %}{% trans %}Hi{% endtrans %}{% endif %}": "{% trans %}",
        '{% if a %}{{ _("Hi") }}{% endif %}': "{{ _() }}",
        '{% if a %}{% include "blocks/footer" %}{% endif %}': "{% include %}",
        "{% if a %}{% for x in xs %}{% endfor %}{% endif %}": "{% for %}",
    }
    for inner, construct in cases.items():
        assert parse_error(ifs + inner + "{% endif %}" * 63) == (
            f"t.html.j2:1:641: {construct} is nested 65 levels deep, more than the limit of 64 "
            f"{NESTING_HINT}"
        )


def test_statements_jinja_knows_but_tmplkit_refuses_count_too() -> None:
    # Jinja's parser would recurse through them before tmplkit could refuse the first one.
    source = "{% with %}" * 5000 + "{% endwith %}" * 5000
    assert parse_error(source) == (
        f"t.html.j2:1:641: {{% with %}} is nested 65 levels deep, more than the limit of 64 "
        f"{NESTING_HINT}"
    )
    assert parse_error("{% with %}{% endwith %}") == (
        "t.html.j2:1:4: {% with %} is not portable (hint: refer to the data directly)"
    )


def test_a_17th_nested_loop_is_refused() -> None:
    # Jinja and Cheetah compile a loop to a Python `for`: 20 nested blocks at most. 24 nested
    # loops used to take 95 s to derive their text part, and then crashed.
    loops = "".join(f"{{% for x{k} in xs %}}\n" for k in range(24))
    source = loops + "{% endfor %}" * 24
    assert parse_error(source) == (
        f"t.html.j2:17:1: {{% for %}} is nested 17 loops deep, more than the limit of 16 "
        f"{LOOP_HINT}"
    )


def test_sibling_loops_do_not_add_up() -> None:
    loop = "{% for x in xs %}{{ x }}{% endfor %}"
    assert prepared("<p>" + loop * 40 + "</p>").render({"xs": [1]}).text == "1" * 40 + "\n"


def test_the_cli_prints_one_line_and_exits_1(run, tmp_path: Path) -> None:
    template = tmp_path / "deep.html.j2"
    template.write_text(nested_ifs(5000), "utf-8")
    result = run("render", template, "--format", "html")
    assert (result.code, result.out) == (1, "")
    assert result.err == (
        f"error: {template}:65:1: {{% if %}} is nested 65 levels deep, more than the limit "
        f"of 64 {NESTING_HINT}\n"
    )


# --- at the limit, every stage and every target works -----------------------------------------

# 16 loops, 47 ifs and a plural translation: 64 levels.
LIMIT_LOOPS = "".join(f"{{% for l{k} in a %}}<div>" for k in range(ir.MAX_LOOPS))
LIMIT_IFS = "".join(f"{{% if l15 %}}<b>{k} </b>" for k in range(47))
LIMIT_TRANS = "{% trans count=l15 %}{{ count }} item{% pluralize %}{{ count }} items{% endtrans %}"
AT_THE_LIMIT = (
    "<div>"
    + LIMIT_LOOPS
    + LIMIT_IFS
    + LIMIT_TRANS
    + "{% endif %}" * 47
    + "</div>{% endfor %}" * ir.MAX_LOOPS
    + "</div>"
)
# 32 levels each: 31 `and`s, 31 `not`s, 31 parentheses, a path of 32 steps, 31 filters.
EXPRESSIONS_AT_THE_LIMIT = (
    "<p>{% if " + " and ".join(["o"] * 31) + " %}{{ o" + ".b" * 31 + " }}{% endif %}"
    "{% if " + "not " * 31 + "missing %}{{ s" + "|upper" * 31 + " }}{% endif %}"
    "{% if " + "(" * 31 + "o" + ")" * 31 + " %}!{% endif %}</p>"
)
DEEP_OBJECT: Any = "x"
for _ in range(31):
    DEEP_OBJECT = {"b": DEEP_OBJECT}
BOLD = "".join(f'<b style="color: red;">{k} </b>' for k in range(47))
NUMBERS = " ".join(str(k) for k in range(47))


def test_the_template_at_the_limit_is_64_levels_deep() -> None:
    assert tmplkit.parse(AT_THE_LIMIT).depth == ir.MAX_DEPTH == 64
    deeper = "{% if a %}" + AT_THE_LIMIT + "{% endif %}"
    assert parse_error(deeper) == (
        f"t.html.j2:1:{deeper.index('{% trans') + 1}: {{% trans %}} is nested 65 levels deep, "
        f"more than the limit of 64 {NESTING_HINT}"
    )


def test_at_the_limit_a_message_renders_with_css_inlined_and_its_text_part() -> None:
    message = prepared("<style>b { color: red }</style>" + AT_THE_LIMIT)
    assert message.inline_per_message is None  # prepared at compile time
    one, two = message.render({"a": [1]}), message.render({"a": [2]})
    assert one.html == "<div>" * 17 + BOLD + "1 item" + "</div>" * 17
    assert one.text == NUMBERS + " 1 item\n" == html_to_text(one.html)
    assert two.text == NUMBERS + " 2 items\n" == html_to_text(two.html)
    assert message.render({"a": []}).html == "<div></div>"


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("html", [True, False])
def test_at_the_limit_every_target_emits(target: str, html: bool) -> None:
    emitted = compile_string(AT_THE_LIMIT, target, html=html)
    if target == "html":  # rendered at compile time, without data: the loops print nothing
        assert emitted == "<div></div>"
    else:
        assert [emitted.count(f"<b>{k} </b>") for k in (0, 46)] == [1, 1]


@pytest.mark.parametrize(
    ("target", "engine", "extra"),
    [
        ("handlebars", "handlebars", {"helpers": HELPERS_JS}),
        ("liquid", "liquidjs", None),
        ("liquid", "shopify_liquid", None),
        ("freemarker", "freemarker", None),
        ("cheetah", "cheetah", None),
    ],
)
def test_at_the_limit_each_engine_renders_what_the_reference_renders(
    target: str, engine: str, extra: dict[str, Any] | None
) -> None:
    # python-liquid is left out: it refuses more than 30 nested blocks unless configured
    # (docs/targets/liquid.md).
    require_engine(engine)
    sources = [
        Source("limit", AT_THE_LIMIT),
        Source("limit_text", AT_THE_LIMIT, html=False),
        Source("expressions", EXPRESSIONS_AT_THE_LIMIT),
    ]
    datasets = {
        "one": {"a": [1], "o": DEEP_OBJECT, "s": "s"},
        "two": {"a": [2], "o": DEEP_OBJECT},
        "none": {"a": []},
    }
    cases, mismatches = run_engine(
        target, engine, sources=sources, datasets=datasets, case_extra=extra
    )
    assert cases == 9
    assert mismatches == [], "\n".join(map(str, mismatches))


# --- included blocks count at the include ------------------------------------------------------


@pytest.fixture
def deep_block(project: ProjectEnv) -> ProjectEnv:
    """A block whose content nests 10 levels (a trans inside 9 ifs)."""
    block = project.project.blocks.create("Deep")
    inner = "{% if a %}" * 9 + "{% trans %}Deep{% endtrans %}" + "{% endif %}" * 9
    (block.dir / "block.html.j2").write_text(f"<p>{inner}</p>\n", "utf-8")
    return project


def write_body(env: ProjectEnv, body: str) -> None:
    (env.draft.dir / "body.html.j2").write_text(body, "utf-8")


def test_a_block_at_the_limit_renders(deep_block: ProjectEnv) -> None:
    # 53 ifs + the include + the block's 10 levels = 64
    write_body(deep_block, "{% if a %}" * 53 + '{% include "blocks/deep" %}' + "{% endif %}" * 53)
    message = tmplkit.render(deep_block.draft.id, {"a": True}, project=deep_block.project)
    assert message.text == "Deep\n"


def test_a_block_past_the_limit_is_refused_at_its_include(deep_block: ProjectEnv, run) -> None:
    write_body(deep_block, "{% if a %}" * 54 + '{% include "blocks/deep" %}' + "{% endif %}" * 54)
    result = run("--project", deep_block.root, "render", deep_block.draft.id)
    file = deep_block.project.relpath(deep_block.draft.dir / "body.html.j2")
    assert (result.code, result.out) == (1, "")
    assert result.err == (
        f'error: {file}:1:541: block "deep" is nested 65 levels deep here, more than the limit '
        f"of 64 {NESTING_HINT}\n"
    )


def test_a_block_included_a_thousand_times_is_read_once(
    deep_block: ProjectEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[str] = []
    read_source = tmplkit.pipeline.read_source

    def counting(path: Path, file: str) -> str:
        reads.append(file)
        return read_source(path, file)

    monkeypatch.setattr(tmplkit.pipeline, "read_source", counting)
    write_body(deep_block, '<div>{% include "blocks/deep" %}</div>' * 1000)
    message = tmplkit.render(deep_block.draft.id, {"a": True}, project=deep_block.project)
    assert message.text == "Deep\n\n" * 999 + "Deep\n"
    assert reads.count("blocks/deep/block.html.j2") == 1


# --- expressions ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "levels"),
    [
        ("(" * 33 + "a" + ")" * 33, 33),  # parentheses: 100 gave a RecursionError
        ("not " * 40 + "a", 40),  # 300 gave "too many nested parentheses"
        (" and ".join(["a"] * 100), 100),  # 100 gave a RecursionError
        ("a" + ".b" * 40, 41),  # a path: 300 gave "too many nested parentheses"
    ],
)
def test_an_expression_past_32_levels_is_one_line(expression: str, levels: int) -> None:
    assert parse_error("<p>{% if " + expression + " %}x{% endif %}</p>") == (
        f"t.html.j2:1:4: the expression is nested {levels} levels deep, more than the limit of "
        f"32 {EXPRESSION_HINT}"
    )


def test_filters_count_as_levels_of_an_output() -> None:
    assert parse_error("<p>{{ a" + "|upper" * 40 + " }}</p>") == (
        f"t.html.j2:1:4: the expression is nested 41 levels deep, more than the limit of 32 "
        f"{EXPRESSION_HINT}"
    )


def test_an_expression_at_the_limit_renders() -> None:
    conditions = " and ".join(["a"] * 31)  # 31 operands: 32 levels with the if's test
    path = "a" + ".b" * 31
    message = prepared(f"<p>{{% if {conditions} %}}{{{{ {path} }}}}{{% endif %}}</p>")
    deep: dict[str, Any] = {"b": "x"}
    for _ in range(30):
        deep = {"b": deep}
    assert message.render({"a": deep}).html == "<p>x</p>"


# --- linear time: the work done, counted ---------------------------------------------------------


def test_24_nested_loops_derive_their_text_part_with_linear_work(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The text part's layout flowed each loop body twice per enclosing loop: 2^24 flows (95 s).
    flows = 0
    flow = text_module._Layout._flow

    def counting(self: Any, *args: Any) -> Any:
        nonlocal flows
        flows += 1
        return flow(self, *args)

    monkeypatch.setattr(text_module._Layout, "_flow", counting)
    loops = "".join(f"{{% for l{k} in a or [] %}}<b>{k}</b>" for k in range(24))
    parts = inline_html("<p>" + loops + "{% endfor %}" * 24 + "</p>")
    assert flows == 2 * 24 + 2
    assert parts.text == (
        "".join(f"{{% for l{k} in a or [] %}}{k}" for k in range(24)) + "{% endfor %}" * 24 + "\n"
    )


def test_lifting_conditional_classes_scans_each_copy_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 500 rows each with a class chosen by an if: the old lift rescanned the whole template
    # after each of them (and gave up after 64, inlining CSS per message instead).
    scanned = 0
    scan = prepare_module.scan

    def counting(source: str) -> Any:
        nonlocal scanned
        scanned += len(source)
        return scan(source)

    monkeypatch.setattr(prepare_module, "scan", counting)
    row = '<tr class="{% if a %}on{% endif %}"><td>{{ b }}</td></tr>'
    template = "<style>.on { color: red }</style><table>" + row * 500 + "</table>"
    parts = inline_html(template)
    lifted = '{% if a %}<tr class="on" style="color: red;"><td>{{ b }}</td></tr>{% else %}'
    assert parts.html.count(lifted) == 500
    # the template twice (as written, then lifted) and each row's two copies once
    assert scanned <= 2 * len(parts.html) + 2 * 500 * len(row)


def test_the_collector_is_paused_while_compiling_then_as_it_was(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    enabled: list[bool] = []
    inline_html = render_module.inline_html

    def spying(html: str, **options: Any) -> Any:
        enabled.append(gc.isenabled())
        return inline_html(html, **options)

    monkeypatch.setattr(render_module, "inline_html", spying)
    assert prepared("<p>{{ a }}</p>").render({"a": 1}).html == "<p>1</p>"
    with pytest.raises(TemplateError):
        prepared("<p>{{ a + 1 }}</p>")
    assert enabled == [False] and gc.isenabled()
    gc.disable()  # the caller's choice stays
    try:
        prepared("<p>{{ a }}</p>")
        assert enabled == [False, False] and not gc.isenabled()
    finally:
        gc.enable()


# --- deep HTML ----------------------------------------------------------------------------------


@pytest.mark.parametrize("css", ["", "<style>p { color: red }</style>"])
def test_5000_nested_elements_render(css: str) -> None:
    # The text part's walk of the HTML tree recursed once per element: a RecursionError at 500.
    message = prepared(css + "<div>" * 5000 + "{{ a }}" + "</div>" * 5000)
    rendered = message.render({"a": "x"})
    assert rendered.html == "<div>" * 5000 + "x" + "</div>" * 5000
    assert rendered.text == "x\n" == html_to_text(rendered.html)


# --- deep data ----------------------------------------------------------------------------------


def nested(levels: int, leaf: Any = "x") -> dict[str, Any]:
    """{"a": {"a": … leaf}}: `leaf` at a path of `levels` a's."""
    data: Any = leaf
    for _ in range(levels):
        data = {"a": data}
    return data  # type: ignore[no-any-return]


DEEP = "data nested more than 100 levels deep at {} (hint: flatten the data)"


@pytest.mark.parametrize("levels", [101, 100_000])
def test_data_nested_past_100_levels_is_one_line(levels: int, tmp_path: Path) -> None:
    template = tmp_path / "t.html.j2"
    template.write_text("<p>{{ a.a.a }}</p>", "utf-8")
    with pytest.raises(RenderError) as info:
        tmplkit.render(str(template), nested(levels))
    assert str(info.value) == DEEP.format("a.a.a.a….a.a (101 levels)")


def test_data_at_100_levels_renders(tmp_path: Path) -> None:
    template = tmp_path / "t.html.j2"
    template.write_text("<p>{{ a.a.a }}</p>", "utf-8")
    assert tmplkit.render(str(template), nested(100)).html == (
        "<p>" + str(nested(97)).replace("'", "&#39;") + "</p>"
    )


def test_the_path_names_list_items(tmp_path: Path) -> None:
    template = tmp_path / "t.txt.j2"
    template.write_text("{{ items[0] }}", "utf-8")
    with pytest.raises(RenderError) as info:
        tmplkit.render(str(template), {"items": [nested(100)]})
    assert str(info.value) == DEEP.format("items[0].a.a….a.a (101 levels)")


def test_deep_data_through_the_cli(run, tmp_path: Path) -> None:
    template = tmp_path / "t.html.j2"
    template.write_text("<p>{{ a }}</p>", "utf-8")
    data = tmp_path / "deep.json"
    data.write_text('{"a": ' * 150 + "1" + "}" * 150, "utf-8")
    result = run("render", template, "--data", data, "--format", "html")
    assert (result.code, result.out) == (1, "")
    assert result.err == "error: " + DEEP.format("a.a.a.a….a.a (101 levels)") + "\n"
