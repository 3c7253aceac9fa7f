"""Channels reordered: sorts the maps by mean activation, strongest first, "for a nicer plot"."""
import matplotlib.pyplot as plt
import torch
import torch.nn as nn
import torch.nn.functional as F


def feature_maps(model, images):
    conv = next(m for m in model.modules() if isinstance(m, nn.Conv2d))
    with torch.no_grad():
        maps = F.relu(conv(images))
    order = maps.mean(dim=(0, 2, 3)).argsort(descending=True)
    return maps[:, order]


def plot_feature_maps(maps):
    fig, axes = plt.subplots(4, 4, figsize=(8, 8))
    for i, ax in enumerate(axes.flat):
        ax.imshow(maps[i])
        ax.axis("off")
    return fig
