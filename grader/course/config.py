"""A course folder's `course.toml`, validated as every hand-written file is (grader.spec.table: the file, the
table, the key and its line in every message): the course's name, roster and time zone, and for each assignment
when it opens, is due and locks, the late penalty, how often a student may hand in, and which hand-in counts."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from grader.classroom.discover import RosterError, read_roster
from grader.policy import HiddenPolicy
from grader.results import Student
from grader.spec import SpecError
from grader.spec.catalog import Spec, assignment_path, load_any
from grader.spec.table import NUMBER, Table, read_toml

COURSE_FILE = "course.toml"
_TOP_KEYS = {"name", "roster", "timezone", "assignment", "max_upload_mb", "hidden"}
_ASSIGNMENT_KEYS = {"name", "opens", "due", "lock", "late_penalty_per_day", "max_submissions_per_hour", "counts"}
DEFAULT_UPLOAD_MB = 10.0


class Counts(str, Enum):
    """Which of a student's hand-ins is their grade."""

    LAST = "last"
    BEST = "best"


@dataclass(frozen=True)
class Window:
    """When hand-ins are taken: from `opens`, on time until `due`, late until `lock` (all aware datetimes)."""

    opens: dt.datetime
    due: dt.datetime
    lock: dt.datetime


@dataclass(frozen=True)
class CourseAssignment:
    name: str
    spec: Spec
    window: Window
    late_penalty_per_day: float
    """Fraction of the score taken off per started day after `due`."""
    max_per_hour: int
    """Hand-ins a student may make of this assignment in any hour."""
    counts: Counts


@dataclass(frozen=True)
class Course:
    folder: Path
    name: str
    timezone: ZoneInfo
    roster: tuple[Student, ...]
    assignments: tuple[CourseAssignment, ...]
    max_upload_bytes: int
    hidden: HiddenPolicy
    """What students see of hidden checks before the release (after it: everything)."""

    def assignment(self, name: str) -> CourseAssignment | None:
        return next((a for a in self.assignments if a.name == name), None)

    def student(self, student_id: str) -> Student | None:
        return next((s for s in self.roster if s.id == student_id), None)


def _moment(table: Table, key: str, zone: ZoneInfo) -> dt.datetime:
    """A TOML date-time (local times are in the course's time zone)."""
    value = table.require(key, dt.datetime)
    return value.replace(tzinfo=zone) if value.tzinfo is None else value


def _assignment(table: Table, zone: ZoneInfo, folder: Path) -> CourseAssignment:
    table.only(_ASSIGNMENT_KEYS)
    name = table.require("name", str)
    table = Table(table.path, f"{table.where} ({name})", table.values, table.name, table.source, table.span)
    try:
        spec = load_any(assignment_path(str(folder / name) if (folder / name).exists() else name))
    except SpecError as exc:
        raise table.error(f"{exc}", "name") from None
    window = Window(_moment(table, "opens", zone), _moment(table, "due", zone), _moment(table, "lock", zone))
    if not window.opens < window.due <= window.lock:
        raise table.error("the times must come in the order opens < due <= lock", "due")
    penalty = float(table.get("late_penalty_per_day", NUMBER, 0.0))
    if not 0 <= penalty <= 1:
        raise table.error(f"key 'late_penalty_per_day' must be a fraction within 0..1, found {penalty!r}",
                          "late_penalty_per_day")
    per_hour = table.get("max_submissions_per_hour", int, 6)
    if per_hour < 1:
        raise table.error(f"key 'max_submissions_per_hour' must be at least 1, found {per_hour!r}",
                          "max_submissions_per_hour")
    counts = table.get("counts", str, Counts.LAST.value)
    if counts not in {c.value for c in Counts}:
        raise table.error(f"key 'counts' must be last or best, not {counts!r}", "counts")
    return CourseAssignment(spec.name, spec, window, penalty, per_hour, Counts(counts))


def load_course(folder: Path) -> Course:
    """The course in `folder` (its course.toml and roster); SpecError names the file, the key and the line."""
    top = read_toml(folder / COURSE_FILE)
    top.only(_TOP_KEYS)
    try:
        zone = ZoneInfo(top.require("timezone", str))
    except (ZoneInfoNotFoundError, ValueError):
        raise top.error(f"key 'timezone' must be a time zone such as Europe/Berlin, not "
                        f"{top.values['timezone']!r}", "timezone") from None
    roster_path = folder / top.require("roster", str)
    try:
        roster = tuple(read_roster(roster_path))
    except RosterError as exc:
        raise top.error(f"the roster cannot be used: {exc}", "roster") from None
    if not roster:
        raise top.error(f"the roster {roster_path} lists no student", "roster")
    assignments = tuple(_assignment(t, zone, folder) for t in top.tables("assignment", lambda i, raw: f"assignment "
                                                                                                       f"#{i + 1}"))
    if len({a.name for a in assignments}) != len(assignments):
        raise top.error("each assignment may be listed once", "assignment")
    hidden = top.get("hidden", str, HiddenPolicy.NAMES.value)
    if hidden not in HiddenPolicy.student_choices():
        raise top.error(f"key 'hidden' must be names or hide, not {hidden!r}", "hidden")
    upload_mb = top.get("max_upload_mb", NUMBER, DEFAULT_UPLOAD_MB)
    if not 0 < upload_mb <= 1024:
        raise top.error(f"key 'max_upload_mb' must be within 0..1024, found {upload_mb!r}", "max_upload_mb")
    return Course(folder, top.require("name", str), zone, roster, assignments, int(upload_mb * (1 << 20)),
                  HiddenPolicy(hidden))
