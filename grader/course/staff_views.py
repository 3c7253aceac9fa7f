"""The staff's side of a course server, behind the staff link's token (grader.serve.gate): every assignment with
its queue, hand-ins and release; per-student extensions; queueing failed hand-ins again; each assignment's
workspace (the `grader serve` views on the hand-ins that count, late penalties applied) and its exports."""
from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from grader.course.classes import counting
from grader.course.config import CourseAssignment
from grader.course.intake import Refusal, shown, stamp, window_of
from grader.course.pages import CourseSite
from grader.course.store import Extension, State
from grader.policy import lateness
from grader.report.formats import Scope as FormatScope
from grader.report.formats import formats
from grader.results import Lateness
from grader.serve.app import create_app
from grader.serve.gate import Secrets, read_form
from grader.serve.pages import form_value
from grader.serve.regrade import Progress
from grader.serve.workspace import student_key


class CourseRegrader:
    """The workspace's regrade, for a course: the chosen students' counting hand-ins go back to the course's queue
    (the same fair queue as every hand-in), instead of a grading run of the workspace's own."""

    def __init__(self, site: CourseSite, assignment: CourseAssignment) -> None:
        self.site, self.assignment, self.progress = site, assignment, Progress()
        self.running = False

    def start(self, keys: list[str]) -> None:
        if not keys:
            raise ValueError("choose at least one student to regrade")
        students = {student_key(s.id): s.id for s in self.site.course.roster}
        handins = [counting(self.site.store, self.assignment, students[k]) for k in keys if k in students]
        queued = [h.id for h in handins if h is not None]
        self.site.store.reset(queued)
        self.site.service.notify()
        self.site.classes.changed(self.assignment.name)
        self.progress = Progress(total=len(queued), done=len(queued), current="", finished=True,
                                 errors=[f"{len(queued)} hand-in(s) queued again: the course's queue grades them with "
                                         "the current spec and reference (a content already graded with those keeps "
                                         "its result); this page shows them as pending until then"])


class _Fresh:
    """ASGI wrapper: the assignment's batch folder is rewritten first when something changed since."""

    def __init__(self, app: ASGIApp, site: CourseSite, assignment: CourseAssignment) -> None:
        self.app, self.site, self.assignment = app, site, assignment

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await run_in_threadpool(self.site.classes.ensure, self.assignment)
        await self.app(scope, receive, send)


def _overview(site: CourseSite) -> dict[str, Any]:
    counts, zone = site.store.counts(), site.course.timezone
    rows = []
    for a in site.course.assignments:
        handed_in = {h.student for h in site.store.handins(a.name)}
        rows.append({"assignment": a.name, "title": a.spec.title, "opens": shown(a.window.opens, zone),
                     "due": shown(a.window.due, zone), "lock": shown(a.window.lock, zone),
                     "handins": counts.get(a.name, {}), "students": len(handed_in),
                     "released": site.classes.released_at(a.name), "workspace": f"/staff/a/{a.name}/",
                     "exports": {f.name: f"/staff/exports/{a.name}/{f.filename}"
                                 for f in formats(FormatScope.CLASS)},
                     "failed": [{"submission": h.id, "student": h.student, "message": h.message}
                                for h in site.store.handins(a.name) if h.status is State.FAILED]})
    extensions = [{"student": s, "assignment": a, "due": shown(e.due, zone), "lock": shown(e.lock, zone),
                   "reason": e.reason} for (s, a), e in site.store.extensions().items()]
    return {"course": site.course.name, "assignments": rows, "extensions": extensions,
            "queue": sum(c.get(State.QUEUED.value, 0) for c in counts.values()),
            "grading": sum(c.get(State.GRADING.value, 0) for c in counts.values()),
            "audit": [dict(zip(("at", "who", "action", "target", "detail"), row)) for row in site.store.audit()[:50]],
            "roster": [{"id": s.id, "name": s.name} for s in site.course.roster]}


def _late(late: Lateness | None) -> tuple[int, float]:
    return (late.days, late.penalty) if late else (0, 0.0)


def _moment(text: str, zone: dt.tzinfo) -> dt.datetime:
    """A date and time from a form (the course's time zone when none is given)."""
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise Refusal(400, f"{text[:40]!r} is not a date and time such as 2026-12-20T23:59") from None
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment


def routes(site: CourseSite, keys: Secrets, who: str) -> list[Route | Mount]:
    course, store = site.course, site.store

    def overview(request: Request) -> Response:
        return site.answer(request, "course/staff.html.j2", _overview(site), csrf=keys.csrf)

    async def extend(request: Request) -> Response:
        form = await read_form(request, keys)
        student, name = form_value(form, "student"), form_value(form, "assignment")
        assignment = course.assignment(name)
        if assignment is None or course.student(student) is None:
            raise Refusal(404, "no such student or assignment in this course")
        if form_value(form, "remove"):
            store.extend(student, name, None, who=who, at=stamp(site.clock()))
        else:
            due, lock = _moment(form_value(form, "due"), course.timezone), \
                _moment(form_value(form, "lock") or form_value(form, "due"), course.timezone)
            if not due <= lock or not form_value(form, "reason").strip():
                raise Refusal(400, "an extension needs a due date, a lock at or after it, and a reason")
            store.extend(student, name, Extension(stamp(due), stamp(lock), form_value(form, "reason").strip()),
                         who=who, at=stamp(site.clock()))
        window = window_of(assignment, store.extensions().get((student, name)))
        store.set_lateness({h.id: _late(lateness(dt.datetime.fromisoformat(h.received_at), window.due,
                                                 assignment.late_penalty_per_day, course.timezone))
                            for h in store.handins_of(student, name)})
        site.classes.changed(name)
        return RedirectResponse("/staff/", status_code=303)

    async def requeue(request: Request) -> Response:
        form = await read_form(request, keys)
        wanted = {int(v) for v in form.get("submission", []) if v.isdigit()}
        failed = [h.id for a in course.assignments for h in store.handins(a.name)
                  if h.status is State.FAILED and (not wanted or h.id in wanted)]
        store.reset(failed)
        site.service.notify()
        return RedirectResponse("/staff/", status_code=303)

    def export(request: Request) -> Response:
        assignment = course.assignment(request.path_params["name"])
        allowed = {f.filename for f in formats(FormatScope.CLASS)}
        if assignment is None or request.path_params["file"] not in allowed:
            raise Refusal(404, "no such export")
        folder = site.classes.ensure(assignment)
        media = "text/csv" if request.path_params["file"].endswith(".csv") else "text/html"
        return FileResponse(folder / request.path_params["file"], media_type=media,
                            headers={"Content-Security-Policy": "sandbox"})

    mounts = []
    site.classes.ensure_all()
    for assignment in course.assignments:
        base = f"/staff/a/{assignment.name}"
        app = create_app(site.classes.folder(assignment.name), who=who, keys=keys, base=base, gated=False,
                         regrader=CourseRegrader(site, assignment))
        mounts.append(Mount(f"/a/{assignment.name}", app=_Fresh(app, site, assignment)))
    return [Route("/", overview), Route("/extend", extend, methods=["POST"]),
            Route("/requeue", requeue, methods=["POST"]), Route("/exports/{name}/{file}", export), *mounts]
