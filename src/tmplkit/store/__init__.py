"""The project-directory store: discovery, loading, atomic writes and transactions under a
project lock, ids.

A package of the ground level: it builds on errors, model, datafile and langtags only. Its
modules, each building on those listed before it:

- layout.py: the names of a project's files, and the part files of drafts and blocks;
- paths.py: the wall around the project directory (`ProjectRoot`, `confine`);
- files.py: atomic writes, file modes kept across a replacement, TOML files;
- includes.py: what a draft includes, and the content hashes that freeze a draft;
- transaction.py: changes to several files that land together or not at all (`Transaction`);
- records.py: the record files read into model objects (`Settings`, `Index`), new names;
- imports.py: objects written with the ids and slugs they have elsewhere (`sync pull`);
- directory.py: an open project directory: the lock, transactions, the index scan;
- folders.py, templates.py, drafts.py, blocks.py: the repositories;
- diff.py: two versions of named texts as a unified diff (`draft diff`), pure;
- project.py: `Project` with its repositories; `open_project`, `init_project`, discovery.
"""

from __future__ import annotations

from .blocks import BlockRepo
from .directory import ProjectDirectory, Repo
from .drafts import DraftRepo, join_and
from .files import atomic_write, fsync_dir, is_special, mode_for, read_toml, write_toml
from .folders import FolderRepo, WorkspaceRepo
from .imports import (
    Placement,
    check_files,
    check_placement,
    import_object,
    object_digest,
    object_files,
    valid_id,
)
from .includes import (
    ABSENT,
    INCLUDABLE,
    INCLUDE_TAG_RE,
    content_hash,
    include_hash,
    include_refs,
    included_hashes,
)
from .layout import (
    BLOCK_FILE,
    BLOCK_PARTS,
    CHANNEL_PARTS,
    DRAFT_FILE,
    FOLDER_FILE,
    NEW_BLOCK_PARTS,
    NEW_DRAFT_PARTS,
    PARTS,
    PROJECT_FILE,
    SAMPLE_DATA_FILE,
    STATE_DIR,
    TEMPLATE_FILE,
    TXN_DIR,
)
from .paths import LINK_HINT, OutsideProject, ProjectRoot, confine
from .project import Project, discover, find_project_root, init_project, open_project
from .records import Index, Settings
from .templates import TemplateRepo
from .transaction import STAGING_RECORD, Transaction, recover

__all__ = [
    "ABSENT",
    "BLOCK_FILE",
    "BLOCK_PARTS",
    "CHANNEL_PARTS",
    "DRAFT_FILE",
    "FOLDER_FILE",
    "INCLUDABLE",
    "INCLUDE_TAG_RE",
    "LINK_HINT",
    "NEW_BLOCK_PARTS",
    "NEW_DRAFT_PARTS",
    "PARTS",
    "PROJECT_FILE",
    "SAMPLE_DATA_FILE",
    "STAGING_RECORD",
    "STATE_DIR",
    "TEMPLATE_FILE",
    "TXN_DIR",
    "BlockRepo",
    "DraftRepo",
    "FolderRepo",
    "Index",
    "OutsideProject",
    "Placement",
    "Project",
    "ProjectDirectory",
    "ProjectRoot",
    "Repo",
    "Settings",
    "TemplateRepo",
    "Transaction",
    "WorkspaceRepo",
    "atomic_write",
    "check_files",
    "check_placement",
    "confine",
    "content_hash",
    "discover",
    "find_project_root",
    "fsync_dir",
    "import_object",
    "include_hash",
    "include_refs",
    "included_hashes",
    "init_project",
    "is_special",
    "join_and",
    "mode_for",
    "object_digest",
    "object_files",
    "open_project",
    "read_toml",
    "recover",
    "valid_id",
    "write_toml",
]
