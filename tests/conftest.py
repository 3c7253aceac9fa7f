"""Shared helpers: run the real `grader` CLI in a subprocess and read what it wrote."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from grader.execute.sandbox import NOBODY, WORKER_UID_BASE
from grader.written import is_written

REPO = Path(__file__).resolve().parents[1]
SUBMISSIONS = REPO / "tests" / "submissions"


def data_root() -> Path | None:
    root = os.environ.get("GRADER_DATA") or str(REPO.parent / "shared" / "datasets")
    return Path(root) if Path(root).is_dir() else None


@dataclass
class Graded:
    returncode: int
    stdout: str
    stderr: str
    results: dict
    html: str

    def statuses(self) -> dict[str, str]:
        return {t["extra_data"]["check_id"]: t["extra_data"]["status"] for t in self.results["tests"]}


def run_cli(*args: str, timeout: float = 600, cwd: Path = REPO) -> subprocess.CompletedProcess:
    env = {**os.environ}
    if data_root():
        env["GRADER_DATA"] = str(data_root())
    return subprocess.run([sys.executable, "-m", "grader", *args], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=cwd)


def grade(assignment: str, submission: Path, out: Path, *extra: str) -> Graded:
    proc = run_cli("grade", assignment, str(submission), "--out", str(out), *extra)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return Graded(proc.returncode, proc.stdout, proc.stderr, json.loads((out / "results.json").read_text()),
                  (out / "report.html").read_text())


CODE_ASSIGNMENTS = sorted(p.parent.name for p in (REPO / "assignments").glob("*/assignment.toml") if not is_written(p))
"""Every assignment graded by running code (the written ones are graded by hand)."""


def nobody_processes() -> list[str]:
    """Sandboxed processes (user nobody, or a batch worker's user) started from this checkout's Python
    (other checkouts may be grading too)."""
    if os.geteuid() != 0:
        return []
    out = subprocess.run(["ps", "-e", "-o", "uid=,pid=,args="], capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if line.split() and sys.executable in line
            and (int(line.split()[0]) == NOBODY or int(line.split()[0]) >= WORKER_UID_BASE)]


def spec_copy(into: Path, assignment: str, *top_level: str, append: str = "") -> Path:
    """A copy of an assignment's spec (in `into/<assignment>/`) with extra top-level lines, e.g. 'salvage = false',
    and `append` (e.g. one more [[check]]) at the end."""
    folder = into / assignment
    folder.mkdir(parents=True, exist_ok=True)
    text = (REPO / "assignments" / assignment / "assignment.toml").read_text()
    (folder / "assignment.toml").write_text(text.replace("schema_version = 1\n", "schema_version = 1\n" + "".join(
        line + "\n" for line in top_level), 1) + append)
    return folder


@pytest.fixture(scope="session")
def needs_data() -> Path:
    root = data_root()
    if root is None:
        pytest.skip("no dataset root: set GRADER_DATA or provide ../shared/datasets")
    return root


def grade_class(assignment: str, folder: Path, out: Path, *extra: str) -> dict[str, dict[str, dict]]:
    """`grader batch` over `folder` (2 jobs); file stem → check id → the check's result, read from the store."""
    import sqlite3

    proc = run_cli("batch", assignment, str(folder), "--out", str(out), "--jobs", "2", *extra, timeout=1200)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    with sqlite3.connect(f"file:{out / 'grades.sqlite'}?mode=ro", uri=True) as db:
        results = [json.loads(text) for (text,) in db.execute("SELECT result FROM results")]
    return {Path(r["submission"]).stem: {c["check_id"]: c for c in r["checks"]} for r in results}


def assert_corpus(graded: dict[str, dict[str, dict]], statuses: dict[str, list[str]], order: list[str],
                  messages: dict[str, dict[str, list[str]]]) -> None:
    """Every file graded, each check with its expected status, each message holding its words (found + hint)."""
    assert set(graded) == set(statuses)
    for name, expected in statuses.items():
        assert [graded[name][c]["status"] for c in order] == expected, (name, {c: graded[name][c]["found"]
                                                                               for c in order})
        for check, words in messages.get(name, {}).items():
            text = graded[name][check]["found"] + " " + graded[name][check]["hint"]
            for word in words:
                assert word in text, (name, check, word, text)

