"""Markdown summary of a graded submission, e.g. for a GitHub Actions job summary."""
from __future__ import annotations

import re
from pathlib import Path

from grader.files import write_atomic
from grader.report import _format
from grader.results import CheckResult, Status, SubmissionResult

ICONS = {
    Status.PASSED: "✅",
    Status.PARTIAL: "🟡",
    Status.FAILED: "❌",
    Status.ERROR: "💥",
    Status.TIMEOUT: "⏱️",
    Status.MISSING: "❔",
    Status.SKIPPED: "⏭️",
    Status.UNGRADED: "✍️",
}
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _cell(text: str) -> str:
    """Text safe inside one table cell: no raw HTML or control characters, no `|`, newlines as <br>."""
    text = CONTROL.sub("", text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")
    return "<br>".join(text.strip().splitlines())


def _row(check: CheckResult) -> str:
    points = f"{_format.fmt_points(check.points)} / {_format.fmt_points(check.max_points)}"
    details = "<br>".join(f"**{label}:** {_cell(text)}" for label, text in _format.details(check)) \
        if _format.needs_attention(check) else ""
    if check.status is Status.SKIPPED:  # why it did not run, not what it would have expected
        points, details = f"not counted ({_format.fmt_points(check.max_points)})", _cell(check.found)
    name = check.name + (" (hidden)" if check.hidden else "")
    return f"| {ICONS[check.status]} {check.status.value} | {_cell(name)} | {points} | {details} |"


def markdown_summary(result: SubmissionResult) -> str:
    """A heading with the score, one table row per check, and the grader's notes."""
    shown = result
    lines = [
        f"### {_cell(shown.title)}: {_format.score_line(shown)}",
        "",
        f"Submission `{_cell(shown.submission).replace('`', '')}` · "
        f"time {_format.time_used(shown.seconds, shown.budget)} · isolation: {_cell(shown.isolation)}",
        "",
    ]
    if shown.load_error:
        lines += [f"**Your submission could not be loaded:** {_cell(shown.load_error)}", ""]
    lines += [*(f"> {_cell(line)}" for line in _format.how_it_ran(shown)), ""] if _format.how_it_ran(shown) else []
    lines += ["| Status | Check | Points | Details |", "| --- | --- | ---: | --- |", *map(_row, shown.checks)]
    if shown.notes:
        lines += ["", *(f"> Note: {_cell(note)}" for note in shown.notes)]
    return "\n".join(lines) + "\n"


def write_markdown(result: SubmissionResult, path: Path) -> Path:
    """Write `markdown_summary` to `path` (parents created, atomically) and return the path."""
    return write_atomic(path, markdown_summary(result))
