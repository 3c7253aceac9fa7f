"""The batch folder a workspace serves: the class as the batch wrote it (re-read when a batch re-run changes it),
its written questions and its manual grades (grader.classroom.manual).

Students are addressed by an opaque key (a digest of their id), never by the id itself, so a hostile id cannot
shape a URL.
"""
from __future__ import annotations

import dataclasses
import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path

from grader.classroom.folder import CLASS_FILE, DATABASE, publish, read_class
from grader.classroom.manual import ManualGrades, ManualState
from grader.results import ClassEntry, Kind
from grader.serve.gate import Refused
from grader.spec import Question, load_written
from grader.spec.catalog import spec_kind


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
        written = self.result.kind is Kind.WRITTEN
        if written and not (spec.is_file() and spec_kind(spec) is Kind.WRITTEN):
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

    def question(self, question_id: str) -> Question:
        if question_id not in self.questions:
            raise Refused(404, f"No written question {question_id!r} in this assignment.")
        return self.questions[question_id]

    def answered(self, question: str) -> list[str]:
        """Keys of the students with an answer to `question`, in a stable shuffled order."""
        keys = [k for k, e in self.entries.items() if e.result and any(
            c.check_id == question and c.output for c in e.result.checks)]
        return sorted(keys, key=lambda k: hashlib.sha256(f"{question}:{k}".encode()).hexdigest())

    def next_ungraded(self, question: str, after: str | None = None) -> str | None:
        """The key of the next answer to `question` without a mark (after `after`, wrapping around)."""
        order, marks = self.answered(question), self.state().marks
        start = order.index(after) + 1 if after in order else 0
        for key in order[start:] + order[:start]:
            if (self.entries[key].student.id, question) not in marks:
                return key
        return None

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
