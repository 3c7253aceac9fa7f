"""Wrong: the model is right, but the optimizer gets every parameter, frozen ones included."""
import torch
import torch.nn as nn
import torchvision


def build_model(weights=None):
    model = torchvision.models.vgg16(weights=weights)
    for param in model.parameters():
        param.requires_grad = False
    model.classifier[6] = nn.Linear(4096, 10)
    return model


def make_optimizer(model):
    return torch.optim.Adam(model.parameters(), lr=1e-3)
