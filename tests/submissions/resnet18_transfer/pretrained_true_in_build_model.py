"""Bug: build_model ignores its `weights` argument and downloads the ImageNet weights itself with the chapter's
`models.resnet18(pretrained=True)` (as in the PyTorch transfer-learning tutorial, pytorch/tutorials
beginner_source/transfer_learning_tutorial.py, `models.resnet18(weights='IMAGENET1K_V1')`), so every call the
grader makes downloads, and the grader has no network."""
from torch import nn, optim
from torchvision import models


def build_model(weights=None):
    model = models.resnet18(pretrained=True)
    for param in model.parameters():
        param.requires_grad = False
    model.fc = nn.Linear(model.fc.in_features, 10)
    return model


def make_optimizer(model):
    return optim.Adam(model.fc.parameters(), lr=0.001)
