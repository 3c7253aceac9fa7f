"""Wrong signature: build_model() takes no `weights` argument, so the grader cannot ask for the
pretrained weights (it calls build_model(weights=...))."""
import torch
import torch.nn as nn
import torchvision


def build_model():
    model = torchvision.models.vgg16()
    for param in model.parameters():
        param.requires_grad = False
    model.classifier[6] = nn.Linear(4096, 10)
    return model


def make_optimizer(model):
    return torch.optim.Adam(model.classifier[6].parameters(), lr=1e-3)
