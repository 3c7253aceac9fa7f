"""resnet18_transfer (section 8.5): the transfer probes, shared with vgg16_transfer, on torchvision's
ResNet18 (`architecture = "resnet18"`): every corpus file graded by the real CLI in the real sandbox,
exact statuses and the words of the messages; the fine-tuning check SKIPPED, with the exact file and
path, where the ImageNet weights are missing."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from conftest import SUBMISSIONS, run_cli

ORDER = ["output_shape", "architecture", "frozen_layers", "new_head", "optimizer_params", "transfer_accuracy"]
P, F, S = "passed", "failed", "skipped"
CORPUS = {
    "correct": [P, P, P, P, P, S],
    "correct_filter_trainable": [P, P, P, P, P, S],
    "nothing_frozen": [P, P, F, P, F, S],
    "frozen_after_head": [P, P, P, F, F, S],
    "head_1000_classes": [F, F, P, F, P, S],
    "optimizer_all_params": [P, P, P, P, F, S],
    "vgg_instead": [P, F, F, F, P, S],
}
MESSAGES = {
    "nothing_frozen": {"frozen_layers": ["still trainable", "layer4.0.conv1", "param.requires_grad = False"]},
    "frozen_after_head": {"new_head": ["fc is nn.Linear(512, 10), but it is frozen", "before replacing"]},
    "head_1000_classes": {"new_head": ["fc is nn.Linear(512, 1000)", "model.fc = nn.Linear(512, 10)"]},
    "optimizer_all_params": {"optimizer_params": ["in the optimizer but frozen: 60 tensors"]},
    "vgg_instead": {"frozen_layers": ["a VGG without the pretrained layers (conv1, bn1, layer1"],
                    "new_head": ["keep ResNet18's layers"]},
    "correct": {"transfer_accuracy": ["resnet18-f37072fd.pth", "hub/checkpoints"]},
}


def test_resnet18_transfer_corpus(tmp_path: Path, needs_data: Path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "no-weights"))
    out = tmp_path / "out"
    proc = run_cli("batch", "resnet18_transfer", str(SUBMISSIONS / "resnet18_transfer"), "--out", str(out),
                   "--jobs", "2", timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    with sqlite3.connect(f"file:{out / 'grades.sqlite'}?mode=ro", uri=True) as db:
        graded = {Path(r["submission"]).stem: {c["check_id"]: c for c in r["checks"]}
                  for r in (json.loads(text) for (text,) in db.execute("SELECT result FROM results"))}
    assert set(graded) == set(CORPUS)
    for name, statuses in CORPUS.items():
        assert [graded[name][c]["status"] for c in ORDER] == statuses, (name, {c: graded[name][c]["found"]
                                                                              for c in ORDER})
        for check, words in MESSAGES.get(name, {}).items():
            text = graded[name][check]["found"] + " " + graded[name][check]["hint"]
            for word in words:
                assert word in text, (name, check, word, text)


def test_reference_validates_without_the_weights(tmp_path: Path, needs_data: Path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "no-weights"))
    proc = run_cli("validate", "resnet18_transfer", timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "valid: reference scored 10/10" in proc.stdout
