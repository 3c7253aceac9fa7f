"""Plagiarism flags for a batch: pairs of hand-ins whose code is near-identical once the names the
students chose, comments, docstrings and layout are normalised away.

Normalisation (AST-based). Every node of the parsed code becomes a token (node type, label); the
label keeps what differs between independent solutions and drops what a copier changes for free:

- kept: names bound by imports, as the path they stand for (`nn` reads `torch.nn` whether it came
  from `import torch.nn as nn` or `from torch import nn`); names the file never binds (builtins);
  attribute names (the library's API: `.view`, `nn.Conv2d`, `model.classifier`) except those of
  `self`; keyword names of library calls (`kernel_size=`); numbers; dunder names (`__init__`).
- one placeholder for all: every name the file binds (variables, arguments, functions, classes,
  loop and `except ... as` names), attributes of `self` (`self.conv1`), keywords that name the
  file's own arguments. Not numbered: numbers would shift for every later name when a copier
  inserts a variable or reorders code, and the structure around the names identifies code well.
- dropped: comments, docstrings and other bare string statements, layout; strings read `str`.

Measure (as MOSS). A hand-in's fingerprints are the hashes of every run of `K` consecutive tokens
of its code, less those of the starter code; the similarity of two hand-ins is the Jaccard index
of their fingerprints, |A ∩ B| / |A ∪ B|. Each function and class is fingerprinted apart (one
inside another too), so reordering them changes nothing; an insertion lowers the similarity in
proportion to its size.

Starter code never counts: its fingerprints are removed from every hand-in, so two untouched
starters have nothing left. A pair is compared only when both hand-ins keep `MIN_FINGERPRINTS`
fingerprints of their own (about five lines of code beyond the starter): a few identical
statements, the only way to fill a small TODO, never flag.

Code that does not parse is repaired: the line each SyntaxError names gets the colon it lacks, or
is neutralised (emptied for an indentation error, else `pass`, or `if 1:` when a deeper block
follows), up to `MAX_REPAIRS` times; code still broken then counts as empty.
"""
from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

from grader.results import SimilarPair
from grader.submission.load import source_files
from grader.submission.notebook import NotebookError, read_notebook

K = 8
"""Tokens a fingerprint covers: most of a line of code."""
MIN_FINGERPRINTS = 50
"""Fingerprints beyond the starter that both hand-ins of a pair need to be compared."""
MAX_REPAIRS = 20
"""Lines repaired in code that does not parse before it counts as empty."""

_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


# ------------------------------------------------------------------------------------ reading

def submission_code(path: Path) -> str:
    """The Python code of a hand-in: a .py file, a notebook's code cells (IPython magic and `!` lines
    dropped) or a folder's .py files (else its notebooks) by relative path; '' when nothing is readable."""
    if path.is_dir():
        return "\n".join(submission_code(p) for p in source_files(path))
    if path.suffix == ".ipynb":
        return _notebook_code(path)
    try:
        text = path.read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return ""
    return "" if "\0" in text else text


def _notebook_code(path: Path) -> str:
    """Every code cell of a notebook (tagged skip-grading or not) but cell magics (`%%bash`), without
    line magics and shell lines."""
    try:
        notebook = read_notebook(path)
    except (NotebookError, OSError):
        return ""
    return "\n".join(line for cell in notebook.cells
                     if cell.cell_type == "code" and not cell.source.lstrip().startswith("%%")
                     for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))


# ------------------------------------------------------------------------------------ normalising

def _statements(code: str) -> list[ast.stmt]:
    """Top-level statements of `code`, repaired (see the module docstring) when it does not parse."""
    lines = code.splitlines()
    for _ in range(MAX_REPAIRS + 1):
        try:
            return ast.parse("\n".join(lines)).body
        except (SyntaxError, ValueError, RecursionError) as exc:
            number = getattr(exc, "lineno", None)
            if not number or number > len(lines):
                break
            lines[number - 1] = _repaired(lines, number - 1, exc)
    return []


def _repaired(lines: list[str], index: int, error: Exception) -> str:
    """The line a SyntaxError names, neutralised: emptied for an indentation error, given the colon
    it lacks, else `pass` at its indentation, or `if 1:` when the next line is indented deeper."""
    line = lines[index]
    if isinstance(error, IndentationError):
        return ""
    if getattr(error, "msg", "") == "expected ':'":
        return line.rstrip() + ":"
    indent = line[:len(line) - len(line.lstrip())]
    following = next((l for l in lines[index + 1:] if l.strip()), "")
    return indent + ("if 1:" if len(following) - len(following.lstrip()) > len(indent) else "pass")


def _bindings(statements: list[ast.stmt]) -> tuple[set[str], dict[str, str]]:
    """Names the code binds itself, and names bound by imports with the path each stands for."""
    own: set[str] = set()
    imported: dict[str, str] = {}
    for node in (node for statement in statements for node in ast.walk(statement)):
        match node:
            case ast.Import() | ast.ImportFrom():
                imported.update(_imports(node))
            case ast.FunctionDef(name=name) | ast.AsyncFunctionDef(name=name) | ast.ClassDef(name=name) \
                    | ast.arg(arg=name) | ast.ExceptHandler(name=str() as name):
                own.add(name)
            case ast.Name(id=name, ctx=ast.Store() | ast.Del()):
                own.add(name)
    return own, imported


def _imports(node: ast.Import | ast.ImportFrom) -> dict[str, str]:
    """The names an import binds, each with the path it stands for."""
    if isinstance(node, ast.ImportFrom):
        return {alias.asname or alias.name: f"{node.module or ''}.{alias.name}" for alias in node.names}
    paths = {}
    for alias in node.names:  # `import torch.nn as nn` binds nn (torch.nn), `import torch.nn` binds torch
        top = alias.name.partition(".")[0]
        paths[alias.asname or top] = alias.name if alias.asname else top
    return paths


def _tokens(root: ast.AST, own: set[str], imported: dict[str, str], nested: list[ast.AST]) -> list[int]:
    """The nodes of `root` in pre-order as hashes of (node type, label), see the module docstring;
    the definitions inside it are left out and added to `nested`."""
    def chosen(name: str | None) -> str | None:
        return "_" if name in own and not (name.startswith("__") and name.endswith("__")) else name

    def label(node: ast.AST) -> object:
        match node:
            case ast.Name(id=name):
                return imported.get(name) or chosen(name)
            case ast.Attribute(value=ast.Name(id="self")):
                return "_"
            case ast.Attribute(attr=name):
                return name
            case ast.FunctionDef(name=name) | ast.AsyncFunctionDef(name=name) | ast.ClassDef(name=name) \
                    | ast.keyword(arg=name):
                return chosen(name)
            case ast.Constant(value=str() | bytes() as text):
                return type(text).__name__
            case ast.Constant(value=value):
                return value
        return None

    tokens, stack = [], [root]
    while stack:  # not recursive: hostile code may nest deeper than the recursion limit
        node = stack.pop()
        match node:
            case ast.expr_context() | ast.Expr(value=ast.Constant(value=str())):
                continue
            case ast.FunctionDef() | ast.AsyncFunctionDef() | ast.ClassDef() if node is not root:
                nested.append(node)
                continue
            case ast.Import() | ast.ImportFrom():  # `import torch.nn as nn` = `from torch import nn`
                tokens += [hash(("import", path)) for path in _imports(node).values()]
                continue
        tokens.append(hash((type(node).__name__, label(node))))
        stack.extend(reversed(list(ast.iter_child_nodes(node))))
    return tokens


def _kgrams(tokens: list[int]) -> set[int]:
    """Hashes of every run of `K` tokens (of all of them when there are fewer)."""
    runs = tuple(tokens)
    return {hash(runs[i:i + K]) for i in range(max(len(runs) - K + 1, 1))} if runs else set()


@dataclass(frozen=True)
class _Fingerprints:
    """A hand-in's fingerprints: hashes of runs of `K` normalised tokens."""

    own: frozenset[int]
    """The whole hand-in's, less the starter's."""
    definitions: dict[str, frozenset[int]]
    """Those of each top-level class ('class Name') and function ('name'), less the starter's."""


def _fingerprints(code: str, starter: frozenset[int] = frozenset()) -> _Fingerprints:
    """The k-grams of each unit of `code`, less `starter`: a unit is a function or a class (each one
    inside another is a unit of its own, so reordering definitions changes nothing) or the
    module-level statements outside them all."""
    statements = _statements(code)
    own, imported = _bindings(statements)
    units: dict[str, set[int]] = {}  # by the top-level definition they belong to; '' for module level
    module_level: list[int] = []
    for statement in statements:
        owner = (f"class {statement.name}" if isinstance(statement, ast.ClassDef) else statement.name) \
            if isinstance(statement, _DEFINITIONS) else ""
        pending: list[ast.AST] = [statement]
        while pending:
            node = pending.pop()
            tokens = _tokens(node, own, imported, pending)
            if node is statement and not owner:
                module_level += tokens
            else:
                units.setdefault(owner, set()).update(_kgrams(tokens))
    units.setdefault("", set()).update(_kgrams(module_level))
    return _Fingerprints(frozenset().union(*units.values()) - starter,
                         {name: frozenset(prints - starter) for name, prints in units.items() if name})


# ------------------------------------------------------------------------------------ pairing

def similar_pairs(codes: dict[str, str], *, starter: str = "", threshold: float = 0.9) -> list[SimilarPair]:
    """Pairs (first < second by id) whose normalised code is at least `threshold` similar, most
    similar first; `codes` maps student id to code (`submission_code`), `starter` is the code
    every student received."""
    shared = _fingerprints(starter).own
    prints = {sid: _fingerprints(code, shared) for sid, code in codes.items()}
    compared = sorted(sid for sid, p in prints.items() if len(p.own) >= MIN_FINGERPRINTS)
    pairs = []
    for first, second in combinations(compared, 2):
        a, b = prints[first].own, prints[second].own
        if min(len(a), len(b)) < threshold * max(len(a), len(b)):
            continue  # the Jaccard index cannot reach the threshold
        common = len(a & b)
        similarity = common / (len(a) + len(b) - common)
        if similarity >= threshold:
            pairs.append(SimilarPair(first, second, similarity, _detail(prints[first], b, similarity, threshold)))
    return sorted(pairs, key=lambda p: (-p.similarity, p.first, p.second))


def _detail(first: _Fingerprints, second: frozenset[int], similarity: float, threshold: float) -> str:
    """A line for the reviewer: how much is shared, and which of the first's definitions match."""
    if similarity == 1:
        return "identical after normalising names, comments and layout"
    matching = [name for name, own in first.definitions.items()
                if own and len(own & second) >= threshold * len(own)]
    return f"{math.floor(similarity * 100)}% of normalised code shared" + \
        (f"; matching: {', '.join(matching)}" if matching else "")
