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

import hashlib
import json
import os
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from grader import __version__
from grader.api import GradeOptions, Grading, grade_with, prepare_grading, shared_by
from grader.classroom.discover import Discovery, Handin, discover, read_roster
from grader.classroom.entries import class_entry, report_folders
from grader.classroom.folder import DATABASE, ExportSettings, publish
from grader.classroom.similarity import similar_pairs, submission_code
from grader.classroom.store import Store, content_hash
from grader.execute.executor import Executor, ExecutorFactory, local_pool
from grader.execute.pool import Pool
from grader.policy import HiddenPolicy
from grader.results import ClassEntry, ClassResult, EntryStatus, SubmissionResult, now
from grader.spec import AssignmentSpec

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
    hidden: HiddenPolicy = HiddenPolicy.NAMES
    """What the students' own report.html and results.json show of hidden checks."""
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


class _Grader:
    """Grades one hand-in with a slot's executor and stores its result as it comes; a failure of the grader itself
    leaves the student pending, with why."""

    def __init__(self, grading: Grading, store: Store, key: str, on_result: OnResult) -> None:
        self.grading, self.store, self.key, self.on_result = grading, store, key, on_result
        self.failures: dict[str, str] = {}
        self._lock = threading.Lock()

    def grade(self, item: tuple[Handin, str], executor: Executor) -> None:
        handin, content = item
        try:
            result = grade_with(self.grading, handin.path, executor=executor)
            self.store.put(content, self.key, result)
        except Exception as exc:  # noqa: BLE001 - a grader failure must not stop the batch
            with self._lock:
                self.failures[handin.student.id] = f"the grader failed on this hand-in: {type(exc).__name__}: {exc}"
            self.on_result(handin, None)
            return
        self.on_result(handin, result)


def _to_grade(found: Discovery, contents: dict[str, str], known: set[str]) -> list[tuple[Handin, str]]:
    """The hand-ins whose content has no result yet, each content once."""
    todo, seen = [], set(known)
    for h in found.handins:
        content = contents[h.student.id]
        if content not in seen:
            seen.add(content)
            todo.append((h, content))
    return todo


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
    grading = prepare_grading(spec, shared_by(options.grade, options.jobs))
    key = grading_key(grading)
    store = Store(out / DATABASE)
    try:
        contents = {h.student.id: content_hash(h.path) for h in found.handins}
        todo = _to_grade(found, contents, set() if options.regrade else store.contents(key))
        on_start(len(todo), len(found.handins) - len(todo))
        grader = _Grader(grading, store, key, on_result)
        Pool(options.jobs, executors or local_pool(grading.sandbox, fork_server=options.fork_server)).run(
            todo, grader.grade)
        folders = report_folders(h.student.id for h in found.handins)
        entries = [class_entry(h.student, h.source, h.path, store.get(contents[h.student.id], key),
                               contents[h.student.id], folders[h.student.id], grader.failures.get(h.student.id, ""))
                   for h in found.handins]
    finally:
        store.close()
    result = _class_result(spec, grading, found, entries, time.monotonic() - started, options.jobs)
    publish(result, out, ExportSettings(options.canvas_column, options.hidden.value, str(spec.path.resolve()),
                                        options.grade.to_dict()), {})
    return BatchRun(result=result, graded=len(todo) - len(grader.failures), stored=len(found.handins) - len(todo),
                    failed=len(grader.failures), out=out)


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
        generated_at=now())

