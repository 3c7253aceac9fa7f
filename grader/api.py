"""Grading one hand-in: the options, what is prepared once per assignment and options (`Grading`), the
child's measurement through an executor, the judging, and the result. Keyword-only functions; the CLI, the batch
and the workspace are layers over them."""
from __future__ import annotations

import os
import platform
import re
import shutil
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Callable

from grader import __version__
from grader.contract import CheckJob, ChildJob, ChildReport, Limits, OutcomeKind
from grader.execute.executor import Executor, OneOffChild
from grader.execute.gpu import GIB, even_share, gpu_info
from grader.execute.sandbox import Sandbox, detect
from grader.judge.judging import Judging, judge, not_loaded
from grader.policy import skipped_note
from grader.probes import PROBES
from grader.results import Isolation, SubmissionResult, now
from grader.spec import AssignmentSpec, Check, SpecError
from grader.spec.catalog import find_reference
from grader.spec.reference import Reference
from grader.submission.load import (
    Submission,
    SubmissionError,
    defined_names,
    load_submission,
    student_source,
)
from grader.training.data import StagedDataset, resolve_data_root, stage
from grader.training.imagefolder import stage_folder

GRADING_SEED = 0
GPU_TROUBLE = re.compile(r"out of memory|ALLOC_FAILED|CUDA error|CUDA driver|cuDNN error|CUDNN_STATUS|CUBLAS_STATUS",
                         re.IGNORECASE)
"""How the errors read that a GPU without free memory causes (PyTorch, the CUDA runtime, cuBLAS, cuDNN): seen on
an H100, a hog's neighbour failed with an error that did not say 'out of memory'."""
ProgressFn = Callable[[str, str, str], None]


def resolve_device(device: str) -> str:
    """'auto' → 'cuda' when a GPU is visible, else 'cpu'."""
    if device == "auto":
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"
    if device not in ("cpu", "cuda"):
        raise ValueError(f"unknown device '{device}' (auto, cpu, cuda)")
    return device


def device_label(device: str, gpu_share: int = 0) -> str:
    """The device for reports, e.g. 'cuda (NVIDIA H100 80GB HBM3)', with the submission's share of it."""
    if device == "cuda":
        info = gpu_info()
        if info is None:
            import torch

            return f"cuda ({torch.cuda.get_device_name(0)})"
        return f"cuda ({info.name}" + (f"; shared by several grading processes, {gpu_share / GIB:.1f} of its "
                                       f"{info.total_bytes / GIB:.0f} GiB for this one)" if gpu_share else ")")
    return f"cpu ({platform.processor() or platform.machine()}, {os.cpu_count()} cores)"


@dataclass(frozen=True)
class GradeOptions:
    """How to grade (the same for every submission of a batch)."""

    data_root: Path | None = None
    device: str = "auto"
    isolation: str = Isolation.STRONG.value
    """An Isolation request: strong (refuse to run without a sandbox), auto (strong where possible) or basic."""
    visible_only: bool = False
    protocol: str | None = None
    """Override every training check's protocol (e.g. 'quick' for `grader check`)."""
    only: tuple[str, ...] = ()
    """Grade only these check ids (empty: all)."""
    limits: Limits = Limits()
    download: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-able, as a batch folder keeps it (to regrade a student the same way); `from_dict` inverts it."""
        return {**asdict(self), "data_root": str(self.data_root) if self.data_root else None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "GradeOptions":
        """The options `to_dict` wrote (defaults where nothing was written)."""
        if not data:
            return cls()
        return cls(**{**data, "data_root": Path(data["data_root"]) if data["data_root"] else None,
                      "only": tuple(data["only"]), "limits": Limits(**data["limits"])})


def shared_by(options: GradeOptions, jobs: int) -> GradeOptions:
    """The options for one of `jobs` children graded at once: the cores shared out for their torch threads, and on
    a GPU an even share of its memory each (unless the options set one)."""
    limits = replace(options.limits, threads=max(1, (os.cpu_count() or 1) // jobs))
    if resolve_device(options.device) == "cuda" and not limits.gpu_memory_bytes:
        limits = replace(limits, gpu_memory_bytes=even_share(jobs))
    return replace(options, limits=limits)


def selected_checks(spec: AssignmentSpec, options: GradeOptions) -> list[Check]:
    checks = [c for c in spec.checks if not (options.visible_only and c.hidden)]
    if options.only:
        unknown = set(options.only) - {c.id for c in spec.checks}
        if unknown:
            raise SpecError(f"{spec.path}: no check with id {sorted(unknown)}; ids: {[c.id for c in spec.checks]}")
        checks = [c for c in checks if c.id in options.only]
    if options.protocol:
        checks = [replace(c, params={**c.params, "protocol": options.protocol}) if "protocol" in c.params else c
                  for c in checks]
    return checks


def stage_if_needed(spec: AssignmentSpec, checks: list[Check], options: GradeOptions) -> StagedDataset | None:
    """The spec's dataset staged for the child (its own ImageFolder where it names one), if a check needs it."""
    if not any(PROBES[c.probe].needs_data for c in checks):
        return None
    if spec.data is not None:
        return stage_folder(spec.data)
    return stage(spec.dataset, resolve_data_root(options.data_root), download=options.download)


def prepare_inputs(spec: AssignmentSpec, checks: list[Check], reference: Reference) -> dict[str, Any]:
    """check id → the tensors its probe prepares from the reference (seeded reference weights, fixtures).
    Preparers seed torch's global generator: call this from one thread only, and once per batch."""
    return {c.id: PROBES[c.probe].prepare(lambda: reference.factory(spec.entry[0])(), c.params)
            for c in checks if PROBES[c.probe].prepare is not None}


def measure(spec: AssignmentSpec, submission: Submission, checks: list[Check], reference: Reference, *,
            sandbox: Sandbox, limits: Limits, device: str, staged: StagedDataset | None,
            seed: int = GRADING_SEED, progress: ProgressFn | None = None, executor: Executor | None = None,
            prepared: dict[str, Any] | None = None) -> ChildReport:
    """Run the checks' measure halves on a submission in an isolated child (a one-off child in `sandbox`
    unless an executor is given). `prepared`: `prepare_inputs` of these checks, when already computed."""
    info = spec.dataset_info
    prepared = prepare_inputs(spec, checks, reference) if prepared is None else prepared
    jobs = []
    for c in checks:
        probe = PROBES[c.probe]
        if probe.measure is None:
            continue  # judged in the parent from how the file ran
        jobs.append(CheckJob(id=c.id, probe=c.probe, params=probe.measure_params(c.params),
                             timeout=c.timeout_for(device), needs=c.needs, inputs=c.id if c.id in prepared else ""))
    job = ChildJob(submission_dir=submission.directory, main_file=submission.main_file, entry=spec.entry,
                   dataset=spec.dataset, input_channels=info.channels, image_size=info.image_size,
                   num_classes=info.num_classes, checks=tuple(jobs), budget=spec.budget_for(device), limits=limits,
                   device=device, seed=seed, staged_dir=staged.directory if staged else None,
                   torch_hub=torch_hub(), salvage=spec.salvage, import_budget=spec.import_budget,
                   inputs={j.inputs: prepared[j.inputs] for j in jobs if j.inputs})
    return (executor or OneOffChild(sandbox)).run(job, progress or (lambda *a: None))


def torch_hub() -> Path | None:
    """The torch hub folder where torchvision keeps downloaded weights, if it exists."""
    import torch

    hub = Path(torch.hub.get_dir())
    return hub if hub.is_dir() else None


def unavailable(checks: list[Check], device: str, data_root: Path) -> dict[str, str]:
    """check id → why it cannot run on this machine, grading on `device` with data under `data_root` (only
    checks that cannot)."""
    reasons = {}
    for c in checks:
        probe = PROBES[c.probe]
        reason = probe.unavailable(c.params, data_root) if probe.unavailable else ""
        if device not in c.devices:
            reason = (f"the assignment runs this check only on {' or '.join(c.devices)}, and this grading ran on "
                      f"{device}")
        if reason:
            reasons[c.id] = reason
    return reasons


@dataclass
class Grading:
    """What is the same for every submission graded with one spec and one set of options."""

    spec: AssignmentSpec
    options: GradeOptions
    device: str
    checks: list[Check]
    reference: Reference
    skipped: dict[str, str]
    """check id → why it cannot run on this machine."""
    staged: StagedDataset | None
    sandbox: Sandbox
    prepared: dict[str, Any]
    """`prepare_inputs` of the runnable checks."""

    @property
    def runnable(self) -> list[Check]:
        return [c for c in self.checks if c.id not in self.skipped]

    @property
    def judging(self) -> Judging:
        return Judging(spec=self.spec, checks=tuple(self.checks), skipped=self.skipped, device=self.device,
                       expected=self.reference.expected, metrics=self.reference.metrics,
                       labels=self.staged.test_labels if self.staged else None)


def prepare_grading(spec: AssignmentSpec, options: GradeOptions = GradeOptions()) -> Grading:
    """Resolve the device, checks, reference, staged data and sandbox once."""
    checks = selected_checks(spec, options)
    device = resolve_device(options.device)
    skipped = unavailable(checks, device, resolve_data_root(options.data_root))
    runnable = [c for c in checks if c.id not in skipped]
    reference = find_reference(spec)
    return Grading(spec=spec, options=options, device=device, checks=checks,
                   reference=reference, skipped=skipped, staged=stage_if_needed(spec, runnable, options),
                   sandbox=detect(options.isolation), prepared=prepare_inputs(spec, runnable, reference))


def grade(spec: AssignmentSpec, path: Path, *, options: GradeOptions = GradeOptions(),
          progress: ProgressFn | None = None) -> SubmissionResult:
    """Grade one submission (a .py, a notebook, a folder or a zip) against the spec and its reference."""
    return grade_with(prepare_grading(spec, options), path, progress=progress)


def grade_with(grading: Grading, path: Path, *, progress: ProgressFn | None = None,
               executor: Executor | None = None) -> SubmissionResult:
    """Grade one submission with a prepared `Grading`, measured by `executor` (a one-off child by default)."""
    spec, device, sandbox = grading.spec, grading.device, grading.sandbox
    budget = spec.budget_for(device)
    try:
        submission = load_submission(path, spec.entry)
    except SubmissionError as exc:
        return SubmissionResult(assignment=spec.name, title=spec.title, submission=path.name,
                                checks=not_loaded(grading.checks), isolation=sandbox.description,
                                isolation_level=sandbox.level,
                                device=device_label(device), seconds=0.0, budget=budget, load_error=str(exc),
                                graded_at=now(), grader_version=__version__)
    defined, source = defined_names(submission.main_path), student_source(submission.main_path)
    staged, reference = grading.staged, grading.reference
    try:
        report = measure(spec, submission, grading.runnable, reference, sandbox=sandbox,
                         limits=grading.options.limits, device=device, staged=staged, progress=progress,
                         executor=executor, prepared=grading.prepared)
        report = _regrade_contended(grading, submission, report, executor)
    finally:
        shutil.rmtree(submission.directory, ignore_errors=True)
    results, ran = judge(grading.judging, report, defined, notebook=submission.main_file.endswith(".ipynb"),
                         source=source)
    notes = [skipped_note(spec.check(cid).name, reason) for cid, reason in grading.skipped.items()] + \
        list(submission.notes) + list(report.notes)
    if report.load_error:
        notes.append("Your submission could not be loaded, so no check could run; fix the error shown above first.")
    return SubmissionResult(
        assignment=spec.name, title=spec.title, submission=submission.name, checks=tuple(results),
        isolation=report.isolation or sandbox.description, isolation_level=report.isolation_level,
        device=device_label(device, grading.options.limits.gpu_memory_bytes), seconds=round(report.seconds, 2),
        budget=budget, stdout=report.stdout, stderr=report.stderr,
        load_error=(report.load_error + ("\n\n" + report.load_traceback if report.load_traceback else "")).strip(),
        notes=tuple(notes), ran=ran, seeds={"grading": GRADING_SEED}, graded_at=now(), grader_version=__version__)


def _regrade_contended(grading: Grading, submission: Submission, report: ChildReport,
                       executor: Executor | None) -> ChildReport:
    """Measure the submission once more when a check crashed or met a GPU error while another grading process
    held more than its share of the GPU (grader.execute.gpu): a neighbour's hog must not cost it points."""
    said = [report.load_error, report.stderr[-4000:],
            *(o.message + "\n" + o.traceback for o in report.outcomes.values())]
    crashed = any(o.kind is OutcomeKind.CRASHED for o in report.outcomes.values())
    if not report.gpu_contended or not (crashed or any(GPU_TROUBLE.search(text) for text in said)):
        return report
    again = measure(grading.spec, submission, grading.runnable, grading.reference, sandbox=grading.sandbox,
                    limits=grading.options.limits, device=grading.device, staged=grading.staged,
                    executor=executor, prepared=grading.prepared)
    again.notes.append("Graded twice: the first run failed on the GPU while another grading process held more than "
                       "its share of the GPU's memory; this is the second run.")
    return again


def validate(spec: AssignmentSpec, *, options: GradeOptions = GradeOptions(),
             progress: ProgressFn | None = None) -> SubmissionResult:
    """Grade the reference solution; it must earn full marks within budget."""
    return grade(spec, find_reference(spec).solution, options=options, progress=progress)
