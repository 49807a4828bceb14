"""The layout docs/architecture.md draws holds: no import cycle, no module over 800 lines, no
function over 8 parameters, every emitter visits every IR node.

The import graph is built from the source (every `import` and `from … import`, those inside
functions included: a deferred import is still a dependency), over the modules of src/tmplkit.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from tmplkit import ir
from tmplkit.targets import TARGETS, get_emitter

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "tmplkit"
MAX_LINES = 800
MAX_PARAMETERS = 8


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str, path: Path) -> set[str]:
    """The tmplkit modules `name` imports, wherever in the file the import is."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            # `from . import ir` imports the module tmplkit.ir; `from .x import y`, module x
            targets = [f"{prefix}.{alias.name}" for alias in node.names] + [prefix]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target != name and target.startswith("tmplkit"):
                found.add(target)
    # `from .x import y` where y is a module adds x.y; x itself is imported too (its __init__)
    return found


def graph() -> dict[str, set[str]]:
    return {name: imports_of(name, path) for name, path in MODULES.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def without_package_inits(edges: dict[str, set[str]]) -> dict[str, set[str]]:
    """A package's `__init__` that re-exports its modules imports them, and each of them
    imports the package on the way to a sibling: that pair is not a cycle of the design. The
    edges from a module to its own package's `__init__` are dropped."""
    return {v: {w for w in ws if not v.startswith(w + ".")} for v, ws in edges.items()}


def test_the_import_graph_has_no_cycle() -> None:
    assert cycles(without_package_inits(graph())) == []


def test_no_module_is_over_800_lines() -> None:
    long = {
        name: n
        for name, path in MODULES.items()
        if (n := len(path.read_text("utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def parameter_count(args: ast.arguments) -> int:
    """Every parameter (positional-only, keyword-only, *args and **kwargs included) but a
    method's `self` or `cls`."""
    positional = [*args.posonlyargs, *args.args]
    count = len(positional) + len(args.kwonlyargs)
    count += (args.vararg is not None) + (args.kwarg is not None)
    if positional and positional[0].arg in ("self", "cls"):
        count -= 1
    return count


def test_no_function_takes_more_than_8_parameters() -> None:
    """Past 8, the parameters want a dataclass or a TypedDict of keywords (STYLE.md)."""
    long = {
        f"{name}:{node.lineno} {getattr(node, 'name', '<lambda>')}": n
        for name, path in MODULES.items()
        for node in ast.walk(ast.parse(path.read_text("utf-8")))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        and (n := parameter_count(node.args)) > MAX_PARAMETERS
    }
    assert long == {}


def test_the_cli_is_a_package_with_a_module_per_group() -> None:
    assert (PACKAGE / "cli" / "__init__.py").is_file()
    assert not (PACKAGE / "cli.py").exists()


NODES = [
    name
    for name, cls in inspect.getmembers(ir, inspect.isclass)
    if cls.__module__ == ir.__name__ and name in ("Text", "Output", "If", "For")
]
CONDITIONS = ["Truthy", "Compare", "IsCount", "IsDecimal", "NumberTest", "Not", "And", "Or"]


# html renders the part through the reference at compile time: it visits nothing itself
@pytest.mark.parametrize("target", [t for t in TARGETS if t != "html"])
def test_every_emitter_visits_every_node_and_condition(target: str) -> None:
    emitter = get_emitter(target)
    assert NODES == ["For", "If", "Output", "Text"]
    missing = [f"visit_{n}" for n in NODES if not hasattr(emitter, f"visit_{n}")]
    missing += [f"cond_{c}" for c in CONDITIONS if not hasattr(emitter, f"cond_{c}")]
    assert missing == []


# docs/architecture.md's layers, bottom up: a module imports only from its layer or below
LAYERS: list[tuple[str, list[str]]] = [
    (
        "ground",
        [
            "tmplkit.errors",
            "tmplkit.langtags",
            "tmplkit.model",
            "tmplkit.datafile",
            "tmplkit.html5",
            "tmplkit.urls",
            "tmplkit.progress",
            "tmplkit.store",
            "tmplkit.registry",
        ],
    ),
    (
        "locale data",
        ["tmplkit.i18n", "tmplkit.i18n.formats", "tmplkit.i18n.cldr", "tmplkit.i18n.locales"],
    ),
    ("template", ["tmplkit.template"]),
    (
        "catalogs",
        [
            f"tmplkit.i18n.{m}"
            for m in (
                "plural",
                "pluralforms",
                "catalog",
                "checks",
                "extract",
                "pseudo",
                "workflow",
                "babel_extractor",
            )
        ],
    ),
    (
        "IR stages",
        ["tmplkit.localize", "tmplkit.htmlcontext", "tmplkit.htmllang", "tmplkit.variables.model"],
    ),
    ("targets", ["tmplkit.targets"]),
    ("message", ["tmplkit.message", "tmplkit.mjml"]),
    (
        "pipeline",
        ["tmplkit.pipeline", "tmplkit.layouts", "tmplkit.inline_css", "tmplkit.variables"],
    ),
    (
        "products",
        [
            "tmplkit.compiler",
            "tmplkit.compile_all",
            "tmplkit.rendering",
            "tmplkit.sms",
            "tmplkit.review",
            "tmplkit.lint",
        ],
    ),
    ("delivery", ["tmplkit.batch", "tmplkit.handoff"]),
    ("service", ["tmplkit.server", "tmplkit.sync", "tmplkit.preview"]),
    ("command line", ["tmplkit.cli", "tmplkit.__main__", "tmplkit"]),
]


def layer_of(module: str) -> int:
    """The layer of a module: that of the longest name in LAYERS it is or is inside."""
    found = [
        (len(prefix), i)
        for i, (_, prefixes) in enumerate(LAYERS)
        for prefix in prefixes
        if module == prefix or module.startswith(prefix + ".")
    ]
    assert found, f"{module} is in no layer of docs/architecture.md"
    return max(found)[1]


def test_no_import_points_up_a_layer() -> None:
    up = [
        f"{v} ({LAYERS[layer_of(v)][0]}) imports {w} ({LAYERS[layer_of(w)][0]})"
        for v, ws in sorted(without_package_inits(graph()).items())
        for w in sorted(ws)
        if layer_of(w) > layer_of(v)
    ]
    assert up == []


def test_a_function_taking_options_refuses_an_unknown_keyword(tmp_path: Path) -> None:
    """`**options: Unpack[…]` takes any name: each public one raises Python's own TypeError."""
    import tmplkit
    from tmplkit.batch import render_batch
    from tmplkit.handoff.http import HttpClient
    from tmplkit.handoff.send import send
    from tmplkit.handoff.send_batch import send_batch
    from tmplkit.i18n.workflow import import_translations

    calls = {
        "compile_string": lambda: tmplkit.compile_string("x", stritc=True),
        "send": lambda: send("x.txt.j2", "a@example.com", stritc=True),
        "send_batch": lambda: send_batch("x.txt.j2", [], stritc=True),
        "import_translations": lambda: import_translations(None, "fr", tmp_path, stritc=True),  # type: ignore[arg-type]
        "HttpClient": lambda: HttpClient("svc", stritc=True),
    }
    calls["render_batch"] = lambda: render_batch("x.txt.j2", [], stritc=True)
    for name, call in calls.items():
        with pytest.raises(TypeError) as error:
            call()
        assert str(error.value) == f"{name}() got an unexpected keyword argument 'stritc'"
