"""Correct, in a wrapper: a `PneumoniaNet(nn.Module)` holding the ResNet50 as self.model (after github.com/harjeet-chahal/PneumoXAI src/model.py, with the brief's 2-way head), every pretrained layer frozen; otherwise the reference's recipe."""
import os

import torch
from torch import nn
from torchvision import datasets, models, transforms

IMAGENET_MEAN, IMAGENET_STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


class PneumoniaNet(nn.Module):
    def __init__(self, weights=None):
        super().__init__()
        self.model = models.resnet50(weights=weights)
        for param in self.model.parameters():
            param.requires_grad = False
        self.model.fc = nn.Linear(self.model.fc.in_features, 2)

    def forward(self, x):
        return self.model(x)


def make_transforms():
    train = transforms.Compose([
        transforms.Grayscale(num_output_channels=3),
        transforms.RandomResizedCrop(224, scale=(0.8, 1.0)),
        transforms.RandomHorizontalFlip(),
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
    return (datasets.ImageFolder(os.path.join(root, "train"), transform=train_transform),
            datasets.ImageFolder(os.path.join(root, "val"), transform=eval_transform),
            datasets.ImageFolder(os.path.join(root, "test"), transform=eval_transform))


def build_model(weights=None):
    return PneumoniaNet(weights)


def make_criterion(train_dataset):
    counts = torch.bincount(torch.tensor(train_dataset.targets), minlength=len(train_dataset.classes)).float()
    return nn.CrossEntropyLoss(weight=counts.sum() / (len(counts) * counts))
