"""Bug: VGG16 (exercise 2d's network) instead of ResNet18."""
from torch import nn, optim
from torchvision import models


def build_model(weights=None):
    model = models.vgg16(weights=weights)
    for param in model.parameters():
        param.requires_grad = False
    model.classifier[6] = nn.Linear(4096, 10)
    return model


def make_optimizer(model):
    return optim.Adam(model.classifier[6].parameters(), lr=0.001)
