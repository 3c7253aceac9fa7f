"""The limits and the environment a grading child starts with."""
from __future__ import annotations

import os
import resource
from pathlib import Path

from grader.contract import Limits


def rlimits_for(limits: Limits, cpu_seconds: int | None, use_cuda: bool) -> dict[str, int]:
    """The resource limits of a grading child, by RLIMIT_* name (no CPU limit when `cpu_seconds`
    is None)."""
    values = {"FSIZE": limits.file_size_bytes, "CORE": 0,
              # Root ignores this limit; under strong isolation the child drops to `nobody`, where it holds.
              "NPROC": limits.max_processes}
    if not use_cuda:
        values["AS"] = limits.memory_bytes
    if cpu_seconds is not None:
        values["CPU"] = cpu_seconds
    return values


def apply_rlimits(values: dict[str, int]) -> None:
    """Set each limit (soft and hard) in the calling process."""
    for name, value in values.items():
        resource.setrlimit(getattr(resource, f"RLIMIT_{name}"), (value, value))


def child_env(home: Path, threads: int, device: str, torch_home: Path | None) -> dict[str, str]:
    """The scrubbed environment of a grading child (`home`, `torch_home`: paths as the child sees them)."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
        "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1",
        "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads),
        # OpenMP threads waiting at a barrier sleep after a short spin instead of spinning for long: on a busy
        # machine a long spin burns the CPU share the thread they wait for needs (grader.budget)
        "GOMP_SPINCOUNT": "20000",
        "MPLBACKEND": "Agg", "MPLCONFIGDIR": str(home / ".matplotlib"), "TMPDIR": "/tmp",
        # `!pip install` in a notebook fails at once instead of retrying a network it cannot reach.
        "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    if torch_home is not None:
        env["TORCH_HOME"] = str(torch_home)
    if device.startswith("cuda") and "CUDA_VISIBLE_DEVICES" in os.environ:
        env["CUDA_VISIBLE_DEVICES"] = os.environ["CUDA_VISIBLE_DEVICES"]
    return env
