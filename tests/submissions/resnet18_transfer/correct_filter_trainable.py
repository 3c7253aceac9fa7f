"""Correct, another style: freeze by named_parameters, build the head from the old one's size, optimize
whatever is trainable (as many tutorials write it)."""
import torch
import torchvision


def build_model(weights=None):
    net = torchvision.models.resnet18(weights=weights)
    for name, p in net.named_parameters():
        p.requires_grad_(False)
    in_features = net.fc.in_features
    net.fc = torch.nn.Linear(in_features, 10)
    return net


def make_optimizer(model):
    params = [p for p in model.parameters() if p.requires_grad]
    return torch.optim.Adam(params, lr=1e-3)
