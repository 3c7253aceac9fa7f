# %% [raw]
# # ASSIGNMENT
# # Exercise 2c: visualise the feature maps of the first convolutional layer.
# schema_version = 1
# name = "feature_maps"
# title = "Feature maps of the first convolutional layer"
# dataset = "cifar10"
# entry = ["feature_maps", "plot_feature_maps"]
# description = "Return the activations of a model's first Conv2d for a batch of images, and plot one channel per panel."
#
# [budgets]            # seconds for the whole submission, per device class
# cpu = 120
# cuda = 60
#
# [[check]]
# id = "shape"
# probe = "feature_map_shape"
# needs = ["feature_maps"]
# points = 1
#
# [[check]]
# id = "values"
# probe = "feature_map_values"
# needs = ["feature_maps"]
# after_relu = true    # the maps after the first conv's ReLU (false: the convolution's raw output)
# points = 3
#
# [[check]]
# id = "side_effects"
# probe = "feature_map_side_effects"
# needs = ["feature_maps"]
# points = 1
#
# [[check]]
# id = "figure"
# probe = "feature_map_figure"
# needs = ["plot_feature_maps"]
# after_relu = true
# points = 2
#
# [[check]]
# id = "other_model"
# name = "Works for another model (first Conv2d 'features.0', no conv1)"
# probe = "feature_map_values"
# model = "small_sequential"
# needs = ["feature_maps"]
# after_relu = true
# points = 1
# hidden = true

# %% [markdown] tags=["readme-only"]
# # Assignment `feature_maps`: visualise the feature maps of the first convolutional layer (exercise 2c)
#
# A convolutional layer turns an image into one *feature map* per output channel: where each filter
# responds. Write a function that extracts the feature maps of a model's first convolutional layer
# for a batch of images, and a function that plots them. Start from [`starter.py`](starter.py).
#
# ## What to define
#
# One Python file that defines two functions, named exactly:
#
# ### `feature_maps(model, images) -> torch.Tensor`
#
# - `model`: any `torch.nn.Module` that contains at least one `nn.Conv2d`; it is in eval mode.
#   The grader uses the chapter's CIFAR-10 `SimpleCNN` (`conv1`: 3 → 16 channels, kernel 3,
#   padding 1), **and other models**: your function must not assume an attribute called `conv1`.
#   "The first convolutional layer" is **the first `nn.Conv2d` in `model.modules()`**.
# - `images`: a float tensor **`[N, 3, 32, 32]`** of normalised CIFAR-10 images, on the model's
#   device.
# - Return the activations of that first `nn.Conv2d` for the images **after its ReLU**, as a
#   tensor **`[N, C, H, W]`** (for SimpleCNN: `[N, 16, 32, 32]`), float32, channels in the
#   convolution's order, values as computed (no rescaling). Two ways work: call the layer on the
#   images (`conv(images)`: right when, as here, the first conv reads the images directly), or
#   register a forward hook on it and run `model(images)`.
# - The returned tensor must **not require grad**: work inside `with torch.no_grad():` (or return
#   `.detach()`).
# - **Leave everything as it was**: don't change the model's weights or their `requires_grad`
#   flags, don't leave gradients (`.grad`) or hooks behind (keep the handle that
#   `register_forward_hook` returns and call `handle.remove()`), and don't modify `images` in place.
#
# ### `plot_feature_maps(maps) -> matplotlib.figure.Figure`
#
# - `maps`: the feature maps of **one** image, a CPU tensor **`[C, H, W]`** (e.g. `feature_maps(model,
#   images)[0]`).
# - Draw **one panel per channel** with `imshow` (or `matshow`), **channel `i` in panel `i`**, panels
#   in the order the axes were created (`plt.subplots(rows, cols)` creates them row by row, as
#   `axes.flat` visits them). Any grid, colormap, titles and colorbar are fine; spare axes may stay
#   empty (or be turned off). Show each channel as the 2-D array itself (any colour scale), not a
#   resized or RGB-converted copy.
# - **Return the figure** (`fig`). Don't end with `plt.show()`: it returns `None`, and on the
#   grader's non-interactive backend it shows nothing.
#
# ## What is checked
#
# The grader builds the model itself with fixed, seeded weights, and passes it the first images of
# the CIFAR-10 test set. Visible checks (the ones `grader check` runs and shows you):
#
# - **shape and type** (1 point): a float32 tensor `[N, 16, 32, 32]` for SimpleCNN;
# - **values** (3 points): the maps equal the reference's; if not, the report says what you
#   returned instead when it can tell (the maps before the ReLU, after the pooling layer, of the
#   second conv layer, or the right maps with the channels in another order);
# - **side effects** (1 point): the model (weights, `requires_grad`, `.grad`, hooks) and the
#   images are unchanged, and the returned maps do not require grad;
# - **figure** (2 points): `plot_feature_maps` returns a `Figure` with one image panel per channel,
#   panel `i` showing channel `i`. The report shows your figure next to the reference's.
#
# Some checks are **hidden**: they count towards your grade but `grader check` does not show them
# (for example, `feature_maps` on a model other than SimpleCNN). A full score from `grader check` is
# a good sign, not a guarantee.
#
# ## How to check your work
#
# ```
# grader check feature_maps my_solution.py --out report
# ```
#
# It runs the visible checks and prints a table with, for each failed check, what was expected and
# what your functions produced; `report/report.html` also shows your figure next to the
# reference's.
#
# - **What the grader reads**: your one `.py` file (or a folder/zip with it). It imports the file and
#   calls `feature_maps` and `plot_feature_maps`; nothing else in the file is used.
# - **Guard your own experiments.** Code that loads data, trains or plots when the file runs must
#   sit under `if __name__ == "__main__":`, otherwise it runs when the grader imports your file. In
#   a notebook, tag such cells `skip-grading` instead (cell tags, as in the starter's last cell).
#   If you forget, the grader still grades your definitions: when code at the top level raises (a
#   download with no network, a missing package, a data path that only exists on your laptop,
#   `argparse`, `sys.exit()`) or runs longer than 30 s, the lines after it run for their definitions
#   only (imports, functions, classes, simple assignments), and the report opens with **how your
#   file ran**: the line that failed, why, and the one-line fix.
# - **Printing is fine**, and warnings never cost points.
# - **Don't pin a device**: the model and images may be on a GPU; create nothing on a fixed device.
# - **Time budget**: the whole submission has 120 s on a CPU (60 s on a GPU); each check takes well
#   under a second for a plain solution.

# %% tags=["instructor-only"]
"""Reference solution for `feature_maps`: exercise 2c, visualise the feature maps of the first
convolutional layer.

feature_maps(model, images) -> [N, C, H, W]: the first nn.Conv2d found in model.modules() order,
captured with a forward hook during one forward pass under torch.no_grad(), then a ReLU. The hook
is removed in a `finally:` block, so the model is left exactly as it was even if forward raises.

plot_feature_maps(maps [C, H, W]) -> Figure: a near-square grid, channel i in panel i (imshow with
a colormap, row by row), spare axes turned off; the figure is returned, not shown.
"""

# %% [markdown] tags=["starter-only"]
# # Exercise 2c: visualise the feature maps of the first convolutional layer
#
# Write two functions (see README.md for the full brief):
#
# - `feature_maps(model, images)`: the activations of the model's **first** `nn.Conv2d`
#   (the first one in `model.modules()`), **after its ReLU**, for a batch of images
#   `[N, 3, 32, 32]`; returns a tensor `[N, C, H, W]` that does not require grad, and leaves the
#   model and the images exactly as they were. It must work for **any** model, not only SimpleCNN:
#   don't write `model.conv1`.
# - `plot_feature_maps(maps)`: draws the maps of ONE image, `[C, H, W]`, one `imshow` panel per
#   channel, channel `i` in panel `i` (row by row), and **returns** the matplotlib `Figure`.
#
# Check your work with `grader check feature_maps starter.py`.

# %%
import math

import matplotlib.pyplot as plt
import torch
import torch.nn as nn
import torch.nn.functional as F


def feature_maps(model, images):
    """Activations of the first nn.Conv2d of `model` (after ReLU) for `images` [N, 3, 32, 32].

    Returns a tensor [N, C, H, W] that does not require grad. Leaves the model unchanged.
    """
    # TODO: find the first nn.Conv2d in model.modules().
    # TODO: get its output for `images`, either by calling it on the images or with a forward
    #       hook during model(images) (remove the hook afterwards!), inside torch.no_grad().
    # TODO: apply the ReLU and return the maps.
    # BEGIN SOLUTION
    conv = next(m for m in model.modules() if isinstance(m, nn.Conv2d))
    captured = []
    handle = conv.register_forward_hook(lambda module, inputs, output: captured.append(output))
    try:
        with torch.no_grad():
            model(images)
    finally:
        handle.remove()
    return torch.relu(captured[0])
    # END SOLUTION


def plot_feature_maps(maps):
    """One imshow panel per channel of `maps` [C, H, W], in channel order; returns the Figure."""
    # TODO: fig, axes = plt.subplots(rows, cols, ...) with rows * cols >= number of channels;
    #       axes.flat gives the axes row by row.
    # TODO: panel i: axes.flat[i].imshow(maps[i], cmap="viridis"); turn off the spare axes.
    # TODO: return fig (don't end with plt.show(): it returns None).
    # BEGIN SOLUTION
    channels = maps.shape[0]
    cols = math.ceil(math.sqrt(channels))
    rows = math.ceil(channels / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(2 * cols, 2 * rows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        if i < channels:
            ax.imshow(maps[i].cpu().numpy(), cmap="viridis")
            ax.set_title(f"channel {i}", fontsize=9)
        ax.axis("off")
    fig.tight_layout()
    return fig
    # END SOLUTION


# %% [markdown] tags=["starter-only"]
# ## Try it on the chapter's SimpleCNN
#
# Paste your CIFAR-10 `SimpleCNN` (exercise 2a) below, load a few CIFAR-10 test images and look at
# the maps. The cell is tagged `skip-grading` and guarded, so the grader never runs it (it downloads
# data); the grader brings its own model and images.

# %% tags=["skip-grading"]
if __name__ == "__main__":
    import torchvision
    import torchvision.transforms as transforms

    class SimpleCNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 16, kernel_size=3, padding=1)
            self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
            self.conv2 = nn.Conv2d(16, 32, kernel_size=3, padding=1)
            self.fc1 = nn.Linear(32 * 8 * 8, 128)
            self.fc2 = nn.Linear(128, 10)

        def forward(self, x):
            x = self.pool(F.relu(self.conv1(x)))
            x = self.pool(F.relu(self.conv2(x)))
            x = torch.flatten(x, 1)
            return self.fc2(F.relu(self.fc1(x)))

    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
    test_set = torchvision.datasets.CIFAR10(root="./data", train=False, download=True, transform=transform)
    images = torch.stack([test_set[i][0] for i in range(4)])

    model = SimpleCNN().eval()  # train it first (exercise 2a) for more meaningful maps
    maps = feature_maps(model, images)
    print(maps.shape)  # expect torch.Size([4, 16, 32, 32])
    fig = plot_feature_maps(maps[0])
    fig.savefig("feature_maps.png")
    print(f"{len(fig.axes)} axes; saved feature_maps.png")
