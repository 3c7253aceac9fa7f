"""Runs inside the isolated child: load the submission, run each probe's measure half, stream
measurements to the parent. Never judges, never sees expected values or labels.

Events (grader.contract, one JSON line each on the channel fd): Hello, [TopLevelFailure], Loaded |
LoadError, then per check CheckStarted → Progress* → Measured | MeasureFailed | CheckError | Missing,
and finally Done. Tensors travel in a `.pt` file per check that the parent reads with
`torch.load(weights_only=True)`. Notebooks are executed in a kernel and measured there
(grader.child.kernel); the events are the same.
"""
from __future__ import annotations

import io
import os
import signal
import sys
import types
from pathlib import Path
from typing import Any

from grader.child.frames import StudentCode, student_traceback
from grader.child.measure import run_check
from grader.contract import (
    ChildView,
    Done,
    Event,
    Hello,
    Loaded,
    LoadError,
    TopLevelFailure,
    encode_event,
)


class WholeWrites(io.FileIO):
    """A raw file whose `write` writes all it is given. Python's unbuffered stdout writes to a plain FileIO, which
    writes only part of a large write to a full pipe when a signal (the import budget's timer) arrives, and the
    text layer drops the rest: a submission's output would be lost without a trace."""

    def write(self, data: Any) -> int:
        view, written = memoryview(data).cast("B"), 0
        while written < len(view):
            written += super().write(view[written:]) or 0
        return written


def unbuffered_streams() -> None:
    """stdout and stderr unbuffered, as PYTHONUNBUFFERED makes them, and never losing part of a write."""
    sys.stdout, sys.stderr = (io.TextIOWrapper(WholeWrites(fd, "w", closefd=False), encoding="utf-8",
                                               errors="backslashreplace" if fd == 2 else "strict",
                                               write_through=True) for fd in (1, 2))


# Captured before any student code runs: a submission that patches these later cannot change
# how the worker talks to the parent.
_write = os.write
_exact_type = type


class Channel:
    """Events to the parent, one line each, on an inherited pipe."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def send(self, event: Event) -> None:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001 - a student may have replaced the stream
                pass
        data = encode_event(event)
        while data:
            data = data[_write(self.fd, data):]


class ImportBudgetExceeded(BaseException):
    """Raised in the importing thread when top-level code runs past the import budget."""


BUDGET_TICK = 0.5
"""Seconds between two looks at the charged time while importing (SIGALRM; no thread is started,
so the submission's process count is what it would be without the budget)."""

CUDA_CONTEXT_BYTES = 1 << 30
"""GPU memory a CUDA context with cuDNN and cuBLAS loaded holds outside PyTorch's allocator (about)."""


def load_submission(path: Path, import_budget: float) -> tuple[dict[str, Any], BaseException | None]:
    """Execute the submission as module `submission` (not `__main__`, so guarded training code
    does not run); its globals, and what its top-level code raised (None if nothing). Top-level code
    charged more than `import_budget` seconds (grader.budget) is interrupted with ImportBudgetExceeded.
    A file that does not compile raises SyntaxError here."""
    from grader.budget import ChargedClock

    sys.path.insert(0, str(path.parent))
    sys.argv = [str(path)]  # as if run with `python file.py` and no arguments (argparse defaults apply)
    module = types.ModuleType("submission")
    module.__file__ = str(path)
    sys.modules["submission"] = module
    code = compile(path.read_bytes(), str(path), "exec")
    clock = ChargedClock(lambda: ["self"])
    start, importing = clock.mark(), [True]

    def look(signum: int, frame: Any) -> None:
        clock.sample()
        if importing[0] and clock.since(start).over(import_budget):
            raise ImportBudgetExceeded

    signal.signal(signal.SIGALRM, look)
    signal.setitimer(signal.ITIMER_REAL, BUDGET_TICK, BUDGET_TICK)
    try:
        exec(code, module.__dict__)  # noqa: S102 - this is the point of the isolated child
    except BaseException as exc:  # noqa: BLE001 - whatever the top level does becomes the failure
        return module.__dict__, exc
    finally:
        importing[0] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_IGN)
    return module.__dict__, None


def _load_error_message(exc: BaseException) -> str:
    """What went wrong while importing, in one line."""
    if isinstance(exc, SyntaxError):
        return f"SyntaxError: {exc.msg} (line {exc.lineno} of {Path(exc.filename or '?').name})"
    if isinstance(exc, MemoryError):
        import resource

        limit = resource.getrlimit(resource.RLIMIT_AS)[0]
        return "MemoryError: the submission ran out of memory while being imported" + (
            f" (the grader's limit is {limit / 2**30:.0f} GiB of address space)" if limit > 0 else "")
    if isinstance(exc, SystemExit):
        return f"the submission called sys.exit({exc.code!r}) while being imported"
    if isinstance(exc, ImportBudgetExceeded):
        return "the submission's top-level code was still running when the import budget ran out"
    return f"{_exact_type(exc).__name__}: {exc}"


def _salvage(path: Path, namespace: dict[str, Any], failure: BaseException, entry: tuple[str, ...],
             traceback_text: str) -> TopLevelFailure | None:
    """Run the definitions after the failed top-level statement, or around the blocks that do not parse
    (grader.child.salvage); the event that says so, or None when the failure is not in top-level code."""
    from grader.child import salvage

    source, where = path.read_bytes().decode("utf-8", "replace"), dict(module_name="submission", protected=set(entry))
    if isinstance(failure, SyntaxError):
        done = salvage.around_syntax_errors(source, str(path), namespace, failure, **where)
    else:
        done = salvage.after_failure(source, str(path), namespace,
                                     salvage.failing_line(failure.__traceback__, str(path)), **where)
    if done is None:
        return None
    return TopLevelFailure.from_dict({
        "where": done.where, "source": done.source, "exception": _exact_type(failure).__name__,
        "message": str(failure.msg if isinstance(failure, SyntaxError) else failure)[:2000],
        "traceback": traceback_text, "salvaged": True, "budget": isinstance(failure, ImportBudgetExceeded),
        "ends_program": done.ends_program, **done.report.to_json()})


def _load(view: ChildView, channel: Channel) -> dict[str, Any] | None:
    """Import the submission; when its top-level code fails, salvage its definitions (if the spec
    allows). The namespace to grade, or None after a LoadError."""
    path, job = Path(view.submission), view.job
    try:
        namespace, failure = load_submission(path, job.import_budget)
    except SyntaxError as exc:  # the file does not compile: nothing of it ran
        failure, namespace = exc, sys.modules["submission"].__dict__
    except BaseException as exc:  # noqa: BLE001 - a hostile compile (e.g. a recursion bomb)
        failure, namespace = exc, None
    if failure is None:
        return namespace
    traceback_text = student_traceback(failure, StudentCode(view.submission_dir))
    salvaged = None
    if namespace is not None and job.salvage and not isinstance(failure, MemoryError):
        try:
            salvaged = _salvage(path, namespace, failure, job.entry, traceback_text)
        except SyntaxError:  # beyond repair
            salvaged = None
    if salvaged is not None:
        channel.send(salvaged)
        if any(name in namespace for name in job.entry):
            return namespace
    channel.send(LoadError(message=_load_error_message(failure), traceback=traceback_text))
    return None


def _cap_gpu_memory(torch: Any, share: int) -> None:
    """Make PyTorch's allocator refuse more than this child's share of the GPU (less a CUDA context's
    overhead); the parent's NVML guard (grader.execute.gpu) stops whatever gets past it."""
    total = torch.cuda.get_device_properties(0).total_memory
    torch.cuda.set_per_process_memory_fraction(max(share - CUDA_CONTEXT_BYTES, share // 2) / total)


def main(job_path: str) -> None:
    unbuffered_streams()
    view = ChildView.from_json(Path(job_path).read_text())
    channel = Channel(view.channel_fd)
    if view.submission.endswith(".ipynb"):
        from grader.child.kernel import grade_notebook

        channel.send(Hello(pid=os.getpid()))
        grade_notebook(view, job_path, channel)
        channel.send(Done())
        os._exit(0)
    import torch

    save, load = torch.save, torch.load  # captured before student code, like the above
    torch.set_num_threads(view.job.limits.threads)
    if view.job.device.startswith("cuda") and view.job.limits.gpu_memory_bytes:
        _cap_gpu_memory(torch, view.job.limits.gpu_memory_bytes)
    channel.send(Hello(pid=os.getpid(), torch=torch.__version__))
    inputs = load(view.inputs, weights_only=True) if view.inputs else {}
    namespace = _load(view, channel)
    if namespace is None:
        channel.send(Done())
        os._exit(0)
    channel.send(Loaded(defined=tuple(n for n in view.job.entry if n in namespace)))
    code = StudentCode(view.submission_dir)
    for check in view.job.checks:
        run_check(channel, check, view, namespace, inputs, save, code)
    channel.send(Done())
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1])
