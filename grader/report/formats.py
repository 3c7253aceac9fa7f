"""The table of output formats: each one's name, file, what it is written from and its writer. `grader grade`,
`check` and `ci`, the batch and the workspace write what this table lists; adding a format is one writer and one
row here (it then appears as `grader ci --NAME PATH`, and in every output folder when `default`)."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, Callable

from grader.report.gradebook import write_canvas_grades, write_gradebook
from grader.report.gradescope import write_gradescope
from grader.report.html import write_html
from grader.report.junit import write_junit
from grader.report.markdown import write_markdown
from grader.report.summary import write_summary
from grader.results import ClassResult, SubmissionResult


class Scope(Enum):
    """What a format is written from."""

    SUBMISSION = "one hand-in's result"
    CLASS = "a whole class"


@dataclass(frozen=True)
class ClassOptions:
    """What the class formats need besides the class."""

    canvas_column: str = ""
    """Header of the grade column in Canvas's CSV ('' : the assignment's title)."""


@dataclass(frozen=True)
class Format:
    name: str
    """How the command line names it (`grader ci --NAME PATH`)."""
    filename: str
    """Its file in an output folder."""
    scope: Scope
    write: Callable[[Any, Path, ClassOptions], Path]
    help: str
    default: bool = True
    """Written into every output folder (`--out` of grade and check, each student's folder of a batch)."""


FORMATS: tuple[Format, ...] = (
    Format("html", "report.html", Scope.SUBMISSION, lambda r, path, _: write_html(r, path), "the HTML report"),
    Format("results", "results.json", Scope.SUBMISSION, lambda r, path, _: write_gradescope(r, path),
           "Gradescope's results.json"),
    Format("junit", "grader-junit.xml", Scope.SUBMISSION, lambda r, path, _: write_junit(r, path),
           "JUnit XML, one testcase per check", default=False),
    Format("markdown", "summary.md", Scope.SUBMISSION, lambda r, path, _: write_markdown(r, path),
           "a Markdown summary (a table of the checks, e.g. for a pull-request comment)", default=False),
    Format("gradebook", "gradebook.csv", Scope.CLASS, lambda c, path, _: write_gradebook(c, path),
           "points per check, total, status and message per student"),
    Format("canvas", "canvas-grades.csv", Scope.CLASS,
           lambda c, path, o: write_canvas_grades(c, path, column=o.canvas_column or c.title),
           "Canvas's gradebook import"),
    Format("summary", "summary.html", Scope.CLASS, lambda c, path, _: write_summary(c, path), "the class summary"),
)


def formats(scope: Scope, *, default_only: bool = False) -> tuple[Format, ...]:
    return tuple(f for f in FORMATS if f.scope is scope and (f.default or not default_only))


def write_submission(result: SubmissionResult, folder: Path) -> dict[str, Path]:
    """Every default submission format of `result` into `folder`: format name → its file."""
    return {f.name: f.write(result, folder / f.filename, ClassOptions()) for f in formats(Scope.SUBMISSION,
                                                                                        default_only=True)}


def write_class(result: ClassResult, folder: Path, options: ClassOptions) -> dict[str, Path]:
    """Every default class format of `result` into `folder`: format name → its file."""
    return {f.name: f.write(result, folder / f.filename, options) for f in formats(Scope.CLASS, default_only=True)}
