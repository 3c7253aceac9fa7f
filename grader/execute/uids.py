"""The users grading children run as (strong sandbox, grader running as root), leased so that no two executors
on this machine share one at the same time, not even executors of two grader processes (a course server grading
while an instructor runs a batch, or the test suite's workers). The per-user process limit (RLIMIT_NPROC) counts
every process and thread of a user, so a shared user would let one child's fork bomb, or merely another child's
threads, make a correct hand-in's kernel fail to start a thread.

A lease is an exclusive flock on a file of its own: it ends when released, and when the process holding it dies,
however it dies, so no lease outlives its grader.
"""
from __future__ import annotations

import fcntl
import os
import tempfile
from dataclasses import replace
from pathlib import Path

from grader.execute.sandbox import WORKER_UID_BASE, Sandbox

LEASES = Path(tempfile.gettempdir()) / "cnn-grader-uid-leases"
"""One lock file per user id that a grader may run children as."""
USERS = 4096
"""How many user ids (WORKER_UID_BASE and up) can be leased at once on this machine."""


class UidBusy(RuntimeError):
    """Every user id is leased (more than USERS executors are running at once)."""


class UidLease:
    """A user id that no other executor on this machine runs children as, until `release`."""

    def __init__(self, uid: int, fd: int) -> None:
        self.uid, self._fd = uid, fd

    def release(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # closing the only descriptor of the file drops the lock
            self._fd = -1


def _lease_folder() -> Path:
    """The folder of lock files, private to this user (refused if someone else made it)."""
    LEASES.mkdir(mode=0o700, exist_ok=True)
    if LEASES.is_symlink() or LEASES.stat().st_uid != os.geteuid():
        raise PermissionError(f"{LEASES} belongs to another user: remove it, or set TMPDIR to another folder")
    return LEASES


def lease_uid() -> UidLease:
    """The first free user id from WORKER_UID_BASE on."""
    folder = _lease_folder()
    for offset in range(USERS):
        fd = os.open(folder / str(offset), os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        return UidLease(WORKER_UID_BASE + offset, fd)
    raise UidBusy(f"all {USERS} grading user ids are in use on this machine")


def leased(sandbox: Sandbox) -> tuple[Sandbox, UidLease | None]:
    """`sandbox` running its children as a leased user, and the lease (None where the children do not change user:
    the basic level, or a grader not running as root)."""
    if not sandbox.drops_root:
        return sandbox, None
    lease = lease_uid()
    return replace(sandbox, uid=lease.uid), lease
