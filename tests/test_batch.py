"""render-batch and tmplkit.batch: 10,000 recipients in 3 locales, with bad records among them.

The big file is rendered twice, once by 1 worker and once by 2, in real processes; the tests
check the order, the locales, each message against rendering its record alone, every bad
record's line and reason, the exit code, and that both outputs are byte-identical.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import tmplkit
from tmplkit.batch import BatchError, render_batch

from .conftest import SAMPLE_TEMPLATES, Result, _subprocess_env

SOURCE = "acme-shop/orders/order-confirmation"
SAMPLE = json.loads((SAMPLE_TEMPLATES / "workspaces" / SOURCE / "sample.json").read_text("utf-8"))
LOCALES = ["en-US", "fr-FR", "pl-PL"]
SUBJECTS = {  # each locale's subject, for an order number (spaces: " " or a no-break space)
    "en-US": "Your Acme Shop order #{} is confirmed",
    "fr-FR": "Votre commande Acme Shop n° {} est confirmée",
    "pl-PL": "Zamówienie nr {} w Acme Shop zostało potwierdzone",
    "it-IT": "Your Acme Shop order #{} is confirmed",  # no it-IT catalogs: the source, warned
}


def subject(locale: str, number: str) -> str:
    return SUBJECTS[locale].format(number)


def same_words(a: str, b: str) -> bool:
    """Equal but for the kind of space (French puts a no-break space after n°)."""
    return a.replace("\xa0", " ") == b.replace("\xa0", " ")


N = 10_000
INVALID = "unknown language 'xx-QQ' (hint: write it like fr-FR or es-419)"
RENDER_FAILED = (
    "workspaces/acme-shop/orders/order-confirmation/drafts/published/body.html.j2: "
    "render failed: 'int' object is not iterable"
)
# Bad lines, put after the recipient with the given index: (line text, the reason reported).
BAD = {
    17: ("{not json", "invalid JSON: Expecting property name enclosed in double quotes (column 2)"),
    1_234: ('{"locale": "xx-QQ", "order": {"number": "X"}}', INVALID),
    2_500: ('{"locale": "fr-FR", "order": {"lines": 5}}', RENDER_FAILED),
    5_000: ("[1, 2, 3]", "a recipient record must be a JSON object, not an array"),
    7_777: ('{"locale": 42}', "locale field 'locale' must be a string, not a number"),
    9_998: (
        '{"customer": {"first_name": "Ann"',
        "invalid JSON: Expecting ',' delimiter (column 34)",
    ),
}
BLANK_AFTER = 3_000  # a blank line: skipped, but it still counts as a line
ITALIAN = 4_321  # this recipient asks for it-IT, which has no catalogs


def recipient(i: int) -> dict[str, Any]:
    """Recipient i: order-confirmation data with 0 to 3 order lines, in one of three locales."""
    data = copy.deepcopy(SAMPLE)
    data["locale"] = "it-IT" if i == ITALIAN else LOCALES[i % 3]
    data["customer"]["first_name"] = f"Customer <{i}> & co"
    data["order"]["number"] = f"AC-{i:06d}"
    data["order"]["item_count"] = i % 7
    data["order"]["lines"] = data["order"]["lines"][: i % 4]
    data["order"]["shipping"] = ["express", "standard", "pickup"][i % 5 % 3]
    if i % 11 == 0:
        del data["customer"]["first_name"]  # `default("there")`
    return data


@dataclass
class BigFile:
    project: Path
    path: Path
    records: dict[int, dict[str, Any]]  # line → data, the good records
    bad: dict[int, str]  # line → reason
    blank: int  # the blank line


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> BigFile:
    root = tmp_path_factory.mktemp("batch")
    project = root / "sample"
    shutil.copytree(SAMPLE_TEMPLATES, project, ignore=shutil.ignore_patterns(".tmplkit"))
    path = root / "recipients.jsonl"
    records: dict[int, dict[str, Any]] = {}
    bad: dict[int, str] = {}
    blank = 0
    line = 0
    with path.open("w", encoding="utf-8") as fh:
        for i in range(N):
            data = recipient(i)
            line += 1
            records[line] = data
            fh.write(json.dumps(data, ensure_ascii=False) + "\n")
            if i in BAD:
                text, reason = BAD[i]
                line += 1
                bad[line] = reason
                fh.write(text + "\n")
            if i == BLANK_AFTER:
                line += 1
                blank = line
                fh.write("\n")
    return BigFile(project, path, records, bad, blank)


def tmplkit_proc(*args: str | os.PathLike[str], input: str | None = None) -> Result:
    proc = subprocess.run(
        [sys.executable, "-m", "tmplkit", *map(os.fspath, args)],
        env=_subprocess_env(None),
        input=input,
        stdin=subprocess.DEVNULL if input is None else None,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def batch_args(big: BigFile, out: Path, *more: str) -> list[str | os.PathLike[str]]:
    return [
        "--project",
        big.project,
        "render-batch",
        SOURCE,
        "--recipients",
        big.path,
        "--locale-field",
        "locale",
        "--out",
        out,
        *more,
    ]


@dataclass
class Run:
    result: Result
    out: Path


@pytest.fixture(scope="module")
def one_worker(big: BigFile) -> Run:
    out = big.path.with_name("out-1.jsonl")
    return Run(tmplkit_proc(*batch_args(big, out)), out)


@pytest.fixture(scope="module")
def two_workers(big: BigFile) -> Run:
    out = big.path.with_name("out-2.jsonl")
    return Run(tmplkit_proc(*batch_args(big, out, "--workers", "2")), out)


def expected(renderer: tmplkit.Renderer, line: int, data: dict[str, Any]) -> dict[str, Any]:
    """The output line for one recipient, rendered alone."""
    locale = data.get("locale")
    message = renderer.prepare(SOURCE, locale=locale).render(data)
    return {"line": line, **message.to_json(), "locale": message.locale or "en-US"}


def test_output_order_locales_and_each_message(big: BigFile, one_worker: Run) -> None:
    assert one_worker.result.code == 1, one_worker.result.err  # some records failed
    lines = one_worker.out.read_text("utf-8").splitlines()
    outputs = [json.loads(text) for text in lines]
    numbers = [o["line"] for o in outputs]
    assert numbers == sorted(set(numbers)), "line numbers strictly increase"
    assert set(numbers) == set(big.records) | set(big.bad)  # one line per record, not the blank
    assert big.blank not in numbers

    by_line = {o["line"]: o for o in outputs}
    for line, data in big.records.items():
        out = by_line[line]
        assert "error" not in out, (line, out)
        assert out["locale"] == data["locale"]
        assert same_words(out["subject"], subject(data["locale"], data["order"]["number"]))
    for line, reason in big.bad.items():
        assert by_line[line] == {"line": line, "error": reason}

    # Each message equals its record rendered alone: every 25th, and the neighbours of bad ones.
    renderer = tmplkit.Renderer(tmplkit.open_project(big.project))
    check = {line for line in big.records if line % 25 == 0}
    check |= {n for line in [*big.bad, big.blank] for n in (line - 1, line + 1)}
    check |= {line for line, d in big.records.items() if d["locale"] == "it-IT"}
    for line in sorted(check & set(big.records)):
        assert by_line[line] == expected(renderer, line, big.records[line]), line


def test_bad_records_on_stderr_and_summary(big: BigFile, one_worker: Run) -> None:
    err = one_worker.result.err.splitlines()
    errors = [e for e in err if e.startswith("error: ")]
    assert errors == [f"error: {big.path}:{line}: {big.bad[line]}" for line in sorted(big.bad)]
    warnings = [e for e in err if e.startswith("warning: ")]
    assert len(warnings) == 1
    assert warnings[0].startswith("warning: it-IT: 26 strings fall back, e.g. template ")
    assert one_worker.result.out == ""  # the messages went to --out
    counts = {loc: sum(d["locale"] == loc for d in big.records.values()) for loc in SUBJECTS}
    summary = err[len(errors) + len(warnings) :]
    total = N + len(big.bad)
    assert summary[0].startswith(f"{total:,} recipients: {N:,} rendered, {len(big.bad)} failed in ")
    assert summary[1:] == [
        f"  en-US: {counts['en-US']:,}",
        f"  fr-FR: {counts['fr-FR']:,}",
        "  it-IT: 1 (with fallbacks: 26 strings)",
        f"  pl-PL: {counts['pl-PL']:,}",
    ]


def test_two_workers_give_the_same_bytes(one_worker: Run, two_workers: Run) -> None:
    assert two_workers.result.code == 1
    assert two_workers.out.read_bytes() == one_worker.out.read_bytes()
    assert _errors(two_workers.result.err) == _errors(one_worker.result.err)
    assert two_workers.result.err.count("warning: it-IT") == 1


def _errors(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("error: ")]


# --- smaller inputs, in this process ---------------------------------------------------------


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


def jsonl(*records: Any) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)


SMALL = [recipient(i) for i in range(6)]


def test_fail_fast_stops_at_the_first_bad_record(
    run: Callable[..., Result], sample_project: Path, write: Callable[[str, str], Path]
) -> None:
    path = write("r.jsonl", jsonl(*SMALL[:3], "{oops", *SMALL[3:], '{"locale": "xx-QQ"}'))
    for workers in ("1", "2"):
        out = path.with_name(f"out-{workers}.jsonl")
        args = ["--project", sample_project, "render-batch", SOURCE, "--recipients", path]
        r = run(
            *args, "--locale-field", "locale", "--fail-fast", "--out", out, "--workers", workers
        )
        assert r.code == 1
        outputs = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
        assert [o["line"] for o in outputs] == [1, 2, 3, 4]
        assert outputs[3]["error"].startswith("invalid JSON: ")
        assert _errors(r.err) == [
            f"error: {path}:4: invalid JSON: Expecting property name enclosed in double quotes"
            " (column 2)"
        ]
        assert "4 recipients: 3 rendered, 1 failed in " in r.err
        assert "(stopped at the first bad record: --fail-fast)" in r.err


def test_csv_with_dotted_columns(
    run: Callable[..., Result], sample_project: Path, write: Callable[[str, str], Path]
) -> None:
    path = write(
        "r.csv",
        "locale,customer.first_name,order.number,order.item_count,order.shipping\n"
        "fr-FR,Zoë,AC-1,1,express\n"
        'pl-PL,"Kowalski, Jan",AC-2,5,standard\n'
        "\n"
        'en-US,"Two\nlines",AC-3,2,\n'
        "en-US,Short,AC-4\n"
        ",,AC-5,,\n",
    )
    r = run("--project", sample_project, "render-batch", SOURCE, "--recipients", path,
            "--locale-field", "locale", "--json")  # fmt: skip
    assert r.code == 1
    assert _errors(r.err) == [f"error: {path}:7: expected 5 fields, as in the header, got 3"]
    outputs = [json.loads(line) for line in r.out.splitlines()[:6]]
    assert [o["line"] for o in outputs] == [2, 3, 5, 7, 8]
    renderer = tmplkit.Renderer(tmplkit.open_project(sample_project))
    # order.item_count is a plural count of the template: its cells of digits are numbers.
    records = {
        2: {"locale": "fr-FR", "customer": {"first_name": "Zoë"},
            "order": {"number": "AC-1", "item_count": 1, "shipping": "express"}},
        3: {"locale": "pl-PL", "customer": {"first_name": "Kowalski, Jan"},
            "order": {"number": "AC-2", "item_count": 5, "shipping": "standard"}},
        5: {"locale": "en-US", "customer": {"first_name": "Two\nlines"},
            "order": {"number": "AC-3", "item_count": 2}},
        8: {"order": {"number": "AC-5"}},  # empty cells are missing values
    }  # fmt: skip
    for out in outputs:
        if out["line"] in records:
            assert out == expected(renderer, out["line"], records[out["line"]])
    assert same_words(outputs[0]["subject"], subject("fr-FR", "AC-1"))
    assert "Hi there," in outputs[4]["text"]
    # With --out -, the --json summary is the last thing on stderr.
    summary = json.loads(r.err[r.err.index("{") :])
    assert summary["rendered"] == 4 and summary["failed"] == 1
    assert summary["locales"] == {"en-US": 2, "fr-FR": 1, "pl-PL": 1}


def test_stdin_jsonl_and_csv(write: Callable[[str, str], Path], sample_project: Path) -> None:
    args = ["--project", sample_project, "render-batch", SOURCE, "--recipients", "-",
            "--locale", "pl-PL"]  # fmt: skip
    r = tmplkit_proc(*args, input=jsonl(SMALL[0], "nope", {"order": {"number": "N"}}))
    assert r.code == 1
    assert [json.loads(line)["line"] for line in r.out.splitlines()] == [1, 2, 3]
    assert _errors(r.err) == ["error: <stdin>:2: invalid JSON: Expecting value (column 1)"]
    assert same_words(json.loads(r.out.splitlines()[2])["subject"], subject("pl-PL", "N"))
    csv_text = "order.number,locale\nC-1,fr-FR\nC-2,\n"
    r = tmplkit_proc(*args, "--locale-field", "locale", "--workers", "2", input=csv_text)
    assert r.code == 0, r.err
    first, second = (json.loads(line)["subject"] for line in r.out.splitlines())
    assert same_words(first, subject("fr-FR", "C-1"))
    assert same_words(second, subject("pl-PL", "C-2"))


def test_stdin_in_process(run: Callable[..., Result], sample_project: Path) -> None:
    r = run("--project", sample_project, "render-batch", SOURCE, "--recipients", "-",
            stdin=jsonl(SMALL[1], SMALL[2]))  # fmt: skip
    assert r.code == 0, r.err
    assert [json.loads(line)["line"] for line in r.out.splitlines()] == [1, 2]
    assert "2 recipients: 2 rendered in " in r.err


def test_strict_and_json_summary(
    run: Callable[..., Result], sample_project: Path, write: Callable[[str, str], Path]
) -> None:
    # --strict also checks each record against the template's variable types: whole orders.
    records = ({**SAMPLE, "l": "fr-FR"}, {**SAMPLE, "l": "it-IT"}, {**SAMPLE, "l": "fr-CA"}, SAMPLE)
    path = write("r.jsonl", jsonl(*records))
    out = path.with_name("out.jsonl")
    r = run("--project", sample_project, "render-batch", SOURCE, "--recipients", path,
            "--locale-field", "l", "--strict", "--out", out, "--json")  # fmt: skip
    assert r.code == 1
    assert _errors(r.err) == [
        f"error: {path}:2: template order-confirmation: no it-IT translation of 'Your Acme Shop "
        "order #%(number)s is confirmed' (hint: translate it, or render without --strict to "
        "fall back to the source)"
    ]
    summary = json.loads(r.out)  # --out is a file: the --json summary is on stdout
    assert summary["locales"] == {"en-US": 1, "fr-CA": 1, "fr-FR": 1}
    assert summary["fallbacks"] == {"fr-CA": 1}  # fr-CA → fr-FR, allowed under --strict
    assert (summary["total"], summary["rendered"], summary["failed"]) == (4, 3, 1)
    locales = [json.loads(line).get("locale") for line in out.read_text("utf-8").splitlines()]
    assert locales == ["fr-FR", None, "fr-CA", "en-US"]


def test_errors_before_any_output(
    run: Callable[..., Result], sample_project: Path, write: Callable[[str, str], Path]
) -> None:
    out = write("out.jsonl", "old\n")
    recipients = write("r.csv", "a,a.b\n1,2\n")
    base = ["--project", sample_project, "render-batch"]
    r = run(*base, SOURCE, "--recipients", recipients, "--out", out)
    assert (r.code, r.err) == (
        1,
        f"error: {recipients}:1: column 'a' is a value, so 'a.b' cannot be inside it\n",
    )
    r = run(*base, "acme-shop/orders/nope", "--recipients", recipients, "--out", out)
    assert r.code == 1 and r.err.startswith("error: ")
    r = run(*base, SOURCE, "--recipients", recipients, "--locale", "xx-QQ", "--out", out)
    assert (r.code, r.err) == (1, f"error: {INVALID}\n")
    assert out.read_text("utf-8") == "old\n"  # untouched
    assert sorted(p.name for p in out.parent.iterdir()) == ["out.jsonl", "r.csv", "sample"]


# --- the library -----------------------------------------------------------------------------


def test_library_generator(sample_project: Path) -> None:
    project = tmplkit.open_project(sample_project)
    renderer = tmplkit.Renderer(project)
    records: list[Any] = [*SMALL, "not json", json.dumps(SMALL[0]), {"locale": "xx-QQ"}]
    for workers in (1, 2):
        run = render_batch(
            SOURCE, records, project=project, locale_field="locale", workers=workers, chunk_size=2
        )
        results = list(run)
        assert [r.line for r in results] == list(range(1, 10))
        assert [r.ok for r in results] == [True] * 6 + [False, True, False]
        for r in results[:6]:
            data = SMALL[r.line - 1]
            assert r.message == renderer.render(SOURCE, data, locale=data["locale"])
            assert r.locale == data["locale"]
        assert results[6].error == "invalid JSON: Expecting value (column 1)"
        assert results[8].error == INVALID and results[8].locale is None
        assert run.summary.rendered == 7 and run.summary.failed == 2
        assert run.summary.locales == {"en-US": 3, "fr-FR": 2, "pl-PL": 2}
    run = render_batch(SOURCE, records, project=project, locale_field="locale", jsonl=True)
    results = list(run)
    assert [r.line for r in results] == list(range(1, 10))
    assert all(r.jsonl is not None and r.jsonl.endswith(b"}\n") for r in results)
    outputs = [json.loads(r.jsonl) for r in results if r.jsonl is not None]
    assert outputs[6] == {"line": 7, "error": "invalid JSON: Expecting value (column 1)"}
    assert outputs[7] == expected(renderer, 8, SMALL[0])


def test_library_reads_lazily(sample_project: Path) -> None:
    consumed = 0

    def records() -> Iterator[dict[str, Any]]:
        nonlocal consumed
        for i in range(1_000_000):
            consumed += 1
            yield {"order": {"number": str(i)}}

    project = tmplkit.open_project(sample_project)
    with render_batch(SOURCE, records(), project=project, chunk_size=10) as run:
        first = next(iter(run))
        assert first.ok and first.message is not None
        assert first.message.subject == "Your Acme Shop order #0 is confirmed"
        assert consumed == 10  # one chunk read, not the million


def test_library_rejects_bad_arguments(sample_project: Path) -> None:
    project = tmplkit.open_project(sample_project)
    with pytest.raises(BatchError, match="workers must be at least 1"):
        render_batch(SOURCE, [], project=project, workers=0)
    run = render_batch(SOURCE, [], project=project)
    assert list(run) == [] and run.summary.total == 0
    with pytest.raises(BatchError, match="only once"):
        list(run)
