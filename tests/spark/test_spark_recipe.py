"""docs/examples/spark_render.py, run as a user runs it (Spark in local[2] mode), against the
local engine: 6,000 order confirmations in three locales with an invalid-JSON line give the
local engine's bytes in the part files, its error line, and the recipe's summary; a file with
a BOM, CRLF line ends and a lone CR between two tokens of a record gives the same bytes too."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

RECIPE = REPO / "docs/examples/spark_render.py"
ORDER = "acme-shop/orders/order-confirmation"
N = 6000
LOCALES = ["en-US", "fr-FR", "pl-PL"]
BAD_JSON = 3001  # the line of a record that is not JSON


def sample_order() -> dict[str, object]:
    path = REPO / "sample_templates/workspaces/acme-shop/orders/order-confirmation/sample.json"
    return dict(json.loads(path.read_text(encoding="utf-8")))


def order(sample: dict[str, object], n: int) -> str:
    """Recipient n, shaped like the template's sample.json, as one JSON line (no newline)."""
    record = json.loads(json.dumps(sample))
    record["locale"] = LOCALES[n % 3]
    record["customer"]["first_name"] = f"Zoë #{n}"
    record["order"]["number"] = f"AC-{n:06d}"
    record["order"]["lines"] = record["order"]["lines"][: n % 4]
    record["order"]["item_count"] = n % 4
    return json.dumps(record, ensure_ascii=False)


def orders(path: Path) -> Path:
    """N order confirmations in three locales (as tests/test_dask_batch.py makes them), line
    BAD_JSON not JSON."""
    sample = sample_order()
    with path.open("w", encoding="utf-8") as fh:
        for n in range(1, N + 1):
            if n == BAD_JSON:
                fh.write('{"locale": "fr-FR", "customer": \n')
            else:
                fh.write(order(sample, n) + "\n")
    return path


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True,
        text=True, encoding="utf-8", timeout=600,
        env={k: v for k, v in os.environ.items() if k != "TMPLKIT_PROJECT"},
    )  # fmt: skip


def local_engine(project: Path, recipients: str) -> subprocess.CompletedProcess[str]:
    """`tmplkit render-batch` (the local engine) into local.jsonl."""
    return run(
        project, "-m", "tmplkit", "--project", ".", "render-batch", ORDER,
        "--recipients", recipients, "--locale-field", "locale", "--out", "local.jsonl",
    )  # fmt: skip


def spark(project: Path, recipients: str, partitions: int) -> subprocess.CompletedProcess[str]:
    """The recipe, in local[2] mode, into parts/."""
    return run(
        project, str(RECIPE), ".", ORDER, recipients, "parts",
        "--locale-field", "locale", "--partitions", str(partitions),
    )  # fmt: skip


def errors(stderr: str) -> list[str]:
    """The error lines of the local engine's stderr (its summary follows them)."""
    return [line for line in stderr.splitlines() if line.startswith("error: ")]


def parts(project: Path) -> tuple[int, bytes]:
    """How many part files parts/ holds, and their bytes concatenated in order."""
    files = sorted((project / "parts").glob("part-*.jsonl"))
    assert [f.name for f in files] == [f"part-{i:05d}.jsonl" for i in range(len(files))]
    return len(files), b"".join(f.read_bytes() for f in files)


def test_the_recipe_renders_the_local_engines_bytes(sample_project: Path) -> None:
    orders(sample_project / "orders.jsonl")
    error = f"error: orders.jsonl:{BAD_JSON}: invalid JSON: Expecting value (column 32)"
    local = local_engine(sample_project, "orders.jsonl")
    assert local.returncode == 1, local.stderr
    assert errors(local.stderr) == [error]

    result = spark(sample_project, "orders.jsonl", 4)
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines() == [error]
    assert result.stdout == "6,000 recipients: 5,999 rendered, 1 failed; 4 part files in parts\n"
    count, joined = parts(sample_project)
    assert count == 4
    assert joined == (sample_project / "local.jsonl").read_bytes()


def test_a_bom_crlf_line_ends_and_a_lone_cr_give_the_same_bytes(sample_project: Path) -> None:
    sample = sample_order()
    lines = [order(sample, n) for n in range(1, 41)]
    lines[9] = lines[9].replace(', "order": ', ',\r"order": ', 1)  # CR as white space
    lines[19] = ""  # a blank line: skipped, but counted
    lines[29] = '{"locale": "pl-PL",'
    data = "\ufeff" + "".join(line + "\r\n" for line in lines)
    (sample_project / "crlf.jsonl").write_bytes(data.encode("utf-8"))
    error = (
        "error: crlf.jsonl:30: invalid JSON: Expecting property name enclosed in double quotes "
        "(column 20)"
    )
    local = local_engine(sample_project, "crlf.jsonl")
    assert local.returncode == 1, local.stderr
    assert errors(local.stderr) == [error]

    result = spark(sample_project, "crlf.jsonl", 3)
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines() == [error]
    assert result.stdout == "39 recipients: 38 rendered, 1 failed; 3 part files in parts\n"
    assert parts(sample_project)[1] == (sample_project / "local.jsonl").read_bytes()
