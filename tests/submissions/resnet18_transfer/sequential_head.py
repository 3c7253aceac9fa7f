"""Bug: a two-layer head `model.fc = nn.Sequential(nn.Linear(num_ftrs, 256), nn.ReLU(), nn.Dropout(0.4), nn.Linear(256, 10))` (as public Kaggle transfer-learning notebooks write it) where the brief replaces fc by one nn.Linear(512, 10); the backbone is frozen."""
from torch import nn, optim
from torchvision import models


def build_model(weights=None):
    model = models.resnet18(weights=weights)
    for param in model.parameters():
        param.requires_grad = False
    num_ftrs = model.fc.in_features
    model.fc = nn.Sequential(nn.Linear(num_ftrs, 256), nn.ReLU(), nn.Dropout(0.4), nn.Linear(256, 10))
    return model


def make_optimizer(model):
    return optim.Adam(model.fc.parameters(), lr=0.001)
