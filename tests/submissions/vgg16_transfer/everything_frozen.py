"""Wrong: the new head is created first and everything is frozen afterwards, new head included,
so nothing can learn."""
import torch
import torch.nn as nn
import torchvision


def build_model(weights=None):
    model = torchvision.models.vgg16(weights=weights)
    model.classifier[6] = nn.Linear(4096, 10)
    for param in model.parameters():  # BUG: freezes the new layer too
        param.requires_grad = False
    return model


def make_optimizer(model):
    return torch.optim.Adam(model.classifier[6].parameters(), lr=1e-3)
