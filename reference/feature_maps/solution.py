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


def feature_maps(model, images):
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
