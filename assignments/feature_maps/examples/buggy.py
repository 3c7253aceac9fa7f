"""Example submission for `grader demo feature_maps`: two realistic mistakes.

feature_maps forgets the ReLU (it returns the convolution's raw output), and plot_feature_maps
ends with plt.show() instead of returning the figure, so it returns None.
"""
import matplotlib.pyplot as plt
import torch
import torch.nn as nn


def feature_maps(model, images):
    conv = next(m for m in model.modules() if isinstance(m, nn.Conv2d))
    with torch.no_grad():
        return conv(images)  # BUG: the assignment asks for the maps after the ReLU


def plot_feature_maps(maps):
    plt.figure(figsize=(8, 8))
    for i in range(maps.shape[0]):
        plt.subplot(4, 4, i + 1)
        plt.imshow(maps[i], cmap="gray")
        plt.axis("off")
    plt.show()  # BUG: returns None; the grader needs the Figure
