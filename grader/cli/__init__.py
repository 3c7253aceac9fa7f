"""The `grader` command: parse options, call grader.api, render, set the exit code.

Exit codes: 0 graded (whatever the score), 1 `validate` found the reference short of full marks or
`ci` a score below --fail-under, 2 a usage or set-up problem (bad spec, missing data, no such file)."""
from __future__ import annotations

import os
import sys
from contextlib import ExitStack
from pathlib import Path

import click
import tomllib

from grader import api
from grader.cli.support import (
    batch_progress,
    check_progress,
    common_options,
    console,
    errors,
    grade_options,
    user_errors,
)
from grader.execute.sandbox import detect
from grader.report import (
    HIDDEN_POLICIES,
    github_annotations,
    markdown_summary,
    print_result,
    redact_hidden,
    summary_table,
    write_gradescope,
    write_html,
    write_junit,
)
from grader.results import SubmissionResult
from grader.serve.command import serve

def _write_reports(result: SubmissionResult, out: Path | None, *, show_hidden: bool) -> Path | None:
    if out is None:
        return None
    out.mkdir(parents=True, exist_ok=True)
    write_gradescope(result, out / "results.json")
    return write_html(result, out / "report.html", show_hidden=show_hidden)


@click.group()
@click.version_option(package_name="cnn-grader")
def main() -> None:
    """Grade PyTorch CNN exercises: shapes, gradients and training, in an isolated process."""


@main.command()
@click.argument("assignment")
@click.argument("submission", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Write report.html and results.json here.")
@click.option("--only", default="", help="Comma-separated check ids to run.")
@click.option("--protocol", default=None, help="Override the training protocol (quick, full).")
@common_options
def grade(assignment: str, submission: Path, out: Path | None, only: str, protocol: str | None, **common) -> None:
    """Grade SUBMISSION (.py, folder or zip) for ASSIGNMENT, all checks (instructor view)."""
    with user_errors():
        spec = api.find_assignment(assignment)
        options = grade_options(**common, only=tuple(filter(None, only.split(","))), protocol=protocol)
        with check_progress(f"grading {submission.name}") as progress:
            result = api.grade(spec, submission, options=options, progress=progress)
    print_result(result, console)
    report = _write_reports(result, out, show_hidden=True)
    if report:
        console.print(f"report: {report}\nresults: {out / 'results.json'}")


@main.command()
@click.argument("assignment")
@click.argument("submission", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Also write report.html here.")
@common_options
def check(assignment: str, submission: Path, out: Path | None, **common) -> None:
    """The student's command: visible checks only, quick training protocol."""
    with user_errors():
        spec = api.find_assignment(assignment)
        options = grade_options(**common, default_isolation="auto", visible_only=True, protocol="quick")
        with check_progress(f"checking {submission.name}") as progress:
            result = api.grade(spec, submission, options=options, progress=progress)
    print_result(result, console, show_hidden=False)
    hidden = sum(1 for c in spec.checks if c.hidden)
    if hidden:
        console.print(f"[dim]{hidden} more check(s) are hidden and run when your work is graded.[/]")
    report = _write_reports(result, out, show_hidden=False)
    if report:
        console.print(f"report: {report}")


@main.command()
@click.argument("assignment")
@click.option("--out", type=click.Path(path_type=Path), default=None)
@common_options
def validate(assignment: str, out: Path | None, **common) -> None:
    """Grade the reference solution: it must earn full marks within budget (exit 1 if not)."""
    with user_errors():
        spec = api.find_assignment(assignment)
        with check_progress(f"validating {spec.name}") as progress:
            result = api.validate(spec, options=grade_options(**common), progress=progress)
    print_result(result, console)
    _write_reports(result, out, show_hidden=True)
    ok = result.score == result.max_score and result.seconds <= result.budget
    console.print(f"[bold {'green' if ok else 'red'}]{'valid' if ok else 'NOT valid'}:[/] reference scored "
                  f"{result.score:g}/{result.max_score:g} in {result.seconds:.1f} s (budget {result.budget:.0f} s)")
    sys.exit(0 if ok else 1)


CI_CONFIG = Path(".cnn-grader.toml")
CI_KEYS = {"assignment": str, "submission": str, "fail_under": (int, float), "hidden": str, "isolation": str}


def _ci_config(path: Path | None) -> dict:
    """The settings of a `.cnn-grader.toml` (the given file, else the one in the current directory if any);
    a relative submission path is taken relative to the file."""
    if path is None and not CI_CONFIG.is_file():
        return {}
    path = path or CI_CONFIG
    try:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise click.UsageError(f"cannot read {path}: {exc}") from None
    for key, value in config.items():
        if key not in CI_KEYS or not isinstance(value, CI_KEYS[key]) or isinstance(value, bool):
            raise click.UsageError(f"{path}: unknown key or wrong type: {key} = {value!r}; keys: assignment, "
                                   "submission (strings), fail_under (number), hidden (names or hide), "
                                   "isolation (strong, auto or basic)")
    if config.get("isolation", "strong") not in ("strong", "auto", "basic"):
        raise click.UsageError(f"{path}: isolation must be strong, auto (strong where the machine allows it, "
                               f"else basic) or basic, not {config['isolation']!r}")
    if "submission" in config:
        config["submission"] = str(path.parent / config["submission"])
    return config


@main.command()
@click.option("--assignment", default=None, help="Assignment name or spec path (else from the config file).")
@click.option("--submission", type=click.Path(path_type=Path), default=None,
              help="The student's file or folder (else from the config file).")
@click.option("--config", type=click.Path(path_type=Path, exists=True, dir_okay=False), default=None,
              help=f"TOML with assignment, submission, fail_under, hidden [default: ./{CI_CONFIG} if present].")
@click.option("--junit", type=click.Path(path_type=Path), default=None, help="Write JUnit XML here.")
@click.option("--results", type=click.Path(path_type=Path), default=None, help="Write Gradescope results.json here.")
@click.option("--html", type=click.Path(path_type=Path), default=None, help="Write the HTML report here.")
@click.option("--fail-under", type=click.FloatRange(0, 100), default=None,
              help="Exit 1 when the score is below this percentage of the maximum [default: 0, never].")
@click.option("--hidden", type=click.Choice(HIDDEN_POLICIES), default=None,
              help="Hidden checks in the output: 'names' (name and points only) or 'hide' [default: names].")
@click.option("--only", default="", help="Comma-separated check ids to run.")
@common_options
def ci(assignment: str | None, submission: Path | None, config: Path | None, junit: Path | None,
       results: Path | None, html: Path | None, fail_under: float | None, hidden: str | None, only: str,
       **common) -> None:
    """Grade in CI (all checks): JUnit, results.json, GitHub summary and annotations; exit 1 below --fail-under."""
    with user_errors():
        settings = _ci_config(config)
        assignment = assignment or settings.get("assignment")
        submission = submission or (Path(settings["submission"]) if "submission" in settings else None)
        fail_under = settings.get("fail_under", 0.0) if fail_under is None else fail_under
        hidden = hidden or settings.get("hidden", "names")
        if not assignment or submission is None:
            raise click.UsageError("name the assignment and the submission: --assignment and --submission, "
                                   f"or assignment and submission in {CI_CONFIG}")
        if not 0 <= fail_under <= 100 or hidden not in HIDDEN_POLICIES:
            raise click.UsageError(f"fail_under must be within 0..100 and hidden one of {HIDDEN_POLICIES}")
        spec = api.find_assignment(assignment)
        options = grade_options(**common, default_isolation=settings.get("isolation", "strong"),
                           only=tuple(filter(None, only.split(","))))
        with check_progress(f"grading {submission.name}") as progress:
            result = api.grade(spec, submission, options=options, progress=progress)
    shown = redact_hidden(result, hidden)
    print_result(shown, console)
    for path, write in [(junit, write_junit), (results, write_gradescope), (html, write_html)]:
        if path:
            write(shown, path)
    if os.environ.get("GITHUB_STEP_SUMMARY"):
        with open(os.environ["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as summary:
            summary.write(markdown_summary(shown) + "\n")
    if os.environ.get("GITHUB_ACTIONS") == "true":
        for line in github_annotations(shown, str(submission)):
            click.echo(line)
    passed = 100 * result.fraction >= fail_under - 1e-9
    if fail_under:
        console.print(f"[bold {'green' if passed else 'red'}]{'passed' if passed else 'FAILED'}:[/] "
                      f"the score must be at least {fail_under:g}% of the maximum")
    sys.exit(0 if passed else 1)


@main.command()
@click.argument("assignment")
@click.argument("submissions", type=click.Path(path_type=Path, exists=True))
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="Folder for the database, gradebooks, reports and summary (resumable).")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Submissions graded at once [default: one per CPU core, at most 8, or 12 on a GPU]; with "
                   "--cluster slurm (pbs, sge, lsf) the number of batch jobs to start [default: 2]; local:N and tcp:// "
                   "clusters grade as many at once as they have worker threads.")
@click.option("--roster", type=click.Path(path_type=Path, exists=True, dir_okay=False), default=None,
              help="CSV of the class (id,name[,sis_id,login,section] or Canvas's gradebook export).")
@click.option("--regrade", is_flag=True, help="Grade everything again, even what the database holds.")
@click.option("--canvas-column", default="", help="Grade column header in canvas-grades.csv [default: the title].")
@click.option("--only", default="", help="Comma-separated check ids to run.")
@click.option("--no-fork-server", is_flag=True, help="Start a new interpreter per submission (slower).")
@click.option("--cluster", default=None, metavar="WHERE",
              help="Grade on a Dask cluster: local:N (N worker processes here), tcp://HOST:PORT (a running "
                   "scheduler), or slurm, pbs, sge, lsf (--jobs batch jobs through dask-jobqueue).")
@click.option("--cluster-config", type=click.Path(path_type=Path, exists=True, dir_okay=False), default=None,
              help="YAML in Dask's jobqueue layout (jobqueue: slurm: cores, memory, queue...) for --cluster slurm etc.")
@click.option("--hidden", type=click.Choice(HIDDEN_POLICIES), default="names", show_default=True,
              help="Hidden checks in the students' report.html/results.json: name and points only, or left out.")
@common_options
def batch(assignment: str, submissions: Path, out: Path, jobs: int | None, roster: Path | None, regrade: bool,
          canvas_column: str, only: str, no_fork_server: bool, cluster: str | None, cluster_config: Path | None,
          hidden: str, **common) -> None:
    """Grade a class: SUBMISSIONS is a folder or zip (files, per-student folders, a Canvas export).

    Exit 0 when every hand-in has a result (whatever the scores), 1 when the grader itself failed on
    some (they are pending; run again to retry), 2 for a set-up problem."""
    from grader.classroom.batch import BatchOptions, default_jobs, run_batch
    from grader.classroom.discover import DiscoveryError, RosterError
    from grader.execute.executor import ClusterError
    from grader.classroom.store import StoreError
    from grader.written import is_written, load_written
    from grader.classroom.written_batch import run_written_batch

    chosen = grade_options(**common, only=tuple(filter(None, only.split(","))))
    with user_errors(DiscoveryError, RosterError, StoreError, ClusterError), ExitStack() as stack:
        executors = None
        if cluster:
            from grader.execute.cluster import DaskCluster

            pool = stack.enter_context(DaskCluster(cluster, isolation=chosen.isolation,
                                                   workers=jobs or 2, config=cluster_config))
            jobs, executors = pool.slots, pool.executor
            console.print(f"grading on the Dask cluster {pool.description}", highlight=False)
        jobs = jobs or default_jobs(api.resolve_device(chosen.device))
        options = BatchOptions(jobs=jobs, regrade=regrade, roster=roster, canvas_column=canvas_column,
                               fork_server=not no_fork_server, hidden=hidden, grade=chosen)
        on_start, on_result = stack.enter_context(batch_progress())
        spec_path = api.assignment_path(assignment)
        if is_written(spec_path):
            run = run_written_batch(load_written(spec_path), submissions, out, options, on_start=on_start,
                                    on_result=on_result)
        else:
            run = run_batch(api.find_assignment(assignment), submissions, out, options, executors=executors,
                            on_start=on_start, on_result=on_result)
    console.print(f"{len(run.result.entries)} students: {run.graded} graded now, {run.stored} from the database"
                  + (f", [bold red]{run.failed} failed[/] (pending; run again to retry)" if run.failed else "")
                  + f" in {run.result.seconds:.0f} s with {jobs} worker(s)")
    console.print(f"summary: {out / 'summary.html'}\ngradebook: {out / 'gradebook.csv'}\n"
                  f"canvas: {out / 'canvas-grades.csv'}\nreports: {out / 'students'}/<student>/report.html "
                  "(for the student) and instructor.html (everything)")
    sys.exit(0 if run.complete else 1)


@main.command(name="gradescope-package")
@click.argument("assignment")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Zip to write [default: <assignment>-gradescope.zip].")
def gradescope_package(assignment: str, out: Path | None) -> None:
    """Write a Gradescope autograder zip (setup.sh, run_autograder) that grades with this grader."""
    from grader.authoring.package import gradescope_package as build

    with user_errors():
        spec = api.find_assignment(assignment)
        reference = api.load_reference(spec).directory
        path = build(spec, reference, out or Path(f"{spec.name}-gradescope.zip"))
    console.print(f"Gradescope autograder: {path} (upload it as the assignment's autograder; "
                  "setup.sh downloads the dataset when the image is built)")


@main.command(name="list")
def list_() -> None:
    """List the assignments."""
    with user_errors():
        for spec in api.list_assignments():
            points = sum(c.points for c in spec.checks)
            console.print(f"[bold]{spec.name}[/]  {spec.title}  ({len(spec.checks)} checks, {points:g} points, "
                          f"{spec.dataset})")
        for written in api.list_written():
            points = sum(q.points for q in written.questions)
            console.print(f"[bold]{written.name}[/]  {written.title}  ({len(written.questions)} written questions, "
                          f"{points:g} points, graded by rubric in `grader serve`)")


@main.command()
@click.option("--out", type=click.Path(path_type=Path), default=Path("demo-reports"), show_default=True)
@common_options
def demo(out: Path, **common) -> None:
    """Grade every assignment's bundled examples as a class (`grader batch`), with their reports. The examples
    are trusted code: where no sandbox is available they are graded at basic isolation, and it says so."""
    from grader.classroom.batch import BatchOptions, run_batch
    from grader.classroom.written_batch import run_written_batch

    rows: list[tuple[str, SubmissionResult, Path | None]] = []
    options = BatchOptions(grade=grade_options(**common, default_isolation="auto"))
    sandbox = detect(options.grade.isolation)
    if not sandbox.strong:
        console.print(f"[yellow]No sandbox here; the bundled examples are trusted code, so they are graded at "
                      f"isolation {sandbox.description}[/]", highlight=False)
    with user_errors():
        for spec in api.list_assignments():
            with batch_progress(spec.name) as (on_start, on_result):
                run = run_batch(spec, spec.path.parent / "examples", out / spec.name, options,
                                on_start=on_start, on_result=on_result)
            rows += [(f"{spec.name}/{e.source}", e.result, Path(spec.name) / e.report) for e in run.result.graded]
        written = api.list_written()
        for spec in written:
            with batch_progress(spec.name) as (on_start, on_result):
                run = run_written_batch(spec, spec.path.parent / "examples", out / spec.name, options,
                                        on_start=on_start, on_result=on_result)
            rows += [(f"{spec.name}/{e.source}", e.result, Path(spec.name) / e.report) for e in run.result.graded]
    summary_table(rows, console)
    console.print(f"In {out.resolve()}: <assignment>/summary.html (the class) and the reports above")
    for spec in written:
        console.print(f"{spec.name}: written answers, ungraded until you grade them by rubric: "
                      f"grader serve {out / spec.name}", highlight=False)


@main.group()
def reference() -> None:
    """Record reference measurements and metrics."""


@reference.command()
@click.argument("assignment")
@click.option("--protocol", default="quick", show_default=True, help="Training protocol to measure (quick, full).")
@click.option("--seeds", default=3, show_default=True, help="Number of training seeds.")
@click.option("--metrics-only", is_flag=True,
              help="Record only the accuracy (metrics.json), e.g. on a GPU machine; leave expected.pt as it is.")
@common_options
def record(assignment: str, protocol: str, seeds: int, metrics_only: bool, **common) -> None:
    """Train the reference solution and write expected.pt and metrics.json (one recording per protocol and
    device class: the device that grades is judged against the recording made on its kind)."""
    from grader.authoring.record import record_reference

    with user_errors():
        spec = api.find_assignment(assignment)
        with check_progress(f"recording {spec.name}") as progress:
            try:
                record_reference(spec, protocol=protocol, seeds=seeds, options=grade_options(**common),
                                     progress=progress, log=console.print, metrics_only=metrics_only)
            except RuntimeError as exc:  # the reference failed a check, or a check cannot run here
                errors.print(f"error: {exc}", highlight=False, markup=False)
                sys.exit(2)


main.add_command(serve)
