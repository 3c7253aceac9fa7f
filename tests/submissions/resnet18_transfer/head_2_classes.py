"""Bug: the 2-way head of PyTorch's transfer-learning tutorial (ants and bees) kept for CIFAR-10's 10 classes;
the backbone is frozen and only the new layer is optimized, as in the tutorial's "ConvNet as fixed feature
extractor" (pytorch.org/tutorials/beginner/transfer_learning_tutorial.html)."""
import torch.nn as nn
import torch.optim as optim
import torchvision


def build_model(weights=None):
    model_conv = torchvision.models.resnet18(weights=weights)
    for param in model_conv.parameters():
        param.requires_grad = False
    # Parameters of newly constructed modules have requires_grad=True by default
    num_ftrs = model_conv.fc.in_features
    model_conv.fc = nn.Linear(num_ftrs, 2)
    return model_conv


def make_optimizer(model_conv):
    # Observe that only parameters of final layer are being optimized as opposed to before.
    return optim.SGD(model_conv.fc.parameters(), lr=0.001, momentum=0.9)
