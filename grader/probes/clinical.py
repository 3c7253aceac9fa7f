"""The chapter's project on real X-rays (`pneumonia_resnet50`): fine-tune the student's ResNet50 from the
ImageNet weights with the student's transforms and class-weighted loss, then report what a clinician asks of
a screening test: sensitivity (pneumonia found), specificity (normal X-rays left alone) and ROC AUC.

It runs only where the real dataset (Kermany et al. 2018) is under the data root and the ResNet50 weights are
in torchvision's cache; elsewhere the check is SKIPPED with where each goes, which only the instructor reads
(grader.policy: a student reads that the grader's machine lacks what the check needs). The parent stages the
training X-rays as they are and the test X-rays unlabeled (grader.training.data), so the child returns a
probability of pneumonia per test image and only the parent, which holds the labels, scores them.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from grader.probes.base import (
    JudgeContext,
    MeasureContext,
    MeasureError,
    Param,
    Probe,
    Verdict,
)
from grader.probes.transfer import (
    build_student_model,
    imagenet_weights,
    weights_missing,
)
from grader.training.data import xray_missing

BATCH = 32
LEARNING_RATE = 1e-3


def clinical_unavailable(params: dict[str, Any], data_root: Path) -> str:
    """Parent side: '' when both the X-rays and the ImageNet weights are here, else where they go."""
    return "; and ".join(reason for reason in (xray_missing(data_root), weights_missing(params)) if reason)


def _student_parts(ctx: MeasureContext, train_folder: Path) -> tuple[Any, Any, Any]:
    """(the training ImageFolder with the student's training transform, the student's evaluation transform, the
    student's criterion for that ImageFolder)."""
    from torch import nn
    from torchvision.datasets import ImageFolder

    transforms = ctx.namespace["make_transforms"]()
    if not isinstance(transforms, (tuple, list)) or len(transforms) != 2:
        raise MeasureError(f"make_transforms returned {type(transforms).__name__}, not (train, eval)",
                           "return train_transform, eval_transform")
    train_set = ImageFolder(str(train_folder), transform=transforms[0])
    criterion = ctx.namespace["make_criterion"](train_set)
    if not isinstance(criterion, nn.Module):
        raise MeasureError(f"make_criterion returned a {type(criterion).__name__}, not a loss module",
                           "return nn.CrossEntropyLoss(weight=class_weights)")
    return train_set, transforms[1], criterion


def measure_clinical(ctx: MeasureContext, params: dict[str, Any]) -> dict[str, Any]:
    """One epoch over `train_images` seeded training X-rays (the student's transform and criterion, the grader's
    Adam over the trainable parameters), then P(pneumonia) for every unlabeled test X-ray."""
    import torch
    from torch.utils.data import DataLoader, Subset
    from torchvision.datasets.folder import default_loader

    if ctx.staged_dir is None:
        raise MeasureError("no X-rays were made available to the grading process")
    train_set, eval_transform, criterion = _student_parts(ctx, ctx.staged_dir / "train")
    pneumonia = train_set.class_to_idx.get("PNEUMONIA")
    if pneumonia is None:
        raise MeasureError(f"the training ImageFolder's classes are {train_set.classes}, without PNEUMONIA")
    model = build_student_model(ctx, params, imagenet_weights(params))
    trainable = [p for p in model.parameters() if p.requires_grad]
    if not trainable:
        raise MeasureError("nothing in the model is trainable, so fine-tuning cannot change it",
                           "the new model.fc must keep requires_grad=True")
    generator = torch.Generator().manual_seed(ctx.seed)
    chosen = torch.randperm(len(train_set), generator=generator)[:params["train_images"]].tolist()
    loader = DataLoader(Subset(train_set, chosen), batch_size=BATCH, shuffle=True, generator=generator)
    optimizer = torch.optim.Adam(trainable, lr=LEARNING_RATE)
    criterion = criterion.to(ctx.device)
    ctx.progress(f"fine-tuning on {len(chosen)} training X-rays")
    start = time.perf_counter()
    model.train()
    for images, labels in loader:
        optimizer.zero_grad()
        loss = criterion(ctx.forward(model, images.to(ctx.device)), labels.to(ctx.device))
        loss.backward()
        optimizer.step()
    model.eval()
    files = sorted(p for p in (ctx.staged_dir / "test").iterdir() if p.is_file())
    probabilities = []
    with torch.no_grad():
        for first in range(0, len(files), BATCH):
            batch = torch.stack([eval_transform(default_loader(str(p))) for p in files[first:first + BATCH]])
            probabilities.append(ctx.forward(model, batch.to(ctx.device)).softmax(dim=1)[:, pneumonia].cpu())
    return {"probabilities": torch.cat(probabilities).double(), "train_images": len(chosen),
            "train_seconds": round(time.perf_counter() - start, 1)}


def roc_auc(scores: Any, positives: Any) -> float:
    """Area under the ROC curve: the chance that a random positive scores above a random negative (ties half)."""
    import torch

    ranks = torch.empty_like(scores)
    order = scores.argsort()
    ranks[order] = torch.arange(1, len(scores) + 1, dtype=scores.dtype)
    for value in scores.unique():  # tied scores share their mean rank
        tied = scores == value
        ranks[tied] = ranks[tied].mean()
    count, negatives = int(positives.sum()), int((~positives).sum())
    return float((ranks[positives].sum() - count * (count + 1) / 2) / (count * negatives))


def judge_clinical(ctx: JudgeContext) -> Verdict:
    import torch

    p = ctx.params
    expected = (f"after fine-tuning, a ROC AUC of at least {p['min_auc']:g} on the real test X-rays (no points at "
                f"{p['floor_auc']:g} or below), with sensitivity and specificity reported")
    scores, labels = ctx.measured["probabilities"], ctx.labels
    if type(scores) is not torch.Tensor or scores.shape != labels.shape or not bool(torch.isfinite(scores).all()):
        return Verdict(0.0, expected, f"no finite probability for each of the {len(labels)} test X-rays",
                       "the model's output must be [batch, 2] logits")
    sick = labels == 1
    flagged = scores >= 0.5
    found_sick, cleared = int((flagged & sick).sum()), int((~flagged & ~sick).sum())
    auc = roc_auc(scores, sick)
    found = (f"sensitivity {found_sick / int(sick.sum()):.1%} ({found_sick} of {int(sick.sum())} pneumonia X-rays "
             f"flagged), specificity {cleared / int((~sick).sum()):.1%} ({cleared} of {int((~sick).sum())} normal "
             f"ones cleared), ROC AUC {auc:.3f}, accuracy {(found_sick + cleared) / len(labels):.1%}; after one "
             f"epoch on {ctx.measured['train_images']} training X-rays ({ctx.measured['train_seconds']:g} s)")
    fraction = min(1.0, max(0.0, (auc - p["floor_auc"]) / (p["min_auc"] - p["floor_auc"])))
    hint = "" if fraction == 1.0 else ("a low AUC usually means the backbone was not frozen or the new head not "
                                       "trained, the evaluation transform differs from training's normalisation, "
                                       "or the class weights favour the common class")
    return Verdict(fraction, expected, found, hint)


FAMILY = (
    Probe(
        name="xray_clinical",
        summary=("Fine-tunes the submission's model from ImageNet weights on the real chest X-rays with its "
                 "transforms and criterion, then scores sensitivity, specificity and ROC AUC against "
                 "`min_auc`/`floor_auc`; SKIPPED where the X-rays or the weights are missing."),
        calls=("build_model", "make_transforms", "make_criterion"), training="epochs", pretrained=True,
        title="Sensitivity, specificity and ROC AUC on the real X-rays",
        expects="a fine-tuned model that separates pneumonia from normal X-rays (ROC AUC)",
        measure=measure_clinical, judge=judge_clinical, needs_reference=False, needs_data=True,
        unavailable=clinical_unavailable, default_timeout={"cpu": 1800.0, "cuda": 300.0},
        params={"architecture": Param("str", default="resnet50", measure=True),
                "train_images": Param("int", default=2048, measure=True),
                "min_auc": Param("float", default=0.85), "floor_auc": Param("float", default=0.6)}),
)
