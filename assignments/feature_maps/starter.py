# %% [markdown]
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
    raise NotImplementedError("TODO: write feature_maps")


def plot_feature_maps(maps):
    """One imshow panel per channel of `maps` [C, H, W], in channel order; returns the Figure."""
    # TODO: fig, axes = plt.subplots(rows, cols, ...) with rows * cols >= number of channels;
    #       axes.flat gives the axes row by row.
    # TODO: panel i: axes.flat[i].imshow(maps[i], cmap="viridis"); turn off the spare axes.
    # TODO: return fig (don't end with plt.show(): it returns None).
    raise NotImplementedError("TODO: write plot_feature_maps")


# %% [markdown]
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
