# Written by `grader assign` from master.py: edit the master, not this file.
"""Reference solution for `feature_maps`: exercise 2c, visualise the feature maps of the first
convolutional layer.

feature_maps(model, images) -> [N, C, H, W]: the first nn.Conv2d found in model.modules() order,
captured with a forward hook during one forward pass under torch.no_grad(), then a ReLU. The hook
is removed in a `finally:` block, so the model is left exactly as it was even if forward raises.

plot_feature_maps(maps [C, H, W]) -> Figure: a near-square grid, channel i in panel i (imshow with
a colormap, row by row), spare axes turned off; the figure is returned, not shown.
"""


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
    conv = next(m for m in model.modules() if isinstance(m, nn.Conv2d))
    captured = []
    handle = conv.register_forward_hook(lambda module, inputs, output: captured.append(output))
    try:
        with torch.no_grad():
            model(images)
    finally:
        handle.remove()
    return torch.relu(captured[0])


def plot_feature_maps(maps):
    """One imshow panel per channel of `maps` [C, H, W], in channel order; returns the Figure."""
    # TODO: fig, axes = plt.subplots(rows, cols, ...) with rows * cols >= number of channels;
    #       axes.flat gives the axes row by row.
    # TODO: panel i: axes.flat[i].imshow(maps[i], cmap="viridis"); turn off the spare axes.
    # TODO: return fig (don't end with plt.show(): it returns None).
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
