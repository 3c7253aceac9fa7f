"""Correct, in a wrapper: a `TransferModel(nn.Module)` holding the ResNet18 as self.resnet (as public CIFAR-10 transfer code does, e.g. real_world/resnet18_transfer/transfermodel_freeze_all_but_last_two_colab.ipynb), every pretrained layer frozen, self.resnet.fc a new 10-way layer."""
from torch import nn, optim
from torchvision import models


class TransferModel(nn.Module):
    def __init__(self, num_classes=10, weights=None):
        super().__init__()
        self.resnet = models.resnet18(weights=weights)
        for param in self.resnet.parameters():
            param.requires_grad = False
        self.resnet.fc = nn.Linear(self.resnet.fc.in_features, num_classes)

    def forward(self, x):
        return self.resnet(x)


def build_model(weights=None):
    return TransferModel(num_classes=10, weights=weights)


def make_optimizer(model):
    return optim.Adam(model.resnet.fc.parameters(), lr=0.001)
