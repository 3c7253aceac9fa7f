"""A notebook hand-in against the same code as a `.py` file, through `grader batch --jobs 2`, with the notebook's
kernel forked from the fork server (the default) and launched as a new interpreter (GRADER_NOTEBOOK_KERNEL=launch,
the old way); and the same notebooks through nbgrader's `autograde`, installed by this script in a virtual
environment of its own.

The exercise is one both can grade: cifar_simplecnn's model, checked for its output shape, its gradient flow
and its layers (with them, its parameter count). Each of N hand-ins is the reference solution with its own first
line, as a notebook (the solution's blocks as cells, then nbgrader's three autograded test cells, which the
grader runs as ordinary cells) and as a `.py` file (the same cells, joined). Every run must give every hand-in
full marks, or the benchmark says so and fails. Prints seconds per hand-in (a batch's wall time over N, the
CLI's and fork server's start included) and the ratios: notebook / .py (target <= 1.3) and nbgrader / notebook
(target >= 3); and a hand-in's own grading time (the batch's start-up and publishing left out) and its ratio.

    python benchmarks/notebooks.py [--submissions 20] [--jobs 2] [--repeats 1] [--nbgrader-venv DIR | --no-nbgrader]
"""
from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
CHECKS = "output_shape,gradient_flow,architecture"
PARAMETERS = 268_650
TESTS = {
    "output_shape": "import torch\nassert SimpleCNN()(torch.randn(8, 3, 32, 32)).shape == (8, 10)",
    "gradient_flow": "model = SimpleCNN()\nmodel(torch.randn(4, 3, 32, 32)).sum().backward()\n"
                     "assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters())",
    "parameter_count": f"assert sum(p.numel() for p in SimpleCNN().parameters()) == {PARAMETERS}",
}
"""nbgrader's autograded test cells, one point each."""


def _release_notebook() -> nbformat.NotebookNode:
    """The exercise as nbgrader's source notebook: the reference's blocks, then the locked test cells."""
    source = (REPO / "reference" / "cifar_simplecnn" / "solution.py").read_text()
    cells = [nbformat.v4.new_code_cell(block.strip()) for block in source.split("\n\n\n") if block.strip()]
    for name, test in TESTS.items():
        cell = nbformat.v4.new_code_cell(test)
        cell.metadata["nbgrader"] = {"grade": True, "grade_id": name, "locked": True, "points": 1,
                                     "schema_version": 3, "solution": False, "task": False}
        cells.append(cell)
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return notebook


def _hand_ins(release: nbformat.NotebookNode, count: int, into: Path) -> list[str]:
    """N students' hand-ins, as into/py/<id>.py and into/ipynb/<id>.ipynb; their ids."""
    (into / "py").mkdir(parents=True)
    (into / "ipynb").mkdir()
    students = [f"student{i:03d}" for i in range(count)]
    for i, student in enumerate(students):
        notebook = nbformat.reads(nbformat.writes(release), as_version=4)
        notebook.cells[0].source = f"# submission {i}\n{notebook.cells[0].source}"
        nbformat.write(notebook, into / "ipynb" / f"{student}.ipynb")
        (into / "py" / f"{student}.py").write_text("\n\n\n".join(cell.source for cell in notebook.cells) + "\n")
    return students


def _batch(source: Path, out: Path, jobs: int, kernel: str) -> tuple[float, float]:
    """Seconds per hand-in of one `grader batch` (its wall time over N) and the median of one hand-in's own grading
    time (the store's `seconds`: its child's wall time less the time it waited for a CPU, without the batch's
    start-up and publishing); fails unless every hand-in got every check's points."""
    env = {**os.environ, "GRADER_NOTEBOOK_KERNEL": kernel}
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "grader", "batch", "cifar_simplecnn", str(source), "--out", str(out),
                           "--only", CHECKS, "--device", "cpu", "--jobs", str(jobs)],
                          capture_output=True, text=True, cwd=REPO, env=env)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"grader batch failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    with sqlite3.connect(out / "grades.sqlite") as db:
        rows = db.execute("SELECT result, seconds FROM results").fetchall()
    results = [json.loads(text) for text, _ in rows]
    count = len(list(source.iterdir()))
    wrong = [r["submission"] for r in results if any(c["status"] != "passed" for c in r["checks"])]
    if len(results) != count or wrong:
        raise SystemExit(f"{source.name} ({kernel}): {len(results)} of {count} graded, not full marks: {wrong}")
    return wall / count, statistics.median(seconds for _, seconds in rows)


def _nbgrader_python(venv: Path) -> Path | None:
    """The venv's python with nbgrader installed (installing it the first time, from the configured index; torch
    and the rest come from the grader's own environment through a .pth file); None when it cannot be installed."""
    python = venv / "bin" / "python"
    if not (venv / "bin" / "nbgrader").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        site = subprocess.check_output([str(python), "-c", "import site; print(site.getsitepackages()[0])"], text=True)
        ours = next(p for p in sys.path if p.endswith("site-packages"))
        Path(site.strip(), "cnn_grader_env.pth").write_text(ours + "\n")
        install = subprocess.run([str(python), "-m", "pip", "install", "-q", "nbgrader"],
                                 capture_output=True, text=True)
        if install.returncode != 0:
            print(f"nbgrader could not be installed in {venv}: {install.stderr.strip()[-500:]}")
            return None
    return python


def _nbgrader(python: Path, release: nbformat.NotebookNode, students: list[str], hand_ins: Path, course: Path) -> float:
    """Seconds per notebook of `nbgrader autograde` on the same notebooks; fails unless each scored full marks."""
    nbgrader = [str(python), "-m", "nbgrader"]
    (course / "source" / "ps1").mkdir(parents=True)
    nbformat.write(release, course / "source" / "ps1" / "exercise.ipynb")
    (course / "nbgrader_config.py").write_text(f"c = get_config()\nc.CourseDirectory.root = {str(course)!r}\n")
    env = {**os.environ, "PATH": f"{python.parent}{os.pathsep}{os.environ['PATH']}"}  # it runs `alembic`
    run = dict(cwd=course, capture_output=True, text=True, check=True, env=env)
    subprocess.run([*nbgrader, "generate_assignment", "ps1", "--force"], **run)
    for student in students:
        folder = course / "submitted" / student / "ps1"
        folder.mkdir(parents=True)
        (folder / "exercise.ipynb").write_bytes((hand_ins / f"{student}.ipynb").read_bytes())
    start = time.perf_counter()
    subprocess.run([*nbgrader, "autograde", "ps1", "--create", "--force"], **run)
    wall = time.perf_counter() - start
    subprocess.run([*nbgrader, "export", "--to", str(course / "grades.csv")], **run)
    scores = [line.split(",") for line in (course / "grades.csv").read_text().splitlines()]
    column = scores[0].index("raw_score")
    wrong = [row for row in scores[1:] if float(row[column]) != len(TESTS)]
    if len(scores) - 1 != len(students) or wrong:
        raise SystemExit(f"nbgrader: {len(scores) - 1} of {len(students)} graded, not full marks: {wrong[:3]}")
    return wall / len(students)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=1, help="rounds of the three batches (medians are printed)")
    parser.add_argument("--nbgrader-venv", type=Path, default=Path(tempfile.gettempdir()) / "cnn-grader-nbgrader")
    parser.add_argument("--no-nbgrader", action="store_true")
    args = parser.parse_args()
    release = _release_notebook()
    times: dict[str, list[float]] = {"py": [], "ipynb launched": [], "ipynb forked": []}
    own: dict[str, list[float]] = {name: [] for name in times}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        students = _hand_ins(release, args.submissions, work)
        for round_ in range(args.repeats):  # interleaved, so that the machine's load hits all three alike
            for name, folder, kernel in (("py", "py", "fork"), ("ipynb launched", "ipynb", "launch"),
                                         ("ipynb forked", "ipynb", "fork")):
                out = work / f"out-{round_}-{name.replace(' ', '-')}"
                per_hand_in, hand_in_own = _batch(work / folder, out, args.jobs, kernel)
                times[name].append(per_hand_in)
                own[name].append(hand_in_own)
        median = {name: statistics.median(values) for name, values in times.items()}
        own_median = {name: statistics.median(values) for name, values in own.items()}
        python = None if args.no_nbgrader else _nbgrader_python(args.nbgrader_venv)
        nbgrader = _nbgrader(python, release, students, work / "ipynb", work / "course") if python else None
    print(f"{args.submissions} hand-ins, `grader batch --jobs {args.jobs}`, checks {CHECKS}, {args.repeats} round(s), "
          f"{os.cpu_count()} cores")
    print("batch wall time per hand-in (start-up and publishing included), then a hand-in's own grading time:")
    for name, value in median.items():
        print(f"{name:15} {value:.2f} s per hand-in ({', '.join(f'{t:.2f}' for t in times[name])}); "
              f"own {own_median[name]:.2f} s ({', '.join(f'{t:.2f}' for t in own[name])})")
    print(f"notebook / .py: launched {median['ipynb launched'] / median['py']:.2f}, "
          f"forked {median['ipynb forked'] / median['py']:.2f} (target <= 1.3); a hand-in's own time: launched "
          f"{own_median['ipynb launched'] / own_median['py']:.2f}, forked {own_median['ipynb forked'] / own_median['py']:.2f}")
    if nbgrader is None:
        print("nbgrader: not measured (skipped, or it could not be installed)")
    else:
        print(f"nbgrader autograde {nbgrader:.2f} s per notebook; nbgrader / forked notebook "
              f"{nbgrader / median['ipynb forked']:.2f} (target >= 3)")

if __name__ == "__main__":
    main()
