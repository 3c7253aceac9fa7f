"""vgg16_transfer: every corpus file graded by the real CLI in the real sandbox (the checks that
need no pretrained weights), the fine-tuning check SKIPPED and not counted without the ImageNet
weights file, and (slow) the fine-tuning path end to end with RANDOM weights standing in for the
ImageNet ones."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import REPO, SUBMISSIONS, assert_corpus, grade, grade_class, run_cli

STATIC = "output_shape,architecture,frozen_layers,new_head,optimizer_params"
ORDER = STATIC.split(",")
P, F, M = "passed", "failed", "missing"
WEIGHTS_FILE = "vgg16-397923af.pth"
WEIGHTS_URL = "https://download.pytorch.org/models/vgg16-397923af.pth"

# outcome file → statuses of the five non-training checks (2 points each)
CORPUS = {
    "correct": [P, P, P, P, P],
    "correct_alternative": [P, P, P, P, P],
    "nothing_frozen": [P, P, F, P, P],
    "everything_frozen": [P, P, P, F, F],
    "head_1000_classes": [F, F, P, F, P],
    "optimizer_all_params": [P, P, P, P, F],
    "optimizer_other_model": [P, P, P, F, F],
    "resnet_instead": [P, F, F, F, P],
    "missing_make_optimizer": [P, P, M, M, M],
    "no_weights_argument": [P, P, F, F, F],
}
# outcome file → check id → words its message must contain
WORDS = {
    "nothing_frozen": {"frozen_layers": [("features is still trainable (requires_grad=True) and changed in one "
                                          "training step: 26 tensors"),
                                         "changed in one training step", "p.requires_grad = False"]},
    "everything_frozen": {"new_head": ["classifier.6 is nn.Linear(4096, 10), but it is frozen", "not after"],
                          "optimizer_params": ["no trainable parameters",
                                               "in the optimizer but frozen: 2 tensors (classifier.6)"]},
    "head_1000_classes": {"output_shape": ["output [2, 1000] (expected [2, 10])"],
                          "new_head": ["classifier.6 is nn.Linear(4096, 1000)", "model.classifier[6] = nn.Linear(4096, 10)"]},
    "optimizer_all_params": {"optimizer_params": ["trainable: 2 tensors (classifier.6)",
                                                  "in the optimizer but frozen: 30 tensors (features.0 … features.28: "
                                                  "13 layers; classifier.0, classifier.3)"]},
    "optimizer_other_model": {"new_head": ["one training step did not change it"],
                              "optimizer_params": ["trainable but not in the optimizer: 2 tensors (classifier.6)",
                                                   "not parameters of the model it was given: 2 tensors",
                                                   "don't build another model"]},
    "resnet_instead": {"architecture": ["20 Conv2d (expected 13)", "1 Linear (expected 3)"],
                       "frozen_layers": ["ResNet without a `features` part"],
                       "new_head": ["fc is nn.Linear(512, 10)"]},
    "missing_make_optimizer": {"frozen_layers": ["make_optimizer is not defined"]},
    "no_weights_argument": {"new_head": ["does not take a `weights` argument", "def build_model(weights=None)"]},
}


def test_vgg16_corpus(tmp_path: Path) -> None:
    """The corpus as one class (two workers): each file's statuses, points and the words of its messages."""
    graded = grade_class("vgg16_transfer", SUBMISSIONS / "vgg16_transfer", tmp_path / "out", "--only", STATIC)
    assert_corpus(graded, CORPUS, ORDER, WORDS)
    for outcome, checks in graded.items():
        assert sum(c["points"] for c in checks.values()) == 2 * CORPUS[outcome].count(P), outcome


def test_finetuning_skipped_and_not_counted_without_weights(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             needs_data: Path) -> None:
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))
    graded = grade("vgg16_transfer", SUBMISSIONS / "vgg16_transfer" / "correct.py", tmp_path / "out",
                   "--only", "new_head,transfer_accuracy")
    assert graded.statuses() == {"new_head": P, "transfer_accuracy": "skipped"}
    assert graded.results["score"] == 2
    assert "Score: 2 / 2 (100%)" in graded.results["output"]
    assert [t["extra_data"]["check_id"] for t in graded.results["tests"]] == ["new_head"]  # no failed test for it
    wanted_at = tmp_path / "torch_home" / "hub" / "checkpoints" / WEIGHTS_FILE
    for text in (graded.html, graded.results["extra_data"]["skipped"]["transfer_accuracy"]):  # the instructor's
        assert str(wanted_at) in text and WEIGHTS_URL in text and "528 MB" in text and "TORCH_HOME" in text
    assert "not counted in the score" in graded.html
    assert WEIGHTS_URL not in graded.results["output"]  # Gradescope shows it to the student


def test_validate_full_marks_without_weights(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             needs_data: Path) -> None:
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    proc = run_cli("validate", "vgg16_transfer")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "valid: reference scored 10/10" in proc.stdout and "NOT valid" not in proc.stdout


def _stand_in_weights(torch_home: Path) -> None:
    """A RANDOMLY INITIALISED VGG16 state dict saved under the ImageNet weights' file name:
    torchvision checks the hash only when it downloads, so it loads this file as if it were the
    real weights. Readable by `nobody`, like the real cache must be."""
    import torch
    import torchvision

    checkpoints = torch_home / "hub" / "checkpoints"
    checkpoints.mkdir(parents=True)
    torch.manual_seed(0)
    torch.save(torchvision.models.vgg16().state_dict(), checkpoints / WEIGHTS_FILE)
    for folder in (torch_home, torch_home / "hub", checkpoints):
        folder.chmod(0o755)
    (checkpoints / WEIGHTS_FILE).chmod(0o644)


@pytest.mark.slow
def test_finetuning_end_to_end_with_random_stand_in_weights(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            needs_data: Path) -> None:
    """STAND-IN WEIGHTS: the 'pretrained' VGG16 here is random, so this proves the plumbing
    (weights file found through TORCH_HOME and loaded in the sandbox, the student's optimizer,
    the transfer protocol, record → metrics.json → judged accuracy), not real transfer accuracy.
    Two fine-tuning runs (record, then grade): several minutes on a 2-core CPU."""
    _stand_in_weights(tmp_path / "torch_home")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))
    references = tmp_path / "reference"
    shutil.copytree(REPO / "reference" / "vgg16_transfer", references / "vgg16_transfer")
    (references / "vgg16_transfer" / "metrics.json").unlink(missing_ok=True)
    monkeypatch.setenv("GRADER_REFERENCE", str(references))

    proc = run_cli("reference", "record", "vgg16_transfer", "--protocol", "transfer", "--seeds", "1",
                   "--device", "cpu", timeout=1800)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    recorded = json.loads((references / "vgg16_transfer" / "metrics.json").read_text())["protocols"]["transfer"]["cpu"]
    assert 0.0 < recorded["accuracy_mean"] < 1.0 and recorded["seeds"] == [0]

    out = tmp_path / "out"
    proc = run_cli("grade", "vgg16_transfer", str(SUBMISSIONS / "vgg16_transfer" / "correct.py"), "--out", str(out),
                   "--only", "transfer_accuracy", "--device", "cpu", timeout=1800)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads((out / "results.json").read_text())
    test = results["tests"][0]
    assert test["extra_data"]["status"] == P and results["score"] == 2, test["output"]
    assert "test accuracy" in test["output"] and "'transfer' protocol" in test["output"]
