# %% [raw]
# # ASSIGNMENT
# # Section 8.3.2: the chapter's SimpleCNN on MNIST (1 input channel).
# schema_version = 1
# name = "mnist_simplecnn"
# title = "SimpleCNN for MNIST (the chapter's 8.3.2 model)"
# dataset = "mnist"
# entry = "SimpleCNN"
# description = "Build the chapter's SimpleCNN for 28×28 grayscale MNIST digits."
#
# [budgets]            # seconds for the whole submission, per device class
# cpu = 300
# cuda = 120
#
# [[check]]
# id = "output_shape"
# probe = "output_shape"
# inputs = [[8, 1, 28, 28], [1, 1, 28, 28]]
# points = 2
#
# [[check]]
# id = "architecture"
# probe = "architecture"
# points = 2
#
# [[check]]
# id = "layer_shapes"
# probe = "layer_shapes"
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
# points = 2
# hidden = true
#
# [[check]]
# id = "test_accuracy"
# probe = "test_accuracy"
# protocol = "quick"
# min_fraction_of_reference = 0.9
# floor_fraction_of_reference = 0.5
# timeout = { cpu = 150, cuda = 60 }
# points = 2
# hidden = true

# %% [markdown] tags=["readme-only"]
# # Assignment `mnist_simplecnn`: a SimpleCNN for MNIST
#
# Build the convolutional network of chapter 8.3.2 ("Example: A Simple CNN Model") in PyTorch.
# Start from [`starter.py`](starter.py).
#
# ## What to define
#
# One Python file that defines a class named exactly **`SimpleCNN`**:
#
# - a subclass of `torch.nn.Module`;
# - its constructor takes **no required arguments**: the grader calls `SimpleCNN()`;
# - `forward(x)` takes a batch of float images `x` of shape **`[N, 1, 28, 28]`** (grayscale
#   digits) and returns **logits** of shape **`[N, 10]`**, one score per digit. Do not apply
#   softmax: the grader trains with `nn.CrossEntropyLoss`, which expects raw logits.
#   `N` can be any batch size, **including 1**.
#
# The architecture is the chapter's, in this order:
#
# | layer | what it is |
# | --- | --- |
# | `conv1` | `nn.Conv2d`, 1 → 32 channels, kernel 3, padding 1, then ReLU |
# | `pool`  | `nn.MaxPool2d`, kernel 2, stride 2 (applied after each conv + ReLU) |
# | `conv2` | `nn.Conv2d`, 32 → 64 channels, kernel 3, padding 1, then ReLU |
# | `fc1`   | `nn.Linear`, flattened features → 128, then ReLU |
# | `fc2`   | `nn.Linear`, 128 → 10 |
#
# Work out the number of flattened features from the shapes (28 × 28, pooled twice). Keep the batch
# dimension when you flatten: `torch.flatten(x, 1)` or `x.view(x.size(0), -1)`.
#
# No extra layers (no BatchNorm, no Dropout): several checks compare your network with the
# reference network of the same architecture. Any attribute names and any style (separate
# attributes or `nn.Sequential`, `nn.ReLU` modules or `F.relu`) are fine, **as long as the layers
# with weights are created in the order conv1, conv2, fc1, fc2**: the grader copies its own weights
# into your model by name (`conv1.weight`, …) and, if your names differ, by order and shape.
# The layers with weights must be modules (`nn.Conv2d`, `nn.Linear`); pooling, ReLU and
# flattening may be modules or functions (`nn.MaxPool2d` or `F.max_pool2d`, `nn.Flatten` or
# `torch.flatten` or `x.view(x.size(0), -1)`): the layer-shape check records the operations your
# forward pass computes, not how you wrote them.
#
# ## What is checked
#
# Visible checks (the ones `grader check` runs and shows you), by family:
#
# - **output shape**: `[N, 10]` for several batch sizes, including 1;
# - **architecture**: the `Conv2d` and `Linear` layers (channels, kernel size, padding,
#   features) and the total number of parameters;
# - **layer shapes**: the shapes of intermediate outputs (after each conv, pooling and linear
#   layer), recorded operation by operation as your `forward` runs;
# - **gradient flow**: a backward pass reaches every parameter, with finite gradients.
#
# Some checks are **hidden**: they count towards your grade but `grader check` does not show them.
# They include, for example, a comparison with the reference network (your outputs and gradients
# once the reference weights are loaded into your model) and the **test accuracy** of your model
# after the grader has trained it, on the MNIST test set, relative to the reference solution trained
# the same way. A full score from `grader check` is a good sign, not a guarantee.
#
# ## How to check your work
#
# ```
# grader check mnist_simplecnn my_solution.py
# ```
#
# It runs the visible checks and prints a table with, for each failed check, what was expected and
# what your model produced.
#
# **In a Jupyter notebook** you can hand in the `.ipynb` itself (start from
# [`starter.ipynb`](starter.ipynb)), and check it without leaving the notebook: a cell with
#
# ```python
# from grader import check; check("mnist_simplecnn")
# ```
#
# shows the same table, for the classes and functions you have run so far. The grader runs your
# notebook's cells in order; **tag cells that train, download data or take long `skip-grading`**
# (cell tags: in Jupyter *View → Cell Toolbar → Tags*, in JupyterLab and VS Code the cell's
# property panel) so that grading skips them, as the starter's last cell is. A cell that raises
# stops the run, as *Run All* does, and the report names it.
#
# - **Printing is fine**, and **warnings never cost points**: what your file prints is shown in the
#   report, nothing more.
# - **Guard your own training code.** The grader imports your file and trains `SimpleCNN` itself
#   with a fixed, seeded recipe (`nn.CrossEntropyLoss`, `torch.optim.Adam` with learning rate 1e-3,
#   batch size 64; `grader check` uses the short `quick` protocol). Any training loop, dataset
#   download or plotting you keep in the file must sit under
#   ```python
#   if __name__ == "__main__":
#       ...
#   ```
#   (in a notebook: the `skip-grading` tag, since a notebook's kernel runs as `__main__`).
#   If you forget, the grader still grades your definitions: when code at the top level of your
#   file raises (a download with no network, a missing package, a data path that only exists on
#   your laptop, `argparse`, `sys.exit()`) or runs longer than 30 s, the lines after it run for
#   their definitions only (imports, functions, classes, simple assignments), and the report opens
#   with **how your file ran**: the line that failed, why, and the one-line fix.
# - **Don't pin a device.** The grader may run your model on a GPU: don't call `.cuda()` or create
#   tensors on a fixed device inside `forward`.
# - **Time budget.** Grading one submission, training included, has a time budget: 300 s on
#   a CPU, 120 s on a GPU (the `[budgets]` of the assignment's `assignment.toml`; the training check
#   has its own share of it). Time your code spends waiting for a CPU on a busy grading machine is
#   not charged, so the budget means the same on an idle machine and under load. Checks that have not finished in time are marked as timed out, and
#   the checks already finished keep their points. A plain SimpleCNN needs a small fraction of
#   the budget; a `forward` that sleeps or does extra work on every batch does not.

# %% tags=["instructor-only"]
"""Reference solution for `mnist_simplecnn`: the SimpleCNN of chapter 8.3.2, for MNIST.

Input: float images [N, 1, 28, 28]; output: logits [N, 10] (no softmax: the grader trains
with nn.CrossEntropyLoss, which expects raw logits).

    conv1 (1->32, k3, p1) -> ReLU -> pool 2x2   [N, 32, 14, 14]
    conv2 (32->64, k3, p1) -> ReLU -> pool 2x2  [N, 64, 7, 7]
    flatten                                     [N, 3136]
    fc1 (3136->128) -> ReLU                     [N, 128]
    fc2 (128->10)                               [N, 10]

The layers, their attribute names and their order are the chapter's. The one change: the
chapter flattens with `x.view(-1, 64 * 7 * 7)`; this uses `torch.flatten(x, 1)`, which keeps the
batch dimension explicit (a batch of 1 stays [1, 3136]; a wrong spatial size fails loudly in fc1
instead of silently folding into the batch) and also works on non-contiguous tensors.
421,642 parameters.
"""

# %% [markdown] tags=["starter-only"]
# # `mnist_simplecnn`: the SimpleCNN of chapter 8.3.2, for MNIST digits
#
# Fill in the TODOs in the next cell, then check your work with
# `grader check mnist_simplecnn <this file>`, or inside the notebook with
# `from grader import check; check("mnist_simplecnn")`.
#
# The grader only looks for the class `SimpleCNN`. Cells tagged `skip-grading` (like the
# last one) are never run by the grader: put training loops there.

# %%
import torch
import torch.nn as nn
import torch.nn.functional as F


class SimpleCNN(nn.Module):
    """Input: float images [N, 1, 28, 28]. Output: logits [N, 10] (no softmax)."""

    def __init__(self):
        super().__init__()
        # TODO: define the layers, in this order:
        #   self.conv1: 2-D convolution, 1 input channel -> 32 channels, 3x3 kernel, padding 1
        #   self.pool:  2x2 max pooling with stride 2 (you will use it twice)
        #   self.conv2: 2-D convolution, 32 -> 64 channels, 3x3 kernel, padding 1
        #   self.fc1:   fully connected, (flattened size after the second pooling) -> 128
        #   self.fc2:   fully connected, 128 -> 10 classes
        # BEGIN SOLUTION
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)  # 1 input channel (grayscale), 32 filters
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.fc1 = nn.Linear(64 * 7 * 7, 128)
        self.fc2 = nn.Linear(128, 10)  # 10 classes (digits 0-9)
        # END SOLUTION

    def forward(self, x):
        # TODO: conv1 -> ReLU -> pool, conv2 -> ReLU -> pool, flatten (keep the batch dimension),
        #       fc1 -> ReLU, fc2. Return the logits of shape [N, 10].
        # BEGIN SOLUTION
        x = self.pool(F.relu(self.conv1(x)))  # (N, 32, 14, 14)
        x = self.pool(F.relu(self.conv2(x)))  # (N, 64, 7, 7)
        x = torch.flatten(x, 1)               # (N, 3136)
        x = F.relu(self.fc1(x))               # (N, 128)
        x = self.fc2(x)                       # (N, 10)
        return x
        # END SOLUTION


# %% [markdown] tags=["starter-only"]
# ## Try it

# %% tags=["skip-grading"]
if __name__ == "__main__":
    # Code here runs only when you run this file yourself, never when the grader imports it.
    model = SimpleCNN()
    print(model)
    try:
        print(model(torch.randn(2, 1, 28, 28)).shape)  # expect torch.Size([2, 10])
    except NotImplementedError as exc:
        print(f"not written yet: {exc}")
