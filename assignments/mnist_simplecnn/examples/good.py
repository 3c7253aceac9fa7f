"""Example submission for `grader demo mnist_simplecnn`: correct.

The chapter's 8.3.2 network written as two nn.Sequential blocks with nn.ReLU modules and
nn.Flatten; it prints a line at import (allowed) and keeps its own test under the main guard.
"""
import torch
from torch import nn

print("good.py: building the MNIST SimpleCNN")


class SimpleCNN(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_channels=1, out_channels=32, kernel_size=3, padding=1),  # 28x28
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=2, stride=2),                                # 14x14
            nn.Conv2d(in_channels=32, out_channels=64, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=2, stride=2),                                # 7x7
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(64 * 7 * 7, 128),
            nn.ReLU(),
            nn.Linear(128, num_classes),
        )

    def forward(self, images):
        return self.classifier(self.features(images))


if __name__ == "__main__":
    net = SimpleCNN()
    print(net(torch.zeros(4, 1, 28, 28)).shape)  # torch.Size([4, 10])
