"""Whether a hand-in is taken, decided before anything is stored: its file name and type, its content (a zip is
unpacked as the batch unpacks it, and one unsafe entry refuses it), the assignment's window with the student's
extension (not open yet, locked; late between due and lock, with its penalty), and how many hand-ins the student
made in the last hour. A refusal says what was wrong and, where waiting helps, when it is possible again."""
from __future__ import annotations

import datetime as dt
import re
import tempfile
import zipfile
from pathlib import Path

from grader.course.config import CourseAssignment, Window
from grader.course.store import CourseStore, Extension
from grader.policy import lateness
from grader.results import Kind, Lateness
from grader.submission.archive import extract_zip

SUFFIXES = {Kind.CODE: (".py", ".ipynb", ".zip"), Kind.WRITTEN: (".md", ".ipynb", ".zip")}
FILENAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._ -]{0,99}")
MAX_ZIP_ENTRIES = 200
MAX_ZIP_BYTES = 64 << 20
HOUR = dt.timedelta(hours=1)


class Refusal(Exception):
    """A hand-in not taken: an HTTP status, a message for the student, and when trying again can help."""

    def __init__(self, status: int, message: str, retry_at: dt.datetime | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.retry_at = status, message, retry_at


def stamp(moment: dt.datetime) -> str:
    """A stored time: UTC, ISO 8601, microseconds always written (so that stored times sort as text)."""
    return moment.astimezone(dt.timezone.utc).isoformat(timespec="microseconds")


def shown(moment: dt.datetime | str, zone: dt.tzinfo) -> str:
    """A time as students read it, in the course's time zone: 'Mon 14 Dec 2026, 23:59 CET'."""
    moment = dt.datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return moment.astimezone(zone).strftime("%a %d %b %Y, %H:%M %Z")


def checked_name(name: str, kind: Kind) -> str:
    """The file name as given, when it is a plain name of a kind of file the assignment takes; Refusal otherwise."""
    if not FILENAME.fullmatch(name) or ".." in name:
        raise Refusal(400, f"the file name {name[:80]!r} was refused: use letters, digits, spaces, '.', '_' and '-' "
                           "only (no folders, no '..', at most 100 characters), e.g. solution.py")
    if not name.lower().endswith(SUFFIXES[kind]):
        raise Refusal(400, f"{name} was refused: this assignment takes {', '.join(SUFFIXES[kind])} files")
    return name


def checked_content(name: str, data: bytes) -> None:
    """Refusal for an empty file, or a zip that is not one or holds anything the batch would refuse."""
    if not data:
        raise Refusal(400, f"{name} is empty: nothing was handed in")
    if not name.lower().endswith(".zip"):
        return
    with tempfile.TemporaryDirectory(prefix="cnn-grader-intake-") as tmp:
        archive = Path(tmp) / "handin.zip"
        archive.write_bytes(data)
        try:
            refused = extract_zip(archive, Path(tmp) / "x", max_bytes=MAX_ZIP_BYTES, max_entries=MAX_ZIP_ENTRIES)
        except zipfile.BadZipFile:
            raise Refusal(400, f"{name} is not a readable zip file") from None
    if refused:
        raise Refusal(400, f"{name} was refused: {'; '.join(r[:120] for r in refused[:3])}"
                           + (f" (and {len(refused) - 3} more)" if len(refused) > 3 else ""))


def window_of(assignment: CourseAssignment, extension: Extension | None) -> Window:
    """The assignment's window as it applies to one student (their extension's due and lock)."""
    if extension is None:
        return assignment.window
    return Window(assignment.window.opens, dt.datetime.fromisoformat(extension.due),
                  dt.datetime.fromisoformat(extension.lock))


def when_taken(assignment: CourseAssignment, window: Window, now: dt.datetime, zone: dt.tzinfo) -> Lateness | None:
    """How late a hand-in at `now` is (None: on time); Refusal before `opens` or after `lock`."""
    if now < window.opens:
        raise Refusal(403, f"{assignment.name} opens {shown(window.opens, zone)}: hand-ins are taken from then",
                      window.opens)
    if now > window.lock:
        raise Refusal(403, f"{assignment.name} locked {shown(window.lock, zone)}: no hand-in is taken any more "
                           "(ask the course staff if you have an extension)")
    return lateness(now, window.due, assignment.late_penalty_per_day, zone)


def left_this_hour(store: CourseStore, student: str, assignment: CourseAssignment,
                   now: dt.datetime) -> tuple[int, dt.datetime | None]:
    """(hand-ins the student may still make in this hour, when the next one frees up when none is left)."""
    recent = store.recent(student, assignment.name, stamp(now - HOUR))
    left = max(0, assignment.max_per_hour - len(recent))
    return left, dt.datetime.fromisoformat(recent[0]) + HOUR if recent and not left else None


def checked_rate(store: CourseStore, student: str, assignment: CourseAssignment, now: dt.datetime,
                 zone: dt.tzinfo) -> None:
    left, next_at = left_this_hour(store, student, assignment, now)
    if not left:
        raise Refusal(429, f"you handed in {assignment.name} {assignment.max_per_hour} times in the last hour, the "
                           f"most it takes: the next hand-in is possible from {shown(next_at, zone)}", next_at)
