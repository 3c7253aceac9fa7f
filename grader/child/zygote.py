"""The fork server's inside: a process in the grading sandbox with torch and the grader already
imported, which forks one fresh child per submission and, when the parent says so, kills every
process that child left behind.

It runs in the same sandbox (namespaces, user, read-only mounts) as a one-off grading child would,
is never given expected values, reference code or labels, and cannot be inspected by the children
it forks: it is not dumpable (no ptrace, no /proc/<pid>/mem) and it is their subreaper, so a
process that double-forks or calls setsid() is still found and killed before the next submission.

Protocol (one JSON message per packet on a SOCK_SEQPACKET Unix socket, one request at a time):
  {"op": "spawn", "job": path, "cwd": path, "env": {...}, "rlimits": {...}} + 3 fds
      (stdout, stderr, channel) → {"pid": n}
  {"op": "wait", "timeout": s} → {"returncode": n | null}
  {"op": "kill"} → {"returncode": n, "killed": count}
"""
from __future__ import annotations

import ctypes
import json
import os
import select
import shutil
import signal
import socket
import sys
import time
from pathlib import Path
from typing import Any

from grader.contract import CHANNEL_FD
from grader.processes import apply_rlimits, become_subreaper, kill_children

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
POLL_SECONDS = 0.05
"""How often the server looks whether the running child has exited, where it has no pidfd to wait on."""
NOTEBOOK_MINOR_VERSIONS = (0, 4, 5)
"""nbformat 4 minor versions whose schema validators the server builds before it forks."""


def preload() -> None:
    """Import what every grading child needs, without starting threads or touching a GPU."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.figure  # noqa: F401
    import matplotlib.pyplot  # noqa: F401
    import torch  # noqa: F401
    import torchvision  # noqa: F401

    import grader.child.worker  # noqa: F401
    import grader.probes  # noqa: F401
    # what a notebook hand-in's child drives its kernel with, and the kernel it forks (ipykernel's debugger support
    # imports debugpy: 0.1-0.2 s a kernel otherwise); nbformat's schema validators for the versions notebooks come in
    # (Colab writes 4.0, Jupyter 4.4 and 4.5): building one takes 50-90 ms, the first time a notebook is read
    import IPython  # noqa: F401

    os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"  # debugpy's warning that -I's frozen modules hide breakpoints
    import ipykernel.debugger  # noqa: F401
    import ipykernel.ipkernel  # noqa: F401
    import ipykernel.kernelapp  # noqa: F401
    # what ipykernel imports as a kernel initialises (its debugger's, the shell's inspector, completer and %store)
    import IPython.core.completerlib  # noqa: F401
    import IPython.core.debugger  # noqa: F401
    import IPython.core.oinspect  # noqa: F401
    import IPython.extensions.storemagic  # noqa: F401
    import tornado.platform.asyncio  # noqa: F401
    import jupyter_client.manager  # noqa: F401
    import nbclient  # noqa: F401
    import nbformat.validator
    from jupyter_client.provisioning.factory import KernelProvisionerFactory

    import grader.child.forked_kernel  # noqa: F401
    import grader.child.kernel  # noqa: F401
    import grader.child.salvage  # noqa: F401
    import grader.submission.notebook  # noqa: F401

    KernelProvisionerFactory.instance()  # reads every installed package's entry points (8 ms a kernel otherwise)

    for minor in NOTEBOOK_MINOR_VERSIONS:
        nbformat.validator.get_validator(version=4, version_minor=minor)


def preload_cudnn() -> list[str]:
    """Open cuDNN's sub-libraries, which cuDNN itself opens on a process's first convolution (about 0.8 s, more
    from a cold page cache, each time in every forked child otherwise). Only loading: nothing calls into CUDA, so
    no driver or context exists before the fork. The names of the libraries opened (none without cuDNN)."""
    import torch  # noqa: F401 - loads libcudnn.so itself, beside its sub-libraries

    front = next((Path(line.split()[-1]) for line in Path("/proc/self/maps").read_text().splitlines()
                  if "/libcudnn.so" in line), None)
    if front is None:
        return []
    opened = []
    for library in sorted(front.parent.glob("libcudnn_*.so*")):
        try:
            ctypes.CDLL(str(library), mode=ctypes.RTLD_GLOBAL)
            opened.append(library.name)
        except OSError:
            pass  # a sub-library this machine cannot load: cuDNN will say so when it needs it
    return opened


def _prctl(option: int, value: int) -> None:
    ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)


def _wipe(folder: str) -> None:
    """Remove what a child left in a shared scratch folder (the sandbox's /tmp, /dev/shm)."""
    for entry in Path(folder).glob("*"):
        try:
            shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
        except OSError:
            pass


def _child(request: dict[str, Any], fds: list[int], server: socket.socket, server_pid: int) -> None:
    """In the forked child: become a fresh grading process and run the worker; never returns."""
    try:
        server.close()
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # a child whose server died (it may have killed it) goes with it
        if os.getppid() != server_pid:
            os._exit(70)  # the server died before that took hold
        os.setsid()
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGCHLD, signal.SIGPIPE):
            signal.signal(signum, signal.SIG_DFL)
        devnull = os.open(os.devnull, os.O_RDONLY)
        for target, fd in ((0, devnull), (1, fds[0]), (2, fds[1]), (CHANNEL_FD, fds[2])):
            os.dup2(fd, target)
        os.closerange(CHANNEL_FD + 1, 1 << 16)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        apply_rlimits(request["rlimits"])
        from grader.child.worker import main

        main(request["job"])
    except BaseException:  # noqa: BLE001 - whatever happens, the child must not return into the server
        import traceback

        traceback.print_exc()
        sys.stderr.flush()
    finally:
        os._exit(70)


class _Running:
    """The one child being graded: its pid, a pidfd that becomes readable the moment it exits (so the server
    answers then, not on its next poll) and, once it has exited, its status."""

    def __init__(self, pid: int = 0) -> None:
        self.pid, self.status = pid, None
        self.exit_fd = _pidfd(pid) if pid else None

    def poll(self) -> bool:
        """True once the child has exited. When it does, every process it started is killed too,
        as when a one-off sandbox ends, so none of them can keep its pipes open."""
        if self.pid and self.status is None:
            try:
                done, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                done, status = self.pid, 0
            if done:
                self.status = status
                kill_children()
                self.close()
        return self.status is not None

    def close(self) -> None:
        """Let go of the pidfd (the server forgets this child)."""
        if self.exit_fd is not None:
            os.close(self.exit_fd)
            self.exit_fd = None

    def wait(self, timeout: float) -> None:
        """Until the child has exited, or for `timeout` seconds."""
        end = time.monotonic() + timeout
        while not self.poll() and (left := end - time.monotonic()) > 0:
            if self.exit_fd is not None:
                select.select([self.exit_fd], [], [], left)
            else:
                time.sleep(min(POLL_SECONDS, left))

    @property
    def returncode(self) -> int | None:
        if self.status is None:
            return None
        return -os.WTERMSIG(self.status) if os.WIFSIGNALED(self.status) else os.WEXITSTATUS(self.status)


def _pidfd(pid: int) -> int | None:
    """A pidfd for `pid` (Linux 5.3+), or None where there is none: the server then polls."""
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None


def serve(sock: socket.socket, wipe_scratch: bool) -> None:
    """Answer the parent's requests until it closes the socket. `wipe_scratch`: empty /tmp and
    /dev/shm after each child (only inside the sandbox, where they are the sandbox's own)."""
    child, server_pid = _Running(), os.getpid()
    while True:
        running = child.pid and not child.poll()
        exited = [child.exit_fd] if running and child.exit_fd is not None else []
        timeout = POLL_SECONDS if running and not exited else None
        if sock not in select.select([sock, *exited], [], [], timeout)[0]:
            continue
        message, fds, _, _ = socket.recv_fds(sock, 1 << 20, 3)
        if not message:
            return
        request = json.loads(message)
        if request["op"] == "spawn":
            child.close()
            child = _Running(os.fork())
            if child.pid == 0:
                _child(request, fds, sock, server_pid)
            for fd in fds:
                os.close(fd)
            reply: dict[str, Any] = {"pid": child.pid}
        elif request["op"] == "wait":
            child.wait(float(request["timeout"]))
            reply = {"returncode": child.returncode}
        elif request["op"] == "kill":
            if child.pid and not child.poll():
                try:
                    os.killpg(child.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            killed = kill_children()
            child.poll()
            for scratch in ("/tmp", "/dev/shm") if wipe_scratch else ():
                _wipe(scratch)
            reply = {"returncode": child.returncode, "killed": killed}
            child.close()
            child = _Running()
        else:
            reply = {"error": f"unknown op {request['op']!r}"}
        sock.send(json.dumps(reply).encode())


def main(fd: int, wipe_scratch: bool, cuda: bool) -> None:
    sock = socket.socket(fileno=fd)
    _prctl(PR_SET_DUMPABLE, 0)
    become_subreaper()
    preload()
    if cuda:
        preload_cudnn()
    sock.send(json.dumps({"ready": os.getpid()}).encode())
    serve(sock, wipe_scratch)


if __name__ == "__main__":
    main(int(sys.argv[1]), "--wipe-scratch" in sys.argv[2:], "--cuda" in sys.argv[2:])
