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
from grader.cli.support import user_errors
from grader.course.client import submit
from grader.course.command import course
from grader.serve.command import serve
from grader.spec.packs import PACKS_ENV, export_packs


@click.group()
@click.version_option(package_name="cnn-grader")
@click.option("--assignments", "packs", multiple=True, metavar="DIR",
              help=f"An assignment pack outside the repository (DIR/assignments/<name>/, DIR/reference/<name>/) to "
                   f"find assignments in besides the bundled ones; repeat it or separate folders with ':' (also "
                   f"${PACKS_ENV}, which it adds to for every process the grader starts).")
def main(packs: tuple[str, ...]) -> None:
    """Grade PyTorch CNN exercises: shapes, gradients and training, in an isolated process."""
    with user_errors():
        export_packs(packs)


for command in (assign, grade, check, validate, ci, batch, gradescope_package, list_, demo, reference, probes, serve,
                course, submit):
    main.add_command(command)
