"""The instructor's own grading, kept in the batch's SQLite database beside the autograded results: rubric marks
and a comment per written answer, overrides of autograded checks (with a required reason), rubric items as
edited, the release, and an audit row for every change (who, when, old value, new value, reason).

Every change is one transaction that writes the change and its audit row together, so a server killed at any
moment leaves either both or neither. A change made from a page loaded before someone else's change to the same
answer is refused (`StaleEdit`) instead of silently overwriting it. `with_manual` applies them to a result.
"""
from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from grader.results import CheckResult, ClassResult, Status, SubmissionResult, now
from grader.spec import Question

_SCHEMA = """
CREATE TABLE IF NOT EXISTS marks (
    student TEXT NOT NULL, question TEXT NOT NULL, items TEXT NOT NULL, comment TEXT NOT NULL,
    version INTEGER NOT NULL, PRIMARY KEY (student, question));
CREATE TABLE IF NOT EXISTS overrides (
    student TEXT NOT NULL, check_id TEXT NOT NULL, points REAL NOT NULL, reason TEXT NOT NULL,
    PRIMARY KEY (student, check_id));
CREATE TABLE IF NOT EXISTS rubric_edits (
    question TEXT NOT NULL, item TEXT NOT NULL, points REAL NOT NULL, description TEXT NOT NULL,
    PRIMARY KEY (question, item));
CREATE TABLE IF NOT EXISTS releases (at TEXT NOT NULL, who TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, who TEXT NOT NULL, action TEXT NOT NULL,
    target TEXT NOT NULL, old TEXT NOT NULL, new TEXT NOT NULL, reason TEXT NOT NULL);
"""


class StaleEdit(Exception):
    """The answer changed since the page that sent this edit was loaded."""


@dataclass(frozen=True)
class Mark:
    """The rubric items applied to one answer, and the grader's comment."""

    items: tuple[str, ...]
    comment: str
    version: int
    """Counts the saves of this answer's mark (1 after the first), for `StaleEdit`."""


@dataclass(frozen=True)
class Override:
    points: float
    reason: str


@dataclass(frozen=True)
class AuditRow:
    at: str
    who: str
    action: str
    target: str
    old: str
    new: str
    reason: str


class ManualGrades:
    """The manual-grading tables of one batch database (grades.sqlite), safe to use from several threads."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()

    def close(self) -> None:
        self._db.close()

    def _change(self, statements: list[tuple[str, tuple[Any, ...]]], audit: AuditRow, *,
                stale: str = "") -> None:
        """Run `statements` and write `audit` in one transaction; with `stale`, a statement that changes no row
        means someone else saved first: StaleEdit(stale), and nothing is written."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for sql, args in statements:
                    if self._db.execute(sql, args).rowcount == 0 and stale:
                        raise StaleEdit(stale)
                self._db.execute("INSERT INTO audit (at, who, action, target, old, new, reason) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?)", tuple(audit.__dict__.values()))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def _rows(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # ------------------------------------------------------------------------------ rubric marks

    def marks(self) -> dict[tuple[str, str], Mark]:
        """(student, question) → its mark."""
        return {(s, q): Mark(tuple(json.loads(items)), comment, version)
                for s, q, items, comment, version in self._rows("SELECT * FROM marks")}

    def mark(self, student: str, question: str, items: list[str], comment: str, *, who: str,
             seen_version: int) -> Mark:
        """Save the rubric items and comment of one answer; `seen_version` is the version the editing page showed
        (0 for an answer not graded yet). Raises StaleEdit when it is not the stored one."""
        old = self.marks().get((student, question))
        stale = f"{student}'s answer to {question} was graded again since this page was loaded"
        if (old.version if old else 0) != seen_version:
            raise StaleEdit(stale)
        new = Mark(tuple(items), comment, seen_version + 1)
        # the version is checked again inside the transaction: a second server on the same database may have saved
        self._change([("INSERT INTO marks VALUES (?, ?, ?, ?, ?) ON CONFLICT (student, question) DO UPDATE SET "
                       "items = excluded.items, comment = excluded.comment, version = excluded.version "
                       "WHERE marks.version = ?",
                       (student, question, json.dumps(list(new.items)), new.comment, new.version, seen_version))],
                     AuditRow(now(), who, "rubric", f"{student} / {question}",
                              _describe_mark(old), _describe_mark(new), ""), stale=stale)
        return new

    # ------------------------------------------------------------------------------ overrides

    def overrides(self) -> dict[tuple[str, str], Override]:
        return {(s, c): Override(points, reason) for s, c, points, reason in self._rows("SELECT * FROM overrides")}

    def override(self, student: str, check_id: str, points: float | None, reason: str, *, who: str,
                 autograded: float) -> None:
        """Set a check's points for one student (None: back to the autograder's `autograded` points); the reason
        is required either way."""
        if not reason.strip():
            raise ValueError("a reason is required to change an autograded score")
        old = self.overrides().get((student, check_id))
        statement = ("DELETE FROM overrides WHERE student = ? AND check_id = ?", (student, check_id)) \
            if points is None else ("INSERT OR REPLACE INTO overrides VALUES (?, ?, ?, ?)",
                                    (student, check_id, points, reason.strip()))
        self._change([statement], AuditRow(now(), who, "override", f"{student} / {check_id}",
                                           f"{old.points:g}" if old else f"{autograded:g} (autograded)",
                                           f"{points:g}" if points is not None else f"{autograded:g} (autograded)",
                                           reason.strip()))

    # ------------------------------------------------------------------------------ rubric items

    def rubric_edits(self) -> dict[tuple[str, str], tuple[float, str]]:
        """(question, item) → (points, description) as edited (overrides the spec's)."""
        return {(q, i): (p, d) for q, i, p, d in self._rows("SELECT * FROM rubric_edits")}

    def edit_item(self, question: str, item: str, points: float, description: str, *, who: str,
                  old: tuple[float, str]) -> None:
        """Change one rubric item; every answer marked with it counts the new points."""
        self._change([("INSERT OR REPLACE INTO rubric_edits VALUES (?, ?, ?, ?)",
                       (question, item, points, description))],
                     AuditRow(now(), who, "rubric item", f"{question} / {item}", f"{old[0]:+g}: {old[1]}",
                              f"{points:+g}: {description}", ""))

    # ------------------------------------------------------------------------------ release, audit

    def released_at(self) -> str:
        """When the grades were last released to the students ('' if never)."""
        rows = self._rows("SELECT at FROM releases ORDER BY rowid DESC LIMIT 1")
        return rows[0][0] if rows else ""

    def release(self, *, who: str) -> str:
        at = now()
        self._change([("INSERT INTO releases VALUES (?, ?)", (at, who))],
                     AuditRow(at, who, "release", "the class", self.released_at() or "never released",
                              f"released at {at}", ""))
        return at

    def record(self, action: str, target: str, old: str, new: str, *, who: str) -> None:
        """An audit row for a change made elsewhere (e.g. a regrade, whose result goes to the results table)."""
        self._change([], AuditRow(now(), who, action, target, old, new, ""))

    def audit(self) -> list[AuditRow]:
        """Every change, newest first."""
        return [AuditRow(*row) for row in self._rows("SELECT at, who, action, target, old, new, reason FROM audit "
                                                     "ORDER BY id DESC")]


def _describe_mark(mark: Mark | None) -> str:
    if mark is None:
        return "ungraded"
    return json.dumps({"items": list(mark.items), "comment": mark.comment})


# ------------------------------------------------------------------------------ applying them

@dataclass(frozen=True)
class ManualState:
    """Everything manual, read at one moment."""

    marks: dict[tuple[str, str], Mark]
    overrides: dict[tuple[str, str], Override]
    rubric_edits: dict[tuple[str, str], tuple[float, str]]
    released_at: str

    @classmethod
    def read(cls, grades: ManualGrades) -> "ManualState":
        return cls(grades.marks(), grades.overrides(), grades.rubric_edits(), grades.released_at())

    def item(self, question: Question, item_id: str) -> tuple[float, str]:
        """(points, description) of a rubric item, as edited."""
        spec_item = question.item(item_id)
        return self.rubric_edits.get((question.id, item_id), (spec_item.points, spec_item.description))

    def question_points(self, question: Question, mark: Mark) -> float:
        """The rubric items' points, within 0 and the question's points."""
        total = sum(self.item(question, i)[0] for i in mark.items if any(r.id == i for r in question.rubric))
        return round(min(question.points, max(0.0, total)), 4)


def _status(points: float, max_points: float) -> Status:
    return Status.earned(points / max_points if max_points else 1.0)


def _graded_answer(check: CheckResult, question: Question, mark: Mark, state: ManualState) -> CheckResult:
    points = state.question_points(question, mark)
    applied = [f"{state.item(question, i)[0]:+g} {state.item(question, i)[1]}" for i in mark.items
               if any(r.id == i for r in question.rubric)]
    found = "rubric: " + ("; ".join(applied) if applied else "no item applied")
    if mark.comment.strip():
        found += f". Comment: {mark.comment.strip()}"
    return replace(check, status=_status(points, check.max_points), points=points, found=found)


def _overridden(check: CheckResult, override: Override) -> CheckResult:
    return replace(check, status=_status(override.points, check.max_points), points=override.points,
                   found=f"{check.found} [points set to {override.points:g} of {check.max_points:g} by the instructor "
                         f"(was {check.points:g}): {override.reason}]")


def with_manual(result: SubmissionResult, student: str, questions: dict[str, Question],
                state: ManualState) -> SubmissionResult:
    """`result` with the rubric marks of its written answers and the overrides of its checks applied."""
    checks = []
    for check in result.checks:
        mark = state.marks.get((student, check.check_id))
        if check.check_id in questions and mark is not None and check.status is Status.UNGRADED:
            check = _graded_answer(check, questions[check.check_id], mark, state)
        if (override := state.overrides.get((student, check.check_id))) is not None:
            check = _overridden(check, override)
        checks.append(check)
    return replace(result, checks=tuple(checks))


def class_with_manual(result: ClassResult, questions: dict[str, Question], state: ManualState) -> ClassResult:
    entries = tuple(replace(e, result=with_manual(e.result, e.student.id, questions, state)) if e.result else e
                    for e in result.entries)
    return replace(result, entries=entries)
