"""`grader batch` for a written assignment: every hand-in's answers extracted (grader.classroom.answers), one
result per student with each answer as an ungraded check, and the batch's usual outputs (class.json, gradebook,
Canvas CSV, reports, summary) for the instructor to grade in `grader serve`.

Nothing runs in a sandbox: the parent only reads Markdown and notebook JSON, within a size limit, and a
hand-in it cannot read gets a load error that says why.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from grader import __version__
from grader.classroom.answers import HANDIN_SUFFIXES, extract_answers
from grader.classroom.batch import BatchOptions, BatchRun, OnResult
from grader.classroom.discover import discover, read_roster
from grader.classroom.entries import class_entry, report_folders
from grader.classroom.folder import ExportSettings, publish
from grader.classroom.store import content_hash
from grader.results import (
    CheckResult,
    ClassEntry,
    ClassResult,
    EntryStatus,
    Isolation,
    Kind,
    Status,
    SubmissionResult,
    now,
)
from grader.spec import WrittenSpec
from grader.submission.archive import JUNK

ISOLATION = "none needed: the answers are read as text, never run"


def _answer_file(path: Path) -> Path | None:
    """The hand-in itself, or the first answer sheet in a hand-in folder (hidden and junk folders such as
    .ipynb_checkpoints skipped, a README.md only when nothing else is there)."""
    if path.is_file():
        return path
    sheets = [p for p in sorted(path.rglob("*")) if p.is_file() and p.suffix in HANDIN_SUFFIXES
              and not any(part.startswith(".") or part in JUNK for part in p.relative_to(path).parts)]
    return next((p for p in sheets if p.name.lower() != "readme.md"), sheets[0] if sheets else None)


def grade_written(spec: WrittenSpec, path: Path) -> SubmissionResult:
    """One hand-in's answers, each an UNGRADED check holding the answer (in `output`) or why there is none."""
    start = time.perf_counter()
    sheet = _answer_file(path)
    error, answers = "", []
    if sheet is None:
        error = f"no answer sheet: the hand-in holds no {' or '.join(HANDIN_SUFFIXES)} file"
    else:
        try:
            answers = extract_answers(spec, sheet)
        except ValueError as exc:
            error = str(exc)
        except (OSError, RecursionError) as exc:  # a hand-in must not stop the batch
            error = f"the hand-in could not be read: {type(exc).__name__}: {exc}"
    by_id = {a.question: a for a in answers}
    checks = []
    for q in spec.questions:
        answer = by_id.get(q.id)
        problem = answer.problem if answer else error
        found = (f"{answer.words} words, waiting for the instructor's rubric" if answer and answer.text else "") \
            + (f" ({problem})" if answer and answer.text and problem else "")
        checks.append(CheckResult(
            check_id=q.id, name=f"{q.id}. {q.title}", probe="rubric",
            status=Status.UNGRADED if answer and answer.text else Status.MISSING, points=0.0, max_points=q.points,
            hidden=False, expected=f"an answer of at most {q.max_words} words, graded by the rubric",
            found=found or problem, output=answer.text if answer else ""))
    return SubmissionResult(assignment=spec.name, title=spec.title, submission=path.name, checks=tuple(checks),
                            isolation=ISOLATION, device="none", seconds=round(time.perf_counter() - start, 3),
                            budget=0.0, load_error=error, graded_at=now(), grader_version=__version__,
                            isolation_level=Isolation.NONE)


def run_written_batch(spec: WrittenSpec, source: Path, out: Path, options: BatchOptions = BatchOptions(), *,
                      on_start: Callable[[int, int], None] = lambda todo, stored: None,
                      on_result: OnResult = lambda handin, result: None) -> BatchRun:
    """Read every hand-in found in `source` (a folder or a zip) into `out`, as `run_batch` does for code."""
    started = time.monotonic()
    out.mkdir(parents=True, exist_ok=True)
    roster = read_roster(options.roster) if options.roster else None
    found = discover(source, out / "inputs", roster=roster, suffixes=(*HANDIN_SUFFIXES, ".zip"))
    on_start(len(found.handins), 0)
    folders = report_folders(h.student.id for h in found.handins)
    entries: list[ClassEntry] = []
    for handin in found.handins:
        result = grade_written(spec, handin.path)
        on_result(handin, result)
        entries.append(class_entry(handin.student, handin.source, handin.path, result, content_hash(handin.path),
                                   folders[handin.student.id]))
    not_submitted = [ClassEntry(student=s, status=EntryStatus.NOT_SUBMITTED) for s in found.not_submitted]
    result = ClassResult(
        assignment=spec.name, title=spec.title, checks=tuple((q.id, f"{q.id}. {q.title}", q.points, False)
                                                            for q in spec.questions),
        entries=tuple(sorted(entries + not_submitted, key=lambda e: e.student.id)), unknown=found.unknown,
        unmatched=found.unmatched, refused=found.refused, seconds=round(time.monotonic() - started, 1), jobs=1,
        isolation=ISOLATION, spec_digest=spec.digest, generated_at=now(), kind=Kind.WRITTEN)
    publish(result, out, ExportSettings(options.canvas_column, options.hidden.value, str(spec.path.resolve())),
            {q.id: q for q in spec.questions})
    return BatchRun(result=result, graded=len(entries), stored=0, failed=0, out=out)
