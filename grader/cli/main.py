"""The `grader` command: parse options, call the layers below, render, set the exit code. Each subcommand lives
with its kind: grading one hand-in (grader.cli.grading), a class (grader.cli.classroom), an assignment's own
artefacts (grader.cli.instructor), the workspace (grader.serve.command), the course server and handing in to it
(grader.course.command, grader.course.client).

Exit codes: 0 graded (whatever the score), 1 `validate` found the reference short of full marks or
`ci` a score below --fail-under, 2 a usage or set-up problem (bad spec, missing data, no such file)."""
from __future__ import annotations

import click

from grader.cli.authoring import assign
from grader.cli.classroom import batch, demo, list_
from grader.cli.grading import check, ci, grade, validate
from grader.cli.instructor import gradescope_package, reference
from grader.cli.probes import probes
from grader.course.client import submit
from grader.course.command import course
from grader.serve.command import serve


@click.group()
@click.version_option(package_name="cnn-grader")
def main() -> None:
    """Grade PyTorch CNN exercises: shapes, gradients and training, in an isolated process."""


for command in (assign, grade, check, validate, ci, batch, gradescope_package, list_, demo, reference, serve, course, submit):
    main.add_command(command)
main.add_command(probes)
