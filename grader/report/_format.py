"""Small text helpers shared by the HTML, Gradescope and terminal reports."""
from __future__ import annotations

import re
from collections import Counter

from markupsafe import Markup, escape

from grader.results import CheckResult, RunStatus, Status, SubmissionResult

PALETTE = {Status.PASSED: "#1a7f37", Status.PARTIAL: "#b35900", Status.FAILED: "#d1242f", Status.ERROR: "#82071e",
           Status.TIMEOUT: "#8250df", Status.MISSING: "#6e7781", Status.SKIPPED: "#4f6a85",
           Status.UNGRADED: "#0969da"}
"""The colour of each status, on every page and in every plot (templates/_palette.css.j2 makes them CSS)."""


def fmt_points(points: float) -> str:
    """Points without a needless '.0': 7.0 -> '7', 2.5 -> '2.5'."""
    return f"{round(points, 2):g}"


def fmt_seconds(seconds: float) -> str:
    """Seconds rounded to centiseconds: '0.41 s', '60 s'."""
    return f"{round(seconds, 2):g} s"


def time_used(seconds: float, budget: float) -> str:
    """'0.41 s of 60 s', or just '0.41 s' when there is no budget."""
    return f"{fmt_seconds(seconds)} of {fmt_seconds(budget)}" if budget else fmt_seconds(seconds)


def score_line(result: SubmissionResult) -> str:
    """'7 / 10 (70%)'."""
    return f"{fmt_points(result.score)} / {fmt_points(result.max_score)} ({result.fraction:.0%})"


def details(check: CheckResult) -> list[tuple[str, str]]:
    """The non-empty (label, text) pairs among Expected, Found, Hint and Traceback (the student's own frames)."""
    pairs = [("Expected", check.expected), ("Found", check.found), ("Hint", check.hint),
             ("Traceback", check.traceback)]
    return [(label, text) for label, text in pairs if text]


def needs_attention(check: CheckResult) -> bool:
    """Whether a student should read why this check did not pass."""
    return check.status not in (Status.PASSED, Status.SKIPPED)


def status_counts(checks: tuple[CheckResult, ...]) -> list[tuple[Status, int]]:
    """How many checks ended in each status, in the order of `Status`."""
    counts = Counter(c.status for c in checks)
    return [(s, counts[s]) for s in Status if counts[s]]


def code_spans(text: str) -> Markup:
    """HTML of `text` (escaped) with its `backticked` parts as <code>."""
    return Markup(re.sub(r"`([^`\n]+)`", r"<code>\1</code>", str(escape(text))))


def sentence(text: str) -> str:
    """`text` ending with a full stop (unless it already ends with punctuation)."""
    text = text.rstrip()
    return text if text.endswith((".", "?", "!")) else text + "."


def how_it_ran(result: SubmissionResult) -> list[str]:
    """Plain-text lines on how the file ran and the root causes found, each with its fix ([] when there is
    nothing to say). The first cause of a failed top-level run comes first, then what the grader did."""
    ran = result.ran
    causes = [f"{sentence(d.summary)} Fix: {d.fix}" for d in ran.diagnoses]
    if ran.status in (RunStatus.SALVAGED, RunStatus.STOPPED):
        return [f"How your file ran: {ran.status.value}.", *causes[:1], ran.summary, *(f"Also: {c}" for c in causes[1:])]
    return [f"Cause: {c}" for c in causes]
