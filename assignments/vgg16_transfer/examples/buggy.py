"""Example submission for `grader demo`: a realistic mistake.

The new head is added first and the whole network is frozen afterwards, so the new layer is
frozen too and nothing can learn; and the optimizer is handed every parameter, frozen or not.
"""
import torch
import torch.nn as nn
import torchvision


def build_model(weights=None):
    model = torchvision.models.vgg16(weights=weights)
    model.classifier[6] = nn.Linear(4096, 10)
    for param in model.parameters():  # BUG: also freezes the new classifier[6]
        param.requires_grad = False
    return model


def make_optimizer(model):
    return torch.optim.Adam(model.parameters(), lr=1e-3)  # BUG: frozen parameters included
