"""`grader assign`'s reading of a master: solutions become stubs the student can run into, and every malformed
master is refused with a message naming the cell, before anything is written."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

from grader.authoring.compose import compose
from grader.authoring.master import MasterError, read_master
from grader.authoring.solutions import MarkerError, split_cell

EXAMPLE = REPO / "examples" / "authoring" / "dropout_cnn.py"


def test_a_solution_in_a_method_becomes_a_raise_that_names_it() -> None:
    cell = ("class Net:\n    def forward(self, x):\n        # TODO: the layers\n        # BEGIN SOLUTION\n"
            "        x = x + 1\n        return x\n        # END SOLUTION\n")
    split = split_cell(cell)
    assert split.student == ("class Net:\n    def forward(self, x):\n        # TODO: the layers\n"
                             '        raise NotImplementedError("TODO: write Net.forward")\n')
    assert split.reference == "class Net:\n    def forward(self, x):\n        # TODO: the layers\n" \
                              "        x = x + 1\n        return x\n"
    assert split.solution_lines == ("        x = x + 1", "        return x")


def test_outside_a_function_names_stay_bound_and_a_whole_function_keeps_its_signature() -> None:
    cell = ('lr = 0.01  # SOLUTION\nepochs: int = 3  # SOLUTION\n# BEGIN SOLUTION\n@torch.no_grad()\n'
            'def evaluate(model, loader):\n    """Accuracy of `model` on `loader`."""\n    return 1.0\n# END SOLUTION\n'
            "%matplotlib inline\n")
    student = split_cell(cell).student
    assert student == ('lr = ...  # TODO\nepochs = ...  # TODO\n@torch.no_grad()\ndef evaluate(model, loader):\n'
                       '    """Accuracy of `model` on `loader`."""\n'
                       '    raise NotImplementedError("TODO: write evaluate")\n%matplotlib inline\n')
    assert "return 1.0" not in student and "0.01" not in student


def test_an_import_only_the_reference_needs_is_left_out_of_the_starter() -> None:
    split = split_cell("import torch\nimport math  # SOLUTION\n\n\ndef f(x):\n    return math.sqrt(x)  # SOLUTION\n")
    assert split.student == 'import torch\n\n\ndef f(x):\n    raise NotImplementedError("TODO: write f")\n'
    assert split.reference == "import torch\nimport math\n\n\ndef f(x):\n    return math.sqrt(x)\n"


@pytest.mark.parametrize(("cell", "line", "words"), [
    ("x = 1\n# BEGIN SOLUTION\ny = 2\n", 2, "has no '# END SOLUTION'"),
    ("x = 1\n# END SOLUTION\n", 2, "without a '# BEGIN SOLUTION'"),
    ("# BEGIN SOLUTION\n# BEGIN SOLUTION\ny = 2\n# END SOLUTION\n", 2, "inside the solution opened at line 1"),
    ("# BEGIN SOLUTION\n# END SOLUTION\n", 2, "is empty"),
])
def test_unbalanced_markers_name_the_line(cell: str, line: int, words: str) -> None:
    with pytest.raises(MarkerError) as caught:
        split_cell(cell)
    assert caught.value.line == line and words in str(caught.value)


def _master(tmp_path: Path, edit: tuple[str, str] | None = None, name: str = "m.py") -> Path:
    text = EXAMPLE.read_text()
    if edit:
        assert edit[0] in text, edit
        text = text.replace(edit[0], edit[1], 1)
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(("edit", "words"), [
    (("# # ASSIGNMENT", "# # NOTHING"), "m.py: no spec cell: expected a cell whose first line is '# ASSIGNMENT'"),
    (("# points = 1\n", "# points = = 1\n"), "m.py, cell 1: not valid TOML"),
    (("# probe = \"gradient_flow\"", "# probe = \"gradient_flows\""), "m.py, cell 1: check #4, line 33: unknown probe 'gradient_flows'"),
    (("# entry = \"DropoutCNN\"", "# entry = \"DropoutNet\""),
     "m.py, cell 1: entry 'DropoutNet' is not defined by the reference"),
    (('"Dropout"]', '"Droput"]'), "m.py, cell 1: check #2 (architecture), line 23: key 'layer_types' does not take "
                                  "'Droput'; choose among ['Conv2d', 'Linear', 'MaxPool2d'"),
    (("        # END SOLUTION\n\n    def forward", "\n    def forward"),
     "m.py, cell 4, line 21: '# BEGIN SOLUTION' inside the solution opened at line 12"),
    (("        self.fc = nn.Linear(16 * 7 * 7, 10)\n        # END SOLUTION",
      "        self.fc = nn.Linear(16 * 7 * 7,\n        # END SOLUTION\n            10)"),
     "m.py, cell 4: the student's copy of this cell is not valid Python once its solution is replaced"),
    (("# %% tags=[\"instructor-only\"]", "# %% tags=[\"instructor-only\", \"starter-only\"]"),
     "m.py, cell 3: tagged both 'instructor-only' and 'starter-only'"),
    (("# # `dropout_cnn`: a small CNN", "# self.fc = nn.Linear(16 * 7 * 7, 10)\n# # `dropout_cnn`: a small CNN"),
     "m.py, cell 4: its solution line 'self.fc = nn.Linear(16 * 7 * 7, 10)' is also written in the student's brief"),
])
def test_a_malformed_master_is_refused_naming_the_cell(tmp_path: Path, edit: tuple[str, str], words: str) -> None:
    with pytest.raises(MasterError) as caught:
        compose(read_master(_master(tmp_path, edit)))
    assert words in str(caught.value), str(caught.value)


def test_the_worked_master_composes_a_starter_without_the_solution() -> None:
    files = compose(read_master(EXAMPLE))
    starter = files.student["assignments/dropout_cnn/starter.py"]
    assert 'raise NotImplementedError("TODO: write DropoutCNN.__init__")' in starter
    assert "self.dropout = nn.Dropout(p=0.25)" not in starter and "ASSIGNMENT" not in starter and "Reference solution" not in starter
    assert '# %% tags=["skip-grading"]' in starter
    readme = files.student["assignments/dropout_cnn/README.md"]
    assert readme.startswith("# `dropout_cnn`") and "## Try it" in readme
    solution = files.reference["reference/dropout_cnn/solution.py"]
    assert "self.dropout = nn.Dropout(p=0.25)" in solution and "BEGIN SOLUTION" not in solution
    assert "if __name__" not in solution, "skip-grading cells are the student's, not the reference's"


def test_a_refused_master_leaves_no_pack(tmp_path: Path) -> None:
    master = _master(tmp_path, ("# entry = \"DropoutCNN\"", "# entry = \"DropoutNet\""))
    run = subprocess.run([sys.executable, "-m", "grader", "assign", str(master), "--out", str(tmp_path / "pack"),
                          "--no-record", "--no-validate"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 2, run.stdout + run.stderr
    assert "m.py, cell 1: entry 'DropoutNet' is not defined by the reference" in run.stderr
    assert not (tmp_path / "pack").exists()
