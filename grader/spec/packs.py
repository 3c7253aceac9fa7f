"""Where assignments live: the bundled set (beside the grader, or where GRADER_ASSIGNMENTS and GRADER_REFERENCE
point) and the assignment packs outside the repository, each a folder PACK with PACK/assignments/<name>/ and
PACK/reference/<name>/, named by `grader --assignments PACK` or CNN_GRADER_ASSIGNMENTS (`:`-separated). The
command line exports the packs it was given into that variable, so every process the grader starts sees them."""
from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from grader.files import PACKAGE_PARENT
from grader.spec.table import SpecError

PACKS_ENV = "CNN_GRADER_ASSIGNMENTS"
_HINT = "a pack is a folder holding assignments/<name>/assignment.toml and reference/<name>/solution.py"


@dataclass(frozen=True)
class Root:
    """A folder of assignments (<name>/assignment.toml) and the folder of their references (<name>/solution.py)."""

    assignments: Path
    reference: Path


def bundled_root() -> Root:
    """The assignments shipped with the grader (GRADER_ASSIGNMENTS and GRADER_REFERENCE override where)."""
    return Root(Path(os.environ.get("GRADER_ASSIGNMENTS", PACKAGE_PARENT / "assignments")),
                Path(os.environ.get("GRADER_REFERENCE", PACKAGE_PARENT / "reference")))


def pack_folders(values: Iterable[str]) -> list[Path]:
    """The pack folders named in `values` (each one folder or several `:`-separated), absolute, first mention
    first; SpecError when one is not a pack."""
    folders: list[Path] = []
    for value in values:
        for part in filter(None, value.split(":")):
            folder = Path(part).expanduser().absolute()
            if not folder.is_dir():
                raise SpecError(f"assignment pack {folder} (named by --assignments or {PACKS_ENV}): expected a "
                                f"folder, found {'a file' if folder.exists() else 'nothing there'}; hint: {_HINT}")
            if not (folder / "assignments").is_dir():
                raise SpecError(f"assignment pack {folder} (named by --assignments or {PACKS_ENV}): expected a "
                                f"folder {folder / 'assignments'}, found none; hint: {_HINT}")
            if folder not in folders:
                folders.append(folder)
    return folders


def roots() -> list[Root]:
    """The bundled set, then every pack named in CNN_GRADER_ASSIGNMENTS, each folder once."""
    found = [bundled_root()]
    for folder in pack_folders([os.environ.get(PACKS_ENV, "")]):
        root = Root(folder / "assignments", folder / "reference")
        if all(root.assignments.resolve() != r.assignments.resolve() for r in found):
            found.append(root)
    return found


def export_packs(values: Iterable[str]) -> None:
    """Add the packs in `values` to CNN_GRADER_ASSIGNMENTS (after those already there, all checked), so that this
    process and every one it starts find the same assignments."""
    folders = pack_folders([os.environ.get(PACKS_ENV, ""), *values])
    if folders:
        os.environ[PACKS_ENV] = ":".join(str(f) for f in folders)
