"""What crosses the boundary between the parent and a grading child: the job the child gets, and
what the parent makes of what the child sends. No torch, no subprocess: plain dataclasses, and
parsers that treat the child's messages as hostile input.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

@dataclass(frozen=True)
class Limits:
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


@dataclass(frozen=True)
class CheckJob:
    """One check as the child gets it: measure parameters only, never expected values."""

    id: str
    probe: str
    params: dict[str, Any]
    timeout: float
    needs: tuple[str, ...] = ()
    """Names the submission must define for the check to run."""
    inputs: dict[str, Any] | None = None
    """Tensors the parent prepared (saved to a file the child loads with weights_only=True)."""


@dataclass(frozen=True)
class ChildJob:
    """Everything needed to grade one submission in a child."""

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
    device: str = "cpu"
    seed: int = 0
    staged_dir: Path | None = None
    torch_hub: Path | None = None
    """The host's torch hub folder (pretrained weights), shown read-only to the child."""
    salvage: bool = True
    """Grade the definitions when the top-level code fails (grader.salvage)."""
    import_budget: float = 30.0
    """Charged seconds the top-level code of a .py may run before it is interrupted and salvaged."""


@dataclass
class CheckOutcome:
    """What happened to one check in the child (not yet judged)."""

    kind: str
    """measured | measure_failed | error | missing | timeout | crashed | not_run"""
    data: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    hint: str = ""
    traceback: str = ""
    seconds: float = 0.0
    output: str = ""


@dataclass(frozen=True)
class Skipped:
    """A top-level statement that did not run while salvaging."""

    where: str
    """'line 40' or 'cell 5, line 2'."""
    source: str
    """Its first line."""
    reason: str


@dataclass(frozen=True)
class TopLevelFailure:
    """The child's account of a failure of the submission's top-level code (a `.py` statement or a
    notebook cell), and of the salvage that followed, if any (grader.salvage)."""

    where: str
    """Where the failing top-level statement (or notebook cell) is."""
    source: str
    exception: str
    """The exception's type name."""
    message: str
    traceback: str = ""
    budget: bool = False
    """The statement was interrupted by the import budget (or a notebook's cell limit)."""
    ends_program: bool = False
    """The statement was a top-level sys.exit()/exit(): nothing after it was run."""
    skipped: tuple[Skipped, ...] = ()
    more_skipped: int = 0
    not_run: dict[str, str] = field(default_factory=dict)
    """name → the statement that did not run and would have bound or changed it."""
    ran: int = 0
    """Definitions run after the failure."""
    seconds: float = 0.0
    """Time the salvage took in the child."""

    @classmethod
    def from_event(cls, message: dict[str, Any]) -> "TopLevelFailure":
        """Parse a 'salvaged' or 'cell_error' event (hostile input: every field checked and cut to size)."""
        def text(key: str, limit: int = 2000) -> str:
            value = message.get(key, "")
            if not isinstance(value, str):
                raise ValueError(f"'{key}' of a salvaged event is not text")
            return value[:limit]

        skipped = message.get("skipped", [])
        not_run = message.get("not_run", {})
        if not isinstance(skipped, list) or not all(isinstance(s, dict) for s in skipped) or not isinstance(not_run, dict):
            raise ValueError("malformed salvaged event")
        return cls(where=text("where", 100), source=text("source", 200), exception=text("exception", 100),
                   message=text("message"), traceback=text("traceback", 20_000), budget=message.get("budget") is True,
                   ends_program=message.get("ends_program") is True,
                   skipped=tuple(Skipped(str(s.get("where", ""))[:100], str(s.get("source", ""))[:200],
                                         str(s.get("reason", ""))[:300]) for s in skipped[:MAX_SKIPPED]),
                   more_skipped=max(0, int(message.get("more_skipped", 0))) + max(0, len(skipped) - MAX_SKIPPED),
                   not_run={str(k)[:100]: str(v)[:200] for k, v in list(not_run.items())[:MAX_SKIPPED]},
                   ran=max(0, int(message.get("ran", 0))), seconds=max(0.0, float(message.get("seconds", 0.0))))


MAX_SKIPPED = 200
"""Skipped statements (and not-run names) the parent keeps from a salvaged event."""


@dataclass
class ChildReport:
    """Everything the parent learned from one child."""

    outcomes: dict[str, CheckOutcome]
    load_error: str = ""
    load_traceback: str = ""
    failure: TopLevelFailure | None = None
    """Set when the submission's top-level code failed (and the child went on)."""
    salvaged: bool = False
    """The definitions after the failure were run (grader.salvage); else what ran before it was graded."""
    stdout: str = ""
    stderr: str = ""
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
