"""The probe registry: one place that knows every probe, its parameters and its two halves.

A probe has a *measure* half that runs inside the isolated child on the submission (or on the
reference, when it is recorded) and returns plain data and tensors, and a *judge* half that runs
in the parent and turns a measurement plus the recorded reference measurement into a verdict.
Only parameters marked ``measure=True`` are ever sent to the child.

Families register themselves: every module of this package that declares `FAMILY` (a tuple of
`grader.probes.base.Probe`) is a family, found and validated when the registry loads. Adding a family is adding
one module; a malformed or duplicate probe is refused with its module and name.
"""
from __future__ import annotations

import importlib
import pkgutil

from grader.probes.base import Probe, ProbeError

__all__ = ["PROBES", "Probe", "ProbeError", "families"]


def families() -> dict[str, tuple[Probe, ...]]:
    """module name → the probes it declares, for every family module of this package."""
    found = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "FAMILY"):
            found[module.__name__] = tuple(module.FAMILY)
    return found


def _registry() -> dict[str, Probe]:
    probes: dict[str, Probe] = {}
    where: dict[str, str] = {}
    for module, family in families().items():
        for probe in family:
            if not isinstance(probe, Probe):
                raise ProbeError(f"{module}: FAMILY holds {probe!r}, not a Probe")
            if problems := probe.problems():
                raise ProbeError(f"{module}: probe '{probe.name}': {'; '.join(problems)}")
            if probe.name in probes:
                raise ProbeError(f"{module}: probe '{probe.name}' is already registered by {where[probe.name]}")
            probes[probe.name], where[probe.name] = probe, module
    return probes


PROBES: dict[str, Probe] = _registry()
