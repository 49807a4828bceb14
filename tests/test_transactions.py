"""Store transactions: the files of one change land together or not at all, across kill -9 and
a full disk.

- The transaction itself: commit, nothing on an exception, recovery of a committed intent (roll
  forward) and of an uncommitted one (roll back), a recovery that is itself killed.
- The kill test imports a translation file that changes 20 catalogs and kills the import 50
  times at random points: half with SIGKILL after a random delay on a real `python -m tmplkit`
  process, half in a forked child that SIGKILLs itself right after its k-th os.replace or
  os.rename (k at random). After each kill, the next command completes or undoes the import:
  every catalog is all old or all new, all 20 agree, no staging is left. TMPLKIT_KILL_SEED=N
  replays a run (the seed is in every failure message).
- The full-disk test runs `draft write`, `i18n import` and `template create` on a small tmpfs
  with 0, 1, 2, … pages free: each fails with one `error: no space left on device writing FILE`
  line and leaves the project as it was, until there is room enough and it succeeds; and after
  each failure, once the space is back, running it again succeeds.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import tmplkit
from tmplkit.cli import main
from tmplkit.i18n import workflow
from tmplkit.store import OutsideProject

from .conftest import REPO
from .fulldisk import PAGE, fill, small_disk, unfill

CATALOGS = 20
KILLS = 50
LOCALE = "fr-FR"
REVISION_RE = re.compile(rb'^"PO-Revision-Date: [^"]*"\n', re.M)


# --- the project: 20 templates, each with a fr-FR catalog ----------------------------------


@dataclass
class Twenty:
    """A pristine project with 20 translated catalogs, and what an import turns them into."""

    pristine: Path
    translations: Path  # the file to import: it changes every one of the 20 catalogs
    catalogs: list[str]  # their paths, relative to the project root
    old: dict[str, bytes]
    new: dict[str, bytes]  # after the import, without the PO-Revision-Date line
    status: str  # what `tmplkit i18n status --locale fr-FR` prints, before or after
    replaces: int  # os.replace + os.rename calls of an import that is not killed
    seconds: float  # how long `python -m tmplkit i18n import` takes, start-up included


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "TMPLKIT_PROJECT"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "src"), env.get("PYTHONPATH")]))
    return env


def _tmplkit(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "tmplkit", *map(str, args)]


def _translations(root: Path, word: str, subject: str) -> Path:
    data = {"Subject": subject}
    data.update(
        {f"Hello from message {i:02d}!": f"{word} du message {i:02d} !" for i in range(1, 21)}
    )
    path = root / f"{word.lower()}.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", "utf-8")
    return path


def _without_revision(data: bytes) -> bytes:
    return REVISION_RE.sub(b"", data)


def _catalog_bytes(root: Path, catalogs: list[str]) -> dict[str, bytes]:
    return {rel: (root / rel).read_bytes() for rel in catalogs}


def _count_replaces(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    for name in ("replace", "rename"):
        real = getattr(os, name)

        def counted(src, dst, *args, _real=real, **kwargs):
            _real(src, dst, *args, **kwargs)
            seen.append(os.fspath(dst))

        monkeypatch.setattr(os, name, counted)
    return seen


@pytest.fixture(scope="module")
def twenty(tmp_path_factory: pytest.TempPathFactory) -> Twenty:
    base = tmp_path_factory.mktemp("twenty")
    root = base / "pristine"
    project = tmplkit.init_project(root, name="Twenty")
    settings = (root / "tmplkit.toml").read_text("utf-8")
    (root / "tmplkit.toml").write_text(settings.replace("locales = []", f'locales = ["{LOCALE}"]'))
    project = tmplkit.open_project(root)
    workspace = project.workspaces.create("Acme")
    folder = project.folders.create("Notices", workspace.id)
    for i in range(1, CATALOGS + 1):
        template = project.templates.create(folder.id, f"Message {i:02d}")
        (draft,) = project.drafts.list(template.id)
        html = f"<p>{{% trans %}}Hello from message {i:02d}!{{% endtrans %}}</p>\n"
        project.drafts.write_part(draft.id, "html", html)
    workflow.update(project, [LOCALE])
    old_file = _translations(base, "Bonjour", "Objet")
    report = workflow.import_translations(project, LOCALE, old_file)
    assert (report.ok, len(report.written)) == (True, CATALOGS)
    catalogs = sorted(report.written)
    old = _catalog_bytes(root, catalogs)

    # What the import makes of them, in a copy (in this process, counting its renames).
    copy = base / "reference"
    shutil.copytree(root, copy)
    new_file = _translations(base, "Salut", "Sujet")
    with pytest.MonkeyPatch.context() as m:
        seen = _count_replaces(m)
        report = workflow.import_translations(tmplkit.open_project(copy), LOCALE, new_file)
    assert (report.ok, sorted(report.written)) == (True, catalogs)
    new = {k: _without_revision(v) for k, v in _catalog_bytes(copy, catalogs).items()}
    assert all(new[k] != _without_revision(old[k]) for k in catalogs)

    status = subprocess.run(
        _tmplkit("--project", copy, "i18n", "status", "--locale", LOCALE),
        env=_env(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert status == (
        "TEMPLATE/BLOCK           LOCALE  TRANSLATED  FUZZY  MISSING  DONE\n"
        + "".join(
            f"acme/notices/message-{i:02d}  fr-FR   2           0      0        100%\n"
            for i in range(1, CATALOGS + 1)
        )
    )

    shutil.rmtree(copy)
    shutil.copytree(root, copy)
    started = time.monotonic()
    subprocess.run(
        _tmplkit("--project", copy, "i18n", "import", LOCALE, new_file),
        env=_env(),
        capture_output=True,
        check=True,
    )
    seconds = time.monotonic() - started
    shutil.rmtree(copy)
    return Twenty(root, new_file, catalogs, old, new, status, len(seen), seconds)


# --- what a kill left, and what the next command made of it -----------------------------------


def catalog_states(twenty: Twenty, root: Path) -> list[str]:
    """Each catalog: "old", "new" or "torn" (neither)."""
    out = []
    for rel in twenty.catalogs:
        data = (root / rel).read_bytes()
        if data == twenty.old[rel]:
            out.append("old")
        elif _without_revision(data) == twenty.new[rel]:
            out.append("new")
        else:
            out.append("torn")
    return out


def leftovers(root: Path) -> list[str]:
    """What a transaction may leave behind: staged files and trees, a directory being deleted,
    its record or intent."""
    found = [
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.name.endswith((".tmp", ".deleted")) and ".tmplkit" not in p.parts
    ]
    if (root / ".tmplkit" / "txn").exists():
        found.append(".tmplkit/txn")
    return sorted(found)


def where_it_landed(twenty: Twenty, root: Path) -> str:
    """Where the import was when it was killed, from what it left:

    before: nothing written yet; staging: the staging record exists (not committed);
    committed: the intent exists, no catalog switched yet; mid-switch: the intent exists and
    some catalogs are switched; switched: all switched, the intent not yet removed; after: done.
    """
    states = catalog_states(twenty, root)
    assert "torn" not in states, states  # a single file is always whole
    new = states.count("new")
    txn = root / ".tmplkit" / "txn"
    if any(p.name != "staging.json" for p in txn.glob("*.json")):
        return "committed" if new == 0 else "switched" if new == CATALOGS else "mid-switch"
    if (txn / "staging.json").exists():
        return "staging"
    return "before" if new == 0 else "after" if new == CATALOGS else "half-applied"


# What the next command must make of each: an uncommitted import undone, a committed one done.
OUTCOME = {
    "before": "old",
    "staging": "old",
    "committed": "new",
    "mid-switch": "new",
    "switched": "new",
    "after": "new",
}


@dataclass
class Tally:
    seed: int
    landed: dict[str, int] = field(default_factory=dict)

    def add(self, landed: str) -> None:
        self.landed[landed] = self.landed.get(landed, 0) + 1


def kill_after_delay(twenty: Twenty, root: Path, delay: float) -> None:
    proc = subprocess.Popen(
        _tmplkit("--project", root, "i18n", "import", LOCALE, twenty.translations),
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        proc.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)


def killed_after_rename(k: int, action: Callable[[], object]) -> bool:
    """Run `action` in a forked child that SIGKILLs itself right after its k-th os.replace or
    os.rename; True when it was killed, False when it finished first."""
    pid = os.fork()
    if pid == 0:  # the child: never back into pytest
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            sys.stdout = sys.stderr = os.fdopen(devnull, "w")  # not into pytest's capture
            calls = [0]
            for name in ("replace", "rename"):
                real = getattr(os, name)

                def killing(src, dst, *args, _real=real, **kwargs):
                    _real(src, dst, *args, **kwargs)
                    calls[0] += 1
                    if calls[0] == k:
                        os.kill(os.getpid(), signal.SIGKILL)

                setattr(os, name, killing)
            action()
        except BaseException:
            os._exit(1)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        assert os.WTERMSIG(status) == signal.SIGKILL
        return True
    assert os.WEXITSTATUS(status) == 0
    return False


def next_command(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _tmplkit("--project", root, "i18n", "status", "--locale", LOCALE),
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def kill_seed() -> int:
    return int(os.environ.get("TMPLKIT_KILL_SEED") or random.randrange(2**32))


def test_a_killed_import_is_completed_or_undone_by_the_next_command(
    twenty: Twenty, tmp_path: Path, kill_seed: int, run: Callable[..., Any]
) -> None:
    rng = random.Random(kill_seed)
    tally = Tally(kill_seed)
    started = time.monotonic()
    for i in range(KILLS):
        root = tmp_path / f"kill-{i}"
        shutil.copytree(twenty.pristine, root)
        if i % 2 == 0:  # a real process, killed after a random delay; then a real next one
            delay = rng.uniform(0.3, 1.1) * twenty.seconds
            label = f"seed {kill_seed}, kill {i}: SIGKILL after {delay:.3f} s"
            kill_after_delay(twenty, root, delay)
            landed = where_it_landed(twenty, root)
            proc = next_command(root)
            result = (proc.returncode, proc.stdout, proc.stderr)
        else:  # a forked child, killed right after its k-th rename; the next command in here
            k = rng.randint(1, twenty.replaces)
            label = f"seed {kill_seed}, kill {i}: SIGKILL after rename {k} of {twenty.replaces}"
            args = ["--project", str(root), "i18n", "import", LOCALE, str(twenty.translations)]
            assert killed_after_rename(k, lambda args=args: main(args)), label
            landed = where_it_landed(twenty, root)
            ran = run("--project", root, "i18n", "status", "--locale", LOCALE)
            result = (ran.code, ran.out, ran.err)
        tally.add(landed)
        assert result == (0, twenty.status, ""), f"{label}: landed {landed}"
        states = catalog_states(twenty, root)
        context = f"{label}: landed {landed}: {states}"
        assert states in (["old"] * CATALOGS, ["new"] * CATALOGS), context  # all agree
        assert states[0] == OUTCOME[landed], context  # undone before the commit, else done
        assert leftovers(root) == [], f"{label}: landed {landed}"
        shutil.rmtree(root)
    elapsed = time.monotonic() - started
    print(
        f"\nkill test (seed {kill_seed}): {KILLS} kills in {elapsed:.1f} s, landed {tally.landed}; "
        f"an import takes {twenty.seconds:.2f} s and {twenty.replaces} renames"
    )
    in_flight = sum(tally.landed.get(k, 0) for k in ("committed", "mid-switch", "switched"))
    assert in_flight >= KILLS // 4, f"seed {kill_seed}: too few kills in flight: {tally.landed}"


# --- the transaction, change by change ---------------------------------------------------------


def tree(root: Path) -> dict[str, bytes | None]:
    """Every file (its bytes) and directory (None) under root, but the project lock."""
    out: dict[str, bytes | None] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if rel not in (".tmplkit", ".tmplkit/lock"):
            out[rel] = path.read_bytes() if path.is_file() else None
    return out


@pytest.fixture
def small(tmp_path: Path) -> Path:
    """A project with a few files for a transaction to change."""
    root = tmplkit.init_project(tmp_path / "p").root
    (root / "a.txt").write_text("old a\n")
    (root / "a.txt").chmod(0o640)
    (root / "gone.txt").write_text("doomed\n")
    (root / "old-dir" / "inner").mkdir(parents=True)
    (root / "old-dir" / "inner" / "x.txt").write_text("x\n")
    (root / "moving.txt").write_text("moving\n")
    return root


def change_everything(root: Path) -> None:
    """One transaction of each kind of change: 2 staged files and a staged tree, a rename into a
    new directory, a directory and a file deleted. 6 renames: the staging record, the commit, a
    replace, the tree, the move, the directory to its trash name."""
    with tmplkit.open_project(root).transaction() as txn:
        txn.write(root / "a.txt", "new a\n")
        txn.write(root / "new" / "deep" / "b.txt", "b\n")
        txn.write(root / "new" / "c.txt", "c\n")
        txn.rename(root / "moving.txt", root / "sub" / "dir" / "moved.txt")
        txn.delete(root / "old-dir")
        txn.delete(root / "gone.txt")


RENAMES = 6
CHANGED = {
    "a.txt": b"new a\n",
    "new": None,
    "new/c.txt": b"c\n",
    "new/deep": None,
    "new/deep/b.txt": b"b\n",
    "sub": None,
    "sub/dir": None,
    "sub/dir/moved.txt": b"moving\n",
}
REMOVED = {"gone.txt", "old-dir", "old-dir/inner", "old-dir/inner/x.txt", "moving.txt"}


def after(before: dict[str, bytes | None]) -> dict[str, bytes | None]:
    out = {k: v for k, v in before.items() if k not in REMOVED}
    out.update(CHANGED)
    return dict(sorted(out.items()))


def test_a_transaction_makes_every_change(small: Path) -> None:
    before = tree(small)
    umask = os.umask(0o022)
    try:
        change_everything(small)
    finally:
        os.umask(umask)
    assert tree(small) == after(before)
    assert oct((small / "a.txt").stat().st_mode & 0o777) == oct(0o640)  # kept
    assert oct((small / "new" / "c.txt").stat().st_mode & 0o777) == oct(0o644)  # the umask's
    assert oct((small / "new" / "deep").stat().st_mode & 0o777) == oct(0o755)
    assert leftovers(small) == []


def test_an_exception_in_the_block_lands_nothing(small: Path) -> None:
    before = tree(small)
    project = tmplkit.open_project(small)
    with pytest.raises(RuntimeError, match="changed my mind"), project.transaction() as txn:
        txn.write(small / "a.txt", "new a\n")
        txn.delete(small / "old-dir")
        raise RuntimeError("changed my mind")
    assert tree(small) == before


def test_paths_are_checked_when_recorded(small: Path) -> None:
    project = tmplkit.open_project(small)
    with pytest.raises(ValueError) as info, project.transaction() as txn:
        txn.rename(small / "old-dir", small / "new-dir")
        txn.write(small / "old-dir" / "inner" / "y.txt", "y\n")
    assert str(info.value) == (
        f"{small / 'old-dir' / 'inner' / 'y.txt'}: already renamed or deleted in this transaction"
    )
    with pytest.raises(OutsideProject) as outside, project.transaction() as txn:
        txn.write(small.parent / "outside.txt", "no\n")
    assert str(outside.value) == f"{small.parent / 'outside.txt'} is not inside the project {small}"
    assert not (small.parent / "outside.txt").exists()


@pytest.mark.parametrize("k", range(1, RENAMES + 1))
def test_a_kill_after_any_rename_is_undone_or_completed_by_the_next_open(
    small: Path, k: int
) -> None:
    before = tree(small)
    assert killed_after_rename(k, lambda: change_everything(small))
    left = tree(small)
    if k == 1:  # the staging record only: nothing is committed
        assert ".tmplkit/txn/staging.json" in left
        expected = before
    else:  # the intent is the commit point: from there on, the change is made
        (intent,) = (small / ".tmplkit" / "txn").glob("*.json")
        assert intent.name != "staging.json"
        expected = after(before)
    tmplkit.open_project(small)  # any command opens the project first
    assert tree(small) == expected
    assert leftovers(small) == []


def test_a_kill_while_staging_is_rolled_back(small: Path) -> None:
    """Killed after 2 of its 3 staged files: the next open removes the staging record's list."""
    before = tree(small)
    pid = os.fork()
    if pid == 0:
        try:
            from tmplkit.store import transaction

            real, written = transaction._write_file, [0]

            def write(path: Path, data: bytes, mode: int) -> None:
                real(path, data, mode)
                written[0] += 1
                if written[0] == 2:
                    os.kill(os.getpid(), signal.SIGKILL)

            transaction._write_file = write  # type: ignore[assignment]
            change_everything(small)
        finally:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status)
    staged = leftovers(small)
    assert staged[-1] == ".tmplkit/txn" and len(staged) == 3  # a staged file, a staged tree
    assert (small / ".tmplkit" / "txn" / "staging.json").is_file()
    tmplkit.open_project(small)
    assert tree(small) == before
    assert leftovers(small) == []


def test_recovery_is_idempotent(small: Path) -> None:
    """Made twice, a roll forward changes nothing the second time; killed half-way, it is
    completed by the next open."""
    before = tree(small)
    assert killed_after_rename(3, lambda: change_everything(small))  # committed, 1 switch made
    (intent,) = (small / ".tmplkit" / "txn").glob("*.json")
    record = intent.read_bytes()
    # The recovery itself killed after its first rename, then completed by the next open.
    assert killed_after_rename(1, lambda: tmplkit.open_project(small))
    assert intent.read_bytes() == record
    tmplkit.open_project(small)
    assert tree(small) == after(before)
    # The same intent once more: every switch is already made, nothing changes.
    intent.parent.mkdir()
    intent.write_bytes(record)
    tmplkit.open_project(small)
    assert tree(small) == after(before)
    assert leftovers(small) == []


# --- a full disk ---------------------------------------------------------------------------------

ORDERS = "fdr_01m2fgpt84sdm1efgywbqr3wrz"  # sample project ids
OC_NEXT = "tdft_01m6gcf97zxybbb8msg2ee1s2d"
NEXT_DIR = "workspaces/acme-shop/orders/order-confirmation/drafts/next"
NEW_TEMPLATE = "workspaces/acme-shop/orders/order-cancelled"
STAGING = ".tmplkit/txn/staging.json"
ID_RE = re.compile(r"\b(tem|tdft)_[0-9a-z]{26}\b")


def translations_changing_everything(sample: Path, run: Callable[..., Any], path: Path) -> None:
    """fr-FR's translations, each one changed: every fr-FR catalog is rewritten on import."""
    exported = run("--project", sample, "i18n", "export", LOCALE, "--format", "json")
    assert exported.code == 0, exported.err
    data = json.loads(exported.out)
    changed = {
        key: [f"{form} (2)" for form in value] if isinstance(value, list) else f"{value} (2)"
        for key, value in data.items()
        if value
    }
    path.write_text(json.dumps(changed, ensure_ascii=False), "utf-8")


def full_disk_command(case: str, sample: Path, inputs: Path, run: Callable[..., Any]) -> list[str]:
    if case == "draft write":
        body = (sample / NEXT_DIR / "body.html.j2").read_text("utf-8")
        (inputs / "body.html.j2").write_text(body + "<!-- v2 -->\n", "utf-8")
        return ["draft", "write", OC_NEXT, "--part", "html", str(inputs / "body.html.j2")]
    if case == "i18n import":
        translations_changing_everything(sample, run, inputs / "fr.json")
        return ["i18n", "import", LOCALE, str(inputs / "fr.json")]
    assert case == "template create"
    return ["template", "create", "--folder", ORDERS, "Order cancelled"]


def staged_targets(case: str, out: str) -> list[str]:
    """The files the command writes, in the order it stages them."""
    if case == "draft write":
        return [f"{NEXT_DIR}/body.html.j2", f"{NEXT_DIR}/draft.toml"]
    if case == "i18n import":
        return [line.strip() for line in out.splitlines()[1:]]
    return [
        f"{NEW_TEMPLATE}/template.toml",
        *(
            f"{NEW_TEMPLATE}/drafts/draft-1/{f}"
            for f in ("subject.j2", "body.html.j2", "draft.toml")
        ),
    ]


def changed(before: dict[str, bytes | None], now: dict[str, bytes | None]) -> list[str]:
    return sorted(k for k in before.keys() | now.keys() if before.get(k) != now.get(k))


@pytest.mark.parametrize("case", ["draft write", "i18n import", "template create"])
def test_a_full_disk_fails_cleanly_at_every_point_and_a_rerun_completes(
    case: str, sample_project: Path, tmp_path: Path, run: Callable[..., Any]
) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    args = full_disk_command(case, sample_project, inputs, run)
    reference = tmp_path / "reference"
    shutil.copytree(sample_project, reference)
    pristine = tree(reference)
    done = run("--project", reference, *args)
    assert (done.code, done.err) == (0, ""), done.err
    expected_out = ID_RE.sub("<id>", done.out)
    expected_changes = changed(pristine, tree(reference))
    targets = staged_targets(case, done.out)
    assert [t for t in expected_changes if t in targets] == sorted(targets)

    named: list[str] = []  # the file each failing point names
    with small_disk(tmp_path, 4 << 20) as disk:
        for pages in range(64):
            project = disk / "p"
            if project.exists():
                shutil.rmtree(project)
            unfill(disk)
            shutil.copytree(sample_project, project)
            before = tree(project)
            fill(disk, pages * PAGE)
            result = run("--project", project, *args)
            if result.code == 0:
                assert (ID_RE.sub("<id>", result.out), result.err) == (expected_out, "")
                assert changed(before, tree(project)) == expected_changes
                break
            where = f"{case}, {pages} pages free"
            match = re.fullmatch(r"error: no space left on device writing (\S+)\n", result.err)
            assert (result.code, result.out, bool(match)) == (1, "", True), (where, result)
            assert match is not None
            named.append(match.group(1))
            assert tree(project) == before, where  # nothing torn, nothing staged left
            unfill(disk)
            again = run("--project", project, *args)  # no "already exists"
            assert (again.code, ID_RE.sub("<id>", again.out), again.err) == (
                0,
                expected_out,
                "",
            ), where
            assert changed(before, tree(project)) == expected_changes, where
        else:
            pytest.fail(f"{case}: still failing with 64 pages free")
    print(f"\n{case}: {len(named)} failing points, then success at {pages} pages free")
    # The disk filled at every step: first the staging record, then each file in turn.
    assert list(dict.fromkeys(named)) == [STAGING, *targets]


def test_an_intent_pointing_outside_the_project_is_refused(
    small: Path, run: Callable[..., Any]
) -> None:
    (small.parent / "outside.txt").write_text("mine\n")
    txn = small / ".tmplkit" / "txn"
    txn.mkdir(parents=True)
    intent = txn / "0123.json"
    intent.write_text(
        json.dumps({"switches": [{"op": "delete", "path": "../outside.txt", "trash": "x"}]})
    )
    result = run("--project", small, "template", "list")
    assert (result.code, result.out, result.err) == (
        1,
        "",
        f"error: {intent}: unreadable transaction record: '../outside.txt' is not a path inside "
        "the project (hint: it is what a killed tmplkit command left; inspect it, then delete it)\n",
    )
    assert (small.parent / "outside.txt").read_text() == "mine\n"
    intent.unlink()
    assert run("--project", small, "template", "list").code == 0
    assert not txn.exists()
