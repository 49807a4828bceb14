"""The `tmplkit` command line for projects, folders, templates, drafts and blocks: exact output,
exact `error: …` lines and exit codes, and the files left behind."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import tomli_w

import tmplkit

from .conftest import (
    ACTIONS,
    ALLOWED,
    BAD_NAME_IDS,
    BAD_NAMES,
    CLI_DONE,
    STATES,
    ProjectEnv,
    modified_refusal,
    part_files,
    refusal,
)

# Sample project ids (sample_templates/).
ACME = "fdr_01m2fgk51kmqs79c482bxrdnch"
ORDERS = "fdr_01m2fgpt84sdm1efgywbqr3wrz"
ACCOUNT = "fdr_01m2fgtf9x6zrbvbj3zw1fww8y"
ORDER_CONFIRMATION = "tem_01m2n5d9rf9y9x6nmxjjscqfn0"
OC_PUBLISHED = "tdft_01m2n5dddb84ebykebcpqd9ha6"
OC_NEXT = "tdft_01m6gcf97zxybbb8msg2ee1s2d"
WELCOME = "tem_01m2tk2hrwq2n4kgkyppv1bnkx"
WELCOME_PUBLISHED = "tdft_01m2tk2km6nk9x64j6mb5ps4nk"
WELCOME_NEXT = "tdft_01m6nf8m8xx9h83sqfyac5qdqp"
PASSWORD_RESET = "tem_01m2tes7aa7mr85hk6z60dyz85"
FOOTER = "blk_01m2j9cz7zwxzqzg9cqw3xee3r"


class Matches:
    """Equal to any string matching the regex: for ids and timestamps inside JSON."""

    def __init__(self, pattern: str) -> None:
        self.pattern = re.compile(pattern)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and self.pattern.fullmatch(other) is not None

    def __repr__(self) -> str:
        return f"Matches({self.pattern.pattern!r})"


STAMP = Matches(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def new_id(prefix: str) -> Matches:
    return Matches(prefix + r"_[0-9a-z]{26}")


def toml(path: Path) -> dict[str, Any]:
    with path.open("rb") as fh:
        return tomllib.load(fh)


def ok_json(result) -> Any:
    assert (result.code, result.err) == (0, ""), result.err
    return json.loads(result.out)


# --- the workflow table, through the CLI ----------------------------------------------------


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("state", STATES)
def test_cli_workflow_table(
    project: ProjectEnv, run, snapshot, tmp_path: Path, state: str, action: str
) -> None:
    draft = project.draft_in(state)
    new_html = tmp_path / "new.html.j2"
    new_html.write_text("<p>{% trans %}Edited{% endtrans %}</p>\n", "utf-8")
    args = (
        ["draft", "write", draft.id, "--part", "html", new_html]
        if action == "edit"
        else ["draft", action, draft.id]
    )
    before = snapshot(project.root)

    result = run("--project", project.root, *args)

    expected = ALLOWED[state].get(action)
    if expected is None:
        assert result.code == 1
        assert result.out == ""
        assert result.err == f"error: {refusal(draft, project.template.id, action)}\n"
        assert snapshot(project.root) == before
        return

    assert (result.code, result.err) == (0, "")
    drafts = project.reload().drafts
    if action == "duplicate":
        (copy,) = [d for d in drafts.list(project.template.id) if d.name == f"{draft.name} (copy)"]
        assert result.out == (
            f"Duplicated {draft.id} as draft {copy.id} ({draft.name} (copy)): IN_PROGRESS\n"
        )
        assert part_files(copy.dir) == part_files(draft.dir)
    elif action == "edit":
        assert result.out == f"Wrote the html part of draft {draft.id}\n"
        assert (draft.dir / "body.html.j2").read_bytes() == new_html.read_bytes()
    else:
        assert result.out == f"Draft {draft.id} {CLI_DONE[action]}: {expected}\n"
        assert drafts.get(draft.id).state == expected


def test_cli_transition_json(project: ProjectEnv, run) -> None:
    draft = project.draft_in("PENDING_APPROVAL")
    data = ok_json(run("--project", project.root, "draft", "approve", draft.id, "--json"))
    assert data == {
        "id": draft.id,
        "templateId": project.template.id,
        "templateName": "Order confirmation",
        "name": "Spring sale",
        "slug": "spring-sale",
        "path": f"{project.workspace.id}/{project.folder.id}",
        "workspaceId": project.workspace.id,
        "status": "PUBLISHED",
        "archived": False,
        "published": True,
        "localizations": [],
        "createdAt": STAMP,
        "updatedAt": STAMP,
        "modified": False,
    }


def test_cli_approve_twice_keeps_history(sample_project: Path, run) -> None:
    def cli(*args: str):
        return run("--project", sample_project, *args)

    assert cli("draft", "submit", OC_NEXT).out == f"Draft {OC_NEXT} submitted: PENDING_APPROVAL\n"
    assert cli("draft", "approve", OC_NEXT).out == f"Draft {OC_NEXT} approved: PUBLISHED\n"
    copy = ok_json(cli("draft", "create", "--template", ORDER_CONFIRMATION, "--json"))
    cli("draft", "submit", copy["id"])
    cli("draft", "approve", copy["id"])

    shown = cli("template", "show", ORDER_CONFIRMATION).out.splitlines()
    assert f"published draft: {copy['id']}" in shown
    drafts_at = shown.index("drafts:")
    history_at = shown.index("history:")
    draft_lines = shown[drafts_at + 1 : history_at]
    assert f"  {OC_PUBLISHED}  PUBLISHED               Launch version" in draft_lines
    assert f"  {OC_NEXT}  PUBLISHED               Holiday refresh" in draft_lines
    assert f"  {copy['id']}  PUBLISHED               Draft 3 (published)" in draft_lines
    history = shown[history_at + 1 :]
    assert [line.split()[1:] for line in history] == [
        ["published", OC_NEXT],
        ["published", copy["id"]],
    ]
    assert all(line.split()[0] == STAMP for line in history)

    data = ok_json(cli("template", "show", ORDER_CONFIRMATION, "--json"))
    assert data["publishedDraftId"] == copy["id"]
    assert [h["draftId"] for h in data["history"]] == [OC_NEXT, copy["id"]]
    assert {d["id"]: (d["status"], d["published"]) for d in data["drafts"]} == {
        OC_PUBLISHED: ("PUBLISHED", False),
        OC_NEXT: ("PUBLISHED", False),
        copy["id"]: ("PUBLISHED", True),
    }

    # The superseded drafts can be archived now; the current one cannot.
    assert cli("draft", "archive", OC_PUBLISHED).out == f"Draft {OC_PUBLISHED} archived: ARCHIVED\n"
    refused = cli("draft", "archive", copy["id"])
    assert (refused.code, refused.err) == (
        1,
        f'error: draft {copy["id"]} ("Draft 3") is the published draft of template '
        f"{ORDER_CONFIRMATION}: cannot archive it (hint: approve another draft first)\n",
    )


def test_cli_error_message_from_the_issue(sample_project: Path, run) -> None:
    result = run("--project", sample_project, "draft", "approve", OC_PUBLISHED)
    assert result.code == 1
    assert result.out == ""
    assert result.err == (
        f'error: draft {OC_PUBLISHED} ("Launch version") is PUBLISHED: cannot approve it '
        "(hint: allowed from PENDING_APPROVAL)\n"
    )


@pytest.mark.parametrize("state", ["PENDING_APPROVAL", "LOCKED_FOR_TRANSLATION"])
def test_cli_frozen_draft_changed_by_hand(
    project: ProjectEnv, run, snapshot, tmp_path: Path, state: str
) -> None:
    draft = project.draft_in(state)

    def cli(*args: str | Path):
        return run("--project", project.root, *args)

    shown = cli("draft", "show", draft.id).out.splitlines()
    assert "modified:  no" in shown
    (draft.dir / "body.html.j2").write_text("<p>changed by hand</p>\n", "utf-8")
    shown = cli("draft", "show", draft.id).out.splitlines()
    assert "modified:  yes: files changed since it was frozen" in shown
    assert f"status:    {state}" in shown
    assert ok_json(cli("draft", "show", draft.id, "--json"))["modified"] is True

    before = snapshot(project.root)
    for action in ("submit", "approve", "reject", "unlock"):
        result = cli("draft", action, draft.id)
        assert result.code == 1, action
        if action in ALLOWED[state]:
            assert result.err == f"error: {modified_refusal(draft)}\n"
        else:
            assert result.err == f"error: {refusal(draft, project.template.id, action)}\n"
    (new_html := tmp_path / "x.html").write_text("<p>x</p>\n")
    result = cli("draft", "write", draft.id, "--part", "html", new_html)
    assert (result.code, result.err) == (
        1,
        f"error: {refusal(draft, project.template.id, 'edit')}\n",
    )
    assert snapshot(project.root) == before

    assert cli("draft", "archive", draft.id).out == f"Draft {draft.id} archived: ARCHIVED\n"


# --- blocks in the frozen content ------------------------------------------------------------

FOOTER_HTML = "blocks/footer/block.html.j2"
HOLIDAY = f'draft {OC_NEXT} ("Holiday refresh")'


def block_refusal(state: str, what: str, them: str = "it") -> str:
    return (
        f"error: {HOLIDAY} is {state} but {what} changed on disk "
        f"(hint: restore {them} (git checkout), or duplicate the draft to change it)\n"
    )


@pytest.mark.parametrize("state", ["LOCKED_FOR_TRANSLATION", "PENDING_APPROVAL"])
def test_cli_a_block_changed_under_a_frozen_draft(
    sample_project: Path, run, snapshot, state: str
) -> None:
    def cli(*args: str):
        return run("--project", sample_project, *args)

    action = "lock" if state == "LOCKED_FOR_TRANSLATION" else "submit"
    assert cli("draft", action, OC_NEXT).out == f"Draft {OC_NEXT} {CLI_DONE[action]}: {state}\n"
    record = toml(
        sample_project / "workspaces/acme-shop/orders/order-confirmation/drafts/next/draft.toml"
    )
    assert list(record["included_hashes"]) == ["blocks/footer", "blocks/header"]
    assert all(re.fullmatch("[0-9a-f]{16}", h) for h in record["included_hashes"].values())

    footer = sample_project / FOOTER_HTML
    original = footer.read_bytes()
    footer.write_bytes(original.replace(b"Help center", b"Help centre"))
    shown = cli("draft", "show", OC_NEXT).out.splitlines()
    assert "modified:  yes: blocks/footer changed since it was frozen" in shown
    data = ok_json(cli("draft", "show", OC_NEXT, "--json"))
    assert (data["modified"], data["changed"]) == (True, ["blocks/footer"])

    before = snapshot(sample_project)
    allowed = ["submit", "unlock"] if action == "lock" else ["approve", "reject"]
    for refused in allowed:
        result = cli("draft", refused, OC_NEXT)
        assert (result.code, result.out, result.err) == (
            1,
            "",
            block_refusal(state, "blocks/footer"),
        ), refused
    assert snapshot(sample_project) == before

    # Its own files too: both are named.
    body = (
        sample_project / "workspaces/acme-shop/orders/order-confirmation/drafts/next/body.html.j2"
    )
    body_original = body.read_bytes()
    body.write_bytes(body_original + b"<!-- hand edit -->\n")
    shown = cli("draft", "show", OC_NEXT).out.splitlines()
    assert "modified:  yes: files and blocks/footer changed since it was frozen" in shown
    result = cli("draft", allowed[0], OC_NEXT)
    assert (result.code, result.err) == (
        1,
        block_refusal(state, "its files and blocks/footer", them="them"),
    )

    # Restored: the draft is as it was frozen, and the workflow goes on.
    body.write_bytes(body_original)
    footer.write_bytes(original)
    assert "modified:  no" in cli("draft", "show", OC_NEXT).out.splitlines()
    assert "changed" not in ok_json(cli("draft", "show", OC_NEXT, "--json"))
    nxt = "PENDING_APPROVAL" if action == "lock" else "PUBLISHED"
    result = cli("draft", allowed[0], OC_NEXT)
    assert (result.code, result.out, result.err) == (
        0,
        f"Draft {OC_NEXT} {CLI_DONE[allowed[0]]}: {nxt}\n",
        "",
    )


def test_cli_a_block_included_by_a_block_counts_too(sample_project: Path, run) -> None:
    def cli(*args: str):
        return run("--project", sample_project, *args)

    created = cli("block", "create", "Legal")
    assert created.out == f"Created block {created.out.split()[2]} in blocks/legal\n"
    legal = sample_project / "blocks/legal/block.html.j2"
    legal.write_text("<p>{% trans %}Terms apply.{% endtrans %}</p>\n", "utf-8")
    (sample_project / "blocks/legal/block.txt.j2").write_text(
        "{% trans %}Terms apply.{% endtrans %}\n", "utf-8"
    )
    footer = sample_project / FOOTER_HTML
    footer.write_text(footer.read_text("utf-8") + '{%- include "blocks/legal" %}\n', "utf-8")
    assert cli("draft", "lock", OC_NEXT).code == 0
    record = toml(
        sample_project / "workspaces/acme-shop/orders/order-confirmation/drafts/next/draft.toml"
    )
    assert list(record["included_hashes"]) == ["blocks/footer", "blocks/header", "blocks/legal"]

    legal.write_text("<p>{% trans %}Terms and conditions apply.{% endtrans %}</p>\n", "utf-8")
    assert "modified:  yes: blocks/legal changed since it was frozen" in (
        cli("draft", "show", OC_NEXT).out.splitlines()
    )
    assert cli("draft", "submit", OC_NEXT).err == block_refusal(
        "LOCKED_FOR_TRANSLATION", "blocks/legal"
    )
    # Deleted: changed too.
    shutil.rmtree(sample_project / "blocks/legal")
    assert cli("draft", "unlock", OC_NEXT).err == block_refusal(
        "LOCKED_FOR_TRANSLATION", "blocks/legal"
    )
    # Archiving is always allowed (it changes no content).
    assert cli("draft", "archive", OC_NEXT).out == f"Draft {OC_NEXT} archived: ARCHIVED\n"


def test_cli_a_draft_frozen_before_blocks_were_recorded_compares_its_files_only(
    sample_project: Path, run
) -> None:
    def cli(*args: str):
        return run("--project", sample_project, *args)

    assert cli("draft", "lock", OC_NEXT).code == 0
    record = (
        sample_project / "workspaces/acme-shop/orders/order-confirmation/drafts/next/draft.toml"
    )
    data = toml(record)
    del data["included_hashes"]  # as an older tmplkit wrote it
    record.write_text(tomli_w.dumps(data), "utf-8")
    footer = sample_project / FOOTER_HTML
    footer.write_text(footer.read_text("utf-8") + "<p>new</p>\n", "utf-8")
    assert "modified:  no" in cli("draft", "show", OC_NEXT).out.splitlines()
    assert cli("draft", "submit", OC_NEXT).out == (f"Draft {OC_NEXT} submitted: PENDING_APPROVAL\n")
    # Frozen again by this version: now the blocks are recorded.
    assert list(toml(record)["included_hashes"]) == ["blocks/footer", "blocks/header"]


def test_cli_write_part_from_stdin(project: ProjectEnv, run) -> None:
    result = run(
        "--project",
        project.root,
        "draft",
        "write",
        project.draft.id,
        "--part",
        "text",
        "-",
        stdin="Hello {{ name }}\n",
    )
    assert (result.code, result.out, result.err) == (
        0,
        f"Wrote the text part of draft {project.draft.id}\n",
        "",
    )
    assert (project.draft.dir / "body.txt.j2").read_text("utf-8") == "Hello {{ name }}\n"


def test_cli_write_part_from_a_missing_file_is_a_usage_error(
    project: ProjectEnv, run, snapshot, tmp_path: Path
) -> None:
    before = snapshot(project.root)
    result = run("--project", project.root, "draft", "write", project.draft.id, tmp_path / "nope")
    assert result.code == 2
    assert "Error: Invalid value for 'FILE':" in result.err
    assert snapshot(project.root) == before


# --- names ---------------------------------------------------------------------------------


def create_args(env: ProjectEnv, kind: str, name: str) -> list[str]:
    return {
        "workspace": ["workspace", "create", name],
        "folder": ["folder", "create", "--parent", env.workspace.id, name],
        "template": ["template", "create", "--folder", env.folder.id, name],
        "template-rename": ["template", "rename", env.template.id, name],
        "draft": ["draft", "create", "--template", env.template.id, "--name", name],
        "block": ["block", "create", name],
    }[kind]


WORDS = {
    "workspace": "workspace",
    "folder": "folder",
    "template": "template",
    "template-rename": "template",
    "draft": "draft",
    "block": "block",
}


@pytest.mark.parametrize(("name", "message"), BAD_NAMES, ids=BAD_NAME_IDS)
@pytest.mark.parametrize("kind", ["template", "workspace", "block"])
def test_cli_bad_names(
    project: ProjectEnv, run, snapshot, kind: str, name: str, message: str
) -> None:
    before = snapshot(project.root)
    result = run("--project", project.root, *create_args(project, kind, name))
    assert (result.code, result.out) == (1, "")
    assert result.err == f"error: {message.format(w=WORDS[kind])}\n"
    assert snapshot(project.root) == before


@pytest.mark.parametrize("kind", ["folder", "template-rename", "draft"])
@pytest.mark.parametrize("name", ["..", "../../etc", "/etc/passwd", "drafts", "!!!"])
def test_cli_bad_names_elsewhere(project: ProjectEnv, run, snapshot, kind: str, name: str) -> None:
    message = dict(BAD_NAMES)[name]
    before = snapshot(project.root)
    result = run("--project", project.root, *create_args(project, kind, name))
    assert (result.code, result.out) == (1, "")
    assert result.err == f"error: {message.format(w=WORDS[kind])}\n"
    assert snapshot(project.root) == before


def test_cli_unicode_names(project: ProjectEnv, run_proc) -> None:
    """In a real process: non-ASCII names pass through argv, files and JSON output intact."""
    result = run_proc(
        "--project",
        project.root,
        "template",
        "create",
        "--folder",
        project.folder.id,
        "注文確認",
        "--json",
    )
    assert (result.code, result.err) == (0, "")
    assert '"name": "注文確認"' in result.out  # not \\u-escaped
    data = json.loads(result.out)
    assert (data["name"], data["slug"]) == ("注文確認", "注文確認")
    assert toml(project.folder.dir / "注文確認" / "template.toml")["name"] == "注文確認"

    result = run_proc("--project", project.root, "workspace", "create", "Bestätigung")
    assert (result.code, result.err) == (0, "")
    assert re.fullmatch(
        r"Created workspace fdr_[0-9a-z]{26} in workspaces/bestätigung\n", result.out
    )


# --- project discovery ---------------------------------------------------------------------

NO_PROJECT = (
    "error: not inside a tmplkit project (no tmplkit.toml here or above) "
    "(hint: run `tmplkit init DIR`, or pass --project DIR)\n"
)


def template_names(result) -> list[str]:
    return [t["name"] for t in ok_json(result)]


def test_cli_finds_the_project_from_deep_inside(sample_project: Path, run_proc) -> None:
    deep = sample_project / "workspaces/acme-shop/orders/order-confirmation/drafts/next"
    result = run_proc("template", "list", "--name", "order", "--json", cwd=deep)
    assert template_names(result) == ["Order confirmation"]


def test_cli_without_a_project(tmp_path: Path, run_proc) -> None:
    (empty := tmp_path / "empty" / "sub").mkdir(parents=True)
    result = run_proc("template", "list", cwd=empty)
    assert (result.code, result.out, result.err) == (1, "", NO_PROJECT)


def test_cli_project_option_and_environment(
    project: ProjectEnv, sample_project: Path, run, tmp_path: Path
) -> None:
    assert template_names(
        run("--project", sample_project, "template", "list", "--json", cwd=tmp_path)
    ) == [
        "Password reset",
        "Welcome",
        "Order confirmation",
        "Shipping notification",
    ]
    env = {"TMPLKIT_PROJECT": str(sample_project)}
    assert len(template_names(run("template", "list", "--json", cwd=tmp_path, env=env))) == 4
    # --project wins over $TMPLKIT_PROJECT, and both win over the current directory.
    assert template_names(
        run("--project", project.root, "template", "list", "--json", cwd=sample_project, env=env)
    ) == ["Order confirmation"]
    assert len(template_names(run("template", "list", "--json", cwd=project.root, env=env))) == 4
    # A relative --project is taken from the current directory.
    assert template_names(
        run("--project", "p", "template", "list", "--json", cwd=project.root.parent)
    ) == ["Order confirmation"]


def test_cli_project_option_at_a_non_project(project: ProjectEnv, run, tmp_path: Path) -> None:
    (plain := tmp_path / "plain").mkdir()
    result = run("--project", plain, "template", "list", cwd=project.root)
    assert (result.code, result.out) == (1, "")
    assert result.err == f"error: {plain}: not a tmplkit project (no tmplkit.toml)\n"

    missing = tmp_path / "missing"
    result = run("--project", missing, "template", "list", cwd=project.root)
    assert result.err == f"error: {missing}: not a tmplkit project (no tmplkit.toml)\n"
    assert not missing.exists()

    result = run("template", "list", cwd=project.root, env={"TMPLKIT_PROJECT": str(plain)})
    assert (result.code, result.err) == (
        1,
        f"error: TMPLKIT_PROJECT={plain}: not a tmplkit project (no tmplkit.toml)\n",
    )

    (a_file := tmp_path / "file.txt").write_text("x")
    result = run("--project", a_file, "template", "list")
    assert result.code == 2
    assert f"Error: Invalid value for '--project': Directory '{a_file}' is a file." in result.err


# --- init, workspaces, folders ---------------------------------------------------------------


def test_cli_init(run, tmp_path: Path, snapshot) -> None:
    target = tmp_path / "templates"
    result = run("init", target, "--name", "Acme Mail")
    assert (result.code, result.err) == (0, "")
    assert result.out == f"Initialized tmplkit project 'Acme Mail' in {target}\n"
    assert sorted(p.name for p in target.iterdir()) == [
        ".gitignore",
        "blocks",
        "locales",
        "tmplkit.toml",
        "workspaces",
    ]
    assert toml(target / "tmplkit.toml") == {
        "project": {"name": "Acme Mail", "source_locale": "en-US", "locales": []}
    }
    assert (target / ".gitignore").read_text() == ".tmplkit/\n"
    assert tmplkit.open_project(target).workspaces.list() == []

    before = snapshot(target)
    again = run("init", target)
    assert (again.code, again.out) == (1, "")
    assert again.err == f"error: {target}: already a tmplkit project\n"
    assert snapshot(target) == before

    # The default name is the directory's; an existing non-project directory is fine.
    (other := tmp_path / "Other Dir").mkdir()
    (other / "README").write_text("keep me")
    assert run("init", "Other Dir", cwd=tmp_path).out == (
        f"Initialized tmplkit project 'Other Dir' in {other}\n"
    )
    assert (other / "README").read_text() == "keep me"


def test_cli_workspaces_and_folders(run, tmp_path: Path) -> None:
    root = tmp_path / "p"
    run("init", root)

    def cli(*args: str):
        return run("--project", root, *args)

    ws = ok_json(cli("workspace", "create", "Acme Shop", "--description", "Shop mail", "--json"))
    assert ws == {
        "id": new_id("fdr"),
        "name": "Acme Shop",
        "description": "Shop mail",
        "slug": "acme-shop",
        "parentId": None,
        "createdAt": STAMP,
        "updatedAt": STAMP,
    }
    assert toml(root / "workspaces/acme-shop/folder.toml") == {
        "id": ws["id"],
        "name": "Acme Shop",
        "description": "Shop mail",
        "created_at": ws["createdAt"],
        "updated_at": ws["updatedAt"],
    }
    other = cli("workspace", "create", "Other")
    assert re.fullmatch(r"Created workspace (fdr_[0-9a-z]{26}) in workspaces/other\n", other.out)
    other_id = other.out.split()[2]

    folder = ok_json(cli("folder", "create", "--parent", ws["id"], "Orders", "--json"))
    assert folder == {**folder, "name": "Orders", "slug": "orders", "parentId": ws["id"]}
    assert folder["id"] != ws["id"]
    sub = cli("folder", "create", "--parent", folder["id"], "Returns")
    assert sub.out.startswith("Created folder fdr_")
    assert sub.out.endswith(" in workspaces/acme-shop/orders/returns\n")

    listed = ok_json(cli("workspace", "list", "--json"))
    assert [(w["id"], w["name"]) for w in listed] == [(ws["id"], "Acme Shop"), (other_id, "Other")]
    text = cli("workspace", "list").out.splitlines()
    assert text[0].split() == ["ID", "NAME", "SLUG", "DESCRIPTION"]
    assert text[1].split() == [ws["id"], "Acme", "Shop", "acme-shop", "Shop", "mail"]

    shown = ok_json(cli("workspace", "show", ws["id"], "--json"))
    assert shown == {**ws, "subfolders": [folder]}
    lines = cli("folder", "show", folder["id"]).out.splitlines()
    assert lines[0] == f"id:          {folder['id']}"
    assert "directory:   workspaces/acme-shop/orders" in lines
    assert f"parent:      {ws['id']}" in lines
    assert re.fullmatch(r"subfolders:  fdr_[0-9a-z]{26} \(Returns\)", lines[5])

    everything = ok_json(cli("folder", "list", "--json"))
    assert [f["name"] for f in everything] == ["Acme Shop", "Orders", "Returns", "Other"]
    inside = ok_json(cli("folder", "list", "--parent", ws["id"], "--json"))
    assert [f["name"] for f in inside] == ["Orders"]

    # A folder is not a workspace.
    refused = cli("workspace", "show", folder["id"])
    assert (refused.code, refused.err) == (
        1,
        f"error: {folder['id']} is a folder, not a workspace\n",
    )
    dup = cli("workspace", "create", "ACME shop")
    assert (dup.code, dup.err) == (1, "error: workspaces/acme-shop already exists\n")


def test_cli_folder_list_with_an_unknown_parent(sample_project: Path, run) -> None:
    result = run("--project", sample_project, "folder", "list", "--parent", "fdr_nope")
    assert (result.code, result.out, result.err) == (1, "", "error: no folder 'fdr_nope'\n")


# --- templates -----------------------------------------------------------------------------


def test_cli_template_create_and_show(project: ProjectEnv, run) -> None:
    def cli(*args: str):
        return run("--project", project.root, *args)

    data = ok_json(
        cli(
            "template",
            "create",
            "--folder",
            project.folder.id,
            "Order shipped",
            "--description",
            "When it ships",
            "--json",
        )
    )
    assert data == {
        "id": new_id("tem"),
        "name": "Order shipped",
        "description": "When it ships",
        "slug": "order-shipped",
        "path": f"{project.workspace.id}/{project.folder.id}",
        "workspaceId": project.workspace.id,
        "folderId": project.folder.id,
        "publishedDraftId": None,
        "history": [],
        "localizations": [],
        "createdAt": STAMP,
        "updatedAt": STAMP,
    }
    tdir = project.folder.dir / "order-shipped"
    assert sorted(p.relative_to(tdir).as_posix() for p in tdir.rglob("*")) == [
        "drafts",
        "drafts/draft-1",
        "drafts/draft-1/body.html.j2",
        "drafts/draft-1/draft.toml",
        "drafts/draft-1/subject.j2",
        "template.toml",
    ]

    shown = ok_json(cli("template", "show", "acme-shop/orders/order-shipped", "--json"))
    (first,) = shown.pop("drafts")
    assert shown == data
    assert first == {
        "id": new_id("tdft"),
        "templateId": data["id"],
        "templateName": "Order shipped",
        "name": "Draft 1",
        "slug": "draft-1",
        "path": data["path"],
        "workspaceId": project.workspace.id,
        "status": "IN_PROGRESS",
        "archived": False,
        "published": False,
        "localizations": [],
        "createdAt": STAMP,
        "updatedAt": STAMP,
        "modified": False,
    }

    lines = cli("template", "show", data["id"]).out.splitlines()
    assert lines[:6] == [
        f"id:              {data['id']}",
        "name:            Order shipped",
        "description:     When it ships",
        "directory:       workspaces/acme-shop/orders/order-shipped",
        f"path:            {data['path']}",
        "published draft: none",
    ]
    assert lines[-2:] == ["drafts:", f"  {first['id']}  IN_PROGRESS             Draft 1"]
    assert "history:" not in lines

    text = cli("template", "create", "--folder", project.folder.id, "Order cancelled")
    assert re.fullmatch(
        r"Created template tem_[0-9a-z]{26} in workspaces/acme-shop/orders/order-cancelled\n",
        text.out,
    )
    dup = cli("template", "create", "--folder", project.folder.id, "Order Cancelled!")
    assert (dup.code, dup.err) == (
        1,
        "error: workspaces/acme-shop/orders/order-cancelled already exists\n",
    )


def test_cli_template_list_and_filters(sample_project: Path, run) -> None:
    def cli(*args: str):
        return run("--project", sample_project, *args)

    assert cli("template", "list").out.splitlines() == [
        "ID                              NAME                   PATH"
        "                                    PUBLISHED DRAFT",
        "tem_01m2tes7aa7mr85hk6z60dyz85  Password reset         acme-shop/account/password-reset"
        "        tdft_01m2tesc0y971b3wtfmef3q6z3",
        "tem_01m2tk2hrwq2n4kgkyppv1bnkx  Welcome                acme-shop/account/welcome"
        "               tdft_01m2tk2km6nk9x64j6mb5ps4nk",
        "tem_01m2n5d9rf9y9x6nmxjjscqfn0  Order confirmation     acme-shop/orders/order-confirmation"
        "     tdft_01m2n5dddb84ebykebcpqd9ha6",
        "tem_01m2qd7872k9hs1c89hkwa0wb6  Shipping notification  acme-shop/orders/shipping-notification"
        "  tdft_01m2qd7c3ymcw7tz9nq89pha1r",
    ]
    assert template_names(cli("template", "list", "--folder", ORDERS, "--json")) == [
        "Order confirmation",
        "Shipping notification",
    ]
    assert len(template_names(cli("template", "list", "--folder", ACME, "--json"))) == 4
    assert template_names(cli("template", "list", "--name", "WEL", "--json")) == ["Welcome"]
    assert (
        template_names(cli("template", "list", "--folder", ACCOUNT, "--name", "order", "--json"))
        == []
    )
    assert cli("template", "list", "--name", "nothing like it").out == ""
    welcome = ok_json(cli("template", "list", "--name", "welcome", "--json"))[0]
    assert welcome["publishedDraftId"] == WELCOME_PUBLISHED
    assert welcome["path"] == f"{ACME}/{ACCOUNT}"

    unknown = cli("template", "list", "--folder", "fdr_nope")
    assert (unknown.code, unknown.out, unknown.err) == (1, "", "error: no folder 'fdr_nope'\n")


def test_cli_template_rename(sample_project: Path, run) -> None:
    def cli(*args: str):
        return run("--project", sample_project, *args)

    account = sample_project / "workspaces/acme-shop/account"
    drafts_before = {p.name: part_files(p) for p in (account / "welcome/drafts").iterdir()}
    cli("draft", "submit", WELCOME_NEXT)
    cli("draft", "approve", WELCOME_NEXT)
    before = ok_json(cli("template", "show", WELCOME, "--json"))

    result = cli("template", "rename", WELCOME, "Welcome aboard")
    assert result.out == (
        f"Renamed template {WELCOME} to 'Welcome aboard' (workspaces/acme-shop/account/welcome-aboard)\n"
    )
    assert not (account / "welcome").exists()
    assert {p.name: part_files(p) for p in (account / "welcome-aboard/drafts").iterdir()} == (
        drafts_before
    )
    after = ok_json(cli("template", "show", WELCOME, "--json"))
    assert after["id"] == WELCOME
    assert (after["name"], after["slug"]) == ("Welcome aboard", "welcome-aboard")
    assert after["publishedDraftId"] == WELCOME_NEXT
    assert after["history"] == before["history"] != []
    assert after["drafts"] == [{**d, "templateName": "Welcome aboard"} for d in before["drafts"]]
    assert after["createdAt"] == before["createdAt"]
    assert ok_json(cli("template", "show", "acme-shop/account/welcome-aboard", "--json"))["id"] == (
        WELCOME
    )
    gone = cli("template", "show", "acme-shop/account/welcome")
    assert (gone.code, gone.err) == (1, "error: no template 'acme-shop/account/welcome'\n")

    # --json, and a name with the same slug keeps the directory.
    data = ok_json(cli("template", "rename", WELCOME, "WELCOME ABOARD", "--json"))
    assert (data["name"], data["slug"], data["id"]) == ("WELCOME ABOARD", "welcome-aboard", WELCOME)

    taken = cli("template", "rename", WELCOME, "Password reset")
    assert (taken.code, taken.err) == (
        1,
        "error: workspaces/acme-shop/account/password-reset already exists\n",
    )


def test_cli_template_delete(sample_project: Path, run, snapshot) -> None:
    def cli(*args: str):
        return run("--project", sample_project, *args)

    before = snapshot(sample_project)
    refused = cli("template", "delete", WELCOME)
    assert (refused.code, refused.out, refused.err) == (
        1,
        "",
        f"error: refusing to delete template {WELCOME} without --yes\n",
    )
    assert snapshot(sample_project) == before

    done = cli("template", "delete", WELCOME, "--yes")
    assert (done.code, done.err) == (0, "")
    assert done.out.startswith(  # and the listing: tests/test_delete_listing.py
        f"Deleted template {WELCOME} (Welcome), its 3 drafts and its 5 catalogs:\n"
    )
    account = sample_project / "workspaces/acme-shop/account"
    assert sorted(p.name for p in account.iterdir()) == ["folder.toml", "password-reset"]
    assert len(template_names(cli("template", "list", "--json"))) == 3
    gone = cli("draft", "show", WELCOME_NEXT)
    assert (gone.code, gone.err) == (1, f"error: no draft '{WELCOME_NEXT}'\n")

    by_path = cli("template", "delete", "acme-shop/account/password-reset", "-y")
    assert by_path.out.startswith(
        f"Deleted template {PASSWORD_RESET} (Password reset), its 2 drafts and its 5 catalogs:\n"
    )


@pytest.mark.parametrize(("answer", "deleted"), [("n", False), ("y", True)])
def test_cli_template_delete_asks_on_a_terminal(
    sample_project: Path, python_env, answer: str, deleted: bool
) -> None:
    import pty

    controller, terminal = pty.openpty()
    try:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tmplkit",
                "--project",
                str(sample_project),
                "template",
                "delete",
                WELCOME,
            ],
            stdin=terminal,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=python_env,
            text=True,
        )
        os.write(controller, f"{answer}\n".encode())
        out, err = proc.communicate(timeout=60)
    finally:
        os.close(controller)
        os.close(terminal)
    assert out.startswith("This removes:\n  workspaces/acme-shop/account/welcome/\n")
    question = f"Delete template {WELCOME} (Welcome), its 3 drafts and its 5 catalogs? [y/N]: "
    assert question in out
    assert (sample_project / "workspaces/acme-shop/account/welcome").exists() is not deleted
    if deleted:
        assert (proc.returncode, err) == (0, "")
        assert out.endswith("  locales/pl-PL/acme-shop/account/welcome.po\n")
        assert f"Deleted template {WELCOME} (Welcome), its 3 drafts" in out
    else:
        assert (proc.returncode, err) == (1, "error: aborted\n")


# --- drafts and blocks ---------------------------------------------------------------------


def test_cli_draft_create(sample_project: Path, run) -> None:
    def cli(*args: str):
        return run("--project", sample_project, *args)

    oc = sample_project / "workspaces/acme-shop/orders/order-confirmation/drafts"
    data = ok_json(cli("draft", "create", "--template", ORDER_CONFIRMATION, "--json"))
    assert data == {
        "id": new_id("tdft"),
        "templateId": ORDER_CONFIRMATION,
        "templateName": "Order confirmation",
        "name": "Draft 3",
        "slug": "draft-3",
        "path": f"{ACME}/{ORDERS}",
        "workspaceId": ACME,
        "status": "IN_PROGRESS",
        "archived": False,
        "published": False,
        "localizations": [],
        "createdAt": STAMP,
        "updatedAt": STAMP,
        "modified": False,
    }
    assert part_files(oc / "draft-3") == part_files(oc / "published")  # the published draft
    assert part_files(oc / "draft-3") != part_files(oc / "next")

    text = cli(
        "draft",
        "create",
        "--template",
        "acme-shop/orders/order-confirmation",
        "--from",
        OC_NEXT,
        "--name",
        "Spring sale",
    )
    assert re.fullmatch(
        r"Created draft tdft_[0-9a-z]{26} in "
        r"workspaces/acme-shop/orders/order-confirmation/drafts/spring-sale\n",
        text.out,
    )
    assert part_files(oc / "spring-sale") == part_files(oc / "next")

    foreign = cli("draft", "create", "--template", WELCOME, "--from", OC_NEXT)
    assert (foreign.code, foreign.err) == (
        1,
        f'error: draft {OC_NEXT} ("Holiday refresh") belongs to another template\n',
    )
    listed = ok_json(cli("draft", "list", "--template", ORDER_CONFIRMATION, "--json"))
    assert sorted(d["name"] for d in listed) == [
        "Draft 3",
        "Holiday refresh",
        "Launch version",
        "Spring sale",
    ]


def test_cli_new_template_draft_defaults(project: ProjectEnv, run) -> None:
    """Without a published draft, a new draft starts from the stock content."""
    data = ok_json(
        run(
            "--project",
            project.root,
            "draft",
            "create",
            "--template",
            project.template.id,
            "--json",
        )
    )
    assert (data["name"], data["slug"]) == ("Draft 2", "draft-2")
    assert part_files(project.template.dir / "drafts/draft-2") == part_files(project.draft.dir)


def test_cli_draft_list_by_status(sample_project: Path, run) -> None:
    def cli(*args: str):
        return run("--project", sample_project, *args)

    cli("draft", "submit", OC_NEXT)
    cli("draft", "lock", WELCOME_NEXT)
    pending = ok_json(cli("draft", "list", "--status", "pending_approval", "--json"))
    assert [d["id"] for d in pending] == [OC_NEXT]
    assert cli("draft", "list", "--status", "LOCKED_FOR_TRANSLATION").out.splitlines() == [
        "ID                               STATUS                  NAME             TEMPLATE",
        f"{WELCOME_NEXT}  LOCKED_FOR_TRANSLATION  Holiday refresh  Welcome",
    ]
    published = ok_json(cli("draft", "list", "--status", "PUBLISHED", "--json"))
    assert len(published) == 4
    assert all(d["published"] for d in published)
    bad = cli("draft", "list", "--status", "DONE")
    assert bad.code == 2
    assert "Error: Invalid value for '--status': 'DONE' is not one of" in bad.err


def test_cli_blocks(sample_project: Path, run) -> None:
    def cli(*args: str):
        return run("--project", sample_project, *args)

    created = ok_json(
        cli("block", "create", "Legal notice", "--description", "Fine print", "--json")
    )
    assert created == {
        "id": new_id("blk"),
        "name": "Legal notice",
        "description": "Fine print",
        "slug": "legal-notice",
        "createdAt": STAMP,
        "updatedAt": STAMP,
    }
    bdir = sample_project / "blocks/legal-notice"
    assert sorted(p.name for p in bdir.iterdir()) == ["block.html.j2", "block.toml"]

    listed = ok_json(cli("block", "list", "--json"))
    assert [b["slug"] for b in listed] == ["footer", "header", "legal-notice"]
    assert cli("block", "list").out.splitlines()[0].split() == ["ID", "SLUG", "NAME"]

    assert ok_json(cli("block", "show", "legal-notice", "--json")) == created
    lines = cli("block", "show", FOOTER).out.splitlines()
    assert lines == [
        f"id:          {FOOTER}",
        "name:        Footer",
        "slug:        footer",
        'include:     {% include "blocks/footer" %}',
        "description: Postal address, help center link and unsubscribe link.",
        "directory:   blocks/footer",
        "parts:       html, text",
    ]
    dup = cli("block", "create", "legal NOTICE")
    assert (dup.code, dup.err) == (1, "error: blocks/legal-notice already exists\n")
    missing = cli("block", "show", "nope")
    assert (missing.code, missing.err) == (1, "error: no block 'nope'\n")


# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["template", "show", "tem_nope"], "no template 'tem_nope'"),
        (["template", "rename", "tem_nope", "X"], "no template 'tem_nope'"),
        (["template", "delete", "tem_nope", "--yes"], "no template 'tem_nope'"),
        (["template", "create", "--folder", "fdr_nope", "X"], "no folder 'fdr_nope'"),
        (["folder", "show", "fdr_nope"], "no folder 'fdr_nope'"),
        (["folder", "create", "--parent", "fdr_nope", "X"], "no folder 'fdr_nope'"),
        (["workspace", "show", "fdr_nope"], "no folder 'fdr_nope'"),
        (["draft", "show", "tdft_nope"], "no draft 'tdft_nope'"),
        (["draft", "approve", "tdft_nope"], "no draft 'tdft_nope'"),
        (["draft", "duplicate", "tdft_nope"], "no draft 'tdft_nope'"),
        (["draft", "create", "--template", "tem_nope"], "no template 'tem_nope'"),
        (["draft", "create", "--template", WELCOME, "--from", "tdft_nope"], "no draft 'tdft_nope'"),
        (["draft", "list", "--template", "tem_nope"], "no template 'tem_nope'"),
        (["block", "show", "blk_nope"], "no block 'blk_nope'"),
    ],
)
def test_cli_unknown_ids(
    sample_project: Path, run, snapshot, args: list[str], message: str
) -> None:
    before = snapshot(sample_project)
    result = run("--project", sample_project, *args)
    assert (result.code, result.out, result.err) == (1, "", f"error: {message}\n")
    assert snapshot(sample_project) == before


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["template", "create", "--folder", ORDERS], "Error: Missing argument 'NAME'."),
        (["template", "create", "X"], "Error: Missing option '--folder'."),
        (["draft", "submit"], "Error: Missing argument 'ID'."),
        (["draft", "write", OC_NEXT], "Error: Missing argument 'FILE'."),
        (["draft", "frobnicate", OC_NEXT], "Error: No such command 'frobnicate'."),
        (["init"], "Error: Missing argument 'DIRECTORY'."),
    ],
)
def test_cli_usage_errors(sample_project: Path, run, args: list[str], error: str) -> None:
    result = run("--project", sample_project, *args)
    assert (result.code, result.out) == (2, "")
    assert result.err.startswith("Usage: tmplkit ")
    assert result.err.endswith(f"\n{error}\n")
    assert "Traceback" not in result.err


def test_cli_errors_have_no_traceback_unless_debug(sample_project: Path, run_proc) -> None:
    plain = run_proc("--project", sample_project, "template", "show", "tem_nope")
    assert (plain.code, plain.out, plain.err) == (1, "", "error: no template 'tem_nope'\n")

    debug = run_proc("--project", sample_project, "--debug", "template", "show", "tem_nope")
    assert debug.code == 1
    assert debug.err.startswith("Traceback (most recent call last):\n")
    assert debug.err.endswith("tmplkit.errors.NotFound: no template 'tem_nope'\n")


def test_cli_disk_error_is_one_line(project: ProjectEnv, run, snapshot, monkeypatch) -> None:
    import errno

    def replace(src, dst, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    before = snapshot(project.root)
    monkeypatch.setattr(os, "replace", replace)
    result = run("--project", project.root, "draft", "submit", project.draft.id)
    monkeypatch.undo()
    record = "workspaces/acme-shop/orders/order-confirmation/drafts/draft-1/draft.toml"
    assert (result.code, result.out, result.err) == (
        1,
        "",
        f"error: no space left on device writing {record}\n",
    )
    assert snapshot(project.root) == before
