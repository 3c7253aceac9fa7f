"""The reference feature_maps written by calling the first convolution module and an nn.ReLU module.
Must score exactly what the reference scores."""
import math

import matplotlib.pyplot as plt
import torch
import torch.nn as nn


def feature_maps(model, images):
    conv = [m for m in model.modules() if isinstance(m, nn.Conv2d)][0]
    with torch.no_grad():
        return nn.ReLU()(conv(images))


def plot_feature_maps(maps):
    n = maps.shape[0]
    cols = math.ceil(math.sqrt(n))
    fig, axes = plt.subplots(math.ceil(n / cols), cols, squeeze=False)
    for i, ax in enumerate(axes.flat):
        if i < n:
            ax.imshow(maps[i].detach().cpu())
        ax.set_axis_off()
    return fig
