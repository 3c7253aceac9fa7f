"""Gradescope autograder results (the `results.json` an autograder writes).

A SKIPPED check (not run here, e.g. for want of a GPU or of pretrained weights) is not one of the `tests`:
Gradescope's format (docs/specs.md of gradescope/autograder_samples, "Test case status") shows a test only as
passed or failed, and one without a status as passed when it earned its max_score (0 of 0 included), while its
own unittest runner (gradescope-utils' JSONTestRunner) writes nothing for a skipped test. So a student sees no
red (nor green) test for what did not run; the top-level output says that it did not run (the result's note),
and `extra_data["skipped"]` keeps each such check's reason by id for tools.

The top-level output is shown to the student even where the tests are not (hidden ones are `after_published`, and
`grader grade`, which the Gradescope package runs, is the instructor's view): its notes are those a student may
read (grader.policy), never naming a hidden check nor the grader machine's set-up; the instructor finds those in
the autograder's stdout, which students do not see."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from grader.files import write_atomic
from grader.policy import HiddenPolicy
from grader.report import _format
from grader.results import CheckResult, Status, SubmissionResult

HIDDEN_VISIBILITY = "after_published"
"""Gradescope's visibility for the hidden checks a result still holds (grader.policy decides what they show)."""


def _full_marks(check: CheckResult) -> bool:
    """Full points; a check worth nothing counts as passed only if it passed."""
    if check.max_points:
        return check.points >= check.max_points - 1e-9
    return check.status is Status.PASSED


def _summary(result: SubmissionResult) -> str:
    lines = [f"Score: {_format.score_line(result)}", f"Isolation: {result.isolation}"]
    if result.late:
        lines.append(f"Late: {result.late.describe()} of the {_format.fmt_points(result.earned)} points earned")
    if result.unsandboxed:
        lines.append("Warning: student code was not sandboxed.")
    if result.load_error:
        lines += ["", "Your submission could not be loaded:", result.load_error]
    ran = _format.how_it_ran(result)
    if ran:
        lines += ["", *ran]
    notes = HiddenPolicy.HIDE.apply(result).notes  # Gradescope shows this output to the student, whoever reads the rest
    if notes:
        lines += ["", *(f"Note: {n}" for n in notes)]
    return "\n".join(lines)


def _test(number: int, check: CheckResult) -> dict[str, Any]:
    return {
        "name": check.name,
        "number": str(number),
        "score": check.points,
        "max_score": check.max_points,
        "status": "passed" if _full_marks(check) else "failed",
        "output": "\n".join(f"{label}: {text}" for label, text in _format.details(check)),
        "output_format": "text",
        "visibility": HIDDEN_VISIBILITY if check.hidden else "visible",
        "extra_data": {
            "check_id": check.check_id,
            "status": check.status.value,
            "seconds": round(check.seconds, 3),
        },
    }


def gradescope_results(result: SubmissionResult) -> dict[str, Any]:
    """The result in Gradescope's format."""
    return {
        "score": result.score,
        "execution_time": round(result.seconds),
        "output": _summary(result),
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "extra_data": {
            "assignment": result.assignment,
            "isolation": result.isolation,
            "isolation_level": result.isolation_level.value,
            "device": result.device,
            "seconds": round(result.seconds, 3),
            "seeds": dict(result.seeds),
            "ran": result.ran.status.value,
            "causes": [d.cause for d in result.ran.diagnoses],
            "grader_version": result.grader_version,
            "skipped": {c.check_id: c.found for c in result.checks if c.status is Status.SKIPPED},
        },
        "tests": [_test(i, c) for i, c in enumerate(result.checks, start=1) if c.status is not Status.SKIPPED],
    }


def write_gradescope(result: SubmissionResult, path: Path) -> Path:
    """Write `gradescope_results` as JSON to `path` (parents created, atomically) and return the path."""
    return write_atomic(path, json.dumps(gradescope_results(result), indent=2))
