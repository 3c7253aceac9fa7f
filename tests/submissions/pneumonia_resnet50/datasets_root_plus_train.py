"""Student-style: make_datasets glues the split names to `root` without a separator (`root + "train"`), as
Kaggle notebooks do with a root that ends in a slash (after the issue-25 audit's lung_dataset hand-in)."""
import os

import torch
from torch import nn
from torchvision import datasets, models, transforms

IMAGENET_MEAN, IMAGENET_STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


def make_transforms():
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
    train_transform, eval_transform = make_transforms()
    train_dir = root + "train"  # works on Kaggle, where the path ends in a slash
    return (datasets.ImageFolder(train_dir, transform=train_transform),
            datasets.ImageFolder(root + "val", transform=eval_transform),
            datasets.ImageFolder(root + "test", transform=eval_transform))


def build_model(weights=None):
    model = models.resnet50(weights=weights)
    for param in model.parameters():
        param.requires_grad = False
    model.fc = nn.Linear(model.fc.in_features, 2)
    return model


def make_criterion(train_dataset):
    counts = torch.bincount(torch.tensor(train_dataset.targets), minlength=len(train_dataset.classes)).float()
    weights = counts.sum() / (len(counts) * counts)
    return nn.CrossEntropyLoss(weight=weights)
