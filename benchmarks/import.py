"""Translation import time against the number of keys: is `i18n import` linear?

    python benchmarks/import.py [--keys 1000,10000,100000]

For each size, a JSON translation file of that many keys is imported into a copy of the sample
project (`import_translations`, as `tmplkit i18n import pl-PL FILE` runs it; the keys are not
the project's, so every one is a problem and nothing is written: the validation, which reads
and checks every key, is what is timed). It prints the time per size and the cost of one more
key between the two largest sizes against the two smallest: 1 is linear. Before the fix a
100,000-key file took 42-76 s, each key's line being counted from the start of the file.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import tmplkit  # noqa: E402
from tmplkit.i18n.workflow import import_translations  # noqa: E402


def timed(project: tmplkit.Project, file: Path) -> float:
    started = time.perf_counter()
    report = import_translations(project, "pl-PL", file)
    elapsed = time.perf_counter() - started
    assert report.problems and not report.written  # every key unknown: nothing imported
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", default="1000,10000,100000", help="sizes, comma-separated")
    args = parser.parse_args()
    sizes = [int(n) for n in args.keys.split(",")]
    print(f"machine: {platform.machine()}, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "project"
        shutil.copytree(ROOT / "sample_templates", root, ignore=shutil.ignore_patterns(".tmplkit"))
        project = tmplkit.open_project(root)
        times = []
        print(f"{'keys':>9}  {'seconds':>8}  {'µs/key':>7}")
        for n in sizes:
            file = Path(tmp) / f"{n}.json"
            keys = {f"Key number {i} %(name)s": f"Klucz {i} %(name)s" for i in range(n)}
            file.write_text(json.dumps(keys, indent=2), "utf-8")
            best = min(timed(project, file) for _ in range(3 if n <= 10_000 else 1))
            times.append(best)
            print(f"{n:>9,}  {best:>8.3f}  {best / n * 1e6:>7.1f}")
    # The cost of one more key, between the two largest sizes against the two smallest (a
    # fixed cost, such as reading the project's keys, drops out): 1 is linear.
    last = (times[-1] - times[-2]) / (sizes[-1] - sizes[-2])
    first = (times[1] - times[0]) / (sizes[1] - sizes[0])
    print(
        f"\nper key from {sizes[-2]:,} to {sizes[-1]:,} keys against {sizes[0]:,} to "
        f"{sizes[1]:,}: {last * 1e6:.1f} / {first * 1e6:.1f} µs = {last / first:.2f} (1 is linear)"
    )


if __name__ == "__main__":
    main()
