"""A batch's output folder as the instructor's workspace: the class result the batch wrote (class.json, the
autograder's results as they came), the manual grades beside them in grades.sqlite (grader.classroom.manual), and the
exports: each student's report.html and results.json, instructor.html, gradebook.csv, canvas-grades.csv and
summary.html.

The exports carry rubric points and overrides only once the grades have been released: until then they show
the autograder's results alone (written answers as ungraded), so unreleased manual work never leaks. After a
release every change rewrites them.
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from grader.api import GradeOptions
from grader.contract import Limits
from grader.classroom.manual import ManualGrades, Mark, Override
from grader.report import (
    redact_hidden,
    write_canvas_grades,
    write_gradebook,
    write_gradescope,
    write_html,
    write_summary,
)
from grader.results import (
    CheckResult,
    ClassEntry,
    ClassResult,
    Status,
    SubmissionResult,
    class_from_dict,
    class_to_dict,
)
from grader.written import Question

CLASS_FILE = "class.json"
DATABASE = "grades.sqlite"
INSTRUCTOR_REPORT = "instructor.html"


@dataclass(frozen=True)
class ExportSettings:
    """How the batch was asked to write its exports (kept so that a release writes them the same way)."""

    canvas_column: str
    hidden: str
    assignment_spec: str
    """Path of the assignment.toml the batch graded with."""
    grade: dict = field(default_factory=dict)
    """The batch's GradeOptions (grade_options_to_dict), to regrade a student the same way."""


@dataclass(frozen=True)
class ManualState:
    """Everything manual, read at one moment."""

    marks: dict[tuple[str, str], Mark]
    overrides: dict[tuple[str, str], Override]
    rubric_edits: dict[tuple[str, str], tuple[float, str]]
    released_at: str

    @classmethod
    def read(cls, grades: ManualGrades) -> "ManualState":
        return cls(grades.marks(), grades.overrides(), grades.rubric_edits(), grades.released_at())

    def item(self, question: Question, item_id: str) -> tuple[float, str]:
        """(points, description) of a rubric item, as edited."""
        spec_item = question.item(item_id)
        return self.rubric_edits.get((question.id, item_id), (spec_item.points, spec_item.description))

    def question_points(self, question: Question, mark: Mark) -> float:
        """The rubric items' points, within 0 and the question's points."""
        total = sum(self.item(question, i)[0] for i in mark.items if any(r.id == i for r in question.rubric))
        return round(min(question.points, max(0.0, total)), 4)


def grade_options_to_dict(options: GradeOptions) -> dict:
    return {**asdict(options), "data_root": str(options.data_root) if options.data_root else None}


def grade_options_from_dict(data: dict) -> GradeOptions:
    """The GradeOptions that `grade_options_to_dict` wrote (defaults where the batch wrote none)."""
    if not data:
        return GradeOptions()
    return GradeOptions(**{**data, "data_root": Path(data["data_root"]) if data["data_root"] else None,
                           "only": tuple(data["only"]), "limits": Limits(**data["limits"])})


def read_class(out: Path) -> tuple[ClassResult, ExportSettings]:
    data = json.loads((out / CLASS_FILE).read_text(encoding="utf-8"))
    return class_from_dict(data["class"]), ExportSettings(**data["exports"])


def _status(points: float, max_points: float) -> Status:
    return Status.PASSED if points >= max_points else Status.FAILED if points <= 0 else Status.PARTIAL


def _graded_answer(check: CheckResult, question: Question, mark: Mark, state: ManualState) -> CheckResult:
    points = state.question_points(question, mark)
    applied = [f"{state.item(question, i)[0]:+g} {state.item(question, i)[1]}" for i in mark.items
               if any(r.id == i for r in question.rubric)]
    found = "rubric: " + ("; ".join(applied) if applied else "no item applied")
    if mark.comment.strip():
        found += f". Comment: {mark.comment.strip()}"
    return replace(check, status=_status(points, check.max_points), points=points, found=found)


def _overridden(check: CheckResult, override: Override) -> CheckResult:
    return replace(check, status=_status(override.points, check.max_points), points=override.points,
                   found=f"{check.found} [points set to {override.points:g} of {check.max_points:g} by the instructor "
                         f"(was {check.points:g}): {override.reason}]")


def with_manual(result: SubmissionResult, student: str, questions: dict[str, Question],
                state: ManualState) -> SubmissionResult:
    """`result` with the rubric marks of its written answers and the overrides of its checks applied."""
    checks = []
    for check in result.checks:
        mark = state.marks.get((student, check.check_id))
        if check.check_id in questions and mark is not None and check.status is Status.UNGRADED:
            check = _graded_answer(check, questions[check.check_id], mark, state)
        if (override := state.overrides.get((student, check.check_id))) is not None:
            check = _overridden(check, override)
        checks.append(check)
    return replace(result, checks=tuple(checks))


def class_with_manual(result: ClassResult, questions: dict[str, Question], state: ManualState) -> ClassResult:
    entries = tuple(replace(e, result=with_manual(e.result, e.student.id, questions, state)) if e.result else e
                    for e in result.entries)
    return replace(result, entries=entries)


def write_student_outputs(entry: ClassEntry, out: Path, hidden: str) -> None:
    """In the student's folder: instructor.html (everything), and report.html and Gradescope-format
    results.json as the student may see them (hidden checks per `hidden`)."""
    folder = out / Path(entry.report).parent
    write_html(entry.result, folder / INSTRUCTOR_REPORT)
    shown = redact_hidden(entry.result, hidden)
    write_html(shown, folder / "report.html")
    write_gradescope(shown, folder / "results.json")


def publish(result: ClassResult, out: Path, settings: ExportSettings, questions: dict[str, Question]) -> ClassResult:
    """Write class.json (the autograder's results) and every export, with the manual grades applied when they
    have been released. Returns the class as exported."""
    _write_atomically(out / CLASS_FILE, json.dumps({"class": class_to_dict(result), "exports": asdict(settings)}))
    grades = ManualGrades(out / DATABASE)
    try:
        state = ManualState.read(grades)
    finally:
        grades.close()
    exported = class_with_manual(result, questions, state) if state.released_at else result
    for entry in exported.entries:
        if entry.result is not None and entry.report:
            write_student_outputs(entry, out, settings.hidden)
    write_gradebook(exported, out / "gradebook.csv")
    write_canvas_grades(exported, out / "canvas-grades.csv", column=settings.canvas_column or result.title)
    write_summary(exported, out / "summary.html")
    return exported


def _write_atomically(path: Path, text: str) -> None:
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False, suffix=".tmp") as f:
        f.write(text)
    os.replace(f.name, path)
