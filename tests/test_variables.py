"""variables.py: types inferred from the template and its sample data, declared in
template.toml, shown as a table, JSON and JSON Schema, and checked by render --strict."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import tmplkit
from tmplkit import open_project
from tmplkit.compiler import compile_parts
from tmplkit.errors import ProjectError
from tmplkit.pipeline import Part, build_ir
from tmplkit.variables import Variables, declare, infer, variables_of

from .conftest import SAMPLE_TEMPLATES, Result

ORDER = "acme-shop/orders/order-confirmation"
WELCOME = "acme-shop/account/welcome"
ORDER_TOML = "workspaces/acme-shop/orders/order-confirmation/template.toml"
Run = Callable[..., Result]


def rows(found: Variables) -> list[tuple[str, str, bool, str]]:
    return [(v.path, v.type, v.required, v.source) for v in found]


def of_text(source: str, sample: dict[str, Any] | None = None) -> Variables:
    return infer([build_ir(Part("html", source, "t.html.j2"), None)], sample)


def sample_order() -> dict[str, Any]:
    file = SAMPLE_TEMPLATES / "workspaces/acme-shop/orders/order-confirmation/sample.json"
    data: dict[str, Any] = json.loads(file.read_text("utf-8"))
    return data


# --- inference ---------------------------------------------------------------------------


def test_the_order_confirmations_variables() -> None:
    found = variables_of(ORDER, project=open_project(SAMPLE_TEMPLATES))
    assert rows(found) == [
        ("customer", "object", False, "template"),
        ("customer.first_name", "string", False, "sample"),  # |default("there")
        ("order", "object", True, "template"),
        ("order.currency", "string", True, "template"),  # format_currency(order.currency)
        ("order.item_count", "number", True, "template"),  # a plural's count
        ("order.lines", "list", False, "template"),  # looped over
        ("order.lines[]", "object", True, "template"),
        ("order.lines[].name", "string", True, "sample"),
        ("order.lines[].price", "number", True, "template"),  # format_currency
        ("order.lines[].quantity", "number", True, "sample"),
        ("order.lines[].sku", "string", True, "sample"),
        ("order.number", "string", True, "sample"),
        ("order.placed_on", "date", True, "template"),  # format_date
        ("order.shipping", "string", False, "template"),  # == "express", only tested
        ("order.shipping_cost", "number", True, "template"),
        ("order.total", "number", True, "template"),
        ("order.url", "string", True, "sample"),
        ("unsubscribe_url", "string", True, "sample"),  # from the footer block
    ]
    assert found.validate(sample_order()) == []  # the sample matches its own types


def test_usage_gives_the_types_and_what_may_be_missing() -> None:
    found = of_text(
        "{{ name|default('x') }} {{ title|upper }} {{ at|format_datetime }} {{ n }}"
        "{% if vip %}{{ since|format_date }}{% endif %}"
        "{% if plan == 'pro' or level == 2 %}!{% endif %}"
        "{% for t in tags %}{{ t }}{{ sep }}{% endfor %}"
        "{% for g in groups %}{% for m in g.members %}{{ m.email }}{% endfor %}{% endfor %}"
    )
    assert rows(found) == [
        ("at", "datetime", True, "template"),
        ("groups", "list", False, "template"),  # looped over: missing is empty
        ("groups[]", "object", False, "template"),
        ("groups[].members", "list", False, "template"),
        ("groups[].members[]", "object", True, "template"),
        ("groups[].members[].email", "scalar", True, "template"),  # printed: string or number
        ("level", "number", False, "template"),
        ("n", "scalar", True, "template"),
        ("name", "scalar", False, "template"),
        ("plan", "string", False, "template"),
        ("sep", "scalar", False, "template"),  # only inside a loop: not needed without items
        ("since", "date", False, "template"),  # only inside an if
        ("tags", "list", False, "template"),
        ("tags[]", "scalar", True, "template"),
        ("title", "string", True, "template"),
        ("vip", "any", False, "template"),
    ]


def test_sample_data_narrows_printed_and_tested_values() -> None:
    source = "{{ n }} {{ s }} {{ price|format_number }}{% if flag %}{{ gone }}{% endif %}"
    sample = {"n": 3, "s": "x", "price": "12.50", "flag": True, "gone": None}
    assert rows(of_text(source, sample)) == [
        ("flag", "boolean", False, "sample"),
        ("gone", "scalar", False, "template"),  # a null in the sample: it may be null
        ("n", "number", True, "sample"),  # a JSON 3 is a number, not an integer
        ("price", "number", True, "template"),  # the template's use wins over the sample's
        ("s", "string", True, "sample"),
    ]


# --- declarations ------------------------------------------------------------------------


def add_declarations(root: Path, text: str) -> Path:
    file = root / ORDER_TOML
    file.write_text(file.read_text("utf-8") + "\n" + text, "utf-8")
    return file


def test_declarations_win_and_survive_a_rewrite_of_template_toml(sample_project: Path) -> None:
    add_declarations(
        sample_project,
        "[variables]\n"
        '"order.item_count" = "integer"\n'
        '"order.placed_on" = { type = "datetime", required = false }\n'
        '"order.shipping" = { required = true }\n'
        '"order.gift.note" = "string"\n',
    )
    project = open_project(sample_project)
    found = variables_of(ORDER, project=project)
    assert [r for r in rows(found) if r[3] == "template.toml"] == [
        ("order.gift", "object", False, "template.toml"),  # a declared field's parent
        ("order.gift.note", "string", False, "template.toml"),
        ("order.item_count", "integer", True, "template.toml"),
        ("order.placed_on", "datetime", False, "template.toml"),
        ("order.shipping", "string", True, "template.toml"),  # the inferred type, now required
    ]
    template = project.templates.get("tem_01m2n5d9rf9y9x6nmxjjscqfn0")
    assert template.to_toml()["variables"]["order.item_count"] == "integer"


@pytest.mark.parametrize(
    ("declaration", "error"),
    [
        (
            '"order.total" = "num"',
            '{f}:9: [variables] "order.total": unknown type "num" (hint: one of string, '
            "number, integer, boolean, date, datetime, object, list, scalar, any)",
        ),
        (
            '"order..total" = "number"',
            '{f}:9: [variables] "order..total": not a data path (hint: names joined by dots, '
            '[] for a list\'s items: "order.lines[].price")',
        ),
        (
            '"order.total" = { type = "number", optional = true }',
            '{f}:9: [variables] "order.total": unknown key "optional" (hint: a declaration '
            'has "type" and "required"; quote a dotted path as a whole)',
        ),
        (
            '"order.total" = { required = "yes" }',
            '{f}:9: [variables] "order.total": required must be true or false, not "yes"',
        ),
        (
            '"order.total" = 3',
            '{f}:9: [variables] "order.total": a declaration is a type name or a table (hint: '
            '"order.total" = "number" or "order.note" = { type = "string", required = false })',
        ),
        (
            'order.total = "number"',  # a bare dotted key is a nested table in TOML
            '{f}:9: [variables] "order": unknown key "total" (hint: a declaration has "type" '
            'and "required"; quote a dotted path as a whole)',
        ),
    ],
)
def test_a_bad_declaration_is_one_line_naming_template_toml_and_its_line(
    sample_project: Path, run: Run, declaration: str, error: str
) -> None:
    add_declarations(sample_project, f"[variables]\n{declaration}\n")
    with pytest.raises(ProjectError) as exc:
        variables_of(ORDER, project=open_project(sample_project))
    assert str(exc.value) == error.replace("{f}", ORDER_TOML)
    result = run("--project", sample_project, "variables", ORDER)
    assert (result.code, result.out, result.err) == (1, "", f"error: {exc.value}\n")


def test_declare_finds_the_line_of_a_table_written_by_tomli_w() -> None:
    text = '[variables."order.total"]\ntype = "nope"\n'
    with pytest.raises(ProjectError, match=r'^t.toml:1: \[variables\] "order.total": unknown'):
        declare(Variables(), {"order.total": {"type": "nope"}}, file="t.toml", text=text)


# --- JSON Schema -------------------------------------------------------------------------


def test_json_schema_draft_2020_12() -> None:
    found = of_text(
        "{{ total|format_currency('EUR') }}{{ note|default('') }}{{ on|format_date }}"
        "{% for l in lines %}{{ l.sku }}{% else %}-{% endfor %}",
        {"lines": [{"sku": "A"}]},
    )
    assert found.json_schema("Order") == {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Order",
        "type": "object",
        "properties": {
            "lines": {
                "type": ["array", "null"],
                "items": {
                    "type": "object",
                    "properties": {"sku": {"type": "string"}},
                    "required": ["sku"],
                },
            },
            "note": {"type": ["string", "number", "null"]},
            "on": {"type": "string", "format": "date"},
            "total": {"type": "number"},
        },
        "required": ["on", "total"],
    }


# --- validating data -----------------------------------------------------------------------


def test_validate_reports_every_problem_with_its_path() -> None:
    found = variables_of(ORDER, project=open_project(SAMPLE_TEMPLATES))
    data = sample_order()
    data["order"]["lines"][2]["price"] = "abc"
    data["order"]["lines"][0] = "scarf"
    data["order"]["placed_on"] = "12/10/2026"
    data["order"]["total"] = None
    data["order"]["shipping"] = None  # may be null: only tested
    del data["order"]["url"]
    data["customer"] = []
    assert found.validate(data) == [
        "customer: expected an object, got a list",
        'order.lines[0]: expected an object, got "scarf"',
        'order.lines[2].price: expected a number, got "abc"',
        'order.placed_on: expected a date (YYYY-MM-DD), got "12/10/2026"',
        "order.total: expected a number, got null",
        "order.url: missing (expected a string)",
    ]


def test_csv_cells_of_digits_are_numbers() -> None:
    found = of_text("{{ total|format_number }}{{ n|format_number }}")
    assert found.validate({"total": "12.50", "n": "x"}, csv=True) == [
        'n: expected a number, got "x"'
    ]
    assert found.validate({"total": "12.50", "n": 1}) == ['total: expected a number, got "12.50"']


# --- the CLI -----------------------------------------------------------------------------


def test_cli_variables_table_json_and_schema(run: Run) -> None:
    text = run("variables", WELCOME, cwd=SAMPLE_TEMPLATES)
    assert (text.code, text.err) == (0, "")
    assert text.out == (
        "PATH             TYPE     REQUIRED  FROM\n"
        "support_email    string   yes       sample\n"
        "unsubscribe_url  string   yes       sample\n"
        "user             object   no        template\n"
        "user.first_name  string   no        sample\n"
        "user.plan        string   no        template\n"
        "user.trial       boolean  no        sample\n"
        "user.trial_days  number   no        template\n"
    )
    found = variables_of(WELCOME, project=open_project(SAMPLE_TEMPLATES))
    as_json = run("variables", WELCOME, "--json", cwd=SAMPLE_TEMPLATES)
    assert json.loads(as_json.out) == found.to_json()
    assert json.loads(as_json.out)[0] == {
        "path": "support_email",
        "type": "string",
        "required": True,
        "source": "sample",
    }
    schema = run("variables", WELCOME, "--format", "jsonschema", cwd=SAMPLE_TEMPLATES)
    assert json.loads(schema.out) == found.json_schema("Welcome")


def test_compiled_carries_the_typed_variables() -> None:
    compiled = compile_parts(ORDER, "jinja", project=open_project(SAMPLE_TEMPLATES))
    assert set(compiled.variables) < {v.path for v in compiled.variable_types}
    assert compiled.variable_types == variables_of(ORDER, project=open_project(SAMPLE_TEMPLATES))
    assert compiled.to_json()["variableTypes"][0] == {
        "path": "customer",
        "type": "object",
        "required": False,
        "source": "template",
    }


def test_render_strict_reports_every_problem(run: Run, tmp_path: Path) -> None:
    data = sample_order()
    data["order"]["lines"][2]["price"] = "abc"
    data["order"]["item_count"] = "3"
    del data["order"]["total"]
    file = tmp_path / "d.json"
    file.write_text(json.dumps(data), "utf-8")
    result = run("render", ORDER, "--data", file, "--strict", cwd=SAMPLE_TEMPLATES)
    assert (result.code, result.out) == (1, "")
    assert result.err == (
        'error: order.lines[2].price: expected a number, got "abc"\n'
        "error: order.total: missing (expected a number)\n"
        "error: the plural count 'order.item_count' is the string '3', not a number "
        "(hint: give the count as a number)\n"
    )
    data = sample_order()
    del data["order"]["url"]
    file.write_text(json.dumps(data), "utf-8")
    result = run("render", ORDER, "--data", file, "--strict", cwd=SAMPLE_TEMPLATES)
    assert (result.code, result.err) == (1, "error: order.url: missing (expected a string)\n")
    result = run("render", ORDER, "--data", file, cwd=SAMPLE_TEMPLATES)
    assert (result.code, result.err) == (0, "")  # without --strict: no new warning


def test_render_batch_strict_names_the_records_line(run: Run, tmp_path: Path) -> None:
    good = sample_order()
    bad = sample_order()
    bad["order"]["lines"][2]["price"] = "abc"
    bad["order"]["placed_on"] = None
    recipients = tmp_path / "r.jsonl"
    recipients.write_text(f"{json.dumps(good)}\n{json.dumps(bad)}\n", "utf-8")
    out = tmp_path / "out.jsonl"
    args = ("render-batch", ORDER, "--recipients", recipients, "--out", out)
    result = run(*args, "--strict", cwd=SAMPLE_TEMPLATES)
    assert result.code == 1
    assert result.err.splitlines()[0] == (
        f'error: {recipients}:2: order.lines[2].price: expected a number, got "abc"; '
        "order.placed_on: expected a date (YYYY-MM-DD), got null"
    )
    lines = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert lines[1] == {
        "line": 2,
        "error": 'order.lines[2].price: expected a number, got "abc"; '
        "order.placed_on: expected a date (YYYY-MM-DD), got null",
    }
    assert "error" not in lines[0]


# No JSON Schema validator is installed: this one reads the keywords json_schema writes
# (type, properties, required, items), enough to check the schema says what validate() does.
JSON_TYPES: dict[str, Callable[[Any], bool]] = {
    "null": lambda v: v is None,
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "string": lambda v: isinstance(v, str),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
}


def schema_problems(schema: dict[str, Any], value: Any, where: str = "") -> list[str]:
    kinds = schema.get("type", list(JSON_TYPES))
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if not any(JSON_TYPES[k](value) for k in kinds):
        return [where]
    out = []
    if isinstance(value, dict):
        for name in schema.get("required", []):
            if name not in value:
                out.append(f"{where}.{name}".lstrip("."))
        for name, sub in schema.get("properties", {}).items():
            if name in value:
                out += schema_problems(sub, value[name], f"{where}.{name}".lstrip("."))
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            out += schema_problems(schema["items"], item, f"{where}[{i}]")
    return out


@pytest.mark.parametrize(
    "template",
    [ORDER, WELCOME, "acme-shop/account/password-reset", "acme-shop/orders/shipping-notification"],
)
def test_each_samples_data_matches_its_json_schema(template: str) -> None:
    project = open_project(SAMPLE_TEMPLATES)
    found = variables_of(template, project=project)
    sample = json.loads((SAMPLE_TEMPLATES / "workspaces" / template / "sample.json").read_text())
    assert schema_problems(found.json_schema(), sample) == []
    assert found.validate(sample) == []


def test_the_json_schema_rejects_what_validate_rejects() -> None:
    found = variables_of(ORDER, project=open_project(SAMPLE_TEMPLATES))
    data = sample_order()
    data["order"]["lines"][2]["price"] = "abc"
    data["order"]["lines"][0] = "scarf"
    data["order"]["total"] = None
    data["order"]["shipping"] = None
    data["order"]["item_count"] = 1.5
    del data["order"]["url"]
    data["customer"] = []
    wrong = [problem.split(":")[0] for problem in found.validate(data)]
    assert wrong == [
        "customer",
        "order.lines[0]",
        "order.lines[2].price",
        "order.total",
        "order.url",
    ]
    assert sorted(schema_problems(found.json_schema(), data)) == wrong


def test_send_strict_sends_nothing_when_the_data_does_not_match(
    run: Run, sample_project: Path, tmp_path: Path
) -> None:
    reset = "acme-shop/account/password-reset"
    data = json.loads((sample_project / "workspaces" / reset / "sample.json").read_text())
    del data["reset"]["url"]
    data["user"]["email"] = 7
    file = tmp_path / "d.json"
    file.write_text(json.dumps(data), "utf-8")
    args = ("send", reset, "--to", "a@example.com", "--data", file, "--strict")
    result = run(*args, cwd=sample_project)
    assert (result.code, result.out) == (1, "")
    assert result.err == (
        "error: reset.url: missing (expected a string); user.email: expected a string, got 7\n"
    )
    assert not (sample_project / ".tmplkit" / "outbox.jsonl").exists()


def test_library_render_validate_raises_every_type_problem(sample_project: Path) -> None:
    project = tmplkit.open_project(sample_project)
    data = {"user": {"first_name": 7, "plan": "pro", "trial": "yes", "trial_days": 3}}
    data |= {"support_email": "help@acme.example", "unsubscribe_url": "https://acme.example/u"}
    with pytest.raises(tmplkit.DataError) as error:
        tmplkit.render("acme-shop/account/welcome", data, project=project, validate=True)
    assert error.value.problems == [
        "user.first_name: expected a string, got 7",
        'user.trial: expected true or false, got "yes"',
    ]
    assert str(error.value) == "user.first_name: expected a string, got 7 (and 1 more)"
    # without validate, the same data renders (as the reference prints it), strictly too
    message = tmplkit.render("acme-shop/account/welcome", data, project=project, strict=True)
    assert message.subject == "Welcome to Acme Shop, 7!"
    message = tmplkit.render("acme-shop/account/welcome", data, project=project)
    assert message.subject == "Welcome to Acme Shop, 7!"


def test_a_plural_count_declared_an_integer_is_checked_as_one(
    run: Run, sample_project: Path, tmp_path: Path
) -> None:
    toml = sample_project / "workspaces" / ORDER / "template.toml"
    toml.write_text(toml.read_text("utf-8") + '\n[variables]\n"order.item_count" = "integer"\n')
    file = tmp_path / "d.json"
    for count, err in [
        (2.5, "error: order.item_count: expected an integer, got 2.5\n"),
        ("3", 'error: order.item_count: expected an integer, got "3"\n'),
        (3, ""),
    ]:
        data = sample_order()
        data["order"]["item_count"] = count
        file.write_text(json.dumps(data), "utf-8")
        result = run("render", ORDER, "--data", file, "--strict", cwd=sample_project)
        assert (result.code, result.err) == (1 if err else 0, err), count
