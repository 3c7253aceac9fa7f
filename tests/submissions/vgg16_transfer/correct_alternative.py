"""Correct, another style: only the convolutional feature extractor is frozen, the whole
classifier is fine-tuned (its last layer replaced), SGD with momentum over whatever is trainable."""
import torch
from torch import nn
import torchvision


def build_model(weights=None):
    model = torchvision.models.vgg16(weights=weights)
    model.features.requires_grad_(False)
    last = model.classifier[-1]
    model.classifier[-1] = nn.Linear(last.in_features, 10)
    return model


def make_optimizer(model):
    trainable = filter(lambda p: p.requires_grad, model.parameters())
    return torch.optim.SGD(trainable, lr=1e-3, momentum=0.9)
