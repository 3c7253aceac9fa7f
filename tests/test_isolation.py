"""Strong isolation by default when judging: without bubblewrap, `grade`, `batch` and `ci` refuse with
why and how to fix it, rather than let a submission copy the reference solution; `--isolation basic`
grades and the report says first that nothing was sandboxed. The student's `check` and the configs
of CI and Gradescope fall back where they say so, and state the level. "Without bubblewrap" is a
machine whose bubblewrap is missing: $CNN_GRADER_BWRAP names a program that does not exist."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import REPO, SUBMISSIONS, run_cli

NO_BWRAP = "/nonexistent/bwrap"
WRONG = (SUBMISSIONS / "cifar_simplecnn" / "wrong_in_channels.py").read_text()
COPIES_REFERENCE = WRONG + '''
# Hostile: replace my model by the instructor's, if the grader's files can be reached.
import sys
from pathlib import Path

for _folder in sys.path:
    _stolen = Path(_folder) / "reference" / "cifar_simplecnn" / "solution.py"
    if _stolen.is_file():
        print("copied", _stolen)
        exec(compile(_stolen.read_text(), "solution.py", "exec"))
        break
'''
CHECKS = "output_shape,architecture"


@pytest.fixture
def thief(tmp_path: Path) -> Path:
    path = tmp_path / "thief.py"
    path.write_text(COPIES_REFERENCE)
    return path


@pytest.fixture
def no_bwrap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CNN_GRADER_BWRAP", NO_BWRAP)


def test_in_the_sandbox_the_reference_cannot_be_copied(tmp_path: Path, thief: Path) -> None:
    proc = run_cli("grade", "cifar_simplecnn", str(thief), "--only", CHECKS, "--out", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["extra_data"]["isolation"].startswith("strong") and results["score"] < 4
    assert "copied" not in proc.stdout


@pytest.mark.parametrize("command", [["grade", "cifar_simplecnn", "{thief}"],
                                     ["batch", "cifar_simplecnn", "{folder}", "--out", "{out}"],
                                     ["ci", "--assignment", "cifar_simplecnn", "--submission", "{thief}"]])
def test_without_bubblewrap_judging_refuses_with_why_and_how(tmp_path: Path, thief: Path, no_bwrap: None,
                                                             command: list[str]) -> None:
    args = [a.format(thief=thief, folder=thief.parent, out=tmp_path / "out") for a in command]
    proc = run_cli(*args, "--only", CHECKS)
    assert proc.returncode == 2, proc.stdout[-2000:] + proc.stderr[-2000:]
    said = " ".join(proc.stderr.split())
    assert f"strong isolation is unavailable: bubblewrap ({NO_BWRAP}) is not installed" in said
    assert "apt-get install bubblewrap" in said and "--isolation basic" in said
    assert "Traceback" not in proc.stderr and not (tmp_path / "out" / "gradebook.csv").exists()


def test_basic_isolation_grades_and_the_report_warns_first(tmp_path: Path, thief: Path, no_bwrap: None) -> None:
    out = tmp_path / "out"
    proc = run_cli("grade", "cifar_simplecnn", str(thief), "--only", CHECKS, "--isolation", "basic", "--out", str(out))
    assert proc.returncode == 0, proc.stderr[-2000:]
    # what the warning is about: unsandboxed, the submission took the reference's model as its own
    results = json.loads((out / "results.json").read_text())
    assert results["score"] == 4 and results["extra_data"]["isolation"].startswith("basic")
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    assert lines[1].startswith("Warning: student code was NOT sandboxed"), lines[:3]
    html = (out / "report.html").read_text()
    assert html.index("Student code was not sandboxed") < html.index("check-output_shape")
    assert "Warning: student code was not sandboxed." in results["output"].split("\n\n")[0]


def test_the_students_check_falls_back_and_says_so(tmp_path: Path, no_bwrap: None) -> None:
    proc = run_cli("check", "cifar_simplecnn", str(SUBMISSIONS / "cifar_simplecnn" / "correct_attributes.py"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "NOT sandboxed" in proc.stdout and "Isolation: basic" in proc.stdout


@pytest.mark.parametrize("bwrap", ["bwrap", NO_BWRAP])
def test_ci_falls_back_only_where_its_config_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    bwrap: str) -> None:
    monkeypatch.setenv("CNN_GRADER_BWRAP", bwrap)
    config = tmp_path / ".cnn-grader.toml"
    (tmp_path / "model.py").write_text((SUBMISSIONS / "cifar_simplecnn" / "correct_attributes.py").read_text())
    config.write_text('assignment = "cifar_simplecnn"\nsubmission = "model.py"\nisolation = "auto"\n')
    proc = run_cli("ci", "--config", str(config), "--only", CHECKS, "--results", str(tmp_path / "results.json"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    level = json.loads((tmp_path / "results.json").read_text())["extra_data"]["isolation"]
    assert level.startswith("basic" if bwrap == NO_BWRAP else "strong")
    assert f"Isolation: {level.split(':')[0]}" in proc.stdout


def test_a_wrong_isolation_in_the_ci_config_is_one_clear_message(tmp_path: Path) -> None:
    config = tmp_path / ".cnn-grader.toml"
    config.write_text('assignment = "cifar_simplecnn"\nsubmission = "model.py"\nisolation = "none"\n')
    proc = run_cli("ci", "--config", str(config))
    assert proc.returncode == 2 and "'isolation' must be strong, auto" in proc.stderr
    assert ".cnn-grader.toml: top level, line 3: " in proc.stderr  # the file, the table and the line


@pytest.mark.parametrize("bwrap", ["bwrap", NO_BWRAP], ids=["runner-with-namespaces", "runner-without"])
def test_the_github_template_grades_on_any_runner_and_states_the_level(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                        bwrap: str) -> None:
    """The template's own Grade step, run in a student's repository (only two checks, for time)."""
    import shlex

    import yaml

    workflow = yaml.safe_load((REPO / "templates" / "github-classroom.yml").read_text())
    step = next(s for job in workflow["jobs"].values() for s in job["steps"] if s.get("name") == "Grade")
    argv = shlex.split(step["run"])
    assert argv[:2] == ["grader", "ci"]
    monkeypatch.setenv("CNN_GRADER_BWRAP", bwrap)
    (tmp_path / "solution.py").write_text((SUBMISSIONS / "cifar_simplecnn" / "correct_attributes.py").read_text())
    (tmp_path / ".cnn-grader.toml").write_text('assignment = "cifar_simplecnn"\nsubmission = "solution.py"\n')
    proc = run_cli(*argv[1:], "--only", CHECKS, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    level = json.loads((tmp_path / "results.json").read_text())["extra_data"]["isolation"]
    assert level.startswith("basic" if bwrap == NO_BWRAP else "strong")
    assert (tmp_path / "grader-junit.xml").is_file() and f"Isolation: {level.split(':')[0]}" in proc.stdout
