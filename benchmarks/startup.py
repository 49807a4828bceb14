"""How long `tmplkit --version` takes to start against `python -c "import click"`.

    python benchmarks/startup.py [--runs N]

Both are run N times (default 15) as subprocesses of the same interpreter, alternating so that
a busy machine slows both alike; the median wall time of each and their ratio are printed. The
goal (issue 15) is a ratio of at most 2: start-up imports click and the command line, and the
library's heavy modules (jinja2, babel, lxml, css_inline, httpx, the targets, rendering) only
when a command needs them. tests/test_startup.py asserts which modules a start-up imports,
not how long it takes.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL = 2.0

CLICK = [sys.executable, "-c", "import click"]
# What the `tmplkit` console script runs (its entry point, tmplkit.cli:main).
TMPLKIT = [sys.executable, "-c", "from tmplkit.cli import main; main()", "--version"]


def wall_time(command: Sequence[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - start


def medians(runs: int) -> tuple[float, float]:
    """The median seconds of `import click` and of `tmplkit --version` over `runs` runs each."""
    wall_time(CLICK), wall_time(TMPLKIT)  # warm the file cache and the bytecode
    click_times, tmplkit_times = [], []
    for _ in range(runs):
        click_times.append(wall_time(CLICK))
        tmplkit_times.append(wall_time(TMPLKIT))
    return statistics.median(click_times), statistics.median(tmplkit_times)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs of each (default: 15)")
    args = parser.parse_args(argv)
    click_s, tmplkit_s = medians(args.runs)
    ratio = tmplkit_s / click_s
    print(f'python -c "import click": {click_s * 1000:7.1f} ms (median of {args.runs})')
    print(f"tmplkit --version:        {tmplkit_s * 1000:7.1f} ms (median of {args.runs})")
    print(f"ratio: {ratio:.2f} (goal: at most {GOAL:g})")


if __name__ == "__main__":
    main()
