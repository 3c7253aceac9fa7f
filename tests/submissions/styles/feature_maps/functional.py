"""The reference feature_maps computed with F.conv2d on the first convolution's weights and F.relu,
and the same figure. Must score exactly what the reference scores."""
import math

import matplotlib.pyplot as plt
import torch
import torch.nn as nn
import torch.nn.functional as F


def feature_maps(model, images):
    conv = next(m for m in model.modules() if isinstance(m, nn.Conv2d))
    with torch.no_grad():
        out = F.conv2d(images, conv.weight, conv.bias, stride=conv.stride, padding=conv.padding,
                       dilation=conv.dilation, groups=conv.groups)
    return F.relu(out)


def plot_feature_maps(maps):
    cols = math.ceil(math.sqrt(maps.shape[0]))
    rows = math.ceil(maps.shape[0] / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(2 * cols, 2 * rows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        if i < maps.shape[0]:
            ax.imshow(maps[i].cpu().numpy())
        ax.axis("off")
    return fig
