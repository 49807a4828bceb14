"""The ground level imports nothing from above it: errors, model, datafile, langtags and the
store package import only one another (deferred imports inside functions included), and
i18n's workflow and locales import nothing from the stages above i18n (render, sms, pipeline).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import tmplkit
from tmplkit import store
from tmplkit.i18n import locales

PACKAGE = Path(tmplkit.__file__).resolve().parent
GROUND = {"tmplkit.errors", "tmplkit.model", "tmplkit.datafile", "tmplkit.langtags"}
STORE = sorted(p.stem for p in (PACKAGE / "store").glob("*.py"))


def tmplkit_imports(path: Path, module: str) -> set[str]:
    """The tmplkit modules (or names in them) a file imports, wherever in the file."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            if node.module is None:  # `from .. import datafile`: the module tmplkit.datafile
                found |= {f"{prefix}.{alias.name}" for alias in node.names}
            else:
                found.add(prefix)
    return {name for name in found if name.split(".")[0] == "tmplkit"}


def is_ground(name: str) -> bool:
    return name in GROUND or name == "tmplkit.store" or name.startswith("tmplkit.store.")


@pytest.mark.parametrize("name", ["errors", "model", "datafile", "langtags"])
def test_a_ground_module_imports_only_the_ground(name: str) -> None:
    imported = tmplkit_imports(PACKAGE / f"{name}.py", f"tmplkit.{name}")
    assert sorted(x for x in imported if not is_ground(x)) == []


@pytest.mark.parametrize("name", STORE)
def test_a_store_module_imports_only_the_ground(name: str) -> None:
    module = "tmplkit.store" if name == "__init__" else f"tmplkit.store.{name}"
    imported = tmplkit_imports(PACKAGE / "store" / f"{name}.py", module)
    assert sorted(x for x in imported if not is_ground(x)) == []


@pytest.mark.parametrize("name", ["workflow", "locales"])
def test_i18n_imports_nothing_from_the_stages_above_it(name: str) -> None:
    imported = tmplkit_imports(PACKAGE / "i18n" / f"{name}.py", f"tmplkit.i18n.{name}")
    above = sorted(x for x in imported if not (is_ground(x) or x.startswith("tmplkit.i18n")))
    assert above == []


def test_every_store_module_is_under_800_lines() -> None:
    lines = {n: len((PACKAGE / "store" / f"{n}.py").read_text("utf-8").splitlines()) for n in STORE}
    assert {n: k for n, k in lines.items() if k > 800} == {}


def test_the_store_package_exports_what_store_py_did() -> None:
    names = [
        "ABSENT", "BLOCK_FILE", "BLOCK_PARTS", "CHANNEL_PARTS", "DRAFT_FILE", "FOLDER_FILE",
        "INCLUDABLE", "INCLUDE_TAG_RE", "LINK_HINT", "NEW_BLOCK_PARTS", "NEW_DRAFT_PARTS", "PARTS",
        "PROJECT_FILE", "SAMPLE_DATA_FILE", "STAGING_RECORD", "STATE_DIR", "TEMPLATE_FILE",
        "TXN_DIR", "BlockRepo", "DraftRepo", "FolderRepo", "Index", "OutsideProject", "Project",
        "Settings", "TemplateRepo", "Transaction", "WorkspaceRepo", "atomic_write", "confine",
        "content_hash", "discover", "find_project_root", "fsync_dir", "include_hash",
        "include_refs", "included_hashes", "init_project", "is_special", "join_and", "mode_for",
        "open_project", "read_toml", "recover", "write_toml",
    ]  # fmt: skip
    assert [n for n in names if not hasattr(store, n)] == []


def test_i18n_locales_keeps_the_names_that_moved_to_the_ground() -> None:
    assert locales.normalize("zh_hans_cn") == "zh-Hans-CN"
    assert locales.display_name("fr-FR") == "French (France)"
    assert locales.PSEUDO["qps-ploc"] == "Pseudo (accented)"
    with pytest.raises(locales.LocaleError) as info:
        locales.normalize("x")
    assert str(info.value) == "'x' is not a language id (hint: write it like fr-FR or es-419)"
