"""What CI output may say about hidden checks: their name and points ('names'), or nothing ('hide')."""
from __future__ import annotations

from dataclasses import replace

from grader.results import SubmissionResult

HIDDEN_POLICIES = ("names", "hide")
HIDDEN_MESSAGE = "hidden check: details are not shown"


def redact_hidden(result: SubmissionResult, hidden: str = "names") -> SubmissionResult:
    """The result a student may see: hidden checks keep name, status and points only, or are left out."""
    if hidden not in HIDDEN_POLICIES:
        raise ValueError(f"hidden must be one of {HIDDEN_POLICIES}, not {hidden!r}")
    if hidden == "hide":
        return result.visible()
    checks = tuple(replace(c, expected="", found=HIDDEN_MESSAGE, hint="", output="", figures=()) if c.hidden else c
                   for c in result.checks)
    return replace(result, checks=checks)
