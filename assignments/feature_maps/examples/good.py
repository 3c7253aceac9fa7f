"""Example submission for `grader demo feature_maps`: correct.

Captures the first Conv2d's output with a forward hook (removed in a finally block), applies the
ReLU, and plots the channels in a 4 x 4 grid with a shared colour scale.
"""
import matplotlib.pyplot as plt
import torch
from torch import nn

print("good.py: feature maps of the first convolutional layer")


def feature_maps(model, images):
    first_conv = next(m for m in model.modules() if isinstance(m, nn.Conv2d))
    outputs = []
    handle = first_conv.register_forward_hook(lambda module, inputs, output: outputs.append(output))
    try:
        with torch.no_grad():
            model(images)
    finally:
        handle.remove()
    return torch.relu(outputs[0])


def plot_feature_maps(maps):
    channels = maps.shape[0]
    cols = 4
    rows = (channels + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(2.2 * cols, 2.2 * rows))
    vmax = float(maps.max())
    for i, ax in enumerate(axes.flat):
        if i < channels:
            ax.imshow(maps[i].numpy(), cmap="inferno", vmin=0, vmax=vmax)
            ax.set_title(f"filter {i}", fontsize=8)
        ax.axis("off")
    fig.suptitle("conv1 feature maps")
    return fig
