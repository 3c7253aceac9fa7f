# %% [raw]
# # ASSIGNMENT
# # Exercise 2b: a CNN using BatchNorm2d to improve stability (the CIFAR-10 SimpleCNN + BatchNorm2d).
# schema_version = 1
# name = "batchnorm_cnn"
# title = "A CNN with BatchNorm2d for CIFAR-10"
# dataset = "cifar10"
# entry = "BatchNormCNN"
# description = "Add nn.BatchNorm2d after each convolution of the CIFAR-10 SimpleCNN (conv → BatchNorm2d → ReLU → MaxPool) so that training stays stable at a high learning rate."
#
# [budgets]            # seconds for the whole submission, per device class
# cpu = 300
# cuda = 120
#
# [[check]]
# id = "output_shape"
# probe = "output_shape"
# inputs = [[8, 3, 32, 32], [1, 3, 32, 32]]
# points = 1
#
# [[check]]
# id = "architecture"
# probe = "architecture"
# layer_types = ["Conv2d", "BatchNorm2d", "Linear"]
# points = 1
#
# [[check]]
# id = "batchnorm_placement"
# probe = "batchnorm_placement"
# points = 2
#
# [[check]]
# id = "batchnorm_running_stats"
# probe = "batchnorm_running_stats"
# points = 1
#
# [[check]]
# id = "batchnorm_batch_dependence"
# probe = "batchnorm_batch_dependence"
# points = 1
#
# [[check]]
# id = "gradient_flow"
# probe = "gradient_flow"
# points = 1
#
# [[check]]
# id = "reference_gradients"
# probe = "reference_gradients"
# rtol = 1e-4
# atol = 1e-5
# points = 1
# hidden = true
#
# [[check]]
# id = "test_accuracy"
# probe = "test_accuracy"
# protocol = "quick"
# min_fraction_of_reference = 0.9
# floor_fraction_of_reference = 0.5
# timeout = { cpu = 150, cuda = 60 }
# points = 1
# hidden = true
#
# [[check]]
# id = "stable_training"
# name = "Stable training at a high learning rate"
# probe = "test_accuracy"
# protocol = "high_lr"
# min_fraction_of_reference = 0.8
# floor_fraction_of_reference = 0.5
# timeout = { cpu = 150, cuda = 60 }
# points = 1
# hidden = true

# %% [markdown] tags=["readme-only"]
# # Assignment `batchnorm_cnn`: a CNN using BatchNorm2d to improve stability (exercise 2b)
#
# Take the CIFAR-10 `SimpleCNN` of exercise 2a and add **batch normalisation** after each
# convolution. Start from [`starter.py`](starter.py).
#
# ## Why BatchNorm
#
# `nn.BatchNorm2d(C)` normalises each of the `C` channels of a convolution's output `[N, C, H, W]`:
# while training it subtracts the mean and divides by the standard deviation **of the current
# batch** (over `N`, `H` and `W`), then applies a learned scale and shift; it also keeps **running
# averages** of those statistics, and in evaluation mode (`model.eval()`) it uses the running
# averages instead, so a prediction no longer depends on the other images in the batch. Because the
# next layer always sees inputs of a similar scale, training tolerates much larger learning rates.
#
# Measured with the grader's `high_lr` recipe (1 epoch on the 50,000 training images, Adam with
# learning rate **3e-2**, batch 64), on the CIFAR-10 test set:
#
# | network | test accuracy after 1 epoch at lr 3e-2 |
# | --- | --- |
# | the plain `SimpleCNN` of exercise 2a | **13.5% ± 8.5%** over 6 seeds: 10% (chance level, training collapsed) on 5 of 6 seeds, 31% on the sixth |
# | `BatchNormCNN` (this assignment) | **35.4% ± 13.0%** over 6 seeds (42%, 44%, 10%, 33%, 42%, 41%: it collapsed on 1 seed of 6) |
#
# At the chapter's learning rate (1e-3, 2 epochs: the grader's `quick` recipe) the BatchNorm CNN
# reaches **66.4% ± 1.1%** (3 seeds), against 63.3% for the plain SimpleCNN. BatchNorm makes
# training much more stable, not immune to a too-large learning rate: the two linear layers are not
# normalised.
#
# ## What to define
#
# One Python file (or notebook) that defines a class named exactly **`BatchNormCNN`**:
#
# - a subclass of `torch.nn.Module`;
# - its constructor takes **no required arguments**: the grader calls `BatchNormCNN()`;
# - `forward(x)` takes a batch of float images `x` of shape **`[N, 3, 32, 32]`** (RGB) and returns
#   **logits** of shape **`[N, 10]`** (no softmax: the grader trains with `nn.CrossEntropyLoss`).
#   `N` can be any batch size, **including 1**.
#
# The architecture is the chapter's CIFAR-10 SimpleCNN with a BatchNorm2d after each convolution.
# Each convolution block runs in exactly this order: **conv → BatchNorm2d → ReLU → MaxPool**.
#
# | layer | what it is |
# | --- | --- |
# | `conv1` | `nn.Conv2d`, 3 → 16 channels, kernel 3, padding 1 |
# | `bn1`   | `nn.BatchNorm2d(16)`: `num_features` = the conv's `out_channels` |
# | (ReLU)  | `F.relu` or `nn.ReLU` |
# | `pool`  | `nn.MaxPool2d`, kernel 2, stride 2 (after each block's ReLU) |
# | `conv2` | `nn.Conv2d`, 16 → 32 channels, kernel 3, padding 1 |
# | `bn2`   | `nn.BatchNorm2d(32)` |
# | `fc1`   | `nn.Linear`, 32 × 8 × 8 = 2048 → 128, then ReLU |
# | `fc2`   | `nn.Linear`, 128 → 10 (no BatchNorm, no activation after it) |
#
# That is 268,746 parameters. The details the checks rely on:
#
# - **`nn.BatchNorm2d` modules** (not `F.batch_norm`, not `nn.BatchNorm1d`: that one is for `[N, C]`
#   inputs such as a Linear layer's output), one per convolution, with the default settings
#   (`affine=True`, `track_running_stats=True`, `momentum=0.1`).
# - **Keep the convolutions' default `bias=True`**, as in the chapter (BatchNorm's shift makes the
#   bias redundant, but the grader compares with the reference network, which keeps it).
# - **Create the layers with weights in the order conv1, bn1, conv2, bn2, fc1, fc2.** Any attribute
#   names and any style (separate attributes or `nn.Sequential`) are fine: the grader copies its
#   own weights into your model by name (`conv1.weight`, `bn1.running_mean`, …) and, if your names
#   differ, by order and shape.
# - **Don't override `train()` or `eval()`**: the grader switches your model between training and
#   evaluation mode with them, and BatchNorm must follow.
# - Keep the batch dimension when you flatten: `torch.flatten(x, 1)` or `x.view(x.size(0), -1)`.
#
# ## What is checked
#
# Visible checks (the ones `grader check` runs and shows you):
#
# - **output shape** (1 point): `[N, 10]` for a batch of 8 and a batch of 1;
# - **architecture** (1 point): the `Conv2d`, `BatchNorm2d` and `Linear` layers (channels,
#   kernel size, padding, `num_features`, features) and the total number of parameters;
# - **BatchNorm2d after each convolution** (2 points): during one forward pass, every `Conv2d` is
#   followed, before the next `Conv2d` or `Linear`, by a `BatchNorm2d` whose `num_features` equals
#   that convolution's `out_channels`; no BatchNorm after the last Linear layer (it would normalise
#   the logits); every BatchNorm layer you define is used. The report names the layer that is
#   wrong (a missing BatchNorm, a `BatchNorm1d`, a wrong `num_features`, …);
# - **running statistics** (1 point): a forward pass in training mode (`model.train()`) updates the
#   running mean and variance of every BatchNorm layer; after `model.eval()` a forward pass changes
#   none of them;
# - **batch statistics in training, running statistics in eval** (1 point): in evaluation mode the
#   output for one image is the same whether it is run alone or in a batch; in training mode it
#   changes with the other images of the batch;
# - **gradient flow** (1 point): a backward pass reaches every parameter, with finite gradients.
#
# Some checks are **hidden**: they count towards your grade but `grader check` does not show them.
# They include a comparison with the reference network (your outputs and gradients once the
# reference weights are loaded into your model: this is where the order conv → BatchNorm2d → ReLU
# matters), the **test accuracy** after the grader has trained your model with the chapter's
# learning rate, and **stable training**: the test accuracy after one epoch at the high learning
# rate above, relative to the reference network trained the same way. A full score from
# `grader check` is a good sign, not a guarantee.
#
# ## How to check your work
#
# ```
# grader check batchnorm_cnn my_solution.py
# ```
#
# It runs the visible checks and prints a table with, for each failed check, what was expected and
# what your model produced.
#
# - **What the grader reads**: your one `.py` file or notebook (or a folder/zip with it). It imports
#   the file and uses the class `BatchNormCNN`; nothing else in the file is used.
# - **Guard your own training code.** The grader trains `BatchNormCNN` itself with fixed, seeded
#   recipes. Any training loop, dataset download or plotting you keep must sit under
#   `if __name__ == "__main__":`, otherwise it runs when the grader imports your file. In a
#   notebook, tag such cells `skip-grading` instead (cell tags, as in the starter's last cell).
#   If you forget, the grader still grades your definitions: when code at the top level raises (a
#   download with no network, a missing package, a data path that only exists on your laptop,
#   `argparse`, `sys.exit()`) or runs longer than 30 s, the lines after it run for their definitions
#   only (imports, functions, classes, simple assignments), and the report opens with **how your
#   file ran**: the line that failed, why, and the one-line fix.
# - **Printing is fine**, and warnings never cost points.
# - **Don't pin a device.** The grader may run your model on a GPU: don't call `.cuda()` or create
#   tensors on a fixed device inside `forward`.
# - **Time budget.** Grading one submission, both trainings included, has a time budget (time spent
#   waiting for a CPU on a busy machine is not charged):
#   300 s on a CPU, 120 s on a GPU; each training has its own share (150 s on a CPU, 60 s on a GPU).
#   The reference needs about 20 s for the `quick` training and 10 s for the `high_lr` one on an
#   idle 2-core CPU.

# %% tags=["instructor-only"]
"""Reference solution for `batchnorm_cnn`: the chapter's CIFAR-10 SimpleCNN with BatchNorm2d
after each convolution (exercise 2b).

Input: float images [N, 3, 32, 32] (RGB); output: logits [N, 10] (no softmax: the grader trains
with nn.CrossEntropyLoss, which expects raw logits).

    conv1 (3->16, k3, p1) -> bn1 (16) -> ReLU -> pool 2x2    [N, 16, 16, 16]
    conv2 (16->32, k3, p1) -> bn2 (32) -> ReLU -> pool 2x2   [N, 32, 8, 8]
    flatten                                                  [N, 2048]
    fc1 (2048->128) -> ReLU                                  [N, 128]
    fc2 (128->10)                                            [N, 10]

BatchNorm2d normalises each channel of the convolution's output with the batch's statistics
while training (and keeps running averages of them for evaluation), so the next layer sees inputs
of a stable scale whatever the weights do: training tolerates much higher learning rates.
The convolutions keep their bias, as in the chapter (BatchNorm's own shift makes it redundant but
harmless). 268,746 parameters.
"""

# %% [markdown] tags=["starter-only"]
# # Exercise 2b: a CNN using BatchNorm2d to improve stability
#
# Take the CIFAR-10 `SimpleCNN` of exercise 2a and add an `nn.BatchNorm2d` after each
# convolution, in this order: **conv → BatchNorm2d → ReLU → MaxPool**. Name the class
# `BatchNormCNN` (see README.md for the full brief).
#
# Check your work with `grader check batchnorm_cnn starter.py`.

# %%
import torch
import torch.nn as nn
import torch.nn.functional as F


class BatchNormCNN(nn.Module):
    """Input: float images [N, 3, 32, 32] (RGB). Output: logits [N, 10] (no softmax)."""

    def __init__(self):
        super().__init__()
        # TODO: define the layers, in this order:
        #   self.conv1: 2-D convolution, 3 -> 16 channels, 3x3 kernel, padding 1
        #   self.bn1:   2-D batch normalisation over conv1's output channels (how many?)
        #   self.pool:  2x2 max pooling with stride 2 (you will use it twice)
        #   self.conv2: 2-D convolution, 16 -> 32 channels, 3x3 kernel, padding 1
        #   self.bn2:   2-D batch normalisation over conv2's output channels
        #   self.fc1:   fully connected, 32 * 8 * 8 -> 128
        #   self.fc2:   fully connected, 128 -> 10 classes
        # BEGIN SOLUTION
        self.conv1 = nn.Conv2d(3, 16, kernel_size=3, padding=1)
        self.bn1 = nn.BatchNorm2d(16)  # one mean/variance per channel of conv1's output
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=3, padding=1)
        self.bn2 = nn.BatchNorm2d(32)
        self.fc1 = nn.Linear(32 * 8 * 8, 128)  # 32x32 input, pooled twice -> 8x8
        self.fc2 = nn.Linear(128, 10)  # 10 classes
        # END SOLUTION

    def forward(self, x):
        # TODO: conv1 -> bn1 -> ReLU -> pool, conv2 -> bn2 -> ReLU -> pool,
        #       flatten (keep the batch dimension), fc1 -> ReLU, fc2. Return the logits [N, 10].
        # BEGIN SOLUTION
        x = self.pool(F.relu(self.bn1(self.conv1(x))))  # (N, 16, 16, 16)
        x = self.pool(F.relu(self.bn2(self.conv2(x))))  # (N, 32, 8, 8)
        x = torch.flatten(x, 1)                         # (N, 2048)
        x = F.relu(self.fc1(x))                         # (N, 128)
        x = self.fc2(x)                                 # (N, 10)
        return x
        # END SOLUTION


# %% [markdown] tags=["starter-only"]
# ## Try it
#
# Train your network for one epoch at a high learning rate (Adam, lr 3e-2), the grader's
# "stable training" recipe. Without BatchNorm the same network usually stops learning (10%, chance
# level); with it, it should learn. This cell downloads CIFAR-10 and trains for a few minutes on a
# CPU: it is tagged `skip-grading` and guarded, so the grader never runs it.

# %% tags=["skip-grading"]
if __name__ == "__main__":
    import torchvision
    import torchvision.transforms as transforms

    model = BatchNormCNN()
    print(model)
    print(model(torch.randn(2, 3, 32, 32)).shape)  # expect torch.Size([2, 10])

    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
    train_set = torchvision.datasets.CIFAR10(root="./data", train=True, download=True, transform=transform)
    test_set = torchvision.datasets.CIFAR10(root="./data", train=False, download=True, transform=transform)
    train_loader = torch.utils.data.DataLoader(train_set, batch_size=64, shuffle=True)
    test_loader = torch.utils.data.DataLoader(test_set, batch_size=256)

    optimizer = torch.optim.Adam(model.parameters(), lr=3e-2)
    criterion = nn.CrossEntropyLoss()
    model.train()  # BatchNorm normalises with each batch's statistics and updates its running ones
    for images, labels in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(images), labels)
        loss.backward()
        optimizer.step()

    model.eval()  # BatchNorm now uses the running statistics: predictions don't depend on the batch
    correct = 0
    with torch.no_grad():
        for images, labels in test_loader:
            correct += (model(images).argmax(dim=1) == labels).sum().item()
    print(f"test accuracy after 1 epoch at lr 3e-2: {correct / len(test_set):.1%}")
