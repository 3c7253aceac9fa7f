"""The one reaper: start children so that no sweep mistakes them for orphans, and kill a child with
every process it started, whether it left the process group (setsid) or double-forked.

The process that starts children becomes their subreaper, so orphaned descendants are re-parented
to it and found among its own children. Used by the parent (one-off children, fork servers) and by
the fork server inside the sandbox (its forked children).
"""
from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import threading
from typing import Any, Callable

from grader.proctree import child_pids

PR_SET_CHILD_SUBREAPER = 36
_LIVE_CHILDREN: set[int] = set()
_LIVE_LOCK = threading.Lock()


def become_subreaper() -> None:
    """Orphaned descendants of our children are re-parented to us, so they can be found and killed."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def kill_children(keep: Callable[[int], bool] = lambda pid: False) -> int:
    """SIGKILL and reap every child of ours that `keep` does not keep, until none is left (killing one
    re-parents its descendants to us). Returns how many were killed."""
    killed = 0
    while children := [pid for pid in child_pids(os.getpid()) if not keep(pid)]:
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except (ProcessLookupError, PermissionError):
                pass
        for pid in children:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
    return killed


def start_registered(cmd: list[str], **popen: Any) -> subprocess.Popen:
    """Start a child (start_new_session) registered as live in the same step, so that no orphan
    sweep of a concurrent grading thread kills it; `kill_registered` ends it."""
    become_subreaper()
    with _LIVE_LOCK:
        proc = subprocess.Popen(cmd, start_new_session=True, **popen)
        _LIVE_CHILDREN.add(proc.pid)
    return proc


def kill_registered(proc: subprocess.Popen) -> None:
    """Kill a child from `start_registered` and its sandbox: its group, then whatever was re-parented
    to us and is not another live child (bubblewrap's namespace init: reaping it waits until the
    namespace is empty)."""
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
    with _LIVE_LOCK:
        _LIVE_CHILDREN.discard(proc.pid)
        kill_children(keep=lambda pid: pid in _LIVE_CHILDREN or not _orphan(pid))


def _orphan(pid: int) -> bool:
    """Whether a child of ours is a re-parented grading process rather than one the host program
    started itself (a Dask worker's own helpers, say): grading processes run bubblewrap or our
    worker, in a session of their own."""
    try:
        return os.getsid(pid) != os.getsid(0)
    except ProcessLookupError:
        return False
