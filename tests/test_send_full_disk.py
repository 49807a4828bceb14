"""send-batch on a disk that fills up: a project on a small tmpfs, filled so that the journal or
the outbox runs out of space at every point of a batch (before the first claim, between a
message's outbox line and its journal record, half-way through): one error line, exit 1, no
torn outbox line, nothing recorded that was not written; then, with the space back, the same
command sends the rest, none of them twice."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

from tests.conftest import SAMPLE_TEMPLATES
from tests.fulldisk import PAGE, fill, small_disk, unfill
from tmplkit.handoff.journal import Journal

WELCOME = "acme-shop/account/welcome"
N = 20
FULL = {
    "error: no space left on device writing the journal .tmplkit/handoff.sqlite3\n",
    "error: no space left on device writing the outbox .tmplkit/outbox.jsonl\n",
}


def send_batch(root: Path, file: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tmplkit", "send-batch", WELCOME, "--recipients", str(file),
         "--to-field", "user.email"],
        cwd=root, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def outbox_keys(root: Path) -> list[str]:
    file = root / ".tmplkit" / "outbox.jsonl"
    if not file.exists():
        return []
    # every line whole: json.loads fails on a torn one
    return [json.loads(line)["idempotencyKey"] for line in file.read_text("utf-8").splitlines()]


def journal_statuses(root: Path) -> dict[str, str]:
    with Journal(root / ".tmplkit" / "handoff.sqlite3") as journal:
        return {row["key"]: row["status"] for row in journal.deliveries()}


def test_a_full_disk_stops_send_batch_cleanly_and_the_rerun_sends_the_rest(
    tmp_path: Path, python_env: dict[str, str]
) -> None:
    file = tmp_path / "r.jsonl"
    file.write_text(
        "".join(
            json.dumps({"user": {"first_name": f"R{n}", "email": f"r{n}@example.com"}}) + "\n"
            for n in range(1, N + 1)
        ),
        "utf-8",
    )
    stopped_after: list[int] = []  # how many messages each stopped run got into the outbox
    with small_disk(tmp_path, 16 << 20) as disk:
        root = disk / "project"
        shutil.copytree(SAMPLE_TEMPLATES, root, ignore=shutil.ignore_patterns(".tmplkit"))
        for pages in range(0, 121, 8):
            shutil.rmtree(root / ".tmplkit", ignore_errors=True)
            fill(disk, pages * PAGE)
            first = send_batch(root, file, python_env)
            sent = outbox_keys(root)
            assert len(sent) == len(set(sent))
            if first.returncode == 0:
                assert first.stderr == ""
                assert len(sent) == N
                unfill(disk)
                continue
            assert (first.returncode, first.stdout) == (1, ""), first.stderr
            assert first.stderr in FULL, first.stderr  # one line, no traceback
            stopped_after.append(len(sent))
            unfill(disk)
            if (root / ".tmplkit" / "handoff.sqlite3").exists():
                recorded = journal_statuses(root)
                accepted = {key for key, status in recorded.items() if status == "accepted"}
                assert accepted <= set(sent)  # nothing counted as sent that was not written
            again = send_batch(root, file, python_env)
            assert (again.returncode, again.stderr) == (0, "")
            assert re.fullmatch(
                rf"{N} recipients via outbox: {N - len(sent)} accepted, 0 failed, "
                rf"{len(sent)} skipped \(already sent\) in \d+\.\d\d s\n",
                again.stdout,
            )
            keys = outbox_keys(root)
            assert len(keys) == len(set(keys)) == N  # the rest, and nothing twice
            assert Counter(journal_statuses(root).values()) == {"accepted": N}
    # The disk filled up at every stage: before anything was sent, and part-way through.
    assert stopped_after[0] == 0
    assert any(0 < count < N for count in stopped_after)
