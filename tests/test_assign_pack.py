"""`grader assign` as an instructor uses it: the worked master becomes a pack outside the repository (recorded,
validated), hand-ins and a class are graded from it, and a master whose reference fails leaves the pack as it
was."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import REPO, data_root, grade_class, run_cli

EXAMPLE = REPO / "examples" / "authoring" / "dropout_cnn.py"
HANDINS = REPO / "examples" / "authoring" / "handins"
TRAINING_CHECK = '''# [[check]]
# id = "test_accuracy"
# probe = "test_accuracy"
# protocol = "quick"
# min_fraction_of_reference = 0.9
# floor_fraction_of_reference = 0.5
# timeout = { cpu = 150, cuda = 60 }
# points = 2
# hidden = true
'''


def _quick_master(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    """The worked master without its training check (recording it trains for a minute: the slow test does)."""
    text = EXAMPLE.read_text()
    assert TRAINING_CHECK in text
    text = text.replace(TRAINING_CHECK, "")
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "dropout_cnn.py"
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if data_root() is None:
        pytest.skip("no dataset root: set GRADER_DATA or provide ../shared/datasets")
    folder = tmp_path_factory.mktemp("authoring")
    made = run_cli("assign", str(_quick_master(folder)), "--out", str(folder / "pack"), "--no-mutants")
    assert made.returncode == 0, made.stdout + made.stderr
    assert "validated: reference 8/8, starter 0/8" in made.stdout, made.stdout
    return folder / "pack"


def test_assign_writes_a_recorded_pack_and_nothing_of_the_solution_reaches_the_student(pack: Path) -> None:
    student = pack / "assignments" / "dropout_cnn"
    assert sorted(p.name for p in student.iterdir()) == ["README.md", "assignment.toml", "starter.ipynb",
                                                         "starter.py"]
    assert sorted(p.name for p in (pack / "reference" / "dropout_cnn").iterdir()) == [
        "expected.pt", "master.py", "solution.py"]
    starter = (student / "starter.py").read_text() + (student / "starter.ipynb").read_text() + \
        (student / "README.md").read_text()
    for secret in ("nn.Linear(16 * 7 * 7, 10)", "BEGIN SOLUTION", "ASSIGNMENT", "Reference solution", "probe ="):
        assert secret not in starter, secret
    assert not (pack / ".grader-assign").exists(), "the staging folder is removed"


def test_the_pack_grades_hand_ins_and_a_class(pack: Path, tmp_path: Path) -> None:
    good = run_cli("--assignments", str(pack), "grade", "dropout_cnn", str(HANDINS / "ada.py"),
                   "--out", str(tmp_path / "ada"))
    assert good.returncode == 0, good.stderr
    assert json.loads((tmp_path / "ada" / "results.json").read_text())["score"] == 8
    graded = grade_class(f"{pack}/assignments/dropout_cnn", HANDINS, tmp_path / "class")
    assert {name: sum(c["points"] for c in checks.values()) for name, checks in graded.items()} == \
        {"ada": 8, "brook": 3, "cyd": 6}
    assert graded["brook"]["architecture"]["status"] == "failed"
    assert graded["cyd"]["reference_gradients"]["status"] == "failed", "its softmax before the loss changes gradients"


def test_a_master_whose_reference_fails_leaves_the_pack_as_it_was(pack: Path, tmp_path: Path) -> None:
    before = {p: p.read_bytes() for p in pack.rglob("*") if p.is_file()}
    broken = _quick_master(tmp_path, ("inputs = [[8, 1, 28, 28], [1, 1, 28, 28]]", "inputs = [[8, 3, 28, 28]]"))
    run = run_cli("assign", str(broken), "--out", str(pack), "--no-mutants")
    assert run.returncode == 2, run.stdout + run.stderr
    assert "recording the reference failed: the reference failed check 'output_shape': its code raised" in run.stderr, \
        run.stderr
    assert {p: p.read_bytes() for p in pack.rglob("*") if p.is_file()} == before
    assert not (pack / ".grader-assign").exists()
