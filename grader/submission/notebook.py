"""Reading student notebooks: validation with messages a student can act on, the code cells
that will run, and their Python source (for name lookups and the inline `check`)."""
from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

SKIP_TAG = "skip-grading"
"""Cells carrying this tag (cell metadata `tags`) are not executed when grading."""
READABLE_MAJOR_VERSIONS = (3, 4)
from grader.results import message_line


class NotebookError(ValueError):
    """A notebook that cannot be graded; the message says what is wrong and how to fix it."""


def _looks_like_python(text: str) -> bool:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    return any(isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef, ast.Assign))
               for node in tree.body)


def read_notebook(path: Path) -> Any:
    """The notebook at `path` as an nbformat v4 NotebookNode (v3 is upgraded); NotebookError
    when it is empty, not JSON, not a notebook, of an unreadable format version, or invalid."""
    import nbformat

    name = path.name
    again = "open it in Jupyter (or VS Code / Colab), save it, and submit the saved .ipynb again"
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise NotebookError(f"{name} is not a text file (not UTF-8), so it is not a notebook; {again}") from None
    if not text.strip():
        raise NotebookError(f"{name} is empty ({path.stat().st_size} bytes); {again}")
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        if _looks_like_python(text):
            raise NotebookError(f"{name} is Python source, not a notebook (a .py file renamed to .ipynb?): "
                                f"submit it as {path.stem}.py, or save a real notebook from Jupyter") from None
        raise NotebookError(f"{name} is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}), "
                            f"so it is damaged or not a notebook; {again}") from None
    if not isinstance(raw, dict) or "cells" not in raw and "worksheets" not in raw or "nbformat" not in raw:
        raise NotebookError(f"{name} is JSON but not a Jupyter notebook (it has no 'nbformat' and 'cells' "
                            f"fields); {again}")
    major = raw.get("nbformat")
    if major not in READABLE_MAJOR_VERSIONS:
        raise NotebookError(f"{name} uses notebook format version {major!r}; this grader reads versions "
                            f"{' and '.join(map(str, READABLE_MAJOR_VERSIONS))}; {again}")
    try:
        notebook = nbformat.reads(text, as_version=4)
        nbformat.validate(notebook)
    except (nbformat.ValidationError, KeyError, TypeError, AttributeError) as exc:
        problem = message_line(str(exc))[:200] or type(exc).__name__
        raise NotebookError(f"{name} is not a valid notebook ({problem}); {again}") from None
    return notebook


def graded_cells(notebook: Any) -> list[tuple[int, Any]]:
    """(1-based cell number, cell) of the code cells that grading executes, in order."""
    return [(number, cell) for number, cell in enumerate(notebook.cells, start=1)
            if cell.cell_type == "code" and SKIP_TAG not in cell.get("metadata", {}).get("tags", [])]


def first_line(source: str) -> str:
    """The first non-blank line of a cell, shortened for messages."""
    line = next((l.strip() for l in source.splitlines() if l.strip()), "")
    return line if len(line) <= 70 else line[:67] + "..."


def python_source(cells: list[str]) -> str:
    """Cells' IPython source as plain Python (magics and `!` commands become function calls)."""
    from IPython.core.inputtransformer2 import TransformerManager

    transformer = TransformerManager()
    return "\n".join(transformer.transform_cell(source) for source in cells)


def notebook_source(path: Path) -> str:
    """The Python source of the cells grading would execute ('' if the notebook is unreadable)."""
    try:
        notebook = read_notebook(path)
    except NotebookError:
        return ""
    return python_source([cell.source for _, cell in graded_cells(notebook)])


def notebook_cells(raw: bytes) -> list[tuple[str, str, list[str]]]:
    """(cell type, source text, tags) of each cell of a notebook; ValueError for anything that is not one."""
    try:
        cells = json.loads(raw)["cells"]
        if not isinstance(cells, list):
            raise TypeError
        read = []
        for cell in cells:
            source = cell.get("source", "")
            if isinstance(source, list) and all(isinstance(s, str) for s in source):
                source = "".join(source)
            metadata = cell.get("metadata") or {}
            tags = metadata.get("tags", []) if isinstance(metadata, dict) else []
            if not isinstance(source, str) or not isinstance(tags, list):
                raise TypeError
            read.append((str(cell.get("cell_type", "")), source, [str(t) for t in tags]))
        return read
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        raise ValueError("not a readable Jupyter notebook (the JSON does not parse, or its cells are not "
                         "notebook cells)") from None
