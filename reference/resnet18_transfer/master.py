# %% [raw]
# # ASSIGNMENT
# # Written by `grader assign` from master.py: edit the master, not this file.
# # Section 8.5: transfer learning with ResNet18: load, freeze, replace the head, train only the new layer.
# schema_version = 1
# name = "resnet18_transfer"
# title = "Transfer learning with ResNet18 (CIFAR-10), the chapter's 8.5"
# dataset = "cifar10"
# entry = ["build_model", "make_optimizer"]
# description = "Adapt torchvision's ResNet18 to CIFAR-10 as section 8.5 does: freeze every pretrained layer, replace model.fc by a new 10-class layer, and optimize only the new layer."
#
# [budgets]            # seconds for the whole submission, per device class
# cpu = 900
# cuda = 300
#
# [[check]]
# id = "output_shape"
# probe = "output_shape"
# inputs = [[2, 3, 32, 32], [2, 3, 224, 224]]   # CIFAR-sized and ImageNet-sized (2: BatchNorm in training mode)
# points = 2
#
# [[check]]
# id = "architecture"
# probe = "architecture"
# layer_types = ["Conv2d", "Linear"]             # ResNet18: 20 Conv2d (3 of them 1×1 shortcuts), 1 Linear
# points = 2
#
# [[check]]
# id = "frozen_layers"
# probe = "frozen_layers"
# architecture = "resnet18"
# needs = ["build_model", "make_optimizer"]
# points = 2
#
# [[check]]
# id = "new_head"
# probe = "new_head"
# architecture = "resnet18"
# needs = ["build_model", "make_optimizer"]
# points = 2
#
# [[check]]
# id = "optimizer_params"
# probe = "optimizer_params"
# architecture = "resnet18"
# needs = ["build_model", "make_optimizer"]
# points = 2
#
# [[check]]
# id = "transfer_accuracy"
# probe = "transfer_accuracy"
# architecture = "resnet18"
# needs = ["build_model", "make_optimizer"]
# protocol = "transfer"
# min_fraction_of_reference = 0.9
# floor_fraction_of_reference = 0.5
# timeout = { cpu = 900, cuda = 120 }
# points = 2
# hidden = true

# %% [markdown] tags=["readme-only"]
# # Assignment `resnet18_transfer`: transfer learning with ResNet18 (section 8.5)
#
# Section 8.5.2 of the chapter fine-tunes a pretrained ResNet18 in four steps: load the pretrained
# model, **freeze** its layers, **replace the final layer** for the new classes, and **train only the
# new layer**. Do exactly that for CIFAR-10 (10 classes). Start from [`starter.py`](starter.py).
#
# ## What to define
#
# One Python file defining two functions, named exactly:
#
# **`build_model(weights=None) -> torch.nn.Module`**
#
# - returns `torchvision.models.resnet18(weights=weights)`, changed as follows;
# - **freeze** every pretrained parameter (`conv1`, `bn1`, `layer1` … `layer4`):
#   `for param in model.parameters(): param.requires_grad = False`;
# - then **replace** `model.fc` (`nn.Linear(512, 1000)`, the ImageNet classes) by a new
#   `nn.Linear(model.fc.in_features, 10)`, which is trainable (freeze first, replace after: a layer
#   created after the freezing loop keeps `requires_grad=True`);
# - pass `weights` on to `resnet18`: the grader calls `build_model()` (random weights, nothing is
#   downloaded) for its quick checks and `build_model(weights=torchvision.models.ResNet18_Weights.IMAGENET1K_V1)`
#   to fine-tune. (`pretrained=True`, which the chapter uses, is the older spelling of the same thing.)
#
# **`make_optimizer(model) -> torch.optim.Optimizer`**
#
# - an optimizer over **exactly the trainable parameters** of the `model` it is given, as the chapter's
#   `optim.Adam(model.fc.parameters(), lr=0.001)`; no frozen parameters, none from another model.
#
# The model takes normalised float images `[N, 3, H, W]` and returns logits `[N, 10]`.
#
# ## What is checked
#
# Visible checks, on a ResNet18 with random weights:
#
# - **output shape**: `[2, 10]` for two 32 × 32 images and for two 224 × 224 images;
# - **architecture**: ResNet18's 20 `Conv2d` layers (three of them the 1 × 1 shortcut convolutions) and
#   one `Linear(512, 10)`, and the number of parameters (11,181,642);
# - **feature extractor frozen**: every parameter of `conv1` … `layer4` has `requires_grad=False` and is
#   unchanged after one training step with your optimizer;
# - **new trainable last layer**: `fc` is `Linear(512, 10)`, trainable, changed by that step;
# - **optimizer over the trainable parameters**: exactly the parameters with `requires_grad=True`.
#
# A **hidden** check fine-tunes your model from the ImageNet weights with your optimizer (1 epoch on
# 10,000 CIFAR-10 images at 32 × 32) and compares the test accuracy with the reference's. Where the
# grader's machine lacks the weights file (`resnet18-f37072fd.pth`, 45 MB, in torchvision's cache
# `~/.cache/torch/hub/checkpoints/`), this check is SKIPPED, not counted, and the report says where to
# put the file.
#
# ```
# grader check resnet18_transfer my_solution.py
# ```

# %% tags=["instructor-only"]
"""Reference solution: section 8.5.2 of the chapter (load, freeze, replace the final layer, train only the
new layer), with the weights passed in instead of `pretrained=True`."""

# %% [markdown] tags=["starter-only"]
# # Transfer learning with ResNet18 (section 8.5)
#
# 1. load `torchvision.models.resnet18(weights=weights)`;
# 2. **freeze** every pretrained parameter (`requires_grad = False`);
# 3. **replace** `model.fc` by a new `nn.Linear(model.fc.in_features, 10)` (trainable);
# 4. build an **optimizer over exactly the trainable parameters** (the new layer).
#
# Fill in the TODOs, then run `grader check resnet18_transfer starter.py`.

# %%
import torch
import torch.nn as nn
import torchvision


def build_model(weights=None):
    """ResNet18 adapted to 10 classes. `weights=None`: random weights; the grader passes
    torchvision.models.ResNet18_Weights.IMAGENET1K_V1 to fine-tune from ImageNet."""
    model = torchvision.models.resnet18(weights=weights)
    # TODO: freeze every parameter, then replace model.fc by a new nn.Linear(model.fc.in_features, 10).
    # BEGIN SOLUTION
    for param in model.parameters():
        param.requires_grad = False
    model.fc = nn.Linear(model.fc.in_features, 10)  # For 10 classes
    # END SOLUTION
    return model


def make_optimizer(model):
    """An optimizer over exactly the parameters of `model` that have requires_grad=True."""
    # TODO: e.g. torch.optim.Adam(model.fc.parameters(), lr=0.001)
    return torch.optim.Adam(model.fc.parameters(), lr=0.001)  # SOLUTION


# %% [markdown] tags=["starter-only"]
# Quick look (random weights): expect `torch.Size([2, 10])` and 5,130 trainable parameters.

# %% tags=["starter-only"]
if __name__ == "__main__":
    model = build_model()
    print(model(torch.randn(2, 3, 32, 32)).shape)
    print(sum(p.numel() for p in model.parameters() if p.requires_grad), "trainable parameters")

# %% [markdown] tags=["starter-only"]
# Fine-tuning on CIFAR-10 with the pretrained weights (downloads 45 MB once). The grader never runs
# this cell: it fine-tunes your model itself.

# %% tags=["skip-grading"]
if __name__ == "__main__":
    from torchvision import datasets, transforms

    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
    trainset = datasets.CIFAR10(root="./data", train=True, download=True, transform=transform)
    trainloader = torch.utils.data.DataLoader(trainset, batch_size=64, shuffle=True)
    model = build_model(weights=torchvision.models.ResNet18_Weights.IMAGENET1K_V1)
    optimizer = make_optimizer(model)
    criterion = nn.CrossEntropyLoss()
    model.train()
    for step, (images, labels) in enumerate(trainloader):
        optimizer.zero_grad()
        loss = criterion(model(images), labels)
        loss.backward()
        optimizer.step()
        if step % 50 == 0:
            print(f"step {step}: loss {loss.item():.3f}")
