"""After a public `Car_Classifier_Resnet(nn.Module)` found by code search (resnet18(weights="DEFAULT") in self.model, everything frozen, then layer3 and layer4 unfrozen, fc = Sequential(Dropout, Linear(512, 256), ReLU, Dropout, Linear(256, num_classes))): weights passed in as the brief asks, num_classes=10, and an optimizer over the trainable parameters."""
import torch
import torch.nn as nn
import torch.optim as optim
from torchvision import models


class Car_Classifier_Resnet(nn.Module):
    def __init__(self, num_classes, weights=None):
        super().__init__()

        self.model = models.resnet18(weights=weights)

        for param in self.model.parameters():
            param.requires_grad = False

        for param in self.model.layer3.parameters():
            param.requires_grad = True

        for param in self.model.layer4.parameters():
            param.requires_grad = True

        self.model.fc = nn.Sequential(
            nn.Dropout(0.5),
            nn.Linear(self.model.fc.in_features, 256),
            nn.ReLU(),
            nn.Dropout(0.3),
            nn.Linear(256, num_classes)
        )

    def forward(self, x):
        return self.model(x)


def build_model(weights=None):
    return Car_Classifier_Resnet(num_classes=10, weights=weights)


def make_optimizer(model):
    return optim.Adam(filter(lambda p: p.requires_grad, model.parameters()), lr=0.001)


if __name__ == "__main__":
    model = build_model()
    print(sum(p.numel() for p in model.parameters() if p.requires_grad), "trainable parameters")
