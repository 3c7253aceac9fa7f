"""A class as CSV: the instructor's gradebook, and a file that Canvas's gradebook import accepts.

Both are written atomically (a temporary file in the same folder, then `os.replace`), so a reader never sees
half a file. Cells that a spreadsheet would run as a formula (text starting with = + - @, a tab or a carriage
return) get a leading apostrophe: names and messages come from students.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Iterable, Sequence

from grader.files import write_atomic
from grader.report import _format
from grader.results import ClassEntry, ClassResult, Status

Cell = str | float
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
CANVAS_POINTS_ROW = "    Points Possible"
"""The first cell of the row under the header, spelled as Canvas's own export spells it."""


def ordered(entries: Iterable[ClassEntry]) -> list[ClassEntry]:
    """Entries sorted by student name (case-insensitive), then id."""
    return sorted(entries, key=lambda e: (e.student.name.casefold(), e.student.id))


def one_line(text: str, limit: int = 200) -> str:
    """The first non-blank line of `text`, cut to `limit` characters."""
    line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def entry_message(entry: ClassEntry) -> str:
    """One line on why an entry has no (or a zero) score: the batch's message, else the load error."""
    return one_line(entry.message or (entry.result.load_error if entry.result else ""))


def check_header(check_id: str, name: str, points: float, hidden: bool) -> str:
    """Column title of a check, e.g. 'Output shape (output_shape, 2 pts)'."""
    where = f"{check_id}, " if name != check_id else ""
    unit = "pt" if points == 1 else "pts"
    return f"{name} ({where}{_format.fmt_points(points)} {unit}{', hidden' if hidden else ''})"


def max_points(result: ClassResult) -> float:
    """Points possible for the assignment: every check of the spec."""
    return round(sum(points for _, _, points, _ in result.checks), 4)


def write_gradebook(result: ClassResult, path: Path) -> Path:
    """gradebook.csv: one row per student (every entry, graded or not), one column per check (hidden ones too).

    Cells of a student without a result are empty; so is a check that did not count (skipped, or not run).
    """
    header = ["student_id", "name", "sis_id", "section", "status",
              *(check_header(*c) for c in result.checks),
              "total", "max", "percent", "seconds", "late", "message", "source", "report"]
    rows: list[list[Cell]] = [header]
    for entry in ordered(result.entries):
        s, r = entry.student, entry.result
        if r is None:
            scores: list[Cell] = [""] * (len(result.checks) + 5)
        else:
            counted = {c.check_id: c.points for c in r.checks if c.status not in (Status.SKIPPED, Status.UNGRADED)}
            scores = [counted.get(check_id, "") for check_id, *_ in result.checks]
            scores += [r.score, r.max_score, round(r.fraction * 100, 1), round(r.seconds, 2),
                       r.late.describe() if r.late else ""]
        rows.append([s.id, s.name, s.sis_id, s.section, entry.status.value, *scores,
                     entry_message(entry), entry.source, entry.report])
    return _write_csv(path, rows)


def write_canvas_grades(result: ClassResult, path: Path, *, column: str) -> Path:
    """A CSV for Canvas's gradebook import: the five student columns, then one assignment column `column`
    (e.g. 'CIFAR SimpleCNN', or 'CIFAR SimpleCNN (12345)' to name an existing assignment by its Canvas id).

    Canvas matches rows on ID, SIS User ID or SIS Login ID, never on the name, so every row is written with
    the ids the roster gave. A student without a result gets an empty cell, which Canvas leaves ungraded;
    a submission that could not be loaded scores 0.
    """
    rows: list[list[Cell]] = [[*CANVAS_COLUMNS, column],
                              [CANVAS_POINTS_ROW, "", "", "", "", max_points(result)]]
    for entry in ordered(result.entries):
        s = entry.student
        score: Cell = entry.result.score if entry.result is not None else ""
        rows.append([s.name, s.id, s.sis_id, s.login, s.section, score])
    return _write_csv(path, rows)


def _cell(value: Cell) -> str:
    if isinstance(value, (int, float)):
        return _format.fmt_points(value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _write_csv(path: Path, rows: Sequence[Sequence[Cell]]) -> Path:
    buf = io.StringIO()
    csv.writer(buf).writerows([_cell(v) for v in row] for row in rows)
    return write_atomic(path, buf.getvalue())
