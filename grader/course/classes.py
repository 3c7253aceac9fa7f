"""Each assignment of a course as a class (grader.results.ClassResult), built from the hand-in that counts for
each student (their last or their best, after the late penalty), and written into a batch folder of its own
(`state/staff/<assignment>/`), so that the instructor's workspace (grader.serve) and the batch's exports
(gradebook.csv, canvas-grades.csv, the reports, the summary) work on a course as on a batch."""
from __future__ import annotations

import dataclasses
import threading
import time
from pathlib import Path

from grader.api import GradeOptions
from grader.classroom.entries import class_entry, report_folders
from grader.classroom.folder import CLASS_FILE, DATABASE, ExportSettings, publish
from grader.classroom.manual import ManualGrades
from grader.classroom.similarity import similar_pairs, submission_code
from grader.course.config import Counts, Course, CourseAssignment
from grader.course.intake import shown
from grader.course.queue import Graders
from grader.course.store import CourseStore, Handin, State
from grader.results import (
    ClassEntry,
    ClassResult,
    EntryStatus,
    Kind,
    Lateness,
    SubmissionResult,
    now,
)
from grader.spec import Question


def with_lateness(result: SubmissionResult, handin: Handin) -> SubmissionResult:
    """A stored result as this hand-in's: its file name, and its lateness when it came late."""
    late = Lateness(handin.late_days, handin.penalty) if handin.late_days else None
    return dataclasses.replace(result, submission=handin.filename, late=late)


def counting(store: CourseStore, assignment: CourseAssignment, student: str) -> Handin | None:
    """The hand-in that is the student's grade: the newest (`last`; it may still be waiting), or the one with the
    best score after the penalty (`best`; among those graded, the newest on a tie)."""
    handins = store.handins_of(student, assignment.name)
    if not handins or assignment.counts is Counts.LAST:
        return handins[0] if handins else None
    graded = [(h, store.result(h)) for h in handins if h.status is State.GRADED]
    scored = [(with_lateness(r, h).score, -i, h) for i, (h, r) in enumerate(graded) if r is not None]
    return max(scored)[2] if scored else handins[0]


class StaffClasses:
    """The per-assignment batch folders of a course, rewritten when something changed (a hand-in came or was
    graded), on demand and at most every `every` seconds in the background."""

    def __init__(self, course: Course, store: CourseStore, graders: Graders, options: GradeOptions,
                 root: Path) -> None:
        self.course, self.store, self.graders, self.options, self.root = course, store, graders, options, root
        self._dirty = {a.name for a in course.assignments}
        self._lock = threading.Lock()

    def folder(self, assignment: str) -> Path:
        return self.root / assignment

    def changed(self, assignment: str) -> None:
        self._dirty.add(assignment)

    def released_at(self, assignment: str) -> str:
        """When the staff released the assignment's grades ('' : not yet)."""
        path = self.folder(assignment) / DATABASE
        if not path.is_file():
            return ""
        grades = ManualGrades(path)
        try:
            return grades.released_at()
        finally:
            grades.close()

    def ensure(self, assignment: CourseAssignment) -> Path:
        """The assignment's folder, written again first when something changed since."""
        with self._lock:
            folder = self.folder(assignment.name)
            if assignment.name in self._dirty or not (folder / CLASS_FILE).is_file():
                self._dirty.discard(assignment.name)
                self._publish(assignment, folder)
            return folder

    def ensure_all(self) -> None:
        for assignment in self.course.assignments:
            self.ensure(assignment)

    def _entries(self, assignment: CourseAssignment) -> list[ClassEntry]:
        folders = report_folders(s.id for s in self.course.roster)
        entries = []
        for student in self.course.roster:
            handin = counting(self.store, assignment, student.id)
            if handin is None:
                entries.append(ClassEntry(student=student, status=EntryStatus.NOT_SUBMITTED))
                continue
            result = self.store.result(handin) if handin.status is State.GRADED else None
            source = f"{handin.filename} ({shown(handin.received_at, self.course.timezone)}" + (
                f", late by {handin.late_days} day(s), -{handin.penalty:.0%})" if handin.late_days else ")")
            waiting = handin.message or f"hand-in {handin.id} is {handin.status.value}; it is graded soon"
            entries.append(class_entry(student, source, self.store.handin_file(handin),
                                       with_lateness(result, handin) if result else None,
                                       handin.digest, folders[student.id], "" if result else waiting))
        return entries

    def _publish(self, assignment: CourseAssignment, folder: Path) -> None:
        started = time.monotonic()
        folder.mkdir(parents=True, exist_ok=True)
        spec = assignment.spec
        entries = self._entries(assignment)
        if spec.kind is Kind.CODE:
            checks = tuple((c.id, c.name, c.points, c.hidden) for c in self.graders.code[spec.name].checks)
            isolation = self.graders.code[spec.name].sandbox.description
            questions: dict[str, Question] = {}
        else:
            checks = tuple((q.id, f"{q.id}. {q.title}", q.points, False) for q in spec.questions)
            isolation, questions = "none needed: the answers are read as text, never run", \
                {q.id: q for q in spec.questions}
        codes = {e.student.id: submission_code(Path(e.handin)) for e in entries if e.handin and spec.kind is Kind.CODE}
        starter = spec.path.parent / "starter.py"
        similar = similar_pairs(codes, starter=starter.read_text() if starter.is_file() else "") if codes else []
        result = ClassResult(assignment=spec.name, title=spec.title, checks=checks, entries=tuple(entries),
                             similar=tuple(similar), seconds=round(time.monotonic() - started, 1), jobs=1,
                             isolation=isolation, spec_digest=spec.digest, generated_at=now(), kind=spec.kind)
        publish(result, folder, ExportSettings("", self.course.hidden.value, str(spec.path.resolve()),
                                               self.options.to_dict()), questions)
