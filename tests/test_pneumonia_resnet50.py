"""pneumonia_resnet50 (the chapter's project): every corpus file graded by the real CLI in the real sandbox
on the X-ray folder the child generates (grayscale JPEGs, 3 pneumonia to 1 normal in training), with exact
statuses and the words of the messages; the reference validates; the clinical check is SKIPPED without the
real X-rays and weights, saying where each goes, and runs end to end on a stand-in dataset with random
stand-in weights."""
from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
import torch
from conftest import REPO, SUBMISSIONS, assert_corpus, grade_class, run_cli

from grader.probes.clinical import roc_auc
from grader.probes.xray import COUNTS, write_xray_folder

WEIGHTS_FILE = "resnet50-0676ba61.pth"

ORDER = ["output_shape", "transforms", "datasets", "frozen_backbone", "new_head", "class_weights"]
P, F, H, E = "passed", "failed", "partial", "error"
CORPUS = {
    "correct": [P, P, P, P, P, P],
    "no_grayscale_to_rgb": [P, H, P, P, P, P],
    "augments_eval": [P, H, P, P, P, P],  # make_datasets gives each split its transform: transforms owns the rest
    "half_normalisation": [P, H, P, P, P, P],
    "train_transform_everywhere": [P, P, F, P, P, P],
    "unweighted_loss": [P, P, P, P, P, F],
    "weights_not_inverted": [P, P, P, P, P, F],
    "backbone_trainable": [P, P, P, F, P, P],
    "one_logit_head": [F, P, P, P, F, P],  # a step runs on one logit (binary cross-entropy): the backbone is frozen
    "weights_default_in_build_model": [E, P, P, E, E, P],
    "wrapper_frozen": [P, P, P, P, P, P],  # the ResNet50 in self.model: found there
    "one_transform_for_all": [P, H, E, P, P, P],  # no augmentation: the transforms check's, charged once
    "datasets_root_plus_train": [P, P, E, P, P, P],
}
MESSAGES = {
    "no_grayscale_to_rgb": {"transforms": ["the evaluation transform fails on a grayscale image",
                                           "Grayscale(num_output_channels=3)"]},
    "augments_eval": {"transforms": ["the evaluation transform is random"],
                      "datasets": ["val and test with the evaluation transform"]},
    "half_normalisation": {"transforms": ["the evaluation transform's values are another normalisation",
                                          "[0.485, 0.456, 0.406]"]},
    "train_transform_everywhere": {"datasets": ["the val dataset uses the training transform",
                                                "the test dataset uses the training transform",
                                                "give val and test the evaluation transform"]},
    "one_transform_for_all": {"transforms": ["the training transform is deterministic: no augmentation"],
                              "datasets": ["make_transforms() gives the same images for training and evaluation",
                                           "Not measured: 'Transforms for grayscale X-rays' already lost its points"]},
    "wrapper_frozen": {"frozen_backbone": ["all 159 parameter tensors", "in model"]},
    "unweighted_loss": {"class_weights": ["no class weights (weight=None)"]},
    "weights_not_inverted": {"class_weights": ["proportional to the counts, not to their inverse"]},
    "backbone_trainable": {"frozen_backbone": ["still trainable", "layer4"]},
    "datasets_root_plus_train": {"datasets": ["`root + 'train'` glues 'train' to the end of the folder's name without "
                                              "a path separator", "os.path.join(root, 'train')"]},
    "one_logit_head": {"frozen_backbone": ["are frozen and unchanged in one training step"],
                       "new_head": ["fc is nn.Linear(2048, 1)",
                                    "give the new layer one output per class: model.fc = nn.Linear(2048, 2)"]},
    "weights_default_in_build_model": {"new_head": ["`build_model`, which the grader calls, downloads pretrained",
                                                    "`models.resnet50(weights=weights)`"]},
}


def test_pneumonia_corpus(tmp_path: Path) -> None:
    graded = grade_class("pneumonia_resnet50", SUBMISSIONS / "pneumonia_resnet50", tmp_path / "out")
    assert_corpus(graded, CORPUS, ORDER, MESSAGES)


def test_reference_validates() -> None:
    proc = run_cli("validate", "pneumonia_resnet50", timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "valid: reference scored 10/10" in proc.stdout


def test_roc_auc_counts_every_pair_of_a_pneumonia_and_a_normal_xray() -> None:
    scores = torch.tensor([0.9, 0.1, 0.5, 0.5, 0.7, 0.2, 0.5], dtype=torch.float64)
    sick = torch.tensor([True, False, True, False, False, True, True])
    pairs = [(1.0 if a > b else 0.5 if a == b else 0.0) for a, b in itertools.product(scores[sick], scores[~sick])]
    assert roc_auc(scores, sick) == pytest.approx(sum(pairs) / len(pairs))


def test_clinical_check_is_skipped_saying_where_the_xrays_and_weights_go(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))
    monkeypatch.setenv("GRADER_DATA", str(tmp_path / "data"))
    out = tmp_path / "out"
    proc = run_cli("grade", "pneumonia_resnet50", str(REPO / "reference" / "pneumonia_resnet50" / "solution.py"),
                   "--out", str(out), "--only", "new_head,clinical_metrics")
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads((out / "results.json").read_text())
    assert "clinical_metrics" not in [t["extra_data"]["check_id"] for t in results["tests"]]  # no failed test
    why = results["extra_data"]["skipped"]["clinical_metrics"]
    for words in (f"{tmp_path / 'data' / 'chest_xray'}/ needs train/ and test/", "Mendeley Data",
                  str(tmp_path / "torch_home" / "hub" / "checkpoints" / WEIGHTS_FILE)):
        assert words in why and words in proc.stdout, why  # the instructor's (Gradescope: the autograder's stdout)
        assert words not in results["output"]  # the output Gradescope shows the student


def test_clinical_metrics_end_to_end_on_stand_in_xrays_with_random_weights(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """STAND-INS: the 'X-rays' are the generated noise JPEGs and the 'pretrained' ResNet50 is random, so this
    proves the plumbing (staging with the test labels kept out of the child, the student's transforms and
    criterion, fine-tuning in the sandbox, the parent's scoring), not a real AUC."""
    import torchvision

    write_xray_folder(tmp_path / "data" / "chest_xray", seed=3)
    checkpoints = tmp_path / "torch_home" / "hub" / "checkpoints"
    checkpoints.mkdir(parents=True)
    torch.manual_seed(0)
    torch.save(torchvision.models.resnet50().state_dict(), checkpoints / WEIGHTS_FILE)
    for folder in (tmp_path, tmp_path / "torch_home", tmp_path / "torch_home" / "hub", checkpoints):
        folder.chmod(0o755)
    (checkpoints / WEIGHTS_FILE).chmod(0o644)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))
    monkeypatch.setenv("GRADER_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    out = tmp_path / "out"
    proc = run_cli("grade", "pneumonia_resnet50", str(REPO / "reference" / "pneumonia_resnet50" / "solution.py"),
                   "--out", str(out), "--only", "clinical_metrics", "--device", "cpu", timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    clinical = json.loads((out / "results.json").read_text())["tests"][0]
    assert clinical["extra_data"]["status"] in ("failed", "partial", "passed") and "ROC AUC" in clinical["output"], \
        clinical
    sick, normal = COUNTS["test"]["PNEUMONIA"], COUNTS["test"]["NORMAL"]
    for words in (f"of {sick} pneumonia X-rays flagged", f"of {normal} normal ones cleared",
                  f"one epoch on {sum(COUNTS['train'].values())} training X-rays"):
        assert words in clinical["output"], clinical["output"]
    staged = next((tmp_path / "cache" / "cnn-grader" / "staged").glob("chest_xray-*"))
    assert sorted(p.name for p in (staged / "train").iterdir()) == ["NORMAL", "PNEUMONIA"]
    assert all(p.is_file() and p.stem.isdigit() for p in (staged / "test").iterdir())
    assert len(list((staged / "test").iterdir())) == sick + normal
