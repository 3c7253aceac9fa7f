"""The parent's side of the isolated child: start it with limits, feed it a job, read its
measurement channel and its output, enforce deadlines, and leave no process behind.

Nothing the child sends is unpickled: JSON lines on a dedicated pipe, tensors through
`torch.load(weights_only=True)`, and exact-type checks on what comes back.
"""
from __future__ import annotations

import ctypes
import json
import os
import resource
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from grader.isolation import CHILD_ROOT, NOBODY, PACKAGE_PARENT, Mount, Sandbox

MAX_LINE = 64 << 20
"""Largest channel message accepted (bytes)."""


@dataclass(frozen=True)
class Limits:
    """Resource limits of one grading child."""

    memory_bytes: int = 8 << 30
    """Address-space limit (RLIMIT_AS; importing the CUDA build of torch alone maps ~3.2 GB);
    not applied when the child uses CUDA."""
    max_processes: int = 256
    """Processes and threads of the child's user (RLIMIT_NPROC)."""
    file_size_bytes: int = 256 << 20
    output_bytes: int = 1 << 20
    """stdout and stderr are each kept up to this size; the rest is counted and dropped."""
    load_timeout: float = 60.0
    """Seconds allowed for importing a .py submission."""
    notebook_timeout: float = 180.0
    """Seconds allowed for executing a notebook's cells (kernel start included)."""
    cell_timeout: float = 60.0
    """Seconds allowed for one notebook cell."""
    threads: int = 2


@dataclass(frozen=True)
class CheckJob:
    """One check as the child gets it: measure parameters only, never expected values."""

    id: str
    probe: str
    params: dict[str, Any]
    timeout: float
    needs: tuple[str, ...] = ()
    """Names the submission must define for the check to run."""
    inputs: dict[str, Any] | None = None
    """Tensors the parent prepared (saved to a file the child loads with weights_only=True)."""


@dataclass(frozen=True)
class ChildJob:
    """Everything needed to grade one submission in a child."""

    submission_dir: Path
    """Folder with the submission's files (copied into the child's sandbox)."""
    main_file: str
    """Path of the file to import, relative to `submission_dir`."""
    entry: tuple[str, ...]
    dataset: str
    input_channels: int
    image_size: int
    num_classes: int
    checks: tuple[CheckJob, ...]
    budget: float
    """Seconds for the whole submission."""
    device: str = "cpu"
    seed: int = 0
    staged_dir: Path | None = None
    torch_hub: Path | None = None
    """The host's torch hub folder (pretrained weights), shown read-only to the child."""


@dataclass
class CheckOutcome:
    """What happened to one check in the child (not yet judged)."""

    kind: str
    """measured | measure_failed | error | missing | timeout | crashed | not_run"""
    data: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    hint: str = ""
    traceback: str = ""
    seconds: float = 0.0
    output: str = ""


@dataclass
class ChildReport:
    """Everything the parent learned from one child."""

    outcomes: dict[str, CheckOutcome]
    load_error: str = ""
    load_traceback: str = ""
    stdout: str = ""
    stderr: str = ""
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


class _Capture:
    """Keeps the first `limit` bytes of a stream and counts the rest."""

    def __init__(self, limit: int) -> None:
        self.limit, self.kept, self.dropped = limit, bytearray(), 0

    def add(self, chunk: bytes) -> None:
        room = self.limit - len(self.kept)
        self.kept += chunk[:max(room, 0)]
        self.dropped += max(len(chunk) - max(room, 0), 0)

    def text(self, start: int = 0) -> str:
        return bytes(self.kept[start:]).decode("utf-8", "replace")


_LIVE_CHILDREN: set[int] = set()
_LIVE_LOCK = threading.Lock()


def _become_subreaper() -> None:
    """Orphaned descendants of our children are re-parented to us, so they can be found and
    killed even if they left the process group with setsid() (basic isolation)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def _kill_orphans() -> None:
    """Kill processes re-parented to us that are not a live grading child."""
    me = os.getpid()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            pid, ppid = int(stat.parent.name), int(fields[1])
        except (OSError, IndexError, ValueError):
            continue
        with _LIVE_LOCK:
            ours = pid in _LIVE_CHILDREN
        if ppid == me and not ours and pid != me:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError, PermissionError):
                pass


def _limit_child(limits: Limits, cpu_seconds: int, use_cuda: bool) -> Callable[[], None]:
    def apply() -> None:
        if not use_cuda:
            resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_size_bytes, limits.file_size_bytes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        # Root ignores this limit; under strong isolation the child drops to `nobody`, where it holds.
        resource.setrlimit(resource.RLIMIT_NPROC, (limits.max_processes, limits.max_processes))
    return apply


def _child_env(home: Path, threads: int, device: str, torch_home: str | None) -> dict[str, str]:
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
        "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1",
        "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads),
        "MPLBACKEND": "Agg", "MPLCONFIGDIR": str(home / ".matplotlib"), "TMPDIR": "/tmp",
        # `!pip install` in a notebook fails at once instead of retrying a network it cannot reach.
        "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    if torch_home is not None:
        env["TORCH_HOME"] = torch_home
    if device.startswith("cuda") and "CUDA_VISIBLE_DEVICES" in os.environ:
        env["CUDA_VISIBLE_DEVICES"] = os.environ["CUDA_VISIBLE_DEVICES"]
    return env


def _describe_exit(returncode: int | None, limits: Limits) -> str:
    if returncode is None:
        return "the grading process stopped answering"
    if returncode < 0:
        sig = signal.Signals(-returncode).name
        extra = {"SIGKILL": " (killed: most likely the memory limit or a runaway process)",
                 "SIGXCPU": " (CPU-time limit exceeded)", "SIGXFSZ": " (file-size limit exceeded)",
                 "SIGSEGV": " (crashed)"}.get(sig, "")
        return f"the grading process was ended by {sig}{extra}"
    return f"the grading process exited with code {returncode} (the submission called exit/os._exit?)"


class _Session:
    """One child process being driven: its pipes, deadlines and collected outcomes."""

    def __init__(self, job: ChildJob, limits: Limits, on_event: Callable[[str, str, str], None]) -> None:
        self.job, self.limits, self.on_event = job, limits, on_event
        self.stdout, self.stderr = _Capture(limits.output_bytes), _Capture(limits.output_bytes)
        self.report = ChildReport(outcomes={})
        self.pending = [c.id for c in job.checks]
        self.current: str | None = None
        self.current_started = 0.0
        self.current_stdout_at = 0
        self.loaded = False
        self.done = False
        self.notebook = job.main_file.endswith(".ipynb")
        self.load_timeout = limits.notebook_timeout if self.notebook else limits.load_timeout

    def handle(self, message: dict[str, Any], tensors: Callable[[str], dict[str, Any]]) -> None:
        event, check_id = message.get("event"), message.get("check")
        now = time.monotonic()
        if event == "load_error":
            self.report.load_error = str(message.get("message", ""))
            self.report.load_traceback = str(message.get("traceback", ""))
        elif event == "loaded":
            self.loaded = True
        elif event == "cell_error" and not self.loaded:
            self.report.notes.append(f"In your notebook, {message.get('summary', 'a cell raised an error')}. "
                                     "Execution stopped there, so the cells after it were not run (as with "
                                     "Jupyter's Run All); the traceback is under 'Standard error'.")
        elif event == "start" and check_id in self.pending:
            self.current, self.current_started = check_id, now
            self.current_stdout_at = len(self.stdout.kept)
            self.on_event("start", check_id, "")
        elif event == "progress" and check_id == self.current:
            self.on_event("progress", check_id, str(message.get("message", ""))[:300])
        elif event in ("measured", "measure_failed", "error", "missing") and check_id == self.current:
            outcome = CheckOutcome(kind=event, seconds=now - self.current_started,
                                   output=self.stdout.text(self.current_stdout_at))
            if event == "measured":
                outcome.data = _restore_tensors(message.get("data"), tensors(str(message.get("tensors") or "")))
            elif event == "measure_failed":
                outcome.message, outcome.hint = str(message.get("found", "")), str(message.get("hint", ""))
            elif event == "error":
                outcome.message, outcome.traceback = str(message.get("message", "")), str(message.get("traceback", ""))
            else:
                outcome.message = f"not defined: {', '.join(map(str, message.get('names', [])))}"
            self._finish(check_id, outcome)
        elif event == "done":
            self.done = True
        elif event != "hello":
            raise ValueError(f"unexpected message from the grading process: {str(message)[:200]}")

    def _finish(self, check_id: str, outcome: CheckOutcome) -> None:
        self.report.outcomes[check_id] = outcome
        self.pending.remove(check_id)
        self.current = None
        self.on_event("end", check_id, outcome.kind)

    def deadline(self, started: float) -> tuple[float, str]:
        """(monotonic deadline, what it is for) for the current phase."""
        whole = started + self.job.budget
        if not self.loaded:
            return min(whole, started + self.load_timeout), "loading"
        if self.current is not None:
            timeout = next(c.timeout for c in self.job.checks if c.id == self.current)
            return min(whole, self.current_started + timeout), "check"
        return whole, "between checks"

    def stop(self, kind: str, message: str) -> None:
        """The child is gone: the running check gets `kind`, the rest are not run."""
        now = time.monotonic()
        if self.current is not None:
            self._finish(self.current, CheckOutcome(kind=kind, message=message, seconds=now - self.current_started,
                                                    output=self.stdout.text(self.current_stdout_at)))
        for check_id in list(self.pending):
            reason = f"not run: {message}" if self.loaded or self.report.load_error else message
            self.report.outcomes[check_id] = CheckOutcome(kind="not_run" if kind != "timeout" else "timeout",
                                                          message=reason)
        self.pending.clear()


def _restore_tensors(value: Any, tensors: dict[str, Any]) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__tensor__"}:
            return tensors[value["__tensor__"]]
        return {k: _restore_tensors(v, tensors) for k, v in value.items()}
    if isinstance(value, list):
        return [_restore_tensors(v, tensors) for v in value]
    return value


def _load_tensors(path: Path) -> dict[str, Any]:
    """Read a child's tensor file safely: weights_only, plain tensors only."""
    import torch

    if path.stat().st_size > MAX_LINE * 4:
        raise ValueError("the measurement file is too large")
    data = torch.load(path, weights_only=True, map_location="cpu")
    if not isinstance(data, dict) or not all(type(t) is torch.Tensor for t in data.values()):
        raise ValueError("the measurement file does not hold plain tensors")
    return data


def _prepare_tree(job: ChildJob, sandbox: Sandbox) -> tuple[Path, list[Mount], dict[str, Path]]:
    """Make the child's folders on the host and the mount list."""
    import torch

    root = Path(tempfile.mkdtemp(prefix="cnn-grader-"))
    dirs = {name: root / name for name in ("in", "out", "cwd", "home", "submission")}
    for d in dirs.values():
        d.mkdir()
    shutil.copytree(job.submission_dir, dirs["submission"], dirs_exist_ok=True, symlinks=False,
                    ignore_dangling_symlinks=True)
    for check in job.checks:
        if check.inputs is not None:
            torch.save(check.inputs, dirs["in"] / f"{check.id}.pt")
    if sandbox.strong and os.geteuid() == 0:
        for name in ("out", "cwd", "home"):
            os.chown(dirs[name], NOBODY, NOBODY)
    for d in (root, dirs["in"], dirs["submission"]):
        d.chmod(0o755)
    mounts = [Mount(dirs[n], CHILD_ROOT / n, writable=n in ("out", "cwd", "home")) for n in
              ("in", "submission", "out", "cwd", "home")]
    mounts.append(Mount(PACKAGE_PARENT / "grader", CHILD_ROOT / "lib" / "grader"))
    if job.staged_dir is not None:
        mounts.append(Mount(job.staged_dir, CHILD_ROOT / "data"))
    if job.torch_hub is not None:
        mounts.append(Mount(job.torch_hub, CHILD_ROOT / "torch" / "hub"))
    return root, mounts, dirs


def run_child(job: ChildJob, sandbox: Sandbox, limits: Limits = Limits(),
              on_event: Callable[[str, str, str], None] = lambda kind, check, message: None) -> ChildReport:
    """Grade-measure one submission in an isolated child; never raises for anything the
    submission does."""
    started = time.monotonic()
    root, mounts, dirs = _prepare_tree(job, sandbox)
    try:
        return _drive(job, sandbox, limits, on_event, started, mounts, dirs)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _drive(job: ChildJob, sandbox: Sandbox, limits: Limits, on_event: Callable[[str, str, str], None],
           started: float, mounts: list[Mount], dirs: dict[str, Path]) -> ChildReport:
    child = lambda host: str(sandbox.child_path(host, mounts))  # noqa: E731
    lib = CHILD_ROOT / "lib" if sandbox.strong else PACKAGE_PARENT
    read_fd, write_fd = os.pipe()
    job_file = dirs["in"] / "job.json"
    job_file.write_text(json.dumps({
        "channel_fd": write_fd, "submission": child(dirs["submission"] / job.main_file),
        "submission_dir": child(dirs["submission"]), "entry": list(job.entry), "device": job.device,
        "seed": job.seed, "threads": limits.threads, "dataset": job.dataset,
        "input_channels": job.input_channels, "image_size": job.image_size, "num_classes": job.num_classes,
        "staged_dir": child(job.staged_dir) if job.staged_dir else None, "out_dir": child(dirs["out"]),
        "lib": str(lib), "cell_timeout": limits.cell_timeout,
        "checks": [{"id": c.id, "probe": c.probe, "params": c.params, "needs": list(c.needs or job.entry[:1]),
                    "inputs": child(dirs["in"] / f"{c.id}.pt") if c.inputs is not None else None}
                   for c in job.checks]}))
    bootstrap = (f"import sys; sys.path.insert(0, {str(lib)!r}); import runpy; "
                 f"sys.argv = ['worker', {child(job_file)!r}]; runpy.run_module('grader.worker', run_name='__main__')")
    use_cuda = job.device.startswith("cuda")
    cmd = sandbox.command([sys.executable, "-I", "-c", bootstrap], mounts,
                          cwd=Path(child(dirs["cwd"])), gpu=use_cuda)
    _become_subreaper()
    session = _Session(job, limits, on_event)
    cpu_seconds = int(job.budget * max(limits.threads, 1) * 2 + 60)
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            pass_fds=(write_fd,), start_new_session=True, cwd=dirs["cwd"],
                            env=_child_env(Path(child(dirs["home"])), limits.threads, job.device,
                                           str(Path(child(job.torch_hub)).parent) if job.torch_hub else None),
                            preexec_fn=_limit_child(limits, cpu_seconds, use_cuda))
    with _LIVE_LOCK:
        _LIVE_CHILDREN.add(proc.pid)
    os.close(write_fd)
    try:
        _pump(proc, read_fd, session, started, limits, dirs["out"])
    finally:
        _kill_group(proc)
        with _LIVE_LOCK:
            _LIVE_CHILDREN.discard(proc.pid)
        os.close(read_fd)
        _kill_orphans()
    report = session.report
    report.stdout, report.stderr = session.stdout.text(), session.stderr.text()
    for name, cap in (("stdout", session.stdout), ("stderr", session.stderr)):
        if cap.dropped:
            report.notes.append(f"The submission wrote {cap.dropped + len(cap.kept):,} bytes to {name}; "
                                f"only the first {len(cap.kept):,} are kept.")
    report.seconds = time.monotonic() - started
    return report


def _pump(proc: subprocess.Popen, read_fd: int, session: _Session, started: float, limits: Limits,
          out_dir: Path) -> None:
    """Read the child's streams until it is done, dies, or misses a deadline."""
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ, session.stdout)
    selector.register(proc.stderr, selectors.EVENT_READ, session.stderr)
    selector.register(read_fd, selectors.EVENT_READ, "channel")
    pending = bytearray()
    channel_open = True

    def tensors(path: str) -> dict[str, Any]:
        if not path:
            return {}
        # The child names the file in its own view; only a file in our out dir is read.
        candidate = out_dir / Path(path).name
        return _load_tensors(candidate)

    while channel_open and not session.done:
        deadline, phase = session.deadline(started)
        timeout = deadline - time.monotonic()
        if timeout <= 0:
            _kill_group(proc)
            limit = "loading the submission" if phase == "loading" else "this check"
            session.stop("timeout", f"the time limit for {limit} ran out" if phase != "between checks"
                         else "the submission's total time budget ran out")
            if phase == "loading":
                limit = min(session.load_timeout, session.job.budget)
                session.report.load_error = (
                    f"running the notebook's cells took longer than {limit:.0f} s; tag training cells "
                    f"`skip-grading` so that grading does not run them" if session.notebook else
                    f"importing the submission took longer than {limit:.0f} s; top-level "
                    "training code must be under `if __name__ == \"__main__\":`")
            return
        for key, _ in selector.select(timeout=min(timeout, 1.0)):
            chunk = os.read(key.fd if key.data == "channel" else key.fileobj.fileno(), 1 << 16)
            if key.data != "channel":
                if chunk:
                    key.data.add(chunk)
                else:
                    selector.unregister(key.fileobj)
                continue
            if not chunk:
                channel_open = False
                break
            pending += chunk
            if len(pending) > MAX_LINE:
                _kill_group(proc)
                session.stop("crashed", "the grading process sent an oversized message (tampering?)")
                return
            while b"\n" in pending:
                line, _, rest = bytes(pending).partition(b"\n")
                pending = bytearray(rest)
                try:
                    message = json.loads(line)
                    if not isinstance(message, dict):
                        raise ValueError("not an object")
                    session.handle(message, tensors)
                except (ValueError, KeyError, OSError, RuntimeError) as exc:
                    _kill_group(proc)
                    session.stop("crashed", f"the grader could not read the measurement ({str(exc)[:120]}); "
                                            "did the submission tamper with torch or the grader's pipes?")
                    return
    _drain(proc, selector, seconds=1.0 if session.done else 5.0)
    if not session.done:
        last_error = session.stderr.text().strip().splitlines()[-1:] or [""]
        session.stop("crashed", _describe_exit(proc.returncode, limits)
                     + (f"; its last error output: {last_error[0][:200]}" if last_error[0] else ""))
        if not session.loaded and not session.report.load_error:
            session.report.load_error = _describe_exit(proc.returncode, limits) + " while being imported"
    selector.close()


def _drain(proc: subprocess.Popen, selector: selectors.BaseSelector, seconds: float) -> None:
    """After the channel closes: collect remaining output and the exit status (bounded)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end and any(k.data != "channel" for k in selector.get_map().values()):
        for key, _ in selector.select(timeout=0.2):
            if key.data == "channel":
                selector.unregister(key.fileobj)
                continue
            chunk = os.read(key.fileobj.fileno(), 1 << 16)
            if chunk:
                key.data.add(chunk)
            else:
                selector.unregister(key.fileobj)
    try:
        proc.wait(timeout=max(0.1, end - time.monotonic()))
    except subprocess.TimeoutExpired:
        _kill_group(proc)


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass
    for stream in (proc.stdout, proc.stderr):
        if stream and not stream.closed:
            stream.close()
