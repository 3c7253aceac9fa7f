"""Throughput of `grader batch` with fork servers vs a new Python process per submission.

Builds a class of N distinct submissions from the test corpus (correct, wrong and crashing ones, each
with its own comment so that none is deduplicated), grades it with the non-training checks twice
through the real CLI, both with `--jobs J` in the real sandbox: once as shipped (one fork server per
worker) and once with `--no-fork-server` (a new interpreter importing torch for every submission,
the baseline). Prints submissions per minute and the median per-submission overhead (a child's
wall time minus the time its checks took) for each, and the ratios. Both runs must grade every
submission alike, or the benchmark says so and fails.

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


def _run(source: Path, out: Path, jobs: int, *extra: str) -> tuple[float, dict[str, float], list[float]]:
    """Wall seconds, content → (name, check statuses), and per-submission overheads of one batch."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "grader", "batch", "cifar_simplecnn", str(source), "--out", str(out),
                           "--jobs", str(jobs), "--only", CHECKS, "--device", "cpu", *extra],
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
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "class"
        source.mkdir()
        _class(args.submissions, source)
        forked = _run(source, Path(tmp) / "forked", args.jobs)
        fresh = _run(source, Path(tmp) / "fresh", args.jobs, "--no-fork-server")
    differ = [(forked[1][k], fresh[1].get(k)) for k in forked[1] if forked[1][k] != fresh[1].get(k)]
    if differ:
        raise SystemExit("the two runs graded differently, the benchmark is invalid:\n" +
                         "\n".join(f"fork server: {a}\nfresh:       {b}" for a, b in differ))
    print(f"{args.submissions} submissions ({len(KINDS)} kinds from the corpus), checks: {CHECKS}")
    print(f"--jobs {args.jobs} on {os.cpu_count()} CPU cores, strong sandbox where available, device cpu")
    for label, (wall, _, overheads) in (("fork server", forked), ("fresh python per submission", fresh)):
        print(f"{label:>28}: {wall:6.1f} s, {args.submissions / wall * 60:6.1f} submissions/min, "
              f"median overhead {statistics.median(overheads):.2f} s per submission")
    print(f"throughput ratio (fork server / fresh): {fresh[0] / forked[0]:.2f}x; "
          f"overhead ratio (fresh / fork server): {statistics.median(fresh[2]) / statistics.median(forked[2]):.1f}x")


if __name__ == "__main__":
    main()
