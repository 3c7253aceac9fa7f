"""The reference VGG16 transfer as the reference writes it: the last classifier layer replaced in place.
Must score exactly what the reference scores."""
import torch
import torch.nn as nn
import torchvision


def build_model(weights=None):
    model = torchvision.models.vgg16(weights=weights)
    for param in model.parameters():
        param.requires_grad = False
    model.classifier[6] = nn.Linear(model.classifier[6].in_features, 10)  # new, trainable
    return model


def make_optimizer(model):
    return torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-3)
