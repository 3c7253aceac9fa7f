"""Incomplete: build_model is right, make_optimizer is not written yet."""
import torch.nn as nn
import torchvision


def build_model(weights=None):
    model = torchvision.models.vgg16(weights=weights)
    for param in model.parameters():
        param.requires_grad = False
    model.classifier[6] = nn.Linear(4096, 10)
    return model
