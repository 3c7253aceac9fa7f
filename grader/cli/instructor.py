"""An assignment's own artefacts from the command line: `grader reference record` (the reference's expected
measurements and accuracies) and `grader gradescope-package` (an autograder zip for Gradescope)."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from grader.cli.support import (
    check_progress,
    common_options,
    console,
    errors,
    grade_options,
    user_errors,
)
from grader.spec import catalog


@click.command(name="gradescope-package")
@click.argument("assignment")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Zip to write [default: <assignment>-gradescope.zip].")
def gradescope_package(assignment: str, out: Path | None) -> None:
    """Write a Gradescope autograder zip (setup.sh, run_autograder) that grades with this grader."""
    from grader.authoring.package import gradescope_package as build

    with user_errors():
        spec = catalog.find_assignment(assignment)
        reference = catalog.find_reference(spec).directory
        path = build(spec, reference, out or Path(f"{spec.name}-gradescope.zip"))
    console.print(f"Gradescope autograder: {path} (upload it as the assignment's autograder; "
                  "setup.sh downloads the dataset when the image is built)")


@click.group()
def reference() -> None:
    """Record reference measurements and metrics."""


@reference.command()
@click.argument("assignment")
@click.option("--protocol", default="quick", show_default=True, help="Training protocol to measure (quick, full).")
@click.option("--seeds", default=3, show_default=True, help="Number of training seeds.")
@click.option("--metrics-only", is_flag=True,
              help="Record only the accuracy (metrics.json), e.g. on a GPU machine; leave expected.pt as it is.")
@common_options
def record(assignment: str, protocol: str, seeds: int, metrics_only: bool, **common: Any) -> None:
    """Train the reference solution and write expected.pt and metrics.json (one recording per protocol and
    device class: the device that grades is judged against the recording made on its kind)."""
    from grader.authoring.record import record_reference

    with user_errors():
        spec = catalog.find_assignment(assignment)
        with check_progress(f"recording {spec.name}") as progress:
            try:
                record_reference(spec, protocol=protocol, seeds=seeds, options=grade_options(**common),
                                 progress=progress, log=console.print, metrics_only=metrics_only)
            except RuntimeError as exc:  # the reference failed a check, or a check cannot run here
                errors.print(f"error: {exc}", highlight=False, markup=False)
                sys.exit(2)
