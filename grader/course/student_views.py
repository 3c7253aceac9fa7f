"""The students' side of a course server: the personal link (it opens a session), the list of assignments, one
assignment with its window, the hand-ins left this hour, the upload and the history, one hand-in with its place
in the queue and then its result, and the report. Every query names the caller's own student id: another
student's hand-in is not found (404), whatever the URL."""
from __future__ import annotations

import datetime as dt
from urllib.parse import unquote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from grader.course.config import CourseAssignment
from grader.course.facts import (
    assignment_facts,
    dashboard_facts,
    handin_facts,
    student_result,
)
from grader.course.gate import read_body
from grader.course.intake import (
    Refusal,
    checked_content,
    checked_name,
    checked_rate,
    stamp,
    when_taken,
    window_of,
)
from grader.course.pages import REPORT_HEADERS, CourseSite, wants_json
from grader.course.store import Handin
from grader.files import TEMPLATES
from grader.report.gradescope import gradescope_results
from grader.report.html import render_html

SESSION_DAYS = 180


async def take(site: CourseSite, request: Request, student: str, assignment: CourseAssignment) -> Handin:
    """A hand-in, checked (name, window, the hour's limit before the body is read; size, speed and content as it is
    read), its bytes stored and synced, and its row committed; Refusal, and nothing stored, otherwise."""
    course, store = site.course, site.store
    name = checked_name(unquote(request.headers.get("x-filename") or request.query_params.get("filename", "")),
                        assignment.spec.kind)
    window = window_of(assignment, store.extensions().get((student, assignment.name)))
    when_taken(assignment, window, site.clock(), course.timezone)
    checked_rate(store, student, assignment, site.clock(), course.timezone)
    data = await read_body(request, course.max_upload_bytes)
    await run_in_threadpool(checked_content, name, data)
    received = site.clock()
    late = when_taken(assignment, window, received, course.timezone)
    digest = await run_in_threadpool(store.put_blob, data)
    handin_id = store.add_handin(student, assignment.name, stamp(received), name, len(data), digest,
                                 late.days if late else 0, late.penalty if late else 0.0,
                                 per_hour=(assignment.max_per_hour, stamp(received - dt.timedelta(hours=1))))
    if handin_id is None:  # another upload of the same student took the hour's last place meanwhile
        checked_rate(store, student, assignment, received, course.timezone)
        raise Refusal(429, "another hand-in of yours took this hour's last place meanwhile: try again later")
    site.service.notify()
    site.classes.changed(assignment.name)
    return store.handin_of(student, handin_id)


def routes(site: CourseSite) -> list[Route]:
    course, store, gate = site.course, site.store, site.gate

    def open_link(request: Request) -> Response:
        student, session = gate.open_link(request, request.path_params["token"], stamp(site.clock()))
        response = JSONResponse({"student": student, "url": "/"}) if wants_json(request) else \
            RedirectResponse("/", status_code=303)
        response.set_cookie(gate.cookie, session, max_age=SESSION_DAYS * 86400, httponly=True, samesite="lax",
                            secure=request.url.scheme == "https")
        return response

    def dashboard(request: Request) -> Response:
        caller = gate.require(request)
        return site.answer(request, "course/dashboard.html.j2", dashboard_facts(site, caller.student),
                           student=caller.student, csrf=caller.csrf)

    def assignment_of(request: Request):  # noqa: ANN202 - the CourseAssignment, or Refusal 404
        assignment = course.assignment(request.path_params["name"])
        if assignment is None:
            raise Refusal(404, f"this course has no assignment {request.path_params['name'][:60]!r}")
        return assignment

    def assignment_page(request: Request) -> Response:
        caller = gate.require(request)
        facts = assignment_facts(site, caller.student, assignment_of(request))
        return site.answer(request, "course/assignment.html.j2", facts, student=caller.student, csrf=caller.csrf)

    async def hand_in(request: Request) -> Response:
        caller = gate.require(request)
        gate.check_form(request, caller)
        facts = handin_facts(site, await take(site, request, caller.student, assignment_of(request)))
        if wants_json(request):
            return JSONResponse(facts, status_code=202, headers={"Location": facts["url"]})
        return RedirectResponse(facts["url"], status_code=303)

    def handin_of(request: Request, student: str):  # noqa: ANN202 - the Handin, or Refusal 404
        text = request.path_params["id"]
        handin = store.handin_of(student, int(text)) if text.isdigit() and len(text) < 12 else None
        if handin is None:
            raise Refusal(404, "you have no hand-in with this number")
        return handin

    def handin_page(request: Request) -> Response:
        caller = gate.require(request)
        handin = handin_of(request, caller.student)
        return site.answer(request, "course/handin.html.j2", handin_facts(site, handin), student=caller.student,
                           csrf=caller.csrf)

    def report(request: Request) -> Response:
        caller = gate.require(request)
        result = student_result(site, handin_of(request, caller.student))
        if result is None:
            raise Refusal(404, "this hand-in has no report yet: it is still being graded")
        if wants_json(request):  # the same, as Gradescope's results.json
            return JSONResponse(gradescope_results(result))
        return HTMLResponse(render_html(result), headers=REPORT_HEADERS)

    def script(request: Request) -> Response:
        return Response((TEMPLATES / "course" / "course.js").read_text(encoding="utf-8"),
                        media_type="text/javascript", headers={"Cache-Control": "no-cache"})

    return [Route("/s/{token}", open_link), Route("/", dashboard), Route("/a/{name}", assignment_page),
            Route("/a/{name}/handins", hand_in, methods=["POST"]), Route("/h/{id}", handin_page),
            Route("/h/{id}/report", report), Route("/static/course.js", script)]
