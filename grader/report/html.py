"""Self-contained HTML report of one graded submission."""
from __future__ import annotations

import base64
from pathlib import Path

from jinja2 import Environment, FileSystemLoader

from grader.report import _format
from grader.results import SubmissionResult

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True, lstrip_blocks=True
    )
    env.filters.update(
        points=_format.fmt_points,
        seconds=_format.fmt_seconds,
        sentence=_format.sentence,
        code=_format.code_spans,
        b64=lambda data: base64.b64encode(data).decode("ascii"),
    )
    env.globals.update(
        time_used=_format.time_used,
        details=_format.details,
        unsandboxed=_format.unsandboxed,
        status_counts=_format.status_counts,
    )
    return env


def render_html(result: SubmissionResult, *, show_hidden: bool = True) -> str:
    """The report page as one HTML string (inline CSS, figures as data URIs).

    With `show_hidden=False` hidden checks are left out, and so are their points.
    """
    shown = result if show_hidden else result.visible()
    return environment().get_template("report.html.j2").render(r=shown)


def write_html(result: SubmissionResult, path: Path, *, show_hidden: bool = True) -> Path:
    """Write the report page to `path` (parents created) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(result, show_hidden=show_hidden), encoding="utf-8")
    return path
