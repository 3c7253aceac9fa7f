"""Session fixture `slurm`: a real single-node Slurm on this machine, for tests that submit jobs.

Use it with `from slurm_cluster import slurm` in a test module. If `sinfo` does not already show
the `debug` partition's node idle or mixed, it runs `.ci/slurm-up` (root only: it installs and
starts munged, slurmctld and slurmd). If Slurm still cannot be had, every test using the fixture
is skipped with the exact reason, which is also written to the terminal. `.ci/slurm-down` stops it.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SLURM_UP = REPO / ".ci" / "slurm-up"
PARTITION = "debug"
READY = {"idle", "mix"}


def _node() -> tuple[dict | None, str]:
    """The partition's node as {"node", "cores", "memory_mb"} if it is idle or mixed, else (None, why)."""
    if shutil.which("sinfo") is None:
        return None, "sinfo is not installed"
    try:
        proc = subprocess.run(["sinfo", "-h", "-p", PARTITION, "-o", "%n %t %c %m"],
                              capture_output=True, text=True, timeout=20)
    except subprocess.TimeoutExpired:
        return None, "sinfo did not answer within 20 s"
    lines = proc.stdout.split("\n")[0].split()
    if proc.returncode != 0 or len(lines) != 4:
        said = (proc.stderr.strip() or proc.stdout.strip() or "no node listed").splitlines()[-1]
        return None, f"sinfo -p {PARTITION} failed: {said}"
    name, state, cores, memory = lines
    if state not in READY:
        return None, f"node {name} in partition {PARTITION} is {state!r}, not idle or mixed"
    return {"node": name, "cores": int(cores), "memory_mb": int(memory)}, ""


def _start() -> str:
    """Run .ci/slurm-up; return "" on success (exporting SLURM_CONF if it printed one), else why not."""
    if os.geteuid() != 0:
        return "not root, so .ci/slurm-up was not run"
    try:
        proc = subprocess.run([str(SLURM_UP)], capture_output=True, text=True, timeout=900)
    except subprocess.TimeoutExpired:
        return ".ci/slurm-up did not finish within 900 s"
    if proc.returncode != 0:
        return (proc.stderr.strip() or proc.stdout.strip() or f".ci/slurm-up exited {proc.returncode}").splitlines()[-1]
    for line in proc.stdout.splitlines():
        if line.startswith("SLURM_CONF="):
            os.environ["SLURM_CONF"] = line.split("=", 1)[1]
    return ""


@pytest.fixture(scope="session")
def slurm(request: pytest.FixtureRequest) -> dict:
    """{"partition", "node", "cores", "memory_mb", "conf"} of a running single-node Slurm, or skip. One test worker
    at a time looks and starts it (`pytest -n`: the others then find it running)."""
    with open(Path(tempfile.gettempdir()) / "cnn-grader-slurm-fixture.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        node, why = _running_or_started()
    if node is None:
        reporter = request.config.pluginmanager.get_plugin("terminalreporter")
        capture = request.config.pluginmanager.get_plugin("capturemanager")
        if reporter is not None and capture is not None:
            with capture.global_and_fixture_disabled():
                reporter.write_line(f"\n[slurm fixture] {why}", yellow=True)
        pytest.skip(why)
    return {"partition": PARTITION, **node, "conf": os.environ.get("SLURM_CONF", "/etc/slurm/slurm.conf")}


def _running_or_started() -> tuple[dict | None, str]:
    """The partition's node (after running .ci/slurm-up if it was not up), or (None, why there is none)."""
    node, why = _node()
    if node is None:
        first = why
        why = _start()
        for _ in range(10 if not why else 0):  # the node may still be completing slurm-up's check job
            node, why = _node()
            if node is not None:
                break
            time.sleep(1)
        if node is None:
            return None, f"no Slurm: {why}" + (f" (before .ci/slurm-up: {first})" if why != first else "")
    return node, ""
