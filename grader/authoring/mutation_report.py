"""The mutation report: which generated bugs each check caught, the bugs no check catches, the checks that
caught nothing; as a rich table, mutants.md and mutants.json."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from grader.files import write_atomic


@dataclass(frozen=True)
class MutantRow:
    """One mutant, graded."""

    id: str
    description: str
    operator: str
    line: int
    caught_by: tuple[str, ...]
    """Ids of the checks that lost points on it and that the reference passes."""
    score: float
    max_score: float
    graded: bool = True
    """False when the grader itself failed on it (then `note` says why; it counts as neither caught nor not)."""
    note: str = ""
    """The first line of its load error, or the grader's failure."""

    @property
    def survived(self) -> bool:
        """Graded, and no check caught it."""
        return self.graded and not self.caught_by


@dataclass(frozen=True)
class ReferenceRow:
    """The reference, graded in the same run: the sanity row."""

    score: float
    max_score: float
    not_passed: tuple[str, ...]
    """Checks the reference did not pass (then the table says little: they can catch nothing)."""

    @property
    def full_marks(self) -> bool:
        return not self.not_passed and self.score == self.max_score


@dataclass(frozen=True)
class MutationReport:
    """Every mutant of one reference, graded as hand-ins of a class."""

    assignment: str
    reference: ReferenceRow
    rows: tuple[MutantRow, ...]
    checks: tuple[str, ...]
    """Ids of the checks that ran, in spec order."""
    skipped: tuple[tuple[str, str], ...]
    """(id, why) of each check that could not run here (so caught nothing)."""
    seconds: float
    jobs: int

    @property
    def survivors(self) -> tuple[MutantRow, ...]:
        return tuple(r for r in self.rows if r.survived)

    @property
    def caught(self) -> tuple[MutantRow, ...]:
        return tuple(r for r in self.rows if r.caught_by)

    @property
    def idle_checks(self) -> tuple[str, ...]:
        """Checks that ran, that the reference passes, and that caught no mutant."""
        used = {c for r in self.rows for c in r.caught_by} | set(self.reference.not_passed)
        return tuple(c for c in self.checks if c not in used)

    def headline(self) -> str:
        failed = sum(1 for r in self.rows if not r.graded)
        return (f"{len(self.rows)} mutants of {self.assignment}'s reference: {len(self.caught)} caught, "
                f"{len(self.survivors)} caught by no check" + (f", {failed} not graded" if failed else "")
                + f" ({self.seconds:.0f} s, {self.jobs} worker(s))")

    def reference_line(self) -> str:
        ref = self.reference
        if ref.full_marks:
            return f"reference: {ref.score:g}/{ref.max_score:g}, full marks"
        return (f"reference: {ref.score:g}/{ref.max_score:g}, NOT full marks (it fails {', '.join(ref.not_passed)}): "
                "the table says little until the reference earns full marks; fix the reference or the checks first")

    def sentences(self) -> list[str]:
        """The report's findings, one line each."""
        lines = [f"no check catches: {r.description} ({r.id})" for r in self.survivors]
        lines += [f"check {c} caught no mutant" for c in self.idle_checks]
        lines += [f"check {check} caught nothing: it did not run here ({why})" for check, why in self.skipped]
        lines += [f"not graded: {r.description} ({r.id}): {r.note}" for r in self.rows if not r.graded]
        return lines


def _caught_text(row: MutantRow) -> str:
    if not row.graded:
        return "not graded"
    return ", ".join(row.caught_by) if row.caught_by else "NOTHING"


def print_report(report: MutationReport, console: Console) -> None:
    """The table (mutant → checks that caught it → score), then the findings."""
    table = Table(title=f"Mutation report: {report.assignment}", show_lines=False)
    for column in ("mutant", "what changed", "caught by", "score"):
        table.add_column(column, overflow="fold")
    table.add_row("reference", "the reference itself", "" if report.reference.full_marks else
                  "fails " + ", ".join(report.reference.not_passed),
                  f"{report.reference.score:g}/{report.reference.max_score:g}",
                  style=None if report.reference.full_marks else "bold red")
    for row in report.rows:
        table.add_row(row.id, row.description, _caught_text(row), f"{row.score:g}/{row.max_score:g}",
                      style="bold yellow" if row.survived else None)
    console.print(table)
    console.print(report.reference_line(), style=None if report.reference.full_marks else "bold red",
                  highlight=False)
    for line in report.sentences():
        console.print(line, highlight=False, markup=False, soft_wrap=True)
    console.print(report.headline(), highlight=False)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(report: MutationReport) -> str:
    """mutants.md: the headline, the reference's row, the table and the findings."""
    lines = [f"# Mutation report: {report.assignment}", "", report.headline() + ".", "", report.reference_line() + ".",
             "", "| mutant | what changed | caught by | score |", "| --- | --- | --- | --- |"]
    lines += [f"| `{r.id}` | {_cell(r.description)} | {_cell(_caught_text(r))} | {r.score:g}/{r.max_score:g} |"
              for r in report.rows]
    findings = report.sentences()
    lines += ["", "## Findings", ""] + ([f"- {_cell(line)}" for line in findings] or ["- every mutant is caught"])
    return "\n".join(lines) + "\n"


def to_dict(report: MutationReport) -> dict:
    """mutants.json: every field, with the survivors and the idle checks spelt out."""
    data = asdict(report)
    data["survivors"] = [r.id for r in report.survivors]
    data["idle_checks"] = list(report.idle_checks)
    data["reference"]["full_marks"] = report.reference.full_marks
    return data


def write_report(report: MutationReport, out: Path) -> dict[str, Path]:
    """mutants.md and mutants.json into `out`; where they are."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {"markdown": out / "mutants.md", "json": out / "mutants.json"}
    write_atomic(paths["markdown"], markdown(report))
    write_atomic(paths["json"], json.dumps(to_dict(report), indent=2) + "\n")
    return paths
