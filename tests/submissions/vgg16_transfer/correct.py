"""Correct, in the chapter's style (§8.5.2): freeze everything, replace the last layer, and
optimize the new layer's parameters."""
import torch
import torch.nn as nn
import torch.optim as optim
from torchvision import models


def build_model(weights=None):
    model = models.vgg16(weights=weights)
    for param in model.parameters():
        param.requires_grad = False
    model.classifier[6] = nn.Linear(4096, 10)
    return model


def make_optimizer(model):
    return optim.Adam(model.classifier[6].parameters(), lr=0.001)


if __name__ == "__main__":
    model = build_model()
    print(model(torch.randn(2, 3, 32, 32)).shape)
