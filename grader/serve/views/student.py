"""One student: every check with what was found, the hand-in's files, the full instructor report, and an override
per check (new points and a required reason; empty points: back to the autograder's)."""
from __future__ import annotations

import dataclasses
import math

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from grader.classroom.manual import with_manual
from grader.serve.gate import Refused, read_form
from grader.serve.pages import REPORT_HEADERS, Site, form_value
from grader.serve.source import hand_in_sources


def routes(site: Site) -> list[Route]:
    space = site.space

    def student_view(request: Request) -> Response:
        key = request.path_params["key"]
        entry, state = space.entry(key), space.state()
        shown = dataclasses.replace(entry, result=with_manual(entry.result, entry.student.id, space.questions, state))
        return site.page("student.html.j2", request, key=key, entry=shown,
                         autograded={c.check_id: c.points for c in entry.result.checks}, questions=space.questions,
                         overrides=state.overrides, sources=hand_in_sources(entry.handin))

    def student_report(request: Request) -> Response:
        entry = space.entry(request.path_params["key"])
        if not entry.report or not (space.out / entry.report).is_file():
            raise Refused(404, "This student has no report (yet): regrade them.")
        return FileResponse(space.out / entry.report, media_type="text/html", headers=REPORT_HEADERS)

    async def override(request: Request) -> Response:
        key, check_id = request.path_params["key"], request.path_params["check"]
        form = await read_form(request, site.keys)
        entry = space.entry(key)
        check = next((c for c in entry.result.checks if c.check_id == check_id), None)
        if check is None:
            raise Refused(404, f"No check {check_id!r} in this hand-in.")
        text = form_value(form, "points").strip()
        try:
            points = None if text == "" else float(text)
        except ValueError:
            raise Refused(400, f"Points must be a number, found {text!r}.") from None
        if points is not None and not (math.isfinite(points) and 0 <= points <= check.max_points):
            raise Refused(400, f"Points must be between 0 and {check.max_points:g}, found {points:g}.")
        with space.lock:
            try:
                space.grades.override(entry.student.id, check_id, points, form_value(form, "reason"), who=space.who,
                                      autograded=check.points)
            except ValueError as exc:
                raise Refused(400, f"{exc}.") from None
            space.changed()
        return site.redirect(f"/student/{key}?notice=overridden")

    return [Route("/student/{key}", student_view), Route("/student/{key}/report", student_report),
            Route("/override/{key}/{check}", override, methods=["POST"])]
