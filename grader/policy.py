"""The policies applied to a result before anything shows it: what a reader may see of it (decided once per
reader; writers, grader.report, write what they are given), and what a late hand-in costs."""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import replace
from enum import Enum

from grader.results import Lateness, SubmissionResult

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
            replace(c, expected="", found=HIDDEN_MESSAGE, hint="", output="", figures=(), traceback="") if c.hidden else c
            for c in result.checks))


def lateness(received: dt.datetime, due: dt.datetime, penalty_per_day: float, zone: dt.tzinfo) -> Lateness | None:
    """How late a hand-in received at `received` is for a due date `due`: every started day (24 hours) after it
    costs `penalty_per_day` of the score, up to all of it; None when it is on time. (`zone`: the course's time
    zone, in which a day is counted, so that a change of summer time neither adds nor takes an hour.)"""
    if received <= due:
        return None
    late = received.astimezone(zone).replace(tzinfo=None) - due.astimezone(zone).replace(tzinfo=None)
    days = max(1, math.ceil(late / dt.timedelta(days=1)))
    return Lateness(days, round(min(1.0, days * penalty_per_day), 4))
