"""render-batch time of Foundation for Emails' order e-mail, with and without its structural rules.

    python benchmarks/foundation.py [--n 5000] [--repeat 5] [--seconds 2]

The template is tests/data/foundation/order.html.j2: Foundation's templates/order.html built by
inky into its default layout, with dist/foundation-emails.css (2.5.1) in a <style>, the order
fields as outputs and its lines as a loop. Its stylesheet has three structural rules
(`p + .stat`, `.menu-item:first-child`, `.menu-item:last-child`) that match nothing the data
changes; the control is the same template without those three rules. The goal: the order
e-mail within 1.5× the control's time (CSS inlined once, at compile time, for both).

Both are rendered by `python -m tmplkit render-batch … --out FILE --json` in a fresh process,
for N recipients with 0 to 6 order lines and some with a gift message; the two take turns,
R times, and the best run of each counts (as the command's summary reports it: from its first
chunk to its last). Then µs per message in-process: the prepared message (Renderer) against
what per-message inlining costs (render, css-inline the whole message, derive its text part),
the path the order e-mail took before its structural rules were judged one by one.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from render import per_call_us  # noqa: E402

import tmplkit  # noqa: E402
from tmplkit.message.inline import inliner  # noqa: E402
from tmplkit.message.textpart import html_to_text  # noqa: E402
from tmplkit.pipeline import emit_part, resolve  # noqa: E402
from tmplkit.targets.jinja import environment  # noqa: E402

TEMPLATE = ROOT / "tests" / "data" / "foundation" / "order.html.j2"
STRUCTURAL_RULES = [
    r"p \+ \.stat \{[^}]*\}",
    r"\.menu:not\(\.float-center\) \.menu-item:first-child \{[^}]*\}",
    r"\.menu:not\(\.float-center\) \.menu-item:last-child \{[^}]*\}",
]
PRODUCTS = [
    ("Ship's Cannon", "$100"),
    ("Spyglass <brass>", "$45"),
    ('Rum, "Navy" strength', "$12"),
    ("Parrot & perch", "$300"),
]


def without_structural_rules(html: str) -> str:
    for rule in STRUCTURAL_RULES:
        html, n = re.subn(rule, "", html)
        if n != 1:
            raise SystemExit(f"the rule {rule} is not in {TEMPLATE} once")
    return html


def recipient(r: random.Random, i: int) -> dict[str, Any]:
    lines = [
        {"name": name, "quantity": r.randint(1, 5), "price": price}
        for name, price in (r.choice(PRODUCTS) for _ in range(r.randint(0, 6)))
    ]
    order: dict[str, Any] = {
        "id": str(239235983749636 + i),
        "payment_method": r.choice(["Dubloons", "Pieces of eight", "Card"]),
        "shipping_method": r.choice(["Boat (1–2 weeks)", "Raven", "Bottle"]),
        "address": {"name": f"Captain {i}", "street": "123 Maple Rd", "city": "Campbell"},
        "lines": lines,
        "subtotal": f"${100 * len(lines)}",
    }
    if r.random() < 0.3:
        order["gift_message"] = "Arr, happy birthday!"
    return {"customer": {"email": f"capn{i}@pirates.example"}, "order": order}


def render_batch(source: Path, recipients: Path, out: Path) -> dict[str, Any]:
    command = [sys.executable, "-m", "tmplkit", "render-batch", str(source)]
    command += ["--recipients", str(recipients), "--out", str(out), "--json"]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    summary: dict[str, Any] = json.loads(done.stdout)
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()

    r = random.Random(14)
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        foundation = directory / "order.html.j2"
        control = directory / "order-without-structural-rules.html.j2"
        foundation.write_text(TEMPLATE.read_text("utf-8"), "utf-8")
        control.write_text(without_structural_rules(TEMPLATE.read_text("utf-8")), "utf-8")
        recipients = directory / "recipients.jsonl"
        with recipients.open("w", encoding="utf-8") as f:
            for i in range(args.n):
                f.write(json.dumps(recipient(r, i)) + "\n")

        renderer = tmplkit.Renderer()
        for source in (foundation, control):
            prepared = renderer.prepare(str(source))
            how = prepared.inline_per_message or "at compile time"
            print(f"{source.name}: CSS inlined {how}")

        best: dict[Path, float] = {}
        for _ in range(args.repeat):
            for source in (foundation, control):
                summary = render_batch(source, recipients, directory / "out.jsonl")
                if summary["rendered"] != args.n:
                    raise SystemExit(f"{source.name}: {summary}")
                elapsed = float(summary["elapsedSeconds"])
                best[source] = min(best.get(source, elapsed), elapsed)

        python = platform.python_version()
        print(f"\nrender-batch, {args.n} recipients, best of {args.repeat} (python {python})")
        for source in (foundation, control):
            seconds = best[source]
            print(
                f"  {source.name:40} {seconds:7.3f} s  {args.n / seconds:8,.0f} messages/s"
                f"  {seconds / args.n * 1e6:6.0f} µs/message"
            )
        ratio = best[foundation] / best[control]
        verdict = "ok" if ratio <= 1.5 else "OVER THE GOAL"
        print(f"  ratio order / without its structural rules: {ratio:.2f} (goal ≤ 1.5: {verdict})")

        data = recipient(random.Random(1), 1)
        sources = resolve(str(foundation))
        emitted = emit_part(sources.parts["html"], None, "jinja", owner=sources.template)
        bare = environment(autoescape=True).from_string(emitted)
        prepared = renderer.prepare(str(foundation))
        start = time.perf_counter()
        compiled = per_call_us(lambda: prepared.render(data), args.seconds)

        def inline_per_message() -> tuple[str, str]:
            html = inliner().inline(bare.render(data))
            return html, html_to_text(html)

        per_message = per_call_us(inline_per_message, args.seconds)
        took = time.perf_counter() - start
        print(f"\nin-process, one message (µs, median of 5 rounds, {took:.0f} s)")
        print(f"  prepared (CSS inlined at compile time): {compiled:8.0f} µs")
        print(f"  per message (render, css-inline, text part): {per_message:8.0f} µs")
        print(f"  per-message / prepared: {per_message / compiled:.0f}×")


if __name__ == "__main__":
    main()
