"""Wrong stage: the first Conv2d's raw output, without the ReLU."""
import matplotlib.pyplot as plt
import torch
import torch.nn as nn


def feature_maps(model, images):
    conv = next(m for m in model.modules() if isinstance(m, nn.Conv2d))
    with torch.no_grad():
        return conv(images)


def plot_feature_maps(maps):
    fig, axes = plt.subplots(4, 4, figsize=(8, 8))
    for i, ax in enumerate(axes.flat):
        ax.imshow(maps[i])
        ax.axis("off")
    return fig
