"""An assignment's reference solution and what was recorded from it (expected.pt, metrics.json)."""
from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from grader.spec.code import AssignmentSpec
from grader.spec.table import SpecError


@dataclass(frozen=True)
class Reference:
    """A reference solution and what was recorded from it."""

    directory: Path
    expected: dict[str, Any]
    """check id → the reference's measurement."""
    metrics: dict[str, Any]

    @property
    def solution(self) -> Path:
        return self.directory / "solution.py"

    def factory(self, entry: str) -> Callable[[], Any]:
        """The reference's entry class, imported in the parent (trusted code)."""
        spec = importlib.util.spec_from_file_location(f"reference_{self.directory.name}", self.solution)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return getattr(module, entry)


def load_reference(spec: AssignmentSpec, root: Path) -> Reference:
    """The reference of `spec` under `root` (a folder of `<assignment>/solution.py`)."""
    import torch

    directory = root / spec.name
    if not (directory / "solution.py").is_file():
        raise SpecError(f"no reference solution for '{spec.name}': expected {directory / 'solution.py'}")
    expected_file, metrics_file = directory / "expected.pt", directory / "metrics.json"
    expected = torch.load(expected_file, weights_only=True) if expected_file.is_file() else {}
    metrics = json.loads(metrics_file.read_text()) if metrics_file.is_file() else {}
    return Reference(directory, expected, metrics)
