"""resnet18_cifar (section 8.4): torchvision's ResNet18 for CIFAR-10 and the chapter's transform. Every
corpus file graded by the real CLI in the real sandbox with exact statuses and the words of the messages
(the structure check names the ResNet built, the transform check the normalisation used); (slow) the
reference trains with the 'small' protocol and earns full marks."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import REPO, SUBMISSIONS, assert_corpus, grade, grade_class

ORDER = ["output_shape", "structure", "transform", "gradient_flow"]
P, F, E = "passed", "failed", "error"
CORPUS = {
    "correct": [P, P, P, P],
    "correct_replaced_fc": [P, P, P, P],
    "head_1000_classes": [F, F, P, P],  # gradients flow through any [batch, k] logits
    "conv_head_no_flatten": [F, F, P, E],  # no logits at all: output_shape charges it, gradient_flow says so
    "resnet34": [P, F, P, P],
    "no_normalize": [P, P, F, P],
    "imagenet_normalize": [P, P, F, P],
    "resize_224": [P, P, F, P],
    "no_to_tensor": [P, P, F, P],
}
MESSAGES = {
    "head_1000_classes": {"structure": ["[512, 1000]", "num_classes=10"],
                          "gradient_flow": ["62 parameter tensors, all with finite non-zero gradients"]},
    "conv_head_no_flatten": {"gradient_flow": ["output shape [4, 10, 1, 1] for a batch of 4, not logits",
                                               "'Output shape' already lost its points for this"]},
    "resnet34": {"structure": ["torchvision's resnet34", "[3, 4, 6, 3]"]},
    "no_normalize": {"transform": ["values in [0, 1]", "Normalize((0.5, 0.5, 0.5)"]},
    "imagenet_normalize": {"transform": ["ImageNet's normalisation"]},
    "resize_224": {"transform": ["[3, 224, 224]", "Resize(32)"]},
    "no_to_tensor": {"transform": ["PIL.Image.Image, not a tensor", "ToTensor()"]},
}


def test_resnet18_cifar_corpus(tmp_path: Path, needs_data: Path) -> None:
    graded = grade_class("resnet18_cifar", SUBMISSIONS / "resnet18_cifar", tmp_path / "out", "--only", ",".join(ORDER))
    assert_corpus(graded, CORPUS, ORDER, MESSAGES)


@pytest.mark.slow
def test_reference_trains_to_full_marks(tmp_path: Path, needs_data: Path) -> None:
    graded = grade("resnet18_cifar", REPO / "reference" / "resnet18_cifar" / "solution.py", tmp_path)
    assert graded.results["score"] == 9, graded.stdout[-3000:]
    assert "'small' protocol" in json.dumps(graded.results)
    full = graded.results["extra_data"]["skipped"]["test_accuracy_full"]
    assert "only on cuda" in full, full



def test_a_defect_is_charged_by_its_own_check_once(tmp_path: Path, needs_data: Path) -> None:
    """No logits at all: output_shape charges it; gradient flow and the accuracy check say so and earn nothing.
    Graded without output_shape, gradient flow charges it itself, with its own message."""
    hand_in = SUBMISSIONS / "resnet18_cifar" / "conv_head_no_flatten.py"
    graded = grade("resnet18_cifar", hand_in, tmp_path / "all", "--only", "output_shape,gradient_flow,test_accuracy")
    assert graded.statuses() == {"output_shape": "failed", "gradient_flow": "error", "test_accuracy": "error"}
    found = {t["extra_data"]["check_id"]: t["output"] for t in graded.results["tests"]}
    assert "output shape [2, 10, 1, 1] for a batch of 2, not logits [batch, k] with k ≥ 10" in found["test_accuracy"]
    for check in ("gradient_flow", "test_accuracy"):
        assert "Not measured: 'Output shape' already lost its points for this" in found[check], found[check]
    assert graded.results["score"] == 0

    alone = grade("resnet18_cifar", hand_in, tmp_path / "alone", "--only", "gradient_flow")
    assert alone.statuses() == {"gradient_flow": "failed"}
    [test] = alone.results["tests"]
    assert "not logits [batch, classes]: no loss to take gradients of" in test["output"]
    assert "already lost" not in test["output"] and "return one row of class scores per image" in test["output"]


@pytest.mark.slow  # one epoch of ResNet18 on 10,000 images: about 2 minutes on a busy 2-core CPU
def test_a_1000_way_head_still_trains_to_the_reference_accuracy(tmp_path: Path, needs_data: Path) -> None:
    """The head's width is output_shape's and structure's to charge: the accuracy check trains [batch, 1000]
    logits with the recipe (an extra output is never a right prediction) and measures what it learnt."""
    graded = grade("resnet18_cifar", SUBMISSIONS / "resnet18_cifar" / "head_1000_classes.py", tmp_path,
                   "--only", "test_accuracy")
    assert graded.statuses() == {"test_accuracy": "passed"}, graded.results["tests"][0]["output"]
