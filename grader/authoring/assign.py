"""`grader assign MASTER --out PACK`: compose the assignment's files from the master, write them into a staging
pack inside PACK, record the reference, validate (the reference earns full marks, the starter loads and earns 0),
then move the assignment into PACK: a step that fails leaves PACK as it was. (The mutation report, a report and
not a gate, is made by the command afterwards, on the assignment in its place.)"""
from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from grader.api import GradeOptions, ProgressFn
from grader.authoring.compose import PackFiles, compose
from grader.authoring.master import MasterError, read_master
from grader.files import write_atomic
from grader.probes import PROBES
from grader.results import message_line
from grader.spec.code import AssignmentSpec, load_spec

Log = Callable[[str], None]
_STAGING = ".grader-assign"


@dataclass(frozen=True)
class AssignSteps:
    """Which steps `grader assign` runs after writing the files."""

    record: bool = True
    validate: bool = True
    seeds: int = 3


@dataclass
class Assigned:
    """What `grader assign` made."""

    name: str
    folder: Path
    reference: Path
    files: list[str] = field(default_factory=list)
    code: bool = True
    """A code assignment (a written one has no reference to record, validate or mutate)."""
    reference_score: str = ""
    starter_score: str = ""


def assign(master_path: Path, pack: Path, *, options: GradeOptions, steps: AssignSteps = AssignSteps(),
           progress: ProgressFn | None = None, log: Log = print) -> Assigned:
    """Make `master_path`'s assignment in `pack`; raises MasterError (the master) or AssignError (a step)."""
    files = compose(read_master(master_path))
    pack.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{files.spec.name}-", dir=_staging_root(pack)))
    try:
        _write(files, master_path, staging, pack)
        log(f"wrote {len(files.student) + len(files.reference)} files for '{files.spec.name}' from "
            f"{master_path.name}")
        done = Assigned(files.spec.name, pack / "assignments" / files.spec.name, pack / "reference" / files.spec.name,
                        sorted([*files.student, *files.reference]), isinstance(files.spec, AssignmentSpec))
        if isinstance(files.spec, AssignmentSpec):
            spec = load_spec(staging / "assignments" / files.spec.name / "assignment.toml")
            _run_steps(spec, steps, options, progress, lambda line: log(line.replace(str(staging), str(pack))), done)
        _move_into(staging, pack, files.spec.name)
        return done
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if not any(staging.parent.iterdir()):
            staging.parent.rmdir()


class AssignError(RuntimeError):
    """A step after writing failed (recording, validation); the pack is left as it was."""


def _staging_root(pack: Path) -> Path:
    root = pack / _STAGING
    root.mkdir(exist_ok=True)
    return root


def _write(files: PackFiles, master: Path, staging: Path, pack: Path) -> None:
    """The composed files, plus what the pack already holds for this assignment that `grader assign` does not
    write (examples/, recordings when not recording again)."""
    for folder in (f"assignments/{files.spec.name}", f"reference/{files.spec.name}"):
        if (pack / folder).is_dir():
            shutil.copytree(pack / folder, staging / folder)
    for relative, text in {**files.student, **files.reference}.items():
        (staging / relative).parent.mkdir(parents=True, exist_ok=True)
        write_atomic(staging / relative, text)
    kept = staging / "reference" / files.spec.name / f"master{master.suffix}"
    kept.parent.mkdir(parents=True, exist_ok=True)  # the pack holds its own source, a written assignment's too
    shutil.copyfile(master, kept)


def _run_steps(spec: AssignmentSpec, steps: AssignSteps, options: GradeOptions, progress: ProgressFn | None,
               log: Log, done: Assigned) -> None:
    from grader import api
    from grader.authoring.record import record_reference

    if steps.record:
        protocols = _protocols(spec, options)
        for protocol in protocols:
            try:
                record_reference(spec, protocol=protocol, seeds=steps.seeds, options=options, progress=progress,
                                 log=log, metrics_only=protocol != protocols[0])
            except RuntimeError as exc:
                raise AssignError(f"recording the reference failed: {exc}") from None
    if not steps.validate:
        return
    result = api.validate(spec, options=options, progress=progress)
    done.reference_score = f"{result.score:g}/{result.max_score:g}"
    if result.score < result.max_score:
        lost = [f"{t.name} ({t.status.value}: {message_line(t.found or t.expected)})"
                for t in result.checks if t.points < t.max_points]
        raise AssignError(f"the reference scored {done.reference_score}, not full marks; it lost points on: "
                          f"{'; '.join(lost)}")
    starter = spec.path.parent / "starter.py"
    graded = api.grade(spec, starter, options=options, progress=progress)
    done.starter_score = f"{graded.score:g}/{graded.max_score:g}"
    earned = [t.name for t in graded.checks if t.points > 0]
    if earned:
        raise AssignError(f"the starter earns points on {', '.join(earned)} without any solution; hint: mark the "
                          "code those checks need as solution (# BEGIN SOLUTION … # END SOLUTION)")
    log(f"validated: reference {done.reference_score}, starter {done.starter_score}")


def _protocols(spec: AssignmentSpec, options: GradeOptions) -> list[str]:
    """The training protocols the spec's checks use, on the grading device class."""
    device_class = "cuda" if options.device.startswith("cuda") else "cpu"
    found = [c.params.get("protocol", "quick") for c in spec.checks
             if PROBES[c.probe].trains and device_class in c.devices]
    return list(dict.fromkeys(found)) or ["quick"]


def _move_into(staging: Path, pack: Path, name: str) -> None:
    """Replace the assignment's two folders in the pack by the staged ones (the old ones restored on failure)."""
    moved: list[tuple[Path, Path | None]] = []
    try:
        for folder in (f"assignments/{name}", f"reference/{name}"):
            target, new = pack / folder, staging / folder
            if not new.exists():
                continue
            old = None
            if target.exists():
                old = staging / f"old-{target.parent.name}"
                target.rename(old)
            target.parent.mkdir(parents=True, exist_ok=True)
            new.rename(target)
            moved.append((target, old))
    except OSError:
        for target, old in reversed(moved):
            shutil.rmtree(target, ignore_errors=True)
            if old:
                old.rename(target)
        raise


__all__ = ["AssignError", "AssignSteps", "Assigned", "MasterError", "assign"]
