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
import shutil
import subprocess
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


MPS_CONTROL = "nvidia-cuda-mps-control"
MPS_PIPE_VARIABLE = "CUDA_MPS_PIPE_DIRECTORY"
"""Set in the grader's environment while a batch's MPS daemon runs: children connect through this folder."""


class GpuSharingError(RuntimeError):
    """CUDA MPS was asked for and cannot run here; the message says why and what to do."""


def mps_control_binary() -> str | None:
    """The MPS control program (on PATH, or where GPU containers keep the driver's tools)."""
    return shutil.which(MPS_CONTROL) or next((str(p) for p in (Path("/usr/local/nvidia/bin") / MPS_CONTROL,)
                                              if p.is_file()), None)


class MpsDaemon:
    """A private CUDA MPS control daemon for one batch (a context manager). Under MPS the kernels of the children
    sharing the GPU run side by side instead of taking turns (measured on an H100: 8 processes training at once
    got 5.0x the throughput of one at a time, against 2.7x time-sliced). The MPS server is per user, so the batch
    runs every child as one user under it; a fatal GPU fault in one child reaches the others running then, which
    the regrade of contended children covers."""

    def __init__(self, share_bytes: int = 0) -> None:
        self.share = share_bytes
        """Each child's memory limit, which the MPS server enforces on top of the NVML guard (0: none)."""
        self.binary = mps_control_binary()
        if self.binary is None:
            raise GpuSharingError(f"--gpu-sharing mps needs CUDA MPS ({MPS_CONTROL}, from the NVIDIA driver's "
                                  "utilities), which is not on this machine; use --gpu-sharing time-slice")
        self.root = Path(tempfile.mkdtemp(prefix="cnn-grader-mps-"))
        self.root.chmod(0o755)
        self.pipe, self.log = self.root / "pipe", self.root / "log"
        for folder in (self.pipe, self.log):
            folder.mkdir()
            folder.chmod(0o777)
        self.env = {MPS_PIPE_VARIABLE: str(self.pipe), "CUDA_MPS_LOG_DIRECTORY": str(self.log)}

    def _control(self, *args: str, command: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([self.binary, *args], input=command, capture_output=True, text=True, timeout=30,
                              env={**os.environ, **self.env})

    def __enter__(self) -> "MpsDaemon":
        started = self._control("-d")
        if started.returncode != 0:
            raise GpuSharingError(f"the MPS control daemon did not start: {(started.stderr or started.stdout).strip()}"
                                  f"; use --gpu-sharing time-slice")
        if self.share:  # later clients get this limit; the guard still watches where a driver ignores it
            self._control(command=f"set_default_device_pinned_mem_limit 0 {self.share >> 20}M\n")
        os.environ.update(self.env)
        return self

    def __exit__(self, *exc: object) -> None:
        for name in self.env:
            os.environ.pop(name, None)
        self._control(command="quit\n")
        shutil.rmtree(self.root, ignore_errors=True)
