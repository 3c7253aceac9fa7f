"""`grader batch` on a real class: a Canvas-named export zipped with hostile entries, a roster, the
whole hostile corpus, notebooks, folders and zips per student; killed with SIGKILL midway and
resumed; re-run with changes. Every assertion reads what the real CLI wrote."""
from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from conftest import REPO, SUBMISSIONS, data_root, nobody_processes, run_cli
from test_grading import CIFAR, ORDER, POINTS

STATIC = ",".join(ORDER)
CORPUS = SUBMISSIONS / "cifar_simplecnn"
CORRECT = ["correct_attributes", "correct_sequential"]
# Canvas user id → (corpus file, expected points); ids 1000.. are sorted like the corpus.
THREAD_DEPENDENT = {"fork_bomb"}
"""Its checks pass with one torch thread per child and error when torch cannot start its thread pool
because the bomb's processes fill the child's process limit; either way it is contained."""


def _points(outcome: str) -> float:
    return sum(POINTS[c] for c, s in zip(ORDER, CIFAR[outcome]) if s == "passed")


def _class(tmp: Path) -> tuple[Path, Path, dict[str, float | None]]:
    """A Canvas export (zip) of 41 hand-ins, the roster, and student id → expected total (None: see
    THREAD_DEPENDENT)."""
    files: dict[str, bytes] = {}
    expected: dict[str, float | None] = {}
    roster = ["Student,ID,SIS User ID,SIS Login ID,Section", "    Points Possible,,,,,"]
    outcomes = sorted(CIFAR) + CORRECT * 8  # 22 corpus files (every outcome) + 16 more correct ones
    outcomes.remove("slow_training")  # its import sleeps; the hanging case is forward_sleeps_forever
    for n, outcome in enumerate(outcomes):
        sid, name = str(1000 + n), "student" + "".join(chr(97 + int(d)) for d in str(n))
        roster.append(f'"{name.title()}, {outcome}",{sid},S{sid},{name}@uni,Sec {n % 2 + 1}')
        source = (CORPUS / f"{outcome}.py").read_bytes()
        if outcome in CORRECT:
            source += f"\n# my own comment {n}\n".encode()  # not byte-identical: each is graded
        files[f"{name}_{sid}_{5000 + n}_solution.py"] = source
        expected[sid] = None if outcome in THREAD_DEPENDENT else _points(outcome)
    # a late notebook, a notebook whose cell raises, and two files of one student (grouped into a folder)
    files["latenb_LATE_2001_6001_lab.ipynb"] = (SUBMISSIONS / "notebooks" / "correct.ipynb").read_bytes()
    files["raisernb_2002_6002_lab.ipynb"] = (SUBMISSIONS / "notebooks" / "cell_raises.ipynb").read_bytes()
    files["twofiles_2003_6003_model.py"] = (CORPUS / "correct_sequential.py").read_bytes()
    files["twofiles_2003_6004_notes-1.py"] = b"NOTE = 'helper module'\n"
    # a student who zipped their folder
    inner = tmp / "inner.zip"
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("project/submission.py", (CORPUS / "correct_attributes.py").read_bytes())
        zf.writestr("project/README.md", "my project")
    files["zipper_2004_6005_project.zip"] = inner.read_bytes()
    expected.update({"2001": 8.0, "2002": 8.0, "2003": 8.0, "2004": 8.0})  # 2002: salvaged past its failing cell
    for sid, name in (("2001", "Late Notebook"), ("2002", "Raiser Notebook"), ("2003", "Two Files"),
                      ("2004", "Zip Per"), ("3001", "Never Submitted")):
        roster.append(f"{name},{sid},S{sid},{sid}@uni,Sec 1")
    export = tmp / "submissions.zip"
    with zipfile.ZipFile(export, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
        zf.writestr("../escape.py", "print('outside')")  # hostile archive entries
        link = zipfile.ZipInfo("link_9999_1_evil.py")
        link.external_attr = (0o120777 << 16)
        zf.writestr(link, "/etc/passwd")
        zf.writestr("grading-notes.txt", "not a submission")
    (tmp / "roster.csv").write_text("\n".join(roster) + "\n")
    return export, tmp / "roster.csv", expected


def _batch_command(export: Path, roster: Path, out: Path, spec: Path) -> list[str]:
    return [sys.executable, "-m", "grader", "batch", str(spec), str(export), "--out", str(out), "--jobs", "2",
            "--roster", str(roster), "--only", STATIC]


def _fast_spec(tmp: Path) -> Path:
    """cifar_simplecnn with 8 s check limits, so that the hanging submission costs 8 s, not 30."""
    folder = tmp / "spec"
    folder.mkdir()
    text = (REPO / "assignments" / "cifar_simplecnn" / "assignment.toml").read_text()
    for check in ORDER:
        text = text.replace(f'id = "{check}"\n', f'id = "{check}"\ntimeout = {{ cpu = 8, cuda = 8 }}\n')
    (folder / "assignment.toml").write_text(text)
    shutil.copy(REPO / "assignments" / "cifar_simplecnn" / "starter.py", folder / "starter.py")
    return folder / "assignment.toml"


def _rows(out: Path) -> list[dict[str, str]]:
    with open(out / "gradebook.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _stored(out: Path) -> int:
    """Results committed so far (0 while the batch has created the file but not yet its tables)."""
    with sqlite3.connect(f"file:{out / 'grades.sqlite'}?mode=ro", uri=True) as db:
        if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'results'").fetchone():
            return 0
        return db.execute("SELECT COUNT(*) FROM results").fetchone()[0]


def test_class_batch_killed_midway_resumes_without_loss_or_duplicates(tmp_path: Path, needs_data: Path) -> None:
    export, roster, expected = _class(tmp_path)
    spec, out = _fast_spec(tmp_path), tmp_path / "out"
    env = {**os.environ, "GRADER_DATA": str(data_root())}
    first = subprocess.Popen(_batch_command(export, roster, out, spec), cwd=REPO, env=env, start_new_session=True,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and first.poll() is None:
        if (out / "grades.sqlite").exists() and _stored(out) >= 12:
            break
        time.sleep(0.2)
    assert first.poll() is None, "the batch ended before it could be killed"
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    killed_at = _stored(out)
    time.sleep(1)
    assert not nobody_processes(), "a sandboxed process outlived the killed batch"
    assert not (out / "gradebook.csv").exists()

    second = subprocess.run(_batch_command(export, roster, out, spec), cwd=REPO, env=env, capture_output=True,
                            text=True, timeout=900)
    assert second.returncode == 0, second.stderr[-3000:]
    rows = _rows(out)
    ids = [r["student_id"] for r in rows]
    assert len(ids) == len(set(ids)) == len(expected) + 1  # + the student who submitted nothing
    by_id = {r["student_id"]: r for r in rows}
    for sid, points in expected.items():
        row = by_id[sid]
        assert row["status"] in ("graded", "load error"), row
        if points is not None:
            assert float(row["total"]) == points, (sid, row["source"], row)
        assert (out / row["report"]).is_file() and (out / row["report"]).with_name("results.json").is_file()
    assert by_id["3001"]["status"] == "not submitted" and by_id["3001"]["total"] == ""
    assert by_id["2001"]["source"].endswith("(late)")
    # every distinct content graded exactly once over both runs, nothing graded twice
    distinct = len(expected)
    assert _stored(out) == distinct
    graded_now = int(second.stdout.split("graded now")[0].split()[-1])
    assert graded_now == distinct - killed_at, second.stdout
    # archive entries refused, unknown files listed, the Canvas CSV importable
    summary = (out / "summary.html").read_text()
    for words in ("../escape.py", "link_9999_1_evil.py", "symbolic link", "grading-notes.txt", "Never Submitted"):
        assert words in summary, words
    assert not (tmp_path / "escape.py").exists() and not (out.parent / "escape.py").exists()
    with open(out / "canvas-grades.csv", newline="", encoding="utf-8") as f:
        canvas = list(csv.reader(f))
    assert canvas[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert {row[1] for row in canvas[2:]} == set(expected) | {"3001"}
    # the student's own report shows a hidden check by name and points only; instructor.html shows all
    wrong = next(r for r in rows if r["name"].endswith(", wrong_num_classes"))
    instructor = (out / wrong["report"]).read_text()
    student = (out / wrong["report"]).with_name("report.html").read_text()
    results = json.loads((out / wrong["report"]).with_name("results.json").read_text())
    secret = "has [10, 128]"  # the reference's weight shape, named in the hidden check's message
    assert secret in instructor and secret not in student and secret not in json.dumps(results)
    assert "hidden check: details are not shown" in student
    assert results["score"] == 1 and len(results["tests"]) == len(ORDER)  # only gradient_flow: the head is charged once
    assert not nobody_processes()


def test_rerun_regrades_only_what_changed(tmp_path: Path, needs_data: Path) -> None:
    """A folder of files and per-student folders: a second run reuses everything; a changed hand-in
    is regraded; --regrade grades all; a changed spec regrades all."""
    class_dir = tmp_path / "class"
    (class_dir / "dana").mkdir(parents=True)
    shutil.copy(CORPUS / "correct_attributes.py", class_dir / "alice.py")
    shutil.copy(CORPUS / "wrong_num_classes.py", class_dir / "bob.py")
    shutil.copy(CORPUS / "correct_attributes.py", class_dir / "carol.py")  # identical to alice: graded once
    shutil.copy(CORPUS / "correct_sequential.py", class_dir / "dana" / "model.py")
    out = tmp_path / "out"

    def batch(*extra: str) -> str:
        proc = run_cli("batch", "cifar_simplecnn", str(class_dir), "--out", str(out), "--only", "output_shape,architecture",
                       *extra)
        assert proc.returncode == 0, proc.stderr[-3000:]
        return proc.stdout.split("students: ")[1].split(" in ")[0]

    assert batch() == "3 graded now, 1 from the database"
    assert batch() == "0 graded now, 4 from the database"
    shutil.copy(CORPUS / "correct_attributes.py", class_dir / "bob.py")  # now identical to alice's
    assert batch() == "0 graded now, 4 from the database"
    shutil.copy(CORPUS / "correct_sequential.py", class_dir / "bob.py")
    assert batch() == "1 graded now, 3 from the database"
    assert {r["student_id"]: r["total"] for r in _rows(out)} == {"alice": "4", "bob": "4", "carol": "4", "dana": "4"}
    assert batch("--regrade") == "3 graded now, 1 from the database"
    assert batch("--only", "output_shape") == "3 graded now, 1 from the database"  # other checks: another key
    assert _stored(out) == 3 + 1 + 3


@pytest.mark.parametrize("bad", ["missing", "not_a_zip", "bad_roster", "bad_database"])
def test_batch_setup_problems_are_one_clear_message(tmp_path: Path, bad: str, request: pytest.FixtureRequest) -> None:
    source, extra = tmp_path / "class", []
    if bad == "bad_database":
        request.getfixturevalue("needs_data")  # the batch looks for its dataset before it opens the database
    if bad == "not_a_zip":
        source = tmp_path / "class.zip"
        source.write_text("not a zip")
    elif bad == "bad_roster":
        source.mkdir()
        (tmp_path / "roster.csv").write_text("name\nAlice\n")
        extra = ["--roster", str(tmp_path / "roster.csv")]
    elif bad == "bad_database":
        source.mkdir()
        (tmp_path / "out").mkdir()
        (tmp_path / "out" / "grades.sqlite").write_text("this is not a database" * 100)
    proc = run_cli("batch", "cifar_simplecnn", str(source), "--out", str(tmp_path / "out"), *extra)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert {"missing": "does not exist", "not_a_zip": "class.zip", "bad_roster": "no id column",
            "bad_database": "not a usable grader database"}[bad] in proc.stderr
