"""`grader reference record`: the reference solution's expected measurements (expected.pt, on the CPU)
and its accuracy under a training protocol over several seeds on the grading device (metrics.json, one
recording per protocol and device class, with provenance)."""
from __future__ import annotations

import json
import platform
import time
from dataclasses import replace
from pathlib import Path
from typing import Callable

from grader import __version__
from grader.api import (
    GradeOptions,
    ProgressFn,
    device_label,
    measure,
    resolve_device,
    stage_if_needed,
    unavailable,
)
from grader.contract import OutcomeKind
from grader.execute.sandbox import Sandbox, detect
from grader.probes import PROBES
from grader.results import now
from grader.spec import AssignmentSpec, Check
from grader.spec.catalog import find_reference
from grader.spec.reference import Reference
from grader.submission.load import Submission
from grader.training.data import StagedDataset, resolve_data_root


def record_reference(spec: AssignmentSpec, *, protocol: str, seeds: int, options: GradeOptions,
                     progress: ProgressFn | None = None, log: Callable[[str], None] = print,
                     metrics_only: bool = False) -> Path:
    """Measure the reference solution with every non-training probe (expected.pt; not with `metrics_only`)
    and its accuracy under `protocol` over `seeds` seeds on the grading device (metrics.json, one recording
    per protocol and device class). Returns the reference folder."""
    import torch

    from grader.probes.training import accuracy
    from grader.training.train import get_protocol

    reference = find_reference(spec)
    device = resolve_device(options.device)
    submission = Submission("solution.py", reference.directory, "solution.py")
    static = [c for c in spec.checks if not PROBES[c.probe].trains and PROBES[c.probe].needs_reference]
    training = [c for c in spec.checks if PROBES[c.probe].trains]
    root = resolve_data_root(options.data_root)
    staged = stage_if_needed(spec, list(spec.checks), options)
    sandbox = detect(options.isolation)
    if not metrics_only:
        _record_expected(spec, submission, static, reference, sandbox, options, staged, progress, log)
    if not training:
        log("no training check in the spec: no accuracy to record")
        return reference.directory
    template = next((c for c in training if c.params.get("protocol") == protocol), training[0])
    blocked = unavailable([replace(template, devices=(device,))], device, root)
    if blocked:
        raise RuntimeError(f"cannot record '{template.id}' on this machine: {blocked[template.id]}")
    accuracy_check = replace(template, timeout={"cpu": 3600.0, "cuda": 3600.0},
                             params={**template.params, "protocol": protocol})
    accuracies, seconds = [], []
    long_spec = replace(spec, budgets={"cpu": 3600.0, "cuda": 3600.0})
    for seed in range(seeds):
        start = time.monotonic()
        run = measure(long_spec, submission, [accuracy_check], reference, sandbox=sandbox, limits=options.limits,
                      device=device, staged=staged, seed=seed, progress=progress)
        outcome = run.outcomes[accuracy_check.id]
        if outcome.kind is not OutcomeKind.MEASURED:
            raise RuntimeError(f"reference training failed (seed {seed}): {outcome.message}\n{outcome.traceback}\n"
                               f"{run.stderr[-2000:]}")
        accuracies.append(accuracy(outcome.data["predictions"], staged.test_labels))
        seconds.append(outcome.data.get("train_seconds", outcome.seconds))
        log(f"seed {seed}: accuracy {accuracies[-1]:.4f} in {time.monotonic() - start:.1f} s")
    acc = torch.tensor(accuracies, dtype=torch.float64)
    metrics_file = reference.directory / "metrics.json"
    metrics = json.loads(metrics_file.read_text()) if metrics_file.is_file() else {"protocols": {}}
    metrics["assignment"] = spec.name
    metrics["protocols"].setdefault(protocol, {})[device] = {
        "protocol": get_protocol(spec.dataset, protocol).description,
        "accuracy_mean": round(float(acc.mean()), 4),
        "accuracy_std": round(float(acc.std()) if len(accuracies) > 1 else 0.0, 4),
        "accuracies": [round(a, 4) for a in accuracies], "seeds": list(range(seeds)),
        "train_seconds_mean": round(sum(seconds) / len(seconds), 1), "engine": outcome.data.get("engine", ""),
        "device": device_label(device), "torch": torch.__version__, "torchvision": _torchvision_version(),
        "python": platform.python_version(), "dataset": spec.dataset,
        "dataset_fingerprint": staged.fingerprint, "isolation": sandbox.level,
        "recorded_at": now(), "grader_version": __version__,
        **outcome.data.get("provenance", {}),
    }
    metrics_file.write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    log(f"recorded metrics → {metrics_file}")
    return reference.directory


def _record_expected(spec: AssignmentSpec, submission: Submission, static: list[Check], reference: Reference,
                     sandbox: Sandbox, options: GradeOptions, staged: StagedDataset | None,
                     progress: ProgressFn | None, log: Callable[[str], None]) -> None:
    """expected.pt: the reference's measurement for every check judged against it (on the CPU)."""
    import torch

    report = measure(spec, submission, static, reference, sandbox=sandbox, limits=options.limits, device="cpu",
                     staged=staged, progress=progress)
    expected = {}
    for c in static:
        outcome = report.outcomes[c.id]
        if outcome.kind is not OutcomeKind.MEASURED:
            raise RuntimeError(f"the reference failed check '{c.id}': {outcome.kind}: {outcome.message}\n"
                               f"{outcome.traceback}")
        raised = _raised(outcome.data)
        if raised:
            raise RuntimeError(f"the reference failed check '{c.id}': its code raised {raised}; hint: check the "
                               "check's parameters (inputs, shapes) against what the reference accepts")
        expected[c.id] = outcome.data
    torch.save(expected, reference.directory / "expected.pt")
    log(f"recorded expected measurements for {len(expected)} checks → {reference.directory / 'expected.pt'}")


def _raised(data: object) -> str:
    """The first error a probe measured as the code's behaviour (probes record it under a key 'error')."""
    if isinstance(data, dict):
        if isinstance(data.get("error"), str) and data["error"]:
            return data["error"]
        data = list(data.values())
    if isinstance(data, (list, tuple)):
        return next((found for item in data if (found := _raised(item))), "")
    return ""


def _torchvision_version() -> str:
    import torchvision

    return torchvision.__version__
