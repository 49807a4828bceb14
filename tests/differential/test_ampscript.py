"""The ampscript target: golden files, the data convention, and a model run of the corpus.

No open AMPscript engine exists, so the emitted text of every corpus source is locked by a golden
file (tests/differential/golden/ampscript/<name>.amp, compared byte for byte; regenerate with
TMPLKIT_UPDATE_GOLDEN=1). To show that the locked text means what the reference renders, a small
model of the AMPscript subset the emitter uses (below, `run_ampscript`) renders every golden file
with `attributes(data)` for every data set; its function semantics follow Salesforce's
documentation and SalesforceLabs/ampscript-core (comparisons ignore case and accents; number-like
strings compare as numbers).
"""

from __future__ import annotations

import json
import math
import os
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.differential.corpus import DATASETS, SOURCES, Source
from tests.differential.format_corpus import FORMAT_SOURCES, LOCALES
from tests.differential.harness import reference
from tmplkit import CompileError, RenderError, compile_parts, compile_string, ir, open_project
from tmplkit.i18n.locales import plural_rule
from tmplkit.i18n.plural import select_form
from tmplkit.targets import get_emitter
from tmplkit.targets.ampscript import AmpscriptEmitter, attributes, regex_literal, sendable_row
from tmplkit.targets.ampscript_formats import amp_string
from tmplkit.targets.jinja import environment, print_value
from tmplkit.template.parse import parse
from tmplkit.variables import declare as declare_types
from tmplkit.variables import infer

GOLDEN = Path(__file__).resolve().parent / "golden" / "ampscript"
SAMPLE = Path(__file__).resolve().parents[2] / "sample_templates"
UPDATE = os.environ.get("TMPLKIT_UPDATE_GOLDEN") == "1"
ESC = 'Replace(Replace(Replace(Replace(Replace({}, "&", "&amp;"), "<", "&lt;"), ">", "&gt;"), """", "&#34;"), "\'", "&#39;")'


def amp(source: str, html: bool = True) -> str:
    return compile_string(source, "ampscript", html=html)


# --- golden files -------------------------------------------------------------------------


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.name)
def test_golden_file(source: Source) -> None:
    compiled = compile_string(source.template, "ampscript", html=source.html, file=source.name)
    path = GOLDEN / f"{source.name}.amp"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(compiled.encode("utf-8"))
    assert path.is_file(), f"no golden file {path.name}; run with TMPLKIT_UPDATE_GOLDEN=1"
    assert compiled.encode("utf-8") == path.read_bytes()


def test_one_golden_file_per_corpus_source() -> None:
    assert sorted(p.stem for p in GOLDEN.glob("*.amp")) == sorted(s.name for s in SOURCES)


# --- the key mappings ---------------------------------------------------------------------


def test_paths_map_to_attribute_names() -> None:
    assert amp("{{ user.first_name }}", html=False) == '%%=AttributeValue("user_first_name")=%%'
    assert amp('{{ lines[0].name }}{{ user["first-name"] }}', html=False) == (
        '%%=AttributeValue("lines_0_name")=%%%%=AttributeValue("user_first-name")=%%'
    )


def test_html_parts_escape_like_the_reference() -> None:
    assert amp("{{ name }}") == "%%=" + ESC.format('AttributeValue("name")') + "=%%"
    assert amp("{{ name|safe }}") == '%%=AttributeValue("name")=%%'
    assert (
        amp("{{ name|escape }}", html=False) == "%%=" + ESC.format('AttributeValue("name")') + "=%%"
    )


def test_filters() -> None:
    assert amp('{{ nick|default("a \\"b\\"")|upper }}', html=False) == (
        '%%=Uppercase(IIF(Empty(AttributeValue("nick__type")), "a ""b""", '
        'AttributeValue("nick")))=%%'
    )
    # after upper the value is a string: default no longer applies (as in the reference)
    assert (
        amp('{{ nick|lower|default("x") }}', html=False)
        == '%%=Lowercase(AttributeValue("nick"))=%%'
    )


def test_truthiness_reads_the_truthy_companion() -> None:
    assert amp("{% if flag %}a{% elif not b %}b{% else %}c{% endif %}") == (
        '%%[ IF AttributeValue("flag__truthy") == "true" THEN ]%%a'
        '%%[ ELSEIF NOT (AttributeValue("b__truthy") == "true") THEN ]%%b'
        "%%[ ELSE ]%%c%%[ ENDIF ]%%"
    )


def test_string_comparison_is_exact() -> None:
    assert amp('{% if plan == "a.b*" %}x{% endif %}') == (
        '%%[ IF AttributeValue("plan__type") == "string" AND '
        'NOT Empty(RegExMatch(AttributeValue("plan"), "^a\\.b\\*\\z", 0)) THEN ]%%x%%[ ENDIF ]%%'
    )
    assert amp('{% if plan != "" %}x{% endif %}') == (
        '%%[ IF NOT (AttributeValue("plan__type") == "string" AND Empty(AttributeValue("plan"))) '
        "THEN ]%%x%%[ ENDIF ]%%"
    )


def test_number_comparison_checks_the_type() -> None:
    assert amp("{% if n == 2.5 %}x{% endif %}") == (
        '%%[ IF AttributeValue("n__type") == "number" AND AttributeValue("n") == "2.5" '
        "THEN ]%%x%%[ ENDIF ]%%"
    )
    # 1 == true in the reference
    assert amp("{% if n == 1.0 %}x{% endif %}") == (
        '%%[ IF (AttributeValue("n__type") == "number" AND AttributeValue("n") == "1") OR '
        '(AttributeValue("n__type") == "boolean" AND AttributeValue("n") == "true") '
        "THEN ]%%x%%[ ENDIF ]%%"
    )


def test_loops_go_over_rows() -> None:
    src = (
        "{% for l in lines %}{{ loop.index }}{{ l.name }}{% if loop.last %}.{% endif %}"
        "{% else %}none{% endfor %}"
    )
    assert amp(src, html=False) == (
        '%%[ SET @tk_rows1 = BuildRowsetFromJSON(IIF(Empty(AttributeValue("lines__rows")), '
        '"[]", AttributeValue("lines__rows")), "$[*]", 1) IF RowCount(@tk_rows1) > 0 THEN '
        "FOR @tk_i1 = 1 TO RowCount(@tk_rows1) DO SET @l = Row(@tk_rows1, @tk_i1) ]%%"
        '%%=v(@tk_i1)=%%%%=Field(@l, "name", false)=%%'
        "%%[ IF @tk_i1 == RowCount(@tk_rows1) THEN ]%%.%%[ ENDIF ]%%"
        "%%[ NEXT @tk_i1 ELSE ]%%none%%[ ENDIF ]%%"
    )


def test_loop_variables_that_would_clash_get_their_own_names() -> None:
    src = "{% for x in a %}{% for x in x.b %}{{ x }}{% endfor %}{% for tk_i1 in c %}{% endfor %}{% endfor %}"
    out = amp(src, html=False)
    assert "SET @x = Row(@tk_rows1, @tk_i1)" in out
    assert "SET @tk_item2 = Row(@tk_rows2, @tk_i2)" in out
    assert '%%=Field(@tk_item2, "_", false)=%%' in out
    assert 'BuildRowsetFromJSON(IIF(Empty(Field(@x, "b__rows", false))' in out
    assert out.count("@tk_item2") == 3  # the second inner loop reuses the free name


def test_loop_vars_in_conditions() -> None:
    out = amp(
        "{% for l in xs %}{% if loop.index0 %}a{% endif %}{% if loop.index == 2 %}b{% endif %}"
        '{% if loop.first == 0 %}c{% endif %}{% if loop.index == "2" %}d{% endif %}{% endfor %}'
    )
    assert "IF @tk_i1 > 1 THEN ]%%a" in out
    assert "IF @tk_i1 == 2 THEN ]%%b" in out
    assert "IF NOT (@tk_i1 == 1) THEN ]%%c" in out
    assert "IF 1 == 0 THEN ]%%d" in out


def test_literal_percent_signs_never_form_a_delimiter() -> None:
    assert amp("100% and 50%% %%x%%", html=False) == (
        "100% and 50%%=Char(37, 2)=%% %%=Char(37, 2)=%%x%%=Char(37, 2)=%%"
    )
    # a single % touching a block is written with Char too
    assert amp("5%{{ n }}%", html=False) == (
        '5%%=Char(37)=%%%%=AttributeValue("n")=%%%%=Char(37)=%%'
    )
    assert amp("%", html=False) == "%"
    assert amp('<script runat="server">x</script><script>y</script>') == (
        '%%=Char(60)=%%script runat="server">x</script><script>y</script>'
    )


def test_string_literals_never_hold_a_delimiter() -> None:
    assert amp_string('a "b" %%]') == 'Concat("a ""b"" %", "%]")'
    assert amp('{{ x|default("%%") }}', html=False) == (
        '%%=IIF(Empty(AttributeValue("x__type")), Concat("%", "%"), AttributeValue("x"))=%%'
    )


def test_regex_literal_escapes_dotnet_metacharacters() -> None:
    assert regex_literal("a.b_c d\n(é)$") == "a\\.b_c\\u0020d\\u000A\\(é\\)\\$"


def test_target_metadata() -> None:
    assert AmpscriptEmitter.refuses == ()
    assert AmpscriptEmitter.formats_inline  # format filters only with --inline-formats
    assert AmpscriptEmitter.helpers is None
    assert "attributes(data)" in AmpscriptEmitter.summary


@pytest.mark.parametrize(
    ("source", "filter_name", "col"),
    [
        ('<p>{{ o.day|format_date("long") }}</p>', "format_date", 4),
        ('<p>{{ o.at|format_datetime("short", "Europe/Paris") }}</p>', "format_datetime", 4),
        ("<p>{{ o.at|format_time }}</p>", "format_time", 4),
        ("<p>{{ n|format_number }}</p>", "format_decimal", 4),
        ('<p>{{ n|format_decimal("#,##0.00")|e }}</p>', "format_decimal", 4),
        ("<p>{{ r|format_percent }}</p>", "format_percent", 4),
        ('<p>{{ o.total|format_currency("EUR") }}</p>', "format_currency", 4),
        ("{% for l in ls %}{{ l.p|format_currency(l.c) }}{% endfor %}", "format_currency", 18),
        (
            '{% trans t=o.total|format_currency("EUR") %}Total: {{ t }}{% endtrans %}',
            "format_currency",
            1,
        ),
    ],
)
def test_format_filters_are_refused_without_inline_formats_in_one_line(
    source: str, filter_name: str, col: int
) -> None:
    """A format filter is tmplkit's CLDR formatter written into the template (kilobytes):
    only with --inline-formats (test_ampscript_formats.py runs it)."""
    with pytest.raises(CompileError) as info:
        compile_string(source, "ampscript", file="t.html", locale="fr-FR")
    assert str(info.value) == (
        f"t.html:1:{col}: the ampscript target cannot express {filter_name} without "
        "--inline-formats (it has no locale-aware formatter) (hint: format the value in your "
        "data and print it as it is, or pass --inline-formats to write tmplkit's exact CLDR "
        "formatter into the template)"
    )
    assert info.value.construct == filter_name
    compile_string(source, "ampscript", file="t.html", locale="fr-FR", inline_formats=True)


def test_the_formatting_corpus_is_refused_without_inline_formats_in_every_locale() -> None:
    for locale in LOCALES:
        for source in FORMAT_SOURCES:
            with pytest.raises(CompileError, match=r"cannot express format_\w+ without "):
                compile_string(source.template, "ampscript", html=source.html, locale=locale)


# --- the data convention ------------------------------------------------------------------


def test_attributes_flatten_the_data() -> None:
    data = {
        "name": "Ann",
        "count": 0,
        "price": 2.0,
        "flag": False,
        "gone": None,
        "user": {"first-name": "A", "tags": ["x"]},
        "lines": [{"name": "Mug", "qty": 2}, {"name": "Pen", "gift": True}, None],
    }
    attrs = attributes(data)
    assert attrs["name"] == "Ann" and attrs["name__type"] == "string"
    assert (attrs["count"], attrs["count__type"], attrs["count__truthy"]) == (
        "0",
        "number",
        "false",
    )
    assert attrs["price"] == "2"
    assert (attrs["flag"], attrs["flag__type"], attrs["flag__truthy"]) == (
        "false",
        "boolean",
        "false",
    )
    assert not any(k.startswith("gone") for k in attrs)
    assert attrs["user_first-name"] == "A"
    assert attrs["user_tags_0"] == "x"
    assert attrs["user__rows"] == (
        '[{"_":"first-name","___type":"string","___truthy":"true"},'
        '{"_":"tags","___type":"string","___truthy":"true"}]'
    )
    assert attrs["lines_1_gift__truthy"] == "true"
    rows = json.loads(attrs["lines__rows"])
    assert [list(r) for r in rows] == [list(rows[0])] * 3  # the same columns in every row
    assert rows[0]["name"] == "Mug" and rows[0]["gift"] == "" and rows[0]["qty__type"] == "number"
    assert rows[1]["gift__truthy"] == "true" and rows[1]["qty"] == ""
    assert rows[2]["_"] == "" and rows[2]["___type"] == ""  # null item: a row of nothing
    assert attrs["lines"] == str(data["lines"]).replace("None", "None")


def test_attributes_refuse_colliding_names() -> None:
    with pytest.raises(RenderError, match="'a_b'"):
        attributes({"a_b": 1, "a": {"b": 2}})


def test_nothing_is_refused() -> None:
    # every construct of the portable subset has an AMPscript form under the convention
    for source in SOURCES:
        try:
            amp(source.template, source.html)
        except CompileError as exc:  # pragma: no cover - a failure message
            pytest.fail(f"{source.name}: {exc}")


# --- a model of the AMPscript the emitter writes ------------------------------------------

TOKEN_RE = re.compile(
    r"""\s*(?:(?P<str>"(?:[^"]|"")*"|'(?:[^']|'')*')|(?P<num>\d+(?:\.\d+)?)|(?P<var>@\w+)"""
    r"""|(?P<op>==|!=|<=|>=|<|>|\(|\)|,|=)|(?P<word>[A-Za-z_$][\w$]*))"""
)


class Rowset(list):  # type: ignore[type-arg]
    pass


def number_like(v: Any) -> Decimal | None:
    """SageValue.IsNumberLike and TryToDecimal in ampscript-core (src/Sage.Engine/Runtime/
    SageValue.cs, lines 95-113 and 243-264): a number, or a string that reads as one. Unlike
    .NET's decimal.TryParse, the model reads an exponent (`1e+21`, as a float prints) and no
    thousands separator."""
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, int | float):
        return Decimal(str(v))
    try:
        return Decimal(str(v).strip()) if str(v).strip() else None
    except InvalidOperation:
        return None


def fold(s: str) -> str:
    """AMPscript string comparison: case- and accent-insensitive."""
    decomposed = unicodedata.normalize("NFD", s.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def amp_text(v: Any) -> str:
    if v is True or v is False:
        return "True" if v else "False"
    if isinstance(v, float):  # a double (Add, a literal, …), printed as .NET prints it
        if v == int(v) and abs(v) < 1e15:
            return str(int(v))
        assert "e" not in repr(v), f"the model prints no double such as {v!r}"  # .NET: 1E+15
        return repr(v)
    return "" if v is None else str(v)


DOUBLE_RE = re.compile(r"\s*[+-]?(?:[0-9][0-9,]*)?(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?\s*\Z")


def to_double(v: Any) -> float:
    """SageValue.ToDouble (ampscript-core src/Sage.Engine/Runtime/SageValue.cs): a number, or a
    string .NET's double.TryParse reads; anything else is an InvalidCastException."""
    if isinstance(v, int | float) and not isinstance(v, bool):
        return float(v)
    text = amp_text(v)
    assert DOUBLE_RE.match(text) and re.search("[0-9]", text), f"Cannot convert {v!r} to double"
    return float(text.replace(",", ""))


def to_int(v: Any) -> int:
    """SageValue.ToInt: an integral number, or a string long.TryParse reads."""
    if isinstance(v, float):
        assert v == int(v), f"{v!r} can not be converted to an integer"
        return int(v)
    if isinstance(v, int) and not isinstance(v, bool):
        return v
    assert re.fullmatch(r"\s*[+-]?[0-9]+\s*", amp_text(v)), f"{v!r} can not be converted"
    return int(amp_text(v))


class RaisedError(Exception):
    """RaiseError(message, skipSend): the message stops this subscriber's message."""

    def __init__(self, message: str, skip_send: bool) -> None:
        super().__init__(message)
        self.message = message
        self.skip_send = skip_send


def substring(subject: Any, start: Any, length: Any = None) -> str:
    """SUBSTRING in ampscript-core (src/Sage.Engine/Runtime/Functions/String.cs): 1-based; a
    length past the end is cut to it; a start past the end + 1 or before 1 is .NET's
    ArgumentOutOfRangeException."""
    text, first = amp_text(subject), to_int(start)
    if length is None:
        assert 1 <= first <= len(text) + 1, f"Substring({text!r}, {first})"
        return text[first - 1 :]
    if text == "":
        return ""
    n = to_int(length)
    if n > len(text) - first:
        n = len(text) - first + 1
    assert first >= 1 and n >= 0, f"Substring({text!r}, {first}, {length!r})"
    return text[first - 1 : first - 1 + n]


def to_boolean(v: Any) -> bool:
    """SageValue.TryToBoolean (SageValue.cs, lines 382-410): null is false, a whole number is
    1 or not, a string "true" or "false" without case; anything else fails, and is false."""
    if v is None or isinstance(v, bool):
        return bool(v)
    text = amp_text(v).strip()
    if re.fullmatch(r"[+-]?[0-9]+", text):
        return int(text) == 1
    return text.lower() == "true"


def compare(op: str, a: Any, b: Any) -> bool:
    """SageValue.CompareTo in ampscript-core (src/Sage.Engine/Runtime/SageValue.cs, lines
    520-573), whose corpus src/Sage.Engine.Tests/Corpus/Comparisons/ was generated against
    Marketing Cloud: null equals only null (and is "less" and "greater" than any other value);
    beside a boolean both sides are booleans; where either side is number-like both compare as
    decimals, a side that is not one counting as 0 (TryCompareNumbers, lines 637-654: "a" < 1
    in the corpus, and "0" == "" here); else as text without case (the model: nor accents)."""
    equality = op in ("==", "<=", ">=")  # CompareOperator.IsEqualToken
    if a is None or b is None:
        return (a is None and b is None) == equality
    if isinstance(a, bool) or isinstance(b, bool):
        return (to_boolean(a) == to_boolean(b)) == equality
    na, nb = number_like(a), number_like(b)
    x: Any
    y: Any
    if na is not None or nb is not None:
        x, y = na or Decimal(0), nb or Decimal(0)
    else:
        x, y = fold(amp_text(a)), fold(amp_text(b))
    return {
        "==": x == y,
        "!=": x != y,
        "<": x < y,
        ">": x > y,
        "<=": x <= y,
        ">=": x >= y,
    }[op]


def cell(value: Any) -> str:
    """A JSON value as a rowset's field (Salesforce's BuildRowsetFromJSON): a nested object or
    list as the text its documentation gives, a boolean as .NET prints it, a number as the
    reference prints it (100.0 is 100)."""
    if isinstance(value, dict):
        return "JSON Object"
    if isinstance(value, list):
        return "JSON Object Array"
    if value is None:
        return ""
    return amp_text(value) if isinstance(value, bool) else str(print_value(value))


def rows_of(items: list[Any]) -> list[dict[str, str]]:
    """`$[*]` of a JSON array: an object's fields as columns, a string, number or boolean as
    the column Value."""
    return [
        {k: cell(v) for k, v in item.items()}
        if isinstance(item, dict)
        else ({} if item is None else {"Value": cell(item)})
        for item in items
    ]


def dotnet_regex(pattern: str) -> str:
    return pattern.replace("\\z", "\\Z")


@cache  # the model runs the same statements again and again (loops, data sets)
def tokenize(text: str) -> list[tuple[str, str]]:
    tokens, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = TOKEN_RE.match(text, pos)
        assert m, f"cannot tokenize {text[pos:]!r}"
        kind = m.lastgroup or ""
        tokens.append((kind, m.group(kind)))
        pos = m.end()
    return tokens


# The binary operators of ampscript-core's `expression` rule (src/Sage.Engine/Parser/
# SageParser.g4, lines 108-119), at the precedence ANTLR4 gives a left-recursive rule's
# alternatives: numAlts - alt + 1 of its 10 (LeftRecursiveRuleAnalyzer.precedence), the first
# written binding tightest; a binary operator's right operand at one more (left associative).
CORE_BINARY = {"<": 5, "<=": 5, ">": 5, ">=": 5, "==": 4, "!=": 4, "AND": 3, "OR": 3}
CORE_NOT = 2  # `Not expression` (alt 9): its operand is an expression[2], running over all of them


class Model:
    """Evaluates the statements and expressions of the emitted AMPscript.

    Salesforce does not document NOT's precedence. By default NOT binds tighter than AND and
    OR, AND tighter than OR; with `not_binds_loosely`, as ampscript-core parses: NOT's operand
    runs over the comparisons, ANDs and ORs after it (`NOT A AND B` is `NOT (A AND B)`), and
    AND and OR are one level, from the left. Text meant to work on Marketing Cloud must mean
    the same under both."""

    def __init__(self, attrs: dict[str, str], *, not_binds_loosely: bool = False) -> None:
        self.attrs = attrs
        self.vars: dict[str, Any] = {}
        self.not_binds_loosely = not_binds_loosely

    # expressions

    def parse(self, text: str) -> list[tuple[str, str]]:
        return tokenize(text)

    def expr(self, tokens: list[tuple[str, str]], i: int = 0) -> tuple[Any, int]:
        if self.not_binds_loosely:
            return self.core_expr(tokens, i, 0)
        left, i = self.and_(tokens, i)
        while i < len(tokens) and tokens[i][1].upper() == "OR":
            right, i = self.and_(tokens, i + 1)
            left = bool(left) or bool(right)
        return left, i

    def and_(self, tokens: list[tuple[str, str]], i: int) -> tuple[Any, int]:
        left, i = self.not_(tokens, i)
        while i < len(tokens) and tokens[i][1].upper() == "AND":
            right, i = self.not_(tokens, i + 1)
            left = bool(left) and bool(right)
        return left, i

    def not_(self, tokens: list[tuple[str, str]], i: int) -> tuple[Any, int]:
        if tokens[i][1].upper() == "NOT":
            value, i = self.not_(tokens, i + 1)
            return not value, i
        left, i = self.primary(tokens, i)
        if (
            i < len(tokens)
            and tokens[i][0] == "op"
            and tokens[i][1] in ("==", "!=", "<", ">", "<=", ">=")
        ):
            op = tokens[i][1]
            right, i = self.primary(tokens, i + 1)
            return compare(op, left, right), i
        return left, i

    def core_expr(self, tokens: list[tuple[str, str]], i: int, p: int) -> tuple[Any, int]:
        """expression[p] of ANTLR4's rewritten rule: a primary or `NOT expression[2]`, then
        each binary operator whose precedence is at least p (its `precpred`)."""
        if tokens[i][1].upper() == "NOT":
            value, i = self.core_expr(tokens, i + 1, CORE_NOT)
            left = not value
        else:
            left, i = self.primary(tokens, i)
        while i < len(tokens) and CORE_BINARY.get(op := tokens[i][1].upper(), -1) >= p:
            right, i = self.core_expr(tokens, i + 1, CORE_BINARY[op] + 1)
            if op == "AND":
                left = bool(left) and bool(right)
            elif op == "OR":
                left = bool(left) or bool(right)
            else:
                left = compare(op, left, right)
        return left, i

    def primary(self, tokens: list[tuple[str, str]], i: int) -> tuple[Any, int]:
        kind, text = tokens[i]
        if kind == "str":
            return text[1:-1].replace(text[0] * 2, text[0]), i + 1
        if kind == "num":
            return (float(text) if "." in text else int(text)), i + 1
        if kind == "var":
            return self.vars.get(text.lower()), i + 1
        if text == "(":
            value, i = self.expr(tokens, i + 1)
            assert tokens[i][1] == ")"
            return value, i + 1
        if text.lower() in ("true", "false"):
            return text.lower() == "true", i + 1
        assert tokens[i + 1][1] == "(", f"unknown name {text}"
        args, i = [], i + 2
        while tokens[i][1] != ")":
            value, i = self.expr(tokens, i)
            args.append(value)
            if tokens[i][1] == ",":
                i += 1
        return self.call(text.lower(), args), i + 1

    def call(self, name: str, a: list[Any]) -> Any:
        if name == "attributevalue":
            return self.attrs.get(a[0], "")
        if name == "field":  # a missing column is an error unless the third argument is false
            if isinstance(a[1], int):  # an ordinal, from 1 (ampscript-core Functions/Data.cs)
                return list(a[0].values())[a[1] - 1]
            assert a[1] in a[0] or (len(a) > 2 and not a[2]), f"no column {a[1]!r} in {a[0]}"
            return a[0].get(a[1], "")
        if name == "row":
            assert 1 <= to_int(a[1]) <= len(a[0]), f"Index out of bounds: Row(…, {a[1]})"
            return a[0][to_int(a[1]) - 1]
        if name == "buildrowsetfromstring":  # one column, Value (Functions/String.cs)
            text = amp_text(a[0])
            return Rowset([{"Value": v} for v in text.split(amp_text(a[1]))] if text else [])
        if name == "rowcount":
            return len(a[0])
        if name == "buildrowsetfromjson":
            assert a[1] == "$[*]"
            return Rowset(rows_of(json.loads(a[0])))
        if name == "empty":
            return a[0] is None or amp_text(a[0]) == ""
        if name == "iif":
            return a[1] if a[0] else a[2]
        if name == "replace":
            return re.sub(re.escape(a[1]), lambda _: a[2], amp_text(a[0]), flags=re.IGNORECASE)
        if name == "uppercase":
            return amp_text(a[0]).upper()
        if name == "lowercase":
            return amp_text(a[0]).lower()
        if name == "concat":
            return "".join(amp_text(x) for x in a)
        if name == "char":  # CHAR(code, repeated): a StringBuilder of `repeated` (>= 0) chars
            count = to_int(a[1]) if len(a) > 1 else 1
            assert count >= 0, f"Char({a[0]}, {count})"
            return chr(to_int(a[0])) * count
        # ADD, SUBTRACT, MULTIPLY, DIVIDE, MOD in ampscript-core (Functions/Math.cs): doubles;
        # .NET's % keeps the dividend's sign.
        if name == "add":
            return to_double(a[0]) + to_double(a[1])
        if name == "subtract":
            return to_double(a[0]) - to_double(a[1])
        if name == "multiply":
            return to_double(a[0]) * to_double(a[1])
        if name == "divide":
            return to_double(a[0]) / to_double(a[1])
        if name == "mod":
            return math.fmod(to_double(a[0]), to_double(a[1]))
        if name == "length":
            return len(amp_text(a[0]))
        if name == "substring":
            return substring(*a)
        if name == "indexof":  # 1-based, case-insensitive, 0 when absent (Functions/String.cs)
            return amp_text(a[0]).lower().find(amp_text(a[1]).lower()) + 1
        if name == "raiseerror":  # Salesforce's RaiseError(message, skipSend)
            raise RaisedError(amp_text(a[0]), len(a) > 1 and bool(a[1]))
        if name == "regexmatch":
            m = re.search(dotnet_regex(a[1]), amp_text(a[0]))
            return (m.group(int(a[2])) or "") if m else ""  # a group that took no part: ""
        if name == "v":
            return a[0]
        raise AssertionError(f"the model has no function {name}")

    # statements

    def run(self, source: str) -> str:
        items = split_content(source)
        out: list[str] = []
        self.block(items, 0, out, stop=())
        return "".join(out)

    def block(
        self, items: list[tuple[str, str]], i: int, out: list[str] | None, stop: tuple[str, ...]
    ) -> tuple[int, str]:
        """Run items from i until a statement in `stop`; out=None skips (a false branch)."""
        while i < len(items):
            kind, text = items[i]
            if kind == "text":
                if out is not None:
                    out.append(text)
                i += 1
                continue
            if kind == "out":
                if out is not None:
                    value, _ = self.expr(self.parse(text))
                    out.append(amp_text(value))
                i += 1
                continue
            word = text.split()[0].upper()
            if word in stop:
                return i, word
            i = self.statement(items, i, out)
        return i, ""

    def statement(self, items: list[tuple[str, str]], i: int, out: list[str] | None) -> int:
        text = items[i][1]
        word = text.split()[0].upper()
        if word == "SET":
            m = re.match(r"SET\s+(@\w+)\s*=\s*(.*)$", text, re.S | re.I)
            assert m
            if out is not None:
                self.vars[m.group(1).lower()] = self.expr(self.parse(m.group(2)))[0]
            return i + 1
        if word == "IF":
            taken = False
            while True:
                cond_text = re.match(r"(?:ELSE)?IF\s+(.*)\s+THEN$", items[i][1], re.S | re.I)
                assert cond_text, items[i][1]
                run = (
                    out is not None
                    and not taken
                    and bool(self.expr(self.parse(cond_text.group(1)))[0])
                )
                i, word = self.block(
                    items, i + 1, out if run else None, ("ELSEIF", "ELSE", "ENDIF")
                )
                taken = taken or run
                if word == "ELSEIF":
                    continue
                if word == "ELSE":
                    run = out is not None and not taken
                    i, word = self.block(items, i + 1, out if run else None, ("ENDIF",))
                assert word == "ENDIF"
                return i + 1
        if word == "FOR":
            m = re.match(r"FOR\s+(@\w+)\s*=\s*(.*?)\s+TO\s+(.*)\s+DO$", text, re.S | re.I)
            assert m
            var = m.group(1).lower()
            if out is None:
                end, _ = self.block(items, i + 1, None, ("NEXT",))
                return end + 1
            start = int(self.expr(self.parse(m.group(2)))[0])
            stop = int(self.expr(self.parse(m.group(3)))[0])
            end = i + 1
            for n in range(start, stop + 1):
                self.vars[var] = n
                end, word = self.block(items, i + 1, out, ("NEXT",))
                assert word == "NEXT"
            if start > stop:
                end, _ = self.block(items, i + 1, None, ("NEXT",))
            return end + 1
        if word.startswith("RAISEERROR("):
            if out is not None:
                self.expr(self.parse(text))
            return i + 1
        raise AssertionError(f"the model cannot run {text!r}")


STATEMENT_RE = re.compile(
    r"(SET\s+@\w+\s*=.*?|(?:ELSE)?IF\s.*?\sTHEN|ELSE|ENDIF|FOR\s.*?\sDO|NEXT\s+@\w+"
    r"|RaiseError\(.*?\))(?=\s+(?:SET|IF|ELSEIF|ELSE|ENDIF|FOR|NEXT|RaiseError)\b|\s*$)",
    re.S | re.I,
)
QUOTED_RE = re.compile(r'"(?:[^"]|"")*"|\'(?:[^\']|\'\')*\'')


def statements(body: str) -> list[str]:
    """A block's statements, split where a keyword starts one outside a string literal."""
    masked = QUOTED_RE.sub(lambda m: m.group()[0] + "x" * (len(m.group()) - 2) + m.group()[0], body)
    return [body[m.start(1) : m.end(1)].strip() for m in STATEMENT_RE.finditer(masked)]


@cache
def split_content(source: str) -> list[tuple[str, str]]:
    """Text, inline expressions (%%=…=%%) and block statements (%%[…]%%), in order."""
    items: list[tuple[str, str]] = []
    pos = 0
    while pos < len(source):
        start = source.find("%%", pos)
        if start < 0 or source[start : start + 3] not in ("%%[", "%%="):
            assert start < 0, f"a bare %% at {start}: {source[start : start + 20]!r}"
            items.append(("text", source[pos:]))
            break
        if start > pos:
            items.append(("text", source[pos:start]))
        closing = "]%%" if source[start + 2] == "[" else "=%%"
        end, i, quote = None, start + 3, None
        while end is None:
            ch = source[i]
            if quote:
                quote = None if ch == quote else quote
            elif ch in "\"'":
                quote = ch
            elif source.startswith(closing, i):
                end = i
            i += 1
        body = source[start + 3 : end]
        if closing == "=%%":
            items.append(("out", body))
        else:
            items.extend(("stmt", statement) for statement in statements(body.strip()))
        pos = end + 3
    return items


def precedence_dependent(source: str) -> list[str]:
    """The statements and inline expressions of `source` whose meaning depends on the
    precedence (see Model): a NOT followed at its own level of parentheses by an AND or an OR,
    an OR followed at its level by an AND (ampscript-core: `A OR B AND C` is `(A OR B) AND C`).
    Checked in the text itself, whether or not a data set takes the branch."""
    found = []
    for kind, text in split_content(source):
        tokens = tokenize(text) if kind != "text" else []
        for i, (token, word) in enumerate(tokens):
            if token != "word" or word.upper() not in ("NOT", "OR"):
                continue
            after, depth = ("AND", "OR") if word.upper() == "NOT" else ("AND",), 0
            for token, word in tokens[i + 1 :]:
                if token == "op" and word in (")", ",") and depth == 0:
                    break
                depth += {"(": 1, ")": -1}.get(word, 0) if token == "op" else 0
                if depth == 0 and token == "word" and word.upper() in after:
                    found.append(text.strip())
                    break
    return found


def test_no_condition_depends_on_not_s_precedence() -> None:
    """The golden files and the traps: no NOT the target writes is followed by an AND or an OR
    at its own level: `(NOT Empty(x)) AND x != 0`, never `NOT Empty(x) AND x != 0`."""
    loose = "%%[ IF NOT Empty(@a) AND @a != 0 THEN ]%%x%%[ ELSEIF @a OR @b AND @c THEN ]%%y"
    found = ["IF NOT Empty(@a) AND @a != 0 THEN", "ELSEIF @a OR @b AND @c THEN"]
    assert precedence_dependent(loose) == found
    alone = '%%[ IF (NOT Empty(@a)) AND @a OR NOT (@b OR @c) THEN ]%%%%=IIF(NOT @b, "AND", 1)=%%'
    assert precedence_dependent(alone) == []
    texts = [(GOLDEN / f"{source.name}.amp").read_text("utf-8") for source in SOURCES]
    texts += [compile_string(source.template, "ampscript", html=source.html) for source in TRAPS]
    assert [text for source in texts for text in precedence_dependent(source)] == []


# Each render through the model runs under both precedences of NOT (see Model): the text must
# not depend on which one Marketing Cloud has.
BOTH_PRECEDENCES = pytest.mark.parametrize(
    "not_binds_loosely", [False, True], ids=["not_binds_tightly", "not_binds_loosely"]
)


@BOTH_PRECEDENCES
def test_the_golden_files_render_like_the_reference(not_binds_loosely: bool) -> None:
    mismatches = []
    cases = 0
    for source in SOURCES:
        template = (GOLDEN / f"{source.name}.amp").read_text("utf-8")
        for name, data in DATASETS.items():
            cases += 1
            got = Model(attributes(data), not_binds_loosely=not_binds_loosely).run(template)
            expected = reference(source, data)
            if got != expected:
                mismatches.append((source.name, name, expected, got))
    assert cases == len(SOURCES) * len(DATASETS) == 816
    assert mismatches == []


def test_the_model_itself() -> None:
    model = Model({"a": "Pro", "n": "3"})
    assert model.run('%%[ IF AttributeValue("a") == "pro" THEN ]%%ci%%[ ENDIF ]%%') == "ci"
    assert (
        model.run(
            '%%[ IF RegExMatch(AttributeValue("a"), "^pro\\z", 0) != "" THEN ]%%x%%[ ELSE ]%%exact%%[ ENDIF ]%%'
        )
        == "exact"
    )
    assert model.run('%%[ IF AttributeValue("n") == "3.0" THEN ]%%num%%[ ENDIF ]%%') == "num"
    assert model.run("%%[ FOR @i = 1 TO 0 DO ]%%x%%[ NEXT @i ]%%") == ""
    # ampscript-core's coercions (SageValue.CompareTo): beside a number-like value "" is 0;
    # its corpus (comparisons.strings.txt, null.txt, bool.txt): 'a' < 1, '4' < '50',
    # null != '0', 'a' == false, false == 1.5
    tests = '"0" == "" AND " 0.0 " == "" AND "a" < 1 AND "4" < "50"'
    assert model.run(f"%%=IIF({tests}, 1, 0)=%%") == "1"
    tests = '"0" != "" OR @unset == "" OR @unset == "0" OR "a" == "0.5"'
    assert model.run(f"%%=IIF({tests}, 1, 0)=%%") == "0"
    tests = '@unset != "0" AND @unset == @none AND "a" == false AND false == 1.5 AND true == "1"'
    assert model.run(f"%%=IIF({tests}, 1, 0)=%%") == "1"
    # NOT's precedence: tight, and as ampscript-core parses (NOT A AND B is NOT (A AND B); A OR
    # B AND C is (A OR B) AND C); either way NOT 0 <= 1 is NOT (0 <= 1), false in its corpus
    # (comparisons.numbers.txt), and (NOT 0) <= 1 would be true <= 1, true (comparisons.bool.txt)
    core = Model({}, not_binds_loosely=True)
    tests = "IIF(NOT 1 == 0 AND 1 == 0, 1, 0), IIF(1 == 1 OR 1 == 0 AND 1 == 0, 1, 0)"
    assert model.run(f"%%=Concat({tests})=%%") == "01"
    assert core.run(f"%%=Concat({tests})=%%") == "10"
    tests = "IIF(NOT 0 <= 1, 1, 0), IIF(NOT 0 > 1, 1, 0), IIF(true <= 1, 1, 0)"
    assert model.run(f"%%=Concat({tests})=%%") == core.run(f"%%=Concat({tests})=%%") == "011"


def test_the_model_s_functions_follow_ampscript_core() -> None:
    """The functions the format filters use, as ampscript-core implements them
    (src/Sage.Engine/Runtime/Functions/String.cs, Math.cs, Data.cs; its corpus
    src/Sage.Engine.Tests/Corpus/Function/substring.txt and math.txt)."""
    model = Model({})

    def value(expr: str) -> str:
        return model.run(f"%%={expr}=%%")

    assert value('Substring("Curt Harris", 1, Subtract(IndexOf("Curt Harris", " "), 1))') == "Curt"
    assert value('Substring("Logan", 1, 50)') == "Logan"
    assert value('Substring("abc", 4, 1)') + value('Substring("", 9, 1)') == ""
    for bad in ('Substring("abc", 5, 1)', 'Substring("abc", 0, 1)', 'Substring("Logan", 1.5)'):
        with pytest.raises(AssertionError):
            value(bad)
    assert value('IndexOf("aBc", "BC")') + value('IndexOf("abc", "x")') == "20"
    assert value("Char(48, 0)") + "|" + value("Char(48, 3)") == "|000"
    assert value('Concat("", Add("+21", 1), "|", Divide(7, 2), "|", Mod(10, 3))') == "22|3.5|1"
    assert value('Field(Row(BuildRowsetFromString("a|b", "|"), 2), 1)') == "b"
    # A keyword inside a string literal starts no statement; RaiseError stops the message.
    assert (
        model.run('%%[ SET @a = " SET @b = 1 IF x THEN " ]%%%%=v(@a)=%%')
        == " SET @b = 1 IF x THEN "
    )
    with pytest.raises(RaisedError, match=r"^stop ELSE\Z") as info:
        model.run('%%[ IF 1 == 1 THEN RaiseError("stop ELSE", true) ENDIF ]%%')
    assert info.value.skip_send


# Beyond the corpus: the traps of the convention, through the model, compared exactly.
TRAPS = [
    Source("percent", "50%%{{ name }}%{% if flag %}%%]{% endif %}%=v(@x)=%%"),
    Source(
        "literals",
        '{% if v == "a.b*" %}1{% endif %}{% if v == "ZOË" %}2{% endif %}{% if v == "Zoë" %}3'
        '{% endif %}{% if v == "say \\"%%\\"" %}4{% endif %}{% if v == "" %}5{% endif %}'
        "{% if v == 1 %}6{% endif %}{% if v == 0 %}7{% endif %}{% if v != 2.5 %}8{% endif %}"
        '{% if v == "1" %}9{% endif %}{% if v == "true" %}T{% endif %}',
    ),
    Source(
        "filters",
        "{{ v|escape|upper }}|{{ v|safe|escape }}|{{ v|upper|default('d') }}|"
        "{{ v|default('<d>')|escape }}|{{ v|safe }}|{{ missing|escape }}|{{ v|lower|safe }}",
    ),
    Source("filters_text", "{{ v|escape }}|{{ v|default('%%') }}|{{ v|upper }}", html=False),
    Source("paths", "{{ v }}|{{ v.a }}|{{ v.a.b }}|{{ v['x-y'] }}|{{ v[2].a.b }}"),
    Source(
        "loops",
        "{% for x in v %}{% for x in x.c %}<{{ x }}{{ loop.index }}>{% else %}-{% endfor %}"
        "{{ loop.last }}{{ x }}{% else %}none{% endfor %}",
    ),
    Source(
        "loop_conditions",
        "{% for x in v %}{% if loop.index0 %}a{% endif %}{% if loop.index == 2 %}b{% endif %}"
        '{% if loop.first == 0 %}c{% endif %}{% if loop.last == 1 %}d{% endif %}{% if x == "k" %}'
        "e{% endif %}{% if x %}t{% endif %}{% endfor %}",
    ),
    Source("truthiness", "{% if v %}T{% else %}F{% endif %}{% if not v.a %}n{% endif %}"),
]
TRAP_DATA: dict[str, dict[str, Any]] = {
    "none": {"v": None},
    "true": {"v": True},
    "one": {"v": 1},
    "one_str": {"v": "1"},
    "zero": {"v": 0.0},
    "float": {"v": 2.5},
    "big": {"v": 1e21},
    "empty_str": {"v": ""},
    "true_str": {"v": "true"},
    "regex": {"v": "a.b*"},
    "regex_near": {"v": "aXb*"},
    "accent": {"v": "Zoë"},
    "upper_accent": {"v": "ZOË"},
    "quotes": {"v": 'say "%%"'},
    "hostile": {"v": "%%[ x ]%% %%=v(@y)=%% <&\"'> ]%%"},
    "list": {"v": [{"c": ["p", None, 3]}, None, {"c": [], "a": {"b": 1}}, "k"]},
    "object": {"v": {"a": {"b": "<b>"}, "x-y": "xy", "k": 1, "c": [True]}},
    "empty_list": {"v": []},
    "empty_obj": {"v": {}},
    "missing": {},
}


@BOTH_PRECEDENCES
def test_traps_render_like_the_reference_through_the_model(not_binds_loosely: bool) -> None:
    mismatches = []
    for source in TRAPS:
        template = compile_string(source.template, "ampscript", html=source.html)
        for name, data in TRAP_DATA.items():
            if "for x in v" in source.template and not isinstance(
                data.get("v"), list | dict | None
            ):
                continue  # the reference fails on a loop over a number (and see below: strings)
            got = Model(attributes(data), not_binds_loosely=not_binds_loosely).run(template)
            expected = reference(source, data)
            if got != expected:
                mismatches.append(f"{source.name} × {name}: {expected!r} != {got!r}")
    assert mismatches == [], "\n".join(mismatches)


def test_a_match_of_0_is_not_empty() -> None:
    """RegExMatch gives the matched text, and AMPscript's `"0" != ""` is false (ampscript-core's
    SageValue.CompareTo compares number-like text as a number, "" as 0): the emitter tests a
    match with Empty. French takes `one` for 0 (and 0.5): each test typed and not, s "0"."""
    rule = plural_rule("fr-FR")
    plural = select_form(
        ir.Path(("n",)),
        rule.expr,
        [(ir.Text(f"{form}:"),) for form in ("one", "many", "other")],
        decimals=rule.decimals,
    )
    equal = parse('{% if s == "0" %}={% endif %}{% if s != "0" %}!={% endif %}', "t").body
    declare = {"s": "string", "n": "number"}
    mismatches = []
    for body in (plural, equal):
        expected_text = environment(autoescape=True).from_string(emit_ir("jinja", body))
        for typed in (False, True):
            compiled = emit_ir("ampscript", body, declare if typed else None)
            for data in ({"s": "0", "n": 0}, {"s": "0", "n": 0.5}, {"s": "00", "n": 1}):
                got = Model(sendable_row(data) if typed else attributes(data)).run(compiled)
                if got != expected_text.render(data):
                    mismatches.append(f"typed={typed} {data}: {compiled}: {got!r}")
    assert mismatches == [], "\n".join(mismatches)


def emit_ir(target: str, body: ir.Body, declare: dict[str, Any] | None = None) -> str:
    emitter = get_emitter(target)(html=True)
    if declare is not None:
        emitter.variables = declare_types(infer([body]), declare, file="t")
    return emitter.emit(body)


def test_a_string_is_not_a_list() -> None:
    # The documented difference: the reference indexes and loops over a string's characters.
    src = "{{ v[0] }}{% for c in v %}[{{ c }}]{% else %}none{% endfor %}"
    template = compile_string(src, "ampscript")
    assert Model(attributes({"v": "ab"})).run(template) == "none"
    assert reference(Source("s", src), {"v": "ab"}) == "a[a][b]"
    assert Model(attributes({"v": ["a", "b"]})).run(template) == "a[a][b]"


@BOTH_PRECEDENCES
def test_sample_project_renders_like_the_reference_through_the_model(
    not_binds_loosely: bool,
) -> None:
    """Every sample template in every project locale (the orders format dates and prices:
    with --inline-formats, as `tmplkit serve` compiles), each part and channel rendered by
    the model from the sender's row equal to the reference's jinja rendering, its conditions
    meaning the same under both precedences of NOT."""
    project = open_project(SAMPLE)
    locales = [project.settings.source_locale, *project.settings.locales]
    checked = 0
    for directory in sorted(SAMPLE.glob("workspaces/*/*/*")):
        if not (directory / "template.toml").is_file():
            continue
        data = json.loads((directory / "sample.json").read_text("utf-8"))
        if directory.parent.name == "orders":
            with pytest.raises(CompileError, match="cannot express format_date without "):
                compile_parts(str(directory), "ampscript", project=project)
        for locale in locales:
            compiled = compile_parts(
                str(directory), "ampscript", project=project, locale=locale, inline_formats=True
            )
            ref = compile_parts(str(directory), "jinja", project=project, locale=locale)
            for part in ("subject", "html", "text", *ref.channels):
                source = compiled.channels.get(part) or getattr(compiled, part, None)
                if source is None:
                    continue
                reference_text = ref.channels.get(part) or getattr(ref, part)
                expected = environment(autoescape=part == "html").from_string(reference_text)
                got = Model(sendable_row(data), not_binds_loosely=not_binds_loosely).run(source)
                assert got == expected.render(data), f"{directory.name} {part} [{locale}]"
                assert precedence_dependent(source) == []
                checked += 1
    # per locale: order confirmation subject, html, sms; shipping notification subject, html,
    # sms, push; password reset subject, html, text, sms; welcome subject, html
    assert checked == 13 * len(locales) == 78


DOC = Path(__file__).resolve().parents[2] / "docs" / "targets" / "ampscript.md"


def doc_block(language: str) -> str:
    (block,) = re.findall(rf"^```{language}\n(.*?)^```$", DOC.read_text("utf-8"), re.M | re.S)
    return str(block)


def test_the_documented_example_is_what_the_target_writes() -> None:
    source = doc_block("jinja").removesuffix("\n")
    assert compile_string(source, "ampscript") == doc_block("ampscript").removesuffix("\n")


def test_the_documented_attributes_are_what_attributes_returns() -> None:
    data = {"name": "Ann", "count": 0, "nickname": None, "tags": ["new", "vip"]}
    assert attributes(data) == json.loads(doc_block("json"))
    call = 'attributes({"name": "Ann", "count": 0, "nickname": None, "tags": ["new", "vip"]})'
    assert call in DOC.read_text("utf-8")
