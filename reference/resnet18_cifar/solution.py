# Written by `grader assign` from master.py: edit the master, not this file.
"""Reference solution: section 8.4's CIFAR-10 example (ResNet18 with 10 classes, no pretrained weights)."""


import torch
import torchvision
from torchvision import transforms


def build_model():
    """torchvision's ResNet18 with 10 outputs, no pretrained weights."""
    # TODO: torchvision.models.resnet18(...)
    return torchvision.models.resnet18(weights=None, num_classes=10)


def make_transform():
    """The chapter's CIFAR-10 transform: Resize(32), ToTensor, Normalize with 0.5 per channel."""
    # TODO: transforms.Compose([...])
    return transforms.Compose([
        transforms.Resize(32),
        transforms.ToTensor(),
        transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5)),
    ])
