"""A class from the command line: `grader batch` (every hand-in of a class, resumable), `demo` (the bundled
examples, graded as classes) and `list` (the assignments)."""
from __future__ import annotations

import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import click

from grader import api
from grader.classroom.batch import BatchOptions, BatchRun, default_jobs, run_batch
from grader.classroom.discover import DiscoveryError, RosterError
from grader.classroom.store import StoreError
from grader.classroom.written_batch import run_written_batch
from grader.cli.support import (
    batch_progress,
    common_options,
    console,
    grade_options,
    user_errors,
)
from grader.execute.executor import ClusterError
from grader.execute.sandbox import detect
from grader.policy import HiddenPolicy
from grader.report.terminal import summary_table
from grader.results import Isolation, Kind, SubmissionResult
from grader.spec import catalog


def _run(assignment: str, submissions: Path, out: Path, options: BatchOptions, executors: Any,
         progress: tuple) -> BatchRun:
    """The batch of a code or a written assignment, as its spec says."""
    on_start, on_result = progress
    spec = catalog.load_any(catalog.assignment_path(assignment))
    if spec.kind is Kind.WRITTEN:
        return run_written_batch(spec, submissions, out, options, on_start=on_start, on_result=on_result)
    return run_batch(spec, submissions, out, options, executors=executors, on_start=on_start, on_result=on_result)


@click.command()
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
@click.option("--hidden", type=click.Choice(HiddenPolicy.student_choices()), default=HiddenPolicy.NAMES.value,
              show_default=True,
              help="Hidden checks in the students' report.html/results.json: name and points only, or left out.")
@common_options
def batch(assignment: str, submissions: Path, out: Path, jobs: int | None, roster: Path | None, regrade: bool,
          canvas_column: str, only: str, no_fork_server: bool, cluster: str | None, cluster_config: Path | None,
          hidden: str, **common: Any) -> None:
    """Grade a class: SUBMISSIONS is a folder or zip (files, per-student folders, a Canvas export).

    Exit 0 when every hand-in has a result (whatever the scores), 1 when the grader itself failed on
    some (they are pending; run again to retry), 2 for a set-up problem."""
    chosen = grade_options(**common, only=tuple(filter(None, only.split(","))))
    with user_errors(DiscoveryError, RosterError, StoreError, ClusterError), ExitStack() as stack:
        executors = None
        if cluster:
            from grader.execute.cluster import (
                DaskCluster,  # Dask is an optional dependency
            )

            pool = stack.enter_context(DaskCluster(cluster, isolation=chosen.isolation,
                                                   workers=jobs or 2, config=cluster_config))
            jobs, executors = pool.slots, pool.executor
            console.print(f"grading on the Dask cluster {pool.description}", highlight=False)
        jobs = jobs or default_jobs(api.resolve_device(chosen.device))
        options = BatchOptions(jobs=jobs, regrade=regrade, roster=roster, canvas_column=canvas_column,
                               fork_server=not no_fork_server, hidden=HiddenPolicy(hidden), grade=chosen)
        run = _run(assignment, submissions, out, options, executors, stack.enter_context(batch_progress()))
    console.print(f"{len(run.result.entries)} students: {run.graded} graded now, {run.stored} from the database"
                  + (f", [bold red]{run.failed} failed[/] (pending; run again to retry)" if run.failed else "")
                  + f" in {run.result.seconds:.0f} s with {jobs} worker(s)")
    console.print(f"summary: {out / 'summary.html'}\ngradebook: {out / 'gradebook.csv'}\n"
                  f"canvas: {out / 'canvas-grades.csv'}\nreports: {out / 'students'}/<student>/report.html "
                  "(for the student) and instructor.html (everything)", soft_wrap=True, highlight=False, markup=False)
    sys.exit(0 if run.complete else 1)


@click.command(name="list")
def list_() -> None:
    """List the assignments."""
    with user_errors():
        for spec in catalog.list_assignments():
            points = sum(c.points for c in spec.checks)
            console.print(f"[bold]{spec.name}[/]  {spec.title}  ({len(spec.checks)} checks, {points:g} points, "
                          f"{spec.dataset})")
        for written in catalog.list_written():
            points = sum(q.points for q in written.questions)
            console.print(f"[bold]{written.name}[/]  {written.title}  ({len(written.questions)} written questions, "
                          f"{points:g} points, graded by rubric in `grader serve`)")


@click.command()
@click.option("--out", type=click.Path(path_type=Path), default=Path("demo-reports"), show_default=True)
@common_options
def demo(out: Path, **common: Any) -> None:
    """Grade every assignment's bundled examples as a class (`grader batch`), with their reports. The examples
    are trusted code: where no sandbox is available they are graded at basic isolation, and it says so."""
    rows: list[tuple[str, SubmissionResult, Path | None]] = []
    options = BatchOptions(grade=grade_options(**common, default_isolation=Isolation.AUTO.value))
    sandbox = detect(options.grade.isolation)
    if not sandbox.strong:
        console.print(f"[yellow]No sandbox here; the bundled examples are trusted code, so they are graded at "
                      f"isolation {sandbox.description}[/]", highlight=False)
    with user_errors():
        specs = [*catalog.list_assignments(), *catalog.list_written()]
        for spec in specs:
            with batch_progress(spec.name) as progress:
                run = _run(str(spec.path), spec.path.parent / "examples", out / spec.name, options, None, progress)
            rows += [(f"{spec.name}/{e.source}", e.result, Path(spec.name) / e.report) for e in run.result.graded]
    summary_table(rows, console)
    console.print(f"In {out.resolve()}: <assignment>/summary.html (the class) and the reports above", soft_wrap=True,
                  highlight=False, markup=False)
    for spec in specs:
        if spec.kind is Kind.WRITTEN:
            console.print(f"{spec.name}: written answers, ungraded until you grade them by rubric: "
                          f"grader serve {out / spec.name}", highlight=False)
