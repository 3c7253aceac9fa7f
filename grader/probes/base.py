"""Types shared by every probe: a probe and its parameters (validated when the registry reads them), the child's
measuring context, the parent's verdict."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from grader.child.frames import StudentCode, describe_exception
from grader.child.values import describe_value
from grader.results import Figure, RunInfo, Status

DEVICE_CLASSES = ("cpu", "cuda")
FIRST_ENTRY = "<entry>"
"""In `Probe.calls`: the spec's first entry (a model class, or a function returning the model), whatever its name."""
TRAINING = ("", "steps", "epochs")
"""How much a probe trains: nothing, a few optimizer steps, or whole epochs (minutes on a CPU)."""

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
    choices: tuple[str, ...] = ()
    """The values a string (or each of a list of strings) may take; empty: any."""

    @property
    def words(self) -> str:
        """What a value of this kind is, in words ('a shape such as [2, 3, 32, 32]')."""
        return _KIND_WORDS[self.kind]

    def validate(self, value: Any, fail: Callable[[str], Exception]) -> Any:
        if not _KINDS[self.kind](value):
            raise fail(f"must be {self.words}, found {value!r}")
        unknown = [v for v in (value if isinstance(value, list) else [value]) if self.choices and v not in self.choices]
        if unknown:
            raise fail(f"does not take {unknown[0]!r}; choose among {list(self.choices)}")
        return float(value) if self.kind == "float" else value


class MeasureError(Exception):
    """Raised by a probe in the child when the submission's behaviour makes the measurement
    itself impossible (e.g. forward returned a list). The message is student-facing. `owner`: the probe that
    charges this defect when the probe raising it only needs it as a precondition (see Verdict.charged_by)."""

    def __init__(self, found: str, hint: str = "", owner: str = "") -> None:
        super().__init__(found)
        self.found = found
        self.hint = hint
        self.owner = owner


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
    code: StudentCode = field(default_factory=StudentCode)
    """Where the submission's code is, as the child sees it (for error locations)."""
    progress: Callable[[str], None] = lambda message: None

    def describe(self, exc: BaseException) -> str:
        """'IndexError: ... (line 37 of solution.py: `...`)'."""
        return describe_exception(exc, self.code)

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
                f"forward returned {describe_value(out)}, not a plain torch.Tensor",
                "return the logits tensor itself (no tuple, dict or tensor subclass)", owner="output_shape")
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
    charged_by: str = ""
    """The probe that owns the defect this verdict reports, when this check could not measure its own property
    for want of it (grader.judge.judging says so instead where that probe's check already lost points)."""


class ProbeError(Exception):
    """A probe declared wrongly: the message names its module and the probe (raised when the registry loads)."""


@dataclass(frozen=True)
class Probe:
    """A probe: a measure half that runs in the child, a judge half that runs in the parent, and what a spec's
    check may set. A family module declares its probes in a module-level tuple `FAMILY` (grader.probes)."""

    name: str
    title: str
    """Default check name shown to students."""
    measure: Callable[[MeasureContext, dict[str, Any]], dict[str, Any]] | None
    """None: nothing is measured in the child; the judge reads how the file ran (JudgeContext.ran)."""
    judge: Callable[[JudgeContext], Verdict]
    expects: str = ""
    """What a correct submission does, in a student's words (shown when no measurement exists)."""
    params: dict[str, Param] = field(default_factory=dict)
    default_timeout: float | dict[str, float] = 60.0
    needs_reference: bool = True
    """Whether judging compares with a recorded reference measurement."""
    prepare: Callable[[Any, dict[str, Any]], dict[str, Any]] | None = None
    """Parent-side: build tensors the child needs (e.g. reference weights). Gets (a function that
    builds a reference model, params)."""
    needs_data: bool = False
    """The child needs the staged dataset (training images, unlabeled test images)."""
    trains: bool = False
    """Judged against metrics.json (recorded per protocol over seeds), not expected.pt."""
    unavailable: Callable[[dict[str, Any], Path], str] | None = None
    """Parent-side, given the params and the data root: why this check cannot run on this machine ('' when it
    can); a non-empty reason makes the check SKIPPED without running it (e.g. pretrained weights not present)."""
    default_points: float | None = None
    """Points when a spec's check leaves `points` out (None: the spec must give them)."""
    summary: str = ""
    """What it measures, in one or two sentences for an assignment's author (`grader probes`)."""
    calls: tuple[str, ...] = ()
    """The submission's names the measure half calls (FIRST_ENTRY: the spec's first entry); () for none."""
    also_uses: tuple[str, ...] = ()
    """Names it calls only where the spec's entry lists them (else the grader's own stands in)."""
    training: str = ""
    """One of TRAINING: how much the measure half trains."""
    pretrained: bool = False
    """It loads pretrained (ImageNet) weights from torchvision's cache; SKIPPED where they are not there."""

    def measure_params(self, params: dict[str, Any]) -> dict[str, Any]:
        """The subset of parameters the child may see."""
        return {k: v for k, v in params.items() if self.params[k].measure}

    def problems(self) -> list[str]:
        """What is wrong with this declaration ([] when nothing is)."""
        found = []
        if not self.name.isidentifier() or not self.title.strip():
            found.append("needs a name that is a Python identifier and a title")
        if not callable(self.judge) or not all(f is None or callable(f) for f in (self.measure, self.prepare,
                                                                                   self.unavailable)):
            found.append("judge must be a function, and measure, prepare and unavailable functions or None")
        if self.measure is None and (self.needs_reference or self.prepare or self.needs_data or self.trains):
            found.append("measures nothing in the child, so it can need no reference, data or prepared inputs")
        found += self._about_problems()
        found += [f"parameter '{name}': {why}" for name, param in self.params.items()
                  for why in _param_problems(name, param)]
        timeouts = self.default_timeout if isinstance(self.default_timeout, dict) else \
            dict.fromkeys(DEVICE_CLASSES, self.default_timeout)
        if set(timeouts) != set(DEVICE_CLASSES) or not all(_positive(t) for t in timeouts.values()):
            found.append(f"default_timeout must be positive seconds, for each of {list(DEVICE_CLASSES)}")
        if self.default_points is not None and not (_positive(self.default_points) or self.default_points == 0):
            found.append("default_points must be a number of points (0 or more), or None")
        return found

    def _about_problems(self) -> list[str]:
        """What is wrong with what `grader probes` tells authors about it."""
        found = []
        if not self.summary.strip():
            found.append("needs a summary: what it measures, for an assignment's author")
        if (self.measure is None) != (not self.calls) or not all(isinstance(n, str) and n for n in self.calls):
            found.append("calls must name what the measure half calls in the submission (and nothing without one)")
        if self.training not in TRAINING or (self.trains and self.training != "epochs"):
            found.append(f"training must be one of {list(TRAINING)} ('epochs' for a probe that trains)")
        return found


def _positive(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def _param_problems(name: str, param: Any) -> list[str]:
    if not name.isidentifier() or not isinstance(param, Param):
        return ["must be a Param with a name that is a Python identifier"]
    if param.kind not in _KINDS:
        return [f"unknown kind '{param.kind}'; known: {sorted(_KINDS)}"]
    if param.required and param.default is not None:
        return ["a required parameter has no default"]
    if not param.required and param.default != [] and not _KINDS[param.kind](param.default):  # []: the probe's own
        return [f"default {param.default!r} is not {_KIND_WORDS[param.kind]}"]
    return []


def passed(expected: str, found: str) -> Verdict:
    return Verdict(1.0, expected, found)


def failed(expected: str, found: str, hint: str = "") -> Verdict:
    return Verdict(0.0, expected, found, hint)


def logit_loss(out: Any, labels: Any, purpose: str) -> Any:
    """A classification loss on any logits [batch, k]: cross-entropy with the labels taken modulo k (unchanged
    where k covers them), or binary cross-entropy on their parity for one logit; else a MeasureError that the
    output_shape check owns (`purpose`: what cannot be done without logits, for the message)."""
    import torch.nn.functional as F

    batch = len(labels)
    if out.ndim != 2 or out.shape[0] != batch or out.shape[1] == 0 or not out.is_floating_point():
        raise MeasureError(f"output shape {list(out.shape)} for a batch of {batch}, not logits [batch, classes]: "
                           f"{purpose}", "return one row of class scores per image", owner="output_shape")
    labels = labels.to(out.device)
    if out.shape[1] == 1:
        return F.binary_cross_entropy_with_logits(out[:, 0], (labels % 2).to(out.dtype))
    return F.cross_entropy(out, labels % out.shape[1])
