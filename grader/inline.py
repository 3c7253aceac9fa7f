"""`from grader import check; check("cifar_simplecnn")` inside a student's notebook.

The notebook's current definitions (imports, classes, functions and call-free assignments from the
cells run so far; the last definition wins, as in Jupyter) are written to a file and graded by a
separate `grader check` process, which runs them in the usual isolated child. The student's kernel
only displays the result: nothing is judged in the process the student's code can patch.
"""
from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from markupsafe import escape

from grader.child.salvage import is_definition

_DEFINITIONS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def definitions(cells: list[str]) -> str:
    """The definitions made by `cells` (Python source, in order) as one Python file: what salvaging
    would run (grader.child.salvage.is_definition), less assignments that call anything, so that data
    loading, training and prints are left out."""
    kept = []
    for source in cells:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in tree.body:
            calls = not isinstance(node, _DEFINITIONS) and any(
                isinstance(n, (ast.Call, ast.Await, ast.Yield, ast.YieldFrom)) for n in ast.walk(node))
            if is_definition(node) and not calls:
                kept.append(ast.unparse(node))
    return "\n\n".join(kept) + "\n"


def _history() -> list[str]:
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        raise RuntimeError("check() reads the cells you have run, so it needs Jupyter or IPython; "
                           "elsewhere run: grader check <assignment> <your file>")
    return list(shell.user_ns.get("In", []))


def _render(results: dict[str, Any], assignment: str) -> str:
    from grader.report.html import environment

    max_score = sum(t["max_score"] for t in results.get("tests", []))
    return environment().get_template("inline.html.j2").render(
        results=results, assignment=assignment, max_score=max_score)


def _in_notebook() -> bool:
    from IPython import get_ipython

    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def check(assignment: str, *, source: str | None = None, data_root: str | Path | None = None,
          timeout: float = 900.0) -> None:
    """Run the visible checks of `assignment` on this notebook's current definitions (or on
    `source`) and show the result: an HTML table in Jupyter, text in a console."""
    code = source if source is not None else definitions(_history())
    with tempfile.TemporaryDirectory(prefix="cnn-grader-check-") as tmp:
        submission, out = Path(tmp) / "notebook_cells.py", Path(tmp) / "out"
        submission.write_text(code, encoding="utf-8")
        command = [sys.executable, "-m", "grader", "check", assignment, str(submission), "--out", str(out)]
        if data_root is not None:
            command += ["--data-root", str(data_root)]
        proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, "COLUMNS": "110", "NO_COLOR": "1"})
        results_file = out / "results.json"
        if proc.returncode != 0 or not results_file.is_file():
            print(proc.stderr.strip()[-2000:] or proc.stdout.strip()[-2000:], file=sys.stderr)
            return
        results = json.loads(results_file.read_text(encoding="utf-8"))
    if _in_notebook():
        from IPython.display import HTML, display

        display(HTML(_render(results, assignment)))
    else:
        print(proc.stdout)


def _notebook_file() -> Path | None:
    """The notebook this kernel runs, where the front end says (JupyterLab and Notebook 7 set JPY_SESSION_NAME,
    VS Code `__vsc_ipynb_file__`)."""
    from IPython import get_ipython

    shell = get_ipython()
    named = os.environ.get("JPY_SESSION_NAME") or (shell.user_ns.get("__vsc_ipynb_file__") if shell else None)
    path = Path(named) if named else None
    return path if path is not None and path.suffix == ".ipynb" and path.is_file() else None


def submit(assignment: str, *, to: str, path: str | Path | None = None, wait: bool = True) -> dict:
    """Hand in to a course server (`to`: your personal link): the file at `path`, else this notebook's file
    (saved first: the server grades the file as it is on disk), else, where the front end does not say which
    file it is, this notebook's current definitions as a .py (as `check` grades them). Shows the hand-in, and
    with `wait` its score once graded; returns the server's facts."""
    from grader.course.client import Link, describe, follow, hand_in

    link = Link.parse(to)
    with tempfile.TemporaryDirectory(prefix="cnn-grader-submit-") as tmp:
        chosen = Path(path) if path is not None else _notebook_file()
        if chosen is None:
            chosen = Path(tmp) / "notebook_cells.py"
            chosen.write_text(definitions(_history()), encoding="utf-8")
        status, facts = hand_in(chosen, link, assignment)
    if status == 202 and wait:
        facts = follow(link, facts)
    text = describe(facts if status in (200, 202) else {**facts, "status": "refused"}, link.base)
    if _in_notebook():
        from IPython.display import HTML, display

        head, _, url = text.rpartition("\n")
        display(HTML(f"<p>{escape(head)}<br><a href=\"{escape(url)}\" target=\"_blank\">{escape(url)}</a></p>"))
    else:
        print(text)
    return facts
