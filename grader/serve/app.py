"""The instructor's workspace over one batch folder (grader.serve.workspace): the class, each student, grading
written answers question by question with the rubric, overriding an autograded check with a reason, editing a
rubric item, regrading, releasing the grades, and the audit trail. Every change is committed
(grader.classroom.manual) before the page answers. Each view's routes live in its module of grader.serve.views.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import Response

from grader.serve.gate import Gate, Refused, Secrets, refusal_page
from grader.serve.pages import Site
from grader.serve.regrade import Regrader
from grader.serve.views import grading, regrading, release, roster, student
from grader.serve.workspace import Workspace


def create_app(out: Path, *, who: str = "instructor", keys: Secrets | None = None, base: str = "",
               gated: bool = True, regrader: Any = None) -> Starlette:
    """The workspace app for the batch folder `out` (the ASGI app, behind the token gate unless `gated` is False,
    for a caller that gates it itself), its pages under the path `base`. `regrader`: what regrades students
    (default: grader.serve.regrade.Regrader; a course requeues their hand-ins instead)."""
    site = Site(Workspace(out, who), keys or Secrets(), base)
    regrader = regrader or Regrader(site.space)

    async def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Refused)
        return refusal_page(exc.status, str(exc))

    async def fresh(request: Request, call_next: Any) -> Response:
        with site.space.lock:
            site.space.refresh()
        return await call_next(request)

    app = Starlette(routes=[*roster.routes(site), *student.routes(site), *grading.routes(site),
                            *release.routes(site), *regrading.routes(site, regrader)],
                    exception_handlers={Refused: refused})
    app.add_middleware(BaseHTTPMiddleware, dispatch=fresh)
    if gated:
        app.add_middleware(Gate, keys=site.keys)
    app.state.workspace, app.state.regrader = site.space, regrader
    return app
