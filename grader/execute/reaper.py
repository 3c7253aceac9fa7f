"""The parent's reaper: start children so that no sweep mistakes them for orphans, and kill a child
with every process it started, whether it left the process group (setsid) or double-forked.

The process that starts children becomes their subreaper, so orphaned descendants are re-parented
to it and found among its own children (grader.processes.kill_children, which the fork server
inside the sandbox uses for its forked children too).
"""
from __future__ import annotations

import os
import signal
import subprocess
import threading
from typing import Any

from grader.processes import become_subreaper, kill_children

_LIVE_CHILDREN: set[int] = set()
_LIVE_LOCK = threading.Lock()


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
