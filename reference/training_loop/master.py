# %% [raw]
# # ASSIGNMENT
# # Section 8.3.3: data preparation, the training loop and evaluation, on MNIST.
# schema_version = 1
# name = "training_loop"
# title = "The training loop (8.3.3): data, train_one_epoch, evaluate"
# dataset = "mnist"
# entry = ["make_loaders", "train_one_epoch", "evaluate"]
# description = "Prepare MNIST as the chapter does, write one epoch of the training loop, and evaluate a model's accuracy."
#
# [budgets]            # seconds for the whole submission, per device class
# cpu = 360
# cuda = 150
#
# [[check]]
# id = "loaders"
# probe = "mnist_loaders"
# needs = ["make_loaders"]
# points = 2
#
# [[check]]
# id = "steps"
# probe = "train_steps"
# needs = ["train_one_epoch"]
# points = 3
#
# [[check]]
# id = "loss"
# probe = "train_loss"
# needs = ["train_one_epoch"]
# points = 1
#
# [[check]]
# id = "modes"
# probe = "loop_modes"
# needs = ["train_one_epoch", "evaluate"]
# points = 2
#
# [[check]]
# id = "evaluate"
# probe = "evaluate_counts"
# needs = ["evaluate"]
# points = 2
#
# [[check]]
# id = "accuracy"
# probe = "loop_test_accuracy"
# needs = ["train_one_epoch"]
# protocol = "quick"   # one epoch on 20,000 seeded training images, Adam lr 1e-3, batch 64
# min_fraction_of_reference = 0.95
# floor_fraction_of_reference = 0.5
# timeout = { cpu = 240, cuda = 90 }
# points = 2
# hidden = true

# %% [markdown] tags=["readme-only"]
# # Assignment `training_loop`: data preparation, the training loop and evaluation (8.3.3)
#
# Section 8.3.3 of the chapter trains the SimpleCNN on MNIST in one block of code. Here you write it as
# three functions, so that each part can be checked on its own. Start from [`starter.py`](starter.py)
# (or `starter.ipynb`). The grader brings the model, the data, the loss and the optimizer; you write the
# code that uses them.
#
# ## What to define
#
# One Python file (or notebook) defining, with **exactly** these signatures:
#
# ```python
# def make_loaders(root, batch_size=64): ...        # -> (train_loader, test_loader)
# def train_one_epoch(model, loader, criterion, optimizer, device="cpu"): ...   # -> float
# def evaluate(model, loader, device="cpu"): ...    # -> float in [0, 1]
# ```
#
# - **`make_loaders(root, batch_size=64)`** prepares MNIST as the chapter does:
#   `transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])`,
#   `datasets.MNIST(root, train=True, download=True, transform=...)` for training and `train=False`
#   for testing, and returns `(train_loader, test_loader)`: two `DataLoader`s with `batch_size`, the
#   training loader **shuffled**, the test loader **not**. Batches are `[batch_size, 1, 28, 28]`
#   float images in `[-1, 1]` and their labels.
# - **`train_one_epoch(model, loader, criterion, optimizer, device="cpu")`** makes one pass over
#   `loader`, in the chapter's order for every batch: move the images and labels to `device`,
#   `optimizer.zero_grad()`, `outputs = model(images)`, `loss = criterion(outputs, labels)`,
#   `loss.backward()`, `optimizer.step()`. It puts the model in training mode first (`model.train()`)
#   and returns the **mean of the per-batch losses** as a Python `float`: add up `loss.item()` (not
#   `loss`) and divide by `len(loader)`, as the chapter prints it.
# - **`evaluate(model, loader, device="cpu")`** returns the model's accuracy over **every** image in
#   `loader`, a number between 0 and 1: model in eval mode (`model.eval()`), no gradients
#   (`with torch.no_grad():`), batches moved to `device`, predictions `outputs.argmax(1)` compared with
#   the labels, correct predictions counted over all batches and divided by the number of images (the
#   last batch may be shorter). It must not change the model.
#
# Code you run yourself (training for five epochs, printing) goes under `if __name__ == "__main__":`
# (the starter shows how), so that importing your file runs nothing.
#
# ## What is checked
#
# | check | points | what the grader does |
# | --- | --- | --- |
# | `loaders` | 2 | calls `make_loaders(root)` on an MNIST folder it prepares (no network): the splits, batch size, shapes, value range and shuffling |
# | `steps` | 3 | runs your `train_one_epoch` on its own MNIST model for 1, 2 and 3 batches of real images with Adam (lr 1e-3), and compares the weights after each with the reference loop's; a forgotten `zero_grad`, `zero_grad` after `backward`, `step` before `backward`, a missing `step`, or `criterion(labels, outputs)` are named |
# | `loss` | 1 | the value your `train_one_epoch` returns for three batches of 16, 16 and 8 images: a float, the mean of the batch losses (the last batch's loss, the sum, a per-image mean or a tensor holding the graph are named; the right mean as a 0-dim tensor without a graph or a numpy scalar earns the point, with a note to return a Python float) |
# | `modes` | 2 | on a model with BatchNorm and Dropout: `evaluate`, then `train_one_epoch`, then `evaluate` again; training mode while training, eval mode and no gradients while evaluating (1 point), and every batch moved to `device` (1 point) |
# | `evaluate` | 2 | your `evaluate` on 37 images in batches of 16, 16 and 5, given a model in training mode: the share of correct predictions over all 37, the model unchanged (the right share as a 0-dim tensor or a numpy scalar earns the points, with a note to return a Python float) |
# | `accuracy` (hidden) | 2 | one epoch of your `train_one_epoch` trains the chapter's SimpleCNN on 20,000 MNIST images (seeded, batch 64, Adam 1e-3); the grader measures the test accuracy, which must reach 95% of the reference loop's (97.3% on a CPU) |
#
# The grader calls your functions with its arguments in the order of these signatures: a `train_one_epoch` that takes
# the optimizer before the criterion cannot be graded, and its message says so.
#
# Run `grader check training_loop your_file.py` to see the visible checks before you hand in.

# %% tags=["instructor-only"]
"""Reference solution: section 8.3.3 of the chapter, as three functions."""

# %% [markdown] tags=["starter-only"]
# # The training loop (section 8.3.3)
#
# Define the three functions below with exactly these signatures; see README.md for what each must do.
# Keep training code you run yourself under `if __name__ == "__main__":` so that the grader, which
# imports this file, does not start it.

# %%
import torch
from torch import nn
from torch.utils.data import DataLoader
from torchvision import datasets, transforms


def make_loaders(root, batch_size=64):
    """MNIST under `root` with the chapter's transform: (shuffled train loader, unshuffled test loader)."""
    # BEGIN SOLUTION
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
    trainset = datasets.MNIST(root=root, train=True, download=True, transform=transform)
    testset = datasets.MNIST(root=root, train=False, download=True, transform=transform)
    trainloader = DataLoader(trainset, batch_size=batch_size, shuffle=True)
    testloader = DataLoader(testset, batch_size=batch_size, shuffle=False)
    return trainloader, testloader
    # END SOLUTION


def train_one_epoch(model, loader, criterion, optimizer, device="cpu"):
    """One pass over `loader`; returns the mean of the per-batch losses as a float."""
    # BEGIN SOLUTION
    model.train()
    running_loss = 0.0
    for images, labels in loader:
        images, labels = images.to(device), labels.to(device)
        optimizer.zero_grad()
        outputs = model(images)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        running_loss += loss.item()
    return running_loss / len(loader)
    # END SOLUTION


def evaluate(model, loader, device="cpu"):
    """Accuracy (a number in [0, 1]) of `model` over every image in `loader`."""
    # BEGIN SOLUTION
    model.eval()
    correct, total = 0, 0
    with torch.no_grad():
        for images, labels in loader:
            images, labels = images.to(device), labels.to(device)
            predicted = model(images).argmax(dim=1)
            correct += (predicted == labels).sum().item()
            total += labels.size(0)
    return correct / total
    # END SOLUTION


# %% tags=["skip-grading"]
# Your own training run: five epochs, as in the chapter. The grader skips this cell (tag skip-grading) and
# the `if __name__ == "__main__":` guard keeps it out of an import of this file.
if __name__ == "__main__":
    from torch import optim

    class SimpleCNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
            self.pool = nn.MaxPool2d(2, 2)
            self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
            self.fc1 = nn.Linear(64 * 7 * 7, 128)
            self.fc2 = nn.Linear(128, 10)

        def forward(self, x):
            x = self.pool(torch.relu(self.conv1(x)))
            x = self.pool(torch.relu(self.conv2(x)))
            return self.fc2(torch.relu(self.fc1(torch.flatten(x, 1))))

    device = "cuda" if torch.cuda.is_available() else "cpu"
    trainloader, testloader = make_loaders("./data")
    model = SimpleCNN().to(device)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=0.001)
    for epoch in range(5):
        loss = train_one_epoch(model, trainloader, criterion, optimizer, device)
        print(f"Epoch {epoch + 1}, Loss: {loss:.4f}, test accuracy: {evaluate(model, testloader, device):.4f}")
