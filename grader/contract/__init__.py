"""The boundary between the parent and a grading child, typed: the job the child gets, every event it
sends, the outcome of a check and the report the parent makes of them. No torch, no subprocess.

Each type encodes and decodes itself (`to_json` / `from_json`, side by side through one codec), and
decoding validates: the parent treats whatever a child or a remote worker sends as hostile input,
so an unknown event, a wrong type or a missing field raises ContractError (the session turns it
into a CRASHED outcome), and text is cut to size. Tensors never travel in JSON: a measurement
holds `{"__tensor__": key}` references into a tensor file (grader.contract.tensors).
"""
from __future__ import annotations

import functools
import json
import math
import types
from dataclasses import MISSING, dataclass, field, fields, is_dataclass
from enum import Enum
from pathlib import Path
from typing import Any, ClassVar, Union, get_args, get_origin, get_type_hints

PROTOCOL = 4
"""Version of this contract; a job or event of another version is refused."""
CHANNEL_FD = 3
"""The fd number on which a forked child's worker writes its events."""
TEXT = 2000
"""Characters kept of a text field unless the field says otherwise."""
MAX_ITEMS = 200
"""Items kept of a list or dict field."""
_dumps, _loads = json.dumps, json.loads  # captured before any student code runs in the child


class ContractError(ValueError):
    """A message that does not follow the contract (broken or hostile)."""


def _limit(n: int) -> dict[str, int]:
    return {"limit": n}


class Wire:
    """Mixin: JSON encoding and validated decoding from the dataclass's own fields."""

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _encode(getattr(self, f.name)) for f in fields(self)}

    def to_json(self) -> str:
        return _dumps(self.to_dict(), default=str)

    @classmethod
    def from_dict(cls, payload: Any, where: str = "") -> Any:
        return _decode(cls, payload, where or cls.__name__)

    @classmethod
    def from_json(cls, text: str | bytes) -> Any:
        try:
            payload = _loads(text)
        except ValueError as exc:
            raise ContractError(f"{cls.__name__} is not JSON ({exc})") from None
        return cls.from_dict(payload)


def _encode(value: Any) -> Any:
    if isinstance(value, Wire):
        return value.to_dict()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    return value


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    """A dataclass's field types, resolved once (annotations are strings under `from __future__`)."""
    return get_type_hints(cls)


def _decode(cls: type, payload: Any, where: str) -> Any:
    if not isinstance(payload, dict):
        raise ContractError(f"{where}: expected an object, found {type(payload).__name__}")
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(payload) - set(known))
    if unknown:
        raise ContractError(f"{where}: unknown field(s) {', '.join(map(str, unknown[:5]))[:200]}")
    hints = _hints(cls)
    values = {}
    for name, f in known.items():
        if name not in payload:
            if f.default is MISSING and f.default_factory is MISSING:
                raise ContractError(f"{where}: missing field '{name}'")
            continue
        values[name] = _value(hints[name], payload[name], f"{where}.{name}", f.metadata.get("limit", TEXT))
    return cls(**values)


def _value(tp: Any, value: Any, where: str, limit: int) -> Any:
    origin, args = get_origin(tp), get_args(tp)
    if tp is Any:
        return value
    if origin in (Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        return _value(next(a for a in args if a is not type(None)), value, where, limit)
    if is_dataclass(tp):
        return _decode(tp, value, where)
    if isinstance(tp, type) and issubclass(tp, Enum):
        try:
            return tp(value)
        except ValueError:
            raise ContractError(f"{where}: unknown value {str(value)[:50]!r}") from None
    if origin in (list, tuple, dict):
        if not isinstance(value, dict if origin is dict else list):
            raise ContractError(f"{where}: expected a {origin.__name__}, found {type(value).__name__}")
        if origin is dict:
            return {str(k)[:limit]: _value(args[1], v, f"{where}[{str(k)[:30]}]", limit)
                    for k, v in list(value.items())[:MAX_ITEMS]}
        items = [_value(args[0], v, f"{where}[{i}]", limit) for i, v in enumerate(value[:MAX_ITEMS])]
        return tuple(items) if origin is tuple else items
    if tp is float and isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    if tp is Path and isinstance(value, str):
        return Path(value)
    if tp in (str, int, bool) and type(value) is tp:
        return value[:limit] if tp is str else value
    raise ContractError(f"{where}: expected {getattr(tp, '__name__', tp)}, found {type(value).__name__}")


# ------------------------------------------------------------------------------------------ the job

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


# --------------------------------------------------------------------------------------- the events

@dataclass(frozen=True)
class Skipped(Wire):
    """A top-level statement that did not run while salvaging."""

    where: str = field(metadata=_limit(100))
    """'line 40' or 'cell 5, line 2'."""
    source: str = field(metadata=_limit(200))
    """Its first line."""
    reason: str = field(metadata=_limit(300))


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
    traceback: str = field(default="", metadata=_limit(20_000))


@dataclass(frozen=True)
class TopLevelFailure(Event):
    """The submission's top-level code (a `.py` statement or a notebook cell) failed, and what the
    salvage that followed did, if any (grader.child.salvage)."""

    name: ClassVar[str] = "top_level_failure"
    where: str = field(metadata=_limit(100))
    """Where the failing top-level statement (or notebook cell) is."""
    source: str = field(metadata=_limit(200))
    exception: str = field(metadata=_limit(100))
    """The exception's type name."""
    message: str
    traceback: str = field(default="", metadata=_limit(20_000))
    salvaged: bool = False
    """The definitions after the failure were run; else only what ran before it is graded."""
    budget: bool = False
    """The statement was interrupted by the import budget (or a notebook's cell limit)."""
    ends_program: bool = False
    """The statement was a top-level sys.exit()/exit(): nothing after it was run."""
    skipped: tuple[Skipped, ...] = ()
    more_skipped: int = 0
    not_run: dict[str, str] = field(default_factory=dict, metadata=_limit(200))
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
    message: str = field(metadata=_limit(300))


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


@dataclass(frozen=True)
class CheckError(Event):
    """The submission's code raised while a check measured it."""

    name: ClassVar[str] = "error"
    check: str
    message: str
    traceback: str = field(default="", metadata=_limit(20_000))


@dataclass(frozen=True)
class Missing(Event):
    """Names the check needs are not defined."""

    name: ClassVar[str] = "missing"
    check: str
    names: tuple[str, ...] = field(default=(), metadata=_limit(100))


@dataclass(frozen=True)
class Done(Event):
    name: ClassVar[str] = "done"


EVENTS: dict[str, type[Event]] = {e.name: e for e in (Hello, LoadError, TopLevelFailure, Loaded, CheckStarted,
                                                      Progress, Measured, MeasureFailed, CheckError, Missing, Done)}


def encode_event(event: Event) -> bytes:
    """One line on the channel."""
    return (_dumps({"event": event.name, **event.to_dict()}, default=str) + "\n").encode()


def decode_event(line: bytes | str) -> Event:
    """An event from one channel line (ContractError when it is not one)."""
    try:
        payload = _loads(line)
    except ValueError as exc:
        raise ContractError(f"not JSON ({str(exc)[:80]})") from None
    if not isinstance(payload, dict) or payload.get("event") not in EVENTS:
        raise ContractError(f"unknown event {str(payload)[:80]!r}")
    kind = EVENTS[payload.pop("event")]
    return kind.from_dict(payload, kind.name)


# ------------------------------------------------------------------------------- what the parent made

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
    traceback: str = field(default="", metadata=_limit(20_000))
    seconds: float = 0.0
    output: str = field(default="", metadata=_limit(2 << 20))


@dataclass
class ChildReport(Wire):
    """Everything the parent learned from one child."""

    outcomes: dict[str, CheckOutcome]
    load_error: str = ""
    load_traceback: str = field(default="", metadata=_limit(20_000))
    failure: TopLevelFailure | None = None
    """Set when the submission's top-level code failed (and the child went on)."""
    stdout: str = field(default="", metadata=_limit(2 << 20))
    stderr: str = field(default="", metadata=_limit(2 << 20))
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    gpu_contended: bool = False
    """Another process held more than its share of the GPU's memory (or the GPU was nearly full) while
    this child ran (grader.execute.gpu)."""
    isolation: str = ""
    """How the child was isolated (one line for reports)."""

    @property
    def salvaged(self) -> bool:
        """The definitions after a top-level failure were run (else what ran before it was graded)."""
        return self.failure is not None and self.failure.salvaged
