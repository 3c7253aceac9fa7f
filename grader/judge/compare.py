"""Measured vs expected: turn what happened to a check in the child into a Verdict."""
from __future__ import annotations

from typing import Any

from grader.contract import CheckOutcome, OutcomeKind, TopLevelFailure
from grader.probes import PROBES
from grader.probes.base import JudgeContext, Verdict
from grader.results import Status
from grader.spec import Check


def verdict_for(check: Check, outcome: CheckOutcome, *, expected: dict[str, Any] | None,
                defined: set[str], entry: tuple[str, ...], labels: Any = None,
                reference_metrics: dict[str, Any] | None = None, device_class: str = "cpu", failure: TopLevelFailure | None = None,
                salvaged: bool = False) -> Verdict:
    """Judge one check. Anything but a clean measurement earns nothing. `failure`: how the top-level
    code failed, if it did (a name it left undefined is an error caused by that, not a missing name)."""
    probe = PROBES[check.probe]
    expects = probe.expects
    if outcome.kind is OutcomeKind.MEASURED:
        if probe.needs_reference and expected is None:
            return Verdict(0.0, expects, "no recorded reference measurement for this check",
                           "the instructor must run: grader reference record <assignment>", status=Status.ERROR)
        try:
            return probe.judge(JudgeContext(measured=outcome.data, expected=expected, params=check.params,
                                            labels=labels, reference_metrics=reference_metrics,
                                            device_class=device_class))
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            return Verdict(0.0, expects, f"the measurement sent by the grading process was malformed "
                                         f"({type(exc).__name__}: {exc})", status=Status.ERROR)
    if outcome.kind is OutcomeKind.MEASURE_FAILED:
        return Verdict(0.0, expects, outcome.message, outcome.hint, status=Status.FAILED,
                       charged_by=outcome.owner if outcome.owner in PROBES else "")
    if outcome.kind is OutcomeKind.MISSING:
        names = [str(n) for n in outcome.data.get("missing", ())] or list(check.needs)
        if failure is not None:
            caused = _caused_by_failure(names, failure, salvaged)
            if caused:
                return Verdict(0.0, f"{', '.join(check.needs)} defined at the top level of your file", caused,
                               "see 'How your file ran' at the top of the report", status=Status.ERROR)
        absent = [n for n in check.needs if n not in defined] or list(check.needs)
        others = sorted(n for n in defined if n not in entry and not n.startswith("_"))
        found = f"{', '.join(absent)} {'is' if len(absent) == 1 else 'are'} not defined in your file" + (
            f" (it defines: {', '.join(others[:12])})" if others else "")
        return Verdict(0.0, f"{', '.join(check.needs)} defined at the top level of your file", found,
                       "names are case-sensitive: define exactly the names the brief asks for",
                       status=Status.MISSING)
    if outcome.kind is OutcomeKind.ERROR:
        return Verdict(0.0, expects, f"your code raised {outcome.message}",
                       "the traceback below shows the lines of your code that led to it"
                       if outcome.frames else "", status=Status.ERROR)
    if outcome.kind is OutcomeKind.TIMEOUT:
        return Verdict(0.0, expects, f"{outcome.message} ({check.name}: limit {check.timeout['cpu']:.0f} s on CPU, "
                                     f"{check.timeout['cuda']:.0f} s on CUDA)",
                       "look for an endless loop, a sleep, or training that is much slower than needed",
                       status=Status.TIMEOUT)
    return Verdict(0.0, expects, outcome.message, status=Status.ERROR)


def _caused_by_failure(names: list[str], failure: TopLevelFailure, salvaged: bool) -> str:
    """Why failed top-level code left these names undefined ('' when it did not cause it)."""
    stale = [n for n in names if n in failure.not_run]
    if stale:
        return "; ".join(f"{n} was set by {failure.not_run[n]}, which did not run" for n in stale)
    if salvaged:
        return ""
    said = f"{failure.exception}: {failure.message}" if failure.message else failure.exception
    return f"{', '.join(names)} never got defined because {failure.where} (`{failure.source}`) raised {said}"
