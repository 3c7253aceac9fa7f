"""Leased grading users: no two executors on the machine run children as the same user at once, even from two
grader processes, and a grader that dies (SIGKILL) gives its users back."""
from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys

import pytest

from grader.execute.sandbox import WORKER_UID_BASE
from grader.execute.uids import LEASES, lease_uid


def _free(uid: int) -> bool:
    """Whether no process holds the lease of `uid` (probed with a lock of our own, dropped at once)."""
    fd = os.open(LEASES / str(uid - WORKER_UID_BASE), os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


def test_two_leases_are_two_users_and_a_released_one_is_free() -> None:
    first, second = lease_uid(), lease_uid()
    try:
        assert first.uid != second.uid and min(first.uid, second.uid) >= WORKER_UID_BASE
        assert not _free(first.uid)
        first.release()
        assert _free(first.uid)
    finally:
        first.release()
        second.release()


def test_a_lease_held_by_another_grader_is_not_given_and_ends_with_it() -> None:
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time\nfrom grader.execute.uids import lease_uid\n"
                               "print(lease_uid().uid, flush=True)\ntime.sleep(600)"],
                              stdout=subprocess.PIPE, text=True)
    try:
        theirs = int(holder.stdout.readline())
        ours = [lease_uid() for _ in range(3)]
        assert theirs not in {lease.uid for lease in ours}
        assert not _free(theirs)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    assert _free(theirs), "the killed grader's lease was not given back"
    for lease in ours:
        lease.release()


def test_a_lease_folder_made_by_someone_else_is_refused(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    import grader.execute.uids as uids

    if os.geteuid() != 0:
        pytest.skip("only root can make a folder that belongs to another user")
    folder = tmp_path / "leases"
    folder.mkdir(mode=0o700)
    os.chown(folder, 65534, 65534)
    monkeypatch.setattr(uids, "LEASES", folder)
    with pytest.raises(PermissionError, match="belongs to another user"):
        lease_uid()
