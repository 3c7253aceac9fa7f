"""Wrong network: ResNet18 (the chapter's example) instead of VGG16, fine-tuned the same way."""
import torch
import torch.nn as nn
from torchvision import models


def build_model(weights=None):
    model = models.resnet18(weights=weights)
    for param in model.parameters():
        param.requires_grad = False
    model.fc = nn.Linear(model.fc.in_features, 10)
    return model


def make_optimizer(model):
    return torch.optim.Adam(model.fc.parameters(), lr=1e-3)
