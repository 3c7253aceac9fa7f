"""Regrading chosen students from the workspace: in a background thread, one hand-in after another, with the
current spec and reference and the options the batch graded with; the page polls the progress. Each new
result goes to the batch's results table, class.json and the exports (grader.classroom.folder.publish), and to the
audit table with the old and new score (for written answers, how many are answered). Rubric marks and
overrides are kept: they belong to the student."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from grader.api import GradeOptions, grade_with, prepare_grading
from grader.classroom.batch import grading_key
from grader.classroom.entries import class_entry, report_folders
from grader.classroom.folder import DATABASE
from grader.classroom.store import Store, content_hash
from grader.classroom.written_batch import grade_written
from grader.results import Kind, Status, SubmissionResult
from grader.serve.workspace import Workspace
from grader.spec import load_spec, load_written

Grade = Callable[[Path], tuple[SubmissionResult, str]]
"""Grades one hand-in: (its result, the content hash it is stored under)."""


@dataclass
class Progress:
    """What the regrade page shows (and /regrade/status returns as JSON)."""

    total: int = 0
    done: int = 0
    current: str = ""
    errors: list[str] = field(default_factory=list)
    finished: bool = True
    seconds: float = 0.0


class Regrader:
    """At most one regrade at a time over a workspace."""

    def __init__(self, space: Workspace) -> None:
        self.space, self.progress = space, Progress()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, keys: list[str]) -> None:
        """Regrade the students with these keys; ValueError when one is already running or none is given."""
        if self.running:
            raise ValueError("a regrade is already running: wait for it to finish")
        if not keys:
            raise ValueError("choose at least one student to regrade")
        self.progress = Progress(total=len(keys), finished=False)
        self._thread = threading.Thread(target=self._run, args=(keys,), daemon=True)
        self._thread.start()

    def _grader(self) -> Grade:
        """A function grading one hand-in the way the batch did, storing a code assignment's result in the batch's
        results table."""
        spec_path = Path(self.space.settings.assignment_spec)
        if self.space.result.kind is Kind.WRITTEN:
            written = load_written(spec_path)
            return lambda path: (grade_written(written, path), content_hash(path))
        grading = prepare_grading(load_spec(spec_path), GradeOptions.from_dict(self.space.settings.grade))
        key = grading_key(grading)

        def grade(path: Path) -> tuple[SubmissionResult, str]:
            result, content = grade_with(grading, path), content_hash(path)
            results = Store(self.space.out / DATABASE)
            try:
                results.put(content, key, result)
            finally:
                results.close()
            return result, content
        return grade

    def _regrade(self, key: str, grade: Grade, folders: dict[str, str]) -> None:
        entry = self.space.entries[key]
        path = Path(entry.handin)
        if not entry.handin or not path.exists():
            self.progress.errors.append(f"{entry.student.name}: the hand-in graded by the batch is no longer at "
                                        f"{entry.handin or 'a known place'}; run `grader batch` again")
            return
        result, content = grade(path)
        with self.space.lock:  # the result, the files and the audit row, one student at a time
            old = entry.result.score if entry.result else None
            self.space.replace(key, class_entry(entry.student, entry.source, path, result, content,
                                                folders[entry.student.id]))
            self.space.republish()
            self.space.grades.record("regrade", entry.student.id,
                                     *_audit_values(old, result, self.space.result.kind is Kind.WRITTEN),
                                     who=self.space.who)

    def _run(self, keys: list[str]) -> None:
        start = time.monotonic()
        try:
            grade = self._grader()
            folders = report_folders(e.student.id for e in self.space.result.entries if e.source)
            for key in keys:
                self.progress.current = self.space.entries[key].student.name
                self._regrade(key, grade, folders)
                self.progress.done += 1
        except Exception as exc:  # noqa: BLE001 - the page must say what went wrong; the server goes on
            self.progress.errors.append(f"the regrade stopped: {type(exc).__name__}: {exc}")
        finally:
            self.progress.current, self.progress.finished = "", True
            self.progress.seconds = round(time.monotonic() - start, 1)


def _audit_values(old: float | None, result: SubmissionResult, written: bool) -> tuple[str, str]:
    """The audit row's before and after: the autograded score, or for written answers (which the autograder
    does not score) how many questions the hand-in answers now."""
    if written:
        answered = sum(c.status is Status.UNGRADED for c in result.checks)
        return "answers as read before", f"answers read again: {answered} of {len(result.checks)} answered; " \
                                         "rubric marks kept"
    return "none" if old is None else f"{old:g}", f"{result.score:g} of {result.max_score:g}"
