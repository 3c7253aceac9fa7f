"""Time budgets that mean the same on an idle machine and on a busy one.

A grading child is charged its wall-clock time minus the time the machine made it wait for a CPU:
the kernel counts, per thread, the time a thread was ready to run but queued behind other work
(`run_delay` in /proc/<pid>/task/<tid>/schedstat). That time is deducted (ChargedClock says how),
so a child sharing the cores with other busy processes is charged about what it would use alone
(measured on 2 cores, a 17 s training: 21 s charged beside two busy processes, 38-40 s beside two
processes running 2-thread matrix products, against 72-117 s of wall-clock time), while a child
that sleeps or spins is charged every second. A wall-clock backstop (BACKSTOP × the budget) bounds a
child that makes its own threads queue on purpose.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

BACKSTOP = 4.0
"""A budget of s seconds ends, whatever the load, after BACKSTOP × s seconds of wall-clock time."""
SAMPLE_SECONDS = 0.25
"""The clock reads /proc at most this often (reading it costs a scan of every process)."""


def thread_times(pid: int | str) -> dict[tuple[str, str], tuple[float, float]]:
    """(pid, tid) → (seconds that thread has run, seconds it has waited for a CPU) so far (threads that are
    gone: absent)."""
    times = {}
    for stat in Path(f"/proc/{pid}/task").glob("*/schedstat"):
        try:
            ran, waited = stat.read_text().split()[:2]
            times[(str(pid), stat.parent.name)] = (int(ran) / 1e9, int(waited) / 1e9)
        except (OSError, ValueError):
            continue
    return times


@dataclass(frozen=True)
class Charge:
    """Time used since a mark."""

    charged: float
    """Wall-clock seconds minus the longest wait of one thread for a CPU."""
    wall: float
    waited: float

    def over(self, budget: float) -> bool:
        """Whether the budget is spent, or its wall-clock backstop reached."""
        return self.charged >= budget or self.wall >= budget * BACKSTOP

    def remaining(self, budget: float) -> float:
        """A lower bound of the seconds left before `over` (at least this much wall-clock time)."""
        return min(budget - self.charged, budget * BACKSTOP - self.wall)

    def describe(self, budget: float) -> str:
        """'151 s charged of a 150 s limit (203 s of wall-clock time, 52 s of it waiting for a CPU)'."""
        if self.charged < budget:
            return (f"{self.wall:.0f} s of wall-clock time, the backstop of {BACKSTOP:g} × the {budget:.0f} s limit "
                    f"(only {self.charged:.0f} s charged: the rest was waiting for a CPU)")
        waited = f", {self.waited:.0f} s of it waiting for a CPU, not charged" if self.waited >= 1 else ""
        return f"{self.charged:.0f} s of a {budget:.0f} s limit ({self.wall:.0f} s of wall-clock time{waited})"


@dataclass(frozen=True)
class Mark:
    at: float
    waited: float


class ChargedClock:
    """Charged time of a set of processes (`pids()` lists them at each sample).

    Between two samples, the child lost to the machine the time its threads spent queued for a CPU, added
    up over its threads (a thread queued while the others wait for it at a barrier holds them all back),
    but never the time during which one of its threads ran (the child was making progress then)."""

    def __init__(self, pids: Callable[[], Iterable[int | str]]) -> None:
        self._pids = pids
        self._times: dict[tuple[str, str], tuple[float, float]] = {}
        self._waited = 0.0
        self._sampled_at = time.monotonic()
        for pid in pids():
            self._times.update(thread_times(pid))

    def sample(self) -> None:
        """Read the threads' times and add what the child lost since the last sample; at most every SAMPLE_SECONDS."""
        now = time.monotonic()
        if now - self._sampled_at < SAMPLE_SECONDS:
            return
        queued = longest_run = 0.0
        for pid in self._pids():
            for key, (ran, waited) in thread_times(pid).items():
                ran_before, waited_before = self._times.get(key, (0.0, 0.0))
                queued += max(waited - waited_before, 0.0)
                longest_run = max(longest_run, ran - ran_before)
                self._times[key] = (ran, waited)
        self._waited += max(min(queued, now - self._sampled_at - longest_run), 0.0)
        self._sampled_at = now

    def mark(self) -> Mark:
        return Mark(time.monotonic(), self._waited)

    def since(self, mark: Mark) -> Charge:
        wall = time.monotonic() - mark.at
        waited = min(max(self._waited - mark.waited, 0.0), wall)
        return Charge(charged=wall - waited, wall=wall, waited=waited)
