"""Class grading: find every hand-in, grade what is not graded yet on N workers, store each result
as it comes, and write the gradebooks, the per-student reports and the class summary.

Each worker slot grades with an executor from a factory (grader.execute.executor): by default its own fork
server, so torch is imported once per worker; or a Dask cluster's workers. Results
go to `<out>/grades.sqlite` keyed by content and grading key (grader.classroom.store): a re-run grades only
what changed or is missing; identical hand-ins are graded once. One submission never stops the
batch: whatever it does becomes its result; a failure of the grader itself leaves that student
pending (reported, retried on the next run).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import queue
import re
import threading
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Callable

from grader import __version__
from grader.api import GradeOptions, Grading, grade_with, prepare_grading, resolve_device
from grader.classroom.discover import Discovery, Handin, discover, read_roster
from grader.execute.executor import Executor, ExecutorFactory, local_pool
from grader.execute.gpu import even_share
from grader.results import ClassEntry, ClassResult, EntryStatus, SubmissionResult
from grader.classroom.similarity import similar_pairs, submission_code
from grader.spec import AssignmentSpec
from grader.classroom.store import Store, content_hash
from grader.classroom.folder import DATABASE, INSTRUCTOR_REPORT, ExportSettings, grade_options_to_dict, publish
OnResult = Callable[[Handin, SubmissionResult | None], None]
"""Called after each hand-in graded: (hand-in, its result, or None when the grader itself failed)."""


def default_jobs(device: str = "cpu") -> int:
    """One worker per core, at most 8 (each child holds torch in memory, about 1-2 GB); on a GPU at most 12,
    where children wait on the GPU more than on a core (an H100 with 16 cores graded a class fastest at 12 of
    8, 12 and 16: benchmarks/results/gpu-2026-11-28.json)."""
    return max(1, min(os.cpu_count() or 1, 12 if device == "cuda" else 8))


@dataclass(frozen=True)
class BatchOptions:
    """How to run a batch."""

    jobs: int = field(default_factory=default_jobs)
    regrade: bool = False
    """Grade everything again, even what the database already holds."""
    roster: Path | None = None
    canvas_column: str = ""
    """Header of the grade column in the Canvas CSV (default: the assignment's title)."""
    fork_server: bool = True
    """Fork children from a preloaded server per worker (False: a new interpreter per submission)."""
    hidden: str = "names"
    """What the students' own report.html and results.json show of hidden checks (report.hidden)."""
    grade: GradeOptions = GradeOptions()
    """How to grade; the torch threads of each child are set from `jobs` (the cores shared out)."""


@dataclass(frozen=True)
class BatchRun:
    """What a run did, besides the class result."""

    result: ClassResult
    graded: int
    """Hand-ins graded in this run."""
    stored: int
    """Hand-ins whose result was already in the database."""
    failed: int
    """Hand-ins the grader itself could not grade (left pending)."""
    out: Path

    @property
    def complete(self) -> bool:
        return self.failed == 0


def grading_key(grading: Grading) -> str:
    """Digest of everything besides the hand-in that decides a result."""
    digest = hashlib.sha256()
    digest.update(grading.spec.digest.encode())
    for name in ("solution.py", "expected.pt", "metrics.json"):
        file = grading.reference.directory / name
        digest.update(name.encode() + (file.read_bytes() if file.is_file() else b"-"))
    options = grading.options
    digest.update(json.dumps({"checks": [c.id for c in grading.checks], "protocol": options.protocol,
                              "device": grading.device, "isolation": grading.sandbox.level,
                              # threads and GPU shares change speed, not results; the batch sets them from --jobs
                              "limits": {**asdict(options.limits), "threads": None, "gpu_memory_bytes": None},
                              "skipped": sorted(grading.skipped),
                              "data": grading.staged.fingerprint if grading.staged else None,
                              "grader": __version__}, sort_keys=True).encode())
    return digest.hexdigest()


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "student"


def report_folders(handins: tuple[Handin, ...]) -> dict[str, str]:
    """student id → its report folder under the output folder (unique, safe as a path)."""
    folders: dict[str, str] = {}
    for h in handins:
        slug = _slug(h.student.id)
        if slug in folders.values():
            slug += "-" + hashlib.sha256(h.student.id.encode()).hexdigest()[:8]
        folders[h.student.id] = f"students/{slug}"
    return folders


class _Workers:
    """N threads, each grading hand-ins from a queue with the executor the factory gives its slot."""

    def __init__(self, grading: Grading, jobs: int, executors: ExecutorFactory, store: Store, key: str,
                 on_result: OnResult) -> None:
        self.grading, self.jobs, self.executors = grading, jobs, executors
        self.store, self.key, self.on_result = store, key, on_result
        self.failures: dict[str, str] = {}
        self._lock = threading.Lock()

    def run(self, todo: list[tuple[Handin, str]]) -> None:
        work: queue.Queue[tuple[Handin, str] | None] = queue.Queue()
        for item in todo:
            work.put(item)
        threads = [threading.Thread(target=self._work, args=(work, slot), daemon=True)
                   for slot in range(min(self.jobs, len(todo)))]
        for thread in threads:
            work.put(None)
            thread.start()
        for thread in threads:
            thread.join()

    def _work(self, work: queue.Queue, slot: int) -> None:
        executor = self.executors(slot)
        try:
            while (item := work.get()) is not None:
                self._grade(*item, executor)
        finally:
            executor.close()

    def _grade(self, handin: Handin, content: str, executor: Executor) -> None:
        try:
            result = grade_with(self.grading, handin.path, executor=executor)
            self.store.put(content, self.key, result)
        except Exception as exc:  # noqa: BLE001 - a grader failure must not stop the batch
            with self._lock:
                self.failures[handin.student.id] = f"the grader failed on this hand-in: {type(exc).__name__}: {exc}"
            self.on_result(handin, None)
            return
        self.on_result(handin, result)


def class_entry(handin: Handin, result: SubmissionResult | None, content: str, folder: str, failure: str) -> ClassEntry:
    """One gradebook row: the hand-in's result (its reports under `folder`), or why it has none."""
    if result is None:
        return ClassEntry(student=handin.student, status=EntryStatus.PENDING, source=handin.source,
                          message=failure or "not graded yet (the batch was interrupted); run it again",
                          content_hash=content, handin=str(handin.path.resolve()))
    result = replace(result, submission=handin.source)
    status = EntryStatus.LOAD_ERROR if result.load_error else EntryStatus.GRADED
    return ClassEntry(student=handin.student, status=status, result=result, source=handin.source,
                      message=result.load_error.splitlines()[0] if result.load_error else "",
                      report=f"{folder}/{INSTRUCTOR_REPORT}", content_hash=content, handin=str(handin.path.resolve()))


def run_batch(spec: AssignmentSpec, source: Path, out: Path, options: BatchOptions = BatchOptions(), *,
              executors: ExecutorFactory | None = None,
              on_start: Callable[[int, int], None] = lambda todo, stored: None,
              on_result: OnResult = lambda handin, result: None) -> BatchRun:
    """Grade every hand-in found in `source` (a folder or a zip) into `out`, `options.jobs` at a time, each
    worker slot with the executor `executors` makes for it (default: the local pool of fork servers)."""
    started = time.monotonic()
    out.mkdir(parents=True, exist_ok=True)
    roster = read_roster(options.roster) if options.roster else None
    found = discover(source, out / "inputs", roster=roster)
    limits = replace(options.grade.limits, threads=max(1, (os.cpu_count() or 1) // options.jobs))
    if resolve_device(options.grade.device) == "cuda" and not limits.gpu_memory_bytes:
        limits = replace(limits, gpu_memory_bytes=even_share(options.jobs))
    grading = prepare_grading(spec, replace(options.grade, limits=limits))
    key = grading_key(grading)
    store = Store(out / DATABASE)
    try:
        contents = {h.student.id: content_hash(h.path) for h in found.handins}
        todo, seen = [], set() if options.regrade else store.contents(key)
        for h in found.handins:
            content = contents[h.student.id]
            if content in seen:
                continue
            seen.add(content)
            todo.append((h, content))
        on_start(len(todo), len(found.handins) - len(todo))
        factory = executors or local_pool(grading.sandbox, fork_server=options.fork_server)
        workers = _Workers(grading, options.jobs, factory, store, key, on_result)
        workers.run(todo)
        folders = report_folders(found.handins)
        entries = []
        for h in found.handins:
            content = contents[h.student.id]
            entries.append(class_entry(h, store.get(content, key), content, folders[h.student.id],
                                  workers.failures.get(h.student.id, "")))
    finally:
        store.close()
    result = _class_result(spec, grading, found, entries, time.monotonic() - started, options.jobs)
    publish(result, out, ExportSettings(options.canvas_column, options.hidden, str(spec.path.resolve()),
                                        grade_options_to_dict(options.grade)), {})
    graded = len(todo) - len(workers.failures)
    return BatchRun(result=result, graded=graded, stored=len(found.handins) - len(todo),
                    failed=len(workers.failures), out=out)


def _class_result(spec: AssignmentSpec, grading: Grading, found: Discovery, entries: list[ClassEntry],
                  seconds: float, jobs: int) -> ClassResult:
    starter = spec.path.parent / "starter.py"
    codes = {h.student.id: submission_code(h.path) for h in found.handins}
    not_submitted = [ClassEntry(student=s, status=EntryStatus.NOT_SUBMITTED) for s in found.not_submitted]
    return ClassResult(
        assignment=spec.name, title=spec.title,
        checks=tuple((c.id, c.name, c.points, c.hidden) for c in grading.checks),
        entries=tuple(sorted(entries + not_submitted, key=lambda e: e.student.id)),
        unknown=found.unknown, unmatched=found.unmatched, refused=found.refused,
        similar=tuple(similar_pairs(codes, starter=starter.read_text() if starter.is_file() else "")),
        seconds=round(seconds, 1), jobs=jobs, isolation=grading.sandbox.description, spec_digest=spec.digest,
        generated_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))

