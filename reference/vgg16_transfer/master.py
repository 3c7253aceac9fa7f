# %% [raw]
# # ASSIGNMENT
# # Written by `grader assign` from master.py: edit the master, not this file.
# # Exercise 2d: transfer learning with VGG16, fine-tuning the final layers.
# schema_version = 1
# name = "vgg16_transfer"
# title = "Transfer learning with VGG16 (CIFAR-10)"
# dataset = "cifar10"
# entry = ["build_model", "make_optimizer"]
# description = "Adapt torchvision's VGG16 to CIFAR-10: freeze the feature extractor, replace the last layer by a new 10-class layer, and build an optimizer over the trainable parameters."
#
# [budgets]            # seconds for the whole submission, per device class
# cpu = 1200           # the reference's fine-tuning took 3 to 7 minutes on a busy 2-core CPU
# cuda = 300
#
# [[check]]
# id = "output_shape"
# probe = "output_shape"
# inputs = [[2, 3, 32, 32], [1, 3, 224, 224]]   # CIFAR-sized and ImageNet-sized
# points = 2
#
# [[check]]
# id = "architecture"
# probe = "architecture"
# layer_types = ["Conv2d", "Linear"]             # VGG16: 13 Conv2d, 3 Linear
# points = 2
#
# [[check]]
# id = "frozen_layers"
# probe = "frozen_layers"
# needs = ["build_model", "make_optimizer"]
# points = 2
#
# [[check]]
# id = "new_head"
# probe = "new_head"
# needs = ["build_model", "make_optimizer"]
# points = 2
#
# [[check]]
# id = "optimizer_params"
# probe = "optimizer_params"
# needs = ["build_model", "make_optimizer"]
# points = 2
#
# [[check]]
# id = "transfer_accuracy"
# probe = "transfer_accuracy"
# needs = ["build_model", "make_optimizer"]
# protocol = "transfer"
# min_fraction_of_reference = 0.9
# floor_fraction_of_reference = 0.5
# timeout = { cpu = 900, cuda = 120 }
# points = 2
# hidden = true

# %% [markdown] tags=["readme-only"]
# # Assignment `vgg16_transfer`: transfer learning with VGG16 (exercise 2d)
#
# Reuse VGG16, a network trained on ImageNet, to classify CIFAR-10 images (10 classes): keep its
# pretrained convolutional layers as they are (frozen), replace its last layer by a new 10-class
# layer, and fine-tune the final layers. This is the recipe of the chapter's §8.5.2 (load a
# pretrained model, freeze, modify the final layer, train only the new layers), with VGG16 instead
# of ResNet18. Start from [`starter.py`](starter.py).
#
# ## What to define
#
# One Python file that defines two functions, named exactly:
#
# **`build_model(weights=None) -> torch.nn.Module`**
#
# - returns `torchvision.models.vgg16(weights=weights)`, changed as follows;
# - **freeze the feature extractor**: every parameter of `model.features` (the 13 convolution
#   layers) must have `requires_grad = False`;
# - **replace the last layer**: `model.classifier[6]` (`nn.Linear(4096, 1000)`, the ImageNet
#   classes) becomes a new `nn.Linear(4096, 10)`, which must be **trainable**
#   (`requires_grad = True`, the default for a new layer). Do not add or remove other layers.
# - The two other linear layers of the classifier, `classifier[0]` and `classifier[3]`, may be
#   frozen (as in §8.5.2: freeze everything, then replace the last layer; this is what the
#   reference solution does) **or** stay trainable (fine-tuning the whole classifier). Both are
#   accepted by every check. Training them makes each training step 3 to 4 times slower; give
#   them a small learning rate (around 1e-4 with Adam) so as not to wreck the pretrained weights.
# - The `weights` argument must be passed on to `vgg16`: the grader calls `build_model()` and
#   `build_model(weights=None)` (random weights, nothing downloaded) for the quick checks, and
#   `build_model(weights=torchvision.models.VGG16_Weights.IMAGENET1K_V1)` to fine-tune from the
#   ImageNet weights.
#
# **`make_optimizer(model) -> torch.optim.Optimizer`**
#
# - returns an optimizer (any `torch.optim` optimizer, your choice of learning rate) over
#   **exactly the trainable parameters** of the `model` it is given: every parameter with
#   `requires_grad=True`, and no frozen ones. For example
#   `torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-3)`.
# - Use the `model` argument: don't build another model inside `make_optimizer`.
#
# The model takes normalised float images `[N, 3, H, W]` and returns logits `[N, 10]` (no softmax).
# The grader feeds CIFAR-10's own 32 × 32 images (no resizing to 224): VGG16's adaptive average
# pooling makes the classifier's input 512 × 7 × 7 whatever the image size.
#
# ## What is checked
#
# Visible checks (the ones `grader check` runs and shows you), each on a VGG16 with random weights:
#
# - **output shape**: `[2, 10]` for two 32 × 32 images and `[1, 10]` for one 224 × 224 image;
# - **architecture**: VGG16's 13 `Conv2d` and 3 `Linear` layers with their sizes (the last one
#   `Linear(4096, 10)`), and the total number of parameters (134,301,514);
# - **feature extractor frozen**: every parameter of `model.features` has `requires_grad=False`
#   after `build_model()`, and is unchanged after one training step (two images, cross-entropy,
#   your optimizer);
# - **new trainable last layer**: `classifier[6]` is `Linear(4096, 10)`, trainable, and changed by
#   that training step;
# - **optimizer over the trainable parameters**: the optimizer holds exactly the parameters with
#   `requires_grad=True` (compared by identity), no frozen ones, none from another model.
#
# The checks that train need both functions; if `make_optimizer` is missing, the output-shape and
# architecture checks still run.
#
# A **hidden** check counts towards your grade but `grader check` does not show it: the grader
# builds your model with the pretrained ImageNet weights, fine-tunes it with **your optimizer**
# (1 epoch on 10,000 CIFAR-10 training images at 32 × 32, batch 64, cross-entropy) and measures
# the accuracy on the CIFAR-10 test set, relative to the reference solution fine-tuned the same
# way. A full score from `grader check` is a good sign, not a guarantee.
#
# ## How to check your work
#
# ```
# grader check vgg16_transfer my_solution.py
# ```
#
# It runs the visible checks (about 20 seconds on a laptop CPU; nothing is downloaded) and prints
# a table with, for each failed check, what was expected and what your model produced.
#
# - **Printing is fine**, and **warnings never cost points**: what your file prints is shown in the
#   report, nothing more.
# - **Guard your own training code.** The grader imports your file and only calls `build_model`
#   and `make_optimizer`. Any training loop, dataset or weights download, or plotting you keep in
#   the file must sit under
#   ```python
#   if __name__ == "__main__":
#       ...
#   ```
#   and, in a notebook, in a cell tagged `skip-grading` (`View → Cell toolbar → Tags` in Jupyter;
#   the starter's training cell has the tag already), otherwise it runs when the grader loads your
#   work and counts against the time budget (the grader has no network).
#   If you forget, the grader still grades your definitions: when code at the top level raises (a
#   download with no network, a missing package, a data path that only exists on your laptop,
#   `argparse`, `sys.exit()`) or runs longer than 30 s, the lines after it run for their definitions
#   only (imports, functions, classes, simple assignments), and the report opens with **how your
#   file ran**: the line that failed, why, and the one-line fix.
# - **Don't pin a device.** The grader may run your model on a GPU: don't call `.cuda()` inside
#   `build_model` or `make_optimizer`.
# - **Time budget.** Grading one submission has a time budget (time spent waiting for a CPU on a
#   busy machine is not charged): 1200 s on a CPU, 300 s on a
#   GPU (the `[budgets]` of `assignment.toml`); the fine-tuning check alone may take 900 s on a
#   CPU, 120 s on a GPU. With only the new layer trainable, the reference's fine-tuning (training
#   and predicting the 10,000 test images) took 3 to 7 minutes on a 2-core CPU shared with other
#   work; an unfrozen feature extractor makes it several times slower.
#
# ## For instructors
#
# - Files the grader reads: `assignments/vgg16_transfer/assignment.toml` (the checks),
#   `reference/vgg16_transfer/solution.py` (the reference), `reference/vgg16_transfer/expected.pt`
#   (its recorded measurements for the visible checks) and `reference/vgg16_transfer/metrics.json`
#   (its accuracy under the `transfer` protocol), the CIFAR-10 data root, and the pretrained
#   weights file below.
# - **Pretrained weights.** The hidden check needs torchvision's ImageNet VGG16 weights,
#   `vgg16-397923af.pth` (528 MB, from https://download.pytorch.org/models/vgg16-397923af.pth),
#   in torchvision's cache: `~/.cache/torch/hub/checkpoints/vgg16-397923af.pth`, or
#   `$TORCH_HOME/hub/checkpoints/vgg16-397923af.pth` when `TORCH_HOME` is set. The file must be
#   readable by every user (the sandboxed child runs as `nobody` when the grader runs as root); the
#   child sees the cache folder read-only and can download nothing. One way to fetch it, on a
#   machine with network access:
#   ```
#   python -c "import torchvision; torchvision.models.vgg16(weights='IMAGENET1K_V1')"
#   ```
#   Without the file the check is **SKIPPED**: it is not counted in the score (neither the points
#   nor the maximum), and the report's notes say which file to put where. `grader validate
#   vgg16_transfer` then gives full marks over the other checks.
# - **Recording the reference accuracy** needs the weights too:
#   `grader reference record vgg16_transfer --protocol transfer --seeds 3 --device cuda`. Without
#   them, `record` writes `expected.pt` (the visible checks need no weights) and then stops with a
#   message naming the missing file; the hidden check then cannot be judged until `metrics.json`
#   has a `transfer` entry.
# - The test suite exercises the fine-tuning path with a **randomly initialised** VGG16 state dict
#   saved under the weights file's name in a temporary `TORCH_HOME` (torchvision checks the file's
#   hash only when it downloads it). That proves the plumbing (weights loaded in the sandbox, your
#   optimizer used, predictions scored), not the accuracy of real transfer learning: with random
#   "pretrained" features the reference reaches only about 13% after the `transfer` protocol.

# %% tags=["instructor-only"]
"""Reference solution for `vgg16_transfer`: transfer learning with VGG16 (exercise 2d).

The recipe of the chapter's §8.5.2, with VGG16 instead of ResNet18:

1. load torchvision's VGG16 (with the ImageNet weights when `weights` is given);
2. freeze every pretrained parameter (the convolutional `features` and the classifier);
3. replace the last layer, `classifier[6]` (4096 → 1000 ImageNet classes), by a new
   `nn.Linear(4096, 10)`: a new layer is trainable;
4. optimize only the trainable parameters: Adam, lr 1e-3.

    features   13 × (Conv2d 3×3 + ReLU), 5 × MaxPool   frozen      [N, 512, 1, 1] for 32×32
    avgpool    AdaptiveAvgPool2d(7, 7)                              [N, 512, 7, 7]
    classifier Linear(25088, 4096) ReLU Dropout         frozen
               Linear(4096, 4096) ReLU Dropout          frozen
               Linear(4096, 10)                         trainable   [N, 10]

134,301,514 parameters, 40,970 of them trainable. Works for 32×32 CIFAR images (the adaptive
pooling makes the classifier's input 512×7×7 whatever the image size) and for 224×224 ones.
"""

# %% [markdown] tags=["starter-only"]
# # Exercise 2d: transfer learning with VGG16
#
# Reuse VGG16, trained on ImageNet, to classify CIFAR-10 images (10 classes):
#
# 1. load `torchvision.models.vgg16(weights=weights)`;
# 2. **freeze** the pretrained feature extractor `model.features` (`requires_grad = False`);
# 3. **replace** the last layer `model.classifier[6]` (4096 → 1000 ImageNet classes) by a new
#    `nn.Linear(4096, 10)`, which stays trainable;
# 4. build an **optimizer over exactly the trainable parameters**.
#
# Fill in the two TODOs, then run `grader check vgg16_transfer starter.py` (copy this file under
# any name; the grader only looks for `build_model` and `make_optimizer`).

# %%
import torch
import torch.nn as nn
import torchvision


def build_model(weights=None):
    """VGG16 adapted to 10 classes. `weights=None`: random weights (the grader's quick checks);
    `weights=torchvision.models.VGG16_Weights.IMAGENET1K_V1`: the pretrained ImageNet weights."""
    model = torchvision.models.vgg16(weights=weights)
    # TODO: freeze the feature extractor (at least every parameter of model.features), then
    #       replace model.classifier[6] by a new nn.Linear(4096, 10).
    # BEGIN SOLUTION
    for param in model.parameters():
        param.requires_grad = False
    model.classifier[6] = nn.Linear(model.classifier[6].in_features, 10)  # new, trainable
    # END SOLUTION
    return model


def make_optimizer(model):
    """An optimizer over exactly the parameters of `model` that have requires_grad=True."""
    # TODO: e.g. torch.optim.Adam(<the trainable parameters>, lr=1e-3)
    return torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-3)  # SOLUTION


# %% [markdown] tags=["starter-only"]
# Quick look (cheap: random weights, two CIFAR-sized images). Expect `torch.Size([2, 10])` and
# 40,970 trainable parameters if only the new layer trains.

# %% tags=["starter-only"]
if __name__ == "__main__":
    model = build_model()
    print(model(torch.randn(2, 3, 32, 32)).shape)
    print(sum(p.numel() for p in model.parameters() if p.requires_grad), "trainable parameters")

# %% [markdown] tags=["starter-only"]
# Fine-tuning on CIFAR-10 with the pretrained weights (downloads 528 MB once, then trains; slow on
# a CPU). The grader never runs this cell: it fine-tunes your model itself.

# %% tags=["skip-grading"]
if __name__ == "__main__":
    from torchvision import datasets, transforms

    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
    trainset = datasets.CIFAR10(root="./data", train=True, download=True, transform=transform)
    trainloader = torch.utils.data.DataLoader(trainset, batch_size=64, shuffle=True)
    model = build_model(weights=torchvision.models.VGG16_Weights.IMAGENET1K_V1)
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
