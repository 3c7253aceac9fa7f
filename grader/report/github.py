"""GitHub Actions workflow commands: `::error` annotations for the checks that lost points."""
from __future__ import annotations

import re
from pathlib import Path

from grader.report import _format
from grader.results import CheckResult, SubmissionResult

WHERE = re.compile(r"\bline (\d+) of ([^\s:()]+)")


def _data(text: str) -> str:
    """GitHub's escaping of a command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    """GitHub's escaping of a command's property value."""
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def _annotation(check: CheckResult, submission_path: str) -> str:
    properties = {"file": submission_path}
    where = WHERE.search(check.found)
    if where and where.group(2) == Path(submission_path).name:
        properties["line"] = where.group(1)
    properties["title"] = f"{check.name} ({_format.fmt_points(check.points)} / {_format.fmt_points(check.max_points)})"
    message = "\n".join(f"{label}: {text}" for label, text in _format.details(check)) or check.status.value
    head = ",".join(f"{key}={_property(value)}" for key, value in properties.items())
    return f"::error {head}::{_data(f'{check.status.value}: {message}')}"


def github_annotations(result: SubmissionResult, submission_path: str) -> list[str]:
    """One `::error` line per check that needs attention, at the student's line when the message names it."""
    return [_annotation(c, submission_path) for c in result.checks if _format.needs_attention(c)]
