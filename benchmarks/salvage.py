"""What salvaging costs and what it gives back, on the real-world corpus (tests/submissions/real_world/).

Grades every assignment's real-world hand-ins twice with `grader batch` (the real CLI, the real sandbox,
fork servers, the non-training checks): once as shipped, and once with `salvage = false` in a copy of the
spec (the baseline: a file whose top-level code fails is a load error, a notebook stops at its failing
cell). Prints, per hand-in, how it ran, the points and the child's charged seconds both ways, and the
time the salvage itself took; then the median time of the salvage path, the median extra time of grading
a salvaged hand-in (the salvage plus the checks it lets run), the points recovered, and how many of the
correct models (MANIFEST.json) reach full marks either way.

    python benchmarks/salvage.py [--jobs 2]
"""
from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "tests" / "submissions" / "real_world"
sys.path.insert(0, str(REPO))

from grader.probes import PROBES  # noqa: E402
from grader.spec import load_spec  # noqa: E402


def _batch(spec: Path, assignment: str, out: Path, jobs: int) -> dict[str, dict]:
    """submission file name → stored result of one batch run."""
    checks = ",".join(c.id for c in load_spec(spec).checks if not PROBES[c.probe].trains)
    proc = subprocess.run([sys.executable, "-m", "grader", "batch", str(spec), str(CORPUS / assignment), "--out", str(out),
                           "--jobs", str(jobs), "--only", checks, "--device", "cpu"], capture_output=True, text=True,
                          cwd=REPO)
    if proc.returncode != 0:
        raise SystemExit(f"grader batch failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    with sqlite3.connect(out / "grades.sqlite") as db:
        results = [json.loads(text) for (text,) in db.execute("SELECT result FROM results")]
    return {Path(r["submission"]).name: r for r in results}


def _score(result: dict) -> tuple[float, float]:
    checks = [c for c in result["checks"] if c["status"] != "skipped"]
    return sum(c["points"] for c in checks), sum(c["max_points"] for c in checks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    manifest = {e["file"]: e for e in json.loads((CORPUS / "MANIFEST.json").read_text())}
    rows = []
    with tempfile.TemporaryDirectory(prefix="cnn-grader-bench-") as tmp:
        for assignment in sorted(p.name for p in CORPUS.iterdir() if p.is_dir()):
            spec = REPO / "assignments" / assignment / "assignment.toml"
            off = Path(tmp) / "off" / assignment / "assignment.toml"
            off.parent.mkdir(parents=True)
            off.write_text(spec.read_text().replace("schema_version = 1\n", "schema_version = 1\nsalvage = false\n", 1))
            on_results = _batch(spec, assignment, Path(tmp) / "on" / assignment, args.jobs)
            off_results = _batch(off, assignment, Path(tmp) / "out-off" / assignment, args.jobs)
            for name, on in sorted(on_results.items()):
                rows.append((f"{assignment}/{name}", on, off_results[name]))
    print(f"{'hand-in':66} {'how it ran':18} {'points on':>9} {'off':>5} {'s on':>6} {'s off':>6} {'salvage s':>9}")
    added, salvaging, correct_on, correct_off, correct = [], [], 0, 0, 0
    gained = 0.0
    for name, on, off in rows:
        (points_on, top), (points_off, _) = _score(on), _score(off)
        ran = on["ran"]["status"]
        took = on["ran"].get("salvage_seconds", 0.0)
        print(f"{name:66} {ran:18} {points_on:>9g} {points_off:>5g} {on['seconds']:>6.1f} {off['seconds']:>6.1f} {took:>9.3f}")
        gained += points_on - points_off
        if ran == "salvaged":
            added.append(on["seconds"] - off["seconds"])
            salvaging.append(took)
        if manifest[name]["model"] == "correct":
            correct += 1
            correct_on += points_on == top
            correct_off += points_off == top
    print(f"\n{len(rows)} hand-ins, {len(added)} salvaged; points recovered: {gained:g}")
    print(f"correct models at full marks: {correct_on}/{correct} with salvage, {correct_off}/{correct} without")
    if added:
        print(f"the salvage itself: median {statistics.median(salvaging):.3f} s (max {max(salvaging):.2f} s)")
        print(f"extra time grading a salvaged hand-in (salvage + the checks it lets run): median "
              f"{statistics.median(added):+.2f} s (min {min(added):+.2f}, max {max(added):+.2f})")


if __name__ == "__main__":
    main()
