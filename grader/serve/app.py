"""The instructor's workspace over one batch folder: the class, each student, grading written answers question
by question with the rubric (keys 1-9), overriding an autograded check with a reason, editing a rubric item,
releasing the grades, and the audit trail. Every change is committed (grader.classroom.manual) before the page answers.

Students are addressed by an opaque key (a digest of their id), never by the id itself, so a hostile id cannot
shape a URL; everything a student wrote reaches the page through Jinja's autoescaping.
"""
from __future__ import annotations

import dataclasses
import hashlib
import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader
from starlette.applications import Starlette
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from grader.classroom.manual import ManualGrades, StaleEdit
from grader.report import _format
from grader.results import ClassEntry, EntryStatus, Status
from grader.serve.gate import Gate, Refused, Secrets, read_form, refusal_page
from grader.serve.regrade import Regrader
from grader.serve.source import hand_in_sources
from grader.classroom.folder import (
    CLASS_FILE,
    DATABASE,
    ManualState,
    class_with_manual,
    publish,
    read_class,
    with_manual,
)
from grader.written import Question, is_written, load_written, mentioned

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "serve"
REPORT_HEADERS = {"Content-Security-Policy": "sandbox"}
"""The batch's own HTML files are served on the workspace's origin: no script or form in them may act on it."""
NOTICES = {"released": "Released: the students' reports, gradebook.csv and canvas-grades.csv now carry the manual "
                       "grades.", "saved": "Saved.", "overridden": "Override saved.", "rubric": "Rubric item saved: "
                       "every answer marked with it counts the new points."}


def student_key(student_id: str) -> str:
    return hashlib.sha256(student_id.encode()).hexdigest()[:16]


@dataclass
class Workspace:
    """The batch folder being served, its questions and its manual grades."""

    out: Path
    who: str

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self.loaded = 0
        self.refresh()
        spec = Path(self.settings.assignment_spec)
        written = any(c.probe == "rubric" for e in self.result.entries if e.result for c in e.result.checks)
        if written and not (spec.is_file() and is_written(spec)):
            raise FileNotFoundError(f"the written assignment this batch read ({spec}) is not there any more: its "
                                    "rubric is needed to count the manual points; put it back or run the batch again")
        self.questions: dict[str, Question] = {q.id: q for q in load_written(spec).questions} if written else {}
        self.grades = ManualGrades(self.out / DATABASE)

    def refresh(self) -> None:
        """Read class.json again when it changed on disk (a batch re-run while the server runs)."""
        stamp = (self.out / CLASS_FILE).stat().st_mtime_ns
        if stamp != self.loaded:
            self.result, self.settings = read_class(self.out)
            self.entries = {student_key(e.student.id): e for e in self.result.entries}
            self.loaded = stamp

    def state(self) -> ManualState:
        return ManualState.read(self.grades)

    def entry(self, key: str) -> ClassEntry:
        if (entry := self.entries.get(key)) is None or entry.result is None:
            raise Refused(404, "No graded hand-in of that student in this batch.")
        return entry

    def answered(self, question: str) -> list[str]:
        """Keys of the students with an answer to `question`, in a stable shuffled order."""
        keys = [k for k, e in self.entries.items() if e.result and any(
            c.check_id == question and c.output for c in e.result.checks)]
        return sorted(keys, key=lambda k: hashlib.sha256(f"{question}:{k}".encode()).hexdigest())

    def changed(self) -> None:
        """After a manual change: once released, the exports follow every change."""
        if self.grades.released_at():
            self.republish()

    def republish(self) -> None:
        """class.json and the exports, from the results as they are now."""
        publish(self.result, self.out, self.settings, self.questions)
        self.loaded = (self.out / CLASS_FILE).stat().st_mtime_ns

    def replace(self, key: str, entry: ClassEntry) -> None:
        """Put a regraded entry in place of the student's."""
        old = self.entries[key]
        self.result = dataclasses.replace(self.result, entries=tuple(
            entry if e.student.id == old.student.id else e for e in self.result.entries))
        self.entries[key] = entry


def create_app(out: Path, *, who: str = "instructor", keys: Secrets | None = None) -> Starlette:
    """The workspace app for the batch folder `out` (the ASGI app, behind the token gate)."""
    keys = keys or Secrets()
    space = Workspace(out, who)
    regrader = Regrader(space)
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(points=_format.fmt_points)

    def page(name: str, request: Request, status: int = 200, **context: Any) -> HTMLResponse:
        html = env.get_template(name).render(csrf=keys.csrf, title=space.result.title, released=space.grades
                                             .released_at(), notice=NOTICES.get(request.query_params.get("notice", "")),
                                             **context)
        return HTMLResponse(html, status_code=status)

    def class_view(request: Request) -> Response:
        state = space.state()
        current = class_with_manual(space.result, space.questions, state)
        similar = {s for pair in space.result.similar for s in (pair.first, pair.second)}
        rows = [_row(key, entry, current_entry, space.questions, similar)
                for (key, entry), current_entry in zip(space.entries.items(), current.entries)]
        wanted = request.query_params.get("filter", "").casefold()
        rows = [r for r in rows if wanted in r["name"].casefold() or wanted in r["status"] or
                any(wanted in f for f in r["flags"])]
        order = request.query_params.get("sort", "name")
        rows.sort(key=lambda r: (r["total"] if order == "total" else r["status"] if order == "status"
                                 else r["name"].casefold(), r["name"]))
        answered = {q.id: space.answered(q.id) for q in space.questions.values()}
        progress = [(q, sum((space.entries[k].student.id, q.id) in state.marks for k in answered[q.id]),
                     len(answered[q.id])) for q in space.questions.values()]
        return page("class.html.j2", request, rows=rows, progress=progress, result=space.result,
                    filter=request.query_params.get("filter", ""), sort=order)

    def student_view(request: Request) -> Response:
        key = request.path_params["key"]
        entry, state = space.entry(key), space.state()
        shown = dataclasses.replace(entry, result=with_manual(entry.result, entry.student.id, space.questions, state))
        return page("student.html.j2", request, key=key, entry=shown, autograded={c.check_id: c.points for c in
                                                                                entry.result.checks},
                    questions=space.questions, overrides=state.overrides,
                    sources=hand_in_sources(entry.handin))

    def batch_report(request: Request) -> Response:
        """A student's report as the class summary links it (students/<folder>/instructor.html), and only that."""
        wanted = f"students/{request.path_params['folder']}/{request.path_params['name']}"
        if wanted not in {e.report for e in space.entries.values() if e.report} or \
                not (space.out / wanted).is_file():
            raise Refused(404, "No such report in this batch.")
        return FileResponse(space.out / wanted, media_type="text/html", headers=REPORT_HEADERS)

    def summary(request: Request) -> Response:
        if not (space.out / "summary.html").is_file():
            raise Refused(404, "The batch wrote no summary.html: run it again.")
        return FileResponse(space.out / "summary.html", media_type="text/html", headers=REPORT_HEADERS)

    def student_report(request: Request) -> Response:
        entry = space.entry(request.path_params["key"])
        if not entry.report or not (space.out / entry.report).is_file():
            raise Refused(404, "This student has no report (yet): regrade them.")
        return FileResponse(space.out / entry.report, media_type="text/html", headers=REPORT_HEADERS)

    def next_ungraded(question: str, after: str | None = None) -> str | None:
        order, marks = space.answered(question), space.state().marks
        start = order.index(after) + 1 if after in order else 0
        for key in order[start:] + order[:start]:
            if (space.entries[key].student.id, question) not in marks:
                return key
        return None

    def question_view(request: Request) -> Response:
        question = _question(space, request.path_params["question"])
        key = next_ungraded(question.id)
        if key is not None:
            return RedirectResponse(f"/grade/{question.id}/{key}", status_code=303)
        marks = space.state().marks
        done = [(k, space.entries[k].student.name, marks.get((space.entries[k].student.id, question.id)))
                for k in space.answered(question.id)]
        return page("question_done.html.j2", request, question=question, done=done)

    def answer_view(request: Request) -> Response:
        question = _question(space, request.path_params["question"])
        key = request.path_params["key"]
        entry, state = space.entry(key), space.state()
        check = next((c for c in entry.result.checks if c.check_id == question.id), None)
        if check is None:
            raise Refused(404, f"{entry.student.name}'s hand-in has no answer to {question.id}: regrade them.")
        order = space.answered(question.id)
        return page("answer.html.j2", request, question=question, key=key, entry=entry, check=check,
                    mark=state.marks.get((entry.student.id, question.id)), items=[
                        (n + 1, item.id, *state.item(question, item.id)) for n, item in enumerate(question.rubric)],
                    mentioned=mentioned(question, check.output), position=order.index(key) + 1 if key in order else 0,
                    count=len(order))

    async def save_answer(request: Request) -> Response:
        question = _question(space, request.path_params["question"])
        key = request.path_params["key"]
        form = await read_form(request, keys)
        entry = space.entry(key)
        items = list(dict.fromkeys(i for i in form.get("item", []) if any(r.id == i for r in question.rubric)))
        version = _one(form, "version") or "0"
        if not version.isdigit():
            raise Refused(400, f"The form's version must be a whole number, found {version!r}.")
        with space.lock:
            try:
                space.grades.mark(entry.student.id, question.id, items, _one(form, "comment"), who=space.who,
                                  seen_version=int(version))
            except StaleEdit as exc:
                raise Refused(409, f"{exc}: reload the page to see the saved grade, then grade again.") from None
            space.changed()
        following = next_ungraded(question.id, after=key)
        target = f"/grade/{question.id}/{following}" if following else f"/grade/{question.id}"
        return RedirectResponse(target + "?notice=saved", status_code=303)

    async def override(request: Request) -> Response:
        key, check_id = request.path_params["key"], request.path_params["check"]
        form = await read_form(request, keys)
        entry = space.entry(key)
        check = next((c for c in entry.result.checks if c.check_id == check_id), None)
        if check is None:
            raise Refused(404, f"No check {check_id!r} in this hand-in.")
        text = _one(form, "points").strip()
        try:
            points = None if text == "" else float(text)
        except ValueError:
            raise Refused(400, f"Points must be a number, found {text!r}.") from None
        if points is not None and not (math.isfinite(points) and 0 <= points <= check.max_points):
            raise Refused(400, f"Points must be between 0 and {check.max_points:g}, found {points:g}.")
        with space.lock:
            try:
                space.grades.override(entry.student.id, check_id, points, _one(form, "reason"), who=space.who,
                                      autograded=check.points)
            except ValueError as exc:
                raise Refused(400, f"{exc}.") from None
            space.changed()
        return RedirectResponse(f"/student/{key}?notice=overridden", status_code=303)

    async def edit_item(request: Request) -> Response:
        question = _question(space, request.path_params["question"])
        item_id = request.path_params["item"]
        if not any(r.id == item_id for r in question.rubric):
            raise Refused(404, f"No rubric item {item_id!r} in question {question.id}.")
        form = await read_form(request, keys)
        try:
            points = float(_one(form, "points"))
        except ValueError:
            raise Refused(400, "Points must be a number.") from None
        if not math.isfinite(points):
            raise Refused(400, "Points must be a finite number.")
        description = _one(form, "description").strip()
        if not description:
            raise Refused(400, "A rubric item needs a description.")
        with space.lock:
            space.grades.edit_item(question.id, item_id, points, description, who=space.who,
                                   old=space.state().item(question, item_id))
            space.changed()
        return RedirectResponse(_back(request, f"/grade/{question.id}") + "?notice=rubric", status_code=303)

    async def release(request: Request) -> Response:
        await read_form(request, keys)
        with space.lock:
            space.grades.release(who=space.who)
            space.changed()
        return RedirectResponse("/?notice=released", status_code=303)

    async def regrade(request: Request) -> Response:
        form = await read_form(request, keys)
        chosen = [k for k in form.get("student", []) if k in space.entries and space.entries[k].handin]
        try:
            regrader.start(chosen)
        except ValueError as exc:
            raise Refused(409 if regrader.running else 400, f"{str(exc)[:1].upper()}{str(exc)[1:]}.") from None
        return RedirectResponse("/regrade", status_code=303)

    def regrade_view(request: Request) -> Response:
        return page("regrade.html.j2", request, progress=regrader.progress)

    def regrade_status(request: Request) -> Response:
        return JSONResponse(dataclasses.asdict(regrader.progress))

    def audit(request: Request) -> Response:
        return page("audit.html.j2", request, rows=space.grades.audit())

    async def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Refused)
        return refusal_page(exc.status, str(exc))

    routes = [Route("/", class_view), Route("/summary", summary), Route("/students/{folder}/{name}", batch_report),
              Route("/student/{key}", student_view),
              Route("/student/{key}/report", student_report), Route("/grade/{question}", question_view),
              Route("/grade/{question}/{key}", answer_view), Route("/grade/{question}/{key}", save_answer,
                                                                   methods=["POST"]),
              Route("/override/{key}/{check}", override, methods=["POST"]),
              Route("/rubric/{question}/{item}", edit_item, methods=["POST"]),
              Route("/release", release, methods=["POST"]), Route("/audit", audit),
              Route("/regrade", regrade, methods=["POST"]), Route("/regrade", regrade_view),
              Route("/regrade/status", regrade_status)]
    async def fresh(request: Request, call_next: Any) -> Response:
        with space.lock:
            space.refresh()
        return await call_next(request)

    app = Starlette(routes=routes, exception_handlers={Refused: refused})
    app.add_middleware(BaseHTTPMiddleware, dispatch=fresh)
    app.add_middleware(Gate, keys=keys)
    app.state.workspace, app.state.regrader = space, regrader
    return app


def _question(space: Workspace, question_id: str) -> Question:
    if question_id not in space.questions:
        raise Refused(404, f"No written question {question_id!r} in this assignment.")
    return space.questions[question_id]


def _one(form: dict[str, list[str]], name: str) -> str:
    return (form.get(name) or [""])[0]


def _back(request: Request, default: str) -> str:
    """The page to return to: the form's own page when the Referer names one of ours."""
    referer = request.headers.get("referer", "")
    base = f"{request.url.scheme}://{request.url.netloc}"
    return referer[len(base):].split("?")[0] if referer.startswith(base + "/") else default


def _row(key: str, entry: ClassEntry, current: ClassEntry, questions: dict[str, Question],
         similar: set[str]) -> dict[str, Any]:
    """One line of the class view."""
    checks = current.result.checks if current.result else ()
    manual = sum(c.points for c in checks if c.check_id in questions)
    flags = [f for f, on in (("late", "(late)" in entry.source),
                             ("timeout", any(c.status is Status.TIMEOUT for c in checks)),
                             ("error", any(c.status is Status.ERROR for c in checks)
                              or entry.status is EntryStatus.LOAD_ERROR),
                             ("similar code", entry.student.id in similar),
                             ("ungraded", any(c.status is Status.UNGRADED for c in checks)),
                             ("overridden", any("by the instructor" in c.found for c in checks))) if on]
    return {"key": key, "name": entry.student.name, "id": entry.student.id, "status": entry.status.value,
            "auto": round(sum(c.points for c in checks if c.check_id not in questions), 4),
            "manual": round(manual, 4), "total": current.result.score if current.result else 0.0,
            "max": current.result.max_score if current.result else 0.0, "flags": flags,
            "has_result": entry.result is not None}
