"""True causes and valid fixes (issue 25, item 2): student-style hand-ins graded in the real sandbox, each told
the cause the evidence shows (the dataset it asked for, the path it built from `root`, a download inside a
function the grader calls) instead of "no network" or a main guard; a code line is suggested only when it suits
the student's source; a check's line says the exception once. Then the checker of suggested lines on its own."""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SUBMISSIONS, grade, grade_cli

from grader.judge.suggest import bound_only_under_main_guard, why_not

FALSE_CAUSES = ("the grader has no network, so nothing can be downloaded", "the grader brings the data",
                "read only the paths they are given", "if __name__")


def _check(tmp_path: Path, assignment: str, stem: str, check: str, grading=grade) -> tuple[dict, str]:  # noqa: ANN001
    """The graded check of one hand-in, and the report's text on how the file ran."""
    graded = grading(assignment, SUBMISSIONS / assignment / f"{stem}.py", tmp_path / stem, "--only", check)
    test = next(t for t in graded.results["tests"] if t["extra_data"]["check_id"] == check)
    return test, graded.results["output"]


def _found_and_hint(test: dict) -> tuple[str, str]:
    lines = test["output"].splitlines()
    found = next(line[len("Found: "):] for line in lines if line.startswith("Found: "))
    hint = next((line[len("Hint: "):] for line in lines if line.startswith("Hint: ")), "")
    return found, hint


@pytest.mark.parametrize(("stem", "dataset"), [("loaders_fashion_mnist", "FashionMNIST"), ("loaders_cifar10", "CIFAR10")])
def test_another_dataset_than_mnist_is_named_with_the_fix_that_works(tmp_path: Path, needs_data: Path, stem: str,
                                                                     dataset: str) -> None:
    test, output = _check(tmp_path, "training_loop", stem, "loaders")
    found, hint = _found_and_hint(test)
    assert test["extra_data"]["status"] == "failed" and test["score"] == 0
    assert found.startswith(f"make_loaders loads {dataset}, not MNIST, and the grader's `root` holds only MNIST's "
                            "files, so it raised ")
    assert f"(line 10 of {stem}.py: `trainset = datasets.{dataset}(root=root" in found
    assert hint == ("load MNIST from the `root` make_loaders is given: datasets.MNIST(root, train=True, download=True, "
                    "transform=transform), and train=False for the test loader; MNIST's files are there, so nothing "
                    "is downloaded")
    assert not any(old in found + hint + output for old in FALSE_CAUSES)


def test_a_name_glued_to_root_without_a_separator_is_named(tmp_path: Path, needs_data: Path) -> None:
    test, output = _check(tmp_path, "training_loop", "loaders_root_plus_name", "loaders")
    found, hint = _found_and_hint(test)
    assert found.startswith("make_loaders reads MNIST from `root + 'train'`, a folder beside `root`, not inside it: "
                            "'train' is glued to the end of `root` without a path separator, so it raised ")
    assert hint == ("pass `root` itself: datasets.MNIST(root, train=True, ...) finds MNIST's files under it (to name a "
                    "folder inside root, join with a separator: os.path.join(root, 'train'))")
    assert not any(old in found + hint + output for old in FALSE_CAUSES)


@pytest.mark.parametrize(("assignment", "stem", "builder"), [
    ("resnet18_transfer", "pretrained_true_in_build_model", "models.resnet18"),
    ("pneumonia_resnet50", "weights_default_in_build_model", "models.resnet50")])
def test_a_download_inside_build_model_is_fixed_by_its_weights_argument(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                      assignment: str, stem: str, builder: str) -> None:
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "no-weights"))  # a new grader process: no cached weights
    test, output = _check(tmp_path, assignment, stem, "output_shape", grade_cli)
    found, hint = _found_and_hint(test)
    assert found.startswith("your code raised URLError: ") and found.count("URLError") == 1
    assert found.endswith("`): `build_model`, which the grader calls, downloads pretrained weights, and the grader "
                          "has no network")
    assert hint == (f"pass on the `weights` argument build_model is given: `{builder}(weights=weights)`; the grader "
                    "calls build_model() for its checks, where nothing is downloaded, and passes the ImageNet weights "
                    "itself to fine-tune")
    assert "Cause: URLError: " in output and f"Fix: {hint}" in output
    assert not any(old in found + hint + output for old in FALSE_CAUSES)


def test_a_plain_value_is_not_suggested_for_a_name_used_as_a_sequence(tmp_path: Path) -> None:
    test, output = _check(tmp_path, "resnet18_transfer", "classes_len_after_download", "output_shape")
    found, hint = _found_and_hint(test)
    assert found.endswith("`): the name `classes` was set by line 11 (`classes = trainset.classes`), which did not run")
    assert found.count("NameError") == 1
    assert hint == ("set `classes` in a line that runs when the grader loads your file, to a value that suits how it is "
                    "used (your code uses it as `len(classes)`)")
    assert "classes = 10" not in output + hint


def test_a_plain_value_is_suggested_where_it_suits(tmp_path: Path) -> None:
    test, output = _check(tmp_path, "resnet18_transfer", "num_classes_after_download", "output_shape")
    _, hint = _found_and_hint(test)
    assert hint == ("set `NUM_CLASSES` with a plain value (e.g. `NUM_CLASSES = 10`) in a line of its own, or pass it as "
                    "an argument with a default")


SOURCE = '''"""A hand-in."""
import torch
from torch import nn

trainset = load()
classes = trainset.classes
NUM_CLASSES = len(trainset.classes)
device = torch.device("cuda")


def build_model():
    print(f"{NUM_CLASSES} classes")
    return nn.Linear(512, NUM_CLASSES).to(device), [c for c in classes]
'''


@pytest.mark.parametrize(("line", "replaces", "why"), [
    ("NUM_CLASSES = 10", "NUM_CLASSES = len(trainset.classes)", ""),
    ("classes = 10", "classes = trainset.classes", "your code uses it as `for c in classes`"),
    ("device = 10", 'device = torch.device("cuda")', "your code uses it as `nn.Linear(512, NUM_CLASSES).to(device)`"),
    ("import torch.nn as nn", "", ""),
    ('device = torch.device("cuda" if torch.cuda.is_available() else "cpu")', "", ""),
    ("device = cuda.device(0)", "", "`cuda` is not defined before it in your file"),
    ("classes = [", "classes = trainset.classes", "the suggested line does not parse"),
    ("x = 1", "y = 2", "the line it would replace was not found"),
])
def test_a_suggested_line_is_checked_on_the_students_source(line: str, replaces: str, why: str) -> None:
    assert why_not(SOURCE, line, replaces) == why


def test_no_line_is_suggested_for_a_file_that_cannot_be_read() -> None:
    assert why_not(None, "x = 1") == why_not("def (", "x = 1") == "your file could not be read to check it"
    assert why_not("from __future__ import annotations\nimport os\n", "import numpy as np") == ""


def test_a_message_that_ends_in_a_colon_is_followed_by_its_cause_once(tmp_path: Path, needs_data: Path) -> None:
    stem = "quickstart_zero_grad_after_step_download_at_top"
    graded = grade("training_loop", SUBMISSIONS / "real_world" / "training_loop" / f"{stem}.py", tmp_path / stem,
                   "--only", "loaders")
    output = graded.results["output"]
    assert "raised RuntimeError: Error downloading train-images-idx3-ubyte.gz: the grader has no network" in output
    assert "::" not in output


def test_a_name_set_only_under_the_main_guard_is_named_with_its_line() -> None:
    """The grader imports the file, so the main guard never runs: a name bound only there is unbound in a function
    the grader calls (and a name bound at the top level too is not blamed on the guard)."""
    source = "def build_model():\n    return len(classes)\n\n\nif __name__ == '__main__':\n    classes = ('a', 'b')\n"
    assert bound_only_under_main_guard(source, "classes") == 6
    assert bound_only_under_main_guard("classes = ()\n" + source, "classes") == 0
    assert bound_only_under_main_guard(source, "build_model") == 0
    assert bound_only_under_main_guard("def broken(:\n", "classes") == 0


def test_a_real_hand_in_with_its_class_names_under_the_main_guard_reads_why(tmp_path: Path) -> None:
    path = SUBMISSIONS / "real_world" / "resnet18_cifar" / "len_classes_bound_only_under_main.py"
    graded = grade("resnet18_cifar", path, tmp_path, "--only", "output_shape")
    found, hint = _found_and_hint(graded.results["tests"][0])
    assert found.endswith("`classes` is set only under `if __name__ == \"__main__\":` (line 33), which does not run "
                          "when the grader imports your file and calls your functions")
    assert hint == "set `classes` at the top level of your file, outside the main guard"
    assert "Cause: `classes` is set only under" in graded.results["output"]


def test_a_load_error_that_is_no_exception_reads_without_a_dangling_colon() -> None:
    """A submission that killed its fork server (tests/test_forkserver.py grades one) is told what it did and what to
    do instead; a load error that names no exception opens with its own words, not with ': '."""
    from grader.judge.diagnose import Cause, diagnose

    found = diagnose("", "the grading server was killed while the submission ran")
    assert found.cause == Cause.SIGNALLED_GRADER.value
    assert found.summary.startswith("the grading server was killed while the submission ran: your code killed")
    assert found.fix == "send signals only to processes your own code started"
    assert diagnose("", "killed by SIGKILL while being imported").summary == "killed by SIGKILL while being imported"
