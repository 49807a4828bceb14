"""The ampscript target with the template's types: plain attributes and JSON lists
(`sendable_row`), the exact text of each typed construct, and renders through the model of
test_ampscript.py equal to the reference for data of those types."""

from __future__ import annotations

from typing import Any

import pytest

from tests.differential.corpus import Source
from tests.differential.harness import reference
from tests.differential.test_ampscript import BOTH_PRECEDENCES, ESC, Model, precedence_dependent
from tests.differential.test_handlebars import (
    TYPED_CHAIN,
    TYPED_DECLARATIONS,
    TYPED_SOURCE,
    typed_datasets,
)
from tests.differential.test_url_safety import OWASP, SAFE
from tmplkit import CompileError, compile_string
from tmplkit.targets.ampscript import sendable_row
from tmplkit.urls import INERT_URL

PATTERN = (
    '"(?i)^[\\x00-\\x20]*(?!(?:http|https|mailto|sms|tel):|data:image/(?:png|gif|jpg|jpeg|webp'
    '|bmp|avif);base64,)[a-z][a-z0-9+.\\t\\n\\r-]*:"'
)


def amp(source: str, declare: dict[str, Any], html: bool = True) -> str:
    return compile_string(source, "ampscript", html=html, declare=declare)


def test_the_sender_s_row_is_plain_attributes_and_json_lists() -> None:
    data = {
        "user": {"first_name": "Zoë", "vip": True, "points": 3.0, "nick": None},
        "order": {"lines": [{"name": "Mug", "qty": 2.0}, {"name": "Pen"}], "tags": []},
    }
    assert sendable_row(data) == {
        "user_first_name": "Zoë",
        "user_vip": "true",
        "user_points": "3",
        "order_lines": '[{"name": "Mug", "qty": 2.0}, {"name": "Pen"}]',
        "order_tags": "[]",
    }


# --- the text of each typed construct ------------------------------------------------------


def test_values_print_as_attributes() -> None:
    declare = {"s": "string", "n": "number", "b": "boolean"}
    assert amp("<p>{{ s }} {{ n }} {{ b }}</p>", declare) == (
        "<p>%%=" + ESC.format('AttributeValue("s")') + '=%% %%=AttributeValue("n")=%% '
        '%%=Lowercase(AttributeValue("b"))=%%</p>'
    )
    # in a text part, and with |safe, a string is the attribute itself
    assert amp("{{ s }}", declare, html=False) == '%%=AttributeValue("s")=%%'
    assert amp("{{ s|safe }}", declare) == '%%=AttributeValue("s")=%%'
    # default: IIF(Empty(…)), left out where the value is always there
    assert amp('{{ s|default("you") }}', declare, html=False) == (
        '%%=IIF(Empty(AttributeValue("s")), "you", AttributeValue("s"))=%%'
    )
    required = {"s": {"type": "string", "required": True}}
    assert amp('{{ s|default("you") }}', required, html=False) == '%%=AttributeValue("s")=%%'


def test_conditions_test_each_type_as_ampscript_does() -> None:
    declare = {"s": "string", "n": "number", "b": "boolean", "l": "list"}
    assert amp("{% if b %}B{% elif not s %}S{% elif n %}N{% endif %}", declare) == (
        '%%[ IF AttributeValue("b") == "true" THEN ]%%B'
        '%%[ ELSEIF Empty(AttributeValue("s")) THEN ]%%S'
        '%%[ ELSEIF (NOT Empty(AttributeValue("n"))) AND AttributeValue("n") != 0 THEN ]%%N'
        "%%[ ENDIF ]%%"
    )
    assert amp('{% if s == "pro" and n == 2 %}x{% endif %}', declare) == (
        '%%[ IF (NOT Empty(RegExMatch(AttributeValue("s"), "^pro\\z", 0))) AND '
        '(AttributeValue("n") == 2) THEN ]%%x%%[ ENDIF ]%%'
    )
    assert amp('{% if s != "pro" %}x{% endif %}{% if not b %}y{% endif %}', declare) == (
        '%%[ IF Empty(RegExMatch(AttributeValue("s"), "^pro\\z", 0)) THEN ]%%x%%[ ENDIF ]%%'
        '%%[ IF AttributeValue("b") != "true" THEN ]%%y%%[ ENDIF ]%%'
    )
    assert amp("{% if l %}x{% endif %}", {"l": {"type": "list", "required": True}}) == (
        '%%[ IF RowCount(BuildRowsetFromJSON(AttributeValue("l"), "$[*]", 1)) > 0 THEN ]%%'
        "x%%[ ENDIF ]%%"
    )
    # A missing number is "", which AMPscript compares with a number as 0 (ampscript-core's
    # SageValue.TryCompareNumbers): a comparison with 0 tells it apart first; a required one
    # and another number need not.
    assert amp("{% if n == 0 %}x{% endif %}{% if n != 0.0 %}y{% endif %}", declare) == (
        '%%[ SET @n = AttributeValue("n") ]%%%%[ IF (NOT Empty(@n)) AND @n == 0 THEN ]%%x'
        "%%[ ENDIF ]%%%%[ IF Empty(@n) OR @n != 0 THEN ]%%y%%[ ENDIF ]%%"
    )
    required = {"n": {"type": "number", "required": True}}
    assert amp("{% if n == 0 %}x{% endif %}{% if n == 3 %}y{% endif %}", required) == (
        '%%[ IF AttributeValue("n") == 0 THEN ]%%x%%[ ENDIF ]%%'
        '%%[ IF AttributeValue("n") == 3 THEN ]%%y%%[ ENDIF ]%%'
    )
    # a number never equals a string, a boolean equals 1 or 0
    assert amp('{% if n == "2" %}x{% endif %}{% if b == 1 %}y{% endif %}', declare) == (
        '%%[ IF 1 == 0 THEN ]%%x%%[ ENDIF ]%%%%[ IF AttributeValue("b") == "true" THEN ]%%y'
        "%%[ ENDIF ]%%"
    )


def test_loops_read_a_json_list() -> None:
    source = "{% for l in lines %}{{ l.name }}{% else %}none{% endfor %}"
    declare = {"lines": "list", "lines[].name": {"type": "string", "required": True}}
    assert amp(source, declare, html=False) == (
        '%%[ SET @tk_rows1 = BuildRowsetFromJSON(IIF(Empty(AttributeValue("lines")), "[]", '
        'AttributeValue("lines")), "$[*]", 1) IF RowCount(@tk_rows1) > 0 THEN '
        "FOR @tk_i1 = 1 TO RowCount(@tk_rows1) DO SET @l = Row(@tk_rows1, @tk_i1) ]%%"
        '%%=Field(@l, "name")=%%%%[ NEXT @tk_i1 ELSE ]%%none%%[ ENDIF ]%%'
    )
    # a list of strings: the column Value; a field an item may lack: Field(…, false)
    out = amp("{% for t in tags %}{{ t }}{% endfor %}", {"tags": "list"}, html=False)
    assert '%%=Field(@t, "Value")=%%' in out  # items printed are required
    declare = {"ls": "list", "ls[].x": {"type": "string", "required": False}}
    out = amp("{% for l in ls %}{{ l.x }}{% endfor %}", declare, html=False)
    assert '%%=Field(@l, "x", false)=%%' in out
    # a list the data always has needs no "[]" for when it is missing
    out = amp("{% for t in tags %}{% endfor %}", {"tags": {"type": "list", "required": True}})
    assert 'BuildRowsetFromJSON(AttributeValue("tags"), "$[*]", 1)' in out


def test_a_value_printed_twice_is_set_once() -> None:
    declare = {"url": {"type": "string", "required": True}, "n": "number"}
    source = '<a href="{{ url }}">{{ url }}</a><a href="{{ url }}">x</a>{{ n }}{{ n }}{{ n }}'
    assert amp(source, declare) == (
        '%%[ SET @n = AttributeValue("n") SET @url = '
        + ESC.format('AttributeValue("url")')
        + " SET @url_link = IIF(Empty(RegExMatch(@url, "
        + PATTERN
        + f', 0)), @url, "{INERT_URL}") ]%%'
        '<a href="%%=v(@url_link)=%%">%%=v(@url)=%%</a><a href="%%=v(@url_link)=%%">x</a>'
        "%%=v(@n)=%%%%=v(@n)=%%%%=v(@n)=%%"
    )


def test_a_plural_counts_with_the_number_s_digits() -> None:
    source = "{% trans count=n %}{{ count }} file{% pluralize %}{{ count }} files{% endtrans %}"
    out = amp(source, {"n": "number"}, html=False)
    assert out == (
        '%%[ SET @n = AttributeValue("n") ]%%'
        '%%[ IF Empty(RegExMatch(@n, "^[0-9]+\\z", 0)) THEN ]%%%%=v(@n)=%% files'
        "%%[ ELSEIF @n != 1 THEN ]%%%%=v(@n)=%% files%%[ ELSE ]%%%%=v(@n)=%% file%%[ ENDIF ]%%"
    )
    declare = {"n": {"type": "integer", "required": True}}
    assert "IF @n < 0 THEN" in amp(source, declare, html=False)


@pytest.mark.parametrize(
    ("source", "declare", "message"),
    [
        (
            "<p>{{ user }}{{ user.name }}</p>",
            {"user": "object"},
            "t.html:1:4: the ampscript target cannot express a print of user (type object)"
            " (hint: print one of its fields, or loop over it)",
        ),
        (
            "{% if flag %}x{% endif %}",
            {},
            "t.html:1:1: the ampscript target cannot express a test of flag (type any) (hint:"
            ' declare its type in template.toml\'s [variables] ("PATH" = "string", "number" or'
            ' "boolean"))',
        ),
        (
            "{% for l in lines %}{{ l.product.name }}{% endfor %}",
            {},
            "t.html:1:21: the ampscript target cannot express l.product.name (BuildRowsetFromJSON"
            " reads one level of fields in a list's items) (hint: give each item the field"
            " itself (a flat object: product_name))",
        ),
        (
            "{% for l in lines %}{% for o in l.options %}{{ o }}{% endfor %}{% endfor %}",
            {},
            "t.html:1:21: the ampscript target cannot express a loop over l.options"
            " (BuildRowsetFromJSON shows a list in a list's item as the text JSON Object Array)"
            " (hint: loop over a list of the data itself, not of a list's item)",
        ),
    ],
)
def test_what_plain_attributes_cannot_say_is_refused_in_one_line(
    source: str, declare: dict[str, Any], message: str
) -> None:
    with pytest.raises(CompileError) as info:
        compile_string(source, "ampscript", file="t.html", declare=declare)
    assert str(info.value) == message


# --- renders through the model --------------------------------------------------------------


@BOTH_PRECEDENCES
def test_a_typed_template_renders_like_the_reference_through_the_model(
    not_binds_loosely: bool,
) -> None:
    sources = [
        Source("typed", TYPED_SOURCE),
        Source("typed_text", TYPED_SOURCE, html=False),
        Source("typed_chain", TYPED_CHAIN),
    ]
    datasets = typed_datasets()
    mismatches = []
    for source in sources:
        compiled = amp(source.template, TYPED_DECLARATIONS, html=source.html)
        assert "__" not in compiled  # no companion attribute
        for n, data in enumerate(datasets):
            got = Model(sendable_row(data), not_binds_loosely=not_binds_loosely).run(compiled)
            expected = reference(source, data)
            if got != expected:
                mismatches.append(f"{source.name} × {n}: {expected!r} != {got!r}")
    assert mismatches == [], "\n".join(mismatches[:5])


def test_no_typed_condition_depends_on_not_s_precedence() -> None:
    """A number's truthiness is `(NOT Empty(n)) AND n != 0`: ampscript-core reads NOT A AND B as
    NOT (A AND B), the model of test_ampscript.py by default as (NOT A) AND B."""
    compiled = [
        amp(TYPED_SOURCE, TYPED_DECLARATIONS),
        amp(TYPED_SOURCE, TYPED_DECLARATIONS, html=False),
        amp(TYPED_CHAIN, TYPED_DECLARATIONS),
    ]
    assert [text for source in compiled for text in precedence_dependent(source)] == []


def test_booleans_from_a_boolean_column_print_and_test_as_json_s() -> None:
    # a Boolean data extension column reads as True/False: == "true" ignores case, and the
    # printed value is lower-cased
    compiled = amp("{{ b }}{% if b %}!{% endif %}{% if not b %}?{% endif %}", {"b": "boolean"})
    assert Model({"b": "True"}).run(compiled) == "true!"
    assert Model({"b": "False"}).run(compiled) == "false?"
    assert Model({}).run(compiled) == "?"


@pytest.mark.parametrize("raw", [False, True], ids=["escaped", "safe"])
def test_urls_from_typed_data_are_checked_as_in_the_reference(raw: bool) -> None:
    source = Source("href", '<a href="{{ u|safe }}">x</a>' if raw else '<a href="{{ u }}">x</a>')
    compiled = amp(source.template, {"u": {"type": "string", "required": True}})
    for value in [v for _, v, _ in OWASP] + SAFE:
        data = {"u": value}
        assert Model(sendable_row(data)).run(compiled) == reference(source, data), value


def test_a_tab_inside_an_allowed_scheme_makes_the_link_inert() -> None:
    # the documented difference: stricter than the reference, never looser
    source = Source("href", '<a href="{{ u }}">x</a>')
    compiled = amp(source.template, {"u": "string"})
    assert Model({"u": "ht\ttp://a.example"}).run(compiled) == f'<a href="{INERT_URL}">x</a>'
    assert reference(source, {"u": "ht\ttp://a.example"}) == '<a href="ht\ttp://a.example">x</a>'


def test_an_index_into_a_typed_list_is_refused_in_one_line() -> None:
    with pytest.raises(CompileError) as error:
        compile_string(
            "<p>{{ lines[0].name }}</p>",
            "ampscript",
            file="t.html",
            declare={"lines": "list", "lines[].name": "string"},
        )
    assert str(error.value) == (
        "t.html:1:4: the ampscript target cannot express lines[0].name (an index: the list is"
        " sent as its JSON text) (hint: send the value as a field of its own (lines_0_name), or"
        " loop over the list)"
    )
