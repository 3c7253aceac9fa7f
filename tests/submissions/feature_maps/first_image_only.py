"""Bug: returns the maps of the first image only ([channels, height, width]), as tutorials that visualise one image
do with `output[0]` (e.g. the "visualizing feature maps" posts that run `conv(img.unsqueeze(0))[0]`)."""
import matplotlib.pyplot as plt
import torch
import torch.nn as nn
import torch.nn.functional as F


def feature_maps(model, images):
    first_conv = next(m for m in model.modules() if isinstance(m, nn.Conv2d))
    with torch.no_grad():
        return F.relu(first_conv(images))[0]


def plot_feature_maps(maps):
    fig, axes = plt.subplots(2, (maps.shape[0] + 1) // 2, figsize=(16, 4))
    for i, ax in enumerate(axes.flat):
        ax.imshow(maps[i], cmap="gray")
        ax.set_title(f"{i}")
        ax.set_xticks([])
        ax.set_yticks([])
    return fig
