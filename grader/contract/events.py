"""Every event a grading child sends on its channel, one JSON line each, decoded and validated by the parent."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from grader.contract.wire import ContractError, Wire, json_dumps, json_loads, limit


@dataclass(frozen=True)
class Skipped(Wire):
    """A top-level statement that did not run while salvaging."""

    where: str = field(metadata=limit(100))
    """'line 40' or 'cell 5, line 2'."""
    source: str = field(metadata=limit(200))
    """Its first line."""
    reason: str = field(metadata=limit(300))


@dataclass(frozen=True)
class Event(Wire):
    """Something the child tells the parent; `name` is its tag on the wire."""

    name: ClassVar[str] = ""


@dataclass(frozen=True)
class Hello(Event):
    name: ClassVar[str] = "hello"
    pid: int
    torch: str = ""


@dataclass(frozen=True)
class LoadError(Event):
    """The submission could not be loaded: no check can run."""

    name: ClassVar[str] = "load_error"
    message: str
    traceback: str = field(default="", metadata=limit(20_000))


@dataclass(frozen=True)
class TopLevelFailure(Event):
    """The submission's top-level code (a `.py` statement or a notebook cell) failed, and what the
    salvage that followed did, if any (grader.child.salvage)."""

    name: ClassVar[str] = "top_level_failure"
    where: str = field(metadata=limit(100))
    """Where the failing top-level statement (or notebook cell) is."""
    source: str = field(metadata=limit(200))
    exception: str = field(metadata=limit(100))
    """The exception's type name."""
    message: str
    traceback: str = field(default="", metadata=limit(20_000))
    salvaged: bool = False
    """The definitions after the failure were run; else only what ran before it is graded."""
    budget: bool = False
    """The statement was interrupted by the import budget (or a notebook's cell limit)."""
    ends_program: bool = False
    """The statement was a top-level sys.exit()/exit(): nothing after it was run."""
    skipped: tuple[Skipped, ...] = ()
    more_skipped: int = 0
    not_run: dict[str, str] = field(default_factory=dict, metadata=limit(200))
    """name → the statement that did not run and would have bound or changed it."""
    ran: int = 0
    """Definitions run after the failure."""
    seconds: float = 0.0
    """Time the salvage took in the child."""


@dataclass(frozen=True)
class Loaded(Event):
    name: ClassVar[str] = "loaded"
    defined: tuple[str, ...] = ()


@dataclass(frozen=True)
class CheckStarted(Event):
    name: ClassVar[str] = "start"
    check: str


@dataclass(frozen=True)
class Progress(Event):
    name: ClassVar[str] = "progress"
    check: str
    message: str = field(metadata=limit(300))


@dataclass(frozen=True)
class Measured(Event):
    name: ClassVar[str] = "measured"
    check: str
    data: dict[str, Any]
    tensors: str = ""
    """Name of the tensor file in the child's out folder ('' when none)."""


@dataclass(frozen=True)
class MeasureFailed(Event):
    """The probe could not measure, for a reason it explains (a wrong output shape...)."""

    name: ClassVar[str] = "measure_failed"
    check: str
    found: str
    hint: str = ""
    owner: str = ""
    """The probe that charges this defect, when the check only needed it as a precondition."""


@dataclass(frozen=True)
class CheckError(Event):
    """The submission's code raised while a check measured it."""

    name: ClassVar[str] = "error"
    check: str
    message: str
    traceback: str = field(default="", metadata=limit(20_000))
    """From the first frame of the student's code on, for the grader's diagnoses."""
    frames: str = field(default="", metadata=limit(5_000))
    """The last frames of the student's own code, as a student reads them (grader.child.frames)."""


@dataclass(frozen=True)
class Missing(Event):
    """Names the check needs are not defined."""

    name: ClassVar[str] = "missing"
    check: str
    names: tuple[str, ...] = field(default=(), metadata=limit(100))


@dataclass(frozen=True)
class Done(Event):
    name: ClassVar[str] = "done"


EVENTS: dict[str, type[Event]] = {e.name: e for e in (Hello, LoadError, TopLevelFailure, Loaded, CheckStarted,
                                                      Progress, Measured, MeasureFailed, CheckError, Missing, Done)}


def encode_event(event: Event) -> bytes:
    """One line on the channel."""
    return (json_dumps({"event": event.name, **event.to_dict()}, default=str) + "\n").encode()


def decode_event(line: bytes | str) -> Event:
    """An event from one channel line (ContractError when it is not one)."""
    try:
        payload = json_loads(line)
    except ValueError as exc:
        raise ContractError(f"not JSON ({str(exc)[:80]})") from None
    if not isinstance(payload, dict) or payload.get("event") not in EVENTS:
        raise ContractError(f"unknown event {str(payload)[:80]!r}")
    kind = EVENTS[payload.pop("event")]
    return kind.from_dict(payload, kind.name)
