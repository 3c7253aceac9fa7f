"""Which bugs would the checks miss: the reference's mutants (grader.authoring.mutants) graded as the hand-ins of
a class by the batch (grader.classroom.batch: the sandbox, N workers, the budgets of any hand-in), with the
reference itself among them as the sanity row; then which checks caught each (grader.authoring.mutation_report).
"""
from __future__ import annotations

import re
import shutil
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from grader.api import GradeOptions
from grader.authoring.mutants import Mutant, generate_mutants
from grader.authoring.mutation_report import MutantRow, MutationReport, ReferenceRow
from grader.classroom.batch import BatchOptions, run_batch
from grader.policy import HiddenPolicy
from grader.results import ClassEntry, Status, SubmissionResult
from grader.spec import AssignmentSpec, SpecError
from grader.spec.catalog import find_reference

REFERENCE_ID = "00-reference"
"""The reference's file (and student id) in the class of mutants: first in the class's order."""


def handin_name(index: int, mutant: Mutant) -> str:
    """The file stem (student id) of the `index`th mutant (from 1): sortable and safe as a path."""
    return f"{index:02d}-" + re.sub(r"[^A-Za-z0-9]+", "-", mutant.id).strip("-")


def write_class(reference: str, mutants: list[Mutant], folder: Path) -> dict[str, Mutant]:
    """The reference and each mutant as a hand-in file in `folder` (emptied first: no stale mutant is graded);
    student id → mutant."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    (folder / f"{REFERENCE_ID}.py").write_text(reference, encoding="utf-8")
    named = {handin_name(i, m): m for i, m in enumerate(mutants, start=1)}
    for stem, mutant in named.items():
        (folder / f"{stem}.py").write_text(mutant.source, encoding="utf-8")
    return named


def run_mutants(spec: AssignmentSpec, *, options: GradeOptions = GradeOptions(), jobs: int = 1,
                progress: tuple | None = None, folder: Path | None = None) -> MutationReport:
    """Grade every mutant of `spec`'s reference, and the reference, `jobs` at a time, with `options` (checks,
    device, isolation, data); `progress` is the batch's (on_start(todo, stored), on_result(handin, result)).
    `folder` keeps the class and its batch folder (hand-ins, grades.sqlite, reports; a rerun grades only what
    changed); by default they go to a temporary folder."""
    solution = find_reference(spec).solution
    if solution.suffix != ".py":
        raise SpecError(f"{solution}: mutants are generated from a .py reference, found {solution.name}")
    source = solution.read_text(encoding="utf-8")
    mutants = generate_mutants(source)
    on_start, on_result = progress or (lambda todo, stored: None, lambda handin, result: None)
    started = time.monotonic()
    with ExitStack() as stack:
        where = folder or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="cnn-grader-mutants-")))
        named = write_class(source, mutants, where / "handins")
        run = run_batch(spec, where / "handins", where / "batch",
                        BatchOptions(jobs=jobs, grade=options, hidden=HiddenPolicy.ALL),
                        on_start=on_start, on_result=on_result)
    entries = {e.student.id: e for e in run.result.entries}
    reference = entries[REFERENCE_ID].result
    if reference is None:
        raise RuntimeError(f"the grader could not grade {spec.name}'s reference: {entries[REFERENCE_ID].message}")
    passed = {c.check_id for c in reference.checks if c.status is Status.PASSED}
    ran = tuple(c.check_id for c in reference.checks if c.status is not Status.SKIPPED)
    skipped = tuple((c.check_id, c.found or "skipped") for c in reference.checks if c.status is Status.SKIPPED)
    rows = tuple(_row(mutant, entries[stem], passed) for stem, mutant in named.items())
    return MutationReport(assignment=spec.name, reference=_reference_row(reference), rows=rows, checks=ran,
                          skipped=skipped, seconds=round(time.monotonic() - started, 1), jobs=jobs)


def _reference_row(result: SubmissionResult) -> ReferenceRow:
    return ReferenceRow(score=result.score, max_score=result.max_score,
                        not_passed=tuple(c.check_id for c in result.checks
                                         if c.status not in (Status.PASSED, Status.SKIPPED)))


def _row(mutant: Mutant, entry: ClassEntry, passed: set[str]) -> MutantRow:
    """The mutant's row: the checks the reference passes that lost points on it."""
    common = {"id": mutant.id, "description": mutant.description, "operator": mutant.operator, "line": mutant.line}
    result = entry.result
    if result is None:
        return MutantRow(**common, caught_by=(), score=0.0, max_score=0.0, graded=False,
                         note=entry.message or "not graded")
    caught = tuple(c.check_id for c in result.checks if c.check_id in passed and c.points < c.max_points)
    note = result.load_error.strip().splitlines()[0] if result.load_error.strip() else ""
    return MutantRow(**common, caught_by=caught, score=result.score, max_score=result.max_score, note=note)
