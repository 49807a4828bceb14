"""Two versions of a set of named texts compared as `git diff` shows them: unified hunks,
a --stat summary, colour for a terminal. Pure functions: the caller reads the files."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

CONTEXT_LINES = 3

# git's default colours: meta lines bold, hunk headers cyan, removals red, additions green.
BOLD, CYAN, RED, GREEN, RESET = "\x1b[1m", "\x1b[36m", "\x1b[31m", "\x1b[32m", "\x1b[m"


@dataclass(frozen=True)
class FileDiff:
    """How one named text changed: `status` is added, deleted or modified; `lines` the
    unified diff (`--- a/NAME`, `+++ b/NAME`, hunks), each without its line end."""

    name: str
    status: str
    lines: tuple[str, ...]

    @property
    def insertions(self) -> int:
        return sum(1 for line in self.lines[2:] if line.startswith("+"))

    @property
    def deletions(self) -> int:
        return sum(1 for line in self.lines[2:] if line.startswith("-"))

    @property
    def text(self) -> str:
        return "".join(line + "\n" for line in self.lines)

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "status": self.status,
            "insertions": self.insertions,
            "deletions": self.deletions,
            "diff": self.text,
        }


def diff_texts(old: dict[str, str], new: dict[str, str]) -> list[FileDiff]:
    """The texts that differ between `old` and `new` (name -> text; a name missing from one
    side is a text added or deleted), in the order of `new`'s names, then `old`'s."""
    out = []
    for name in dict.fromkeys([*new, *old]):
        before, after = old.get(name), new.get(name)
        if before == after:
            continue
        status = "added" if before is None else "deleted" if after is None else "modified"
        a = "/dev/null" if before is None else f"a/{name}"
        b = "/dev/null" if after is None else f"b/{name}"
        body = difflib.unified_diff(
            (before or "").splitlines(keepends=True),
            (after or "").splitlines(keepends=True),
            a,
            b,
            n=CONTEXT_LINES,
            lineterm="",
        )
        out.append(FileDiff(name, status, tuple(_ends_marked(list(body)))))
    return out


def _ends_marked(lines: list[str]) -> list[str]:
    """Unified diff lines without their line ends; a text's last line that had none is
    followed by `\\ No newline at end of file`, as `diff` and git write it."""
    out = lines[:2]
    for line in lines[2:]:
        if line.startswith("@@") or line.endswith("\n"):
            out.append(line.removesuffix("\n"))
        else:
            out += [line, "\\ No newline at end of file"]
    return out


def colored(line: str) -> str:
    """One line of a unified diff with git's colours."""
    if line.startswith(("--- ", "+++ ")):
        return f"{BOLD}{line}{RESET}"
    if line.startswith("@@"):
        end = line.find("@@", 2) + 2
        return f"{CYAN}{line[:end]}{RESET}{line[end:]}"
    if line.startswith("-"):
        return f"{RED}{line}{RESET}"
    if line.startswith("+"):
        return f"{GREEN}{line}{RESET}"
    return line


def stat_lines(diffs: list[FileDiff], width: int = 80, color: bool = False) -> list[str]:
    """`git diff --stat`: one line per text (name, changed lines, a bar of + and -), then
    the totals."""
    if not diffs:
        return []
    name_width = max(len(d.name) for d in diffs)
    most = max(d.insertions + d.deletions for d in diffs)
    count_width = len(str(most))
    room = max(width - name_width - count_width - 6, 10)
    out = []
    for d in diffs:
        changed = d.insertions + d.deletions
        plus, minus = d.insertions, d.deletions
        if most > room:  # scaled, but a change is never drawn as nothing
            plus = max(plus * room // most, 1 if plus else 0)
            minus = max(minus * room // most, 1 if minus else 0)
        bar = (GREEN + "+" * plus + RESET if plus else "") if color else "+" * plus
        bar += (RED + "-" * minus + RESET if minus else "") if color else "-" * minus
        out.append(f" {d.name:<{name_width}} | {changed:>{count_width}} {bar}".rstrip())
    insertions = sum(d.insertions for d in diffs)
    deletions = sum(d.deletions for d in diffs)
    total = f" {len(diffs)} file{'s' * (len(diffs) != 1)} changed"
    if insertions or not deletions:
        total += f", {insertions} insertion{'s' * (insertions != 1)}(+)"
    if deletions or not insertions:
        total += f", {deletions} deletion{'s' * (deletions != 1)}(-)"
    out.append(total)
    return out
