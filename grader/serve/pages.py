"""What every view of the workspace shares: the served batch, the secrets, the templates, a page with the notice
a redirect asked for, and reading one value of a form. Everything a student wrote reaches a page through Jinja's
autoescaping."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, FileSystemLoader
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse

from grader.files import TEMPLATES
from grader.report import _format
from grader.serve.gate import Secrets
from grader.serve.workspace import Workspace

REPORT_HEADERS = {"Content-Security-Policy": "sandbox"}
"""The batch's own HTML files are served on the workspace's origin: no script or form in them may act on it."""
NOTICES = {"released": "Released: the students' reports, gradebook.csv and canvas-grades.csv now carry the manual "
                       "grades.", "saved": "Saved.", "overridden": "Override saved.", "rubric": "Rubric item saved: "
                       "every answer marked with it counts the new points."}


@dataclass
class Site:
    """The workspace as its views see it."""

    space: Workspace
    keys: Secrets
    base: str = ""
    """The path the workspace is served under ('' for `grader serve`; a course mounts one per assignment)."""

    def __post_init__(self) -> None:
        self.env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True,
                               lstrip_blocks=True)
        self.env.filters.update(points=_format.fmt_points)
        self.env.globals.update(base=self.base, palette={s.value: c for s, c in _format.PALETTE.items()})

    def page(self, name: str, request: Request, status: int = 200, **context: Any) -> HTMLResponse:
        html = self.env.get_template(f"serve/{name}").render(
            csrf=self.keys.csrf, title=self.space.result.title, released=self.space.grades.released_at(),
            notice=NOTICES.get(request.query_params.get("notice", "")), **context)
        return HTMLResponse(html, status_code=status)

    def redirect(self, path: str) -> RedirectResponse:
        """See Other to one of the workspace's own pages (`path` below its base)."""
        return RedirectResponse(self.base + path, status_code=303)

    def back(self, request: Request, default: str) -> str:
        """The page to return to (below the base): the form's own page when the Referer names one of ours."""
        referer = request.headers.get("referer", "")
        own = f"{request.url.scheme}://{request.url.netloc}{self.base}"
        return referer[len(own):].split("?")[0] if referer.startswith(own + "/") else default


def form_value(form: dict[str, list[str]], name: str) -> str:
    """The first value of `name` in a form ('' when absent)."""
    return (form.get(name) or [""])[0]
