"""What a student's pages say, as plain data (the same for the HTML page and its JSON): each assignment's window
as it applies to them, the hand-ins left this hour, their grade so far, each hand-in's place in the queue with an
estimate, and its result as the student may see it: before the release the visible checks in full and the hidden
ones as the course chose (names or nothing); after it everything, with the instructor's manual grades."""
from __future__ import annotations

import datetime as dt
from typing import Any

from grader.classroom.folder import DATABASE
from grader.classroom.manual import ManualGrades, ManualState, with_manual
from grader.course.classes import counting, with_lateness
from grader.course.config import CourseAssignment
from grader.course.intake import HOUR, left_this_hour, shown, window_of
from grader.course.pages import CourseSite
from grader.course.store import Handin, State
from grader.policy import HiddenPolicy
from grader.results import Kind, Status, SubmissionResult

DEFAULT_SECONDS = 15.0
"""The estimate of one grading before any was timed."""


def student_result(site: CourseSite, handin: Handin, released: str | None = None) -> SubmissionResult | None:
    """The hand-in's result as its student may see it now (`released`: the assignment's release, when known)."""
    result = site.store.result(handin) if handin.status is State.GRADED else None
    if result is None:
        return None
    result = with_lateness(result, handin)
    if not (site.classes.released_at(handin.assignment) if released is None else released):
        return site.course.hidden.apply(result)
    assignment = site.course.assignment(handin.assignment)
    questions = {q.id: q for q in assignment.spec.questions} if assignment.spec.kind is Kind.WRITTEN else {}
    grades = ManualGrades(site.classes.folder(handin.assignment) / DATABASE)
    try:
        state = ManualState.read(grades)
    finally:
        grades.close()
    return HiddenPolicy.ALL.apply(with_manual(result, handin.student, questions, state))


def _queue(site: CourseSite, handin: Handin, now: dt.datetime) -> dict[str, Any] | None:
    mean = site.store.mean_seconds() or DEFAULT_SECONDS
    if handin.status is State.QUEUED:
        ahead = site.store.queue_ahead(handin)
        return {"ahead": ahead, "estimate_seconds": round((ahead // site.jobs + 1) * mean)}
    if handin.status is State.GRADING:
        started = dt.datetime.fromisoformat(handin.started_at)
        return {"ahead": 0, "estimate_seconds": round(max(1.0, mean - (now - started).total_seconds()))}
    return None


def _message(result: SubmissionResult | None) -> str:
    """What a student should know besides the score: why nothing could be graded, or answers that wait for the
    staff's rubric."""
    if result is None:
        return ""
    if result.load_error:
        return result.load_error.splitlines()[0]
    waiting = sum(c.status is Status.UNGRADED for c in result.checks)
    return f"{waiting} answer(s) are read and wait for the staff to grade them by the rubric" if waiting else ""


def handin_facts(site: CourseSite, handin: Handin, released: str | None = None) -> dict[str, Any]:
    released = site.classes.released_at(handin.assignment) if released is None else released
    result = student_result(site, handin, released)
    return {
        "submission": handin.id, "assignment": handin.assignment, "filename": handin.filename, "size": handin.size,
        "received_at": handin.received_at, "received": shown(handin.received_at, site.course.timezone),
        "status": handin.status.value, "queue": _queue(site, handin, site.clock()),
        "score": result.score if result else None, "max_score": result.max_score if result else None,
        "late": {"days": handin.late_days, "penalty": handin.penalty} if handin.late_days else None,
        "message": handin.message or _message(result),
        "url": f"/h/{handin.id}", "report_url": f"/h/{handin.id}/report" if result else None,
        "released": bool(released),
        "checks": [{"name": c.name, "status": c.status.value, "points": c.points, "max_points": c.max_points,
                    "hidden": c.hidden, "found": c.found, "hint": c.hint} for c in result.checks] if result else [],
    }


def _state(window: Any, now: dt.datetime) -> str:
    if now < window.opens:
        return "not open yet"
    if now <= window.due:
        return "open"
    return "late" if now <= window.lock else "locked"


def assignment_facts(site: CourseSite, student: str, assignment: CourseAssignment) -> dict[str, Any]:
    now, zone = site.clock(), site.course.timezone
    extension = site.store.extensions().get((student, assignment.name))
    window = window_of(assignment, extension)
    left, next_at = left_this_hour(site.store, student, assignment, now)
    grade = counting(site.store, assignment, student)
    released = site.classes.released_at(assignment.name)
    graded = student_result(site, grade, released) if grade else None
    return {
        "assignment": assignment.name, "title": assignment.spec.title, "kind": assignment.spec.kind.value,
        "state": _state(window, now), "opens": shown(window.opens, zone), "due": shown(window.due, zone),
        "lock": shown(window.lock, zone), "due_utc": window.due.astimezone(dt.timezone.utc).isoformat(),
        "seconds_to_due": round((window.due - now).total_seconds()),
        "seconds_to_lock": round((window.lock - now).total_seconds()),
        "extension": {"due": shown(extension.due, zone), "lock": shown(extension.lock, zone),
                      "reason": extension.reason} if extension else None,
        "late_penalty_per_day": assignment.late_penalty_per_day, "counts": assignment.counts.value,
        "max_per_hour": assignment.max_per_hour, "left_this_hour": left,
        "next_at": shown(next_at, zone) if next_at else None, "hour": HOUR.total_seconds(),
        "grade": {"submission": grade.id, "status": grade.status.value,
                  "score": graded.score if graded else None, "max_score": graded.max_score if graded else None}
        if grade else None,
        "handins": [handin_facts(site, h, released) for h in site.store.handins_of(student, assignment.name)],
        "url": f"/a/{assignment.name}",
    }


def dashboard_facts(site: CourseSite, student: str) -> dict[str, Any]:
    known = site.course.student(student)
    facts = []
    for assignment in site.course.assignments:
        full = assignment_facts(site, student, assignment)
        facts.append({k: v for k, v in full.items() if k != "handins"} | {"handins": len(full["handins"])})
    return {"course": site.course.name, "student": {"id": student, "name": known.name if known else student},
            "assignments": facts}
