"""Releasing the grades (the exports then carry the manual grades, and follow every later change), and the audit
table of every change."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from grader.serve.gate import read_form
from grader.serve.pages import Site


def routes(site: Site) -> list[Route]:
    space = site.space

    async def release(request: Request) -> Response:
        await read_form(request, site.keys)
        with space.lock:
            space.grades.release(who=space.who)
            space.changed()
        return site.redirect("/?notice=released")

    def audit(request: Request) -> Response:
        return site.page("audit.html.j2", request, rows=space.grades.audit())

    return [Route("/release", release, methods=["POST"]), Route("/audit", audit)]
