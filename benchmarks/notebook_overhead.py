"""Per-submission cost of grading a notebook vs the same code as a .py file.

Grades N copies of the cifar_simplecnn reference solution both ways (non-training checks only,
the real sandbox, interleaved so that machine noise hits both alike) and prints the median
seconds per submission for each, the ratio, and, as a yardstick measured in the same run, a bare
kernel start + `import torch` + shutdown.

    python benchmarks/notebook_overhead.py [--submissions 20]
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import nbformat

from grader import api
from grader.probes import PROBES
from grader.spec import catalog

REPO = Path(__file__).resolve().parents[1]


def _copies(count: int, into: Path) -> list[tuple[Path, Path]]:
    """`count` (py, ipynb) pairs, each a slightly different copy of the reference solution."""
    source = (REPO / "reference" / "cifar_simplecnn" / "solution.py").read_text()
    pairs = []
    for i in range(count):
        text = f"# submission {i}\n{source}"
        py = into / f"student{i:03d}.py"
        py.write_text(text)
        cells = [nbformat.v4.new_code_cell(block.strip()) for block in text.split("\n\n\n") if block.strip()]
        ipynb = into / f"student{i:03d}.ipynb"
        nbformat.write(nbformat.v4.new_notebook(cells=cells), ipynb)
        pairs.append((py, ipynb))
    return pairs


def _bare_kernel_seconds(runtime: Path) -> float:
    """Start a kernel (IPC transport, as the grader does), `import torch`, shut it down."""
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import torch")])
    manager = AsyncKernelManager(kernel_name="python3", transport="ipc", ip=str(runtime / "kernel-ipc"))
    start = time.perf_counter()
    NotebookClient(notebook, km=manager, kernel_name="python3").execute()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=20)
    args = parser.parse_args()
    spec = catalog.find_assignment("cifar_simplecnn")
    only = tuple(c.id for c in spec.checks if not PROBES[c.probe].trains)
    options = api.GradeOptions(device="cpu", only=only)
    times: dict[str, list[float]] = {"py": [], "ipynb": []}
    with tempfile.TemporaryDirectory() as tmp:
        for py, ipynb in _copies(args.submissions, Path(tmp)):
            for kind, path in (("py", py), ("ipynb", ipynb)):
                start = time.perf_counter()
                result = api.grade(spec, path, options=options)
                times[kind].append(time.perf_counter() - start)
                if result.score != result.max_score:
                    raise SystemExit(f"{path.name} scored {result.score}/{result.max_score}: benchmark is invalid")
        py, nb = statistics.median(times["py"]), statistics.median(times["ipynb"])
        bare = statistics.median(_bare_kernel_seconds(Path(tmp)) for _ in range(5))
    print(f"submissions: {args.submissions} of each kind, checks: {', '.join(only)}")
    print(f"isolation: {result.isolation.split(':')[0]}")
    print(f".py    median {py:.2f} s per submission (min {min(times['py']):.2f}, max {max(times['py']):.2f})")
    print(f".ipynb median {nb:.2f} s per submission (min {min(times['ipynb']):.2f}, max {max(times['ipynb']):.2f})")
    print(f"notebook / .py ratio: {nb / py:.2f}; notebook overhead {nb - py:+.2f} s per submission")
    print(f"yardstick: bare kernel start + import torch + shutdown, median of 5: {bare:.2f} s")


if __name__ == "__main__":
    main()
