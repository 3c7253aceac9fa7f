"""The reference VGG16 transfer written another common way: the classifier rebuilt as a new
nn.Sequential with the new head, freezing through requires_grad_(False), and an optimizer over
filter(requires_grad). Must score exactly what the reference scores."""
import torch
import torch.nn as nn
from torchvision import models


def build_model(weights=None):
    model = models.vgg16(weights=weights)
    model.features.requires_grad_(False)
    model.classifier.requires_grad_(False)
    layers = list(model.classifier.children())[:-1]
    model.classifier = nn.Sequential(*layers, nn.Linear(4096, 10))
    return model


def make_optimizer(model):
    return torch.optim.Adam(filter(lambda p: p.requires_grad, model.parameters()), lr=1e-3)
