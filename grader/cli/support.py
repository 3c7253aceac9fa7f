"""What every `grader` subcommand shares: the consoles, the common options, set-up errors as one message and
exit code 2, and the rich progress displays."""
from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from grader import api
from grader.contract import Limits
from grader.execute.sandbox import IsolationUnavailable
from grader.results import Isolation, SubmissionResult
from grader.spec import SpecError
from grader.submission.load import SubmissionError
from grader.training.data import DataNotFoundError

console = Console(stderr=False)
errors = Console(stderr=True)

COMMON = [
    click.option("--data-root", type=click.Path(path_type=Path), default=None,
                 help="Dataset folder (else $GRADER_DATA, else the user cache dir)."),
    click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True),
    click.option("--isolation", type=click.Choice(Isolation.requests()), default=None,
                 help="strong = bubblewrap sandbox, refuse to run without it [default for grade, batch, validate, ci]; "
                      "basic = no sandbox: student code can read your files and use the network; "
                      "auto = strong where possible [default for check]."),
    click.option("--download", is_flag=True, help="Let torchvision download missing datasets."),
    click.option("--cell-timeout", type=click.FloatRange(min=1), default=Limits.cell_timeout, show_default=True,
                 help="Seconds one notebook cell may run before it is interrupted."),
]


def common_options(f: Callable) -> Callable:
    """The options every grading subcommand takes (data, device, isolation, download, cell timeout)."""
    for option in reversed(COMMON):
        f = option(f)
    return f


@contextmanager
def user_errors(*more: type[Exception]) -> Iterator[None]:
    """Set-up problems become one clear message and exit code 2, never a traceback."""
    try:
        yield
    except (SpecError, DataNotFoundError, IsolationUnavailable, SubmissionError, FileNotFoundError, *more) as exc:
        errors.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, markup=True, emoji=False,
                     soft_wrap=True)  # paths and messages stay whole lines, to read, copy and search
        sys.exit(2)


@contextmanager
def check_progress(label: str) -> Iterator[api.ProgressFn]:
    """A rich spinner line per check while the child works."""
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=errors, transient=True) as progress:
        task = progress.add_task(label)

        def update(kind: str, check_id: str, message: str) -> None:
            if kind == "start":
                progress.update(task, description=f"{label}: {check_id}")
            elif kind == "progress":
                progress.update(task, description=f"{label}: {check_id}: {message}")
        yield update


def grade_options(data_root: Path | None, device: str, isolation: str | None, download: bool, cell_timeout: float,
                  default_isolation: str = Isolation.STRONG.value, **extra) -> api.GradeOptions:
    """The GradeOptions of the common options (and any others a subcommand adds)."""
    return api.GradeOptions(data_root=data_root, device=device, isolation=isolation or default_isolation,
                            download=download, limits=Limits(cell_timeout=cell_timeout), **extra)


@contextmanager
def batch_progress(label: str = "grading") -> Iterator[tuple]:
    """A rich progress bar with ETA over the hand-ins to grade; one line per finished hand-in."""
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(), console=errors) as progress:
        task = progress.add_task(label, total=None)

        def on_start(todo: int, stored: int) -> None:
            progress.update(task, total=todo, description=f"{label}, {stored} reused")

        def on_result(handin, result: SubmissionResult | None) -> None:
            score = f"{result.score:g}/{result.max_score:g}" if result else "grader failure"
            progress.console.print(f"  {handin.student.id} ({handin.source}): {score}", highlight=False, markup=False,
                                   soft_wrap=True)
            progress.advance(task)
        yield on_start, on_result
