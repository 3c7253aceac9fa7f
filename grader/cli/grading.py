"""Grading one hand-in from the command line: `grader grade` (the instructor: every check), `check` (the
student: visible checks, quick training), `validate` (the reference must earn full marks; `--mutants`: which bugs
the checks would miss) and `ci` (a student's repository in CI: JUnit, results.json, a GitHub job summary and
annotations)."""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Callable

import click

from grader import api
from grader.authoring.mutation import run_mutants
from grader.authoring.mutation_report import print_report, write_report
from grader.classroom.batch import default_jobs
from grader.cli.support import (
    batch_progress,
    check_progress,
    common_options,
    console,
    grade_options,
    user_errors,
)
from grader.policy import HiddenPolicy
from grader.report.formats import ClassOptions, Scope, formats, write_submission
from grader.report.github import github_annotations
from grader.report.markdown import markdown_summary
from grader.report.terminal import print_result
from grader.results import Isolation, SubmissionResult
from grader.spec import AssignmentSpec, catalog
from grader.spec.table import NUMBER, read_toml

CI_CONFIG = Path(".cnn-grader.toml")


def _write_out(result: SubmissionResult, out: Path | None) -> None:
    """The default submission formats (report.html, results.json) into `out`, and where they are."""
    if out is not None:
        written = write_submission(result, out)
        helps = {f.name: f.help for f in formats(Scope.SUBMISSION)}
        console.print("\n".join(f"{helps[name]}: {path}" for name, path in written.items()), highlight=False)


def _only(only: str) -> tuple[str, ...]:
    return tuple(filter(None, only.split(",")))


@click.command()
@click.argument("assignment")
@click.argument("submission", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Write report.html and results.json here.")
@click.option("--only", default="", help="Comma-separated check ids to run.")
@click.option("--protocol", default=None, help="Override the training protocol (quick, full).")
@common_options
def grade(assignment: str, submission: Path, out: Path | None, only: str, protocol: str | None, **common) -> None:
    """Grade SUBMISSION (.py, folder or zip) for ASSIGNMENT, all checks (instructor view)."""
    with user_errors():
        spec = catalog.find_assignment(assignment)
        options = grade_options(**common, only=_only(only), protocol=protocol)
        with check_progress(f"grading {submission.name}") as progress:
            result = api.grade(spec, submission, options=options, progress=progress)
    shown = HiddenPolicy.ALL.apply(result)
    print_result(shown, console)
    _write_out(shown, out)


@click.command()
@click.argument("assignment")
@click.argument("submission", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Also write report.html here.")
@common_options
def check(assignment: str, submission: Path, out: Path | None, **common) -> None:
    """The student's command: visible checks only, quick training protocol."""
    with user_errors():
        spec = catalog.find_assignment(assignment)
        options = grade_options(**common, default_isolation=Isolation.AUTO.value, visible_only=True, protocol="quick")
        with check_progress(f"checking {submission.name}") as progress:
            result = api.grade(spec, submission, options=options, progress=progress)
    shown = HiddenPolicy.HIDE.apply(result)
    print_result(shown, console)
    hidden = sum(1 for c in spec.checks if c.hidden)
    if hidden:
        console.print(f"[dim]{hidden} more check(s) are hidden and run when your work is graded.[/]")
    _write_out(shown, out)


@click.command()
@click.argument("assignment")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Write report.html and results.json here (with --mutants also mutants.md, mutants.json and the "
                   "mutants' batch folder, mutants/).")
@click.option("--mutants", is_flag=True,
              help="Then grade the reference's generated mutants (bugs students make) and report which checks catch "
                   "each, the mutants no check catches, and the checks that catch none. A report: the exit code is "
                   "the validation's.")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Mutants graded at once [default: as `grader batch`].")
@click.option("--only", default="", help="Comma-separated check ids to run (e.g. the quick ones, for --mutants).")
@common_options
def validate(assignment: str, out: Path | None, mutants: bool, jobs: int | None, only: str, **common) -> None:
    """Grade the reference solution: it must earn full marks within budget (exit 1 if not)."""
    with user_errors():
        spec = catalog.find_assignment(assignment)
        options = grade_options(**common, only=_only(only))
        with check_progress(f"validating {spec.name}") as progress:
            result = api.validate(spec, options=options, progress=progress)
    print_result(result, console)
    _write_out(result, out)
    ok = result.score == result.max_score and result.seconds <= result.budget
    console.print(f"[bold {'green' if ok else 'red'}]{'valid' if ok else 'NOT valid'}:[/] reference scored "
                  f"{result.score:g}/{result.max_score:g} in {result.seconds:.1f} s (budget {result.budget:.0f} s)")
    if mutants:
        _mutation_report(spec, options, jobs or default_jobs(api.resolve_device(options.device)), out)
    sys.exit(0 if ok else 1)


def _mutation_report(spec: AssignmentSpec, options: api.GradeOptions, jobs: int, out: Path | None) -> None:
    """`validate --mutants`: grade the mutants, print the table, write mutants.md and mutants.json into `out`."""
    with user_errors(), batch_progress(f"mutants of {spec.name}") as progress:
        report = run_mutants(spec, options=options, jobs=jobs, progress=progress,
                             folder=out / "mutants" if out else None)
    print_report(report, console)
    if out is not None:
        written = write_report(report, out)
        console.print(f"mutation report: {written['markdown']}, {written['json']}", highlight=False, soft_wrap=True)


def ci_config(path: Path | None) -> dict[str, Any]:
    """The settings of a `.cnn-grader.toml` (the given file, else the one in the current directory if any);
    a relative submission path is taken relative to the file."""
    if path is None and not CI_CONFIG.is_file():
        return {}
    top = read_toml(path or CI_CONFIG)
    top.only({"assignment", "submission", "fail_under", "hidden", "isolation"})
    config = {key: top.get(key, str, None) for key in ("assignment", "submission", "hidden", "isolation")}
    config["fail_under"] = top.get("fail_under", NUMBER, None)
    if config["hidden"] is not None and config["hidden"] not in HiddenPolicy.student_choices():
        raise top.error(f"key 'hidden' must be names (name and points only) or hide, not {config['hidden']!r}",
                        "hidden")
    if config["isolation"] is not None and config["isolation"] not in Isolation.requests():
        raise top.error("key 'isolation' must be strong, auto (strong where the machine allows it, else basic) or "
                        f"basic, not {config['isolation']!r}", "isolation")
    if config["fail_under"] is not None and not 0 <= config["fail_under"] <= 100:
        raise top.error(f"key 'fail_under' must be within 0..100, found {config['fail_under']!r}", "fail_under")
    if config["submission"] is not None:
        config["submission"] = str(top.path.parent / config["submission"])
    return {key: value for key, value in config.items() if value is not None}


def _format_options(command: Callable) -> Callable:
    """One `--NAME PATH` option per submission format of the table (grader.report.formats)."""
    for f in reversed(formats(Scope.SUBMISSION)):
        command = click.option(f"--{f.name}", "format_" + f.name, type=click.Path(path_type=Path), default=None,
                               help=f"Write {f.help} here.")(command)
    return command


def _publish_ci(shown: SubmissionResult, submission: Path, paths: dict[str, Path | None]) -> None:
    """The chosen formats, the GitHub job summary and annotations (under GitHub Actions)."""
    for f in formats(Scope.SUBMISSION):
        if paths.get(f.name):
            f.write(shown, paths[f.name], ClassOptions())
    if os.environ.get("GITHUB_STEP_SUMMARY"):
        with open(os.environ["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as summary:
            summary.write(markdown_summary(shown) + "\n")
    if os.environ.get("GITHUB_ACTIONS") == "true":
        for line in github_annotations(shown, str(submission)):
            click.echo(line)


@click.command()
@click.option("--assignment", default=None, help="Assignment name or spec path (else from the config file).")
@click.option("--submission", type=click.Path(path_type=Path), default=None,
              help="The student's file or folder (else from the config file).")
@click.option("--config", type=click.Path(path_type=Path, exists=True, dir_okay=False), default=None,
              help=f"TOML with assignment, submission, fail_under, hidden [default: ./{CI_CONFIG} if present].")
@_format_options
@click.option("--fail-under", type=click.FloatRange(0, 100), default=None,
              help="Exit 1 when the score is below this percentage of the maximum [default: 0, never].")
@click.option("--hidden", type=click.Choice(HiddenPolicy.student_choices()), default=None,
              help="Hidden checks in the output: 'names' (name and points only) or 'hide' [default: names].")
@click.option("--only", default="", help="Comma-separated check ids to run.")
@common_options
def ci(assignment: str | None, submission: Path | None, config: Path | None, fail_under: float | None,
       hidden: str | None, only: str, **common: Any) -> None:
    """Grade in CI (all checks): JUnit, results.json, GitHub summary and annotations; exit 1 below --fail-under."""
    paths = {name[len("format_"):]: common.pop(name) for name in list(common) if name.startswith("format_")}
    with user_errors():
        settings = ci_config(config)
        assignment = assignment or settings.get("assignment")
        submission = submission or (Path(settings["submission"]) if "submission" in settings else None)
        fail_under = settings.get("fail_under", 0.0) if fail_under is None else fail_under
        policy = HiddenPolicy(hidden or settings.get("hidden", HiddenPolicy.NAMES.value))
        if not assignment or submission is None:
            raise click.UsageError("name the assignment and the submission: --assignment and --submission, "
                                   f"or assignment and submission in {CI_CONFIG}")
        spec = catalog.find_assignment(assignment)
        options = grade_options(**common, default_isolation=settings.get("isolation", Isolation.STRONG.value),
                                only=_only(only))
        with check_progress(f"grading {submission.name}") as progress:
            result = api.grade(spec, submission, options=options, progress=progress)
    shown = policy.apply(result)
    print_result(shown, console)
    _publish_ci(shown, submission, paths)
    passed = 100 * result.fraction >= fail_under - 1e-9
    if fail_under:
        console.print(f"[bold {'green' if passed else 'red'}]{'passed' if passed else 'FAILED'}:[/] "
                      f"the score must be at least {fail_under:g}% of the maximum")
    sys.exit(0 if passed else 1)
