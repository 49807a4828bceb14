"""The progress line of render-batch and send-batch (tmplkit.progress): its text, its redraws
at most 5 times a second, the input's lines counted a little at a time; and on a real
pseudo-terminal, the commands drawing it (with a fake clock), clearing it, and printing
nothing of it to a pipe or with --json, on the local engine and on Dask."""

from __future__ import annotations

import io
import json
import os
import pty
import re
import subprocess
import sys
import tty
from pathlib import Path

import pytest

from tmplkit.progress import BatchProgress, LineCount, duration, progress_text

REPO = Path(__file__).resolve().parent.parent
WELCOME = "acme-shop/account/welcome"
CLEAR = "\r\x1b[K"

# --- the line ---------------------------------------------------------------------------------


def test_the_line_with_the_share_done_the_estimated_total_the_rate_and_the_eta() -> None:
    line = progress_text(420_000, 60.0, 0.42)
    assert line == "  42%  420,000 of ~1,000,000 recipients  7,000/s  ETA 1:23"
    assert progress_text(420_000, 60.0, 0.42, failed=12) == (
        "  42%  420,000 of ~1,000,000 recipients, 12 failed  7,000/s  ETA 1:23"
    )
    assert progress_text(3, 1.5, 1.0) == " 100%  3 of ~3 recipients  2.0/s  ETA 0:00"


def test_without_a_size_the_count_and_the_rate_only() -> None:
    assert progress_text(420_000, 60.0, None) == "  420,000 recipients  7,000/s"
    assert progress_text(0, 0.0, None) == "  0 recipients  0.0/s"
    assert progress_text(12_345, 2.0, None) == "  12,345 recipients  6,172/s"


def test_durations() -> None:
    assert [duration(s) for s in (0, 59.4, 83, 725, 7384)] == [
        "0:00", "0:59", "1:23", "12:05", "2:03:04",
    ]  # fmt: skip


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_redrawn_at_most_5_times_a_second_then_cleared() -> None:
    stream, clock = io.StringIO(), FakeClock()
    bar = BatchProgress(stream, 1000, clock=clock)
    for count in range(1, 11):  # a chunk of 100 bytes every 1/8 s
        clock.now += 0.125
        bar.update(count, nbytes=100)
    bar.clear()
    assert stream.getvalue().split("\r") == [
        "",
        "  10%  1 of ~10 recipients  8.0/s  ETA 0:01\x1b[K",  # the first is drawn at once,
        "  30%  3 of ~10 recipients  8.0/s  ETA 0:01\x1b[K",  # then none within 0.2 s
        "  50%  5 of ~10 recipients  8.0/s  ETA 0:01\x1b[K",
        "  70%  7 of ~10 recipients  8.0/s  ETA 0:00\x1b[K",
        "  90%  9 of ~10 recipients  8.0/s  ETA 0:00\x1b[K",
        "\x1b[K",  # and cleared
    ]


def test_lines_are_counted_a_step_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "r.csv"
    path.write_text("name\n" + "".join(f"r{n:03d}\n" for n in range(999)), "utf-8")  # 5 bytes each
    monkeypatch.setattr(LineCount, "STEP", 1000)
    count = LineCount.of(str(path))
    assert count is not None
    estimates = [count.estimate() for _ in range(6)]
    # 200 lines in the first 1,000 bytes, of 5,000: ~1,000 lines, less the header row
    assert estimates == [999, 999, 999, 999, 999, 999]
    assert (count.read, count.counted) == (5000, 1000)
    assert LineCount.of("-") is None
    assert LineCount.of(str(tmp_path / "missing.jsonl")) is None


def test_an_estimate_before_the_count_is_done(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "r.jsonl"
    path.write_bytes(b"x\n" * 100 + b"longer line\n" * 100)  # 200 + 1,200 bytes
    monkeypatch.setattr(LineCount, "STEP", 700)
    count = LineCount.of(str(path))
    assert count is not None
    # 141 lines in the first 700 bytes: ~282; then all 1,400 bytes read: 200
    assert [count.estimate(), count.estimate(), count.estimate()] == [282, 200, 200]


# --- the commands, on a pseudo-terminal --------------------------------------------------------

# The command in a child process whose progress clock ticks one second a reading.
CHILD = """
import itertools, sys
import tmplkit.progress
ticks = itertools.count()
tmplkit.progress.monotonic = lambda: float(next(ticks))
from tmplkit.cli import main
main(sys.argv[1:])
"""


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "TMPLKIT_PROJECT"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "src"), env.get("PYTHONPATH")]))
    return env


def on_pty(args: list[str], cwd: Path) -> tuple[int, str, str]:
    """`tmplkit ARGS` with a pseudo-terminal as stderr: exit code, stdout, and every byte the
    terminal received (raw: no newline translation)."""
    master, slave = pty.openpty()
    tty.setraw(slave)
    with open(cwd / "stdout.txt", "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, *args], cwd=cwd, env=child_env(),
            stdin=subprocess.DEVNULL, stdout=out, stderr=slave,
        )  # fmt: skip
        os.close(slave)
        received = bytearray()
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: every holder of the terminal's other end has closed it
                break
            if not data:
                break
            received += data
        os.close(master)
        code = proc.wait(timeout=240)
    return code, (cwd / "stdout.txt").read_text("utf-8"), received.decode("utf-8")


def on_pipe(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", CHILD, *args], cwd=cwd, env=child_env(), stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=240,
    )  # fmt: skip


def welcome(path: Path, count: int) -> Path:
    """`count` recipients of the welcome message, each line the same length (so that a chunk's
    share of the bytes is its share of the recipients)."""
    lines = [
        json.dumps({"user": {"first_name": f"R{n:05d}", "email": f"r{n:05d}@example.com"}})
        for n in range(count)
    ]
    path.write_text("".join(line + "\n" for line in lines), "utf-8")
    return path


def drawn(terminal: str) -> list[str]:
    """The progress lines drawn, in order."""
    return re.findall(r"\r([^\r\n]+)\x1b\[K", terminal)


LINE_RE = r" {1,3}\d{1,3}%  [\d,]+ of ~[\d,]+ recipients  [\d,.]+/s  ETA \d+:\d\d"


def test_render_batch_draws_the_line_on_a_terminal_and_clears_it(sample_project: Path) -> None:
    welcome(sample_project / "r.jsonl", 1200)  # three chunks of 500, 500, 200
    args = ["render-batch", WELCOME, "--recipients", "r.jsonl", "--out", "m.jsonl"]
    code, out, terminal = on_pty(args, sample_project)
    assert (code, out) == (0, "")
    # the clock ticks at the start, then twice an update (is it due? the elapsed time)
    assert drawn(terminal) == [
        "  41%  500 of ~1,200 recipients  250/s  ETA 0:03",
        "  83%  1,000 of ~1,200 recipients  250/s  ETA 0:01",
        " 100%  1,200 of ~1,200 recipients  200/s  ETA 0:00",
    ]
    before, summary = terminal.rsplit(CLEAR, 1)  # cleared before the summary
    assert before.endswith("ETA 0:00\x1b[K")
    assert re.fullmatch(
        r"1,200 recipients: 1,200 rendered in [\d.]+ s \([\d,]+ messages/s\)\n  en-US: 1,200\n",
        summary,
    )


def test_send_batch_draws_the_line_on_a_terminal_and_clears_it(sample_project: Path) -> None:
    welcome(sample_project / "r.jsonl", 30)
    args = ["send-batch", WELCOME, "--recipients", "r.jsonl", "--to-field", "user.email",
            "--dry-run"]  # fmt: skip
    code, out, terminal = on_pty(args, sample_project)
    assert code == 0
    assert "30 recipients via" in out
    lines = drawn(terminal)
    # tick 0 at the start; outcome n ticks 2n - 1 (is it due?) and 2n (the elapsed time), so
    # 0.5 a second and 2 × (30 - n) s to go; the 30 lines are counted at the first drawing
    assert lines[:3] == [
        "   3%  1 of ~30 recipients  0.5/s  ETA 0:58",
        "   6%  2 of ~30 recipients  0.5/s  ETA 0:56",
        "  10%  3 of ~30 recipients  0.5/s  ETA 0:54",
    ]
    assert lines[-1] == " 100%  30 of ~30 recipients  0.5/s  ETA 0:00"
    assert len(lines) == 30
    assert terminal.endswith(CLEAR)


@pytest.mark.parametrize("command", ["render-batch", "send-batch"])
def test_nothing_on_a_pipe(command: str, sample_project: Path) -> None:
    welcome(sample_project / "r.jsonl", 600)
    args = [command, WELCOME, "--recipients", "r.jsonl"]
    args += ["--out", "m.jsonl"] if command == "render-batch" else ["--to-field", "user.email",
                                                                   "--dry-run"]  # fmt: skip
    done = on_pipe(args, sample_project)
    assert done.returncode == 0, done.stderr
    assert "\r" not in done.stderr and "\x1b" not in done.stderr
    assert "%" not in done.stderr


def test_send_batch_json_draws_nothing_on_a_terminal(sample_project: Path) -> None:
    welcome(sample_project / "r.jsonl", 30)
    args = ["send-batch", WELCOME, "--recipients", "r.jsonl", "--to-field", "user.email",
            "--dry-run", "--json"]  # fmt: skip
    code, out, terminal = on_pty(args, sample_project)
    assert code == 0
    assert terminal == ""
    assert json.loads(out[out.index("{\n  ") :])["recipients"] == 30


def test_render_batch_json_draws_nothing_on_a_terminal(sample_project: Path) -> None:
    welcome(sample_project / "r.jsonl", 30)
    args = ["render-batch", WELCOME, "--recipients", "r.jsonl", "--out", "m.jsonl", "--json"]
    code, out, terminal = on_pty(args, sample_project)
    assert code == 0
    assert terminal == ""
    assert json.loads(out)["total"] == 30


@pytest.mark.parametrize("command", ["render-batch", "send-batch"])
def test_the_same_line_with_the_dask_engine(command: str, sample_project: Path) -> None:
    pytest.importorskip("distributed")
    with open(sample_project / "tmplkit.toml", "a", encoding="utf-8") as fh:
        fh.write('\n[handoff.outbox]\npath = "out/outbox.jsonl"\n')
    welcome(sample_project / "r.jsonl", 30)
    args = [command, WELCOME, "--recipients", "r.jsonl"]
    args += ["--out", "m.jsonl"] if command == "render-batch" else [
        "--to-field", "user.email", "--via", "outbox"]  # fmt: skip
    args += ["--engine", "dask", "--workers", "2", "--part-size", "10"]
    code, out, terminal = on_pty(args, sample_project)
    assert code == 0, terminal
    lines = drawn(terminal)
    if command == "render-batch":  # a part's bytes at a time
        assert lines == [
            "  33%  10 of ~30 recipients  5.0/s  ETA 0:04",
            "  66%  20 of ~30 recipients  5.0/s  ETA 0:02",
            " 100%  30 of ~30 recipients  5.0/s  ETA 0:00",
        ]
        assert re.match(
            r"\r\x1b\[K30 recipients: 30 rendered in ", terminal.split(lines[-1])[1][3:]
        )
    else:  # a recipient at a time
        assert len(lines) == 30 and lines[-1] == " 100%  30 of ~30 recipients  0.5/s  ETA 0:00"
        assert terminal.endswith("ETA 0:00\x1b[K" + CLEAR)
        assert out.startswith("30 recipients via outbox: 30 accepted, 0 failed")
    assert all(re.fullmatch(LINE_RE, line) for line in lines)


def test_send_batch_clears_the_line_before_an_error(sample_project: Path) -> None:
    path = welcome(sample_project / "r.jsonl", 600)
    lines = path.read_text("utf-8").splitlines()
    lines[550] = json.dumps({"user": {"first_name": "No address"}})  # in the second chunk
    path.write_text("\n".join(lines) + "\n", "utf-8")
    args = ["send-batch", WELCOME, "--recipients", "r.jsonl", "--to-field", "user.email",
            "--dry-run"]  # fmt: skip
    code, _, terminal = on_pty(args, sample_project)
    assert code == 1
    before, error, after = re.split(r"(error: r\.jsonl:551: [^\n]*\n)", terminal)
    assert (
        error
        == "error: r.jsonl:551: no e-mail address (field 'user.email'; --to-field names another)\n"
    )
    assert re.search(
        r"\r  91%  \d+ of ~600 recipients  0.5/s  ETA 1:\d\d\x1b\[K\r\x1b\[K\Z", before
    )
    assert after.startswith("\r  ")
    assert after.endswith(" 100%  600 of ~600 recipients, 1 failed  0.5/s  ETA 0:00\x1b[K" + CLEAR)
