"""Charged time (grader.budget) on real processes: a process queued behind busy neighbours is charged
about the CPU time it used; a process that sleeps is charged every second. Then budgets end to end:
every reference validates at full marks beside two CPU-bound processes, and a forward that sleeps
still times out there (slow)."""
from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
from conftest import CODE_ASSIGNMENTS, REPO, SUBMISSIONS, grade, run_cli, spec_copy

from grader.budget import BACKSTOP, Charge, ChargedClock
from grader.processes import process_tree

BUSY = "import time\nend = time.process_time() + {seconds}\nwhile time.process_time() < end:\n    pass\n"


@contextmanager
def busy_processes(count: int) -> Iterator[None]:
    """`count` CPU-bound processes for as long as the block runs, each in a session of its own, as programs
    started elsewhere on the machine are (with autogroup scheduling, processes of one session share a slot)."""
    hogs = [subprocess.Popen([sys.executable, "-c", "while True:\n    pass"], start_new_session=True)
            for _ in range(count)]
    try:
        yield
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()


@pytest.fixture
def two_busy_processes() -> Iterator[None]:
    """Two CPU-bound processes for as long as the test runs (CI has two cores: the machine is full)."""
    with busy_processes(2):
        yield


def _charge(command: str) -> tuple[Charge, float]:
    """Run `command` in a new Python, sampling its charged time until it exits; (charge, CPU seconds it used)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen([sys.executable, "-c", command])
    clock = ChargedClock(lambda: process_tree(proc.pid))
    start = clock.mark()
    charge = clock.since(start)
    while proc.poll() is None:
        clock.sample()
        charge = clock.since(start)
        time.sleep(0.05)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return charge, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def test_waiting_for_a_cpu_is_not_charged(two_busy_processes: None) -> None:
    charge, used = _charge(BUSY.format(seconds=2.0))
    assert charge.waited > 0.3, charge  # three runnable processes on two cores (more on a loaded machine)
    assert charge.charged < charge.wall
    assert abs(charge.charged - used) < 0.25 * charge.wall + 0.3, (charge, used)


def test_sleeping_is_charged() -> None:
    charge, _ = _charge("import time; time.sleep(1.5)")
    assert charge.charged >= 1.4 and charge.waited < 0.3, charge


def test_the_backstop_ends_any_budget() -> None:
    assert Charge(charged=1.0, wall=BACKSTOP * 10.0, waited=BACKSTOP * 10.0 - 1.0).over(10.0)
    assert not Charge(charged=9.0, wall=30.0, waited=21.0).over(10.0)
    assert "waiting for a CPU, not charged" in Charge(charged=151.0, wall=203.0, waited=52.0).describe(150.0)


SPINS = (REPO / "reference" / "cifar_simplecnn" / "solution.py").read_text().replace(
    "    def forward(self, x):\n",
    "    def forward(self, x):\n        import time\n        end = time.process_time() + 1.0  # one CPU-second of work\n"
    "        while time.process_time() < end:\n            pass\n")


def test_a_check_is_charged_the_time_it_computes_not_the_time_it_queues(tmp_path: Path) -> None:
    """A check whose limit is 1.6 x what it computes passes beside more busy processes than cores, which make
    its wall-clock time about twice what it computes (a wall-clock deadline called it a TIMEOUT)."""
    submission = tmp_path / "spins.py"
    submission.write_text(SPINS)
    alone = grade("cifar_simplecnn", submission, tmp_path / "alone", "--only", "output_shape")
    assert alone.statuses() == {"output_shape": "passed"}
    limit = round(1.6 * alone.results["tests"][0]["extra_data"]["seconds"] + 0.5, 1)
    spec = spec_copy(tmp_path, "cifar_simplecnn")
    toml = spec / "assignment.toml"
    toml.write_text(toml.read_text().replace('id = "output_shape"\n', f'id = "output_shape"\ntimeout = {limit}\n'))
    with busy_processes((os.cpu_count() or 1) + 1):
        loaded = grade(str(spec), submission, tmp_path / "loaded", "--only", "output_shape")
    assert loaded.statuses() == {"output_shape": "passed"}, loaded.results["tests"][0]["output"]
    assert loaded.results["tests"][0]["extra_data"]["seconds"] < limit


@pytest.mark.slow
@pytest.mark.parametrize("assignment", CODE_ASSIGNMENTS)
def test_every_reference_validates_at_full_marks_beside_two_busy_processes(
        assignment: str, two_busy_processes: None, needs_data: Path) -> None:
    proc = run_cli("validate", assignment, timeout=3600)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "timeout" not in proc.stdout.lower()


@pytest.mark.slow
def test_a_forward_that_sleeps_still_times_out_beside_two_busy_processes(two_busy_processes: None, tmp_path: Path) -> None:
    graded = grade("cifar_simplecnn", SUBMISSIONS / "cifar_simplecnn" / "forward_sleeps_forever.py", tmp_path,
                   "--only", "output_shape")
    assert graded.statuses() == {"output_shape": "timeout"}
    assert "the time limit for this check ran out" in graded.results["tests"][0]["output"]
