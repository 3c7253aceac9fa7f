"""benchmarks/gpu.py's `class` part: N distinct cifar_simplecnn hand-ins (correct, wrong, hostile, a GPU-memory
hog, a GPU spinner) graded by the real `grader batch` with every check plus a hidden `full`-protocol check, in
the strong sandbox, once per job count: wall time, hand-ins per minute, the extrapolation to 300, and
whether every correct hand-in kept every point."""
from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SUBMISSIONS = REPO / "tests" / "submissions"
FULL_CHECK = """
[[check]]
id = "test_accuracy_full"
probe = "test_accuracy"
protocol = "full"
min_fraction_of_reference = 0.9
floor_fraction_of_reference = 0.5
timeout = { cpu = 900, cuda = 90 }
points = 2
hidden = true
"""


def _class_folder(into: Path, count: int) -> dict[str, str]:
    """`count` distinct cifar_simplecnn hand-ins; file name → kind (correct, wrong, corpus, real_world,
    gpu_hostile). The GPU cases and the examples come first, then the test corpora interleaved with
    variants of the reference (correct ones with their own comment, wrong ones with a changed layer)."""
    examples = REPO / "assignments" / "cifar_simplecnn" / "examples"
    first = [("memory_hog.py", SUBMISSIONS / "gpu" / "memory_hog.py", "gpu_hostile"),
             ("gpu_spin.py", SUBMISSIONS / "gpu" / "gpu_spin.py", "gpu_hostile"),
             ("item_in_forward.py", SUBMISSIONS / "gpu" / "item_in_forward.py", "correct"),
             ("good.py", examples / "good.py", "correct"), ("buggy.py", examples / "buggy.py", "wrong")]
    correct = {"correct_attributes", "correct_sequential", "main_guard_done_right", "functional", "modules"}
    corpus = [(p.name, p, "correct" if p.stem in correct else kind)
              for folder, kind in (("cifar_simplecnn", "corpus"), ("real_world/cifar_simplecnn", "real_world"),
                                   ("styles/cifar_simplecnn", "correct"))
              for p in sorted((SUBMISSIONS / folder).glob("*.py"))]
    reference = (REPO / "reference" / "cifar_simplecnn" / "solution.py").read_text()
    wrong = [("128, 10", "128, 5"), ("nn.Linear(32 * 8 * 8, 128)", "nn.Linear(32 * 8 * 8, 64)"),
             ("nn.Conv2d(16, 32, kernel_size=3, padding=1)", "nn.Conv2d(16, 32, kernel_size=5, padding=2)")]
    if missing := [old for old, _ in wrong if old not in reference]:
        raise RuntimeError(f"the reference no longer has {missing}: the wrong variants would be correct ones")
    variants = [(f"student_correct_{n}.py", f"# hand-in {n}\n" + reference, "correct") if n % 2 == 0 else
                (f"student_wrong_{n}.py", f"# hand-in {n}\n" + reference.replace(*wrong[n % 3]), "wrong")
                for n in range(count)]
    mixed = [item for pair in zip(corpus, variants) for item in pair] + variants[len(corpus):]
    kinds: dict[str, str] = {}
    for name, source, kind in [*first, *mixed][:count]:
        filename = f"{len(kinds):03d}_{name}"
        (into / filename).write_text(source.read_text() if isinstance(source, Path) else source)
        kinds[filename] = kind
    return kinds


def classes(device: str, small: bool, jobs: list[int], size: int, out: Path, references: Path,
            seconds: float) -> dict[str, Any]:
    """The class once per job count, each run given an even part of the time left."""
    figures, start = {}, time.monotonic()
    for n, count in enumerate(jobs):
        left = seconds - (time.monotonic() - start)
        figures[f"jobs_{count}"] = class_run(device, small, count, size, out, references, left / (len(jobs) - n))
    return figures


def class_run(device: str, small: bool, jobs: int, size: int, out: Path, references: Path,
              seconds: float) -> dict[str, Any]:
    """Grade the class; stopped after `seconds` (the run's deadline), it reports what was graded by then
    (the store commits every result), so a cut-off run still gives a throughput."""
    work = Path(tempfile.mkdtemp(prefix="gpu-class-"))
    folder, assignments = work / "class", work / "assignments"
    folder.mkdir()
    kinds = _class_folder(folder, size)
    shutil.copytree(REPO / "assignments", assignments)
    spec = assignments / "cifar_simplecnn" / "assignment.toml"
    only = []
    if small:  # no training on the CPU dry run: the static checks exercise the same path
        only = ["--only", "output_shape,architecture,layer_shapes,gradient_flow,reference_gradients"]
    else:
        spec.write_text(spec.read_text() + FULL_CHECK)
    graded = work / "out"
    start = time.perf_counter()
    command = [sys.executable, "-m", "grader", "batch", "cifar_simplecnn", str(folder), "--out", str(graded),
               "--jobs", str(jobs), "--device", device, "--isolation", "strong", *only]
    env = {**os.environ, "GRADER_ASSIGNMENTS": str(assignments), "GRADER_REFERENCE": str(references)}
    proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        _, stderr = proc.communicate(timeout=seconds)
        complete = True
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        _, stderr = proc.communicate()
        complete = False
    wall = time.perf_counter() - start
    if complete and proc.returncode != 0:
        raise RuntimeError(f"grader batch exited {proc.returncode}: {stderr[-2000:]}")
    rows = []
    if (graded / "grades.sqlite").is_file():
        with sqlite3.connect(f"file:{graded / 'grades.sqlite'}?mode=ro", uri=True) as db:
            rows = db.execute("SELECT result, score, max_score, seconds FROM results").fetchall()
    per_submission = {}
    for text, score, top, seconds in rows:
        result = json.loads(text)
        per_submission[result["submission"]] = {
            "kind": next((k for name, k in kinds.items() if result["submission"].startswith(name[:-3])), "?"),
            "score": score, "max": top, "seconds": seconds,
            "not_passed": {c["check_id"]: f"{c['status']}: {c['found'][:160]}" for c in result["checks"]
                           if c["status"] != "passed"},
            "device": result["device"]}
    correct = [s for s in per_submission.values() if s["kind"] == "correct"]
    lost = {name: s["not_passed"] for name, s in per_submission.items()
            if s["kind"] == "correct" and s["score"] < s["max"]}
    engines = [c["found"] for text, *_ in rows for c in json.loads(text)["checks"]
               if c["check_id"] == "test_accuracy_full"]
    if complete:
        shutil.copy(graded / "gradebook.csv", out / f"gpu-class-gradebook-jobs-{jobs}.csv")
    return {"submissions": len(kinds), "graded": len(per_submission), "complete": complete, "jobs": jobs,
            "wall_seconds": round(wall, 1),
            "per_minute": round(len(per_submission) / wall * 60, 1),
            "extrapolated_300_minutes": round(300 * wall / max(len(per_submission), 1) / 60, 1),
            "target_300_at_most_minutes": 10, "correct_handins": len(correct),
            "correct_handins_losing_points": lost,
            "graph_engine_count": sum("CUDA graph" in e for e in engines),
            "eager_engine_count": sum("eager steps" in e for e in engines),
            "by_kind": {k: sorted((name, s["score"], s["max"]) for name, s in per_submission.items() if s["kind"] == k)
                        for k in sorted(set(kinds.values()))},
            "not_passed": {name: s["not_passed"] for name, s in per_submission.items()
                           if s["kind"] in ("gpu_hostile", "correct") and s["not_passed"]},
            "device_label": next(iter(per_submission.values()))["device"] if per_submission else ""}
