"""One gradebook row per student, built one way for a batch and a regrade: the hand-in's result and where its
reports go, or why there is none."""
from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from pathlib import Path
from typing import Iterable

from grader.results import ClassEntry, EntryStatus, Student, SubmissionResult

INSTRUCTOR_REPORT = "instructor.html"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "student"


def report_folders(student_ids: Iterable[str]) -> dict[str, str]:
    """student id → its report folder under the output folder (unique, safe as a path)."""
    folders: dict[str, str] = {}
    for student_id in student_ids:
        slug = _slug(student_id)
        if slug in folders.values():
            slug += "-" + hashlib.sha256(student_id.encode()).hexdigest()[:8]
        folders[student_id] = f"students/{slug}"
    return folders


def class_entry(student: Student, source: str, handin: Path, result: SubmissionResult | None, content: str,
                folder: str, failure: str = "") -> ClassEntry:
    """One gradebook row: the hand-in's result (its reports under `folder`), or why it has none (`failure`, or an
    interrupted batch)."""
    if result is None:
        return ClassEntry(student=student, status=EntryStatus.PENDING, source=source,
                          message=failure or "not graded yet (the batch was interrupted); run it again",
                          content_hash=content, handin=str(handin.resolve()))
    result = replace(result, submission=source)
    status = EntryStatus.LOAD_ERROR if result.load_error else EntryStatus.GRADED
    return ClassEntry(student=student, status=status, result=result, source=source,
                      message=result.load_error.splitlines()[0] if result.load_error else "",
                      report=f"{folder}/{INSTRUCTOR_REPORT}", content_hash=content, handin=str(handin.resolve()))
