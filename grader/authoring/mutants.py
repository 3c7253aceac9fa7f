"""Mutants of a reference solution: the bugs students make, generated from its source, one change each.

Each mutant is the reference's own text with one edit (a call replaced, a line removed or moved, an argument
changed), so it reads like a student's hand-in; the operators (grader.authoring.mutant_ops) find where each bug
fits in the reference's syntax tree. `grader validate NAME --mutants` grades them all (grader.authoring.mutation)
to show which bugs the checks would miss.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

from grader.authoring.mutant_ops import OPERATORS
from grader.authoring.mutant_source import Source


@dataclass(frozen=True)
class Mutant:
    """One generated bug: a complete hand-in."""

    id: str
    """Stable within one reference, e.g. 'relu-removed@forward:27' (operator @ function : line)."""
    description: str
    """What changed and where, e.g. 'ReLU after conv2 removed in SimpleCNN.forward (line 27)'."""
    source: str
    """The reference's text with the change."""
    operator: str = ""
    line: int = 0


def generate_mutants(source: str) -> list[Mutant]:
    """Every mutant the operators find in `source`, in source order (then operator order), each parsing and
    different from the reference and from every earlier mutant; ids unique."""
    src = Source(source)
    changes = [(change.node.lineno, change.node.col_offset, rank, change)
               for rank, operator in enumerate(OPERATORS) for change in operator(src) if change.edits]
    mutants: list[Mutant] = []
    seen, ids = {source}, set()
    for line, _col, _rank, change in sorted(changes, key=lambda c: c[:3]):
        text = src.apply(change.edits)
        if text in seen or not _parses(text):
            continue
        seen.add(text)
        where, short = src.scope(change.node)
        base = f"{change.operator}@{short}:{line}"
        mid = next(f"{base}#{n}" if n > 1 else base for n in range(1, len(changes) + 2)
                   if (f"{base}#{n}" if n > 1 else base) not in ids)
        ids.add(mid)
        mutants.append(Mutant(id=mid, description=f"{change.description} in {where} (line {line})", source=text,
                              operator=change.operator, line=line))
    return mutants


def _parses(text: str) -> bool:
    try:
        ast.parse(text)
    except SyntaxError:
        return False
    return True
