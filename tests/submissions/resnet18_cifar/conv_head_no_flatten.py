"""Bug: ResNet18's body with a 1×1 convolution as the classifier and no flatten, so the output is [batch, 10, 1, 1]
(the "fully convolutional head" of public segmentation-style code, e.g. torchvision's FCN heads)."""
import torch
import torchvision
from torch import nn
from torchvision import transforms


def make_transform():
    return transforms.Compose([transforms.Resize(32), transforms.ToTensor(),
                               transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])


def build_model():
    resnet = torchvision.models.resnet18(weights=None)
    body = list(resnet.children())[:-1]  # everything up to the global average pooling: [batch, 512, 1, 1]
    return nn.Sequential(*body, nn.Conv2d(512, 10, kernel_size=1))


if __name__ == "__main__":
    print(build_model()(torch.randn(2, 3, 32, 32)).shape)
