"""The text edits mutants are made of: a reference's source with byte positions of its syntax tree, so that a
mutant changes only the characters of its bug and keeps the rest of the reference's text as it was written."""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator


@dataclass(frozen=True)
class Edit:
    """Replace bytes [start, end) of the UTF-8 source by `text`."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Change:
    """What an operator proposes: the edits of one bug, said in words (where is added by the generator)."""

    operator: str
    node: ast.AST
    """Where the bug is (its line and enclosing function name the mutant)."""
    description: str
    edits: tuple[Edit, ...]


class Source:
    """The reference's text and tree, with byte positions, parents and enclosing functions of nodes."""

    def __init__(self, text: str) -> None:
        self.text, self.data = text, text.encode()
        self.tree = ast.parse(text)
        self.starts = [0]
        for line in self.data.splitlines(keepends=True):
            self.starts.append(self.starts[-1] + len(line))
        self.parents = {child: parent for parent in ast.walk(self.tree) for child in ast.iter_child_nodes(parent)}

    def offset(self, line: int, col: int = 0) -> int:
        return self.starts[min(line, len(self.starts)) - 1] + col

    def span(self, node: ast.AST) -> tuple[int, int]:
        return self.offset(node.lineno, node.col_offset), self.offset(node.end_lineno, node.end_col_offset)

    def seg(self, node: ast.AST) -> str:
        start, end = self.span(node)
        return self.data[start:end].decode()

    def replace(self, node: ast.AST, text: str) -> Edit:
        return Edit(*self.span(node), text)

    def line_text(self, line: int) -> str:
        return self.data[self.starts[line - 1]:self.offset(line + 1) if line < len(self.starts) - 1
                         else len(self.data)].decode()

    def scope(self, node: ast.AST) -> tuple[str, str]:
        """(qualified name, short name) of the function or class around `node`, e.g. ('SimpleCNN.forward',
        'forward'); ('module level', 'module') outside any."""
        names, short = [], ""
        current = self.parents.get(node)
        while current is not None:
            if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.append(current.name)
                short = short or current.name
            current = self.parents.get(current)
        return (".".join(reversed(names)), short) if names else ("module level", "module")

    def whole_lines(self, stmt: ast.stmt) -> tuple[int, int] | None:
        """Byte span of the lines `stmt` fills alone (with their line ends), or None when it shares a line."""
        first, last = self.line_text(stmt.lineno), self.line_text(stmt.end_lineno)
        before = first.encode()[:stmt.col_offset].decode(errors="replace")
        after = last.encode()[stmt.end_col_offset:].decode(errors="replace").strip()
        if before.strip() or (after and not after.startswith("#")):
            return None
        return self.offset(stmt.lineno), self.offset(stmt.end_lineno + 1) if stmt.end_lineno < len(
            self.starts) - 1 else len(self.data)

    def lines_of(self, stmt: ast.stmt) -> str:
        span = self.whole_lines(stmt)
        text = self.data[span[0]:span[1]].decode() if span else ""
        return text if text.endswith("\n") else text + "\n"

    def remove(self, stmt: ast.stmt) -> tuple[Edit, ...]:
        """Edits that delete `stmt` (a `pass` in its place when it is its block's only statement)."""
        span = self.whole_lines(stmt)
        if span is None:
            return ()
        parent = self.parents.get(stmt)
        alone = any(getattr(parent, field, None) == [stmt] for field in ("body", "orelse", "finalbody"))
        indent = self.line_text(stmt.lineno)[:stmt.col_offset]
        return (Edit(*span, f"{indent}pass\n" if alone else ""),)

    def move_after(self, stmt: ast.stmt, anchor: ast.stmt) -> tuple[Edit, ...]:
        """Edits that move `stmt`'s lines to just after `anchor`'s."""
        span, at = self.whole_lines(stmt), self.whole_lines(anchor)
        return (Edit(*span, ""), Edit(at[1], at[1], self.lines_of(stmt))) if span and at else ()

    def move_before(self, stmt: ast.stmt, anchor: ast.stmt) -> tuple[Edit, ...]:
        """Edits that move `stmt`'s lines to just before `anchor`'s."""
        span, at = self.whole_lines(stmt), self.whole_lines(anchor)
        return (Edit(*span, ""), Edit(at[0], at[0], self.lines_of(stmt))) if span and at else ()

    def apply(self, edits: Iterable[Edit]) -> str:
        data = self.data
        for edit in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
            data = data[:edit.start] + edit.text.encode() + data[edit.end:]
        return data.decode()


Operator = Callable[[Source], Iterator[Change]]
"""Finds where one kind of bug fits in a source."""
