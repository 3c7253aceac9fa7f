"""Bug: one deterministic transform for every split (`return transform, transform`, as public chest-X-ray loading scripts do, e.g. real_world/pneumonia_resnet50/grayscale_half_norm_unweighted_plot_at_top.py): no augmentation, which the transforms check charges; make_datasets cannot be told to give each split the right one. Otherwise the reference's recipe."""
import os

import torch
from torch import nn
from torchvision import datasets, models, transforms


def make_transforms():
    transform = transforms.Compose([
        transforms.Grayscale(num_output_channels=3),
        transforms.Resize((224, 224)),
        transforms.ToTensor(),
        transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
    ])
    return transform, transform


def make_datasets(root):
    transform, _ = make_transforms()
    return (datasets.ImageFolder(os.path.join(root, "train"), transform=transform),
            datasets.ImageFolder(os.path.join(root, "val"), transform=transform),
            datasets.ImageFolder(os.path.join(root, "test"), transform=transform))


def build_model(weights=None):
    model = models.resnet50(weights=weights)
    for param in model.parameters():
        param.requires_grad = False
    model.fc = nn.Linear(model.fc.in_features, 2)
    return model


def make_criterion(train_dataset):
    counts = torch.bincount(torch.tensor(train_dataset.targets), minlength=len(train_dataset.classes)).float()
    return nn.CrossEntropyLoss(weight=counts.sum() / (len(counts) * counts))
