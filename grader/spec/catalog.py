"""Where the assignments are: find one by name or path in the bundled set and the packs (grader.spec.packs), list
them, read any spec whatever its kind, and find its reference solution beside it."""
from __future__ import annotations

from pathlib import Path

import tomllib

from grader.results import Kind
from grader.spec.code import AssignmentSpec, load_spec
from grader.spec.packs import PACKS_ENV, Root, bundled_root, roots
from grader.spec.reference import Reference, load_reference
from grader.spec.table import SpecError
from grader.spec.written import WrittenSpec, load_written

Spec = AssignmentSpec | WrittenSpec


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


def catalog() -> dict[str, tuple[Path, Root]]:
    """Assignment name (its folder's) → its assignment.toml and the root it is in, the bundled set first; SpecError
    when a name is defined twice."""
    found: dict[str, tuple[Path, Root]] = {}
    for root in roots():
        for path in sorted(root.assignments.glob("*/assignment.toml")):
            name = path.parent.name
            if name in found:
                raise SpecError(f"assignment '{name}' is defined twice: {found[name][0]} and {path}; expected each "
                                f"name once across the bundled assignments and the packs in --assignments or "
                                f"{PACKS_ENV}; hint: rename one (its folder and its `name =`) or leave its pack out")
            found[name] = (path, root)
    return found


def _spec_files() -> list[Path]:
    return [path for path, _ in catalog().values()]


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
    known = catalog()
    if name_or_path in known:
        return known[name_or_path][0]
    raise SpecError(f"no assignment '{name_or_path}' (known: {', '.join(known) or 'none'}; or give a path to an "
                    f"assignment.toml, or the pack that holds it with --assignments)")


def find_assignment(name_or_path: str) -> AssignmentSpec:
    """A code assignment by name, or by the path of its folder or assignment.toml."""
    path = assignment_path(name_or_path)
    if spec_kind(path) is Kind.WRITTEN:
        raise SpecError(f"'{name_or_path}' is a written assignment, graded by hand against its rubric: read the class "
                        f"with `grader batch {name_or_path} HANDINS --out OUT`, then grade in `grader serve OUT`")
    return load_spec(path)


def find_reference(spec: AssignmentSpec) -> Reference:
    """The reference solution of a code assignment, and what was recorded from it."""
    return load_reference(spec, reference_root(spec))


def reference_root(spec: AssignmentSpec) -> Path:
    """The folder of references that holds `spec`'s: that of the root its folder is in (<root>/assignments/<name> →
    <root>/reference/<name>), else the reference folder beside its assignments folder where it holds one for it
    (a pack named by path), else that of the catalog's assignment of its name (a spec copied out of its folder)."""
    folder = spec.path.resolve().parent.parent
    for root in roots():
        if root.assignments.resolve() == folder:
            return root.reference
    beside = folder.parent / "reference"
    if (beside / spec.name / "solution.py").is_file():
        return beside
    known = catalog().get(spec.name)
    return known[1].reference if known else bundled_root().reference
