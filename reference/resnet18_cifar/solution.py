"""Reference solution: section 8.4's CIFAR-10 example (ResNet18 with 10 classes, no pretrained weights)."""
from torchvision import models, transforms


def make_transform():
    return transforms.Compose([
        transforms.Resize(32),
        transforms.ToTensor(),
        transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5)),
    ])


def build_model():
    return models.resnet18(weights=None, num_classes=10)
