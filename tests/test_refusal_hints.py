"""Each refusal the template parser gives names the construct at fault (the filter, the
argument, the keyword, the tag) at its file:line:col: one minimal template per message, and
the exact line a user reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tmplkit.errors import TemplateError
from tmplkit.store.records import gettext_keywords
from tmplkit.template import ir
from tmplkit.template.parse import parse

# (minimal template, the error exactly as the command line prints it after "error: ").
REFUSALS = [
    (
        "{% for x in 5 %}{% endfor %}",
        "t.html.j2:1:13: a loop must go over a list in the data, not the literal 5 (hint: loop "
        "over a list in your data: {% for line in order.lines %})",
    ),
    (
        '{{ x|default("\\ud83d") }}',
        "t.html.j2:1:15: the string literal holds \\ud83d, half of a UTF-16 pair, alone (hint: write the character itself (or \\U0001f600 for one beyond \\uffff))",
    ),
    (
        "{% foo %}",
        "t.html.j2:1:4: syntax error: Encountered unknown tag 'foo'. (hint: the portable tags are if/elif/else, for, trans/pluralize, include and raw)",
    ),
    (
        "{% trans %}{{ a.b }}{% endtrans %}",
        "t.html.j2:1:21: syntax error: expected token 'end of print statement', got '.' (hint: inside {% trans %} write only {{ name }} and bind it in the tag: {% trans name=user.first_name %})",
    ),
    ("{{ a b }}", "t.html.j2:1:1: syntax error: expected token 'end of print statement', got 'b'"),
    (
        "{% set x = 1 %}",
        "t.html.j2:1:4: {% set %} is not portable (hint: compute the value in your recipient data instead)",
    ),
    (
        "{% set x %}a{% endset %}",
        "t.html.j2:1:4: {% set %} is not portable (hint: compute the value in your recipient data instead)",
    ),
    (
        "{% macro m() %}{% endmacro %}",
        't.html.j2:1:4: {% macro %} is not portable (hint: put the shared markup in a block: {% include "blocks/NAME" %})',
    ),
    (
        "{% call m() %}{% endcall %}",
        't.html.j2:1:4: {% call %} is not portable (hint: put the shared markup in a block: {% include "blocks/NAME" %})',
    ),
    (
        '{% extends "base.html" %}',
        't.html.j2:1:1: only layouts can be extended, by a literal name (hint: write {% extends "layouts/base" %} for the layout with slug "base")',
    ),
    (
        "{% block body required %}{% endblock %}",
        "t.html.j2:1:15: {% block … required %} is not portable (hint: give the block a default content in the layout)",
    ),
    (
        '{% import "m.html" as m %}',
        't.html.j2:1:4: {% import %} is not portable (hint: use blocks: {% include "blocks/NAME" %})',
    ),
    (
        '{% from "m.html" import m %}',
        't.html.j2:1:4: {% from %} is not portable (hint: use blocks: {% include "blocks/NAME" %})',
    ),
    (
        "{% filter upper %}x{% endfilter %}",
        "t.html.j2:1:4: {% filter %} is not portable (hint: apply a portable filter to each output)",
    ),
    (
        "{% with a = 1 %}{% endwith %}",
        "t.html.j2:1:4: {% with %} is not portable (hint: refer to the data directly)",
    ),
    (
        "{% autoescape true %}x{% endautoescape %}",
        "t.html.j2:1:4: {% autoescape %} is not portable (hint: HTML parts escape every output: write |safe on an output to keep its HTML)",
    ),
    (
        '{{ "<b>" }}',
        "t.html.j2:1:1: a string literal with HTML characters is not portable (hint: write the text directly in the template)",
    ),
    (
        "{% for a, b in c %}{% endfor %}",
        "t.html.j2:1:4: unpacking in a for loop is not portable (hint: loop over a list of objects: {% for line in order.lines %})",
    ),
    (
        "{% for x in y recursive %}{% endfor %}",
        "t.html.j2:1:15: recursive loops are not portable (hint: flatten the data)",
    ),
    (
        "{% for x in y if x %}{% endfor %}",
        "t.html.j2:1:15: a loop filter (for … if …) is not portable (hint: wrap the loop body in {% if %}, or filter the list in your data)",
    ),
    (
        "{% for loop in y %}{% endfor %}",
        "t.html.j2:1:8: `loop` is reserved (hint: name the loop variable otherwise: {% for item in order.lines %})",
    ),
    (
        "{% for x in y %}{% for z in loop.index %}{% endfor %}{% endfor %}",
        "t.html.j2:1:17: a loop must go over a list in the data (hint: loop over a list in "
        "your data: {% for line in order.lines %})",
    ),
    (
        '{% include "footer.html" %}',
        't.html.j2:1:1: only blocks can be included, by a literal name (hint: write {% include "blocks/footer" %} for the block with slug "footer")',
    ),
    (
        '{% include "blocks/footer" ignore missing %}',
        't.html.j2:1:28: {% include … ignore missing %} is not portable (hint: a block must exist: create it and write {% include "blocks/footer" %})',
    ),
    (
        '{% include "blocks/footer" without context %}',
        't.html.j2:1:28: {% include … without context %} is not portable (hint: a block sees the template\'s data: write {% include "blocks/footer" %})',
    ),
    (
        "{{ _(*args) }}",
        't.html.j2:1:6: _() takes no *args or **kwargs (hint: pass each value by name: _("Hello %(name)s", name=user.name))',
    ),
    (
        "{{ _(x) }}",
        't.html.j2:1:1: _() needs a literal string as its argument 1 (hint: write _("Shop now"), and pass values by name)',
    ),
    (
        '{{ pgettext(x, "Shop now") }}',
        't.html.j2:1:1: pgettext() needs a literal context as its argument 1 (hint: write pgettext("button", "Shop now"), and pass values by name)',
    ),
    ("{{ _() }}", "t.html.j2:1:1: _() needs 1 string argument"),
    (
        '{{ ngettext("%(num)s item", "%(num)s items") }}',
        't.html.j2:1:1: ngettext() needs one count after its strings (hint: write ngettext("%(num)s item", "%(num)s items", order.item_count))',
    ),
    (
        '{{ _("Shop now", 3) }}',
        't.html.j2:1:1: _() takes only its strings and name=value pairs (hint: pass each value by name: _("Hello %(name)s", name=user.name))',
    ),
    (
        '{{ _("%(n)s items", n=3) }}',
        "t.html.j2:1:21: n=3 in _() is a literal, not a value from the data (hint: write the text in the string itself, or pass n= a value from your data)",
    ),
    (
        '{{ _("%(n)s items") }}',
        't.html.j2:1:1: placeholder %(n)s has no value (hint: pass it: _("…", n=…))',
    ),
    (
        "{% trans %}%(n)s items{% endtrans %}",
        "t.html.j2:1:1: placeholder %(n)s has no value (hint: pass it: {% trans n=… %})",
    ),
    (
        '{{ _("50% %(n)s", n=x) }}',
        "t.html.j2:1:1: invalid % in '50% %(n)s' (hint: write a literal percent sign as %% when the string has placeholders)",
    ),
    (
        '{{ _("%(n)s %(m)s", n=x) }}',
        't.html.j2:1:1: placeholder %(m)s has no value (hint: pass it: _("…", m=…))',
    ),
    (
        '{{ _("Read <a href=\\"%(link)s\\">the terms</a>", link=x)|safe }}',
        "t.html.j2:1:56: filter 'safe' on _() is not portable (hint: drop |safe: a translation's own HTML is kept as written and the values passed to it are escaped; to keep a value's HTML, write _(\"…\", link=x|safe))",
    ),
    (
        '{{ _("Shop now")|upper }}',
        "t.html.j2:1:17: filter 'upper' on _() is not portable (hint: filter the values passed to it instead: _(\"…\", name=user.name|upper), or translate the text as it should read)",
    ),
    (
        '{% if _("Shop now") %}x{% endif %}',
        't.html.j2:1:7: _() is portable only as an output of its own: {{ _("…") }} (hint: translate whole sentences, and test or loop over values from the data)',
    ),
    (
        '{{ _fsdomain("Please confirm your email") }}',
        't.html.j2:1:4: calling _fsdomain() is not portable (hint: to translate with _fsdomain(), add it to [i18n] keywords in tmplkit.toml: keywords = ["_fsdomain"])',
    ),
    (
        "{{ x.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a }}",
        "t.html.j2:1:1: the expression is nested 35 levels deep, more than the limit of 32 (hint: compute the value in your recipient data, or split the condition)",
    ),
    (
        '{{ d|format_date("long")|upper }}',
        "t.html.j2:1:25: 'upper' cannot follow format_date (hint: a format filter comes first, and only escape or safe may follow it)",
    ),
    (
        "{{ d|upper|format_date }}",
        "t.html.j2:1:11: format_date must be the first filter (hint: write {{ value|format_date(…) }}, then escape or safe if needed)",
    ),
    (
        "{{ d|format_date(*a) }}",
        't.html.j2:1:5: format_date() takes its arguments one by one (hint: write format_date("long"))',
    ),
    (
        '{{ d|format_date("long", "x") }}',
        't.html.j2:1:5: format_date() takes at most 1 argument (hint: write format_date("long"))',
    ),
    (
        '{{ d|format_date(locale="fr") }}',
        "t.html.j2:1:5: format_date() takes no locale: values are formatted in the recipient's (hint: render or compile with --locale fr-FR)",
    ),
    (
        '{{ d|format_date(tz="UTC") }}',
        "t.html.j2:1:5: format_date(): 'tz' is not one of its arguments (hint: its arguments: format)",
    ),
    (
        '{{ d|format_datetime("short", format="long") }}',
        "t.html.j2:1:5: format_datetime(): 'format' is given twice (hint: its arguments: format, tz)",
    ),
    (
        "{{ d|format_date(x) }}",
        't.html.j2:1:5: format_date(): format must be a literal string (hint: write format_date("long"))',
    ),
    (
        '{{ d|format_date("qqqqqq") }}',
        't.html.j2:1:5: format_date(): "qqqqqq" is not a date format: \'qqqqqq\' is not a CLDR date field (q takes 1, 2, 3, 4 or 5 letters) (hint: write short, medium, long, full or a CLDR pattern such as "d MMMM y")',
    ),
    (
        '{{ d|format_datetime("short", tz="Mars/Olympus") }}',
        't.html.j2:1:5: format_datetime(): unknown time zone "Mars/Olympus" (hint: write an IANA time zone such as "Europe/Paris", or leave tz out to show the time as written)',
    ),
    (
        "{{ n|format_currency }}",
        't.html.j2:1:5: format_currency() needs a currency (hint: write format_currency("EUR") or format_currency(order.currency))',
    ),
    (
        '{{ n|format_currency("EURO") }}',
        't.html.j2:1:5: format_currency(): "EURO" is not an ISO 4217 currency code (hint: write format_currency("EUR") or format_currency(order.currency))',
    ),
    (
        "{{ n|format_currency(1) }}",
        't.html.j2:1:5: format_currency(): the currency must be a code or a path in the data (hint: write format_currency("EUR") or format_currency(order.currency))',
    ),
    ("{{ n|format_currency(loop.index) }}", "t.html.j2:1:22: `loop` is used outside a for loop"),
    (
        "{{ a|round }}",
        "t.html.j2:1:5: filter 'round' is not portable (hint: the portable filters are default(\"x\"), upper, lower, safe, escape, format_date, format_datetime, format_time, format_number, format_decimal, format_percent and format_currency; compute other values in your data)",
    ),
    ("{{ a|upper(b=1) }}", "t.html.j2:1:5: filter 'upper' takes no keyword arguments here"),
    (
        "{{ a|default(b) }}",
        't.html.j2:1:5: default() takes one literal string (hint: write default("there"))',
    ),
    ("{{ a|upper(1) }}", "t.html.j2:1:5: filter 'upper' takes no arguments"),
    (
        "{{ x[y] }}",
        't.html.j2:1:5: an index that is not a literal is not portable (hint: use a literal index or key: items[0], user["first-name"])',
    ),
    (
        "{{ self.x }}",
        "t.html.j2:1:4: `self` is a reserved name in templates (hint: rename that key in your data)",
    ),
    ("{{ loop.index }}", "t.html.j2:1:4: `loop` is used outside a for loop"),
    (
        "{% for x in y %}{{ loop.revindex }}{% endfor %}",
        "t.html.j2:1:20: `loop.revindex` is not portable (hint: use loop.index, loop.index0, loop.first or loop.last)",
    ),
    (
        "{% if a|upper %}x{% endif %}",
        "t.html.j2:1:8: filters are not portable in conditions (hint: test the value itself: {% if user.name %})",
    ),
    (
        "{% if a == b == c %}x{% endif %}",
        "t.html.j2:1:9: chained comparisons are not portable (hint: combine comparisons with and)",
    ),
    (
        "{% if a > 3 %}x{% endif %}",
        "t.html.j2:1:9: the comparison '>' is not portable (hint: compare with == or != against a literal, or compute a flag in your data)",
    ),
    (
        "{% if a == b %}x{% endif %}",
        "t.html.j2:1:9: '==' must compare a value with a string or number literal (hint: write {% if order.shipping == \"express\" %}, or {% if not x %} for empty)",
    ),
    (
        "{% if a == 1e999 %}x{% endif %}",
        "t.html.j2:1:9: the number inf is not portable (hint: compare with a finite number)",
    ),
    (
        "{{ f(x) }}",
        "t.html.j2:1:4: calling f() is not portable (hint: templates cannot call code; put the value in your recipient data)",
    ),
    (
        "{{ x is defined }}",
        "t.html.j2:1:6: the test 'is defined' is not portable (hint: test truthiness with {% if x %} / {% if not x %}, or compare with ==)",
    ),
    (
        "{% for x in y|upper %}{% endfor %}",
        "t.html.j2:1:14: filters are only portable on outputs and trans bindings (hint: loop over the list itself, and filter each output inside the loop)",
    ),
    (
        '{{ x == "a" }}',
        "t.html.j2:1:6: a comparison is only portable in {% if %} (hint: use {% if … %} around the text)",
    ),
    (
        '{{ "abc"|upper }}',
        "t.html.j2:1:4: a literal is not a value from the data (hint: write the text itself in the template, or put the value in your data)",
    ),
    (
        "{{ a + b }}",
        "t.html.j2:1:6: arithmetic (+) is not portable (hint: compute the value in your recipient data, or compare with == / != against a literal)",
    ),
    (
        "{{ a ~ b }}",
        "t.html.j2:1:6: string concatenation (~) is not portable (hint: compute the value in your recipient data, or compare with == / != against a literal)",
    ),
    (
        "{{ a if b else c }}",
        "t.html.j2:1:6: inline if-expression is not portable (hint: compute the value in your recipient data, or compare with == / != against a literal)",
    ),
    (
        "{{ [a] }}",
        "t.html.j2:1:4: a list literal is not portable (hint: compute the value in your recipient data, or compare with == / != against a literal)",
    ),
    (
        "{{ (a, b) }}",
        "t.html.j2:1:4: a tuple is not portable (hint: compute the value in your recipient data, or compare with == / != against a literal)",
    ),
    (
        '{{ {"a": b} }}',
        "t.html.j2:1:4: a dict literal is not portable (hint: compute the value in your recipient data, or compare with == / != against a literal)",
    ),
    (
        "{{ x[1:2] }}",
        "t.html.j2:1:7: a slice is not portable (hint: compute the value in your recipient data, or compare with == / != against a literal)",
    ),
    (
        "{{ -a }}",
        "t.html.j2:1:4: arithmetic (unary -) is not portable (hint: compute the value in your recipient data, or compare with == / != against a literal)",
    ),
    (
        "{{ +a }}",
        "t.html.j2:1:4: arithmetic (unary +) is not portable (hint: compute the value in your recipient data, or compare with == / != against a literal)",
    ),
    (
        "{{ a - b }}",
        "t.html.j2:1:6: arithmetic (-) is not portable (hint: compute the value in your recipient data, or compare with == / != against a literal)",
    ),
    (
        "{{ a / b }}",
        "t.html.j2:1:6: arithmetic (/) is not portable (hint: compute the value in your recipient data, or compare with == / != against a literal)",
    ),
    (
        "{{ a // b }}",
        "t.html.j2:1:6: arithmetic (//) is not portable (hint: compute the value in your recipient data, or compare with == / != against a literal)",
    ),
    (
        "{{ a % b }}",
        "t.html.j2:1:6: arithmetic (%) is not portable (hint: compute the value in your recipient data, or compare with == / != against a literal)",
    ),
    (
        "{{ a ** b }}",
        "t.html.j2:1:6: arithmetic (**) is not portable (hint: compute the value in your recipient data, or compare with == / != against a literal)",
    ),
    (
        "{{ a * b }}",
        "t.html.j2:1:6: arithmetic (*) is not portable (hint: compute the value in your recipient data, or compare with == / != against a literal)",
    ),
    (
        '{{ _("a %(b)s", b=_("c")) }}',
        't.html.j2:1:4: _() is portable only as an output of its own: {{ _("…") }} (hint: translate whole sentences, and test or loop over values from the data)',
    ),
    (
        '{% trans n=_("x") %}{{ n }} item{% pluralize %}{{ n }} items{% endtrans %}',
        't.html.j2:1:12: _() is portable only as an output of its own: {{ _("…") }} (hint: translate whole sentences, and test or loop over values from the data)',
    ),
    (
        "{% if a|round %}x{% endif %}",
        "t.html.j2:1:8: filter 'round' is not portable (hint: the portable filters are default(\"x\"), upper, lower, safe, escape, format_date, format_datetime, format_time, format_number, format_decimal, format_percent and format_currency; compute other values in your data)",
    ),
]


@pytest.mark.parametrize(("source", "error"), REFUSALS)
def test_each_refusal_names_what_is_at_fault(source: str, error: str) -> None:
    with pytest.raises(TemplateError) as info:
        parse(source, "t.html.j2")
    assert str(info.value) == error


def test_the_safe_filter_on_a_translation_is_refused_as_the_filter(
    tmp_path: Path, run: Any
) -> None:
    """The issue's case: `_()` is portable, only the `|safe` after it is refused."""
    (tmp_path / "terms.html.j2").write_text(
        '<p>{{ _("Read <a href=\\"%(link)s\\">the terms</a>", link=terms_url)|safe }}</p>\n',
        "utf-8",
    )
    result = run("render", "terms.html.j2", cwd=tmp_path)
    assert (result.code, result.out) == (1, "")
    assert result.err == (
        "error: terms.html.j2:1:67: filter 'safe' on _() is not portable (hint: drop |safe: "
        "a translation's own HTML is kept as written and the values passed to it are escaped; "
        'to keep a value\'s HTML, write _("…", link=x|safe))\n'
    )


def test_a_keyword_called_with_a_number_of_arguments_it_has_no_spec_for() -> None:
    with pytest.raises(TemplateError) as info:
        parse('{{ _fs("a", "b") }}', "t.html.j2", gettext_keywords(["_fs:1,3t", "_fs:2,4t"]))
    assert str(info.value) == (
        "t.html.j2:1:4: _fs() with 2 arguments is none of its [i18n] keywords "
        "(hint: tmplkit.toml gives _fs() 3, 4 arguments (pybabel's Nt))"
    )


def test_a_configured_keyword_names_itself_in_its_refusals() -> None:
    keywords = gettext_keywords(["_fsdomain", "nfs:1,2"])
    for source, error in [
        (
            '{{ _fsdomain("Hi")|upper }}',
            "t.html.j2:1:19: filter 'upper' on _fsdomain() is not portable (hint: filter the "
            'values passed to it instead: _fsdomain("…", name=user.name|upper), or translate '
            "the text as it should read)",
        ),
        (
            '{{ nfs("%(num)s item", "%(num)s items") }}',
            "t.html.j2:1:1: nfs() needs one count after its strings "
            '(hint: write nfs("%(num)s item", "%(num)s items", order.item_count))',
        ),
        (
            '{{ _fsdomain("Hi %(name)s") }}',
            "t.html.j2:1:1: placeholder %(name)s has no value "
            '(hint: pass it: _fsdomain("…", name=…))',
        ),
    ]:
        with pytest.raises(TemplateError) as info:
            parse(source, "t.html.j2", keywords)
        assert str(info.value) == error


def test_the_nesting_limits_name_the_construct_too_deep() -> None:
    deep_if = "{% if a %}" * (ir.MAX_DEPTH + 1) + "{% endif %}" * (ir.MAX_DEPTH + 1)
    loops = "{% for x in y %}" * (ir.MAX_LOOPS + 1) + "{% endfor %}" * (ir.MAX_LOOPS + 1)
    parens = "{{ " + "(" * (ir.MAX_EXPRESSION_DEPTH + 1) + "a" + ")" * 33 + " }}"
    translations = "{% if a %}" * ir.MAX_DEPTH + '{{ _fs("x") }}' + "{% endif %}" * ir.MAX_DEPTH
    for source, error in [
        (
            deep_if,
            f"t.html.j2:1:{10 * ir.MAX_DEPTH + 1}: {{% if %}} is nested 65 levels deep, more "
            "than the limit of 64 (hint: combine conditions with and or elif, or include "
            "fewer blocks inside others)",
        ),
        (
            loops,
            f"t.html.j2:1:{16 * ir.MAX_LOOPS + 1}: {{% for %}} is nested 17 loops deep, more "
            "than the limit of 16 (hint: flatten the data so that fewer loops nest)",
        ),
        (
            parens,
            "t.html.j2:1:1: the expression is nested 33 levels deep, more than the limit of 32 "
            "(hint: compute the value in your recipient data, or split the condition)",
        ),
        (
            translations,
            f"t.html.j2:1:{10 * ir.MAX_DEPTH + 1}: {{{{ _fs() }}}} is nested 65 levels deep, "
            "more than the limit of 64 (hint: combine conditions with and or elif, or include "
            "fewer blocks inside others)",
        ),
    ]:
        with pytest.raises(TemplateError) as info:
            parse(source, "t.html.j2", gettext_keywords(["_fs"]))
        assert str(info.value) == error
