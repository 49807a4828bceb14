"""Compile and render time against template size, 10 KB to 5 MB: is tmplkit linear?

    python benchmarks/size.py [--template acme-shop/orders/order-confirmation] [--max-kb 5000]

Each template is the sample draft's HTML part with the content of its <body> repeated until the
part reaches the size (its translations, blocks, loops and conditional classes repeated with it),
and the draft's other parts as they are; nothing is written to disk. For each size:

- compile: everything a fresh Renderer does before the first message (parse, translate, inline
  blocks, emit the jinja target, inline CSS and derive the text part, compile the Jinja
  templates), caches emptied first; the best of a few runs for the small sizes;
- render: one message with the sample data (subject, HTML, text and SMS), the best of a few.

Then, per measure, the ratio of the largest size's time to the linear extrapolation from the
sizes up to 100 KB (a least-squares line t = a + b * size through them, so that a fixed cost
does not count as slowness), and the issue's own yardstick: the largest against
(largest / 100 KB) templates of 100 KB. A ratio near 1 is linear; the goal is at most 1.5.
"""

from __future__ import annotations

import argparse
import gc
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import tmplkit  # noqa: E402
from tmplkit.pipeline import Part, SourceSet, parse_cached, resolve  # noqa: E402

SIZES_KB = [10, 20, 50, 100, 200, 500, 1000, 2000, 5000]
SMALL_KB = 100  # the sizes up to this one make the linear fit


def best_seconds(fn: Callable[[], Any], budget: float) -> float:
    """The best of as many runs as fit in about `budget` seconds (at least one, at most 7)."""
    gc.collect()
    start = time.perf_counter()
    fn()
    best = time.perf_counter() - start
    runs = min(6, int(budget / max(best, 1e-9)))
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def sized(sources: SourceSet, kb: int) -> SourceSet:
    """The sources with the HTML part's <body> content repeated to about `kb` kilobytes."""
    html = sources.parts["html"]
    head, rest = html.source.split("<body>", 1)
    body, tail = rest.split("</body>", 1)
    fixed = len(head) + len(tail) + len("<body></body>")
    copies = max(1, round((kb * 1000 - fixed) / len(body)))
    source = head + "<body>" + body * copies + "</body>" + tail
    parts = {**sources.parts, "html": Part("html", source, html.file)}
    return SourceSet(
        parts,
        sources.project,
        sources.template,
        sources.draft,
        sender=sources.sender,
        reply_to=sources.reply_to,
    )


def linear_fit(points: list[tuple[float, float]]) -> tuple[float, float]:
    """Least squares a, b of t = a + b * size."""
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    b = sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x, _ in points)
    return my - b * mx, b


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--template", default="acme-shop/orders/order-confirmation")
    parser.add_argument("--max-kb", type=int, default=SIZES_KB[-1])
    args = parser.parse_args()

    project = tmplkit.open_project(ROOT / "sample_templates")
    template = project.templates.get(args.template)
    data = project.templates.sample_data(template) or {}
    base = resolve(template.id, project)

    machine = platform.processor() or platform.machine()
    print(f"machine: {machine}, Python {platform.python_version()}")
    print(f"template: {args.template} (<body> repeated; blocks, translations and loops with it)")
    print(f"{'size':>10} {'compile s':>10} {'µs/KB':>8} {'render ms':>10} {'µs/KB':>8}")
    rows: list[tuple[int, float, float]] = []
    for kb in [kb for kb in SIZES_KB if kb <= args.max_kb]:
        sources = sized(base, kb)
        size = len(sources.parts["html"].source.encode("utf-8"))

        def compile_once(sources: SourceSet = sources) -> Any:
            parse_cached.cache_clear()
            return tmplkit.Renderer(project).prepare_sources(sources)

        compile_s = best_seconds(compile_once, budget=3.0)
        prepared = compile_once()
        if prepared.inline_per_message is not None:
            print(f"  (inlined per message: {prepared.inline_per_message})")
        render_s = best_seconds(lambda prepared=prepared: prepared.render(data), budget=1.0)
        rows.append((size, compile_s, render_s))
        kib = size / 1000
        print(
            f"{size:>10,} {compile_s:>10.3f} {compile_s / kib * 1e6:>8.0f}"
            f" {render_s * 1e3:>10.2f} {render_s / kib * 1e6:>8.2f}",
            flush=True,
        )

    largest = rows[-1]
    small = [r for r in rows if r[0] <= SMALL_KB * 1000 * 1.05]
    hundred = min(rows, key=lambda r: abs(r[0] - SMALL_KB * 1000))
    print()
    for name, k in (("compile", 1), ("render", 2)):
        a, b = linear_fit([(r[0], r[k]) for r in small])
        expected = a + b * largest[0]
        yardstick = hundred[k] * largest[0] / hundred[0]
        print(
            f"{name}: {largest[0] / 1e6:.1f} MB took {largest[k]:.3f} s;"
            f" linear from ≤ {SMALL_KB} KB predicts {expected:.3f} s:"
            f" ratio {largest[k] / expected:.2f};"
            f" {largest[0] / hundred[0]:.0f} × {hundred[0] / 1e3:.0f} KB take {yardstick:.3f} s:"
            f" ratio {largest[k] / yardstick:.2f}   (goal: ≤ 1.5)"
        )


if __name__ == "__main__":
    main()
