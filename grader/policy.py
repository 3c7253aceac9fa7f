"""The policies applied to a result before anything shows it: what a reader may see of it (decided once per
reader; writers, grader.report, write what they are given), and what a late hand-in costs."""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import replace
from enum import Enum

from grader.results import CheckResult, Lateness, Status, SubmissionResult

HIDDEN_MESSAGE = "hidden check: details are not shown"
SKIPPED_FOR_STUDENTS = ("the grader's machine lacks something this check needs (data, pretrained weights or a GPU), "
                        "which is no fault of your code")
"""Why a check was skipped, as a student reads it: the reason the grader found names the grader machine's set-up."""


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
        """The result as this reader may see it: a student (names, hide) reads no detail of a hidden check, and of a
        skipped check only that the grader's machine could not run it (its reason, the grader machine's set-up such
        as where the data or weights go, is the instructor's, as are the notes that give it)."""
        if self is HiddenPolicy.ALL:
            return result
        shown = tuple(c for c in result.checks if not (c.hidden and self is HiddenPolicy.HIDE))
        notes = (_student_note(note, result.checks, keep_hidden=self is HiddenPolicy.NAMES) for note in result.notes)
        return replace(result, checks=tuple(_student_check(c) for c in shown), notes=tuple(filter(None, notes)))


def skipped_note(name: str, reason: str) -> str:
    """The note on a check that was skipped for `reason` (HiddenPolicy finds it by the check's name)."""
    return f"'{name}' was skipped and is not counted in the score: {reason}"


def _student_check(check: CheckResult) -> CheckResult:
    if check.hidden:
        return replace(check, expected="", found=HIDDEN_MESSAGE, hint="", output="", figures=(), traceback="")
    if check.status is Status.SKIPPED:
        return replace(check, found=f"not run: {SKIPPED_FOR_STUDENTS}")
    return check


def _student_note(note: str, checks: tuple[CheckResult, ...], *, keep_hidden: bool) -> str:
    """`note` as a student reads it: a skipped check's note without its reason, none on a hidden check unless its
    name may be shown; '' to leave it out."""
    for check in checks:
        if check.status is Status.SKIPPED and note.startswith(skipped_note(check.name, "")):
            return skipped_note(check.name, SKIPPED_FOR_STUDENTS) if keep_hidden or not check.hidden else ""
    return note


def lateness(received: dt.datetime, due: dt.datetime, penalty_per_day: float, zone: dt.tzinfo) -> Lateness | None:
    """How late a hand-in received at `received` is for a due date `due`: every started day (24 hours) after it
    costs `penalty_per_day` of the score, up to all of it; None when it is on time. (`zone`: the course's time
    zone, in which a day is counted, so that a change of summer time neither adds nor takes an hour.)"""
    if received <= due:
        return None
    late = received.astimezone(zone).replace(tzinfo=None) - due.astimezone(zone).replace(tzinfo=None)
    days = max(1, math.ceil(late / dt.timedelta(days=1)))
    return Lateness(days, round(min(1.0, days * penalty_per_day), 4))
