"""Bug: num_classes left at ImageNet's 1000."""
import torch
import torchvision
from torchvision import transforms


def make_transform():
    return transforms.Compose([transforms.Resize(32), transforms.ToTensor(),
                               transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])


def build_model():
    return torchvision.models.resnet18(weights=None)


if __name__ == "__main__":
    print(build_model()(torch.randn(2, 3, 32, 32)).shape)
