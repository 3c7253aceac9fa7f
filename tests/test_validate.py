"""The references earn full marks with real training on the real datasets, and a differently
written correct submission does too."""
import re
from pathlib import Path

import pytest
from conftest import SUBMISSIONS, grade, run_cli


@pytest.mark.slow  # about 50 s of real training on 2 cores; `make test-slow` runs it
def test_validate_both_references(needs_data: Path) -> None:
    for name in ("mnist_simplecnn", "cifar_simplecnn"):
        proc = run_cli("validate", name)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        assert "valid:" in proc.stdout and "NOT valid" not in proc.stdout


def test_correct_sequential_mnist_full_marks_with_training(tmp_path: Path, needs_data: Path) -> None:
    graded = grade("mnist_simplecnn", SUBMISSIONS / "mnist_simplecnn" / "correct_sequential.py", tmp_path)
    assert graded.results["score"] == 10, graded.results
    accuracy = next(t for t in graded.results["tests"] if t["extra_data"]["check_id"] == "test_accuracy")
    accuracy = float(re.search(r"test accuracy (\d+(?:\.\d+)?)%", accuracy["output"]).group(1))
    assert accuracy >= 90.0  # on the real MNIST test set


def test_student_check_hides_hidden_checks(tmp_path: Path) -> None:
    proc = run_cli("check", "cifar_simplecnn", str(SUBMISSIONS / "cifar_simplecnn" / "wrong_in_channels.py"),
                   "--out", str(tmp_path))
    assert proc.returncode == 0
    html = (tmp_path / "report.html").read_text()
    assert "Test accuracy" not in html and "Same outputs and gradients" not in html
    assert "hidden and run when your work is graded" in proc.stdout


def test_missing_data_message(tmp_path: Path) -> None:
    proc = run_cli("grade", "cifar_simplecnn", str(SUBMISSIONS / "cifar_simplecnn" / "correct_sequential.py"),
                   "--data-root", str(tmp_path / "nowhere"))
    assert proc.returncode == 2
    assert "nowhere" in proc.stderr and "cifar" in proc.stderr.lower()
