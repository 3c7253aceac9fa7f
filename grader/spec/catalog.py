"""Where the assignments are: find one by name or path, list them, read any spec whatever its kind, and find its
reference solution."""
from __future__ import annotations

import os
from pathlib import Path

import tomllib

from grader.files import PACKAGE_PARENT
from grader.results import Kind
from grader.spec.code import AssignmentSpec, load_spec
from grader.spec.reference import Reference, load_reference
from grader.spec.table import SpecError
from grader.spec.written import WrittenSpec, load_written

Spec = AssignmentSpec | WrittenSpec


def assignments_root() -> Path:
    return Path(os.environ.get("GRADER_ASSIGNMENTS", PACKAGE_PARENT / "assignments"))


def reference_root() -> Path:
    return Path(os.environ.get("GRADER_REFERENCE", PACKAGE_PARENT / "reference"))


def spec_kind(path: Path) -> Kind:
    """The kind an assignment.toml declares (code unless it says `kind = "written"`), without validating the rest;
    a file that cannot be read is read as code, whose validation then says what is wrong."""
    try:
        declared = tomllib.loads(path.read_text(encoding="utf-8-sig")).get("kind")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return Kind.CODE
    return Kind.WRITTEN if declared == Kind.WRITTEN.value else Kind.CODE


def load_any(path: Path) -> Spec:
    """The spec at `path`, validated as its kind says."""
    return load_written(path) if spec_kind(path) is Kind.WRITTEN else load_spec(path)


def _spec_files() -> list[Path]:
    return sorted(assignments_root().glob("*/assignment.toml"))


def list_assignments() -> list[AssignmentSpec]:
    """The code assignments."""
    return [load_spec(p) for p in _spec_files() if spec_kind(p) is Kind.CODE]


def list_written() -> list[WrittenSpec]:
    """The written assignments (answers in prose, graded by rubric)."""
    return [load_written(p) for p in _spec_files() if spec_kind(p) is Kind.WRITTEN]


def assignment_path(name_or_path: str) -> Path:
    """The assignment.toml of an assignment named, or at the path of its folder or file."""
    path = Path(name_or_path)
    if path.is_dir():
        path = path / "assignment.toml"
    if path.is_file():
        return path
    candidate = assignments_root() / name_or_path / "assignment.toml"
    if candidate.is_file():
        return candidate
    known = ", ".join(p.parent.name for p in _spec_files())
    raise SpecError(f"no assignment '{name_or_path}' (known: {known or 'none'}; or give a path to an assignment.toml)")


def find_assignment(name_or_path: str) -> AssignmentSpec:
    """A code assignment by name, or by the path of its folder or assignment.toml."""
    path = assignment_path(name_or_path)
    if spec_kind(path) is Kind.WRITTEN:
        raise SpecError(f"'{name_or_path}' is a written assignment, graded by hand against its rubric: read the class "
                        f"with `grader batch {name_or_path} HANDINS --out OUT`, then grade in `grader serve OUT`")
    return load_spec(path)


def find_reference(spec: AssignmentSpec) -> Reference:
    """The reference solution of a code assignment, and what was recorded from it."""
    return load_reference(spec, reference_root())
