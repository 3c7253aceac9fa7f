"""`grader assign MASTER --out PACK`: an assignment from one master notebook (grader.authoring.assign)."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from rich.markup import escape

from grader.api import GradeOptions
from grader.authoring.assign import Assigned
from grader.cli.support import (
    batch_progress,
    check_progress,
    common_options,
    console,
    errors,
    grade_options,
    user_errors,
)


@click.command()
@click.argument("master", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", "pack", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="The pack to write into (PACK/assignments/<name>, PACK/reference/<name>); created if missing.")
@click.option("--seeds", default=3, show_default=True, help="Training seeds when recording the reference's accuracy.")
@click.option("--no-record", is_flag=True, help="Keep the pack's recordings (expected.pt, metrics.json) as they are.")
@click.option("--no-validate", is_flag=True, help="Skip grading the reference and the starter.")
@click.option("--no-mutants", is_flag=True, help="Skip the mutation report (which bugs the checks would miss).")
@click.option("--jobs", default=2, show_default=True, help="Mutants graded in parallel.")
@common_options
def assign(master: Path, pack: Path, seeds: int, no_record: bool, no_validate: bool, no_mutants: bool, jobs: int,
           **common: Any) -> None:
    """Write an assignment from a MASTER notebook (or percent-format .py): the spec cell ('# ASSIGNMENT'),
    solutions between '# BEGIN SOLUTION' and '# END SOLUTION' (or lines ending '# SOLUTION'); then record the
    reference, validate it and the starter, and report which bugs the checks would miss. A failing step leaves
    the pack as it was."""
    from grader.authoring.assign import AssignError, AssignSteps
    from grader.authoring.assign import assign as build

    options = grade_options(**common)
    steps = AssignSteps(record=not no_record, validate=not no_validate, seeds=seeds)
    with user_errors(AssignError):
        with check_progress(f"assigning {master.name}") as progress:
            made = build(master, pack, options=options, steps=steps, progress=progress,
                         log=lambda line: console.print(line, highlight=False, markup=False, soft_wrap=True))
    console.print(f"[bold green]assigned:[/] {escape(made.name)} → {escape(str(made.folder))} (students) and "
                  f"{escape(str(made.reference))} (instructors)", highlight=False, soft_wrap=True)
    if made.reference_score:
        console.print(f"reference {made.reference_score}, starter {made.starter_score}")
    console.print(f"grade with: grader --assignments {escape(str(pack))} grade {escape(made.name)} HANDIN",
                  soft_wrap=True, highlight=False)
    if made.code and not (no_mutants or no_validate):
        _mutation_report(made, options, jobs)
    sys.exit(0)


def _mutation_report(made: Assigned, options: GradeOptions, jobs: int) -> None:
    """Which bugs the checks would miss: the table, and mutants.md / mutants.json beside the reference."""
    from grader.authoring.mutation import run_mutants
    from grader.authoring.mutation_report import print_report, write_report
    from grader.spec.code import load_spec

    spec = load_spec(made.folder / "assignment.toml")
    with user_errors(), batch_progress(f"mutants of {spec.name}") as progress:
        report = run_mutants(spec, options=options, jobs=jobs, progress=progress)
    print_report(report, console)
    written = write_report(report, made.reference)
    console.print(f"mutation report: {written['markdown']}", highlight=False, soft_wrap=True)
    if report.survivors:
        errors.print(f"[yellow]{len(report.survivors)} mutant(s) no check catches[/]: add a check, or say in the "
                     "brief why the bug is harmless", highlight=False)
