"""One check's measure half, inside the child: run the probe on the submission's namespace and send
what it measured (grader.contract events). Shared by the .py worker and the notebook kernel."""
from __future__ import annotations

import traceback
from pathlib import Path
from typing import Any

from grader.contract import (
    CheckError,
    CheckJob,
    CheckStarted,
    ChildView,
    Measured,
    MeasureFailed,
    Missing,
    Progress,
)
from grader.contract.tensors import split_tensors

_exact_type = type  # captured before any student code runs


def student_traceback(exc: BaseException, submission_dir: str) -> str:
    """The traceback from the first frame in the student's files on (grader frames dropped)."""
    frames = traceback.extract_tb(exc.__traceback__)
    start = next((i for i, f in enumerate(frames) if f.filename.startswith(submission_dir)), len(frames))
    lines = traceback.format_list(frames[start:]) + traceback.format_exception_only(_exact_type(exc), exc)
    return "".join(lines)


def run_check(channel: Any, check: CheckJob, view: ChildView, namespace: dict[str, Any], inputs: dict[str, Any],
              save: Any) -> None:
    """Measure one check on `namespace` (the submission's globals) and send the outcome."""
    from grader.probes import PROBES
    from grader.probes.base import MeasureContext, MeasureError

    job = view.job
    channel.send(CheckStarted(check=check.id))
    missing = [name for name in check.needs if name not in namespace]
    if missing:
        channel.send(Missing(check=check.id, names=tuple(missing)))
        return
    ctx = MeasureContext(
        namespace=namespace, entry=job.entry, device=job.device, seed=job.seed, dataset=job.dataset,
        input_channels=job.input_channels, image_size=job.image_size, num_classes=job.num_classes,
        inputs=inputs.get(check.inputs, {}) if check.inputs else {}, staged_dir=job.staged_dir,
        submission_dir=view.submission_dir,
        progress=lambda message: channel.send(Progress(check=check.id, message=str(message)[:300])))
    try:
        data = PROBES[check.probe].measure(ctx, check.params)
        tensors: dict[str, Any] = {}
        data = split_tensors(data, tensors)
    except MeasureError as exc:
        channel.send(MeasureFailed(check=check.id, found=exc.found, hint=exc.hint, owner=exc.owner))
        return
    except BaseException as exc:  # noqa: BLE001 - SystemExit/KeyboardInterrupt from student code too
        channel.send(CheckError(check=check.id, message=ctx.describe(exc),
                                traceback=student_traceback(exc, view.submission_dir)))
        return
    tensor_file = ""
    if tensors:
        tensor_file = str(Path(view.out_dir) / f"{check.id}.pt")
        save(tensors, tensor_file)
    channel.send(Measured(check=check.id, data=data, tensors=tensor_file))
