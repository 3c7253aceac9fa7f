"""The course's state: one SQLite database (WAL) beside the course, and the hand-ins' bytes on disk by content.

Nothing is overwritten: every hand-in is a row (student, assignment, when, file name, size, digest, lateness,
status) and its bytes a file named by their SHA-256, written and synced before the row is committed, so a hand-in
the server accepted survives a `kill -9`. Results are stored by content and grading key (grader.classroom.store,
in the same database), so identical hand-ins are graded once and a hand-in caught mid-grading is graded again on
restart without being counted twice. Every query a student's request makes names that student.

This is the storage interface of the course server: a server database (PostgreSQL) would replace this module
and the blob folder with an object store, and nothing else.
"""
from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from grader.classroom.store import Store
from grader.results import SubmissionResult

DATABASE = "course.sqlite"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS students (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, token_hash TEXT UNIQUE, turn INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS sessions (
    id_hash TEXT PRIMARY KEY, student TEXT NOT NULL, csrf TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS handins (
    id INTEGER PRIMARY KEY AUTOINCREMENT, student TEXT NOT NULL, assignment TEXT NOT NULL,
    received_at TEXT NOT NULL, filename TEXT NOT NULL, size INTEGER NOT NULL, digest TEXT NOT NULL,
    late_days INTEGER NOT NULL, penalty REAL NOT NULL, first INTEGER NOT NULL, status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0, grading_key TEXT NOT NULL DEFAULT '', started_at TEXT NOT NULL DEFAULT '',
    finished_at TEXT NOT NULL DEFAULT '', message TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS handins_by_student ON handins (student, assignment, received_at);
CREATE INDEX IF NOT EXISTS handins_by_status ON handins (status, first, id);
CREATE TABLE IF NOT EXISTS extensions (
    student TEXT NOT NULL, assignment TEXT NOT NULL, due TEXT NOT NULL, lock TEXT NOT NULL, reason TEXT NOT NULL,
    PRIMARY KEY (student, assignment));
CREATE TABLE IF NOT EXISTS course_audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, who TEXT NOT NULL, action TEXT NOT NULL,
    target TEXT NOT NULL, detail TEXT NOT NULL);
"""


class State(str, Enum):
    """Where a hand-in is."""

    QUEUED = "queued"
    GRADING = "grading"
    GRADED = "graded"
    FAILED = "failed"  # the grader itself failed on it (the staff regrade it)


@dataclass(frozen=True)
class Handin:
    id: int
    student: str
    assignment: str
    received_at: str
    filename: str
    size: int
    digest: str
    late_days: int
    penalty: float
    first: bool
    status: State
    attempts: int
    grading_key: str
    started_at: str
    finished_at: str
    message: str


@dataclass(frozen=True)
class Extension:
    due: str
    lock: str
    reason: str


def _handin(row: tuple[Any, ...]) -> Handin:
    values = list(row)
    values[9], values[10] = bool(values[9]), State(values[10])
    return Handin(*values)


class CourseStore:
    """The course's database and hand-in files; safe to use from several threads."""

    def __init__(self, state: Path) -> None:
        state.mkdir(parents=True, exist_ok=True)
        self.state, self.blobs = state, state / "blobs"
        self.results = Store(state / DATABASE)
        self._db = sqlite3.connect(state / DATABASE, check_same_thread=False, isolation_level=None, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()

    def close(self) -> None:
        self._db.close()
        self.results.close()

    def _rows(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def _write(self, sql: str, args: tuple[Any, ...] = ()) -> int:
        """One statement in its own transaction; the rows it changed."""
        with self._lock:
            return self._db.execute(sql, args).rowcount

    def _transaction(self) -> "_Transaction":
        return _Transaction(self._db, self._lock)

    # ------------------------------------------------------------------------------------ students

    def sync_roster(self, students: list[tuple[str, str]]) -> None:
        """Add the roster's students (id, name) not known yet and update names; nobody is removed."""
        with self._transaction() as db:
            for student, name in students:
                db.execute("INSERT INTO students (id, name) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET name = "
                           "excluded.name", (student, name))

    def set_token(self, student: str, token_hash: str) -> None:
        self._write("UPDATE students SET token_hash = ? WHERE id = ?", (token_hash, student))

    def tokens(self) -> dict[str, str | None]:
        """student id → its token's hash (None when it has no link yet)."""
        return dict(self._rows("SELECT id, token_hash FROM students"))

    def student_by_token(self, token_hash: str) -> str | None:
        rows = self._rows("SELECT id FROM students WHERE token_hash = ?", (token_hash,))
        return rows[0][0] if rows else None

    def new_session(self, id_hash: str, student: str, csrf: str, at: str) -> None:
        self._write("INSERT INTO sessions VALUES (?, ?, ?, ?)", (id_hash, student, csrf, at))

    def session(self, id_hash: str) -> tuple[str, str] | None:
        """(student, csrf token) of a session."""
        rows = self._rows("SELECT student, csrf FROM sessions WHERE id_hash = ?", (id_hash,))
        return rows[0] if rows else None

    def end_sessions(self, student: str) -> None:
        """A rotated link logs its student out everywhere."""
        self._write("DELETE FROM sessions WHERE student = ?", (student,))

    # ------------------------------------------------------------------------------------ hand-ins

    def put_blob(self, data: bytes) -> str:
        """Store `data` under its SHA-256 (written, synced, renamed into place, the folder synced); its digest."""
        digest = hashlib.sha256(data).hexdigest()
        path = self.blob(digest)
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{digest}.{os.getpid()}.{threading.get_ident()}.tmp")
            with open(tmp, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
            folder = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)
        return digest

    def blob(self, digest: str) -> Path:
        return self.blobs / digest[:2] / digest

    def add_handin(self, student: str, assignment: str, received_at: str, filename: str, size: int, digest: str,
                   late_days: int, penalty: float, *, per_hour: tuple[int, str] | None = None) -> int | None:
        """Record an accepted hand-in (its bytes already stored): its id, committed before returning; None when
        `per_hour` = (limit, an hour ago) and the student already made `limit` hand-ins of it since."""
        with self._transaction() as db:
            if per_hour is not None and db.execute(
                    "SELECT COUNT(*) FROM handins WHERE student = ? AND assignment = ? AND received_at >= ?",
                    (student, assignment, per_hour[1])).fetchone()[0] >= per_hour[0]:
                return None
            first = not db.execute("SELECT 1 FROM handins WHERE student = ? AND assignment = ?",
                                   (student, assignment)).fetchone()
            cursor = db.execute(
                "INSERT INTO handins (student, assignment, received_at, filename, size, digest, late_days, penalty, "
                "first, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (student, assignment, received_at, filename, size, digest, late_days, penalty, int(first),
                 State.QUEUED.value))
            return cursor.lastrowid

    def handin_file(self, handin: Handin) -> Path:
        """The hand-in as a file with its own name (`handins/<id>/<name>`, a link to its bytes), made on demand."""
        path = self.state / "handins" / str(handin.id) / handin.filename
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(self.blob(handin.digest), path)
            except FileExistsError:
                pass
        return path

    _COLUMNS = ("id, student, assignment, received_at, filename, size, digest, late_days, penalty, first, status, "
                "attempts, grading_key, started_at, finished_at, message")

    def handins_of(self, student: str, assignment: str | None = None) -> list[Handin]:
        """A student's hand-ins (of one assignment, or all), newest first."""
        where, args = ("student = ?", (student,)) if assignment is None else \
            ("student = ? AND assignment = ?", (student, assignment))
        return [_handin(r) for r in self._rows(f"SELECT {self._COLUMNS} FROM handins WHERE {where} "
                                               "ORDER BY received_at DESC, id DESC", args)]

    def handin_of(self, student: str, handin_id: int) -> Handin | None:
        """A hand-in, only when it is `student`'s."""
        rows = self._rows(f"SELECT {self._COLUMNS} FROM handins WHERE id = ? AND student = ?", (handin_id, student))
        return _handin(rows[0]) if rows else None

    def handins(self, assignment: str) -> list[Handin]:
        """Every hand-in of an assignment (staff), oldest first."""
        return [_handin(r) for r in self._rows(f"SELECT {self._COLUMNS} FROM handins WHERE assignment = ? "
                                               "ORDER BY received_at, id", (assignment,))]

    def recent(self, student: str, assignment: str, since: str) -> list[str]:
        """When `student` handed in `assignment` since `since` (oldest first)."""
        return [r[0] for r in self._rows("SELECT received_at FROM handins WHERE student = ? AND assignment = ? AND "
                                         "received_at >= ? ORDER BY received_at", (student, assignment, since))]

    def counts(self) -> dict[str, dict[str, int]]:
        """assignment → status → hand-ins."""
        found: dict[str, dict[str, int]] = {}
        for assignment, status, n in self._rows("SELECT assignment, status, COUNT(*) FROM handins "
                                                "GROUP BY assignment, status"):
            found.setdefault(assignment, {})[status] = n
        return found

    # ------------------------------------------------------------------------------------ the queue

    def requeue_interrupted(self) -> int:
        """Hand-ins a stopped server was grading go back to the queue; how many."""
        return self._write("UPDATE handins SET status = ?, started_at = '' WHERE status = ?",
                           (State.QUEUED.value, State.GRADING.value))

    def claim(self, at: str) -> Handin | None:
        """The next hand-in to grade, marked as grading: never a second one of a student being graded, nor one
        whose content is being graded; first hand-ins of an assignment before resubmissions; then the student
        served longest ago (round robin); then the oldest."""
        with self._transaction() as db:
            row = db.execute(
                f"SELECT {', '.join('h.' + c for c in self._COLUMNS.split(', '))} FROM handins h "
                "JOIN students s ON s.id = h.student WHERE h.status = ? AND NOT EXISTS (SELECT 1 FROM handins g "
                "WHERE g.status = ? AND (g.student = h.student OR (g.digest = h.digest AND g.assignment = "
                "h.assignment))) ORDER BY h.first DESC, s.turn, h.id LIMIT 1",
                (State.QUEUED.value, State.GRADING.value)).fetchone()
            if row is None:
                return None
            handin = _handin(row)
            turn = db.execute("SELECT COALESCE(MAX(turn), 0) + 1 FROM students").fetchone()[0]
            db.execute("UPDATE students SET turn = ? WHERE id = ?", (turn, handin.student))
            db.execute("UPDATE handins SET status = ?, started_at = ?, attempts = attempts + 1 WHERE id = ?",
                       (State.GRADING.value, at, handin.id))
        return handin

    def finish(self, handin: Handin, key: str, result: SubmissionResult | None, at: str, message: str = "") -> None:
        """Store the result (by content and key; None when it was already stored) and mark the hand-in graded,
        or failed when `result` is None and a message says why."""
        if result is not None:
            self.results.put(handin.digest, key, result)
        state = State.FAILED if result is None and message else State.GRADED
        self._write("UPDATE handins SET status = ?, grading_key = ?, finished_at = ?, message = ? WHERE id = ? "
                    "AND status = ?", (state.value, key, at, message, handin.id, State.GRADING.value))

    def result(self, handin: Handin, key: str | None = None) -> SubmissionResult | None:
        return self.results.get(handin.digest, key or handin.grading_key)

    def queue_ahead(self, handin: Handin) -> int:
        """Queued hand-ins that the queue's order puts before this one (0: next)."""
        return self._rows("SELECT COUNT(*) FROM handins h JOIN students s ON s.id = h.student, students me "
                          "WHERE me.id = ? AND h.status = ? AND h.id != ? AND (h.first > ? OR (h.first = ? AND "
                          "(s.turn < me.turn OR (s.turn = me.turn AND h.id < ?))))",
                          (handin.student, State.QUEUED.value, handin.id, int(handin.first), int(handin.first),
                           handin.id))[0][0]

    def reset(self, handin_ids: list[int]) -> None:
        """Queue hand-ins again (a failed one, or a regrade the staff asked for)."""
        with self._transaction() as db:
            for handin_id in handin_ids:
                db.execute("UPDATE handins SET status = ?, message = '' WHERE id = ? AND status != ?",
                           (State.QUEUED.value, handin_id, State.GRADING.value))

    def mean_seconds(self, last: int = 50) -> float:
        """Mean grading time of the last graded hand-ins (wall clock)."""
        rows = self._rows("SELECT AVG((julianday(finished_at) - julianday(started_at)) * 86400) FROM (SELECT "
                          "finished_at, started_at FROM handins WHERE status = ? AND started_at != '' ORDER BY id "
                          "DESC LIMIT ?)", (State.GRADED.value, last))
        return float(rows[0][0] or 0.0)

    # ------------------------------------------------------------------------------------ extensions, audit

    def extensions(self) -> dict[tuple[str, str], Extension]:
        return {(s, a): Extension(d, lk, r) for s, a, d, lk, r in self._rows("SELECT * FROM extensions")}

    def extend(self, student: str, assignment: str, extension: Extension | None, *, who: str, at: str) -> None:
        """Set (or with None remove) a student's own due and lock for an assignment, with an audit row."""
        with self._transaction() as db:
            if extension is None:
                db.execute("DELETE FROM extensions WHERE student = ? AND assignment = ?", (student, assignment))
            else:
                db.execute("INSERT OR REPLACE INTO extensions VALUES (?, ?, ?, ?, ?)",
                           (student, assignment, extension.due, extension.lock, extension.reason))
            detail = "removed" if extension is None else \
                f"due {extension.due}, lock {extension.lock}: {extension.reason}"
            db.execute("INSERT INTO course_audit (at, who, action, target, detail) VALUES (?, ?, ?, ?, ?)",
                       (at, who, "extension", f"{student} / {assignment}", detail))

    def set_lateness(self, lateness: dict[int, tuple[int, float]]) -> None:
        """hand-in id → (late days, penalty): after an extension, its student's hand-ins are late against it."""
        with self._transaction() as db:
            for handin_id, (days, penalty) in lateness.items():
                db.execute("UPDATE handins SET late_days = ?, penalty = ? WHERE id = ?", (days, penalty, handin_id))

    def audit(self) -> list[tuple[str, str, str, str, str]]:
        return self._rows("SELECT at, who, action, target, detail FROM course_audit ORDER BY id DESC")


class _Transaction:
    """`with store._transaction() as db:` — BEGIN IMMEDIATE … COMMIT, rolled back on any exception."""

    def __init__(self, db: sqlite3.Connection, lock: threading.Lock) -> None:
        self.db, self.lock = db, lock

    def __enter__(self) -> sqlite3.Connection:
        self.lock.acquire()
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, kind: type | None, *_: Any) -> None:
        try:
            self.db.execute("COMMIT" if kind is None else "ROLLBACK")
        finally:
            self.lock.release()

