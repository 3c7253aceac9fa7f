"""Turn what a student handed in (.py, .ipynb, folder, zip) into a folder plus the file to run.

Nothing here executes student code; files are only parsed to find what they define.
"""
from __future__ import annotations

import ast
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from grader.submission.archive import JUNK, extract_zip, links_and_devices
from grader.submission.notebook import NotebookError, notebook_source, read_notebook

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
    """Path of the file to import (or notebook to execute), relative to `directory`."""
    notes: tuple[str, ...] = ()
    """Things the student should know about how the submission was read."""

    @property
    def main_path(self) -> Path:
        return self.directory / self.main_file


def student_source(path: Path) -> str | None:
    """The Python source of a file, or of the cells a notebook runs (None when it cannot be read)."""
    try:
        return notebook_source(path) if path.suffix == ".ipynb" else path.read_bytes().decode("utf-8-sig", "replace")
    except OSError:
        return None


def defined_names(path: Path) -> set[str]:
    """Top-level names a Python file or notebook defines (classes, functions, assignments);
    empty if it does not parse."""
    try:
        tree = ast.parse(student_source(path) or "")
    except (SyntaxError, ValueError):
        return set()
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return names


def source_files(directory: Path) -> list[Path]:
    """A folder's .py files, or its notebooks when it has none, sorted; OS junk and hidden folders
    (`__MACOSX`, `.ipynb_checkpoints`, `.venv`, ...) left out."""
    def listed(pattern: str) -> list[Path]:
        return sorted(p for p in directory.rglob(pattern)
                      if not any(part in JUNK or part.startswith(".") for part in p.relative_to(directory).parts))
    return listed("*.py") or listed("*.ipynb")


def _choose_main(directory: Path, entry: tuple[str, ...]) -> str:
    """The .py file (or, when there is none, the notebook) to grade in a folder."""
    files = source_files(directory)
    if not files:
        raise SubmissionError(f"no Python (.py) file or notebook (.ipynb) in the submission (found: "
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
    raise SubmissionError(f"{len(files)} {files[0].suffix} files and none clearly the main one "
                          f"({', '.join(p.name for p in files[:10])}); name it submission{files[0].suffix}")


def _checked_notebook(path: Path) -> tuple[str, ...]:
    """Validate the notebook at `path` and rewrite it as nbformat v4 in place; notes for the student."""
    import nbformat

    try:
        notebook = read_notebook(path)
    except NotebookError as exc:
        raise SubmissionError(str(exc)) from None
    nbformat.write(notebook, str(path))
    original = notebook.metadata.get("orig_nbformat")  # set by nbformat when it upgrades
    return (f"{path.name} was saved in notebook format {original}; it was converted to format 4 for grading.",) \
        if original else ()


def _extract_zip(archive: Path, into: Path) -> None:
    """Extract safely (`grader.submission.archive.extract_zip`: bytes counted as written); one unsafe entry refuses all."""
    try:
        refused = extract_zip(archive, into, max_bytes=MAX_UNZIPPED)
    except zipfile.BadZipFile as exc:
        raise SubmissionError(f"{archive.name} is not a valid zip file ({exc})") from None
    if refused:
        raise SubmissionError(f"the zip holds unsafe entries, refused: {'; '.join(refused[:3])}")


def load_submission(path: Path, entry: tuple[str, ...]) -> Submission:
    """A .py file, a notebook, a folder, or a zip → Submission (copied into a fresh temporary folder)."""
    if not path.exists():
        raise SubmissionError(f"{path} does not exist")
    workdir = Path(tempfile.mkdtemp(prefix="cnn-grader-sub-"))
    try:
        if path.is_dir():
            shutil.copytree(path, workdir, dirs_exist_ok=True, ignore=links_and_devices)
        elif path.suffix == ".zip":
            _extract_zip(path, workdir)
        elif path.suffix in (".py", ".ipynb"):
            shutil.copy2(path, workdir / path.name)
        else:
            raise SubmissionError(f"{path.name}: expected a .py file, a .ipynb notebook, a folder or a .zip")
        main = path.name if path.suffix in (".py", ".ipynb") else _choose_main(workdir, entry)
        notes = _checked_notebook(workdir / main) if main.endswith(".ipynb") else ()
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    return Submission(path.name, workdir, main, notes)
