"""Where grading runs changes nothing of the results: one class graded by one-off children, the
fork-server pool, a Dask LocalCluster (`--cluster local:2`) and a real single-node Slurm
(`--cluster slurm`, dask-jobqueue) gives the same statuses, points and messages for every hand-in.
A Dask worker killed mid-submission loses and duplicates nothing."""
from __future__ import annotations

import csv
import json
import os
import re
import shutil
import signal
import sqlite3
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import SUBMISSIONS, nobody_processes, run_cli
from slurm_cluster import slurm  # noqa: F401 - the fixture

from grader import api
from grader.classroom.batch import BatchOptions, run_batch
from grader.execute.cluster import DaskCluster
from grader.spec import catalog

STATIC = "output_shape,architecture,layer_shapes,gradient_flow,reference_gradients"
CORPUS = SUBMISSIONS / "cifar_simplecnn"
SMALL_CLASS = {"alice.py": CORPUS / "correct_attributes.py", "bob.py": CORPUS / "wrong_in_channels.py",
               "carol.py": CORPUS / "reads_secrets.py", "dave.py": CORPUS / "syntax_error.py",
               "erin.py": CORPUS / "monkeypatch_torch.py", "frank.ipynb": SUBMISSIONS / "notebooks" / "correct.ipynb"}


def _class(folder: Path, files: dict[str, Path]) -> Path:
    folder.mkdir(parents=True)
    for name, source in files.items():
        shutil.copy(source, folder / name)
    return folder


def slurm_config(tmp: Path, partition: str) -> Path:
    """A jobqueue config for the test Slurm, as a course would write one (README: Grading on a cluster)."""
    config = tmp / "slurm.yaml"
    config.write_text(f"""jobqueue:
  slurm:
    cores: 1
    processes: 1
    memory: 4GB
    queue: {partition}
    walltime: "00:30:00"
    interface: lo
    local-directory: {tmp / 'dask-scratch'}
    log-directory: {tmp / 'dask-logs'}
    scheduler-options:
      dashboard_address: ":0"
""")
    return config


def graded(out: Path) -> dict[str, list[tuple]]:
    """student → what the student's results.json and the gradebook say of each check, times left out
    (a timeout's message quotes the seconds it ran)."""
    results = {}
    for path in sorted((out / "students").glob("*/results.json")):
        data = json.loads(path.read_text())
        tests = [(t["name"], t["score"], t["status"], _untimed(t["output"]) if "timeout" in t["extra_data"]["status"]
                  else t["output"]) for t in data["tests"]]
        extra = {k: v for k, v in data["extra_data"].items() if k not in ("seconds",)}
        results[path.parent.name] = [*tests, ("score", data["score"]), ("extra", json.dumps(extra, sort_keys=True))]
    with open(out / "gradebook.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            results.setdefault(row["student_id"], []).append(tuple(v for k, v in row.items() if k != "seconds"))
    return results


def _untimed(text: str) -> str:
    return re.sub(r"\d+(\.\d+)?", "N", text)


def _batch(folder: Path, out: Path, *extra: str) -> dict[str, list[tuple]]:
    proc = run_cli("batch", "cifar_simplecnn", str(folder), "--out", str(out), "--only", STATIC, *extra, timeout=900)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return graded(out)


@pytest.mark.slow
def test_the_same_class_grades_the_same_on_the_pool_a_local_cluster_and_slurm(
        tmp_path: Path, needs_data: Path, slurm: dict) -> None:  # noqa: F811
    folder = _class(tmp_path / "class", SMALL_CLASS)
    pool = _batch(folder, tmp_path / "pool", "--jobs", "2")
    local = _batch(folder, tmp_path / "local", "--cluster", "local:2")
    on_slurm = _batch(folder, tmp_path / "slurm", "--cluster", "slurm", "--jobs", "2",
                      "--cluster-config", str(slurm_config(tmp_path, slurm["partition"])))
    assert set(pool) == {"alice", "bob", "carol", "dave", "erin", "frank"}
    for student in pool:
        assert local[student] == pool[student], student
        assert on_slurm[student] == pool[student], student
    assert pool["alice"][5] == ("score", 8.0) and pool["bob"][5][1] < 8.0
    assert not nobody_processes()


@pytest.mark.slow
def test_the_hostile_corpus_grades_the_same_with_every_executor(tmp_path: Path, needs_data: Path,
                                                                 slurm: dict) -> None:  # noqa: F811
    files = {f"{p.stem}.py": p for p in sorted(CORPUS.glob("*.py")) if p.stem != "slow_training"}
    folder = _class(tmp_path / "class", files)
    pool = _batch(folder, tmp_path / "pool", "--jobs", "2")
    runs = {"one-off": _batch(folder, tmp_path / "fresh", "--jobs", "2", "--no-fork-server"),
            "local:2": _batch(folder, tmp_path / "local", "--cluster", "local:2"),
            "slurm": _batch(folder, tmp_path / "slurm", "--cluster", "slurm", "--jobs", "2",
                            "--cluster-config", str(slurm_config(tmp_path, slurm["partition"])))}
    assert len(pool) == len(files)
    for name, run in runs.items():
        differ = [s for s in pool if run.get(s) != pool[s] and s != "fork_bomb"]  # fork_bomb: see test_batch
        assert not differ, f"{name} differs from the pool for {differ}"
    assert not nobody_processes()


SLOW_IMPORT = "import time\ntime.sleep(6)  # a slow top-level: long enough to kill its worker meanwhile\n"


def _stored(out: Path) -> list[str]:
    with sqlite3.connect(f"file:{out / 'grades.sqlite'}?mode=ro", uri=True) as db:
        return [row[0] for row in db.execute("SELECT content_hash FROM results")]


def _kill_the_worker_grading(pool: DaskCluster, deadline: float, spare: int = 0) -> int:
    """SIGKILL the Dask worker process (not `spare`, a pid killed before) that is grading a hand-in now; its pid."""
    while time.monotonic() < deadline:
        busy = [worker for worker, keys in pool.client.processing().items() if keys]
        pid = pool.client.run(os.getpid, workers=busy[:1], on_error="return").get(busy[0]) if busy else None
        if isinstance(pid, int) and pid != spare:
            time.sleep(1.0)  # let the task reach its sandbox
            os.kill(pid, signal.SIGKILL)
            return pid
        time.sleep(0.1)
    raise AssertionError("no worker took the hand-in")


@pytest.mark.slow
def test_a_killed_dask_worker_loses_and_duplicates_nothing(tmp_path: Path, needs_data: Path) -> None:
    folder = _class(tmp_path / "class", {"alice.py": CORPUS / "correct_attributes.py"})
    (folder / "slow.py").write_text(SLOW_IMPORT + (CORPUS / "correct_sequential.py").read_text())
    spec = catalog.find_assignment("cifar_simplecnn")
    options = BatchOptions(grade=api.GradeOptions(only=("output_shape", "architecture"), data_root=needs_data))
    out = tmp_path / "out"
    with DaskCluster("local:2", isolation="strong", workers=2) as pool:
        def batch() -> None:
            runs.append(run_batch(spec, folder, out, replace(options, jobs=pool.slots), executors=pool.executor,
                                  on_result=lambda handin, result: reported.append(handin.student.id)))

        # once: the hand-in is graded again on a worker that lives
        runs: list = []
        reported: list[str] = []
        thread = threading.Thread(target=batch)
        thread.start()
        _kill_the_worker_grading(pool, time.monotonic() + 60)
        thread.join(timeout=300)
        first = runs[0]
        assert first.complete and first.graded == 2
        assert sorted(e.result.score for e in first.result.entries) == [4.0, 4.0]
        assert len(_stored(out)) == 2 and sorted(reported) == ["alice", "slow"]  # each graded once

        # twice: the grader gives up on it (pending, exit 1 in the CLI), and the next run grades it
        (folder / "slow.py").write_text(SLOW_IMPORT + "# changed\n" + (CORPUS / "correct_sequential.py").read_text())
        runs.clear()
        reported.clear()
        thread = threading.Thread(target=batch)
        thread.start()
        killed = _kill_the_worker_grading(pool, time.monotonic() + 60)
        _kill_the_worker_grading(pool, time.monotonic() + 60, spare=killed)
        thread.join(timeout=300)
        second = runs[0]
        assert second.failed == 1 and second.graded == 0
        pending = next(e for e in second.result.entries if e.student.id == "slow")
        assert pending.status.value == "pending" and "died twice" in pending.message
        assert reported == ["slow"]
        runs.clear()
        reported.clear()
        batch()
    assert runs[0].complete and runs[0].graded == 1 and runs[0].stored == 1 and reported == ["slow"]
    assert len(_stored(out)) == 3
    assert not nobody_processes()
