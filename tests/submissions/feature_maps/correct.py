"""Correct: calls the first Conv2d directly on the images under no_grad; a 2 x 8 grid."""
import matplotlib.pyplot as plt
import torch
import torch.nn as nn
import torch.nn.functional as F


def feature_maps(model, images):
    first_conv = next(m for m in model.modules() if isinstance(m, nn.Conv2d))
    with torch.no_grad():
        return F.relu(first_conv(images))


def plot_feature_maps(maps):
    fig, axes = plt.subplots(2, (maps.shape[0] + 1) // 2, figsize=(16, 4))
    for i, ax in enumerate(axes.flat):
        ax.imshow(maps[i], cmap="gray")
        ax.set_title(f"{i}")
        ax.set_xticks([])
        ax.set_yticks([])
    return fig
