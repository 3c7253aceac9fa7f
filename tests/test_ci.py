"""`grader ci` for real: JUnit XML read by junitparser, the GitHub job summary and annotations,
hidden checks kept hidden, and the exit code policy."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import SUBMISSIONS, run_cli
from junitparser import Error, Failure, JUnitXml, Skipped

from grader.policy import HIDDEN_MESSAGE, SKIPPED_FOR_STUDENTS

CHECKS = "output_shape,architecture,gradient_flow,reference_gradients"
HIDDEN_NAME = "Same outputs and gradients as the reference"  # reference_gradients is hidden
HIDDEN_DETAIL = "the reference weights cannot be loaded"  # what it found in wrong_in_channels.py
WRONG = SUBMISSIONS / "cifar_simplecnn" / "wrong_in_channels.py"
CORRECT = SUBMISSIONS / "cifar_simplecnn" / "correct_attributes.py"
VGG = SUBMISSIONS / "vgg16_transfer" / "correct.py"
FINE_TUNING = "Test accuracy after fine-tuning from ImageNet weights"  # vgg16_transfer's transfer_accuracy: needs the ImageNet weights


def _ci(tmp_path: Path, submission: Path, *extra: str):
    return run_cli("ci", "--assignment", "cifar_simplecnn", "--submission", str(submission), "--only", CHECKS,
                   "--junit", str(tmp_path / "junit.xml"), "--results", str(tmp_path / "results.json"),
                   "--html", str(tmp_path / "report.html"), *extra)


def _outputs(tmp_path: Path, proc) -> str:
    files = ["junit.xml", "results.json", "report.html", "summary.md"]
    return proc.stdout + proc.stderr + "".join((tmp_path / f).read_text() for f in files if (tmp_path / f).exists())


@pytest.fixture
def github(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    return tmp_path / "summary.md"


def test_failing_submission_in_github_actions(tmp_path: Path, github: Path) -> None:
    proc = _ci(tmp_path, WRONG, "--fail-under", "50", "--markdown", str(tmp_path / "pr-comment.md"))
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert (tmp_path / "pr-comment.md").read_text() + "\n" == github.read_text()  # a format is a writer and a row

    suite = next(iter(JUnitXml.fromfile(str(tmp_path / "junit.xml"))))
    assert (suite.name, suite.tests, suite.failures, suite.errors, suite.skipped) == ("cifar_simplecnn", 4, 3, 1, 0)
    assert {p.name: p.value for p in suite.properties()}["max_score"] == "7"
    cases = {case.name: case for case in suite}
    assert [type(r) for r in cases["Gradient flow"].result] == [Error]
    [failure] = cases["Layers and hyper-parameters"].result
    assert isinstance(failure, Failure) and failure.type == "failed"
    assert failure.message == "Conv2d #1 ('conv1'): in_channels=1, expected 3"
    assert "Hint: the first Conv2d reads the image" in failure.text
    [hidden] = cases[HIDDEN_NAME].result
    assert hidden.message == "hidden check: details are not shown" and "Points: 0 / 2" in hidden.text

    summary = github.read_text()
    assert "| Status | Check | Points | Details |" in summary
    assert "| ❌ failed | Layers and hyper-parameters | 0 / 2 | **Expected:** Conv2d(" in summary
    assert f"| {HIDDEN_NAME} (hidden) | 0 / 2 |" in summary

    annotations = [line for line in proc.stdout.splitlines() if line.startswith("::error ")]
    assert len(annotations) == 4
    assert annotations[0].startswith(f"::error file={WRONG},line=20,title=Output shape (0 / 2)::failed: Expected: ")
    assert "%0AFound: " in annotations[0] and "\n" not in annotations[0]
    assert annotations[3] == (f"::error file={WRONG},title={HIDDEN_NAME} (0 / 2)::failed: "
                              "Found: hidden check: details are not shown")

    assert HIDDEN_NAME in _outputs(tmp_path, proc)
    assert HIDDEN_DETAIL not in _outputs(tmp_path, proc)
    assert json.loads((tmp_path / "results.json").read_text())["score"] == 0


def test_hide_leaves_hidden_checks_out(tmp_path: Path, github: Path) -> None:
    proc = _ci(tmp_path, WRONG, "--hidden", "hide")
    assert proc.returncode == 0, proc.stderr[-3000:]  # no --fail-under: never fails on the score
    suite = next(iter(JUnitXml.fromfile(str(tmp_path / "junit.xml"))))
    assert (suite.tests, suite.failures, suite.errors) == (3, 2, 1)
    outputs = _outputs(tmp_path, proc)
    assert "Layers and hyper-parameters" in outputs
    assert HIDDEN_NAME not in outputs and HIDDEN_DETAIL not in outputs and "hidden check" not in outputs


def test_a_check_skipped_for_want_of_weights_is_no_failure(tmp_path: Path, github: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A correct hand-in graded where the ImageNet weights are missing: its (hidden) fine-tuning check is SKIPPED.
    Gradescope gets no failed test for it (its format knows only passed and failed), the terminal says why; JUnit
    gets a <skipped>; GitHub no ::error but a skipped row."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))
    proc = run_cli("ci", "--assignment", "vgg16_transfer", "--submission", str(VGG), "--only",
                   "new_head,transfer_accuracy", "--junit", str(tmp_path / "junit.xml"),
                   "--results", str(tmp_path / "results.json"), "--fail-under", "100")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]

    results = json.loads((tmp_path / "results.json").read_text())
    assert [(t["name"], t["status"], t["score"]) for t in results["tests"]] == [("New trainable last layer", "passed", 2)]
    assert results["extra_data"]["skipped"] == {"transfer_accuracy": HIDDEN_MESSAGE}
    assert FINE_TUNING not in results["output"]  # shown to the student before the hidden checks are published
    assert f"'{FINE_TUNING}' was skipped and is not counted in the score: {SKIPPED_FOR_STUDENTS}" in proc.stdout

    suite = next(iter(JUnitXml.fromfile(str(tmp_path / "junit.xml"))))
    assert (suite.tests, suite.failures, suite.errors, suite.skipped) == (2, 0, 0, 1)
    [skipped] = {case.name: case for case in suite}[FINE_TUNING].result
    assert isinstance(skipped, Skipped) and skipped.message == HIDDEN_MESSAGE

    assert "::error" not in proc.stdout
    assert f"| ⏭️ skipped | {FINE_TUNING} (hidden) | not counted (2) | {HIDDEN_MESSAGE} |" in github.read_text()


def test_config_file_and_fail_under(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    config = tmp_path / "ci.toml"
    config.write_text(f'assignment = "cifar_simplecnn"\nsubmission = "{CORRECT}"\nfail_under = 100\n')
    proc = run_cli("ci", "--config", str(config), "--only", CHECKS, "--junit", str(tmp_path / "junit.xml"))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "::error" not in proc.stdout
    suite = next(iter(JUnitXml.fromfile(str(tmp_path / "junit.xml"))))
    assert (suite.tests, suite.failures, suite.errors) == (4, 0, 0)

    wrong = run_cli("ci", "--config", str(config), "--submission", str(WRONG), "--only", "architecture")
    assert wrong.returncode == 1  # the option overrides the file; fail_under = 100 comes from the file
    assert run_cli("ci", "--config", str(config), "--submission", str(WRONG), "--only", "architecture",
                   "--fail-under", "0").returncode == 0


@pytest.mark.parametrize("args", [
    ["--submission", str(WRONG)],                                          # no assignment
    ["--assignment", "no_such_assignment", "--submission", str(WRONG)],
    ["--assignment", "cifar_simplecnn", "--submission", str(WRONG), "--only", "no_such_check"],
])
def test_setup_errors_exit_2(args: list[str]) -> None:
    proc = run_cli("ci", *args)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
