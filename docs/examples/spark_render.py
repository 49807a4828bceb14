"""Render a JSONL recipients file on Spark: tmplkit's batch engine API in a PySpark job.

    python docs/examples/spark_render.py sample_templates acme-shop/orders/order-confirmation \\
        recipients.jsonl out/ --locale-field locale --partitions 8 [--master spark://host:7077]

The driver resolves SOURCE once and ships the job (`tmplkit.batch.ship`) to the executors.
Spark reads the recipients file in partitions of consecutive lines; each line is numbered by
`zipWithIndex` (line = index + 1). Each partition is rendered with `render_block` (each
executor's Python worker prepares each (template, draft, locale) once and reuses it for every
partition it runs) and written to OUT/part-NNNNN.jsonl with `write_part`, atomically: a task
Spark retries rewrites the same bytes, and a reader never sees half a part. Only counts and the
bad records' (line, reason) travel back to the driver, which prints the reasons as
`error: FILE:LINE: reason` on stderr and a one-line summary, and exits 1 if a record failed.

The part files, concatenated in order, hold the bytes `tmplkit render-batch SOURCE --recipients
FILE --locale-field FIELD --out FILE` writes for the same file, with these caveats:

- Lines. Hadoop's text reader ends a line at \\n, \\r\\n *or a lone \\r*; tmplkit ends one at
  \\n only. JSON never holds a raw \\r inside a string, but it may stand between two tokens,
  and a file with old-Mac line ends has nothing else: such a \\r would split one record into
  two and renumber every line after it. So the job sets `textinputformat.record.delimiter` to
  \\n: a line then is exactly tmplkit's, a CRLF line keeps its \\r, and tmplkit drops it with
  the rest of the line's trailing white space, as the local engine does (same record, same
  column in an error). A UTF-8 BOM that opens the file is dropped, as tmplkit drops it.
- Bytes that are not UTF-8. Spark's textFile decodes each line into a Java string before
  Python sees it, replacing each invalid sequence with U+FFFD. Where the local engine reports
  `not UTF-8: …` for the record, this job renders it with U+FFFD in place of the bad bytes.

Each partition is held in memory while it renders (its lines and its output): choose
`--partitions` so that a partition is some tens of megabytes at most.

On a cluster, every executor needs this Python with tmplkit installed, the project at the
same path as on the driver (a shared file system, or the same checkout), and OUT on a file
system they all write to. Needs pyspark (`pip install 'tmplkit[spark]'`) and Java 17.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import tmplkit
from tmplkit.batch import BatchJob, ShippedJob, part_path, render_block, ship, write_part
from tmplkit.errors import TmplkitError
from tmplkit.pipeline import resolve

if TYPE_CHECKING:
    from pyspark import SparkContext

BOM = b"\xef\xbb\xbf"

# Spark's own console logging, for the driver (in local mode, the executors too): errors only;
# the job reports what happened to the records itself. PySpark's gateway takes the level of
# its own logger for the root's, and announces it unless the two agree.
LOG4J2 = """\
rootLogger.level = error
logger.gateway.name = org.apache.spark.api.python.PythonGatewayServer
logger.gateway.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n
"""

# What a partition's task sends back: its index, rendered and failed counts, the bad records.
PartCounts = tuple[int, int, int, list[tuple[int, str]]]


def render_partition(
    shipped: ShippedJob, out_dir: str, index: int, numbered: Iterable[tuple[bytes, int]]
) -> Iterator[PartCounts]:
    """One partition, on an executor: its lines rendered into part file `index`."""
    items = list(numbered)
    start = items[0][1] + 1 if items else 1
    lines = [line for line, _ in items]
    if start == 1 and lines:  # a BOM opens the file, not the first record
        lines[0] = lines[0].removeprefix(BOM)
    result = render_block(shipped, start, lines)
    write_part(part_path(out_dir, index), result.jsonl)
    bad = list(result.errors())
    yield index, len(result.records) - len(bad), len(bad), bad


def spark_context(master: str, log_dir: str) -> SparkContext:
    """A SparkContext whose Python workers run this interpreter (the one with tmplkit): on a
    cluster, it must be at the same path on every executor."""
    os.environ["PYSPARK_PYTHON"] = sys.executable
    config = Path(log_dir) / "log4j2.properties"
    config.write_text(LOG4J2, encoding="utf-8")

    from pyspark import SparkConf, SparkContext  # imported here: only the driver needs it

    conf = (
        SparkConf()
        .setMaster(master)
        .setAppName("tmplkit render-batch")
        .set("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={config}")
        .set("spark.ui.showConsoleProgress", "false")
        # A line ends at \n only, as in tmplkit (see the module's docstring).
        .set("spark.hadoop.textinputformat.record.delimiter", "\n")
    )
    sc = SparkContext(conf=conf)
    sc.setLogLevel("ERROR")
    return sc


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Render a JSONL recipients file on Spark into OUT/part-NNNNN.jsonl."
    )
    parser.add_argument("project", help="the tmplkit project's directory")
    parser.add_argument("source", metavar="SOURCE", help="the template (id, slug path, …)")
    parser.add_argument("recipients", help="the JSONL recipients file (a path or a URI)")
    parser.add_argument("out_dir", metavar="OUT", help="the directory for the part files")
    parser.add_argument("--locale-field", help="the record's field that names its locale")
    parser.add_argument("--partitions", type=int, default=2, help="at least N parts (2)")
    parser.add_argument("--master", default="local[2]", help="the Spark master (local[2])")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        project = tmplkit.open_project(args.project)
        job = BatchJob(resolve(args.source, project), locale_field=args.locale_field, jsonl=True)
    except TmplkitError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    shipped = ship(job)
    out_dir = Path(args.out_dir).resolve()  # the executors write there, whatever their cwd
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob("part-*.jsonl"):  # a previous run's, maybe more of them
        stale.unlink()

    with tempfile.TemporaryDirectory(prefix="spark-render-") as log_dir:
        sc = spark_context(args.master, log_dir)
        try:
            # Bytes, as the local engine reads them; zipWithIndex first runs a job that counts
            # each partition's lines, so that every line knows its number.
            lines = sc.textFile(args.recipients, args.partitions, use_unicode=False)
            parts = lines.zipWithIndex().mapPartitionsWithIndex(
                partial(render_partition, shipped, str(out_dir))
            )
            counts = sorted(parts.collect())
        finally:
            sc.stop()

    rendered = sum(part[1] for part in counts)
    failed = sum(part[2] for part in counts)
    for line, error in sorted(bad for part in counts for bad in part[3]):
        print(f"error: {args.recipients}:{line}: {error}", file=sys.stderr)
    failures = f", {failed:,} failed" if failed else ""
    files = "part file" if len(counts) == 1 else "part files"
    print(
        f"{rendered + failed:,} recipients: {rendered:,} rendered{failures}; "
        f"{len(counts)} {files} in {args.out_dir}"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
