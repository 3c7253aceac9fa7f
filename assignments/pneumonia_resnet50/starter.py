# %% [markdown]
# # Pneumonia from chest X-rays (the chapter's project)
#
# Fill in the four functions (see README.md), then run `grader check pneumonia_resnet50 starter.py`.

# %%
import os

import torch
from torch import nn
from torchvision import datasets, models, transforms

IMAGENET_MEAN, IMAGENET_STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


def make_transforms():
    """(train_transform, eval_transform): grayscale PIL image → float [3, 224, 224], ImageNet-normalised."""
    raise NotImplementedError("TODO: write make_transforms")


def make_datasets(root):
    """(train, val, test) ImageFolder datasets of root/train, root/val, root/test."""
    raise NotImplementedError("TODO: write make_datasets")


def build_model(weights=None):
    """resnet50(weights=weights), every parameter frozen, a new 2-way fc."""
    raise NotImplementedError("TODO: write build_model")


def make_criterion(train_dataset):
    """nn.CrossEntropyLoss weighted by the inverse of the training class counts."""
    raise NotImplementedError("TODO: write make_criterion")


# %% tags=["skip-grading"]
# Fine-tuning on the real X-rays (put them under ./chest_xray); the grader never runs this cell.
if __name__ == "__main__":
    train_set, val_set, test_set = make_datasets("./chest_xray")
    model = build_model(weights=models.ResNet50_Weights.IMAGENET1K_V2)
    criterion = make_criterion(train_set)
    optimizer = torch.optim.Adam(model.fc.parameters(), lr=1e-3)
    loader = torch.utils.data.DataLoader(train_set, batch_size=32, shuffle=True)
    model.train()
    for images, labels in loader:
        optimizer.zero_grad()
        loss = criterion(model(images), labels)
        loss.backward()
        optimizer.step()
