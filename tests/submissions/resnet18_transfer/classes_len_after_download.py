"""Bug: the number of classes comes from `len(classes)`, with `classes = trainset.classes` read off a CIFAR-10
download at the top level (the PyTorch CIFAR-10 tutorial's habit, pytorch/tutorials
beginner_source/blitz/cifar10_tutorial.py); the download fails without network, so `classes` is never set."""
import torchvision
import torchvision.transforms as transforms
from torch import nn, optim
from torchvision import models

transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
trainset = torchvision.datasets.CIFAR10(root='./data', train=True, download=True, transform=transform)
classes = trainset.classes


def build_model(weights=None):
    model = models.resnet18(weights=weights)
    for param in model.parameters():
        param.requires_grad = False
    model.fc = nn.Linear(model.fc.in_features, len(classes))
    return model


def make_optimizer(model):
    return optim.Adam(model.fc.parameters(), lr=0.001)
