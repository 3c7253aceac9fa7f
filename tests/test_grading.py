"""Every file in tests/submissions/<assignment>/ graded by the real CLI, in the real sandbox, with
exact statuses and points. No hostile submission may earn a point it did not earn."""
from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import SUBMISSIONS, Graded, grade, grade_cli, nobody_processes, spec_copy

STATIC = "output_shape,architecture,layer_shapes,gradient_flow,reference_gradients"
ORDER = STATIC.split(",")
P, F, E, T, M = "passed", "failed", "error", "timeout", "missing"

# outcome file → statuses of the five non-training checks (2+2+1+1+2 = 8 points)
CIFAR = {
    "correct_attributes": [P, P, P, P, P],
    "correct_sequential": [P, P, P, P, P],
    "wrong_in_channels": [F, F, F, E, F],
    "wrong_num_classes": [F, F, F, P, F],  # gradients flow through [N, 100] logits too
    "missing_class": [M, M, M, M, M],
    "syntax_error": [E, E, E, E, E],
    "import_error": [P, P, P, P, P],  # salvaged: the class after the failed import is graded
    "forward_raises": [F, F, F, E, F],
    "detached_output": [P, P, P, F, F],
    "nan_output": [P, P, P, F, F],
    "forward_sleeps_forever": [T, T, T, T, T],
    "slow_training": [P, P, P, P, P],
    "forged_results_stdout": [F, F, F, E, F],
    "sys_exit_at_import": [E, E, E, E, E],
    "os_exit_at_import": [E, E, E, E, E],
    "monkeypatch_torch": [E, E, E, E, E],
    "tensor_subclass_lies": [F, F, F, E, F],  # gradient_flow: not measured, output_shape charges the subclass
    "fork_grandchild": [P, P, P, P, P],
    "stdout_flood": [P, P, P, P, P],
    "memory_bomb": [E, E, E, E, E],
    "reads_secrets": [P, P, P, P, P],
    "fork_bomb": [E, E, E, E, E],
}
POINTS = dict(zip(ORDER, [2, 2, 1, 1, 2]))


@pytest.mark.parametrize("outcome", [pytest.param(o, marks=pytest.mark.slow) if o == "forward_sleeps_forever" else o
                                     for o in sorted(CIFAR)])  # a forward that never returns: 35 s of timeouts
def test_cifar_corpus(outcome: str, tmp_path: Path) -> None:
    graded = grade("cifar_simplecnn", SUBMISSIONS / "cifar_simplecnn" / f"{outcome}.py", tmp_path, "--only", STATIC)
    want = dict(zip(ORDER, CIFAR[outcome]))
    assert graded.statuses() == want
    expected_score = sum(POINTS[c] for c, s in want.items() if s == P)
    assert graded.results["score"] == expected_score
    for test in graded.results["tests"]:
        assert test["score"] == (test["max_score"] if test["status"] == "passed" else 0)
    assert "isolation" in graded.results["output"].lower()
    assert not nobody_processes(), "a process of the sandboxed child survived grading"


def test_load_errors_say_what_happened(tmp_path: Path) -> None:
    cases = {"syntax_error": "SyntaxError",
             "sys_exit_at_import": "sys.exit(0)", "os_exit_at_import": "exited with code 0",
             "memory_bomb": "ran out of memory"}
    for outcome, words in cases.items():
        graded = grade("cifar_simplecnn", SUBMISSIONS / "cifar_simplecnn" / f"{outcome}.py", tmp_path / outcome,
                       "--only", "output_shape")
        assert words in graded.results["output"], (outcome, graded.results["output"])
        assert "could not be loaded" in graded.html


def test_a_missing_package_is_diagnosed_and_the_model_still_graded(tmp_path: Path) -> None:
    graded = grade("cifar_simplecnn", SUBMISSIONS / "cifar_simplecnn" / "import_error.py", tmp_path, "--only", STATIC)
    assert graded.results["score"] == 8
    output = graded.results["output"]
    assert "How your file ran: salvaged." in output
    assert "line 9 (`import nonexistent_module_xyz  # noqa: F401" in output
    assert ("raised ModuleNotFoundError: No module named 'nonexistent_module_xyz': the grader does not have the package "
            "`nonexistent_module_xyz`") in output
    assert "instructors can allow a package by installing it into the grader's Python environment" in output


def test_with_salvage_off_a_failing_import_is_a_load_error(tmp_path: Path) -> None:
    spec = spec_copy(tmp_path, "cifar_simplecnn", "salvage = false")
    graded = grade(str(spec), SUBMISSIONS / "cifar_simplecnn" / "import_error.py", tmp_path / "out", "--only", STATIC)
    assert set(graded.statuses().values()) == {E} and graded.results["score"] == 0
    assert "ModuleNotFoundError" in graded.results["output"] and "could not be loaded" in graded.html
    assert "the grader does not have the package `nonexistent_module_xyz`" in graded.results["output"]


def test_messages_name_expected_and_found(tmp_path: Path) -> None:
    graded = grade("cifar_simplecnn", SUBMISSIONS / "cifar_simplecnn" / "wrong_in_channels.py", tmp_path,
                   "--only", "architecture")
    out = graded.results["tests"][0]["output"]
    assert "in_channels=1, expected 3" in out and "number of image channels (3)" in out
    graded = grade("cifar_simplecnn", SUBMISSIONS / "cifar_simplecnn" / "missing_class.py", tmp_path / "m",
                   "--only", "output_shape")
    assert "it defines: SimpleCnn" in graded.results["tests"][0]["output"]


@pytest.mark.parametrize("grading", [grade, grade_cli], ids=["forked child", "one-off child"])
def test_forged_output_and_flood_are_contained(tmp_path: Path, grading: Callable[..., Graded]) -> None:
    """Every byte of a 1 GiB flood is counted, also by a forked child, whose raw stdout once wrote only part of a
    large write when the import budget's timer interrupted it (2.2 MB went missing)."""
    flood = grading("cifar_simplecnn", SUBMISSIONS / "cifar_simplecnn" / "stdout_flood.py", tmp_path / "f",
                  "--only", "output_shape")
    assert "1,073,741,824 bytes to stdout" in flood.results["output"]
    assert len(flood.html) < 5_000_000


def test_sandbox_hides_secrets(tmp_path: Path) -> None:
    graded = grade("cifar_simplecnn", SUBMISSIONS / "cifar_simplecnn" / "reads_secrets.py", tmp_path,
                   "--only", "output_shape")
    if "strong" not in graded.results["output"]:
        pytest.skip("strong isolation (bubblewrap) is not available here")
    printed = graded.html
    for secret in ("expected.pt", "metrics.json", "assignment.toml", "test_labels.npy", "t10k-labels",
                   "reference/cifar_simplecnn", "GRADER_DATA"):
        assert f"FILE {secret}" not in printed and f"/{secret}" not in printed.split("--ro-bind")[0], secret
    assert "reference/cifar_simplecnn/solution.py" not in printed
    assert "connected to 1.1.1.1" not in printed


def test_basic_isolation_still_kills_setsid_grandchild(tmp_path: Path) -> None:
    marker = Path("/tmp/cnn_grader_fork_grandchild.marker")
    marker.unlink(missing_ok=True)
    graded = grade("cifar_simplecnn", SUBMISSIONS / "cifar_simplecnn" / "fork_grandchild.py", tmp_path,
                   "--only", "output_shape", "--isolation", "basic")
    assert graded.results["score"] == 2 and "basic" in graded.results["output"]
    assert marker.exists(), "the setsid grandchild never ran, so its kill was not tested"
    before = marker.stat().st_mtime
    time.sleep(2.5)
    assert marker.stat().st_mtime == before, "the setsid grandchild is still running"
    marker.unlink()


def test_training_too_slow_times_out_and_keeps_other_points(tmp_path: Path, needs_data: Path) -> None:
    spec_dir = tmp_path / "cifar_simplecnn"
    spec_dir.mkdir()
    spec = (SUBMISSIONS.parents[1] / "assignments" / "cifar_simplecnn" / "assignment.toml").read_text()
    (spec_dir / "assignment.toml").write_text(spec.replace("timeout = { cpu = 150, cuda = 60 }", "timeout = 15"))
    graded = grade(str(spec_dir), SUBMISSIONS / "cifar_simplecnn" / "slow_training.py", tmp_path / "out",
                   "--only", "output_shape,test_accuracy")
    assert graded.statuses() == {"output_shape": P, "test_accuracy": T}
    assert graded.results["score"] == 2


MNIST = {"correct_attributes": 8, "correct_sequential": 8, "wrong_in_channels": 0, "wrong_flatten_size": 0}


@pytest.mark.parametrize("outcome", sorted(MNIST))
def test_mnist_corpus(outcome: str, tmp_path: Path) -> None:
    graded = grade("mnist_simplecnn", SUBMISSIONS / "mnist_simplecnn" / f"{outcome}.py", tmp_path, "--only", STATIC)
    assert graded.results["score"] == MNIST[outcome]
