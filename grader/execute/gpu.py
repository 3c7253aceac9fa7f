"""The GPU as the grading parent sees it, through NVML (nvidia-ml-py): its name and memory, and which
processes hold how much of it, without creating a CUDA context in the parent.

Children that share one GPU each get a share of its memory. `GpuGuard` watches one child: past its
share the child is killed (its check fails with the figures), and a child that ran while another
process was over its share, or while the GPU was nearly full, is marked contended, so that a CUDA
out-of-memory error it met is regraded once instead of costing an innocent submission points.
"""
from __future__ import annotations

import functools
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

GIB = 1 << 30
CONTENTION_FILE = Path(tempfile.gettempdir()) / f"cnn-grader-gpu-contention-{os.getuid()}"
"""Touched whenever a guard kills a child for its GPU memory, so that guards of children in other
processes on this machine learn of it even between two of their samples."""
POLL_SECONDS = 0.25
"""How often a guard samples the GPU while its child runs."""
BUSY_SHARE = 1.0
"""The GPU counts as contended when less than this many shares of memory are free."""


@dataclass(frozen=True)
class GpuInfo:
    name: str
    total_bytes: int


@functools.lru_cache(maxsize=1)
def _nvml() -> ModuleType | None:
    """The initialised pynvml module, or None where NVML (or the package) is missing."""
    try:
        import pynvml

        pynvml.nvmlInit()
    except Exception:  # noqa: BLE001 - no NVML library, no driver, no GPU: all mean "no watching here"
        return None
    return pynvml


def gpu_info(index: int = 0) -> GpuInfo | None:
    """Name and memory of GPU `index`; None without NVML."""
    nvml = _nvml()
    if nvml is None:
        return None
    handle = nvml.nvmlDeviceGetHandleByIndex(index)
    name = nvml.nvmlDeviceGetName(handle)
    return GpuInfo(name.decode() if isinstance(name, bytes) else name, nvml.nvmlDeviceGetMemoryInfo(handle).total)


def memory_use(index: int = 0) -> tuple[dict[int, int], int] | None:
    """(GPU memory held by each process with a context on GPU `index`, by host pid; free bytes), or None
    without NVML."""
    nvml = _nvml()
    if nvml is None:
        return None
    handle = nvml.nvmlDeviceGetHandleByIndex(index)
    held = {p.pid: p.usedGpuMemory or 0 for p in nvml.nvmlDeviceGetComputeRunningProcesses(handle)}
    return held, nvml.nvmlDeviceGetMemoryInfo(handle).free


def even_share(jobs: int, index: int = 0) -> int:
    """The GPU memory each of `jobs` children sharing GPU `index` may hold (0 without NVML): 90% of the
    card shared out, the rest left for the CUDA contexts' own overhead."""
    info = gpu_info(index)
    return int(info.total_bytes * 0.9 / max(jobs, 1)) if info else 0


class GpuGuard:
    """Watches the processes of one grading child on GPU `index` against its share of memory."""

    def __init__(self, share_bytes: int, index: int = 0) -> None:
        self.share, self.index = share_bytes, index
        self.started, self.last_poll = time.time(), 0.0
        self.contended = False
        """Whether contention was seen since the guard started."""

    def due(self) -> bool:
        return time.monotonic() - self.last_poll >= POLL_SECONDS

    def poll(self, tree: set[int]) -> str:
        """Sample the GPU; a message saying why the child (processes `tree`) must be killed, or ''."""
        self.last_poll = time.monotonic()
        sample = memory_use(self.index)
        if sample is None:
            return ""
        held, free = sample
        mine = sum(used for pid, used in held.items() if pid in tree)
        if mine > self.share:
            CONTENTION_FILE.touch()
            return (f"the submission held {mine / GIB:.1f} GiB of GPU memory, over its share of "
                    f"{self.share / GIB:.1f} GiB (the GPU is shared by several grading processes), and was stopped")
        others_over = any(used > self.share for pid, used in held.items() if pid not in tree)
        if others_over or free < self.share * BUSY_SHARE or _touched_since(self.started - 1.0):
            self.contended = True
        return ""


def _touched_since(when: float) -> bool:
    try:
        return CONTENTION_FILE.stat().st_mtime >= when
    except FileNotFoundError:
        return False
