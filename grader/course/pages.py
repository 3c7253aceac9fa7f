"""What every page of a course server shares: the course and its parts, the templates, and one answer per request
as HTML or, when the client asks for it (`Accept: application/json`), the same facts as JSON. Student pages are
served with a Content-Security-Policy that allows no script but the course's own file and no form elsewhere."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable

from jinja2 import Environment, FileSystemLoader
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from grader.course.classes import StaffClasses
from grader.course.config import Course
from grader.course.gate import StudentGate
from grader.course.intake import Refusal, shown
from grader.course.queue import GradingService
from grader.course.store import CourseStore
from grader.files import TEMPLATES
from grader.report import _format

PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self' "
                               "data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}
REPORT_HEADERS = {"Content-Security-Policy": "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:",
                  "X-Content-Type-Options": "nosniff"}
"""A report holds what students wrote: served sandboxed, nothing in it runs or reaches the server."""


def duration(seconds: float) -> str:
    """'3 d 4 h', '2 h 5 min', '7 min', '40 s' (course.js counts down the same way)."""
    seconds = max(0, int(seconds))
    days, hours, minutes = seconds // 86400, seconds % 86400 // 3600, seconds % 3600 // 60
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min" if minutes else f"{seconds} s"


def wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


@dataclass
class CourseSite:
    """The course server as its views see it."""

    course: Course
    store: CourseStore
    gate: StudentGate
    classes: StaffClasses
    service: GradingService
    jobs: int
    clock: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.timezone.utc))

    def __post_init__(self) -> None:
        self.env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True,
                               lstrip_blocks=True)
        self.env.filters.update(points=_format.fmt_points, local=lambda moment: shown(moment, self.course.timezone),
                                duration=duration)
        self.env.globals.update(palette={s.value: c for s, c in _format.PALETTE.items()}, course=self.course)

    def page(self, request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = self.env.get_template(name).render(request=request, **context)
        return HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)

    def answer(self, request: Request, name: str, facts: dict[str, Any], status: int = 200, student: str = "",
               **context: Any) -> Response:
        """The page `name` showing `facts` (for `student`, named in the page's bar), or `facts` as JSON when asked
        for."""
        if wants_json(request):
            return JSONResponse(facts, status_code=status, headers={"Cache-Control": "no-store"})
        known = self.course.student(student) if student else None
        return self.page(request, name, status, facts=facts, student_name=known.name if known else "", **context)

    def refusal(self, request: Request, refusal: Refusal) -> Response:
        facts: dict[str, Any] = {"status": "refused", "message": refusal.message, "code": refusal.status}
        headers = {}
        if refusal.retry_at is not None:
            facts["retry_at"] = refusal.retry_at.astimezone(dt.timezone.utc).isoformat(timespec="seconds")
            facts["retry_at_local"] = shown(refusal.retry_at, self.course.timezone)
            wait = (refusal.retry_at - self.clock()).total_seconds()
            headers["Retry-After"] = str(max(1, int(wait) + 1))
        if wants_json(request):
            return JSONResponse(facts, status_code=refusal.status, headers=headers)
        response = self.page(request, "course/refused.html.j2", refusal.status, facts=facts)
        response.headers.update(headers)
        return response
