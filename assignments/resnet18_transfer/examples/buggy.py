"""Bug: the freezing loop runs after model.fc is replaced, so the new layer is frozen too."""
from torch import nn, optim
from torchvision import models


def build_model(weights=None):
    model = models.resnet18(weights=weights)
    model.fc = nn.Linear(model.fc.in_features, 10)
    for param in model.parameters():
        param.requires_grad = False
    return model


def make_optimizer(model):
    return optim.Adam(model.fc.parameters(), lr=0.001)
