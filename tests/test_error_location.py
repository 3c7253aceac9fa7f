"""Every error located: an exception raised by the student's code while a check runs names the file, or the notebook
cell (its number counting every cell from the top, Markdown cells included, and its first line), and the line; the
report shows the last frames of the student's own code (never the grader's, PyTorch's or the kernel's), in
results.json's output and in report.html. And a returned value is described by what it holds, never as
'a builtins.tuple'."""
from __future__ import annotations

import html
import re
from pathlib import Path

import nbformat
import pytest
from conftest import SUBMISSIONS, Graded, grade

NOTEBOOK = SUBMISSIONS / "notebooks" / "training_loop_eval_fixed_batch.ipynb"
SCRIPT = SUBMISSIONS / "training_loop" / "eval_fixed_batch_loop.py"
INTERNALS = ("grader/", "site-packages", "ipykernel", "torch/nn", "Traceback (most recent call last)")


def _check(graded: Graded, check: str) -> tuple[str, str]:
    """The check's output in results.json, and its section of report.html as text."""
    output = next(t["output"] for t in graded.results["tests"] if t["extra_data"]["check_id"] == check)
    section = re.search(rf'id="check-{check}">(.*?)</section>', graded.html, re.DOTALL)
    assert section, graded.html[:2000]
    return output, html.unescape(re.sub(r"<[^>]+>", "", section[1]))


@pytest.mark.parametrize("path, found, frames", [
    (SCRIPT, "line 37 of eval_fixed_batch_loop.py: `if predicted[i] == labels[i]:`",
     ("your code only, innermost last:\n"
      "  eval_fixed_batch_loop.py, line 48, in evaluate\n"
      "    correct += count_correct(model(images), labels)\n"
      "  eval_fixed_batch_loop.py, line 37, in count_correct\n"
      "    if predicted[i] == labels[i]:")),
    (NOTEBOOK, "line 5 of cell 6 (`def count_correct(outputs, labels):`): `if predicted[i] == labels[i]:`",
     ("your code only, innermost last:\n"
      "  cell 7 (`def evaluate(model, loader, device=\"cpu\"):`), line 7, in evaluate\n"
      "    correct += count_correct(model(images), labels)\n"
      "  cell 6 (`def count_correct(outputs, labels):`), line 5, in count_correct\n"
      "    if predicted[i] == labels[i]:")),
], ids=["py", "ipynb"])
def test_an_error_in_a_function_names_the_file_or_cell_the_line_and_the_students_frames(
        path: Path, found: str, frames: str, tmp_path: Path) -> None:
    graded = grade("training_loop", path, tmp_path, "--only", "evaluate")
    assert graded.statuses() == {"evaluate": "error"}
    output, section = _check(graded, "evaluate")
    assert f"Found: your code raised IndexError: index 16 is out of bounds for dimension 0 with size 16 ({found})" \
           in output, output
    assert output.endswith(f"Hint: the traceback below shows the lines of your code that led to it\n"
                           f"Traceback: {frames}"), output
    assert found.replace("`", "") in section and frames in section, section  # `code` is <code> in the HTML
    assert not [word for word in INTERNALS if word in output or word in section], (output, section)


def test_an_error_raised_through_pytorch_shows_only_the_students_forward(tmp_path: Path) -> None:
    """forward is called through nn.Module.__call__ and torch raises inside x.view: neither shows."""
    graded = grade("cifar_simplecnn", SUBMISSIONS / "cifar_simplecnn" / "forward_raises.py", tmp_path,
                   "--only", "gradient_flow")
    output, section = _check(graded, "gradient_flow")
    frames = ("Traceback: your code only, innermost last:\n  forward_raises.py, line 21, in forward\n"
              "    x = x.view(x.size(0), 32 * 7 * 7)  # always invalid: the map is 32x8x8 = 2048 per image")
    assert output.endswith(frames), output
    assert frames.removeprefix("Traceback: ") in section
    assert not [word for word in INTERNALS if word in output or word in section], (output, section)


@pytest.mark.parametrize("assignment, path, check, found", [
    ("training_loop", SUBMISSIONS / "training_loop" / "returns_loss_and_accuracy.py", "loss",
     "a tuple of (a 0-dim tensor that holds the autograd graph, a float)"),
    ("cifar_simplecnn", SUBMISSIONS / "cifar_simplecnn" / "forward_returns_features.py", "output_shape",
     ("forward returned a tuple of (a tensor of shape [8, 10], a tensor of shape [8, 128]), not a plain "
      "torch.Tensor")),
], ids=["train_one_epoch", "forward"])
def test_a_returned_tuple_is_described_by_its_items(assignment: str, path: Path, check: str, found: str,
                                                    tmp_path: Path) -> None:
    graded = grade(assignment, path, tmp_path, "--only", check)
    output, section = _check(graded, check)
    assert f"Found: {found}" in output and found.replace("`", "") in section, output
    assert "builtins" not in output


def test_a_failed_cells_traceback_numbers_cells_as_the_report_does(tmp_path: Path) -> None:
    """IPython's 'Cell In[6]' is an execution count; with Markdown cells above, it is not the cell's place."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(
        "from torch.utils.data import TensorDataset\n"
        "images, labels = torch.zeros(70, 1, 28, 28), torch.zeros(70, dtype=torch.long)\n"
        "print(evaluate(torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 10)),\n"
        "               DataLoader(TensorDataset(images, labels), batch_size=64)))"))
    nbformat.write(notebook, tmp_path / "runs_evaluate.ipynb")
    graded = grade("training_loop", tmp_path / "runs_evaluate.ipynb", tmp_path / "out", "--only", "loaders")
    shown = html.unescape(graded.html)
    assert "cell 8 (`from torch.utils.data import TensorDataset`), line 3" in shown
    assert "cell 6 (`def count_correct(outputs, labels):`), line 5, in count_correct" in shown
    assert "Cell In[" not in shown
