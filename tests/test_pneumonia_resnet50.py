"""pneumonia_resnet50 (the chapter's project): every corpus file graded by the real CLI in the real sandbox
on the X-ray folder the child generates (grayscale JPEGs, 3 pneumonia to 1 normal in training), with exact
statuses and the words of the messages; the reference validates."""
from __future__ import annotations

from pathlib import Path

from conftest import SUBMISSIONS, assert_corpus, grade_class, run_cli

ORDER = ["output_shape", "transforms", "datasets", "frozen_backbone", "new_head", "class_weights"]
P, F, H = "passed", "failed", "partial"
CORPUS = {
    "correct": [P, P, P, P, P, P],
    "no_grayscale_to_rgb": [P, H, P, P, P, P],
    "augments_eval": [P, H, F, P, P, P],
    "half_normalisation": [P, H, P, P, P, P],
    "train_transform_everywhere": [P, P, F, P, P, P],
    "unweighted_loss": [P, P, P, P, P, F],
    "weights_not_inverted": [P, P, P, P, P, F],
    "backbone_trainable": [P, P, P, F, P, P],
}
MESSAGES = {
    "no_grayscale_to_rgb": {"transforms": ["the evaluation transform fails on a grayscale image",
                                           "Grayscale(num_output_channels=3)"]},
    "augments_eval": {"transforms": ["the evaluation transform is random"],
                      "datasets": ["the val dataset augments", "the test dataset augments"]},
    "half_normalisation": {"transforms": ["the evaluation transform's values are another normalisation",
                                          "[0.485, 0.456, 0.406]"]},
    "train_transform_everywhere": {"datasets": ["the val dataset augments"]},
    "unweighted_loss": {"class_weights": ["no class weights (weight=None)"]},
    "weights_not_inverted": {"class_weights": ["proportional to the counts, not to their inverse"]},
    "backbone_trainable": {"frozen_backbone": ["still trainable", "layer4"]},
}


def test_pneumonia_corpus(tmp_path: Path) -> None:
    graded = grade_class("pneumonia_resnet50", SUBMISSIONS / "pneumonia_resnet50", tmp_path / "out")
    assert_corpus(graded, CORPUS, ORDER, MESSAGES)


def test_reference_validates() -> None:
    proc = run_cli("validate", "pneumonia_resnet50", timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "valid: reference scored 10/10" in proc.stdout
