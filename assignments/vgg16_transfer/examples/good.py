"""Example submission for `grader demo`: a correct transfer-learning set-up.

VGG16's convolutional feature extractor is frozen, the last classifier layer is replaced by a new
10-class layer, and Adam optimizes exactly the trainable parameters.
"""
import torch
import torch.nn as nn
import torchvision


def build_model(weights=None):
    model = torchvision.models.vgg16(weights=weights)
    for param in model.parameters():
        param.requires_grad = False          # freeze the pretrained network ...
    model.classifier[6] = nn.Linear(4096, 10)  # ... then add the new head (trainable)
    return model


def make_optimizer(model):
    trainable = [p for p in model.parameters() if p.requires_grad]
    return torch.optim.Adam(trainable, lr=1e-3)


if __name__ == "__main__":
    model = build_model()
    print(model(torch.randn(2, 3, 32, 32)).shape)  # torch.Size([2, 10])
