"""The course server's ASGI app: the students' pages at the root (grader.course.student_views), the staff's under
/staff behind the staff link's token (grader.course.staff_views). A refusal is one clear message, as a page or as
JSON, with the status that says why (and Retry-After when waiting helps)."""
from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount

from grader.course import staff_views, student_views
from grader.course.intake import Refusal
from grader.course.pages import CourseSite
from grader.serve.gate import Gate, Refused, Secrets, refusal_page


def create_course_app(site: CourseSite, keys: Secrets, who: str) -> Starlette:
    async def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Refusal)
        return site.refusal(request, exc)

    async def workspace_refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Refused)
        return refusal_page(exc.status, str(exc))

    handlers = {Refusal: refused, Refused: workspace_refused}
    staff = Starlette(routes=staff_views.routes(site, keys, who), exception_handlers=handlers)
    gated = Gate(staff, keys, opened_by="`grader course serve`")
    return Starlette(routes=[*student_views.routes(site), Mount("/staff", app=gated)], exception_handlers=handlers)
