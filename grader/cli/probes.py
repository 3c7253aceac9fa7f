"""`grader probes [NAME] [--json]`: the catalogue of probes an assignment's checks can use (grader.spec.probe_catalogue),
as a table, one probe in full with a `[[check]]` block to copy, or JSON for tools."""
from __future__ import annotations

import difflib
import json
import sys

import click
from rich.console import Group
from rich.markup import escape
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table

from grader.cli.support import console, errors
from grader.probes.base import FIRST_ENTRY
from grader.spec.probe_catalogue import FIRST_ENTRY_WORDS, TRAINING_WORDS, ProbeInfo, catalogue


@click.command(name="probes")
@click.argument("name", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (a list of probes, or one probe) for tools.")
def probes(name: str | None, as_json: bool) -> None:
    """List the probes a check can use: what each measures, its parameters, what it calls in the submission and
    what it needs. With NAME, one probe in full and an example [[check]] block."""
    infos = catalogue()
    if name is not None:
        infos = [_find(infos, name)]
    if as_json:
        data = [i.to_json() for i in infos]
        click.echo(json.dumps(data[0] if name else data, indent=2))
    elif name:
        console.print(_detail(infos[0]))
    else:
        console.print(_table(infos))
        console.print("[dim]`grader probes NAME` shows one probe in full with an example [[check]] block.[/]")


def _find(infos: list[ProbeInfo], name: str) -> ProbeInfo:
    """The probe called `name`, else exit 2 naming the known ones."""
    for info in infos:
        if info.name == name:
            return info
    names = [i.name for i in infos]
    close = difflib.get_close_matches(name, names, n=1)
    hint = f"did you mean '{close[0]}'?" if close else "run `grader probes` to list them"
    errors.print(f"[bold red]error:[/] no probe '{escape(name)}'; known probes: {', '.join(names)}. Hint: {hint}",
                 highlight=False, soft_wrap=True)
    sys.exit(2)


def _table(infos: list[ProbeInfo]) -> Table:
    table = Table(title=escape('Probes for a [[check]] entry\'s probe = "NAME"'), show_lines=True)
    table.add_column("Probe", no_wrap=True)
    table.add_column("Applies to", max_width=16)
    table.add_column("What it measures", ratio=1, min_width=30)
    table.add_column("Trains, needs", no_wrap=True)
    for info in infos:
        params = ", ".join(f"{p.name} = {_default(p.default, p.required)}" for p in info.params)
        about = escape(info.summary) + (f"\n[dim]parameters: {escape(params)}[/]" if params else "")
        table.add_row(f"[bold]{info.name}[/]\n[dim]{info.family}[/]", ", ".join(info.applies_to), about,
                      "\n".join(_needs(info, short=True)))
    return table


def _detail(info: ProbeInfo) -> Group:
    params = Table(show_edge=False, box=None, padding=(0, 2))
    for column in ("parameter", "kind", "default", "required", "used by"):
        params.add_column(column, style="bold" if column == "parameter" else None)
    for p in info.params:
        params.add_row(p.name, p.kind_words, escape(_default(p.default, p.required)), "yes" if p.required else "no",
                       "measure (in the child)" if p.half == "measure" else "judge (in the parent)")
    calls = ", ".join(FIRST_ENTRY_WORDS if n == FIRST_ENTRY else n for n in info.calls)
    calls += f"; and {', '.join(info.also_uses)} where the spec's entry lists them" if info.also_uses else ""
    timeout = ", ".join(f"{k} {v:g} s" for k, v in info.default_timeout.items())
    points = f"; default points: {info.default_points:g}" if info.default_points is not None else ""
    facts = [f"[bold]{info.name}[/]: {escape(info.title)}  [dim](grader/probes/{info.family}.py)[/]", "",
             escape(info.summary), f"[dim]A correct submission:[/] {escape(info.expects)}", "",
             f"Applies to: {', '.join(info.applies_to)}" + (f" (calls {escape(calls)})" if info.calls else ""),
             " · ".join(_needs(info, short=False)), f"Default timeout: {timeout}{points}"]
    parts: list = ["\n".join(facts), ""]
    parts += [params, ""] if info.params else ["No parameters.", ""]
    parts.append(Panel(Syntax(info.example, "toml", word_wrap=True), title=escape("example [[check]] for assignment.toml"),
                       title_align="left"))
    return Group(*parts)


def _needs(info: ProbeInfo, short: bool) -> list[str]:
    """Whether it trains, and the dataset, reference recording and pretrained weights it needs."""
    if short:
        found = [f"trains: {info.trains}" if info.trains else "", "dataset" if info.needs_data else "",
                 info.reference_file, "pretrained weights" if info.pretrained else ""]
        return [f for f in found if f] or ["—"]
    return [f"trains: {TRAINING_WORDS[info.trains]}", f"dataset: {'yes' if info.needs_data else 'no'}",
            f"reference recording: {info.reference_file or 'no'}",
            f"pretrained weights: {'yes' if info.pretrained else 'no'}"]


def _default(value: object, required: bool) -> str:
    if required:
        return "(required)"
    return "the probe's own" if value == [] else json.dumps(value)
