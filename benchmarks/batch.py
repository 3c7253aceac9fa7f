"""Throughput of `grader batch` on each executor: the local pool of fork servers, a Dask LocalCluster
(`--cluster local:J`), and a new Python process per submission.

Builds a class of N distinct submissions from the test corpus (correct, wrong and crashing ones, each
with its own comment so that none is deduplicated), grades it with the non-training checks three
times through the real CLI, J at a time in the real sandbox: as shipped (one fork server per
worker), on a Dask LocalCluster of J workers (each with its fork server; the cluster's start is
counted), and with `--no-fork-server` (a new interpreter importing torch for every submission,
the baseline). Prints submissions per minute and the median per-submission overhead (a child's
charged time minus the time its checks took; for Dask, plus its wall time over the pool's per
submission) for each, and the ratios (target: Dask within 1.3x of the pool's wall time). Every
run must grade every submission alike, or the benchmark says so and fails.

    python benchmarks/batch.py [--submissions 100] [--jobs 2]
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

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "tests" / "submissions" / "cifar_simplecnn"
KINDS = ["correct_attributes", "correct_sequential", "wrong_num_classes", "wrong_in_channels", "forward_raises",
         "detached_output", "nan_output", "syntax_error", "missing_class", "import_error"]
CHECKS = "output_shape,architecture,layer_shapes,gradient_flow,reference_gradients"


def _class(count: int, into: Path) -> None:
    for i in range(count):
        kind = KINDS[i % len(KINDS)]
        (into / f"student{i:03d}.py").write_text(f"# student {i}: {kind}\n" + (CORPUS / f"{kind}.py").read_text())


def _run(source: Path, out: Path, *extra: str) -> tuple[float, dict[str, float], list[float]]:
    """Wall seconds, content → (name, check statuses), and per-submission overheads of one batch."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "grader", "batch", "cifar_simplecnn", str(source), "--out", str(out),
                           "--only", CHECKS, "--device", "cpu", *extra],
                          capture_output=True, text=True, cwd=REPO)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"grader batch failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    with sqlite3.connect(out / "grades.sqlite") as db:
        rows = db.execute("SELECT content_hash, result FROM results").fetchall()
    scores, overheads = {}, []
    for content, text in rows:
        result = json.loads(text)
        scores[content] = (result["submission"], [(c["check_id"], c["status"], c["found"][:200]) for c in result["checks"]])
        overheads.append(result["seconds"] - sum(c["seconds"] for c in result["checks"]))
    return wall, scores, overheads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    runs = {"fork-server pool": ("--jobs", str(args.jobs)), f"dask local:{args.jobs}": ("--cluster", f"local:{args.jobs}"),
            "fresh python per submission": ("--jobs", str(args.jobs), "--no-fork-server")}
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "class"
        source.mkdir()
        _class(args.submissions, source)
        measured = {label: _run(source, Path(tmp) / f"run{i}", *extra) for i, (label, extra) in enumerate(runs.items())}
    pool = measured["fork-server pool"]
    for label, run in measured.items():
        differ = [(pool[1][k], run[1].get(k)) for k in pool[1] if pool[1][k] != run[1].get(k)]
        if differ:
            raise SystemExit(f"{label} graded differently from the pool, the benchmark is invalid:\n" +
                             "\n".join(f"pool:  {a}\n{label}: {b}" for a, b in differ))
    print(f"{args.submissions} submissions ({len(KINDS)} kinds from the corpus), checks: {CHECKS}")
    print(f"{args.jobs} at a time on {os.cpu_count()} CPU cores, strong sandbox where available, device cpu")
    for label, (wall, _, overheads) in measured.items():
        extra = max(wall - pool[0], 0.0) / args.submissions * args.jobs if label.startswith("dask") else 0.0
        print(f"{label:>28}: {wall:6.1f} s, {args.submissions / wall * 60:6.1f} submissions/min, "
              f"median overhead {statistics.median(overheads) + extra:.2f} s per submission")
    dask, fresh = measured[f"dask local:{args.jobs}"], measured["fresh python per submission"]
    print(f"wall time ratios: dask / pool {dask[0] / pool[0]:.2f}x (target <= 1.3x), fresh / pool {fresh[0] / pool[0]:.2f}x; "
          f"overhead ratio (fresh / pool): {statistics.median(fresh[2]) / statistics.median(pool[2]):.1f}x")


if __name__ == "__main__":
    main()
