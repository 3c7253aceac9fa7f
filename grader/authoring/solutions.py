"""A master's code cell → the reference's copy (markers removed) and the student's copy (each solution replaced by
a stub that fails clearly, indentation kept so that the starter still imports).

Markers: lines between `# BEGIN SOLUTION` and `# END SOLUTION`, and any line ending in `# SOLUTION`. The stub is
`raise NotImplementedError("TODO: write F")` inside a function F; elsewhere an assignment keeps its names
(`lr = ...`), a whole function keeps its signature and docstring, an import the reference alone needs is left out,
anything else becomes `...`."""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass

_BEGIN = re.compile(r"^\s*#\s*BEGIN SOLUTION\s*$")
_END = re.compile(r"^\s*#\s*END SOLUTION\s*$")
_LINE = re.compile(r"\s*#\s*SOLUTION\s*$")


class MarkerError(ValueError):
    """Unbalanced or misplaced markers; `line` is 1-based within the cell."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class Block:
    """One solution: its lines in the reference's copy of the cell [start, end), 0-based."""

    start: int
    end: int
    indent: str


@dataclass(frozen=True)
class SplitCell:
    """A code cell split into the two copies."""

    reference: str
    student: str
    solution_lines: tuple[str, ...]
    """The solution's own lines, to make sure none reaches the student."""


def split_cell(source: str) -> SplitCell:
    """Split one code cell; raises MarkerError for unbalanced markers."""
    reference, blocks = _reference_and_blocks(source.split("\n"))
    if not blocks:
        return SplitCell(source, source, ())
    tree = _parse_or_none("\n".join(reference))
    student = list(reference)
    for block in reversed(blocks):
        student[block.start:block.end] = _stub(reference, block, tree)
    solution = tuple(line for b in blocks for line in reference[b.start:b.end])
    return SplitCell("\n".join(reference), "\n".join(student), solution)


def _reference_and_blocks(lines: list[str]) -> tuple[list[str], list[Block]]:
    """The cell without markers, and where its solutions are."""
    reference: list[str] = []
    blocks: list[Block] = []
    opened: tuple[int, int, str] | None = None  # (line in the cell, start in reference, indent)
    for number, line in enumerate(lines, start=1):
        indent = line[:len(line) - len(line.lstrip())]
        if _BEGIN.match(line):
            if opened:
                raise MarkerError(f"'# BEGIN SOLUTION' inside the solution opened at line {opened[0]}; close that one "
                                  "with '# END SOLUTION' first", number)
            opened = (number, len(reference), indent)
        elif _END.match(line):
            if not opened:
                raise MarkerError("'# END SOLUTION' without a '# BEGIN SOLUTION' before it in this cell", number)
            if len(reference) == opened[1]:
                raise MarkerError(f"the solution opened at line {opened[0]} is empty", number)
            blocks.append(Block(opened[1], len(reference), opened[2]))
            opened = None
        elif _LINE.search(line) and line.strip() != "# SOLUTION":
            reference.append(_LINE.sub("", line))
            if not opened:
                _join_or_add(blocks, Block(len(reference) - 1, len(reference), indent))
        else:
            reference.append(line)
    if opened:
        raise MarkerError("'# BEGIN SOLUTION' has no '# END SOLUTION' after it in the same cell", opened[0])
    return reference, blocks


def _join_or_add(blocks: list[Block], block: Block) -> None:
    """Consecutive `# SOLUTION` lines at one indentation are one solution."""
    if blocks and blocks[-1].end == block.start and blocks[-1].indent == block.indent:
        blocks[-1] = Block(blocks[-1].start, block.end, block.indent)
    else:
        blocks.append(block)


def _parse_or_none(source: str) -> ast.Module | None:
    try:
        return ast.parse(python_of(source))
    except SyntaxError:
        return None


def python_of(source: str) -> str:
    """IPython's `%magic` and `!shell` lines as Python sees them after IPython transforms the cell."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


def _stub(lines: list[str], block: Block, tree: ast.Module | None) -> list[str]:
    """What the student sees in place of `block`."""
    function = _enclosing_function(tree, block.start + 1) if tree else None
    if function:
        return [f'{block.indent}raise NotImplementedError("TODO: write {function}")']
    statements = _statements_in(tree, block) if tree else []
    if statements and all(isinstance(node, (ast.Import, ast.ImportFrom)) for node in statements):
        return []  # an import only the reference needs: the student's copy goes without it
    stub: list[str] = []
    for node in statements:
        stub += _stub_statement(lines, node, block.indent)
    return stub or [f"{block.indent}..."]


def _stub_statement(lines: list[str], node: ast.stmt, indent: str) -> list[str]:
    """A module- or class-level statement of a solution, reduced to what the student must write."""
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if all(isinstance(t, ast.Name) for t in targets):
            return [f"{indent}{' = '.join(t.id for t in targets)} = ...  # TODO"]
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        first = node.decorator_list[0].lineno if node.decorator_list else node.lineno
        body = node.body[0]
        header = lines[first - 1:body.lineno - 1]
        docstring = isinstance(body, ast.Expr) and isinstance(body.value, ast.Constant) \
            and isinstance(body.value.value, str)
        if docstring:
            header += lines[body.lineno - 1:body.end_lineno]
        inner = lines[body.lineno - 1][:body.col_offset]
        return header + [f'{inner}raise NotImplementedError("TODO: write {node.name}")']
    return [f"{indent}..."]


def _statements_in(tree: ast.Module, block: Block) -> list[ast.stmt]:
    """The outermost statements that start within the block."""
    found: list[ast.stmt] = []

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if block.start < node.lineno <= block.end:
                found.append(node)
            elif node.lineno <= block.start < (node.end_lineno or node.lineno):
                visit(getattr(node, "body", []))

    visit(tree.body)
    return found


def _enclosing_function(tree: ast.Module, line: int) -> str | None:
    """The qualified name of the innermost function whose body holds 1-based `line` (Class.method), if any."""
    def visit(body: list[ast.stmt], prefix: str) -> str | None:
        for node in body:
            if not node.lineno <= line <= (node.end_lineno or node.lineno):
                continue
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                inner = visit(node.body, f"{prefix}{node.name}.")
                in_body = line >= node.body[0].lineno
                return inner or (f"{prefix}{node.name}" if in_body else None)
            if isinstance(node, ast.ClassDef):
                return visit(node.body, f"{prefix}{node.name}.")
            for field in ("body", "orelse", "finalbody", "handlers"):
                inner = visit(getattr(node, field, []) or [], prefix)
                if inner:
                    return inner
        return None

    return visit(tree.body, "")
