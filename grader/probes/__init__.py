"""The probe registry: one place that knows every probe, its parameters and its two halves.

A probe has a *measure* half that runs inside the isolated child on the submission (or on the
reference, when it is recorded) and returns plain data and tensors, and a *judge* half that runs
in the parent and turns a measurement plus the recorded reference measurement into a verdict.
Only parameters marked ``measure=True`` are ever sent to the child.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from grader.probes.base import JudgeContext, MeasureContext, Param, Verdict

__all__ = ["PROBES", "Probe", "Param", "Verdict", "JudgeContext", "MeasureContext", "register"]


@dataclass(frozen=True)
class Probe:
    """A registered probe."""

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

    def measure_params(self, params: dict[str, Any]) -> dict[str, Any]:
        """The subset of parameters the child may see."""
        return {k: v for k, v in params.items() if self.params[k].measure}


PROBES: dict[str, Probe] = {}


def register(probe: Probe) -> Probe:
    """Add a probe; refuses duplicates."""
    if probe.name in PROBES:
        raise ValueError(f"probe '{probe.name}' is already registered")
    PROBES[probe.name] = probe
    return probe


# Importing the families registers them.
from grader.probes import (  # noqa: E402,F401
    batchnorm, clinical, featuremaps, figure, gradients, handin, loaders, loop, resnet, shapes, training, transfer, xray)
