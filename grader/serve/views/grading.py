"""Grading written answers question by question: one answer at a time in a fixed shuffled order (keys 1-9 toggle
the rubric items, Enter saves and opens the next ungraded answer), and editing a rubric item, which changes the
points of every answer already marked with it."""
from __future__ import annotations

import math

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from grader.classroom.answers import mentioned
from grader.classroom.manual import StaleEdit
from grader.serve.gate import Refused, read_form
from grader.serve.pages import Site, form_value


def routes(site: Site) -> list[Route]:
    space = site.space

    def question_view(request: Request) -> Response:
        question = space.question(request.path_params["question"])
        key = space.next_ungraded(question.id)
        if key is not None:
            return site.redirect(f"/grade/{question.id}/{key}")
        marks = space.state().marks
        done = [(k, space.entries[k].student.name, marks.get((space.entries[k].student.id, question.id)))
                for k in space.answered(question.id)]
        return site.page("question_done.html.j2", request, question=question, done=done)

    def answer_view(request: Request) -> Response:
        question = space.question(request.path_params["question"])
        key = request.path_params["key"]
        entry, state = space.entry(key), space.state()
        check = next((c for c in entry.result.checks if c.check_id == question.id), None)
        if check is None:
            raise Refused(404, f"{entry.student.name}'s hand-in has no answer to {question.id}: regrade them.")
        order = space.answered(question.id)
        return site.page("answer.html.j2", request, question=question, key=key, entry=entry, check=check,
                         mark=state.marks.get((entry.student.id, question.id)), items=[
                             (n + 1, item.id, *state.item(question, item.id)) for n, item in enumerate(question.rubric)],
                         mentioned=mentioned(question, check.output),
                         position=order.index(key) + 1 if key in order else 0, count=len(order))

    async def save_answer(request: Request) -> Response:
        question = space.question(request.path_params["question"])
        key = request.path_params["key"]
        form = await read_form(request, site.keys)
        entry = space.entry(key)
        items = list(dict.fromkeys(i for i in form.get("item", []) if any(r.id == i for r in question.rubric)))
        version = form_value(form, "version") or "0"
        if not version.isdigit():
            raise Refused(400, f"The form's version must be a whole number, found {version!r}.")
        with space.lock:
            try:
                space.grades.mark(entry.student.id, question.id, items, form_value(form, "comment"), who=space.who,
                                  seen_version=int(version))
            except StaleEdit as exc:
                raise Refused(409, f"{exc}: reload the page to see the saved grade, then grade again.") from None
            space.changed()
        following = space.next_ungraded(question.id, after=key)
        target = f"/grade/{question.id}/{following}" if following else f"/grade/{question.id}"
        return site.redirect(target + "?notice=saved")

    async def edit_item(request: Request) -> Response:
        question = space.question(request.path_params["question"])
        item_id = request.path_params["item"]
        if not any(r.id == item_id for r in question.rubric):
            raise Refused(404, f"No rubric item {item_id!r} in question {question.id}.")
        form = await read_form(request, site.keys)
        try:
            points = float(form_value(form, "points"))
        except ValueError:
            raise Refused(400, "Points must be a number.") from None
        if not math.isfinite(points):
            raise Refused(400, "Points must be a finite number.")
        description = form_value(form, "description").strip()
        if not description:
            raise Refused(400, "A rubric item needs a description.")
        with space.lock:
            space.grades.edit_item(question.id, item_id, points, description, who=space.who,
                                   old=space.state().item(question, item_id))
            space.changed()
        return site.redirect(site.back(request, f"/grade/{question.id}") + "?notice=rubric")

    return [Route("/grade/{question}", question_view), Route("/grade/{question}/{key}", answer_view),
            Route("/grade/{question}/{key}", save_answer, methods=["POST"]),
            Route("/rubric/{question}/{item}", edit_item, methods=["POST"])]
