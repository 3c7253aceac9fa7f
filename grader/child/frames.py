"""Where in the student's own code an exception happened, in the words a student reads: the file (its path in the
hand-in) or the notebook cell (its number counting every cell from the top, Markdown cells included, and its first
line), the line, and the last frames of the student's code (never the grader's, PyTorch's or Python's)."""
from __future__ import annotations

import linecache
import os
import traceback
from dataclasses import dataclass, field
from typing import Any

from grader.results import message_line

_exact_type = type  # captured before any student code runs
SHOWN_FRAMES = 5
"""Frames of the student's code shown, the innermost last."""


@dataclass(frozen=True)
class StudentCode:
    """Which compiled file names are the student's code, and how a student names each."""

    folder: str = ""
    """The hand-in's folder as the child sees it: every file under it is the student's."""
    cells: dict[str, tuple[int, str]] = field(default_factory=dict)
    """A notebook's cells: compiled file name → (cell number, the cell's first line)."""

    def place(self, filename: str) -> str:
        """'solution.py', 'models/net.py' or 'cell 5 (`def evaluate(model, loader):`)'; '' when the file is not the
        student's."""
        if filename in self.cells:
            number, first = self.cells[filename]
            return f"cell {number} (`{first}`)"
        folder = self.folder.rstrip("/")
        if folder and filename.startswith(folder + "/"):
            return os.path.relpath(filename, folder)
        return ""


def notebook_cells(cells: list[tuple[int, str]], code_name: Any) -> dict[str, tuple[int, str]]:
    """StudentCode.cells of a notebook's (number, source) cells: each under the name its kernel compiles it as
    (`code_name(source)`) and the name a salvaged definition is compiled as (grader.child.kernel)."""
    from grader.submission.notebook import first_line

    found = {}
    for number, source in cells:
        found[code_name(source)] = found[f"<cell {number}>"] = (number, first_line(source))
    return found


def _own(exc: BaseException, code: StudentCode) -> list[tuple[str, traceback.FrameSummary]]:
    """(place, frame) of each frame of the student's code in the exception's traceback, outermost first."""
    frames = traceback.extract_tb(exc.__traceback__)
    return [(place, frame) for frame in frames if (place := code.place(frame.filename))]


def _line(frame: traceback.FrameSummary) -> str:
    return (frame.line or linecache.getline(frame.filename, frame.lineno or 0)).strip()


def describe_exception(exc: BaseException, code: StudentCode) -> str:
    """'IndexError: message (line 23 of solution.py: `x = x.view(...)`)': the exception and the student's own frame
    closest to it."""
    own = _own(exc, code)
    where = ""
    if own:
        place, frame = own[-1]
        line = _line(frame)
        where = f" (line {frame.lineno} of {place}" + (f": `{line}`)" if line else ")")
    message = message_line(str(exc))
    name = _exact_type(exc).__name__
    return f"{name}: {message}{where}" if message else f"{name}{where}"


def own_frames(exc: BaseException, code: StudentCode) -> str:
    """The last frames of the student's code that led to the exception, innermost last ('' when none ran): a
    heading, then `  solution.py, line 37, in count_correct` and the line's source under each."""
    own = _own(exc, code)
    if not own:
        return ""
    hidden = len(own) - SHOWN_FRAMES
    lines = [f"your code only, innermost last{f' ({hidden} earlier calls not shown)' if hidden > 0 else ''}:"]
    for place, frame in own[-SHOWN_FRAMES:]:
        lines.append(f"  {place}, line {frame.lineno}, in {frame.name}")
        if _line(frame):
            lines.append(f"    {_line(frame)}")
    return "\n".join(lines)


def student_traceback(exc: BaseException, code: StudentCode) -> str:
    """The traceback from the first frame of the student's code on (the grader's frames before it dropped), for
    the grader's diagnoses."""
    frames = traceback.extract_tb(exc.__traceback__)
    start = next((i for i, f in enumerate(frames) if code.place(f.filename)), len(frames))
    lines = traceback.format_list(frames[start:]) + traceback.format_exception_only(_exact_type(exc), exc)
    return "".join(lines)
