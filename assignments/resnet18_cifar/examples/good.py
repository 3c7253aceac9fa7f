"""Correct: the chapter's 8.4 example, with `pretrained=False` spelled as today's `weights=None`."""
import torch
import torchvision
from torchvision import transforms


def make_transform():
    return transforms.Compose([transforms.Resize(32), transforms.ToTensor(),
                               transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])


def build_model():
    return torchvision.models.resnet18(weights=None, num_classes=10)


if __name__ == "__main__":
    print(build_model()(torch.randn(2, 3, 32, 32)).shape)
