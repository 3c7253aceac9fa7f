"""The class view (every student, filtered and sorted, with the grading progress of each written question), and
the batch's own class summary and reports as the summary links them."""
from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from grader.classroom.manual import class_with_manual
from grader.results import ClassEntry, EntryStatus, Status
from grader.serve.gate import Refused
from grader.serve.pages import REPORT_HEADERS, Site
from grader.spec import Question


def _row(key: str, entry: ClassEntry, current: ClassEntry, questions: dict[str, Question],
         similar: set[str]) -> dict[str, Any]:
    """One line of the class view."""
    checks = current.result.checks if current.result else ()
    manual = sum(c.points for c in checks if c.check_id in questions)
    flags = [f for f, on in (("late", "(late)" in entry.source or bool(current.result and current.result.late)),
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


def routes(site: Site) -> list[Route]:
    space = site.space

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
        return site.page("class.html.j2", request, rows=rows, progress=progress, result=space.result,
                         filter=request.query_params.get("filter", ""), sort=order)

    def summary(request: Request) -> Response:
        if not (space.out / "summary.html").is_file():
            raise Refused(404, "The batch wrote no summary.html: run it again.")
        return FileResponse(space.out / "summary.html", media_type="text/html", headers=REPORT_HEADERS)

    def batch_report(request: Request) -> Response:
        """A student's report as the class summary links it (students/<folder>/instructor.html), and only that."""
        wanted = f"students/{request.path_params['folder']}/{request.path_params['name']}"
        if wanted not in {e.report for e in space.entries.values() if e.report} or \
                not (space.out / wanted).is_file():
            raise Refused(404, "No such report in this batch.")
        return FileResponse(space.out / wanted, media_type="text/html", headers=REPORT_HEADERS)

    return [Route("/", class_view), Route("/summary", summary), Route("/students/{folder}/{name}", batch_report)]
