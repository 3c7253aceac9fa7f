"""Self-contained HTML report of one graded submission."""
from __future__ import annotations

import base64
from functools import cache
from pathlib import Path
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader

from grader.files import TEMPLATES, write_atomic
from grader.report import _format
from grader.report.printed import fold_library_frames
from grader.results import SubmissionResult


@cache
def environment() -> Environment:
    """The reports' templates, made once per process: jinja2 then compiles each template once, not once per page
    (90 ms a report page, the most of a batch's publishing)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True, lstrip_blocks=True
    )
    env.filters.update(
        points=_format.fmt_points,
        seconds=_format.fmt_seconds,
        sentence=_format.sentence,
        code=_format.code_spans,
        b64=lambda data: base64.b64encode(data).decode("ascii"),
        href=quote,
    )
    env.globals.update(
        time_used=_format.time_used,
        details=_format.details,
        fold=fold_library_frames,
        status_counts=_format.status_counts,
        palette={status.value: color for status, color in _format.PALETTE.items()},
    )
    return env


def render_html(result: SubmissionResult) -> str:
    """The report page as one HTML string (inline CSS, figures as data URIs)."""
    return environment().get_template("report.html.j2").render(r=result)


def write_html(result: SubmissionResult, path: Path) -> Path:
    """Write the report page to `path` (parents created, atomically) and return the path."""
    return write_atomic(path, render_html(result))
