"""The blocks of a project: shared pieces of content that templates include."""

from __future__ import annotations

from pathlib import Path

from ..datafile import source_text
from ..errors import InvalidName, NotFound
from ..model import Block, Localization, now
from . import localizations
from .directory import Repo
from .layout import BLOCK_FILE, BLOCK_PARTS, NEW_BLOCK_PARTS
from .records import PieceFiles

FILES = PieceFiles("blocks", BLOCK_FILE, BLOCK_PARTS, NEW_BLOCK_PARTS)


class BlockRepo(Repo):
    def list(self) -> list[Block]:
        return list(self.project.index().blocks.values())

    def get(self, ref: str) -> Block:
        """A block by id (`blk_…`) or slug (`footer`)."""
        blocks = self.project.index().blocks
        if ref in blocks:
            return blocks[ref]
        for block in blocks.values():
            if block.slug == ref:
                return block
        raise NotFound(f"no block {ref!r}")

    def read_parts(self, block: Block) -> dict[str, str]:
        out = {}
        for part, filename in BLOCK_PARTS.items():
            file = self.project.confine(block.dir / filename)
            if file.is_file():
                out[part] = source_text(file.read_bytes(), self.project.relpath(file))
        return out

    def part_file(self, block: Block, part: str) -> Path:
        if part not in BLOCK_PARTS:
            raise InvalidName(f"unknown part {part!r}", hint="parts are " + ", ".join(BLOCK_PARTS))
        return block.dir / BLOCK_PARTS[part]

    def write_part(self, ref: str, part: str, text: str) -> Block:
        """Replace one part's source (`html` or `text`) and block.toml's updated_at, in one
        transaction."""
        with self.project.transaction() as txn:
            block = self.get(ref)
            txn.write(self.part_file(block, part), text)
            block.updated_at = now()
            txn.write_toml(block.dir / BLOCK_FILE, block.to_toml())
            return block

    def create(self, name: str, description: str = "") -> Block:
        return self.create_piece(Block, "block", name, description, FILES)

    def save_localization(
        self, ref: str, language: str, name: str | None = None
    ) -> tuple[Localization, bool]:
        """Add a language to the block, or give an existing one a new name (Dyspatch's PUT).
        Returns the localization and whether it is new."""
        from ..langtags import normalize

        tag = normalize(language)
        with self.project.lock():
            block = self.get(ref)
            return localizations.save(
                self.project, block, block.dir / BLOCK_FILE, tag, name, rename=True
            )

    def remove_localization(self, ref: str, language: str) -> Localization:
        from ..langtags import normalize

        tag = language if language.startswith("loc_") else normalize(language)
        with self.project.lock():
            block = self.get(ref)
            return localizations.remove(self.project, block, block.dir / BLOCK_FILE, tag)
