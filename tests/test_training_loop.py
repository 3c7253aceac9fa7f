"""Assignment `training_loop` (section 8.3.3): every file in tests/submissions/training_loop/ graded as a
class by the real CLI in the real sandbox, one bug per file, each losing exactly the checks it breaks with
a message that names the bug; the reference validates; (slow) the hidden accuracy check trains with the
student's own loop for one epoch on real MNIST."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import SUBMISSIONS, assert_corpus, grade_class, run_cli

ASSIGNMENT = "training_loop"
CORPUS_DIR = SUBMISSIONS / ASSIGNMENT
ORDER = ["loaders", "steps", "loss", "modes", "evaluate"]
P, F, H, E = "passed", "failed", "partial", "error"

# file → (statuses in ORDER, points of each); a check with two aspects (modes: mode and device; loaders: one
# mistake) gives half its points for one wrong aspect
CORPUS = {
    "correct": ([P, P, P, P, P], [2, 3, 1, 2, 2]),
    "public_zero_grad_after_step": ([P, P, P, P, P], [2, 3, 1, 2, 2]),
    "harmless_workers_tqdm_forward": ([P, P, P, P, P], [2, 3, 1, 2, 2]),
    "no_zero_grad": ([P, F, P, P, P], [2, 0, 1, 2, 2]),
    "zero_grad_after_backward": ([P, F, P, P, P], [2, 0, 1, 2, 2]),
    "step_before_backward": ([P, F, P, P, P], [2, 0, 1, 2, 2]),
    "no_step": ([P, F, P, P, P], [2, 0, 1, 2, 2]),
    "criterion_swapped": ([P, F, P, P, P], [2, 0, 1, 2, 2]),
    "returns_last_loss": ([P, P, F, P, P], [2, 3, 0, 2, 2]),
    "returns_tensor_loss": ([P, P, F, P, P], [2, 3, 0, 2, 2]),
    "returns_sum": ([P, P, F, P, P], [2, 3, 0, 2, 2]),
    "public_per_sample_mean": ([P, P, F, P, P], [2, 3, 0, 2, 2]),
    "no_train_mode": ([P, P, P, H, P], [2, 3, 1, 1, 2]),
    "eval_without_no_grad": ([P, P, P, H, P], [2, 3, 1, 1, 2]),
    "eval_train_mode": ([P, P, P, H, F], [2, 3, 1, 1, 0]),
    "no_device_move": ([P, P, P, H, P], [2, 3, 1, 1, 2]),
    "eval_divides_by_batches": ([P, P, P, P, F], [2, 3, 1, 2, 0]),
    "public_percentage_accuracy": ([P, P, P, P, F], [2, 3, 1, 2, 0]),
    "loaders_no_normalize": ([H, P, P, P, P], [1, 3, 1, 2, 2]),
    "loaders_test_shuffled": ([H, P, P, P, P], [1, 3, 1, 2, 2]),
    "loaders_train_split_twice": ([H, P, P, P, P], [1, 3, 1, 2, 2]),
    "returns_loss_and_accuracy": ([P, P, F, P, P], [2, 3, 0, 2, 2]),
    "eval_fixed_batch_loop": ([P, P, P, E, E], [2, 3, 1, 0, 0]),
    # policy: a scalar of the right value that is not a Python float earns the points, with a note
    "evaluate_returns_tensor": ([P, P, P, P, P], [2, 3, 1, 2, 2]),
    "evaluate_returns_numpy": ([P, P, P, P, P], [2, 3, 1, 2, 2]),
    "loss_returns_numpy": ([P, P, P, P, P], [2, 3, 1, 2, 2]),
    "loss_returns_detached_tensor": ([P, P, P, P, P], [2, 3, 1, 2, 2]),
    # policy: a criterion and optimizer taken in the wrong order fail every check that calls train_one_epoch (the
    # brief asks for exactly its signature), named as the swap when the parameter names tell it
    "args_swapped": ([P, F, F, F, P], [2, 0, 0, 0, 2]),
    "args_swapped_no_device": ([P, F, F, F, P], [2, 0, 0, 0, 2]),
    "args_unnamed_order": ([P, E, E, E, P], [2, 0, 0, 0, 2]),
    "loaders_fashion_mnist": ([F, P, P, P, P], [0, 3, 1, 2, 2]),
    "loaders_cifar10": ([F, P, P, P, P], [0, 3, 1, 2, 2]),
    "loaders_root_plus_name": ([F, P, P, P, P], [0, 3, 1, 2, 2]),
}

SWAP = ("train_one_epoch's parameters are (model, loader, optimizer, loss_fn, device); the brief's order is "
        "(model, loader, criterion, optimizer, device): it called the optimizer as the loss")

# file → check id → words its message (found + hint) must contain
MESSAGES = {
    "no_zero_grad": {"steps": ["zero_grad() is never called", "gradients accumulate"]},
    "zero_grad_after_backward": {"steps": ["zero_grad() is called after loss.backward() and before optimizer.step()"]},
    "step_before_backward": {"steps": ["step() is called before loss.backward()", "nothing is learned"]},
    "no_step": {"steps": ["optimizer.step() is never called"]},
    "criterion_swapped": {"steps": ["criterion(labels, outputs)", "criterion(outputs, labels)"]},
    "returns_last_loss": {"loss": ["the last batch's loss"]},
    "returns_tensor_loss": {"loss": ["holds the autograd graph", "accumulates `loss` instead of `loss.item()`",
                                     "though its value is the right mean"]},
    "returns_sum": {"loss": ["the sum of the batch losses", "len(loader)"]},
    "public_per_sample_mean": {"loss": ["mean loss per image"]},
    "no_train_mode": {"modes": ["train_one_epoch ran the model in eval mode", "model.train()"]},
    "eval_without_no_grad": {"modes": ["evaluate ran with autograd on", "torch.no_grad()"]},
    "eval_train_mode": {"modes": ["evaluate ran the model in training mode", "model.eval()"],
                        "evaluate": ["evaluate changed the model: bn.running_mean"]},
    "no_device_move": {"modes": ["without moving them to `device`", "images.to(device)"]},
    "eval_divides_by_batches": {"evaluate": ["number of batches × batch size", "only 5 images"]},
    "public_percentage_accuracy": {"evaluate": ["a percentage", "[0, 1]"]},
    "loaders_no_normalize": {"loaders": ["[0, 1]: ToTensor without Normalize((0.5,), (0.5,))"]},
    "loaders_test_shuffled": {"loaders": ["the test loader shuffles", "shuffle=False"]},
    "loaders_train_split_twice": {"loaders": ["the test loader holds 60,000 images (the train=True split)"]},
    "returns_loss_and_accuracy": {"loss": ["a tuple of (a 0-dim tensor that holds the autograd graph, a float)"]},
    "eval_fixed_batch_loop": {"evaluate": ["IndexError", "(line 37 of eval_fixed_batch_loop.py: `if predicted[i]",
                                           "the traceback below shows the lines of your code"]},
    "evaluate_returns_tensor": {"evaluate": ["0.1351 = 5/37", "returned as a 0-dim tensor, not the Python float",
                                             ".item()"]},
    "evaluate_returns_numpy": {"evaluate": ["returned as a numpy.float64, not the Python float", ".item()"]},
    "loss_returns_numpy": {"loss": ["the mean of the 3 batch losses; returned as a numpy.float32", ".item()"]},
    "loss_returns_detached_tensor": {"loss": ["the mean of the 3 batch losses; returned as a 0-dim tensor", ".item()"]},
    "args_swapped": {check: [SWAP] for check in ("steps", "loss", "modes")},
    "args_swapped_no_device": {"steps": ["unexpected keyword argument 'device'. train_one_epoch's parameters are "
                                         "(model, loader, optimizer, criterion); the brief's order is (model, loader, "
                                         "criterion, optimizer, device)"]},
    "args_unnamed_order": {"steps": ["'Adam' object is not callable"]},
    "loaders_fashion_mnist": {"loaders": ["make_loaders loads FashionMNIST, not MNIST", "datasets.MNIST(root"]},
    "loaders_cifar10": {"loaders": ["make_loaders loads CIFAR10, not MNIST", "datasets.MNIST(root"]},
    "loaders_root_plus_name": {"loaders": ["glued to the end of `root` without a path separator", "pass `root` itself"]},
}


def test_every_bug_loses_exactly_its_checks_with_a_message_naming_it(tmp_path: Path, needs_data: Path) -> None:
    assert {p.stem for p in CORPUS_DIR.glob("*.py")} == set(CORPUS)
    graded = grade_class(ASSIGNMENT, CORPUS_DIR, tmp_path / "out", "--only", ",".join(ORDER))
    assert_corpus(graded, {name: statuses for name, (statuses, _) in CORPUS.items()}, ORDER, MESSAGES)
    assert "the brief's order" not in graded["args_unnamed_order"]["steps"]["found"]  # names f, g: no guess
    for name, (_, points) in CORPUS.items():
        assert [graded[name][c]["points"] for c in ORDER] == points, name


def test_reference_validates(needs_data: Path) -> None:
    proc = run_cli("validate", ASSIGNMENT, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "valid: reference scored 12/12" in proc.stdout


@pytest.mark.slow
def test_hidden_accuracy_trains_with_the_students_own_loop(tmp_path: Path, needs_data: Path) -> None:
    """One epoch of each student's loop on 20,000 real MNIST images; the parent scores the predictions."""
    folder = tmp_path / "class"
    folder.mkdir()
    for name in ("correct", "no_step", "zero_grad_after_backward", "step_before_backward", "criterion_swapped",
                 "no_zero_grad", "returns_tensor_loss", "args_swapped"):
        shutil.copy(CORPUS_DIR / f"{name}.py", folder)
    graded = grade_class(ASSIGNMENT, folder, tmp_path / "out", "--only", "accuracy")
    accuracy = {name: checks["accuracy"] for name, checks in graded.items()}
    for name in ("correct", "returns_tensor_loss"):
        assert accuracy[name]["status"] == P and "with your train_one_epoch" in accuracy[name]["found"], accuracy[name]
    for name in ("no_step", "zero_grad_after_backward", "step_before_backward"):
        assert accuracy[name]["status"] == F and accuracy[name]["points"] == 0, accuracy[name]
    assert "criterion(labels, outputs)" in accuracy["criterion_swapped"]["found"]
    assert SWAP in accuracy["args_swapped"]["found"] and accuracy["args_swapped"]["points"] == 0
    assert 0 < accuracy["no_zero_grad"]["points"] < 2, accuracy["no_zero_grad"]
