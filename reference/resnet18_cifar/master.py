# %% [raw]
# # ASSIGNMENT
# # Section 8.4: image classification on CIFAR-10 with torchvision's ResNet18, trained from scratch.
# schema_version = 1
# name = "resnet18_cifar"
# title = "ResNet18 on CIFAR-10 (8.4)"
# dataset = "cifar10"
# entry = ["build_model", "make_transform"]
# description = "Build torchvision's ResNet18 for the 10 CIFAR-10 classes (no pretrained weights) and the chapter's CIFAR-10 transform."
#
# [budgets]            # seconds for the whole submission, per device class
# cpu = 360
# cuda = 150
#
# [[check]]
# id = "output_shape"
# probe = "output_shape"
# inputs = [[8, 3, 32, 32], [2, 3, 32, 32]]   # a batch of 2, not 1: BatchNorm in training mode needs two values
# points = 2
#
# [[check]]
# id = "structure"
# probe = "resnet_structure"
# points = 2
#
# [[check]]
# id = "transform"
# probe = "transform_output"
# needs = ["make_transform"]
# points = 2
#
# [[check]]
# id = "gradient_flow"
# probe = "gradient_flow"
# points = 1
#
# [[check]]
# id = "test_accuracy"
# probe = "test_accuracy"
# protocol = "small"   # 1 epoch on 10,000 seeded training images: about 30 s on a 2-core CPU
# min_fraction_of_reference = 0.8
# floor_fraction_of_reference = 0.4
# timeout = { cpu = 240, cuda = 90 }
# points = 2
# hidden = true
#
# [[check]]
# id = "test_accuracy_full"
# name = "Test accuracy after the chapter's full recipe (on a GPU)"
# probe = "test_accuracy"
# protocol = "full"    # the chapter's recipe (5 epochs on all 50,000 images): on a GPU only, SKIPPED on a CPU
# devices = ["cuda"]
# min_fraction_of_reference = 0.9
# floor_fraction_of_reference = 0.5
# timeout = { cpu = 3600, cuda = 120 }
# points = 2
# hidden = true

# %% [markdown] tags=["readme-only"]
# # Assignment `resnet18_cifar`: ResNet18 on CIFAR-10 (section 8.4)
#
# Section 8.4 classifies CIFAR-10 with torchvision's ResNet18, trained from scratch. Write the two pieces
# of that example as functions. Start from [`starter.py`](starter.py).
#
# ## What to define
#
# ```python
# def build_model(): ...       # -> torch.nn.Module
# def make_transform(): ...    # -> a callable turning a PIL image into a tensor
# ```
#
# - **`build_model()`** returns torchvision's ResNet18 with one output per CIFAR-10 class and no
#   pretrained weights: `torchvision.models.resnet18(weights=None, num_classes=10)` (the chapter's
#   `resnet18(pretrained=False, num_classes=10)` in today's spelling). Replacing `model.fc` by
#   `nn.Linear(512, 10)` is fine too. No other changes: the grader checks torchvision's structure
#   (BasicBlock, 2 blocks in each of the 4 stages, 11,181,642 parameters).
# - **`make_transform()`** returns the chapter's transform:
#   `transforms.Compose([transforms.Resize(32), transforms.ToTensor(), transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])`.
#
# ## What is checked
#
# | check | points | what |
# | --- | --- | --- |
# | `output_shape` | 2 | logits `[8, 10]` and `[2, 10]` for 32 × 32 images |
# | `structure` | 2 | torchvision's ResNet18: block type, blocks per stage, parameters, a 10-way head (a ResNet34 or a 1000-class head is named) |
# | `transform` | 2 | your transform on the first 8 real CIFAR-10 test images gives the reference's tensors (missing Normalize, ImageNet's mean/std, Resize(224), no ToTensor are named) |
# | `gradient_flow` | 1 | one backward pass reaches every parameter |
# | `test_accuracy` (hidden) | 2 | the grader trains your model (1 epoch on 10,000 seeded training images, Adam 1e-3, batch 64: about 30 s on a 2-core CPU) and compares the test accuracy with the reference's (43.6% on a CPU) |
# | `test_accuracy_full` (hidden, on a GPU only) | 2 | where the class is graded on a GPU: the chapter's recipe (5 epochs on all 50,000 images, Adam 1e-3, batch 64), compared with the reference's accuracy on a GPU; graded on a CPU it is skipped and not counted |
#
# ```
# grader check resnet18_cifar my_solution.py
# ```

# %% tags=["instructor-only"]
"""Reference solution: section 8.4's CIFAR-10 example (ResNet18 with 10 classes, no pretrained weights)."""

# %% [markdown] tags=["starter-only"]
# # ResNet18 on CIFAR-10 (section 8.4)
#
# Fill in the two functions, then run `grader check resnet18_cifar starter.py`.

# %%
import torch
import torchvision
from torchvision import transforms


def build_model():
    """torchvision's ResNet18 with 10 outputs, no pretrained weights."""
    # TODO: torchvision.models.resnet18(...)
    return torchvision.models.resnet18(weights=None, num_classes=10)  # SOLUTION


def make_transform():
    """The chapter's CIFAR-10 transform: Resize(32), ToTensor, Normalize with 0.5 per channel."""
    # TODO: transforms.Compose([...])
    # BEGIN SOLUTION
    return transforms.Compose([
        transforms.Resize(32),
        transforms.ToTensor(),
        transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5)),
    ])
    # END SOLUTION


# %% tags=["skip-grading"]
# Training as in the chapter (slow on a CPU); the grader skips this cell and trains your model itself.
if __name__ == "__main__":
    from torch import nn, optim

    trainset = torchvision.datasets.CIFAR10(root="./data", train=True, download=True, transform=make_transform())
    trainloader = torch.utils.data.DataLoader(trainset, batch_size=64, shuffle=True)
    model = build_model()
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=0.001)
    for images, labels in trainloader:
        optimizer.zero_grad()
        loss = criterion(model(images), labels)
        loss.backward()
        optimizer.step()
