"""Shared helpers: run the real `grader` CLI in a subprocess and read what it wrote."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from pool import POOL

from grader.execute.sandbox import NOBODY, WORKER_UID_BASE
from grader.processes import become_subreaper, process_tree
from grader.results import Kind
from grader.probes import PROBES
from grader.spec import load_spec
from grader.spec.catalog import spec_kind

REPO = Path(__file__).resolve().parents[1]
SUBMISSIONS = REPO / "tests" / "submissions"


NO_DATA = "no dataset root: set GRADER_DATA or provide ../shared/datasets"


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
        """Check id → status, the skipped checks included (results.json lists them apart from its tests)."""
        skipped = self.results["extra_data"].get("skipped", {})
        return {**{t["extra_data"]["check_id"]: t["extra_data"]["status"] for t in self.results["tests"]},
                **dict.fromkeys(skipped, "skipped")}


def run_cli(*args: str, timeout: float = 600, cwd: Path = REPO) -> subprocess.CompletedProcess:
    env = {**os.environ}
    if data_root():
        env["GRADER_DATA"] = str(data_root())
    return subprocess.run([sys.executable, "-m", "grader", *args], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=cwd)


def _skip_unless_data_for(assignment: str, extra: tuple[str, ...]) -> None:
    """Skip, saying why, when one of the checks graded (all, or those of `--only`) needs a dataset and none is here
    (a grader without its data stops with DataNotFoundError, which is not what these tests are about)."""
    if data_root() is not None:
        return
    spec = REPO / "assignments" / assignment / "assignment.toml"
    only = set(extra[extra.index("--only") + 1].split(",")) if "--only" in extra else None
    if not spec.is_file():
        return
    wanting = [c.id for c in load_spec(spec).checks if PROBES[c.probe].needs_data and (only is None or c.id in only)]
    if wanting:
        pytest.skip(f"{NO_DATA} (checks of {assignment} that need one: {', '.join(wanting)})")


def grade(assignment: str, submission: Path, out: Path, *extra: str) -> Graded:
    """What `grader grade ASSIGNMENT SUBMISSION --out OUT EXTRA` writes, graded by the session's fork-server pool
    (tests/pool.py: the same grading, without a new interpreter per hand-in). Skips the test when its checks need a
    dataset and there is none."""
    _skip_unless_data_for(assignment, extra)
    results, html = POOL.grade(assignment, submission, out, *extra, data_root=data_root())
    return Graded(0, "", "", results, html)


def grade_cli(assignment: str, submission: Path, out: Path, *extra: str) -> Graded:
    """`grader grade` itself, in a new process (for what only the command line does: its output, exit code). Skips the
    test when its checks need a dataset and there is none."""
    _skip_unless_data_for(assignment, extra)
    proc = run_cli("grade", assignment, str(submission), "--out", str(out), *extra)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return Graded(proc.returncode, proc.stdout, proc.stderr, json.loads((out / "results.json").read_text()),
                  (out / "report.html").read_text())


def pytest_configure(config: pytest.Config) -> None:
    """This test process (each of `pytest -n`'s workers) adopts the orphans of the graders it starts, so that a
    process a hand-in left behind is still found among its descendants (nobody_processes)."""
    become_subreaper()


def pytest_sessionfinish(session: pytest.Session) -> None:
    POOL.close()


CODE_ASSIGNMENTS = sorted(p.parent.name for p in (REPO / "assignments").glob("*/assignment.toml")
                          if spec_kind(p) is Kind.CODE)
"""Every assignment graded by running code (the written ones are graded by hand)."""


def _process(pid: str) -> tuple[int, str, str] | None:
    """(uid, PID namespace, command line) of a process, or None when it is gone."""
    try:
        uid = os.stat(f"/proc/{pid}").st_uid
        namespace = os.readlink(f"/proc/{pid}/ns/pid")
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return None
    return uid, namespace, command


def nobody_processes() -> list[str]:
    """Processes of sandboxed children that this test process started (its descendants: it adopts orphans, see
    pytest_configure; other test workers and checkouts may be grading too) from this checkout's Python: as root,
    those of user nobody or of a batch worker's user; otherwise those of this user in another PID namespace, where
    bubblewrap puts them; not the idle servers of the session's pool (tests/pool.py). Skips the test, with why,
    where neither can be told."""
    root = os.geteuid() == 0
    if not root and not shutil.which("bwrap"):
        pytest.skip("cannot tell a sandboxed child's processes from the tests' own: not root, and no bubblewrap "
                    "(whose PID namespaces would set them apart)")
    ours = os.readlink("/proc/self/ns/pid")
    found = []
    for pid in map(str, process_tree(os.getpid())[1:]):
        seen = _process(pid)
        if seen is None or sys.executable not in seen[2]:
            continue
        uid, namespace, command = seen
        sandboxed = uid == NOBODY or uid >= WORKER_UID_BASE if root else uid == os.geteuid() and namespace != ours
        if sandboxed and int(pid) not in POOL.idle_pids():  # the session pool's idle servers are not leaks
            found.append(f"{uid} {pid} {command[:200]}")
    return found


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
        pytest.skip(NO_DATA)
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

