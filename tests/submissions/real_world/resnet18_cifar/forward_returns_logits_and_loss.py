"""After a public `class ResNet18(Module)` found by code search (torchvision's resnet18 with `fc` replaced, forward(images, targets=None) returning `(x, loss)` or `(x, None)`, a debug print kept), num_classes 2 -> 10 and pretrained=True -> False as the brief asks."""
import torch
from torch.nn import CrossEntropyLoss
from torch.nn import Module
from torchvision import models, transforms


class ResNet18(Module):
    def __init__(self, num_classes=10):
        super(self.__class__, self).__init__()
        self.resnet = models.resnet18(pretrained=False)
        self.resnet.fc = torch.nn.Linear(self.resnet.fc.in_features, num_classes)

    def forward(self, images, targets=None):
        print(type(targets))
        x = self.resnet(images)

        if targets is not None:
            loss_func = CrossEntropyLoss()
            loss = loss_func(x, targets.view(-1))

            return x, loss

        return x, None


def build_model():
    return ResNet18(num_classes=10)


def make_transform():
    return transforms.Compose([
        transforms.Resize(32),
        transforms.ToTensor(),
        transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5)),
    ])
