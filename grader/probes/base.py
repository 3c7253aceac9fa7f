"""Types shared by every probe: parameters, the child's measuring context, the parent's verdict."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from grader.results import Figure, RunInfo, Status

_KINDS: dict[str, Callable[[Any], bool]] = {
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "str": lambda v: isinstance(v, str),
    "bool": lambda v: isinstance(v, bool),
    "shape": lambda v: v == [] or (isinstance(v, list) and all(
        isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in v)),
    "shapes": lambda v: isinstance(v, list) and bool(v) and all(
        isinstance(s, list) and s and all(isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in s)
        for s in v),
    "strings": lambda v: isinstance(v, list) and all(isinstance(s, str) for s in v),
}
_KIND_WORDS = {
    "int": "an integer", "float": "a number", "str": "a string", "bool": "true or false",
    "shape": "a shape such as [2, 3, 32, 32]",
    "shapes": "a list of shapes such as [[8, 3, 32, 32], [1, 3, 32, 32]]",
    "strings": "a list of strings",
}


@dataclass(frozen=True)
class Param:
    """A probe parameter as written in a spec."""

    kind: str
    default: Any = None
    required: bool = False
    measure: bool = False
    """True when the child needs it to measure; judge-only parameters never leave the parent."""

    def validate(self, value: Any, fail: Callable[[str], Exception]) -> Any:
        if not _KINDS[self.kind](value):
            raise fail(f"must be {_KIND_WORDS[self.kind]}, found {value!r}")
        return float(value) if self.kind == "float" else value


class SpecError(ValueError):
    """A malformed assignment spec; the message names the file, the check and the key (raised where
    specs are read, and by a probe whose parameters cannot be used)."""


class MeasureError(Exception):
    """Raised by a probe in the child when the submission's behaviour makes the measurement
    itself impossible (e.g. forward returned a list). The message is student-facing."""

    def __init__(self, found: str, hint: str = "") -> None:
        super().__init__(found)
        self.found = found
        self.hint = hint


@dataclass
class MeasureContext:
    """What a probe's measure half gets inside the child."""

    namespace: dict[str, Any]
    """The submission's globals."""
    entry: tuple[str, ...]
    device: str
    seed: int
    dataset: str
    input_channels: int
    image_size: int
    num_classes: int
    inputs: dict[str, Any] = field(default_factory=dict)
    """Tensors the parent prepared for this check (e.g. reference weights)."""
    staged_dir: Path | None = None
    """Training data and unlabeled test images, for training probes."""
    submission_dir: str = ""
    """Folder holding the submission's files as the child sees it (for error locations)."""
    progress: Callable[[str], None] = lambda message: None

    def describe(self, exc: BaseException) -> str:
        return describe_exception(exc, self.submission_dir)

    def new_model(self, name: str | None = None, **kwargs: Any) -> Any:
        """Call the entry class (or model-building function) with the grader's seed; the model
        on the grading device."""
        import torch
        from torch import nn

        name = name or self.entry[0]
        torch.manual_seed(self.seed)
        factory = self.namespace[name]
        obj = factory(**kwargs)
        if not isinstance(obj, nn.Module):
            hint = (f"make {name} a subclass of torch.nn.Module" if isinstance(factory, type)
                    else f"{name} must return the model (an nn.Module)")
            raise MeasureError(f"{name}() returned a {type(obj).__name__}, not an nn.Module", hint)
        return obj.to(self.device)

    def forward(self, model: Any, x: Any) -> Any:
        """Call the model and insist on a plain tensor (subclasses could lie about shape)."""
        import torch

        out = model(x)
        if type(out) is not torch.Tensor:
            raise MeasureError(
                f"forward returned a {type(out).__module__}.{type(out).__qualname__}, "
                "not a plain torch.Tensor",
                "return the logits tensor itself (no tuple, dict or tensor subclass)")
        return out


@dataclass(frozen=True)
class JudgeContext:
    """What a probe's judge half gets in the parent."""

    measured: dict[str, Any]
    expected: dict[str, Any] | None
    """The reference's measurement recorded with the same probe and parameters."""
    params: dict[str, Any]
    labels: Any = None
    """Test labels (parent only), for accuracy probes."""
    reference_metrics: dict[str, Any] | None = None
    device_class: str = "cpu"
    """Where the submission was graded ('cpu' or 'cuda'): accuracies are judged against the recording
    made on the same class of device."""
    ran: RunInfo | None = None
    """How the submission's top-level code ran (for probes judged from that alone)."""


@dataclass(frozen=True)
class Verdict:
    """A judged check before points are assigned (grader.judge.score does that)."""

    fraction: float
    """Share of the check's points earned, 0..1."""
    expected: str
    found: str
    hint: str = ""
    status: Status | None = None
    """Overrides the status derived from `fraction` (e.g. SKIPPED)."""
    figures: tuple[Figure, ...] = ()
    """Images to show next to the check (e.g. the student's figure and the reference's)."""


def passed(expected: str, found: str) -> Verdict:
    return Verdict(1.0, expected, found)


def failed(expected: str, found: str, hint: str = "") -> Verdict:
    return Verdict(0.0, expected, found, hint)


def describe_exception(exc: BaseException, submission_dir: str) -> str:
    """'RuntimeError: message (line 23 of your file: `x = x.view(...)`)' — the student's own
    frame closest to the error, found in the traceback."""
    import linecache
    import traceback

    where = ""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.startswith(submission_dir):
            line = (frame.line or linecache.getline(frame.filename, frame.lineno or 0)).strip()
            where = f" (line {frame.lineno} of {Path(frame.filename).name}: `{line}`)"
            break
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {message}{where}" if message else f"{type(exc).__name__}{where}"

