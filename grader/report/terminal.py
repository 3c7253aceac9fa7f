"""Terminal output with rich: one table per submission, one summary table per demo run."""
from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from grader.report import _format
from grader.results import CheckResult, RunStatus, Status, SubmissionResult

STYLES = {
    Status.PASSED: "bold green",
    Status.PARTIAL: "bold yellow",
    Status.FAILED: "bold red",
    Status.ERROR: "bold white on dark_red",
    Status.TIMEOUT: "bold magenta",
    Status.MISSING: "bold grey50",
    Status.SKIPPED: "bold light_slate_grey",
    Status.UNGRADED: "bold blue",
}


def _status(status: Status) -> Text:
    return Text(status.value, style=STYLES[status])


def _first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0] + (" …" if len(lines) > 1 else "") if lines else ""


def _points(check: CheckResult) -> str:
    if check.status is Status.SKIPPED:
        return f"not counted ({_format.fmt_points(check.max_points)})"
    return f"{_format.fmt_points(check.points)} / {_format.fmt_points(check.max_points)}"


def _explain(console: Console, check: CheckResult) -> None:
    """The expected / found / hint block of a check that did not pass."""
    console.print(Text.assemble(_status(check.status), "  ", (check.name, "bold"), f"  ({_points(check)})"))
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column(overflow="fold")
    for label, text in _format.details(check):
        grid.add_row(label, Text(text, style="yellow" if label == "Hint" else ""))
    console.print(grid)
    console.print()


def print_result(result: SubmissionResult, console: Console | None = None) -> None:
    """Print a table of the checks, the total, the isolation level and why checks failed."""
    console = console or Console()
    shown = result
    console.print(Text.assemble((shown.title, "bold"), "  ", (shown.submission, "cyan")))
    if shown.unsandboxed:
        console.print(Text("Warning: student code was NOT sandboxed (isolation basic): it could read this "
                           "machine's files, the reference solutions included, and use the network.", style="bold yellow"))
    if shown.load_error:
        console.print(Panel(Text(shown.load_error), title="Submission could not be loaded", border_style="red"))
    _print_run(console, shown)

    table = Table(header_style="bold", expand=True)
    table.add_column("Status", no_wrap=True)
    table.add_column("Check", ratio=2)
    table.add_column("Points", justify="right", no_wrap=True)
    table.add_column("Time", justify="right", no_wrap=True)
    table.add_column("Found", ratio=3, no_wrap=True, overflow="ellipsis")
    for c in shown.checks:
        name = Text(c.name)
        if c.hidden:
            name.append(" (hidden)", style="dim")
        table.add_row(_status(c.status), name, _points(c), _format.fmt_seconds(c.seconds), Text(_first_line(c.found)))
    console.print(table)

    console.print(Text.assemble(("Total: ", "bold"), (_format.score_line(shown), "bold")))
    if shown.late:
        console.print(Text(f"Late: {shown.late.describe()} of the {_format.fmt_points(shown.earned)} points earned",
                           style="bold yellow"))
    isolation = Text.assemble(("Isolation: ", "bold"), shown.isolation)
    if shown.unsandboxed:
        isolation.append("  (student code was not sandboxed)", style="bold yellow")
    console.print(isolation)
    console.print(Text.assemble(("Time: ", "bold"), _format.time_used(shown.seconds, shown.budget)))
    for note in shown.notes:  # unwrapped: a path or URL in it (where the grader's data goes) stays whole to copy
        console.print(Text(f"Note: {note}", style="cyan"), soft_wrap=True)

    attention = [c for c in shown.checks if _format.needs_attention(c)]
    if attention:
        console.print()
        for c in attention:
            _explain(console, c)


def _print_run(console: Console, result: SubmissionResult) -> None:
    """How the file ran (when it did not run as handed in) and its root causes, each with its fix."""
    lines = _format.how_it_ran(result)
    if not lines:
        return
    body = Text()
    for line in lines[1:] if lines[0].startswith("How") else lines:
        cause, _, fix = line.partition(" Fix: ")
        body.append(cause + "\n")
        if fix:
            body.append("Fix: ", style="bold yellow").append(fix + "\n")
    body.rstrip()
    failed = result.ran.status is RunStatus.NOT_LOADED
    console.print(Panel(body, title=f"How your file ran: {result.ran.status.value}", title_align="left",
                        border_style="red" if failed else "yellow"))


def _counts(result: SubmissionResult) -> Text:
    parts = [Text(f"{n} {s.value}", style=STYLES[s]) for s, n in _format.status_counts(result.checks)]
    if result.load_error:
        parts.insert(0, Text("load error", style="bold red"))
    return Text("\n").join(parts)  # one status a line: a narrow column, so that the paths get the width


def summary_table(
    results: list[tuple[str, SubmissionResult, Path | None]], console: Console | None = None
) -> None:
    """Print one row per (label, result, report path), e.g. for `grader demo`, then the report paths, one a line:
    a path is never folded into a narrow column (at 80 columns, or in a CI log, where rich assumes 80)."""
    console = console or Console()
    table = Table(title="Graded submissions", header_style="bold")
    table.add_column("Submission", overflow="fold")  # folded only when it alone is wider than what is left
    table.add_column("Score", justify="right", no_wrap=True)
    table.add_column("Checks")
    table.add_column("Time", justify="right", no_wrap=True)
    for label, result, _ in results:
        table.add_row(Text(label), _format.score_line(result), _counts(result), _format.fmt_seconds(result.seconds))
    console.print(table)
    paths = [str(path) for _, _, path in results if path]
    if paths:
        console.print("Reports:", *(f"  {path}" for path in paths), sep="\n", soft_wrap=True, highlight=False,
                      markup=False)
