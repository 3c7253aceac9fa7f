"""Wrong order: conv → ReLU → BatchNorm2d → MaxPool instead of conv → BatchNorm2d → ReLU → MaxPool.
Placement, running statistics and batch dependence are right (a BatchNorm2d follows each conv
before the next layer with weights); the hidden reference_gradients check tells the order: with
the reference weights the outputs agree (a freshly initialised BatchNorm in eval mode only scales
by 1/sqrt(1 + eps)), but the BatchNorm biases' gradients differ, because ReLU no longer masks them."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class BatchNormCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, kernel_size=3, padding=1)
        self.bn1 = nn.BatchNorm2d(16)
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=3, padding=1)
        self.bn2 = nn.BatchNorm2d(32)
        self.fc1 = nn.Linear(32 * 8 * 8, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.pool(self.bn1(F.relu(self.conv1(x))))
        x = self.pool(self.bn2(F.relu(self.conv2(x))))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        return self.fc2(x)
