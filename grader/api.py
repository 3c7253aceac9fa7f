"""Orchestration: find assignments and references, grade submissions, record and validate
references. Keyword-only functions; the CLI is a thin layer over them."""
from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import platform
import re
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable

from grader import __version__
from grader.judge.compare import verdict_for
from grader.contract import CheckJob, CheckOutcome, ChildJob, ChildReport, Limits, OutcomeKind
from grader.training.data import DATASETS, StagedDataset, resolve_data_root, stage
from grader.judge.diagnose import check_diagnosis, run_info
from grader.execute.executor import Executor, OneOffChild
from grader.execute.sandbox import PACKAGE_PARENT, Sandbox, detect
from grader.execute.gpu import GIB, gpu_info
from grader.submission.load import Submission, SubmissionError, defined_names, load_submission
from grader.probes import PROBES
from grader.probes.base import JudgeContext, Verdict
from grader.results import CheckResult, RunInfo, Status, SubmissionResult
from grader.judge.score import check_result
from grader.spec import AssignmentSpec, Check, SpecError, load_spec
from grader.written import WrittenSpec, is_written, load_written

GRADING_SEED = 0
GPU_TROUBLE = re.compile(r"out of memory|ALLOC_FAILED|CUDA error|CUDA driver|cuDNN error|CUDNN_STATUS|CUBLAS_STATUS",
                         re.IGNORECASE)
"""How the errors read that a GPU without free memory causes (PyTorch, the CUDA runtime, cuBLAS, cuDNN): seen on
an H100, a hog's neighbour failed with an error that did not say 'out of memory'."""
ProgressFn = Callable[[str, str, str], None]


def assignments_root() -> Path:
    return Path(os.environ.get("GRADER_ASSIGNMENTS", PACKAGE_PARENT / "assignments"))


def reference_root() -> Path:
    return Path(os.environ.get("GRADER_REFERENCE", PACKAGE_PARENT / "reference"))


def list_assignments() -> list[AssignmentSpec]:
    """The code assignments (written ones, grader.written, are graded by hand)."""
    return [load_spec(p) for p in sorted(assignments_root().glob("*/assignment.toml")) if not is_written(p)]


def list_written() -> list[WrittenSpec]:
    """The written assignments (answers in prose, graded by rubric)."""
    return [load_written(p) for p in sorted(assignments_root().glob("*/assignment.toml")) if is_written(p)]


def find_assignment(name_or_path: str) -> AssignmentSpec:
    """An assignment by name, or by the path of its folder or assignment.toml."""
    path = assignment_path(name_or_path)
    if is_written(path):
        raise SpecError(f"'{name_or_path}' is a written assignment, graded by hand against its rubric: read the class "
                        f"with `grader batch {name_or_path} HANDINS --out OUT`, then grade in `grader serve OUT`")
    return load_spec(path)


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
    known = ", ".join(p.parent.name for p in sorted(assignments_root().glob("*/assignment.toml")))
    raise SpecError(f"no assignment '{name_or_path}' (known: {known or 'none'}; or give a path to an assignment.toml)")


@dataclass(frozen=True)
class Reference:
    """A reference solution and what was recorded from it."""

    directory: Path
    expected: dict[str, Any]
    """check id → the reference's measurement."""
    metrics: dict[str, Any]

    @property
    def solution(self) -> Path:
        return self.directory / "solution.py"

    def factory(self, entry: str) -> Callable[[], Any]:
        """The reference's entry class, imported in the parent (trusted code)."""
        spec = importlib.util.spec_from_file_location(f"reference_{self.directory.name}", self.solution)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return getattr(module, entry)


def load_reference(spec: AssignmentSpec) -> Reference:
    import torch

    directory = reference_root() / spec.name
    if not (directory / "solution.py").is_file():
        raise SpecError(f"no reference solution for '{spec.name}': expected {directory / 'solution.py'}")
    expected_file, metrics_file = directory / "expected.pt", directory / "metrics.json"
    expected = torch.load(expected_file, weights_only=True) if expected_file.is_file() else {}
    metrics = json.loads(metrics_file.read_text()) if metrics_file.is_file() else {}
    return Reference(directory, expected, metrics)


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
    isolation: str = "strong"
    """strong (refuse to run without a sandbox), auto (strong where possible) or basic."""
    visible_only: bool = False
    protocol: str | None = None
    """Override every training check's protocol (e.g. 'quick' for `grader check`)."""
    only: tuple[str, ...] = ()
    """Grade only these check ids (empty: all)."""
    limits: Limits = Limits()
    download: bool = False


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


def _stage_if_needed(spec: AssignmentSpec, checks: list[Check], options: GradeOptions) -> StagedDataset | None:
    if not any(PROBES[c.probe].needs_data for c in checks):
        return None
    return stage(spec.dataset, resolve_data_root(options.data_root), download=options.download)


def _result_without_child(spec: AssignmentSpec, checks: list[Check], name: str, error: str, device: str,
                          isolation: str, budget: float) -> SubmissionResult:
    results = tuple(CheckResult(check_id=c.id, name=c.name, probe=c.probe, status=Status.ERROR, points=0.0,
                                max_points=c.points, hidden=c.hidden, expected=PROBES[c.probe].expects,
                                found="not run: the submission could not be loaded") for c in checks)
    return SubmissionResult(assignment=spec.name, title=spec.title, submission=name, checks=results,
                            isolation=isolation, device=device, seconds=0.0, budget=budget, load_error=error,
                            graded_at=now(), grader_version=__version__)


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


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
    info = DATASETS[spec.dataset]
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


def prepare_grading(spec: AssignmentSpec, options: GradeOptions = GradeOptions()) -> Grading:
    """Resolve the device, checks, reference, staged data and sandbox once."""
    checks = selected_checks(spec, options)
    device = resolve_device(options.device)
    skipped = unavailable(checks, device, resolve_data_root(options.data_root))
    runnable = [c for c in checks if c.id not in skipped]
    reference = load_reference(spec)
    return Grading(spec=spec, options=options, device=device, checks=checks,
                   reference=reference, skipped=skipped, staged=_stage_if_needed(spec, runnable, options),
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
        return _result_without_child(spec, grading.checks, path.name, str(exc), device_label(device),
                                     sandbox.description, budget)
    defined = defined_names(submission.main_path)
    staged, reference = grading.staged, grading.reference
    try:
        report = measure(spec, submission, grading.runnable, reference, sandbox=sandbox,
                         limits=grading.options.limits, device=device, staged=staged, progress=progress,
                         executor=executor, prepared=grading.prepared)
        report = _regrade_contended(grading, submission, report, executor)
    finally:
        shutil.rmtree(submission.directory, ignore_errors=True)
    results, ran = judge(grading, report, defined, notebook=submission.main_file.endswith(".ipynb"))
    notes = [f"'{spec.check(cid).name}' was skipped and is not counted in the score: {reason}"
             for cid, reason in grading.skipped.items()] + list(submission.notes) + list(report.notes)
    if report.load_error:
        notes.append("Your submission could not be loaded, so no check could run; fix the error shown above first.")
    return SubmissionResult(
        assignment=spec.name, title=spec.title, submission=submission.name, checks=tuple(results),
        isolation=report.isolation or sandbox.description,
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


def judge(grading: Grading, report: ChildReport, defined: set[str], *, notebook: bool) -> tuple[list[CheckResult], RunInfo]:
    """Every check's result, and how the file ran with the root causes of what failed (grader.judge.diagnose):
    a check that failed for a cause the report explains once gets that cause's fix as its hint."""
    spec, device, reference, staged = grading.spec, grading.device, grading.reference, grading.staged
    verdicts, found = {}, []
    for c in grading.runnable:
        if PROBES[c.probe].measure is None:
            continue
        outcome = report.outcomes.get(c.id, CheckOutcome(kind=OutcomeKind.NOT_RUN, message="not run"))
        verdict = verdict_for(c, outcome, expected=reference.expected.get(c.id), defined=defined,
                              entry=spec.entry, labels=staged.test_labels if staged else None,
                              reference_metrics=reference.metrics, device_class=device, failure=report.failure,
                              salvaged=report.salvaged)
        cause = check_diagnosis(outcome.message, outcome.traceback, report.failure, notebook=notebook) \
            if outcome.kind is OutcomeKind.ERROR else None
        if cause is not None:
            found.append(cause)
            verdict = replace(verdict, found=f"{verdict.found}. {cause.summary[:1].upper()}{cause.summary[1:]}",
                              hint=cause.fix)
        verdicts[c.id] = (verdict, outcome)
    ran = run_info(report, import_budget=spec.import_budget, notebook=notebook, check_diagnoses=found)
    results = []
    for c in grading.checks:
        if c.id in grading.skipped:
            verdict = Verdict(0.0, PROBES[c.probe].expects, f"not run on this machine: {grading.skipped[c.id]}",
                              status=Status.SKIPPED)
            results.append(check_result(c, verdict, seconds=0.0, timeout=c.timeout_for(device), output=""))
        elif c.id not in verdicts:  # judged from how the file ran alone
            verdict = PROBES[c.probe].judge(JudgeContext(measured={}, expected=None, params=c.params, ran=ran))
            results.append(check_result(c, verdict, seconds=0.0, timeout=c.timeout_for(device), output=""))
        else:
            verdict, outcome = verdicts[c.id]
            output = outcome.output + (("\n" if outcome.output else "") + outcome.traceback if outcome.traceback else "")
            results.append(check_result(c, verdict, seconds=outcome.seconds, timeout=c.timeout_for(device), output=output))
    return results, ran


# ------------------------------------------------------------------------------------ references

def validate(spec: AssignmentSpec, *, options: GradeOptions = GradeOptions(),
             progress: ProgressFn | None = None) -> SubmissionResult:
    """Grade the reference solution; it must earn full marks within budget."""
    return grade(spec, load_reference(spec).solution, options=options, progress=progress)
