"""Runs inside the isolated child: load the submission, run each probe's measure half, stream
measurements to the parent. Never judges, never sees expected values or labels.

Protocol (one JSON object per line on the channel fd): hello, [cell_error], loaded | load_error,
then per check start → progress* → measured | measure_failed | error | missing, and finally done.
Tensors travel in a `.pt` file per check that the parent reads with `torch.load(weights_only=True)`.
Notebooks are executed in a kernel and measured there (grader.kernel); the events are the same.
"""
from __future__ import annotations

import json
import os
import sys
import traceback
import types
from pathlib import Path
from typing import Any

# Captured before any student code runs: a submission that patches these later cannot change
# how the worker talks to the parent.
_dumps = json.dumps
_write = os.write
_exact_type = type


class Channel:
    """Line-delimited JSON to the parent on an inherited pipe."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def send(self, event: str, **fields: Any) -> None:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001 - a student may have replaced the stream
                pass
        data = (_dumps({"event": event, **fields}, default=str) + "\n").encode()
        while data:
            data = data[_write(self.fd, data):]


def _student_traceback(exc: BaseException, submission_dir: str) -> str:
    """The traceback from the first frame in the student's files on (grader frames dropped)."""
    frames = traceback.extract_tb(exc.__traceback__)
    start = next((i for i, f in enumerate(frames) if f.filename.startswith(submission_dir)), len(frames))
    lines = traceback.format_list(frames[start:]) + traceback.format_exception_only(_exact_type(exc), exc)
    return "".join(lines)


def _split_tensors(value: Any, tensors: dict[str, Any]) -> Any:
    """Replace plain tensors by {'__tensor__': key} references, collecting them in `tensors`."""
    import torch

    if _exact_type(value) is torch.Tensor:
        key = f"t{len(tensors)}"
        tensors[key] = value.detach().cpu().contiguous()
        return {"__tensor__": key}
    if isinstance(value, torch.Tensor):
        raise TypeError(f"a tensor subclass ({_exact_type(value).__qualname__}) cannot be measured")
    if isinstance(value, dict):
        return {str(k): _split_tensors(v, tensors) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_split_tensors(v, tensors) for v in value]
    return value


def load_submission(path: Path) -> dict[str, Any]:
    """Execute the submission as module `submission` (not `__main__`, so guarded training code
    does not run) and return its globals."""
    sys.path.insert(0, str(path.parent))
    module = types.ModuleType("submission")
    module.__file__ = str(path)
    sys.modules["submission"] = module
    code = compile(path.read_bytes(), str(path), "exec")
    exec(code, module.__dict__)  # noqa: S102 - this is the point of the isolated child
    return module.__dict__


def run_check(channel: Any, check: dict[str, Any], job: dict[str, Any], namespace: dict[str, Any],
              save: Any, load: Any) -> None:
    """Measure one check on `namespace` (the submission's globals) and send the outcome."""
    from grader.probes import PROBES
    from grader.probes.base import MeasureContext, MeasureError

    check_id = check["id"]
    channel.send("start", check=check_id)
    missing = [name for name in check["needs"] if name not in namespace]
    if missing:
        channel.send("missing", check=check_id, names=missing)
        return
    inputs = load(check["inputs"], weights_only=True) if check.get("inputs") else {}
    ctx = MeasureContext(
        namespace=namespace, entry=tuple(job["entry"]), device=job["device"], seed=job["seed"],
        dataset=job["dataset"], input_channels=job["input_channels"], image_size=job["image_size"],
        num_classes=job["num_classes"], inputs=inputs,
        staged_dir=Path(job["staged_dir"]) if job.get("staged_dir") else None,
        submission_dir=job["submission_dir"],
        progress=lambda message: channel.send("progress", check=check_id, message=str(message)))
    try:
        data = PROBES[check["probe"]].measure(ctx, check["params"])
        tensors: dict[str, Any] = {}
        data = _split_tensors(data, tensors)
    except MeasureError as exc:
        channel.send("measure_failed", check=check_id, found=exc.found, hint=exc.hint)
        return
    except BaseException as exc:  # noqa: BLE001 - SystemExit/KeyboardInterrupt from student code too
        channel.send("error", check=check_id, message=ctx.describe(exc),
                     traceback=_student_traceback(exc, job["submission_dir"]))
        return
    tensor_file = ""
    if tensors:
        tensor_file = str(Path(job["out_dir"]) / f"{check_id}.pt")
        save(tensors, tensor_file)
    channel.send("measured", check=check_id, data=data, tensors=tensor_file)


def main(job_path: str) -> None:
    job = json.loads(Path(job_path).read_text())
    channel = Channel(job["channel_fd"])
    if job["submission"].endswith(".ipynb"):
        from grader.kernel import grade_notebook

        channel.send("hello", pid=os.getpid())
        grade_notebook(job, job_path, channel)
        channel.send("done")
        os._exit(0)
    import torch

    save, load = torch.save, torch.load  # captured before student code, like the above
    torch.set_num_threads(job["threads"])
    channel.send("hello", pid=os.getpid(), torch=torch.__version__)
    try:
        namespace = load_submission(Path(job["submission"]))
    except BaseException as exc:  # noqa: BLE001 - sys.exit, SyntaxError, anything at import
        if isinstance(exc, SyntaxError):
            message = f"SyntaxError: {exc.msg} (line {exc.lineno} of {Path(exc.filename or '?').name})"
        elif isinstance(exc, MemoryError):
            import resource

            limit = resource.getrlimit(resource.RLIMIT_AS)[0]
            message = "MemoryError: the submission ran out of memory while being imported" + (
                f" (the grader's limit is {limit / 2**30:.0f} GiB of address space)" if limit > 0 else "")
        elif isinstance(exc, SystemExit):
            message = f"the submission called sys.exit({exc.code!r}) while being imported"
        else:
            message = f"{_exact_type(exc).__name__}: {exc}"
        channel.send("load_error", message=message, traceback=_student_traceback(exc, job["submission_dir"]))
        channel.send("done")
        os._exit(0)
    channel.send("loaded", defined=[n for n in job["entry"] if n in namespace])
    for check in job["checks"]:
        run_check(channel, check, job, namespace, save, load)
    channel.send("done")
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1])
