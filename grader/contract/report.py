"""What the parent made of one child: each check's outcome (not yet judged) and the child's report."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from grader.contract.events import TopLevelFailure
from grader.contract.wire import Wire, limit
from grader.results import Isolation


class OutcomeKind(str, Enum):
    """What happened to one check in the child."""

    MEASURED = "measured"
    MEASURE_FAILED = "measure_failed"
    ERROR = "error"
    MISSING = "missing"
    TIMEOUT = "timeout"
    CRASHED = "crashed"
    NOT_RUN = "not_run"


@dataclass
class CheckOutcome(Wire):
    """What happened to one check in the child (not yet judged)."""

    kind: OutcomeKind
    data: dict[str, Any] = field(default_factory=dict)
    """The measurement; tensors as `{"__tensor__": key}` on the wire."""
    message: str = ""
    hint: str = ""
    owner: str = ""
    """MEASURE_FAILED only: the probe that charges the defect the check needed as a precondition ('' for none)."""
    traceback: str = field(default="", metadata=limit(20_000))
    frames: str = field(default="", metadata=limit(5_000))
    """The last frames of the student's own code that raised (an ERROR)."""
    seconds: float = 0.0
    output: str = field(default="", metadata=limit(2 << 20))


@dataclass
class ChildReport(Wire):
    """Everything the parent learned from one child."""

    outcomes: dict[str, CheckOutcome]
    load_error: str = ""
    load_traceback: str = field(default="", metadata=limit(20_000))
    failure: TopLevelFailure | None = None
    """Set when the submission's top-level code failed (and the child went on)."""
    stdout: str = field(default="", metadata=limit(2 << 20))
    stderr: str = field(default="", metadata=limit(2 << 20))
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    gpu_contended: bool = False
    """Another process held more than its share of the GPU's memory (or the GPU was nearly full) while
    this child ran (grader.execute.gpu)."""
    isolation: str = ""
    """How the child was isolated (one line for reports)."""
    isolation_level: Isolation = Isolation.BASIC
    """Its level (the executor that ran the child sets both)."""

    @property
    def salvaged(self) -> bool:
        """The definitions after a top-level failure were run (else what ran before it was graded)."""
        return self.failure is not None and self.failure.salvaged
