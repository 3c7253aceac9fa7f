"""Pure scoring: a verdict and a check's points → a CheckResult."""
from __future__ import annotations

from grader.probes.base import Verdict
from grader.results import CheckResult, Status
from grader.spec import Check


def status_for(verdict: Verdict) -> Status:
    return verdict.status if verdict.status is not None else Status.earned(verdict.fraction)


def check_result(check: Check, verdict: Verdict, *, seconds: float, timeout: float, output: str,
                 traceback: str = "") -> CheckResult:
    """Points are earned only by PASSED and PARTIAL checks, never by errors or timeouts."""
    status = status_for(verdict)
    fraction = min(max(verdict.fraction, 0.0), 1.0) if status in (Status.PASSED, Status.PARTIAL) else 0.0
    return CheckResult(
        check_id=check.id, name=check.name, probe=check.probe, status=status,
        points=round(check.points * fraction, 2), max_points=check.points, hidden=check.hidden,
        expected=verdict.expected, found=verdict.found, hint=verdict.hint, seconds=round(seconds, 3),
        timeout=timeout, output=output, figures=verdict.figures, traceback=traceback)
