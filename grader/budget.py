"""Time budgets that mean the same on an idle machine and on a busy one.

A grading child is charged its wall-clock time minus the time the machine made it wait for a CPU:
the kernel counts, per thread, the time a thread was ready to run but queued behind other work
(`run_delay` in /proc/<pid>/task/<tid>/schedstat). The longest such wait of any one thread of the
child is deducted, so a child sharing two cores with two other busy processes is charged about
what it would use alone, while a child that sleeps or spins is charged every second. A wall-clock
backstop (BACKSTOP × the budget) bounds a child that makes its own threads queue on purpose.
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


def thread_waits(pid: int | str) -> dict[tuple[str, str], float]:
    """(pid, tid) → seconds that thread has waited for a CPU so far (threads that are gone: absent)."""
    waits = {}
    for stat in Path(f"/proc/{pid}/task").glob("*/schedstat"):
        try:
            waits[(str(pid), stat.parent.name)] = int(stat.read_text().split()[1]) / 1e9
        except (OSError, IndexError, ValueError):
            continue
    return waits


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
    waits: dict[tuple[str, str], float]


class ChargedClock:
    """Charged time of a set of processes (`pids()` lists them at each sample)."""

    def __init__(self, pids: Callable[[], Iterable[int | str]]) -> None:
        self._pids = pids
        self._waits: dict[tuple[str, str], float] = {}
        self._sampled_at = -SAMPLE_SECONDS
        self.sample()

    def sample(self) -> None:
        """Read the current waits (a thread that has gone keeps its last reading); at most every SAMPLE_SECONDS."""
        now = time.monotonic()
        if now - self._sampled_at < SAMPLE_SECONDS:
            return
        self._sampled_at = now
        for pid in self._pids():
            self._waits.update(thread_waits(pid))

    def mark(self) -> Mark:
        return Mark(time.monotonic(), dict(self._waits))

    def since(self, mark: Mark) -> Charge:
        wall = time.monotonic() - mark.at
        waited = max((w - mark.waits.get(key, 0.0) for key, w in self._waits.items()), default=0.0)
        waited = min(max(waited, 0.0), wall)
        return Charge(charged=wall - waited, wall=wall, waited=waited)
