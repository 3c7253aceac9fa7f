"""Suggested code lines, checked before a student reads them. A line the grader offers as a fix is applied to the
student's source (in place of the statement it replaces, or after the file's opening imports) and must parse,
read only names bound before it, and suit how the code uses the names it binds: `len(classes)` needs a sequence,
so `classes = 10` is never offered there.

Parent side, pure: parses the student's source and never runs it.
"""
from __future__ import annotations

import ast
import builtins
import re
from typing import Any

UNREADABLE = "your file could not be read to check it"


def _first_line(source: str, node: ast.stmt) -> str:
    lines = source.splitlines()
    return lines[node.lineno - 1].strip() if node.lineno <= len(lines) else ""


def _same_statement(text: str, shown: str) -> bool:
    """Whether a statement's first line is the one a message shows (shortened with '...' when long)."""
    return text == shown or (shown.endswith("...") and text.startswith(shown[:-3]))


def _after_imports(body: list[ast.stmt]) -> int:
    """The index just after the opening block of a module: its docstring and imports."""
    index = 0
    while index < len(body) and (isinstance(body[index], (ast.Import, ast.ImportFrom)) or (
            index == 0 and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant))):
        index += 1
    return index


def _bound(body: list[ast.stmt]) -> set[str]:
    """Names the top-level statements bind (not the locals of the functions and classes they define)."""
    names: set[str] = set()
    pending: list[ast.AST] = list(body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        if not isinstance(node, ast.Lambda):
            pending.extend(ast.iter_child_nodes(node))
    return names


NUMBER_CALLS = ("nn.", "torch.nn.", "range", "print", "int", "float", "str", "min", "max", "round")
"""Calls known to take a number (or anything) as an argument: an `nn` layer's sizes, `range(n)`, `print(n)`."""
NUMBER_KEYWORDS = re.compile(r"num_\w+|\w+_(size|features|channels|classes)|epochs|lr")


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return node.id if isinstance(node, ast.Name) else ""


def _suits(value: Any, use: ast.AST, load: ast.Name) -> bool:
    """Whether `value` can serve where `use` (the node around one load of a name) uses it; a use the grader
    cannot judge does not suit (so nothing is suggested for it)."""
    if isinstance(use, ast.Call) and use.func is load:
        return callable(value)
    if isinstance(use, ast.Call) and _dotted(use.func) == "len":
        return hasattr(value, "__len__")
    if isinstance(use, ast.Call):
        return _dotted(use.func).startswith(NUMBER_CALLS)
    if isinstance(use, ast.keyword):
        return bool(NUMBER_KEYWORDS.fullmatch(use.arg or ""))
    if isinstance(use, ast.Subscript) and use.value is load:
        return hasattr(value, "__getitem__")
    if isinstance(use, ast.Attribute):
        return hasattr(value, use.attr)
    if isinstance(use, (ast.For, ast.comprehension, ast.Starred)) or (
            isinstance(use, ast.Compare) and any(isinstance(op, (ast.In, ast.NotIn)) for op in use.ops)):
        return hasattr(value, "__iter__")
    return isinstance(use, (ast.BinOp, ast.UnaryOp, ast.Compare, ast.AugAssign, ast.FormattedValue, ast.Subscript))


def _uses(tree: ast.Module, name: str) -> list[tuple[ast.AST, ast.Name]]:
    """(the node around it, the load) of each load of `name`: what calls it, indexes it, iterates over it..."""
    return [(parent, child) for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)
            if isinstance(child, ast.Name) and child.id == name and isinstance(child.ctx, ast.Load)]


def _unfit_use(tree: ast.Module, line: ast.stmt) -> str:
    """How the code uses a name the line binds to a literal in a way that literal cannot serve ('' if none)."""
    if not (isinstance(line, ast.Assign) and len(line.targets) == 1 and isinstance(line.targets[0], ast.Name)):
        return ""
    try:
        value = ast.literal_eval(line.value)
    except ValueError:
        return ""
    name = line.targets[0].id
    for use, load in _uses(tree, name):
        if not _suits(value, use, load):
            shown = ast.unparse(use).strip().splitlines()[0]
            return f"your code uses it as `{shown}`"
    return ""


def why_not(source: str | None, line: str, replaces: str = "") -> str:
    """Why `line` cannot be offered as a fix to `source` ('' when it can): applied in place of the top-level
    statement whose first line is `replaces` (else after the opening imports), the file must still parse, the
    line must read only names bound before it, and what it binds must suit every use of it."""
    if not source:
        return UNREADABLE
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return UNREADABLE
    try:
        new = ast.parse(line).body
    except (SyntaxError, ValueError):
        return "the suggested line does not parse"
    body = tree.body
    index = next((i for i, node in enumerate(body) if _same_statement(_first_line(source, node), replaces)),
                 None) if replaces else _after_imports(body)
    if index is None or len(new) != 1:
        return "the line it would replace was not found"
    changed = ast.Module(body=[*body[:index], *new, *body[index + (1 if replaces else 0):]], type_ignores=[])
    try:
        compile(ast.fix_missing_locations(changed), "<suggested>", "exec")
    except SyntaxError as exc:
        return f"your file would not parse with it ({exc.msg})"
    known = _bound(body[:index]) | set(dir(builtins))
    unbound = sorted({n.id for n in ast.walk(new[0]) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
                     - known)
    if unbound:
        return f"`{unbound[0]}` is not defined before it in your file"
    return _unfit_use(changed, new[0])



def takes(source: str | None, function: str, argument: str) -> bool:
    """Whether the top-level function `function` of `source` has a parameter named `argument`."""
    try:
        body = ast.parse(source or "").body
    except (SyntaxError, ValueError):
        return False
    return any(isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == function and argument in
               {a.arg for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)} for node in body)


def bound_only_under_main_guard(source: str | None, name: str) -> int:
    """The line where `name` is bound under the file's `if __name__ == "__main__":` block, when nothing at the
    top level binds it (0 otherwise): code the grader never runs, since it imports the file."""
    try:
        tree = ast.parse(source or "")
    except (SyntaxError, ValueError):
        return 0
    guards = [node for node in tree.body if isinstance(node, ast.If) and "__main__" in ast.unparse(node.test)]
    outside = [node for node in tree.body if node not in guards]
    if any(name in _bound_names(node) for node in outside):
        return 0
    return next((line for guard in guards for line in _binding_lines(guard, name)), 0)


def _bound_names(node: ast.stmt) -> set[str]:
    """Names a top-level statement binds in the module."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def _binding_lines(guard: ast.If, name: str) -> list[int]:
    return [n.lineno for n in ast.walk(guard) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
            and n.id == name]
