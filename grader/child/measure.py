"""One check's measure half, inside the child: run the probe on the submission's namespace and send
what it measured (grader.contract events). Shared by the .py worker and the notebook kernel."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from grader.child.frames import StudentCode, own_frames, student_traceback
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


def run_check(channel: Any, check: CheckJob, view: ChildView, namespace: dict[str, Any], inputs: dict[str, Any],
              save: Any, code: StudentCode) -> None:
    """Measure one check on `namespace` (the submission's globals; `code`: where the student's code is) and send
    the outcome."""
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
        code=code,
        progress=lambda message: channel.send(Progress(check=check.id, message=str(message)[:300])))
    try:
        data = PROBES[check.probe].measure(ctx, check.params)
        tensors: dict[str, Any] = {}
        data = split_tensors(data, tensors)
    except MeasureError as exc:
        channel.send(MeasureFailed(check=check.id, found=exc.found, hint=exc.hint, owner=exc.owner))
        return
    except BaseException as exc:  # noqa: BLE001 - SystemExit/KeyboardInterrupt from student code too
        channel.send(CheckError(check=check.id, message=ctx.describe(exc), traceback=student_traceback(exc, code),
                                frames=own_frames(exc, code)))
        return
    tensor_file = ""
    if tensors:
        tensor_file = str(Path(view.out_dir) / f"{check.id}.pt")
        save(tensors, tensor_file)
    channel.send(Measured(check=check.id, data=data, tensors=tensor_file))
