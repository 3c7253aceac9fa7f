"""What `grader probes` tells an assignment's author about each registered probe: what it measures, its parameters,
which of the submission's definitions it calls, what it costs and needs, and a `[[check]]` block to start from.
Read from the registry's declarations (grader.probes.base.Probe), so the catalogue cannot drift from the probes."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from grader.probes import PROBES, families
from grader.probes.base import DEVICE_CLASSES, FIRST_ENTRY, Param, Probe

ENTRY_KINDS = {
    FIRST_ENTRY: "model", "build_model": "model", "make_optimizer": "optimizer", "train_one_epoch": "training loop",
    "evaluate": "evaluation loop", "make_loaders": "data loaders", "make_transform": "transforms",
    "make_transforms": "transforms", "make_datasets": "datasets", "make_criterion": "loss",
    "feature_maps": "feature-map function", "plot_feature_maps": "figure function",
}
"""The kind of definition each name a probe calls is (FIRST_ENTRY: the spec's first entry, a model class or a function
returning the model)."""
FIRST_ENTRY_WORDS = "the spec's first entry (a model class, or a function returning the model)"
EXAMPLE_VALUES = {"shape": [2, 3, 32, 32], "shapes": [[8, 3, 32, 32], [2, 3, 32, 32]], "strings": ["Conv2d"],
                  "int": 1, "float": 1.0, "str": "", "bool": True}
"""A value of each parameter kind, for an example whose default is the probe's own choice ([]) or absent."""
TRAINING_WORDS = {"": "no", "steps": "a few steps", "epochs": "yes (epochs)"}


@dataclass(frozen=True)
class ParamInfo:
    """One parameter as `grader probes --json` lists it."""

    name: str
    kind: str
    kind_words: str
    default: Any
    """None for a required one; [] where the probe chooses from the dataset's shapes."""
    required: bool
    half: str
    """'measure' (sent to the child that measures) or 'judge' (read in the parent)."""


@dataclass(frozen=True)
class ProbeInfo:
    """One probe as `grader probes --json` lists it (docs/: the keys are the interface)."""

    name: str
    title: str
    family: str
    summary: str
    expects: str
    applies_to: list[str]
    """Kinds of definition it calls ('model', 'training loop', ...), from `calls` and `also_uses`."""
    calls: list[str]
    """Names it calls in the submission; '<entry>' is the spec's first entry, whatever its name."""
    also_uses: list[str]
    """Names it calls only where the spec's entry lists them."""
    params: list[ParamInfo]
    trains: str
    """'' (no), 'steps' (a few optimizer steps) or 'epochs' (a training run)."""
    needs_data: bool
    needs_reference: bool
    reference_file: str
    """'expected.pt', 'metrics.json' (recorded accuracies) or '' (judged without the reference's recording)."""
    pretrained: bool
    default_points: float | None
    default_timeout: dict[str, float]
    example: str
    """A `[[check]]` block the spec validator accepts (example_check)."""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def describe(probe: Probe, family: str) -> ProbeInfo:
    """The catalogue entry of one registered probe, declared by the module `family`."""
    reference_file = "metrics.json" if probe.trains else "expected.pt" if probe.needs_reference else ""
    timeouts = probe.default_timeout if isinstance(probe.default_timeout, dict) else \
        dict.fromkeys(DEVICE_CLASSES, probe.default_timeout)
    kinds = [ENTRY_KINDS.get(name, "function") for name in (*probe.calls, *probe.also_uses)]
    return ProbeInfo(
        name=probe.name, title=probe.title, family=family, summary=probe.summary, expects=probe.expects,
        applies_to=list(dict.fromkeys(kinds)) or ["the whole file"], calls=list(probe.calls),
        also_uses=list(probe.also_uses), params=[_param(name, p) for name, p in probe.params.items()],
        trains=probe.training, needs_data=probe.needs_data, needs_reference=bool(reference_file),
        reference_file=reference_file, pretrained=probe.pretrained, default_points=probe.default_points,
        default_timeout={k: float(v) for k, v in timeouts.items()}, example=example_check(probe))


def _param(name: str, param: Param) -> ParamInfo:
    return ParamInfo(name=name, kind=param.kind, kind_words=param.words, default=param.default,
                     required=param.required, half="measure" if param.measure else "judge")


def catalogue() -> list[ProbeInfo]:
    """Every registered probe, family by family (alphabetical), in the order its family declares them."""
    return [describe(PROBES[probe.name], module.rpartition(".")[2]) for module, family in families().items()
            for probe in family]


def example_check(probe: Probe) -> str:
    """A `[[check]]` block for an assignment.toml that the spec validator accepts, every parameter shown with its
    default (a commented example where the probe chooses its own)."""
    named = [n for n in probe.calls if n != FIRST_ENTRY]
    also = f"; and {', '.join(_call_words(n) for n in probe.also_uses)} where the entry lists it" \
        if probe.also_uses else ""
    lines = [f"# calls {', '.join(_call_words(n) for n in probe.calls)}{also}" if probe.calls
             else "# measures nothing: judged from how the file's top-level code ran",
             "[[check]]", f'id = "{probe.name}"', f'probe = "{probe.name}"']
    if named:
        lines.append(f"needs = {_toml(named)}   # the spec's entry must list them")
    points = probe.default_points if probe.default_points is not None else 1
    lines.append(f"points = {points:g}" + ("   # the default" if probe.default_points is not None else ""))
    for name, param in probe.params.items():
        if param.required:
            lines.append(f"{name} = {_toml(EXAMPLE_VALUES[param.kind])}   # required")
        elif param.default == []:
            lines.append(f"# {name} = {_toml(EXAMPLE_VALUES[param.kind])}   # default: the probe's own, from the "
                         "dataset's image shape")
        else:
            lines.append(f"{name} = {_toml(param.default)}   # default ({'measure' if param.measure else 'judge'})")
    if probe.training == "epochs":
        lines.append("hidden = true   # optional: a training check's result is often kept from students")
    return "\n".join(lines) + "\n"


def _call_words(name: str) -> str:
    return FIRST_ENTRY_WORDS if name == FIRST_ENTRY else f"{name} ({ENTRY_KINDS.get(name, 'function')})"


def _toml(value: Any) -> str:
    """A TOML value for the parameter kinds (strings, numbers, booleans and lists of them: JSON writes them alike)."""
    return json.dumps(value)
