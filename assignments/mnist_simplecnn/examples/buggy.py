"""Example submission for `grader demo mnist_simplecnn`: a realistic mistake.

fc1 is sized 64*8*8 (as if 28 -> 14 -> 8 after two poolings; it is 7), so every forward pass
fails in fc1 with "mat1 and mat2 shapes cannot be multiplied (Nx3136 and 4096x128)".
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class SimpleCNN(nn.Module):
    def __init__(self):
        super(SimpleCNN, self).__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.fc1 = nn.Linear(64 * 8 * 8, 128)  # BUG: the feature map is 7x7 here, not 8x8
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = self.fc2(x)
        return x
