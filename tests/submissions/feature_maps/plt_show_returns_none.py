"""The plot is drawn but the function ends with plt.show() and returns None."""
import matplotlib.pyplot as plt
import torch
import torch.nn as nn
import torch.nn.functional as F


def feature_maps(model, images):
    conv = next(m for m in model.modules() if isinstance(m, nn.Conv2d))
    with torch.no_grad():
        return F.relu(conv(images))


def plot_feature_maps(maps):
    plt.figure(figsize=(8, 8))
    for i in range(maps.shape[0]):
        plt.subplot(4, 4, i + 1)
        plt.imshow(maps[i], cmap="gray")
        plt.axis("off")
    plt.show()
