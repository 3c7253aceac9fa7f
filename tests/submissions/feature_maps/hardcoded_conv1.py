"""Works on SimpleCNN only: uses model.conv1, which another model need not have."""
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F


def feature_maps(model, images):
    with torch.no_grad():
        return F.relu(model.conv1(images))


def plot_feature_maps(maps):
    fig, axes = plt.subplots(4, 4, figsize=(8, 8))
    for i, ax in enumerate(axes.flat):
        ax.imshow(maps[i])
    return fig
