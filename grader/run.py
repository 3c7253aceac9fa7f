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
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Callable, Protocol

from grader.budget import ChargedClock, Mark
from grader.contract import CheckOutcome, ChildJob, ChildReport, Limits, TopLevelFailure
from grader.isolation import CHILD_ROOT, PACKAGE_PARENT, Mount, Sandbox
from grader.proctree import child_pids, process_tree

if TYPE_CHECKING:
    from grader.forkserver import ForkServer

CHANNEL_FD = 3
"""The fd number a forked child's worker writes its measurements to."""

MAX_LINE = 64 << 20
"""Largest channel message accepted (bytes)."""

READ_BYTES = 1 << 20
"""Bytes read from a child's pipe at a time."""
SALVAGE_SECONDS = 30.0
"""Charged seconds a .py child gets, beyond its import budget, to salvage its definitions."""


class _Capture:
    """Keeps the first `limit` bytes of a stream and counts the rest."""

    def __init__(self, limit: int) -> None:
        self.limit, self.kept, self.dropped = limit, bytearray(), 0

    def add(self, chunk: bytes) -> None:
        room = max(self.limit - len(self.kept), 0)
        if room:
            self.kept += chunk[:room]
        self.dropped += max(len(chunk) - room, 0)

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
    """Kill processes re-parented to us that are not a live grading child. Holds the registry's lock
    throughout, so that a child another thread is starting is never mistaken for an orphan."""
    with _LIVE_LOCK:
        for pid in child_pids(os.getpid()):
            if pid not in _LIVE_CHILDREN:
                try:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                except (ProcessLookupError, ChildProcessError, PermissionError):
                    pass


def rlimits_for(limits: Limits, cpu_seconds: int | None, use_cuda: bool) -> dict[str, int]:
    """The resource limits of a grading child, by RLIMIT_* name (no CPU limit when `cpu_seconds`
    is None)."""
    values = {"FSIZE": limits.file_size_bytes, "CORE": 0,
              # Root ignores this limit; under strong isolation the child drops to `nobody`, where it holds.
              "NPROC": limits.max_processes}
    if not use_cuda:
        values["AS"] = limits.memory_bytes
    if cpu_seconds is not None:
        values["CPU"] = cpu_seconds
    return values


def apply_rlimits(values: dict[str, int]) -> None:
    """Set each limit (soft and hard) in the calling process."""
    for name, value in values.items():
        resource.setrlimit(getattr(resource, f"RLIMIT_{name}"), (value, value))


def _describe_exit(returncode: int | None) -> str:
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
        self.clock = ChargedClock(lambda: [])
        """Replaced by the child's own clock once it runs (grader.budget: load does not count)."""
        self.started = self.current_started = self.clock.mark()
        self.current_stdout_at = 0
        self.loaded = False
        self.done = False
        self.notebook = job.main_file.endswith(".ipynb")
        self.load_timeout = limits.notebook_timeout if self.notebook else \
            max(limits.load_timeout, job.import_budget + SALVAGE_SECONDS)

    def watch(self, clock: ChargedClock) -> None:
        """Charge the budgets with `clock` from now on."""
        self.clock, self.started = clock, clock.mark()

    def _elapsed(self) -> float:
        return round(self.clock.since(self.current_started).charged, 3)

    def handle(self, message: dict[str, Any], tensors: Callable[[str], dict[str, Any]]) -> None:
        event, check_id = message.get("event"), message.get("check")
        if event == "load_error":
            self.report.load_error = str(message.get("message", ""))
            self.report.load_traceback = str(message.get("traceback", ""))
        elif event == "loaded":
            self.loaded = True
        elif event in ("salvaged", "cell_error") and not self.loaded and self.report.failure is None:
            self.report.failure = TopLevelFailure.from_event(message)
            self.report.salvaged = event == "salvaged"
        elif event == "start" and check_id in self.pending:
            self.current, self.current_started = check_id, self.clock.mark()
            self.current_stdout_at = len(self.stdout.kept)
            self.on_event("start", check_id, "")
        elif event == "progress" and check_id == self.current:
            self.on_event("progress", check_id, str(message.get("message", ""))[:300])
        elif event in ("measured", "measure_failed", "error", "missing") and check_id == self.current:
            outcome = CheckOutcome(kind=event, seconds=self._elapsed(), output=self.stdout.text(self.current_stdout_at))
            if event == "measured":
                outcome.data = _restore_tensors(message.get("data"), tensors(str(message.get("tensors") or "")))
            elif event == "measure_failed":
                outcome.message, outcome.hint = str(message.get("found", "")), str(message.get("hint", ""))
            elif event == "error":
                outcome.message, outcome.traceback = str(message.get("message", "")), str(message.get("traceback", ""))
            else:
                names = [str(n)[:100] for n in message.get("names", [])][:20]
                outcome.message, outcome.data = f"not defined: {', '.join(names)}", {"missing": names}
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

    def budgets(self) -> list[tuple[Mark, float, str]]:
        """(mark it counts from, charged seconds allowed, what it is for) of every running budget."""
        running = [(self.started, self.job.budget, "the submission's total time budget")]
        if not self.loaded:
            what = "running the notebook's cells" if self.notebook else "importing the submission"
            running.append((self.started, self.load_timeout, f"the time limit for {what}"))
        elif self.current is not None:
            timeout = next(c.timeout for c in self.job.checks if c.id == self.current)
            running.append((self.current_started, timeout, "the time limit for this check"))
        return running

    def stop(self, kind: str, message: str) -> None:
        """The child is gone: the running check gets `kind`, the rest are not run."""
        if self.current is not None:
            self._finish(self.current, CheckOutcome(kind=kind, message=message, seconds=self._elapsed(),
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


class ChildProcess(Protocol):
    """A running grading child as the parent drives it."""

    stdout: IO[bytes]
    stderr: IO[bytes]

    @property
    def returncode(self) -> int | None: ...

    @property
    def clock_root(self) -> int:
        """Pid whose process tree is charged for the child's time (grader.budget)."""

    def wait(self, timeout: float) -> None:
        """Wait up to `timeout` seconds for it to exit."""

    def kill(self) -> None:
        """Kill it and every process it started; close the streams."""


class FreshChild:
    """A child started as a new process (a new interpreter in a new sandbox)."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.proc, self.stdout, self.stderr = proc, proc.stdout, proc.stderr
        self.clock_root = proc.pid

    @property
    def returncode(self) -> int | None:
        return self.proc.returncode

    def wait(self, timeout: float) -> None:
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass

    def kill(self) -> None:
        kill_registered(self.proc)


def start_registered(cmd: list[str], **popen: Any) -> subprocess.Popen:
    """Start a child (start_new_session) registered as live in the same step, so that no orphan
    sweep of a concurrent grading thread kills it; `kill_registered` ends it."""
    _become_subreaper()
    with _LIVE_LOCK:
        proc = subprocess.Popen(cmd, start_new_session=True, **popen)
        _LIVE_CHILDREN.add(proc.pid)
    return proc


def kill_registered(proc: subprocess.Popen) -> None:
    """Kill a child from `start_registered` and its sandbox: its group, then whatever was
    re-parented to us (bubblewrap's namespace init: reaping it waits until the namespace is empty)."""
    _kill_process_group(proc)
    with _LIVE_LOCK:
        _LIVE_CHILDREN.discard(proc.pid)
    _kill_orphans()


def _prepare_tree(job: ChildJob, sandbox: Sandbox, parent: Path | None) -> tuple[Path, dict[str, Path]]:
    """Make the child's folders on the host (under `parent`, else in the temp folder)."""
    import torch

    root = Path(tempfile.mkdtemp(prefix="cnn-grader-", dir=parent))
    dirs = {name: root / name for name in ("in", "out", "cwd", "home", "submission")}
    for d in dirs.values():
        d.mkdir()
    shutil.copytree(job.submission_dir, dirs["submission"], dirs_exist_ok=True, symlinks=False,
                    ignore_dangling_symlinks=True)
    for check in job.checks:
        if check.inputs is not None:
            torch.save(check.inputs, dirs["in"] / f"{check.id}.pt")
    if sandbox.drops_root:
        for name in ("out", "cwd", "home"):
            os.chown(dirs[name], sandbox.uid, sandbox.uid)
    for d in (root, dirs["in"], dirs["submission"]):
        d.chmod(0o755)
    return root, dirs


def shared_mounts(staged_dir: Path | None, torch_hub: Path | None) -> list[Mount]:
    """What every grading child sees besides its own folders: the grader, the staged data and
    the pretrained weights, read-only."""
    mounts = [Mount(PACKAGE_PARENT / "grader", CHILD_ROOT / "lib" / "grader")]
    if staged_dir is not None:
        mounts.append(Mount(staged_dir, CHILD_ROOT / "data"))
    if torch_hub is not None:
        mounts.append(Mount(torch_hub, CHILD_ROOT / "torch" / "hub"))
    return mounts


def child_lib(sandbox: Sandbox) -> Path:
    """Where the child imports the grader package from."""
    return CHILD_ROOT / "lib" if sandbox.strong else PACKAGE_PARENT


def child_env(home: Path, threads: int, device: str, torch_home: Path | None) -> dict[str, str]:
    """The scrubbed environment of a grading child (`home`, `torch_home`: paths as the child sees them)."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
        "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1",
        "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads),
        # OpenMP threads waiting at a barrier sleep after a short spin instead of spinning for long: on a busy
        # machine a long spin burns the CPU share the thread they wait for needs (grader.budget)
        "GOMP_SPINCOUNT": "20000",
        "MPLBACKEND": "Agg", "MPLCONFIGDIR": str(home / ".matplotlib"), "TMPDIR": "/tmp",
        # `!pip install` in a notebook fails at once instead of retrying a network it cannot reach.
        "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    if torch_home is not None:
        env["TORCH_HOME"] = str(torch_home)
    if device.startswith("cuda") and "CUDA_VISIBLE_DEVICES" in os.environ:
        env["CUDA_VISIBLE_DEVICES"] = os.environ["CUDA_VISIBLE_DEVICES"]
    return env


def run_child(job: ChildJob, sandbox: Sandbox, limits: Limits = Limits(),
              on_event: Callable[[str, str, str], None] = lambda kind, check, message: None,
              server: ForkServer | None = None) -> ChildReport:
    """Grade-measure one submission in an isolated child — a new process, or one forked by
    `server` (which must have been started for this job's device, data and weights); never
    raises for anything the submission does."""
    if server is not None and not server.serves(job):
        raise ValueError("this fork server was started for another device, dataset or weights folder")
    root, dirs = _prepare_tree(job, sandbox, server.jobs_root if server else None)
    try:
        return _drive(job, sandbox, limits, on_event, dirs, server)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _drive(job: ChildJob, sandbox: Sandbox, limits: Limits, on_event: Callable[[str, str, str], None],
           dirs: dict[str, Path], server: ForkServer | None) -> ChildReport:
    if server is not None:
        mounts = server.mounts
    else:
        mounts = [Mount(dirs[n], CHILD_ROOT / n, writable=n in ("out", "cwd", "home"))
                  for n in ("in", "submission", "out", "cwd", "home")]
        mounts += shared_mounts(job.staged_dir, job.torch_hub)
    child = lambda host: sandbox.child_path(host, mounts)  # noqa: E731
    read_fd, write_fd = os.pipe()
    job_file = dirs["in"] / "job.json"
    job_file.write_text(json.dumps({
        "channel_fd": CHANNEL_FD if server else write_fd, "submission": str(child(dirs["submission"] / job.main_file)),
        "submission_dir": str(child(dirs["submission"])), "entry": list(job.entry), "device": job.device,
        "seed": job.seed, "threads": limits.threads, "dataset": job.dataset,
        "input_channels": job.input_channels, "image_size": job.image_size, "num_classes": job.num_classes,
        "staged_dir": str(child(job.staged_dir)) if job.staged_dir else None, "out_dir": str(child(dirs["out"])),
        "lib": str(child_lib(sandbox)), "cell_timeout": limits.cell_timeout,
        "salvage": job.salvage, "import_budget": job.import_budget,
        "checks": [{"id": c.id, "probe": c.probe, "params": c.params, "needs": list(c.needs or job.entry[:1]),
                    "inputs": str(child(dirs["in"] / f"{c.id}.pt")) if c.inputs is not None else None}
                   for c in job.checks]}))
    use_cuda = job.device.startswith("cuda")
    env = child_env(child(dirs["home"]), limits.threads, job.device,
                    child(job.torch_hub).parent if job.torch_hub else None)
    rlimits = rlimits_for(limits, int(job.budget * max(limits.threads, 1) * 2 + 60), use_cuda)
    session = _Session(job, limits, on_event)
    try:
        proc = server.spawn(child(job_file), child(dirs["cwd"]), env, rlimits, write_fd) if server else \
            _start_fresh(sandbox, mounts, child(job_file), child(dirs["cwd"]), env, rlimits, write_fd, use_cuda)
    finally:
        os.close(write_fd)
    try:
        session.watch(ChargedClock(lambda: process_tree(proc.clock_root)))
        _pump(proc, read_fd, session, dirs["out"])
    finally:
        proc.kill()
        os.close(read_fd)
    report = session.report
    report.stdout, report.stderr = session.stdout.text(), session.stderr.text()
    for name, cap in (("stdout", session.stdout), ("stderr", session.stderr)):
        if cap.dropped:
            report.notes.append(f"The submission wrote {cap.dropped + len(cap.kept):,} bytes to {name}; "
                                f"only the first {len(cap.kept):,} are kept.")
    session.clock.sample()
    report.seconds = session.clock.since(session.started).charged
    return report


def worker_command(module: str, sandbox: Sandbox, *args: str) -> list[str]:
    """`python -I` running `grader.<module>` with `args`, importing the grader from where the child sees it."""
    lib = child_lib(sandbox)
    return [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(lib)!r}); import runpy; "
            f"sys.argv = ['{module}', *{list(args)!r}]; runpy.run_module('grader.{module}', run_name='__main__')"]


def _start_fresh(sandbox: Sandbox, mounts: list[Mount], job_file: Path, cwd: Path, env: dict[str, str],
                 rlimits: dict[str, int], channel_fd: int, use_cuda: bool) -> FreshChild:
    """A new interpreter in a new sandbox running the worker on `job_file` (paths as the child sees them)."""
    cmd = sandbox.command(worker_command("worker", sandbox, str(job_file)), mounts, cwd=cwd, gpu=use_cuda)
    proc = start_registered(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            pass_fds=(channel_fd,), cwd=cwd if not sandbox.strong else None, env=env,
                            preexec_fn=lambda: apply_rlimits(rlimits))
    return FreshChild(proc)


def _time_out(session: _Session, what: str, how: str) -> None:
    """The child was killed at a deadline: say which budget ran out and by how much."""
    session.stop("timeout", f"{what} ran out: {how}")
    if not session.loaded:
        session.report.load_error = (
            f"running the notebook's cells took too long ({how}); tag training cells `skip-grading` so that "
            "grading does not run them" if session.notebook else
            f"importing the submission took too long ({how}); top-level training code must be under "
            "`if __name__ == \"__main__\":`")


def _pump(proc: ChildProcess, read_fd: int, session: _Session, out_dir: Path) -> None:
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
        session.clock.sample()
        wait = 1.0
        for mark, budget, what in session.budgets():
            charge = session.clock.since(mark)
            if charge.over(budget):
                proc.kill()
                _time_out(session, what, charge.describe(budget))
                return
            wait = min(wait, charge.remaining(budget))
        for key, _ in selector.select(timeout=max(wait, 0.01)):
            chunk = os.read(key.fd if key.data == "channel" else key.fileobj.fileno(), READ_BYTES)
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
                proc.kill()
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
                    proc.kill()
                    session.stop("crashed", f"the grader could not read the measurement ({str(exc)[:120]}); "
                                            "did the submission tamper with torch or the grader's pipes?")
                    return
    _drain(proc, selector, seconds=1.0 if session.done else 5.0)
    if not session.done:
        last_error = session.stderr.text().strip().splitlines()[-1:] or [""]
        session.stop("crashed", _describe_exit(proc.returncode)
                     + (f"; its last error output: {last_error[0][:200]}" if last_error[0] else ""))
        if not session.loaded and not session.report.load_error:
            session.report.load_error = _describe_exit(proc.returncode) + " while being imported"
    selector.close()


def _drain(proc: ChildProcess, selector: selectors.BaseSelector, seconds: float) -> None:
    """After the channel closes: collect remaining output and the exit status (bounded)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end and any(k.data != "channel" for k in selector.get_map().values()):
        for key, _ in selector.select(timeout=0.2):
            if key.data == "channel":
                selector.unregister(key.fileobj)
                continue
            chunk = os.read(key.fileobj.fileno(), READ_BYTES)
            if chunk:
                key.data.add(chunk)
            else:
                selector.unregister(key.fileobj)
    proc.wait(max(0.1, end - time.monotonic()))
    if proc.returncode is None:
        proc.kill()


def _kill_process_group(proc: subprocess.Popen) -> None:
    """SIGKILL a process started with start_new_session and its group; reap it; close its pipes."""
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
