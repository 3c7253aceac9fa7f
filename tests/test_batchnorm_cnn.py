"""Assignment `batchnorm_cnn` (exercise 2b): every file in tests/submissions/batchnorm_cnn/ graded by
the real CLI in the real sandbox with the non-training checks, exact statuses, points and the key
words of the messages; and the reference earns full marks with real training."""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SUBMISSIONS, grade, run_cli

ASSIGNMENT = "batchnorm_cnn"
ORDER = ["output_shape", "architecture", "batchnorm_placement", "batchnorm_running_stats",
         "batchnorm_batch_dependence", "gradient_flow", "reference_gradients"]
POINTS = dict(zip(ORDER, [1, 1, 2, 1, 1, 1, 1]))
P, F, E, M = "passed", "failed", "error", "missing"

# outcome file → statuses of the non-training checks, in ORDER
CORPUS = {
    "correct_attributes": [P, P, P, P, P, P, P],
    "correct_sequential": [P, P, P, P, P, P, P],
    "no_batchnorm": [P, F, F, F, F, P, F],
    "batchnorm1d_wrong_place": [F, F, F, E, E, E, E],  # BatchNorm1d crashes on [N, C, H, W]
    "wrong_num_features": [F, F, F, E, E, E, F],       # BatchNorm2d(16) after 32 channels crashes
    "batchnorm_after_classifier": [P, F, F, P, P, P, F],
    "batchnorm_unused": [P, P, F, F, F, F, F],
    "overrides_train": [P, P, P, F, F, P, F],
    "relu_before_batchnorm": [P, P, P, P, P, P, F],
    "missing_class": [M, M, M, M, M, M, M],
}

# outcome file → check id → words its message must contain
MESSAGES = {
    "no_batchnorm": {"batchnorm_placement": ["no BatchNorm layer ran", "'conv1'", "'conv2'"],
                     "batchnorm_running_stats": ["no BatchNorm layer"],
                     "batchnorm_batch_dependence": ["train mode", "batch's statistics"]},
    "batchnorm1d_wrong_place": {"batchnorm_placement": ["'bn1' BatchNorm1d(16)", "needs a BatchNorm2d",
                                                        "nn.BatchNorm2d(16)", "expected 2D or 3D input"]},
    "wrong_num_features": {"batchnorm_placement": ["'conv2' (32 output channels)", "'bn2' BatchNorm2d(16)",
                                                   "expected num_features=32, found 16"]},
    "batchnorm_after_classifier": {"batchnorm_placement": ["'bn' BatchNorm1d(10)", "after the last Linear",
                                                           "'fc2'", "normalises the logits"]},
    "batchnorm_unused": {"batchnorm_placement": ["'bn1' (BatchNorm2d), 'bn2' (BatchNorm2d)",
                                                 "never used in forward"],
                         "batchnorm_running_stats": ["did not change in train mode"]},
    "overrides_train": {"batchnorm_running_stats": ["after model.eval() the running statistics still changed",
                                                    "model.training is still True", "override train()"],
                        "batchnorm_batch_dependence": ["eval mode", "run alone", "running statistics"]},
    "relu_before_batchnorm": {"reference_gradients": ["gradients differ", "bn1.bias"]},
    "missing_class": {"output_shape": ["BatchNormCnn"]},
}


@pytest.mark.parametrize("outcome", sorted(CORPUS))
def test_batchnorm_corpus(outcome: str, tmp_path: Path) -> None:
    graded = grade(ASSIGNMENT, SUBMISSIONS / ASSIGNMENT / f"{outcome}.py", tmp_path, "--only", ",".join(ORDER))
    want = dict(zip(ORDER, CORPUS[outcome]))
    assert graded.statuses() == want
    assert graded.results["score"] == sum(POINTS[c] for c, s in want.items() if s == P)
    outputs = {t["extra_data"]["check_id"]: t["output"] for t in graded.results["tests"]}
    for check_id, words in MESSAGES.get(outcome, {}).items():
        for w in words:
            assert w in outputs[check_id], (check_id, w, outputs[check_id])


@pytest.mark.slow  # about 50 s of real training on 2 cores; `make test-slow` runs it
def test_validate_full_marks_with_training(needs_data: Path) -> None:
    """The reference earns every point, the quick and the high-learning-rate training included
    (about 45 s on an idle 2-core CPU)."""
    proc = run_cli("validate", ASSIGNMENT)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "valid:" in proc.stdout and "NOT valid" not in proc.stdout
    assert "reference scored 10/10" in proc.stdout, proc.stdout[-3000:]
