"""Bug, in a wrapper: layer4 fine-tuned with the head ("unfreeze the last block", as public transfer-learning code often does, e.g. real_world/resnet18_transfer/car_classifier_layer3_layer4_unfrozen.py) where the brief freezes every pretrained layer; the ResNet18 sits in self.model."""
import torch.nn as nn
import torch.optim as optim
from torchvision import models


class Classifier(nn.Module):
    def __init__(self, num_classes, weights=None):
        super().__init__()
        self.model = models.resnet18(weights=weights)
        for param in self.model.parameters():
            param.requires_grad = False
        for param in self.model.layer4.parameters():
            param.requires_grad = True
        self.model.fc = nn.Linear(self.model.fc.in_features, num_classes)

    def forward(self, x):
        return self.model(x)


def build_model(weights=None):
    return Classifier(num_classes=10, weights=weights)


def make_optimizer(model):
    return optim.Adam([p for p in model.parameters() if p.requires_grad], lr=0.001)
