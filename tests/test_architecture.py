"""The shape of the code, held by a test: every import (function-level and type-only ones included) goes down the
layers of docs/architecture.md, there is no import circle, the top level stays small, and no module or function
grows past what a reader takes in at once."""
from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "grader"
MAX_TOP_LEVEL = 12
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 80

LAYERS = [
    ("shared", ["grader", "grader.results", "grader.policy", "grader.files", "grader.budget", "grader.processes",
                "grader.contract", "grader.spec.table"]),
    ("inside the child", ["grader.submission", "grader.training", "grader.probes", "grader.child"]),
    ("assignments", ["grader.spec"]),
    ("where it runs", ["grader.execute"]),
    ("grading", ["grader.api", "grader.judge", "grader.report"]),
    ("workflows", ["grader.classroom", "grader.authoring"]),
    ("entry points", ["grader.cli", "grader.serve", "grader.course", "grader.inline", "grader.__main__"]),
]
"""Each module's layer is that of the longest prefix listed; a module may import its own layer and those above it
in this list (below it in the stack)."""
UPWARD = {("grader", "grader.inline"): "the package offers students `from grader import check` (imported when called)"}
"""The one import that goes up, and why."""


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Every grader module `name` imports, wherever the import statement is."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in modules}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([node.module] if node.module else []))
            for alias in node.names:
                target = f"{base}.{alias.name}"
                found.add(target if target in modules else base)
    return {m for m in found if m in modules and m != name}


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def _layer(module: str) -> int:
    matches = [(len(prefix), index) for index, (_, prefixes) in enumerate(LAYERS) for prefix in prefixes
               if module == prefix or module.startswith(prefix + ".")]
    assert matches, f"{module} is in no layer: add it to LAYERS and docs/architecture.md"
    return max(matches)[1]


def test_no_import_circle(graph: dict[str, set[str]]) -> None:
    """Tarjan's strongly connected components: each must be a single module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in graph[module]:
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    assert circles == []


def test_imports_go_down_the_layers(graph: dict[str, set[str]]) -> None:
    upward = defaultdict(list)
    for module, imported in graph.items():
        for other in imported:
            if _layer(other) > _layer(module) and (module, other) not in UPWARD:
                upward[module].append(f"{other} ({LAYERS[_layer(other)][0]})")
    assert dict(upward) == {}, "imports from a layer above"


def test_the_top_level_is_small() -> None:
    top = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem not in ("__init__", "__main__"))
    assert len(top) <= MAX_TOP_LEVEL, top


def test_no_module_or_function_is_too_long() -> None:
    long_modules, long_functions = [], []
    for name, path in _modules().items():
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > MAX_MODULE_LINES:
            long_modules.append(name)
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and \
                    node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES:
                long_functions.append(f"{name}.{node.name}")
    assert (long_modules, long_functions) == ([], [])
