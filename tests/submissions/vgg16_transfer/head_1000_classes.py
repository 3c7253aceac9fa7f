"""Wrong: the features are frozen but the ImageNet head (1000 classes) is never replaced."""
import torch
import torchvision


def build_model(weights=None):
    model = torchvision.models.vgg16(weights=weights)
    for param in model.features.parameters():
        param.requires_grad = False
    return model


def make_optimizer(model):
    return torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-3)
