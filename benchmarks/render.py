"""µs per message: bare Jinja2 vs tmplkit's full message vs the naive per-message pipeline.

    python benchmarks/render.py [--template acme-shop/orders/order-confirmation] [--seconds 3]

(a) bare Jinja2 render of the un-inlined HTML source (no CSS inlining, no text part);
(b) tmplkit: a full message (subject + inlined HTML + text, and the draft's SMS part) from a
    prepared template;
(c) the naive pipeline: Jinja2 render + premailer (CSS inlining) + html2text, per message.
Prints each, and the ratios b/a and c/b. Run it on an idle machine; it times each candidate in
alternating rounds so that noise hits all three alike.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import tmplkit  # noqa: E402
import tmplkit.targets.jinja  # noqa: E402
from tmplkit.pipeline import emit_part, resolve  # noqa: E402


def per_call_us(fn: Callable[[], Any], seconds: float) -> float:
    """Best-of-rounds µs per call: each round runs for about `seconds / 5`."""
    fn()
    n = 1
    while True:
        start = time.perf_counter()
        for _ in range(n):
            fn()
        took = time.perf_counter() - start
        if took > 0.05:
            break
        n *= 2
    per_round = max(1, int(n * (seconds / 5) / took))
    best = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(per_round):
            fn()
        best.append((time.perf_counter() - start) / per_round * 1e6)
    return statistics.median(best)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--template", default="acme-shop/orders/order-confirmation")
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()

    import html2text
    import premailer

    project = tmplkit.open_project(ROOT / "sample_templates")
    template = project.templates.get(args.template)
    data = project.templates.sample_data(template) or {}
    sources = resolve(template.id, project)
    source_html = emit_part(sources.parts["html"], project, "jinja", owner=sources.template)

    env = jinja2.Environment(autoescape=True)
    # The template's own URL checks (href="{{ order.url }}") and value formatting
    # (format_currency, format_date: Babel), as any sender registers them.
    theirs = tmplkit.targets.jinja.environment(autoescape=True).filters
    wanted = [name for name in theirs if name == "check_url" or name.startswith("format_")]
    env.filters.update({name: theirs[name] for name in wanted})
    bare = env.from_string(source_html)
    prepared = tmplkit.Renderer(project).prepare(template.id)
    converter = html2text.HTML2Text()

    def naive() -> tuple[str, str]:
        html = premailer.transform(bare.render(data))
        return html, converter.handle(html)

    size = len(bare.render(data).encode("utf-8"))
    a = per_call_us(lambda: bare.render(data), args.seconds)
    b = per_call_us(lambda: prepared.render(data), args.seconds)
    c = per_call_us(naive, args.seconds)
    machine = platform.processor() or platform.machine()
    print(f"machine: {machine}, Python {platform.python_version()}")
    print(f"template: {args.template} ({size} bytes of HTML per message)")
    print(f"(a) bare Jinja2 render, un-inlined source:         {a:9.1f} µs/message")
    print(f"(b) tmplkit full message (subject+HTML+text+SMS):  {b:9.1f} µs/message")
    print(f"(c) naive: Jinja2 + premailer + html2text:          {c:9.1f} µs/message")
    print(f"b/a = {b / a:.2f}   (goal: ≤ 2.5)")
    print(f"c/b = {c / b:.1f}   (goal: ≥ 20)")


if __name__ == "__main__":
    main()
