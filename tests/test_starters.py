"""Every assignment ships a starter.py and the same starter as a notebook; both run top to bottom
under the grader (skip-grading cells skipped) and earn nothing until the TODOs are filled in."""
from __future__ import annotations

from pathlib import Path

import jupytext
import nbformat
import pytest
from conftest import CODE_ASSIGNMENTS, REPO, grade

from grader.probes import PROBES
from grader.spec import load_spec

ASSIGNMENTS = CODE_ASSIGNMENTS


def _cells(notebook) -> list[tuple[str, str, list[str]]]:
    return [(c.cell_type, c.source, list(c.metadata.get("tags", []))) for c in notebook.cells]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_starter_notebook_matches_starter_py(assignment: str) -> None:
    folder = REPO / "assignments" / assignment
    notebook = nbformat.read(folder / "starter.ipynb", as_version=4)
    nbformat.validate(notebook)
    assert _cells(notebook) == _cells(jupytext.read(folder / "starter.py")), \
        "starter.ipynb is out of date: run `make masters`"
    assert any("skip-grading" in tags for _, _, tags in _cells(notebook)), "a skip-grading cell shows the tag"
    assert notebook.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_starter_notebook_runs_under_the_grader(assignment: str, tmp_path: Path) -> None:
    spec = load_spec(REPO / "assignments" / assignment / "assignment.toml")
    static = ",".join(c.id for c in spec.checks if not PROBES[c.probe].trains)
    graded = grade(assignment, REPO / "assignments" / assignment / "starter.ipynb", tmp_path, "--only", static)
    assert "In your notebook" not in graded.results["output"], graded.results["output"]
    assert "could not be loaded" not in graded.results["output"]
    assert graded.results["score"] == 0, [(t["name"], t["score"]) for t in graded.results["tests"] if t["score"]]
