"""What a reader may see of a result, decided once per reader and applied to the result before any writer
runs: writers (grader.report) write what they are given."""
from __future__ import annotations

from dataclasses import replace
from enum import Enum

from grader.results import SubmissionResult

HIDDEN_MESSAGE = "hidden check: details are not shown"


class HiddenPolicy(str, Enum):
    """What a reader sees of the hidden checks."""

    ALL = "all"      # the instructor: everything
    NAMES = "names"  # a student: name, status and points only
    HIDE = "hide"    # a student: nothing, and their points are not counted in the shown total

    @classmethod
    def student_choices(cls) -> tuple[str, ...]:
        """What a course may choose for what students see (`--hidden`, `hidden =` in .cnn-grader.toml)."""
        return (cls.NAMES.value, cls.HIDE.value)

    def apply(self, result: SubmissionResult) -> SubmissionResult:
        """The result as this reader may see it."""
        if self is HiddenPolicy.ALL:
            return result
        if self is HiddenPolicy.HIDE:
            return replace(result, checks=tuple(c for c in result.checks if not c.hidden))
        return replace(result, checks=tuple(
            replace(c, expected="", found=HIDDEN_MESSAGE, hint="", output="", figures=()) if c.hidden else c
            for c in result.checks))
