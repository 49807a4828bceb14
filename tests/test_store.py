"""The project store through the library: draft workflow, names, discovery, atomic writes,
crashes and concurrent writers. Real directories and real processes throughout."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

import tmplkit
from tmplkit import (
    Conflict,
    DraftStatus,
    InvalidName,
    NotFound,
    ProhibitedAction,
    ProjectError,
    store,
)
from tmplkit.errors import StorageError
from tmplkit.store import atomic_write

from .conftest import (
    ACTIONS,
    ALLOWED,
    BAD_NAME_IDS,
    BAD_NAMES,
    STATES,
    ProjectEnv,
    modified_refusal,
    part_files,
    refusal,
)


def toml(path: Path) -> dict:
    with path.open("rb") as fh:
        return tomllib.load(fh)


def stray_temp_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.tmp"))


def apply(env: ProjectEnv, draft_id: str, action: str) -> tmplkit.Draft:
    if action == "edit":
        return env.project.drafts.write_part(draft_id, "html", "<p>edited</p>\n")
    return env.project.drafts.transition(draft_id, action)


# --- the workflow table: every (state, action) ----------------------------------------------


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("state", STATES)
def test_workflow_table(project: ProjectEnv, snapshot, state: str, action: str) -> None:
    draft = project.draft_in(state)
    before = snapshot(project.root)
    expected = ALLOWED[state].get(action)

    if expected is None:
        with pytest.raises(ProhibitedAction) as info:
            apply(project, draft.id, action)
        assert str(info.value) == refusal(draft, project.template.id, action)
        assert snapshot(project.root) == before  # nothing at all changed on disk
        return

    result = apply(project, draft.id, action)
    after = snapshot(project.root)
    changed = {k for k in before.keys() | after.keys() if before.get(k, 0) != after.get(k, 0)}
    drafts = project.reload().drafts
    rel = draft.dir.relative_to(project.root).as_posix()
    if action == "duplicate":
        assert result.id != draft.id
        copy = drafts.get(result.id)
        assert (copy.name, copy.state) == (f"{draft.name} (copy)", "IN_PROGRESS")
        assert part_files(copy.dir) == part_files(draft.dir) != {}
        # Only new files: the source (and everything else) is left as it was.
        assert before.keys() <= after.keys()
        assert changed == {
            k for k in after if k.startswith(copy.dir.relative_to(project.root).as_posix())
        }
        return
    assert result.id == draft.id
    assert drafts.get(draft.id).state == expected
    expected_changes = {f"{rel}/draft.toml"}
    if action == "edit":
        assert (draft.dir / "body.html.j2").read_text("utf-8") == "<p>edited</p>\n"
        # draft.toml only gets a new updated_at, which may be the same second.
        changed.add(f"{rel}/draft.toml")
        expected_changes.add(f"{rel}/body.html.j2")
    if action == "approve":
        template = drafts.template_of(drafts.get(draft.id))
        assert template.published_draft_id == draft.id
        assert template.history[-1].draft_id == draft.id
        expected_changes.add(
            f"{project.template.dir.relative_to(project.root).as_posix()}/template.toml"
        )
    assert changed == expected_changes


def test_archive_of_a_superseded_published_draft_is_allowed(project: ProjectEnv) -> None:
    old = project.draft_in("PUBLISHED", name="Old")
    new = project.draft_in("PUBLISHED", name="New")
    archived = project.project.drafts.archive(old.id)
    assert archived.state == "ARCHIVED"
    template = project.project.templates.get(project.template.id)
    assert template.published_draft_id == new.id
    assert [h.draft_id for h in template.history] == [old.id, new.id]


def test_approve_publishes_and_keeps_the_previous_published_draft_as_history(
    project: ProjectEnv,
) -> None:
    drafts = project.project.drafts
    first = project.draft_in("PENDING_APPROVAL", name="First")
    drafts.approve(first.id)
    second = project.draft_in("PENDING_APPROVAL", name="Second")
    drafts.approve(second.id)

    data = toml(project.template.dir / "template.toml")
    assert data["published_draft_id"] == second.id
    assert [h["draft_id"] for h in data["history"]] == [first.id, second.id]
    assert all(h["published_at"].endswith("Z") for h in data["history"])
    assert drafts.get(first.id).state == "PUBLISHED"  # still there, still PUBLISHED
    assert drafts.get(second.id).state == "PUBLISHED"
    assert toml(first.dir / "draft.toml")["status"] == "PUBLISHED"


def test_submit_from_locked_and_approve(project: ProjectEnv) -> None:
    drafts = project.project.drafts
    draft = project.draft_in("LOCKED_FOR_TRANSLATION")
    assert drafts.submit(draft.id).status is DraftStatus.PENDING_APPROVAL
    assert drafts.approve(draft.id).status is DraftStatus.PUBLISHED
    assert project.project.templates.get(project.template.id).published_draft_id == draft.id


def test_freezing_records_a_content_hash_and_reject_clears_it(project: ProjectEnv) -> None:
    drafts = project.project.drafts
    draft = project.draft_in("IN_PROGRESS")
    assert "content_hash" not in toml(draft.dir / "draft.toml")
    drafts.submit(draft.id)
    frozen = toml(draft.dir / "draft.toml")["content_hash"]
    assert len(frozen) == 16 and int(frozen, 16) >= 0
    drafts.reject(draft.id)
    data = toml(draft.dir / "draft.toml")
    assert data["status"] == "IN_PROGRESS"
    assert "content_hash" not in data
    # In progress again: its content may change, and nothing calls it "modified".
    drafts.write_part(draft.id, "html", "<p>new</p>\n")
    assert drafts.modified(drafts.get(draft.id)) is False


# --- blocks in the frozen content ------------------------------------------------------------


def test_include_refs_scans_the_tags_without_parsing() -> None:
    source = (
        '<p>{% include "blocks/header" %}</p>\n'
        "{%- include 'blocks/footer' -%}\n"
        '{# {% include "blocks/old-footer" %} #}\n'  # commented out: counted all the same
        '{{ "blocks/not-a-tag" }}\n'
        '{% extends "layouts/base" %}\n'  # a layout is pulled in like a block
        '{% include "blocks/header" %}\n'
        '{% include "partials/x" %}\n'  # not something the store holds
    )
    assert store.include_refs(source) == [
        "blocks/header",
        "blocks/footer",
        "blocks/old-footer",
        "layouts/base",
        "blocks/header",
    ]


def test_included_hashes_follow_blocks_through_blocks(project: ProjectEnv) -> None:
    p = project.project
    for name in ("Outer", "Inner"):
        p.blocks.create(name)
    root = project.root
    (root / "blocks/outer/block.html.j2").write_text('<div>{% include "blocks/inner" %}</div>\n')
    (root / "blocks/inner/block.html.j2").write_text('<p>{% include "blocks/outer" %}</p>\n')
    first = store.included_hashes(root, ['{% include "blocks/outer" %}{% include "blocks/gone" %}'])
    assert list(first) == ["blocks/gone", "blocks/inner", "blocks/outer"]  # a cycle ends too
    assert first["blocks/gone"] == "absent"
    (root / "blocks/inner/block.txt.j2").write_text("inner\n")
    second = store.included_hashes(root, ['{% include "blocks/outer" %}'])
    assert second["blocks/outer"] == first["blocks/outer"]
    assert second["blocks/inner"] != first["blocks/inner"]


def test_a_block_changed_under_a_frozen_draft_is_a_change(project: ProjectEnv) -> None:
    p = project.project
    p.blocks.create("Footer")
    draft = project.draft_in("IN_PROGRESS")
    p.drafts.write_part(draft.id, "html", '<p>Hi</p>\n{% include "blocks/footer" %}\n')
    p.drafts.lock(draft.id)
    record = toml(draft.dir / "draft.toml")
    assert list(record["included_hashes"]) == ["blocks/footer"]
    footer = project.root / "blocks/footer/block.html.j2"
    footer.write_text("<p>changed</p>\n")
    frozen = p.drafts.get(draft.id)
    assert p.drafts.changes(frozen) == ["blocks/footer"]
    with pytest.raises(ProhibitedAction) as info:
        p.drafts.submit(draft.id)
    assert str(info.value) == (
        f'draft {draft.id} ("Spring sale") is LOCKED_FOR_TRANSLATION but blocks/footer changed '
        "on disk (hint: restore it (git checkout), or duplicate the draft to change it)"
    )
    # Back in progress through a duplicate: its copy is not frozen, and includes the new block.
    copy = p.drafts.duplicate(draft.id)
    assert p.drafts.changes(copy) == []
    p.drafts.lock(copy.id)
    assert p.drafts.changes(p.drafts.get(copy.id)) == []
    p.drafts.unlock(copy.id)
    assert "included_hashes" not in toml(copy.dir / "draft.toml")


def test_lock_then_unlock_returns_to_in_progress_without_hash(project: ProjectEnv) -> None:
    drafts = project.project.drafts
    draft = project.draft_in("IN_PROGRESS")
    drafts.lock(draft.id)
    assert "content_hash" in toml(draft.dir / "draft.toml")
    drafts.unlock(draft.id)
    data = toml(draft.dir / "draft.toml")
    assert (data["status"], "content_hash" in data) == ("IN_PROGRESS", False)


def test_duplicate_of_an_archived_draft_copies_every_part(project: ProjectEnv) -> None:
    drafts = project.project.drafts
    draft = project.draft_in("IN_PROGRESS", name="Holiday")
    drafts.write_part(draft.id, "text", "Plain text\n")
    drafts.write_part(draft.id, "subject", "Hello {{ name }}\n")
    drafts.archive(draft.id)
    copy = drafts.duplicate(draft.id)
    assert (copy.name, copy.slug, copy.state) == ("Holiday (copy)", "holiday-copy", "IN_PROGRESS")
    assert sorted(part_files(copy.dir)) == ["body.html.j2", "body.txt.j2", "subject.j2"]
    assert part_files(copy.dir) == part_files(draft.dir)
    assert toml(copy.dir / "draft.toml")["archived"] is False


def test_write_part_rejects_an_unknown_part(project: ProjectEnv, snapshot) -> None:
    before = snapshot(project.root)
    with pytest.raises(
        InvalidName,
        match=r"^unknown part 'css' \(hint: parts are subject, html, mjml, text, sms, push, chat\)$",
    ):
        project.project.drafts.write_part(project.draft.id, "css", "x")
    assert snapshot(project.root) == before


# --- frozen drafts changed by hand -----------------------------------------------------------


@pytest.mark.parametrize("state", ["PENDING_APPROVAL", "LOCKED_FOR_TRANSLATION"])
def test_frozen_draft_changed_on_disk(project: ProjectEnv, snapshot, state: str) -> None:
    drafts = project.project.drafts
    draft = project.draft_in(state)
    html = draft.dir / "body.html.j2"
    original = html.read_bytes()
    html.write_text("<p>changed by hand</p>\n", "utf-8")
    assert drafts.modified(drafts.get(draft.id)) is True

    before = snapshot(project.root)
    for action in ("submit", "approve", "reject", "lock", "unlock", "edit"):
        with pytest.raises(ProhibitedAction) as info:
            apply(project, draft.id, action)
        if action in ALLOWED[state] and action != "edit":
            assert str(info.value) == modified_refusal(draft), action
        else:  # the state's own refusal comes first
            assert str(info.value) == refusal(draft, project.template.id, action), action
    assert snapshot(project.root) == before

    # Restoring the files makes the draft usable again.
    html.write_bytes(original)
    assert drafts.modified(drafts.get(draft.id)) is False
    next_state = "PUBLISHED" if state == "PENDING_APPROVAL" else "PENDING_APPROVAL"
    drafts.transition(draft.id, "approve" if state == "PENDING_APPROVAL" else "submit")
    assert drafts.get(draft.id).state == next_state


def test_frozen_draft_with_an_added_part_file_is_modified(project: ProjectEnv) -> None:
    drafts = project.project.drafts
    draft = project.draft_in("PENDING_APPROVAL")
    (draft.dir / "body.txt.j2").write_text("new text part\n", "utf-8")
    with pytest.raises(ProhibitedAction) as info:
        drafts.approve(draft.id)
    assert str(info.value) == modified_refusal(draft)


def test_modified_frozen_draft_can_be_archived_or_duplicated(project: ProjectEnv) -> None:
    drafts = project.project.drafts
    draft = project.draft_in("PENDING_APPROVAL")
    (draft.dir / "subject.j2").write_text("Hand-made subject\n", "utf-8")
    copy = drafts.duplicate(draft.id)  # the hint's way out: the copy takes the files as they are
    assert (copy.dir / "subject.j2").read_text("utf-8") == "Hand-made subject\n"
    assert drafts.archive(draft.id).state == "ARCHIVED"


# --- names ---------------------------------------------------------------------------------


# kind -> (the word in the message, how to create one with that name)
CREATORS = {
    "workspace": ("workspace", lambda e, n: e.project.workspaces.create(n)),
    "folder": ("folder", lambda e, n: e.project.folders.create(n, e.workspace.id)),
    "template": ("template", lambda e, n: e.project.templates.create(e.folder.id, n)),
    "template-rename": ("template", lambda e, n: e.project.templates.rename(e.template.id, n)),
    "draft": ("draft", lambda e, n: e.project.drafts.create(e.template.id, name=n)),
    "block": ("block", lambda e, n: e.project.blocks.create(n)),
}


@pytest.mark.parametrize("kind", CREATORS)
@pytest.mark.parametrize(("name", "message"), BAD_NAMES, ids=BAD_NAME_IDS)
def test_bad_names_are_refused_and_create_nothing(
    project: ProjectEnv, snapshot, kind: str, name: str, message: str
) -> None:
    word, create = CREATORS[kind]
    before = snapshot(project.root)
    with pytest.raises(InvalidName) as info:
        create(project, name)
    assert str(info.value) == message.format(w=word)
    assert snapshot(project.root) == before


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Bestätigung", "bestätigung"),
        ("Besta\u0308tigung", "bestätigung"),  # decomposed: normalised to the same slug
        ("注文確認", "注文確認"),
        ("Ｏｒｄｅｒ　Ｓｈｉｐｐｅｄ", "order-shipped"),  # full-width letters and space
        ("Confirmación de pedido", "confirmación-de-pedido"),
        ("  Padded name  ", "padded-name"),
    ],
)
def test_unicode_names_are_accepted_with_a_sensible_slug(
    project: ProjectEnv, name: str, slug: str
) -> None:
    template = project.project.templates.create(project.folder.id, name)
    assert template.slug == slug
    assert template.dir == project.folder.dir / slug
    assert toml(template.dir / "template.toml")["name"] == name.strip()
    found = project.reload().templates.get(f"acme-shop/orders/{slug}")
    assert (found.id, found.name) == (template.id, name.strip())


def test_names_with_the_same_slug_conflict(project: ProjectEnv, snapshot) -> None:
    before = snapshot(project.root)
    with pytest.raises(Conflict) as info:
        project.project.templates.create(project.folder.id, "ORDER  Confirmation!")
    assert str(info.value) == "workspaces/acme-shop/orders/order-confirmation already exists"
    assert snapshot(project.root) == before


def test_drafts_with_the_same_name_get_numbered_slugs(project: ProjectEnv) -> None:
    drafts = project.project.drafts
    slugs = [drafts.create(project.template.id, name="Spring sale").slug for _ in range(3)]
    assert slugs == ["spring-sale", "spring-sale-2", "spring-sale-3"]


def test_a_name_too_long_for_the_file_system_is_refused_as_a_name(
    project: ProjectEnv, snapshot
) -> None:
    name = "\U00020000" * 80  # 80 letters, 4 bytes each in UTF-8: 320 > 255 (NAME_MAX)
    before = snapshot(project.root)
    try:
        template = project.project.templates.create(project.folder.id, name)
    except InvalidName:
        assert snapshot(project.root) == before
    else:
        assert len(template.slug.encode("utf-8")) <= 255


# --- discovery -----------------------------------------------------------------------------


def test_open_project_walks_up_from_a_subdirectory(
    project: ProjectEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TMPLKIT_PROJECT", raising=False)
    monkeypatch.chdir(project.draft.dir)
    assert tmplkit.open_project().root == project.root


def test_open_project_uses_tmplkit_project(
    project: ProjectEnv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMPLKIT_PROJECT", str(project.root))
    monkeypatch.chdir(tmp_path)
    assert tmplkit.open_project().root == project.root


def test_open_project_explicit_path_wins_over_the_environment(
    project: ProjectEnv, sample_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMPLKIT_PROJECT", str(project.root))
    assert tmplkit.open_project(sample_project).root == sample_project.resolve()


def test_open_project_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TMPLKIT_PROJECT", raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ProjectError) as info:
        tmplkit.open_project()
    assert str(info.value) == (
        "not inside a tmplkit project (no tmplkit.toml here or above) "
        "(hint: run `tmplkit init DIR`, or pass --project DIR)"
    )
    with pytest.raises(ProjectError) as info:
        tmplkit.open_project(tmp_path)
    assert str(info.value) == f"{tmp_path}: not a tmplkit project (no tmplkit.toml)"
    monkeypatch.setenv("TMPLKIT_PROJECT", str(tmp_path / "nowhere"))
    with pytest.raises(ProjectError) as info:
        tmplkit.open_project()
    assert str(info.value) == (
        f"TMPLKIT_PROJECT={tmp_path / 'nowhere'}: not a tmplkit project (no tmplkit.toml)"
    )


def test_init_twice_is_a_conflict_and_leaves_the_project_alone(
    project: ProjectEnv, snapshot
) -> None:
    before = snapshot(project.root)
    with pytest.raises(Conflict) as info:
        tmplkit.init_project(project.root)
    assert str(info.value) == f"{project.root}: already a tmplkit project"
    assert snapshot(project.root) == before


# --- templates: rename, delete, drafts from the published one -------------------------------


def test_rename_keeps_id_drafts_and_history(project: ProjectEnv) -> None:
    published = project.draft_in("PUBLISHED")
    old_dir = project.template.dir
    before = toml(old_dir / "template.toml")
    drafts_before = {
        d.id: part_files(d.dir) for d in project.project.drafts.list(project.template.id)
    }

    renamed = project.project.templates.rename(project.template.id, "Order received")
    assert (renamed.id, renamed.slug) == (project.template.id, "order-received")
    assert not old_dir.exists()
    after = toml(project.folder.dir / "order-received" / "template.toml")
    assert after["name"] == "Order received"
    assert after["id"] == before["id"]
    assert after["published_draft_id"] == published.id
    assert after["history"] == before["history"]

    reloaded = project.reload()
    moved = reloaded.drafts.list(project.template.id)
    assert {d.id: part_files(d.dir) for d in moved} == drafts_before
    assert reloaded.drafts.get(published.id).state == "PUBLISHED"


def test_rename_onto_an_existing_template_is_a_conflict(project: ProjectEnv, snapshot) -> None:
    project.project.templates.create(project.folder.id, "Order shipped")
    before = snapshot(project.root)
    with pytest.raises(Conflict) as info:
        project.project.templates.rename(project.template.id, "Order Shipped")
    assert str(info.value) == "workspaces/acme-shop/orders/order-shipped already exists"
    assert snapshot(project.root) == before


def test_delete_removes_the_whole_template(project: ProjectEnv) -> None:
    project.draft_in("PUBLISHED")
    project.project.templates.delete(project.template.id)
    assert sorted(p.name for p in project.folder.dir.iterdir()) == ["folder.toml"]
    with pytest.raises(NotFound, match=f"^no template '{project.template.id}'$"):
        project.project.templates.get(project.template.id)


def test_new_draft_copies_the_published_draft(sample_project: Path) -> None:
    p = tmplkit.open_project(sample_project)
    template = p.templates.get("acme-shop/account/password-reset")
    published = template.dir / "drafts" / "published"
    draft = p.drafts.create(template.id)
    assert (draft.name, draft.slug, draft.state) == ("Draft 3", "draft-3", "IN_PROGRESS")
    assert part_files(draft.dir) == part_files(published)
    assert sorted(part_files(draft.dir)) == [
        "body.html.j2",
        "body.txt.j2",
        "sms.txt.j2",  # the channel parts are copied like the others
        "subject.j2",
    ]
    assert part_files(draft.dir) != part_files(template.dir / "drafts" / "next")


def test_new_draft_from_another_templates_draft_is_refused(sample_project: Path, snapshot) -> None:
    p = tmplkit.open_project(sample_project)
    before = snapshot(sample_project)
    with pytest.raises(InvalidName) as info:
        p.drafts.create(
            "tem_01m2tk2hrwq2n4kgkyppv1bnkx", from_draft="tdft_01m6gcf97zxybbb8msg2ee1s2d"
        )
    assert str(info.value) == (
        'draft tdft_01m6gcf97zxybbb8msg2ee1s2d ("Holiday refresh") belongs to another template'
    )
    assert snapshot(sample_project) == before


# --- a store edited by hand ----------------------------------------------------------------


def test_a_draft_directory_copied_by_hand_is_a_duplicate_id(project: ProjectEnv) -> None:
    import shutil

    drafts_dir = project.template.dir / "drafts"
    shutil.copytree(drafts_dir / "draft-1", drafts_dir / "draft-1-copy")
    with pytest.raises(ProjectError) as info:
        project.reload().drafts.list()
    assert str(info.value) == (
        f"{drafts_dir / 'draft-1-copy' / 'draft.toml'}: duplicate id {project.draft.id} "
        f"(also in {drafts_dir / 'draft-1' / 'draft.toml'})"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('id = "tdft_x"\nname = "A"\nstatus = "DONE"\n', "unknown status 'DONE'"),
        ('name = "A"\n', "missing 'id'"),
        (
            'id = "tem_01m2n5d9rf9y9x6nmxjjscqfn0"\nname = "A"\n',
            "id 'tem_01m2n5d9rf9y9x6nmxjjscqfn0' should start with 'tdft_'",
        ),
        ("id = \n", "invalid TOML: "),
    ],
)
def test_a_broken_draft_toml_names_the_file(
    project: ProjectEnv, content: str, message: str
) -> None:
    record = project.draft.dir / "draft.toml"
    record.write_text(content, "utf-8")
    with pytest.raises(ProjectError) as info:
        project.reload().drafts.list()
    assert str(info.value).startswith(f"{record}: {message}")


def test_the_project_lock_is_held_across_processes(
    project: ProjectEnv, tmp_path: Path, python_env
) -> None:
    script = (
        "import sys, time, pathlib, tmplkit\n"
        "p = tmplkit.open_project(sys.argv[1]); flags = pathlib.Path(sys.argv[2])\n"
        "with p.lock():\n"
        "    (flags / 'locked').touch()\n"
        "    deadline = time.monotonic() + 30\n"
        "    while not (flags / 'release').exists() and time.monotonic() < deadline:\n"
        "        time.sleep(0.005)\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", script, str(project.root), str(tmp_path)], env=python_env
    )
    try:
        deadline = time.monotonic() + 30
        while not (tmp_path / "locked").exists():
            assert time.monotonic() < deadline and holder.poll() is None
            time.sleep(0.005)
        with pytest.raises(ProjectError) as info, project.project.lock(timeout=0.2):
            pass
        assert str(info.value) == f"{project.root}: project is locked by another process"
    finally:
        (tmp_path / "release").touch()
        holder.wait(timeout=30)
    assert holder.returncode == 0
    assert project.project.drafts.submit(project.draft.id).state == "PENDING_APPROVAL"


# --- atomic writes -------------------------------------------------------------------------


def failing_replace(monkeypatch: pytest.MonkeyPatch, when=lambda dst: True) -> list[str]:
    """Make os.replace raise ENOSPC for destinations `when` accepts; returns the calls seen."""
    real = os.replace
    calls: list[str] = []

    def replace(src, dst, *args, **kwargs):
        calls.append(os.path.basename(dst))
        if when(os.fspath(dst)):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    return calls


def test_atomic_write_failure_keeps_the_old_file(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "draft.toml"
    target.write_bytes(b'id = "old"\n')
    failing_replace(monkeypatch)
    with pytest.raises(OSError, match="No space left on device"):
        atomic_write(target, 'id = "new"\n')
    assert target.read_bytes() == b'id = "old"\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["draft.toml"]


def test_atomic_write_failure_creates_no_file(tmp_path: Path, monkeypatch) -> None:
    failing_replace(monkeypatch)
    with pytest.raises(OSError):
        atomic_write(tmp_path / "new.txt", "content")
    assert list(tmp_path.iterdir()) == []


def test_atomic_write_failure_while_writing_keeps_the_old_file(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "body.html.j2"
    target.write_bytes(b"<p>old</p>\n")

    def fsync(fd: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(OSError, match="Input/output error"):
        atomic_write(target, "<p>new</p>\n")
    assert target.read_bytes() == b"<p>old</p>\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["body.html.j2"]


def test_atomic_write_keeps_ordinary_file_permissions(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        existing = tmp_path / "existing.txt"
        existing.write_text("old")
        existing.chmod(0o644)
        atomic_write(existing, "new")
        atomic_write(tmp_path / "fresh.txt", "new")
    finally:
        os.umask(umask)
    assert oct(existing.stat().st_mode & 0o777) == oct(0o644)
    assert oct((tmp_path / "fresh.txt").stat().st_mode & 0o777) == oct(0o644)


def failing_staging(monkeypatch: pytest.MonkeyPatch, when=lambda target: True) -> list[str]:
    """Make a transaction's staged write of a target `when` accepts raise ENOSPC (staged files
    are named .NAME.ID.tmp next to their target); returns the targets seen."""
    real = store.transaction._write_file
    calls: list[str] = []

    def write(path: Path, data: bytes, mode: int) -> None:
        target = path.name.split(".")[1:-2]
        calls.append(".".join(target) if path.name.startswith(".") else path.name)
        if when(calls[-1]):
            raise OSError(errno.ENOSPC, "No space left on device")
        real(path, data, mode)

    monkeypatch.setattr(store.transaction, "_write_file", write)
    return calls


@pytest.mark.parametrize("action", ["submit", "lock", "archive", "edit"])
def test_failed_transition_leaves_the_draft_byte_identical(
    project: ProjectEnv, snapshot, monkeypatch, action: str
) -> None:
    draft = project.draft
    before = snapshot(project.root)
    if action == "edit":  # a part and draft.toml: one transaction, draft.toml staged last
        calls = failing_staging(monkeypatch, when=lambda name: name == "draft.toml")
        assert_calls = ["body.html.j2", "draft.toml"]
    else:  # draft.toml alone: one atomic write
        calls = failing_replace(monkeypatch, when=lambda dst: dst.endswith("draft.toml"))
        assert_calls = ["draft.toml"]
    with pytest.raises(StorageError) as info:
        apply(project, draft.id, action)
    assert str(info.value) == (
        "no space left on device writing "
        "workspaces/acme-shop/orders/order-confirmation/drafts/draft-1/draft.toml"
    )
    assert calls == assert_calls
    assert snapshot(project.root) == before  # the part did not land either
    assert stray_temp_files(project.root) == []
    assert not (project.root / ".tmplkit" / "txn").exists()
    monkeypatch.undo()
    assert project.reload().drafts.get(draft.id).state == "IN_PROGRESS"
    apply(project, draft.id, action)  # and it works once the disk is fine again


def test_failed_approve_leaves_draft_and_template_unchanged(
    project: ProjectEnv, snapshot, monkeypatch
) -> None:
    draft = project.draft_in("PENDING_APPROVAL")
    before = snapshot(project.root)
    for failing in ("template.toml", "draft.toml"):
        calls = failing_staging(monkeypatch, when=lambda name, failing=failing: name == failing)
        with pytest.raises(StorageError) as info:
            project.project.drafts.approve(draft.id)
        monkeypatch.undo()
        assert str(info.value).startswith("no space left on device writing workspaces/")
        assert str(info.value).endswith(failing)
        assert calls == ["template.toml", "draft.toml"][: calls.index(failing) + 1]
        assert stray_temp_files(project.root) == []
        assert project.reload().drafts.get(draft.id).state == "PENDING_APPROVAL"
        assert snapshot(project.root) == before
    assert project.project.drafts.approve(draft.id).state == "PUBLISHED"


CRASH_SCRIPT = """
import os, sys
import tmplkit

root, draft_id, action, crash_on = sys.argv[1:5]
project = tmplkit.open_project(root)
real_replace = os.replace

def replace(src, dst, *args, **kwargs):
    if os.path.basename(dst) == crash_on:
        os._exit(1)  # a hard kill: no cleanup, no finally, no atexit
    return real_replace(src, dst, *args, **kwargs)

os.replace = replace
project.drafts.transition(draft_id, action)
print("not reached")
"""


def test_real_crash_while_writing_draft_toml(project: ProjectEnv, python_env) -> None:
    draft = project.draft
    record = draft.dir / "draft.toml"
    old = record.read_bytes()

    proc = subprocess.run(
        [sys.executable, "-c", CRASH_SCRIPT, str(project.root), draft.id, "submit", "draft.toml"],
        env=python_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (proc.returncode, proc.stdout) == (1, "")

    assert record.read_bytes() == old
    (stray,) = draft.dir.glob(".draft.toml.*.tmp")  # the crash left its temporary file behind
    assert tomllib.loads(stray.read_text("utf-8"))["status"] == "PENDING_APPROVAL"

    # The store loads, ignores the stray file, and the lock died with the process.
    reloaded = project.reload()
    assert [d.id for d in reloaded.drafts.list()] == [draft.id]
    assert reloaded.drafts.get(draft.id).state == "IN_PROGRESS"
    started = time.monotonic()
    assert reloaded.drafts.submit(draft.id).state == "PENDING_APPROVAL"
    assert time.monotonic() - started < 5
    assert toml(record)["status"] == "PENDING_APPROVAL"


DELETE_CRASH_SCRIPT = """
import os, shutil, sys
import tmplkit

project = tmplkit.open_project(sys.argv[1])
shutil.rmtree = lambda *args, **kwargs: os._exit(1)  # killed right after the rename
project.templates.delete(sys.argv[2])
"""


def test_real_crash_while_deleting_a_template(project: ProjectEnv, python_env) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", DELETE_CRASH_SCRIPT, str(project.root), project.template.id],
        env=python_env,
        capture_output=True,
        timeout=60,
    )
    assert proc.returncode == 1
    (leftover,) = project.folder.dir.glob(".order-confirmation.*.deleted")
    assert (leftover / "template.toml").is_file()
    assert len(list((project.root / ".tmplkit" / "txn").glob("*.json"))) == 1  # the intent

    # Either the whole template or none of it: here none (the next command finishes the
    # delete), and its name is free again.
    reloaded = project.reload()
    assert [p.name for p in project.folder.dir.iterdir()] == ["folder.toml"]
    assert not (project.root / ".tmplkit" / "txn").exists()
    assert reloaded.templates.list() == []
    assert reloaded.drafts.list() == []
    again = reloaded.templates.create(project.folder.id, "Order confirmation")
    assert again.id != project.template.id
    assert [t.id for t in project.reload().templates.list()] == [again.id]


# --- concurrent writers --------------------------------------------------------------------

WORKER_SCRIPT = """
import json, os, sys, time
from pathlib import Path
import tmplkit

root, job, label, arg, sync = sys.argv[1:6]
sync = Path(sync)
project = tmplkit.open_project(root)
(sync / f"ready-{label}").touch()
deadline = time.monotonic() + 30
while not (sync / "go").exists():
    if time.monotonic() > deadline:
        sys.exit("no go signal")
    time.sleep(0.001)

out = []
if job == "drafts":
    for _ in range(25):
        out.append(project.drafts.create(arg).id)
elif job == "templates":
    for k in range(25):
        for name in (f"{label} {k}", f"Shared {k}"):
            try:
                out.append(["ok", name, project.templates.create(arg, name).id])
            except tmplkit.Conflict as exc:
                out.append(["conflict", name, str(exc)])
elif job == "approve":
    out.append(project.drafts.approve(arg).id)
elif job == "read":
    scans = 0
    while not (sync / "done").exists():
        index = project.index()
        for draft in index.drafts.values():
            project.drafts.read_parts(draft)
        scans += 1
    out.append(scans)
print(json.dumps(out))
"""


def run_together(root: Path, sync: Path, jobs: list[tuple[str, str, str]], env, readers=0):
    """Start one process per (job, label, arg), release them at once; their JSON outputs."""
    import json

    sync.mkdir()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER_SCRIPT, str(root), job, label, arg, str(sync)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for job, label, arg in [*jobs, *[("read", f"reader{i}", "-") for i in range(readers)]]
    ]
    try:
        deadline = time.monotonic() + 30
        while len(list(sync.glob("ready-*"))) < len(procs):
            assert time.monotonic() < deadline, "workers did not start"
            assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
            time.sleep(0.005)
        (sync / "go").touch()
        writers, reader_procs = procs[: len(jobs)], procs[len(jobs) :]
        results = []
        for p in writers:
            out, err = p.communicate(timeout=60)
            assert p.returncode == 0, err
            results.append(json.loads(out))
        (sync / "done").touch()
        for p in reader_procs:
            out, err = p.communicate(timeout=60)
            assert p.returncode == 0, err  # a reader never saw a half-written file
            assert json.loads(out)[0] > 0
        return results
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()


def test_concurrent_draft_creation(project: ProjectEnv, tmp_path: Path, python_env) -> None:
    tid = project.template.id
    results = run_together(
        project.root,
        tmp_path / "sync",
        [("drafts", "a", tid), ("drafts", "b", tid)],
        python_env,
        readers=1,
    )
    created = results[0] + results[1]
    assert len(created) == len(set(created)) == 50

    drafts = project.reload().drafts.list(tid)
    assert {d.id for d in drafts} == {project.draft.id, *created}
    assert sorted(d.name for d in drafts) == sorted(f"Draft {n}" for n in range(1, 52))
    assert len({d.slug for d in drafts}) == 51
    expected_parts = part_files(project.draft.dir)
    for d in drafts:
        data = toml(d.dir / "draft.toml")
        assert (data["id"], data["status"], data["archived"]) == (d.id, "IN_PROGRESS", False)
        assert part_files(d.dir) == expected_parts
    assert stray_temp_files(project.root) == []


def test_concurrent_template_creation_with_colliding_names(
    project: ProjectEnv, tmp_path: Path, python_env
) -> None:
    fid = project.folder.id
    results = run_together(
        project.root,
        tmp_path / "sync",
        [("templates", "A", fid), ("templates", "B", fid)],
        python_env,
    )
    outcomes = [tuple(r) for result in results for r in result]
    ok = {name: tid for status, name, tid in outcomes if status == "ok"}
    conflicts = sorted(name for status, name, _ in outcomes if status == "conflict")

    # Every unique name made it; each shared name was created exactly once, refused once.
    assert sorted(ok) == sorted(
        [f"A {k}" for k in range(25)]
        + [f"B {k}" for k in range(25)]
        + [f"Shared {k}" for k in range(25)]
    )
    assert conflicts == sorted(f"Shared {k}" for k in range(25))
    for status, name, message in outcomes:
        if status == "conflict":
            slug = name.lower().replace(" ", "-")
            assert message == f"workspaces/acme-shop/orders/{slug} already exists"

    index = project.reload().index()  # loads: every file is valid TOML, every id unique
    templates = index.templates
    assert set(templates) == {project.template.id, *ok.values()}
    assert len({t.slug for t in templates.values()}) == 76
    for name, tid in ok.items():
        assert toml(templates[tid].dir / "template.toml")["name"] == name
        (first,) = [d for d in index.drafts.values() if d.template_id == tid]
        assert toml(first.dir / "draft.toml")["name"] == "Draft 1"
    assert stray_temp_files(project.root) == []


def test_concurrent_approvals_lose_no_history(
    project: ProjectEnv, tmp_path: Path, python_env
) -> None:
    pending = [project.draft_in("PENDING_APPROVAL", name=f"Candidate {i}") for i in range(4)]
    results = run_together(
        project.root,
        tmp_path / "sync",
        [("approve", f"w{i}", d.id) for i, d in enumerate(pending)],
        python_env,
    )
    assert sorted(r[0] for r in results) == sorted(d.id for d in pending)

    data = toml(project.template.dir / "template.toml")
    history = [h["draft_id"] for h in data["history"]]
    assert sorted(history) == sorted(d.id for d in pending)
    assert data["published_draft_id"] == history[-1]
    drafts = project.reload().drafts
    assert all(drafts.get(d.id).state == "PUBLISHED" for d in pending)


def test_the_project_lock_is_reentrant(tmp_path: Path) -> None:
    project = tmplkit.init_project(tmp_path / "p")
    with project.lock(timeout=1):
        created = project.workspaces.create("Nested write")
    assert [w.id for w in project.workspaces.list()] == [created.id]


def test_rename_moves_the_catalogs_with_the_template(tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "p"
    shutil.copytree(Path(__file__).resolve().parent.parent / "sample_templates", root)
    project = tmplkit.open_project(root)
    template = project.templates.get("acme-shop/account/welcome")
    before = (root / "locales/pl-PL/acme-shop/account/welcome.po").read_bytes()
    project.templates.rename(template.id, "Welcome aboard")
    assert not (root / "locales/pl-PL/acme-shop/account/welcome.po").exists()
    assert (root / "locales/pl-PL/acme-shop/account/welcome-aboard.po").read_bytes() == before
    message = tmplkit.render(
        template.id, {"user": {"first_name": "Ola"}}, project=project, locale="pl-PL"
    )
    assert message.warnings == ()


def test_delete_removes_the_catalogs_of_the_template(tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "p"
    shutil.copytree(Path(__file__).resolve().parent.parent / "sample_templates", root)
    project = tmplkit.open_project(root)
    project.templates.delete(project.templates.get("acme-shop/account/welcome").id)
    assert (
        sorted(p.name for p in root.glob("locales/*/acme-shop/account/*.po"))
        == ["password-reset.po"] * 5  # fr, de, pl, ja and ar
    )


def test_a_drafts_origin_and_feedback_survive_the_workflow(project: ProjectEnv) -> None:
    """draft.toml's `origin` (set by `sync pull` from Dyspatch) and a rejection's feedback are
    kept when the workflow rewrites the file."""
    record = project.draft.dir / "draft.toml"
    record.write_text(record.read_text("utf-8") + 'origin = "dyspatch"\n', "utf-8")
    drafts = project.reload().drafts
    drafts.submit(project.draft.id)
    drafts.reject(project.draft.id, feedback="The logo is too big.")
    data = tomllib.loads(record.read_text("utf-8"))
    assert (data["origin"], data["feedback"], data["status"]) == (
        "dyspatch",
        "The logo is too big.",
        "IN_PROGRESS",
    )
    drafts.lock(project.draft.id)
    assert tomllib.loads(record.read_text("utf-8"))["origin"] == "dyspatch"
