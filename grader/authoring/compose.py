"""A master → the text of every file of its assignment: assignment.toml, README.md, starter.py, starter.ipynb
(the student's) and solution.py (the reference's), checked before anything is written: the spec validates, the
markers balance, the starter parses, the reference defines the entries, and nothing of the solution, the spec or a
hidden check reaches the student."""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import tomllib

from grader.authoring.master import (
    INSTRUCTOR_ONLY,
    README_ONLY,
    SKIP_GRADING,
    STARTER_ONLY,
    Master,
    MasterCell,
    MasterError,
)
from grader.authoring.solutions import MarkerError, SplitCell, python_of, split_cell
from grader.spec.catalog import Spec
from grader.spec.code import parse_spec
from grader.spec.table import SpecError
from grader.spec.written import parse_written

GENERATED = "# Written by `grader assign` from {master}: edit the master, not this file.\n"
_NOTEBOOK_METADATA = {"jupytext": {"cell_metadata_filter": "tags,-all"},
                      "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}}


@dataclass(frozen=True)
class PackFiles:
    """Every file `grader assign` writes for one assignment, as text, by path relative to the pack."""

    spec: Spec
    student: dict[str, str]
    """assignments/<name>/… : assignment.toml, README.md, starter.py/.md, starter.ipynb."""
    reference: dict[str, str]
    """reference/<name>/… : solution.py (none for a written assignment)."""


def compose(master: Master) -> PackFiles:
    """The files of `master`'s assignment; raises MasterError naming the cell of the first problem."""
    spec = _spec(master)
    readme = _join([c.source for c in master.cells if c.kind == "markdown" and not _tagged(c, INSTRUCTOR_ONLY,
                                                                                          STARTER_ONLY)])
    base = f"assignments/{spec.name}"
    spec_file = GENERATED.format(master=master.path.name) + master.spec_text.rstrip("\n") + "\n"
    if spec.kind.value == "written":
        markdown = [c for c in master.cells if c.kind == "markdown" and not _tagged(c, INSTRUCTOR_ONLY, README_ONLY)]
        return PackFiles(spec, {f"{base}/assignment.toml": spec_file, f"{base}/README.md": readme,
                                f"{base}/starter.md": _join([c.source for c in markdown]),
                                f"{base}/starter.ipynb": _notebook(markdown, {})}, {})
    split = {c.number: _split(master, c) for c in master.cells if c.kind == "code"}
    student_cells = [c for c in master.cells if not _tagged(c, INSTRUCTOR_ONLY, README_ONLY) and c.kind != "raw"]
    starter_py = _percent(student_cells, split)
    reference = _join([split[c.number].reference for c in master.cells
                       if c.kind == "code" and not _tagged(c, SKIP_GRADING, STARTER_ONLY)], "\n\n\n")
    solution = GENERATED.format(master=master.path.name) + reference
    _check_entries(master, spec, reference)
    _check_no_leak(master, spec, split, readme + starter_py)
    return PackFiles(spec, {f"{base}/assignment.toml": spec_file, f"{base}/README.md": readme,
                            f"{base}/starter.py": starter_py, f"{base}/starter.ipynb": _ipynb(starter_py)},
                     {f"reference/{spec.name}/solution.py": solution})


def _spec(master: Master) -> Spec:
    """The spec cell validated as an assignment.toml, its messages naming the cell."""
    data = master.spec_cell.source.encode()
    where = Path(master.where(master.spec_cell))
    try:
        kind = tomllib.loads(master.spec_cell.source).get("kind", "code")
    except tomllib.TOMLDecodeError:
        kind = "code"  # the parser below reports the TOML error with its line
    try:
        return parse_written(data, where) if kind == "written" else parse_spec(data, where)
    except SpecError as exc:
        raise MasterError(str(exc)) from None


def _split(master: Master, cell: MasterCell) -> SplitCell:
    try:
        split = split_cell(cell.source)
    except MarkerError as exc:
        raise master.error(cell, str(exc), exc.line) from None
    if split.solution_lines and not cell.tagged(SKIP_GRADING):
        _check_parses(master, cell, split.student)
    return split


def _check_parses(master: Master, cell: MasterCell, student: str) -> None:
    """The student's copy of a cell must still be Python (so that the starter imports)."""
    try:
        ast.parse(python_of(student))
    except SyntaxError as exc:
        raise master.error(cell, f"the student's copy of this cell is not valid Python once its solution is "
                                 f"replaced ({exc.msg}, line {exc.lineno} of the student's copy: "
                                 f"{(exc.text or '').strip()!r}); hint: a solution block must hold whole "
                                 "statements, e.g. a function's whole body, not half of an expression") from None


def _check_entries(master: Master, spec: Spec, reference: str) -> None:
    """The reference defines every name the spec's `entry` lists."""
    try:
        tree = ast.parse(python_of(reference))
    except SyntaxError as exc:
        raise MasterError(f"{master.path.name}: the reference (every code cell not tagged skip-grading) is not valid "
                          f"Python: {exc.msg}, line {exc.lineno}: {(exc.text or '').strip()!r}") from None
    defined = {name for node in tree.body for name in _bound(node)}
    missing = [e for e in spec.entry if e not in defined]
    if missing:
        defines = ", ".join(sorted(defined)) or "nothing"
        raise master.error(master.spec_cell, f"entry {missing[0]!r} is not defined by the reference (the code cells "
                                             f"not tagged skip-grading define: {defines})")


def _bound(node: ast.stmt) -> list[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return [(a.asname or a.name).split(".")[0] for a in node.names]
    targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
    return [t.id for t in targets if isinstance(t, ast.Name)]


def _check_no_leak(master: Master, spec: Spec, split: dict[int, SplitCell], student_text: str) -> None:
    """No solution line in the student's Markdown, no line of the spec anywhere the student reads."""
    student_lines = {line.strip() for line in student_text.split("\n")}
    code_lines = {line.strip() for s in split.values() for line in s.student.split("\n")}
    for number, cell_split in split.items():
        for line in cell_split.solution_lines:
            text = line.strip()
            if len(text) >= 12 and not text.startswith("#") and text in student_lines - code_lines:
                cell = next(c for c in master.cells if c.number == number)
                raise master.error(cell, f"its solution line {text!r} is also written in the student's brief "
                                         "(README or starter Markdown); hint: describe it instead of quoting it")
    for line in master.spec_cell.source.split("\n"):
        text = line.strip()
        if len(text) >= 16 and not text.startswith(("#", "[")) and text in student_lines:
            raise master.error(master.spec_cell, f"its line {text!r} is also written in the student's copy (README "
                                                 "or starter); hint: the spec, hidden checks included, stays in the "
                                                 "spec cell")


def _tagged(cell: MasterCell, *tags: str) -> bool:
    return any(cell.tagged(t) for t in tags)


def _join(parts: list[str], separator: str = "\n\n") -> str:
    text = separator.join(p.strip("\n") for p in parts if p.strip())
    return text + "\n" if text else ""


def _percent(cells: list[MasterCell], split: dict[int, SplitCell]) -> str:
    """The starter as a percent-format .py (what jupytext reads)."""
    import jupytext

    notebook = _notebook_of(cells, {number: s.student for number, s in split.items()},
                            {"jupytext": {"cell_metadata_filter": "tags,-all", "notebook_metadata_filter": "-all"}})
    return jupytext.writes(notebook, fmt="py:percent")


def _notebook_of(cells: list[MasterCell], sources: dict[int, str], metadata: dict):
    """A notebook of `cells` (a cell's source replaced where `sources` has it), with `metadata`."""
    import nbformat

    made = []
    for c in cells:
        tags = _kept_tags(c)
        new = nbformat.v4.new_code_cell if c.kind == "code" else nbformat.v4.new_markdown_cell
        made.append(new(sources.get(c.number, c.source), metadata={"tags": tags} if tags else {}))
    notebook = nbformat.v4.new_notebook(cells=made)
    notebook.metadata.update(metadata)
    return notebook


def _kept_tags(cell: MasterCell) -> list[str]:
    """The tags the student's copy keeps (the authoring ones are the master's own)."""
    return [t for t in cell.tags if t not in (STARTER_ONLY,)]


def _ipynb(percent: str) -> str:
    """starter.ipynb from starter.py, as `jupytext --set-kernel python3 --to ipynb` writes it."""
    import jupytext

    notebook = jupytext.reads(percent, fmt="py:percent")
    notebook.metadata.update(_NOTEBOOK_METADATA)
    return _ipynb_text(notebook)


def _notebook(cells: list[MasterCell], sources: dict[int, str]) -> str:
    return _ipynb_text(_notebook_of(cells, sources, {"kernelspec": _NOTEBOOK_METADATA["kernelspec"]}))


def _ipynb_text(notebook) -> str:
    """The notebook as JSON with cell ids made from the cells (the same master gives the same bytes)."""
    import hashlib

    import jupytext

    for index, cell in enumerate(notebook.cells):
        cell.id = hashlib.sha1(f"{index}\0{cell.source}".encode()).hexdigest()[:8]
    return jupytext.writes(notebook, fmt="ipynb") + "\n"
