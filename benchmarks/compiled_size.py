"""How large each target's compiled template is against the jinja target's, on the sample project.

    python benchmarks/compiled_size.py [--locale fr-FR] [--inline-formats]

For each sample template (its HTML part) and each target: the compiled size (UTF-8 bytes, as a
file is measured) divided by the jinja
target's, or why the target refuses it. The goal (issue 14) is at most 1.25 for every target
that compiles the template; a refusal is one line naming the construct. `--inline-formats`
shows what the order e-mails cost with tmplkit's CLDR formatter written into the targets that
have none (handlebars, liquid, freemarker, cheetah). tests/test_compiled_size.py asserts the goal.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import tmplkit  # noqa: E402
from tmplkit.compiler import compile_parts  # noqa: E402
from tmplkit.errors import CompileError  # noqa: E402
from tmplkit.targets import TARGETS  # noqa: E402

TEMPLATES = [
    "acme-shop/account/welcome",
    "acme-shop/account/password-reset",
    "acme-shop/orders/order-confirmation",
    "acme-shop/orders/shipping-notification",
]
GOAL = 1.25


def sizes(
    project: tmplkit.Project, locale: str | None, inline_formats: bool
) -> dict[str, dict[str, int | str]]:
    """template → target → compiled HTML size in UTF-8 bytes, or the refusal's message."""
    out: dict[str, dict[str, int | str]] = {}
    for template in TEMPLATES:
        row: dict[str, int | str] = {}
        for target in TARGETS:
            if target == "html":
                continue  # the finished message, not a template
            try:
                compiled = compile_parts(
                    template,
                    target,
                    project=project,
                    locale=locale,
                    inline_formats=inline_formats,
                    only=("html",),
                )
            except CompileError as exc:
                row[target] = str(exc)
            else:
                row[target] = len((compiled.html or "").encode("utf-8"))
        out[template] = row
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--locale", default=None)
    parser.add_argument("--inline-formats", action="store_true")
    args = parser.parse_args()
    project = tmplkit.open_project(ROOT / "sample_templates")
    table = sizes(project, args.locale, args.inline_formats)
    targets = [t for t in TARGETS if t != "html"]
    print(f"compiled HTML part, size / jinja's ({args.locale or 'source locale'}; goal ≤ {GOAL})")
    print(f"{'template':40}" + "".join(f"{t[:12]:>13}" for t in targets))
    worst = 0.0
    for template, row in table.items():
        jinja = row["jinja"]
        assert isinstance(jinja, int)
        cells = []
        for target in targets:
            value = row[target]
            if isinstance(value, int):
                ratio = value / jinja
                worst = max(worst, ratio)
                cells.append(f"{ratio:>13.2f}")
            else:
                cells.append(f"{'refused':>13}")
        print(f"{template:40}" + "".join(cells))
    print(f"largest ratio: {worst:.2f} (goal ≤ {GOAL}: {'ok' if worst <= GOAL else 'OVER'})")
    for template, row in table.items():
        for target, value in row.items():
            if isinstance(value, str):
                print(f"refused: {template} {target}: {value.split(': ', 1)[-1][:160]}")


if __name__ == "__main__":
    main()
