"""resnet18_transfer (section 8.5): the transfer probes, shared with vgg16_transfer, on torchvision's
ResNet18 (`architecture = "resnet18"`): every corpus file graded by the real CLI in the real sandbox,
exact statuses and the words of the messages; the fine-tuning check SKIPPED, with the exact file and
path, where the ImageNet weights are missing."""
from __future__ import annotations

from pathlib import Path

from conftest import SUBMISSIONS, assert_corpus, grade_class, run_cli

ORDER = ["output_shape", "architecture", "frozen_layers", "new_head", "optimizer_params", "transfer_accuracy"]
P, F, E, S = "passed", "failed", "error", "skipped"
CORPUS = {
    "correct": [P, P, P, P, P, S],
    "correct_filter_trainable": [P, P, P, P, P, S],
    "nothing_frozen": [P, P, F, P, F, S],
    "frozen_after_head": [P, P, P, F, F, S],
    "head_1000_classes": [F, F, P, F, P, S],
    "head_2_classes": [F, F, P, F, P, S],  # a step runs on [batch, 2] logits: the frozen backbone earns its points
    "optimizer_all_params": [P, P, P, P, F, S],
    "vgg_instead": [P, F, F, F, P, S],
    "pretrained_true_in_build_model": [E, E, E, E, E, S],
    "classes_len_after_download": [E, E, E, E, E, S],
    "num_classes_after_download": [E, E, E, E, E, S],
    "wrapper_frozen": [P, P, P, P, P, S],  # the ResNet18 in self.resnet: found there, as new_head finds resnet.fc
    "wrapper_layer4_unfrozen": [P, P, F, P, P, S],
    "sequential_head": [P, F, P, F, P, S],
}
MESSAGES = {
    "nothing_frozen": {"frozen_layers": [("conv1, bn1, layer1, layer2, layer3 and layer4 are still trainable "
                                          "(requires_grad=True)"), ": 60 tensors", "param.requires_grad = False"]},
    "frozen_after_head": {"new_head": ["fc is nn.Linear(512, 10), but it is frozen", "before replacing"]},
    "head_1000_classes": {"new_head": ["fc is nn.Linear(512, 1000)", "model.fc = nn.Linear(512, 10)"]},
    "head_2_classes": {"frozen_layers": ["are frozen and unchanged in one training step"],
                       "new_head": ["fc is nn.Linear(512, 2)",
                                    "give the new layer one output per class: model.fc = nn.Linear(512, 10)"]},
    "optimizer_all_params": {"optimizer_params": ["in the optimizer but frozen: 60 tensors"]},
    "vgg_instead": {"frozen_layers": ["a VGG without the pretrained layers (conv1, bn1, layer1"],
                    "new_head": ["keep ResNet18's layers"]},
    "correct": {"transfer_accuracy": ["resnet18-f37072fd.pth", "hub/checkpoints"]},
    "pretrained_true_in_build_model": {"frozen_layers": ["`build_model`, which the grader calls, downloads pretrained",
                                                         "pass on the `weights` argument build_model is given"]},
    "classes_len_after_download": {"new_head": ["your code uses it as `len(classes)`"]},
    "wrapper_frozen": {"frozen_layers": ["all 60 parameter tensors", "in resnet", "frozen and unchanged"],
                       "new_head": ["resnet.fc is nn.Linear(512, 10), trainable"]},
    "wrapper_layer4_unfrozen": {"frozen_layers": ["model.layer4 is still trainable (requires_grad=True)", ": 15 tensors",
                                                  "leave model.layer4 frozen"]},
    "sequential_head": {"architecture": ["20 Conv2d as expected",
                                         "2 Linear (expected 1): fc is Sequential(Linear(512, 256), ReLU, Dropout(p=0.4), Linear(256, 10))",
                                         "replace fc by one nn.Linear(512, 10)"]},
}


def test_resnet18_transfer_corpus(tmp_path: Path, needs_data: Path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "no-weights"))
    graded = grade_class("resnet18_transfer", SUBMISSIONS / "resnet18_transfer", tmp_path / "out")
    assert_corpus(graded, CORPUS, ORDER, MESSAGES)
    for name, checks in graded.items():  # ResNet18's 20 Conv2d counted, not listed (2,500 characters each before)
        architecture = checks["architecture"]
        assert len(architecture["expected"] + architecture["found"]) < 500, (name, architecture)


def test_reference_validates_without_the_weights(tmp_path: Path, needs_data: Path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "no-weights"))
    proc = run_cli("validate", "resnet18_transfer", timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "valid: reference scored 10/10" in proc.stdout
