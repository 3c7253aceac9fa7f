"""Bug: the ImageNet head (1000 classes) is kept."""
from torch import nn, optim
from torchvision import models


def build_model(weights=None):
    model = models.resnet18(weights=weights)
    for param in model.parameters():
        param.requires_grad = False
    model.fc.requires_grad_(True)
    return model


def make_optimizer(model):
    return optim.Adam(model.fc.parameters(), lr=0.001)
