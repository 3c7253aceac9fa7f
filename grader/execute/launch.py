"""Start one grading child for a job: its folders, the job file it reads (grader.contract.ChildView),
its limits and environment; then follow it (grader.execute.pump) and leave no process behind.

Nothing the child sends is unpickled: typed JSON events on a dedicated pipe, tensors through
`torch.load(weights_only=True)`.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Protocol

from grader.budget import ChargedClock
from grader.contract import CHANNEL_FD, PROTOCOL, ChildJob, ChildReport, ChildView
from grader.execute.gpu import GpuGuard
from grader.execute.pump import ChildProcess, pump
from grader.execute.reaper import kill_registered, start_registered
from grader.execute.sandbox import CHILD_ROOT, Mount, Sandbox, child_env, rlimits_for
from grader.execute.session import EventFn, Session
from grader.files import PACKAGE_PARENT
from grader.processes import apply_rlimits, process_tree


class Server(Protocol):
    """A preloaded process that forks children in a sandbox of its own (grader.execute.forkserver)."""

    jobs_root: Path
    """Host folder, mounted in the server's sandbox, where the children's folders must be made."""
    mounts: list[Mount]

    def serves(self, job: ChildJob) -> bool:
        """Whether `job` can run in this server (same device, data and weights)."""

    def spawn(self, job_file: Path, cwd: Path, env: dict[str, str], rlimits: dict[str, int],
              channel_fd: int) -> ChildProcess:
        """Fork a child running the worker on `job_file` (paths as the child sees them)."""


class FreshChild:
    """A child started as a new process (a new interpreter in a new sandbox)."""

    server_lost = False

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


def _prepare_tree(job: ChildJob, sandbox: Sandbox, parent: Path | None) -> tuple[Path, dict[str, Path]]:
    """Make the child's folders on the host (under `parent`, else in the temp folder)."""
    import torch

    root = Path(tempfile.mkdtemp(prefix="cnn-grader-", dir=parent))
    dirs = {name: root / name for name in ("in", "out", "cwd", "home", "submission")}
    for d in dirs.values():
        d.mkdir()
    shutil.copytree(job.submission_dir, dirs["submission"], dirs_exist_ok=True, symlinks=False,
                    ignore_dangling_symlinks=True)
    if job.inputs:
        torch.save(job.inputs, dirs["in"] / "inputs.pt")
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


def worker_command(module: str, sandbox: Sandbox, *args: str) -> list[str]:
    """`python -I` running `grader.child.<module>` with `args`, importing the grader from where the child sees it."""
    lib = child_lib(sandbox)
    return [sandbox.python, "-I", "-c", f"import sys; sys.path.insert(0, {str(lib)!r}); import runpy; "
            f"sys.argv = ['{module}', *{list(args)!r}]; runpy.run_module('grader.child.{module}', run_name='__main__')"]


def run_child(job: ChildJob, sandbox: Sandbox, on_event: EventFn = lambda kind, check, message: None,
              server: Server | None = None) -> ChildReport:
    """Measure one submission in an isolated child — a new process, or one forked by `server`
    (which must have been started for this job's device, data and weights); never raises for
    anything the submission does."""
    if server is not None and not server.serves(job):
        raise ValueError("this fork server was started for another device, dataset or weights folder")
    root, dirs = _prepare_tree(job, sandbox, server.jobs_root if server else None)
    try:
        report = _drive(job, sandbox, on_event, dirs, server)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    report.isolation, report.isolation_level = sandbox.description, sandbox.level
    return report


def _drive(job: ChildJob, sandbox: Sandbox, on_event: EventFn, dirs: dict[str, Path],
           server: Server | None) -> ChildReport:
    if server is not None:
        mounts = server.mounts
    else:
        mounts = [Mount(dirs[n], CHILD_ROOT / n, writable=n in ("out", "cwd", "home"))
                  for n in ("in", "submission", "out", "cwd", "home")]
        mounts += shared_mounts(job.staged_dir, job.torch_hub)
    child = lambda host: sandbox.child_path(host, mounts)
    view_job = replace(job, submission_dir=child(dirs["submission"]),
                       staged_dir=child(job.staged_dir) if job.staged_dir else None,
                       torch_hub=child(job.torch_hub) if job.torch_hub else None)
    read_fd, write_fd = os.pipe()
    job_file = dirs["in"] / "job.json"
    job_file.write_text(ChildView(
        protocol=PROTOCOL, channel_fd=CHANNEL_FD if server else write_fd,
        submission=str(child(dirs["submission"] / job.main_file)), submission_dir=str(child(dirs["submission"])),
        out_dir=str(child(dirs["out"])), lib=str(child_lib(sandbox)),
        inputs=str(child(dirs["in"] / "inputs.pt")) if job.inputs else "", job=view_job).to_json())
    use_cuda = job.device.startswith("cuda")
    env = child_env(child(dirs["home"]), job.limits.threads, job.device,
                    child(job.torch_hub).parent if job.torch_hub else None)
    rlimits = rlimits_for(job.limits, int(job.budget * max(job.limits.threads, 1) * 2 + 60), use_cuda)
    session = Session(job, on_event)
    try:
        proc = server.spawn(child(job_file), child(dirs["cwd"]), env, rlimits, write_fd) if server else \
            _start_fresh(sandbox, mounts, child(job_file), child(dirs["cwd"]), env, rlimits, write_fd, use_cuda)
    finally:
        os.close(write_fd)
    try:
        session.watch(ChargedClock(lambda: process_tree(proc.clock_root)))
        guard = GpuGuard(job.limits.gpu_memory_bytes) if use_cuda and job.limits.gpu_memory_bytes else None
        pump(proc, read_fd, session, dirs["out"], guard)
    finally:
        proc.kill()
        os.close(read_fd)
    return session.finish_report()


def _start_fresh(sandbox: Sandbox, mounts: list[Mount], job_file: Path, cwd: Path, env: dict[str, str],
                 rlimits: dict[str, int], channel_fd: int, use_cuda: bool) -> FreshChild:
    """A new interpreter in a new sandbox running the worker on `job_file` (paths as the child sees them)."""
    cmd = sandbox.command(worker_command("worker", sandbox, str(job_file)), mounts, cwd=cwd, gpu=use_cuda)
    proc = start_registered(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            pass_fds=(channel_fd,), cwd=cwd if not sandbox.strong else None, env=env,
                            preexec_fn=lambda: apply_rlimits(rlimits))
    return FreshChild(proc)
