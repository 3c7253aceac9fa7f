"""A batch's output folder: the class result the batch wrote (class.json, the autograder's results as they
came, and how its exports are written), and the exports: each student's report.html and results.json as the
student may see them and instructor.html with everything, and the class formats (gradebook.csv,
canvas-grades.csv, summary.html; grader.report.formats).

The exports carry rubric points and overrides only once the grades have been released: until then they show
the autograder's results alone (written answers as ungraded), so unreleased manual work never leaks. After a
release every change rewrites them.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from grader.classroom.entries import INSTRUCTOR_REPORT
from grader.classroom.manual import ManualGrades, ManualState, class_with_manual
from grader.files import write_atomic
from grader.policy import HiddenPolicy
from grader.report.formats import ClassOptions, write_class, write_submission
from grader.report.html import write_html
from grader.results import ClassEntry, ClassResult, class_from_dict, class_to_dict
from grader.spec import Question

CLASS_FILE = "class.json"
DATABASE = "grades.sqlite"


@dataclass(frozen=True)
class ExportSettings:
    """How the batch was asked to write its exports (kept so that a release writes them the same way)."""

    canvas_column: str
    hidden: str
    """What students see of hidden checks (a grader.policy.HiddenPolicy value)."""
    assignment_spec: str
    """Path of the assignment.toml the batch graded with."""
    grade: dict = field(default_factory=dict)
    """The batch's GradeOptions (GradeOptions.to_dict), to regrade a student the same way."""


def read_class(out: Path) -> tuple[ClassResult, ExportSettings]:
    data = json.loads((out / CLASS_FILE).read_text(encoding="utf-8"))
    return class_from_dict(data["class"]), ExportSettings(**data["exports"])


def write_student_outputs(entry: ClassEntry, out: Path, hidden: HiddenPolicy) -> None:
    """In the student's folder: instructor.html (everything), and the default submission formats (report.html,
    results.json) as the student may see them."""
    folder = out / Path(entry.report).parent
    write_html(entry.result, folder / INSTRUCTOR_REPORT)
    write_submission(hidden.apply(entry.result), folder)


def publish(result: ClassResult, out: Path, settings: ExportSettings, questions: dict[str, Question]) -> ClassResult:
    """Write class.json (the autograder's results) and every export, with the manual grades applied when they
    have been released. Returns the class as exported."""
    write_atomic(out / CLASS_FILE, json.dumps({"class": class_to_dict(result), "exports": asdict(settings)}))
    grades = ManualGrades(out / DATABASE)
    try:
        state = ManualState.read(grades)
    finally:
        grades.close()
    exported = class_with_manual(result, questions, state) if state.released_at else result
    for entry in exported.entries:
        if entry.result is not None and entry.report:
            write_student_outputs(entry, out, HiddenPolicy(settings.hidden))
    write_class(exported, out, ClassOptions(canvas_column=settings.canvas_column))
    return exported
