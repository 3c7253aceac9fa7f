"""The job: what the parent asks one grading child to do (measure parameters only, never expected values)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.contract.wire import Wire


@dataclass(frozen=True)
class Limits(Wire):
    """Resource limits of one grading child."""

    memory_bytes: int = 8 << 30
    """Address-space limit (RLIMIT_AS; importing the CUDA build of torch alone maps ~3.2 GB);
    not applied when the child uses CUDA."""
    max_processes: int = 256
    """Processes and threads of the child's user (RLIMIT_NPROC)."""
    file_size_bytes: int = 256 << 20
    output_bytes: int = 1 << 20
    """stdout and stderr are each kept up to this size; the rest is counted and dropped."""
    load_timeout: float = 60.0
    """Charged seconds allowed for importing a .py submission and salvaging it (at least the
    spec's import budget plus SALVAGE_SECONDS)."""
    notebook_timeout: float = 180.0
    """Seconds allowed for executing a notebook's cells (kernel start included)."""
    cell_timeout: float = 60.0
    """Seconds allowed for one notebook cell."""
    threads: int = 2
    gpu_memory_bytes: int = 0
    """The child's share of the GPU's memory when several children share one GPU (0: no share is set)."""


@dataclass(frozen=True)
class CheckJob(Wire):
    """One check as the child gets it: measure parameters only, never expected values."""

    id: str
    probe: str
    params: dict[str, Any]
    timeout: float
    needs: tuple[str, ...] = ()
    """Names the submission must define for the check to run."""
    inputs: str = ""
    """Key of the tensors the parent prepared for it in the job's tensors ('' when none)."""


@dataclass(frozen=True)
class ChildJob(Wire):
    """Everything needed to grade one submission in a child, as the parent sees it (host paths)."""

    submission_dir: Path
    """Folder with the submission's files (copied into the child's sandbox)."""
    main_file: str
    """Path of the file to import, relative to `submission_dir`."""
    entry: tuple[str, ...]
    dataset: str
    input_channels: int
    image_size: int
    num_classes: int
    checks: tuple[CheckJob, ...]
    budget: float
    """Seconds for the whole submission."""
    limits: Limits = Limits()
    device: str = "cpu"
    seed: int = 0
    staged_dir: Path | None = None
    torch_hub: Path | None = None
    """The host's torch hub folder (pretrained weights), shown read-only to the child."""
    salvage: bool = True
    """Grade the definitions when the top-level code fails (grader.child.salvage)."""
    import_budget: float = 30.0
    """Charged seconds the top-level code of a .py may run before it is interrupted and salvaged."""
    inputs: dict[str, Any] = field(default_factory=dict, compare=False)
    """check's inputs key → the tensors the parent prepared (not part of the JSON: grader.contract.tensors)."""

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in super().to_dict().items() if k != "inputs"}


@dataclass(frozen=True)
class ChildView(Wire):
    """The job as the child reads it from job.json: paths as the child sees them."""

    protocol: int
    channel_fd: int
    submission: str
    submission_dir: str
    out_dir: str
    lib: str
    inputs: str
    """The tensor file of the checks' prepared inputs ('' when none)."""
    job: ChildJob
