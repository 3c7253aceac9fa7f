"""Salvage: when a submission's top-level code fails, run what follows it for its definitions only.

Runs inside the grading child (the worker for a `.py`, the kernel for a notebook); imports no torch.
What ran before the failure stays as it ran. After it, in source order, only *definitions* run:
imports, functions, classes, and assignments to plain names whose value calls no code of the
student's own (a call into a library is fine: `transforms.Compose([...])`, `torch.device(...)`);
`if`/`try` blocks that hold nothing else count too. Each one that raises is skipped. Everything
else (training loops, prints, plots, calls of the student's functions) is top-level work and is
not run.

Honesty: a name that a statement which did not run would have bound or changed (assignment,
`X.attr = ...`, `setattr(X, ...)`, `del X`) is removed, so the grader never grades a stale value
that the handed-in file would have replaced; `not_run` says which statement that was. Nothing
after a top-level `sys.exit()` / `exit()` / `quit()` runs: the student ended the program there.
"""
from __future__ import annotations

import ast
import signal
import time
from dataclasses import dataclass, field
from typing import Any

from grader.results import message_line

STATEMENT_SECONDS = 10.0
"""Seconds one definition may take while salvaging (a library call that hangs is skipped)."""
MAX_LISTED = 200
"""Skipped statements listed in the report (the rest are counted)."""
EXIT_FUNCTIONS = {"exit", "quit", "sys.exit", "os._exit"}
DYNAMIC = "*"
"""Marker for a statement that may rebind any name (exec, eval, globals())."""


class _StatementTimeout(BaseException):
    """Raised in the salvaging thread when one definition runs past STATEMENT_SECONDS."""


@dataclass(frozen=True)
class Statement:
    """One top-level statement, where it sits in the student's file."""

    node: ast.stmt
    where: str
    """'line 36', or 'cell 4, line 2' in a notebook."""
    source: str
    """Its first line, for messages."""
    filename: str
    """The file name it is compiled under (so tracebacks point at the student's file)."""


@dataclass
class SalvageReport:
    """What salvaging did; sent to the parent as plain data."""

    skipped: list[dict[str, str]] = field(default_factory=list)
    """{'where', 'source', 'reason'} of each statement not run (at most MAX_LISTED)."""
    more_skipped: int = 0
    not_run: dict[str, str] = field(default_factory=dict)
    """name → 'line 12 (`NUM_CLASSES = len(train.classes)`)': the statement that did not run and
    would have bound or changed it."""
    ran: int = 0
    """Definitions run."""
    seconds: float = 0.0
    """Wall-clock time salvaging took."""

    def skip(self, where: str, source: str, reason: str) -> None:
        """List a statement that did not run (once per line: `a(); b()` is one entry)."""
        if self.skipped and (self.skipped[-1]["where"], self.skipped[-1]["source"]) == (where, source):
            return
        if len(self.skipped) < MAX_LISTED:
            self.skipped.append({"where": where, "source": source, "reason": reason})
        else:
            self.more_skipped += 1

    def to_json(self) -> dict[str, Any]:
        return {"skipped": self.skipped, "more_skipped": self.more_skipped, "not_run": self.not_run, "ran": self.ran,
                "seconds": round(self.seconds, 3)}


def first_line(text: str, limit: int = 70) -> str:
    """The first non-blank line, shortened for messages."""
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    return line if len(line) <= limit else line[: limit - 3] + "..."


def statements(tree: ast.Module, source: str, filename: str, where: str = "line {line}") -> list[Statement]:
    """The top-level statements of a parsed file; `where` formats each one's location."""
    lines = source.splitlines()
    return [Statement(node, where.format(line=node.lineno), first_line(lines[node.lineno - 1] if node.lineno <= len(lines) else ""),
                      filename) for node in tree.body]


def _starts_block(line: str) -> bool:
    """A line at column 0 that can begin a top-level statement (not a comment or a closing bracket)."""
    return bool(line) and not line[0].isspace() and line[0] not in "#)]}"


def parse_leniently(source: str, filename: str, attempts: int = 20) -> tuple[ast.Module, list[tuple[int, int, str]]]:
    """Parse `source`; where it does not parse, leave out the top-level block holding the error (from
    the line at column 0 before it to the next one) and try again. The tree, and the (first line, last
    line, 'SyntaxError: ...') of each block left out. Raises the last SyntaxError when it gives up."""
    lines = source.splitlines()
    removed: list[tuple[int, int, str]] = []
    for _ in range(attempts):
        try:
            return ast.parse("\n".join(lines), filename), removed
        except SyntaxError as exc:
            error = exc
            line = min(max(exc.lineno or 1, 1), max(len(lines), 1))
            start = line
            while start > 1 and not _starts_block(lines[start - 1]):
                start -= 1
            end = line
            while end < len(lines) and not _starts_block(lines[end]):
                end += 1
            if not any(lines[start - 1:end]):
                break
            lines[start - 1:end] = [""] * (end - start + 1)
            removed.append((start, end, f"SyntaxError: {exc.msg} (line {exc.lineno})"))
    raise error


def statement_at(nodes: list[ast.stmt], lineno: int) -> int | None:
    """Index of the top-level statement spanning `lineno` (None if none does)."""
    for index, node in enumerate(nodes):
        if node.lineno <= lineno <= (node.end_lineno or node.lineno):
            return index
    return None


def failing_line(traceback: Any, filename: str | None = None) -> int | None:
    """Line of the top-level (`<module>`) frame in a traceback, in `filename` when given."""
    while traceback is not None:
        code = traceback.tb_frame.f_code
        if code.co_name == "<module>" and (filename is None or code.co_filename == filename):
            return traceback.tb_lineno
        traceback = traceback.tb_next
    return None


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else ""
    return ""


def ends_program(node: ast.stmt) -> bool:
    """A top-level `sys.exit(...)`, `exit()`, `quit()` or `os._exit(...)` statement."""
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and _dotted(node.value.func) in EXIT_FUNCTIONS


def is_main_guard(node: ast.stmt) -> bool:
    """`if __name__ == "__main__":` — code that never runs when the grader imports the file."""
    test = node.test if isinstance(node, ast.If) else None
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = [test.left, *test.comparators]
    return {_dotted(s) or (s.value if isinstance(s, ast.Constant) else None) for s in sides} == {"__name__", "__main__"}


def _plain_target(target: ast.expr) -> bool:
    if isinstance(target, ast.Name):
        return True
    if isinstance(target, (ast.Tuple, ast.List)):
        return all(_plain_target(t) for t in target.elts)
    return isinstance(target, ast.Starred) and _plain_target(target.value)


def is_definition(node: ast.stmt) -> bool:
    """Whether salvaging runs this statement (before the call check, which needs the namespace)."""
    if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return True
    if isinstance(node, ast.Assign):
        return all(_plain_target(t) for t in node.targets)
    if isinstance(node, (ast.AnnAssign, ast.AugAssign)):
        return isinstance(node.target, ast.Name) and (node.value is not None or isinstance(node, ast.AnnAssign))
    if isinstance(node, ast.If) and not is_main_guard(node):
        return all(is_definition(n) for n in node.body + node.orelse)
    if isinstance(node, ast.Try):
        return all(is_definition(n) for block in (node.body, node.orelse, node.finalbody, *(h.body for h in node.handlers))
                   for n in block)
    return False


def touched_names(node: ast.stmt) -> set[str]:
    """Names a statement binds or changes: assignment and loop targets, imports, definitions,
    `X.attr = ...` / `X[k] = ...` (X), `setattr(X, ...)`, `del X`; DYNAMIC for exec/eval/globals()."""
    names: set[str] = set()
    pending: list[ast.AST] = [node]
    while pending:
        sub = pending.pop()
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, (ast.Store, ast.Del)):
            names.add(sub.id)
        elif isinstance(sub, (ast.Attribute, ast.Subscript)) and isinstance(sub.ctx, (ast.Store, ast.Del)):
            root = sub
            while isinstance(root, (ast.Attribute, ast.Subscript)):
                root = root.value
            if isinstance(root, ast.Name):
                names.add(root.id)
        elif isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(sub.name)
        elif isinstance(sub, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in sub.names}
        elif isinstance(sub, ast.Call):
            called = _dotted(sub.func)
            if called in ("setattr", "delattr") and sub.args and isinstance(sub.args[0], ast.Name):
                names.add(sub.args[0].id)
            elif called in ("exec", "eval", "globals", "vars", "locals"):
                names.add(DYNAMIC)
        if isinstance(sub, _SCOPES):
            # names inside bind locals of their own scope; decorators and defaults still run here
            pending.extend(getattr(sub, "decorator_list", []))
            arguments = getattr(sub, "args", None)
            if isinstance(arguments, ast.arguments):
                pending.extend([*arguments.defaults, *(d for d in arguments.kw_defaults if d is not None)])
            continue
        pending.extend(ast.iter_child_nodes(sub))
    return names


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.ListComp, ast.SetComp,
           ast.DictComp, ast.GeneratorExp)


def block_names(first_line_text: str) -> list[str]:
    """Names a block that does not parse would have defined, read off its first line ('class X(...):', 'X = ...')."""
    import re

    found = re.match(r"\s*(?:async\s+)?(?:def|class)\s+(\w+)|\s*(\w+)\s*(?::[^=]*)?=(?!=)", first_line_text)
    return [next(g for g in found.groups() if g)] if found else []


def _is_students(obj: Any, module_name: str) -> bool:
    """Whether `obj` (or its class) was defined by the submission."""
    return module_name in (getattr(obj, "__module__", None), getattr(type(obj), "__module__", None))


def student_call(node: ast.stmt, namespace: dict[str, Any], module_name: str) -> str:
    """The first call in the statement's values (not in function/class bodies) into code the student
    defined, e.g. 'train' for `history = train(model)`; '' when there is none."""
    pending: list[ast.AST] = [node]
    while pending:
        sub = pending.pop()
        if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue  # bodies run later, when called; decorators and defaults are part of defining
        if isinstance(sub, ast.Call):
            root = sub.func
            while isinstance(root, (ast.Attribute, ast.Subscript, ast.Call)):
                root = root.func if isinstance(root, ast.Call) else root.value
            if isinstance(root, ast.Name) and root.id in namespace and _is_students(namespace[root.id], module_name):
                return root.id
        pending.extend(ast.iter_child_nodes(sub))
    return ""


def _raise_timeout(signum: int, frame: Any) -> None:
    raise _StatementTimeout


def _describe(exc: BaseException, not_run: dict[str, str]) -> str:
    if isinstance(exc, _StatementTimeout):
        return f"took longer than {STATEMENT_SECONDS:.0f} s"
    if isinstance(exc, NameError) and getattr(exc, "name", None) in not_run:
        return f"needs {exc.name}, which {not_run[exc.name]} would have set"
    message = message_line(str(exc))
    return f"raised {type(exc).__name__}" + (f": {message[:200]}" if message else "")


def _forget(names: set[str], statement: Statement, namespace: dict[str, Any], report: SalvageReport,
            protected: set[str]) -> None:
    """The statement did not run: the names it would have bound or changed are no longer trusted."""
    if DYNAMIC in names:
        names = (names - {DYNAMIC}) | {n for n in protected if n in namespace}
    for name in names:
        namespace.pop(name, None)
        report.not_run[name] = f"{statement.where} (`{statement.source}`)"


def run_definitions(todo: list[Statement], namespace: dict[str, Any], *, module_name: str,
                    failed: Statement | None = None, protected: set[str] = frozenset()) -> SalvageReport:
    """Run the definitions among `todo` into `namespace`, in order, skipping what fails. `failed`:
    the statement whose failure started salvaging (its names are not trusted either). `protected`:
    the names the grader needs, forgotten when a statement may have rebound anything (exec, globals())."""
    report, started = SalvageReport(), time.monotonic()
    if failed is not None:
        _forget(touched_names(failed.node), failed, namespace, report, protected)
    previous = signal.signal(signal.SIGALRM, _raise_timeout)
    try:
        for statement in todo:
            node = statement.node
            if ends_program(node):
                report.skip(statement.where, statement.source, "ends the program: nothing after it runs")
                break
            if is_main_guard(node):
                continue
            reason = "" if is_definition(node) else "top-level code (not a definition)"
            called = student_call(node, namespace, module_name) if not reason else ""
            if called:
                reason = f"calls your own {called}()"
            if not reason:
                reason = _run_one(statement, namespace, report)
            if reason:
                if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):  # a docstring
                    report.skip(statement.where, statement.source, reason)
                _forget(touched_names(node), statement, namespace, report, protected)
            else:
                report.ran += 1
                for name in touched_names(node) - {DYNAMIC}:
                    report.not_run.pop(name, None)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        report.seconds = time.monotonic() - started
    return report


def _run_one(statement: Statement, namespace: dict[str, Any], report: SalvageReport) -> str:
    """Run one definition; '' when it ran, else why it did not."""
    code = compile(ast.Module(body=[statement.node], type_ignores=[]), statement.filename, "exec")
    signal.setitimer(signal.ITIMER_REAL, STATEMENT_SECONDS)
    try:
        exec(code, namespace)  # noqa: S102 - inside the isolated child, like the import itself
    except BaseException as exc:  # noqa: BLE001 - SystemExit from a definition is skipped like the rest
        return _describe(exc, report.not_run)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return ""


@dataclass(frozen=True)
class Salvage:
    """Where the top-level code failed, and what salvaging did after it."""

    where: str
    source: str
    ends_program: bool
    report: SalvageReport


def skip_unparsed(removed: list[tuple[int, int, str]], source: str, where: str, report: SalvageReport) -> None:
    """List the blocks left out because they do not parse; the names they would have defined did not run."""
    lines = source.splitlines()
    for first, last, why in removed:
        text, place = first_line(lines[first - 1]), where.format(line=first)
        report.skip(place, text, f"does not parse (lines {first}-{last}): {why}")
        report.not_run.update({name: f"{place} (`{text}`)" for name in block_names(text)})


def after_failure(source: str, filename: str, namespace: dict[str, Any], line: int | None, *,
                  module_name: str, protected: set[str]) -> Salvage | None:
    """A file whose top-level statement at `line` failed: run the definitions after it (nothing after
    a top-level exit). None when `line` is not in a top-level statement."""
    found = statements(ast.parse(source), source, filename)
    index = statement_at([s.node for s in found], line) if line else None
    if index is None:
        return None
    failed = found[index]
    ends = ends_program(failed.node)
    report = run_definitions([] if ends else found[index + 1:], namespace, module_name=module_name, failed=failed,
                             protected=protected)
    return Salvage(failed.where, failed.source, ends, report)


def around_syntax_errors(source: str, filename: str, namespace: dict[str, Any], error: SyntaxError, *,
                         module_name: str, protected: set[str]) -> Salvage:
    """A file that does not parse: leave out the blocks that hold syntax errors and run the definitions of
    the rest (raises SyntaxError when it cannot be repaired)."""
    tree, removed = parse_leniently(source, filename)
    report = run_definitions(statements(tree, source, filename), namespace, module_name=module_name,
                             protected=protected)
    unparsed = SalvageReport()
    skip_unparsed(removed, source, "line {line}", unparsed)
    report.skipped[:0] = unparsed.skipped
    report.not_run.update(unparsed.not_run)
    lines = source.splitlines()
    line = min(max(error.lineno or 1, 1), max(len(lines), 1))
    return Salvage(f"line {line}", first_line(lines[line - 1] if lines else ""), False, report)
