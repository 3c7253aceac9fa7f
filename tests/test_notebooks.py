"""Notebook submissions: real .ipynb files executed by a real kernel inside the sandbox, graded with
the same probes as .py files; broken notebooks get specific messages and zero points."""
from __future__ import annotations

import html
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import CODE_ASSIGNMENTS, REPO, SUBMISSIONS, data_root, grade, spec_copy

from grader.probes import PROBES
from grader.spec import load_spec

NOTEBOOKS = SUBMISSIONS / "notebooks"
STATIC = "output_shape,architecture,layer_shapes,gradient_flow,reference_gradients"
P, F, E = "passed", "failed", "error"

# outcome file → (status of every static check, words the report must contain)
CASES = {
    "correct": (P, ""),
    "training_cell_skipped": (P, ""),
    "defines_class_twice": (P, ""),
    "magics_and_shell": (P, ""),
    "nbformat_v3": (P, "converted to format 4"),
    "cell_loops_forever": (P, "cell 3, line 1 (`while True:`) was still running when the per-cell limit ran out"),
    "cell_raises": (P, "cell 2, line 1 (`data = load_my_data()  # NameError`) raised NameError"),  # salvaged
    "hides_failures": (F, "cell 3 (`raise RuntimeError('nobody will see this')`) raised RuntimeError"),
    "forged_results_file": (F, ""),
    "invalid_json": (E, "is not valid JSON"),
    "renamed_py": (E, "is Python source, not a notebook (a .py file renamed to .ipynb?)"),
    "empty": (E, "is empty (0 bytes)"),
    "not_a_notebook": (E, "is JSON but not a Jupyter notebook"),
    "nbformat_v2": (E, "uses notebook format version 2"),
}


@pytest.mark.parametrize("outcome", sorted(CASES))
def test_notebook_corpus(outcome: str, tmp_path: Path) -> None:
    status, words = CASES[outcome]
    graded = grade("cifar_simplecnn", NOTEBOOKS / f"{outcome}.ipynb", tmp_path, "--only", STATIC,
                   "--cell-timeout", "10")
    if status == F:  # a 7-way head: the shape checks charge it; the gradients still flow (charged once)
        assert graded.statuses() == {**dict.fromkeys(STATIC.split(","), F), "gradient_flow": P}
        assert graded.results["score"] == 1
    else:
        assert set(graded.statuses().values()) == {status}, graded.results["tests"]
        assert graded.results["score"] == (8 if status == P else 0)
    assert words in graded.results["output"]


def test_with_salvage_off_a_failed_cell_stops_the_notebook_and_each_check_names_it(tmp_path: Path) -> None:
    spec = spec_copy(tmp_path, "cifar_simplecnn", "salvage = false")
    graded = grade(str(spec), NOTEBOOKS / "cell_raises.ipynb", tmp_path / "out", "--only", "output_shape")
    assert graded.statuses() == {"output_shape": E}
    found = graded.results["tests"][0]["output"]
    assert "SimpleCNN never got defined because cell 2" in found
    assert "NameError: name 'load_my_data' is not defined" in html.unescape(graded.html)  # the traceback


def test_stderr_warnings_cost_nothing(tmp_path: Path) -> None:
    notebook = nbformat.read(NOTEBOOKS / "correct.ipynb", as_version=4)
    notebook.cells.insert(1, nbformat.v4.new_code_cell(
        "import warnings, sys\nwarnings.warn('this overload is deprecated', UserWarning)\n"
        "print('to stderr', file=sys.stderr)"))
    path = tmp_path / "warns.ipynb"
    nbformat.write(notebook, path)
    graded = grade("cifar_simplecnn", path, tmp_path / "out", "--only", STATIC)
    assert graded.results["score"] == 8
    assert "this overload is deprecated" in graded.html


def test_the_kernel_starts_with_torch_loaded_and_no_name_bound(tmp_path: Path) -> None:
    """A student's `import torch` costs nothing in the kernel (as in the worker before a .py), so no time limit can
    cut it off half-way on a loaded machine; a notebook that forgets the import still fails as it would."""
    notebook = nbformat.read(NOTEBOOKS / "correct.ipynb", as_version=4)
    notebook.cells.insert(0, nbformat.v4.new_code_cell(
        "import sys\nprint('torch loaded:', 'torch' in sys.modules, '| bound:', 'torch' in dir())\n"
        "print('no other grader name:', [n for n in dir() if 'cnn_grader' in n])"))
    path = tmp_path / "preloaded.ipynb"
    nbformat.write(notebook, path)
    graded = grade("cifar_simplecnn", path, tmp_path / "out", "--only", "output_shape")
    assert graded.results["score"] == 2
    assert "torch loaded: True | bound: False" in graded.html
    assert "no other grader name: []" in graded.html


KERNEL_FACTS = """import os, signal, sys
print('forked:', 'grader.child.forked_kernel' in sys.modules and 'grader.child.measure' in sys.modules)
print('launcher:', os.path.basename(sys.argv[0]), sys.argv[1], '| cwd on path:', '' in sys.path)
print('own session:', os.getsid(0) == os.getpid(), '| parent:', os.environ['JPY_PARENT_PID'] == str(os.getppid()))
print('handlers:', signal.getsignal(signal.SIGPIPE) == signal.SIG_IGN, signal.getsignal(signal.SIGALRM) == signal.SIG_DFL,
      signal.getitimer(signal.ITIMER_REAL))
print('bytecode:', sys.dont_write_bytecode)
"""


@pytest.mark.parametrize("kernel", ["fork", "launch"])
def test_a_forked_kernel_is_a_kernel_process_as_a_launched_one_is(kernel: str, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The kernel is forked from the grading child, which holds torch already (GRADER_NOTEBOOK_KERNEL=launch: a new
    interpreter, the old way), and its process looks the same to the student's code: ipykernel_launcher's argv,
    the working directory on sys.path, its own session (which interrupts signal), a fresh interpreter's signal
    handlers and no timer, no bytecode written (PYTHONDONTWRITEBYTECODE)."""
    monkeypatch.setenv("GRADER_NOTEBOOK_KERNEL", kernel)
    notebook = nbformat.read(NOTEBOOKS / "correct.ipynb", as_version=4)
    notebook.cells.insert(0, nbformat.v4.new_code_cell(KERNEL_FACTS))
    path = tmp_path / "facts.ipynb"
    nbformat.write(notebook, path)
    graded = grade("cifar_simplecnn", path, tmp_path / "out", "--only", "output_shape")
    assert graded.results["score"] == 2
    facts = html.unescape(graded.html)
    assert f"forked: {kernel == 'fork'}" in facts
    assert "launcher: ipykernel_launcher.py -f | cwd on path: True" in facts
    assert "own session: True | parent: True" in facts
    assert "handlers: True True (0.0, 0.0)" in facts
    assert "bytecode: True" in facts


def _exported_reference(name: str, into: Path) -> Path:
    """The reference solution as a notebook, one cell per top-level block."""
    source = (REPO / "reference" / name / "solution.py").read_text()
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(block.strip())
                                               for block in source.split("\n\n\n") if block.strip()])
    path = into / f"{name}.ipynb"
    nbformat.write(notebook, path)
    return path


IN_THE_DEFAULT_SUITE = {"mnist_simplecnn", "cifar_simplecnn", "batchnorm_cnn", "feature_maps"}
"""The notebook path does not depend on the assignment: the default suite runs it for these, `make test-slow` for
every other assignment (about 12 s each; vgg16_transfer 20 s)."""


@pytest.mark.parametrize("assignment", [
    a if a in IN_THE_DEFAULT_SUITE else pytest.param(a, marks=pytest.mark.slow)
    for a in CODE_ASSIGNMENTS])
def test_reference_as_notebook_scores_like_py(assignment: str, tmp_path: Path) -> None:
    spec = load_spec(REPO / "assignments" / assignment / "assignment.toml")
    static = ",".join(c.id for c in spec.checks if not PROBES[c.probe].trains)
    as_py = grade(assignment, REPO / "reference" / assignment / "solution.py", tmp_path / "py", "--only", static)
    as_nb = grade(assignment, _exported_reference(assignment, tmp_path), tmp_path / "nb", "--only", static)
    assert as_nb.results["score"] == as_py.results["score"] > 0
    strip = lambda r: [(t["name"], t["score"], t["output"]) for t in r["tests"]]  # noqa: E731
    assert strip(as_nb.results) == strip(as_py.results)


def test_inline_check_in_a_real_kernel(tmp_path: Path) -> None:
    """`check()` in a notebook shows the visible checks as an HTML table; patching the grader in
    the student's kernel changes nothing, because judging happens in another process."""
    notebook = nbformat.read(NOTEBOOKS / "defines_class_twice.ipynb", as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(
        "import grader.judge.compare\ngrader.judge.compare.verdict_for = None  # cannot reach the judge\n"
        "from grader import check\ncheck('cifar_simplecnn')"))
    from nbclient import NotebookClient

    env_root = data_root()
    client = NotebookClient(notebook, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    if env_root:
        notebook.cells.insert(0, nbformat.v4.new_code_cell(f"import os; os.environ['GRADER_DATA'] = {str(env_root)!r}"))
    client.execute()
    outputs = notebook.cells[-1].outputs
    html = "".join(o.get("data", {}).get("text/html", "") for o in outputs)
    assert "cifar_simplecnn" in html and "6 / 6 points" in html, outputs
    assert html.count(">passed<") == 4


def test_inline_check_in_a_console_prints_text(tmp_path: Path) -> None:
    code = ("from IPython.testing.globalipapp import start_ipython\nip = start_ipython()\n"
            f"ip.run_cell(open({str(REPO / 'reference' / 'cifar_simplecnn' / 'solution.py')!r}).read(), store_history=True)\n"
            "ip.run_cell('from grader import check; check(\"cifar_simplecnn\")', store_history=True)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert "Total: 6 / 6" in proc.stdout, proc.stdout[-2000:] + proc.stderr[-2000:]


def test_inline_check_outside_ipython_says_what_to_do() -> None:
    proc = subprocess.run([sys.executable, "-c", "from grader import check; check('cifar_simplecnn')"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0 and "needs Jupyter or IPython" in proc.stderr
    assert "grader check <assignment> <your file>" in proc.stderr


def test_results_json_of_a_notebook_is_plain_json(tmp_path: Path) -> None:
    grade("cifar_simplecnn", NOTEBOOKS / "correct.ipynb", tmp_path, "--only", "output_shape")
    assert json.loads((tmp_path / "results.json").read_text())["tests"][0]["extra_data"]["status"] == P
