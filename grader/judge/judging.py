"""Judging one hand-in: every check's verdict from what its child measured, the root causes of what failed
(grader.judge.diagnose) and how the file ran, then the points (grader.judge.score). Parent side, pure: it never
runs student code."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from grader.contract import CheckOutcome, ChildReport, OutcomeKind
from grader.judge.compare import verdict_for
from grader.judge.diagnose import check_diagnosis, run_info
from grader.judge.score import check_result, status_for
from grader.probes import PROBES
from grader.probes.base import JudgeContext, Verdict
from grader.results import CheckResult, RunInfo, Status
from grader.spec import AssignmentSpec, Check


@dataclass(frozen=True)
class Judging:
    """What judging needs besides the child's report: the same for every hand-in graded one way."""

    spec: AssignmentSpec
    checks: tuple[Check, ...]
    skipped: dict[str, str]
    """check id → why it cannot run on this machine."""
    device: str
    expected: dict[str, Any]
    """check id → the reference's recorded measurement."""
    metrics: dict[str, Any]
    """The reference's recorded accuracies (metrics.json)."""
    labels: Any = None
    """The test labels of the staged dataset (parent only)."""

    @property
    def runnable(self) -> list[Check]:
        return [c for c in self.checks if c.id not in self.skipped]


def not_loaded(checks: tuple[Check, ...] | list[Check]) -> tuple[CheckResult, ...]:
    """Every check an ERROR, for a hand-in that could not be loaded (no child ran)."""
    return tuple(CheckResult(check_id=c.id, name=c.name, probe=c.probe, status=Status.ERROR, points=0.0,
                             max_points=c.points, hidden=c.hidden, expected=PROBES[c.probe].expects,
                             found="not run: the submission could not be loaded") for c in checks)


def _measured_verdicts(judging: Judging, report: ChildReport, defined: set[str], source: str | None
                       ) -> tuple[dict[str, tuple[Verdict, CheckOutcome]], list]:
    """check id → (verdict, outcome) of every check measured in the child, and the root causes behind their
    errors that the report explains once for all checks (the check's own line says the exception once and
    adds why)."""
    verdicts, found = {}, []
    for c in judging.runnable:
        if PROBES[c.probe].measure is None:
            continue
        outcome = report.outcomes.get(c.id, CheckOutcome(kind=OutcomeKind.NOT_RUN, message="not run"))
        verdict = verdict_for(c, outcome, expected=judging.expected.get(c.id), defined=defined,
                              entry=judging.spec.entry, labels=judging.labels, reference_metrics=judging.metrics,
                              device_class=judging.device, failure=report.failure, salvaged=report.salvaged)
        cause = check_diagnosis(outcome.message, outcome.traceback, report.failure, source) \
            if outcome.kind is OutcomeKind.ERROR else None
        if cause is not None:
            found.append(cause.diagnosis)
            verdict = replace(verdict, found=f"{verdict.found}: {cause.explain}", hint=cause.diagnosis.fix)
        verdicts[c.id] = (verdict, outcome)
    return verdicts, found


def _charge_once(verdicts: dict[str, tuple[Verdict, CheckOutcome]], checks: list[Check]
                 ) -> dict[str, tuple[Verdict, CheckOutcome]]:
    """A check that could not measure for want of what another check owns (Verdict.charged_by) names that check
    where it lost points (and is not hidden): an ERROR that earns nothing, since nothing was measured, with no
    second cause. Where no such check lost points, the check charges the defect itself, with its own message."""
    lost: dict[str, Check] = {}
    for c in checks:
        if c.id in verdicts and not c.hidden and status_for(verdicts[c.id][0]) not in (Status.PASSED, Status.SKIPPED):
            lost.setdefault(c.probe, c)

    def charged(check_id: str, verdict: Verdict) -> Verdict:
        owner = lost.get(verdict.charged_by)
        if owner is None or owner.id == check_id:  # the owner itself charges it, with its own message
            return verdict
        return replace(verdict, found=f"{verdict.found}. Not measured: '{owner.name}' already lost its points for this",
                       hint=f"fix what '{owner.name}' reports, and this check measures again", status=Status.ERROR)

    return {check_id: (charged(check_id, verdict), outcome) for check_id, (verdict, outcome) in verdicts.items()}


def judge(judging: Judging, report: ChildReport, defined: set[str], *, notebook: bool, source: str | None = None
          ) -> tuple[list[CheckResult], RunInfo]:
    """Every check's result, and how the file ran with the root causes of what failed: a check that failed for a
    cause the report explains once gets that cause's fix as its hint (`source`: the student's file, on which a
    suggested code line is checked)."""
    verdicts, found = _measured_verdicts(judging, report, defined, source)
    verdicts = _charge_once(verdicts, judging.runnable)
    ran = run_info(report, import_budget=judging.spec.import_budget, notebook=notebook, check_diagnoses=found,
                   source=source)
    results = []
    for c in judging.checks:
        timeout = c.timeout_for(judging.device)
        if c.id in judging.skipped:
            verdict = Verdict(0.0, PROBES[c.probe].expects, f"not run on this machine: {judging.skipped[c.id]}",
                              status=Status.SKIPPED)
            results.append(check_result(c, verdict, seconds=0.0, timeout=timeout, output=""))
        elif c.id not in verdicts:  # judged from how the file ran alone
            verdict = PROBES[c.probe].judge(JudgeContext(measured={}, expected=None, params=c.params, ran=ran))
            results.append(check_result(c, verdict, seconds=0.0, timeout=timeout, output=""))
        else:
            verdict, outcome = verdicts[c.id]
            results.append(check_result(c, verdict, seconds=outcome.seconds, timeout=timeout, output=outcome.output,
                                        traceback=outcome.frames))
    return results, ran
