"""The parent's side of a fork server: one sandboxed process per batch worker that has torch and
the grader imported, and forks a fresh grading child per submission (grader.child.zygote is its inside).

Start-up (a new interpreter, `import torch`, ~1-3 s) is paid once per worker instead of once per
submission. Isolation is unchanged: the server runs in the same sandbox a one-off child gets,
each forked child gets the same resource limits, environment and folders, and between two
submissions every process the first one started is killed and the scratch folders are emptied.
A server that stops answering (a child may kill or stop it: same user) is killed with its whole
sandbox and started again for the next submission.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from grader.contract import ChildJob, Limits
from grader.execute.launch import shared_mounts, worker_command
from grader.execute.reaper import kill_registered, start_registered
from grader.execute.sandbox import CHILD_ROOT, Mount, Sandbox, child_env, rlimits_for
from grader.processes import apply_rlimits

START_TIMEOUT = 120.0
"""Seconds a server may take to start (import torch in a cold page cache)."""
REPLY_TIMEOUT = 10.0
"""Seconds a started server may take to answer a request, beyond the request's own wait."""


class ForkServerError(RuntimeError):
    """The server died, stopped answering or answered nonsense; it has been killed."""


class ForkServer:
    """A sandboxed, preloaded process that forks grading children on request."""

    def __init__(self, sandbox: Sandbox, *, device: str, staged_dir: Path | None, torch_hub: Path | None,
                 limits: Limits) -> None:
        self.sandbox, self.device, self.limits = sandbox, device, limits
        self.staged_dir, self.torch_hub = staged_dir, torch_hub
        self.root = Path(tempfile.mkdtemp(prefix="cnn-grader-server-"))
        self.jobs_root, self.home = self.root / "jobs", self.root / "home"
        for folder in (self.jobs_root, self.home):
            folder.mkdir()
        self.root.chmod(0o755)
        self.jobs_root.chmod(0o755)
        if sandbox.drops_root:
            os.chown(self.home, sandbox.uid, sandbox.uid)
        self.mounts = [Mount(self.jobs_root, CHILD_ROOT / "jobs", True), Mount(self.home, CHILD_ROOT / "server-home", True),
                       *shared_mounts(staged_dir, torch_hub)]
        self.proc: subprocess.Popen | None = None
        self.sock: socket.socket | None = None
        self.starts = 0
        """How many times a server process was started (1 + restarts)."""

    def serves(self, job: ChildJob) -> bool:
        """Whether `job` can run in this server (same device, data and weights)."""
        return (job.device, job.staged_dir, job.torch_hub) == (self.device, self.staged_dir, self.torch_hub)

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self) -> None:
        """Start the server process and wait until it has preloaded everything."""
        self.stop_process()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        home = self.sandbox.child_path(self.home, self.mounts)
        env = child_env(home, self.limits.threads, self.device, None)
        use_cuda = self.device.startswith("cuda")
        argv = worker_command("zygote", self.sandbox, str(theirs.fileno()),
                              *(["--wipe-scratch"] if self.sandbox.strong else []), *(["--cuda"] if use_cuda else []))
        cmd = self.sandbox.command(argv, self.mounts, cwd=home, gpu=use_cuda)
        log = open(self.root / "server.log", "wb")
        limits = rlimits_for(self.limits, None, use_cuda)
        with log:
            self.proc = start_registered(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                         pass_fds=(theirs.fileno(),), env=env,
                                         cwd=self.home if not self.sandbox.strong else None,
                                         preexec_fn=lambda: apply_rlimits(limits))
        theirs.close()
        self.sock, self.starts = ours, self.starts + 1
        ready = self._receive(START_TIMEOUT)
        if "ready" not in ready:
            self._fail(f"unexpected first message {ready!r}")

    def spawn(self, job_file: Path, cwd: Path, env: dict[str, str], rlimits: dict[str, int],
              channel_fd: int) -> "ForkedChild":
        """Fork a grading child running the worker on `job_file` (paths as the child sees them)."""
        if not self.alive:
            self.start()
        out_read, out_write = os.pipe()
        err_read, err_write = os.pipe()
        try:
            request = {"op": "spawn", "job": str(job_file), "cwd": str(cwd), "env": env, "rlimits": rlimits}
            self._send(request, [out_write, err_write, channel_fd])
            reply = self._receive(REPLY_TIMEOUT)
        except ForkServerError:
            for fd in (out_read, err_read):
                os.close(fd)
            raise
        finally:
            os.close(out_write)
            os.close(err_write)
        if not isinstance(reply.get("pid"), int):
            self._fail(f"unexpected reply to spawn {reply!r}")
        return ForkedChild(self, open(out_read, "rb", buffering=0), open(err_read, "rb", buffering=0))

    def request(self, op: str, wait: float = 0.0) -> dict[str, Any]:
        self._send({"op": op, "timeout": wait}, [])
        return self._receive(wait + REPLY_TIMEOUT)

    def _send(self, request: dict[str, Any], fds: list[int]) -> None:
        try:
            socket.send_fds(self.sock, [json.dumps(request).encode()], fds)
        except OSError as exc:
            self._fail(f"could not send a request ({exc})")

    def _receive(self, timeout: float) -> dict[str, Any]:
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(1 << 16)
            reply = json.loads(data) if data else None
        except (OSError, ValueError) as exc:
            self._fail(f"no readable answer within {timeout:.0f} s ({exc})")
        if not isinstance(reply, dict):
            self._fail("it closed the connection" if reply is None else f"unexpected answer {reply!r}")
        return reply

    def _fail(self, why: str) -> None:
        log = (self.root / "server.log").read_bytes()[-2000:].decode("utf-8", "replace").strip()
        self.stop_process()
        raise ForkServerError(f"the fork server failed: {why}" + (f"; its output: {log}" if log else ""))

    def stop_process(self) -> None:
        """Kill the server and its whole sandbox (the next spawn starts a new one)."""
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        if self.proc is not None:
            kill_registered(self.proc)
            self.proc = None

    def close(self) -> None:
        """Stop the server and remove its folders."""
        self.stop_process()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> "ForkServer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ForkedChild:
    """A grading child forked by a server (see run.ChildProcess)."""

    def __init__(self, server: ForkServer, stdout: Any, stderr: Any) -> None:
        self.server, self.stdout, self.stderr = server, stdout, stderr
        self.clock_root = server.proc.pid
        """The server's whole sandbox: it idles while its child runs, so the child is what is charged."""
        self.returncode: int | None = None
        self.finished = False
        self.server_lost = False

    def wait(self, timeout: float) -> None:
        if self.returncode is None and not self.finished:
            try:
                self.returncode = self.server.request("wait", timeout).get("returncode")
            except ForkServerError:
                self.finished = self.server_lost = True

    def kill(self) -> None:
        if not self.finished:
            self.finished = True
            try:
                code = self.server.request("kill").get("returncode")
                self.returncode = code if self.returncode is None else self.returncode
            except ForkServerError:
                self.server_lost = True  # the server and its sandbox, with every process in it, are gone
        for stream in (self.stdout, self.stderr):
            stream.close()
