"""Turn what a student handed in (.py, folder, zip) into a folder plus the file to import.

Nothing here executes student code; Python files are only parsed to find what they define.
"""
from __future__ import annotations

import ast
import shutil
import stat
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

MAX_UNZIPPED = 50 << 20
PREFERRED_NAMES = ("submission.py", "solution.py", "main.py", "model.py")


class SubmissionError(ValueError):
    """The submission cannot be graded at all; the message is student-facing."""


@dataclass(frozen=True)
class Submission:
    name: str
    """Display name (the file or folder name as handed in)."""
    directory: Path
    main_file: str
    """Path of the file to import, relative to `directory`."""

    @property
    def main_path(self) -> Path:
        return self.directory / self.main_file


def defined_names(path: Path) -> set[str]:
    """Top-level names a Python file defines (classes, functions, assignments); empty if it
    does not parse."""
    try:
        tree = ast.parse(path.read_bytes())
    except (SyntaxError, ValueError):
        return set()
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return names


def _choose_main(directory: Path, entry: tuple[str, ...]) -> str:
    files = sorted(p for p in directory.rglob("*.py") if "__MACOSX" not in p.parts)
    if not files:
        notebooks = list(directory.rglob("*.ipynb"))
        if notebooks:
            raise SubmissionError(f"found a notebook ({notebooks[0].name}) but no .py file; notebook "
                                  "submissions are not supported yet: in Jupyter use File → Download as → Python (.py)")
        raise SubmissionError(f"no Python (.py) file in the submission (found: "
                              f"{', '.join(p.name for p in directory.rglob('*') if p.is_file())[:300] or 'nothing'})")
    if len(files) == 1:
        return str(files[0].relative_to(directory))
    defining = [p for p in files if set(entry) <= defined_names(p)]
    for candidates in (defining, files):
        for preferred in PREFERRED_NAMES:
            for p in candidates:
                if p.name == preferred:
                    return str(p.relative_to(directory))
        if len(candidates) == 1:
            return str(candidates[0].relative_to(directory))
    raise SubmissionError(f"{len(files)} Python files and none clearly the main one "
                          f"({', '.join(p.name for p in files[:10])}); name it submission.py")


def _extract_zip(archive: Path, into: Path) -> None:
    """Extract safely: no absolute paths, no '..', no links, bounded total size."""
    try:
        with zipfile.ZipFile(archive) as zf:
            total = 0
            for info in zf.infolist():
                name = info.filename
                if name.startswith(("/", "\\")) or ".." in Path(name).parts or ":" in name:
                    raise SubmissionError(f"the zip holds an unsafe path '{name}'; refused")
                if stat.S_ISLNK(info.external_attr >> 16):
                    raise SubmissionError(f"the zip holds a symbolic link '{name}'; refused")
                total += info.file_size
                if total > MAX_UNZIPPED:
                    raise SubmissionError(f"the zip unpacks to more than {MAX_UNZIPPED >> 20} MB; refused")
            zf.extractall(into)
    except zipfile.BadZipFile as exc:
        raise SubmissionError(f"{archive.name} is not a valid zip file ({exc})") from None


def load_submission(path: Path, entry: tuple[str, ...]) -> Submission:
    """A .py file, a folder, or a zip → Submission (copied into a fresh temporary folder)."""
    if not path.exists():
        raise SubmissionError(f"{path} does not exist")
    workdir = Path(tempfile.mkdtemp(prefix="cnn-grader-sub-"))
    if path.is_dir():
        shutil.copytree(path, workdir, dirs_exist_ok=True, symlinks=False, ignore_dangling_symlinks=True)
        return Submission(path.name, workdir, _choose_main(workdir, entry))
    if path.suffix == ".zip":
        _extract_zip(path, workdir)
        return Submission(path.name, workdir, _choose_main(workdir, entry))
    if path.suffix == ".ipynb":
        raise SubmissionError(f"{path.name} is a notebook; notebook submissions are not supported yet: "
                              "in Jupyter use File → Download as → Python (.py)")
    if path.suffix != ".py":
        raise SubmissionError(f"{path.name}: expected a .py file, a folder or a .zip")
    shutil.copy2(path, workdir / path.name)
    return Submission(path.name, workdir, path.name)
