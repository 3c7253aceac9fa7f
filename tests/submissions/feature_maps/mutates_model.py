"""Side effect: switches requires_grad off on every parameter of the model (instead of no_grad)
and leaves it so; the maps and the figure are right."""
import matplotlib.pyplot as plt
import torch.nn as nn
import torch.nn.functional as F


def feature_maps(model, images):
    for p in model.parameters():
        p.requires_grad_(False)
    conv = next(m for m in model.modules() if isinstance(m, nn.Conv2d))
    return F.relu(conv(images))


def plot_feature_maps(maps):
    fig, axes = plt.subplots(4, 4, figsize=(8, 8))
    for i, ax in enumerate(axes.flat):
        ax.imshow(maps[i])
    return fig
