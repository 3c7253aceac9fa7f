"""Bug: no ToTensor, so Normalize gets a PIL image."""
import torch
import torchvision
from torchvision import transforms


def make_transform():
    return transforms.Compose([transforms.Resize(32)])


def build_model():
    return torchvision.models.resnet18(weights=None, num_classes=10)


if __name__ == "__main__":
    print(build_model()(torch.randn(2, 3, 32, 32)).shape)
