"""The instructor's summary page of a class: score distribution, pass rate per check, and what needs a look
(errors, timeouts, slow or missing hand-ins, near-identical code). Self-contained: inline CSS, plots as
PNG data URIs drawn with matplotlib's Agg canvas (no pyplot, so no global state)."""
from __future__ import annotations

import io
import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from grader.files import write_atomic
from grader.report import _format
from grader.report.gradebook import entry_message, max_points, one_line, ordered
from grader.report.html import environment
from grader.results import (
    CheckResult,
    ClassEntry,
    ClassResult,
    EntryStatus,
    RunStatus,
    SimilarPair,
    Status,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

LOOK = {EntryStatus.GRADED: Status.PASSED, EntryStatus.LOAD_ERROR: Status.ERROR,
        EntryStatus.NOT_SUBMITTED: Status.MISSING, EntryStatus.PENDING: Status.SKIPPED}
"""The check status whose colour an entry status borrows."""
SLOWEST = 10


@dataclass(frozen=True)
class CheckStats:
    """How the graded submissions did on one check of the spec."""

    check_id: str
    name: str
    points: float
    hidden: bool
    counts: Counter[Status]
    """Graded submissions per status of this check (those without the check are not counted)."""

    @property
    def graded(self) -> int:
        return sum(self.counts.values())

    @property
    def pass_rate(self) -> float | None:
        """Share of PASSED among the graded submissions; None when none has this check."""
        return self.counts[Status.PASSED] / self.graded if self.graded else None


@dataclass(frozen=True)
class Problem:
    """A graded submission that could not be loaded, or with checks that errored or timed out."""

    entry: ClassEntry
    checks: tuple[CheckResult, ...]
    """The checks that ended in ERROR or TIMEOUT; empty for a load error."""
    message: str
    """First line of the load error, or of what the first such check found."""


def check_stats(result: ClassResult) -> list[CheckStats]:
    """One `CheckStats` per check of the spec, in spec order."""
    by_id = [{c.check_id: c for c in e.result.checks} for e in result.graded]
    return [CheckStats(cid, name, points, hidden, Counter(checks[cid].status for checks in by_id if cid in checks))
            for cid, name, points, hidden in result.checks]


def problems(result: ClassResult) -> list[Problem]:
    """Every graded submission with a load error or an ERROR/TIMEOUT check, in class order."""
    found = []
    for entry in ordered(result.graded):
        bad = tuple(c for c in entry.result.checks if c.status in (Status.ERROR, Status.TIMEOUT))
        if entry.result.load_error:
            found.append(Problem(entry, (), one_line(entry.result.load_error)))
        elif bad:
            found.append(Problem(entry, bad, one_line(bad[0].found)))
    return found


@dataclass(frozen=True)
class CauseCount:
    """How many graded hand-ins one root cause (grader.judge.diagnose) hit."""

    cause: str
    entries: tuple[ClassEntry, ...]
    example: str
    """One hand-in's diagnosis and fix, as a sample of what students read."""


def how_handins_ran(result: ClassResult) -> tuple[Counter[RunStatus], list[CauseCount]]:
    """Graded hand-ins per way their code ran, and per root cause (most frequent first)."""
    graded = ordered(result.graded)
    by_cause: dict[str, list[ClassEntry]] = {}
    examples: dict[str, str] = {}
    for entry in graded:
        for d in entry.result.ran.diagnoses:
            if entry not in by_cause.setdefault(d.cause, []):
                by_cause[d.cause].append(entry)
            examples.setdefault(d.cause, f"{_format.sentence(d.summary)} Fix: {d.fix}")
    causes = [CauseCount(cause, tuple(entries), examples[cause]) for cause, entries in by_cause.items()]
    return Counter(e.result.ran.status for e in graded), sorted(causes, key=lambda c: (-len(c.entries), c.cause))


def similar_groups(pairs: tuple[SimilarPair, ...]) -> list[list[str]]:
    """Students linked by flagged pairs, grouped (connected components), largest group first: a
    cluster of 9 copies is one line to review, not 36 pairs."""
    group_of: dict[str, set[str]] = {}
    for pair in pairs:
        merged = group_of.get(pair.first, {pair.first}) | group_of.get(pair.second, {pair.second})
        for student in merged:
            group_of[student] = merged
    unique = {id(g): g for g in group_of.values()}.values()
    return sorted((sorted(g) for g in unique), key=lambda g: (-len(g), g))


def render_summary(result: ClassResult) -> str:
    """The summary page as one HTML string."""
    scores = [e.result.score for e in result.graded]
    top = max_points(result)
    stats = check_stats(result)
    entries = ordered(result.entries)
    return environment().get_template("summary.html.j2").render(
        c=result,
        entries=entries,
        counts=Counter(e.status for e in result.entries),
        mean=statistics.fmean(scores) if scores else None,
        median=statistics.median(scores) if scores else None,
        max_points=top,
        checks=stats,
        problems=problems(result),
        ran=how_handins_ran(result),
        run_statuses=list(RunStatus),
        slowest=sorted(result.graded, key=lambda e: (-e.result.seconds, e.student.name.casefold()))[:SLOWEST],
        not_graded=[e for e in entries if e.result is None],
        by_id={e.student.id: e for e in result.entries},
        similar=sorted(result.similar, key=lambda p: -p.similarity),
        similar_groups=similar_groups(result.similar),
        histogram=_histogram(scores, top),
        check_chart=_check_chart(stats),
        look=LOOK,
        message=entry_message,
        statuses=list(Status),
        entry_statuses=list(EntryStatus),
    )


def write_summary(result: ClassResult, path: Path) -> Path:
    """Write the summary page to `path` (parents created, atomically) and return the path."""
    return write_atomic(path, render_summary(result))


# ------------------------------------------------------------------------------------ plots

def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def _png(fig: Figure) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    buf = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buf, metadata={"Software": None})
    return buf.getvalue()


def _no_data(text: str) -> bytes:
    """A short strip that says there is nothing to plot."""
    fig = _figure(8, 0.6)
    fig.text(0.5, 0.5, text, ha="center", va="center", color=_format.PALETTE[Status.MISSING], fontsize=12)
    return _png(fig)


def _histogram(scores: list[float], top: float) -> bytes:
    """Histogram of scores: one bar per point up to 20 points, else 20 bars over 0..top."""
    from matplotlib.ticker import MaxNLocator

    if not scores:
        return _no_data("No graded submissions yet")
    fig = _figure(8, 2.6)
    upper = max([top, *scores])  # a score above the spec's total still gets a bar
    width = 1.0 if upper <= 20 else upper / 20
    edges = [(i - 0.5) * width for i in range(round(upper / width) + 2)]
    ax = fig.add_subplot()
    ax.hist(scores, bins=edges, color=_format.PALETTE[Status.PASSED], edgecolor="white")
    mean = statistics.fmean(scores)
    ax.axvline(mean, color="#1f2328", linestyle="--", linewidth=1)
    ax.annotate(f"mean {_format.fmt_points(mean)}", (mean, 1), xycoords=("data", "axes fraction"),
                xytext=(4, -2), textcoords="offset points", va="top", fontsize=9,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
    ax.set_xlim(edges[0], edges[-1])
    ax.xaxis.set_major_locator(MaxNLocator(nbins=12, integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(f"score (of {_format.fmt_points(top)} points)")
    ax.set_ylabel("submissions")
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def _check_chart(stats: list[CheckStats]) -> bytes:
    """Per check, a horizontal bar split by status (share of graded submissions), first check on top."""
    if not any(s.graded for s in stats):
        return _no_data("No graded submissions yet")
    fig = _figure(8, 0.42 * len(stats) + 1.3)
    ax = fig.add_subplot()
    rows = range(len(stats))  # positions, not names: two checks may share a name
    left = [0.0] * len(stats)
    for status in Status:
        shares = [100 * s.counts[status] / s.graded if s.graded else 0.0 for s in stats]
        if any(shares):
            ax.barh(rows, shares, left=left, color=_format.PALETTE[status], label=status.value, height=0.6)
            left = [a + b for a, b in zip(left, shares)]
    ax.set_yticks(rows, [s.name + (" (hidden)" if s.hidden else "") for s in stats])
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of graded submissions")
    ax.spines[["top", "right"]].set_visible(False)
    fig.legend(loc="outside lower center", ncol=len(Status), frameon=False)
    return _png(fig)
