"""The `runs_as_handed_in` probe: did the file's own top-level code run without failing?

Nothing is measured in the child: the parent judges how the file ran (grader.judge.diagnose), so a course
can reward a clean file (points 0 by default) while salvaging still grades the definitions.
"""
from __future__ import annotations

from grader.probes.base import JudgeContext, Probe, Verdict, failed, passed
from grader.results import RunStatus

EXPECTS = "the file runs as handed in: importing it (or running the notebook's cells) raises nothing"


def judge_runs_as_handed_in(ctx: JudgeContext) -> Verdict:
    ran = ctx.ran
    if ran is None or ran.status is RunStatus.AS_HANDED_IN:
        return passed(EXPECTS, "it ran as handed in")
    fix = ran.diagnoses[0].fix if ran.diagnoses else ""
    return failed(EXPECTS, ran.summary or ran.status.value, fix)


FAMILY = (
    Probe(name="runs_as_handed_in",
          summary=("Rewards a file whose own top-level code runs without failing (0 points by default); nothing is "
                   "measured, and the other checks still grade the definitions when it fails."),
          calls=(), title="Runs as handed in", expects=EXPECTS, measure=None,
          judge=judge_runs_as_handed_in, needs_reference=False, default_points=0.0),
)
