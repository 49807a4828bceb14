"""One SOURCE resolution per run: `render`, `render-batch`, `send` and `send-batch` resolve
their SOURCE argument once, into a SourceSet handed down to every stage (the workers' locales,
the plural counts, the variable types, the hand-off), from the command line and the library.

`tmplkit.pipeline.resolve` is replaced, in every loaded tmplkit module that holds it, by a
wrapper that counts its calls; the batches run on one process (workers > 1 receive the
resolved sources, and no process resolves again)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import tmplkit
import tmplkit.pipeline
from tests.conftest import Result
from tmplkit.batch import BatchJob, render_batch, run_batch
from tmplkit.handoff.send import Handoff, RecipientFields, send, send_batch, send_batch_job
from tmplkit.pipeline import SourceSet

ORDER = "acme-shop/orders/order-confirmation"
WELCOME = "acme-shop/account/welcome"
SAMPLE = json.loads(
    (
        Path(__file__).parent.parent / "sample_templates" / "workspaces" / ORDER / "sample.json"
    ).read_text("utf-8")
)
# Three locales and one record without: every locale is prepared, each from the one SourceSet.
RECORDS = [{**SAMPLE, "locale": locale} for locale in ("en-US", "fr-FR", "pl-PL")] + [SAMPLE]
WELCOME_SAMPLE = json.loads(
    (
        Path(__file__).parent.parent / "sample_templates" / "workspaces" / WELCOME / "sample.json"
    ).read_text("utf-8")
)
PEOPLE = [
    {**WELCOME_SAMPLE, "user": {**WELCOME_SAMPLE["user"], "first_name": name, "email": email},
     **({"locale": locale} if locale else {})}
    for name, email, locale in [
        ("Ann", "ann@example.com", "fr-FR"),
        ("Bo", "bo@example.com", "pl-PL"),
        ("Cy", "cy@example.com", None),
    ]
]  # fmt: skip


@pytest.fixture
def resolutions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The SOURCE of each resolution from now on, in order."""
    calls: list[str] = []
    original = tmplkit.pipeline.resolve

    def counting(source: str, *args: Any, **kwargs: Any) -> SourceSet:
        calls.append(source)
        return original(source, *args, **kwargs)

    for name, module in list(sys.modules.items()):
        if (name == "tmplkit" or name.startswith("tmplkit.")) and getattr(
            module, "resolve", None
        ) is original:
            monkeypatch.setattr(module, "resolve", counting)
    return calls


def jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


# --- the library ----------------------------------------------------------------------------


def test_render_resolves_once(sample_project: Path, resolutions: list[str]) -> None:
    project = tmplkit.open_project(sample_project)
    message = tmplkit.render(ORDER, SAMPLE, project=project, locale="fr-FR", strict=True)
    assert message.subject == "Votre commande Acme Shop n°\u00a0AC-104829 est confirmée"
    assert resolutions == [ORDER]


@pytest.mark.parametrize("strict", [False, True])
def test_render_batch_resolves_once(
    sample_project: Path, resolutions: list[str], strict: bool
) -> None:
    project = tmplkit.open_project(sample_project)
    with render_batch(ORDER, RECORDS, project=project, locale_field="locale", strict=strict) as run:
        results = list(run)
    assert [r.locale for r in results] == ["en-US", "fr-FR", "pl-PL", "en-US"]
    assert all(r.ok for r in results)
    assert resolutions == [ORDER]


def test_run_batch_takes_resolved_sources(sample_project: Path, resolutions: list[str]) -> None:
    sources = tmplkit.pipeline.resolve(ORDER, tmplkit.open_project(sample_project))
    job = BatchJob(sources, locale_field="locale", strict=True)
    with run_batch(job, RECORDS) as run:
        assert [r.locale for r in run] == ["en-US", "fr-FR", "pl-PL", "en-US"]
    with render_batch(sources, RECORDS[:1]) as run:  # a SourceSet is taken as it is
        assert [r.ok for r in run] == [True]
    assert resolutions == [ORDER]


def test_send_resolves_once(sample_project: Path, resolutions: list[str]) -> None:
    project = tmplkit.open_project(sample_project)
    receipt = send(WELCOME, "ann@example.com", project=project, locale="fr-FR", strict=True)
    assert receipt.accepted and not receipt.skipped
    assert resolutions == [WELCOME]


def test_send_batch_resolves_once(
    sample_project: Path, tmp_path: Path, resolutions: list[str]
) -> None:
    project = tmplkit.open_project(sample_project)
    fields = RecipientFields(address="user.email")
    path = jsonl(tmp_path / "people.jsonl", PEOPLE)
    summary = send_batch(
        WELCOME, path, project=project, fields=fields, locale_field="locale", strict=True
    )
    assert (summary.accepted, summary.failed) == (3, 0)
    assert resolutions == [WELCOME]
    sources = tmplkit.pipeline.resolve(WELCOME, project)
    job = BatchJob(sources, locale_field="locale", keep_data=True)
    again = send_batch_job(job, path, Handoff(fields=fields))
    assert (again.accepted, again.skipped) == (0, 3)  # the journal: sent before
    assert resolutions == [WELCOME, WELCOME]


# --- the command line -----------------------------------------------------------------------


def test_cli_render_resolves_once(
    run: Callable[..., Result], sample_project: Path, resolutions: list[str]
) -> None:
    r = run("--project", sample_project, "render", ORDER, "--locale", "fr-FR", "--strict",
            "--format", "subject")  # fmt: skip
    assert (r.code, r.out) == (0, "Votre commande Acme Shop n°\u00a0AC-104829 est confirmée\n")
    assert resolutions == [ORDER]


def test_cli_render_batch_resolves_once(
    run: Callable[..., Result], sample_project: Path, tmp_path: Path, resolutions: list[str]
) -> None:
    path = jsonl(tmp_path / "r.jsonl", RECORDS)
    r = run("--project", sample_project, "render-batch", ORDER, "--recipients", path,
            "--locale-field", "locale", "--strict", "--out", tmp_path / "out.jsonl")  # fmt: skip
    assert r.code == 0, r.err
    assert "4 recipients: 4 rendered in " in r.err
    assert resolutions == [ORDER]


def test_cli_send_resolves_once(
    run: Callable[..., Result], sample_project: Path, resolutions: list[str]
) -> None:
    r = run("--project", sample_project, "send", WELCOME, "--to", "ann@example.com",
            "--locale", "fr-FR", "--strict")  # fmt: skip
    assert r.code == 0, r.err
    assert r.out.startswith("accepted: ann@example.com via outbox (key ")
    assert resolutions == [WELCOME]


def test_cli_send_batch_resolves_once(
    run: Callable[..., Result], sample_project: Path, tmp_path: Path, resolutions: list[str]
) -> None:
    path = jsonl(tmp_path / "people.jsonl", PEOPLE)
    r = run("--project", sample_project, "send-batch", WELCOME, "--recipients", path,
            "--to-field", "user.email", "--locale-field", "locale", "--strict")  # fmt: skip
    assert r.code == 0, r.err
    assert r.out.startswith("3 recipients via outbox: 3 accepted, 0 failed")
    assert resolutions == [WELCOME]


# --- what is handed down instead: at most 8 parameters -----------------------------------------

SRC = Path(__file__).parent.parent / "src" / "tmplkit"
HANDED_DOWN = [
    *sorted((SRC / "batch").glob("*.py")),
    *(
        SRC / "handoff" / f"{name}.py"
        for name in ("send", "send_batch", "configured", "recipients")
    ),
    SRC / "rendering.py",
]


def test_no_function_takes_more_than_8_parameters() -> None:
    """In the batch and the hand-off's sending: keyword-only ones count, `self` does not (a
    BatchJob, a Handoff, SendEvents carry the rest)."""
    import ast

    over = []
    for path in HANDED_DOWN:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                a = node.args
                names = [x.arg for x in (*a.posonlyargs, *a.args, *a.kwonlyargs)]
                count = len(names) - (names[:1] in (["self"], ["cls"]))
                count += (a.vararg is not None) + (a.kwarg is not None)
                if count > 8:
                    over.append(f"{path.relative_to(SRC)}:{node.lineno} {node.name}: {count}")
    assert over == []
