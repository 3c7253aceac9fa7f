"""Processes as /proc shows them (who is whose child: to charge time and to reap sandboxes), and the
low-level steps shared by the parent and the fork server inside the sandbox: become the subreaper of
one's descendants, kill them all, set resource limits."""
from __future__ import annotations

import ctypes
import os
import resource
import signal
from pathlib import Path
from typing import Callable

PR_SET_CHILD_SUBREAPER = 36


def children_by_parent() -> dict[int, list[int]]:
    """parent pid → pids of its children, from one scan of /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(stat.parent.name))
    return children


def child_pids(parent: int) -> list[int]:
    """Pids of the processes whose parent is `parent`."""
    return children_by_parent().get(parent, [])


def process_tree(root: int) -> list[int]:
    """`root` and every process descended from it."""
    children = children_by_parent()
    tree, pending = [], [root]
    while pending:
        pid = pending.pop()
        tree.append(pid)
        pending.extend(children.get(pid, []))
    return tree


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


def apply_rlimits(values: dict[str, int]) -> None:
    """Set each limit (RLIMIT_* name → value, soft and hard) in the calling process."""
    for name, value in values.items():
        resource.setrlimit(getattr(resource, f"RLIMIT_{name}"), (value, value))
