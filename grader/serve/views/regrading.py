"""Regrading one student or a selection from the pages, and the progress page that polls it
(grader.serve.regrade does the work)."""
from __future__ import annotations

import dataclasses

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from grader.serve.gate import Refused, read_form
from grader.serve.pages import Site
from grader.serve.regrade import Regrader


def routes(site: Site, regrader: Regrader) -> list[Route]:
    space = site.space

    async def regrade(request: Request) -> Response:
        form = await read_form(request, site.keys)
        chosen = [k for k in form.get("student", []) if k in space.entries and space.entries[k].handin]
        try:
            regrader.start(chosen)
        except ValueError as exc:
            raise Refused(409 if regrader.running else 400, f"{str(exc)[:1].upper()}{str(exc)[1:]}.") from None
        return site.redirect("/regrade")

    def regrade_view(request: Request) -> Response:
        return site.page("regrade.html.j2", request, progress=regrader.progress)

    def regrade_status(request: Request) -> Response:
        return JSONResponse(dataclasses.asdict(regrader.progress))

    return [Route("/regrade", regrade, methods=["POST"]), Route("/regrade", regrade_view),
            Route("/regrade/status", regrade_status)]
