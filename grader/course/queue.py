"""The course's grading queue: worker threads take hand-ins from the store in its fair order (grader.course.store:
one per student at a time, first hand-ins first, round robin), grade each with the executor of their slot (a
sandboxed fork server by default, a Dask cluster's workers with --cluster) and store the result as it comes. A
hand-in whose content was already graded the same way is not graded again. A failure of the grader itself marks
that hand-in failed, with why, and the queue goes on."""
from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from grader.api import GradeOptions, Grading, grade_with, prepare_grading, shared_by
from grader.classroom.batch import grading_key
from grader.classroom.written_batch import grade_written
from grader.course.config import Course
from grader.course.intake import stamp
from grader.course.store import CourseStore, Handin
from grader.execute.executor import Executor, ExecutorFactory
from grader.results import Kind, SubmissionResult
from grader.spec import WrittenSpec

IDLE_SECONDS = 1.0
"""How long an idle worker waits for a new hand-in before it looks at the queue again."""


@dataclass(frozen=True)
class Graders:
    """How each assignment of a course is graded: prepared once (checks, reference, staged data, sandbox)."""

    code: dict[str, Grading]
    written: dict[str, WrittenSpec]
    keys: dict[str, str]
    """assignment → the digest of everything besides the hand-in that decides its result."""

    @classmethod
    def prepare(cls, course: Course, options: GradeOptions, jobs: int) -> "Graders":
        options = shared_by(options, jobs)
        code = {a.name: prepare_grading(a.spec, options) for a in course.assignments if a.spec.kind is Kind.CODE}
        written = {a.name: a.spec for a in course.assignments if a.spec.kind is Kind.WRITTEN}
        keys = {**{name: grading_key(g) for name, g in code.items()},
                **{name: f"written:{spec.digest}" for name, spec in written.items()}}
        return cls(code, written, keys)

    def grade(self, handin: Handin, path: Path, executor: Executor) -> SubmissionResult:
        if handin.assignment in self.written:
            return grade_written(self.written[handin.assignment], path)
        return grade_with(self.code[handin.assignment], path, executor=executor)


class GradingService:
    """`jobs` worker threads over the course's queue; `notify()` wakes them when a hand-in arrives."""

    def __init__(self, store: CourseStore, graders: Graders, jobs: int, executors: ExecutorFactory,
                 on_graded: Callable[[Handin], None] = lambda handin: None) -> None:
        self.store, self.graders, self.jobs, self.executors = store, graders, jobs, executors
        self.on_graded = on_graded
        self._wake = threading.Condition()
        self._stopping = False
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        requeued = self.store.requeue_interrupted()
        if requeued:
            print(f"{requeued} hand-in(s) caught mid-grading by a stop are queued again", flush=True)
        self._threads = [threading.Thread(target=self._slot, args=(slot,), daemon=True, name=f"grader-{slot}")
                         for slot in range(self.jobs)]
        for thread in self._threads:
            thread.start()

    def notify(self) -> None:
        with self._wake:
            self._wake.notify_all()

    def stop(self) -> None:
        self._stopping = True
        self.notify()
        for thread in self._threads:
            thread.join(timeout=30)

    def _slot(self, slot: int) -> None:
        executor = self.executors(slot)
        try:
            while not self._stopping:
                handin = self.store.claim(stamp(dt.datetime.now(dt.timezone.utc)))
                if handin is None:
                    with self._wake:
                        self._wake.wait(IDLE_SECONDS)
                    continue
                self._grade(handin, executor)
                self.on_graded(handin)
        finally:
            executor.close()

    def _grade(self, handin: Handin, executor: Executor) -> None:
        key = self.graders.keys.get(handin.assignment)
        if key is None:  # the assignment left course.toml since the hand-in came
            self.store.finish(handin, "", None, stamp(dt.datetime.now(dt.timezone.utc)),
                              f"{handin.assignment} is no longer an assignment of this course")
            return
        if self.store.result(handin, key) is not None:  # the same content, graded the same way, before
            self.store.finish(handin, key, None, stamp(dt.datetime.now(dt.timezone.utc)))
            return
        try:
            with tempfile.TemporaryDirectory(prefix="cnn-grader-handin-") as tmp:
                path = Path(tmp) / handin.filename
                shutil.copyfile(self.store.blob(handin.digest), path)
                result = self.graders.grade(handin, path, executor)
        except Exception as exc:  # noqa: BLE001 - a grader failure must not stop the queue
            self.store.finish(handin, key, None, stamp(dt.datetime.now(dt.timezone.utc)),
                              f"the grader failed on this hand-in: {type(exc).__name__}: {exc}")
            return
        self.store.finish(handin, key, result, stamp(dt.datetime.now(dt.timezone.utc)))
