# %% [raw]
# # ASSIGNMENT
# # The chapter's project: pneumonia from chest X-rays (normal vs pneumonia) with ResNet50 transfer learning.
# schema_version = 1
# name = "pneumonia_resnet50"
# title = "Pneumonia from chest X-rays: ResNet50 transfer learning (the chapter's project)"
# dataset = "chest_xray"
# entry = ["build_model", "make_transforms", "make_datasets", "make_criterion"]
# description = "Prepare grayscale chest X-rays for a pretrained ResNet50, load the three splits with ImageFolder, freeze the backbone under a new 2-way head, and weight the loss against the class imbalance."
#
# [budgets]            # seconds for the whole submission, per device class
# cpu = 300
# cuda = 150
#
# [[check]]
# id = "output_shape"
# probe = "output_shape"
# inputs = [[2, 3, 224, 224]]
# points = 1
#
# [[check]]
# id = "transforms"
# probe = "xray_transforms"
# needs = ["make_transforms"]
# points = 2
#
# [[check]]
# id = "datasets"
# probe = "xray_datasets"
# needs = ["make_datasets"]
# points = 2
#
# [[check]]
# id = "frozen_backbone"
# probe = "frozen_layers"
# architecture = "resnet50"
# points = 2
#
# [[check]]
# id = "new_head"
# probe = "new_head"
# architecture = "resnet50"
# points = 1
#
# [[check]]
# id = "class_weights"
# probe = "class_weights"
# needs = ["make_criterion"]
# points = 2
#
# [[check]]
# id = "clinical_metrics"
# probe = "xray_clinical"   # only where the real X-rays and the ResNet50 weights are here; SKIPPED elsewhere, saying where each goes
# needs = ["build_model", "make_transforms", "make_criterion"]
# train_images = 2048       # one epoch on 2,048 seeded training X-rays, then every test X-ray
# min_auc = 0.85
# floor_auc = 0.6
# timeout = { cpu = 1800, cuda = 300 }
# points = 2
# hidden = true

# %% [markdown] tags=["readme-only"]
# # Assignment `pneumonia_resnet50`: pneumonia from chest X-rays (the chapter's project)
#
# Classify chest X-rays as **NORMAL** or **PNEUMONIA** with transfer learning from a ResNet50 trained on
# ImageNet. The usual dataset (Kermany et al., 2018, "Chest X-Ray Images (Pneumonia)", published on
# Mendeley Data and mirrored on Kaggle as `chest_xray`) comes in this layout:
#
# ```
# root/
#   train/NORMAL/*.jpeg    train/PNEUMONIA/*.jpeg
#   val/NORMAL/*.jpeg      val/PNEUMONIA/*.jpeg
#   test/NORMAL/*.jpeg     test/PNEUMONIA/*.jpeg
# ```
#
# The images are grayscale, of many sizes, and there are about three pneumonia images for every normal
# one. Start from [`starter.py`](starter.py).
#
# ## What to define
#
# ```python
# def build_model(weights=None): ...        # ResNet50, backbone frozen, a new 2-way head
# def make_transforms(): ...                # -> (train_transform, eval_transform)
# def make_datasets(root): ...              # -> (train, val, test) ImageFolder datasets
# def make_criterion(train_dataset): ...    # -> nn.CrossEntropyLoss weighted against the imbalance
# ```
#
# - **`make_transforms()`**: both transforms turn a grayscale PIL image into a float tensor
#   `[3, 224, 224]` (the pretrained ResNet50 wants 3 channels: `transforms.Grayscale(num_output_channels=3)`)
#   normalised with ImageNet's statistics (`Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])`).
#   The training transform **augments** (random crops, flips, small rotations: your choice); the
#   evaluation transform is **deterministic** (e.g. `Resize(256)` then `CenterCrop(224)`).
# - **`make_datasets(root)`**: `datasets.ImageFolder` for `root/train` (training transform), `root/val`
#   and `root/test` (evaluation transform), in that order. ImageFolder numbers the classes from the
#   folder names: NORMAL → 0, PNEUMONIA → 1.
# - **`build_model(weights=None)`**: `torchvision.models.resnet50(weights=weights)`, every parameter
#   frozen, then `model.fc` replaced by a new `nn.Linear(model.fc.in_features, 2)`.
# - **`make_criterion(train_dataset)`**: `nn.CrossEntropyLoss(weight=w)` with class weights from the
#   training counts, inversely proportional to them (e.g. `counts.sum() / (2 * counts)`, counted from
#   `train_dataset.targets`), so that the rarer NORMAL class is not drowned out.
#
# ## What is checked
#
# The grader has no X-rays: it writes a folder in the layout above, with small grayscale JPEGs of
# several sizes (12 NORMAL and 36 PNEUMONIA in `train`, 4 + 4 in `val`, 8 + 16 in `test`), and checks
# what your code makes of it.
#
# | check | points | what |
# | --- | --- | --- |
# | `output_shape` | 1 | `[2, 2]` logits for two 224 × 224 images |
# | `transforms` | 2 | both transforms give `[3, 224, 224]` with ImageNet's normalisation; the training one is random, the evaluation one is not |
# | `datasets` | 2 | three ImageFolder datasets of the right folders and sizes, NORMAL → 0, PNEUMONIA → 1, augmentation in training only |
# | `frozen_backbone` | 2 | every parameter of `conv1` … `layer4` frozen and unchanged by a training step |
# | `new_head` | 1 | `fc` is a trainable `Linear(2048, 2)` |
# | `class_weights` | 2 | the weights for 12 NORMAL and 36 PNEUMONIA images: NORMAL weighs 3 times PNEUMONIA |
#
# | `clinical_metrics` (hidden; only where the real X-rays and the ResNet50 weights are on the grading machine) | 2 | one epoch of fine-tuning on 2,048 seeded training X-rays with your transforms and your weighted loss (the grader's Adam, lr 1e-3, batch 32), then every test X-ray: the report gives the **sensitivity** (pneumonia X-rays flagged), the **specificity** (normal ones cleared) and the **ROC AUC**; full points from an AUC of 0.85, none at 0.6 or below |
#
# The clinical check needs the real dataset and the ImageNet weights on the grading machine. Where they
# are missing, the check is SKIPPED and not counted, and the report says where each goes:
#
# - the X-rays: `ChestXRay2017.zip` from Mendeley Data (https://data.mendeley.com/datasets/rscbjbr9sj/2;
#   also on Kaggle as `chest-xray-pneumonia`), extracted so that the data root (`GRADER_DATA`) holds
#   `chest_xray/train/{NORMAL,PNEUMONIA}/` and `chest_xray/test/{NORMAL,PNEUMONIA}/`;
# - the weights: `resnet50-0676ba61.pth` (98 MB, torchvision's `ResNet50_Weights.IMAGENET1K_V1`) in
#   torchvision's cache, `$TORCH_HOME/hub/checkpoints/` (by default `~/.cache/torch/hub/checkpoints/`).
#
# The grader hands your code the test X-rays without their labels (renamed, in an order that says nothing
# of their class); only the grading process, which keeps the labels, computes the figures.

# %% tags=["instructor-only"]
"""Reference solution: the chapter's project, pneumonia from chest X-rays with a pretrained ResNet50."""

# %% [markdown] tags=["starter-only"]
# # Pneumonia from chest X-rays (the chapter's project)
#
# Fill in the four functions (see README.md), then run `grader check pneumonia_resnet50 starter.py`.

# %%
import os

import torch
from torch import nn
from torchvision import datasets, models, transforms

IMAGENET_MEAN, IMAGENET_STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


def make_transforms():
    """(train_transform, eval_transform): grayscale PIL image → float [3, 224, 224], ImageNet-normalised."""
    # BEGIN SOLUTION
    train = transforms.Compose([
        transforms.Grayscale(num_output_channels=3),
        transforms.RandomResizedCrop(224, scale=(0.8, 1.0)),
        transforms.RandomHorizontalFlip(),
        transforms.RandomRotation(10),
        transforms.ToTensor(),
        transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD),
    ])
    evaluation = transforms.Compose([
        transforms.Grayscale(num_output_channels=3),
        transforms.Resize(256),
        transforms.CenterCrop(224),
        transforms.ToTensor(),
        transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD),
    ])
    return train, evaluation
    # END SOLUTION


def make_datasets(root):
    """(train, val, test) ImageFolder datasets of root/train, root/val, root/test."""
    # BEGIN SOLUTION
    train_transform, eval_transform = make_transforms()
    return (datasets.ImageFolder(os.path.join(root, "train"), transform=train_transform),
            datasets.ImageFolder(os.path.join(root, "val"), transform=eval_transform),
            datasets.ImageFolder(os.path.join(root, "test"), transform=eval_transform))
    # END SOLUTION


def build_model(weights=None):
    """resnet50(weights=weights), every parameter frozen, a new 2-way fc."""
    # BEGIN SOLUTION
    model = models.resnet50(weights=weights)
    for param in model.parameters():
        param.requires_grad = False
    model.fc = nn.Linear(model.fc.in_features, 2)
    return model
    # END SOLUTION


def make_criterion(train_dataset):
    """nn.CrossEntropyLoss weighted by the inverse of the training class counts."""
    # BEGIN SOLUTION
    counts = torch.bincount(torch.tensor(train_dataset.targets), minlength=len(train_dataset.classes)).float()
    weights = counts.sum() / (len(counts) * counts)
    return nn.CrossEntropyLoss(weight=weights)
    # END SOLUTION


# %% tags=["skip-grading"]
# Fine-tuning on the real X-rays (put them under ./chest_xray); the grader never runs this cell.
if __name__ == "__main__":
    train_set, val_set, test_set = make_datasets("./chest_xray")
    model = build_model(weights=models.ResNet50_Weights.IMAGENET1K_V2)
    criterion = make_criterion(train_set)
    optimizer = torch.optim.Adam(model.fc.parameters(), lr=1e-3)
    loader = torch.utils.data.DataLoader(train_set, batch_size=32, shuffle=True)
    model.train()
    for images, labels in loader:
        optimizer.zero_grad()
        loss = criterion(model(images), labels)
        loss.backward()
        optimizer.step()
