"""Wrong layer: takes the LAST Conv2d (conv2 in SimpleCNN), not the first."""
import matplotlib.pyplot as plt
import torch
import torch.nn as nn


def feature_maps(model, images):
    conv = [m for m in model.modules() if isinstance(m, nn.Conv2d)][-1]
    out = []
    handle = conv.register_forward_hook(lambda m, i, o: out.append(o))
    with torch.no_grad():
        model(images)
    handle.remove()
    return torch.relu(out[0])


def plot_feature_maps(maps):
    fig, axes = plt.subplots(4, 4, figsize=(8, 8))
    for i, ax in enumerate(axes.flat):
        ax.imshow(maps[i])
        ax.axis("off")
    return fig
