"""Find the hand-ins of a whole class in a folder or a zip, the input side of `grader batch`.

Understood: a folder of files (`alice.py`, `bob.ipynb`, `carol.zip`: the stem is the student id), a folder of
per-student folders (the folder name is the id), both mixed, a zip of any of these (a single top-level folder is
unwrapped), and Canvas's export naming `name[_LATE]_id_fileid_original.ext` (the numeric id is the student id;
one student's files are grouped into one folder). Per-student zips stay zips: the loader opens them.

Everything else is reported, never dropped in silence: files that are not submissions go to `unknown`; symbolic
links, device files and unsafe archive entries go to `refused`. Only OS junk is ignored: `__MACOSX`, `.DS_Store`,
`Thumbs.db` and `.ipynb_checkpoints`. Nothing is written outside `workdir`, and links are never followed.
"""
from __future__ import annotations

import csv
import io
import os
import re
import shutil
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from grader.results import Student
from grader.submission.archive import JUNK, extract_zip, is_plain, links_and_devices

SUBMISSION_SUFFIXES = (".py", ".ipynb", ".zip")
CANVAS_NAME = re.compile(r"(?P<name>[a-z][a-z0-9]*)(?P<late>_LATE)?_(?P<id>\d+)_\d+_(?P<original>.+)")
CANVAS_COPY = re.compile(r"-\d+(?=\.[^.]*$)")
"""The `-1`, `-2` Canvas appends to a re-uploaded file name."""


class DiscoveryError(ValueError):
    """The batch input cannot be read at all."""


class RosterError(ValueError):
    """The roster CSV cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class Handin:
    """What one student handed in."""

    student: Student
    path: Path
    """A .py/.ipynb/.zip file or a folder to grade; under `workdir` when it came from an archive or was
    grouped from several files."""
    source: str
    """Where it was found in the input (relative path(s)), for the instructor."""


@dataclass(frozen=True)
class Discovery:
    """Everything found in a batch input."""

    handins: tuple[Handin, ...]
    """Sorted by student id."""
    unknown: tuple[str, ...]
    """'path: why' for each file or folder that is not a submission."""
    refused: tuple[str, ...]
    """'entry: why' for each archive entry or link refused as unsafe."""
    not_submitted: tuple[Student, ...]
    """On the roster (in its order), nothing handed in."""
    unmatched: tuple[str, ...]
    """'source: why' for each hand-in whose id is not on the roster (still graded); empty without a roster."""


@dataclass(frozen=True)
class _Item:
    """One thing found for a student, before grouping."""

    path: Path
    name: str
    """Name to give it when grouped with others (for Canvas: the original name, without `-1`)."""
    source: str
    copy: bool = False
    """True when it must be copied without its links even when alone."""


# ------------------------------------------------------------------------------------ roster

_ROSTER_COLUMNS = {"id": "id", "name": "name", "student": "name", "sis_id": "sis_id", "sis user id": "sis_id",
                   "login": "login", "sis login id": "login", "section": "section"}


def read_roster(path: Path) -> list[Student]:
    """The students of a roster CSV: `id,name[,sis_id,login,section]`, or Canvas's gradebook export (`Student,
    ID, SIS User ID, SIS Login ID, Section, ...`, whose 'Points Possible' and muted rows are skipped)."""
    try:
        data = path.read_bytes()
        text = data.decode("utf-8-sig")
    except OSError as exc:
        raise RosterError(f"{path}: cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise RosterError(f"{path}, line {line}: not UTF-8 text; export the roster as CSV UTF-8") from None
    rows = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(rows, None)
        if header is None:
            raise RosterError(f"{path}: empty; expected a header line such as 'id,name'")
        columns = {_ROSTER_COLUMNS[h.strip().lower()]: i for i, h in enumerate(header)
                   if h.strip().lower() in _ROSTER_COLUMNS}
        if "id" not in columns:
            raise RosterError(f"{path}, line 1: no id column (expected 'id', or Canvas's 'ID'); "
                              f"found {', '.join(header)}")
        students: list[Student] = []
        first_line: dict[str, int] = {}
        for row in rows:
            values = {key: row[i].strip() if i < len(row) else "" for key, i in columns.items()}
            student_id = values["id"]
            if not student_id:
                if values.get("name", "") in ("", "Points Possible"):
                    continue
                raise RosterError(f"{path}, line {rows.line_num}: no id for {values['name']!r}")
            if student_id in first_line:
                raise RosterError(f"{path}, line {rows.line_num}: id {student_id!r} again "
                                  f"(first on line {first_line[student_id]})")
            first_line[student_id] = rows.line_num
            students.append(Student(**{**values, "name": values.get("name") or student_id}))
    except csv.Error as exc:
        raise RosterError(f"{path}, line {rows.line_num}: {exc}") from None
    return students


# ------------------------------------------------------------------------------------ folders

def _links_in(folder: Path) -> list[Path]:
    """Links and devices anywhere under `folder` (not followed)."""
    return [Path(top, name) for top, dirs, files in os.walk(folder)
            for name in links_and_devices(top, dirs + files)]


def _why_refused(path: Path) -> str:
    return "symbolic link; not followed" if path.is_symlink() else "device, FIFO or socket; not read"


def _scan(root: Path, base: Path, workdir: Path, suffixes: tuple[str, ...]) -> tuple[
        dict[str, list[_Item]], dict[str, str], list[str], list[str]]:
    """The items by student id under `root` (paths shown relative to `base`; files: those ending in `suffixes`),
    the names the files carry by id, and the unknown and refused lines."""
    items: dict[str, list[_Item]] = defaultdict(list)
    names: dict[str, str] = {}
    unknown: list[str] = []
    refused: list[str] = []
    output = workdir.resolve()
    for path in sorted(root.iterdir()):
        rel = path.relative_to(base).as_posix()
        if path.name in JUNK:
            continue
        if not is_plain(path):
            refused.append(f"{rel}: {_why_refused(path)}")
        elif output.is_relative_to(path.resolve()):
            unknown.append(f"{rel}/: holds the output folder")
        elif path.name.startswith("."):
            unknown.append(f"{rel}: hidden")
        elif path.is_dir():
            links = _links_in(path)
            refused += [f"{link.relative_to(base).as_posix()}: {_why_refused(link)}" for link in links]
            items[path.name].append(_Item(path, path.name, f"{rel}/", copy=bool(links)))
        elif canvas := CANVAS_NAME.fullmatch(path.name):
            late = " (late)" if canvas["late"] else ""
            names.setdefault(canvas["id"], canvas["name"])
            items[canvas["id"]].append(_Item(path, CANVAS_COPY.sub("", canvas["original"]), rel + late))
        elif path.suffix in suffixes:
            items[path.stem].append(_Item(path, path.name, rel))
        else:
            unknown.append(f"{rel}: not a {', '.join(suffixes[:-1])} or {suffixes[-1]} file, nor a folder")
    return items, names, unknown, refused


def _gathered(student: Student, items: list[_Item], folder: Path) -> Handin:
    """One hand-in from a student's items. Several are copied together into `folder` (links left out) under
    their original names, or their names in the input where the original names clash; a folder with links
    inside is copied as `folder`, without them."""
    source = ", ".join(item.source for item in items)
    if len(items) == 1 and not items[0].copy:
        return Handin(student, items[0].path, source)
    names = [item.name for item in items]
    if len(set(names)) < len(names):
        names = [item.path.name for item in items]
    for item, name in zip(items, names):
        target = folder if len(items) == 1 else folder / name
        if item.path.is_dir():
            shutil.copytree(item.path, target, ignore=links_and_devices)
        else:
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(item.path, target)
    return Handin(student, folder, source)


def discover(source: Path, workdir: Path, *, roster: list[Student] | None = None,
             suffixes: tuple[str, ...] = SUBMISSION_SUFFIXES) -> Discovery:
    """The hand-ins in `source`, a folder or a .zip (a hand-in: a folder or a file ending in one of `suffixes`).
    Archives are extracted under `workdir/extracted` and grouped hand-ins copied to `workdir/grouped/<id>` (both
    replaced if there); nothing is written elsewhere."""
    for folder in (workdir / "extracted", workdir / "grouped"):
        shutil.rmtree(folder, ignore_errors=True)
    refused: list[str] = []
    if source.is_dir():
        root = base = source
    elif source.is_file() and source.suffix.lower() == ".zip":
        root = base = workdir / "extracted"
        root.mkdir(parents=True)
        try:
            refused = extract_zip(source, root)
        except (zipfile.BadZipFile, OSError) as exc:
            raise DiscoveryError(f"{source}: not a readable zip file ({exc})") from None
        top = [p for p in root.iterdir() if p.name not in JUNK]
        if len(top) == 1 and top[0].is_dir():
            root = top[0]
    elif not source.exists():
        raise DiscoveryError(f"{source}: no such file or folder")
    else:
        raise DiscoveryError(f"{source}: expected a folder or a .zip file")
    items, names, unknown, links = _scan(root, base, workdir, suffixes)
    by_id = {s.id: s for s in roster or ()}
    handins = tuple(_gathered(by_id.get(sid) or Student(sid, names.get(sid, sid)), found, workdir / "grouped" / sid)
                    for sid, found in sorted(items.items()))
    return Discovery(
        handins=handins, unknown=tuple(unknown), refused=tuple(refused + links),
        not_submitted=tuple(s for s in roster or () if s.id not in items),
        unmatched=tuple(f"{h.source}: id {h.student.id!r} is not on the roster"
                        for h in handins if roster is not None and h.student.id not in by_id))
