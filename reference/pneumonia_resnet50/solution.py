# Written by `grader assign` from master.py: edit the master, not this file.
"""Reference solution: the chapter's project, pneumonia from chest X-rays with a pretrained ResNet50."""


import os

import torch
from torch import nn
from torchvision import datasets, models, transforms

IMAGENET_MEAN, IMAGENET_STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


def make_transforms():
    """(train_transform, eval_transform): grayscale PIL image → float [3, 224, 224], ImageNet-normalised."""
    train = transforms.Compose([
        transforms.Grayscale(num_output_channels=3),
        transforms.RandomResizedCrop(224, scale=(0.8, 1.0)),
        transforms.RandomHorizontalFlip(),
        transforms.RandomRotation(10),
        transforms.ToTensor(),
        transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD),
    ])
    evaluation = transforms.Compose([
        transforms.Grayscale(num_output_channels=3),
        transforms.Resize(256),
        transforms.CenterCrop(224),
        transforms.ToTensor(),
        transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD),
    ])
    return train, evaluation


def make_datasets(root):
    """(train, val, test) ImageFolder datasets of root/train, root/val, root/test."""
    train_transform, eval_transform = make_transforms()
    return (datasets.ImageFolder(os.path.join(root, "train"), transform=train_transform),
            datasets.ImageFolder(os.path.join(root, "val"), transform=eval_transform),
            datasets.ImageFolder(os.path.join(root, "test"), transform=eval_transform))


def build_model(weights=None):
    """resnet50(weights=weights), every parameter frozen, a new 2-way fc."""
    model = models.resnet50(weights=weights)
    for param in model.parameters():
        param.requires_grad = False
    model.fc = nn.Linear(model.fc.in_features, 2)
    return model


def make_criterion(train_dataset):
    """nn.CrossEntropyLoss weighted by the inverse of the training class counts."""
    counts = torch.bincount(torch.tensor(train_dataset.targets), minlength=len(train_dataset.classes)).float()
    weights = counts.sum() / (len(counts) * counts)
    return nn.CrossEntropyLoss(weight=weights)
