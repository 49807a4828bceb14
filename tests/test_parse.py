"""parse.py: the portable subset becomes IR; everything else is a TemplateError with position."""

from __future__ import annotations

import pytest

from tmplkit import ir
from tmplkit.errors import TemplateError
from tmplkit.template.parse import parse


def p(*parts: str) -> ir.Path:
    return ir.Path(tuple(parts))


def test_outputs_filters_and_paths() -> None:
    body = parse('{{ user.first_name|default("there")|upper }} {{ items[0]["sku-id"] }}').body
    assert body == (
        ir.Output(
            ir.Value(p("user", "first_name"), (ir.Filter("default", "there"), ir.Filter("upper"))),
            ir.Pos(1, 1),
        ),
        ir.Text(" "),
        ir.Output(ir.Value(ir.Path(("items", 0, "sku-id"))), ir.Pos(1, 46)),
    )


def test_escape_alias_and_safe() -> None:
    body = parse("{{ a|e }}{{ b|safe }}").body
    assert [n.value.filters for n in body if isinstance(n, ir.Output)] == [
        (ir.Filter("escape"),),
        (ir.Filter("safe"),),
    ]
    assert [n.value.safe for n in body if isinstance(n, ir.Output)] == [False, True]


def test_conditions() -> None:
    (node,) = parse(
        '{% if a.b == "x" and not c %}1{% elif d != 2 or e %}2{% else %}3{% endif %}'
    ).body
    assert node == ir.If(
        branches=(
            (
                ir.And(ir.Compare(p("a", "b"), "==", "x"), ir.Not(ir.Truthy(p("c")))),
                (ir.Text("1"),),
            ),
            (ir.Or(ir.Compare(p("d"), "!=", 2), ir.Truthy(p("e"))), (ir.Text("2"),)),
        ),
        else_=(ir.Text("3"),),
        pos=ir.Pos(1, 1),
    )


def test_literal_on_the_left_is_normalized() -> None:
    (node,) = parse('{% if "pro" == user.plan %}x{% endif %}').body
    assert isinstance(node, ir.If)
    assert node.branches[0][0] == ir.Compare(p("user", "plan"), "==", "pro")


def test_loops_with_loop_variables_and_else() -> None:
    src = "{% for l in order.lines %}{{ loop.index }}{% if loop.last %}.{% endif %}{% else %}-{% endfor %}"
    (node,) = parse(src).body
    assert node == ir.For(
        target="l",
        iterable=p("order", "lines"),
        body=(
            ir.Output(ir.Value(ir.LoopVar("index")), ir.Pos(1, 27)),
            ir.If(((ir.Truthy(ir.LoopVar("last")), (ir.Text("."),)),), (), ir.Pos(1, 43)),
        ),
        else_=(ir.Text("-"),),
        pos=ir.Pos(1, 1),
    )


def test_trans_blocks_plurals_context_and_comments() -> None:
    src = (
        "{# Translators: greeting on top #}\n"
        "{% trans name=user.first_name %}\n   Hello {{ name }}!\n{% endtrans %}\n"
        "{% trans count=cart.n %}{{ count }} item{% pluralize %}{{ count }} items{% endtrans %}\n"
        '{% trans "button" %}Save 50% off{% endtrans %}\n'
        '{{ _("Shop now") }}{{ _("Hi %(n)s", n=user.name) }}'
    )
    nodes = [n for n in parse(src, "mail.html.j2").body if isinstance(n, ir.Trans)]
    assert nodes == [
        ir.Trans(
            "Hello %(name)s!",
            bindings=(("name", ir.Value(p("user", "first_name"))),),
            comment="greeting on top",
            pos=ir.Pos(2, 1),
        ),
        ir.Trans(
            "%(count)s item",
            plural="%(count)s items",
            bindings=(("count", ir.Value(p("cart", "n"))),),
            count="count",
            pos=ir.Pos(5, 1),
        ),
        ir.Trans("Save 50% off", context="button", pos=ir.Pos(6, 1)),
        ir.Trans("Shop now", pos=ir.Pos(7, 1)),
        ir.Trans("Hi %(n)s", bindings=(("n", ir.Value(p("user", "name"))),), pos=ir.Pos(7, 20)),
    ]


def test_literal_percent_with_placeholders_stays_escaped() -> None:
    (node,) = parse("{% trans n=x %}{{ n }}: 50% off{% endtrans %}").body
    assert isinstance(node, ir.Trans)
    assert node.msgid == "%(n)s: 50%% off"


def test_include_raw_and_comments() -> None:
    body = parse('{# note #}{% include "blocks/footer" %}{% raw %}{{ x }}{% endraw %}').body
    assert body == (ir.BlockRef("footer", ir.Pos(1, 11)), ir.Text("{{ x }}"))


# Each non-portable construct: (source, line, col, message start).
NON_PORTABLE = [
    ("{% set x = 1 %}", 1, 4, "{% set %} is not portable"),
    ("ab\n  {{ a|round }}", 2, 7, "filter 'round' is not portable"),
    ("<p>\n{{ a + b }}</p>", 2, 6, "arithmetic (+) is not portable"),
    ("{{ price * 2 }}", 1, 10, "arithmetic (*) is not portable"),
    ("x {{ f(x) }}", 1, 6, "calling f() is not portable"),
    ("{{ user.name.upper() }}", 1, 14, "calling upper() is not portable"),
    ("{% macro m() %}{% endmacro %}", 1, 4, "{% macro %} is not portable"),
    ('\n\n{% extends "base.html" %}', 3, 1, "only layouts can be extended, by a literal name"),
    ("{% if a is defined %}{% endif %}", 1, 9, "the test 'is defined' is not portable"),
    ("{% if a > 3 %}{% endif %}", 1, 9, "the comparison '>' is not portable"),
    ("{% if a == b %}{% endif %}", 1, 9, "'==' must compare a value with a string or number"),
    ("{{ loop.index }}", 1, 4, "`loop` is used outside a for loop"),
    ("{% for x in y %}{{ loop.revindex }}{% endfor %}", 1, 20, "`loop.revindex` is not portable"),
    ("{% for a, b in c %}{% endfor %}", 1, 4, "unpacking in a for loop is not portable"),
    ("{% for x in y if x %}{% endfor %}", 1, 15, "a loop filter (for … if …) is not portable"),
    ("{{ a ~ b }}", 1, 6, "string concatenation (~) is not portable"),
    ('{% include "x.html" %}', 1, 1, "only blocks can be included"),
    ("{{ a }} {{ b|truncate(3) }}", 1, 13, "filter 'truncate' is not portable"),
    ("{{ a if b else c }}", 1, 6, "inline if-expression is not portable"),
    ("{% if a|length %}{% endif %}", 1, 8, "filter 'length' is not portable"),
    ("{{ x[y] }}", 1, 5, "an index that is not a literal is not portable"),
    ("{% with a = 1 %}{% endwith %}", 1, 4, "{% with %} is not portable"),
    ("{% filter upper %}x{% endfilter %}", 1, 4, "{% filter %} is not portable"),
    ("{% foo %}", 1, 4, "syntax error: Encountered unknown tag 'foo'."),
    ("{% trans %}{{ a.b }}{% endtrans %}", 1, 21, "syntax error: expected token"),
    ('{{ _("50% %(a)s", a=b) }}', 1, 1, "invalid % in '50% %(a)s'"),
    ('{{ _("x %(a)s") }}', 1, 1, "placeholder %(a)s has no value"),
    ('{{ "<b>" }}', 1, 1, "a string literal with HTML characters is not portable"),
    (
        "{% for x in y %}{% break %}{% endfor %}",
        1,
        20,
        "syntax error: Encountered unknown tag 'break'",
    ),
]


@pytest.mark.parametrize(("source", "line", "col", "message"), NON_PORTABLE)
def test_non_portable_constructs(source: str, line: int, col: int, message: str) -> None:
    with pytest.raises(TemplateError) as info:
        parse(source, "mail.html.j2")
    err = info.value
    assert (err.file, err.line, err.col) == ("mail.html.j2", line, col)
    assert err.message.startswith(message)
    assert str(err).startswith(f"mail.html.j2:{line}:{col}: {message}")


def test_errors_carry_a_hint_with_the_portable_way() -> None:
    with pytest.raises(TemplateError) as info:
        parse("{% set total = a %}", "t.j2")
    assert str(info.value) == (
        "t.j2:1:4: {% set %} is not portable "
        "(hint: compute the value in your recipient data instead)"
    )
    assert info.value.construct == "{% set %}"


def test_variable_inside_trans_gets_a_binding_hint() -> None:
    with pytest.raises(TemplateError) as info:
        parse("<p>\n{% trans %}Hi {{ user.name }}{% endtrans %}</p>", "t.j2")
    assert info.value.hint == (
        "inside {% trans %} write only {{ name }} and bind it in the tag: "
        "{% trans name=user.first_name %}"
    )


def test_columns_count_from_the_tag_on_the_right_line() -> None:
    src = "line one\n  <p>{{ ok }}</p>  <p>{{ bad|wordcount }}</p>\n"
    with pytest.raises(TemplateError) as info:
        parse(src, "t.j2")
    assert (info.value.line, info.value.col) == (2, 29)


def test_trans_after_else_keeps_its_position_and_comment() -> None:
    src = (
        "{% if a %}{% trans %}A{% endtrans %}{% else %}\n"
        "{# Translators: the B case #}\n"
        "  {% trans %}B{% endtrans %}{% endif %}{{ _('C') }}"
    )
    (node, c) = parse(src).body
    assert isinstance(node, ir.If)
    (a,) = node.branches[0][1]
    b = next(n for n in node.else_ if isinstance(n, ir.Trans))
    assert (a.msgid, a.pos, a.comment) == ("A", ir.Pos(1, 11), None)
    assert (b.msgid, b.pos, b.comment) == ("B", ir.Pos(3, 3), "the B case")
    assert isinstance(c, ir.Trans) and (c.msgid, c.pos) == ("C", ir.Pos(3, 40))


def test_translator_comment_goes_to_the_next_translation_only() -> None:
    src = (
        "{# Translators: heading #}\n<h1 class='x'>{% trans %}Title{% endtrans %}</h1>\n"
        "<p>{% trans %}Body{% endtrans %}</p>{# Translators: ignored, nothing follows #}"
    )
    nodes = [n for n in parse(src).body if isinstance(n, ir.Trans)]
    assert [(n.msgid, n.comment) for n in nodes] == [("Title", "heading"), ("Body", None)]


def test_string_literals_hold_characters_not_utf16_halves() -> None:
    # Jinja reads "\ud83d\ude00" as two UTF-16 halves, which no file, catalog or message can
    # hold (render and i18n extract gave UnicodeEncodeError tracebacks): a pair is the
    # character, a lone half one error line.
    tree = parse('{{ _("ok \\ud83d\\ude00") }}{{ x|default("\\uD83D\\uDE00") }}', "t.j2")
    trans, output = tree.body
    assert isinstance(trans, ir.Trans) and trans.msgid == "ok 😀"
    assert isinstance(output, ir.Output) and output.value.filters == (ir.Filter("default", "😀"),)
    with pytest.raises(TemplateError) as caught:
        parse('<p>{{ _("x") }} {{ _("half \\udc00") }}</p>', "t.j2")
    assert str(caught.value) == (
        "t.j2:1:28: the string literal holds \\udc00, half of a UTF-16 pair, alone "
        "(hint: write the character itself (or \\U0001f600 for one beyond \\uffff))"
    )


# --- issue 13, item 7: three {% trans %}/_() bugs found with Jinja's own i18n tests -------------


def test_a_call_in_a_trans_binding_is_the_one_line_error_of_gettext() -> None:
    hint = "(hint: templates cannot call code; put the value in your recipient data)"
    with pytest.raises(TemplateError) as trans:
        parse("{% trans x=f() %}{{ x }}{% endtrans %}")
    assert str(trans.value) == f"<template>:1:12: calling f() is not portable {hint}"
    with pytest.raises(TemplateError) as gettext:
        parse('{{ _("%(x)s", x=f()) }}')
    assert str(gettext.value) == f"<template>:1:17: calling f() is not portable {hint}"


def test_a_trans_binding_named_num_is_the_plural_count() -> None:
    (node,) = parse(
        "{% trans num=n %}{{ num }} apple{% pluralize %}{{ num }} apples{% endtrans %}"
    ).body
    assert node == ir.Trans(
        "%(num)s apple",
        plural="%(num)s apples",
        bindings=(("num", ir.Value(p("n"))),),
        count="num",
        pos=ir.Pos(1, 1),
    )


def test_a_literal_percent_before_a_name_in_parentheses_is_valid_python_format() -> None:
    (node,) = parse('{{ _("%(v)s is 100%%(v)s", v=x) }}').body
    assert node == ir.Trans(
        "%(v)s is 100%%(v)s", bindings=(("v", ir.Value(p("x"))),), pos=ir.Pos(1, 1)
    )
