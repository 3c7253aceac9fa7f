# adapted from github.com/enzofaceroli/CIFAR-10_Classification_DCC197 models/vgg16_transfer.py (weights=VGG16_Weights, model.fc) plus a torchsummary check
import torch
import torch.nn as nn
from torchvision.models import vgg16, VGG16_Weights
from torchsummary import summary


def build_model(weights=None, num_classes=10, freeze_backbone=True):
    model = vgg16(weights=VGG16_Weights)

    if freeze_backbone:
        for param in model.parameters():
            param.requires_grad = False

    in_features = model.classifier[-1].in_features
    model.classifier[-1] = nn.Linear(in_features, num_classes)

    for param in model.fc.parameters():
        param.requires_grad = True

    return model


def make_optimizer(model):
    return torch.optim.Adam(filter(lambda p: p.requires_grad, model.parameters()), lr=1e-3)


model = build_model()
summary(model, (3, 32, 32), device="cpu")
