"""What a hand-in printed, as the report shows it: in a traceback, each run of frames from Python's own or an
installed library's code is folded into one part (kept whole, to open), so that the student's own frames and every
line they printed are read first. Python's traceback layout (`  File "/x.py", line 3, in f`) and IPython's
(`File /x.py:3, in f(a)`, `Cell In[4], line 2`) are both read; a frame counts as the library's when its file lies
under a `lib/python3.N/` folder (the standard library, site-packages of any environment) or is frozen."""
from __future__ import annotations

import re
from dataclasses import dataclass

_FRAME = re.compile(r'^\s*File "(?P<quoted>[^"]+)", line \d+|^File (?P<bare>\S.*?):\d+(?:, in |$)')
"""The first line of a frame, in Python's layout or IPython's."""
_SOURCE = re.compile(r"^(?:\s|-*> ?\d)")
"""A later line of a frame: its source, indented, or IPython's numbered listing (`---> 63 with ...`)."""
_LIBRARY = re.compile(r"[/\\]lib[/\\]python3\.\d+[/\\](?:(?:site|dist)-packages[/\\])?(?P<module>[^/\\.]+)|"
                      r"^<frozen (?P<frozen>[^.>]+)")


@dataclass(frozen=True)
class Part:
    """Consecutive lines of what was printed: shown, or a folded run of library frames."""

    text: str
    libraries: tuple[str, ...] = ()
    """The libraries whose frames a folded part holds, sorted (() for a part shown)."""

    @property
    def summary(self) -> str:
        """'… 68 lines of library frames (http, socket, urllib) …'."""
        lines = self.text.count("\n") + (not self.text.endswith("\n"))
        return f"… {lines} line{'s' if lines != 1 else ''} of library frames ({', '.join(self.libraries)}) …"


def _library(line: str) -> str:
    """The library whose frame `line` starts ('urllib', 'torchvision'); '' for a frame of any other code (the
    student's) and for a line that starts no frame."""
    frame = _FRAME.match(line)
    if not frame:
        return ""
    found = _LIBRARY.search(frame["quoted"] or frame["bare"])
    return (found["module"] or found["frozen"]) if found else ""


def _frame_end(lines: list[str], start: int) -> int:
    """The index after the frame that starts at `start`: its source lines and the blank line IPython ends it with."""
    end = start + 1
    while end < len(lines) and not _FRAME.match(lines[end]) and (_SOURCE.match(lines[end]) or not lines[end].strip()):
        end += 1
    return end


def fold_library_frames(text: str) -> list[Part]:
    """`text` as parts in order (joined, they are `text` again): each run of library frames folded, the rest
    shown; the blank lines ending a run are shown, where they separate it from what follows."""
    lines = text.splitlines(keepends=True)
    parts: list[Part] = []
    shown_from = at = 0
    while at < len(lines):
        libraries, end = set(), at
        while end < len(lines) and (library := _library(lines[end])):
            libraries.add(library)
            end = _frame_end(lines, end)
        while end > at and not lines[end - 1].strip():
            end -= 1
        if not libraries or end == at:
            at += 1
            continue
        if shown_from < at:
            parts.append(Part("".join(lines[shown_from:at])))
        parts.append(Part("".join(lines[at:end]), tuple(sorted(libraries))))
        shown_from = at = end
    if shown_from < len(lines):
        parts.append(Part("".join(lines[shown_from:])))
    return parts
